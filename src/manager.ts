import { recover } from './adopt.js';
import { createContext, ensureOpen, ownKey, type Tracked } from './context.js';
import { describeError, PidkeepError } from './errors.js';
import { markerPrefix } from './identity.js';
import { parseRecord, type StoredRecord } from './record.js';
import { forget, forgetEnded } from './forget.js';
import { findSetAside, stopSetAside } from './set-aside.js';
import { start } from './start.js';
import { sweepUnrecorded } from './sweep.js';
import { stopTracked } from './tracked.js';
import type { LastExit, ManagerOptions, ManagerWarning, ProcessHandle, ProcessInfo, ProcessManager, StopResult } from './types.js';
import { checkReady, recordedReady } from './ready.js';
import { assertName, byCodeUnit, restartOptions } from './validate.js';
import { watch } from './watch.js';

/**
 * Creates a controller for one namespace. Resolves after every stored record was reconciled: live processes
 * adopted (or stopped), ended ones removed, reused pids left alone, bad records quarantined.
 *   context.ts  the options and the shared view     adopt.ts    reconcile, then the orphan policy
 *   start.ts    start: claim, spawn, record          tracked.ts  a watched process: handle, stop, stdin, end
 *   watch.ts    polling adopted processes, records other controllers write
 */
export async function createProcessManager<Meta = unknown>(options: ManagerOptions<Meta>): Promise<ProcessManager<Meta>> {
  const ctx = createContext(options);
  const { namespace } = ctx;
  // Reconcile before any timer exists: a throw here leaves nothing behind.
  const recovery = await recover(ctx);
  const watcher = watch(ctx);
  const running = () => [...ctx.tracked.values()].filter((t) => t.status === 'running');
  let snapshot: { at: number; value: readonly ProcessInfo<Meta>[] } = { at: -1, value: [] };
  const infoOf = (t: Tracked): ProcessInfo<Meta> => {
    const { name, pid, startedAt, command, args, meta, stdin, logs } = t.record;
    return Object.freeze({ name, pid, startedAt, command, args, meta: meta as Meta, adopted: !t.startedHere, foundAfter: t.handle.foundAfter, stopping: t.stopping !== undefined, logs: Object.freeze({ ...logs }), stdin });
  };

  /** The ended run a record's text holds, if it is one of this namespace's traces. */
  const traceOf = (text: string | undefined, key: string): LastExit | undefined => {
    const parsed = text === undefined ? undefined : parseRecord(text, key, namespace, ctx.limits);
    if (parsed?.kind !== 'ok' || !parsed.record.ended) return undefined;
    const { record } = parsed;
    const { at, code, signal, how } = record.ended!;
    return { name: record.name, pid: record.pid, command: record.command, args: record.args, startedAt: record.startedAt, endedAt: at, exit: { code, signal }, how, meta: record.meta };
  };

  const presence = ctx.presence;
  const warnings: ManagerWarning[] = presence && presence.alone === undefined ? [{ code: 'PRESENCE_UNKNOWN', message: presence.reason ?? 'the store cannot tell whether another manager of this namespace is open' }] : [];

  return {
    namespace,
    recovery,
    warnings: Object.freeze(warnings),
    start: (name, startOptions) => start(ctx, name, startOptions),
    get: (name) => {
      assertName(name);
      return (ctx.tracked.get(name)?.handle ?? watcher.lookUp(name)) as ProcessHandle<Meta> | undefined;
    },
    list: () => running().map((t) => t.handle as ProcessHandle<Meta>),
    async stop(name, plan) {
      ensureOpen(ctx);
      assertName(name);
      const t = ctx.tracked.get(name);
      if (t) return stopTracked(ctx, t, plan);
      const setAside = await stopSetAside(ctx, name, plan);
      if (setAside) return setAside;
      throw new PidkeepError('NOT_FOUND', `no running process is named "${name}" in namespace "${namespace}"; see pm.list()`, { record: name });
    },
    async restart(name, options) {
      ensureOpen(ctx);
      assertName(name);
      const { stop: plan, ready: given } = restartOptions(options);
      const t = ctx.tracked.get(name);
      let record: StoredRecord | undefined;
      if (t?.status === 'running') record = t.record;
      else {
        const key = ownKey(ctx, name);
        const text = await ctx.store.get(namespace, key);
        const parsed = text === undefined ? undefined : parseRecord(text, key, namespace, ctx.limits);
        if (parsed?.kind === 'ok' && parsed.record.ended) record = parsed.record;
        else if (parsed?.kind === 'ok') throw new PidkeepError('NOT_FOUND', `"${name}" is recorded, but this controller does not manage it (see pm.recovery for why); nothing was restarted`, { record: name, pid: parsed.record.pid });
      }
      if (!record) throw new PidkeepError('NOT_FOUND', `no process and no ended run is named "${name}" in namespace "${namespace}"; see pm.list()`, { record: name });
      // The check is settled before anything is stopped: a restart that could not wait for readiness stops nothing.
      const ready = given !== undefined ? checkReady(ctx, given, name) : recordedReady(ctx, record);
      if (t?.status === 'running') await stopTracked(ctx, t, plan); // a stop that fails leaves it running: no second process is started
      // The same command, arguments, folder, variables, stdin, stop plan, meta, log cap and readiness as the run before.
      const env = Object.fromEntries(Object.entries(record.env ?? {}).map(([key, value]) => [key, value ?? undefined]));
      return start(ctx, name, { command: record.command, args: record.args, cwd: record.cwd ?? undefined, env, stdin: record.stdin ? 'fifo' : 'ignore', stop: record.stop, meta: record.meta as Meta, ready }, record.logCap);
    },
    async stopAll(plan) {
      ensureOpen(ctx);
      // Every stop runs to its end even when one fails; then the failures are reported together.
      const settled = await Promise.allSettled(running().map((t) => stopTracked(ctx, t, plan)));
      const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        const reasons = failed.map((r) => (r.reason instanceof PidkeepError && r.reason.subject ? `${r.reason.subject}: ${r.reason.reason}` : describeError(r.reason))).join('; ');
        throw new PidkeepError('STOP_FAILED', `${failed.length} of ${settled.length} processes could not be stopped: ${reasons}`, { cause: new AggregateError(failed.map((r) => r.reason)) });
      }
      return settled.map((r) => (r as PromiseFulfilledResult<StopResult>).value);
    },
    async setAside() {
      return (await findSetAside(ctx)).map(({ found: _, ...entry }) => entry);
    },
    async lastExit(name) {
      assertName(name);
      const key = ownKey(ctx, name);
      return traceOf(await ctx.store.get(namespace, key), key);
    },
    async ended() {
      const traces = (await ctx.store.list(namespace)).map((entry) => traceOf(entry.text, entry.key));
      return traces.filter((trace): trace is LastExit => trace !== undefined).sort((a, b) => byCodeUnit(a.name, b.name));
    },
    forget: (name) => forget(ctx, name),
    forgetEnded: () => forgetEnded(ctx),
    async sweep(sweepOptions) {
      ensureOpen(ctx);
      const { store, backend, limits } = ctx;
      return sweepUnrecorded({ namespace, store, backend, limits, prefix: markerPrefix(namespace, ctx.storeId), tracking: [...ctx.tracked.values()].map((t) => t.record.id) }, sweepOptions);
    },
    snapshot() {
      if (snapshot.at !== ctx.changes) snapshot = { at: ctx.changes, value: Object.freeze(running().map(infoOf)) };
      return snapshot.value;
    },
    subscribe(listener) {
      ctx.listeners.add(listener);
      return () => void ctx.listeners.delete(listener);
    },
    async close() {
      ctx.closed = true;
      watcher.close();
      ctx.presence?.leave();
      ctx.listeners.clear();
      // Our own children run on without us; a later controller adopts them.
      for (const t of ctx.tracked.values()) t.unref?.();
    },
  };
}
