// The recorder's host in a Tauri webview: FFmpeg runs by a shell scope name (or a sidecar), files are reached through
// @tauri-apps/plugin-fs. A WAV header repair opens the recording with `open(path, { read: true, write: true })` and
// moves a few KiB at most over IPC: `seek` + `read` of the header, `seek` + `write` of a few bytes, never the audio.
import { Command } from '@tauri-apps/plugin-shell';
import { exists, mkdir, open, remove, SeekMode, stat, type FileHandle } from '@tauri-apps/plugin-fs';
import type { RecorderHost } from '../ffmpeg/host.js';
import type { RandomAccessFile } from '../ffmpeg/wav.js';
import type { ShellPlugin } from './backend.js';

/** The plugin-fs functions the host calls; tests may replace any of them. */
export interface TauriFfmpegFs {
  exists: typeof exists;
  mkdir: typeof mkdir;
  open: typeof open;
  remove: typeof remove;
  stat: typeof stat;
}

export interface TauriFfmpegHostOptions {
  /**
   * The `name` of the shell scope entry (or the sidecar) FFmpeg runs by: the same name the recorder gives the
   * manager's tauriBackend as its `command`. Your capability needs it in `shell:allow-spawn` (the recording) and in
   * `shell:allow-execute` (the device listings); see `installHint`.
   */
  ffmpeg: string;
  /** Run the listings with `Command.sidecar` (pass the name in tauriBackend's `sidecars` too). @default false */
  sidecar?: boolean;
  /** Picks the default input and the device listing. @default from navigator.userAgent, as tauriBackend does */
  platform?: 'linux' | 'darwin' | 'win32';
  /** The shell plugin; a stand-in for tests. @default the real `@tauri-apps/plugin-shell` */
  shell?: Pick<ShellPlugin, 'Command'>;
  /** Replaces plugin-fs functions (same signatures as its exports). For tests. */
  fs?: Partial<TauriFfmpegFs>;
}

/** The most bytes one `read` asks the app for: a header read is 4 KiB, the largest the recorder makes 60 KiB. */
const READ_CHUNK = 64 * 1024;

/**
 * The recorder's host for a Tauri webview (`createRecorder({ manager, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg' }), ... })`,
 * with a manager on tauriBackend). FFmpeg's device listings run with `Command.create(name, args).execute()`; file
 * sizes come from plugin-fs `stat`, a repair goes through a FileHandle (`open`, `seek`, `read`, `write`, `fstat`,
 * closed with `plugin:resources|close`), a cancelled recording is deleted with `remove`.
 * @example
 * const recorder = await createRecorder({ manager: pm, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg' }), dir: await join(await appDataDir(), 'recordings') });
 */
export function tauriFfmpegHost(options: TauriFfmpegHostOptions): RecorderHost {
  const name = options?.ffmpeg;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`[pidkeep] Expected the \`ffmpeg\` option to be the name of a shell scope entry (or sidecar) that runs FFmpeg, got \`${String(name)}\``);
  }
  const shell = options.shell ?? ({ Command } as unknown as Pick<ShellPlugin, 'Command'>);
  const fs: TauriFfmpegFs = { exists, mkdir, open, remove, stat, ...options.fs };
  // Files seen to exist: their size is asked straight away. A file not yet written (the name a new recording may
  // take, FFmpeg's output before it opens it) is asked with \`exists\`, which answers false where \`stat\` would fail:
  // an expected answer, not an error the webview logs (a failed IPC call is a 400 response in its console).
  const seen = new Set<string>();
  // A capability without fs:allow-exists (written for an earlier pidkeep) keeps working: sizes are then asked
  // with \`stat\` alone, as before, and a missing file shows as a failed call.
  let existsRefused = false;
  const there = async (path: string): Promise<boolean | undefined> => {
    if (existsRefused) return undefined;
    try {
      return await fs.exists(path);
    } catch (error) {
      if (!refused(error)) throw error;
      existsRefused = true;
      return undefined;
    }
  };
  const platform = options.platform ?? detectPlatform();

  return {
    ffmpeg: name,
    platform,
    installHint: installHint(name, options.sidecar === true),
    async run(args) {
      const make = options.sidecar ? shell.Command.sidecar : shell.Command.create;
      const out = await make.call(shell.Command, name, [...args]).execute();
      return { code: out.code, stdout: out.stdout, stderr: out.stderr };
    },
    async size(path) {
      if (!seen.has(path)) {
        if ((await there(path)) === false) return undefined;
        seen.add(path);
      }
      try {
        return (await fs.stat(path)).size;
      } catch (error) {
        if (!notFound(error)) throw error;
        seen.delete(path); // removed since
        return undefined;
      }
    },
    async open(path) {
      return handleFile(await fs.open(path, { read: true, write: true }));
    },
    async mkdir(path) {
      // A folder that is there needs no fs:allow-mkdir. Without that permission (a capability written for an earlier
      // pidkeep) the folder must exist: FFmpeg's "No such file or directory" then fails the start (OUTPUT_FAILED).
      if (await there(path)) return;
      try {
        await fs.mkdir(path, { recursive: true });
      } catch (error) {
        if (!refused(error)) throw error;
      }
    },
    async remove(path) {
      seen.delete(path);
      try {
        await fs.remove(path);
      } catch (error) {
        if (!notFound(error)) throw error; // gone already: what a removal wants
      }
    },
  };
}

