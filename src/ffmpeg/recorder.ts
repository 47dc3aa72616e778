// createRecorder: the article's recorder done right. FFmpeg runs as a pidkeep process, so a reload or an app restart
// finds it again (one FFmpeg, never two); a stop asks FFmpeg to finish its file (`q`) before any signal; a recording
// cut by a hard end gets its WAV header repaired in place at the next start-up.
import { describeError, PidkeepError } from '../errors.js';
import type { ProcessHandle, ProcessManager, StopPlan, StopResult } from '../types.js';
import { deviceListing, type AudioDevice } from './devices.js';
import { recordingFailure } from './failure.js';
import type { RecorderHost } from './host.js';
import { inspectWav, repairWav } from './wav.js';

/** Containers the recorder writes. WAV is repaired after a hard end; the others need no repair to play. */
export type Container = 'wav' | 'flac' | 'ogg' | 'mka' | 'mp3';

const CODECS: Record<Container, { extension: string; args: string[] }> = {
  // pcm_s16le in WAV: what every player reads; its header is the only thing a hard end leaves wrong.
  // -rf64 auto: past 4 GiB the trailer turns the file into RF64 (and a repair does the same, see wav.ts).
  wav: { extension: 'wav', args: ['-c:a', 'pcm_s16le', '-rf64', 'auto', '-f', 'wav'] },
  // FLAC's STREAMINFO lacks the length after a hard end; decoders read on to the last whole frame.
  flac: { extension: 'flac', args: ['-c:a', 'flac', '-f', 'flac'] },
  // Ogg and Matroska are written as a stream of pages/clusters: a cut file plays to the cut.
  ogg: { extension: 'ogg', args: ['-c:a', 'libopus', '-f', 'ogg'] },
  mka: { extension: 'mka', args: ['-c:a', 'pcm_s16le', '-f', 'matroska'] },
  mp3: { extension: 'mp3', args: ['-c:a', 'libmp3lame', '-f', 'mp3'] },
};

/** `q` lets FFmpeg write its trailer; SIGINT does the same where the backend can signal; SIGKILL is last. */
export const RECORDER_STOP_PLAN: StopPlan = [
  { write: 'q', wait: 5000 },
  { signal: 'SIGINT', wait: 3000 },
  { signal: 'SIGKILL', wait: 2000 },
];

/** What to record: the OS's default input, a device from `listDevices()`, or any FFmpeg input arguments. */
export type RecorderInput = 'default' | AudioDevice | { args: readonly string[]; label: string };

export interface RecorderOptions {
  manager: ProcessManager<unknown>;
  /** How to run FFmpeg and reach files: `ffmpegHost()` from pidkeep/node, `tauriFfmpegHost()` from pidkeep/tauri. */
  host: RecorderHost;
  /** Where recordings go (absolute). */
  dir: string;
  /** The process name in the manager. @default 'recorder' */
  name?: string;
  /** @default 'default' */
  input?: RecorderInput;
  /** @default 'wav' */
  container?: Container;
  /** A file name for a recording started at `date`, without extension. @default `recording-YYYYMMDD-HHMMSS` (local time) */
  fileName?: (date: Date) => string;
  /** @default RECORDER_STOP_PLAN */
  stop?: StopPlan;
  /** How long FFmpeg may take to open the input and write its first audio, in ms. @default 10000 */
  startTimeout?: number;
}

export interface RecorderStatus {
  recording: boolean;
  /** The file being written, or null. */
  path: string | null;
  /** When the recording began (from its record: survives reloads and adoptions), ms since the epoch. */
  startedAt: number | null;
  elapsedMs: number;
  /** The file's size now. */
  bytes: number;
  /** True when this controller found the recording running rather than starting it. */
  adopted: boolean;
}

export interface Recording {
  path: string;
  /** From the file's audio data for WAV; the wall time otherwise. */
  durationMs: number;
  bytes: number;
  /** The WAV header had to be written by the recorder (FFmpeg was killed before its trailer). */
  repaired: boolean;
  stop: StopResult | null;
}

/** What the recorder found at start-up. */
export interface RecorderRecovery {
  kind: 'none' | 'recording' | 'repaired' | 'complete' | 'missing' | 'unreadable';
  path: string | null;
  /** For people: one line for the page. */
  detail: string;
}

export interface Recorder {
  readonly recovery: RecorderRecovery;
  /** Starts a recording; resolves once FFmpeg writes audio. A recording already running is `ALREADY_RUNNING`. */
  start(): Promise<RecorderStatus>;
  status(): Promise<RecorderStatus>;
  /** Ends the recording with `q` first; resolves once the file is final (its header sizes match the file). */
  stop(): Promise<Recording>;
  /** Stops and deletes the file. */
  cancel(): Promise<void>;
  listDevices(): Promise<AudioDevice[]>;
}

/** What a recording's record keeps: enough to find and repair its file from any later controller. */
interface RecordingMeta {
  recorder: 1;
  path: string;
  container: Container;
  input: string;
}

