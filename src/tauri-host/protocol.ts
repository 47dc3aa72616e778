// The HTTP side of the bridge: POST /__pidkeep_tauri/invoke/<cmd>, POST /__pidkeep_tauri/invoke-batch (the calls a page
// makes together) and GET /__pidkeep_tauri/events (SSE), each
// judged by guard.ts before anything runs. Used by the plain server and by the Vite plugin's middleware alike.
// No response here carries Access-Control-Allow-* headers: the bridge is for its own page, never cross-origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TauriHostError } from './errors.js';
import { bridgeScript } from './bridge.js';
import { judge, TOKEN_HEADER, type Access, type Route } from './guard.js';
import type { Refusal, TauriHost } from './types.js';

/** One host behind its door: who may use it (`access`) and who hears about the requests refused. */
export interface Bridge {
  host: TauriHost;
  access: Access;
  onRefused(refusal: Refusal): void;
}

const PREFIX = /\/__pidkeep_tauri\/(bridge\.js|invoke\/[^?]*|invoke-batch|events)(\?.*)?$/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, value: unknown, error: boolean) {
  const bytes = value instanceof Uint8Array;
  res.writeHead(status, {
    'Content-Type': bytes ? 'application/octet-stream' : 'application/json',
    'Tauri-Response': error ? 'error' : 'ok',
    'Cache-Control': 'no-store',
  });
  res.end(bytes ? value : JSON.stringify(value ?? null));
}

async function invoke(host: TauriHost, req: IncomingMessage, res: ServerResponse, cmd: string) {
  const body = await readBody(req);
  const headers = requestHeaders(req);
  const window = headers['tauri-window'] ?? 'main';
  let payload: unknown;
  try {
    payload = headers['content-type']?.startsWith('application/octet-stream') ? new Uint8Array(body) : JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return send(res, 400, 'invalid JSON body', true);
  }
  try {
    send(res, 200, await host.invoke({ window, cmd, payload, headers }), false);
  } catch (error) {
    // a stopped app answers nothing useful: 503 with the host's message; Tauri errors go through as they are
    if (error instanceof TauriHostError) send(res, 503, error.message, true);
    else send(res, 400, error, true);
  }
}

/** The most calls one batch may carry. */
const BATCH_LIMIT = 4096;

/**
 * POST invoke-batch: `[{ cmd, payload, headers }]` from one page, run together; answers `[{ ok, value }]`, or
 * `{ ok, bytes }` (base64) for a byte response, in the same order. Each call is judged by the ACL on its own.
 */
async function invokeBatch(host: TauriHost, req: IncomingMessage, res: ServerResponse) {
  const headers = requestHeaders(req);
  const window = headers['tauri-window'] ?? 'main';
  let calls: Array<{ cmd?: unknown; payload?: unknown; headers?: unknown }>;
  try {
    calls = JSON.parse((await readBody(req)).toString('utf8')) as typeof calls;
    if (!Array.isArray(calls) || calls.length > BATCH_LIMIT) throw new Error('not a list');
  } catch {
    return send(res, 400, `invalid batch: a JSON list of at most ${BATCH_LIMIT} { cmd, payload, headers } calls`, true);
  }
  const answers = await Promise.all(
    calls.map(async (call) => {
      try {
        if (typeof call?.cmd !== 'string') throw 'invalid call: no `cmd`';
        const own = call.headers && typeof call.headers === 'object' ? (call.headers as Record<string, string>) : {};
        const value = await host.invoke({ window, cmd: call.cmd, payload: call.payload ?? {}, headers: { ...headers, ...own } });
        return value instanceof Uint8Array ? { ok: true, bytes: Buffer.from(value).toString('base64') } : { ok: true, value: value ?? null };
      } catch (error) {
        return { ok: false, value: error instanceof TauriHostError ? error.message : error };
      }
    }),
  );
  send(res, 200, answers, false);
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== TOKEN_HEADER) headers[name] = value;
  return headers;
}

function events(host: TauriHost, req: IncomingMessage, res: ServerResponse, search: string) {
  const params = new URLSearchParams(search);
  const window = params.get('window') ?? 'main';
  const page = params.get('page') ?? undefined;
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 250\n\n'); // a restarted host is found again quickly
  const detach = host.attach(window, (id, message) => res.write(`data: ${JSON.stringify({ id, message })}\n\n`), page);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    detach();
  };
  req.on('close', stop);
  res.on('close', stop);
}

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Judges `req` for `route`; a refused request is answered 403 with the reason, reported, and true is returned. */
export function refused(bridge: Bridge, req: IncomingMessage, res: ServerResponse, route: Route): boolean {
  const verdict = judge(
    {
      host: header(req, 'host'),
      origin: header(req, 'origin'),
      fetchSite: header(req, 'sec-fetch-site'),
      token: header(req, TOKEN_HEADER),
      localAddress: req.socket.localAddress,
      localPort: req.socket.localPort,
    },
    bridge.access,
    route,
  );
  if (verdict.verdict === 'allow') return false;
  res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`[pidkeep] tauri-host: ${verdict.reason}`);
  try {
    bridge.onRefused({ method: req.method ?? '', url: req.url ?? '', reason: verdict.reason });
  } catch {
    // a failing report must not break the server
  }
  return true;
}

/** Handles a bridge request and returns true, or returns false for any other URL. */
export function handleBridgeRequest(bridge: Bridge, req: IncomingMessage, res: ServerResponse): boolean {
  const { host } = bridge;
  const match = PREFIX.exec(req.url ?? '');
  if (!match) return false;
  const [, route = '', search = ''] = match;
  // before the method: a CORS preflight (OPTIONS) from another origin is refused like the request it announces
  if (refused(bridge, req, res, route === 'bridge.js' ? 'script' : 'api')) return true;
  if (route === 'bridge.js' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(bridgeScript());
  } else if (route === 'events' && req.method === 'GET') {
    events(host, req, res, search);
  } else if (route === 'invoke-batch' && req.method === 'POST') {
    Promise.resolve()
      .then(() => invokeBatch(host, req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, String(error), true);
      });
  } else if (route.startsWith('invoke/') && req.method === 'POST') {
    const cmd = route.slice('invoke/'.length);
    // in the chain, so a malformed %-escape is a 500 answer, not an exception that ends the host
    Promise.resolve()
      .then(() => invoke(host, req, res, decodeURIComponent(cmd)))
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, String(error), true);
      });
  } else {
    res.writeHead(405).end();
  }
  return true;
}
