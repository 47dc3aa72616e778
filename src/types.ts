import type { StandardSchemaV1 } from '@standard-schema/spec';

type MaybePromise<T> = T | Promise<T>;

/** Signals a stop plan may send. SIGKILL is always the last resort. */
export type SignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2' | 'SIGKILL';

/**
 * One step of a stop plan: write to the process's stdin FIFO, or send one signal to its process group,
 * then wait up to `wait` milliseconds (default 2000) for it to end.
 * @example { write: 'q', wait: 3000 }  // FFmpeg finishes its file on `q`
 */
export type StopStep =
  | { write: string; wait?: number; signal?: never }
  | { signal: SignalName; wait?: number; write?: never };

/** Steps tried in order; `{ signal: 'SIGKILL', wait: 2000 }` is added when the plan does not end with SIGKILL. */
export type StopPlan = readonly StopStep[];

/** How a process ended, as far as it can be known. An adopted process's exit code is unknowable (`null`). */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/**
 * What a stop did. `step` is the index, in the completed plan (an added SIGKILL included), of the step after which
 * the process was seen gone.
 */
export interface StopResult {
  name: string;
  pid: number;
  /** `stopped`: it ended during the plan; `already-exited`: it was gone before any step ran. */
  outcome: 'stopped' | 'already-exited';
  step: number | null;
  /** The step that ended it, e.g. `write "q"`, `SIGTERM`, `SIGKILL`; null when it was already gone. */
  by: string | null;
  /** True when it took SIGKILL. */
  forced: boolean;
  exit: ExitInfo;
  /** Milliseconds from the first step to the observed end. */
  durationMs: number;
  /** Set when the process was stopped but its record could not be updated (a read-only store): why. */
  recordError?: string;
}

/** A process's identity: a pid alone is not one, since pids are reused. */
export interface Identity {
  /** Changes at every boot; ends the meaning of every pid. */
  bootId: string;
  pid: number;
  /** Platform-specific, opaque: clock ticks since boot on Linux, `lstart` on macOS, CreationDate on Windows. */
  startTime: string;
  /** The executable's short name as the OS reports it. */
  comm: string;
}

export interface ProbeOptions {
  /** Read the environment marker too, where readable. @default true */
  marker?: boolean;
}

/** One pid as seen by a backend's batched probe. */
export interface ProbeResult {
  pid: number;
  /** `dead` covers zombies: a zombie will never run again. */
  alive: boolean;
  /** Present when alive and readable. */
  identity?: Identity;
  /** The pidkeep environment marker: a string when read, null when readable but absent, undefined when unreadable. */
  marker?: string | null;
  /** True when the process leads its own process group, so the group can be signalled as a whole. */
  groupLeader?: boolean;
  /**
   * Why the identity could not be read, for people: e.g. which permission would let the backend check it.
   * Used as the reason when the process cannot be proven to be the recorded one.
   */
  note?: string;
}

/** A member of a process group, as a pid alone is not one: pid and start time. */
export interface GroupMember {
  pid: number;
  startTime: string;
}

/** A process that carries a marker of the namespace, found by a backend's scan. */
export interface MarkedProcess {
  pid: number;
  marker: string;
  identity: Identity;
  groupLeader: boolean;
  /** Its owner's user id, where the platform can tell. */
  uid?: number;
  /** Its pid namespace (Linux: `pid:[inode]`), where the platform can tell. */
  pidNamespace?: string;
}

export interface SpawnRequest {
  namespace: string;
  name: string;
  id: string;
  command: string;
  args: readonly string[];
  cwd: string | undefined;
  /** Added to the backend's base environment (undefined removes a variable); includes the marker. */
  env: Record<string, string | undefined>;
  stdin: 'ignore' | 'fifo';
  /** A directory for logs and FIFOs, from the store; backends pick their own when absent. */
  dir: string | undefined;
  /**
   * The log cap of the run being restarted, as its record kept it: a backend that caps logs applies it instead of
   * its own setting, so a restart (from the CLI, too) keeps the cap the process was started with.
   */
  logCap?: LogCap | undefined;
}

/** A cap on a process's log files: each at most `maxBytes`, then rotated; `keep` rotated files per stream. */
export interface LogCap {
  maxBytes: number;
  keep: number;
}

