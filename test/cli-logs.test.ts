// `pidkeep logs` as a user types it: both streams marked, one stream as it is, the last N lines, the last run or all
// of them, following, and a reader that closes early.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cli, pipeCli, reaper, runCli, tempDir, uniqueNamespace, waitFor } from './helpers/index.js';

const MiB = 1024 * 1024;
const seq = (from: number, to: number, mark = '') => Array.from({ length: to - from + 1 }, (_, i) => `${mark}${from + i}\n`).join('');
const RUN = /--- pidkeep: run [0-9a-f]+ of r started \S+ ---/g;

/** Starts the CLI and collects what it prints, for a command that runs on (`logs -f`). */
function startCli(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
  reaper(t)(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { stdout: () => stdout, stderr: () => stderr, exited };
}

test('logs: both streams with each line marked, one stream as it is, exactly the last N lines, the last run or every run', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('logs-view');
  const at = ['--dir', dir, '--namespace', namespace];

  const first = await runCli(['run', 'r', ...at, '--', 'sh', '-c', 'echo first; echo first-err >&2; exec sleep 60']);
  assert.equal(first.code, 0, first.stderr);
  reap(Number(first.stdout.trim()));
  await waitFor('the first run to write', async () => (await runCli(['logs', 'r', '--stderr', ...at])).stdout === 'first-err\n');
  assert.equal((await runCli(['stop', 'r', ...at])).code, 0);
  const second = await runCli(['run', 'r', ...at, '--', 'sh', '-c', 'seq 1 30; seq 101 105 >&2; exec sleep 60']);
  assert.equal(second.code, 0, second.stderr);
  reap(Number(second.stdout.trim()));
  await waitFor('the second run to write', async () => (await runCli(['logs', 'r', '--stderr', '-n', '1', ...at])).stdout === '105\n');

  const logs = async (...args: string[]) => {
    const result = await runCli(['logs', 'r', ...args, ...at]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  // The last run only: a run's stdout, then its stderr, each line marked; no separator.
  assert.equal(await logs(), seq(1, 30, 'out: ') + seq(101, 105, 'err: '));
  assert.equal(await logs('--stdout'), seq(1, 30));
  assert.equal(await logs('--stderr'), seq(101, 105));
  assert.equal(await logs('-n', '3'), seq(28, 30, 'out: ') + seq(103, 105, 'err: '));
  assert.equal(await logs('--lines', '7', '--stdout'), seq(24, 30));
  assert.equal(await logs('-n', '0'), '');
  assert.equal(await logs('--stderr', '-n', '100'), seq(101, 105), 'never past the start of the run');
  // Every run the files hold, each after its separator, printed once for both streams.
  assert.equal((await logs('--all-runs')).replace(RUN, 'RUN'), `RUN\nout: first\nerr: first-err\nRUN\n${seq(1, 30, 'out: ')}${seq(101, 105, 'err: ')}`);
  const raw = readFileSync(join(dir, namespace, 'logs', 'r.out.log'), 'utf8');
  assert.equal(await logs('--all-runs', '--stdout'), raw, 'one stream of every run: the file as it is');
  assert.equal((await logs('--all-runs', '--stdout', '-n', '2')).replace(RUN, 'RUN'), 'RUN\n29\n30\n', 'the run of the lines shown, named');

  const both = await runCli(['logs', 'r', '--stdout', '--stderr', ...at]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^pidkeep: logs: give --stdout or --stderr, not both/);
  const bad = await runCli(['logs', 'r', '-n', 'ten', ...at]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^pidkeep: logs: -n expects a number of lines, got "ten"/);
  const missing = await runCli(['logs', 'nobody', ...at]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no process and no log named "nobody".*\(NOT_FOUND\)/);
  assert.match((await runCli(['help', 'logs'])).stdout, /--all-runs/);
});

test('logs -f starts from the last 10 lines, prints what is written after it started, and ends when the process does', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('logs-follow');
  const at = ['--dir', dir, '--namespace', namespace];
  const go = join(dir, 'go');
  const script = `seq 1 50; while [ ! -e '${go}' ]; do sleep 0.05; done; echo after; echo after-err >&2; sleep 0.3; printf last`;
  const run = await runCli(['run', 'r', ...at, '--', 'sh', '-c', script]);
  assert.equal(run.code, 0, run.stderr);
  reap(Number(run.stdout.trim()));
  await waitFor('the first lines', async () => (await runCli(['logs', 'r', '--stdout', '-n', '1', ...at])).stdout === '50\n');

  const follow = startCli(t, ['logs', 'r', '-f', ...at]);
  await waitFor('logs -f to print the tail', () => follow.stdout() === seq(41, 50, 'out: '));
  writeFileSync(go, '');
  const code = await follow.exited;
  assert.equal(code, 0, follow.stderr());
  // An unfinished last line is printed once the process has ended, and ended with a newline.
  assert.equal(follow.stdout(), `${seq(41, 50, 'out: ')}out: after\nerr: after-err\nout: last\n`);

  // The process has ended: -f prints the tail and returns at once.
  assert.equal((await runCli(['logs', 'r', '-f', '--stdout', '-n', '2', ...at], { timeout: 20_000 })).stdout, 'after\nlast');
});

test('logs -f goes on across a restart (the new run\'s lines), and ends when the process ends for good', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('logs-restart');
  const at = ['--dir', dir, '--namespace', namespace];
  const run = await runCli(['run', 'r', ...at, '--', 'sh', '-c', 'echo "start $$"; while :; do echo tick; sleep 0.1; done']);
  assert.equal(run.code, 0, run.stderr);
  reap(Number(run.stdout.trim()));
  const follow = startCli(t, ['logs', 'r', '-f', '--stdout', ...at]);
  await waitFor('logs -f to follow the first run', () => follow.stdout().includes('tick'));
  const restarted = await runCli(['restart', 'r', ...at]);
  assert.equal(restarted.code, 0, restarted.stderr);
  const second = Number(/\d+/.exec(restarted.stdout)![0]);
  reap(second);
  // Over 3 s of the second run's ticks (one every 0.1 s): longer than any wait for a last line after an end.
  const ticksOfSecond = () => (follow.stdout().split(`start ${second}`)[1] ?? '').split('tick').length - 1;
  await waitFor('the second run followed for over 3 s', () => ticksOfSecond() >= 30, { timeout: 20_000 });
  let done = false;
  void follow.exited.then(() => (done = true));
  assert.equal(done, false, 'still following');
  assert.equal((await runCli(['stop', 'r', ...at])).code, 0);
  assert.equal(await follow.exited, 0, follow.stderr());
});

test('logs into a reader that closes at once (`pidkeep logs x | head -1`) ends quietly with exit code 0', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('logs-head');
  const at = ['--dir', dir, '--namespace', namespace];
  const logs = join(dir, namespace, 'logs');
  mkdirSync(logs, { recursive: true });
  // Several MiB in both: far more than a pipe holds, so the CLI is still writing when `head` goes.
  const line = 'the quick brown fox jumps over the lazy dog\n';
  writeFileSync(join(logs, 'x.out.log'), line.repeat(Math.ceil((8 * MiB) / line.length)));
  writeFileSync(join(logs, 'x.err.log'), line.repeat(Math.ceil((8 * MiB) / line.length)));
  for (const args of [[], ['--stderr'], ['-n', '100000'], ['--all-runs']]) {
    const printed = await pipeCli(t, ['logs', 'x', ...args, ...at], ['head', '-1']);
    assert.equal(printed.read, args[0] === '--stderr' ? line : `out: ${line}`, args.join(' '));
    assert.equal(printed.stderr, '', 'no EPIPE stack trace, no message');
    assert.equal(printed.code, 0);
  }
});
