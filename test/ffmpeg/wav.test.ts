import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { nodeFile } from '../../src/node/wav-file.js';
import { inspectWav, repairWav, WAV_HEADER_LIMIT, type RandomAccessFile, type WavState } from '../../src/ffmpeg/wav.js';
import { ffmpegPath, wavSizes } from '../helpers/ffmpeg.js';
import { reaper, tempDir, waitFor } from '../helpers/index.js';

// Real FFmpeg records a generated tone to WAV and is SIGKILLed; the repaired file must then be one FFmpeg reads in
// full. The npm FFmpeg (4.1) writes its header at once; Debian's (5.1), where installed, only with its first
// 256 KiB of output, so it leaves a 0-byte file, or a header and audio cut mid-frame.

const MAX32 = 0xffffffff;
const npmFfmpeg = ffmpegPath();
const debianFfmpeg = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined;
const TONE = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];

const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? -1;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutBytes: number;
  stderr: string;
}

/** Runs FFmpeg to its end (with a deadline); its pid is killed at teardown whatever happens. */
async function run(t: TestContext, args: string[], { bin = npmFfmpeg, timeout = 60_000 } = {}): Promise<Run> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  reaper(t)(child.pid);
  const result: Run = { code: null, signal: null, stdoutBytes: 0, stderr: '' };
  let ended = false;
  child.stdout.on('data', (chunk: Buffer) => (result.stdoutBytes += chunk.length));
  child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
  child.on('close', (code, signal) => {
    result.code = code;
    result.signal = signal;
    ended = true;
  });
  await waitFor(`FFmpeg ${args.join(' ')} to end`, () => ended, { timeout });
  return result;
}

/** Records the tone in real time with `output` options, and SIGKILLs FFmpeg once the file holds `atLeast` bytes. */
async function killedRecording(t: TestContext, output: string[], { bin = npmFfmpeg, atLeast = 4096, name = 'take.wav' } = {}): Promise<string> {
  const file = join(tempDir(t, 'pidkeep-wav-'), name);
  const child = spawn(bin, ['-nostdin', '-v', 'error', '-re', ...TONE, ...output, '-f', 'wav', file], { stdio: 'ignore' });
  reaper(t)(child.pid);
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor(`FFmpeg to write ${atLeast} bytes to ${file}`, () => exited || size(file) >= atLeast, { timeout: 20_000 });
  assert.equal(exited, false, 'FFmpeg was still recording');
  child.kill('SIGKILL');
  await waitFor('FFmpeg to end', () => exited, { timeout: 10_000 });
  assert.equal(child.signalCode, 'SIGKILL');
  return file;
}

/** What FFmpeg makes of a WAV: decodes all of it to s16, counting its sample frames, and its header's Duration. */
async function decode(t: TestContext, file: string, channels: number, input: string[] = []) {
  const result = await run(t, ['-nostdin', '-v', 'info', ...input, '-i', file, '-f', 's16le', '-']);
  assert.equal(result.code, 0, result.stderr);
  const duration = /Duration: (\d+):(\d+):(\d+\.\d+)/.exec(result.stderr);
  return {
    frames: result.stdoutBytes / (2 * channels),
    durationS: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : undefined,
    stderr: result.stderr,
  };
}

/** A RandomAccessFile that records every read and write, to prove what inspect and repair touch. */
function counting(inner: RandomAccessFile) {
  const reads: Array<{ offset: number; length: number }> = [];
  const writes: Array<{ offset: number; length: number }> = [];
  const file: RandomAccessFile = {
    size: () => inner.size(),
    read: (offset, length) => (reads.push({ offset, length }), inner.read(offset, length)),
    write: (offset, data) => (writes.push({ offset, length: data.length }), inner.write(offset, data)),
  };
  return { file, reads, writes, readTotal: () => reads.reduce((sum, r) => sum + r.length, 0) };
}

