// Who may use the bridge, over real HTTP from Node: the same requests against the plain server and the Vite plugin.
// Node can send what a browser would (Origin, Sec-Fetch-Site) and what only a DNS-rebinding page gets sent (a Host of
// another name); each refused request must run nothing (a marker file its command would create stays absent).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startTauriHostServer, type Refusal } from '../../src/tauri-host/index.js';
import { onTeardown, reaper, root, startNode, tempDir, waitFor } from '../helpers/index.js';
import { SHELL_CAPABILITY, viteWithHost } from './capability.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request with exactly these headers; an event stream is cut after its first bytes. */
function send(url: string, path: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (res.headers['content-type'] === 'text/event-stream') {
          resolve({ status: res.statusCode!, headers: res.headers, body: text });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface Entry {
  url: string;
  token: string;
  refusals: Refusal[];
}

/** A frontend directory: index.html and a module. */
function frontend(t: TestContext): string {
  const dir = tempDir(t, 'pidkeep-front-');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>app</title></head><body><script type="module" src="/main.js"></script></body></html>');
  writeFileSync(join(dir, 'main.js'), 'export {};\n');
  return dir;
}

async function plainServer(t: TestContext): Promise<Entry> {
  const refusals: Refusal[] = [];
  const server = await startTauriHostServer({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t), root: frontend(t), onRefused: (r) => refusals.push(r) });
  onTeardown(t, () => server.close());
  return { url: server.url, token: server.token, refusals };
}

async function viteServer(t: TestContext): Promise<Entry> {
  return viteWithHost(t, frontend(t));
}

const INVOKE = `/__pidkeep_tauri/invoke/${encodeURIComponent('plugin:shell|execute')}`;
const EVENTS = '/__pidkeep_tauri/events?window=main';

for (const [name, start] of [['plain server', plainServer], ['Vite plugin', viteServer]] as const) {
  test(`${name}: the served HTML carries this run's token; bridge.js does not; the page's own requests work`, async (t) => {
    const entry = await start(t);
    const { host } = new URL(entry.url);
    const page = await send(entry.url, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`<script src="/__pidkeep_tauri/bridge\\.js" data-pidkeep-token="${entry.token}"></script>`));
    const script = await send(entry.url, '/__pidkeep_tauri/bridge.js', { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(script.status, 200);
    assert.ok(!script.body.includes(entry.token), 'a script any site can load holds no secret');

    // What the page sends: Host and Origin of the page, same-origin, the token in its header.
    const headers = { Host: host, Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin', 'Pidkeep-Tauri-Token': entry.token, 'Content-Type': 'application/json' };
    const ran = await send(entry.url, INVOKE, { method: 'POST', headers, body: JSON.stringify({ program: 'sh', args: ['-c', 'echo ran'], options: {} }) });
    assert.equal(ran.status, 200, ran.body);
    assert.equal((JSON.parse(ran.body) as { stdout: string }).stdout, 'ran\n');
    const { Origin: _, 'Content-Type': __, ...streamHeaders } = headers;
    const stream = await send(entry.url, EVENTS, { headers: streamHeaders });
    assert.equal(stream.status, 200);
    assert.match(stream.body, /^retry: 250/);
    assert.deepEqual(entry.refusals, []);
    for (const answer of [page, script, ran, stream]) assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  test(`${name}: requests not from the page are refused with 403 and a reason, and run nothing`, async (t) => {
    const entry = await start(t);
    const { host, port } = new URL(entry.url);
    const marker = join(tempDir(t), 'ran');
    const attack = JSON.stringify({ program: 'sh', args: ['-c', `touch ${marker}`], options: {} });
    const hostile = 'http://127.0.0.1:5555';
    const cases: Array<[string, string, { method?: string; headers?: Record<string, string> }, RegExp]> = [
      // a no-cors fetch / sendBeacon / form from another local page: text/plain, no preflight, no token
      ['text/plain POST, no token', INVOKE, { method: 'POST', headers: { Origin: hostile, 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'text/plain' } }, /Origin http:\/\/127\.0\.0\.1:5555/],
      ['no token, no Origin', INVOKE, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, /no pidkeep-tauri-token header/],
      ['a wrong token', INVOKE, { method: 'POST', headers: { 'Pidkeep-Tauri-Token': 'guess', 'Content-Type': 'application/json' } }, /wrong pidkeep-tauri-token/],
      ['the token, from another origin', INVOKE, { method: 'POST', headers: { Origin: hostile, 'Pidkeep-Tauri-Token': entry.token } }, /Origin http:\/\/127\.0\.0\.1:5555/],
      ['the token, Origin null', INVOKE, { method: 'POST', headers: { Origin: 'null', 'Pidkeep-Tauri-Token': entry.token } }, /Origin null/],
      ['the token, same-site', INVOKE, { method: 'POST', headers: { 'Sec-Fetch-Site': 'same-site', 'Pidkeep-Tauri-Token': entry.token } }, /Sec-Fetch-Site: same-site/],
      ['the token, cross-site', INVOKE, { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site', 'Pidkeep-Tauri-Token': entry.token } }, /Sec-Fetch-Site: cross-site/],
      // DNS rebinding: attacker.example resolves to 127.0.0.1, so its page is "same-origin" with the host, under its name
      ['the token, a rebinding Host', INVOKE, { method: 'POST', headers: { Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}`, 'Pidkeep-Tauri-Token': entry.token } }, /Host "attacker\.example:\d+" is not a name of this server/],
      ['the token, another port in Host', INVOKE, { method: 'POST', headers: { Host: '127.0.0.1:1', 'Pidkeep-Tauri-Token': entry.token } }, /another port/],
      // a CORS preflight for the custom header: refused, so the browser never sends the request
      ['a preflight', INVOKE, { method: 'OPTIONS', headers: { Origin: hostile, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'pidkeep-tauri-token,content-type' } }, /Origin http:\/\/127\.0\.0\.1:5555/],
      ['the event stream, no token', EVENTS, {}, /no pidkeep-tauri-token header/],
      ['the event stream, another origin (EventSource)', EVENTS, { headers: { Origin: hostile, 'Sec-Fetch-Site': 'same-site' } }, /Origin http:\/\/127\.0\.0\.1:5555/],
      ['the event stream, a rebinding Host', EVENTS, { headers: { Host: `attacker.example:${port}`, 'Pidkeep-Tauri-Token': entry.token } }, /Host "attacker\.example/],
      ['bridge.js in another site\'s <script>', '/__pidkeep_tauri/bridge.js', { headers: { 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Dest': 'script' } }, /Sec-Fetch-Site: same-site/],
      ['bridge.js for a rebinding Host', '/__pidkeep_tauri/bridge.js', { headers: { Host: `attacker.example:${port}` } }, /Host "attacker\.example/],
    ];
    for (const [what, path, options, reason] of cases) {
      const answer = await send(entry.url, path, { ...options, body: options.method === 'POST' ? attack : undefined });
      assert.equal(answer.status, 403, `${what}: ${answer.status} ${answer.body}`);
      assert.match(answer.body, reason, what);
      assert.match(answer.body, /^\[pidkeep\] tauri-host: /, what);
      assert.equal(answer.headers['access-control-allow-origin'], undefined, `${what}: no CORS header`);
      assert.equal(answer.headers['access-control-allow-headers'], undefined, `${what}: no CORS header`);
    }
    assert.equal(existsSync(marker), false, 'no refused request ran its command');
    assert.equal(entry.refusals.length, cases.length, 'each refusal is reported');
    assert.match(entry.refusals[0]!.reason, /Origin http:\/\/127\.0\.0\.1:5555/);

    // The page itself is not given to a rebinding name (its HTML holds the token): the plain server's guard refuses
    // it, Vite (since 6.0.9) its own `server.allowedHosts` check. Either way the bridge refuses that name.
    const rebound = await send(entry.url, '/', { headers: { Host: `attacker.example:${port}` } });
    assert.equal(rebound.status, 403);
    assert.ok(!rebound.body.includes(entry.token));
    // Nor can another origin read it: no response with the token allows a cross-origin read (Vite's own CORS
    // middleware would allow any localhost origin); Vite keeps its CORS for other files.
    // A revalidation too: Chromium asks with If-None-Match for its copy cached by the page's own load, and a 304
    // with that header would open the cached copy to the other origin.
    const { etag } = (await send(entry.url, '/')).headers;
    for (const origin of ['http://localhost:5555', hostile]) {
      for (const conditional of etag ? [{}, { 'If-None-Match': etag }] : [{}] as Array<Record<string, string>>) {
        const read = await send(entry.url, '/', { headers: { Host: host, Origin: origin, 'Sec-Fetch-Site': 'same-site', 'Sec-Fetch-Mode': 'cors', ...conditional } });
        assert.equal(read.status, 200);
        assert.ok(read.body.includes(entry.token));
        assert.equal(read.headers['access-control-allow-origin'], undefined, `the HTML is not readable from ${origin}`);
      }
    }
    if (name === 'Vite plugin') {
      const module = await send(entry.url, '/main.js', { headers: { Origin: 'http://localhost:5555' } });
      assert.equal(module.headers['access-control-allow-origin'], 'http://localhost:5555', 'Vite\'s CORS for modules is left alone');
    }
  });
}

test('plain server: two runs, two tokens; each refuses the other\'s; it listens on 127.0.0.1 unless told otherwise', async (t) => {
  const one = await plainServer(t);
  const two = await plainServer(t);
  assert.notEqual(one.token, two.token);
  assert.equal(new URL(one.url).hostname, '127.0.0.1');
  const crossed = await send(one.url, EVENTS, { headers: { 'Pidkeep-Tauri-Token': two.token } });
  assert.equal(crossed.status, 403);
  assert.match(crossed.body, /wrong pidkeep-tauri-token/);
});

test('CLI: listens on 127.0.0.1 by default and serves its token only in the pages of --root', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'index.html'), '<!doctype html><html><head></head></html>');
  writeFileSync(join(dir, 'caps.json'), JSON.stringify(SHELL_CAPABILITY));
  const cli = startNode(t, join(root, 'dist', 'tauri-host', 'cli.js'), ['--capabilities', join(dir, 'caps.json'), '--data-dir', dir, '--root', join(dir, 'app')]);
  reaper(t)(cli.child.pid);
  const url = await cli.line('listening');
  assert.equal(new URL(url).hostname, '127.0.0.1');
  const token = /data-pidkeep-token="([^"]+)"/.exec((await send(url, '/')).body)?.[1];
  assert.ok(token);
  assert.equal((await send(url, EVENTS, { headers: { 'Pidkeep-Tauri-Token': token } })).status, 200);
  assert.equal((await send(url, EVENTS, { headers: { 'Pidkeep-Tauri-Token': token, Host: 'attacker.example' } })).status, 403);
  await waitFor('the refusal on stderr', () => /refused GET \/__pidkeep_tauri\/events\?window=main: Host "attacker\.example"/.test(cli.stderr()));
  cli.child.kill('SIGTERM');
  assert.deepEqual(await cli.exited, { code: null, signal: 'SIGTERM' }, 'SIGTERM is a crash, as for a Tauri app');
});

