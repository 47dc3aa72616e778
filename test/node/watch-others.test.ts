// What a dashboard needs: a manager sees processes other controllers (here the CLI, other OS processes) start and
// stop, within a bounded delay, even after its store folder was wiped; start-up events reach an `onEvent` listener;
// `pm.snapshot()` stays the same array until something changes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, type ManagerEvent } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, runCli, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('list, get, subscribe and snapshot follow what other controllers start and stop', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('watch');
  const reap = reaper(t);
  const at = ['--dir', dir, '--namespace', namespace];
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir, watchInterval: 200 }), pollInterval: 100 });
  t.after(() => pm.close());
  const events: ManagerEvent[] = [];
  pm.subscribe((event) => events.push(event));
  const empty = pm.snapshot();
  assert.equal(pm.snapshot(), empty, 'the same array while nothing changes');

  const run = await runCli(['run', 'other', ...at, '--', 'sleep', '60']);
  assert.equal(run.code, 0, run.stderr);
  const pid = Number(run.stdout.trim());
  reap(pid);
  await waitFor('the manager to see the CLI start', () => pm.list().some((h) => h.pid === pid), { timeout: 3000 });
  assert.deepEqual(events.map((e) => `${e.type}:${e.name}:${e.pid}`), [`adopted:other:${pid}`]);
  assert.equal(pm.get('other')?.adopted, true);
  const seen = pm.snapshot();
  assert.notEqual(seen, empty);
  assert.equal(pm.snapshot(), seen);
  assert.ok(Object.isFrozen(seen) && Object.isFrozen(seen[0]));
  assert.deepEqual({ ...seen[0], logs: undefined }, { name: 'other', pid, startedAt: seen[0]!.startedAt, command: 'sleep', args: ['60'], meta: undefined, adopted: true, foundAfter: 'restart', stopping: false, logs: undefined, stdin: null });

  // Another controller stops it and starts the name again: the end and the new process both reach this manager.
  const stop = await runCli(['stop', 'other', ...at]);
  assert.equal(stop.code, 0, stop.stderr);
  await waitFor('the manager to see the end', () => events.some((e) => e.type === 'exited' && e.pid === pid), { timeout: 3000 });
  assert.deepEqual(pm.snapshot(), []);
  const again = await runCli(['run', 'other', ...at, '--', 'sleep', '61']);
  const second = Number(again.stdout.trim());
  reap(second);
  await waitFor('the manager to see the second run', () => pm.get('other')?.pid === second, { timeout: 3000 });

  // A wiped store folder: fs.watch ends with the folder; the periodic check finds the remade one.
  rmSync(join(dir, namespace, 'records'), { recursive: true, force: true });
  const third = await runCli(['run', 'third', ...at, '--', 'sleep', '62']);
  assert.equal(third.code, 0, third.stderr);
  const thirdPid = Number(third.stdout.trim());
  reap(thirdPid);
  await waitFor('the manager to see a start in the remade folder', () => pm.get('third')?.pid === thirdPid, { timeout: 3000 });

  // A stop through this manager shows in the snapshot at the `stopping` event itself, as React would read it.
  const stoppingSeen: boolean[] = [];
  const unsubscribe = pm.subscribe((event) => {
    if (event.type === 'stopping') stoppingSeen.push(pm.snapshot().find((p) => p.name === 'third')!.stopping);
  });
  await pm.stop('third');
  unsubscribe();
  assert.deepEqual(stoppingSeen, [true]);
  assert.deepEqual(pm.snapshot().map((p) => p.name), ['other']);
  await pm.stop('other');
  assert.ok(!isAlive(second) && !isAlive(thirdPid));
});

test('onEvent hears the start-up: adoptions, stops by the orphan policy, and every recovery entry', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('onevent');
  const reap = reaper(t);
  const at = ['--dir', dir, '--namespace', namespace];
  for (const name of ['kept', 'ended', 'stopme']) {
    const run = await runCli(['run', name, ...at, '--', 'sleep', '60']);
    assert.equal(run.code, 0, run.stderr);
    reap(Number(run.stdout.trim()));
  }
  // One record whose process is gone: a kill behind pidkeep's back.
  const ended = await runCli(['ls', '--json', ...at]);
  const endedPid = (JSON.parse(ended.stdout) as Array<{ name: string; pid: number }>).find((row) => row.name === 'ended')!.pid;
  process.kill(endedPid, 'SIGKILL');
  await waitFor('the process to be gone', () => !isAlive(endedPid));

  const events: ManagerEvent[] = [];
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }), onOrphan: (record) => (record.name === 'kept' ? 'adopt' : 'stop'), onEvent: (event) => events.push(event) });
  t.after(() => pm.close());
  const kept = pm.get('kept')!;
  // The stopped one's `exited` may come after the manager resolves: it is left out of the comparison.
  assert.deepEqual(
    events.filter((e) => e.type !== 'exited').map((e) => `${e.type}:${e.name}${e.type === 'recovered' ? `:${e.status}` : ''}`).sort(),
    ['adopted:kept', 'recovered:ended:gone', 'recovered:kept:adopted', 'recovered:stopme:stopped', 'stopped:stopme', 'stopping:stopme'],
  );
  await kept.stop();
});

test('a watched process that died since the last poll does not hold its name: start() looks before refusing', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('stale');
  const reap = reaper(t);
  // A poll far in the future: only start()'s own look can tell that the process has gone.
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 60_000 });
  t.after(() => pm.close());
  const run = await runCli(['run', 'web', '--dir', dir, '--namespace', namespace, '--', 'sleep', '60']);
  const pid = Number(run.stdout.trim());
  reap(pid);
  await waitFor('the manager to watch it', () => pm.get('web')?.pid === pid, { timeout: 3000 });
  await assert.rejects(pm.start('web', { command: 'sleep', args: ['60'] }), /already running/);
  process.kill(pid, 'SIGKILL');
  await waitFor('it to be gone', () => !isAlive(pid));
  const handle = await pm.start('web', { command: 'sleep', args: ['61'] });
  reap(handle.pid);
  assert.equal(handle.adopted, false);
  assert.equal((await pm.lastExit('web')), undefined, 'the new run replaced the trace');
  await handle.stop();
});
