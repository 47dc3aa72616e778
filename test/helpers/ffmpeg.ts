import { chmodSync, readFileSync } from 'node:fs';
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
