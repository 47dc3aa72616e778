// npm run bench: pidkeep's speed targets, each measured as a RATIO against a hand-written baseline taken in the same
// run: the sides alternate round by round (the order changes every round, an untimed pause before each timed side),
// and the verdict compares medians.
// The machines are shared and noisy; absolute times are printed for reading only, never judged. See BENCHMARKS.md.
//   1. Stopping a `sleep` with SIGTERM (the time includes the store's update: the record marked ended, its trace
//      of the run) <= 3x by hand:
//      a. an own child: handle.stop() vs process.kill() + awaiting the child's 'exit' event;
//      b. an adopted process (started by another controller, which has exited): pm.stop() vs process.kill() +
//         polling /proc/<pid>/stat on a 1 ms timer until it is gone or a zombie.
//   2. pm.start() <= 1.3x a hand-written durable spawn (detached, two log files, identity read from /proc, record
//      file written by temp + rename).
//   3. A cold reconcile of 1,000 live records (a fresh controller's createProcessManager(), the store lock included)
//      <= 1.0x a hand-written one (list the records dir, read and JSON.parse each file, read /proc/<pid>/stat each).
//   4. A Tauri page reloaded with 1, 10 and 100 live records (Chromium, pidkeep-tauri-host): time from the start of
//      the navigation to a ready manager and IPC calls, for tauriFsStore and webStore; <= 200 ms with 100 records
//      (tauriFsStore), and with webStore no IPC call more per record.
//   5. The `pidkeep` command, each command a fresh Node process (bench/cli.mjs): `run` + `stop` of a sleep (the default
//      settle included) <= 0.5x PM2's `start` + `delete` with a warm daemon (a private PM2_HOME); the same for a Node
//      server (the interpreter default, which waits until it rests) <= 1.0x; `ls` <= 1.3x `node -e 0`.
// It prints PASS or FAIL for each and exits 1 on a FAIL.
// Knobs (for investigation; the defaults are the targets' method): BENCH_ONLY=stop,start,reconcile,reload,cli picks
// sections; BENCH_STOP_ROUNDS (40), BENCH_START_ROUNDS (100), BENCH_RECONCILE_ROUNDS (30), BENCH_RECORDS (1000),
// BENCH_RELOAD_ROUNDS (15), BENCH_CLI_ROUNDS (20; `ls` runs twice as many).
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProcessManager } from 'pidkeep';
import { fileStore, nodeBackend } from 'pidkeep/node';
// The record reader itself (not public API): the reconcile section's floor line validates records exactly as pidkeep does.
import { parseRecord } from '../dist/record.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = new Set((process.env.BENCH_ONLY ?? 'stop,start,reconcile,reload,cli').split(',').map((s) => s.trim()));
const knob = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
};
const STOP_ROUNDS = knob('BENCH_STOP_ROUNDS', 40);
const START_ROUNDS = knob('BENCH_START_ROUNDS', 100);
const RECONCILE_ROUNDS = knob('BENCH_RECONCILE_ROUNDS', 30);
const RECORDS = knob('BENCH_RECORDS', 1000);
const RELOAD_ROUNDS = knob('BENCH_RELOAD_ROUNDS', 15);
const CLI_ROUNDS = knob('BENCH_CLI_ROUNDS', 20);
const linux = process.platform === 'linux';

const dir = mkdtempSync(join(tmpdir(), 'pidkeep-bench-'));

// --- /proc, by hand (also used to clean up safely) ----------------------------------------------------------
const statBuffer = Buffer.allocUnsafe(4096);
/** /proc/<pid>/stat as text, undefined when the pid is gone. One open/read/close into a reused buffer. */
function readStat(pid) {
  let fd;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return undefined;
  }
  try {
    return statBuffer.toString('latin1', 0, readSync(fd, statBuffer, 0, statBuffer.length, null));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
/** [state, startTime] from a stat line (fields counted after the last `)`: comm may hold anything). */
function statFields(text) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return [fields[0], fields[19]];
}

