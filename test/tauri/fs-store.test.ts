import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { tauriFsStore } from '../../src/tauri/fs-store.js';
import { tempDir } from '../helpers/index.js';
import { nodeTauriFs } from '../helpers/tauri-fs.js';

const setup = (t: Parameters<typeof tempDir>[0]) => {
  const root = tempDir(t);
  const records = join(root, 'pidkeep', 'app', 'records');
  return { root, records, store: tauriFsStore({ fs: nodeTauriFs(root) }) };
};

test('layout: <dir>/<namespace>/records/<key>.json; quarantine/ keeps the value with a .reason.txt', async (t) => {
  const { root, records, store } = setup(t);
  await store.put('app', 'bad', '{garbage\n');
  assert.equal(readFileSync(join(records, 'bad.json'), 'utf8'), '{garbage\n');
  await store.quarantine('app', 'bad', 'record is not JSON');
  const aside = readdirSync(join(root, 'pidkeep', 'app', 'quarantine')).sort();
  assert.equal(aside.length, 2);
  assert.match(aside[0]!, /^bad\.\d+\.[0-9a-f]+\.json$/);
  assert.equal(readFileSync(join(root, 'pidkeep', 'app', 'quarantine', aside[1]!), 'utf8'), 'record is not JSON\n');
  assert.deepEqual(readdirSync(records), [], 'no temp files left behind');
});

test('no age decides anything: a file without its final newline is read as it is; a dead writer\'s temp file goes at the next listing under the lock, never without it', async (t) => {
  const { records, store } = setup(t);
  await store.put('app', 'other', 'x\n');
  writeFileSync(join(records, 'cut.json'), '{"v":1');
  assert.equal(await store.get('app', 'cut'), '{"v":1', 'the core judges it (and sets it aside as no record)');
  writeFileSync(join(records, 'rec.0a0b0c0d0e0f.tmp'), '{"v":2');
  assert.deepEqual((await store.list('app')).map((e) => e.key).sort(), ['cut', 'other']);
  assert.ok(readdirSync(records).includes('rec.0a0b0c0d0e0f.tmp'), 'without the lock a put may be under way: left alone');
  const release = await store.lock('app');
  try {
    await store.list('app');
  } finally {
    release();
  }
  assert.ok(!readdirSync(records).includes('rec.0a0b0c0d0e0f.tmp'), 'under the lock no put of this app is under way: a young temp file goes too');
});

test('names that are no record, links and directories are listed as errors for the core to quarantine', async (t) => {
  const { records, store } = setup(t);
  await store.put('app', 'ok', 'ok\n');
  writeFileSync(join(records, 'bad name.json'), '{}\n');
  writeFileSync(join(records, 'target.txt'), '{}\n');
  symlinkSync(join(records, 'target.txt'), join(records, 'link.json'));
  mkdirSync(join(records, 'dir.json'));
  const list = (await store.list('app')).sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(list, [
    { key: 'bad name', error: 'the file name is not a valid record name' },
    { key: 'dir', error: 'the record is not a regular file' },
    { key: 'link', error: 'the record is a symbolic link' },
    { key: 'ok', text: 'ok\n' },
  ]);
  await store.quarantine('app', 'bad name', 'the file name is not a valid record name');
  assert.deepEqual((await store.listQuarantined('app')).map((e) => e.text), ['{}\n']);
});

test('plugin errors (strings from the Rust side) become STORE_FAILED errors naming the permissions to grant', async (t) => {
  const root = tempDir(t);
  const denied = () => Promise.reject('fs.write_text_file not allowed. Permissions associated with this command: fs:allow-write-text-file');
  const store = tauriFsStore({ fs: { ...nodeTauriFs(root), writeTextFile: denied, exists: async () => false } });
  await assert.rejects(async () => store.put('app', 'rec', 'x\n'), (error: unknown) => {
    assert.ok(error instanceof PidkeepError);
    assert.equal(error.code, 'STORE_FAILED');
    assert.match(error.message, /not allowed.*write-text-file on \$APPDATA\/pidkeep\/\*\*/);
    return true;
  });
  assert.throws(() => tauriFsStore({ dir: '../elsewhere' }), TypeError);
});
