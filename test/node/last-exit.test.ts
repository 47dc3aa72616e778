import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('an ended process leaves a trace of how it ended, which never blocks its name', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('ended');
  const open = () => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const pm = await open();
  t.after(() => pm.close());
  const quick = await pm.start('quick', { command: 'sh', args: ['-c', 'exit 3'], ready: false });
  assert.deepEqual(await quick.exited, { code: 3, signal: null });
  const stopped = await pm.start('stopped', { command: 'sleep', args: ['300'] });
  reaper(t)(stopped.pid);
  await stopped.stop();
  // A later controller (or the CLI) reads how each run ended.
  const later = await open();
  t.after(() => later.close());
  assert.deepEqual(later.recovery, [], 'a trace is nothing to reconcile');
  const q = await later.lastExit('quick');
  assert.equal(q?.pid, quick.pid);
  assert.deepEqual(q?.exit, { code: 3, signal: null });
  assert.equal(q?.how, 'exited');
  const s = await later.lastExit('stopped');
  assert.deepEqual(s?.exit, { code: null, signal: 'SIGTERM' });
  assert.equal(s?.how, 'stopped by pidkeep');
  assert.equal(await later.lastExit('never'), undefined);
  assert.deepEqual((await later.ended()).map((e) => [e.name, e.how]), [['quick', 'exited'], ['stopped', 'stopped by pidkeep']], 'every trace, by name');
  // The name is free: a new run replaces the trace, and while it runs there is no last exit to show.
  const again = await later.start('quick', { command: 'sleep', args: ['300'] });
  reaper(t)(again.pid);
  assert.equal(await later.lastExit('quick'), undefined);
  assert.deepEqual((await later.ended()).map((e) => e.name), ['stopped'], 'a running name has no trace');
  assert.deepEqual(await later.sweep(), []);
  await again.stop();
});

test('a process that ended while no controller watched leaves a trace too (exit unknowable)', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('ended');
  const open = () => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const first = await open();
  const h = await first.start('p', { command: 'sleep', args: ['300'] });
  await first.close();
  process.kill(h.pid, 'SIGKILL');
  // Not `h.exited`: after close() the child no longer holds the event loop open, so nothing may wait on its event.
  await waitFor('p to be gone', () => !isAlive(h.pid));
  const later = await open();
  t.after(() => later.close());
  assert.equal(later.recovery[0]?.status, 'gone');
  const last = await later.lastExit('p');
  assert.deepEqual(last?.exit, { code: null, signal: null });
  assert.match(last?.how ?? '', /ended while no controller watched/);
});
