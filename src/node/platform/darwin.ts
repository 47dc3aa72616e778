import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Identity, ProbeResult } from '../../types.js';
import { posixSignal } from './posix.js';
import { run } from './run.js';
import type { Platform } from './types.js';

export interface PsRow {
  pid: number;
  pgid: number;
  state: string;
  /** `lstart`, e.g. `Sun Nov 29 07:33:39 2026`: one-second resolution, hence the marker-less comm check too. */
  startTime: string;
  comm: string;
}

/**
 * Parses `ps -o pid=,pgid=,stat=,lstart=,ucomm=` run with LC_ALL=C. lstart is always five words
 * (`Sun Nov 29 07:33:39 2026`); ucomm comes last because it may contain spaces.
 */
export function parsePs(text: string): Map<number, PsRow> {
  const rows = new Map<number, PsRow>();
  const line = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4})\s+(.*?)\s*$/;
  for (const text_ of text.split('\n')) {
    const m = line.exec(text_);
    if (!m) continue;
    rows.set(Number(m[1]), { pid: Number(m[1]), pgid: Number(m[2]), state: m[3]!, startTime: m[4]!.replace(/\s+/g, ' '), comm: m[5]! });
  }
  return rows;
}

/** Parses `sysctl -n kern.boottime`: `{ sec = 1764400000, usec = 123456 } Sat Nov 29 07:33:20 2026`. */
export function parseBootTime(text: string): string | undefined {
  const m = /sec\s*=\s*(\d+),\s*usec\s*=\s*(\d+)/.exec(text);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

let cachedBootId: string | undefined;
function bootId(): string {
  if (cachedBootId) return cachedBootId;
  const out = process.getBuiltinModule('node:child_process').spawnSync('sysctl', ['-n', 'kern.boottime'], { encoding: 'utf8' });
  const id = parseBootTime(out.stdout ?? '');
  if (!id) throw new Error(`cannot read the boot time with \`sysctl -n kern.boottime\`: ${out.error?.message ?? out.stderr}`);
  return (cachedBootId = id);
}

/** One `ps` for every pid; ps exits 1 when some pid is missing, but still prints the others. */
async function ps(pids: readonly number[]): Promise<Map<number, PsRow>> {
  if (pids.length === 0) return new Map();
  const out = await run('ps', ['-o', 'pid=,pgid=,stat=,lstart=,ucomm=', '-p', pids.join(',')], { ...process.env, LC_ALL: 'C' });
  // Exit 1 only means "some pid not found"; anything else is a failed probe, never "everything is dead".
  if (out.status !== 0 && out.status !== 1) throw new Error(`ps failed (exit ${out.status}): ${out.stderr.trim()}`);
  return parsePs(out.stdout);
}

const toIdentity = (row: PsRow): Identity => ({ bootId: bootId(), pid: row.pid, startTime: row.startTime, comm: row.comm });

export const darwin: Platform = {
  name: 'darwin',
  maxPid: () => 99_999,
  dataDir: () => join(homedir(), 'Library', 'Application Support'),
  async probe(pids) {
    const rows = await ps(pids);
    return pids.map((pid): ProbeResult => {
      const row = rows.get(pid);
      if (!row || row.state.startsWith('Z')) return { pid, alive: false };
      // Environments of other processes are not readable here: marker undefined, so the command name is compared.
      return { pid, alive: true, identity: toIdentity(row), groupLeader: row.pgid === pid };
    });
  },
  async identity(pid) {
    const row = (await ps([pid])).get(pid);
    return row && toIdentity(row);
  },
  signal: posixSignal,
};
