import assert from 'node:assert/strict';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { reaper, tempDir, waitFor } from '../helpers/index.js';

test('records and logs are private: dirs 0700, files 0600, whatever the umask', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const old = process.umask(0o000);
  t.after(() => process.umask(old));
  const pm = await createProcessManager({ namespace: 'perm', backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const h = await pm.start('p', { command: 'sleep', args: ['60'], stdin: 'fifo' });
  reap(h.pid);
  const mode = (path: string) => statSync(path).mode & 0o777;
  for (const sub of ['', 'records', 'logs', 'run']) assert.equal(mode(join(dir, 'perm', sub)), 0o700, `${sub || 'namespace'} dir`);
  assert.equal(mode(join(dir, 'perm', 'records', 'p.json')), 0o600);
  assert.equal(mode(h.logs.stdout!), 0o600);
  assert.equal(mode(h.stdin!), 0o600);
  await h.stop();
});

test('a writer that crashed mid-write leaves no half record; its temp file is cleaned up once stale', (t) => {
  const dir = tempDir(t);
  const store = fileStore({ dir });
  store.put('ns', 'a', '{"complete":true}\n');
  const records = join(dir, 'ns', 'records');
  const fresh = join(records, '.b.123456.tmp');
  const stale = join(records, '.c.654321.tmp');
  writeFileSync(fresh, '{"half');
  writeFileSync(stale, '{"half');
  utimesSync(stale, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
  assert.deepEqual(store.list('ns'), [{ key: 'a', text: '{"complete":true}\n' }]);
  assert.deepEqual(readdirSync(records).sort(), ['.b.123456.tmp', 'a.json'], 'a fresh temp file may belong to a live writer');
});

test('a young record without its final newline is being written: invisible until complete, corrupt once old', (t) => {
  const dir = tempDir(t);
  const store = fileStore({ dir });
  store.put('ns', 'done', '{"v":1}\n');
  const half = join(dir, 'ns', 'records', 'half.json');
  writeFileSync(half, '{"v":1,"na');
  assert.deepEqual(store.list('ns').map((e) => e.key), ['done']);
  assert.equal(store.get('ns', 'half'), undefined);
  assert.equal(store.create('ns', 'half', '{}\n'), false, 'the name is still taken');
  utimesSync(half, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
  assert.deepEqual(store.list('ns').map((e) => e.key).sort(), ['done', 'half']);
});

test('creates go through a file prepared ahead of time: exclusive, whole, and no spare lingers', async (t) => {
  const dir = tempDir(t);
  const store = fileStore({ dir });
  const records = join(dir, 'ns', 'records');
  store.put('ns', 'seed', '{}\n'); // makes the directory
  const spareInodes = () => new Set(readdirSync(records).filter((f) => f.startsWith('.spare.')).map((f) => statSync(join(records, f)).ino));
  let viaSpare = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10)); // an event-loop turn, as between real starts
    const before = spareInodes();
    assert.equal(store.create('ns', `k${i}`, `value ${i}\n`), true);
    if (before.has(statSync(join(records, `k${i}.json`)).ino)) viaSpare++;
    assert.equal(store.create('ns', `k${i}`, 'other\n'), false, 'the name exists: a second create never wins');
    assert.equal(store.get('ns', `k${i}`), `value ${i}\n`);
    assert.equal(statSync(join(records, `k${i}.json`)).mode & 0o777, 0o600);
  }
  assert.ok(viaSpare >= 10, `most creates used a prepared file (${viaSpare} of 20)`);
  await waitFor('refills to settle', () => spareInodes().size <= 1);
  assert.equal(store.list('ns').length, 21, 'spares are never listed as records');
});

test('the store refuses keys and namespaces that are not names', (t) => {
  const store = fileStore({ dir: tempDir(t) });
  assert.throws(() => store.put('ns', '../escape', 'x'), TypeError);
  assert.throws(() => store.put('../ns', 'a', 'x'), TypeError);
  assert.throws(() => store.create('ns', 'a/b', 'x'), TypeError);
});
