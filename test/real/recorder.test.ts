// The seed's story on the real example app (examples/tauri-app built by cargo, driven in WebKitGTK by tauri-driver):
// Record, reload, Stop; the app killed while recording, started again. Processes and files are read from outside.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertWavFinal, ffmpegsWriting } from '../helpers/ffmpeg.js';
import { isAlive, reaper, tempDir, waitFor } from '../helpers/index.js';
import { failedInvokes, finding, growing, record, recordingPath, recovery, scenario, shown, wavCut } from '../helpers/real-app.js';

// No audio server: FFmpeg lists no usable input and the page records its generated tone, on every machine alike.
const NO_AUDIO = { PULSE_SERVER: 'unix:/nonexistent' };

test('Record, reload (one FFmpeg, the same, adopted), Stop: the WAV header is final; the page is the built app (tauri://localhost)', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  const app = await s.launch();
  assert.equal(await app.url(), 'tauri://localhost', 'the frontend embedded by the build, not a dev server (devUrl)');
  assert.match(await finding(app), /no earlier recording/);
  assert.equal(existsSync(join(s.appData, 'recordings')), false, 'a fresh app has no recordings folder: the recorder makes it');
  // No IPC call fails along the way: a file not written yet is asked with `exists`, not a `stat` expected to fail.
  let failures = await failedInvokes(app);
  const { path, pid } = await record(t, app);
  assert.ok(path.startsWith(join(s.appData, 'recordings') + '/'), `${path} is in this scenario's $APPDATA`);
  const before = (await shown(app))!;
  assert.deepEqual(await failures(), [], 'Record made no failed IPC call');

  await app.reload();
  failures = await failedInvokes(app);
  assert.match(await finding(app), /a recording is running .*found again after a reload of the page/);
  assert.deepEqual(await recovery(app), [{ name: 'recorder', pid, status: 'adopted' }]);
  assert.deepEqual(ffmpegsWriting(path), [pid], 'still exactly one FFmpeg, the same');
  await waitFor('the elapsed time to go on past the reload', async () => ((await shown(app))?.ms ?? 0) > before.ms + 500, { timeout: 20_000 });
  await growing(path);

  await app.click('Stop');
  await waitFor('FFmpeg to end', () => !isAlive(pid), { timeout: 20_000 });
  assertWavFinal(path);
  await waitFor('the recording listed in the page', () => app.evaluate((p) => document.querySelector(`#recordings li[data-path="${p}"]`) !== null, path), { timeout: 20_000 });
  assert.deepEqual(await failures(), [], 'Stop and the listing made no failed IPC call');
  assert.equal(app.alive(), true, 'the app runs on');
});

test('the app SIGKILLed while recording, started again: the recording is found and adopted, and Stop finishes it (its stdin died with the app); nothing else was signalled', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  // Bystanders that log every signal they get: one plain, one carrying another namespace's pidkeep marker.
  const log = join(tempDir(t), 'signals.log');
  const bystander = (mark: string) => {
    const child = spawn('sh', ['-c', `for s in HUP INT QUIT USR1 USR2 TERM; do trap "echo $$ $s >> ${log}" $s; done; while :; do sleep 1; done`], {
      env: { ...process.env, ...(mark ? { PIDKEEP_MARK: mark } : {}) },
      stdio: 'ignore',
    });
    reaper(t)(child.pid);
    return child.pid!;
  };
  const bystanders = [bystander(''), bystander('someone-else/0123456789abcdef')];
  let app = await s.launch();
  const { path, pid } = await record(t, app);

  process.kill(app.pid, 'SIGKILL');
  await app.ended();
  await growing(path);
  assert.ok(wavCut(path), 'still being written: no quit ran');

  app = await s.launch();
  assert.match(await finding(app), /a recording is running .*found again after the app restarted/);
  assert.deepEqual(await recovery(app), [{ name: 'recorder', pid, status: 'adopted' }]);
  assert.equal(await recordingPath(app), path);
  await app.click('Stop');
  await waitFor('FFmpeg to end', () => !isAlive(pid), { timeout: 20_000 });
  assertWavFinal(path);
  for (const other of bystanders) assert.ok(isAlive(other), `bystander ${other} lives`);
  assert.equal(readFileSync(log, { encoding: 'utf8', flag: 'a+' }), '', 'no bystander got a signal');
});

test('the app and FFmpeg SIGKILLed together: the next start repairs the WAV header and says so', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  let app = await s.launch();
  const { path, pid } = await record(t, app);
  process.kill(pid, 'SIGKILL');
  process.kill(app.pid, 'SIGKILL');
  await app.ended();
  assert.ok(wavCut(path), 'cut: the header keeps its placeholders');
  app = await s.launch();
  assert.match(await finding(app), /was cut .*repaired/);
  assertWavFinal(path);
});

test('SIGTERM to the app alone: no RunEvent runs (Tauri installs no handler), FFmpeg records on; the next start adopts it and Stop finishes it', async (t) => {
  const s = await scenario(t, { env: NO_AUDIO });
  let app = await s.launch();
  const { path, pid } = await record(t, app);
  process.kill(app.pid, 'SIGTERM');
  await app.ended();
  assert.ok(isAlive(pid), 'FFmpeg was not killed: the shell plugin never reached RunEvent::Exit');
  await growing(path);
  app = await s.launch();
  assert.deepEqual(await recovery(app), [{ name: 'recorder', pid, status: 'adopted' }]);
  await app.click('Stop');
  await waitFor('FFmpeg to end', () => !isAlive(pid), { timeout: 20_000 });
  assertWavFinal(path);
});
