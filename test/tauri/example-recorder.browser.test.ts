// The example app as a person uses it: headless Chromium clicks Record and Stop in examples/tauri-app (Svelte 5,
// pidkeep/ffmpeg's recorder on tauriBackend + tauriFsStore, Debian's FFmpeg under the example's own capability, the
// generated tone: `?input=tone`). A reload keeps one FFmpeg and the elapsed time; a stop lists a recording that plays
// with a final header; an app crash and restart finds the recording again, and its Stop finishes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { assertWavFinal, ffmpegsWriting } from '../helpers/ffmpeg.js';
import { isAlive, reaper, root, waitFor } from '../helpers/index.js';
import { capabilitiesWithout, openApp, startExampleApp } from '../helpers/tauri-app.js';

/** The capability's `cmd` for the recorder (scripts/check-system.mjs installs Debian's FFmpeg). */
const FFMPEG = '/usr/bin/ffmpeg';

const button = (page: Page, name: 'Record' | 'Stop') => page.getByRole('button', { name, exact: true });
/** What the page shows while recording: elapsed ms and bytes (data attributes of the visible text), or null. */
const shown = (page: Page) =>
  page.evaluate(() => {
    const elapsed = document.querySelector<HTMLElement>('#elapsed');
    const size = document.querySelector<HTMLElement>('#size');
    return elapsed && size ? { ms: Number(elapsed.dataset.ms), bytes: Number(size.dataset.bytes) } : null;
  });
const recordingPath = (page: Page) => page.evaluate(() => (window.pidkeepExample!.pm.get('recorder')?.meta as { path?: string } | undefined)?.path ?? '');
const found = (page: Page) => page.locator('#found').textContent();
/** The start-up's finding, once the recorder has made it: until then the line says it is checking. */
const finding = (page: Page) =>
  waitFor('the recorder to tell what the start-up found', async () => {
    const text = (await found(page)) ?? '';
    return text === '' || text.startsWith('checking') ? undefined : text;
  }, { timeout: 20_000 });

/** Waits until the list holds `path` with an <audio> whose source has loaded (a duration known: the WAV was read). */
async function playsInList(page: Page, path: string): Promise<number> {
  const item = page.locator(`#recordings li[data-path="${path}"] audio`);
  await item.waitFor({ timeout: 20_000 });
  const handle = await page.waitForFunction(
    (p) => {
      const audio = document.querySelector<HTMLAudioElement>(`#recordings li[data-path="${p}"] audio`);
      return audio && audio.src.startsWith('blob:') && audio.readyState >= 1 && Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : 0;
    },
    path,
    { timeout: 20_000 },
  );
  return (await handle.jsonValue()) as number;
}

