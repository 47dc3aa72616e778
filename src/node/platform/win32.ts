import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Identity, ProbeResult } from '../../types.js';
import { CIM_BOOT_LINE, CIM_PROCESS_LINES, parseWinProcesses, type WinRow } from '../../windows-cim.js';
import { run } from './run.js';
import type { Platform } from './types.js';

export { parseWinProcesses, type WinRow } from '../../windows-cim.js';

/** One PowerShell run for all pids (CIM), instead of one `tasklist` per pid. */
export function winScript(pids: readonly number[]): string {
  const filter = pids.map((pid) => `ProcessId=${Math.trunc(pid)}`).join(' OR ');
  return [
    "$ErrorActionPreference='Stop'",
    CIM_BOOT_LINE,
    `Get-CimInstance Win32_Process -Filter '${filter}' | ${CIM_PROCESS_LINES}`,
  ].join('; ');
}

async function query(pids: readonly number[]) {
  const out = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', winScript(pids)]);
  const parsed = parseWinProcesses(out.stdout ?? '');
  if (!parsed.bootId) throw new Error(`PowerShell did not report the boot time: ${out.stderr}`);
  return parsed as { bootId: string; rows: Map<number, WinRow> };
}

const identityOf = (row: WinRow, bootId: string): Identity => ({ bootId, pid: row.pid, startTime: row.startTime, comm: row.comm });

export const win32: Platform = {
  name: 'win32',
  maxPid: () => 0xffff_fffc,
  dataDir: () => process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'),
  async probe(pids) {
    if (pids.length === 0) return [];
    const { bootId, rows } = await query(pids);
    return pids.map((pid): ProbeResult => {
      const row = rows.get(pid);
      return row ? { pid, alive: true, identity: identityOf(row, bootId), groupLeader: false } : { pid, alive: false };
    });
  },
  async identity(pid): Promise<Identity | undefined> {
    const { bootId, rows } = await query([pid]);
    const row = rows.get(pid);
    return row && identityOf(row, bootId);
  },
  // Windows has no signals or process groups: taskkill /T ends the tree; without /F it asks politely first.
  signal(pid, signal) {
    const args = ['/PID', String(pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])];
    const out = process.getBuiltinModule('node:child_process').spawnSync('taskkill', args, { encoding: 'utf8', windowsHide: true });
    // A console program refuses the polite request; the plan then waits and escalates, so only a failed /F is an error.
    if (signal === 'SIGKILL' && out.status !== 0 && !/not found/i.test(out.stderr)) throw new Error(`taskkill ${args.join(' ')} failed: ${out.stderr.trim()}`);
  },
};