/**
 * A RandomAccessFile over a plugin-fs FileHandle. The handle has one offset in the app, so each read or write is its
 * seek and its transfer, queued: two calls never interleave their seeks.
 */
function handleFile(handle: FileHandle): RandomAccessFile & { close(): Promise<void> } {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    size: () => serial(async () => (await handle.stat()).size),
    read: (offset, length) =>
      serial(async () => {
        await handle.seek(offset, SeekMode.Start);
        const out = new Uint8Array(length);
        let filled = 0;
        // One `read` is one read(2) in the app, which may return fewer bytes: go on until it says the end (null).
        while (filled < length) {
          const chunk = new Uint8Array(Math.min(READ_CHUNK, length - filled));
          const count = await handle.read(chunk);
          if (!count) break;
          out.set(chunk.subarray(0, count), filled);
          filled += count;
        }
        return out.subarray(0, filled);
      }),
    write: (offset, data) =>
      serial(async () => {
        await handle.seek(offset, SeekMode.Start);
        let written = 0;
        while (written < data.length) {
          const count = await handle.write(data.subarray(written, written + READ_CHUNK));
          if (!count) throw new Error(`[pidkeep] the fs plugin wrote nothing at offset ${offset + written}`);
          written += count;
        }
      }),
    close: () => serial(() => handle.close()),
  };
}

/** The plugin's text for a missing file ends with the OS error: ENOENT (2) on Unix; 2 or 3 (no such path) on Windows. */
const notFound = (error: unknown) => /\(os error [23]\)$|No such file or directory/.test(error instanceof Error ? error.message : String(error));

function installHint(name: string, sidecar: boolean): string {
  const program = sidecar
    ? `bundle FFmpeg as the sidecar "${name}" (tauri.conf.json bundle > externalBin) and allow it ({ "name": "${name}", "sidecar": true, "args": [...] })`
    : `allow FFmpeg under the scope name "${name}" ({ "name": "${name}", "cmd": "/usr/bin/ffmpeg" or the FFmpeg the app ships, "args": [...] })`;
  return (
    `in the Tauri app, ${program} in shell:allow-spawn (the recorder's arguments) and in shell:allow-execute (the device listings), ` +
    'add shell:allow-stdin-write (its stop writes `q`) and shell:allow-kill, and fs:allow-stat, fs:allow-open, fs:allow-read, fs:allow-write, ' +
    'fs:allow-seek, fs:allow-fstat, fs:allow-exists, fs:allow-remove and fs:allow-mkdir (the recorder makes its folder) with an fs:scope on the recordings folder (core:default gives `plugin:resources|close`)'
  );
}

function detectPlatform(): 'linux' | 'darwin' | 'win32' {
  const agent = typeof navigator === 'object' ? navigator.userAgent : '';
  if (/Windows/i.test(agent)) return 'win32';
  if (/Macintosh|Mac OS X/i.test(agent)) return 'darwin';
  return 'linux';
}
/** Tauri's refusal of a command or a path (its ACL or an fs scope), as opposed to an error of the file system. */
const refused = (error: unknown) => /not allowed|forbidden path/i.test(error instanceof Error ? error.message : String(error));
