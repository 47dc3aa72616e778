import { Child, Command } from '@tauri-apps/plugin-shell';
import { describeError, PidkeepError } from '../errors.js';
import { MARKER_ENV } from '../identity.js';
import type { Backend, ExitInfo, Identity, MarkedProcess, PidLimits, ProbeResult, SignalName, SignalOptions, SpawnRequest, Spawned } from '../types.js';
import { unsafePidReason } from '../validate.js';
import { heldChildren, type HeldChildren } from './held.js';
import { checkAgainstScopes, type SpawnScope } from './scope.js';
import { linuxPlatform } from './platform/linux.js';
import { macosPlatform } from './platform/macos.js';
import type { Expected, Row, TauriPlatform } from './platform/types.js';
import { windowsPlatform } from './platform/windows.js';

/** One command as `@tauri-apps/plugin-shell` builds it: the parts the backend uses. */
export interface ShellCommand {
  on(event: 'close', listener: (data: { code: number | null; signal: number | null }) => void): unknown;
  on(event: 'error', listener: (error: string) => void): unknown;
  stdout: { on(event: 'data', listener: (data: string) => void): unknown };
  stderr: { on(event: 'data', listener: (data: string) => void): unknown };
  spawn(): Promise<{ pid: number }>;
  execute(): Promise<{ code: number | null; signal: number | null; stdout: string; stderr: string }>;
}

/** The shell plugin's `Command` and `Child`, as `import { Command, Child } from '@tauri-apps/plugin-shell'` gives them. */
export interface ShellPlugin {
  Command: {
    create(program: string, args?: string[], options?: { cwd?: string; env?: Record<string, string> }): ShellCommand;
    sidecar(program: string, args?: string[], options?: { cwd?: string; env?: Record<string, string> }): ShellCommand;
  };
  Child: new (pid: number) => { write(data: string | Uint8Array): Promise<void>; kill(): Promise<void> };
}

export interface OutputEvent {
  name: string;
  pid: number;
  stream: 'stdout' | 'stderr';
  /** One line, with its newline, as the plugin delivers it. */
  data: string;
}

export interface TauriBackendOptions {
  /** Names (scope `name`s) to spawn with `Command.sidecar` rather than `Command.create`. @default [] */
  sidecars?: readonly string[];
  /**
   * Your capability's `shell:allow-spawn` scope entries, plus the `shell:allow-execute` entries that detached starts
   * (`logs.detached`) run through (e.g. imported from its JSON file). With them, a start whose
   * arguments the shell plugin would change (a fixed argument substituted, arguments past the entry's list dropped)
   * fails with SPAWN_FAILED before anything runs, and one Tauri would refuse fails with PERMISSION_DENIED naming the
   * argument and its validator; so a record names exactly the arguments that run. Without them the backend cannot
   * know the capability: the record names the arguments given. @default none
   */
  scopes?: readonly SpawnScope[];
  /**
   * Scope name of the probe power your capabilities allow (README: Tauri, "Capabilities"; the entry from
   * linuxPowerScopes, macosPowerScopes or windowsPowerScopes): proves identity and liveness after a reload or an app
   * restart, and lets `sweep()` work (not on Windows: no process environment is readable there). `false`: never
   * try. @default 'pidkeep-ps'
   */
  ps?: string | false;
  /**
   * Scope name of the signal power (same README section): graceful stops (SIGTERM, SIGINT) and stopping processes of
   * an earlier app run. Without it only the plugin's SIGKILL of its own children is available. On Windows a close
   * request stands for the graceful signals (console programs have no window and cannot be asked). @default 'pidkeep-kill'
   */
  kill?: string | false;
  /** Output lines of children this page started. Lost for a child once its page reloads (the plugin's channel dies). */
  onOutput?: (event: OutputEvent) => void;
  /**
   * Output that outlives the page and the app. `commands` maps a scope name to the program it wraps, e.g.
   * `{ recorder: 'ffmpeg' }`: such a start runs `sh -c LOG_WRAPPER <program> <args>` under that scope name, with
   * two log files per start under `dir` (absolute, e.g. from `appLogDir()`). The scope entry allows exactly that
   * (README: Tauri, "output that survives"); `handle.logs` names the files, readable with the fs plugin after any
   * reload or restart, and no pipe to the app is left to break (SIGPIPE) when the app dies. Unix only (a TypeError
   * on Windows, which has no `sh`): there, leave `logs` out.
   */
  logs?: {
    dir: string;
    commands: Readonly<Record<string, string>>;
    /**
     * Scope names among `commands` whose process is kept out of the shell plugin's map, so it survives a quit (the
     * plugin SIGKILLs its children at exit): such a start runs `sh -c DETACH_WRAPPER <program> <args>`, which starts
     * the program in the background and exits at once. Limits (README: Tauri, "Keeping a process across a quit"): no
     * stdin, output to the log files only, its end seen by the `ps` power (required, with `kill` to stop it), and
     * SIGINT and SIGQUIT ignored from its start (POSIX sh does that to background commands): stop it with SIGTERM.
     * @default []
     */
    detached?: readonly string[];
  };
  /** @default from navigator.userAgent */
  platform?: 'linux' | 'macos' | 'windows';
  /** Survives reloads but not a new webview: tells a reload from an app restart. @default globalThis.sessionStorage */
  session?: Storage | null;
  /** The plugin itself; a stand-in for unit tests. @default the real `@tauri-apps/plugin-shell` */
  shell?: ShellPlugin;
}

