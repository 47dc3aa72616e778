// A plain HTTP server: the bridge endpoints, and optionally a static directory whose HTML gets the bridge.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { injectBridge } from './bridge.js';
import { createTauriHost } from './host.js';
import { handleBridgeRequest } from './protocol.js';
import type { TauriHost, TauriHostOptions } from './types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.wasm': 'application/wasm', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse) {
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  let file = resolve(root, `.${pathname}`);
  if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(403).end();
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(type.startsWith('text/html') ? injectBridge(body.toString('utf8')) : body);
  } catch {
    res.writeHead(404).end();
  }
}

export interface TauriHostServerOptions extends TauriHostOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** A directory served as the app's frontend; its HTML files get the bridge script. @default none */
  root?: string;
}

/** Plain programmatic server: serves the bridge script + IPC endpoints, and optionally a static directory. */
export async function startTauriHostServer(options: TauriHostServerOptions): Promise<{ url: string; host: TauriHost; close(): Promise<void> }> {
  const host = createTauriHost(options);
  const root = options.root ? resolve(options.root) : undefined;
  const server = createServer((req, res) => {
    if (handleBridgeRequest(host, req, res)) return;
    if (root && req.method === 'GET') void serveStatic(root, req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostname}:${address.port}/`,
    host,
    async close() {
      await host.close();
      server.closeAllConnections(); // SSE streams never end by themselves
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
