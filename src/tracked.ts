// A process this controller watches, started here or adopted: its handle, its end, its stop and its stdin.
import { markEnded, releaseFifo, withLock } from './claim.js';
import { emit, probeOne, type Context, type Tracked } from './context.js';
import { describeError, PidkeepError, withRecord } from './errors.js';
import { judge } from './identity.js';
import { keyOf, type StoredRecord } from './record.js';
import { delay, pollUntil, runStopPlan } from './stop.js';
import type { ExitInfo, ProcessHandle, StopPlan, StopResult, StopStep } from './types.js';
import { normalizeStopPlan, unsafePidReason } from './validate.js';

export interface TrackOptions {
  /** Our own child's exit, from the backend. */
  exit?: Promise<ExitInfo> | undefined;
  /** Started by this controller though no exit event will come (`own` false: watched by polling, as adopted ones). */
  startedHere?: boolean;
  unref?: (() => void) | undefined;
  metaError?: string | undefined;
}

/**
 * Starts watching a record's process. Its handle and its `exited` promise are made when first asked for: a
 * reconcile adopts a thousand processes, most of which nobody looks at before the next controller does.
 */
export function track<Meta>(ctx: Context<Meta>, record: StoredRecord, text: string, own: boolean, options: TrackOptions = {}): Tracked {
  const t = new TrackedProcess(ctx as Context<unknown>, record, text, own, options);
  options.exit?.then((info) => markExited(ctx, t, info));
  ctx.tracked.set(record.name, t);
  return t;
}

/** A class, not an object literal with getters: a reconcile makes a thousand of these at once. */
class TrackedProcess implements Tracked {
  status: 'running' | 'exited' = 'running';
  stopping: Promise<StopResult> | undefined = undefined;
  recordError: string | undefined = undefined;
  readonly metaError: string | undefined;
  readonly unref: (() => void) | undefined;
  readonly startedHere: boolean;
  #exitInfo: ExitInfo | undefined;
  #resolveExit: ((info: ExitInfo) => void) | undefined;
  #exit: Promise<ExitInfo> | undefined;
  #handle: ProcessHandle<never> | undefined;

  constructor(
    private readonly ctx: Context<unknown>,
    readonly record: StoredRecord,
    readonly text: string,
    readonly own: boolean,
    options: TrackOptions,
  ) {
    this.metaError = options.metaError;
    this.unref = options.unref;
    this.startedHere = options.startedHere ?? own;
  }

