import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { BaseDirectory } from '@tauri-apps/plugin-fs';
import { PidkeepError } from '../../src/errors.js';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { Capability } from '../../src/tauri-host/types.js';
import { tauriFsStore } from '../../src/tauri/fs-store.js';
import { storeConformance } from '../conformance/store-suite.js';
import { onTeardown, tempDir } from '../helpers/index.js';

// The real @tauri-apps/plugin-fs (its IPC calls, raw-body writes with path/options headers, error strings) against
// the in-process emulation of the plugin's Rust side, on real files, with the capability an app would ship.

export const STORE_CAPABILITY: Capability = {
  identifier: 'pidkeep-store',
  windows: ['main'],
  permissions: [
    ...['exists', 'mkdir', 'read-dir', 'read-text-file', 'remove', 'rename', 'write-text-file'].map((command) => `fs:allow-${command}`),
    { identifier: 'fs:scope', allow: [{ path: '$APPDATA/pidkeep/**' }] },
  ],
};

function hostedStore(t: TestContext) {
  const host = createTauriHost({ capabilities: [STORE_CAPABILITY], dataDir: tempDir(t), identifier: 'dev.pidkeep.test' });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => {
    uninstall();
    await host.close();
  });
  return tauriFsStore();
}

storeConformance('tauriFsStore (real plugin-fs, emulated Tauri host)', hostedStore);

test('under fs:default (tauri-plugin-fs 2.6.0, the locked version) the store works in $APPDATA/pidkeep; in a folder of the webview\'s data it is denied, and the error says what to do', async (t) => {
  const capability: Capability = { ...STORE_CAPABILITY, permissions: ['fs:default', ...STORE_CAPABILITY.permissions, { identifier: 'fs:scope', allow: [{ path: '$APPDATA/**' }] }] };
  const host = createTauriHost({ capabilities: [capability], dataDir: tempDir(t), identifier: 'dev.pidkeep.test' });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  const store = tauriFsStore();
  await store.put('app', 'rec', 'x\n');
  assert.deepEqual(await store.list('app'), [{ key: 'rec', text: 'x\n' }]);
  // $APPLOCALDATA/localstorage/** is WebKitGTK's own (deny-webview-data-linux): no scope opens it
  await assert.rejects(async () => tauriFsStore({ dir: 'localstorage' }).put('app', 'rec', 'x\n'), (error: unknown) => {
    assert.ok(error instanceof PidkeepError && error.code === 'STORE_FAILED');
    assert.match(error.message, /forbidden path/);
    assert.match(error.message, /fs:default denies the webview's data in \$APPLOCALDATA.*BaseDirectory\.AppConfig/);
    return true;
  });
  // fs:default's read set holds scope-app-recursive, a scope without commands: a global scope of the fs plugin, so
  // every fs command the capability allows reaches all of the app's folders, $APPCONFIG included
  const other = tauriFsStore({ baseDir: BaseDirectory.AppConfig });
  await other.put('app', 'rec', 'x\n');
  assert.deepEqual(await other.list('app'), [{ key: 'rec', text: 'x\n' }]);
});
