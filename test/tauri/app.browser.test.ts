// The example Tauri app's frontend in headless Chromium: the real @tauri-apps/plugin-shell and plugin-fs against
// pidkeep's Tauri host (the plugins' Rust side, played by Node) with real processes, under the example's own
// capabilities file. Reloads, app crashes, two windows, missing permissions.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { storeConformance } from '../conformance/store-suite.js';
import { killProfile, launchChromium, launchProfile, storeInPage } from '../helpers/browser.js';
import { wavSizes } from '../helpers/ffmpeg.js';
import { isAlive, liveRecords, reaper, tempDir, waitFor } from '../helpers/index.js';
import { capabilitiesWithout, listOf, openApp, recordInApp, recoveryOf, startExampleApp, startFailure, startWorker, withoutPowers } from '../helpers/tauri-app.js';

test('a reload adopts the running process: same pid, still running, elapsed time from the record', async (t) => {
  const app = await startExampleApp(t);
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app);
  const started = await startWorker(page, 'worker-1');
  reaper(t)(started.pid);
  assert.equal(started.adopted, false);
  assert.deepEqual(app.host.children(), [started.pid]);

  await openApp(context, app, '', page); // reload
  const [entry] = await recoveryOf(page);
  assert.equal(entry?.status, 'adopted', entry?.detail);
  const [seen] = await listOf(page);
  assert.deepEqual(seen, { ...started, adopted: true });
  assert.ok(isAlive(started.pid));
  const shown = await page.locator('#running li').first().textContent();
  assert.match(shown ?? '', new RegExp(`worker-1 \\(pid ${started.pid}, \\d+ s, adopted\\)`));

  // The plugin still holds it (a reload, not a restart) and the kill power stops it gracefully.
  const warnings: string[] = [];
  page.on('console', (message) => warnings.push(message.text()));
  const result = await page.evaluate(() => window.pidkeepExample!.pm.stop('worker-1'));
  assert.equal(result.by, 'SIGTERM');
  assert.equal(result.outcome, 'stopped');
  await waitFor('the worker to be gone', () => !isAlive(started.pid));
  await waitFor('the plugin to drop it from its map', () => app.host.children().length === 0);
  // Its Terminated event went to the channel of the page before the reload, as in Tauri.
  await waitFor('Tauri\'s lost-callback warning', () => warnings.some((w) => w.startsWith("[TAURI] Couldn't find callback id")));
});

test("a reload with onOrphan: 'stop' stops what the previous page left, gracefully", async (t) => {
  const app = await startExampleApp(t);
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app, '?onOrphan=stop');
  const started = await startWorker(page, 'worker-1');
  reaper(t)(started.pid);
  await openApp(context, app, '', page);
  const [entry] = await recoveryOf(page);
  assert.equal(entry?.status, 'stopped', entry?.detail);
  assert.equal(entry?.stop?.by, 'SIGTERM');
  assert.ok(!isAlive(started.pid));
  assert.deepEqual(await listOf(page), []);
});

test('a reload in the middle of a start: between spawn and record, the next page sweeps the unrecorded process; right after the record, it adopts it', async (t) => {
  const app = await startExampleApp(t);
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app);
  const reap = reaper(t);
  /** Reloads at a chosen moment of a start; returns the pids that run afterwards, adopted and swept. */
  const race = async (moment: 'before-record' | 'after-record') => {
    const reloaded = page.waitForEvent('load');
    await page.evaluate(([when]) => {
      const api = window.pidkeepExample!;
      const put = api.store.put.bind(api.store);
      // The store write is the step after the spawn: reloading there leaves a process and no record.
      api.store.put = async (...args: Parameters<typeof put>) => {
        if (when === 'before-record') {
          location.reload();
          return new Promise<void>(() => undefined);
        }
        await put(...args);
        if (when === 'after-record') location.reload();
      };
      void api.start('racing', api.worker(600)).catch(() => undefined);
    }, [moment] as const);
    await reloaded;
    await page.waitForFunction(() => window.pidkeepExample !== undefined);
    const running = app.host.children().filter((pid) => isAlive(pid));
    running.forEach(reap);
    const adopted = (await listOf(page)).map((s) => s.pid);
    const swept = (await page.evaluate(() => window.pidkeepExample!.pm.sweep())).map((s) => s.pid);
    for (const pid of running) assert.ok(adopted.includes(pid) || swept.includes(pid), `pid ${pid} (reload ${moment}) is neither adopted nor swept`);
    await page.evaluate(() => window.pidkeepExample!.pm.stopAll());
    await waitFor('every worker to be gone', () => running.every((pid) => !isAlive(pid)));
    return { running, adopted, swept };
  };
  const unrecorded = await race('before-record');
  assert.equal(unrecorded.running.length, 1, 'the spawn reached the plugin');
  assert.deepEqual(unrecorded.swept, unrecorded.running, 'spawned, never recorded: the sweep finds it by its marker');
  const recorded = await race('after-record');
  assert.deepEqual(recorded.running.length, 1);
  assert.deepEqual(recorded.adopted, recorded.running, 'recorded just before the reload: adopted');
});

