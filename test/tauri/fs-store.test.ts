import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
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

test('a file without its final newline is in progress while young, and returned as text once old', async (t) => {
  const { records, store } = setup(t);
  await store.put('app', 'other', 'x\n');
  writeFileSync(join(records, 'young.json'), '{"v":1');
  assert.equal(await store.get('app', 'young'), undefined);
  assert.deepEqual((await store.list('app')).map((e) => e.key), ['other']);
  const old = new Date(Date.now() - 10_000);
  utimesSync(join(records, 'young.json'), old, old);
  assert.equal(await store.get('app', 'young'), '{"v":1');
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
  await assert.rejects(async () => store.create('app', 'rec', 'x\n'), /STORE_FAILED|could not create/);
  assert.throws(() => tauriFsStore({ dir: '../elsewhere' }), TypeError);
});
