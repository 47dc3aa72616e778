// start(name, { ready }) with real processes: a command that fails at once fails start(); a port, an output line or
// a function decides when a process is ready; a check that times out leaves nothing running.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError, type Backend } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { freePort, isAlive, reaper, tempDir, uniqueNamespace } from '../helpers/index.js';

const code = (expected: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof PidkeepError, `expected a PidkeepError, got ${String(error)}`);
  assert.equal(error.code, expected, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

async function open(t: TestContext, backend: Backend = nodeBackend()) {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: uniqueNamespace('ready'), backend, store: fileStore({ dir: tempDir(t) }), pollInterval: 50 });
  pm.subscribe((event) => event.type === 'started' && reap(event.pid));
  t.after(async () => {
    for (const h of pm.list()) reap(h.pid);
    await pm.close();
  });
  return pm;
}

test('by default a command that fails at once fails start() with its exit code and stderr, and its run is kept as a trace', async (t) => {
  const pm = await open(t);
  await assert.rejects(pm.start('bad', { command: 'sh', args: ['-c', 'echo "no such flag: --frobnicate" >&2; exit 3'] }), code('NOT_READY', /bad, pid \d+: it ended before it was ready \(alive for 100 ms\) with exit code 3; the last lines of its stderr:\nno such flag: --frobnicate/));
  assert.deepEqual(pm.list(), []);
  assert.equal((await pm.lastExit('bad'))?.exit.code, 3);
  // ready: false hands the process over as soon as it is recorded, as before.
  const handle = await pm.start('bad', { command: 'sh', args: ['-c', 'exit 4'], ready: false });
  assert.equal((await handle.exited).code, 4);
  // A command that stays up is handed over after the settle.
  const fine = await pm.start('fine', { command: 'sleep', args: ['30'] });
  assert.equal(fine.status, 'running');
  await fine.stop();
});

test('{ port }: start() resolves once the port accepts, from every address localhost has', async (t) => {
  const pm = await open(t);
  const port = await freePort();
  // The server listens only after a while, on ::1 or 127.0.0.1, whichever localhost resolves to first.
  const script = `setTimeout(() => require('net').createServer().listen(${port}, 'localhost', () => console.log('listening')), 400)`;
  const began = Date.now();
  const handle = await pm.start('server', { command: process.execPath, args: ['-e', script], ready: { port } });
  assert.ok(Date.now() - began >= 400, 'not before the server listens');
  const connected = await new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: 'localhost', autoSelectFamily: true }, () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  assert.ok(connected, 'the port accepts when start() resolves');
  await handle.stop();
});

test('{ line }: only a line of this run counts; a check that times out stops the process and says why', async (t) => {
  const pm = await open(t);
  const first = await pm.start('svc', { command: 'sh', args: ['-c', 'echo loading; sleep 0.3; echo "listening on 7001"; exec sleep 30'], ready: { line: /listening on \d+/ } });
  assert.match(readFileSync(first.logs.stdout!, 'utf8'), /listening on 7001/);
  await first.stop();
  // The same log file now holds "listening on 7001" from the run before: it must not make this run ready.
  const began = Date.now();
  await assert.rejects(
    pm.start('svc', { command: 'sh', args: ['-c', 'echo "still loading" >&2; exec sleep 30'], ready: { line: 'listening on', timeout: 600 } }),
    code('NOT_READY', /it was not ready within 600 ms \(a line of its output matching listening on\), so it was stopped: stopped by step 0 \(SIGTERM\).*\n?.*still loading/s),
  );
  assert.ok(Date.now() - began >= 600);
  assert.deepEqual(pm.list(), []);
  const trace = await pm.lastExit('svc');
  assert.ok(trace && !isAlive(trace.pid), 'nothing is left running');
  // stderr is matched too, and with stream: 'stdout' it is not.
  const viaStderr = await pm.start('err', { command: 'sh', args: ['-c', 'echo "ready now" >&2; exec sleep 30'], ready: { line: 'ready now' } });
  await viaStderr.stop();
  await assert.rejects(pm.start('err', { command: 'sh', args: ['-c', 'echo "ready now" >&2; exec sleep 30'], ready: { line: 'ready now', stream: 'stdout', timeout: 400 } }), code('NOT_READY'));
});

