// The attack, in headless Chromium: while the app's page is open, hostile pages try to make the host run a
// command its capability allows (`sh -c "touch <marker>; kill -TERM <bystander>"`) through every door a page has:
// a no-cors fetch with a text/plain body (no preflight), a CORS fetch, a fetch with a guessed token header, a
// sendBeacon, a form POST, an EventSource and a fetch of the event stream, a read of the app's page (for its token)
// and a <script src> of bridge.js. Three hostile origins: another port of 127.0.0.1 (same-site), another site
// (evil.test, resolved to 127.0.0.1 by Chromium's resolver rules) and a DNS-rebinding page (attacker.test on the
// host's own port: the page came "from the attacker", its requests reach the host under the attacker's name).
// Against the plain server and the Vite plugin. Nothing may run: the bystander (a sentinel process that notes every
// signal) hears nothing and the marker never appears; the app's page, meanwhile, still runs the very same kind of
// command and gets its channel events.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { startTauriHostServer, type Refusal } from '../../src/tauri-host/index.js';
import { launchChromium } from '../helpers/browser.js';
import { isAlive, onTeardown, tempDir, waitFor } from '../helpers/index.js';
import { startSentinel } from '../helpers/proc.js';
import { SHELL_CAPABILITY, viteWithHost } from './capability.js';

/** The app's page: a classic script on top of the bridge, as small as a page can be. */
const APP_PAGE = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>app</title></head>
  <body>
    <script>
      const tauri = window.__TAURI_INTERNALS__;
      window.app = {
        run: (script) => tauri.invoke('plugin:shell|execute', { program: 'sh', args: ['-c', script], options: {} }),
        // a spawn with a channel: its events come through the event stream
        spawn: (script) => new Promise((resolve, reject) => {
          const events = [];
          const id = tauri.transformCallback((m) => (events.push(m), m.end && resolve(events)));
          tauri.invoke('plugin:shell|spawn', { program: 'sh', args: ['-c', script], options: {}, onEvent: '__CHANNEL__:' + id }).catch(reject);
        }),
      };
    </script>
  </body>
</html>`;

interface Entry {
  url: string;
  refusals: Refusal[];
}

async function plainServer(t: TestContext, dir: string): Promise<Entry> {
  const refusals: Refusal[] = [];
  const server = await startTauriHostServer({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t), root: dir, onRefused: (r) => refusals.push(r) });
  onTeardown(t, () => server.close());
  return { url: server.url, refusals };
}

async function viteServer(t: TestContext, dir: string): Promise<Entry> {
  const { url, refusals } = await viteWithHost(t, dir);
  return { url, refusals };
}

/** A plain local web server on another port, serving one empty page: the hostile site. Closed in teardown. */
async function hostileServer(t: TestContext): Promise<number> {
  const server = createHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>hostile</title><body></body>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(t, () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return (server.address() as AddressInfo).port;
}

/** Everything a page can do to the bridge at `bridge` (an absolute URL, or the page's own origin); what it saw. */
const attack = (page: Page, bridge: string, body: string) =>
  page.evaluate(async ([base, payload]) => {
    const invoke = `${base}__pidkeep_tauri/invoke/${encodeURIComponent('plugin:shell|execute')}`;
    const events = `${base}__pidkeep_tauri/events?window=main`;
    // (no named functions in here: tsx would wrap them in a helper the page does not have)
    const failed = 'rejected ';
    const seen: Record<string, string> = {};
    seen.noCors = await fetch(invoke, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: payload }).then((r) => `${r.type} ${r.status}`).then((v) => `resolved ${v}`, (e: unknown) => failed + String(e));
    seen.cors = await fetch(invoke, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: payload }).then(async (r) => `${r.status} ${await r.text()}`).then((v) => `resolved ${v}`, (e: unknown) => failed + String(e));
    seen.guessedToken = await fetch(invoke, { method: 'POST', headers: { 'Pidkeep-Tauri-Token': 'guess', 'Content-Type': 'application/json' }, body: payload }).then((r) => String(r.status)).then((v) => `resolved ${v}`, (e: unknown) => failed + String(e));
    seen.beacon = String(navigator.sendBeacon(invoke, payload));
    // A form POST, enctype text/plain: `name=value` spells the JSON body ({..., "x":"="}), into a frame.
    const frame = document.createElement('iframe');
    frame.name = 'sink';
    document.body.append(frame);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const form = Object.assign(document.createElement('form'), { method: 'POST', action: invoke, enctype: 'text/plain', target: 'sink' });
    form.append(Object.assign(document.createElement('input'), { name: `${payload.slice(0, -1)},"x":"`, value: '"}' }));
    document.body.append(form);
    const posted = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    form.submit();
    seen.form = await Promise.race([posted.then(() => 'answered'), new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 5000))]);
    seen.eventSource = await new Promise<string>((resolve) => {
      const source = new EventSource(events);
      let messages = 0;
      source.onmessage = () => messages++;
      source.onerror = () => (source.close(), resolve(`error, ${messages} messages`));
      setTimeout(() => (source.close(), resolve(`open, ${messages} messages`)), 3000);
    });
    seen.streamFetch = await fetch(events, { headers: { 'Pidkeep-Tauri-Token': 'guess' } }).then((r) => String(r.status)).then((v) => `resolved ${v}`, (e: unknown) => failed + String(e));
    // The token: read the app's page for it, or run bridge.js here.
    seen.readPage = await fetch(base).then(async (r) => `${r.status}, token ${/data-pidkeep-token/.test(await r.text()) ? 'read' : 'absent'}`).then((v) => `resolved ${v}`, (e: unknown) => failed + String(e));
    seen.script = await new Promise<string>((resolve) => {
      const script = Object.assign(document.createElement('script'), { src: `${base}__pidkeep_tauri/bridge.js` });
      script.onload = () => resolve('loaded');
      script.onerror = () => resolve('refused');
      document.head.append(script);
    });
    seen.internals = typeof (window as unknown as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    return seen;
  }, [bridge, body] as const);

