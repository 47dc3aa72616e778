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

test('under fs:default on Linux the default folder ($APPDATA = $APPLOCALDATA there) is denied, and the error says what to do; another baseDir works', async (t) => {
  const capability: Capability = { ...STORE_CAPABILITY, permissions: ['fs:default', ...STORE_CAPABILITY.permissions, { identifier: 'fs:scope', allow: [{ path: '$APPCONFIG/pidkeep/**' }] }] };
  const host = createTauriHost({ capabilities: [capability], dataDir: tempDir(t), identifier: 'dev.pidkeep.test' });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  await assert.rejects(async () => tauriFsStore().put('app', 'rec', 'x\n'), (error: unknown) => {
    assert.ok(error instanceof PidkeepError && error.code === 'STORE_FAILED');
    assert.match(error.message, /forbidden path/);
    assert.match(error.message, /fs:default denies \$APPLOCALDATA\/\*\*.*leave fs:default out.*BaseDirectory\.AppConfig/);
    return true;
  });
  const store = tauriFsStore({ baseDir: BaseDirectory.AppConfig });
  await store.put('app', 'rec', 'x\n');
  assert.deepEqual(await store.list('app'), [{ key: 'rec', text: 'x\n' }]);
});