export interface Spawned {
  identity: Identity;
  /** Path of the stdin FIFO, when requested. */
  stdin: string | null;
  logs: { stdout: string | null; stderr: string | null };
  /** The cap the backend put on those logs, if any: kept in the record for a restart. */
  logCap?: LogCap | undefined;
  /**
   * Resolves when the child ends (only this controller's own children report an exit code). Absent when no exit
   * event will come (a Tauri process started outside the shell plugin's map): the manager then watches it by
   * probing, as it watches adopted processes.
   */
  exited?: Promise<ExitInfo> | undefined;
  /** Lets the controller exit while the child runs on; called by `close()`. Until then the child keeps it alive. */
  unref?(): void;
}

export interface SignalOptions {
  /** Signal the whole process group the pid leads. */
  group: boolean;
  /**
   * The identity the core just proved: a backend whose last step runs outside this process (Tauri's kill power, a
   * script in the app's capability) proves it once more right before the signal (Windows, which has no readable
   * marker, by start time and image name).
   */
  expected?: { startTime: string; marker: string; comm: string };
}

/** Limits a backend reports so the core can refuse dangerous pids before they reach any signal. */
export interface PidLimits {
  selfPid: number;
  parentPid: number;
  maxPid: number;
  /** The controller's user id, where the platform has one: sweeps act on this user's processes only. */
  uid?: number;
  /** The pid namespace pids are meaningful in (Linux: `pid:[inode]`); undefined where the platform has none. */
  pidNamespace?: string;
  /** The current boot id, where cheap to know: a record of an earlier boot is ended, whatever its pid namespace. */
  bootId?: string;
}

/**
 * A process backend: spawns durable children and sees and signals processes. The core never touches the OS.
 * Implementations: `nodeBackend()` from `pidkeep/node`.
 */
export interface Backend {
  readonly name: string;
  limits(): PidLimits;
  spawn(request: SpawnRequest): Promise<Spawned>;
  /**
   * One batched look at many pids: no process per pid. With `marker: false` the environment marker is not read
   * (`marker` stays undefined): reconciling and watching use that; every signal and write confirms the marker first.
   */
  probe(pids: readonly number[], options?: ProbeOptions): MaybePromise<ProbeResult[]>;
  /**
   * Sends a signal; the core has already proven identity. `group` signals the whole process group.
   * A backend that cannot send this signal (but might send a later, harder one) throws a PidkeepError with code
   * `UNSUPPORTED`: a stop plan then goes on to its next step.
   */
  signal(pid: number, signal: SignalName, options: SignalOptions): MaybePromise<void>;
  /** Writes to the stdin FIFO `spawn` created for record `id`; refuses any other path a record may name. */
  write(stdinPath: string, data: string | Uint8Array, id: string): MaybePromise<void>;
  /** Finds live processes whose marker starts with `prefix`, with their owner and pid namespace. Optional: sweeps need it. */
  scan?(prefix: string): MaybePromise<MarkedProcess[]>;
  /**
   * The live members of process group `pgid`: how many, and how many are proven (carry `marker`, or are one of
   * `proven` by pid and start time). Optional: without it a stop ends when the leader does.
   */
  groupMembers?(pgid: number, marker: string, proven?: readonly GroupMember[]): MaybePromise<{ total: number; marked: number }>;
  /**
   * The id of the last run of `name` its own output names (the Node backend: the separator line a start writes into
   * its stdout log before the spawn), undefined when none can be read. `dir` is the store's folder for the namespace,
   * as at the spawn. What finds the process of a record set aside with nothing readable left (planted as a link or a
   * FIFO): only ever matched against this store's marked processes that no record knows. Optional.
   */
  lastRunId?(request: { namespace: string; name: string; dir?: string | undefined }): MaybePromise<string | undefined>;
  /**
   * Members of the group that `pgid` leads, found among its descendants (so they are its own, whatever their
   * environment). Called with a group leader the caller has just proven, and proven again after. Optional.
   */
  groupDescendants?(pgid: number): MaybePromise<GroupMember[]>;
  /**
   * Removes files the spawn of record `id` created (its FIFO) once the process is gone. `stdin` is the path the
   * record names, or null when no record is left (a swept process): then the backend looks where its spawn would
   * have put it, `dir` being the store's location as given to `spawn`. Optional.
   */
  release?(files: { id: string; stdin: string | null; namespace: string; dir: string | undefined }): MaybePromise<void>;
  /**
   * Resolves once `check` passes for the process just spawned (a port accepts, an output line matches); rejects when
   * `signal` aborts. Without it, `start({ ready: { port } })` and `{ line }` fail with `UNSUPPORTED` before spawning.
   */
  waitReady?(check: BackendReadyCheck, target: ReadyTarget, signal: AbortSignal): Promise<void>;
  /**
   * True when `waitReady` takes `{ idle }` checks: the platform shows whether a process tree is running code or
   * waiting. Then an interpreter's default readiness is `{ idle }` (see StartOptions.ready). Optional.
   */
  readonly waitsIdle?: boolean;
  /** The last `lines` lines of a log this backend wrote (for an error); '' when there is none. */
  tail?(path: string, lines: number): MaybePromise<string>;
  /**
   * The last `lines` lines a child this backend spawned without log files wrote to its stderr, as the backend heard
   * them (a bounded number of children, ended ones forgotten first); undefined when it heard nothing of that pid. Optional:
   * a `NOT_READY` error quotes them where there is no log to `tail`.
   */
  recentOutput?(pid: number, lines: number): MaybePromise<string | undefined>;
  /**
   * Whether this app run started `pid` (an earlier page of it did: the Tauri backend's children held across a
   * reload). Optional: without it every adopted process counts as found after a restart (`handle.foundAfter`).
   */
  startedThisRun?(pid: number): boolean;
}

