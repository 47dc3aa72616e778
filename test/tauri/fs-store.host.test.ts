import type { TestContext } from 'node:test';
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
    ...['exists', 'lstat', 'mkdir', 'read-dir', 'read-text-file', 'remove', 'rename', 'write-text-file'].map((command) => `fs:allow-${command}`),
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
