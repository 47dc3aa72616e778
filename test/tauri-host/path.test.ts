import assert from 'node:assert/strict';
import { join as nodeJoin, resolve as nodeResolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  appCacheDir, appConfigDir, appDataDir, appLocalDataDir, appLogDir, basename, BaseDirectory, dataDir, delimiter, dirname,
  extname, homeDir, isAbsolute, join, normalize, resolve, resolveResource, sep, tempDir as tauriTempDir,
} from '@tauri-apps/api/path';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { PermissionEntry } from '../../src/tauri-host/types.js';
import { onTeardown, tempDir } from '../helpers/index.js';

// The real @tauri-apps/api/path in Node against the emulated core path plugin, granted by core:default.

function setup(t: TestContext, permissions: PermissionEntry[] = ['core:default']) {
  const dataDir = tempDir(t);
  const host = createTauriHost({
    identifier: 'dev.pidkeep.path',
    dataDir,
    capabilities: [{ identifier: 'default', windows: ['main'], permissions }],
  });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => {
    uninstall();
    await host.close();
  });
  return dataDir;
}

test('core:default grants the base directories, laid out under dataDir as on Linux', async (t) => {
  const data = setup(t);
  const app = nodeJoin(data, 'dev.pidkeep.path');
  assert.equal(await appDataDir(), app);
  assert.equal(await appLocalDataDir(), app);
  assert.equal(await appLogDir(), nodeJoin(app, 'logs'));
  assert.equal(await appConfigDir(), nodeJoin(data, 'config', 'dev.pidkeep.path'));
  assert.equal(await appCacheDir(), nodeJoin(data, 'cache', 'dev.pidkeep.path'));
  assert.equal(await dataDir(), data);
  assert.equal(await homeDir(), nodeJoin(data, 'home'));
  assert.equal(await tauriTempDir(), nodeJoin(data, 'tmp'));
  assert.equal(await resolveResource('icons/a.png'), nodeJoin(app, 'resources', 'icons', 'a.png'));
  assert.equal(await resolveResource('../x'), nodeJoin(app, 'resources', '_up_', 'x'), 'the bundler\'s resource layout');
  assert.equal(sep(), '/');
  assert.equal(delimiter(), ':');
});

test('join, resolve, normalize, dirname, basename, extname and isAbsolute follow the Rust side', async (t) => {
  setup(t);
  const app = await appDataDir();
  assert.equal(await join(app, 'records', 'a.json'), `${app}/records/a.json`);
  assert.equal(await join('a', '/b', './c/', '..', 'd'), 'a/b/d', 'an absolute part does not restart the path');
  assert.equal(await join('..', 'a'), 'a', 'a leading .. is dropped, unlike Node');
  assert.equal(await join(), '.');
  assert.equal(await resolve('a', '../b'), nodeResolve('b'), 'relative to the app\'s working directory');
  assert.equal(await resolve('/x/y', '/tmp/file', 'baz'), '/tmp/file/baz');
  assert.equal(await resolve(), process.cwd());
  assert.equal(await normalize('/a//b/./c/../d/'), '/a/b/d/');
  assert.equal(await normalize('..'), '..');
  assert.equal(await normalize('.'), '.');
  assert.equal(await dirname(`${app}/records/a.json`), `${app}/records`);
  assert.equal(await dirname('/a'), '/');
  assert.equal(await dirname('a'), '');
  await assert.rejects(dirname('/'), (e) => e === 'path does not have a parent');
  assert.equal(await basename('/path/to/some-json-file.json', '.json'), 'some-json-file');
  assert.equal(await basename('/a/b/'), 'b');
  await assert.rejects(basename('/a/..'), (e) => e === 'path does not have a basename');
  assert.equal(await extname('/a/b.tar.gz'), 'gz');
  await assert.rejects(extname('/a/.bashrc'), (e) => e === 'path does not have an extension');
  assert.equal(await isAbsolute(app), true);
  assert.equal(await isAbsolute('a/b'), false);
});

test('arguments that do not deserialize are refused with Tauri\'s invalid args message', async (t) => {
  setup(t);
  const { invoke } = await import('@tauri-apps/api/core');
  await assert.rejects(invoke('plugin:path|resolve_directory', { directory: 99 }), (e) => typeof e === 'string' && e.startsWith('invalid args `directory` for command `resolve_directory`: invalid value: 99, expected one of: 1, 2, 3,') && e.endsWith(', 23'));
  await assert.rejects(invoke('plugin:path|resolve_directory', {}), (e) => e === 'invalid args `directory` for command `resolve_directory`: command resolve_directory missing required key directory');
  await assert.rejects(invoke('plugin:path|join', { paths: ['a', 1] }), (e) => e === 'invalid args `paths` for command `join`: invalid type: integer `1`, expected a string');
  assert.equal(await invoke('plugin:path|resolve_directory', { directory: BaseDirectory.AppLog, path: 'app.log' }), `${await appLogDir()}/app.log`);
});

test('without core:default the path commands are refused with Tauri\'s message; single core:path permissions grant one command', async (t) => {
  setup(t, ['core:path:allow-join', 'core:event:default', 'core:path:deny-normalize']);
  assert.equal(await join('a', 'b'), 'a/b');
  await assert.rejects(appDataDir(), (e) => e === 'path.resolve_directory not allowed. Permissions associated with this command: path:allow-resolve-directory, path:default');
  await assert.rejects(normalize('a'), (e) => e === 'path.normalize explicitly denied on origin local\n\nreferenced by: capability: default, permission: deny-normalize');
});

test('core:path:default granted to another window names that window in the refusal', async (t) => {
  const dataDir = tempDir(t);
  const host = createTauriHost({ dataDir, capabilities: [{ identifier: 'other', windows: ['settings'], permissions: ['core:default'] }] });
  onTeardown(t, () => host.close());
  await assert.rejects(
    host.invoke({ window: 'main', cmd: 'plugin:path|join', payload: { paths: ['a'] } }),
    (e) => e === 'path.join not allowed on window "main", webview "main", URL: local\n\nallowed on: [windows: "settings", URL: local]\n\nreferenced by: capability: other, permission: allow-join',
  );
  assert.equal(await host.invoke({ window: 'settings', cmd: 'plugin:path|join', payload: { paths: ['a', 'b'] } }), 'a/b');
});
