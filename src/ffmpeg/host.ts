// What the recorder needs from its surroundings, so one recorder runs in Node and in a Tauri webview: how to run
// FFmpeg once (device listings), and random access to files (sizes, header repair, removal).
import type { RandomAccessFile } from './wav.js';

export interface RecorderHost {
  /** The FFmpeg the manager's backend runs: a path in Node; in Tauri the shell scope's `name`. */
  readonly ffmpeg: string;
  readonly platform: 'linux' | 'darwin' | 'win32';
  /** What to tell a user whose FFmpeg cannot be run: what to install, or what to grant. */
  readonly installHint: string;
  /** Runs FFmpeg once with `args` and collects its output. */
  run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** A file's size in bytes; undefined when there is no such file. */
  size(path: string): Promise<number | undefined>;
  /** Opens a file for reading and writing in place (a WAV header repair). */
  open(path: string): Promise<RandomAccessFile & { close(): Promise<void> }>;
  remove(path: string): Promise<void>;
  /** Makes a folder and its parents; nothing when it exists. Optional: without it the folder must exist. */
  mkdir?(path: string): Promise<void>;
}