const isRecordingMeta = (value: unknown): value is RecordingMeta =>
  typeof value === 'object' && value !== null && (value as RecordingMeta).recorder === 1 && typeof (value as RecordingMeta).path === 'string' && (value as RecordingMeta).path.length > 0;

/**
 * Creates the recorder and repairs what an earlier run left: a WAV whose FFmpeg was killed before it wrote its sizes
 * is patched in place (a few bytes of its header, never a copy), and `recovery` says so.
 */
export async function createRecorder(options: RecorderOptions): Promise<Recorder> {
  const { manager, host, dir } = options;
  const name = options.name ?? 'recorder';
  const container = options.container ?? 'wav';
  if (!(container in CODECS)) throw new TypeError(`[pidkeep] Expected \`container\` to be one of ${Object.keys(CODECS).join(', ')}, got ${JSON.stringify(container)}`);
  if (typeof dir !== 'string' || !/^(\/|[A-Za-z]:[\\/])/.test(dir)) throw new TypeError(`[pidkeep] Expected \`dir\` to be an absolute folder, got ${JSON.stringify(dir)}`);
  const plan = options.stop ?? RECORDER_STOP_PLAN;
  const startTimeout = options.startTimeout ?? 10_000;
  const fileName = options.fileName ?? defaultFileName;
  const folder = dir.replace(/[\\/]+$/, '');

  const running = (): ProcessHandle<unknown> | undefined => {
    const handle = manager.get(name);
    return handle?.status === 'running' ? handle : undefined;
  };
  const pathOf = (handle: ProcessHandle<unknown> | undefined) => (isRecordingMeta(handle?.meta) ? handle.meta.path : null);
  const sizeOf = async (path: string | null) => (path === null ? 0 : ((await host.size(path).catch(() => undefined)) ?? 0));

  /** Makes a WAV's header final if FFmpeg could not; other containers are left as they are. */
  const finish = async (path: string, kind: Container): Promise<{ repaired: boolean; durationMs: number | null }> => {
    if (kind !== 'wav') return { repaired: false, durationMs: null };
    const file = await host.open(path);
    try {
      const state = await inspectWav(file);
      if (state.kind === 'not-wav') return { repaired: false, durationMs: null };
      if (state.kind === 'final') return { repaired: false, durationMs: state.durationMs };
      const done = await repairWav(file);
      return { repaired: done.repaired, durationMs: done.durationMs };
    } finally {
      await file.close();
    }
  };

  const recovery = await recover();

  async function recover(): Promise<RecorderRecovery> {
    const live = running();
    if (live) {
      const path = pathOf(live);
      const how = live.foundAfter === 'reload' ? 'found again after a reload of the page' : live.foundAfter === 'restart' ? 'found again after the app restarted' : 'started here';
      return { kind: 'recording', path, detail: `a recording is running (pid ${live.pid}${path ? `, ${path}` : ''}); ${how}` };
    }
    const last = await manager.lastExit(name);
    if (!last || !isRecordingMeta(last.meta)) return { kind: 'none', path: null, detail: 'no earlier recording to check' };
    const { path, container: kind } = last.meta;
    if ((await host.size(path).catch(() => undefined)) === undefined) return { kind: 'missing', path, detail: `the last recording (${path}) is gone` };
    try {
      const { repaired, durationMs } = await finish(path, kind);
      const length = durationMs === null ? '' : ` (${formatDuration(durationMs)})`;
      return repaired
        ? { kind: 'repaired', path, detail: `the last recording was cut (${last.how}); its header was repaired: ${path}${length}` }
        : { kind: 'complete', path, detail: `the last recording is complete: ${path}${length}` };
    } catch (error) {
      return { kind: 'unreadable', path, detail: `the last recording (${path}) could not be checked: ${describeError(error)}` };
    }
  }

  async function status(): Promise<RecorderStatus> {
    const live = running();
    if (!live) return { recording: false, path: null, startedAt: null, elapsedMs: 0, bytes: 0, adopted: false };
    const path = pathOf(live);
    return { recording: true, path, startedAt: live.startedAt, elapsedMs: Math.max(0, Date.now() - live.startedAt), bytes: await sizeOf(path), adopted: live.adopted };
  }

  async function inputArgs(): Promise<{ args: string[]; label: string }> {
    const input = options.input ?? 'default';
    if (typeof input === 'object' && 'args' in input) return { args: [...input.args], label: input.label };
    if (typeof input === 'object') return { args: ['-f', input.format, '-i', input.input], label: input.label };
    if (host.platform === 'linux') return { args: ['-f', 'pulse', '-i', 'default'], label: 'the default PulseAudio input' };
    // macOS and Windows name their devices: the listing's default, else its first.
    const devices = await listDevices();
    const device = devices.find((d) => d.isDefault) ?? devices[0];
    if (!device) throw new PidkeepError('DEVICE_NOT_FOUND', `FFmpeg lists no audio input on this machine; ${grantHint(host.platform)}`, { record: name });
    return { args: ['-f', device.format, '-i', device.input], label: device.label };
  }

  async function listDevices(): Promise<AudioDevice[]> {
    const listings = host.platform === 'linux' ? [deviceListing('linux-pulse'), deviceListing('linux-alsa')] : [deviceListing(host.platform)];
    for (const listing of listings) {
      const out = await host.run(listing.args).catch((error: unknown) => {
        throw ffmpegMissing(error, name, host);
      });
      const devices = listing.parse(listing.stream === 'stdout' ? out.stdout : out.stderr);
      if (devices.length > 0) return devices;
    }
    return [];
  }

  async function start(): Promise<RecorderStatus> {
    const live = running();
    if (live) throw new PidkeepError('ALREADY_RUNNING', `a recording is already running${pathOf(live) ? ` (${pathOf(live)})` : ''}; stop it first`, { record: name, pid: live.pid });
    const input = await inputArgs();
    const { extension, args: codec } = CODECS[container];
    // The folder is made here (a first recording in a fresh app data dir): FFmpeg would only say it cannot open the file.
    if (host.mkdir) {
      try {
        await host.mkdir(folder);
      } catch (error) {
        throw new PidkeepError('OUTPUT_FAILED', `could not create the recordings folder ${folder} (${describeError(error)}); in Tauri, grant fs:allow-mkdir with an fs:scope entry for it; nothing was started`, { record: name, cause: error });
      }
    }
    const base = `${folder}/${fileName(new Date())}`;
    let path = `${base}.${extension}`;
    // Never over another recording: FFmpeg's -n would fail, and a name that is taken gets a number.
    for (let n = 2; (await host.size(path).catch(() => undefined)) !== undefined; n++) path = `${base}-${n}.${extension}`;
    const meta: RecordingMeta = { recorder: 1, path, container, input: input.label };
    // -flush_packets 1: audio reaches the file as it comes (FFmpeg otherwise buffers 256 KiB, ~1.4 s of stereo
    // 48 kHz, which a hard end would lose and which would hide from `status().bytes` that anything is recorded).
    const args = ['-hide_banner', '-nostats', '-n', ...input.args, ...codec, '-flush_packets', '1', path];
    let header = 0;
    try {
      await manager.start(name, {
        command: host.ffmpeg,
        args,
        stdin: 'fifo',
        stop: plan,
        meta,
        // Recording means audio reaches the file: FFmpeg has opened the input and written past its header.
        ready: { until: async () => (header ||= await sizeOf(path)) > 0 && (await sizeOf(path)) > header, interval: 50, timeout: startTimeout },
      });
    } catch (error) {
      if (error instanceof PidkeepError && error.code === 'SPAWN_FAILED') throw ffmpegMissing(error, name, host);
      if (error instanceof PidkeepError && error.code === 'NOT_READY') {
        const inputs = input.args.flatMap((arg, i) => (arg === '-i' && input.args[i + 1] !== undefined ? [input.args[i + 1]!] : []));
        throw recordingFailure(error, { name, path, input: input.label, inputs, container, grantHint: grantHint(host.platform) });
      }
      throw error;
    }
    return status();
  }

  async function stop(): Promise<Recording> {
    const live = running();
    if (!live) throw new PidkeepError('NOT_FOUND', 'no recording is running; start one with recorder.start()', { record: name });
    const path = pathOf(live);
    const kind = isRecordingMeta(live.meta) ? live.meta.container : container;
    const wallMs = Date.now() - live.startedAt;
    const result = await live.stop();
    if (path === null) throw new PidkeepError('NOT_FOUND', `the recording was stopped, but its record names no file (${describeError(live.metaError)})`, { record: name, pid: live.pid });
    const { repaired, durationMs } = await finish(path, kind);
    return { path, durationMs: durationMs ?? wallMs, bytes: await sizeOf(path), repaired, stop: result };
  }

  async function cancel(): Promise<void> {
    const live = running();
    if (!live) return;
    const path = pathOf(live);
    await live.stop();
    if (path !== null) await host.remove(path);
  }

  return { recovery, start, status, stop, cancel, listDevices };
}

function ffmpegMissing(error: unknown, name: string, host: RecorderHost): PidkeepError {
  if (error instanceof PidkeepError && error.code === 'FFMPEG_NOT_FOUND') return error;
  return new PidkeepError('FFMPEG_NOT_FOUND', `could not run FFmpeg (\`${host.ffmpeg}\`: ${describeError(error)}); ${host.installHint}`, { record: name, cause: error });
}

function grantHint(platform: RecorderHost['platform']): string {
  if (platform === 'darwin') return 'grant the app microphone access (System Settings > Privacy & Security > Microphone; a Tauri app needs NSMicrophoneUsageDescription in Info.plist)';
  if (platform === 'win32') return 'check that a microphone is plugged in and allowed (Settings > Privacy > Microphone)';
  return 'check that PulseAudio or PipeWire runs for this user (`pactl info`), or pick an ALSA device';
}

function defaultFileName(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `recording-${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
