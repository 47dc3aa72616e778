// The Tauri backend's OS powers on macOS, as fixed scripts in the app's capability (`sh -c '<script>'`, like
// linux.ts; the page supplies only validated arguments). macOS has no /proc: the probe runs BSD `ps -E`, which
// appends each process's environment to its arguments, and keeps of each line only the pid, parent, group, start
// time, state, the program's file name and this app's marker; no other argument or variable leaves the script.
// The kill script reads the start time and marker again right before `kill`.
// Start times are `lstart`, which macOS keeps as an absolute time taken at fork (`p_starttime`): a clock step moves
// neither them nor pid 1's, whose start time stands for the boot.
// NOT RUN in pidkeep's CI (Linux): test/tauri/macos-powers.test.ts runs both scripts with real `sh`, `awk` and `kill`
// against real processes, with a stand-in for BSD `ps` on PATH (its output format as documented in ps(1)).
import type { SignalName } from '../../types.js';
import { checkedNamespace, PID_LIST_VALIDATOR, PID_VALIDATOR, MARKER_SUFFIX_VALIDATOR, SIGNAL_VALIDATOR } from './linux.js';
import { FIXED, listInRuns, markerSuffix, scriptKillFailure, shScopes, type Listing, type PowerNames, type Row, type ScopeEntry, type TauriPlatform } from './types.js';

/** `lstart` under `LC_ALL=C TZ=UTC`, with single spaces, as the probe prints it: `Sun Nov 29 09:00:01 2026`. */
export const LSTART_VALIDATOR = '[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}';

/**
 * The probe. `$1` is a pid list (or `-` for every process carrying this namespace's marker). Prints `app <pid>
 * <parent>` (the app is the shell's parent), then one line per process, pid 1 always first among them:
 * `<pid> <ppid> <pgid> <lstart, 5 words> <state> <program file name>[ PIDKEEP_MARK=<marker>|other]`.
 */
export function macosProbeScript(namespace: string): string {
  const ns = checkedNamespace(namespace);
  return [
    'set -f',
    'case $1 in -) ;; *[!0-9,]*|,*|*,|*,,*|"") exit 2 ;; esac',
    'export TZ=UTC LC_ALL=C',
    'echo "app $PPID $(ps -o ppid= -p $PPID | tr -d " ")"',
    'if [ "$1" = - ]; then sel=-A; else sel=-p1,$1; fi',
    // Fields: $1 pid, $2 ppid, $3 pgid, $4-$8 lstart, $9 state, $10 argv[0], then arguments and environment. The
    // environment follows the arguments: the last PIDKEEP_MARK= word is the environment's.
    `ps -ww -E -o pid=,ppid=,pgid=,lstart=,stat=,args= $sel | awk -v ns='${ns}' -v all="$sel" '`,
    '  { mark = ""; for (i = 11; i <= NF; i++) if (index($i, "PIDKEEP_MARK=") == 1) mark = substr($i, 14)',
    '    if (mark != "" && index(mark, ns "@") != 1 && index(mark, ns "/") != 1) mark = "other"',
    '    if (all == "-A" && $1 != 1 && (mark == "" || mark == "other")) next',
    '    n = split($10, path, "/"); line = $1 " " $2 " " $3 " " $4 " " $5 " " $6 " " $7 " " $8 " " $9 " " path[n]',
    '    if (mark != "") line = line " PIDKEEP_MARK=" mark',
    "    print line }'",
  ].join('\n');
}

/**
 * The signal. `$1` signal name, `$2` pid, `$3` lstart, `$4` marker suffix. Prints `sent`, `gone` (nothing sent) or
 * `refused <why>`; never signals the app, its parent, pid 1, or a process without this exact marker and start time.
 */
