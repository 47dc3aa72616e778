// A live manager is never taken for absent: not after its `open` file was removed, not after the namespace folder
// was wiped and made again. Each test fails on a store whose join counts itself alone on a freshly made `open`
// (the live manager's processes are then stopped under onOrphan: 'stop').
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, reaper, recordFile, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/** A manager in its own OS process that keeps running two sleeps (and watching the store). */
async function liveManager(t: TestContext, dir: string, namespace: string) {
  const controller = startNode(t, fixture('controller.mjs'), [dir, namespace, JSON.stringify([{ name: 'a', command: 'sleep', args: ['300'] }, { name: 'b', command: 'sleep', args: ['300'] }])]);
  const pids = [Number(await controller.line('started a')), Number(await controller.line('started b'))];
  for (const pid of pids) reaper(t)(pid);
  await controller.line('done');
  return { controller, pids };
}

/**
 * Whether `pid` holds a lock on the file now at `path`: one of its descriptors opens that file and its fdinfo lists
 * a lock (fs-native-extensions takes OFD locks on Linux, which /proc/locks shows with no pid).
 */
function holdsLockOn(pid: number, path: string): boolean {
  const { dev, ino } = statSync(path);
  return readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      const target = statSync(`/proc/${pid}/fd/${fd}`);
      return target.dev === dev && target.ino === ino && /^lock:/m.test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    } catch {
      return false;
    }
  });
}

const stopper = (dir: string, namespace: string) => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }), onOrphan: 'stop' });

test("`open` removed under a live manager: a new manager cannot tell, adopts instead of stopping; the live one moves to the new file", async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('open');
  const { controller, pids } = await liveManager(t, dir, namespace);
  const open = join(dir, namespace, 'open');
  rmSync(open);

  const pm = await stopper(dir, namespace);
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]).sort(), [['a', 'adopted'], ['b', 'adopted']]);
  assert.match(pm.recovery[0]!.detail, /cannot tell whether another manager.*was missing while records of this namespace exist.*adopted instead of stopped/);
  assert.deepEqual(pm.warnings.map((w) => w.code), ['PRESENCE_UNKNOWN']);
  assert.ok(pids.every(isAlive));

  // The live manager's next watch tick moves its lock to the new file: a later manager sees it, even alone on disk.
  await waitFor('the live manager to lock the new open file', () => holdsLockOn(controller.child.pid!, open));
  await pm.close();
  const later = await stopper(dir, namespace);
  t.after(() => later.close());
  assert.deepEqual(later.recovery.map((r) => [r.name, r.status]).sort(), [['a', 'adopted'], ['b', 'adopted']]);
  assert.match(later.recovery[0]!.detail, /another manager of this namespace is open/);
  assert.deepEqual(later.warnings, []);
  assert.ok(pids.every(isAlive));

  // Once the live manager is gone, its processes are orphans: stopped.
  controller.child.kill('SIGKILL');
  await controller.exited;
  await later.close();
  const last = await stopper(dir, namespace);
  t.after(() => last.close());
  assert.deepEqual(last.recovery.map((r) => [r.name, r.status]).sort(), [['a', 'stopped'], ['b', 'stopped']]);
});

test('the namespace folder wiped under a live manager: its next start takes the new `open` with it, its watch writes back the records of what it runs, and a new manager adopts both', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('wiped');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => first.close());
  const a = await first.start('a', { command: 'sleep', args: ['300'] });
  reaper(t)(a.pid);
  rmSync(join(dir, namespace), { recursive: true });
  // A start after the wipe makes the folder again, with a record, under the lock: the manager's lock moves too.
  const b = await first.start('b', { command: 'sleep', args: ['300'] });
  reaper(t)(b.pid);
  assert.ok(holdsLockOn(process.pid, join(dir, namespace, 'open')), 'the open manager locks the new file');

  // The manager's watch sees a's record gone while a runs: it writes it back, so no sweep takes a for an orphan.
  await waitFor("a's record written back", () => existsSync(recordFile(dir, namespace, 'a')));
  const pm = await stopper(dir, namespace);
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]).sort(), [['a', 'adopted'], ['b', 'adopted']]);
  assert.match(pm.recovery[0]!.detail, /another manager of this namespace is open/);
  assert.deepEqual(await pm.sweep(), []);
  assert.ok(isAlive(a.pid) && isAlive(b.pid));
});
