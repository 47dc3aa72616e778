// What differs between Linux, macOS and Windows in the Tauri backend: the two OS powers, each a scoped shell command
// whose script is fixed in the app's capability (linux.ts, macos.ts, windows.ts). backend.ts holds what is common.
import { PidkeepError } from '../../errors.js';
import type { SignalName } from '../../types.js';

/** What the shell plugin's `execute` resolves to. */
export interface Executed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a power's scope with these arguments; undefined when the app has not granted it. */
export type RunPower = (args: string[], env?: Record<string, string>) => Promise<Executed | undefined>;

/** One process as the `ps` power lists it. */
export interface Row {
  pid: number;
  ppid: number;
  startTime: string;
  comm: string;
  zombie: boolean;
  /** This app's marker; null when it has none; `other` for another namespace's; undefined when it cannot be read. */
  marker: string | null | undefined;
}

export interface Listing {
  /** Undefined when the power printed nothing readable (then `code` and `stderr` say why). */
  bootId: string | undefined;
  /** The app (the power's parent) and its parent: never signalled. */
  app: { pid: number; parent: number } | undefined;
  rows: Row[];
  code: number | null;
  stderr: string;
}

/** The identity the core proved, which the kill power checks once more before it signals. */
export interface Expected {
  startTime: string;
  marker: string;
  comm: string;
}

export interface TauriPlatform {
  readonly name: 'linux' | 'macos' | 'windows';
  readonly maxPid: number;
  /** For messages: what the `ps` power runs. */
  readonly psProgram: string;
  /** What to grant for each power. */
  readonly psHint: string;
  readonly killHint: string;
  /** Why sweep() cannot work on this platform; undefined where it can. */
  readonly noSweep: string | undefined;
  /** One listing of `pids`, or (`'all'`) of every process carrying this app's marker. */
  list(run: RunPower, pids: readonly number[] | 'all'): Promise<Listing | undefined>;
  /** The kill power's arguments for one signal to a proven process; throws UNSUPPORTED for a signal the OS lacks. */
  killArgs(signal: SignalName, pid: number, expected: Expected): string[];
  /** What the kill power's output says: undefined when the signal was sent or the process is gone, else the error. */
  killFailure(out: Executed, signal: SignalName, pid: number): PidkeepError | undefined;
  /** The plugin reports a terminating signal as a number; people and the core use names. */
  signalName(signal: number | null): string | null;
}

/** What a fixed argument is sent as: the capability's own value replaces it (scope.rs `ScopeAllowedArg::Fixed`). */
export const FIXED = '(fixed by the capability)';

/** A shell scope entry of a capability (`shell:allow-execute`): what the app author pastes, or generates. */
export interface ScopeEntry {
  name: string;
  cmd: string;
  args: Array<string | { validator: string }>;
}

export interface PowerNames {
  /** @default 'pidkeep-ps' */
  ps?: string;
  /** @default 'pidkeep-kill' */
  kill?: string;
}

/** The part of a marker the kill scripts take: `<store id>/<record id>`, or `/<record id>` for a 0.1.0 marker. */
export function markerSuffix(marker: string): string {
  const at = marker.indexOf('@');
  const slash = marker.indexOf('/');
  return at >= 0 && at < slash ? marker.slice(at + 1) : marker.slice(slash);
}

/** The verdict lines every kill script prints: `sent`, `gone` (nothing sent: no such process), `refused <why>`. */
export function scriptKillFailure(out: Executed, signal: SignalName, pid: number): PidkeepError | undefined {
  const said = out.stdout.trim();
  if (said === 'sent' || said === 'gone') return undefined;
  if (said === 'refused permission') return new PidkeepError('PERMISSION_DENIED', `not allowed to send ${signal}: the process belongs to another user; run the app as that user`, { pid });
  return new PidkeepError('STOP_FAILED', `the kill power refused to send ${signal} (${said || `exit code ${out.code}: ${out.stderr.trim().slice(0, 200)}`}); nothing was sent`, { pid });
}

/** A pid list in runs of at most `size` (a validator's limit), or `['-']` for "every process of this app's marker". */
export function pidRuns(pids: readonly number[] | 'all', size = 512): string[] {
  if (pids === 'all' || pids.length === 0) return ['-'];
  return Array.from({ length: Math.ceil(pids.length / size) }, (_, i) => pids.slice(i * size, i * size + size).join(','));
}

/**
 * The two `sh -c` scope entries of a Unix platform: the scripts are fixed arguments, so the page can never change
 * them; `$0` is the power's name (it shows in `ps`); every other argument is required and validated.
 */
export function shScopes(names: PowerNames, probe: string, kill: string, validators: { pids: string; signal: string; pid: string; start: string; marker: string }): ScopeEntry[] {
  const ps = names.ps ?? 'pidkeep-ps';
  const killName = names.kill ?? 'pidkeep-kill';
  return [
    { name: ps, cmd: 'sh', args: ['-c', probe, ps, { validator: validators.pids }] },
    { name: killName, cmd: 'sh', args: ['-c', kill, killName, ...[validators.signal, validators.pid, validators.start, validators.marker].map((validator) => ({ validator }))] },
  ];
}

/** One listing from runs of at most 512 pids (a validator's limit), each read by `parse`; undefined when the power is missing. */
export async function listInRuns(pids: readonly number[] | 'all', runOne: (list: string) => Promise<Executed | undefined>, parse: (stdout: string) => Omit<Listing, 'code' | 'stderr'>): Promise<Listing | undefined> {
  const listing: Listing = { bootId: undefined, app: undefined, rows: [], code: 0, stderr: '' };
  for (const list of pidRuns(pids)) {
    const out = await runOne(list);
    if (!out) return undefined;
    const read = parse(out.stdout);
    if (!read.bootId) return { ...listing, bootId: undefined, code: out.code, stderr: out.stderr };
    listing.bootId = read.bootId;
    listing.app = read.app ?? listing.app;
    listing.rows.push(...read.rows);
  }
  return listing;
}
