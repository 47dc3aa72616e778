// Issue 20, point 1: a restart waits for the readiness check its run was started with (the record keeps it), or for
// the one it is given; a server that is restarted and then connected to is listening when restart() resolves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { accepts, freePort, isAlive, reaper, recordFile, runCli, tempDir, uniqueNamespace } from '../helpers/index.js';

/** A server that takes 500 ms to listen, as a real one loading its code does, and says so on stdout. */
const slowServer = (port: number) => `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('READY on ${port}')), 500)`;

test('pm.restart waits for the port check the run was started with, in this controller and in a later one; a check given is kept for the next restart', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('rready');
  const open = () => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const pm = await open();
  t.after(() => pm.close());
  pm.subscribe((event) => event.type === 'started' && reap(event.pid));
  const port = await freePort();
  const first = await pm.start('api', { command: process.execPath, args: ['-e', slowServer(port)], ready: { port, host: '127.0.0.1' } });
  assert.ok(await accepts(port), 'start() resolved once the port accepted');
  const second = await pm.restart('api');
  assert.notEqual(second.pid, first.pid);
  assert.ok(await accepts(port), 'restart() resolved once the new run accepted, not 100 ms after its spawn');
  assert.deepEqual(JSON.parse(readFileSync(recordFile(dir, namespace, 'api'), 'utf8').split('\n')[0]!).ready, { port, host: '127.0.0.1' });

  // A later controller (the program restarted) restarts from the record alone.
  await pm.close();
  const later = await open();
  t.after(() => later.close());
  later.subscribe((event) => event.type === 'started' && reap(event.pid));
  const third = await later.restart('api');
  assert.equal(third.adopted, false);
  assert.ok(!isAlive(second.pid));
  assert.ok(await accepts(port), 'the check came from the record');

  // A check given to restart is used and kept: a RegExp line this time, read back from the record by the next restart.
  const fourth = await later.restart('api', { ready: { line: /ready on \d+/i, stream: 'stdout' } });
  assert.match(readFileSync(fourth.logs.stdout!, 'utf8'), /READY on/, 'resolved once the line was written');
  assert.deepEqual(JSON.parse(readFileSync(recordFile(dir, namespace, 'api'), 'utf8').split('\n')[0]!).ready, { pattern: 'ready on \\d+', flags: 'i', stream: 'stdout' });
  const fifth = await later.restart('api', [{ signal: 'SIGTERM', wait: 3000 }]);
  assert.match(readFileSync(fifth.logs.stdout!, 'utf8').split('--- pidkeep: run').at(-1)!, /READY on/, 'the kept RegExp was waited for');
  await fifth.stop();
  // An ended run is restarted with its check too.
  const sixth = await later.restart('api');
  assert.match(readFileSync(sixth.logs.stdout!, 'utf8').split('--- pidkeep: run').at(-1)!, /READY on/);
  await sixth.stop();
});

test('pm.restart with an `until` check: the controller that started the run waits for it again; another refuses before stopping anything', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('runtil');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  pm.subscribe((event) => event.type === 'started' && reap(event.pid));
  let calls = 0;
  const until = () => ++calls % 3 === 0; // ready at every third look
  const first = await pm.start('job', { command: 'sleep', args: ['60'], ready: { until, interval: 10 } });
  assert.equal(calls, 3);
  const second = await pm.restart('job');
  assert.equal(calls, 6, 'the same function was waited for again');

  // Another controller (it adopted the run) has no such function: it refuses before stopping anything.
  const later = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => later.close());
  later.subscribe((event) => event.type === 'started' && reap(event.pid));
  assert.equal(later.get('job')?.adopted, true);
  await assert.rejects(later.restart('job'), (error: unknown) => {
    assert.ok(error instanceof PidkeepError && error.code === 'UNSUPPORTED', String(error));
    assert.match(error.message, /`until` readiness function.*pm\.restart\(name, \{ ready \}\).*--ready.*nothing was stopped/);
    return true;
  });
  assert.ok(isAlive(second.pid), 'nothing was stopped');
  const third = await later.restart('job', { ready: { alive: 20 } });
  assert.ok(!isAlive(second.pid) && isAlive(third.pid));
  await third.stop();
  assert.ok(first.pid !== third.pid);
  await assert.rejects(later.restart('job', { ready: { alive: -5 } }), TypeError);
  await assert.rejects(later.restart('job', { stop: [], bogus: 1 } as never), /Unknown restart option "bogus"/);
});

test('pidkeep restart waits for the check `run --ready` gave, or for --ready given to it (then kept)', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('crready') };
  const reap = reaper(t);
  const port = await freePort();
  const run = await runCli(['run', 'api', '--ready', `port:127.0.0.1:${port}`, '--', process.execPath, '-e', slowServer(port)], { env });
  assert.equal(run.code, 0, run.stderr);
  reap(Number(run.stdout.trim()));
  for (let i = 0; i < 3; i++) {
    const restarted = await runCli(['restart', 'api'], { env });
    assert.equal(restarted.code, 0, restarted.stderr);
    reap(Number(restarted.stdout.trim()));
    assert.ok(await accepts(port), `try ${i + 1}: the port accepts once restart has printed the pid`);
  }
  const line = await runCli(['restart', 'api', '--ready', 'line:READY on', '--ready-timeout', '5000'], { env });
  assert.equal(line.code, 0, line.stderr);
  reap(Number(line.stdout.trim()));
  const facts = JSON.parse((await runCli(['describe', 'api', '--json'], { env })).stdout) as { logs: { stdout: string } };
  assert.match(readFileSync(facts.logs.stdout, 'utf8').split('--- pidkeep: run').at(-1)!, /READY on/);
  const bad = await runCli(['restart', 'api', '--ready-timeout', '100'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ready-timeout needs --ready/);
  assert.equal((await runCli(['stop', 'api'], { env })).code, 0);
});
