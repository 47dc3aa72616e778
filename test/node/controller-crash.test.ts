import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { createProcessManager, type Store } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, liveRecords, onTeardown, readText, reaper, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/**
 * Starts an FFmpeg-like recorder from a controller that is its own OS process, then kills that controller with
 * SIGKILL: nothing of it survives but the record file and the recorder.
 */
async function crashAfterStart(t: TestContext, stop: unknown[] = [{ write: 'q', wait: 3000 }, { signal: 'SIGINT', wait: 2000 }]) {
  const reap = reaper(t);
  const dir = tempDir(t);
  const out = join(dir, 'recording.txt');
  const controller = startNode(t, fixture('controller.mjs'), [dir, 'rec-app', JSON.stringify([{ name: 'recorder', command: process.execPath, args: [fixture('recorder.mjs'), out], stdin: 'fifo', stop, meta: { out } }])]);
  const pid = Number((await controller.line('started recorder')).trim());
  reap(pid);
  await waitFor('the recorder to start writing', () => readText(out).includes('tick'));
  controller.child.kill('SIGKILL');
  assert.equal((await controller.exited).signal, 'SIGKILL');
  const ticks = readText(out).length;
  await waitFor('the recorder to keep recording without its controller', () => readText(out).length > ticks);
  assert.ok(isAlive(pid));
  return { dir, out, pid };
}

describe('a controller killed with SIGKILL', () => {
  test('a new controller adopts the process and stops it gracefully through its FIFO', async (t) => {
    const { dir, out, pid } = await crashAfterStart(t);
    const pm = await createProcessManager({ namespace: 'rec-app', backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 50 });
    t.after(() => pm.close());
    assert.deepEqual(pm.recovery.map((r) => [r.name, r.pid, r.status]), [['recorder', pid, 'adopted']]);
    const rec = pm.get('recorder')!;
    assert.equal(rec.pid, pid);
    assert.equal(rec.adopted, true);
    assert.deepEqual(rec.meta, { out });
    const result = await rec.stop();
    assert.equal(result.by, 'write "q"');
    assert.equal(result.step, 0);
    assert.equal(result.forced, false);
    assert.deepEqual(result.exit, { code: null, signal: null }, 'an adopted process has no knowable exit code');
    assert.match(readText(out), /trailer q\n$/, 'the file was finished, not cut off');
    assert.equal(isAlive(pid), false);
    assert.deepEqual(await liveRecords(fileStore({ dir }), 'rec-app'), []);
  });

  test("a second controller's `q` through the FIFO reaches the process after the first died", async (t) => {
    const { dir, out, pid } = await crashAfterStart(t);
    const pm = await createProcessManager({ namespace: 'rec-app', backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 50 });
    t.after(() => pm.close());
    const rec = pm.get('recorder')!;
    await rec.write('q');
    assert.deepEqual(await rec.exited, { code: null, signal: null });
    assert.equal(isAlive(pid), false);
    assert.match(readText(out), /trailer q\n$/);
  });

  test("onOrphan: 'stop' stops what the dead controller left, by its stored plan", async (t) => {
    const { dir, out, pid } = await crashAfterStart(t, [{ signal: 'SIGINT', wait: 3000 }]);
    const pm = await createProcessManager({ namespace: 'rec-app', backend: nodeBackend(), store: fileStore({ dir }), onOrphan: 'stop' });
    t.after(() => pm.close());
    const [entry] = pm.recovery;
    assert.equal(entry?.status, 'stopped');
    assert.equal(entry?.pid, pid);
    assert.equal(entry?.stop?.by, 'SIGINT');
    assert.match(readText(out), /trailer SIGINT\n$/);
    assert.equal(isAlive(pid), false);
    assert.equal(pm.list().length, 0);
  });

  test('onOrphan as a function decides per record, from its stored facts', async (t) => {
    const { dir, pid, out } = await crashAfterStart(t);
    const seen: string[] = [];
    const pm = await createProcessManager({
      namespace: 'rec-app',
      backend: nodeBackend(),
      store: fileStore({ dir }),
      onOrphan: async (record) => {
        seen.push(`${record.name}:${record.pid}:${JSON.stringify(record.meta)}`);
        return (record.meta as { out?: string }).out === out ? 'stop' : 'adopt';
      },
    });
    t.after(() => pm.close());
    assert.deepEqual(seen, [`recorder:${pid}:${JSON.stringify({ out })}`]);
    assert.equal(pm.recovery[0]?.status, 'stopped', "the function's answer was followed");
    assert.equal(isAlive(pid), false);
  });

  test('a process that ended while no controller watched is reported gone, its record kept only as a trace', async (t) => {
    const { dir, pid } = await crashAfterStart(t);
    process.kill(pid, 'SIGKILL');
    await waitFor('the recorder to end', () => !isAlive(pid));
    const pm = await createProcessManager({ namespace: 'rec-app', backend: nodeBackend(), store: fileStore({ dir }) });
    t.after(() => pm.close());
    assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]), [['recorder', 'gone']]);
    assert.deepEqual(await liveRecords(fileStore({ dir }), 'rec-app'), []);
    assert.match((await pm.lastExit('recorder'))?.how ?? '', /no controller watched/);
  });

  test('a controller that is already running finds, by name, a process another controller started later', async (t) => {
    const reap = reaper(t);
    const dir = tempDir(t);
    const watcher = await createProcessManager({ namespace: 'late', backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 50 });
    t.after(() => watcher.close());
    assert.equal(watcher.get('newcomer'), undefined);
    const other = startNode(t, fixture('controller.mjs'), [dir, 'late', JSON.stringify([{ name: 'newcomer', command: 'sleep', args: ['60'] }])]);
    const pid = Number(await other.line('started newcomer'));
    reap(pid);
    const handle = watcher.get('newcomer');
    assert.equal(handle?.pid, pid);
    assert.equal(handle?.adopted, true);
    assert.throws(() => watcher.get('../newcomer'), TypeError);
    const result = await handle!.stop();
    assert.equal(result.outcome, 'stopped');
    assert.equal(isAlive(pid), false);
  });
});

