// The example's whole frontend: one process manager for the app, its records in the app's data dir (written by
// the Rust side at once, so they survive a crash), processes through the shell plugin. Try: start a recording,
// reload the page (Ctrl+R), quit the app with a force-kill, start it again.
import { appDataDir, appLogDir, BaseDirectory, join } from '@tauri-apps/api/path';
import { mkdir, readTextFile } from '@tauri-apps/plugin-fs';
import { createProcessManager, type ProcessHandle, type StartOptions } from 'pidkeep';
import { stopOnQuit, tauriBackend, tauriFsStore } from 'pidkeep/tauri';
import { webStore } from 'pidkeep/web';

const params = new URLSearchParams(location.search);
// `?store=web` keeps records in localStorage instead: fine across reloads, lost if the app crashes right after a start.
const store = params.get('store') === 'web' ? webStore({ prefix: 'pidkeep-example' }) : tauriFsStore();
const output: string[] = [];
// The recorder's scope entry is a wrapper that sends FFmpeg's output to the two files pidkeep names for each start:
// readable after any reload or restart, and no pipe to the app that could break (SIGPIPE) when the app dies.
// (Windows has no `sh`: there capabilities/windows.json runs FFmpeg directly and output goes to onOutput only.)
const windows = navigator.userAgent.includes('Windows');
const backend = tauriBackend({
  onOutput: (e) => output.push(`${e.name} ${e.stream}: ${e.data}`),
  logs: windows ? undefined : { dir: await join(await appLogDir(), 'pidkeep'), commands: { recorder: 'ffmpeg' } },
});
const recordings = await join(await appDataDir(), 'recordings');
await mkdir('recordings', { baseDir: BaseDirectory.AppData, recursive: true });

const ready = createProcessManager({
  namespace: 'tauri-example',
  backend,
  store,
  // What to do with a process a previous page or app run left running: keep it (default) or stop it.
  onOrphan: params.get('onOrphan') === 'stop' ? 'stop' : 'adopt',
});
const pm = await ready;
// A quit (the window closed, Cmd+Q with the Rust snippet in src-tauri/src/main.rs) stops each process with its
// stop plan first: the shell plugin would SIGKILL them at exit and cut the recording. `?quit=cut` leaves that out.
if (params.get('quit') !== 'cut') await stopOnQuit(pm);

/** The FFmpeg recorder: a 440 Hz tone into a WAV file, finished cleanly by `q` on its stdin (never SIGKILL first). */
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
const start = (name: string, options: StartOptions) => pm.start(name, options).finally(render);
const worker = (seconds = 3600): StartOptions => ({ command: 'worker', args: [String(seconds)] });
/** A process's log, through the fs plugin: there for adopted processes too (the record names the files). */
async function readLog(name: string, stream: 'stdout' | 'stderr'): Promise<string> {
  const path = pm.get(name)?.logs[stream];
  return path ? readTextFile(path) : '';
}

function render() {
  const running = document.querySelector('#running')!;
  running.replaceChildren(
    ...pm.list().map((p: ProcessHandle) => {
      const li = document.createElement('li');
      // Elapsed time comes from the record: it continues across reloads and restarts.
      const seconds = Math.round((Date.now() - p.startedAt) / 1000);
      li.textContent = `${p.name} (pid ${p.pid}, ${seconds} s${p.adopted ? ', adopted' : ''}) `;
      const stop = document.createElement('button');
      stop.textContent = 'Stop';
      stop.onclick = () => void p.stop().finally(render);
      li.append(stop);
      if (p.logs.stderr) {
        const log = document.createElement('button');
        log.textContent = 'Log';
        log.onclick = () => void readLog(p.name, 'stderr').then((text) => alert(text.slice(-2000) || '(empty)'));
        li.append(log);
      }
      return li;
    }),
  );
  document.querySelector('#recovery')!.replaceChildren(
    ...pm.recovery.map((r) => Object.assign(document.createElement('li'), { textContent: `${r.name} (pid ${r.pid}): ${r.status}: ${r.detail}` })),
  );
  const powers = backend.powers();
  document.querySelector('#powers')!.textContent = `ps: ${powers.ps.state}, kill: ${powers.kill.state}`;
}

let count = 0;
document.querySelector('#record')!.addEventListener('click', () => {
  const name = `recording-${Date.now()}`;
  void start(name, recorder(`${recordings}/${name}.wav`));
});
document.querySelector('#worker')!.addEventListener('click', () => void start(`worker-${++count}`, worker()));
document.querySelector('#sweep')!.addEventListener('click', () => void pm.sweep().finally(render));
pm.subscribe(render);
setInterval(render, 1000);
render();

// For the pidkeep test suite, which drives this page in Chromium.
Object.assign(window, { pidkeepExample: { pm, backend, store, output, recorder, worker, start, readLog, recordings } });
