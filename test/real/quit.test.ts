// Every way the real example app ends while FFmpeg records (examples/tauri-app built by cargo, in WebKitGTK under
// Xvfb with openbox as its window manager). What finishes the WAV: stopOnQuit in the page, for a window closed as a
// person closes it, and with src-tauri/src/stop_on_quit.rs for app.exit() (the Quit menu item, Ctrl+Q); a SIGTERM
// that reaches FFmpeg itself (a logout). What leaves it running for the next start: a crash, a SIGTERM to the app
// alone, the display lost. What cuts it: a quit the page does not take part in (the shell plugin SIGKILLs FFmpeg).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { assertWavFinal, ffmpegsWriting } from '../helpers/ffmpeg.js';
import { isAlive, reaper, waitFor } from '../helpers/index.js';
import { growing, record, recovery, requestExit, scenario, wavCut, type RealApp } from '../helpers/real-app.js';
import { termRecorder } from '../helpers/sides.js';

const NO_AUDIO = { PULSE_SERVER: 'unix:/nonexistent' };

/** Every process whose parent chain leads to `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, of] of parents) if (of === parent && !found.includes(child)) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

async function recording(t: TestContext) {
  const s = await scenario(t, { env: NO_AUDIO });
  const app: RealApp = await s.launch();
  return { s, app, ...(await record(t, app)) };
}

/**
 * An app whose page never runs stopOnQuit: the test app (the example's Rust and capabilities, a bare page), recording
 * the tone under the capability's `ffmpeg-tone` entry with a manager of its own. (Not the example at `?quit=cut`:
 * a reload keeps the earlier page's close-requested listener in Rust, which then holds every close back.)
 */
async function recordingWithoutStopOnQuit(t: TestContext) {
  const s = await scenario(t, { env: NO_AUDIO });
  const app = await s.launch('pidkeep-real-app');
  const { pid, path } = await app.evaluate(async () => {
    const { pidkeep, tauri, path, fs } = window.realApp;
    const pm = await pidkeep.createProcessManager({ namespace: 'tauri-example', backend: tauri.tauriBackend(), store: tauri.tauriFsStore() });
    await fs.mkdir('recordings', { baseDir: fs.BaseDirectory.AppData, recursive: true });
    const file = await path.join(await path.appDataDir(), 'recordings', 'recording-20260101-000000.wav');
    const args = ['-hide_banner', '-nostats', '-n', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'pcm_s16le', '-rf64', 'auto', '-f', 'wav', '-flush_packets', '1', file];
    const handle = await pm.start('recorder', { command: 'ffmpeg-tone', args, stdin: 'fifo', stop: [{ write: 'q', wait: 5000 }] });
    return { pid: handle.pid, path: file };
  }, null);
  reaper(t)(pid);
  await waitFor(`FFmpeg ${pid} to write ${path}`, () => ffmpegsWriting(path)[0] === pid && statSync(path, { throwIfNoEntry: false })?.size);
  await growing(path);
  return { s, app, path, pid };
}

test('the window closed by the window manager (WM_DELETE_WINDOW) with stopOnQuit: FFmpeg gets `q`, the WAV is final, the app exits', async (t) => {
  const { app, path, pid } = await recording(t);
  app.closeWindow();
  await app.ended();
  assert.ok(!isAlive(pid), 'FFmpeg ended');
  assertWavFinal(path);
});

test('the window closed by the window manager, no stopOnQuit in the page: the shell plugin SIGKILLs FFmpeg at exit, the WAV is cut', async (t) => {
  const { app, path, pid } = await recordingWithoutStopOnQuit(t);
  app.closeWindow();
  await app.ended();
  await waitFor('FFmpeg killed', () => !isAlive(pid));
  assert.ok(wavCut(path), 'the header keeps its placeholders');
});

