// Two windows of one real app (the test app makes its second window, `second`, from the page; both run the example's
// Rust and capabilities): what one window's manager may do to what another window runs, and how a quit waits for them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { isAlive, reaper, waitFor } from '../helpers/index.js';
import { requestExit, scenario, type RealApp } from '../helpers/real-app.js';
import { termRecorder } from '../helpers/sides.js';

declare global {
  // what the windows below keep on `window`
  var pm: import('../../src/types.js').ProcessManager | undefined;
}

/** The test app with a manager in `main` (namespace tauri-example, tauriFsStore) that runs a worker; its pid. */
async function appWithWorker(t: TestContext): Promise<{ app: RealApp; worker: number }> {
  const app = await (await scenario(t)).launch('pidkeep-real-app');
  const worker = await app.evaluate(async () => {
    const { pidkeep, tauri } = window.realApp;
    window.pm = await pidkeep.createProcessManager({ namespace: 'tauri-example', backend: tauri.tauriBackend(), store: tauri.tauriFsStore() });
    return (await window.pm.start('worker', { command: 'worker', args: ['600'], stdin: 'fifo', stop: [{ signal: 'SIGTERM', wait: 5000 }] })).pid;
  }, null);
  reaper(t)(worker);
  return { app, worker };
}

/** Opens the window `second` from `main`'s page and makes it the current one. */
async function openSecond(app: RealApp): Promise<void> {
  await app.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const second = new window.realApp.webviewWindow.WebviewWindow('second', { url: 'index.html', title: 'pidkeep real app second' });
        void second.once('tauri://created', () => resolve());
        void second.once('tauri://error', (e: { payload: unknown }) => reject(new Error(String(e.payload))));
      }),
    null,
  );
  await app.useWindow('second');
}

/** A manager in the current window with `onOrphan: 'stop'`: what its start-up did. */
const managerWithStop = (app: RealApp) =>
  app.evaluate(async () => {
    const { pidkeep, tauri } = window.realApp;
    window.pm = await pidkeep.createProcessManager({ namespace: 'tauri-example', backend: tauri.tauriBackend(), store: tauri.tauriFsStore(), onOrphan: 'stop' });
    return { recovery: window.pm.recovery.map((r) => [r.name, r.status, r.detail]), warnings: window.pm.warnings.map((w) => w.code) };
  }, null);

test("a second window with onOrphan: 'stop' adopts what the open first window runs (Web Locks tell the windows apart by label); once the first is closed, it stops it", async (t) => {
  const { app, worker } = await appWithWorker(t);
  await openSecond(app);
  const first = await managerWithStop(app);
  assert.equal(first.recovery.length, 1);
  assert.deepEqual(first.recovery[0]!.slice(0, 2), ['worker', 'adopted']);
  assert.match(String(first.recovery[0]![2]), /another manager of this namespace is open/);
  assert.deepEqual(first.warnings, [], 'a secure context: Web Locks tell');
  assert.ok(isAlive(worker));
  // the second window reloads: still not alone, the first window is open
  await app.reload();
  assert.deepEqual((await managerWithStop(app)).recovery.map((r) => r.slice(0, 2)), [['worker', 'adopted']]);
  // a listener of this window for events to the first one outlives the first (Rust drops only the listeners its
  // own webview registered: tauri 2.12.7 src/manager/mod.rs:655-669)
  await app.evaluate(() => window.realApp.event.listen('to-main', () => void ((window as unknown as { heard: number }).heard = 1), { target: { kind: 'Window', label: 'main' } }).then(() => undefined), null);
  // the first window closed by its user (no stopOnQuit there): its manager is gone with its page
  app.closeWindow();
  await waitFor('the first window to be gone', () => app.evaluate(() => window.realApp.window.getAllWindows().then((all) => all.length === 1), null), { timeout: 20_000 });
  await app.evaluate(() => window.realApp.event.emitTo({ kind: 'Window', label: 'main' }, 'to-main', null), null);
  await waitFor('the listener for the closed window to hear', () => app.evaluate(() => (window as unknown as { heard?: number }).heard === 1, null));
  await app.reload();
  const alone = await managerWithStop(app);
  assert.deepEqual(alone.recovery.map((r) => r.slice(0, 2)), [['worker', 'stopped']]);
  await waitFor('the worker to end', () => !isAlive(worker));
});

test('app.exit(5) from a window without stopOnQuit waits for the one that runs it, then exits with 5', async (t) => {
  const app = await (await scenario(t)).launch('pidkeep-real-app', { exitStatus: true });
  const { pid, signalled } = await termRecorder(t, app);
  await openSecond(app);
  await requestExit(app, 5);
  // the second window never answers (it runs no stopOnQuit): were it waited for, the app would not end
  await app.ended();
  assert.equal(readFileSync(signalled, { encoding: 'utf8', flag: 'a+' }).trim(), 'TERM', "main's stop plan ran before the app went");
  assert.ok(!isAlive(pid));
  assert.equal(await app.exitStatus(), 5);
});
