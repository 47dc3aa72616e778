// The article's app, whole: pidkeep/ffmpeg's recorder in a webview (headless Chromium) on tauriBackend and
// tauriFsStore, FFmpeg run by a shell scope that admits only the recorder's argument shapes, its files reached through
// plugin-fs under the recordings folder's scope. A reload finds the recording (one FFmpeg), a stop leaves a final
// header; a SIGKILLed FFmpeg is repaired at the next start-up through FileHandle seek/read/write, in small calls.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Recorder, RecorderRecovery } from '../../src/ffmpeg/index.js';
import type { ProcessManager } from '../../src/index.js';
import { linuxPowerScopes } from '../../src/tauri/index.js';
import { startTauriHostServer } from '../../src/tauri-host/server.js';
import type { Capability, InvokeRequest } from '../../src/tauri-host/types.js';
import { IMPORT_MAP, launchChromium } from '../helpers/browser.js';
import { assertWavFinal, wavSizes } from '../helpers/ffmpeg.js';
import { isAlive, onTeardown, reaper, root, tempDir, waitFor } from '../helpers/index.js';

/** Debian's FFmpeg (check-system installs it), the scope entry's `cmd`. */
const FFMPEG = '/usr/bin/ffmpeg';
const NAMESPACE = 'recorder-app';
const IDENTIFIER = 'dev.pidkeep.recorder';
const TONE = { args: ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'], label: 'a test tone' };
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The recorder's start, argument by argument (src/ffmpeg/recorder.ts: input, then the WAV codec, then the file), for
 * the tone input: fixed strings where the recorder always sends the same, validators for the tone and the file name,
 * which must be a recording in `dir`. Anything else (another input, another output, an extra flag) is refused.
 */
const spawnScope = (dir: string) => ({
  name: 'ffmpeg',
  cmd: FFMPEG,
  args: [
    '-hide_banner', '-nostats', '-n',
    '-re', '-f', 'lavfi', '-i', { validator: 'sine=frequency=[0-9]{1,5}:sample_rate=[0-9]{4,6}' },
    '-c:a', 'pcm_s16le', '-rf64', 'auto', '-f', 'wav', '-flush_packets', '1',
    { validator: `${escape(dir)}/recording-[0-9]{8}-[0-9]{6}(-[0-9]{1,4})?\\.wav` },
  ],
});

function capability(dir: string): Capability {
  const store = { allow: [{ path: '$APPDATA/pidkeep/**' }] };
  const recordings = { allow: [{ path: '$APPDATA/recordings/*.wav' }] };
  return {
    identifier: 'recorder',
    windows: ['main'],
    permissions: [
      'core:default', // path (appDataDir, join) and resources (a FileHandle's close)
      { identifier: 'shell:allow-spawn', allow: [spawnScope(dir)] },
      { identifier: 'shell:allow-execute', allow: linuxPowerScopes(NAMESPACE) },
      'shell:allow-stdin-write',
      'shell:allow-kill',
      ...['exists', 'mkdir', 'read-dir', 'read-text-file', 'remove', 'rename', 'write-text-file'].map((c) => ({ identifier: `fs:allow-${c}`, ...store })),
      // the recorder: sizes, and the header repair through a handle; only the handle's `open` takes a path
      { identifier: 'fs:allow-stat', ...recordings },
      { identifier: 'fs:allow-open', ...recordings },
      { identifier: 'fs:allow-remove', ...recordings },
      'fs:allow-seek',
      'fs:allow-read',
      'fs:allow-write',
      'fs:allow-fstat',
    ],
  };
}

/** The app's page: a manager on tauriBackend + tauriFsStore and a recorder on tauriFfmpegHost, made at every load. */
function page(spawn: ReturnType<typeof spawnScope>): string {
  const script = `
    try {
      const { createProcessManager } = await import('/dist/index.js');
      const { tauriBackend, tauriFsStore, tauriFfmpegHost } = await import('/dist/tauri/index.js');
      const { createRecorder } = await import('/dist/ffmpeg/index.js');
      const { appDataDir, join } = await import('@tauri-apps/api/path');
      const backend = tauriBackend({ scopes: [${JSON.stringify(spawn)}] });
      const pm = await createProcessManager({ namespace: ${JSON.stringify(NAMESPACE)}, backend, store: tauriFsStore() });
      const dir = await join(await appDataDir(), 'recordings');
      const recorder = await createRecorder({ manager: pm, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg' }), dir, input: ${JSON.stringify(TONE)} });
      window.recorderApp = { pm, recorder };
    } catch (error) {
      window.recorderAppError = error instanceof Error ? error.name + ': ' + error.message : String(error);
    }`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>recorder</title>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script type="module">${script}</script></head><body></body></html>`;
}

declare global {
  var recorderApp: { pm: ProcessManager; recorder: Recorder } | undefined;
  var recorderAppError: string | undefined;
}

/** Every invoke that reached the app, with the bytes it carried each way. */
interface Call {
  cmd: string;
  sent: number;
  received: number;
}

async function startApp(t: TestContext) {
  const dataDir = tempDir(t, 'pidkeep-rec-app-');
  const dir = join(dataDir, IDENTIFIER, 'recordings');
  mkdirSync(dir, { recursive: true });
  // The page's root: index.html, with the build and the plugins linked in (served as the app's own files).
  const site = tempDir(t, 'pidkeep-rec-site-');
  writeFileSync(join(site, 'index.html'), page(spawnScope(dir)));
  symlinkSync(join(root, 'dist'), join(site, 'dist'));
  symlinkSync(join(root, 'node_modules'), join(site, 'node_modules'));
  const server = await startTauriHostServer({ capabilities: [capability(dir)], root: site, dataDir, identifier: IDENTIFIER });
  onTeardown(t, () => server.close()); // the app exits: the shell plugin SIGKILLs what it holds
  const calls: Call[] = [];
  const invoke = server.host.invoke.bind(server.host);
  server.host.invoke = async (request: InvokeRequest) => {
    const value = await invoke(request);
    const data = (request.payload as { data?: unknown } | null)?.data;
    calls.push({ cmd: request.cmd, sent: Array.isArray(data) ? data.length : 0, received: value instanceof Uint8Array ? value.length : 0 });
    return value;
  };
  const context = await (await launchChromium(t)).newContext();
  return { server, dir, calls, context };
}

/** Opens (or reloads) the page and waits for its recorder; a page that failed to start fails the test with why. */
async function open(context: BrowserContext, url: string, existing?: Page): Promise<Page> {
  const target = existing ?? (await context.newPage());
  const errors: string[] = [];
  target.on('pageerror', (error) => errors.push(error.message));
  if (existing) await existing.reload();
  else await target.goto(url);
  await target.waitForFunction(() => window.recorderApp !== undefined || window.recorderAppError !== undefined, undefined, { timeout: 30_000 });
  const failed = await target.evaluate(() => window.recorderAppError);
  if (failed || errors.length > 0) throw new Error(`the page did not start: ${[failed, ...errors].filter(Boolean).join('; ')}`);
  return target;
}

const recoveryOf = (page: Page): Promise<RecorderRecovery> => page.evaluate(() => ({ ...window.recorderApp!.recorder.recovery }));
const start = (page: Page) => page.evaluate(() => window.recorderApp!.recorder.start());
const pidOf = (page: Page) => page.evaluate(() => window.recorderApp!.pm.get('recorder')?.pid ?? 0);

/** Processes holding `path` open, found in /proc (not through pidkeep, which is what is being tested). */
function writersOf(path: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
          } catch {
            return false;
          }
        });
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

const commOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

test('a reload finds the recording (one FFmpeg), and a stop leaves a final header', async (t) => {
  const { server, context } = await startApp(t);
  let page = await open(context, server.url);
  assert.equal((await recoveryOf(page)).kind, 'none');
  const status = await start(page);
  const pid = await pidOf(page);
  reaper(t)(pid);
  assert.equal(status.recording, true);
  const path = status.path!;
  assert.match(path, /\/recordings\/recording-\d{8}-\d{6}\.wav$/);
  await waitFor('a second of audio', () => statSync(path).size > 96_000, { timeout: 20_000 });

  page = await open(context, server.url, page); // reload
  const recovery = await recoveryOf(page);
  assert.equal(recovery.kind, 'recording', recovery.detail);
  assert.equal(recovery.path, path);
  const again = await page.evaluate(() => window.recorderApp!.recorder.status());
  assert.equal(again.adopted, true);
  assert.equal(await pidOf(page), pid);
  const writers = writersOf(path);
  assert.deepEqual(writers, [pid], 'one process writes the file');
  assert.equal(commOf(pid), 'ffmpeg');
  // and a second start is refused rather than a second FFmpeg
  const second = await page.evaluate(() => window.recorderApp!.recorder.start().then(() => 'started', (e: { code?: string }) => e.code));
  assert.equal(second, 'ALREADY_RUNNING');

  const done = await page.evaluate(() => window.recorderApp!.recorder.stop());
  assert.equal(done.path, path);
  assert.equal(done.repaired, false, 'FFmpeg wrote its own trailer (`q` on its stdin)');
  assert.equal(done.stop?.by, 'write "q"');
  assert.ok(!isAlive(pid));
  assertWavFinal(path);
  assert.ok(done.durationMs > 1000, `${done.durationMs} ms`);
});

test('a SIGKILLed FFmpeg: the next page repairs the header through FileHandle seek/read/write, in small calls', async (t) => {
  const { server, context, calls } = await startApp(t);
  let page = await open(context, server.url);
  const status = await start(page);
  const pid = await pidOf(page);
  reaper(t)(pid);
  const path = status.path!;
  await waitFor('two seconds of audio', () => statSync(path).size > 192_000, { timeout: 20_000 });

  process.kill(pid, 'SIGKILL');
  await waitFor('FFmpeg to be gone', () => !isAlive(pid));
  const cut = wavSizes(path);
  assert.equal(cut.riff, 0xffff_ffff, 'the header was never finished');
  assert.equal(cut.data, 0xffff_ffff);

  calls.length = 0;
  page = await open(context, server.url, page); // reload: the next start-up
  const recovery = await recoveryOf(page);
  assert.equal(recovery.kind, 'repaired', recovery.detail);
  assert.equal(recovery.path, path);
  assertWavFinal(path);
  assert.deepEqual(writersOf(path), []);

  const handleCalls = calls.filter((c) => /^plugin:fs\|(open|seek|read|write|fstat)$|^plugin:resources\|close$/.test(c.cmd));
  const count = (cmd: string) => handleCalls.filter((c) => c.cmd === cmd).length;
  assert.ok(count('plugin:fs|open') >= 1 && count('plugin:fs|open') === count('plugin:resources|close'), 'every handle opened was closed');
  assert.ok(count('plugin:fs|write') >= 1, 'the header was written through the handle');
  const big = handleCalls.filter((c) => c.sent > 64 * 1024 || c.received > 64 * 1024 + 8);
  assert.deepEqual(big, [], 'no read or write over 64 KiB');
  const moved = handleCalls.reduce((sum, c) => sum + c.sent + c.received, 0);
  assert.ok(moved < cut.length / 8, `${moved} bytes over IPC for a ${cut.length}-byte recording`);
  assert.ok(!calls.some((c) => c.cmd === 'plugin:fs|read_file'), 'never the whole file');
});