for (const [name, start] of [['plain server', plainServer], ['Vite plugin', viteServer]] as const) {
  test(`${name}: hostile pages (another port, another site, DNS rebinding) run nothing; the app's page still works`, async (t) => {
    const dir = tempDir(t, 'pidkeep-front-');
    writeFileSync(join(dir, 'index.html'), APP_PAGE);
    const entry = await start(t, dir);
    const hostPort = Number(new URL(entry.url).port);
    const bystander = await startSentinel(t, tempDir(t), 'bystander');
    const marker = join(tempDir(t), 'attack-ran');
    const body = JSON.stringify({ program: 'sh', args: ['-c', `touch ${marker}; kill -TERM ${bystander.pid}`], options: {} });

    const browser = await launchChromium(t, ['--host-resolver-rules=MAP evil.test 127.0.0.1, MAP attacker.test 127.0.0.1']);
    const context = await browser.newContext();
    const app = await context.newPage();
    await app.goto(entry.url);
    await app.waitForFunction(() => (window as unknown as { app?: unknown }).app !== undefined);

    const hostilePort = await hostileServer(t);
    // The rebinding page: a document of origin attacker.test:<the host's port>, whose every request reaches the host
    // under the name attacker.test. In a real attack that document came from the attacker's server before the name
    // was rebound to 127.0.0.1; here it is the host's own 403 to that name (no request interception: Playwright's
    // would answer CORS preflights itself, permissively, and so hide what the host does with them).
    const rebinding = `http://attacker.test:${hostPort}/rebind.html`;
    const bridge = entry.url.replace(/\/?$/, '/');
    const origins = [
      { name: 'another port of 127.0.0.1', page: `http://127.0.0.1:${hostilePort}/`, bridge, reason: /^Origin http:\/\/127\.0\.0\.1:\d+ |^Sec-Fetch-Site: same-site/ },
      { name: 'another site', page: `http://evil.test:${hostilePort}/`, bridge, reason: /^Origin http:\/\/evil\.test:\d+ |^Sec-Fetch-Site: cross-site/ },
      { name: 'DNS rebinding', page: rebinding, bridge: `http://attacker.test:${hostPort}/`, reason: /^Host "attacker\.test:\d+" is not a name of this server/ },
    ];
    for (const origin of origins) {
      const before = entry.refusals.length;
      const hostile = await context.newPage();
      const document = await hostile.goto(origin.page);
      assert.equal(document?.status(), origin.name === 'DNS rebinding' ? 403 : 200, `${origin.name}: the page's status`);
      const seen = await attack(hostile, origin.bridge, body);
      t.diagnostic(`${origin.name}: ${JSON.stringify(seen)}`);
      const rebound = origin.name === 'DNS rebinding';
      // From another origin the browser hides the answers; the rebinding page sees the host's own 403s.
      assert.match(seen.noCors!, rebound ? /^resolved basic 403$/ : /^resolved opaque 0$/, origin.name);
      assert.match(seen.cors!, rebound ? /^resolved 403 \[pidkeep\] tauri-host: Host "attacker\.test/ : /^rejected TypeError/, origin.name);
      assert.match(seen.guessedToken!, rebound ? /^resolved 403$/ : /^rejected TypeError/, `${origin.name}: the preflight is refused`);
      assert.match(seen.streamFetch!, rebound ? /^resolved 403$/ : /^rejected TypeError/, origin.name);
      assert.match(seen.readPage!, rebound ? /^resolved 403, token absent$/ : /^rejected TypeError/, `${origin.name}: the token is not readable`);
      assert.equal(seen.form, 'answered', origin.name);
      assert.match(seen.eventSource!, /^error, 0 messages$/, origin.name);
      assert.equal(seen.script, 'refused', origin.name);
      assert.equal(seen.internals, 'undefined', origin.name);
      // Each attempt reached the host and was refused there, for the reason expected.
      const refusedHere = () => entry.refusals.slice(before);
      await waitFor(`${origin.name}: the host to refuse the 4 POSTs (fetch, fetch, beacon, form)`, () => refusedHere().filter((r) => r.method === 'POST').length >= 4);
      const kinds = new Set(refusedHere().map((r) => `${r.method} ${r.url.replace(/\?.*/, '').replace(/invoke\/.*/, 'invoke')}`));
      for (const kind of ['POST /__pidkeep_tauri/invoke', 'GET /__pidkeep_tauri/events', 'GET /__pidkeep_tauri/bridge.js']) assert.ok(kinds.has(kind), `${origin.name}: ${kind} refused (${[...kinds].join(', ')})`);
      // a preflight (OPTIONS) the rebinding page never needs: its requests are same-origin
      if (!rebound) assert.ok(kinds.has('OPTIONS /__pidkeep_tauri/invoke'), `${origin.name}: the preflight refused (${[...kinds].join(', ')})`);
      for (const refusal of refusedHere().filter((r) => r.url.startsWith('/__pidkeep_tauri/'))) assert.match(refusal.reason, origin.reason, `${origin.name}: ${refusal.method} ${refusal.url}`);
      await hostile.close();
    }

    await bystander.flush();
    assert.equal(bystander.signals(), '', 'no signal reached the bystander');
    assert.ok(isAlive(bystander.pid), 'the bystander lives');
    assert.equal(existsSync(marker), false, 'the attack\'s command never ran');

    // The app's page, open all along: the same capability-allowed command runs for it, and its events arrive.
    const refusedBefore = entry.refusals.length;
    const legit = join(tempDir(t), 'legit-ran');
    const ran = await app.evaluate((script) => (window as unknown as { app: { run(s: string): Promise<{ code: number }> } }).app.run(script), `touch ${legit}`);
    assert.equal(ran.code, 0);
    assert.ok(existsSync(legit), 'the page\'s own command ran');
    const events = await app.evaluate(() => (window as unknown as { app: { spawn(s: string): Promise<unknown[]> } }).app.spawn('echo streamed'));
    assert.deepEqual(events, [
      { index: 0, message: { event: 'Stdout', payload: 'streamed\n' } },
      { index: 1, message: { event: 'Terminated', payload: { code: 0, signal: null } } },
      { end: true, index: 2 },
    ]);
    assert.equal(entry.refusals.length, refusedBefore, 'nothing of the app\'s page was refused');
  });
}
