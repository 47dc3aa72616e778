// Repairs, in place, the header of a WAV file whose writer (FFmpeg) was killed before its trailer. No Node imports:
// a webview bundles this too, and reaches the file through the Tauri fs plugin, one IPC call per read or write.
//
// What FFmpeg's wav muxer (libavformat/wavenc.c, FFmpeg 5.1) writes before its trailer, and so what a killed
// recording holds:
// - `RIFF` and a size of 0xFFFFFFFF (wav_write_header, wavenc.c:314-315), or `RF64` and 0xFFFFFFFF with
//   `-rf64 always` (:310-312); then `WAVE` (:318).
// - With `-rf64 always` a `ds64` chunk, with `-rf64 auto` a `JUNK` chunk, both of 28 zero bytes, reserving room
//   for the 64-bit sizes (:320-326).
// - `fmt ` (:330-336); a `fact` chunk with 0 samples for every codec tag other than 1, e.g. pcm_f32le (:340-344);
//   a `LIST`/`INFO` chunk when there are tags, which the ffmpeg tool always gives (ISFT, the encoder) (:361,
//   riffenc.c ff_riff_write_info); then `data` and a size of 0xFFFFFFFF (:364, riffenc.c ff_start_tag:32-36).
// - Only wav_write_trailer (:410-480) writes the real sizes: the data size (ff_end_tag), the RIFF size, the fact
//   count; or, for RF64 (always, or auto once the file passes 4 GiB), `RF64`, the ds64 sizes over the JUNK chunk
//   and 0xFFFFFFFF as the data size (:458-476). A RIFF file past 4 GiB keeps both placeholders (:420-422, :437-441).
import { PidkeepError } from '../errors.js';

