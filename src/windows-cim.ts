// Win32_Process through PowerShell's CIM cmdlets, as both Windows backends run it: the Node backend
// (node/platform/win32.ts) from Node, the Tauri backend (tauri/windows.ts) through the shell plugin. The script pieces
// that print, and the parser that reads them. No Node imports: the Tauri webview bundles this file.

export interface WinRow {
  pid: number;
  /** ParentProcessId, where the script printed it. */
  ppid?: number;
  /** CreationDate in UTC, ISO 8601 with 100 ns digits: unique per pid within one boot. */
  startTime: string;
  comm: string;
}

/** Prints `boot|<LastBootUpTime>` in UTC round-trip format: the boot id. Only single quotes (see tauri/windows.ts). */
export const CIM_BOOT_LINE = "'boot|' + (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')";

/**
 * A pipeline stage after `Get-CimInstance Win32_Process`: `<ProcessId>|<ParentProcessId>|<CreationDate>|<Name>` per
 * process. The System Idle Process has no CreationDate and is left out (calling a method on it would end the script).
 */
export const CIM_PROCESS_LINES =
  "ForEach-Object { if ($_.CreationDate) { '' + $_.ProcessId + '|' + $_.ParentProcessId + '|' + $_.CreationDate.ToUniversalTime().ToString('o') + '|' + $_.Name } }";

const ROW = /^(\d+)\|(?:(\d+)\|)?(\d{4}-\d{2}-\d{2}T[\d:.]+Z?)\|(.*)$/;

/**
 * Parses what the pieces above print: a `boot|<time>` line, then one `<pid>|[<ppid>|]<created>|<name>` line per
 * process. Anything else (a warning, a byte-order mark) is left out; a name cannot hold `|`.
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
    const m = ROW.exec(line);
    if (!m) continue;
    const row: WinRow = { pid: Number(m[1]), startTime: m[3]!, comm: m[4]! };
    if (m[2] !== undefined) row.ppid = Number(m[2]);
    rows.set(row.pid, row);
  }
  return { bootId, rows };
}