// Every process this run starts, with its start time: at exit each group is killed only while its leader is still
// the process we started (a pid reused since is never signalled).
const started = new Map();
const remember = (pid) => {
  const text = linux ? readStat(pid) : undefined;
  started.set(pid, text ? statFields(text)[1] : null);
};
process.on('exit', () => {
  for (const [pid, startTime] of started) {
    const text = linux ? readStat(pid) : undefined;
    if (linux && (!text || statFields(text)[1] !== startTime)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// --- statistics and verdicts ---------------------------------------------------------------------------------
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.ceil(at)] - s[lo]) * (at - lo);
};
const median = (xs) => quantile(xs, 0.5);
const ms = (x) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
const spread = (xs) => `median ${ms(median(xs))} (p10 ${ms(quantile(xs, 0.1))}, p90 ${ms(quantile(xs, 0.9))})`;
const delay = (time) => new Promise((resolve) => setTimeout(resolve, time));
let failed = false;
const verdict = (ok, text) => {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  if (!ok) failed = true;
};
const check = (ok, text) => {
  if (!ok) throw new Error(`benchmark invariant broken: ${text}`);
};

/**
 * Runs `rounds` timed rounds of each side (`hand(i)`, `kept(i)`, and any `extra` side for reference; each returns
 * its own elapsed ms), after `warm` untimed rounds; the order rotates every round (with two sides: alternates).
 * `setup(i)` (untimed) runs before each round, and `pause` ms pass before each timed side, so the background work
 * of one side (pidkeep prepares its next record file off the critical path) never lands in another's timed section.
 */
async function interleaved({ rounds, warm = 5, pause = 3, setup, hand, kept, extra = {} }) {
  const sides = [['kept', kept], ['hand', hand], ...Object.entries(extra)];
  const result = Object.fromEntries(sides.map(([side]) => [side, []]));
  for (let i = -warm; i < rounds; i++) {
    await setup?.(i);
    const k = ((i % sides.length) + sides.length) % sides.length;
    for (const [side, run] of [...sides.slice(k), ...sides.slice(0, k)]) {
      await delay(pause);
      const elapsed = await run(i);
      if (i >= 0) result[side].push(elapsed);
    }
  }
  return result;
}

/** Prints both sides and the ratio of medians; returns the ratio. `baseline` names the baseline's side. */
function report(label, { hand, kept }, handLabel, keptLabel, baseline = 'by hand') {
  const ratio = median(kept) / median(hand);
  const paired = median(kept.map((k, i) => k / hand[i]));
  console.log(`${label}: ${baseline} (${handLabel}) ${spread(hand)}`);
  console.log(`${label}: pidkeep (${keptLabel}) ${spread(kept)}`);
  console.log(`${label}: ratio of medians ${ratio.toFixed(2)}x (median of per-round ratios ${paired.toFixed(2)}x) over ${hand.length} interleaved rounds`);
  return ratio;
}

console.log(`pidkeep bench: node ${process.version}, ${process.platform}, temp dir ${dir}`);

// --- 1. stop -------------------------------------------------------------------------------------------------
const SIGTERM_PLAN = [{ signal: 'SIGTERM', wait: 5000 }];
const recordFile = (namespace, name) => join(dir, namespace, 'records', `${name}.json`);
/** The store no longer says the process runs: its record is gone, or kept as the trace of an ended run. */
const recordSaysEnded = (namespace, name) => {
  const file = recordFile(namespace, name);
  // An ended run's record has a second line, {"ended": ...}, appended to it.
  return !existsSync(file) || readFileSync(file, 'utf8').split('\n')[1]?.startsWith('{"ended":') === true;
};

if (only.has('stop')) {
  // 1a. Own children: both sides stop a child of this very process, so both learn of its end from the same
  // SIGCHLD. pidkeep's time runs until handle.stop() resolves, which is after the store says the process ended
  // (its record removed or marked ended; checked below each round).
  {
    const pm = await createProcessManager({ namespace: 'bench-stop-own', backend: nodeBackend(), store: fileStore({ dir }) });
    let handle;
    let child;
    const results = await interleaved({
      rounds: STOP_ROUNDS,
      pause: 10, // both sleeps are in their nanosleep by then, and pidkeep's spare record file is made
      async setup(i) {
        handle = await pm.start(`s${i + 100}`, { command: 'sleep', args: ['120'], ready: false });
        remember(handle.pid);
        child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
        await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
        remember(child.pid);
      },
      async hand() {
        const t0 = performance.now();
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid, 'SIGTERM');
        await exited;
        return performance.now() - t0;
      },
      async kept() {
        const t0 = performance.now();
        const result = await handle.stop(SIGTERM_PLAN);
        const elapsed = performance.now() - t0;
        check(result.outcome === 'stopped' && result.step === 0, `own stop ended by step ${result.step} (${result.outcome})`);
        check(recordSaysEnded('bench-stop-own', handle.name), 'own stop resolved before its record was removed or marked ended');
        return elapsed;
      },
    });
    await pm.close();
    const ratio = report('stop, own child', results, "process.kill + 'exit' event", 'handle.stop(), store updated');
    verdict(ratio <= 3, `stopping an own child is ${ratio.toFixed(2)}x the same stop by hand (target <= 3x)`);
  }

  // 1b. Adopted processes: a short-lived controller (bench/orphans.mjs, its own Node process) starts them and exits,
  // so they are reparented to init (or a subreaper) on both sides, as after a controller crash; a second manager
  // here adopts pidkeep's. Their end is seen only by looking at /proc (gone, or a zombie until init reaps it).
  if (linux) {
    const namespace = 'bench-stop-adopted';
    const count = STOP_ROUNDS + 5;
    const { stdout } = await promisify(execFile)(process.execPath, [join(here, 'orphans.mjs'), dir, namespace, 'a', String(count)]);
    const orphans = JSON.parse(stdout);
    for (const pid of [...orphans.kept, ...orphans.hand]) remember(pid);
    for (const pid of [...orphans.kept, ...orphans.hand]) {
      const text = readStat(pid);
      check(text !== undefined && Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid, `orphan ${pid} is not running apart from this process`);
    }
    const pm2 = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
    check(pm2.recovery.filter((r) => r.status === 'adopted').length === count, 'the second manager adopted every orphan');
    const results = await interleaved({
      rounds: STOP_ROUNDS,
      async hand(i) {
        const pid = orphans.hand[i + 5];
        const t0 = performance.now();
        process.kill(pid, 'SIGTERM');
        for (;;) {
          const text = readStat(pid);
          if (text === undefined) break;
          const [state] = statFields(text);
          if (state === 'Z' || state === 'X') break;
          await delay(1);
        }
        return performance.now() - t0;
      },
      async kept(i) {
        const name = `a${i + 5}`;
        const t0 = performance.now();
        const result = await pm2.stop(name, SIGTERM_PLAN);
        const elapsed = performance.now() - t0;
        check(result.outcome === 'stopped' && result.step === 0, `adopted stop ended by step ${result.step} (${result.outcome})`);
        check(recordSaysEnded(namespace, name), 'adopted stop resolved before its record was removed or marked ended');
        return elapsed;
      },
    });
    await pm2.close();
    const ratio = report('stop, adopted', results, 'process.kill + /proc/<pid>/stat every 1 ms', 'pm.stop(), store updated');
    verdict(ratio <= 3, `stopping an adopted process is ${ratio.toFixed(2)}x the same stop by hand (target <= 3x)`);
  } else {
    console.log('stop, adopted: the by-hand baseline reads /proc; skipped on this platform');
  }
}

