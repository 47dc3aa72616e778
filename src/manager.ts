import { describeError, PidkeepError, withRecord } from './errors.js';
import { judge, MARKER_ENV, markerOf, markerPrefix, type Verdict } from './identity.js';
import { memoryStore } from './memory-store.js';
import { checkMeta, validateWith } from './meta.js';
import { freeName, withLock } from './claim.js';
import { checkIdentities, reconcile, type Found } from './reconcile.js';
import { sweepUnrecorded } from './sweep.js';
import { MAX_RECORD_BYTES, newRecordId, parseRecord, serializeRecord, type StoredRecord } from './record.js';
import { delay, describeStop, pollUntil, runStopPlan } from './stop.js';
import type {
  ExitInfo,
  ManagerEvent,
  ManagerOptions,
  ProcessHandle,
  ProcessManager,
  ProbeResult,
  RecoveryEntry,
  Spawned,
  StartOptions,
  StopPlan,
  StopResult,
  StopStep,
} from './types.js';
import { assertName, checkStart, DEFAULT_STOP_PLAN, isValidName, normalizeStopPlan, show, unsafePidReason } from './validate.js';

/** Room a spawn may add to a record: log and FIFO paths (4 KiB each at most) and the identity. */
const SPAWN_ROOM = 16 * 1024;

/** A record this controller watches. `text` is the stored value, so removal never deletes a newer record. */
interface Tracked {
  record: StoredRecord;
  text: string;
  own: boolean;
  metaError: string | undefined;
  status: 'running' | 'exited';
  exit: Promise<ExitInfo>;
  settle(info: ExitInfo): void;
  stopping: Promise<StopResult> | undefined;
  handle: ProcessHandle<never>;
  unref: (() => void) | undefined;
}

/**
 * Creates a controller for one namespace. Resolves after every stored record was reconciled:
 * live processes adopted (or stopped), ended ones removed, reused pids left alone, bad records quarantined.
 */