export function macosKillScript(namespace: string): string {
  const ns = checkedNamespace(namespace);
  return [
    'set -f',
    'sig=$1 pid=$2 start=$3 suffix=$4',
    'case $sig in INT|TERM|HUP|QUIT|USR1|USR2|KILL) ;; *) echo "refused signal"; exit 3 ;; esac',
    'case $pid in ""|0*|*[!0-9]*) echo "refused pid"; exit 3 ;; esac',
    'case $start in ""|*[!A-Za-z0-9:\\ ]*) echo "refused start time"; exit 3 ;; esac',
    'case $suffix in ""|*[!0-9a-f/]*) echo "refused marker"; exit 3 ;; esac',
    '[ ${#pid} -le 10 ] && [ "$pid" -gt 1 ] || { echo "refused pid"; exit 3; }',
    'export TZ=UTC LC_ALL=C',
    'parent=$(ps -o ppid= -p $PPID | tr -d " ")',
    '[ -n "$parent" ] || exit 3',
    '[ "$pid" != "$PPID" ] && [ "$pid" != "$parent" ] && [ "$pid" != "$$" ] || { echo "refused the app or its parent"; exit 3; }',
    // Identity, read again right before the signal: start time and marker, else nothing is sent.
    'line=$(ps -ww -E -o stat=,lstart=,args= -p "$pid" 2>/dev/null | sed -n 1p)',
    '[ -n "$line" ] || { echo gone; exit 0; }',
    'set -- $line',
    'case $1 in Z*) echo gone; exit 0 ;; esac',
    '[ "$2 $3 $4 $5 $6" = "$start" ] || { echo gone; exit 0; }',
    'shift 6',
    'mark=',
    'for word in "$@"; do case $word in PIDKEEP_MARK=*) mark=$word ;; esac; done',
    `case $suffix in /*) want="PIDKEEP_MARK=${ns}$suffix" ;; *) want="PIDKEEP_MARK=${ns}@$suffix" ;; esac`,
    '[ "$mark" = "$want" ] || { echo "refused marker"; exit 4; }',
    'kill -s "$sig" "$pid" 2>/dev/null || { ps -p "$pid" >/dev/null 2>&1 && { echo "refused permission"; exit 4; }; echo gone; exit 0; }',
    'echo sent',
  ].join('\n');
}

/** The two `shell:allow-execute` scope entries for macOS (a capability with `"platforms": ["macOS"]`). */
export function macosPowerScopes(namespace: string, names: PowerNames = {}): ScopeEntry[] {
  return shScopes(names, macosProbeScript(namespace), macosKillScript(namespace), { pids: PID_LIST_VALIDATOR, signal: SIGNAL_VALIDATOR, pid: PID_VALIDATOR, start: LSTART_VALIDATOR, marker: MARKER_SUFFIX_VALIDATOR });
}

const ROW = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\w{3} +\w{3} +\d+ +[\d:]+ +\d{4})\s+(\S+)\s+(\S+)(?:\s+PIDKEEP_MARK=(\S+))?\s*$/;

/** Reads the probe's output; lines it cannot read are left out. The boot id is `ps:<start time of pid 1>`. */
export function parseMacosProbe(stdout: string): Omit<Listing, 'code' | 'stderr'> {
  let app: Listing['app'];
  let bootId: string | undefined;
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const self = /^app (\d+) (\d+)$/.exec(line.trim());
    if (self) {
      app = { pid: Number(self[1]), parent: Number(self[2]) };
      continue;
    }
    const m = ROW.exec(line);
    if (!m) continue;
    const startTime = m[4]!.replace(/ +/g, ' ');
    if (m[1] === '1') bootId = `ps:${startTime}`;
    rows.push({ pid: Number(m[1]), ppid: Number(m[2]), startTime, zombie: m[5]!.startsWith('Z'), comm: m[6]!.slice(0, 64), marker: m[7] ?? null });
  }
  return { bootId, app, rows };
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGBUS', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM', 30: 'SIGUSR1', 31: 'SIGUSR2' };

/** macOS: the capability's fixed probe and kill scripts (above), run under the scope names `names`. */
export function macosPlatform(names: Required<PowerNames>): TauriPlatform {
  return {
    name: 'macos',
    maxPid: 99_999,
    psProgram: 'the pidkeep-ps script',
    psHint: 'grant shell:allow-execute for `ps` (the "pidkeep-ps" scope from macosPowerScopes(namespace): a fixed probe script; README, Tauri section)',
    killHint: 'grant shell:allow-execute for `kill` (the "pidkeep-kill" scope from macosPowerScopes(namespace): a fixed kill script; README, Tauri section)',
    noSweep: undefined,
    list: (run, pids) => listInRuns(pids, (list) => run(['-c', FIXED, names.ps, list]), parseMacosProbe),
    killArgs: (signal: SignalName, pid, expected) => ['-c', FIXED, names.kill, signal.slice(3), String(pid), expected.startTime, markerSuffix(expected.marker)],
    killFailure: scriptKillFailure,
    signalName: (signal) => (signal === null ? null : (SIGNALS[signal] ?? `signal ${signal}`)),
  };
}
