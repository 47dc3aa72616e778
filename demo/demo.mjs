// npm start: pidkeep doing its job, step by step, with real processes.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcessManager } from 'pidkeep';
import { fileStore, nodeBackend } from 'pidkeep/node';

const dir = mkdtempSync(join(tmpdir(), 'pidkeep-demo-'));
const out = join(dir, 'recording.txt');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n, text) => console.log(`\n${bold(`${n}.`)} ${text}`);
const say = (text) => console.log(`   ${text}`);
const lines = () => {
  try {
    return readFileSync(out, 'utf8').trim().split('\n');
  } catch {
    return []; // not created yet
  }
};
const alive = (pid) => {
  try {
    // kill(pid, 0) also succeeds for a zombie: read the state where /proc exists.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch (error) {
      return error.code === 'EPERM';
    }
  }
};
const until = async (check, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the demo timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const leftovers = new Set();
process.on('exit', () => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

console.log(bold('pidkeep demo: a recording that outlives its controller, found again and finished cleanly'));
console.log(`(records, logs and FIFOs in ${dir})`);

step(1, 'Controller #1, a separate Node process, starts an FFmpeg-like recorder through pidkeep.');
const first = spawn(process.execPath, [new URL('./first-controller.mjs', import.meta.url).pathname, dir, out], { stdio: ['ignore', 'pipe', 'inherit'] });
leftovers.add(first.pid);
const { pid } = await new Promise((resolve) => first.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)))));
leftovers.add(pid);
await until(() => lines().length > 3);
say(`controller #1 is pid ${first.pid}; the recorder is pid ${pid}, recording (${lines().length - 1} samples so far)`);
// In a container (a pid namespace of its own) the file is `recorder@<namespace inode>.json`.
const recordName = readdirSync(join(dir, 'demo', 'records')).find((f) => /^recorder(@\d+)?\.json$/.test(f));
const record = JSON.parse(readFileSync(join(dir, 'demo', 'records', recordName), 'utf8'));
say(`its record: pid ${record.pid}, boot ${record.bootId.slice(0, 8)}…, start time ${record.startTime} ticks, marker demo/${record.id.slice(0, 8)}…`);

step(2, 'Controller #1 is killed with SIGKILL: no cleanup code runs, the handle is gone.');
first.kill('SIGKILL');
await new Promise((resolve) => first.once('exit', resolve));
const before = lines().length;
await until(() => lines().length > before + 2);
say(`controller #1 is dead; the recorder (pid ${pid}) is ${alive(pid) ? 'still running' : 'NOT running'} and still recording (${lines().length - 1} samples)`);
say('an orphan like this would record forever. With the article\'s localStorage pid, a crash right after the start loses even the pid.');

step(3, 'Controller #2 starts and reconciles the stored records.');
// A stale record whose pid now belongs to an unrelated live process: what a reused pid looks like to a controller.
const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
leftovers.add(bystander.pid);
const stale = { ...record, id: 'feedfacefeedfacefeedface', marker: record.marker.replace(/[^/]+$/, 'feedfacefeedfacefeedface'), name: 'old-recorder', pid: bystander.pid, startTime: String(Number(record.startTime) - 100), stdin: null, stop: [{ signal: 'SIGTERM', wait: 2000 }, { signal: 'SIGKILL', wait: 2000 }] };
writeFileSync(join(dir, 'demo', 'records', `old-${recordName}`), JSON.stringify(stale));
say(`(also planted: a record "old-recorder" whose pid ${bystander.pid} now belongs to an unrelated \`sleep\`)`);
const pm = await createProcessManager({ namespace: 'demo', backend: nodeBackend(), store: fileStore({ dir }) });
for (const entry of pm.recovery) say(`${entry.name} (pid ${entry.pid}): ${bold(entry.status)} — ${entry.detail}`);
say(`the unrelated sleep (pid ${bystander.pid}) is ${alive(bystander.pid) ? 'alive: it was never signalled' : 'DEAD'}`);

step(4, 'Controller #2 stops the adopted recorder gracefully, by its stored plan: `q` on stdin, then SIGINT, then SIGKILL.');
const recorder = pm.get('recorder');
const result = await recorder.stop();
say(`stopped by step ${result.step} (${result.by}) after ${result.durationMs} ms; forced: ${result.forced}`);
say(`the recording ends with: "${lines().at(-1)}" (${lines().length - 2} samples, file finished, not cut off)`);
say(`recorder alive: ${alive(pid)}; records left: ${pm.list().length}`);

step(5, 'Nothing was orphaned, nothing was killed by mistake.');
bystander.kill('SIGKILL');
await pm.close();
console.log('\nTry the CLI: node dist/bin.cjs run web -- python3 -m http.server 8123; node dist/bin.cjs ls; node dist/bin.cjs stop web');