/** A file in memory; `reportedSize` lets it claim to be larger than its bytes (a sparse or hostile file). */
function memoryFile(bytes: Uint8Array, reportedSize = bytes.length): RandomAccessFile {
  return {
    size: async () => reportedSize,
    read: async (offset, length) => bytes.slice(offset, offset + length),
    write: async (offset, data) => {
      assert.ok(offset + data.length <= bytes.length, `write at ${offset} of ${data.length} bytes past the end`);
      bytes.set(data, offset);
    },
  };
}

async function withFile<T>(path: string, use: (file: ReturnType<typeof counting>) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r+');
  try {
    return await use(counting(nodeFile(handle)));
  } finally {
    await handle.close();
  }
}

const inspectPath = (path: string) => withFile(path, ({ file }) => inspectWav(file));

function unfinished(state: WavState) {
  assert.equal(state.kind, 'unfinished', JSON.stringify(state));
  return state as Extract<WavState, { kind: 'unfinished' }>;
}
function final(state: WavState) {
  assert.equal(state.kind, 'final', JSON.stringify(state));
  return state as Extract<WavState, { kind: 'final' }>;
}
function notWav(state: WavState) {
  assert.equal(state.kind, 'not-wav', JSON.stringify(state));
  return state as Extract<WavState, { kind: 'not-wav' }>;
}

/**
 * The whole story for one killed recording: unfinished, repaired with a few small writes inside the header, then
 * final, untouched by a second repair, and read by FFmpeg to its last whole sample frame.
 */
async function repairAndCheck(t: TestContext, file: string, channels: number) {
  const before = wavSizes(file);
  const state = unfinished(await inspectPath(file));
  const { blockAlign, sampleRate } = state.format;
  const expected = before.length - before.dataStart - ((before.length - before.dataStart) % blockAlign);
  assert.equal(state.dataBytes, expected, 'every whole sample frame, no partial one');
  assert.equal(state.durationMs, ((expected / blockAlign) * 1000) / sampleRate);

  const done = await withFile(file, async (counted) => {
    const result = await repairWav(counted.file);
    assert.ok(counted.readTotal() <= 4096, `one small read: ${JSON.stringify(counted.reads)}`);
    assert.ok(counted.writes.length >= 1 && counted.writes.length <= 5, JSON.stringify(counted.writes));
    for (const w of counted.writes) assert.ok(w.offset + w.length <= before.dataStart, `write ${JSON.stringify(w)} inside the header`);
    return result;
  });
  assert.deepEqual(done, { repaired: true, dataBytes: state.dataBytes, durationMs: state.durationMs });
  assert.equal(size(file), before.length, 'nothing appended or cut');

  const after = final(await inspectPath(file));
  assert.equal(after.dataBytes, state.dataBytes);
  const bytes = readFileSync(file);
  const again = await withFile(file, async (counted) => {
    const result = await repairWav(counted.file);
    assert.equal(counted.writes.length, 0, 'a final file is never written');
    return result;
  });
  assert.deepEqual(again, { repaired: false, dataBytes: state.dataBytes, durationMs: state.durationMs });
  assert.ok(readFileSync(file).equals(bytes), 'idempotent');

  const decoded = await decode(t, file, channels);
  assert.equal(decoded.frames, state.dataBytes / blockAlign, 'FFmpeg decodes every sample frame the header says');
  assert.ok(decoded.durationS !== undefined && Math.abs(decoded.durationS - state.durationMs / 1000) <= 0.01, `Duration ${decoded.durationS} (printed in 1/100 s)`);
  assert.doesNotMatch(decoded.stderr, /Ignoring maximum wav data size|invalid|broken/i);
  return { state, after: wavSizes(file) };
}

