// The `ps` probe and `kill` signals run through the shell plugin's `execute`, each under a scope the app grants.
// Linux (procps) and macOS (BSD ps) differ only in the flag that appends the environment: `e` versus `-E`.
// Windows has neither; see the README for what the Tauri backend does there.
import type { SignalName } from '../types.js';

export type UnixFlavour = 'linux' | 'macos';

/** Column list: fixed-width `lstart` (5 words) sits between numbers and the free-form args (+ environment). */
const COLUMNS = 'pid=,ppid=,pgid=,lstart=,stat=,args=';
const PID_LIST = /^[1-9][0-9]*(,[1-9][0-9]*)*$/;

/** Arguments for one batched look: `pids` (pid 1 always added: its start time stands for the boot), or every process. */
export function psArgs(flavour: UnixFlavour, pids: readonly number[] | 'all'): string[] {
  const select = pids === 'all' ? '-A' : `-p${[1, ...pids].join(',')}`;
  if (select !== '-A' && !PID_LIST.test(select.slice(2))) throw new TypeError(`[pidkeep] bad pid list for ps: ${select}`);
  return ['-ww', flavour === 'macos' ? '-E' : 'e', '-o', COLUMNS, select];
}

export interface PsRow {
  /** True for the `ps` process itself (its environment carries this listing's token): its parent is the app. */
  self: boolean;
  pid: number;
  ppid: number;
  pgid: number;
  startTime: string;
  zombie: boolean;
  comm: string;
  /** The value of `PIDKEEP_MARK` in its environment, or null when it has none; undefined when it may not be read. */
  marker: string | null | undefined;
}

const ROW = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\w{3} +\w{3} +\d+ +[\d:]+ +\d{4})\s+(\S+)\s+(.*)$/;
const MARK = /(?:^|\s)PIDKEEP_MARK=(\S+)/g;

/** The environment every `ps` run gets: UTC, the C locale (a stable `lstart`), and a token to find itself by. */
export function psEnv(token: string): Record<string, string> {
  return { TZ: 'UTC', LC_ALL: 'C', PIDKEEP_PS_TOKEN: token };
}

/** Parses `ps` output; lines it cannot read are left out (a process that ended mid-listing, a header). */
export function parsePs(stdout: string, token?: string): PsRow[] {
  const rows: PsRow[] = [];
  for (const line of stdout.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const rest = m[6]!;
    // The environment follows the arguments: the last marker is the one in the environment.
    let marker: string | null = null;
    for (const found of rest.matchAll(MARK)) marker = found[1]!;
    const argv0 = rest.split(/\s/, 1)[0] ?? '';
    rows.push({
      self: token !== undefined && rest.includes(`PIDKEEP_PS_TOKEN=${token}`),
      pid: Number(m[1]),
      ppid: Number(m[2]),
      pgid: Number(m[3]),
      startTime: m[4]!.replace(/ +/g, ' '),
      zombie: m[5]!.startsWith('Z'),
      comm: argv0.slice(argv0.lastIndexOf('/') + 1).slice(0, 64) || '?',
      marker,
    });
  }
  return rows;
}

/** The boot id of a ps listing: the start time of pid 1, which changes only when the machine (or container) restarts. */
export function bootIdOf(rows: readonly PsRow[]): string | undefined {
  const init = rows.find((row) => row.pid === 1);
  return init ? `ps:${init.startTime}` : undefined;
}


/** Arguments for `kill`: one signal, one pid (never a group: the plugin's children share the app's group). */
export function killArgs(signal: SignalName, pid: number): string[] {
  return [`-${signal.slice(3)}`, String(pid)];
}

const SIGNAL_NUMBERS: Record<UnixFlavour, Record<number, string>> = {
  linux: { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 15: 'SIGTERM' },
  macos: { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 10: 'SIGBUS', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM', 30: 'SIGUSR1', 31: 'SIGUSR2' },
};

/** The plugin reports a terminating signal as a number; people and the core use names. */
export function signalName(flavour: UnixFlavour | 'windows', signal: number | null): string | null {
  if (signal === null) return null;
  return (flavour === 'windows' ? undefined : SIGNAL_NUMBERS[flavour][signal]) ?? `signal ${signal}`;
}
