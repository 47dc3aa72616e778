// A plain HTTP server: the bridge endpoints, and optionally a static directory whose HTML gets the bridge (and with
// it this run's token). Every request, files included, is judged by guard.ts first.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { injectBridge } from './bridge.js';
import { createTauriHost } from './host.js';
import { newToken } from './guard.js';
import { handleBridgeRequest, refused, type Bridge } from './protocol.js';
import type { BridgeOptions, TauriHost, TauriHostOptions } from './types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.wasm': 'application/wasm', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

async function serveStatic(root: string, token: string, req: IncomingMessage, res: ServerResponse) {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return void res.writeHead(400).end(); // a malformed %-escape must not bring the app down
  }
  let file = resolve(root, `.${pathname}`);
  if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(403).end();
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(type.startsWith('text/html') ? injectBridge(body.toString('utf8'), token) : body);
  } catch {
    res.writeHead(404).end();
  }
}

export interface TauriHostServerOptions extends TauriHostOptions, BridgeOptions {
  /** @default 0 (any free port) */
  port?: number;
  /**
   * The address to listen on. Keep it loopback: whoever can reach the server can load its page, and with it the
   * token, and then run whatever the capabilities allow. `0.0.0.0` or a LAN address hands that to the whole network.
   * @default '127.0.0.1'
   */
  host?: string;
  /** A directory served as the app's frontend; its HTML files get the bridge script and this run's token. @default none */
  root?: string;
}

/**
 * Plain programmatic server: serves the bridge script + IPC endpoints, and optionally a static directory. Only the
 * pages it serves can use the bridge; `token` is this run's secret, for Node code that calls the bridge itself.
 * @example
 * const { url, close } = await startTauriHostServer({ capabilities: ['caps.json'], root: 'dist', port: 1420 });
 */
export async function startTauriHostServer(options: TauriHostServerOptions): Promise<{ url: string; token: string; host: TauriHost; close(): Promise<void> }> {
  const host = createTauriHost(options);
  const root = options.root ? resolve(options.root) : undefined;
  const token = newToken();
  const bridge: Bridge = {
    host,
    access: { token, names: options.host ? [options.host] : [] },
    onRefused: options.onRefused ?? ((r) => console.warn(`[pidkeep] tauri-host refused ${r.method} ${r.url}: ${r.reason}`)),
  };
  const server = createServer((req, res) => {
    if (handleBridgeRequest(bridge, req, res) || refused(bridge, req, res, 'page')) return;
    if (root && req.method === 'GET') void serveStatic(root, token, req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  // a wildcard address is no name to browse to (and the guard refuses it as a Host): give the loopback one
  const wildcard: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '[::1]' };
  const hostname = wildcard[address.address] ?? (address.family === 'IPv6' ? `[${address.address}]` : address.address);
  return {
    url: `http://${hostname}:${address.port}/`,
    token,
    host,
    async close() {
      await host.close();
      server.closeAllConnections(); // SSE streams never end by themselves
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