for (const [label, bin] of [['npm FFmpeg 4.1', npmFfmpeg], ['Debian FFmpeg', debianFfmpeg]] as const) {
  test(`${label}: a SIGKILLed stereo 16-bit recording is repaired in place`, { skip: bin ? false : 'no /usr/bin/ffmpeg' }, async (t) => {
    const file = await killedRecording(t, ['-ac', '2'], { bin: bin! });
    const raw = wavSizes(file);
    assert.equal(raw.riff, MAX32, 'FFmpeg left its RIFF placeholder');
    assert.equal(raw.data, MAX32, 'and its data placeholder');
    const { state, after } = await repairAndCheck(t, file, 2);
    assert.deepEqual(state.format, { formatTag: 1, channels: 2, sampleRate: 48000, byteRate: 192000, blockAlign: 4, bitsPerSample: 16 });
    assert.equal(after.riff, after.length - 8);
    assert.equal(after.data, state.dataBytes);
    assert.ok(state.dataBytes > 0);
  });
}

test('a recording FFmpeg finished (-t 1) is final and left byte-identical', async (t) => {
  const file = join(tempDir(t, 'pidkeep-wav-'), 'done.wav');
  assert.equal((await run(t, ['-nostdin', '-v', 'error', ...TONE, '-ac', '2', '-t', '1', '-f', 'wav', file])).code, 0);
  const bytes = readFileSync(file);
  const state = final(await inspectPath(file));
  assert.equal(state.dataBytes, 192000);
  assert.equal(state.durationMs, 1000);
  const result = await withFile(file, async (counted) => {
    const result = await repairWav(counted.file);
    assert.deepEqual(counted.writes, []);
    assert.equal(counted.reads.length, 1);
    return result;
  });
  assert.deepEqual(result, { repaired: false, dataBytes: 192000, durationMs: 1000 });
  assert.ok(readFileSync(file).equals(bytes));
});

test("a recording stopped with `q` (FFmpeg's trailer written) is final", async (t) => {
  const file = join(tempDir(t, 'pidkeep-wav-'), 'q.wav');
  const child = spawn(npmFfmpeg, ['-v', 'error', '-re', ...TONE, '-ac', '1', '-f', 'wav', file], { stdio: ['pipe', 'ignore', 'ignore'] });
  reaper(t)(child.pid);
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor('FFmpeg to write audio', () => size(file) >= 4096, { timeout: 20_000 });
  child.stdin.end('q');
  await waitFor('FFmpeg to finish on q', () => exited, { timeout: 10_000 });
  assert.equal(child.exitCode, 0);
  const state = final(await inspectPath(file));
  assert.equal(state.dataBytes, wavSizes(file).data);
});

test('a LIST/INFO chunk before the data (-metadata title=x) is walked over', async (t) => {
  const file = await killedRecording(t, ['-ac', '2', '-metadata', 'title=x']);
  assert.ok(readFileSync(file).subarray(0, 200).includes('INAM'), 'the LIST/INFO chunk is there');
  await repairAndCheck(t, file, 2);
});

const formats = [
  { label: 'mono 16-bit', output: ['-ac', '1'], channels: 1, format: { formatTag: 1, blockAlign: 2, bitsPerSample: 16 } },
  { label: 'mono 8-bit, cut to an odd data size', output: ['-ac', '1', '-c:a', 'pcm_u8', '-flush_packets', '1'], channels: 1, format: { formatTag: 1, blockAlign: 1, bitsPerSample: 8 }, oddCut: true },
  { label: 'stereo 24-bit (WAVE_FORMAT_EXTENSIBLE)', output: ['-ac', '2', '-c:a', 'pcm_s24le'], channels: 2, format: { formatTag: 0xfffe, subFormat: 1, blockAlign: 6, bitsPerSample: 24 } },
  { label: 'stereo 32-bit float (extensible, with a fact chunk)', output: ['-ac', '2', '-c:a', 'pcm_f32le'], channels: 2, format: { formatTag: 0xfffe, subFormat: 3, blockAlign: 8, bitsPerSample: 32 } },
];
for (const { label, output, channels, format, oddCut } of formats) {
  test(`a SIGKILLed ${label} recording is repaired`, async (t) => {
    const file = await killedRecording(t, output);
    // An odd data chunk has no pad byte after it here: RIFF readers, FFmpeg among them, accept that at the end.
    if (oddCut) truncateSync(file, wavSizes(file).dataStart + 1001);
    const { state } = await repairAndCheck(t, file, channels);
    if (oddCut) assert.equal(state.dataBytes, 1001);
    assert.deepEqual(state.format, { ...format, channels, sampleRate: 48000, byteRate: 48000 * format.blockAlign });
    if (output.includes('pcm_f32le')) {
      const bytes = readFileSync(file);
      const fact = bytes.indexOf('fact');
      assert.ok(fact > 0, 'FFmpeg wrote a fact chunk');
      assert.equal(bytes.readUInt32LE(fact + 8), state.dataBytes / 8, 'its sample count is repaired too');
    }
  });
}

