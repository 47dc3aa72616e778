// The example Tauri app in real WebKitGTK 4.1, the engine Tauri v2 renders with on Linux (Chromium elsewhere in the
// suite): reloads, two windows, an app crash, and the shared store suite for both stores, against pidkeep's Tauri
// host with real processes.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { storeConformance } from '../conformance/store-suite.js';
import { storeInPage } from '../helpers/browser.js';
import { ffmpegPath } from '../helpers/ffmpeg.js';
import { isAlive, onTeardown, reaper, tempDir, waitFor } from '../helpers/index.js';
import { startExampleApp, wavFinished, type App, type ExampleApi } from '../helpers/tauri-app.js';
import { launchWebKit, type WebKit, type WebKitWindow } from '../helpers/webkit.js';

declare global {
  var pidkeepExample: ExampleApi | undefined;
}

/** Opens the example in a WebKitGTK window (or reloads it) and waits for its manager, start-up reconcile included. */
async function openIn(webkit: WebKit, app: App, label: string, query = '', existing?: WebKitWindow): Promise<WebKitWindow> {
  const separator = query ? '&' : '?';
  const win = existing ?? (await webkit.open(label, `${app.url}${query}${label === 'main' ? '' : `${separator}tauri-window=${label}`}`));
  if (existing) await existing.reload();
  await waitFor(`the example page in WebKitGTK (${label})`, () => win.evaluate(() => window.pidkeepExample !== undefined, null), { timeout: 20_000, interval: 100 });
  return win;
}

const listOf = (win: WebKitWindow) => win.evaluate(() => window.pidkeepExample!.pm.list().map((h) => ({ name: h.name, pid: h.pid, adopted: h.adopted })), null);
const recoveryOf = (win: WebKitWindow) => win.evaluate(() => window.pidkeepExample!.pm.recovery.map((r) => [r.name, r.pid, r.status] as const), null);
const startWorker = (win: WebKitWindow, name: string) =>
  win.evaluate(async (n) => {
    const api = window.pidkeepExample!;
    return (await api.start(n, api.worker(600))).pid;
  }, name);

for (const store of ['fs', 'web'] as const) {
  test(`WebKitGTK, ${store === 'fs' ? 'tauriFsStore' : 'webStore'}: a reload adopts the running process; a second window adopts it too and its stop ends the first one's handle`, async (t) => {
    const app = await startExampleApp(t);
    const webkit = await launchWebKit(t);
    t.diagnostic(`WebKitGTK ${webkit.version}`);
    const query = store === 'web' ? '?store=web' : '';
    const main = await openIn(webkit, app, 'main', query);
    assert.equal(await main.evaluate(() => typeof navigator.locks?.request, null), 'function', 'Web Locks, which the stores serialize with');
    const pid = await startWorker(main, 'w');
    reaper(t)(pid);
    await openIn(webkit, app, 'main', query, main);
    assert.deepEqual(await recoveryOf(main), [['w', pid, 'adopted']], 'the same process, found again after the reload');
    assert.deepEqual(await listOf(main), [{ name: 'w', pid, adopted: true }]);

    const second = await openIn(webkit, app, 'second', query);
    assert.deepEqual(await listOf(second), [{ name: 'w', pid, adopted: true }]);
    const result = await second.evaluate(() => window.pidkeepExample!.pm.stop('w').then((r) => r.outcome), null);
    assert.equal(result, 'stopped');
    assert.ok(!isAlive(pid));
    await waitFor('the first window to see it end', () => main.evaluate(() => window.pidkeepExample!.pm.list().length === 0, null), { interval: 100 });
  });
}

test('WebKitGTK, an app crash: the app and its webview die at once; the restarted app\'s new webview adopts the process (ps power) and stops it with SIGTERM (kill power)', async (t) => {
  const app = await startExampleApp(t);
  const first = await launchWebKit(t);
  const main = await openIn(first, app, 'main');
  const pid = await startWorker(main, 'w');
  reaper(t)(pid);
  first.kill();
  app.host.crash();
  app.host.restart();
  assert.ok(isAlive(pid), 'a crash takes no child along');
  const again = await launchWebKit(t, first.dir); // the app's next run: a new webview on the same data folder
  const win = await openIn(again, app, 'main');
  assert.deepEqual(await recoveryOf(win), [['w', pid, 'adopted']]);
  const by = await win.evaluate(() => window.pidkeepExample!.pm.stop('w').then((r) => r.by), null);
  assert.equal(by, 'SIGTERM', 'no stdin after a restart: the kill power signals it');
  assert.ok(!isAlive(pid));
});

test('WebKitGTK, a quit with a recording running: stopOnQuit (onCloseRequested) finishes the WAV before the app exits', async (t) => {
  const path = process.env.PATH;
  process.env.PATH = `${dirname(ffmpegPath())}:${path}`;
  onTeardown(t, () => void (process.env.PATH = path));
  const app = await startExampleApp(t);
  const main = await openIn(await launchWebKit(t), app, 'main');
  const file = join(tempDir(t), 'tone.wav');
  const pid = await main.evaluate((out) => window.pidkeepExample!.start('rec', window.pidkeepExample!.recorder(out)).then((h) => h.pid), file);
  reaper(t)(pid);
  await waitFor('FFmpeg to write samples', () => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 8000, { timeout: 20_000 });
  await app.host.requestClose('main');
  await waitFor('the app to quit', () => !app.host.running(), { timeout: 20_000 });
  assert.ok(!isAlive(pid));
  assert.ok(wavFinished(file), 'FFmpeg got `q` and wrote its trailer before the shell plugin\'s kill');
});

/** The example page's store in a fresh app and a fresh WebKitGTK, for the shared store suite. */
async function storePage(t: TestContext, query: string): Promise<WebKitWindow> {
  const app = await startExampleApp(t);
  return openIn(await launchWebKit(t), app, 'main', query);
}
storeConformance('tauriFsStore (WebKitGTK, real plugin-fs)', (t) => storeInPage('tauri-fs (in WebKitGTK)', storePage(t, ''), 'pidkeepExample.store'));
storeConformance('webStore (WebKitGTK, real localStorage)', (t) => storeInPage('web (in WebKitGTK)', storePage(t, '?store=web'), 'pidkeepExample.store'));