export async function createProcessManager<Meta = unknown>(options: ManagerOptions<Meta>): Promise<ProcessManager<Meta>> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected an options object, got ${show(options)}`);
  const { namespace, backend, store = memoryStore(), onOrphan = 'adopt', metaSchema } = options;
  assertName(namespace, 'namespace');
  if (!backend || typeof backend.spawn !== 'function') throw new TypeError('[pidkeep] Expected the `backend` option, e.g. nodeBackend() from pidkeep/node');
  if (!store || typeof store.list !== 'function') throw new TypeError('[pidkeep] Expected the `store` option to be a store, e.g. fileStore() from pidkeep/node');
  if (onOrphan !== 'adopt' && onOrphan !== 'stop' && typeof onOrphan !== 'function') {
    throw new TypeError(`[pidkeep] Expected \`onOrphan\` to be 'adopt', 'stop' or a function, got ${show(onOrphan)}`);
  }
  const pollInterval = options.pollInterval ?? 500;
  if (!Number.isInteger(pollInterval) || pollInterval < 10) throw new TypeError(`[pidkeep] Expected \`pollInterval\` to be an integer of at least 10 ms, got ${show(pollInterval)}`);
  const defaultStop = normalizeStopPlan(options.stop ?? DEFAULT_STOP_PLAN, '`stop` option');
  const limits = backend.limits();
  let storeId: string;
  try {
    storeId = store.id(namespace);
  } catch (error) {
    throw new PidkeepError('STORE_FAILED', `could not open namespace "${namespace}" of the ${store.name} store (${describeError(error)}); check that its folder is yours and writable`, { cause: error });
  }

  const tracked = new Map<string, Tracked>();
  const listeners = new Set<(event: ManagerEvent) => void>();
  let closed = false;
  let polling = false;

  const emit = (event: ManagerEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break process supervision.
      }
    }
  };
  const ensureOpen = () => {
    if (closed) throw new PidkeepError('CLOSED', 'this manager was closed; create a new one with createProcessManager()');
  };

  const probeOne = async (pid: number): Promise<ProbeResult | undefined> => (await backend.probe([pid]))[0];
  const verdictOfRecord = (record: StoredRecord, seen: ProbeResult | undefined): Verdict => judge(record, seen);
  const verdictOf = (t: Tracked, seen: ProbeResult | undefined): Verdict => verdictOfRecord(t.record, seen);

  const markExited = (t: Tracked, info: ExitInfo) => {
    if (t.status === 'exited') return;
    t.status = 'exited';
    if (tracked.get(t.record.name) === t) tracked.delete(t.record.name);
    // The record goes first, so whoever awaits `exited` finds the store already clean. Under the lock, and only
    // while it is still this process's record. Best effort: a record left behind is found `gone` by the next
    // controller. After close() the store is not touched.
    const cleanup = closed
      ? Promise.resolve()
      : withLock(store, namespace, async () => {
          if ((await store.get(namespace, t.record.name)) === t.text) await store.remove(namespace, t.record.name);
        })
          .catch(() => undefined)
          .then(() => backend.release?.({ id: t.record.id, stdin: t.record.stdin, namespace, dir: store.location?.(namespace) }))
          .catch(() => undefined);
    void cleanup.then(() => {
      t.settle(info);
      if (!closed) emit({ type: 'exited', name: t.record.name, pid: t.record.pid, exit: info });
    });
  };

  /** The process was seen gone (or its pid taken): record the end. Our own child gets a moment to report its code. */
  const observeEnd = async (t: Tracked) => {
    if (t.own) await Promise.race([t.exit, delay(1000)]);
    markExited(t, { code: null, signal: null });
  };

  const waitForEnd = (t: Tracked, ms: number): Promise<boolean> =>
    pollUntil(async () => {
      if (t.status === 'exited') return true;
      const verdict = verdictOf(t, await probeOne(t.record.pid));
      if (verdict.kind !== 'gone' && verdict.kind !== 'reused') return false;
      await observeEnd(t);
      return true;
    }, ms);

  const stopTracked = (t: Tracked, plan?: StopPlan): Promise<StopResult> => {
    if (t.stopping) return t.stopping;
    let steps: StopStep[];
    try {
      steps = plan === undefined ? t.record.stop : normalizeStopPlan(plan);
    } catch (error) {
      return Promise.reject(error);
    }
    if (steps.some((step) => step.write !== undefined) && !t.record.stdin) {
      return Promise.reject(new PidkeepError('NO_STDIN', 'the stop plan writes to stdin, but this process was started without `stdin: \'fifo\'`', {
        record: t.record.name,
        pid: t.record.pid,
      }));
    }
    emit({ type: 'stopping', name: t.record.name, pid: t.record.pid });
    t.stopping = runStopPlan({
      name: t.record.name,
      pid: t.record.pid,
      steps,
      verify: async () => {
        const verdict = verdictOf(t, await probeOne(t.record.pid));
        if (verdict.kind === 'gone' || verdict.kind === 'reused') await observeEnd(t);
        return verdict;
      },
      signal: async (signal, group) => {
        const unsafe = unsafePidReason(t.record.pid, limits);
        if (unsafe) throw new PidkeepError('UNSAFE_PID', `refusing to signal: ${unsafe}`, { record: t.record.name, pid: t.record.pid });
        await Promise.resolve(backend.signal(t.record.pid, signal, { group })).catch((error) => {
          throw withRecord(error, t.record.name, t.record.pid);
        });
      },
      write: (data) => writeTo(t, data),
      waitForEnd: (ms) => waitForEnd(t, ms),
      exit: () => t.exit,
      ...(backend.groupMembers ? { groupLeft: async () => backend.groupMembers!(t.record.pid, t.record.marker) } : {}),
    })
      .then((result) => {
        emit({ type: 'stopped', name: t.record.name, pid: t.record.pid, result });
        return result;
      })
      .finally(() => {
        t.stopping = undefined;
      });
    return t.stopping;
  };

  const writeTo = async (t: Tracked, data: string | Uint8Array) => {
    if (!t.record.stdin) {
      throw new PidkeepError('NO_STDIN', "this process has no stdin FIFO: start it with `stdin: 'fifo'` to write to it", {
        record: t.record.name,
        pid: t.record.pid,
      });
    }
    if (t.status === 'exited') throw new PidkeepError('STDIN_CLOSED', 'the process has exited', { record: t.record.name, pid: t.record.pid });
    await Promise.resolve(backend.write(t.record.stdin, data, t.record.id)).catch((error) => {
      throw withRecord(error, t.record.name, t.record.pid);
    });
  };

  const track = (record: Tracked['record'], text: string, own: boolean, exit?: Promise<ExitInfo>, unref?: () => void, metaError?: string): Tracked => {
    let settle!: (info: ExitInfo) => void;
    const done = new Promise<ExitInfo>((resolve) => (settle = resolve));
    const t: Tracked = {
      record,
      text,
      own,
      metaError,
      status: 'running',
      exit: done,
      settle,
      stopping: undefined,
      handle: undefined as never,
      unref,
    };
    t.handle = makeHandle(t) as ProcessHandle<never>;
    exit?.then((info) => markExited(t, info));
    tracked.set(record.name, t);
    return t;
  };

  const makeHandle = (t: Tracked): ProcessHandle<Meta> => ({
    name: t.record.name,
    pid: t.record.pid,
    startedAt: t.record.startedAt,
    command: t.record.command,
    args: t.record.args,
    meta: t.record.meta as Meta,
    metaError: t.metaError,
    get status() {
      return t.status;
    },
    adopted: !t.own,
    logs: t.record.logs,
    stdin: t.record.stdin,
    exited: t.exit,
    write: (data) => writeTo(t, data),
    stop: (plan) => stopTracked(t, plan),
  });

  // Adopted processes are not our children: no exit event arrives, so one batched probe watches them all.
  const poll = async () => {
    if (polling || closed) return;
    const watched = [...tracked.values()].filter((t) => !t.own && t.status === 'running' && !t.stopping);
    keepAlive();
    if (watched.length === 0) return;
    polling = true;
    try {
      const verdicts = await checkIdentities(backend, watched.map((t) => t.record));
      for (const [index, t] of watched.entries()) {
        const verdict = verdicts[index]!;
        if (verdict.kind === 'gone' || verdict.kind === 'reused') markExited(t, { code: null, signal: null });
      }
    } catch {
      // A failed probe is retried at the next tick.
    } finally {
      polling = false;
    }
  };
  // Reconcile what earlier controllers left behind (a throw here leaves no timer behind).
  const recovery: RecoveryEntry[] = [];
  let found: Found[];
  try {
    found = await reconcile({ namespace, store, backend, limits, metaSchema }, recovery);
  } catch (error) {
    if (error instanceof PidkeepError) throw error;
    throw new PidkeepError('STORE_FAILED', `could not reconcile the records of namespace "${namespace}" in the ${store.name} store (${describeError(error)}); check that it is readable`, { cause: error });
  }
  // Policies run side by side: several orphans to stop take as long as the slowest, not the sum.
  await Promise.all(
    found.map(async (item) => {
      const { name, pid, command, args, startedAt, meta } = item.record;
      const t = track(item.record, item.text, false, undefined, undefined, item.metaError);
      let policy: unknown = onOrphan;
      let note = '';
      if (typeof onOrphan === 'function') {
        try {
          policy = await onOrphan({ name, pid, command, args, startedAt, meta: meta as Meta });
        } catch (error) {
          note = ` (onOrphan threw: ${describeError(error)}; adopted instead)`;
          policy = 'adopt';
        }
        if (policy !== 'adopt' && policy !== 'stop') {
          note = ` (onOrphan returned ${show(policy)}, not 'adopt' or 'stop'; adopted instead)`;
          policy = 'adopt';
        }
      }
      if (policy === 'stop') {
        try {
          const result = await stopTracked(t);
          recovery.push({ name, pid, status: 'stopped', detail: describeStop(result), stop: result });
          return;
        } catch (error) {
          note = ` (could not stop it: ${describeError(error)}; adopted instead)`;
        }
      }
      const metaNote = item.metaError ? ` (its meta does not match the schema: ${item.metaError}; handle.meta is undefined)` : '';
      recovery.push({ name, pid, status: 'adopted', detail: `alive and the same process (boot id, pid, start time, command; its marker is confirmed before any signal); adopted${note}${metaNote}` });
      emit({ type: 'adopted', name, pid });
    }),
  );

  const timer = setInterval(() => void poll(), pollInterval);
  // While adopted processes are watched, the timer keeps the controller alive (so `await handle.exited` waits,
  // as it does for our own children); with nothing to watch it must not hold a script open.
  function keepAlive() {
    const watching = !closed && [...tracked.values()].some((t) => !t.own && t.status === 'running');
    const handle = timer as { ref?: () => void; unref?: () => void };
    if (watching) handle.ref?.();
    else handle.unref?.();
  }
  keepAlive();
  /** Names this controller is starting right now: a second start of one name fails before spawning. */
  const starting = new Set<string>();

  /** Ends a child whose record could not be written; returns what happened to it, for the error. */
  const endUnrecorded = async (identity: Spawned['identity'], marker: string, spawned: Spawned): Promise<string> => {
    const expected = { ...identity, marker };
    const verdict = judge(expected, await probeOne(identity.pid).catch(() => undefined));
    if (verdict.kind === 'gone' || verdict.kind === 'reused') return 'the process just started for it has already ended';
    if (verdict.kind !== 'same') return `the process just started for it (pid ${identity.pid}) could not be proven to be ours and was left running: ${verdict.reason}`;
    const unsafe = unsafePidReason(identity.pid, limits);
    if (unsafe) return `the process just started for it was left running: refusing to signal it (${unsafe})`;
    let refused = '';
    await Promise.resolve(backend.signal(identity.pid, 'SIGKILL', { group: verdict.groupLeader })).catch((e: unknown) => (refused = ` (${describeError(e)})`));
    const ended = await Promise.race([spawned.exited.then(() => true), pollUntil(async () => judge(expected, await probeOne(identity.pid).catch(() => undefined)).kind !== 'same', 2000)]);
    return ended ? 'the process just started for it was stopped' : `the process just started for it (pid ${identity.pid}) could not be stopped${refused}: stop it by hand, or run sweep()`;
  };

  const start = async (name: string, startOptions: StartOptions<Meta>): Promise<ProcessHandle<Meta>> => {
    ensureOpen();
    assertName(name);
    const spec = checkStart(startOptions);
    const current = tracked.get(name);
    if ((current && current.status === 'running') || starting.has(name)) {
      throw new PidkeepError('ALREADY_RUNNING', 'a process of this name is already running or starting; stop it first or pick another name', { record: name, pid: current?.record.pid });
    }
    starting.add(name);
    try {
      return await startNamed(name, spec, startOptions);
    } finally {
      starting.delete(name);
    }
  };

  const startNamed = async (name: string, spec: ReturnType<typeof checkStart>, startOptions: StartOptions<Meta>): Promise<ProcessHandle<Meta>> => {
    const meta = await checkMeta(metaSchema, startOptions.meta, name);
    const steps = startOptions.stop === undefined ? defaultStop : normalizeStopPlan(startOptions.stop);
    if (steps.some((step) => step.write !== undefined) && spec.stdin !== 'fifo') {
      throw new TypeError("[pidkeep] The stop plan writes to stdin: start the process with `stdin: 'fifo'`");
    }
    const id = newRecordId();
    const marker = markerOf(namespace, storeId, id);
    const draft: StoredRecord = {
      v: 2,
      id,
      marker,
      namespace,
      name,
      backend: backend.name,
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd ?? null,
      startedAt: Date.now(),
      stdin: spec.stdin === 'fifo' ? '/' : null, // the FIFO's path comes with the spawn
      logs: { stdout: null, stderr: null },
      stop: steps,
      meta: meta.stored,
      pid: 2,
      bootId: '',
      startTime: '',
      comm: '',
    };
    // Whatever the reader would reject is refused before anything runs: a record that cannot be read back would
    // set its process aside. The spawn adds only short fields: three paths and the identity (SPAWN_ROOM).
    const draftText = serializeRecord(draft);
    const check = parseRecord(draftText, name, namespace, limits);
    const reason = check.kind === 'corrupt' ? check.reason : draftText.length > MAX_RECORD_BYTES / 3 && new TextEncoder().encode(draftText).length + SPAWN_ROOM > MAX_RECORD_BYTES ? `it would be over ${MAX_RECORD_BYTES} bytes` : undefined;
    if (reason) throw new TypeError(`[pidkeep] The record for "${name}" would not be readable (${reason}): keep command, args, cwd and meta smaller`);

    const env: Record<string, string | undefined> = { ...spec.env, [MARKER_ENV]: marker };
    // The lock is held from before the spawn until the record is written: a sweep (which takes the same lock) never
    // sees this child unrecorded, and no other controller starts this name meanwhile.
    const { record, text, spawned } = await withLock(store, namespace, async () => {
      await freeName(names, name);
      let spawned: Spawned;
      try {
        spawned = await backend.spawn({ namespace, name, id, command: spec.command, args: spec.args, cwd: spec.cwd, env, stdin: spec.stdin, dir: store.location?.(namespace) });
      } catch (error) {
        if (error instanceof PidkeepError) throw withRecord(error, name);
        throw new PidkeepError('SPAWN_FAILED', `could not start \`${spec.command}\` (${describeError(error)}); check that the command exists, is executable and that cwd exists`, { record: name, cause: error });
      }
      const { identity } = spawned;
      const record: StoredRecord = { ...draft, startedAt: Date.now(), stdin: spawned.stdin, logs: spawned.logs, pid: identity.pid, bootId: identity.bootId, startTime: identity.startTime, comm: identity.comm };
      const text = serializeRecord(record);
      try {
        await store.put(namespace, name, text);
      } catch (error) {
        // Unrecorded, nobody could find this process again: end it now, still under the lock, after proving once
        // more that the pid is still the child we just spawned, and say what really happened.
        const fate = await endUnrecorded(identity, marker, spawned);
        await Promise.resolve(backend.release?.({ id, stdin: spawned.stdin, namespace, dir: store.location?.(namespace) })).catch(() => undefined);
        const code = error instanceof PidkeepError ? error.code : 'STORE_FAILED';
        const what = error instanceof PidkeepError ? error.reason : `the record could not be written (${describeError(error)}); check the store (disk space, permissions)`;
        throw new PidkeepError(code, `${what}; ${fate}`, { record: name, pid: identity.pid, cause: error instanceof PidkeepError ? (error.cause ?? error) : error });
      }
      return { record, text, spawned };
    }, name);
    const { identity } = spawned;
    // The handle shows the validated meta (the schema's output); the record keeps what was given.
    const t = track({ ...record, meta: meta.value }, text, true, spawned.exited, spawned.unref?.bind(spawned));
    if (closed) t.unref?.(); // closed while starting: this child must not hold the controller open
    else emit({ type: 'started', name, pid: identity.pid });
    return t.handle as ProcessHandle<Meta>;
  };

  /** Tracks a record another controller wrote, once its process is proven to be the recorded one. */
  const admit = (record: StoredRecord, text: string, seen: ProbeResult | undefined, metaError?: string): ProcessHandle<never> | undefined => {
    if (closed || tracked.has(record.name) || starting.has(record.name)) return tracked.get(record.name)?.handle;
    if (verdictOfRecord(record, seen).kind !== 'same') return undefined;
    const t = track(record, text, false, undefined, undefined, metaError);
    keepAlive();
    emit({ type: 'adopted', name: record.name, pid: record.pid });
    return t.handle;
  };
  const parseStored = (name: string, text: unknown): StoredRecord | undefined => {
    if (typeof text !== 'string') return undefined;
    const parsed = parseRecord(text, name, namespace, limits);
    return parsed.kind === 'ok' ? parsed.record : undefined;
  };

  /**
   * Builds a handle from a record this manager has not seen yet (another controller started it after we
   * reconciled). Synchronous by contract, so only where the store, the probe and the schema answer at once
   * (the file store and the Linux probe do); spawns nothing and signals nothing.
   */
  const lookUp = (name: string): ProcessHandle<never> | undefined => {
    if (closed) return undefined;
    let text: unknown;
    try {
      text = store.get(namespace, name);
    } catch {
      return undefined;
    }
    const record = parseStored(name, text); // undefined also for a store that answers asynchronously
    if (!record) return undefined;
    let metaError: string | undefined;
    if (metaSchema) {
      const result = metaSchema['~standard'].validate(record.meta);
      if (result instanceof Promise) return undefined;
      if (result.issues) metaError = result.issues.map((issue) => issue.message).join('; ');
      record.meta = result.issues ? undefined : result.value;
    }
    const seen = backend.probe([record.pid]);
    if (seen instanceof Promise) return undefined;
    return admit(record, text as string, seen[0], metaError);
  };

  /** The same for any store and backend, when a store reports a change (another window started something). */
  const lookUpLater = async (name: string): Promise<void> => {
    const text = await store.get(namespace, name);
    const record = parseStored(name, text);
    if (!record || closed || tracked.has(name)) return;
    const metaError = metaSchema ? await validateWith(metaSchema, record.meta, (output) => (record.meta = output)) : undefined;
    if (metaError) record.meta = undefined;
    admit(record, text as string, await probeOne(record.pid), metaError);
  };

  // Another writer changed a record: a new one may be a process to watch; a changed or removed one may
  // mean its process ended, which the next poll tells (a record alone proves nothing).
  const unwatch = store.watch?.(namespace, (key) => {
    if (closed || !isValidName(key)) return;
    const t = tracked.get(key);
    if (t) void poll();
    else void lookUpLater(key).catch(() => undefined);
  });

  const names = { namespace, store, backend, limits, probeOne };

  const stop = async (name: string, plan?: StopPlan) => {
    ensureOpen();
    assertName(name);
    const t = tracked.get(name);
    if (!t) throw new PidkeepError('NOT_FOUND', `no running process is named "${name}" in namespace "${namespace}"; see pm.list()`, { record: name });
    return stopTracked(t, plan);
  };

  return {
    namespace,
    recovery,
    start,
    get: (name) => {
      assertName(name);
      return (tracked.get(name)?.handle ?? lookUp(name)) as ProcessHandle<Meta> | undefined;
    },
    list: () => [...tracked.values()].filter((t) => t.status === 'running').map((t) => t.handle as ProcessHandle<Meta>),
    stop,
    stopAll: async (plan) => {
      ensureOpen();
      // Every stop runs to its end even when one fails; then the failures are reported together.
      const settled = await Promise.allSettled([...tracked.values()].filter((t) => t.status === 'running').map((t) => stopTracked(t, plan)));
      const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        const reasons = failed.map((r) => (r.reason instanceof PidkeepError && r.reason.subject ? `${r.reason.subject}: ${r.reason.reason}` : describeError(r.reason))).join('; ');
        throw new PidkeepError('STOP_FAILED', `${failed.length} of ${settled.length} processes could not be stopped: ${reasons}`, { cause: new AggregateError(failed.map((r) => r.reason)) });
      }
      return settled.map((r) => (r as PromiseFulfilledResult<StopResult>).value);
    },
    sweep: async (sweepOptions) => {
      ensureOpen();
      return sweepUnrecorded({ namespace, store, backend, limits, prefix: markerPrefix(namespace, storeId), tracking: [...tracked.values()].map((t) => t.record.id) }, sweepOptions);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      unwatch?.();
      listeners.clear();
      // Our own children run on without us; a later controller adopts them.
      for (const t of tracked.values()) t.unref?.();
    },
  };
}

