// The README's Tauri recorder as a new user copies it: its capability file (the JSON block, whole, with the test's
// app identifier in the validators) in pidkeep's Tauri host, and its page code (spawnScopes, the tone recorder with
// the exact arguments the README gives) in headless Chromium. A fresh app (no recordings folder) records the tone
// and stops with a final header, and no IPC call fails on the way.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProcessManager } from '../../src/index.js';
import type { Recorder, RecorderStatus } from '../../src/ffmpeg/index.js';
import { startTauriHostServer } from '../../src/tauri-host/server.js';
import type { Capability } from '../../src/tauri-host/types.js';
import { IMPORT_MAP, launchChromium } from '../helpers/browser.js';
import { assertWavFinal } from '../helpers/ffmpeg.js';
import { isAlive, onTeardown, reaper, root, tempDir, waitFor } from '../helpers/index.js';

const IDENTIFIER = 'dev.pidkeep.readme';
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### In a Tauri webview (`tauriFfmpegHost`)'), readme.indexOf('### The host next to the real app'));

/** The README's capability block, with the app identifier of this test in the recordings' validators. */
function readmeCapability(): Capability {
  const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(block, 'the recorder section shows its capability file');
  assert.ok(block.includes('com\\\\.example\\\\.app'), 'the validators name the placeholder identifier the text tells to replace');
  return JSON.parse(block.replaceAll('com\\\\.example\\\\.app', IDENTIFIER.replaceAll('.', '\\\\.'))) as Capability;
}

/** The README's code block (the test runs its backend options and its tone recorder as written). */
function readmeCode(): string {
  return /```ts\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '';
}

/** The tone recorder's input, as the README's code block gives it. */
function readmeTone(): { args: string[]; label: string } {
  const code = readmeCode();
  const match = /ffmpeg: 'ffmpeg-tone'[\s\S]*?input: \{ args: (\[[^\]]*\]), label: '([^']*)' \}/.exec(code);
  assert.ok(match, "the README's code makes the tone recorder with its input");
  return { args: JSON.parse(match[1]!.replaceAll("'", '"')) as string[], label: match[2]! };
}

declare global {
  var readmeApp: { pm: ProcessManager; tone: Recorder } | undefined;
  var readmeAppError: string | undefined;
}

test("the README's recorder capability and page code: a fresh app records the tone, makes its folder, stops with a final header, and no IPC call fails", async (t) => {
  const capability = readmeCapability();
  const tone = readmeTone();
  assert.match(readmeCode(), /tauriBackend\(\{ scopes: spawnScopes\(capability\), ps: false, kill: false \}\)/, 'the backend options run below are the README\'s');
  const dataDir = tempDir(t, 'pidkeep-readme-app-');
  const folder = join(dataDir, IDENTIFIER, 'recordings');
  const site = tempDir(t, 'pidkeep-readme-site-');
  // The README's page code, with the capability file's import replaced by its content.
  const script = `
    try {
      const { createProcessManager } = await import('/dist/index.js');
      const { createRecorder } = await import('/dist/ffmpeg/index.js');
      const { spawnScopes, tauriBackend, tauriFfmpegHost, tauriFsStore } = await import('/dist/tauri/index.js');
      const { appDataDir, join } = await import('@tauri-apps/api/path');
      const capability = ${JSON.stringify(capability)};
      const pm = await createProcessManager({ namespace: 'my-app', backend: tauriBackend({ scopes: spawnScopes(capability), ps: false, kill: false }), store: tauriFsStore() });
      const tone = await createRecorder({ manager: pm, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg-tone' }), dir: await join(await appDataDir(), 'recordings'), input: ${JSON.stringify(tone)} });
      window.readmeApp = { pm, tone };
    } catch (error) {
      window.readmeAppError = error instanceof Error ? error.message : String(error);
    }`;
  writeFileSync(join(site, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>readme</title>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script><script type="module">${script}</script></head><body></body></html>`);
  symlinkSync(join(root, 'dist'), join(site, 'dist'));
  symlinkSync(join(root, 'node_modules'), join(site, 'node_modules'));
  const server = await startTauriHostServer({ capabilities: [capability], root: site, dataDir, identifier: IDENTIFIER });
  onTeardown(t, () => server.close());
  const context = await (await launchChromium(t)).newContext();
  const failed: string[] = [];
  context.on('response', (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()} ${response.request().postData()?.slice(0, 200) ?? ''}`)));
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.readmeApp !== undefined || window.readmeAppError !== undefined, undefined, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.readmeAppError), undefined);
  assert.equal(existsSync(folder), false, 'a fresh app: no recordings folder yet');

  const status = (await page.evaluate(() => window.readmeApp!.tone.start())) as RecorderStatus;
  assert.equal(status.recording, true);
  assert.ok(status.path?.startsWith(`${folder}/`), `${status.path} is in the app's recordings folder, which the recorder made`);
  const pid = await page.evaluate(() => window.readmeApp!.pm.get('recorder')?.pid ?? 0);
  reaper(t)(pid);
  await waitFor('a second of the tone', async () => ((await page.evaluate(() => window.readmeApp!.tone.status())) as RecorderStatus).bytes > 192_000, { timeout: 20_000 });
  const done = (await page.evaluate(() => window.readmeApp!.tone.stop())) as { path: string; repaired: boolean };
  assert.equal(done.repaired, false, 'finished by q: nothing to repair');
  assert.ok(!isAlive(pid));
  assertWavFinal(done.path);
  assert.deepEqual(failed, [], 'no IPC call failed');
});
