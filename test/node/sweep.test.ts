import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, outputIn, reaper, recordFile, runCli, tempDir, waitFor } from '../helpers/index.js';

test("sweep stops a process whose record was lost and leaves recorded ones and another namespace's alone", async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const open = (namespace: string) => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const mine = await open('sweep-app');
  const other = await open('sweep-app-2'); // a namespace whose name starts like ours
  const lost = await mine.start('lost', { command: 'sh', args: ['-c', 'sleep 300 & echo $!; wait'] });
  const kept = await mine.start('kept', { command: 'sleep', args: ['300'] });
  const foreign = await other.start('foreign', { command: 'sleep', args: ['300'] });
  for (const h of [lost, kept, foreign]) reap(h.pid);
  await mine.close();
  await other.close();
  // The record is lost (a crash between spawn and persist, a wiped webview store, a hand-deleted file).
  rmSync(recordFile(dir, 'sweep-app', 'lost'));

  const pm = await open('sweep-app');
  t.after(() => pm.close());
  assert.deepEqual(pm.list().map((h) => h.name), ['kept']);
  const grandchild = Number(await waitFor('the grandchild pid', () => outputIn(lost.logs.stdout!).trim()));
  reap(grandchild);
  // No age to wait for: the sweep decides under the store's lock, which every start holds until its record is written.
  const swept = await pm.sweep();
  // The shell and its sleep both carry the marker; the group signal ends both.
  assert.ok(swept.some((s) => s.pid === lost.pid), 'the unrecorded process was swept');
  assert.ok(swept.every((s) => s.marker.startsWith('sweep-app@')));
  for (const s of swept) assert.ok(s.result?.outcome === 'stopped' || s.result?.outcome === 'already-exited', JSON.stringify(s));
  await waitFor('the lost process and its child to end', () => !isAlive(lost.pid) && !isAlive(grandchild));
  assert.ok(isAlive(kept.pid), 'a recorded process is left alone');
  assert.ok(isAlive(foreign.pid), "another namespace's process is left alone");
  assert.deepEqual(await pm.sweep(), [], 'a second sweep finds nothing');
});

test('a process whose record turned corrupt is quarantined, never stranded: a sweep ends it', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const open = () => createProcessManager({ namespace: 'sweep-q', backend: nodeBackend(), store: fileStore({ dir }) });
  const first = await open();
  const h = await first.start('victim', { command: 'sleep', args: ['300'] });
  reap(h.pid);
  await first.close();
  // Corrupt the record (cut in half, as a full disk might).
  const file = recordFile(dir, 'sweep-q', 'victim');
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 120));
  const pm = await open();
  t.after(() => pm.close());
  assert.equal(pm.recovery[0]?.status, 'corrupt');
  assert.ok(isAlive(h.pid), 'setting a record aside signals nothing');
  const swept = await pm.sweep();
  assert.deepEqual(swept.map((s) => s.pid), [h.pid], 'its marker proves it ours: the sweep reaches it');
  await waitFor('the quarantined process to end', () => !isAlive(h.pid));
});

test("a swept process's stdin FIFO goes with it, though only its lost record named it", async (t) => {
  const dir = tempDir(t);
  const open = () => createProcessManager({ namespace: 'sweep-fifo', backend: nodeBackend(), store: fileStore({ dir }) });
  const first = await open();
  const h = await first.start('x', { command: 'sleep', args: ['300'], stdin: 'fifo' });
  reaper(t)(h.pid);
  await first.close();
  rmSync(recordFile(dir, 'sweep-fifo', 'x'));
  const pm = await open();
  t.after(() => pm.close());
  assert.deepEqual((await pm.sweep()).map((s) => s.pid), [h.pid]);
  assert.deepEqual(readdirSync(join(dir, 'sweep-fifo', 'run')), []);
});

test('a set-aside record stays reachable: listed with its live process, stoppable by name, shown by `pidkeep ls`', async (t) => {
  const dir = tempDir(t);
  const open = () => createProcessManager({ namespace: 'aside', backend: nodeBackend(), store: fileStore({ dir }) });
  const first = await open();
  const h = await first.start('rec', { command: 'sleep', args: ['300'] });
  reaper(t)(h.pid);
  await first.close();
  const file = recordFile(dir, 'aside', 'rec');
  writeFileSync(file, readFileSync(file, 'utf8').replace('"command":"sleep"', '"command":7'));
  const pm = await open();
  t.after(() => pm.close());
  assert.equal(pm.recovery[0]?.status, 'corrupt');
  assert.deepEqual((await pm.setAside()).map((e) => [e.name, e.pid]), [['rec', h.pid]]);
  const ls = await runCli(['ls', '--dir', dir, '--namespace', 'aside']);
  assert.match(ls.stdout, new RegExp(`rec\\s+${h.pid}\\s+set aside, running`));
  const result = await pm.stop('rec');
  assert.equal(result.by, 'SIGTERM');
  await waitFor('it to end', () => !isAlive(h.pid));
  assert.deepEqual((await pm.setAside()).map((e) => [e.name, e.pid]), [['rec', null]], 'still listed, kept for inspection');
});