test('a reload in the middle of a stop: before the signal, the next page adopts it; after, it finds it gone', async (t) => {
  const app = await startExampleApp(t);
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app);
  for (const moment of ['before-signal', 'after-signal'] as const) {
    const started = await startWorker(page, 'worker-1');
    reaper(t)(started.pid);
    const reloaded = page.waitForEvent('load');
    await page.evaluate(([when]) => {
      const api = window.pidkeepExample!;
      const signal = api.backend.signal.bind(api.backend);
      api.backend.signal = async (...args) => {
        if (when === 'after-signal') await signal(...args);
        location.reload();
        return new Promise<void>(() => undefined);
      };
      void api.pm.stop('worker-1').catch(() => undefined);
    }, [moment] as const);
    await reloaded;
    await page.waitForFunction(() => window.pidkeepExample !== undefined);
    const [entry] = await recoveryOf(page);
    const listed = (await listOf(page)).map((s) => s.pid);
    if (moment === 'before-signal') {
      assert.ok(isAlive(started.pid), 'no signal was sent');
      assert.equal(entry?.status, 'adopted', entry?.detail);
      assert.deepEqual(listed, [started.pid]);
      assert.equal((await page.evaluate(() => window.pidkeepExample!.pm.stop('worker-1'))).by, 'SIGTERM');
    } else {
      await waitFor('the signalled worker to end', () => !isAlive(started.pid));
      assert.ok(entry === undefined || entry.status === 'gone', `${entry?.status}: ${entry?.detail}`);
      assert.deepEqual(listed, []);
    }
    await waitFor('the worker to be gone', () => !isAlive(started.pid));
    // What stays is the trace of the ended run, which holds no process.
    await waitFor('no live record left behind', async () => (await liveRecords({ list: () => page.evaluate(() => window.pidkeepExample!.store.list('tauri-example')) }, 'tauri-example')).length === 0);
  }
});

for (const [store, query] of [['tauriFsStore', ''], ['webStore', '?store=web']] as const) {
  test(`two windows share one ${store}: the second adopts what the first started, and its stop ends the first one's handle`, async (t) => {
    const app = await startExampleApp(t);
    const context = await (await launchChromium(t)).newContext();
    const main = await openApp(context, app, query);
    const second = await openApp(context, app, `${query ? `${query}&` : '?'}tauri-window=second`);
    const started = await startWorker(main, 'shared');
    reaper(t)(started.pid);
    await waitFor('the second window to see the process', async () => (await listOf(second)).some((s) => s.pid === started.pid));
    const result = await second.evaluate(() => window.pidkeepExample!.pm.stop('shared'));
    assert.equal(result.by, 'SIGTERM');
    await waitFor('the first window to see its child end', async () => (await listOf(main)).length === 0);
    assert.deepEqual(await main.evaluate(() => window.pidkeepExample!.pm.get('shared')?.status ?? 'none'), 'none');
  });

  test(`onOrphan 'stop' with two windows on one ${store}: what the other open window runs is adopted, not stopped; once that window is gone, a reload stops it`, async (t) => {
    const app = await startExampleApp(t);
    const context = await (await launchChromium(t)).newContext();
    const stop = `${query ? `${query}&` : '?'}onOrphan=stop`;
    const main = await openApp(context, app, stop);
    const started = await startWorker(main, 'kept');
    reaper(t)(started.pid);
    const second = await openApp(context, app, `${stop}&tauri-window=second`);
    const [entry] = await recoveryOf(second);
    assert.equal(entry?.status, 'adopted', entry?.detail);
    assert.match(entry?.detail ?? '', /another manager of this namespace is open/);
    // A reload of the second window: its earlier page is passed over, the main window still counts.
    await openApp(context, app, '', second);
    assert.equal((await recoveryOf(second))[0]?.status, 'adopted');
    assert.ok(isAlive(started.pid), 'the main window kept its process');

    await main.close();
    // The browser drops the closed window's lock on its own time: reload until this window is alone.
    await waitFor('a reload of the second window, alone now, to stop it', async () => {
      await openApp(context, app, '', second);
      return (await recoveryOf(second))[0]?.status === 'stopped';
    });
    assert.ok(!isAlive(started.pid));
  });
}

