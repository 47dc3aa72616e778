import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, MARKER_ENV } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, recordFile, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

const open = (dir: string, namespace: string) => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });

/** A process not started by pidkeep, carrying `marker`; `user` runs it as another user (we run as root). */
function marked(t: Parameters<typeof reaper>[0], marker: string, user?: number) {
  const args = user === undefined ? ['sleep', '300'] : ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups', 'sleep', '300'];
  const child = spawn(args[0]!, args.slice(1), { env: { ...process.env, [MARKER_ENV]: marker }, stdio: 'ignore', detached: true });
  reaper(t)(child.pid);
  return child.pid!;
}

test("two stores with one namespace never sweep each other's processes", async (t) => {
  const namespace = uniqueNamespace('shared');
  const [dirA, dirB] = [tempDir(t), tempDir(t)];
  const reap = reaper(t);
  const a = await open(dirA, namespace);
  const recorded = await a.start('recorded', { command: 'sleep', args: ['300'] });
  const lost = await a.start('lost', { command: 'sleep', args: ['300'] });
  [recorded.pid, lost.pid].forEach(reap);
  await a.close();
  rmSync(recordFile(dirA, namespace, 'lost')); // A's own orphan
  const b = await open(dirB, namespace);
  t.after(() => b.close());
  assert.deepEqual(await b.sweep(), [], "B's sweep touches none of A's processes, recorded or not");
  assert.ok(isAlive(recorded.pid) && isAlive(lost.pid));
  const a2 = await open(dirA, namespace);
  t.after(() => a2.close());
  assert.deepEqual((await a2.sweep()).map((s) => s.pid), [lost.pid], "A's sweep ends A's orphan");
  assert.ok(isAlive(recorded.pid));
  await a2.stop('recorded');
});

test('the store id survives a wiped store folder: a sweep after the wipe still ends the old processes', async (t) => {
  const namespace = uniqueNamespace('wiped');
  const dir = tempDir(t);
  const pm = await open(dir, namespace);
  const h = await pm.start('p', { command: 'sleep', args: ['300'] });
  reaper(t)(h.pid);
  await pm.close();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const again = await open(dir, namespace);
  t.after(() => again.close());
  assert.deepEqual((await again.sweep()).map((s) => s.pid), [h.pid]);
  await waitFor('the old process to end', () => !isAlive(h.pid));
});

test("a sweep leaves other users' processes alone unless asked (allUsers)", async (t) => {
  const namespace = uniqueNamespace('users');
  const dir = tempDir(t);
  const pm = await open(dir, namespace);
  t.after(() => pm.close());
  const store = fileStore({ dir });
  const nobody = marked(t, `${namespace}@${store.id(namespace)}/ffffffffffffffff`, 65534);
  await waitFor('the other user\'s process to run sleep', async () => (await nodeBackend().scan!(`${namespace}@`)).some((p) => p.pid === nobody && p.uid === 65534));
  assert.deepEqual(await pm.sweep(), []);
  assert.ok(isAlive(nobody));
  assert.deepEqual((await pm.sweep({ allUsers: true })).map((s) => s.pid), [nobody]);
  await waitFor('it to end', () => !isAlive(nobody));
});

test('upgrades stay safe: a pidkeep 0.1.0 process and record are adopted and stopped; a 0.1.0 sweep never matches a new marker', async (t) => {
  const namespace = uniqueNamespace('legacy');
  const dir = tempDir(t);
  const id = 'abcdef0123456789abcdef01';
  const old = marked(t, `${namespace}/${id}`);
  const [seen] = await nodeBackend().probe([old]);
  const record = { v: 1, id, namespace, name: 'old', backend: 'node', command: 'sleep', args: ['300'], cwd: null, startedAt: Date.now(), stdin: null, logs: { stdout: null, stderr: null }, stop: [{ signal: 'SIGTERM', wait: 2000 }, { signal: 'SIGKILL', wait: 2000 }], meta: null, pid: old, bootId: seen!.identity!.bootId, startTime: seen!.identity!.startTime, comm: 'sleep' };
  mkdirSync(join(dir, namespace, 'records'), { recursive: true });
  // 0.1.0 wrote no pid namespace: its key is the bare name in any namespace.
  writeFileSync(join(dir, namespace, 'records', 'old.json'), `${JSON.stringify(record)}\n`);
  const pm = await open(dir, namespace);
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]), [['old', 'adopted']]);
  const fresh = await pm.start('new', { command: 'sleep', args: ['300'] });
  reaper(t)(fresh.pid);
  assert.deepEqual((await nodeBackend().scan!(`${namespace}/`)).map((p) => p.pid), [old], "0.1.0's sweep prefix matches only 0.1.0's process");
  assert.deepEqual(await pm.sweep(), [], 'both are recorded');
  assert.equal((await pm.stop('old')).outcome, 'stopped');
  assert.ok(!isAlive(old));
  await pm.stop('new');
});
