// Looks at processes the way an outside observer would (straight from /proc, not through pidkeep), for the tests
// that run many controllers at once: which marked processes are alive, which records the store holds, and
// sentinels that say whether anything signalled them. Linux only.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readText, reaper, waitFor } from './index.js';

/** The variable every test child gets with its name, so a process found in /proc tells which name it runs for. */
export const NAME_ENV = 'PIDKEEP_TEST_NAME';

const PF_EXITING = 0x4;

export interface Marked {
  pid: number;
  /** The record id: the marker after the store's prefix. */
  id: string;
  /** Its NAME_ENV, when it has one. */
  name: string | undefined;
  startTime: string;
}

/** Reads one /proc file; undefined when the process is gone or not readable. */
function proc(pid: number | string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

/**
 * The process's start time while it still runs; undefined once it is a zombie or on its way out (PF_EXITING):
 * such a process never runs user code again, so it is not "alive" for a one-process-per-name count.
 */
function runningSince(pid: number | string): string | undefined {
  const stat = proc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X' || (Number(fields[6]) & PF_EXITING) !== 0) return undefined;
  return fields[19];
}

function envOf(pid: number | string): Map<string, string> | undefined {
  const text = proc(pid, 'environ');
  if (!text) return undefined;
  const env = new Map<string, string>();
  for (const pair of text.split('\0')) {
    const at = pair.indexOf('=');
    if (at > 0) env.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return env;
}

/** Every running process whose PIDKEEP_MARK starts with `prefix` (`<namespace>@<store id>/`). */
export function scanMarked(prefix: string): Marked[] {
  const found: Marked[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const marker = envOf(entry)?.get('PIDKEEP_MARK');
    if (!marker?.startsWith(prefix)) continue;
    const startTime = runningSince(entry);
    if (startTime === undefined) continue;
    found.push({ pid: Number(entry), id: marker.slice(prefix.length), name: envOf(entry)?.get(NAME_ENV), startTime });
  }
  return found;
}

/** True while the process found by scanMarked still runs (same start time, not exiting). */
export function stillRunning(m: Marked): boolean {
  return runningSince(m.pid) === m.startTime;
}

/**
 * Names run by more than one process at one instant. One scan of /proc is not an instant (a process may end and
 * its successor start while the scan walks on), so a name that looks doubled is checked again afterwards: a
 * process seen running at the scan and still running now ran all along, so two that both pass the re-check were
 * alive together at the moment of the re-check.
 */
export function doubledNames(prefix: string): Array<{ name: string; processes: Marked[] }> {
  const byName = new Map<string, Marked[]>();
  for (const m of scanMarked(prefix)) {
    if (m.name === undefined) continue;
    byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  }
  const doubled: Array<{ name: string; processes: Marked[] }> = [];
  for (const [name, processes] of byName) {
    if (processes.length < 2) continue;
    const running = processes.filter(stillRunning);
    if (running.length > 1) doubled.push({ name, processes: running });
  }
  return doubled;
}

export interface StoredRecordFacts {
  name: string;
  id: string;
  pid: number;
}

/** The records in the store's folder, read as plain JSON files (not through pidkeep). */
export function storedRecords(dir: string, namespace: string): StoredRecordFacts[] {
  const records = join(dir, namespace, 'records');
  if (!existsSync(records)) return [];
  return readdirSync(records)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      try {
        const [line, endedLine] = readFileSync(join(records, file), 'utf8').split('\n');
        if (endedLine) return []; // the trace of a run that ended (a second line, {"ended":...}): holds no process
        const record = JSON.parse(line!) as { name: string; id: string; pid: number };
        return [{ name: record.name, id: record.id, pid: record.pid }];
      } catch {
        return []; // a planted corrupt record
      }
    });
}

/** Files in `records/` that are neither a record nor a spare of a running controller: what a dead writer left. */
export function strayTempFiles(dir: string, namespace: string): string[] {
  const records = join(dir, namespace, 'records');
  if (!existsSync(records)) return [];
  return readdirSync(records).filter((file) => {
    if (!file.endsWith('.tmp')) return false;
    const spare = /^spare\.(\d+)\./.exec(file);
    return !(spare && runningSince(spare[1]!) !== undefined);
  });
}

export interface Sentinel {
  pid: number;
  label: string;
  /** What the sentinel wrote when a signal reached it (or its `sleep` was killed): must stay empty. */
  signals(): string;
  /** Returns once every signal delivered before this call has been written down (or would have been). */
  flush(): Promise<void>;
}

/**
 * A process pidkeep did not start, which notes every catchable signal that reaches it (and its group's `sleep`
 * ending by any signal) in a file. `env` may give it a marker-like variable. Killed in teardown.
 */
export async function startSentinel(t: TestContext, dir: string, label: string, env: Record<string, string> = {}): Promise<Sentinel> {
  const file = join(dir, `sentinel-${label}`);
  const script = [
    'f=$1',
    ...['TERM', 'HUP', 'INT', 'QUIT', 'USR2', 'PIPE', 'ALRM'].map((s) => `trap 'echo ${s} >> "$f"' ${s}`),
    // USR1 is the test's own ping (see flush), not a finding.
    `trap 'echo ping >> "$f.ping"' USR1`,
    'echo ready > "$f.ready"',
    // `sleep` carries the same environment: a signal that kills it alone shows up as its exit status.
    'while :; do sleep 0.1 || echo "sleep ended with status $?" >> "$f"; done',
  ].join('\n');
  const child = spawn('sh', ['-c', script, `sentinel-${label}`, file], { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  const pid = reaper(t)(child.pid)!;
  child.unref();
  await waitFor(`sentinel ${label} to install its traps`, () => readText(`${file}.ready`).includes('ready'));
  let pings = 0;
  return {
    pid,
    label,
    signals: () => readText(file),
    async flush() {
      // A trap runs when the shell's `sleep` returns; a ping sent now is written after every earlier signal's trap.
      pings += 1;
      process.kill(pid, 'SIGUSR1');
      await waitFor(`sentinel ${label} to answer ping ${pings}`, () => readText(`${file}.ping`).split('\n').filter(Boolean).length >= pings);
    },
  };
}
