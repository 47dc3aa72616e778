// The Vite plugin: the bridge endpoints as `vite dev` middleware, and the bridge <script> in index.html's <head>.
import type { Plugin } from 'vite';
import { BRIDGE_PATH } from './bridge.js';
import { createTauriHost } from './host.js';
import { handleBridgeRequest } from './protocol.js';
import type { TauriHost, TauriHostOptions } from './types.js';

/**
 * Any browser opening the dev server gets `__TAURI_INTERNALS__` backed by this host.
 * `plugin.api.host` is the TauriHost, so tests can crash() and restart() the app.
 * @example
 * export default defineConfig({ plugins: [tauriHost({ capabilities: ['src-tauri/capabilities/default.json'] })] });
 */
export function tauriHost(options: TauriHostOptions): Plugin & { api: { readonly host: TauriHost } } {
  const host = createTauriHost(options);
  return {
    name: 'pidkeep:tauri-host',
    apply: 'serve',
    api: { host },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!handleBridgeRequest(host, req, res)) next();
      });
      // a stopped dev server is a cleanly exited app: its children are killed
      server.httpServer?.once('close', () => void host.close());
    },
    transformIndexHtml: () => [{ tag: 'script', attrs: { src: BRIDGE_PATH }, injectTo: 'head-prepend' }],
  };
}
