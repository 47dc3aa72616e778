// A quit as Rust runs it: close requests held back while a page listens, the last window destroyed quits the app
// (its shell children SIGKILLed), app.exit() held by the stop_on_quit plugin (`stopOnQuit`) until the pages that
// announced themselves answer, a crash kills nothing. Real processes; the host driven through its own
// invoke/attach, as the bridge drives it. test/real/ holds the same behaviours against the real app.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { TauriHostOptions } from '../../src/tauri-host/types.js';
import { isAlive, onTeardown, reaper, root, tempDir, waitFor } from '../helpers/index.js';
import { SHELL_CAPABILITY } from './capability.js';

const CAPABILITY = { ...SHELL_CAPABILITY, windows: ['*'], permissions: [...SHELL_CAPABILITY.permissions, 'core:default', 'core:window:allow-destroy', 'core:window:allow-close'] };

function setup(t: TestContext, options: Partial<TauriHostOptions> = {}) {
  const host = createTauriHost({ capabilities: [CAPABILITY], dataDir: tempDir(t), ...options });
  onTeardown(t, () => host.close());
  const reap = reaper(t);
  const delivered: Array<{ window: string; id: number; message: unknown }> = [];
  const open = (window: string) => host.attach(window, (id, message) => delivered.push({ window, id, message }));
  const call = (window: string, cmd: string, payload: Record<string, unknown> = {}) => host.invoke({ window, cmd, payload });
  const sleeper = async (window = 'main') => {
    const pid = (await call(window, 'plugin:shell|spawn', { program: 'sh', args: ['-c', 'exec sleep 60'], options: {}, onEvent: '__CHANNEL__:7' })) as number;
    reap(pid);
    await waitFor('the child to run', () => isAlive(pid));
    return pid;
  };
  const listen = (window: string, event: string, handler: number, target: unknown = { kind: 'Window', label: window }) =>
    call(window, 'plugin:event|listen', { event, target, handler }) as Promise<number>;
  return { host, delivered, open, call, sleeper, listen };
}

test('a window closed with no page listening is destroyed at once; the last one quits the app and the shell plugin kills its children', async (t) => {
  const { host, open, sleeper, delivered } = setup(t);
  open('main');
  open('second');
  const pid = await sleeper();
  assert.deepEqual(host.windows().sort(), ['main', 'second']);
  await host.requestClose('second');
  assert.deepEqual(host.windows(), ['main']);
  assert.ok(delivered.some((d) => d.window === 'second' && d.id === 0), 'the page of the destroyed window is told');
  assert.ok(host.running() && isAlive(pid), 'one window left: the app runs on');
  await host.requestClose('main');
  await host.ended();
  assert.equal(host.running(), false);
  await waitFor('the child SIGKILLed at RunEvent::Exit', () => !isAlive(pid));
});

test('a page listening for tauri://close-requested gets the event and the window stays until the page destroys it', async (t) => {
  const { host, open, call, sleeper, delivered, listen } = setup(t);
  open('main');
  const pid = await sleeper();
  const id = await listen('main', 'tauri://close-requested', 41);
  await host.requestClose('main');
  assert.deepEqual(delivered.at(-1), { window: 'main', id: 41, message: { event: 'tauri://close-requested', id, payload: null } });
  assert.ok(host.running() && host.windows().includes('main'), 'the close is held back while a page listens');
  assert.ok(isAlive(pid));
  // what onCloseRequested does after its handler: destroy the window
  await call('main', 'plugin:window|destroy', { label: 'main' });
  await host.ended();
  await waitFor('the child killed at exit', () => !isAlive(pid));
  await assert.rejects(call('main', 'plugin:shell|spawn', {}), { code: 'NOT_RUNNING' });
});

test('unlisten lets the next close through; a listener of another event or another window holds nothing back', async (t) => {
  const { host, open, call, listen } = setup(t);
  open('main');
  open('second');
  await listen('main', 'tauri://close-requested', 5, { kind: 'Window', label: 'second' }); // main listens for second's close
  await listen('second', 'something-else', 6);
  await host.requestClose('main');
  assert.deepEqual(host.windows(), ['second'], 'main had no listener for its own close');
  await assert.rejects(call('main', 'plugin:event|listen', { event: 'x', target: { kind: 'Any' }, handler: 1 }), { code: 'WINDOW_CLOSED' });
  const id = await listen('second', 'tauri://close-requested', 8);
  await host.requestClose('second');
  assert.deepEqual(host.windows(), ['second'], 'held back');
  await call('second', 'plugin:event|unlisten', { event: 'tauri://close-requested', eventId: id });
  await host.requestClose('second');
  await host.ended();
  assert.equal(host.running(), false);
});