test('a file cut mid-sample-frame counts whole frames only', async (t) => {
  for (const [output, blockAlign] of [[['-ac', '2'], 4], [['-ac', '2', '-c:a', 'pcm_s24le'], 6]] as const) {
    const file = await killedRecording(t, [...output], { name: `cut-${blockAlign}.wav` });
    const { dataStart } = wavSizes(file);
    truncateSync(file, dataStart + blockAlign * 1000 + blockAlign - 1);
    const { state, after } = await repairAndCheck(t, file, 2);
    assert.equal(state.dataBytes, blockAlign * 1000);
    assert.equal(after.data, blockAlign * 1000, 'the partial frame stays out of the data chunk');
    assert.equal(after.riff, after.length - 8, 'and inside the RIFF form, as trailing bytes');
  }
});

test('-rf64 always: the 64-bit sizes in ds64 are repaired', async (t) => {
  const file = await killedRecording(t, ['-ac', '2', '-rf64', 'always']);
  const raw = readFileSync(file);
  assert.equal(raw.toString('latin1', 0, 4), 'RF64');
  assert.equal(raw.toString('latin1', 12, 16), 'ds64');
  assert.equal(raw.readBigUInt64LE(20), 0n, 'FFmpeg left the ds64 sizes at 0');
  const { state } = await repairAndCheck(t, file, 2);
  const bytes = readFileSync(file);
  assert.equal(bytes.readUInt32LE(4), MAX32, 'RF64 keeps 0xFFFFFFFF in its 32-bit size');
  assert.equal(bytes.readBigUInt64LE(20), BigInt(bytes.length - 8), 'ds64 RIFF size');
  assert.equal(bytes.readBigUInt64LE(28), BigInt(state.dataBytes), 'ds64 data size');
  assert.equal(bytes.readBigUInt64LE(36), BigInt(state.dataBytes / 4), 'ds64 sample count');
  assert.equal(wavSizes(file).data, MAX32, 'the 32-bit data size stays 0xFFFFFFFF');
});

test('-rf64 auto under 4 GiB: the JUNK reservation stays, the RIFF sizes are repaired', async (t) => {
  const file = await killedRecording(t, ['-ac', '2', '-rf64', 'auto']);
  const { after } = await repairAndCheck(t, file, 2);
  assert.equal(readFileSync(file).toString('latin1', 12, 16), 'JUNK');
  assert.equal(after.riff, after.length - 8);
});

// Past 4 GiB, made quickly: a killed recording, extended as a sparse file (zeros read as silence).
const OVER_4_GIB = 2 ** 32 + 1001;

