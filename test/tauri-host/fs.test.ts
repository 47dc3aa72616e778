import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BaseDirectory, exists, mkdir, readDir, readFile, readTextFile, remove, rename, writeFile, writeTextFile } from '@tauri-apps/plugin-fs';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import { onTeardown, tempDir } from '../helpers/index.js';

// The real @tauri-apps/plugin-fs in Node against the emulated Rust side: writes land on disk at once.

function setup(t: TestContext) {
  const dataDir = tempDir(t);
  const host = createTauriHost({
    identifier: 'dev.pidkeep.fs',
    dataDir,
    capabilities: [{
      identifier: 'fs-main',
      windows: ['main'],
      permissions: [
        ...['exists', 'mkdir', 'read-dir', 'read-file', 'read-text-file', 'remove', 'rename', 'write-file', 'write-text-file'].map((c) => `fs:allow-${c}`),
        { identifier: 'fs:scope', allow: [{ path: '$APPDATA' }, { path: '$APPDATA/**' }], deny: [{ path: '$APPDATA/secret' }] },
      ],
    }],
  });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => {
    uninstall();
    await host.close();
  });
  return join(dataDir, 'dev.pidkeep.fs');
}

test('write, read, rename, read_dir and remove inside the scope go straight to disk', async (t) => {
  const appData = setup(t);
  const opts = { baseDir: BaseDirectory.AppData };
  await mkdir('', { ...opts, recursive: true });
  await mkdir('records', opts);
  await writeTextFile('records/a.json', '{"a":1}', opts);
  assert.equal(readFileSync(join(appData, 'records', 'a.json'), 'utf8'), '{"a":1}', 'on disk before anything else happens');
  await writeTextFile('records/a.json', '+', { ...opts, append: true });
  assert.equal(await readTextFile('records/a.json', opts), '{"a":1}+');
  await writeFile(join(appData, 'records', 'b.bin'), new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await readFile('records/b.bin', opts))], [1, 2, 3]);
  await assert.rejects(writeTextFile('records/a.json', 'x', { ...opts, createNew: true }), (e) => e === `failed to open file at path: ${join(appData, 'records', 'a.json')} with error: File exists (os error 17)`);
  await rename('records/a.json', 'records/c.json', { oldPathBaseDir: BaseDirectory.AppData, newPathBaseDir: BaseDirectory.AppData });
  const entries = (await readDir('records', opts)).sort((x, y) => x.name.localeCompare(y.name));
  assert.deepEqual(entries, [
    { name: 'b.bin', isDirectory: false, isFile: true, isSymlink: false },
    { name: 'c.json', isDirectory: false, isFile: true, isSymlink: false },
  ]);
  assert.equal(await exists('records/a.json', opts), false);
  await assert.rejects(remove('records', opts), (e) => typeof e === 'string' && e.startsWith(`failed to remove path: ${join(appData, 'records')} with error: Directory not empty (os error 39)`));
  await remove('records', { ...opts, recursive: true });
  assert.equal(existsSync(join(appData, 'records')), false);
});

test('paths outside the scope, denied paths and ../ are refused with the plugin\'s messages', async (t) => {
  const appData = setup(t);
  await mkdir(appData, { recursive: true });
  const outside = join(appData, '..', 'elsewhere.txt').replace('/dev.pidkeep.fs/..', '');
  await assert.rejects(writeTextFile(outside, 'x'), (e) => e === `forbidden path: ${outside}, maybe it is not allowed on the scope for \`allow-write-text-file\` permission in your capability file`);
  await assert.rejects(readTextFile('secret', { baseDir: BaseDirectory.AppData }), (e) => e === `forbidden path: ${join(appData, 'secret')}`, 'a denied path: the plain message, also in a debug build');
  await assert.rejects(readTextFile('.hidden', { baseDir: BaseDirectory.AppData }), (e) => e === `forbidden path: ${join(appData, '.hidden')}, maybe it is not allowed on the scope for \`allow-read-text-file\` permission in your capability file`, 'globs skip dot files');
  await assert.rejects(readTextFile('../x', { baseDir: BaseDirectory.AppData }), (e) => e === 'invalid args `path` for command `read_text_file`: cannot traverse directory, rewrite the path without the use of `../`');
  assert.equal(existsSync(outside), false);
});

test('an fs command the window is not granted is refused by the ACL', async (t) => {
  setup(t);
  await assert.rejects(
    import('@tauri-apps/plugin-fs').then((fs) => fs.copyFile('a', 'b', { fromPathBaseDir: BaseDirectory.AppData, toPathBaseDir: BaseDirectory.AppData })),
    (e) => typeof e === 'string' && e.startsWith('fs.copy_file not allowed. Permissions associated with this command: fs:allow-app-write, fs:allow-app-write-recursive,'),
  );
});