/** Random access to one file; Node and Tauri (plugin-fs FileHandle: seek/read/write) each provide one. */
export interface RandomAccessFile {
  size(): Promise<number>;
  /** May return fewer bytes at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
}

/** The `fmt ` chunk. */
export interface WavFormat {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes per sample frame (all channels): the data size is a multiple of it. */
  blockAlign: number;
  byteRate: number;
  /** As written: 1 PCM, 3 IEEE float, 0xFFFE WAVE_FORMAT_EXTENSIBLE (then see `subFormat`). */
  formatTag: number;
  /** The format inside WAVE_FORMAT_EXTENSIBLE (1 PCM, 3 float); absent for other tags. */
  subFormat?: number;
}

/** One write that repairs a header: always inside the header, before the first audio byte. */
export interface WavPatch {
  offset: number;
  bytes: Uint8Array;
}

/**
 * What inspectWav found. `final`: nothing to write. `unfinished`: the writer was stopped before its trailer;
 * `patches` make it final. `oversized`: a RIFF (not RF64) file past 4 GiB, whose 32-bit sizes cannot say how large
 * it is: they are set to 0xFFFFFFFF, as FFmpeg itself leaves them (its demuxer then reads to the end of the file),
 * and `dataBytes` is the true size. `not-wav`: no header to repair; nothing is ever written to it.
 */
export type WavState =
  | { kind: 'final'; dataBytes: number; durationMs: number; format: WavFormat; oversized?: true }
  | { kind: 'unfinished'; dataBytes: number; durationMs: number; format: WavFormat; patches: WavPatch[]; oversized?: true }
  | { kind: 'not-wav'; reason: string };

/** A header must end within this many bytes; inspectWav never reads past them, nor more than them in all. */
export const WAV_HEADER_LIMIT = 64 * 1024;
/** Enough for any header FFmpeg writes (about 120 bytes): usually the only read. */
const FIRST_READ = 4096;
/** Chunks walked before `data`; FFmpeg writes at most five. */
const MAX_CHUNKS = 64;
const MAX32 = 0xffff_ffff;

interface Header {
  form: 'RIFF' | 'RF64';
  format: WavFormat;
  riffSize: number;
  /** Offset of the first audio byte; the data chunk's 32-bit size is the 4 bytes before it. */
  dataStart: number;
  dataSize: number;
  /** The ds64 body: the 64-bit RIFF size, data size and sample count. */
  ds64?: { at: number; riffSize: number; dataSize: number; samples: number };
  /** A JUNK chunk of at least 28 bytes first in a RIFF file (`-rf64 auto`): room to turn it into RF64. */
  reserve?: { at: number; size: number };
  fact?: { at: number; samples: number };
}

/** Reads only the header (first few KiB) and the size; says whether the sizes match the file and, if not, which bytes to write. */
export async function inspectWav(file: RandomAccessFile): Promise<WavState> {
  const size = await file.size();
  if (!Number.isSafeInteger(size) || size < 0) return { kind: 'not-wav', reason: `the file reports a size of ${size}` };
  if (size < 12) return { kind: 'not-wav', reason: `the file has ${size} bytes, no WAV header: its writer was stopped before it wrote one, so it holds no audio` };
  const limit = Math.min(size, WAV_HEADER_LIMIT);
  const first = Math.min(limit, FIRST_READ);
  let bytes = await readAt(file, 0, first);
  let parsed = parseHeader(bytes, bytes.length < first || bytes.length === limit);
  if (parsed === 'more') {
    // The one other read: the rest of the first 64 KiB, so both reads together never pass the limit.
    const rest = await readAt(file, bytes.length, limit - bytes.length);
    const all = new Uint8Array(bytes.length + rest.length);
    all.set(bytes);
    all.set(rest, bytes.length);
    bytes = all;
    parsed = parseHeader(bytes, true);
  }
  if (parsed === 'more') throw new Error('unreachable: a complete header parse asked for more');
  if (typeof parsed === 'string') return { kind: 'not-wav', reason: parsed };
  return judgeWav(parsed, size);
}

/**
 * Applies inspectWav's patches; idempotent (a repaired file is final, and final files are never written).
 * Only for a file no process writes any more: a live FFmpeg would overwrite the sizes at its end anyway.
 * Throws a PidkeepError (`UNSUPPORTED`) for a file that is no WAV (see inspectWav's `not-wav`).
 */
export async function repairWav(file: RandomAccessFile): Promise<{ repaired: boolean; dataBytes: number; durationMs: number }> {
  const state = await inspectWav(file);
  if (state.kind === 'not-wav') throw new PidkeepError('UNSUPPORTED', `cannot repair this WAV file: ${state.reason}; nothing was written to it`);
  if (state.kind === 'unfinished') {
    for (const patch of state.patches) {
      if (patch.offset < 0 || patch.offset + patch.bytes.length > WAV_HEADER_LIMIT) throw new Error(`unreachable: a WAV patch at ${patch.offset} outside the header`);
      await file.write(patch.offset, patch.bytes);
    }
  }
  return { repaired: state.kind === 'unfinished', dataBytes: state.dataBytes, durationMs: state.durationMs };
}

async function readAt(file: RandomAccessFile, offset: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array(0);
  const bytes = await file.read(offset, length);
  return bytes.length > length ? bytes.subarray(0, length) : bytes;
}

/**
 * Walks the chunks of a header's first bytes up to `data`. 'more' when `bytes` ends before it and more may follow
 * (`complete` false); a string says why this is no WAV file pidkeep can repair.
 */
function parseHeader(b: Uint8Array, complete: boolean): Header | string | 'more' {
  const has = (end: number) => end <= b.length;
  if (!has(12)) return complete ? `the file ends at byte ${b.length}, inside its RIFF header` : 'more';
  const form = fourcc(b, 0);
  if (form !== 'RIFF' && form !== 'RF64') return `it starts with ${JSON.stringify(form)}, not "RIFF" or "RF64"`;
  if (fourcc(b, 8) !== 'WAVE') return `it is a RIFF ${JSON.stringify(fourcc(b, 8))} file, not "WAVE"`;
  const header: Partial<Header> = { form, riffSize: u32(b, 4) };
  let at = 12;
  let previous = '';
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (!has(at + 8)) {
      if (!complete) return 'more';
      if (at > b.length && previous) return `${previous} reaches past ${b.length >= WAV_HEADER_LIMIT ? 'the first 64 KiB, where a WAV header must end' : 'the end of the file'}`;
      return b.length >= WAV_HEADER_LIMIT
        ? 'no data chunk in the first 64 KiB'
        : `the file ends at byte ${b.length}, inside its header, before the data chunk: its writer was stopped before it wrote its header, so it holds no audio`;
    }
    const id = fourcc(b, at);
    if (!/^[\x20-\x7e]{4}$/.test(id)) return `byte ${at} holds no chunk id (${JSON.stringify(id)})`;
    const size = u32(b, at + 4);
    const body = at + 8;
    if (id === 'data') {
      if (!header.format) return 'the data chunk comes before any fmt chunk';
      if (form === 'RF64' && !header.ds64) return 'it is an RF64 file without a ds64 chunk before its data';
      return { ...header, dataStart: body, dataSize: size } as Header;
    }
    const known = id === 'fmt ' ? 16 : id === 'ds64' ? 28 : id === 'fact' ? 4 : 0;
    if (known && size >= known && !has(body + Math.min(size, 40))) return complete ? `the file ends inside its "${id}" chunk` : 'more';
    if (id === 'fmt ') {
      if (size < 16) return `its fmt chunk has ${size} bytes, fewer than 16`;
      const format = formatAt(b, body, size);
      if (!format.channels || !format.sampleRate || !format.blockAlign) return `its fmt chunk says ${format.channels} channels, ${format.sampleRate} Hz, ${format.blockAlign} bytes a frame`;
      header.format = format;
    } else if (id === 'ds64' && size >= 28 && form === 'RF64') {
      header.ds64 = { at: body, riffSize: u64(b, body), dataSize: u64(b, body + 8), samples: u64(b, body + 16) };
    } else if (id === 'fact' && size >= 4) {
      header.fact = { at: body, samples: u32(b, body) };
    }
    // A RIFF file with a ds64 chunk first is one whose turning into RF64 was interrupted: finish it the same way.
    if (at === 12 && form === 'RIFF' && (id === 'JUNK' || id === 'ds64') && size >= 28) header.reserve = { at, size };
    previous = `chunk ${JSON.stringify(id)} at byte ${at} (${size} bytes)`;
    at = body + size + (size & 1); // RIFF pads odd chunks to an even size
  }
  return `more than ${MAX_CHUNKS} chunks before the data chunk`;
}

