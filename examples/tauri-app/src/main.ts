// The example's frontend: one process manager for the app, its records in the app's data dir (written by the Rust
// side at once, so they survive a crash), processes through the shell plugin, and the recorder of App.svelte on it.
// Try: Record, reload the page (Ctrl+R), force-kill the app and start it again, Stop.
import { appDataDir, appLogDir, join } from '@tauri-apps/api/path';
import { readTextFile } from '@tauri-apps/plugin-fs';
import { createProcessManager, type StartOptions } from 'pidkeep';
import { spawnScopes, stopOnQuit, tauriBackend, tauriFsStore } from 'pidkeep/tauri';
import { webStore } from 'pidkeep/web';
import { mount } from 'svelte';
import linux from '../src-tauri/capabilities/default.json';
import windowsCapability from '../src-tauri/capabilities/windows.json';
import App from './App.svelte';
import { createExampleRecorder } from './recording';

const params = new URLSearchParams(location.search);
// `?store=web` keeps records in localStorage instead: fine across reloads, lost if the app crashes right after a start.
const store = params.get('store') === 'web' ? webStore({ prefix: 'pidkeep-example' }) : tauriFsStore();
const output: string[] = [];
// The raw `recorder` scope entry is a wrapper that sends FFmpeg's output to the two files pidkeep names for each
// start: readable after any reload or restart, and no pipe to the app that could break (SIGPIPE) when the app dies.
// (Windows has no `sh`: there capabilities/windows.json runs FFmpeg directly and output goes to onOutput only.) The
// page's own recorder (recording.ts) needs no wrapper: FFmpeg ignores SIGPIPE, and it prints nothing while recording.
const windows = navigator.userAgent.includes('Windows');
// The capability's spawn entries: a start the plugin would run with other arguments (or refuse) fails before it runs.
const backend = tauriBackend({
  scopes: spawnScopes(windows ? windowsCapability : linux),
  onOutput: (e) => output.push(`${e.name} ${e.stream}: ${e.data}`),
  logs: windows ? undefined : { dir: await join(await appLogDir(), 'pidkeep'), commands: { recorder: 'ffmpeg' } },
});
// The recorder makes this folder at its first start (the capability grants fs:allow-mkdir on it).
const recordings = await join(await appDataDir(), 'recordings');

const ready = createProcessManager({
  namespace: 'tauri-example',
  backend,
  store,
  // What to do with a process a previous page or app run left running: keep it (default) or stop it.
  onOrphan: params.get('onOrphan') === 'stop' ? 'stop' : 'adopt',
});
const pm = await ready;
// A quit (the window closed; File > Quit, which calls app.exit through src-tauri/src/stop_on_quit.rs) stops each
// process with its stop plan first: the shell plugin would SIGKILL them at exit and cut the recording. `?quit=cut`
// leaves that out.
if (params.get('quit') !== 'cut') await stopOnQuit(pm);

/**
 * The raw FFmpeg recorder of the test suite (the capability's `recorder` entry, output in log files through pidkeep's
 * LOG_WRAPPER): a 440 Hz tone into a WAV file, finished cleanly by `q` on its stdin (never SIGKILL first). */
function recorder(file: string): StartOptions {
  return {
    command: 'recorder',
    // Exactly the arguments the scope allows (capabilities/default.json); -re: in real time; -flush_packets 1:
    // samples reach the disk as they come (FFmpeg otherwise buffers ~256 KB, which a crash of the machine loses).
    args: ['-hide_banner', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-f', 'wav', '-flush_packets', '1', '-y', file],
    stdin: 'fifo',
    // `q` makes FFmpeg finish the file; the shell plugin delivers it while this app run holds the child.
    stop: [{ write: 'q', wait: 5000 }, { signal: 'SIGINT', wait: 3000 }, { signal: 'SIGTERM', wait: 2000 }],
  };
}
const start = (name: string, options: StartOptions) => pm.start(name, options);
const worker = (seconds = 3600): StartOptions => ({ command: 'worker', args: [String(seconds)] });
/** A process's log, through the fs plugin: there for adopted processes too (the record names the files). */
async function readLog(name: string, stream: 'stdout' | 'stderr'): Promise<string> {
  const path = pm.get(name)?.logs[stream];
  return path ? readTextFile(path) : '';
}

// The recorder (App.svelte's Record and Stop): made after the manager, so a recorder that cannot start (a capability
// without FFmpeg) leaves the rest of the page working; it says why instead.
// `?input=tone` records the generated tone even where an audio input exists (the test suite does).
const audio = createExampleRecorder(pm, recordings, { tone: params.get('input') === 'tone' });

// For the pidkeep test suite, which drives this page in Chromium; set before the UI, which it does not need.
Object.assign(window, { pidkeepExample: { pm, backend, store, output, recorder, worker, start, readLog, recordings } });

let count = 0;
mount(App, {
  target: document.querySelector('#app')!,
  props: { pm, backend, audio, dir: recordings, startWorker: () => start(`worker-${++count}`, worker()), readLog },
});