/** One stored record as raw text, or the reason it could not be read. */
export interface StoreEntry {
  key: string;
  text?: string;
  error?: string;
}

/** A record that could not be read, kept aside with the reason. */
export interface QuarantinedEntry {
  key: string;
  /** What could be read of the copy: all of it, the first bytes of one over the size limit, '' of a link or FIFO. */
  text: string;
  reason: string;
}

/**
 * A record store: keeps one text value per key within a namespace. The core parses and validates every value.
 * Values are one line of JSON ending in a newline.
 *
 * Every change happens with the namespace's lock held (`lock`): the core takes it, reads, decides and writes, then
 * releases it, so no two controllers ever act on one name at once, and a controller killed at any instant leaves
 * each key either as it was or as it was meant to be. Reads without the lock (a listing for people) see whole values.
 * Implementations: `memoryStore()` from `pidkeep`, `fileStore()` from `pidkeep/node`, `webStore()` from `pidkeep/web`,
 * `tauriFsStore()` from `pidkeep/tauri`.
 */
export interface Store {
  readonly name: string;
  /**
   * A stable id of this store's location and the namespace (16 hex digits): it goes into every child's marker, so a
   * sweep acts only on its own store's processes. It must not change when the store's data is wiped.
   */
  id(namespace: string): string;
  /**
   * Takes the namespace's lock, waiting a bounded time; resolves to the function that releases it. A holder that
   * dies must release it (the kernel does for fileStore). Rejects with a `PidkeepError` (`STORE_LOCKED`) when the
   * wait runs out: nothing ever proceeds unlocked.
   */
  lock(namespace: string): Promise<() => void>;
  list(namespace: string): MaybePromise<StoreEntry[]>;
  get(namespace: string, key: string): MaybePromise<string | undefined>;
  /** Replaces the value atomically: a reader sees the old value or the new one, never half. Lock held. */
  put(namespace: string, key: string, text: string): MaybePromise<void>;
  /** Removes the key; absent is fine. Lock held. */
  remove(namespace: string, key: string): MaybePromise<void>;
  /**
   * Adds a line to the end of an existing value (how a record is marked ended), lock held. Optional: without it the
   * core puts the whole new value. A file store appends, which costs far less than replacing the file.
   */
  append?(namespace: string, key: string, line: string): MaybePromise<void>;
  /** Moves an unreadable value aside (never deletes it), with the reason. Lock held. */
  quarantine(namespace: string, key: string, reason: string): MaybePromise<void>;
  /** The values moved aside: their processes stay reachable (listed, stoppable once their marker is proven). */
  listQuarantined(namespace: string): MaybePromise<QuarantinedEntry[]>;
  /**
   * Deletes every value moved aside under `key` (`pm.forget`), lock held; the core calls it only once no live
   * process carries their markers. Optional: without it set-aside values are kept for good.
   */
  dropQuarantined?(namespace: string, key: string): MaybePromise<void>;
  /** A directory the backend may use for this namespace's logs and FIFOs. Optional. */
  location?(namespace: string): string | undefined;
  /**
   * Calls `listener` with the key of every record of `namespace` that another writer (another window, another
   * controller) created, changed or removed, so a manager's view stays current. Optional.
   */
  watch?(namespace: string, listener: (key: string) => void): () => void;
  /**
   * Marks a manager open on the namespace until `leave()` (or its end: the mark must be released when its holder
   * dies, as a kernel lock is) and says whether another manager was open when it joined. The core calls it with the
   * namespace's lock held, once per manager, and gives `onOrphan: 'stop'` only to a manager that is alone: with
   * another one open, what the store holds is not orphaned. `alone: undefined` with a `reason`: the store cannot
   * tell (a webview without Web Locks); the core then adopts instead of stopping and warns (`pm.warnings`). Optional:
   * without it every manager counts as alone.
   */
  join?(namespace: string): MaybePromise<Presence>;
  /**
   * Whether the process at `pid` sees this store's namespace folder as this controller does: false when it sees
   * another folder at the same path (a store of another mount namespace or chroot: another store, whose marker
   * looks the same), undefined when that cannot be read. A sweep (and a stop of a set-aside record) acts only on
   * processes for which it is true; undefined ones are skipped and reported. Optional: without it every process
   * carrying the store's marker is taken as the store's.
   */
  sharedBy?(namespace: string, pid: number): MaybePromise<boolean | undefined>;
}

