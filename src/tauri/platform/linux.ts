// The Tauri backend's OS powers on Linux, as fixed scripts that live in the app's capability: `sh -c '<script>'`.
// The script is a fixed argument, taken from the capability whatever the page sends, and each variable argument
// is required and must match its validator (tauri-plugin-shell 2.4.1 src/scope.rs:278-283,
// `ShellScope::_prepare`: `ScopeAllowedArg::Fixed`, `Error::MissingVar`). A compromised page can therefore learn
// only what pidkeep needs (pid, parent, group, state, start ticks, command name, and a marker of this app's
// namespace, never another variable), and signal only a process that carries this app's marker and the start
// ticks the page names, re-checked by the script right before `kill`; never the app, its parent or pid 1.
// Start times are clock ticks since boot from /proc/<pid>/stat, and the boot id is the kernel's: a clock step
// changes neither (`ps -o lstart` moves with the wall clock). Records written this way match the Node backend's.
import type { SignalName } from '../../types.js';
import { isValidName } from '../../validate.js';
import { FIXED, listInRuns, markerSuffix, scriptKillFailure, shScopes, type PowerNames, type Row, type ScopeEntry, type TauriPlatform } from './types.js';

/** A comma-separated list of up to 512 pids, or `-` (none: list this namespace's marked processes). */
// Tauri anchors a validator as `^{v}$` (tauri-plugin-shell 2.4.1 src/scope.rs:93-97, `format!("^{validator}$")` unless `raw`):
// every alternation is grouped, or `^a|b$` would let `b` match anywhere.
export const PID_LIST_VALIDATOR = '(-|[1-9][0-9]{0,9}(,[1-9][0-9]{0,9}){0,511})';
export const SIGNAL_VALIDATOR = '(INT|TERM|HUP|QUIT|USR1|USR2|KILL)';
export const PID_VALIDATOR = '[1-9][0-9]{0,9}';
export const TICKS_VALIDATOR = '[0-9]{1,20}';
/** `<store id>/<record id>`, or `/<record id>` for a marker of pidkeep 0.1.0 (`<namespace>/<id>`). */
export const MARKER_SUFFIX_VALIDATOR = '([0-9a-f]{16})?/[0-9a-f]{16,64}';

export function checkedNamespace(namespace: string): string {
  if (!isValidName(namespace)) throw new TypeError(`[pidkeep] Expected the namespace to be 1-128 characters of [A-Za-z0-9._-], got ${JSON.stringify(namespace)}`);
  return namespace;
}

/**
 * The probe. `$1` is a pid list (or `-` for every process carrying this namespace's marker). Prints `boot <id>`,
 * `app <pid> <parent>` (the app is the shell's parent), then per process `stat <pid> <state> <ppid> <pgrp>
 * <ticks> <comm>`, `mark <pid> <marker>` (this namespace's marker; `other` for another pidkeep namespace's) and
 * `hidden <pid>` where the environment may not be read. Two helper processes whatever the number of pids.
 */
