// Logs of real processes: each run kept apart by a separator line, and the opt-in log writer that caps a chatty
// process's files without any controller. The reader's searches (tail, separators) are also checked on files
// built byte by byte, across the borders of its chunks and of rotated files. Linux: /proc tells the writer's
// session and environment.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, MARKER_ENV } from '../../src/index.js';
import { LineMarker, LOG_CHUNK_BYTES, lastSeparator, openChain, runSeparator, separatorsIn, tailStart } from '../../src/node/log-reader.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { cli, fixture, isAlive, readText, reaper, runCli, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';
import { scanMarked } from '../helpers/proc.js';

const KiB = 1024;

/** The log writers (by their command line) that write into `dir`. */
function writersOf(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readText(`/proc/${entry}/cmdline`).split('\0');
    if (args.some((arg) => /log-writer\.[jt]s$/.test(arg)) && args.some((arg) => arg.startsWith(dir))) found.push(Number(entry));
  }
  return found;
}

/** Session id of a pid, from /proc/<pid>/stat. */
function sessionOf(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

const seq = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');

test('a chatty process with capped logs: the files stay bounded, the writer outlives its SIGKILLed controller and ends with the process', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('capped');
  const at = ['--dir', dir, '--namespace', namespace];
  const maxBytes = 64 * KiB;
  // About 4.5 MB on stdout and 1.3 MB on stderr as fast as sh can, then a tick every 50 ms until stopped.
  const script = 'seq 1 600000; seq 1 200000 >&2; echo done; while :; do echo tick; sleep 0.05; done';
  const controller = startNode(t, fixture('log-controller.mjs'), [dir, namespace, 'chatty', String(maxBytes), '2', 'wait', '--', 'sh', '-c', script]);
  const pid = Number(await controller.line('started'));
  reap(pid);
  const [writer] = await waitFor('the log writer', () => (writersOf(dir).length ? writersOf(dir) : undefined));
  reap(writer);
  controller.child.kill('SIGKILL');
  await controller.exited;

  // The writer is no child of the store: its own session, no marker, so no group stop or sweep takes it.
  assert.notEqual(sessionOf(writer!), sessionOf(pid), 'the writer has its own session');
  assert.ok(!readText(`/proc/${writer}/environ`).includes(`${MARKER_ENV}=`), 'the writer carries no pidkeep marker');
  const marked = scanMarked(`${namespace}@`).map((m) => m.pid);
  assert.ok(marked.includes(pid) && !marked.includes(writer!), 'a scan of the namespace finds the process (and its children), never the writer');

  const logs = join(dir, namespace, 'logs');
  await waitFor('all of stderr to be written', async () => (await runCli(['logs', 'chatty', '--stderr', '-n', '1', ...at])).stdout === '200000\n', { timeout: 60_000 });
  const ticks = async () => (await runCli(['logs', 'chatty', '--stdout', '-n', '3', ...at])).stdout;
  await waitFor('the process to tick with no controller', async () => (await ticks()) === 'tick\ntick\ntick\n', { timeout: 30_000 });
  const before = statSync(join(logs, 'chatty.out.log'));
  await waitFor('more ticks: the process writes on, no SIGPIPE', () => {
    const now = statSync(join(logs, 'chatty.out.log'));
    return now.ino !== before.ino || now.size > before.size + 20;
  });
  assert.ok(isAlive(pid) && isAlive(writer!));

  // Bounded: every file at most maxBytes, at most keep (2) rotated files per stream.
  const files = readdirSync(logs).sort();
  assert.deepEqual(files, ['chatty.err.log', 'chatty.err.log.1', 'chatty.err.log.2', 'chatty.out.log', 'chatty.out.log.1', 'chatty.out.log.2']);
  for (const file of files) assert.ok(statSync(join(logs, file)).size <= maxBytes, `${file}: ${statSync(join(logs, file)).size} bytes`);
  // Rotated at line ends: each rotated stderr file holds whole numbers, one after the other.
  const rotated = readFileSync(join(logs, 'chatty.err.log.1'), 'utf8');
  assert.match(rotated, /^\d+\n(\d+\n)*$/);

  // -n reads back across the rotated files, exactly the last N lines (15000 lines of stderr, 105000 bytes, are more
  // than one file holds).
  const tail = await runCli(['logs', 'chatty', '--stderr', '-n', '15000', ...at]);
  assert.equal(tail.code, 0, tail.stderr);
  assert.equal(tail.stdout, seq(185001, 200000));
  // Both streams, marked; the run's separator went with the first rotated file, so all that is kept is this run.
  const both = await runCli(['logs', 'chatty', '-n', '2', ...at]);
  assert.equal(both.stdout, 'out: tick\nout: tick\nerr: 199999\nerr: 200000\n');

  const stop = await runCli(['stop', 'chatty', ...at]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('the writer to end once the process is gone', () => !isAlive(writer!));
  assert.ok(!isAlive(pid));
});

test('logs -f follows a capped log across its rotations, printing every line once, and ends with the process', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('follow-rotating');
  const at = ['--dir', dir, '--namespace', namespace];
  const go = join(dir, 'go');
  // Ten blocks of 3000 numbers (about 20 KB each), one every 150 ms: the 64 KiB file rotates every few blocks, slower
  // than \`logs -f\` looks (every 200 ms), so no file is rotated away unseen.
  const blocks = Array.from({ length: 10 }, (_, i) => `seq ${i * 10000 + 1} ${i * 10000 + 3000}; sleep 0.15`).join('; ');
  const controller = startNode(t, fixture('log-controller.mjs'), [dir, namespace, 'r', String(64 * KiB), '1', 'exit', '--', 'sh', '-c', `echo ready; while [ ! -e '${go}' ]; do sleep 0.05; done; ${blocks}`]);
  const pid = Number(await controller.line('started'));
  reap(pid);
  await controller.exited;
  await waitFor('the process to start writing', async () => (await runCli(['logs', 'r', '--stdout', ...at])).stdout === 'ready\n');
  const follow = startNode(t, cli, ['logs', 'r', '-f', '--stdout', '-n', '0', ...at]);
  // -f has printed nothing yet (-n 0): it follows once it holds the log open.
  const holds = () => readdirSync(`/proc/${follow.child.pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${follow.child.pid}/fd/${fd}`).endsWith('/r.out.log');
    } catch {
      return false; // closed meanwhile
    }
  });
  await waitFor('logs -f to hold the log open', holds);
  writeFileSync(go, '');
  assert.deepEqual(await follow.exited, { code: 0, signal: null }, follow.stderr());
  const expected = Array.from({ length: 10 }, (_, i) => seq(i * 10000 + 1, i * 10000 + 3000)).join('');
  assert.equal(`${follow.lines.join('\n')}\n`, expected);
  assert.ok(readdirSync(join(dir, namespace, 'logs')).includes('r.out.log.1'), 'the log was rotated while followed');
});

