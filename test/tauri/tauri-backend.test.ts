// The Tauri backend through the REAL @tauri-apps/plugin-shell, against the tauri-host's emulation of the plugin's
// Rust side with real processes, under the example app's own capabilities file (its `ps` and `kill` scopes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createTauriHost, installTauriInternals, type Capability, type TauriHost } from '../../src/tauri-host/index.js';
import { Child, Command } from '@tauri-apps/plugin-shell';
import { linuxPowerScopes, tauriBackend, type ShellCommand, type ShellPlugin, type TauriBackend } from '../../src/tauri/index.js';
import type { Spawned } from '../../src/types.js';
import { backendConformance } from '../conformance/backend-suite.js';
import { root } from '../helpers/index.js';

export const exampleCapabilities = join(root, 'examples', 'tauri-app', 'src-tauri', 'capabilities', 'default.json');

/** The programs the shared suite runs, allowed by name like any app's own programs. */
export const suitePrograms: Capability = {
  identifier: 'conformance-programs',
  windows: ['*'],
  permissions: [
    {
      identifier: 'shell:allow-spawn',
      allow: ['sleep', 'sh', 'cat', 'pidkeep-no-such-command-xyz'].map((name) => ({ name, cmd: name, args: true })),
    },
    // The suite's children carry markers of namespace `conf`: the powers for it, generated as an app would.
    { identifier: 'shell:allow-execute', allow: linuxPowerScopes('conf', { ps: 'conf-ps', kill: 'conf-kill' }) },
  ],
};
const powers = { ps: 'conf-ps', kill: 'conf-kill' };

let host: TauriHost;
let uninstall: () => void;
const outputs = new WeakMap<TauriBackend, Map<number, string>>();
before(() => {
  host = createTauriHost({ capabilities: [JSON.parse(readFileSync(exampleCapabilities, 'utf8')) as Capability, suitePrograms] });
  uninstall = installTauriInternals(host);
});
after(async () => {
  await host.close();
  uninstall();
});

backendConformance(
  'tauriBackend (real plugin-shell, emulated host)',
  () => {
    const seen = new Map<number, string>();
    const backend = tauriBackend({ ...powers, session: null, platform: 'linux', onOutput: (e) => seen.set(e.pid, (seen.get(e.pid) ?? '') + e.data) });
    outputs.set(backend, seen);
    return backend;
  },
  {
    groups: false,
    output: (backend, spawned: Spawned) => outputs.get(backend as TauriBackend)?.get(spawned.identity.pid) ?? '',
    // The real plugin, but the kill power's command is recorded instead of run.
    defused() {
      const delivered: unknown[] = [];
      const shell: ShellPlugin = {
        Child,
        Command: {
          create: (program, args, options) => (program === powers.kill ? ({ execute: async () => (delivered.push([program, args]), { code: 0, signal: null, stdout: '', stderr: '' }) } as unknown as ShellCommand) : (Command.create(program, args, options) as unknown as ShellCommand)),
          sidecar: (program, args, options) => Command.sidecar(program, args, options) as unknown as ShellCommand,
        },
      };
      return { backend: tauriBackend({ ...powers, session: null, platform: 'linux', shell }), delivered: () => delivered };
    },
  },
);
