// Keeping the view current: adopted processes are polled for their end, and records other controllers write
// are picked up (at once through pm.get where the store answers synchronously, or when the store reports them).
import { withLock } from './claim.js';
import { emit, ownKey, probeOne, type Context } from './context.js';
import { judge } from './identity.js';
import { validateWith } from './meta.js';
import { checkIdentities } from './reconcile.js';
import { parseRecord, type StoredRecord } from './record.js';
import { markExited, track } from './tracked.js';
import type { ProbeResult, ProcessHandle } from './types.js';
import { isValidName } from './validate.js';

export interface Watcher {
  /** A handle for a record this manager has not seen yet, proven on the spot; undefined when it cannot be. */
  lookUp(name: string): ProcessHandle<never> | undefined;
  close(): void;
}

export function watch<Meta>(ctx: Context<Meta>): Watcher {
  let polling: Promise<void> | undefined;
  // Adopted processes are not our children: no exit event arrives, so one batched probe watches them all. A poll
  // asked for while one runs shares it.
  const poll = (): Promise<void> => (polling ??= pollOnce().finally(() => (polling = undefined)));
  const pollOnce = async () => {
    if (ctx.closed) return;
    const watched = [...ctx.tracked.values()].filter((t) => !t.own && t.status === 'running' && !t.stopping);
    ctx.keepAlive();
    if (watched.length === 0) return;
    try {
      const verdicts = await checkIdentities(ctx.backend, watched.map((t) => t.record));
      for (const [index, t] of watched.entries()) {
        const verdict = verdicts[index]!;
        if (verdict.kind !== 'gone' && verdict.kind !== 'reused') continue;
        markExited(ctx, t, { code: null, signal: null });
        // Where the store tells of changes, another controller may already have started the name again.
        if (ctx.store.watch) void lookUpLater(t.record.name).catch(() => undefined);
      }
    } catch {
      // A failed probe is retried at the next tick.
    }
  };
  const timer = setInterval(() => void poll(), ctx.pollInterval);
  // While adopted processes are watched, the timer keeps the controller alive (so `await handle.exited` waits,
  // as it does for our own children); with nothing to watch it must not hold a script open.
  ctx.keepAlive = () => {
    const watching = !ctx.closed && [...ctx.tracked.values()].some((t) => !t.own && t.status === 'running');
    const handle = timer as { ref?: () => void; unref?: () => void };
    if (watching) handle.ref?.();
    else handle.unref?.();
  };
  ctx.keepAlive();

  /** Tracks a record another controller wrote, once its process is proven to be the recorded one. */
  const admit = (record: StoredRecord, text: string, seen: ProbeResult | undefined, metaError?: string) => {
    if (ctx.closed || ctx.tracked.has(record.name) || ctx.starting.has(record.name)) return ctx.tracked.get(record.name)?.handle;
    if (judge(record, seen).kind !== 'same') return undefined;
    const t = track(ctx, record, text, false, { metaError });
    ctx.keepAlive();
    emit(ctx, { type: 'adopted', name: record.name, pid: record.pid });
    return t.handle;
  };
  const parseStored = (name: string, text: unknown): StoredRecord | undefined => {
    if (typeof text !== 'string') return undefined;
    const parsed = parseRecord(text, ownKey(ctx, name), ctx.namespace, ctx.limits);
    return parsed.kind === 'ok' && !parsed.record.ended ? parsed.record : undefined;
  };

  // Synchronous by contract, so only where the store, the probe and the schema answer at once (the file store and
  // the Linux probe do); spawns nothing and signals nothing.
  const lookUp = (name: string) => {
    if (ctx.closed) return undefined;
    let text: unknown;
    try {
      text = ctx.store.get(ctx.namespace, ownKey(ctx, name));
    } catch {
      return undefined;
    }
    const record = parseStored(name, text); // undefined also for a store that answers asynchronously
    if (!record) return undefined;
    // A lookup answers or says nothing: a validator or probe that throws (or answers later) is "not now".
    try {
      let metaError: string | undefined;
      if (ctx.metaSchema) {
        const result = ctx.metaSchema['~standard'].validate(record.meta);
        if (result instanceof Promise) return undefined;
        if (result.issues) metaError = result.issues.map((issue) => issue.message).join('; ');
        record.meta = result.issues ? undefined : result.value;
      }
      const seen = ctx.backend.probe([record.pid]);
      if (seen instanceof Promise) return undefined;
      return admit(record, text as string, seen[0], metaError);
    } catch {
      return undefined;
    }
  };

  /** The same for any store and backend, when a store reports a change (another window started something). */
  const lookUpLater = async (name: string) => {
    const text = await ctx.store.get(ctx.namespace, ownKey(ctx, name));
    const record = parseStored(name, text);
    if (!record || ctx.closed || ctx.tracked.has(name)) return;
    const metaError = ctx.metaSchema ? await validateWith(ctx.metaSchema, record.meta, (output) => (record.meta = output)) : undefined;
    if (metaError) record.meta = undefined;
    admit(record, text as string, await probeOne(ctx, record.pid), metaError);
  };

  // Another writer changed a record: a new one may be a process to watch; a changed or removed one may
  // mean its process ended, which the next poll tells (a record alone proves nothing).
  const unwatch = ctx.store.watch?.(ctx.namespace, (key) => {
    // Only keys of this pid namespace name processes this controller can watch.
    const name = key.split('@')[0];
    if (ctx.closed || !isValidName(name) || ownKey(ctx, name) !== key) return;
    // A watched one may have ended (the poll tells), and another controller may have started the name again since.
    void (ctx.tracked.has(name) ? poll() : Promise.resolve())
      .then(() => (ctx.tracked.has(name) ? restore(name) : lookUpLater(name)))
      .catch(() => undefined);
  });

  /**
   * A record of a process this manager tracks went while the process runs on (the folder wiped, the file deleted by
   * hand): written back, under the lock, once the process is proven the same, so no sweep takes it for an orphan.
   * Until then a sweep can (the wipe is outside any lock: RELIABILITY.md, "Not covered").
   */
  const restore = async (name: string) => {
    const t = ctx.tracked.get(name);
    if (!t || t.status !== 'running' || t.stopping || ctx.closed) return;
    const key = ownKey(ctx, name);
    // Most changes of a tracked record are its own writes (its end marked, another window's adoption): a look without
    // the lock settles those; only a record that is gone is decided again under the lock.
    if ((await ctx.store.get(ctx.namespace, key)) !== undefined) return;
    await withLock(ctx.store, ctx.namespace, async () => {
      if ((await ctx.store.get(ctx.namespace, key)) !== undefined || t.status !== 'running') return;
      if (judge(t.record, await probeOne(ctx, t.record.pid)).kind !== 'same') return;
      await ctx.store.put(ctx.namespace, key, t.text);
    });
  };

  return {
    lookUp,
    close() {
      clearInterval(timer);
      unwatch?.();
    },
  };
}