/** What `Store.join` says of the other managers of a namespace. */
export interface Presence {
  /** No other manager was open; undefined when the store cannot tell (then `reason` says why). */
  alone: boolean | undefined;
  reason?: string;
  leave(): void;
}

/**
 * A store whose reads answer at once (Web Storage, small files read synchronously): the manager can then build a
 * handle on the spot for a record another controller wrote (`pm.get`). `fileStore()` and `webStore()`.
 */
export interface SyncStore extends Store {
  list(namespace: string): StoreEntry[];
  get(namespace: string, key: string): string | undefined;
  put(namespace: string, key: string, text: string): void;
  remove(namespace: string, key: string): void;
  quarantine(namespace: string, key: string, reason: string): void;
  listQuarantined(namespace: string): QuarantinedEntry[];
}

/** What a controller found for one stored record at start-up. */
export interface RecoveryEntry {
  name: string;
  pid: number | null;
  /** `skipped`: a record from a newer pidkeep, or a live process whose identity cannot be proven; left untouched. */
  status: 'adopted' | 'stopped' | 'gone' | 'reused' | 'corrupt' | 'skipped';
  /** A sentence for people: why, and what to do where something is needed. */
  detail: string;
  stop?: StopResult;
}

export type OrphanPolicy = 'adopt' | 'stop';

/** See `ProcessManager.warnings`. */
export interface ManagerWarning {
  /** `PRESENCE_UNKNOWN`: the store cannot tell whether another manager of this namespace is open (`Store.join`). */
  code: 'PRESENCE_UNKNOWN';
  /** What it costs and what to do (the store's reason). */
  message: string;
}

/** What a manager knew at start-up, handed to an `onOrphan` function with each record. */
export interface OrphanContext {
  /**
   * No other manager of this namespace was open on this store when this one started, so what it found is orphaned.
   * True with a store that has no `join`; undefined when the store cannot tell (a webview without Web Locks: treat it
   * as "maybe not alone").
   */
  alone: boolean | undefined;
}

export interface StartOptions<Meta = unknown> {
  command: string;
  /** @default [] */
  args?: readonly string[];
  /** @default the controller's working directory */
  cwd?: string;
  /** Added to the controller's environment. */
  env?: Record<string, string | undefined>;
  /** JSON data kept with the record, checked by `metaSchema` when given. */
  meta?: Meta;
  /** `'fifo'`: a named pipe that this and any later controller can write to. @default 'ignore' */
  stdin?: 'ignore' | 'fifo';
  /** @default the manager's `stop` option */
  stop?: StopPlan;
  /**
   * When `start()` resolves: once the process is ready. A process that ends first, or is not ready within the
   * check's `timeout` (it is then stopped with its plan), rejects `start()` with `NOT_READY`, its exit and the
   * last lines of its stderr. `false` resolves as soon as the process is recorded.
   * @default `{ alive: 100 }`: catches a command that fails at once (a bad flag, a missing file). For an
   * interpreter (node, python, ruby, deno, bun, java, php, perl, npm, ... by the command's file name), whose
   * failures at start-up come later, `{ idle: 50, max: 2000 }` where the backend can see it (`waitsIdle`).
   */
  ready?: ReadyCheck | false;
}

