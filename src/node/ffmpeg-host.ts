// The recorder's host in Node: which FFmpeg to run, how to run it once, and files by path.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { RecorderHost } from '../ffmpeg/host.js';
import { nodeFile } from './wav-file.js';

export interface FfmpegHostOptions {
  /** The FFmpeg program. @default found by findFfmpeg() */
  ffmpeg?: string;
  /** The environment of FFmpeg's device listings (give the recorder's backend the same). @default process.env */
  env?: Record<string, string | undefined>;
}

/** Where an FFmpeg was found, and how. */
export interface FoundFfmpeg {
  path: string;
  from: 'option' | 'FFMPEG_PATH' | 'PATH' | 'npm';
}

const INSTALL_HINT =
  'install FFmpeg (Debian/Ubuntu: `apt-get install ffmpeg`; macOS: `brew install ffmpeg`; Windows: `winget install ffmpeg`), set FFMPEG_PATH to its path, or add an npm build (`npm install @ffmpeg-installer/ffmpeg`, which has no PulseAudio input)';

/**
 * Finds FFmpeg: `ffmpeg` given, else `$FFMPEG_PATH`, else `ffmpeg` on `PATH` (the system's build, with the OS's audio
 * inputs), else an npm build (`@ffmpeg-installer/ffmpeg` or `ffmpeg-static`); undefined when there is none.
 */
export function findFfmpeg(ffmpeg?: string, env: Record<string, string | undefined> = process.env): FoundFfmpeg | undefined {
  if (ffmpeg) return { path: ffmpeg, from: 'option' };
  if (env.FFMPEG_PATH) return { path: env.FFMPEG_PATH, from: 'FFMPEG_PATH' };
  const names = process.platform === 'win32' ? ['ffmpeg.exe'] : ['ffmpeg'];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return { path: candidate, from: 'PATH' };
    }
  }
  // Resolved from here, that is from the app's node_modules, where the app installed it.
  const require = createRequire(import.meta.url);
  for (const [pkg, pick] of [
    ['@ffmpeg-installer/ffmpeg', (m: unknown) => (m as { path?: unknown }).path],
    ['ffmpeg-static', (m: unknown) => m],
  ] as const) {
    try {
      const path = pick(require(pkg));
      if (typeof path === 'string' && isExecutable(path)) return { path, from: 'npm' };
    } catch {
      // not installed
    }
  }
  return undefined;
}

/** The recorder's host in Node. Without an FFmpeg, the recorder's start and listDevices fail with FFMPEG_NOT_FOUND. */
export function ffmpegHost(options: FfmpegHostOptions = {}): RecorderHost {
  const env = options.env ?? process.env;
  const found = findFfmpeg(options.ffmpeg, env);
  const ffmpeg = found?.path ?? 'ffmpeg';
  const platform = process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'win32' : 'linux';
  return {
    ffmpeg,
    platform,
    installHint: INSTALL_HINT,
    run: (args) =>
      new Promise((resolve, reject) => {
        // A listing ends with an error status (its "dummy" input does not open): the output is what counts.
        execFile(ffmpeg, [...args], { env, maxBuffer: 4 * 1024 * 1024, timeout: 15_000, windowsHide: true }, (error, stdout, stderr) => {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          if (typeof code === 'string') return reject(error); // ENOENT, EACCES: FFmpeg did not run
          resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
        });
      }),
    async size(path) {
      try {
        return (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async open(path) {
      const handle = await open(path, 'r+');
      return { ...nodeFile(handle), close: () => handle.close() };
    },
    remove: (path) => rm(path, { force: true }),
    mkdir: async (path) => void (await mkdir(path, { recursive: true })),
  };
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
