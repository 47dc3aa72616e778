import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Identity, ProbeResult } from '../../types.js';
import { run } from './run.js';
import type { Platform } from './types.js';

export interface WinRow {
  pid: number;
  /** CreationDate in UTC, ISO 8601 with 100 ns digits: unique per pid within one boot. */
  startTime: string;
  comm: string;
}

/**
 * Parses the output of the PowerShell script below: a `boot|<LastBootUpTime>` line, then
 * `<ProcessId>|<CreationDate>|<Name>` per process, all times in UTC round-trip format.
 */
export function parseWinProcesses(text: string): { bootId: string | undefined; rows: Map<number, WinRow> } {
  const rows = new Map<number, WinRow>();
  let bootId: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('boot|')) {
      bootId = line.slice(5) || undefined;
      continue;
    }
    const m = /^(\d+)\|(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)\|(.*)$/.exec(line);
    if (m) rows.set(Number(m[1]), { pid: Number(m[1]), startTime: m[2]!, comm: m[3]! });
  }
  return { bootId, rows };
}

/** One PowerShell run for all pids (CIM), instead of one `tasklist` per pid. */
export function winScript(pids: readonly number[]): string {
  const filter = pids.map((pid) => `ProcessId=${Math.trunc(pid)}`).join(' OR ');
  return [
    "$ErrorActionPreference='Stop'",
    "'boot|' + (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')",
    `Get-CimInstance Win32_Process -Filter '${filter}' | ForEach-Object { '' + $_.ProcessId + '|' + $_.CreationDate.ToUniversalTime().ToString('o') + '|' + $_.Name }`,
  ].join('; ');
}

async function query(pids: readonly number[]) {
  const out = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', winScript(pids)]);
  const parsed = parseWinProcesses(out.stdout ?? '');
  if (!parsed.bootId) throw new Error(`PowerShell did not report the boot time: ${out.stderr}`);
  return parsed as { bootId: string; rows: Map<number, WinRow> };
}

export const win32: Platform = {
  name: 'win32',
  maxPid: () => 0xffff_fffc,
  dataDir: () => process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'),
  async probe(pids) {
    if (pids.length === 0) return [];
    const { bootId, rows } = await query(pids);
    return pids.map((pid): ProbeResult => {
      const row = rows.get(pid);
      return row ? { pid, alive: true, identity: { bootId, ...row }, groupLeader: false } : { pid, alive: false };
    });
  },
  async identity(pid): Promise<Identity | undefined> {
    const { bootId, rows } = await query([pid]);
    const row = rows.get(pid);
    return row && { bootId, ...row };
  },
  // Windows has no signals or process groups: taskkill /T ends the tree; without /F it asks politely first.
  signal(pid, signal) {
    const args = ['/PID', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])];
    const out = spawnSync('taskkill', args, { encoding: 'utf8', windowsHide: true });
    // A console program refuses the polite request; the plan then waits and escalates, so only a failed /F is an error.
    if (signal === 'SIGKILL' && out.status !== 0 && !/not found/i.test(out.stderr)) throw new Error(`taskkill ${args.join(' ')} failed: ${out.stderr.trim()}`);
  },
};