test('the example app: Record, a reload (one FFmpeg, the time goes on), Stop (it plays, its header is final); then an app crash and restart while recording, and Stop', async (t) => {
  assert.ok(existsSync(FFMPEG), `${FFMPEG} is missing: run \`node scripts/check-system.mjs\` (it installs Debian's ffmpeg)`);
  const app = await startExampleApp(t);
  const browser = await launchChromium(t);
  const reap = reaper(t);
  const context = await browser.newContext();
  // Every IPC call that failed (an error answer is a 400 response, which the webview logs in its console): a page
  // load, Record, a reload and Stop make none. A question whose answer may be "no" (is the file there yet?) is asked
  // as one (`exists`), never as a call expected to fail.
  const failed: string[] = [];
  context.on('response', (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()} ${response.request().postData()?.slice(0, 200) ?? ''}`)));
  let page = await openApp(context, app, '?input=tone');
  assert.match(await finding(page), /no earlier recording/);
  const folder = join(app.dataDir, 'dev.pidkeep.example', 'recordings');
  assert.equal(existsSync(folder), false, 'a fresh app has no recordings folder: the recorder makes it at its first start');

  // Record: the page shows the time and the size growing.
  await button(page, 'Record').click();
  await waitFor('the page to show the recording', () => shown(page), { timeout: 20_000 });
  const path = await recordingPath(page);
  assert.match(path, /\/dev\.pidkeep\.example\/recordings\/recording-\d{8}-\d{6}\.wav$/);
  const [pid] = ffmpegsWriting(path);
  assert.ok(pid, 'an FFmpeg writes the recording');
  reap(pid);
  assert.match((await page.locator('#input-note').textContent()) ?? '', /Recording a generated tone/);
  const first = (await shown(page))!;
  const later = await waitFor('elapsed and size to grow', async () => {
    const now = await shown(page);
    return now && now.ms >= first.ms + 1000 && now.bytes > first.bytes ? now : null;
  }, { timeout: 20_000 });

  // A reload: the same FFmpeg, still recording, and the page says so; the time goes on from the record.
  page = await openApp(page.context(), app, '?input=tone', page);
  await waitFor('the reloaded page to show the recording', () => shown(page), { timeout: 20_000 });
  assert.deepEqual(ffmpegsWriting(path), [pid], 'still exactly one FFmpeg, the same');
  assert.match(await finding(page), /a recording is running .*found again after a reload of the page/);
  await waitFor('the elapsed time to go on past the reload', async () => ((await shown(page))?.ms ?? 0) > later.ms + 500, { timeout: 20_000 });
  assert.equal(await button(page, 'Record').isDisabled(), true, 'no second recording while one runs');

  // Stop: FFmpeg ends, the recording is listed and plays, its header is final.
  await button(page, 'Stop').click();
  const duration = await playsInList(page, path);
  assert.ok(duration > 1, `the <audio> reads ${duration} s`);
  assert.equal(await page.locator('#recording').textContent(), 'Not recording.');
  await waitFor('FFmpeg to be gone', () => !isAlive(pid));
  assertWavFinal(path);
  assert.ok(path.startsWith(`${folder}/`), 'recorded into the folder the recorder made');
  assert.deepEqual(failed, [], 'no IPC call failed through a load, Record, a reload and Stop');

  // Record again, then the app crashes (its webview with it) and starts again on the same data dir.
  await button(page, 'Record').click();
  await waitFor('the second recording to show', () => shown(page), { timeout: 20_000 });
  const second = await recordingPath(page);
  assert.notEqual(second, path);
  const [pid2] = ffmpegsWriting(second);
  assert.ok(pid2);
  reap(pid2);
  // The start is over (Stop enabled: audio reached the file), so the crash cuts a recording, not its start-up.
  await waitFor('the start to finish', () => button(page, 'Stop').isEnabled(), { timeout: 20_000 });
  app.host.crash();
  await page.context().close();
  app.host.restart();
  const bytes = statSync(second).size;
  await waitFor('FFmpeg to record on without its app', () => statSync(second).size > bytes + 48_000, { timeout: 20_000 });
  // A window the size of the screenshot below.
  page = await openApp(await browser.newContext({ viewport: { width: 760, height: 360 } }), app, '?input=tone');
  await waitFor('the restarted app to show the recording', () => shown(page), { timeout: 20_000 });
  assert.match(await finding(page), /a recording is running .*found again after the app restarted/);
  assert.deepEqual(ffmpegsWriting(second), [pid2], 'one FFmpeg, found again');
  await playsInList(page, path); // the first recording is listed and plays in the restarted app

  // The picture for the README: recording, with a recording in the list (and a copy for CI's artifacts).
  const shot = await page.screenshot({ fullPage: true });
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  writeFileSync(join(root, 'test-artifacts', 'example-app.png'), shot);
  // docs/example-app.png is committed: rewritten when missing or when asked (PIDKEEP_UPDATE_SCREENSHOT=1), so a test
  // run does not leave the working tree changed.
  if (!existsSync(join(root, 'docs', 'example-app.png')) || process.env.PIDKEEP_UPDATE_SCREENSHOT === '1') {
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs', 'example-app.png'), shot);
  }

  // Stop in the restarted app: its stdin died with the crashed run, so SIGINT (the kill power) finishes the file.
  await button(page, 'Stop').click();
  await playsInList(page, second);
  await waitFor('FFmpeg to be gone', () => !isAlive(pid2));
  assertWavFinal(second);
});

test('a Record that fails shows why in the page (role=alert), with the error\'s own words; nothing is left unhandled', async (t) => {
  // Without the tone's scope entry, the plugin refuses the spawn: the start rejects, and the page must say so.
  const app = await startExampleApp(t, capabilitiesWithout({ scopes: ['ffmpeg-tone'] }));
  const browser = await launchChromium(t);
  const page = await openApp(await browser.newContext(), app, '?input=tone');
  const unhandled: string[] = [];
  page.on('pageerror', (error) => unhandled.push(error.message));
  await finding(page);
  await button(page, 'Record').click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 20_000 });
  assert.match((await alert.textContent()) ?? '', /ffmpeg-tone.*(not allowed|scope)/i);
  assert.equal(await button(page, 'Record').isEnabled(), true, 'the button is usable again');
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
  assert.equal(await page.locator('#recording').textContent(), 'Not recording.');
});