test('-rf64 auto past 4 GiB (sparse): the file is turned into RF64 in place, as FFmpeg\'s trailer would', async (t) => {
  const file = await killedRecording(t, ['-ac', '2', '-rf64', 'auto']);
  const { dataStart } = wavSizes(file);
  truncateSync(file, OVER_4_GIB);
  const state = unfinished(await inspectPath(file));
  assert.equal(state.oversized, undefined, 'RF64 can say its size');
  const dataBytes = OVER_4_GIB - dataStart - ((OVER_4_GIB - dataStart) % 4);
  assert.equal(state.dataBytes, dataBytes);
  const result = await withFile(file, async (counted) => {
    const result = await repairWav(counted.file);
    for (const w of counted.writes) assert.ok(w.offset + w.length <= dataStart);
    return result;
  });
  assert.equal(result.repaired, true);
  // The file is past 4 GiB: read only its header.
  const header = await withFile(file, ({ file: f }) => f.read(0, dataStart));
  const view = Buffer.from(header);
  assert.equal(view.toString('latin1', 0, 4), 'RF64');
  assert.equal(view.readUInt32LE(4), MAX32);
  assert.equal(view.toString('latin1', 12, 16), 'ds64');
  assert.equal(view.readUInt32LE(16), 28);
  assert.equal(view.readBigUInt64LE(20), BigInt(OVER_4_GIB - 8));
  assert.equal(view.readBigUInt64LE(28), BigInt(dataBytes));
  assert.equal(view.readBigUInt64LE(36), BigInt(dataBytes / 4));
  assert.equal(view.readUInt32LE(44), 0, 'no table entries');
  assert.equal(view.readUInt32LE(dataStart - 4), MAX32);
  assert.equal(final(await inspectPath(file)).dataBytes, dataBytes);
  // FFmpeg reads the RF64 header (its Duration) and the audio past 4 GiB (its last second, found by seeking).
  const seconds = dataBytes / 4 / 48000;
  const tail = await decode(t, file, 2, ['-ss', String(Math.floor(seconds) - 1)]);
  assert.ok(tail.durationS !== undefined && Math.abs(tail.durationS - seconds) <= 0.01, `Duration ${tail.durationS} vs ${seconds}`);
  const expectedTail = dataBytes / 4 - (Math.floor(seconds) - 1) * 48000;
  assert.ok(Math.abs(tail.frames - expectedTail) <= 1, `decoded ${tail.frames} frames after the seek, expected ${expectedTail}`);
});

test('-rf64 always past 4 GiB (sparse): ds64 takes sizes above 32 bits', async (t) => {
  const file = await killedRecording(t, ['-ac', '2', '-rf64', 'always']);
  const { dataStart } = wavSizes(file);
  truncateSync(file, OVER_4_GIB);
  const state = unfinished(await inspectPath(file));
  await withFile(file, ({ file: f }) => repairWav(f));
  const view = Buffer.from(await withFile(file, ({ file: f }) => f.read(0, dataStart)));
  assert.equal(view.readBigUInt64LE(20), BigInt(OVER_4_GIB - 8));
  assert.equal(view.readBigUInt64LE(28), BigInt(state.dataBytes));
  assert.equal(final(await inspectPath(file)).dataBytes, state.dataBytes);
});

test('plain RIFF past 4 GiB (sparse): flagged oversized; final with the 0xFFFFFFFF sizes FFmpeg itself leaves', async (t) => {
  const file = await killedRecording(t, ['-ac', '2']);
  const { dataStart } = wavSizes(file);
  truncateSync(file, OVER_4_GIB);
  const dataBytes = OVER_4_GIB - dataStart - ((OVER_4_GIB - dataStart) % 4);
  const state = final(await inspectPath(file));
  assert.equal(state.oversized, true);
  assert.equal(state.dataBytes, dataBytes, 'the true size, which the header cannot hold');
  await withFile(file, async ({ file: f, writes }) => {
    assert.equal((await repairWav(f)).repaired, false);
    assert.deepEqual(writes, []);
  });

  // Sizes some other writer wrapped around 32 bits: set back to "to the end of the file".
  await withFile(file, ({ file: f }) => f.write(4, Uint8Array.of(0xd2, 0x04, 0, 0)));
  const stale = unfinished(await inspectPath(file));
  assert.equal(stale.oversized, true);
  assert.deepEqual(stale.patches.map((p) => [p.offset, [...p.bytes]]), [[4, [0xff, 0xff, 0xff, 0xff]]]);
  assert.equal((await withFile(file, ({ file: f }) => repairWav(f))).repaired, true);
  assert.equal(final(await inspectPath(file)).oversized, true);
});