test('window.close() and destroy() need their permissions, as in core:window (not in core:default)', async (t) => {
  const host = createTauriHost({ capabilities: [{ ...SHELL_CAPABILITY, permissions: ['core:default'] }], dataDir: tempDir(t) });
  onTeardown(t, () => host.close());
  await assert.rejects(host.invoke({ window: 'main', cmd: 'plugin:window|destroy', payload: { label: 'main' } }), /window\.destroy not allowed/);
  await assert.rejects(host.invoke({ window: 'main', cmd: 'plugin:window|close', payload: { label: 'main' } }), /window\.close not allowed/);
  assert.equal(typeof (await host.invoke({ window: 'main', cmd: 'plugin:event|listen', payload: { event: 'a', target: { kind: 'Any' }, handler: 3 } })), 'number', 'core:event:default is in core:default');
});

test('app.exit() kills the children at once; with stop_on_quit it waits for the pages that announced themselves, then exits with its code', async (t) => {
  const plain = setup(t);
  plain.open('main');
  const a = await plain.sleeper();
  assert.equal(await plain.host.exit(0), true);
  await waitFor('the child killed', () => !isAlive(a));

  const { host, open, sleeper, delivered, listen, call } = setup(t, { stopOnQuit: true });
  open('main');
  open('second');
  const b = await sleeper();
  // main runs stopOnQuit: it listens on its window and announces itself; second listens but never announces
  await listen('main', 'pidkeep://exit-requested', 11);
  await listen('second', 'pidkeep://exit-requested', 12);
  await call('main', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'main' });
  // a label that names no window is ignored (a page cannot make the app wait for nothing)
  await call('second', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'nowhere' });
  assert.equal(await host.exit(3), false, 'held back');
  assert.deepEqual(delivered.filter((d) => d.id === 11 || d.id === 12).map((d) => d.window).sort(), ['main', 'second'], 'app.emit reaches every listener');
  assert.ok(isAlive(b) && host.running());
  assert.equal(await host.exit(0), false, 'a second request while waiting is held too');
  await call('main', 'plugin:event|emit', { event: 'pidkeep://exit-ready', payload: 'main' });
  assert.equal(await host.ended(), 3, "the first request's code");
  await waitFor('the child killed at RunEvent::Exit', () => !isAlive(b));
});

test('stop_on_quit: a page that reloads is forgotten until it announces itself again; a window destroyed while the app waits lets the exit go', async (t) => {
  const { host, open, call, listen, delivered } = setup(t, { stopOnQuit: true });
  open('main');
  open('second');
  for (const window of ['main', 'second']) {
    await listen(window, 'pidkeep://exit-requested', 20);
    await call(window, 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: window });
  }
  open('second'); // second reloads: a page starts loading there (on_page_load Started)
  assert.equal(await host.exit(0), false, 'main is still waited for');
  await listen('second', 'pidkeep://exit-requested', 21);
  await call('second', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'second' });
  assert.ok(delivered.some((d) => d.window === 'second' && d.id === 21), 'announced during the exit: asked at once (emit_to)');
  await call('second', 'plugin:event|emit', { event: 'pidkeep://exit-ready', payload: 'second' });
  assert.ok(host.running(), 'main has not answered');
  await call('main', 'plugin:window|destroy', {});
  assert.equal(await host.ended(), 0);
});

test('a crash kills nothing: the children live on, reparented', async (t) => {
  const { host, open, sleeper } = setup(t);
  open('main');
  const pid = await sleeper();
  host.crash();
  await host.ended();
  assert.ok(isAlive(pid), 'a crashed app does not take its children along');
});

