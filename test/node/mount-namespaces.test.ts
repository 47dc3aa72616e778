// Two stores at one path: a "container" in a mount namespace of its own (sharing the pid namespace, as a
// PrivateTmp service or a chroot does) mounts a tmpfs over the host's store folder and runs its own store there.
// Its markers look exactly like the host store's (same path, same namespace), so only the folder each process sees
// tells them apart. Fails on a sweep that trusts the marker alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createProcessManager, type Store } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, reaper, recordFile, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('a sweep on the host never ends the process of a store mounted at the same path in another mount namespace', async (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to create a mount namespace and mount a tmpfs');
  const dir = tempDir(t);
  const namespace = uniqueNamespace('mnt');
  const container = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs tmpfs ${dir} && exec ${process.execPath} ${fixture('pidns-controller.mjs')} ${dir} ${namespace} theirs`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  reaper(t)(container.pid);
  let out = '';
  let err = '';
  container.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  container.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const theirs = Number((await waitFor(`the container's start (stderr: ${err})`, () => /started (\d+)/.exec(out), { timeout: 20_000 }))[1]);
  reaper(t)(theirs);

  // The host's own store at the same path: one recorded process, one whose record was lost.
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const lost = await pm.start('lost', { command: 'sleep', args: ['300'] });
  reaper(t)(lost.pid);
  await pm.close();
  rmSync(recordFile(dir, namespace, 'lost'));
  const host = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => host.close());
  const marked = (await nodeBackend().scan!(`${namespace}@`)).map((p) => [p.pid, p.marker.split('/')[0]]);
  assert.equal(new Set(marked.map(([, prefix]) => prefix)).size, 1, `both stores' markers look alike: ${JSON.stringify(marked)}`);

  const swept = await host.sweep({ stop: [{ signal: 'SIGTERM', wait: 5000 }] });
  assert.deepEqual(swept.map((s) => [s.pid, s.result?.by]), [[lost.pid, 'SIGTERM']], "only the host store's orphan");
  assert.equal(isAlive(theirs), true, "the container's process runs on");
  assert.deepEqual(await host.setAside(), []);
});

test('a process whose view of the store folder cannot be read is skipped and reported, never signalled', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('unsure');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const { pid } = await first.start('lost', { command: 'sleep', args: ['300'] });
  reaper(t)(pid);
  await first.close();
  rmSync(recordFile(dir, namespace, 'lost'));
  // On Linux a process that hides its folder (not dumpable) hides its environment too, so no scan finds it: the
  // answer is played here by the store, around a real store and a real process.
  const real = fileStore({ dir });
  const store: Store = Object.assign(Object.create(real) as Store, { sharedBy: () => undefined });
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store });
  t.after(() => pm.close());
  const swept = await pm.sweep();
  assert.deepEqual(swept.map((s) => [s.pid, s.result]), [[pid, null]]);
  assert.match(swept[0]!.skipped!, /cannot be read.*left running/);
  assert.equal(isAlive(pid), true);
});