/** How `pm.restart()` stops the running process and when the new run counts as started. */
export interface RestartOptions {
  /** The plan that stops the running process. @default its own stop plan */
  stop?: StopPlan;
  /**
   * When the new run counts as ready. An `until` function is kept only by the controller that started the run;
   * any other must pass one here (a restart that could not wait is refused before anything is stopped).
   * @default the check the run was started with (older records, which do not keep one: `{ alive: 100 }`)
   */
  ready?: ReadyCheck | false;
}

/**
 * When a started process counts as ready.
 * - `{ alive: ms }`: it is still running `ms` after the start.
 * - `{ idle: ms, max? }`: it (with the processes it started) has sat waiting for `ms` ms, running no code: it has
 *   finished starting up (loaded its code, bound its sockets) and waits for work. One still busy at `max` (default
 *   2000 ms) counts as started. Needs a backend that can see it (`Backend.waitsIdle`: the Node backend on Linux).
 * - `{ port, host? }`: a TCP connection to `host` (default `localhost`, every address it resolves to) succeeds.
 * - `{ line, stream? }`: a line of its output (default `'both'` streams) contains `line`, or matches it (a RegExp).
 * - `{ until }`: your function, called every `interval` ms (default 100), returns true (e.g. an HTTP health check).
 * `timeout` (default 30000 ms) bounds the last three.
 */
export type ReadyCheck =
  | { alive: number }
  | { idle: number; max?: number }
  | { port: number; host?: string; timeout?: number }
  | { line: string | RegExp; stream?: 'stdout' | 'stderr' | 'both'; timeout?: number }
  | { until: (handle: ProcessHandle<unknown>) => boolean | Promise<boolean>; interval?: number; timeout?: number };

/** The checks a backend carries out itself: they need sockets or the process's output. */
export type BackendReadyCheck = Extract<ReadyCheck, { port: number } | { line: string | RegExp } | { idle: number }>;

/** What a backend's readiness check looks at. */
export interface ReadyTarget {
  name: string;
  pid: number;
  logs: { stdout: string | null; stderr: string | null };
}

export interface ManagerOptions<Meta = unknown> {
  /** Isolates one app's records and processes: 1-128 of `[A-Za-z0-9._-]`. */
  namespace: string;
  backend: Backend;
  /** @default memoryStore(): nothing survives the controller */
  store?: Store;
  /**
   * What to do with a live process found at start-up. `'stop'` stops it only when no other manager of the namespace
   * is open on the store (another window or process; see `Store.join`): otherwise what the store holds is not
   * orphaned, and it is adopted. A function decides itself, told whether this manager was alone. @default 'adopt'
   */
  onOrphan?: OrphanPolicy | ((record: RecordInfo<Meta>, found: OrphanContext) => MaybePromise<OrphanPolicy>);
  /**
   * Any Standard Schema validator (zod, valibot, arktype) for `meta`, checked on start and on read. A stored meta
   * that no longer matches (an older app version wrote it) never strands its process: it is adopted with
   * `meta: undefined` and the reason in `metaError`.
   */
  metaSchema?: StandardSchemaV1<unknown, Meta>;
  /** Default stop plan. @default [{ signal: 'SIGTERM', wait: 5000 }, { signal: 'SIGKILL', wait: 2000 }] */
  stop?: StopPlan;
  /**
   * Records started in another pid namespace (a container sharing the store, an earlier launch of a Flatpak app)
   * cannot be checked from here: their pids mean something else. `'keep'` reports them `skipped` and leaves them to
   * a controller of that namespace (and to the next reboot); `'forget'` takes them as ended, for apps whose every
   * launch gets a new pid namespace that ends with it (Flatpak). They never block a name here either way.
   * @default 'keep'
   */
  otherPidNamespaces?: 'keep' | 'forget';
  /** How often adopted processes are checked for their end, in ms. @default 500 */
  pollInterval?: number;
  /**
   * Called on every change, like `pm.subscribe`, from before the start-up reconcile: the adoptions, stops and
   * `recovered` entries of start-up reach it too (a subscriber can only attach after the manager resolves).
   */
  onEvent?: (event: ManagerEvent) => void;
}

/** The stored facts of a process, as handed to an `onOrphan` function. */
export interface RecordInfo<Meta = unknown> {
  name: string;
  pid: number;
  command: string;
  args: readonly string[];
  startedAt: number;
  meta: Meta;
}

