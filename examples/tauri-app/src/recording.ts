// The page's recorder: pidkeep/ffmpeg's createRecorder on the app's manager, FFmpeg run by the shell plugin under the
// capability's `ffmpeg` and `ffmpeg-tone` entries, the recordings read back through plugin-fs.
import { exists, readDir, readFile, stat } from '@tauri-apps/plugin-fs';
import type { ProcessManager } from 'pidkeep';
import { createRecorder, type Recorder, type RecorderStatus } from 'pidkeep/ffmpeg';
import { tauriFfmpegHost } from 'pidkeep/tauri';

/** The process name: one recording at a time, whichever input it records. */
export const RECORDER = 'recorder';

/** What a machine without an audio input records: a 440 Hz tone, in real time (-re), as a microphone would. */
export const TONE = { args: ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'], label: 'a generated tone' };

export interface ExampleRecorder {
  /** status(), stop() and recovery act on the process by name, so this one serves whatever input is recording. */
  recorder: Recorder;
  /** Starts a recording from the default input, or the tone when there is none; says which and why. */
  start(): Promise<{ status: RecorderStatus; input: string; fallback: string | null }>;
}

/**
 * Scope arguments are positional and the shell plugin takes the first entry of a name, so the tone (`-re -f lavfi -i
 * sine=...`, one argument more than `-f pulse -i default`) runs under an entry of its own, `ffmpeg-tone`.
 */
export async function createExampleRecorder(pm: ProcessManager, dir: string, options: { tone: boolean }): Promise<ExampleRecorder> {
  const recorder = await createRecorder({ manager: pm, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg' }), dir, name: RECORDER });
  let tone: Promise<Recorder> | undefined;
  // Made when first needed: its start-up check of the last recording then finds nothing left to repair.
  const toneRecorder = () => (tone ??= createRecorder({ manager: pm, host: tauriFfmpegHost({ ffmpeg: 'ffmpeg-tone' }), dir, name: RECORDER, input: TONE }));

  async function start() {
    let fallback = options.tone ? 'asked for with ?input=tone' : null;
    if (!options.tone) {
      // Listed at the click, not at page load: a reload stays at one shell call (the ps probe).
      const devices = await recorder.listDevices();
      if (devices.length === 0) fallback = 'FFmpeg lists no audio input on this machine';
      else {
        try {
          return { status: await recorder.start(), input: 'the default input', fallback: null };
        } catch (error) {
          const failed = error as { code?: string; reason?: string; message: string };
          if (failed.code !== 'DEVICE_NOT_FOUND') throw error;
          // The reason's first clause (what FFmpeg did); the rest is the hint for a developer, in the console.
          console.warn(failed.message);
          fallback = `the default input did not record (${(failed.reason ?? failed.message).split('; ')[0]})`;
        }
      }
    }
    return { status: await (await toneRecorder()).start(), input: TONE.label, fallback };
  }
  return { recorder, start };
}

export interface Saved {
  name: string;
  path: string;
  bytes: number;
}

/** The finished recordings, newest first (the name holds the start time); `except` is the one still being written. */
export async function listRecordings(dir: string, except: string | null, limit = 20): Promise<Saved[]> {
  // The recorder makes the folder at its first start: before that there is nothing to list (and no error to log).
  if (!(await exists(dir))) return [];
  const names = (await readDir(dir))
    .filter((entry) => entry.isFile && /^recording-.*\.wav$/.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .reverse();
  const paths = names.map((name) => ({ name, path: `${dir}/${name}` })).filter((file) => file.path !== except);
  return Promise.all(paths.slice(0, limit).map(async (file) => ({ ...file, bytes: (await stat(file.path)).size })));
}

/**
 * A URL the page's <audio> can play. readFile moves the whole file over IPC into a Blob: fine for recordings of some
 * minutes (about 5.8 MB a minute here). convertFileSrc would stream it from disk instead, but it needs Tauri's
 * asset protocol (app.security.assetProtocol), which pidkeep's Tauri host does not play; an app with long
 * recordings should enable it and use convertFileSrc(path).
 */
export async function playable(path: string): Promise<string> {
  return URL.createObjectURL(new Blob([await readFile(path)], { type: 'audio/wav' }));
}

export const formatBytes = (bytes: number) => (bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
export function formatClock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