test('an app crash and restart: the earlier run\'s process is found and stopped with the ps and kill powers', async (t) => {
  const app = await startExampleApp(t);
  const browser = await launchChromium(t);
  const before = await openApp(await browser.newContext(), app);
  const started = await startWorker(before, 'worker-1');
  reaper(t)(started.pid);
  app.host.crash();
  await before.context().close(); // the app's webview dies with it
  assert.ok(isAlive(started.pid), 'a crashed app kills nothing');
  app.host.restart();
  assert.deepEqual(app.host.children(), [], 'the new app run knows nothing of it');

  const after = await openApp(await browser.newContext(), app);
  const [entry] = await recoveryOf(after);
  assert.equal(entry?.status, 'adopted', entry?.detail);
  // Not held by this run's plugin: a stdin write could not reach it, but the kill power can stop it.
  const result = await after.evaluate(() => window.pidkeepExample!.pm.stop('worker-1'));
  assert.equal(result.by, 'SIGTERM');
  await waitFor('the orphan to be gone', () => !isAlive(started.pid));
});

test('an app crash and restart without the powers: the process is reported with the permission it needs, and left alone', async (t) => {
  const app = await startExampleApp(t, withoutPowers());
  const browser = await launchChromium(t);
  const before = await openApp(await browser.newContext(), app);
  const started = await startWorker(before, 'worker-1');
  reaper(t)(started.pid);
  app.host.crash();
  await before.context().close();
  app.host.restart();
  const after = await openApp(await browser.newContext(), app);
  const [entry] = await recoveryOf(after);
  assert.equal(entry?.status, 'skipped');
  assert.match(entry!.detail, /earlier run of the app.*shell:allow-execute for `ps`/);
  assert.match(entry!.detail, /program not allowed on the configured shell scope: pidkeep-ps/, 'Tauri\'s own refusal is quoted');
  assert.ok(isAlive(started.pid), 'nothing was signalled');
  assert.deepEqual(await listOf(after), []);
  const powers = await after.evaluate(() => window.pidkeepExample!.backend.powers());
  assert.equal(powers.ps.state, 'missing');
});

test('without the powers a reload still knows its own app run: the child is reported (not lost), and the plugin\'s SIGKILL works within a page', async (t) => {
  const app = await startExampleApp(t, withoutPowers());
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app);
  const started = await startWorker(page, 'worker-1');
  reaper(t)(started.pid);
  // Within the page that started it: SIGTERM is skipped (no kill power), the plugin's SIGKILL ends it, and its
  // end is seen through the child's own Terminated event.
  const result = await page.evaluate(() => window.pidkeepExample!.pm.stop('worker-1'));
  assert.deepEqual([result.by, result.forced, result.exit.signal], ['SIGKILL', true, 'SIGKILL']);
  assert.ok(!isAlive(started.pid));

  const again = await startWorker(page, 'worker-2');
  reaper(t)(again.pid);
  await openApp(context, app, '', page);
  const [entry] = await recoveryOf(page);
  assert.equal(entry?.status, 'skipped');
  assert.match(entry!.detail, /started in this app run and the shell plugin still holds it.*`ps`/);
  assert.ok(isAlive(again.pid));
});