describe("onOrphan: 'stop' while another manager of the namespace is open", () => {
  test('what an open manager (another OS process) runs is adopted, not stopped; once it is gone, the next manager stops it', async (t) => {
    const reap = reaper(t);
    const dir = tempDir(t);
    const options = { namespace: 'open-app', backend: nodeBackend(), store: fileStore({ dir }) };
    const controller = startNode(t, fixture('controller.mjs'), [dir, 'open-app', JSON.stringify([{ name: 'worker', command: 'sleep', args: ['60'] }])]);
    const pid = Number((await controller.line('started worker')).trim());
    reap(pid);

    const second = await createProcessManager({ ...options, onOrphan: 'stop' });
    assert.deepEqual(second.recovery.map((r) => [r.name, r.pid, r.status]), [['worker', pid, 'adopted']]);
    assert.match(second.recovery[0]!.detail, /another manager of this namespace is open on this store/);
    assert.ok(isAlive(pid), 'the open manager kept its process');
    // A function is told, and decides itself.
    const told: Array<boolean | undefined> = [];
    const third = await createProcessManager({ ...options, onOrphan: (_record, found) => (told.push(found.alone), 'adopt') });
    assert.deepEqual(told, [false]);
    await second.close();
    await third.close();

    controller.child.kill('SIGKILL');
    assert.equal((await controller.exited).signal, 'SIGKILL');
    const last = await createProcessManager({ ...options, onOrphan: 'stop' });
    t.after(() => last.close());
    assert.deepEqual(last.recovery.map((r) => [r.name, r.status]), [['worker', 'stopped']], 'the kernel let go of the killed manager\'s mark');
    assert.equal(isAlive(pid), false);
  });

  test('a manager of the same process counts as open until close()', async (t) => {
    const reap = reaper(t);
    const dir = tempDir(t);
    const options = { namespace: 'open-here', backend: nodeBackend(), store: fileStore({ dir }) };
    const first = await createProcessManager(options);
    const pid = reap((await first.start('worker', { command: 'sleep', args: ['60'], ready: false })).pid)!;
    const second = await createProcessManager({ ...options, onOrphan: 'stop' });
    assert.deepEqual(second.recovery.map((r) => r.status), ['adopted']);
    await second.close();
    await first.close();
    const third = await createProcessManager({ ...options, onOrphan: 'stop' });
    t.after(() => third.close());
    assert.deepEqual(third.recovery.map((r) => r.status), ['stopped']);
    assert.equal(isAlive(pid), false);
  });
});

test('a store that cannot tell whether another manager is open (join: alone undefined): the manager warns, onOrphan: stop adopts instead, a function is told undefined', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('presence');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const { pid } = await first.start('worker', { command: 'sleep', args: ['60'] });
  reaper(t)(pid);
  await first.close();
  const base = fileStore({ dir });
  const unknowing: Store = { ...base, name: 'unknowing', join: () => ({ alone: undefined, reason: 'no way to tell (a test store)', leave: () => undefined }) };
  const second = await createProcessManager({ namespace, backend: nodeBackend(), store: unknowing, onOrphan: 'stop' });
  onTeardown(t, () => second.close());
  assert.deepEqual(second.recovery.map((r) => [r.name, r.pid, r.status]), [['worker', pid, 'adopted']]);
  assert.match(second.recovery[0]!.detail, /cannot tell whether another manager of this namespace is open: no way to tell \(a test store\); adopted instead of stopped/);
  assert.deepEqual(second.warnings, [{ code: 'PRESENCE_UNKNOWN', message: 'no way to tell (a test store)' }]);
  assert.ok(isAlive(pid));
  const told: Array<boolean | undefined> = [];
  const third = await createProcessManager({ namespace, backend: nodeBackend(), store: unknowing, onOrphan: (_record, found) => (told.push(found.alone), 'adopt') });
  onTeardown(t, () => third.close());
  assert.deepEqual(told, [undefined]);
  const plain = await createProcessManager({ namespace, backend: nodeBackend(), store: base });
  onTeardown(t, () => plain.close());
  assert.deepEqual(plain.warnings, [], 'a store that can tell: no warning');
});
