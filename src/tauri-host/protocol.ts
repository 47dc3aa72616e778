// The HTTP side of the bridge: POST /__pidkeep_tauri/invoke/<cmd> and GET /__pidkeep_tauri/events (SSE).
// Used by the plain server and by the Vite plugin's middleware alike.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PidkeepError } from '../errors.js';
import { bridgeScript } from './bridge.js';
import type { TauriHost } from './types.js';

const PREFIX = /\/__pidkeep_tauri\/(bridge\.js|invoke\/[^?]*|events)(\?.*)?$/;

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
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
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
    // a stopped app answers nothing useful: 503 with pidkeep's message; Tauri errors go through as they are
    if (error instanceof PidkeepError) send(res, 503, error.message, true);
    else send(res, 400, error, true);
  }
}

function events(host: TauriHost, req: IncomingMessage, res: ServerResponse, search: string) {
  const window = new URLSearchParams(search).get('window') ?? 'main';
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write('retry: 250\n\n'); // a restarted host is found again quickly
  const detach = host.attach(window, (id, message) => res.write(`data: ${JSON.stringify({ id, message })}\n\n`));
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    detach();
  };
  req.on('close', stop);
  res.on('close', stop);
}

/** Handles a bridge request and returns true, or returns false for any other URL. */
export function handleBridgeRequest(host: TauriHost, req: IncomingMessage, res: ServerResponse): boolean {
  const match = PREFIX.exec(req.url ?? '');
  if (!match) return false;
  const [, route = '', search = ''] = match;
  if (route === 'bridge.js' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(bridgeScript());
  } else if (route === 'events' && req.method === 'GET') {
    events(host, req, res, search);
  } else if (route.startsWith('invoke/') && req.method === 'POST') {
    invoke(host, req, res, decodeURIComponent(route.slice('invoke/'.length))).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, String(error), true);
    });
  } else {
    res.writeHead(405).end();
  }
  return true;
}