  get exit(): Promise<ExitInfo> {
    return (this.#exit ??= new Promise<ExitInfo>((resolve) => (this.#exitInfo ? resolve(this.#exitInfo) : (this.#resolveExit = resolve))));
  }

  settle(info: ExitInfo): void {
    this.#exitInfo = info;
    this.#resolveExit?.(info);
  }

  get handle(): ProcessHandle<never> {
    return (this.#handle ??= makeHandle(this.ctx, this));
  }
}

function makeHandle<Meta>(ctx: Context<Meta>, t: Tracked): ProcessHandle<never> {
  const { record } = t;
  return {
    name: record.name,
    pid: record.pid,
    startedAt: record.startedAt,
    command: record.command,
    args: record.args,
    meta: record.meta as never,
    metaError: t.metaError,
    get status() {
      return t.status;
    },
    adopted: !t.startedHere,
    foundAfter: t.startedHere ? null : ctx.backend.startedThisRun?.(record.pid) ? 'reload' : 'restart',
    stopPlan: record.stop,
    logs: record.logs,
    stdin: record.stdin,
    exited: t.exit,
    write: (data) => writeTo(ctx, t, data),
    stop: (plan) => stopTracked(ctx, t, plan),
  } satisfies ProcessHandle<unknown> as ProcessHandle<never>;
}

/** The process ended: its record is marked ended (under the lock, only while it is still this process's), then `exited` settles. */
export function markExited<Meta>(ctx: Context<Meta>, t: Tracked, info: ExitInfo): void {
  if (t.status === 'exited') return;
  t.status = 'exited';
  const { store, namespace, backend } = ctx;
  if (ctx.tracked.get(t.record.name) === t) ctx.tracked.delete(t.record.name);
  // The record is marked first, so whoever awaits `exited` finds the store up to date. Best effort: a record left
  // running is found `gone` by the next controller. After close() the store is not touched.
  const cleanup = ctx.closed
    ? Promise.resolve()
    : withLock(store, namespace, async () => {
        // The record stays as the trace of this run; it no longer holds the name.
        const how = t.stopping ? 'stopped by pidkeep' : info.code !== null || info.signal !== null ? 'exited' : 'ended';
        const key = keyOf(t.record.name, t.record.pidns);
        if ((await store.get(namespace, key)) === t.text) await markEnded(store, namespace, key, t.text, { at: Date.now(), code: info.code, signal: info.signal, how });
      })
        // Still best effort (the next controller finds the record gone), but said: a stop reports it.
        .catch((error: unknown) => void (t.recordError = describeError(error)))
        // Only a FIFO needs releasing: a record without one has nothing to look for.
        .then(() => (t.record.stdin ? releaseFifo(backend, store, namespace, t.record.id, t.record.stdin) : undefined))
        .catch(() => undefined);
  void cleanup.then(() => {
    t.settle(info);
    if (!ctx.closed) emit(ctx, { type: 'exited', name: t.record.name, pid: t.record.pid, exit: info });
  });
}

/** The process was seen gone (or its pid taken): record the end. Our own child gets a moment to report its code. */
async function observeEnd<Meta>(ctx: Context<Meta>, t: Tracked): Promise<void> {
  if (t.own) await Promise.race([t.exit, delay(1000)]);
  markExited(ctx, t, { code: null, signal: null });
}

/** Resolves true once the process is seen gone: our own child by its exit event, any process by probing. */
function waitForEnd<Meta>(ctx: Context<Meta>, t: Tracked, ms: number): Promise<boolean> {
  const probing = pollUntil(async () => {
    if (t.status === 'exited') return true;
    const verdict = judge(t.record, await probeOne(ctx, t.record.pid));
    if (verdict.kind !== 'gone' && verdict.kind !== 'reused') return false;
    await observeEnd(ctx, t);
    return true;
  }, ms);
  return t.own ? Promise.race([t.exit.then(() => true), probing]) : probing;
}

/** Runs a stop plan on a tracked process. Concurrent calls share one run. */
export function stopTracked<Meta>(ctx: Context<Meta>, t: Tracked, plan?: StopPlan): Promise<StopResult> {
  if (t.stopping) return t.stopping;
  const { backend, limits } = ctx;
  const { name, pid } = t.record;
  let steps: StopStep[];
  try {
    steps = plan === undefined ? t.record.stop : normalizeStopPlan(plan);
  } catch (error) {
    return Promise.reject(error);
  }
  if (steps.some((step) => step.write !== undefined) && !t.record.stdin) {
    return Promise.reject(new PidkeepError('NO_STDIN', "the stop plan writes to stdin, but this process was started without `stdin: 'fifo'`", { record: name, pid }));
  }
  t.stopping = runStopPlan({
    name,
    pid,
    steps,
    verify: async () => {
      const verdict = judge(t.record, await probeOne(ctx, pid));
      if (verdict.kind === 'gone' || verdict.kind === 'reused') await observeEnd(ctx, t);
      return verdict;
    },
    signal: async (signal, group) => {
      const unsafe = unsafePidReason(pid, limits);
      if (unsafe) throw new PidkeepError('UNSAFE_PID', `refusing to signal: ${unsafe}`, { record: name, pid });
      await Promise.resolve(backend.signal(pid, signal, { group, expected: { startTime: t.record.startTime, marker: t.record.marker, comm: t.record.comm } })).catch((error) => {
        throw withRecord(error, name, pid);
      });
    },
    write: (data) => writeTo(ctx, t, data),
    waitForEnd: (ms) => waitForEnd(ctx, t, ms),
    exit: () => t.exit,
    ...(backend.groupMembers ? { groupLeft: async (proven) => backend.groupMembers!(pid, t.record.marker, proven) } : {}),
    ...(backend.groupDescendants ? { groupLook: async () => backend.groupDescendants!(pid) } : {}),
  })
    .then((stopped) => {
      const result = t.recordError === undefined ? stopped : { ...stopped, recordError: `its record could not be marked ended (${t.recordError}); the next controller that can write the store finds it gone` };
      emit(ctx, { type: 'stopped', name, pid, result });
      return result;
    })
    .finally(() => {
      t.stopping = undefined;
    });
  // Told once `stopping` is set: a listener that reads pm.snapshot() at once sees the stop.
  emit(ctx, { type: 'stopping', name, pid });
  return t.stopping;
}

/** Writes to the process's stdin FIFO, also for an adopted process. */
export async function writeTo<Meta>(ctx: Context<Meta>, t: Tracked, data: string | Uint8Array): Promise<void> {
  const { name, pid, stdin } = t.record;
  if (!stdin) throw new PidkeepError('NO_STDIN', "this process has no stdin FIFO: start it with `stdin: 'fifo'` to write to it", { record: name, pid });
  if (t.status === 'exited') throw new PidkeepError('STDIN_CLOSED', 'the process has exited', { record: name, pid });
  await Promise.resolve(ctx.backend.write(stdin, data, t.record.id)).catch((error) => {
    throw withRecord(error, name, pid);
  });
}
