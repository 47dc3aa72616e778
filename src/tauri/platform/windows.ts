// The Tauri backend's two OS powers on Windows, each one `powershell.exe -NoProfile -NonInteractive -Command <fixed
// script> <validated arguments>` scope entry (the script is a fixed argument of the capability):
//   ps    a CIM query for all pids at once: pid, parent, creation time, image name, and the boot time
//   kill  re-reads the process's creation time and image name right before `taskkill.exe` (`/PID <n>`: a close
//         request; `/F /PID <n>`: the end; never `/T`), and refuses the app, its parent and the system's first pids.
// Windows lets no process read another's environment: there is no marker, so the identity is boot time + pid +
// creation time + image name, and sweep() cannot find processes. Identities match the Node backend's on Windows.
// PowerShell joins every argument after `-Command` into the command text: each validator admits only characters
// that PowerShell reads as a plain word (digits, letters, `.`, `-`, `_`, `:`), so a page cannot add code.
// NOT RUN in pidkeep's CI (Linux): test/tauri/windows.unit.test.ts checks the arguments, the validators against
// hostile input and the output parsing; the scripts themselves have never run on Windows.
import { PidkeepError } from '../../errors.js';
import type { SignalName } from '../../types.js';
import { CIM_BOOT_LINE, CIM_PROCESS_LINES, parseWinProcesses } from '../../windows-cim.js';
import { FIXED, listInRuns, type Executed, type PowerNames, type ScopeEntry, type TauriPlatform } from './types.js';

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

export const WINDOWS_PS_HINT = 'grant shell:allow-execute for `powershell.exe` (the Windows "pidkeep-ps" scope from windowsPowerScopes(); README, Tauri section)';
export const WINDOWS_KILL_HINT = 'grant shell:allow-execute for `powershell.exe` (the Windows "pidkeep-kill" scope from windowsPowerScopes(): a fixed script around taskkill.exe; README, Tauri section)';
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

/**
 * The fixed script of the `kill` power: `<pid> <creation time> <image name> <close|force>`. Prints `sent`, `gone`
 * (nothing sent: no such process, or another one at that pid) or `refused <why>`. Only single quotes (see above).
 */
export const WINDOWS_KILL_SCRIPT =
  "& { param([long]$id, [string]$created, [string]$name, [string]$how) $ErrorActionPreference = 'Stop'; " +
  "try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch {}; " +
  "if ($how -ne 'close' -and $how -ne 'force') { 'refused how'; exit 3 }; " +
  "if ($id -le 4) { 'refused pid'; exit 3 }; " +
  "$app = (Get-CimInstance Win32_Process -Filter ('ProcessId=' + $PID)).ParentProcessId; " +
  "$appParent = (Get-CimInstance Win32_Process -Filter ('ProcessId=' + $app)).ParentProcessId; " +
  "if ($id -eq $app -or $id -eq $appParent -or $id -eq $PID) { 'refused the app or its parent'; exit 3 }; " +
  "$p = Get-CimInstance Win32_Process -Filter ('ProcessId=' + $id); " +
  "if (-not $p -or -not $p.CreationDate) { 'gone'; exit 0 }; " +
  "if ($p.CreationDate.ToUniversalTime().ToString('o') -ne $created -or $p.Name -ne $name) { 'gone'; exit 0 }; " +
  "if ($how -eq 'force') { taskkill.exe /F /PID $id 2>&1 | Out-Null } else { taskkill.exe /PID $id 2>&1 | Out-Null }; " +
  "if ($LASTEXITCODE -eq 0) { 'sent'; exit 0 }; " +
  "if (Get-CimInstance Win32_Process -Filter ('ProcessId=' + $id)) { 'refused taskkill ' + $LASTEXITCODE; exit 4 }; " +
  "'gone' }";

/** Validators of the kill power's arguments: each a plain PowerShell word (Tauri anchors them, tauri-plugin-shell 2.4.1 src/scope.rs:93-97). */
export const WINDOWS_PID_VALIDATOR = '[1-9][0-9]{0,9}';
export const WINDOWS_CREATED_VALIDATOR = '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{7}Z';
/** An image name without spaces: a program whose file name has one cannot be signalled by this power. */
export const WINDOWS_IMAGE_VALIDATOR = '[A-Za-z0-9_.-]{1,64}';
export const WINDOWS_HOW_VALIDATOR = '(close|force)';

