// Quitting the example app while real FFmpeg records, in headless Chromium against the Tauri host, which quits as
// Rust does (test/tauri-host/quit.test.ts): the last window closed or app.exit() ends in RunEvent::Exit, where the
// shell plugin SIGKILLs its children. stopOnQuit finishes the WAV first; without it the file is cut; a crash leaves
// the recording running for the next run to adopt.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { isAlive, waitFor } from '../helpers/index.js';
import { openApp, recordInApp, recoveryOf, wavFinished } from '../helpers/tauri-app.js';

test('closing the last window with stopOnQuit: FFmpeg gets `q` before the app exits, and the WAV is complete', async (t) => {
  const { app, page, file, pid } = await recordInApp(t);
  await app.host.requestClose('main');
  await waitFor('the app to quit', () => !app.host.running(), { timeout: 20_000 });
  assert.ok(!isAlive(pid), 'FFmpeg ended');
  assert.ok(wavFinished(file), 'FFmpeg wrote its trailer: the RIFF and data sizes match the file');
  // The host tells the page its window was destroyed just before it quits; the page may hear it a moment after.
  await waitFor('the page to hear that its window is gone', async () => (await page.evaluate(() => document.documentElement.dataset.tauriWindow)) === 'destroyed', { timeout: 5000 });
});

test('closing the last window without stopOnQuit (?quit=cut): the shell plugin SIGKILLs FFmpeg and the WAV is cut', async (t) => {
  const { app, file, pid } = await recordInApp(t, { query: '?quit=cut' });
  await app.host.requestClose('main');
  await waitFor('the app to quit', () => !app.host.running(), { timeout: 20_000 });
  await waitFor('FFmpeg killed', () => !isAlive(pid));
  assert.ok(!wavFinished(file), 'the header keeps its placeholders: the recording was cut');
});

test('app.exit(3) with the stop_on_quit plugin (stopOnQuit): held back, the page stops FFmpeg with `q` and answers, then the app exits with 3', async (t) => {
  const { app, file, pid } = await recordInApp(t, { stopOnQuit: true });
  assert.equal(await app.host.exit(3), false, 'the exit request is held back');
  assert.equal(await app.host.ended(), 3, "the app exits with app.exit's code");
  assert.ok(!isAlive(pid));
  assert.ok(wavFinished(file), 'the WAV is complete');
});

test('an app crash with stopOnQuit installed: nothing runs, the recording goes on and the next run adopts it', async (t) => {
  const { app, browser, page, file, pid } = await recordInApp(t);
  app.host.crash();
  await page.context().close();
  const bytes = statSync(file).size;
  await waitFor('FFmpeg to record on without its app', () => statSync(file).size > bytes + 8000, { timeout: 20_000 });
  assert.ok(!wavFinished(file), 'still recording');
  app.host.restart();
  const after = await openApp(await browser.newContext(), app);
  assert.deepEqual((await recoveryOf(after)).map((r) => [r.name, r.pid, r.status]), [['rec', pid, 'adopted']]);
  // The new run's window closes: stopOnQuit stops the adopted recording too (SIGINT through the kill power).
  await app.host.requestClose('main');
  await waitFor('the app to quit', () => !app.host.running(), { timeout: 20_000 });
  assert.ok(!isAlive(pid));
  assert.ok(wavFinished(file), 'the adopted recording was finished, not cut');
});