export function linuxProbeScript(namespace: string): string {
  const ns = checkedNamespace(namespace).replace(/\./g, '\\.');
  return [
    'set -f',
    'case $1 in -) ;; *[!0-9,]*|,*|*,|*,,*|"") exit 2 ;; esac',
    'echo "boot $(cat /proc/sys/kernel/random/boot_id)"',
    // The app: this shell's parent. Field 4 of its stat line (after the last ") ") is its own parent.
    "read -r line < /proc/$PPID/stat && rest=${line##*') '} && set -- $1 $rest && echo \"app $PPID $3\"",
    'if [ "$1" = - ]; then',
    '  set +f',
    // Every process whose environment names this namespace: grep -l prints only file names, never a value.
    `  pids=$(grep -alz '^PIDKEEP_MARK=${ns}[@/]' /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\\([0-9]*\\)/environ$#\\1#p' | tr '\\n' ' ')`,
    '  set -f',
    'else',
    '  pids=$(echo "$1" | tr , " ")',
    'fi',
    'stats= envs=',
    'for p in $pids; do',
    '  stats="$stats /proc/$p/stat" envs="$envs /proc/$p/environ"',
    '  [ -e /proc/$p ] && ! [ -r /proc/$p/environ ] && echo "hidden $p"',
    'done',
    '[ -n "$pids" ] || exit 0',
    // One cat for every stat line; awk keeps the fields pidkeep needs (comm may hold spaces and parentheses).
    'cat $stats 2>/dev/null | awk \'{ close_at = 0; for (i = length($0); i > 0; i--) if (substr($0, i, 1) == ")") { close_at = i; break }',
    '  open_at = index($0, "("); if (!close_at || !open_at) next',
    '  split(substr($0, close_at + 2), f, " "); print "stat", $1, f[1], f[2], f[3], f[20], substr($0, open_at + 1, close_at - open_at - 1) }\'',
    // One grep for every environment: the marker's value is printed only when it is this namespace's.
    `grep -azH '^PIDKEEP_MARK=' $envs 2>/dev/null | tr '\\0' '\\n' | sed -n -e 's#^/proc/\\([0-9]*\\)/environ:PIDKEEP_MARK=\\(${ns}[@/][0-9a-f/]*\\)$#mark \\1 \\2#p' -e 't' -e 's#^/proc/\\([0-9]*\\)/environ:.*#mark \\1 other#p'`,
    'exit 0',
  ].join('\n');
}

/**
 * The signal. `$1` signal name, `$2` pid, `$3` start ticks, `$4` marker suffix (`<store id>/<record id>`). Prints
 * `sent`, `gone` (no such process, or another one holds the pid: nothing sent) or `refused <why>` (exit 3 or 4);
 * never signals the app, its parent, pid 1, or a process without this exact marker. One process only: the shell
 * plugin's children share the app's process group, so there is no group of theirs to signal.
 */
export function linuxKillScript(namespace: string): string {
  const ns = checkedNamespace(namespace);
  return [
    'set -f',
    'sig=$1 pid=$2 ticks=$3 suffix=$4',
    // The capability's validators say the same; the script does not rely on them being configured right.
    'case $sig in INT|TERM|HUP|QUIT|USR1|USR2|KILL) ;; *) echo "refused signal"; exit 3 ;; esac',
    'case $pid in ""|0*|*[!0-9]*) echo "refused pid"; exit 3 ;; esac',
    'case $ticks in ""|*[!0-9]*) echo "refused ticks"; exit 3 ;; esac',
    'case $suffix in ""|*[!0-9a-f/]*) echo "refused marker"; exit 3 ;; esac',
    '[ ${#pid} -le 10 ] && [ "$pid" -gt 1 ] || { echo "refused pid"; exit 3; }',
    'read -r line < /proc/$PPID/stat && rest=${line##*\') \'} && set -- $rest || exit 3',
    '[ "$pid" != "$PPID" ] && [ "$pid" != "$2" ] && [ "$pid" != "$$" ] || { echo "refused the app or its parent"; exit 3; }',
    // Identity, read again right before the signal: start ticks and marker, else nothing is sent.
    'read -r line < /proc/$pid/stat 2>/dev/null || { echo gone; exit 0; }',
    "rest=${line##*') '} && set -- $rest",
    'state=$1 && shift 19',
    '[ "$1" = "$ticks" ] && [ "$state" != Z ] && [ "$state" != X ] || { echo gone; exit 0; }',
    'case $suffix in /*) want="PIDKEEP_MARK=' + ns + '$suffix" ;; *) want="PIDKEEP_MARK=' + ns + '@$suffix" ;; esac',
    'mark=$(grep -az "^PIDKEEP_MARK=" /proc/$pid/environ 2>/dev/null | tr -d "\\000")',
    '[ "$mark" = "$want" ] || { echo "refused marker"; exit 4; }',
    // A kill that fails on a process still there was refused (EPERM: another user's), not "gone".
    'kill -s "$sig" "$pid" 2>/dev/null || { [ -e /proc/$pid ] && { echo "refused permission"; exit 4; }; echo gone; exit 0; }',
    'echo sent',
  ].join('\n');
}