// --- 2. start ------------------------------------------------------------------------------------------------
if (only.has('start')) {
  // By hand, what pidkeep does for a durable child: two log files, a detached spawn, the identity from
  // /proc/<pid>/stat (boot id read once, as pidkeep caches it), and a record written to a temp file then renamed.
  const handDir = join(dir, 'hand-start');
  mkdirSync(join(handDir, 'logs'), { recursive: true, mode: 0o700 });
  mkdirSync(join(handDir, 'records'), { recursive: true, mode: 0o700 });
  const bootId = linux ? readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() : '';
  async function byHand(i) {
    const t0 = performance.now();
    const name = `h${i + 100}`;
    const logs = { stdout: join(handDir, 'logs', `${name}.out.log`), stderr: join(handDir, 'logs', `${name}.err.log`) };
    const out = openSync(logs.stdout, 'a', 0o600);
    const err = openSync(logs.stderr, 'a', 0o600);
    const child = spawn('sleep', ['120'], { detached: true, stdio: ['ignore', out, err] });
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    closeSync(out);
    closeSync(err);
    child.unref();
    const stat = linux ? readStat(child.pid) : undefined;
    const [, startTime] = stat ? statFields(stat) : [];
    const record = { name, command: 'sleep', args: ['120'], pid: child.pid, bootId, startTime, startedAt: Date.now(), logs };
    const file = join(handDir, 'records', `${name}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
    const elapsed = performance.now() - t0;
    remember(child.pid);
    return elapsed;
  }
  const pm = await createProcessManager({ namespace: 'bench-start', backend: nodeBackend(), store: fileStore({ dir }) });
  async function withPidkeep(i) {
    const t0 = performance.now();
    // ready: false: the hand-written spawn waits for no readiness either (the default waits 100 ms to catch a command failing at once).
    const handle = await pm.start(`p${i + 100}`, { command: 'sleep', args: ['120'], ready: false });
    const elapsed = performance.now() - t0;
    remember(handle.pid);
    return elapsed;
  }
  // The untimed pause before each timed side stands for the gap any app has between starts: background work
  // (pidkeep prepares the next record file off the start's critical path) finishes there.
  // For reference, the least a spawn costs: detached, no output, nothing recorded (what the hand-written side adds
  // to it is the price of durability: output in files, never a pipe, and a record on disk before the start returns).
  async function bare() {
    const t0 = performance.now();
    const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
    const elapsed = performance.now() - t0;
    child.unref();
    remember(child.pid);
    return elapsed;
  }
  const results = await interleaved({ rounds: START_ROUNDS, warm: 10, pause: 3, hand: byHand, kept: withPidkeep, extra: { bare } });
  await pm.stopAll([{ signal: 'SIGKILL', wait: 5000 }]);
  await pm.close();
  const ratio = report('start', results, 'detached spawn, 2 log files, /proc identity, temp+rename record', 'pm.start()');
  console.log(`start: reference, a bare detached spawn (no output, no record) ${spread(results.bare)}: pm.start() is ${(median(results.kept) / median(results.bare)).toFixed(2)}x it, the hand-written durable spawn ${(median(results.hand) / median(results.bare)).toFixed(2)}x`);
  verdict(ratio <= 1.3, `pm.start() is ${ratio.toFixed(2)}x a hand-written durable spawn (target <= 1.3x, aim 1.1x)`);
}

// --- 3. cold reconcile ---------------------------------------------------------------------------------------
if (only.has('reconcile')) {
  if (linux) {
    const namespace = 'bench-reconcile';
    const seed = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
    for (let i = 0; i < RECORDS; i++) remember((await seed.start(`r${i}`, { command: 'sleep', args: ['300'], ready: false })).pid);
    await seed.close();
    const records = join(dir, namespace, 'records');
    let handSeen = 0;
    /** By hand: list the records folder, read and parse each record, read each pid's /proc/<pid>/stat. */
    function byHand() {
      const t0 = performance.now();
      let seen = 0;
      for (const file of readdirSync(records)) {
        if (!file.endsWith('.json')) continue;
        const record = JSON.parse(readFileSync(join(records, file), 'utf8'));
        if (readStat(record.pid) !== undefined) seen++;
      }
      const elapsed = performance.now() - t0;
      handSeen = seen;
      return elapsed;
    }
    /**
     * An adopting reconcile by hand: list, read, `read(text, key)` each record, compare its start time with /proc's
     * and keep the adopted ones. Two reference lines (no verdict) use it:
     * - `adopting`, with a bare JSON.parse: the least any adopting controller adds to the baseline;
     * - `validating`, with pidkeep's own reader (`parseRecord`: every field, sizes, the key): the floor of any
     *   reconcile that trusts no file. What pidkeep costs beyond it is its own overhead (lock, guards, adoption).
     */
    const kept = { adopting: 0, validating: 0 };
    const adoptingByHand = (side, read) => () => {
      const t0 = performance.now();
      const found = new Map();
      for (const file of readdirSync(records)) {
        if (!file.endsWith('.json')) continue;
        const key = file.slice(0, -'.json'.length);
        const text = readFileSync(join(records, file), 'utf8');
        const record = read(text, key);
        if (record === undefined) continue;
        const stat = readStat(record.pid);
        if (stat !== undefined && statFields(stat)[1] === record.startTime) found.set(key, { record, text });
      }
      const elapsed = performance.now() - t0;
      kept[side] = found.size;
      return elapsed;
    };
    const limits = { selfPid: process.pid, parentPid: process.ppid, maxPid: Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) };
    const extra = {
      adopting: adoptingByHand('adopting', (text) => JSON.parse(text)),
      validating: adoptingByHand('validating', (text, key) => {
        const parsed = parseRecord(text, key, namespace, limits);
        return parsed.kind === 'ok' ? parsed.record : undefined;
      }),
    };
    let adopted = 0;
    /** A cold controller: a new backend and store (nothing cached), the lock, every record read, proven, adopted. */
    async function withPidkeep() {
      const t0 = performance.now();
      const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
      const elapsed = performance.now() - t0;
      adopted = pm.recovery.filter((r) => r.status === 'adopted').length;
      await pm.close();
      return elapsed;
    }
    const results = await interleaved({ rounds: RECONCILE_ROUNDS, warm: 3, pause: 20, hand: byHand, kept: withPidkeep, extra });
    check(handSeen === RECORDS, `the by-hand reconcile saw ${handSeen} of ${RECORDS} processes`);
    for (const [side, count] of Object.entries(kept)) check(count === RECORDS, `the by-hand ${side} reconcile kept ${count} of ${RECORDS} records`);
    verdict(adopted === RECORDS, `every live record was adopted (${adopted}/${RECORDS})`);
    const ratio = report(`reconcile ${RECORDS}`, results, 'readdir, readFileSync + JSON.parse, /proc/<pid>/stat', 'createProcessManager(), lock included');
    const reference = median(results.adopting) / median(results.hand);
    console.log(`reconcile ${RECORDS}: for reference (no verdict), by hand plus start-time check and keeping the records ${spread(results.adopting)}, ${reference.toFixed(2)}x the baseline`);
    const floor = median(results.validating);
    console.log(`reconcile ${RECORDS}: for reference (no verdict), the floor of a reconcile that trusts no file: by hand plus start-time check, keeping, and pidkeep's own record reader ${spread(results.validating)}, ${(floor / median(results.hand)).toFixed(2)}x the baseline; pidkeep is ${(median(results.kept) / floor).toFixed(2)}x this floor`);
    verdict(ratio <= 1.0, `a cold reconcile of ${RECORDS} live records is ${ratio.toFixed(2)}x a hand-written one (target <= 1.0x)`);
    const last = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
    await last.stopAll([{ signal: 'SIGKILL', wait: 5000 }]);
    await last.close();
  } else {
    console.log('reconcile: the 1,000-record target reads /proc; skipped on this platform');
  }
}

// --- 4. reload recovery in a real browser ---------------------------------------------------------------------
// A Tauri page reloaded with 1, 10 and 100 live records: from the start of the navigation to a ready manager (its
// start-up reconcile done, every record adopted), and the IPC calls it made, for tauriFsStore and webStore. Headless
// Chromium against pidkeep-tauri-host (the example's capability, the Linux powers), as in the browser tests. The
// baseline is the same page with no record, measured in the same rounds.
if (only.has('reload')) {
  const { chromium } = await import('playwright-core');
  const { startTauriHostServer } = await import('pidkeep/tauri-host');
  const root = join(here, '..');
  const capability = JSON.parse(readFileSync(join(root, 'examples', 'tauri-app', 'src-tauri', 'capabilities', 'default.json'), 'utf8'));
  capability.permissions.find((p) => p.identifier === 'fs:scope').allow.push({ path: '$APPDATA/bench/**' });
  const server = await startTauriHostServer({ capabilities: [capability], root, dataDir: join(dir, 'tauri'), identifier: 'dev.pidkeep.bench', onRefused: () => undefined });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    /** One navigation to the bench page: ms from its start to a ready manager, IPC calls by then, adopted records. */
    const open = async (store) => {
      await page.goto(`${server.url}bench/reload.html?store=${store}`);
      await page.waitForFunction(() => window.bench.readyMs !== undefined || window.bench.errors.length > 0, undefined, { timeout: 30_000 });
      const seen = await page.evaluate(() => ({ ms: window.bench.readyMs, recovery: window.bench.recoveryMs, ipc: window.bench.recoveryIpc, adopted: window.bench.adopted, errors: window.bench.errors }));
      check(seen.errors.length === 0, `the bench page failed: ${seen.errors.join('; ')}`);
      return seen;
    };
    const summary = [];
    for (const store of ['fs', 'web']) {
      const label = store === 'fs' ? 'tauriFsStore' : 'webStore';
      let running = 0;
      let baseline;
      for (const n of [0, 1, 10, 100]) {
        await open(store);
        await page.evaluate(async ([from, to]) => {
          for (let i = from; i < to; i++) await window.bench.pm.start(`w${i}`, { command: 'worker', args: ['600'], ready: false });
        }, [running, n]);
        running = n;
        const rounds = [];
        for (let i = -3; i < RELOAD_ROUNDS; i++) {
          const seen = await open(store);
          check(seen.adopted === n, `${label}: ${seen.adopted} of ${n} records adopted after a reload`);
          if (i >= 0) rounds.push(seen);
        }
        const times = rounds.map((r) => r.ms);
        const recovery = rounds.map((r) => r.recovery);
        const ipc = median(rounds.map((r) => r.ipc));
        if (n === 0) {
          baseline = { ms: median(times), ipc };
          console.log(`reload ${label},   0 records: page load to a ready manager ${spread(times)} (the baseline: loading the unbundled page from the host); createProcessManager() ${spread(recovery)}; ${ipc} IPC calls`);
        } else {
          console.log(`reload ${label}, ${String(n).padStart(3)} records: page load to a ready manager ${spread(times)}, ${(median(times) / baseline.ms).toFixed(2)}x the page with none; createProcessManager() ${spread(recovery)}; ${ipc} IPC calls (${ipc - baseline.ipc} more than with none)`);
          summary.push({ label, n, ms: median(recovery), ipc: ipc - baseline.ipc });
        }
      }
      await open(store);
      await page.evaluate(() => window.bench.pm.stopAll([{ signal: 'SIGKILL', wait: 5000 }]));
    }
    const fs100 = summary.find((s) => s.label === 'tauriFsStore' && s.n === 100);
    verdict(fs100.ms <= 200, `a reload with 100 records (tauriFsStore): createProcessManager() ready in ${fs100.ms.toFixed(0)} ms (target <= 200 ms, Chromium against the host)`);
    const web = summary.filter((s) => s.label === 'webStore').map((s) => s.ipc);
    verdict(web.every((calls) => calls === web[0]), `webStore: the IPC calls a reload adds do not grow with the records (${web.join(', ')} for 1, 10, 100)`);
    const fs = summary.filter((s) => s.label === 'tauriFsStore').map((s) => s.ipc);
    console.log(`reload tauriFsStore: ${fs.join(', ')} more IPC calls for 1, 10, 100 records: one read per record, since plugin-fs has no command that reads several files (see BENCHMARKS.md)`);
  } finally {
    await browser.close();
    await server.close();
  }
}

// --- 5. the CLI against PM2, and ls against node -e 0 ---------------------------------------------------------
// Each command is a fresh Node process, as a user types it; PM2's daemon is warm (started before the timed rounds)
// and has its own PM2_HOME in this run's temp dir. See bench/cli.mjs.
if (only.has('cli')) {
  if (linux) {
    const { cliBench } = await import('./cli.mjs');
    await cliBench({ dir, rounds: CLI_ROUNDS, interleaved, report, verdict, check, remember, readStat, statFields, median, spread });
  } else {
    console.log('cli: the section checks its sleeps through /proc; skipped on this platform');
  }
}
process.exitCode = failed ? 1 : 0;