export type ManagerEvent =
  | { type: 'started'; name: string; pid: number }
  | { type: 'adopted'; name: string; pid: number }
  | { type: 'exited'; name: string; pid: number; exit: ExitInfo }
  | { type: 'stopping'; name: string; pid: number }
  | { type: 'stopped'; name: string; pid: number; result: StopResult }
  /** One per `pm.recovery` entry, at start-up (see the `onEvent` option); `pid` is null for a record without one. */
  | { type: 'recovered'; name: string; pid: number | null; status: RecoveryEntry['status']; detail: string };

/**
 * One running process as a plain frozen value, for UIs: `pm.snapshot()` returns the same array until something
 * changes, as `useSyncExternalStore` and Svelte stores want. Act on it through `pm.get(name)`.
 */
export interface ProcessInfo<Meta = unknown> extends Pick<ProcessHandle<Meta>, 'name' | 'pid' | 'startedAt' | 'command' | 'args' | 'meta' | 'adopted' | 'foundAfter' | 'stdin'> {
  /** A stop plan is running. */
  readonly stopping: boolean;
  readonly logs: { readonly stdout: string | null; readonly stderr: string | null };
}

/** A working handle on a managed process, whether this controller started it or adopted it. */
export interface ProcessHandle<Meta = unknown> {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds since the epoch, from the record: survives any number of controller restarts. */
  readonly startedAt: number;
  readonly command: string;
  readonly args: readonly string[];
  /**
   * The `meta` given at start (the schema's output with `metaSchema`); undefined when none was given, and when the
   * stored meta no longer matches `metaSchema` (a record of an older app version: see `metaError`).
   */
  readonly meta: Meta;
  /** Why the stored meta does not match `metaSchema`; the process is managed all the same. */
  readonly metaError: string | undefined;
  readonly status: 'running' | 'exited';
  /** True when an earlier controller started it. */
  readonly adopted: boolean;
  /**
   * How an adopted process was found: `'reload'` when the backend knows this app run started it (the Tauri backend:
   * a page of this window before a reload, or another window while this one was open; the shell plugin still holds
   * the child), `'restart'` otherwise: an earlier run of the app or another controller started it (the Node backend
   * cannot tell those apart, nor a second manager of this process); null when this controller started it.
   */
  readonly foundAfter: 'reload' | 'restart' | null;
  /** The stop plan `stop()` runs by default: the one it was started with. */
  readonly stopPlan: readonly StopStep[];
  readonly logs: { stdout: string | null; stderr: string | null };
  /** The stdin FIFO's path with `stdin: 'fifo'`, else null. */
  readonly stdin: string | null;
  /** Resolves when it ends; also for adopted processes (their exit code is `null`: unknowable). */
  readonly exited: Promise<ExitInfo>;
  /** Writes to its stdin FIFO: needs `stdin: 'fifo'`; works for an adopted process too. */
  write(data: string | Uint8Array): Promise<void>;
  /** Runs its stop plan (or the one given). Concurrent calls share one run. */
  stop(plan?: StopPlan): Promise<StopResult>;
}

export type Unsubscribe = () => void;

/** A record set aside as unreadable (quarantined), with the live process its marker points to. */
export interface SetAsideProcess {
  name: string;
  /** Why it could not be read. */
  reason: string;
  /** The live process carrying its marker, proven by a scan; null when none runs (or the backend cannot scan). */
  pid: number | null;
  marker: string | null;
}

/** What `pm.forget()` removed for one name. */
export interface Forgotten {
  name: string;
  /** Its ended run's trace (what `pm.lastExit` returned) was removed. */
  trace: boolean;
  /** How many of its records set aside as unreadable were deleted (no process carries their marker). */
  setAside: number;
  /** How many of its set-aside records were kept, and why (`kept`): one's process may still run, or it cannot be told. */
  setAsideKept: number;
  kept?: string;
}

/** How the last run of a name ended: its record stays in the store as this trace, without holding the name. */
export interface LastExit {
  name: string;
  pid: number;
  command: string;
  args: readonly string[];
  startedAt: number;
  /** When the end was seen, in ms since the epoch. */
  endedAt: number;
  /** Exit code and signal; both null when it ended unwatched or was adopted (unknowable). */
  exit: ExitInfo;
  /** For people: "exited", "stopped by pidkeep", "ended while no controller watched (...)". */
  how: string;
  /** The run's `meta` as stored (not checked against `metaSchema`: a trace is history). */
  meta: unknown;
}