test('a log writer that cannot start fails the start with SPAWN_FAILED, and no process is left running', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('nowriter');
  const controller = startNode(t, fixture('log-controller.mjs'), [dir, namespace, 'lost', String(64 * KiB), '1', 'exit', 'broken-writer', '--', 'sleep', '300']);
  const failed = await controller.line('failed');
  assert.match(failed, /^SPAWN_FAILED could not start the log writer .*ended at once \(exit code 1/);
  assert.match(failed, /the process was not started/);
  assert.deepEqual(await controller.exited, { code: 0, signal: null });
  assert.deepEqual(scanMarked(`${namespace}@`), [], 'no child was started with no output path');
  assert.deepEqual(writersOf(dir), []);
});

test('each run starts with a separator line in both logs, written before the child can write, also with the writer', async (t) => {
  const reap = reaper(t);
  for (const logs of [undefined, { maxBytes: 64 * KiB }]) {
    const dir = tempDir(t);
    const namespace = uniqueNamespace('runs');
    const pm = await createProcessManager({ namespace, backend: nodeBackend({ logs }), store: fileStore({ dir }) });
    t.after(() => pm.close());
    for (const n of [1, 2, 3]) {
      // The second run leaves its last line open: the next separator still starts a line of its own.
      // Each lives a moment: long enough to count as started, whatever readiness a start waits for.
      const handle = await pm.start('r', { command: 'sh', args: ['-c', `${n === 2 ? 'printf "run 2"; printf "oops 2" >&2' : `echo run ${n}; echo oops ${n} >&2`}; sleep 0.3`] });
      reap(handle.pid);
      await handle.exited;
      await waitFor('the run to be in its log', () => readText(handle.logs.stderr!).includes(`oops ${n}`));
    }
    const out = readText(join(dir, namespace, 'logs', 'r.out.log'));
    const lines = out.split('\n');
    assert.equal(lines.length, 7, out);
    for (const [i, n] of [1, 2, 3].entries()) {
      assert.match(lines[2 * i]!, /^--- pidkeep: run [0-9a-f]+ of r started \d{4}-\d\d-\d\dT[\d:.]+Z ---$/);
      assert.equal(lines[2 * i + 1], `run ${n}`);
    }
    // The same separators, in the same order, in stderr: that is how `pidkeep logs` pairs the runs of both.
    const separators = (text: string) => text.split('\n').filter((l) => l.startsWith('--- pidkeep: '));
    assert.deepEqual(separators(readText(join(dir, namespace, 'logs', 'r.err.log'))), separators(out));
    const at = ['--dir', dir, '--namespace', namespace];
    assert.equal((await runCli(['logs', 'r', ...at])).stdout, 'out: run 3\nerr: oops 3\n', 'the last run by default');
    const all = await runCli(['logs', 'r', '--all-runs', ...at]);
    assert.equal(all.stdout.replace(/run [0-9a-f]+ of r started \S+/g, 'RUN'), ['--- pidkeep: RUN ---', 'out: run 1', 'err: oops 1', '--- pidkeep: RUN ---', 'out: run 2', 'err: oops 2', '--- pidkeep: RUN ---', 'out: run 3', 'err: oops 3', ''].join('\n'));
    await pm.close();
  }
});

