import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('a store shared with another pid namespace: its records are skipped (never gone or reused), its names never block ours, its processes never swept', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('pidns');
  const reap = reaper(t);
  const open = (options: { otherPidNamespaces?: 'keep' | 'forget' } = {}) => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }), ...options });
  const host = await open();
  const mine = await host.start('shared', { command: 'sleep', args: ['300'] });
  reap(mine.pid);
  await host.close();

  // A container: a pid namespace of its own (its pids repeat the host's), the same store.
  const container = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', `${process.execPath} ${fixture('pidns-controller.mjs')} ${dir} ${namespace} shared & wait`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  reap(container.pid);
  let out = '';
  container.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  let err = '';
  container.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  await waitFor(`the container's start (stderr: ${err})`, () => /started \d+/.test(out), { timeout: 20_000 });
  assert.match(out, /recovery \[\["shared","skipped"\]\]/, "the host's record is not the container's to judge");
  const theirs = (await nodeBackend().scan!(`${namespace}@`)).filter((p) => p.pid !== mine.pid);
  assert.equal(theirs.length, 1, 'the container started its own "shared" beside the host\'s');
  reap(theirs[0]!.pid);
  assert.ok(readdirSync(join(dir, namespace, 'records')).some((f) => /^shared@\d+\.json$/.test(f)), 'its record has a key of its own');

  const again = await open();
  t.after(() => again.close());
  const statuses = again.recovery.map((r) => r.status).sort();
  assert.deepEqual(statuses, ['adopted', 'skipped']);
  assert.match(again.recovery.find((r) => r.status === 'skipped')!.detail, /another pid namespace/);
  assert.equal(again.get('shared')?.pid, mine.pid);
  assert.deepEqual(await again.sweep(), [], "the container's process is never swept from here");

  // Where every launch gets a new pid namespace (Flatpak), other namespaces' records are taken as ended.
  const forgetting = await open({ otherPidNamespaces: 'forget' });
  t.after(() => forgetting.close());
  assert.ok(forgetting.recovery.some((r) => r.status === 'gone' && /otherPidNamespaces/.test(r.detail)));
  assert.ok(isAlive(theirs[0]!.pid), 'taken as ended, never signalled');
  // Its record is now only a trace, so no record spares it any more: only the pid namespace check does.
  assert.deepEqual(await forgetting.sweep(), [], "a process of another pid namespace is never swept, recorded or not");
  assert.ok(isAlive(theirs[0]!.pid));
  await again.stop('shared');
});
