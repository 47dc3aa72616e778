// The Tauri backend's two OS powers on Windows (ps.ts has Linux and macOS), each a scoped command the app grants:
//   ps    one `powershell.exe` run of a fixed CIM script for all pids: pid, parent, creation time, image name, boot time
//   kill  `taskkill.exe`: `/PID <n>` asks the process to close, `/F /PID <n>` ends it; never `/T` (only that pid).
//         A scope entry's argument count is fixed, so these are two entries: `<kill>` and `<kill>-force`.
// Windows lets no process read another's environment: no marker, so the core compares the image name (on top of boot
// time + pid + creation time), and sweep() cannot find processes. Identities match the Node backend's on Windows.
import { PidkeepError } from '../errors.js';
import type { SignalName } from '../types.js';
import { CIM_BOOT_LINE, CIM_PROCESS_LINES, parseWinProcesses } from '../windows-cim.js';

/** `self|<app pid>|<its parent>`: PowerShell's parent is the app, which (with its parent) is never signalled. */
const SELF_LINE =
  "$app = (Get-CimInstance Win32_Process -Filter ('ProcessId=' + $PID)).ParentProcessId; 'self|' + $app + '|' + (Get-CimInstance Win32_Process -Filter ('ProcessId=' + $app)).ParentProcessId";

/**
 * The fixed script of the `ps` power. PowerShell joins every argument after `-Command` into the command text, so the
 * pid list that follows (`12,34`, checked by the scope's validator) is the script block's `[int[]]` argument. Only
 * single quotes: Windows' command-line quoting passes it unchanged. Output in UTF-8 where the console allows it.
 */
export const WINDOWS_PS_SCRIPT =
  "& { param([int[]]$ids) $ErrorActionPreference = 'Stop'; try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch {}; " +
  `${CIM_BOOT_LINE}; ${SELF_LINE}; Get-CimInstance Win32_Process -Filter (($ids | ForEach-Object { 'ProcessId=' + $_ }) -join ' OR ') | ${CIM_PROCESS_LINES} }`;

/** What the scope's validator allows after the script. */
export const WINDOWS_PID_LIST = /^[0-9]+(,[0-9]+)*$/;

export const WINDOWS_PS_HINT = 'grant shell:allow-execute for `powershell.exe` (the Windows "pidkeep-ps" scope in the README\'s Tauri section)';
export const WINDOWS_KILL_HINT = 'grant shell:allow-execute for `taskkill.exe` (the Windows "pidkeep-kill" and "pidkeep-kill-force" scopes in the README\'s Tauri section)';
export const WINDOWS_NO_SWEEP =
  'sweep() finds processes by the pidkeep marker in their environment, and Windows lets no process read another\'s: on Windows only records find their processes again (through the `ps` power)';

/** Arguments of the `ps` power for these pids; `0` (the System Idle Process, never printed) stands for none. */
export function windowsPsArgs(pids: readonly number[]): string[] {
  const list = pids.length ? pids.join(',') : '0';
  if (!WINDOWS_PID_LIST.test(list)) throw new TypeError(`[pidkeep] bad pid list for powershell.exe: ${list}`);
  return ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_PS_SCRIPT, list];
}

/** One process as the `ps` power sees it on Windows: no zombies, and no readable environment (marker undefined). */
export interface WindowsRow {
  pid: number;
  ppid: number;
  startTime: string;
  comm: string;
  zombie: false;
  marker: undefined;
}

/** The `ps` power's output: the boot id (undefined when PowerShell printed none), the app and its parent, the rows. */
export function parseWindowsPs(stdout: string): { bootId: string | undefined; app: { pid: number; parent: number } | undefined; rows: WindowsRow[] } {
  const { bootId, rows } = parseWinProcesses(stdout);
  const read: WindowsRow[] = [];
  for (const { pid, ppid, startTime, comm } of rows.values()) {
    if (ppid !== undefined) read.push({ pid, ppid, startTime, comm, zombie: false, marker: undefined });
  }
  const self = /^\s*self\|(\d+)\|(\d+)\s*$/m.exec(stdout);
  return { bootId, app: self ? { pid: Number(self[1]), parent: Number(self[2]) } : undefined, rows: read };
}

export interface TaskkillCall {
  /** The scope name: `<kill>` for a request to close, `<kill>-force` for SIGKILL. */
  scope: string;
  args: string[];
  graceful: boolean;
}

const GRACEFUL: readonly SignalName[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The `kill` power's command for a signal; SIGUSR1/SIGUSR2 have no Windows meaning (UNSUPPORTED: a plan goes on). */
export function taskkill(signal: SignalName, pid: number, kill: string): TaskkillCall {
  if (signal === 'SIGKILL') return { scope: `${kill}-force`, args: ['/F', '/PID', String(pid)], graceful: false };
  if (GRACEFUL.includes(signal)) return { scope: kill, args: ['/PID', String(pid)], graceful: true };
  throw new PidkeepError('UNSUPPORTED', `Windows has no ${signal}: taskkill can only ask a process to close (SIGINT, SIGTERM, SIGHUP, SIGQUIT) or end it (SIGKILL)`, { pid });
}

/**
 * A taskkill that failed. Without /F it only posts a close request to the process's windows: a console program (no
 * window, as every child of the shell plugin) cannot be asked and most ignore it, so that failure lets a stop plan go
 * on to a harder step (UNSUPPORTED). A failed /F is a failed stop. Messages are in the system's language: only the
 * exit code is read.
 */
export function taskkillFailure(call: TaskkillCall, pid: number, out: { code: number | null; stderr: string }): PidkeepError {
  const said = `\`taskkill.exe ${call.args.join(' ')}\` failed (exit code ${out.code}): ${out.stderr.trim() || 'no message'}`;
  if (call.graceful) return new PidkeepError('UNSUPPORTED', `${said}; without /F taskkill can only ask a program with a window to close (console programs have none): use SIGKILL`, { pid });
  return new PidkeepError('STOP_FAILED', said, { pid });
}