/** The CLI host as its own process, with a pipe to type on; its URL and this run's token. */
async function cliWithChild(t: TestContext, capabilityFile: string) {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>app</title></head></html>');
  const args = [join(root, 'dist', 'tauri-host', 'cli.js'), '--capabilities', capabilityFile, '--data-dir', dir, '--root', dir];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  onTeardown(t, () => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = (await waitFor('the host to listen', () => /listening (\S+)/.exec(out)?.[1]))!;
  const token = /data-pidkeep-token="([^"]+)"/.exec(await (await fetch(url)).text())?.[1];
  return { child, url, token };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the CLI host: ${signal} is a crash (Tauri has no handler), the children live on; \`exit\` on stdin quits and kills them`, async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'caps.json');
    writeFileSync(file, JSON.stringify(CAPABILITY));
    const reap = reaper(t);
    const spawnVia = async (host: { url: string; token: string | undefined }) => {
      const response = await fetch(`${host.url}__pidkeep_tauri/invoke/${encodeURIComponent('plugin:shell|spawn')}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Pidkeep-Tauri-Token': host.token ?? '' },
        body: JSON.stringify({ program: 'sh', args: ['-c', 'exec sleep 60'], options: {}, onEvent: '__CHANNEL__:1' }),
      });
      const pid = (await response.json()) as number;
      assert.equal(typeof pid, 'number', `spawn answered ${JSON.stringify(pid)}`);
      reap(pid);
      await waitFor('the child to run', () => isAlive(pid));
      return pid;
    };
    const first = await cliWithChild(t, file);
    const survivor = await spawnVia(first);
    first.child.kill(signal);
    await waitFor('the host to die', () => first.child.signalCode !== null || first.child.exitCode !== null);
    assert.equal(first.child.signalCode, signal, 'killed by the signal, no clean exit');
    assert.ok(isAlive(survivor), 'a crash takes no child along');

    const second = await cliWithChild(t, file);
    const killed = await spawnVia(second);
    second.child.stdin.write('exit 3\n');
    await waitFor('the host to exit', () => second.child.exitCode !== null);
    assert.equal(second.child.exitCode, 3, 'the exit code of app.exit(3)');
    await waitFor('its child killed at RunEvent::Exit', () => !isAlive(killed));
    assert.ok(isAlive(survivor), 'the earlier run\'s orphan is none of its business');
  });
}

test('the real @tauri-apps/api: emit reaches the stop_on_quit plugin, a window listener hears its request; unlisten drops the page callback', async (t) => {
  const host = createTauriHost({ capabilities: [CAPABILITY], dataDir: tempDir(t), stopOnQuit: true });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  const { emit } = await import('@tauri-apps/api/event');
  const { getCurrentWindow } = await import('@tauri-apps/api/window');
  const internals = (globalThis as unknown as { window: { __TAURI_INTERNALS__: { callbacks: Map<number, unknown> } } }).window.__TAURI_INTERNALS__;
  const before = internals.callbacks.size;
  const heard: unknown[] = [];
  const unlisten = await getCurrentWindow().listen('pidkeep://exit-requested', (event: { payload: unknown }) => heard.push(event.payload));
  assert.equal(internals.callbacks.size, before + 1);
  await emit('pidkeep://stop-on-quit', 'main');
  assert.equal(await host.exit(0), false, 'held back: the window announced itself');
  await waitFor('the event', () => heard.length === 1);
  assert.deepEqual(heard, [null]);
  await unlisten();
  assert.equal(internals.callbacks.size, before, 'the page callback is gone');
  await emit('pidkeep://exit-ready', 'main');
  assert.equal(await host.ended(), 0);
  assert.equal(host.running(), false);
});

test('a destroyed window takes the listeners its page registered; another window\'s listener for it stays (as in Rust) and an emit_to it still arrives', async (t) => {
  const { host, open, call, listen, delivered } = setup(t);
  open('main');
  open('second');
  await listen('main', 'ping', 31, { kind: 'Any' });
  await listen('second', 'ping', 32, { kind: 'Window', label: 'main' });
  await call('main', 'plugin:window|destroy', {});
  assert.ok(host.running(), 'second is still open');
  await call('second', 'plugin:event|emit_to', { target: { kind: 'Window', label: 'main' }, event: 'ping', payload: 1 });
  assert.deepEqual(delivered.filter((d) => d.id === 31 || d.id === 32).map((d) => [d.window, d.id]), [['second', 32]]);
});

test('stop_on_quit: the last waiting window destroyed during a held exit(3) still exits with 3; a reload during it is still waited for; past the deadline the exit goes without the pages', async (t) => {
  // the window destroyed: its `forget` asks for exit(3) (queued), then the last-window request comes without a code
  const a = setup(t, { stopOnQuit: true });
  a.open('main');
  await a.listen('main', 'pidkeep://exit-requested', 40);
  await a.call('main', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'main' });
  assert.equal(await a.host.exit(3), false);
  await a.call('main', 'plugin:window|destroy', {});
  assert.equal(await a.host.ended(), 3, "the held exit's code, not the last window's 0");

  // a reload of the window during the held exit: the new page is asked once it announces itself, and answers
  const b = setup(t, { stopOnQuit: true });
  b.host.attach('main', (id, message) => b.delivered.push({ window: 'main', id, message }), 'page-1');
  await b.listen('main', 'pidkeep://exit-requested', 41);
  await b.call('main', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'main' });
  assert.equal(await b.host.exit(4), false);
  b.host.attach('main', (id, message) => b.delivered.push({ window: 'main', id, message }), 'page-1'); // a reconnection: the same page
  b.host.attach('main', (id, message) => b.delivered.push({ window: 'main', id, message }), 'page-2'); // the reload
  assert.ok(b.host.running(), 'still waited for');
  await b.listen('main', 'pidkeep://exit-requested', 42);
  await b.call('main', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'main' });
  assert.ok(b.delivered.some((d) => d.id === 42), 'the new page is asked');
  await b.call('main', 'plugin:event|emit', { event: 'pidkeep://exit-ready', payload: 'main' });
  assert.equal(await b.host.ended(), 4);

  // a page that never answers: the deadline ends the wait
  const c = setup(t, { stopOnQuit: { deadlineMs: 200 } });
  c.open('main');
  await c.call('main', 'plugin:event|emit', { event: 'pidkeep://stop-on-quit', payload: 'main' });
  assert.equal(await c.host.exit(5), false);
  assert.ok(c.host.running());
  assert.equal(await c.host.ended(), 5);
});
