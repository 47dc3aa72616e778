// pidkeep/ffmpeg's recorder with real FFmpeg and a real PulseAudio daemon: a recording with sound whose length matches
// the wall time, one FFmpeg across a "reload" (a second manager), a stop that leaves a final header, a hard end
// repaired at the next start-up, cancel, and the errors for a missing FFmpeg or device.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createRecorder, type RecorderInput } from '../../src/ffmpeg/index.js';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { ffmpegHost, fileStore, findFfmpeg, nodeBackend } from '../../src/node/index.js';
import { assertWavFinal, ffmpegPath, ffmpegsWriting, wavSizes } from '../helpers/ffmpeg.js';
import { isAlive, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';
import { startPulse } from '../helpers/pulse.js';

/** Debian's FFmpeg: the npm build has no PulseAudio input. check-system installs it. */
const FFMPEG = '/usr/bin/ffmpeg';
/** A generated tone in real time: a recording of known length without any sound system. */
const TONE: RecorderInput = { args: ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'], label: 'a test tone' };

function setup(t: TestContext, env: Record<string, string | undefined> = process.env) {
  const reap = reaper(t);
  const storeDir = tempDir(t);
  const dir = tempDir(t, 'pidkeep-recordings-');
  const namespace = uniqueNamespace('rec');
  const managers: Array<{ close(): Promise<void>; list(): Array<{ pid: number }> }> = [];
  t.after(async () => {
    for (const pm of managers) {
      for (const h of pm.list()) reap(h.pid);
      await pm.close();
    }
  });
  const open = async () => {
    const pm = await createProcessManager({ namespace, backend: nodeBackend({ env }), store: fileStore({ dir: storeDir }), pollInterval: 100 });
    pm.subscribe((event) => event.type === 'started' && reap(event.pid));
    managers.push(pm);
    return pm;
  };
  return { dir, open, host: ffmpegHost({ ffmpeg: FFMPEG, env }) };
}

/** The root mean square of a 16-bit PCM WAV's samples, 0..1. */
function loudness(path: string): number {
  const { dataStart, length } = wavSizes(path);
  const bytes = readFileSync(path);
  let sum = 0;
  let n = 0;
  for (let at = dataStart; at + 1 < length; at += 2, n++) sum += (bytes.readInt16LE(at) / 32768) ** 2;
  return Math.sqrt(sum / Math.max(1, n));
}

test('records the PulseAudio input: it has sound, its length matches the wall time within 10%, its header is final', async (t) => {
  const pulse = await startPulse(t);
  const { dir, open, host } = setup(t, { ...process.env, ...pulse.env });
  const pm = await open();
  const recorder = await createRecorder({ manager: pm, host, dir });
  const devices = await recorder.listDevices();
  const monitor = devices.find((device) => device.input === pulse.source);
  assert.ok(monitor, `the null sink's monitor is listed: ${JSON.stringify(devices)}`);
  const tone = await createRecorder({ manager: pm, host, dir, input: monitor, name: 'mic' });
  const called = Date.now();
  const started = await tone.start();
  const resolved = Date.now();
  assert.equal(started.recording, true);
  await waitFor('four seconds of recording', async () => (await tone.status()).elapsedMs >= 4000, { timeout: 15_000 });
  const stopping = Date.now();
  const recording = await tone.stop();
  assert.equal(recording.repaired, false, 'q made FFmpeg finish its file');
  assert.equal(recording.stop?.by, 'write "q"');
  assertWavFinal(recording.path);
  // FFmpeg opened the input before start() resolved, and stopped shortly after `q`: the recording lies between.
  assert.ok(recording.durationMs >= (stopping - resolved) * 0.9, `${recording.durationMs} ms recorded in ${stopping - resolved} ms`);
  assert.ok(recording.durationMs <= (Date.now() - called) * 1.1, `${recording.durationMs} ms recorded in at most ${Date.now() - called} ms`);
  assert.ok(loudness(recording.path) > 0.05, `the tone is in it (RMS ${loudness(recording.path).toFixed(4)})`);
});

test('one FFmpeg across a reload: a second manager finds the recording, its elapsed time goes on, a second start is refused', async (t) => {
  const { dir, open, host } = setup(t);
  const first = await createRecorder({ manager: await open(), host, dir, input: TONE });
  assert.equal(first.recovery.kind, 'none');
  const { path, startedAt } = await first.start();
  assert.ok(path && startedAt);
  await waitFor('some audio', async () => (await first.status()).bytes > 48_000);

  // The page reloads: a new manager and recorder, while FFmpeg records on.
  const again = await createRecorder({ manager: await open(), host, dir, input: TONE });
  assert.equal(again.recovery.kind, 'recording');
  // The Node backend cannot tell a second manager of this process from a restarted program: it says a restart.
  assert.match(again.recovery.detail, /found again after the app restarted/);
  const status = await again.status();
  assert.deepEqual([status.recording, status.adopted, status.path, status.startedAt], [true, true, path, startedAt]);
  assert.ok(status.elapsedMs >= Date.now() - startedAt - 50);
  await assert.rejects(again.start(), (error: unknown) => error instanceof PidkeepError && error.code === 'ALREADY_RUNNING' && error.message.includes(path));
  assert.equal(ffmpegsWriting(path).length, 1, 'still one FFmpeg');
  const recording = await again.stop();
  assert.equal(recording.path, path);
  assertWavFinal(path);
  assert.equal((await again.status()).recording, false);
});

test('a hard end (FFmpeg killed) is repaired at the next start-up and said so; cancel deletes the file', async (t) => {
  const { dir, open, host } = setup(t);
  const pm = await open();
  const recorder = await createRecorder({ manager: pm, host, dir, input: TONE });
  const { path } = await recorder.start();
  await waitFor('some audio', async () => (await recorder.status()).bytes > 96_000);
  const pid = pm.get('recorder')!.pid;
  process.kill(pid, 'SIGKILL'); // the app and its FFmpeg die together
  await waitFor('FFmpeg to be gone', () => !isAlive(pid));
  assert.ok(wavSizes(path!).data > 0x7fffffff, 'the header still has its placeholder sizes');

  const next = await createRecorder({ manager: await open(), host, dir, input: TONE });
  assert.equal(next.recovery.kind, 'repaired', next.recovery.detail);
  assert.match(next.recovery.detail, /its header was repaired/);
  assertWavFinal(path!);

  const { path: cancelled } = await next.start();
  await next.cancel();
  assert.ok(!existsSync(cancelled!), 'cancel deletes the file');
  assert.equal((await next.status()).recording, false);
});

test('a missing FFmpeg and a missing device say what to install or grant', async (t) => {
  const { dir, open } = setup(t);
  const pm = await open();
  const missing = await createRecorder({ manager: pm, host: ffmpegHost({ ffmpeg: '/nonexistent/ffmpeg' }), dir, input: TONE });
  for (const attempt of [() => missing.start(), () => missing.listDevices()]) {
    await assert.rejects(attempt(), (error: unknown) => error instanceof PidkeepError && error.code === 'FFMPEG_NOT_FOUND' && /install FFmpeg .*FFMPEG_PATH/.test(error.message));
  }
  assert.deepEqual(pm.list(), []);
  // No PulseAudio server at this address: FFmpeg cannot open the input.
  const silent = setup(t, { ...process.env, PULSE_SERVER: `unix:${tempDir(t)}/none` });
  const other = await silent.open();
  const nowhere = await createRecorder({ manager: other, host: silent.host, dir: silent.dir, input: { format: 'pulse', input: 'default', label: 'the default PulseAudio input', isDefault: true } });
  await assert.rejects(nowhere.start(), (error: unknown) => error instanceof PidkeepError && error.code === 'DEVICE_NOT_FOUND' && /could not record from the default PulseAudio input; FFmpeg said: default: .*pactl info/s.test(error.message));
  assert.deepEqual(other.list(), []);
});

test("the recorder makes its folder; FFmpeg's failures are told by what FFmpeg said: a folder it cannot write, an option it lacks, an input it cannot open", async (t) => {
  const { dir, open, host } = setup(t);
  const pm = await open();
  const code = (expected: string, pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof PidkeepError && error.code === expected, String(error));
    assert.match(error.message, pattern);
    assert.ok(error.stderr, 'FFmpeg\'s own words are on the error');
    return true;
  };
  // A folder that does not exist yet (a fresh app data dir): made, and the recording runs.
  const nested = join(dir, 'app-data', 'recordings');
  const fresh = await createRecorder({ manager: pm, host, dir: nested, input: TONE });
  await fresh.start();
  const done = await fresh.stop();
  assert.ok(done.path.startsWith(`${nested}/`) && done.bytes > 44, JSON.stringify(done));
  // A host that cannot make folders (a custom one): FFmpeg's "No such file or directory" on the output is said as such.
  const { mkdir: _, ...noMkdir } = host;
  const lost = await createRecorder({ manager: pm, host: noMkdir, dir: join(dir, 'nowhere'), input: TONE, name: 'lost' });
  await assert.rejects(lost.start(), code('OUTPUT_FAILED', /FFmpeg could not write the recording .*nowhere\/recording-.*\.wav; FFmpeg said: .*No such file or directory\. Check that .*nowhere exists/));
  // A folder that cannot be made (a file is in its way): said before FFmpeg runs.
  writeFileSync(join(dir, 'a-file'), '');
  const blocked = await createRecorder({ manager: pm, host, dir: join(dir, 'a-file', 'recordings'), input: TONE, name: 'blocked' });
  await assert.rejects(blocked.start(), (error: unknown) => error instanceof PidkeepError && error.code === 'OUTPUT_FAILED' && /could not create the recordings folder .*a-file\/recordings \(ENOTDIR/.test(error.message));
  // An option this FFmpeg does not have: not a device problem.
  const odd = await createRecorder({ manager: pm, host, dir, input: { args: ['-no_such_option', '1', ...TONE.args], label: 'a tone' }, name: 'odd' });
  await assert.rejects(odd.start(), code('UNSUPPORTED', /this FFmpeg cannot record wav from a tone; FFmpeg said: .*no_such_option/));
  // An input format this build lacks: not a device problem either.
  const noFormat = await createRecorder({ manager: pm, host, dir, input: { args: ['-f', 'no_such_format', '-i', 'default'], label: 'a missing format' }, name: 'noformat' });
  await assert.rejects(noFormat.start(), code('UNSUPPORTED', /this FFmpeg cannot record wav from a missing format; FFmpeg said: .*no_such_format/));
  // An input FFmpeg cannot open: the device, with FFmpeg's line.
  const noFile = await createRecorder({ manager: pm, host, dir, input: { args: ['-f', 'wav', '-i', join(dir, 'no-such-input.wav')], label: 'a missing file' }, name: 'nofile' });
  await assert.rejects(noFile.start(), code('DEVICE_NOT_FOUND', /FFmpeg could not record from a missing file; FFmpeg said: .*no-such-input\.wav/));
  assert.deepEqual(pm.list(), []);
});

test('the containers the README says survive a hard end play to the cut without repair', async (t) => {
  const { dir, open, host } = setup(t);
  const pm = await open();
  for (const container of ['flac', 'ogg', 'mka', 'mp3'] as const) {
    const recorder = await createRecorder({ manager: pm, host, dir, input: TONE, container, name: `rec-${container}` });
    const { path } = await recorder.start();
    await waitFor(`${container}: some audio in the file`, async () => (await recorder.status()).bytes > 16_000, { timeout: 15_000 });
    const pid = pm.get(`rec-${container}`)!.pid;
    process.kill(pid, 'SIGKILL');
    await waitFor('FFmpeg to be gone', () => !isAlive(pid));
    // FFmpeg reads the cut file to its end: no error, and some audio in it.
    const decoded = spawnSync(FFMPEG, ['-v', 'error', '-i', path!, '-f', 'null', '-'], { encoding: 'utf8' });
    assert.equal(decoded.status, 0, `${container}: ${decoded.stderr}`);
    const probe = spawnSync(FFMPEG, ['-i', path!, '-f', 'null', '-'], { encoding: 'utf8' });
    const seconds = [...probe.stderr.matchAll(/time=(\d+):(\d+):(\d+\.\d+)/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])).at(-1) ?? 0;
    assert.ok(seconds > 0.2, `${container}: ${seconds} s of audio after the cut`);
  }
});

test('findFfmpeg: the option, then FFMPEG_PATH, then PATH, then an npm build', (t) => {
  const bin = tempDir(t, 'pidkeep-path-');
  const fake = join(bin, 'ffmpeg');
  writeFileSync(fake, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  assert.deepEqual(findFfmpeg('/opt/ffmpeg', { FFMPEG_PATH: '/x/ffmpeg', PATH: bin }), { path: '/opt/ffmpeg', from: 'option' });
  assert.deepEqual(findFfmpeg(undefined, { FFMPEG_PATH: '/x/ffmpeg', PATH: bin }), { path: '/x/ffmpeg', from: 'FFMPEG_PATH' });
  assert.deepEqual(findFfmpeg(undefined, { PATH: `/nonexistent${delimiter}${bin}` }), { path: fake, from: 'PATH' });
  // A file named ffmpeg that is not executable is passed by. (ffmpegPath() makes the npm build executable, as npm
  // may skip its package's chmod script; findFfmpeg never changes a file.)
  chmodSync(fake, 0o644);
  ffmpegPath();
  const npm = findFfmpeg(undefined, { PATH: bin });
  assert.equal(npm?.from, 'npm', 'the devDependency @ffmpeg-installer/ffmpeg');
  assert.match(npm!.path, /@ffmpeg-installer/);
});
