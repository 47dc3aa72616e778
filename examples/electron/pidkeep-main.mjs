// pidkeep in Electron's main process. README.md's "Electron" section shows this file; a test keeps the two equal.
// What it relies on, from Electron's docs/api/app.md (https://www.electronjs.org/docs/latest/api/app):
// - `requestSingleInstanceLock()` returns false in a second instance, which should quit at once; the first one
//   gets `second-instance` (after `ready`).
// - `getPath('userData')` is the app's own per-user folder (~/.config/<app> on Linux, %APPDATA%\<app>,
//   ~/Library/Application Support/<app>); it can be read before `ready`.
// - `before-quit`: `event.preventDefault()` cancels the quit; every `app.quit()` emits it again. Electron does not
//   wait for a promise a handler returns (electron/electron#27201), so the handler holds the quit, finishes, then
//   quits again, and a flag lets that second `before-quit` through.
// - `will-quit` is no place for async work: a quit prevented there and asked for again from its handler does not
//   happen (electron/electron#33643). Nothing is done there.
// - `app.exit()`, a crash, and on Windows a shutdown or logout emit neither event: the processes run on, and the
//   next launch's `onOrphan` decides.
import { join } from 'node:path';
import { createProcessManager } from 'pidkeep';
import { fileStore, nodeBackend } from 'pidkeep/node';

/**
 * @param {object} options
 * @param {import('electron').App} options.app
 * @param {import('electron').IpcMain} options.ipcMain
 * @param {'stop' | 'keep'} options.policy 'stop': nothing outlives the app; 'keep': they run on, the next launch adopts them
 * @param {import('pidkeep').StartOptions} options.recorder what `recorder:start` runs: chosen here, never by the page
 * @param {() => import('electron').BrowserWindow | undefined} options.getWindow
 * @returns {Promise<import('pidkeep').ProcessManager | null>} null in a second instance, which is quitting
 */
export async function setUpPidkeep({ app, ipcMain, policy, recorder, getWindow }) {
  // Before any record is read: one instance manages the app's processes (a second one's manager would adopt them).
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  app.on('second-instance', () => {
    const win = getWindow();
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });

  const ready = createProcessManager({
    namespace: 'app', // the store folder is this app's own already
    backend: nodeBackend(),
    store: fileStore({ dir: join(app.getPath('userData'), 'pidkeep') }),
    // A process found running at launch: an earlier run crashed (or quit under 'keep').
    onOrphan: policy === 'stop' ? 'stop' : 'adopt',
  });

  let quitting = 'no'; // 'no' | 'cleaning' | 'done'
  app.on('before-quit', (event) => {
    if (quitting === 'done') return; // our own second app.quit(): let it quit
    event.preventDefault();
    if (quitting === 'cleaning') return; // quit asked for again meanwhile
    quitting = 'cleaning';
    shutDown().finally(() => {
      quitting = 'done';
      app.quit();
    });
  });
  async function shutDown() {
    const pm = await ready.catch((error) => void console.error(`pidkeep: ${error.message}`));
    if (!pm) return;
    if (policy === 'stop') {
      try {
        for (const r of await pm.stopAll()) console.log(`pidkeep: ${r.name} (pid ${r.pid}) ${r.outcome}${r.by ? ` by ${r.by}` : ''}`);
      } catch (error) {
        // STOP_FAILED: all the others were stopped; the message names each one that was not.
        console.error(`pidkeep: ${error.message}`);
      }
    }
    await pm.close(); // never stops anything: under 'keep' the processes run on
  }

  ipcMain.handle('recorder:start', async () => {
    if (quitting !== 'no') throw new Error('the app is quitting');
    const pm = await ready;
    const rec = pm.get('recorder') ?? (await pm.start('recorder', recorder));
    return { pid: rec.pid, adopted: rec.adopted };
  });
  ipcMain.handle('recorder:stop', async () => (await ready).stop('recorder'));

  const pm = await ready;
  for (const entry of pm.recovery) console.log(`pidkeep: ${entry.name} ${entry.status}: ${entry.detail}`);
  return pm;
}
