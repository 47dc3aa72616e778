import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createServer } from 'vite';
import { tauriHost, type Refusal } from '../../src/tauri-host/index.js';
import type { Capability } from '../../src/tauri-host/types.js';
import { onTeardown, tempDir } from '../helpers/index.js';

// The shell capability the tests grant window "main": scope entries by name, as an app would ship them.
const SCOPE = [
  { name: 'sh', cmd: 'sh', args: true },
  { name: 'cat', cmd: 'cat', args: false },
  { name: 'sleep', cmd: 'sleep', args: [{ validator: '\\d+' }] },
  { name: 'echo-fixed', cmd: 'echo', args: ['fixed', { validator: '[a-z]+' }] },
  { name: 'missing', cmd: '/nonexistent/program', args: true },
];
export const SHELL_CAPABILITY: Capability = {
  identifier: 'shell-main',
  windows: ['main'],
  permissions: [
    { identifier: 'shell:allow-spawn', allow: SCOPE },
    { identifier: 'shell:allow-execute', allow: SCOPE },
    'shell:allow-kill',
    'shell:allow-stdin-write',
  ],
};


/** The host's Vite plugin on a Vite dev server of `root` (loopback, a free port), closed in teardown; its refusals collected. */
export async function viteWithHost(t: TestContext, root: string): Promise<{ url: string; token: string; refusals: Refusal[] }> {
  const refusals: Refusal[] = [];
  const plugin = tauriHost({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t), onRefused: (r) => refusals.push(r) });
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    clearScreen: false,
    cacheDir: join(tempDir(t, 'pidkeep-vite-'), 'cache'),
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true },
    plugins: [plugin],
  });
  await server.listen();
  // a stopped dev server is an app crash: the app exits first, so whatever a test spawned is ended
  onTeardown(t, async () => (await plugin.api.host.close(), await server.close()));
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite reports no local URL');
  return { url, token: plugin.api.token, refusals };
}