test('Ctrl+Q (the Quit menu item: app.exit(0)) with stop_on_quit.rs: the exit waits for the page to stop FFmpeg, the WAV is final', async (t) => {
  const { app, path, pid } = await recording(t);
  await app.press('ctrl+q');
  await app.ended();
  assert.ok(!isAlive(pid), 'FFmpeg ended');
  assertWavFinal(path);
});

test('Ctrl+Q, no stopOnQuit in the page: stop_on_quit.rs waits for no one, the app exits at once and the WAV is cut', async (t) => {
  const { app, path, pid } = await recordingWithoutStopOnQuit(t);
  await app.press('ctrl+q');
  await app.ended();
  await waitFor('FFmpeg killed', () => !isAlive(pid));
  assert.ok(wavCut(path), 'the header keeps its placeholders');
});

test('SIGTERM to the whole session at once, as a logout sends it: FFmpeg gets it too and finishes its file', async (t) => {
  const { app, path, pid } = await recording(t);
  const everyone = [app.pid, ...descendants(app.pid)];
  assert.ok(everyone.includes(pid), 'FFmpeg is one of the app\'s processes');
  for (const each of everyone) process.kill(each, 'SIGTERM');
  await app.ended();
  await waitFor('FFmpeg to end', () => !isAlive(pid), { timeout: 20_000 });
  assertWavFinal(path);
});

test('the display lost (Xvfb killed): the app ends without a RunEvent, FFmpeg records on, and the next start on a new display adopts it', async (t) => {
  const { s, app, path, pid } = await recording(t);
  s.display.kill();
  await app.ended();
  assert.ok(isAlive(pid), 'FFmpeg was not killed');
  await growing(path);
  const again = await (await scenario(t, { env: NO_AUDIO, home: s.home })).launch();
  assert.deepEqual(await recovery(again), [{ name: 'recorder', pid, status: 'adopted' }]);
  await again.click('Stop');
  await waitFor('FFmpeg to end', () => !isAlive(pid), { timeout: 20_000 });
  assertWavFinal(path);
});

test('app.exit(3) with stop_on_quit.rs: held until the page has stopped its processes, then the app exits with 3, not 0', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  const app = await s.launch('pidkeep-real-app', { exitStatus: true });
  const { pid, signalled } = await termRecorder(t, app);
  await requestExit(app, 3);
  await app.ended();
  // SIGTERM is the worker's stop plan; the shell plugin's SIGKILL at exit would leave no trace
  assert.equal(readFileSync(signalled, { encoding: 'utf8', flag: 'a+' }).trim(), 'TERM', 'stopped by its plan before the app went');
  assert.ok(!isAlive(pid));
  assert.equal(await app.exitStatus(), 3, "app.exit's code");
});

test('a page that announced itself and never answers holds app.exit(4) for the plugin\'s DEADLINE (30 s), then the app exits with 4', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  const app = await s.launch('pidkeep-real-app', { exitStatus: true });
  // a page that takes part and hangs: it announces its window, and never answers
  await app.evaluate(() => window.realApp.event.emit('pidkeep://stop-on-quit', 'main'), null);
  const asked = Date.now();
  await requestExit(app, 4);
  await app.ended(60_000);
  assert.ok(Date.now() - asked >= 29_000, `held ${Date.now() - asked} ms`);
  assert.equal(await app.exitStatus(), 4);
});

test('app.exit(6) held for a page that announced itself, whose window is then closed by its user: the app exits with 6, not the last window\'s 0', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  const app = await s.launch('pidkeep-real-app', { exitStatus: true });
  await app.evaluate(() => window.realApp.event.emit('pidkeep://stop-on-quit', 'main'), null);
  await requestExit(app, 6);
  // held: the window still answers, and then its user closes it (no close listener: destroyed at once)
  assert.equal(await app.evaluate(() => 'still here', null), 'still here');
  app.closeWindow();
  await app.ended();
  assert.equal(await app.exitStatus(), 6);
});