function formatAt(b: Uint8Array, at: number, size: number): WavFormat {
  const format: WavFormat = {
    formatTag: u16(b, at),
    channels: u16(b, at + 2),
    sampleRate: u32(b, at + 4),
    byteRate: u32(b, at + 8),
    blockAlign: u16(b, at + 12),
    bitsPerSample: u16(b, at + 14),
  };
  if (format.formatTag === 0xfffe && size >= 40) format.subFormat = u16(b, at + 24);
  return format;
}

/** The verdict on a parsed header: pure, no I/O. */
function judgeWav(h: Header, fileSize: number): WavState {
  const { format } = h;
  const available = fileSize - h.dataStart;
  // A trailing partial sample frame (a kill mid-write) is not audio: it stays in the file, outside the data chunk.
  const whole = wholeFrames(available, format);
  const linear = isLinear(format);
  const frames = whole / format.blockAlign;
  const patches: WavPatch[] = [];
  const result = (dataBytes: number, extra: { oversized?: true } = {}): WavState =>
    patches.length === 0
      ? { kind: 'final', dataBytes, durationMs: durationMs(dataBytes, format), format, ...extra }
      : { kind: 'unfinished', dataBytes, durationMs: durationMs(dataBytes, format), format, patches, ...extra };

  if (h.form === 'RF64') {
    const ds64 = h.ds64!;
    if (ds64.riffSize === fileSize - 8 && ds64.dataSize <= available) return result(wholeFrames(ds64.dataSize, format));
    // The 64-bit RIFF size goes last: until it is written, the file still reads as unfinished.
    if (ds64.dataSize !== whole) patches.push({ offset: ds64.at + 8, bytes: le64(whole) });
    if (linear && ds64.samples !== frames) patches.push({ offset: ds64.at + 16, bytes: le64(frames) });
    rf64Placeholders(h, linear, patches);
    patches.push({ offset: ds64.at, bytes: le64(fileSize - 8) });
    return result(whole);
  }

  if (fileSize - 8 <= MAX32) {
    if (h.riffSize === fileSize - 8 && h.dataSize !== MAX32 && h.dataSize <= available) return result(wholeFrames(h.dataSize, format));
    if (linear && h.fact && h.fact.samples !== frames) patches.push({ offset: h.fact.at, bytes: le32(frames) });
    if (h.dataSize !== whole) patches.push({ offset: h.dataStart - 4, bytes: le32(whole) });
    patches.push({ offset: 4, bytes: le32(fileSize - 8) });
    return result(whole);
  }

  // Past 4 GiB. With room reserved (`-rf64 auto`), do what FFmpeg's trailer does: turn the file into RF64.
  if (h.reserve) {
    const ds64 = new Uint8Array(8 + 28);
    ds64.set(ascii('ds64'));
    ds64.set(le32(h.reserve.size), 4);
    ds64.set(le64(fileSize - 8), 8);
    ds64.set(le64(whole), 16);
    ds64.set(le64(linear ? frames : 0), 24); // then a table of 0 entries (32-35: zeros)
    patches.push({ offset: h.reserve.at, bytes: ds64 });
    rf64Placeholders(h, linear, patches);
    patches.push({ offset: 0, bytes: concat(ascii('RF64'), le32(MAX32)) });
    return result(whole);
  }
  // Plain RIFF cannot say its size: refusing would leave the recording without a verdict forever, and no writer
  // can do better than 0xFFFFFFFF ("to the end of the file"), which is exactly what FFmpeg leaves in such a file
  // and what its demuxer reads to the end. So such a file is final once both sizes hold 0xFFFFFFFF, and is
  // flagged `oversized` for the caller to say so (record with `-rf64 auto` to avoid it).
  const dataTarget = whole <= MAX32 ? whole : MAX32;
  if (h.dataSize !== dataTarget) patches.push({ offset: h.dataStart - 4, bytes: le32(dataTarget) });
  if (h.riffSize !== MAX32) patches.push({ offset: 4, bytes: le32(MAX32) });
  return result(whole, { oversized: true });
}