const PS = (script: string) => ['-NoProfile', '-NonInteractive', '-Command', script];

/** The two `shell:allow-execute` scope entries for Windows (a capability with `"platforms": ["windows"]`). */
export function windowsPowerScopes(names: PowerNames = {}): ScopeEntry[] {
  return [
    { name: names.ps ?? 'pidkeep-ps', cmd: 'powershell.exe', args: [...PS(WINDOWS_PS_SCRIPT), { validator: '[0-9]{1,10}(,[0-9]{1,10}){0,511}' }] },
    {
      name: names.kill ?? 'pidkeep-kill',
      cmd: 'powershell.exe',
      args: [...PS(WINDOWS_KILL_SCRIPT), { validator: WINDOWS_PID_VALIDATOR }, { validator: WINDOWS_CREATED_VALIDATOR }, { validator: WINDOWS_IMAGE_VALIDATOR }, { validator: WINDOWS_HOW_VALIDATOR }],
    },
  ];
}

const GRACEFUL: readonly SignalName[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The kill power's arguments: a close request for SIGINT/SIGTERM/SIGHUP/SIGQUIT, the end for SIGKILL. */
export function windowsKillArgs(signal: SignalName, pid: number, expected: { startTime: string; comm: string }): string[] {
  if (signal !== 'SIGKILL' && !GRACEFUL.includes(signal)) {
    throw new PidkeepError('UNSUPPORTED', `Windows has no ${signal}: taskkill can only ask a process to close (SIGINT, SIGTERM, SIGHUP, SIGQUIT) or end it (SIGKILL)`, { pid });
  }
  if (!new RegExp(`^${WINDOWS_IMAGE_VALIDATOR}$`).test(expected.comm)) {
    throw new PidkeepError('UNSUPPORTED', `the kill power cannot name the image "${expected.comm}" (only letters, digits, ".", "-" and "_" pass its validator, so that PowerShell reads it as a plain word); nothing was sent`, { pid });
  }
  return [...PS(FIXED), String(pid), expected.startTime, expected.comm, signal === 'SIGKILL' ? 'force' : 'close'];
}

/**
 * What the kill power's output says. A close request (no /F) reaches only a program with a window: a console
 * program (every child of the shell plugin) cannot be asked and most ignore it, so that failure lets a stop plan go
 * on to a harder step (UNSUPPORTED). A failed /F is a failed stop. Messages are in the system's language: only the
 * verdict line is read.
 */
export function windowsKillFailure(out: Executed, signal: SignalName, pid: number): PidkeepError | undefined {
  const said = out.stdout.trim();
  if (said === 'sent' || said === 'gone') return undefined;
  const what = `the kill power (taskkill.exe ${signal === 'SIGKILL' ? '/F ' : ''}/PID ${pid}) said ${said ? JSON.stringify(said) : `nothing (exit code ${out.code}: ${out.stderr.trim().slice(0, 200)})`}`;
  if (signal !== 'SIGKILL' && said.startsWith('refused taskkill')) {
    return new PidkeepError('UNSUPPORTED', `${what}; without /F taskkill can only ask a program with a window to close (console programs have none): use SIGKILL`, { pid });
  }
  return new PidkeepError('STOP_FAILED', `${what}; nothing was sent unless it says so`, { pid });
}

/** Windows: the fixed CIM probe and the fixed kill script (above); no script argument names its scope. */
export function windowsPlatform(): TauriPlatform {
  return {
    name: 'windows',
    maxPid: 0xffff_fffc,
    psProgram: 'powershell.exe',
    psHint: WINDOWS_PS_HINT,
    killHint: WINDOWS_KILL_HINT,
    noSweep: WINDOWS_NO_SWEEP,
    // 'all' is asked only to learn the app and its parent, which PowerShell prints whatever the list (`0`, the System
    // Idle Process, is never printed).
    list: (run, pids) => listInRuns(pids, (list) => run(windowsPsArgs(list === '-' ? [] : list.split(',').map(Number))), parseWindowsPs),
    killArgs: windowsKillArgs,
    killFailure: windowsKillFailure,
    signalName: (signal) => (signal === null ? null : `signal ${signal}`),
  };
}