/** The two `shell:allow-execute` scope entries for Linux, for a capability file (paste or generate them). */
export function linuxPowerScopes(namespace: string, names: PowerNames = {}): ScopeEntry[] {
  return shScopes(names, linuxProbeScript(namespace), linuxKillScript(namespace), { pids: PID_LIST_VALIDATOR, signal: SIGNAL_VALIDATOR, pid: PID_VALIDATOR, start: TICKS_VALIDATOR, marker: MARKER_SUFFIX_VALIDATOR });
}

export interface LinuxProcess {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
  /** Clock ticks since boot (/proc/<pid>/stat field 22), as the Node backend records them. */
  startTime: string;
  comm: string;
  /** This namespace's marker; null when it has none; `other` is another namespace's; undefined when hidden. */
  marker: string | null | undefined;
}

export interface LinuxListing {
  bootId: string | undefined;
  app: { pid: number; parent: number } | undefined;
  processes: LinuxProcess[];
}

/** Reads the probe's output; lines it cannot read are left out. */
export function parseLinuxProbe(stdout: string): LinuxListing {
  const listing: LinuxListing = { bootId: undefined, app: undefined, processes: [] };
  const hidden = new Set<number>();
  const marks = new Map<number, string>();
  const stats: Array<Omit<LinuxProcess, 'marker'>> = [];
  for (const line of stdout.split('\n')) {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'boot' && /^[0-9a-f-]{36}$/.test(rest[0] ?? '')) listing.bootId = rest[0];
    else if (kind === 'app' && rest.length === 2 && rest.every((n) => /^\d+$/.test(n))) listing.app = { pid: Number(rest[0]), parent: Number(rest[1]) };
    else if (kind === 'hidden' && /^\d+$/.test(rest[0] ?? '')) hidden.add(Number(rest[0]));
    else if (kind === 'mark' && /^\d+$/.test(rest[0] ?? '') && rest.length === 2) marks.set(Number(rest[0]), rest[1]!);
    else if (kind === 'stat' && rest.length >= 6 && [0, 2, 3, 4].every((i) => /^\d+$/.test(rest[i]!))) {
      stats.push({ pid: Number(rest[0]), state: rest[1]!, ppid: Number(rest[2]), pgrp: Number(rest[3]), startTime: rest[4]!, comm: rest.slice(5).join(' ') });
    }
  }
  listing.processes = stats.map((p) => ({ ...p, marker: hidden.has(p.pid) ? undefined : (marks.get(p.pid) ?? null) }));
  return listing;
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 15: 'SIGTERM' };

/** Linux: the capability's fixed probe and kill scripts (above), run under the scope names `names`. */
export function linuxPlatform(names: Required<PowerNames>): TauriPlatform {
  return {
    name: 'linux',
    maxPid: 4_194_304,
    psProgram: 'the pidkeep-ps script',
    psHint: 'grant shell:allow-execute for `ps` (the "pidkeep-ps" scope from linuxPowerScopes(namespace): a fixed probe script; README, Tauri section)',
    killHint: 'grant shell:allow-execute for `kill` (the "pidkeep-kill" scope from linuxPowerScopes(namespace): a fixed kill script; README, Tauri section)',
    noSweep: undefined,
    // The fixed places (`-c`, the script, its name) come from the capability whatever is sent here.
    list: (run, pids) =>
      listInRuns(pids, (list) => run(['-c', FIXED, names.ps, list]), (stdout) => {
        const read = parseLinuxProbe(stdout);
        const rows = read.processes.map((p): Row => ({ pid: p.pid, ppid: p.ppid, startTime: p.startTime, zombie: p.state === 'Z' || p.state === 'X', comm: p.comm, marker: p.marker }));
        return { bootId: read.bootId, app: read.app, rows };
      }),
    killArgs: (signal: SignalName, pid, expected) => ['-c', FIXED, names.kill, signal.slice(3), String(pid), expected.startTime, markerSuffix(expected.marker)],
    killFailure: scriptKillFailure,
    signalName: (signal) => (signal === null ? null : (SIGNALS[signal] ?? `signal ${signal}`)),
  };
}
