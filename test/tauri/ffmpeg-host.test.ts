// tauriFfmpegHost, the recorder's host in a webview, through the real @tauri-apps/plugin-shell and plugin-fs in Node
// against pidkeep's Tauri host: sizes, a WAV header repair through a FileHandle (a few small reads and writes, never
// the audio), removal, FFmpeg's device listing by scope name, and Tauri's refusals passed on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { inspectWav, repairWav } from '../../src/ffmpeg/index.js';
import { tauriFfmpegHost } from '../../src/tauri/index.js';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { InvokeRequest, PermissionEntry } from '../../src/tauri-host/types.js';
import { wavSizes } from '../helpers/ffmpeg.js';
import { onTeardown, tempDir } from '../helpers/index.js';

const FFMPEG = '/usr/bin/ffmpeg';
const FS = ['stat', 'open', 'read', 'write', 'seek', 'fstat', 'remove'].map((c) => `fs:allow-${c}`);
/** The device listings' shapes only (src/ffmpeg/devices.ts): `-hide_banner -sources pulse|alsa`. */
const LISTING = { name: 'ffmpeg', cmd: FFMPEG, args: ['-hide_banner', '-sources', { validator: '(pulse|alsa)' }] };

function setup(t: TestContext, permissions?: PermissionEntry[]) {
  const dataDir = tempDir(t);
  const dir = join(dataDir, 'dev.pidkeep.rec', 'recordings');
  mkdirSync(dir, { recursive: true });
  const host = createTauriHost({
    identifier: 'dev.pidkeep.rec',
    dataDir,
    capabilities: [{
      identifier: 'recorder',
      windows: ['main'],
      permissions: permissions ?? ['core:default', { identifier: 'shell:allow-execute', allow: [LISTING] }, ...FS, { identifier: 'fs:scope', allow: [{ path: '$APPDATA/recordings/**' }] }],
    }],
  });
  // Every call the page makes, with the bytes it carried each way.
  const calls: Array<{ cmd: string; sent: number; received: number }> = [];
  const invoke = host.invoke.bind(host);
  host.invoke = async (request: InvokeRequest) => {
    const value = await invoke(request);
    const data = (request.payload as { data?: unknown[] }).data;
    calls.push({ cmd: request.cmd, sent: Array.isArray(data) ? data.length : 0, received: value instanceof Uint8Array ? value.length : 0 });
    return value;
  };
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => {
    uninstall();
    await host.close();
  });
  return { dir, calls };
}

/** Two seconds of tone written by FFmpeg, then cut as a SIGKILL leaves it: RIFF and data sizes still 0xFFFFFFFF. */
function cutWav(path: string) {
  const made = spawnSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:a', 'pcm_s16le', '-rf64', 'auto', '-f', 'wav', path]);
  assert.equal(made.status, 0, made.stderr.toString());
  const bytes = readFileSync(path);
  const { dataStart } = wavSizes(path);
  bytes.writeUInt32LE(0xffff_ffff, 4);
  bytes.writeUInt32LE(0xffff_ffff, dataStart - 4);
  writeFileSync(path, bytes);
  return bytes.length;
}

test('a cut WAV repaired through a FileHandle: a few small reads and writes, never the recording', async (t) => {
  const { dir, calls } = setup(t);
  const host = tauriFfmpegHost({ ffmpeg: 'ffmpeg', platform: 'linux' });
  const path = join(dir, 'cut.wav');
  const length = cutWav(path);
  assert.equal(await host.size(path), length);

  calls.length = 0;
  const file = await host.open(path);
  try {
    assert.equal((await inspectWav(file)).kind, 'unfinished');
    const done = await repairWav(file);
    assert.equal(done.repaired, true);
    assert.ok(Math.abs(done.durationMs - 2000) < 50, `${done.durationMs} ms`);
  } finally {
    await file.close();
  }
  const wav = wavSizes(path);
  assert.equal(wav.riff, length - 8);
  assert.equal(wav.data, length - wav.dataStart);
  assert.equal(spawnSync(FFMPEG, ['-v', 'error', '-i', path, '-f', 'null', '-']).stderr.toString(), '', 'it decodes without a word');

  const commands = new Set(calls.map((c) => c.cmd));
  assert.deepEqual([...commands].sort(), ['plugin:fs|fstat', 'plugin:fs|open', 'plugin:fs|read', 'plugin:fs|seek', 'plugin:fs|write', 'plugin:resources|close']);
  const moved = calls.reduce((sum, c) => sum + c.sent + c.received, 0);
  assert.ok(moved < 64 * 1024 && moved < length / 8, `${moved} bytes over IPC for a ${length}-byte recording`);
  assert.ok(calls.every((c) => c.sent <= 64 * 1024 && c.received <= 64 * 1024 + 8));
});

test('size and remove: undefined and nothing for a missing file; Tauri refusals are passed on', async (t) => {
  const { dir } = setup(t);
  const host = tauriFfmpegHost({ ffmpeg: 'ffmpeg' });
  const path = join(dir, 'x.wav');
  assert.equal(await host.size(path), undefined);
  await host.remove(path);
  writeFileSync(path, 'x');
  await host.remove(path);
  assert.equal(existsSync(path), false);
  const outside = join(dir, '..', 'elsewhere.wav').replace('/recordings/..', '');
  await assert.rejects(host.size(outside), (e) => e === `forbidden path: ${outside}, maybe it is not allowed on the scope for \`allow-stat\` permission in your capability file`);
  await assert.rejects(host.open(outside), (e) => e === `forbidden path: ${outside}, maybe it is not allowed on the scope for \`allow-open\` permission in your capability file`);
});

test('run: FFmpeg by its scope name, with the listing\'s arguments only', async (t) => {
  setup(t);
  const host = tauriFfmpegHost({ ffmpeg: 'ffmpeg', platform: 'linux' });
  const out = await host.run(['-hide_banner', '-sources', 'alsa']);
  assert.equal(typeof out.code, 'number');
  assert.equal(typeof out.stdout, 'string');
  await assert.rejects(host.run(['-hide_banner', '-sources', 'lavfi']), (e) => e === 'program not allowed on the configured shell scope: ffmpeg', 'an argument its validator refuses');
  await assert.rejects(tauriFfmpegHost({ ffmpeg: 'other' }).run(['-version']), (e) => typeof e === 'string' && e.startsWith('program not allowed on the configured shell scope: other'));
});

test('without the fs handle permissions the repair is refused, and the hint names them', async (t) => {
  const { dir } = setup(t, ['core:default', 'fs:allow-stat', 'fs:allow-open', { identifier: 'fs:scope', allow: [{ path: '$APPDATA/recordings/**' }] }]);
  const host = tauriFfmpegHost({ ffmpeg: 'ffmpeg' });
  const path = join(dir, 'cut.wav');
  cutWav(path);
  const file = await host.open(path);
  await assert.rejects(inspectWav(file), (e) => typeof e === 'string' && e.startsWith('fs.fstat not allowed'));
  await file.close();
  for (const permission of ['shell:allow-spawn', 'shell:allow-execute', 'shell:allow-stdin-write', 'fs:allow-open', 'fs:allow-read', 'fs:allow-write', 'fs:allow-seek', 'fs:allow-fstat', 'fs:allow-stat', 'fs:allow-remove', 'fs:scope']) {
    assert.ok(host.installHint.includes(permission), permission);
  }
  assert.throws(() => tauriFfmpegHost({ ffmpeg: '' }), TypeError);
});
