// A private PulseAudio daemon for the recorder's real audio path: a null sink named `tone`, a 440 Hz tone played into
// it by Debian's FFmpeg, so `tone.monitor` is an input with sound on any machine, sound card or not.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { reaper, tempDir, waitFor } from './index.js';

export interface Pulse {
  /** The environment a client needs to reach this daemon (FFmpeg's pulse input and output). */
  env: Record<string, string>;
  /** The input that carries the tone. */
  source: string;
}

/** Starts the daemon and the tone; both end in teardown. Fails (never skips) without pulseaudio or Debian's ffmpeg. */
export async function startPulse(t: TestContext): Promise<Pulse> {
  const reap = reaper(t);
  const runtime = tempDir(t, 'pidkeep-pulse-');
  mkdirSync(join(runtime, 'home'), { recursive: true });
  const socket = join(runtime, 'native');
  // XDG_RUNTIME_DIR and HOME of its own: nothing of the machine's sound setup is read or touched.
  const env = { XDG_RUNTIME_DIR: runtime, HOME: join(runtime, 'home'), PULSE_SERVER: `unix:${socket}` };
  const daemon = spawn('pulseaudio', ['--daemonize=no', '--exit-idle-time=-1', '--system=false', '-n', '--log-target=stderr', '-L', `module-native-protocol-unix auth-anonymous=1 socket=${socket}`, '-L', 'module-null-sink sink_name=tone rate=48000'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  reap(daemon.pid);
  let log = '';
  daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk.slice(0, 10_000)));
  const ended = new Promise<number | null>((resolve) => daemon.once('exit', resolve));
  t.after(async () => {
    daemon.kill('SIGTERM');
    await ended;
  });
  await waitFor('PulseAudio to answer', () => {
    if (daemon.exitCode !== null) throw new Error(`pulseaudio ended (${daemon.exitCode}): ${log}`);
    return spawnSync('pactl', ['info'], { env: { ...process.env, ...env }, stdio: 'ignore' }).status === 0;
  });
  // Debian's FFmpeg (the npm build has no PulseAudio): the tone in real time, for as long as the test runs.
  const tone = spawn('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-f', 'pulse', '-device', 'tone', 'pidkeep test tone'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  reap(tone.pid);
  const toneEnded = new Promise((resolve) => tone.once('exit', resolve));
  t.after(async () => {
    tone.kill('SIGKILL');
    await toneEnded;
  });
  await waitFor('the tone to play', () => /RUNNING/.test(spawnSync('pactl', ['list', 'short', 'sinks'], { env: { ...process.env, ...env }, encoding: 'utf8' }).stdout));
  return { env, source: 'tone.monitor' };
}
