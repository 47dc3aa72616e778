import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeError, PidkeepError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { probe } from './probe.js';
import { keyOf, type StoredRecord } from './record.js';
import type { Backend, ExitInfo, ReadyCheck, ManagerEvent, ManagerOptions, OrphanContext, OrphanPolicy, PidLimits, Presence, ProbeResult, ProcessHandle, RecordInfo, Store, StopResult, StopStep } from './types.js';
import { assertName, DEFAULT_STOP_PLAN, normalizeStopPlan, show } from './validate.js';

/** A record this controller watches. `text` is the stored value, so removal never deletes a newer record. */
export interface Tracked {
  record: StoredRecord;
  text: string;
  /** Our child, whose exit event we get; otherwise its end is polled for. */
  own: boolean;
  /** Started by this controller (not adopted), with or without an exit event. */
  startedHere: boolean;
  metaError: string | undefined;
  status: 'running' | 'exited';
  /** Settles (after the store is updated) when the process ends; made when first asked for. */
  readonly exit: Promise<ExitInfo>;
  settle(info: ExitInfo): void;
  stopping: Promise<StopResult> | undefined;
  /** Why its record could not be marked ended when it ended (a read-only store), if it could not. */
  recordError: string | undefined;
  /** Made when first asked for. */
  readonly handle: ProcessHandle<never>;
  unref: (() => void) | undefined;
}

/** The store key of a name started by this controller (its pid namespace decides). */
export function ownKey<Meta>(ctx: Context<Meta>, name: string): string {
  return keyOf(name, ctx.limits.pidNamespace);
}

/** What every part of a manager shares: its options, its view of the processes, and how it tells listeners. */
export interface Context<Meta = unknown> {
  readonly namespace: string;
  readonly store: Store;
  readonly backend: Backend;
  readonly limits: PidLimits;
  /** The store's id for this namespace: in every child's marker. */
  readonly storeId: string;
  readonly metaSchema: StandardSchemaV1<unknown, Meta> | undefined;
  readonly onOrphan: OrphanPolicy | ((record: RecordInfo<Meta>, found: OrphanContext) => OrphanPolicy | Promise<OrphanPolicy>);
  /** This manager's mark as open on the store (Store.join), from its start-up reconcile; left at close(). */
  presence: Presence | undefined;
  readonly defaultStop: StopStep[];
  readonly pollInterval: number;
  readonly otherPidNamespaces: 'keep' | 'forget';
  /** One entry per name this controller watches. */
  readonly tracked: Map<string, Tracked>;
  /** The `until` readiness functions of the last runs this controller started, by name: a restart waits for them again. */
  readonly untilChecks: Map<string, { id: string; check: ReadyCheck }>;
  /** Names this controller is starting right now: a second start of one name fails before spawning. */
  readonly starting: Set<string>;
  readonly listeners: Set<(event: ManagerEvent) => void>;
  /** Counts events: a snapshot made at another count is out of date. */
  changes: number;
  closed: boolean;
  /** Set by the watcher: lets the poll timer hold the controller open only while adopted processes run. */
  keepAlive(): void;
}

/** Checks the options and builds the context (no I/O beyond asking the store for its id). */
export function createContext<Meta>(options: ManagerOptions<Meta>): Context<Meta> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected an options object, got ${show(options)}`);
  const { namespace, backend, store = memoryStore(), onOrphan = 'adopt', metaSchema } = options;
  assertName(namespace, 'namespace');
  if (!backend || typeof backend.spawn !== 'function') throw new TypeError('[pidkeep] Expected the `backend` option, e.g. nodeBackend() from pidkeep/node');
  if (!store || typeof store.list !== 'function' || typeof store.lock !== 'function') {
    throw new TypeError('[pidkeep] Expected the `store` option to be a store (with `lock`, `get`, `put`, ...), e.g. fileStore() from pidkeep/node');
  }
  if (onOrphan !== 'adopt' && onOrphan !== 'stop' && typeof onOrphan !== 'function') {
    throw new TypeError(`[pidkeep] Expected \`onOrphan\` to be 'adopt', 'stop' or a function, got ${show(onOrphan)}`);
  }
  const pollInterval = options.pollInterval ?? 500;
  if (!Number.isInteger(pollInterval) || pollInterval < 10) throw new TypeError(`[pidkeep] Expected \`pollInterval\` to be an integer of at least 10 ms, got ${show(pollInterval)}`);
  const defaultStop = normalizeStopPlan(options.stop ?? DEFAULT_STOP_PLAN, '`stop` option');
  const otherPidNamespaces = options.otherPidNamespaces ?? 'keep';
  if (otherPidNamespaces !== 'keep' && otherPidNamespaces !== 'forget') throw new TypeError(`[pidkeep] Expected \`otherPidNamespaces\` to be 'keep' or 'forget', got ${show(otherPidNamespaces)}`);
  let storeId: string;
  try {
    storeId = store.id(namespace);
  } catch (error) {
    throw new PidkeepError('STORE_FAILED', `could not open namespace "${namespace}" of the ${store.name} store (${describeError(error)}); check that its folder is yours and writable`, { cause: error });
  }
  return {
    namespace,
    store,
    backend,
    limits: backend.limits(),
    storeId,
    metaSchema,
    onOrphan,
    defaultStop,
    pollInterval,
    otherPidNamespaces,
    tracked: new Map(),
    starting: new Set(),
    untilChecks: new Map(),
    listeners: new Set(options.onEvent ? [checkListener(options.onEvent)] : []),
    changes: 0,
    closed: false,
    presence: undefined,
    keepAlive: () => undefined,
  };
}

export function emit<Meta>(ctx: Context<Meta>, event: ManagerEvent): void {
  ctx.changes++;
  for (const listener of [...ctx.listeners]) {
    try {
      listener(event);
    } catch {
      // A listener's bug must not break process supervision.
    }
  }
}

function checkListener(value: unknown): (event: ManagerEvent) => void {
  if (typeof value !== 'function') throw new TypeError(`[pidkeep] Expected \`onEvent\` to be a function, got ${show(value)}`);
  return value as (event: ManagerEvent) => void;
}

export function ensureOpen<Meta>(ctx: Context<Meta>): void {
  if (ctx.closed) throw new PidkeepError('CLOSED', 'this manager was closed; create a new one with createProcessManager()');
}

/** One pid through the backend's probe, marker included; a failure is PROBE_FAILED. */
export async function probeOne<Meta>(ctx: Context<Meta>, pid: number): Promise<ProbeResult | undefined> {
  return (await probe(ctx.backend, [pid], true))[0];
}