test('a missing permission surfaces as a PidkeepError carrying Tauri\'s message and what to grant', async (t) => {
  const app = await startExampleApp(t, capabilitiesWithout({ permissions: ['shell:allow-spawn'] }));
  const page = await openApp(await (await launchChromium(t)).newContext(), app);
  const error = await startFailure(page, 'w');
  assert.equal(error?.code, 'PERMISSION_DENIED');
  assert.equal(error?.record, 'w');
  assert.match(error!.message, /shell\.spawn not allowed/);
  assert.match(error!.message, /shell:allow-spawn/);
  assert.deepEqual(app.host.children(), []);

  const noFs = await startExampleApp(t, capabilitiesWithout({ permissions: ['fs:allow-write-text-file'] }));
  const other = await openApp(await (await launchChromium(t)).newContext(), noFs);
  const failed = await startFailure(other, 'w');
  assert.equal(failed?.code, 'STORE_FAILED');
  assert.match(failed!.message, /fs:allow-write-text-file/);
  assert.match(failed!.message, /the process just started for it was stopped$/);
  reaper(t)(failed!.pid);
  assert.ok(failed!.pid && !isAlive(failed!.pid), 'the unrecorded child was really stopped');
  assert.deepEqual(noFs.host.children(), []);
});

/** Starts a worker in a webview with a persistent profile, SIGKILLs the webview at once, relaunches it. */
async function crashWebviewRightAfterStart(t: TestContext, query: string) {
  const app = await startExampleApp(t);
  const profile = tempDir(t, 'pidkeep-profile-');
  const page = await openApp(await launchProfile(t, profile), app, query);
  const started = await startWorker(page, 'worker-1');
  reaper(t)(started.pid);
  assert.ok(killProfile(profile) > 0, 'the webview was killed');
  await waitFor('the webview to be gone', () => killProfile(profile) === 0);
  const relaunched = await openApp(await launchProfile(t, profile), app, query);
  return { app, started, page: relaunched };
}

test('the webview SIGKILLed right after a start, with the fs store: the record is on disk and the process adopted', async (t) => {
  const { started, page } = await crashWebviewRightAfterStart(t, '');
  const [entry] = await recoveryOf(page);
  assert.equal(entry?.status, 'adopted', entry?.detail);
  assert.deepEqual((await listOf(page)).map((s) => s.pid), [started.pid]);
  await page.evaluate(() => window.pidkeepExample!.pm.stop('worker-1'));
  assert.ok(!isAlive(started.pid));
});

test('the webview SIGKILLed right after a start, with webStore: the record may be lost, and sweep() still finds the process', async (t) => {
  const { app, started, page } = await crashWebviewRightAfterStart(t, '?store=web');
  const adopted = (await listOf(page)).map((s) => s.pid);
  if (adopted.includes(started.pid)) {
    // Kept this time: take the record away as a lost write would have, and reload, so the sweep is still proven.
    t.diagnostic('localStorage kept the record this time; removing it to play the measured loss');
    await page.evaluate(() => localStorage.clear());
    await openApp(page.context(), app, '', page);
  } else {
    t.diagnostic('localStorage lost the record, as measured');
  }
  assert.deepEqual(await recoveryOf(page), [], 'no record was left to recover');
  assert.ok(isAlive(started.pid), 'the process runs on, unrecorded');
  const swept = await page.evaluate(() => window.pidkeepExample!.pm.sweep());
  assert.deepEqual(swept.map((s) => s.pid), [started.pid], 'the sweep finds it by its marker');
  assert.equal(swept[0]?.result?.by, 'SIGTERM');
  assert.ok(!isAlive(started.pid));
});

const readLog = (page: Page) => page.evaluate(() => window.pidkeepExample!.readLog('rec', 'stderr'));

function assertFinished(file: string) {
  const wav = wavSizes(file);
  assert.equal(wav.riff, wav.length - 8, 'RIFF size written: FFmpeg finished the file');
  assert.equal(wav.data, wav.length - wav.dataStart);
}