test('{ port }: a port another process holds is not the child\'s: the new server fails ("address in use") and start() says so; a server behind a wrapper is', async (t) => {
  const pm = await open(t);
  const port = await freePort();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => squatter.close(resolve)));
  const server = ['-m', 'http.server', String(port), '--bind', '127.0.0.1'];
  await assert.rejects(pm.start('web', { command: 'python3', args: server, ready: { port, host: '127.0.0.1', timeout: 10_000 } }), code('NOT_READY', /ended before it was ready .*Address already in use/s));
  await new Promise((resolve) => squatter.close(resolve));
  // Listening from a child of the started process (a shell that does not exec) counts: it is the process's own.
  const wrapped = await pm.start('web', { command: 'sh', args: ['-c', `python3 ${server.join(' ')}; :`], ready: { port, host: '127.0.0.1', timeout: 10_000 } });
  await wrapped.stop();
});

test('{ line } and a program that buffers its output into a file (Python): the timeout says so, and unbuffered it is ready', async (t) => {
  const pm = await open(t);
  const server = ['-c', "print('Serving HTTP on 0.0.0.0 port 8000'); import time; time.sleep(30)"];
  await assert.rejects(
    // The variable removed, should this environment set it.
    pm.start('py', { command: 'python3', args: server, env: { PYTHONUNBUFFERED: undefined }, ready: { line: 'Serving HTTP', timeout: 1500 } }),
    code('NOT_READY', /not ready within 1500 ms .*may keep its lines in a buffer .*PYTHONUNBUFFERED=1/s),
  );
  const ready = await pm.start('py', { command: 'python3', args: server, env: { PYTHONUNBUFFERED: '1' }, ready: { line: 'Serving HTTP', timeout: 10_000 } });
  await ready.stop();
});

test('{ until }: your check decides; an end before it passes is NOT_READY', async (t) => {
  const pm = await open(t);
  let calls = 0;
  const handle = await pm.start('polled', { command: 'sleep', args: ['30'], ready: { until: (h) => (calls++, h.status === 'running' && calls >= 3), interval: 20 } });
  assert.equal(calls, 3);
  await handle.stop();
  await assert.rejects(pm.start('dies', { command: 'sh', args: ['-c', 'sleep 0.2; exit 7'], ready: { until: () => false } }), code('NOT_READY', /ended before it was ready \(its `until` check\) with exit code 7/));
  await assert.rejects(pm.start('throws', { command: 'sleep', args: ['30'], ready: { until: () => Promise.reject(new Error('health check broke')) } }), code('NOT_READY', /its readiness check failed \(health check broke\), so it was stopped/));
  assert.deepEqual(pm.list(), []);
});

test('bad checks are refused before anything is spawned; a backend that cannot check says so', async (t) => {
  let spawns = 0;
  const inner = nodeBackend();
  const pm = await open(t, { ...inner, spawn: (request) => (spawns++, inner.spawn(request)) });
  for (const ready of [{}, { alive: -1 }, { port: 0 }, { port: 70000 }, { line: '' }, { alive: 10, port: 80 }, { until: 'yes' }, { line: 'x', stream: 'both!' }, 'soon']) {
    await assert.rejects(pm.start('x', { command: 'sleep', args: ['30'], ready: ready as never }), TypeError, JSON.stringify(ready));
  }
  const { waitReady: _, ...plain } = inner;
  const limited = await open(t, { ...plain, spawn: (request) => (spawns++, inner.spawn(request)) });
  await assert.rejects(limited.start('x', { command: 'sleep', args: ['30'], ready: { port: 8080 } }), code('UNSUPPORTED', /cannot check ports; use \{ alive \} or \{ until \}/));
  assert.equal(spawns, 0);
});

test('a backend without exit events (a detached start) is checked by probing: a command that failed at once is NOT_READY', async (t) => {
  const inner = nodeBackend();
  const pm = await open(t, { ...inner, spawn: async (request) => ({ ...(await inner.spawn(request)), exited: undefined }) });
  await assert.rejects(pm.start('gone', { command: 'sh', args: ['-c', 'echo "bad config" >&2; exit 2'] }), code('NOT_READY', /ended before it was ready \(alive for 100 ms\) with an unknown status; the last lines of its stderr:\nbad config/));
  const alive = await pm.start('alive', { command: 'sleep', args: ['30'] });
  assert.equal(alive.status, 'running');
  await alive.stop();
});
