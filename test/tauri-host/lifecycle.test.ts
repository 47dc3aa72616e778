import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Child, Command } from '@tauri-apps/plugin-shell';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import { startTauriHostServer } from '../../src/tauri-host/server.js';
import { isAlive, onTeardown, reaper, root, tempDir, waitFor } from '../helpers/index.js';
import { SHELL_CAPABILITY } from './capability.js';

async function spawnSleeper(reap: (pid: number) => void) {
  const command = Command.create('sh', ['-c', 'echo ready; exec sleep 60']);
  let ready = false;
  command.stdout.on('data', (line) => (ready ||= line === 'ready\n'));
  const child = await command.spawn();
  reap(child.pid);
  await waitFor('the child handshake', () => ready);
  return child;
}

test('crash(): children live on and are forgotten; after restart() kill is a silent no-op. exit() kills them', async (t) => {
  const host = createTauriHost({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t) });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  const reap = reaper(t);

  const orphan = await spawnSleeper(reap);
  host.crash();
  assert.deepEqual(host.children(), []);
  await assert.rejects(orphan.kill(), /not running/, 'a dead app answers nothing');
  host.restart();
  await new Child(orphan.pid).kill(); // resolves "successfully"...
  assert.ok(isAlive(orphan.pid), '...and the orphan lives on');
  process.kill(orphan.pid, 'SIGKILL');

  const child = await spawnSleeper(reap);
  assert.deepEqual(host.children(), [child.pid]);
  await host.exit();
  await waitFor('the child killed by the clean exit', () => !isAlive(child.pid));
  host.restart();
  assert.throws(() => host.restart(), /running/, 'restart() follows crash() or exit()');
});

test('HTTP: POST invoke and Server-Sent Events deliver a channel { index, message } then { end, index }', async (t) => {
  const server = await startTauriHostServer({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t) });
  onTeardown(t, () => server.close());
  const reap = reaper(t);
  const bridge = await fetch(`${server.url}__pidkeep_tauri/bridge.js`);
  assert.equal(bridge.headers.get('cache-control'), 'no-store');
  assert.match(await bridge.text(), /__TAURI_INTERNALS__/);

  const abort = new AbortController();
  onTeardown(t, () => abort.abort());
  const auth = { 'Pidkeep-Tauri-Token': server.token };
  const events = await fetch(`${server.url}__pidkeep_tauri/events?window=main`, { headers: auth, signal: abort.signal });
  const messages: unknown[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = events.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const data = buffer.slice(0, at).split('\n').find((l) => l.startsWith('data: '));
        if (data) messages.push(JSON.parse(data.slice(6)));
        buffer = buffer.slice(at + 2);
      }
    }
  })().catch(() => {});
  await waitFor('the page attached', async () => {
    const response = await fetch(`${server.url}__pidkeep_tauri/invoke/${encodeURIComponent('plugin:shell|spawn')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Tauri-Window': 'main', ...auth },
      body: JSON.stringify({ program: 'sh', args: ['-c', 'echo hi'], options: {}, onEvent: '__CHANNEL__:7' }),
    });
    assert.equal(response.status, 200);
    reap((await response.json()) as number);
    return messages.length > 0;
  });
  await waitFor('the end message', () => messages.some((m) => (m as { message: { end?: boolean } }).message.end));
  const first = messages.slice(0, 3);
  assert.deepEqual(first, [
    { id: 7, message: { index: 0, message: { event: 'Stdout', payload: 'hi\n' } } },
    { id: 7, message: { index: 1, message: { event: 'Terminated', payload: { code: 0, signal: null } } } },
    { id: 7, message: { end: true, index: 2 } },
  ]);
  const refused = await fetch(`${server.url}__pidkeep_tauri/invoke/${encodeURIComponent('plugin:shell|kill')}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Tauri-Window': 'other', ...auth }, body: '{"pid":1}',
  });
  assert.equal(refused.headers.get('tauri-response'), 'error');
  assert.match((await refused.json()) as string, /^shell\.kill not allowed on window "other"/);
});

test('CLI: SIGKILL of the host is a real crash (children live on); a new host starts on the same port', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const caps = join(dir, 'caps.json');
  writeFileSync(caps, JSON.stringify(SHELL_CAPABILITY));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>app</title></head></html>');
  const cli = join(root, 'dist', 'tauri-host', 'cli.js');
  const start = async (port: number) => {
    const child = spawn(process.execPath, [cli, '--port', String(port), '--capabilities', caps, '--data-dir', dir, '--root', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    reap(child.pid);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    const url = await waitFor('listening line', () => /^listening (\S+)/m.exec(out)?.[1]);
    // this run's token, where the app's page finds it: in the HTML the host serves
    const token = /data-pidkeep-token="([^"]+)"/.exec(await (await fetch(url)).text())![1]!;
    return { child, url, token };
  };
  const invoke = (host: { url: string; token: string }, cmd: string, body: unknown) =>
    fetch(`${host.url}__pidkeep_tauri/invoke/${encodeURIComponent(cmd)}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Pidkeep-Tauri-Token': host.token }, body: JSON.stringify(body),
    });

  const first = await start(0);
  const port = Number(new URL(first.url).port);
  const spawned = await invoke(first, 'plugin:shell|spawn', { program: 'sh', args: ['-c', 'exec sleep 60'], options: {}, onEvent: '__CHANNEL__:1' });
  const pid = (await spawned.json()) as number;
  reap(pid);
  await waitFor('the child running', () => isAlive(pid));
  first.child.kill('SIGKILL');
  await waitFor('the host gone', () => first.child.exitCode !== null || first.child.signalCode !== null);
  assert.ok(isAlive(pid), 'a crashed app does not take its children along');

  const second = await start(port);
  assert.equal(second.url, first.url);
  assert.notEqual(second.token, first.token, 'a new run, a new token');
  assert.equal((await invoke(first, 'plugin:shell|kill', { cmd: 'killChild', pid })).status, 403, 'the old token opens nothing');
  const killed = await invoke(second, 'plugin:shell|kill', { cmd: 'killChild', pid });
  assert.equal(killed.status, 200, 'unknown to the new run: a silent Ok');
  assert.ok(isAlive(pid));
  second.child.kill('SIGTERM');
  await waitFor('the second host dies of SIGTERM, a crash (Tauri has no handler)', () => second.child.signalCode === 'SIGTERM');
});