test('killed before any audio: a header-only file becomes an empty WAV; an empty or cut header is not-wav', async (t) => {
  // The npm FFmpeg writes its header at once and its first audio only with 256 KiB: kill it in between.
  const file = await killedRecording(t, ['-ac', '2'], { atLeast: 1 });
  const sizes = wavSizes(file);
  assert.equal(sizes.length, sizes.dataStart, 'only the header was written');
  const state = unfinished(await inspectPath(file));
  assert.equal(state.dataBytes, 0);
  assert.equal(state.durationMs, 0);
  assert.deepEqual(await withFile(file, ({ file: f }) => repairWav(f)), { repaired: true, dataBytes: 0, durationMs: 0 });
  assert.deepEqual(wavSizes(file), { ...sizes, riff: sizes.length - 8, data: 0 });
  assert.equal(final(await inspectPath(file)).dataBytes, 0);
  assert.equal((await decode(t, file, 2)).frames, 0, 'FFmpeg reads it as an empty recording');

  const cut = join(tempDir(t), 'cut.wav');
  for (const length of [0, 11, 12, 30, sizes.dataStart - 1]) {
    writeFileSync(cut, readFileSync(file).subarray(0, length));
    const verdict = await withFile(cut, async (counted) => {
      const verdict = notWav(await inspectWav(counted.file));
      await assert.rejects(repairWav(counted.file), (error: unknown) => error instanceof PidkeepError && error.code === 'UNSUPPORTED' && /nothing was written/.test(error.message));
      assert.deepEqual(counted.writes, []);
      return verdict;
    });
    assert.match(verdict.reason, length < 12 ? /no WAV header/ : /inside its/, `${length} bytes: ${verdict.reason}`);
  }
});

test('Debian FFmpeg killed before its first flush leaves 0 bytes: not-wav', { skip: debianFfmpeg ? false : 'no /usr/bin/ffmpeg' }, async (t) => {
  const file = await killedRecording(t, ['-ac', '2'], { bin: debianFfmpeg!, atLeast: 0 });
  if (size(file) !== 0) return t.skip('FFmpeg flushed before the kill');
  assert.match(notWav(await inspectPath(file)).reason, /0 bytes/);
});

