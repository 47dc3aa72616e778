import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Real FFmpeg, shipped by npm (@ffmpeg-installer); made executable, as npm may skip the package's chmod script. */
export function ffmpegPath(): string {
  const path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  chmodSync(path, 0o755);
  return path;
}

/** RIFF size and data size from a WAV header: 0xFFFFFFFF placeholders until FFmpeg writes its trailer. */
export function wavSizes(file: string) {
  const bytes = readFileSync(file);
  const dataAt = bytes.indexOf('data', 12);
  return { length: bytes.length, riff: bytes.readUInt32LE(4), data: bytes.readUInt32LE(dataAt + 4), dataStart: dataAt + 8 };
}

/** Debian's FFmpeg (scripts/check-system.mjs installs it): the one with PulseAudio, and the example's `cmd`. */
export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

/** The header's sizes match the file, and FFmpeg decodes it to the end without a word. */
export function assertWavFinal(path: string): void {
  const wav = wavSizes(path);
  assert.equal(wav.riff, wav.length - 8, 'RIFF size matches the file');
  assert.equal(wav.data, wav.length - wav.dataStart, 'data size matches the file');
  const decoded = spawnSync(SYSTEM_FFMPEG, ['-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(decoded.status, 0, decoded.stderr);
  assert.equal(decoded.stderr, '', 'FFmpeg decodes it without a complaint');
}

/** Live FFmpeg processes whose command line names `path`, from /proc (not through pidkeep, which is what is tested). */
export function ffmpegsWriting(path: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (argv[0]?.endsWith('ffmpeg') && argv.includes(path) && state !== 'Z') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
