// The Vite plugin: the bridge endpoints as `vite dev` middleware, and the bridge <script> (with this run's token) in
// index.html's <head>. Requests are judged by guard.ts, as in the plain server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bridgeAttributes } from './bridge.js';
import { newToken } from './guard.js';
import { createTauriHost } from './host.js';
import { handleBridgeRequest, type Bridge } from './protocol.js';
import type { BridgeOptions, TauriHost, TauriHostOptions } from './types.js';

export interface TauriHostPluginOptions extends TauriHostOptions, BridgeOptions {}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The part of Vite's dev server the plugin uses. Declared here, not imported from `vite` (an optional peer), so that
 * `import 'pidkeep/tauri-host'` type-checks where Vite is not installed; Vite's own server fits it.
 */
export interface ViteDevServerLike {
  config: { server: { host?: string | boolean | undefined }; logger: { warn(message: string): void } };
  middlewares: { stack: Array<{ route: string; handle: Middleware }> };
  httpServer: { once(event: 'close', listener: () => void): unknown } | null;
}

/** A Vite plugin (what `plugins: [...]` takes), with the host and this run's token on `api`. */
export interface TauriHostVitePlugin {
  name: string;
  apply: 'serve';
  api: { readonly host: TauriHost; readonly token: string };
  configureServer(server: ViteDevServerLike): void;
  transformIndexHtml(): Array<{ tag: string; attrs: Record<string, string>; injectTo: 'head-prepend' }>;
}

/**
 * Vite's CORS middleware lets other origins (by default every localhost and 127.0.0.1 port; with `server.cors: true`
 * every site) read the dev server's responses. The transformed HTML carries the token, so it stays same-origin.
 */
function keepHtmlSameOrigin(req: IncomingMessage, res: ServerResponse) {
  // A 304 names no type, yet lets the browser read its cached copy of the page (cached by the page's own load) if it
  // carries Access-Control-Allow-Origin: a request from another origin gets a full answer, judged below.
  const { origin, host } = req.headers;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
  }
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    // res.end() without writeHead() comes here too (Node's implicit header calls this.writeHead)
    if (/^text\/html/i.test(String(this.getHeader('content-type') ?? ''))) {
      this.removeHeader('access-control-allow-origin');
      this.removeHeader('access-control-allow-credentials');
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/**
 * `vite dev` pages get `__TAURI_INTERNALS__` backed by this host; only those pages can use it (see README).
 * `plugin.api.host` is the TauriHost, so tests can crash() and restart() the app; `plugin.api.token` is this run's
 * secret, for Node code that calls the bridge itself.
 * @example
 * export default defineConfig({ plugins: [tauriHost({ capabilities: ['src-tauri/capabilities/default.json'] })] });
 */
export function tauriHost(options: TauriHostPluginOptions): TauriHostVitePlugin {
  const host = createTauriHost(options);
  const token = newToken();
  return {
    name: 'pidkeep:tauri-host',
    apply: 'serve',
    api: { host, token },
    configureServer(server) {
      const configured = server.config.server.host;
      const bridge: Bridge = {
        host,
        access: { token, names: typeof configured === 'string' ? [configured] : [] },
        onRefused: options.onRefused ?? ((r) => server.config.logger.warn(`[pidkeep] tauri-host refused ${r.method} ${r.url}: ${r.reason}`)),
      };
      const handle: Middleware = (req, res, next) => {
        if (handleBridgeRequest(bridge, req, res)) return;
        keepHtmlSameOrigin(req, res);
        next();
      };
      // First in the stack, before Vite's CORS middleware: that one would answer a cross-origin preflight to the
      // bridge permissively (with `server.cors: true`, with `Access-Control-Allow-Origin: *`).
      server.middlewares.stack.unshift({ route: '', handle });
      // A stopped or restarted dev server (a config edit restarts it) is the app process going away without a quit,
      // as \`tauri dev\` kills the app on a rebuild: a crash, the children live on to be adopted. Ctrl-C in the
      // terminal reaches them directly (same process group), as under \`tauri dev\`.
      server.httpServer?.once('close', () => void host.close('crash'));
    },
    transformIndexHtml: () => [{ tag: 'script', attrs: bridgeAttributes(token), injectTo: 'head-prepend' }],
  };
}
