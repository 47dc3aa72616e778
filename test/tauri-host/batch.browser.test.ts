// The bridge sends the invokes a page makes together as one request (Tauri's IPC has no six-connection limit per
// origin, which would otherwise queue them): each call still settles on its own, with its own value, bytes or error,
// and the batch route is behind the same door as the others.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTauriHostServer } from '../../src/tauri-host/server.js';
import { launchChromium } from '../helpers/browser.js';
import { onTeardown, tempDir } from '../helpers/index.js';

const CAPABILITY = {
  identifier: 'batch',
  windows: ['main'],
  permissions: ['core:default', 'fs:allow-read-text-file', { identifier: 'fs:scope', allow: [{ path: '$APPDATA/**' }] }],
};

test('invokes made together: one request, each settling on its own (a value, bytes, a refusal)', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'index.html'), '<!doctype html><html><head><title>batch</title></head><body></body></html>');
  const batches: number[] = [];
  const server = await startTauriHostServer({ capabilities: [CAPABILITY], root: join(dir, 'app'), dataDir: join(dir, 'data'), identifier: 'dev.batch' });
  onTeardown(t, () => server.close());
  // Count the bridge's requests as they arrive.
  const { host } = server;
  const invoke = host.invoke.bind(host);
  let calls = 0;
  host.invoke = (request) => (calls++, invoke(request));
  mkdirSync(join(dir, 'data', 'dev.batch'), { recursive: true });
  writeFileSync(join(dir, 'data', 'dev.batch', 'hello.txt'), 'héllo\n');
  const page = await (await launchChromium(t)).newPage();
  page.on('request', (request) => request.url().includes('/__pidkeep_tauri/invoke') && batches.push(request.url().endsWith('invoke-batch') ? 1 : 0));
  await page.goto(server.url);
  const results = await page.evaluate(async () => {
    // (no named helper functions here: the test's compiler would wrap them in a helper the page does not have)
    const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke(cmd: string, args?: unknown): Promise<unknown> } }).__TAURI_INTERNALS__;
    return Promise.all(
      [
        internals.invoke('plugin:path|resolve_directory', { directory: 14 }),
        internals.invoke('plugin:fs|read_text_file', { path: 'hello.txt', options: { baseDir: 14 } }),
        internals.invoke('plugin:fs|write_text_file', { path: 'x' }),
        internals.invoke('plugin:shell|spawn', { program: 'sh', args: [] }),
      ].map((p) => p.then((value) => ({ ok: value instanceof ArrayBuffer ? new TextDecoder().decode(value) : value }), (error: unknown) => ({ error: String(error) }))),
    );
  });
  assert.match(String((results[0] as { ok?: unknown }).ok), /dev\.batch$/);
  assert.deepEqual(results[1], { ok: 'héllo\n' }, 'bytes come back as bytes');
  assert.match((results[2] as { error: string }).error, /fs\.write_text_file not allowed/);
  assert.match((results[3] as { error: string }).error, /shell\.spawn not allowed/);
  assert.equal(calls, 4, 'each call judged and run on its own');
  assert.deepEqual(batches, [1], 'one request for the four');

  // The batch route is behind the same door: no token, no answer.
  const refused = await fetch(`${server.url}__pidkeep_tauri/invoke-batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' });
  assert.equal(refused.status, 403);
  const bad = await fetch(`${server.url}__pidkeep_tauri/invoke-batch`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Pidkeep-Tauri-Token': server.token }, body: '{"not":"a list"}' });
  assert.equal(bad.status, 400);
});