export interface TauriBackend extends Backend {
  /** What each OS-level power is known to be: `unknown` until first needed; `missing` with Tauri's refusal. */
  powers(): { ps: PowerState; kill: PowerState };
  close(): void;
}

export interface PowerState {
  state: 'unknown' | 'granted' | 'missing';
  /** Why it is missing: Tauri's own refusal, or `not configured`. */
  reason?: string;
}

/** A child this page spawned: the plugin's channel tells us when it ends. */
interface Own {
  alive: boolean;
  identity: Identity | undefined;
  marker: string;
}

/**
 * The `sh -c` script of a logging wrapper (tauriBackend's `logs` option): makes the log dir, then becomes the program
 * (`$0`) with its output appended to the files pidkeep named. A scope entry must allow exactly this string.
 */
export const LOG_WRAPPER = 'mkdir -p "${PIDKEEP_STDOUT%/*}" && exec "$0" "$@" >>"$PIDKEEP_STDOUT" 2>>"$PIDKEEP_STDERR"';

/**
 * The `sh -c` script of a detached start (`logs.detached`): makes the log dir, starts the program (`$0`) in the
 * background with no stdin and its output appended to the files pidkeep named, prints its pid and exits, so the
 * shell plugin holds only this short-lived `sh`. A scope entry must allow exactly this string.
 */
export const DETACH_WRAPPER = 'mkdir -p "${PIDKEEP_STDOUT%/*}" || exit 1; "$0" "$@" </dev/null >>"$PIDKEEP_STDOUT" 2>>"$PIDKEEP_STDERR" & echo "pidkeep-pid $!"';

const REFUSED = /not allowed|scope|permission/i;
const MISSING_PROGRAM = /No such file or directory|cannot find the file|not found/i;

/**
 * A process backend for a Tauri webview, over `@tauri-apps/plugin-shell`. It spawns with the app's own scoped
 * programs, writes and kills through `new Child(pid)` while the app run that spawned a child lasts (a reload keeps
 * it), and uses two optional OS powers, each a scoped shell command the app grants: `ps` (one batched call proves
 * identity and liveness) and `kill` (graceful signals, and processes of an earlier app run). Without them it does
 * what the plugin can and says, in `pm.recovery`, which power would do the rest. It never reports a stop the
 * plugin did not make: an end is seen by `ps` or by the child's own Terminated event.
 * @example tauriBackend({ onOutput: (e) => console.log(e.name, e.data) })
 */
