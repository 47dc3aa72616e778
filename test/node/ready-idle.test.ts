// Issue 20, point 4: an interpreter that fails as it loads its code (a syntax error, a missing module, a throw at
// the top) fails start() and `pidkeep run` by default: it counts as started only once it rests after its start-up
// (`{ idle }`, read from /proc on Linux), not after a fixed 100 ms (25 ms for the CLI) its failure comes after.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError, type Backend } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, recordFile, runCli, tempDir, uniqueNamespace } from '../helpers/index.js';

const notReady = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof PidkeepError && error.code === 'NOT_READY', String(error));
  assert.match(error.message, pattern);
  return true;
};

async function open(t: TestContext, backend: Backend = nodeBackend()) {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('idle');
  const pm = await createProcessManager({ namespace, backend, store: fileStore({ dir }) });
  pm.subscribe((event) => event.type === 'started' && reap(event.pid));
  t.after(() => pm.close());
  return { pm, stored: (name: string) => JSON.parse(readFileSync(recordFile(dir, namespace, name), 'utf8').split('\n')[0]!).ready as unknown };
}

/** Node code that works for `ms` (as loading a large app does), then throws. */
// No stack frames: the error's own line stays among the last 10 lines of stderr that NOT_READY quotes, on every Node.
const busyThenThrow = (ms: number) => `Error.stackTraceLimit = 0; const t = Date.now(); while (Date.now() - t < ${ms}); throw new Error('failed while loading')`;

test('by default an interpreter that fails as it loads fails start(): a missing Python module, a Node throw after 300 ms of work', async (t) => {
  const { pm, stored } = await open(t);
  await assert.rejects(pm.start('py', { command: 'python3', args: ['-c', 'import nosuchmodule'] }), notReady(/ended before it was ready \(at rest for 50 ms, its start-up done\) with exit code 1.*ModuleNotFoundError/s));
  await assert.rejects(pm.start('py', { command: 'python3', args: ['-c', 'raise SystemExit(3)'] }), notReady(/exit code 3/));
  await assert.rejects(pm.start('js', { command: process.execPath, args: ['-e', busyThenThrow(300)] }), notReady(/exit code 1.*failed while loading/s));
  assert.deepEqual(stored('js'), { idle: 50, max: 2000 }, 'the default is kept for a restart');
  // A launcher whose child does the work (npm run, a wrapper script): the tree is watched, not the launcher alone.
  const launcher = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(busyThenThrow(300))}], { stdio: 'inherit' }).on('exit', (code) => process.exit(code))`;
  await assert.rejects(pm.start('tree', { command: process.execPath, args: ['-e', launcher] }), notReady(/exit code 1.*failed while loading/s));
});

test('by default an interpreter that comes up is started once it rests; one busy for good counts as started at max; a native command keeps { alive: 100 }', async (t) => {
  const { pm, stored } = await open(t);
  const server = await pm.start('server', { command: 'python3', args: ['-m', 'http.server', '0', '--bind', '127.0.0.1'] });
  assert.equal(server.status, 'running');
  const began = performance.now();
  const busy = await pm.start('busy', { command: process.execPath, args: ['-e', 'for (;;);'], ready: { idle: 50, max: 300 } });
  assert.ok(performance.now() - began >= 290, 'it waited for the rest it never got, until max');
  assert.ok(isAlive(busy.pid), 'busy the whole time, started at max');
  const sleeper = await pm.start('sleeper', { command: 'sleep', args: ['30'] });
  assert.deepEqual(stored('sleeper'), { alive: 100 });
  for (const handle of [server, busy, sleeper]) await handle.stop();
});

test('{ idle } is refused before spawning by a backend that cannot see a busy process; malformed ones are TypeErrors', async (t) => {
  const base = nodeBackend();
  const blind: Backend = Object.assign(Object.create(base) as Backend, { waitsIdle: false });
  const { pm } = await open(t, blind);
  await assert.rejects(pm.start('x', { command: 'sleep', args: ['30'], ready: { idle: 50 } }), (error: unknown) => error instanceof PidkeepError && error.code === 'UNSUPPORTED' && /cannot see whether a process is busy.*nothing was started/.test(error.message));
  assert.deepEqual(pm.list(), []);
  // Without it, an interpreter's default falls back to { alive: 100 }.
  const node = await pm.start('node', { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
  await node.stop();
  for (const ready of [{ idle: 0 }, { idle: 50, max: 0 }, { idle: 1.5 }, { idle: 50, alive: 10 }, { idle: 3000 }, { idle: 500, max: 400 }, { idle: 50, timeout: 100 }, { alive: 10, max: 5 }, { port: 80, stream: 'stdout' }]) {
    await assert.rejects(pm.start('x', { command: 'sleep', args: ['30'], ready: ready as never }), TypeError, JSON.stringify(ready));
  }
});

test('pidkeep run: a Python or Node script that fails as it loads exits 1 with its code and stderr; a server prints its pid', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('cliidle') };
  const reap = reaper(t);
  const py = await runCli(['run', 'py', '--', 'python3', '-c', 'raise SystemExit(3)'], { env });
  assert.equal(py.code, 1, py.stdout);
  assert.match(py.stderr, /exit code 3/);
  const js = await runCli(['run', 'js', '--', process.execPath, '-e', 'Error.stackTraceLimit = 0; throw new Error("boom at the top")'], { env });
  assert.equal(js.code, 1, js.stdout);
  assert.match(js.stderr, /exit code 1.*boom at the top/s);
  const server = await runCli(['run', 'server', '--', 'python3', '-m', 'http.server', '0', '--bind', '127.0.0.1'], { env });
  assert.equal(server.code, 0, server.stderr);
  reap(Number(server.stdout.trim()));
  const idle = await runCli(['run', 'sleepy', '--ready', 'idle:30', '--ready-timeout', '500', '--', 'sleep', '30'], { env });
  assert.equal(idle.code, 0, idle.stderr);
  reap(Number(idle.stdout.trim()));
  assert.equal((await runCli(['stop', '--all'], { env })).code, 0);
});