test('real FFmpeg in the app: a reload, its log read back through the fs plugin, then `q` through the plugin\'s stdin finishes the WAV', async (t) => {
  const { app, context, page, file, pid } = await recordInApp(t);
  await openApp(context, app, '', page);
  assert.equal((await recoveryOf(page))[0]?.status, 'adopted');
  assert.match(await readLog(page), /Output #0, wav/, 'the output written before the reload is still there');
  const result = await page.evaluate(() => window.pidkeepExample!.pm.stop('rec'));
  assert.equal(result.by, 'write "q"', 'the reloaded page reached the stdin the plugin still holds');
  assert.ok(!isAlive(pid));
  assertFinished(file);
});

test('real FFmpeg in the app: an app crash, and the restarted app stops the recording gracefully (SIGINT) with the file intact', async (t) => {
  const { app, browser, page, file, pid } = await recordInApp(t);
  app.host.crash();
  await page.context().close();
  app.host.restart();
  const bytes = statSync(file).size;
  await waitFor('FFmpeg to record on without its app', () => statSync(file).size > bytes + 8000, { timeout: 20_000 });
  const after = await openApp(await browser.newContext(), app);
  assert.equal((await recoveryOf(after))[0]?.status, 'adopted');
  assert.match(await readLog(after), /Output #0, wav/);
  // Its stdin belonged to the crashed run: the `q` step is skipped, SIGINT through the kill power finishes it.
  const result = await after.evaluate(() => window.pidkeepExample!.pm.stop('rec'));
  assert.equal(result.by, 'SIGINT');
  assert.ok(!isAlive(pid));
  assertFinished(file);
});

test('a reload costs a bounded number of shell calls, not one per record (one batched ps for 12 processes)', async (t) => {
  const app = await startExampleApp(t);
  const context = await (await launchChromium(t)).newContext();
  const page = await openApp(context, app);
  const reap = reaper(t);
  for (let i = 0; i < 12; i++) reap((await startWorker(page, `worker-${i}`)).pid);
  const calls: string[] = [];
  const invoke = app.host.invoke.bind(app.host);
  app.host.invoke = (request) => (calls.push(request.cmd), invoke(request));
  await openApp(context, app, '', page);
  app.host.invoke = invoke;
  assert.equal((await listOf(page)).length, 12);
  const shell = calls.filter((cmd) => cmd.startsWith('plugin:shell|'));
  assert.ok(shell.length <= 2, `shell calls for a reload with 12 records: ${shell.join(', ')}`);
  // The fs store reads each record file (the plugin has no batch read): one listing plus one read per record.
  t.diagnostic(`fs calls: ${calls.filter((cmd) => cmd.startsWith('plugin:fs|')).length}`);
  await page.evaluate(() => window.pidkeepExample!.pm.stopAll());
});

// The shared store suite against the example page's own tauriFsStore: the real plugin-fs in Chromium, the host's disk.
storeConformance('tauriFsStore (Chromium, real plugin-fs)', (t) => storeInPage('tauri-fs (in Chromium)', exampleStorePage(t), 'pidkeepExample.store'));

/** The example page's own store (tauriFsStore) in a fresh app: what the conformance suite calls through `storeInPage`. */
async function exampleStorePage(t: TestContext): Promise<Page> {
  const app = await startExampleApp(t);
  return openApp(await (await launchChromium(t)).newContext(), app);
}

test('webStore full while starting: the just-spawned process is stopped and STORE_FULL says what to do', async (t) => {
  const app = await startExampleApp(t);
  const page = await openApp(await (await launchChromium(t)).newContext(), app, '?store=web');
  await page.evaluate(() => {
    // Fill the origin's real quota, halving the chunk until one character fails.
    for (let size = 1 << 20, i = 0; size >= 1; ) {
      try {
        localStorage.setItem(`filler-${i++}`, 'x'.repeat(size));
      } catch {
        size >>= 1;
      }
    }
  });
  const outcome = await startFailure(page, 'w');
  assert.equal(outcome?.code, 'STORE_FULL');
  assert.equal(outcome?.record, 'w');
  assert.match(outcome!.message, /free space.*tauriFsStore\(\)/);
  assert.ok(outcome!.pid, 'the error names the pid that was spawned');
  reaper(t)(outcome!.pid);
  await waitFor('the spawned worker to be stopped', () => !isAlive(outcome!.pid!));
  assert.deepEqual(app.host.children(), []);
});