test('the reader finds the tail and the separators across its chunks and across rotated files', (t) => {
  const dir = tempDir(t);
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const path = join(logs, 'x.out.log');
  const sep1 = runSeparator('0123abcd', 'x', new Date(Date.UTC(2026, 0, 1)));
  const sep2 = runSeparator('4567abcd', 'x', new Date(Date.UTC(2026, 0, 2)));
  // Lines of 100 bytes; the second separator sits across the first chunk border of the current file and the chain
  // is split over three files, one line cut in two by a "rotation".
  const line = (n: number) => `${String(n).padStart(99, '.')}\n`;
  const before = Array.from({ length: 700 }, (_, i) => line(i)).join('');
  const pad = `${'p'.repeat(2 * LOG_CHUNK_BYTES - 10 - sep1.length - before.length - 1)}\n`;
  const after = Array.from({ length: 1500 }, (_, i) => line(1000 + i)).join('');
  const whole = sep1 + before + pad + sep2 + after;
  writeFileSync(`${path}.2`, whole.slice(0, 30_000));
  writeFileSync(`${path}.1`, whole.slice(30_000, 30_050)); // a line cut between files
  writeFileSync(path, whole.slice(30_050));
  const chain = openChain(path, dir)!;
  t.after(() => chain.close());
  assert.equal(chain.size, Buffer.byteLength(whole));
  const read = (from: number, to: number) => {
    const buffer = Buffer.alloc(to - from);
    chain.read(buffer, from, to - from);
    return buffer.toString('utf8');
  };
  assert.equal(read(0, chain.size), whole, 'the chain is the files, oldest first');

  const last = lastSeparator(chain, chain.size)!;
  assert.equal(`${last.text}\n`, sep2);
  assert.equal(read(last.contentStart, chain.size), after);
  assert.equal(`${lastSeparator(chain, last.lineStart)!.text}\n`, sep1, 'the one before');
  assert.deepEqual(separatorsIn(chain, 0, chain.size).map((s) => `${s.text}\n`), [sep1, sep2]);

  assert.equal(read(tailStart(chain, 0, chain.size, 3), chain.size), line(2497) + line(2498) + line(2499));
  assert.equal(read(tailStart(chain, last.contentStart, chain.size, 5000), chain.size), after, 'never past the floor');
  assert.equal(tailStart(chain, 0, chain.size, 0), chain.size);
  // Across the cut line and the chunk borders: the last 2152 lines reach back into the oldest file.
  const start = tailStart(chain, 0, chain.size, 1500 + 2 + 650);
  assert.ok(start < 30_000);
  assert.equal(read(start, chain.size), before.split('\n').slice(-651, -1).map((l) => `${l}\n`).join('') + pad + sep2 + after);

  // A prefix goes in front of every line, whatever the chunks' borders.
  const marker = new LineMarker(Buffer.from('out: '));
  const marked = [marker.mark(Buffer.from('a\nb')), marker.mark(Buffer.from('c\n\nd')), marker.endLine()].map((b) => Buffer.from(b).toString()).join('');
  assert.equal(marked, 'out: a\nout: bc\nout: \nout: d\n');
});