// Synthetic files: what no FFmpeg writes, but a disk or an attacker might.
function riff(form: string, chunks: Array<[string, Uint8Array | number[], number?]>): Uint8Array {
  const parts: number[] = [...Buffer.from(form), 0xff, 0xff, 0xff, 0xff, ...Buffer.from('WAVE')];
  for (const [id, body, sizeField] of chunks) {
    const size = sizeField ?? body.length;
    parts.push(...Buffer.from(id, 'latin1'), size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, size >>> 24, ...body);
    if (sizeField === undefined && body.length % 2 === 1) parts.push(0);
  }
  return Uint8Array.from(parts);
}
function fmt(channels = 2, blockAlign = 4): number[] {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(1, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(48000, 4);
  b.writeUInt32LE(48000 * blockAlign, 8);
  b.writeUInt16LE(blockAlign, 12);
  b.writeUInt16LE((blockAlign / channels) * 8, 14);
  return [...b];
}

test('odd-sized chunks are padded to even when walking (RIFF rule); FFmpeg agrees', async (t) => {
  const bytes = riff('RIFF', [['odd ', [1, 2, 3]], ['fmt ', fmt()], ['data', new Uint8Array(4000).fill(7), MAX32]]);
  const file = join(tempDir(t), 'odd.wav');
  writeFileSync(file, bytes);
  const state = unfinished(await inspectPath(file));
  assert.equal(state.dataBytes, 4000);
  assert.equal(state.format.blockAlign, 4);
  await repairAndCheck(t, file, 2);
});

test('garbage never causes a large read nor any write', async () => {
  const cases: Array<[string, Uint8Array, number?, RegExp?]> = [
    ['random bytes', randomBytes(256 * 1024), undefined, /not "RIFF"/],
    ['zero-length', new Uint8Array(0), undefined, /0 bytes/],
    ['RIFF + huge chunk size', riff('RIFF', [['JUNK', [], 0xfffffff0]]), 2 ** 40, /reaches past/],
    ['RIFF + huge fmt size', riff('RIFF', [['fmt ', fmt(), 0xffffffff]]), undefined, /ends inside its "fmt " chunk/],
    ['a thousand empty chunks', riff('RIFF', Array.from({ length: 1000 }, () => ['abcd', []] as [string, number[]])), undefined, /more than 64 chunks/],
    ['chunks that never reach data', riff('RIFF', Array.from({ length: 40 }, () => ['pad ', new Uint8Array(4000)] as [string, Uint8Array])), undefined, /first 64 KiB/],
    ['binary chunk id', riff('RIFF', [['\x00\x01\x02\x03', [1, 2]]]), undefined, /no chunk id/],
    ['data before fmt', riff('RIFF', [['data', new Uint8Array(100)], ['fmt ', fmt()]]), undefined, /before any fmt/],
    ['fmt with no frame size', riff('RIFF', [['fmt ', fmt(2, 0)], ['data', new Uint8Array(100)]]), undefined, /0 bytes a frame/],
    ['short fmt', riff('RIFF', [['fmt ', [1, 0, 2, 0]], ['data', new Uint8Array(100)]]), undefined, /fewer than 16/],
    ['RF64 without ds64', riff('RF64', [['fmt ', fmt()], ['data', new Uint8Array(100)]]), undefined, /without a ds64/],
    ['RIFF, not WAVE', Uint8Array.from(Buffer.from('RIFF\xff\xff\xff\xffAVI LIST', 'latin1')), undefined, /not "WAVE"/],
    ['header only, size claims 1 TiB', riff('RIFF', [['fmt ', fmt()]]), 2 ** 40, /ends at byte|reaches past|first 64 KiB/],
  ];
  for (const [label, bytes, reportedSize, reason] of cases) {
    const counted = counting(memoryFile(bytes, reportedSize));
    const state = await inspectWav(counted.file);
    assert.equal(state.kind, 'not-wav', `${label}: ${JSON.stringify(state)}`);
    if (reason) assert.match((state as { reason: string }).reason, reason, label);
    await assert.rejects(repairWav(counted.file), PidkeepError, label);
    assert.ok(counted.readTotal() <= 2 * WAV_HEADER_LIMIT, `${label}: inspect + repair read ${counted.readTotal()} bytes`);
    for (const r of counted.reads) assert.ok(r.offset + r.length <= WAV_HEADER_LIMIT, `${label}: read ${JSON.stringify(r)} inside the first 64 KiB`);
    assert.deepEqual(counted.writes, [], label);
  }
});

test('inspect reads at most 64 KiB in all, even when the data chunk is far in', async () => {
  const far = riff('RIFF', [['fmt ', fmt()], ['pad ', new Uint8Array(60_000)], ['data', new Uint8Array(400), MAX32]]);
  const counted = counting(memoryFile(far, far.length));
  const state = unfinished(await inspectWav(counted.file));
  assert.equal(state.dataBytes, 400);
  assert.equal(counted.reads.length, 2, 'the first 4 KiB, then the rest of the first 64 KiB');
  assert.ok(counted.readTotal() <= WAV_HEADER_LIMIT, `read ${counted.readTotal()} bytes`);
  assert.ok(state.patches.every((p) => p.offset + p.bytes.length <= far.length - 400), 'patches inside the header');
  await repairWav(counted.file);
  assert.ok(counted.writes.every((w) => w.offset + w.length <= far.length - 400));
  assert.equal((await inspectWav(memoryFile(far))).kind, 'final');
});