export function tauriBackend(options: TauriBackendOptions = {}): TauriBackend {
  const shell = options.shell ?? ({ Command, Child } as unknown as ShellPlugin);
  const flavour = options.platform ?? detectPlatform();
  const sidecars = new Set(options.sidecars ?? []);
  const windows = flavour === 'windows';
  const psName = options.ps ?? 'pidkeep-ps';
  const killName = options.kill ?? 'pidkeep-kill';
  const names = { ps: psName || 'pidkeep-ps', kill: killName || 'pidkeep-kill' };
  const platform: TauriPlatform = windows ? windowsPlatform() : flavour === 'macos' ? macosPlatform(names) : linuxPlatform(names);
  const { psProgram, psHint, killHint } = platform;
  const notConfigured = 'switched off in tauriBackend options';
  const ps: PowerState = psName ? { state: 'unknown' } : { state: 'missing', reason: notConfigured };
  const kill: PowerState = killName ? { state: 'unknown' } : { state: 'missing', reason: notConfigured };
  const session = options.session !== undefined ? options.session : defaultSession();
  const held: HeldChildren = heldChildren(session);
  const own = new Map<number, Own>();
  const heardErr = recentLines();
  // The app (parent of every child it spawns) and its parent are learned from `ps`, and never signalled.
  let appPid: number | undefined;
  let appParentPid: number | undefined;

  const logDir = options.logs?.dir.replace(/[\\/]+$/, '');
  if (logDir !== undefined && !/^(\/|[A-Za-z]:[\\/])/.test(logDir)) throw new TypeError(`[pidkeep] Expected \`logs.dir\` to be an absolute path (e.g. from appLogDir()), got ${JSON.stringify(options.logs?.dir)}`);
  const wrapped = new Map(Object.entries(options.logs?.commands ?? {}));
  if (windows && wrapped.size > 0) throw new TypeError(`[pidkeep] \`logs\` wraps programs in \`sh -c\` (LOG_WRAPPER), which Windows does not have: leave \`logs\` out on Windows (got commands for ${[...wrapped.keys()].join(', ')})`);
  const detached = new Set(options.logs?.detached ?? []);
  for (const name of detached) {
    if (!wrapped.has(name)) throw new TypeError(`[pidkeep] \`logs.detached\` names "${name}", which is not in \`logs.commands\`: a detached process writes only to its log files, so it needs its program there`);
  }
  /** One pair of files per start (the record id keeps restarts of a name apart), grouped by namespace. */
  const logFiles = (request: SpawnRequest): Spawned['logs'] => {
    if (logDir === undefined || !wrapped.has(request.command)) return { stdout: null, stderr: null };
    const base = `${logDir}/${request.namespace}/${request.name}.${request.id}`;
    return { stdout: `${base}.out.log`, stderr: `${base}.err.log` };
  };

  const limits = (): PidLimits => ({ selfPid: appPid ?? -1, parentPid: appParentPid ?? -1, maxPid: platform.maxPid });

  /** Runs one scoped command; undefined when the app has not granted it (the power is then off for good). */
  const execute = async (power: PowerState, name: string, args: string[], env?: Record<string, string>) => {
    let out;
    try {
      out = await shell.Command.create(name, args, env ? { env } : undefined).execute();
    } catch (error) {
      const message = describeError(error);
      // Not granted, or granted but the program is not installed: either way the power is off for this page.
      if (!REFUSED.test(message) && !MISSING_PROGRAM.test(message)) throw error;
      power.state = 'missing';
      power.reason = message;
      return undefined;
    }
    power.state = 'granted';
    return out;
  };

  const listPs = async (pids: readonly number[] | 'all'): Promise<{ bootId: string; rows: Row[] } | undefined> => {
    if (!psName || ps.state === 'missing') return undefined;
    let listed;
    try {
      listed = await platform.list((args, env) => execute(ps, psName, args, env), pids);
    } catch (error) {
      throw new PidkeepError('PROBE_FAILED', `\`${psProgram}\` could not be run through the shell plugin (${describeError(error)}); processes cannot be checked until it can`, { cause: error });
    }
    if (!listed) return undefined;
    const { bootId, rows, app } = listed;
    if (!bootId) throw new PidkeepError('UNSUPPORTED', `${psProgram} printed nothing pidkeep can read (exit code ${listed.code}: ${listed.stderr.trim().slice(0, 200)}); check the "pidkeep-ps" scope's arguments against the README`);
    if (app) {
      appPid = app.pid;
      appParentPid = app.parent;
    }
    for (const row of rows) {
      const entry = held.get(row.pid);
      // Reparented since its spawn: the app run that held it ended (the page outlived it, e.g. a dev server
      // restarted under an open tab). The plugin of this run cannot reach it.
      if (entry?.app !== undefined && entry.app !== row.ppid) held.remove(row.pid);
      // A child this page spawned is the app's own: its parent is the app (orphans tell nothing).
      else if (own.get(row.pid)?.alive) appPid ??= row.ppid;
    }
    return { bootId, rows };
  };

  /** The app and its parent, which the kill power must never reach: one listing that includes `ps` itself. */
  const knowApp = async (): Promise<boolean> => {
    if (appPid === undefined || appParentPid === undefined) await listPs('all');
    return appPid !== undefined && appParentPid !== undefined;
  };

  const missingNote = (power: PowerState) => (power.reason && power.reason !== notConfigured ? ` (Tauri said: ${power.reason})` : power.reason ? ` (${power.reason})` : '');
  const blindNote = (pid: number) =>
    held.has(pid)
      ? `it was started in this app run and the shell plugin still holds it, but without the \`ps\` power pidkeep cannot tell whether it runs or prove it is the same process${missingNote(ps)}: ${psHint} to adopt it after a reload`
      : `it was started by an earlier run of the app (or another window); the shell plugin knows nothing of it${missingNote(ps)}: ${psHint} to find it again, and for \`kill\` to stop it`;

  const probe = async (pids: readonly number[]): Promise<ProbeResult[]> => {
    const listing = await listPs(pids);
    if (listing) {
      const byPid = new Map(listing.rows.map((row) => [row.pid, row]));
      return pids.map((pid) => {
        const row = byPid.get(pid);
        if (!row || row.zombie || own.get(pid)?.alive === false) return { pid, alive: false };
        // Only the pid is ever signalled (the plugin's children share the app's process group).
        return { pid, alive: true, identity: identityOf(row, listing.bootId), marker: row.marker, groupLeader: false };
      });
    }
    return pids.map((pid) => {
      const child = own.get(pid);
      if (child) return child.alive ? { pid, alive: true, identity: child.identity, marker: child.marker, groupLeader: false } : { pid, alive: false };
      return { pid, alive: true, note: blindNote(pid) };
    });
  };

  /**
   * A start outside the plugin's map (`logs.detached`): the wrapper's `sh` prints the program's pid and exits. The
   * plugin can neither write to it nor kill it, and no Terminated event will come: `ps` proves it and watches it,
   * `kill` stops it, so both are checked before anything runs.
   */
  const spawnDetached = async (request: SpawnRequest, args: string[], spawnOptions: { cwd?: string; env: Record<string, string> }, logs: Spawned['logs']): Promise<Spawned> => {
    if (request.stdin === 'fifo') throw new PidkeepError('UNSUPPORTED', `"${request.command}" is started detached (logs.detached), which leaves it no stdin: leave out \`stdin: 'fifo'\` and stop it with signals`);
    if (!(await knowApp().catch(() => false))) {
      throw new PidkeepError('PERMISSION_DENIED', `a detached start (logs.detached) is found, watched and stopped only through the \`ps\` and \`kill\` powers, and \`ps\` is not available${missingNote(ps)}: ${psHint}; nothing was started`);
    }
    let out;
    try {
      out = await shell.Command.create(request.command, args, spawnOptions).execute();
    } catch (error) {
      throw tauriRefusal(error, `spawn \`${request.command}\``, 'add a scope entry for it (sh -c DETACH_WRAPPER <program> ...) to shell:allow-execute in your capabilities') ?? error;
    }
    const pid = Number(/^pidkeep-pid (\d+)$/m.exec(out.stdout)?.[1]);
    if (!Number.isSafeInteger(pid) || pid < 2) {
      throw new PidkeepError('SPAWN_FAILED', `the detach wrapper printed no pid (exit code ${out.code}: ${out.stderr.trim().slice(0, 200) || 'no message'}); check the scope entry against DETACH_WRAPPER`);
    }
    const listing = await listPs([pid]);
    const row = listing?.rows.find((r) => r.pid === pid && !r.zombie);
    if (!listing || !row) throw new PidkeepError('SPAWN_FAILED', `\`${request.command}\` ended as soon as it started (pid ${pid}); its output is in ${logs.stderr}`, { pid });
    return { identity: identityOf(row, listing.bootId), stdin: null, logs };
  };

  const spawn = async (request: SpawnRequest): Promise<Spawned> => {
    // The plugin can add variables, not remove single ones: an `undefined` (remove) is left out.
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.env)) if (value !== undefined) env[key] = value;
    const logs = logFiles(request);
    if (logs.stdout && logs.stderr) Object.assign(env, { PIDKEEP_STDOUT: logs.stdout, PIDKEEP_STDERR: logs.stderr });
    const spawnOptions = request.cwd === undefined ? { env } : { cwd: request.cwd, env };
    const make = sidecars.has(request.command) ? shell.Command.sidecar : shell.Command.create;
    const program = logs.stdout ? wrapped.get(request.command) : undefined;
    const detach = program !== undefined && detached.has(request.command);
    const args = program === undefined ? [...request.args] : ['-c', detach ? DETACH_WRAPPER : LOG_WRAPPER, program, ...request.args];
    // Before anything runs: what the plugin would run must be what the record will name.
    if (options.scopes) checkAgainstScopes(options.scopes, request.command, args, request.name);
    if (detach) return spawnDetached(request, args, spawnOptions, logs);
    const command = make.call(shell.Command, request.command, args, spawnOptions);
    const child: Own = { alive: true, identity: undefined, marker: env[MARKER_ENV] ?? '' };
    let pid = 0;
    let settle!: (info: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((resolve) => (settle = resolve));
    command.on('close', ({ code, signal }) => {
      child.alive = false;
      if (pid) heardErr.ended(pid);
      if (pid) held.remove(pid);
      settle({ code, signal: platform.signalName(signal) });
    });
    command.on('error', () => undefined); // a read error on a pipe; the close event still comes
    // The real plugin's channel can deliver a child's first lines before the spawn's answer (seen in a real app:
    // test/real/conformance.test.ts): they wait for the pid.
    let early: Array<() => void> | undefined = [];
    const heard = (stream: 'stdout' | 'stderr') => (data: string) => {
      const send = () => {
        if (stream === 'stderr') heardErr.add(pid, data);
        options.onOutput?.({ name: request.name, pid, stream, data });
      };
      if (early) early.push(send);
      else send();
    };
    command.stdout.on('data', heard('stdout'));
    command.stderr.on('data', heard('stderr'));
    try {
      pid = (await command.spawn()).pid;
    } catch (error) {
      early = undefined;
      throw tauriRefusal(error, `spawn \`${request.command}\``, 'add a scope entry for it to shell:allow-spawn in your capabilities') ?? error;
    }
    own.set(pid, child);
    heardErr.spawned(pid);
    // The early lines, now that they have a pid: a listener that throws cannot undo the start (as on the channel).
    const queued = early;
    early = undefined;
    for (const send of queued) {
      try {
        send();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    const comm = request.command.slice(request.command.lastIndexOf('/') + 1).slice(0, 64);
    const listing = await listPs([pid]).catch(() => undefined);
    const row = listing?.rows.find((r) => r.pid === pid);
    if (child.alive) held.add({ pid, id: request.id, app: row?.ppid });
    // Without `ps` there is no start time: only this page, which holds the child, can vouch for it.
    child.identity = listing && row ? identityOf(row, listing.bootId) : { bootId: listing?.bootId ?? `tauri-run:${held.runId}`, pid, startTime: '', comm };
    return { identity: child.identity, stdin: request.stdin === 'fifo' ? 'tauri-shell-plugin:stdin' : null, logs, exited };
  };

  const signal = async (pid: number, sig: SignalName, expected?: SignalOptions['expected']): Promise<void> => {
    const unsafe = unsafePidReason(pid, limits());
    if (unsafe) throw new PidkeepError('UNSAFE_PID', `refusing to signal: ${unsafe}`, { pid });
    // Every platform's kill power is a fixed script that proves the identity once more and refuses the app and its
    // parent itself; the app is learned first all the same, so the check above holds for a direct caller too.
    if (killName && kill.state !== 'missing' && (await knowApp().catch(() => false))) {
      const again = unsafePidReason(pid, limits());
      if (again) throw new PidkeepError('UNSAFE_PID', `refusing to signal: ${again}`, { pid });
      // The core always says which process it proved; a direct caller gets what is at the pid now, and the script
      // still refuses anything without this app's marker (Windows: that start time and image name).
      const seen: Expected | undefined =
        expected ??
        (await probe([pid]).then(([p]) => (p?.identity && (windows || typeof p.marker === 'string') ? { startTime: p.identity.startTime, marker: p.marker ?? '', comm: p.identity.comm } : undefined)));
      if (!seen || seen.startTime === '') throw new PidkeepError('STOP_FAILED', 'the kill power needs the start time and marker of the process, and they cannot be read; nothing was sent', { pid });
      const out = await execute(kill, killName, platform.killArgs(sig, pid, seen));
      if (out) {
        const failure = platform.killFailure(out, sig, pid);
        if (failure) throw failure;
        return;
      }
    }
    if (!held.has(pid)) {
      const why = killName && kill.state !== 'missing' ? `; the kill power needs the start time \`ps\` records, and is used only once \`ps\` has told which process is the app (never signalled)${missingNote(ps)}: ${psHint}` : `${missingNote(kill)}; ${killHint} to stop it`;
      throw new PidkeepError('PERMISSION_DENIED', `pid ${pid} was started by an earlier run of the app (or another window): the shell plugin does not hold it, so its kill would do nothing${why}`, { pid });
    }
    if (sig !== 'SIGKILL') {
      throw new PidkeepError('UNSUPPORTED', `the shell plugin can only kill with SIGKILL; to send ${sig} (a graceful stop) ${killHint}${missingNote(kill)}`, { pid });
    }
    try {
      await new shell.Child(pid).kill();
    } catch (error) {
      throw tauriRefusal(error, 'kill', 'add shell:allow-kill to your capabilities', pid) ?? error;
    }
  };

  const write = async (_path: string, data: string | Uint8Array, id: string): Promise<void> => {
    const pid = held.pidOf(id);
    if (pid === undefined || own.get(pid)?.alive === false) {
      throw new PidkeepError('STDIN_CLOSED', "its stdin is a pipe of the shell plugin in the app run that started it, and that run is over (or the process ended): nothing can write to it now; stop it with a signal instead", { pid });
    }
    try {
      await new shell.Child(pid).write(data);
    } catch (error) {
      throw tauriRefusal(error, 'write to stdin', 'add shell:allow-stdin-write to your capabilities', pid) ?? error;
    }
  };

  const scan = async (prefix: string): Promise<MarkedProcess[]> => {
    if (platform.noSweep) throw new PidkeepError('UNSUPPORTED', platform.noSweep);
    const listing = await listPs('all');
    if (!listing) throw new PidkeepError('UNSUPPORTED', `sweep() needs the \`ps\` power to list processes${missingNote(ps)}: ${psHint}`);
    return listing.rows
      .filter((row) => !row.zombie && row.marker?.startsWith(prefix))
      .map((row): MarkedProcess => ({ pid: row.pid, marker: row.marker!, identity: identityOf(row, listing.bootId), groupLeader: false }));
  };

  return {
    name: 'tauri',
    limits,
    spawn,
    probe: (pids) => probe(pids),
    signal: (pid, sig, options) => signal(pid, sig, options?.expected),
    write,
    scan,
    powers: () => ({ ps: { ...ps }, kill: { ...kill } }),
    recentOutput: (pid, lines) => heardErr.last(pid, lines),
    startedThisRun: (pid) => held.has(pid),
    close: () => held.close(),
  };
}

/** How many children's stderr is kept, the running ones and the last to end. */
const HEARD_CHILDREN = 16;
/** Per child: the last lines, each cut to its last 1 KiB. Memory stays bounded whatever a child writes. */
const HEARD_LINES = 20;
const HEARD_LINE_CHARS = 1024;

/** The last lines of each child's stderr, as the plugin's channel delivers it (a chunk may hold many lines). */
function recentLines() {
  const kept = new Map<number, string[]>();
  const ended = new Set<number>();
  return {
    /** A new child: whatever an earlier process of this pid wrote is not its. */
    spawned(pid: number) {
      kept.delete(pid);
      ended.delete(pid);
    },
    ended(pid: number) {
      if (kept.has(pid)) ended.add(pid);
    },
    add(pid: number, data: string) {
      let lines = kept.get(pid);
      if (!lines) {
        kept.set(pid, (lines = []));
        if (kept.size > HEARD_CHILDREN) {
          // The child that ended first goes first (a Map keeps insertion order); only with none ended, the oldest.
          const drop = [...kept.keys()].find((p) => ended.has(p)) ?? kept.keys().next().value!;
          kept.delete(drop);
          ended.delete(drop);
        }
      }
      for (const line of data.split(/\r?\n/)) if (line.trim() !== '') lines.push(line.slice(-HEARD_LINE_CHARS));
      if (lines.length > HEARD_LINES) lines.splice(0, lines.length - HEARD_LINES);
    },
    last(pid: number, count: number): string | undefined {
      return kept.get(pid)?.slice(-count).join('\n');
    },
  };
}

/** Boot id + pid + start time + command name: what proves a process is the one recorded (the marker is apart). */
function identityOf(row: Row, bootId: string): Identity {
  return { bootId, pid: row.pid, startTime: row.startTime, comm: row.comm };
}

/** Tauri's refusals (a permission or scope missing) become PERMISSION_DENIED errors that say what to add. */
function tauriRefusal(error: unknown, what: string, fix: string, pid?: number): PidkeepError | undefined {
  const message = describeError(error);
  if (!REFUSED.test(message)) return undefined;
  return new PidkeepError('PERMISSION_DENIED', `Tauri refused to ${what}: ${message}; ${fix}`, { pid, cause: error });
}

function defaultSession(): Storage | null {
  try {
    return typeof sessionStorage === 'object' ? sessionStorage : null;
  } catch {
    return null; // a sandboxed frame may refuse storage: every reload then counts as a restart (the safe side)
  }
}

function detectPlatform(): 'linux' | 'macos' | 'windows' {
  const agent = typeof navigator === 'object' ? navigator.userAgent : '';
  if (/Windows/i.test(agent)) return 'windows';
  if (/Macintosh|Mac OS X/i.test(agent)) return 'macos';
  return 'linux';
}