/** An RF64 file keeps 0xFFFFFFFF in its 32-bit data size and fact count; the real ones are in ds64. */
function rf64Placeholders(h: Header, linear: boolean, patches: WavPatch[]): void {
  if (linear && h.fact && h.fact.samples !== MAX32) patches.push({ offset: h.fact.at, bytes: le32(MAX32) });
  if (h.dataSize !== MAX32) patches.push({ offset: h.dataStart - 4, bytes: le32(MAX32) });
}

/** PCM, float, A-law, mu-law: one sample frame is one block, so the frame count follows from the size. */
function isLinear(format: WavFormat): boolean {
  const tag = format.formatTag === 0xfffe ? format.subFormat : format.formatTag;
  return tag === 1 || tag === 3 || tag === 6 || tag === 7;
}

function wholeFrames(bytes: number, format: WavFormat): number {
  return bytes - (bytes % format.blockAlign);
}

function durationMs(dataBytes: number, format: WavFormat): number {
  if (isLinear(format)) return ((dataBytes / format.blockAlign) * 1000) / format.sampleRate;
  return format.byteRate ? (dataBytes * 1000) / format.byteRate : 0;
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x100_0000;
}

/** Exact up to 2^53; a larger (garbage) size only ever compares unequal, which is all that is asked of it. */
function u64(b: Uint8Array, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 0x1_0000_0000;
}

function le32(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

function le64(n: number): Uint8Array {
  return concat(le32(n % 0x1_0000_0000), le32(Math.floor(n / 0x1_0000_0000)));
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