export interface ProcessManager<Meta = unknown> {
  readonly namespace: string;
  /** One entry per stored record found at start-up. */
  readonly recovery: readonly RecoveryEntry[];
  /**
   * What the start-up found wrong with the setup itself, for the app to show or log: e.g. `PRESENCE_UNKNOWN`, a
   * webview without Web Locks (its windows cannot tell each other apart: `onOrphan: 'stop'` adopts instead, and they
   * share no lock). Empty when all is well.
   */
  readonly warnings: readonly ManagerWarning[];
  start(name: string, options: StartOptions<Meta>): Promise<ProcessHandle<Meta>>;
  /**
   * The handle of a running process by name, or undefined. Spawns nothing. A record another controller wrote after
   * start-up is read and proven on the spot where the store and backend answer synchronously (fileStore and the
   * Linux probe do); otherwise the next manager sees it.
   */
  get(name: string): ProcessHandle<Meta> | undefined;
  list(): ProcessHandle<Meta>[];
  /** Runs the stop plan of `name`; a name whose record was set aside is stopped through its marker. */
  stop(name: string, plan?: StopPlan): Promise<StopResult>;
  stopAll(plan?: StopPlan): Promise<StopResult[]>;
  /**
   * Stops `name` (with `options.stop`, else its own stop plan) and starts it again exactly as it was started:
   * command, arguments, cwd, the variables the start gave, stdin, stop plan, meta and readiness check; it resolves
   * once the new run is ready, as `start()` does. An ended run (its trace) is started again the same way. A stop
   * that fails starts nothing. A stop plan alone may be passed as the second argument.
   */
  restart(name: string, options?: RestartOptions | StopPlan): Promise<ProcessHandle<Meta>>;
  /**
   * Records set aside as unreadable, each with the live process its marker points to. Such a process is never
   * stranded: `pm.stop(name)` (its default plan's signal steps) or `pm.sweep()` ends it.
   */
  setAside(): Promise<SetAsideProcess[]>;
  /** How the last run of `name` ended, when it has ended and its trace is in the store; undefined otherwise. */
  lastExit(name: string): Promise<LastExit | undefined>;
  /** Every ended run whose trace the store keeps (one per name, until the name is started again), by name. */
  ended(): Promise<LastExit[]>;
  /**
   * Removes what the store keeps of `name` once it no longer runs: its ended run's trace and its records set aside
   * as unreadable (only when no live process carries their marker). Rejects with `ALREADY_RUNNING` while it runs
   * and `NOT_FOUND` when there is nothing to forget. Its log files stay (the next run of the name appends to them).
   */
  forget(name: string): Promise<Forgotten>;
  /** `forget()` for every ended run of the namespace, and every set-aside record with no live process left. */
  forgetEnded(): Promise<Forgotten[]>;
  /** Stops processes of this namespace that no record knows (spawned, then their record was lost). */
  sweep(options?: SweepOptions): Promise<SweepEntry[]>;
  /** Called on every change, including a process that ends on its own and processes other controllers start. */
  subscribe(listener: (event: ManagerEvent) => void): Unsubscribe;
  /**
   * The running processes as frozen values, the same array until an event changes them:
   * `useSyncExternalStore(pm.subscribe, pm.snapshot)` in React; in Svelte, `readable(pm.snapshot(), (set) =>
   * pm.subscribe(() => set(pm.snapshot())))`.
   */
  snapshot(): readonly ProcessInfo<Meta>[];
  /** Stops watching. Never stops processes: a later controller adopts them. */
  close(): Promise<void>;
}

export interface SweepOptions {
  /** @default [{ signal: 'SIGTERM', wait: 5000 }, { signal: 'SIGKILL', wait: 2000 }] */
  stop?: StopPlan;
  /**
   * Also stop marked processes of other users (a controller running as root). Processes in another pid namespace
   * are never swept: their pids mean something else there.
   * @default false
   */
  allUsers?: boolean;
}

export interface SweepEntry {
  pid: number;
  marker: string;
  comm: string;
  /** How it was stopped; null when it was not touched (`skipped` says why). */
  result: StopResult | null;
  /** Why a process carrying this store's marker was left alone: it could not be told whether it is this store's. */
  skipped?: string;
}
