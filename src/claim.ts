import { describeError, PidkeepError } from './errors.js';
import { judge } from './identity.js';
import { endedLine, parseRecord, type EndedInfo } from './record.js';
import type { Backend, PidLimits, ProbeResult, Store } from './types.js';

/** What claiming a name needs: the store, and a way to look at one pid. */
export interface NameContext {
  namespace: string;
  store: Store;
  backend: Backend;
  limits: PidLimits;
  probeOne(pid: number): Promise<ProbeResult | undefined>;
}

/**
 * Runs `body` holding the namespace's lock: no other controller of the store changes a record meanwhile, and the
 * kernel (or the browser) releases the lock if this controller dies inside.
 */
export async function withLock<T>(store: Store, namespace: string, body: () => Promise<T>, record?: string): Promise<T> {
  let release: () => void;
  try {
    release = await store.lock(namespace);
  } catch (error) {
    if (error instanceof PidkeepError) throw record === undefined || error.record !== undefined ? error : new PidkeepError(error.code, error.reason, { record, cause: error.cause });
    throw new PidkeepError('STORE_FAILED', `could not lock namespace "${namespace}" of the ${store.name} store (${describeError(error)})`, { record, cause: error });
  }
  try {
    return await body();
  } finally {
    release();
  }
}

/**
 * Removes the stdin FIFO a spawn made for record `id`, best effort: `stdin` as its record names it, or null for
 * "where the backend's spawn puts it" (a swept process has no record left to name it).
 */
export async function releaseFifo(backend: Backend, store: Store, namespace: string, id: string, stdin: string | null): Promise<void> {
  await Promise.resolve(backend.release?.({ id, stdin, namespace, dir: store.location?.(namespace) })).catch(() => undefined);
}

/** With the lock held: marks the record `text` stored under `key` ended, appending where the store can. */
export async function markEnded(store: Store, namespace: string, key: string, text: string, ended: EndedInfo): Promise<void> {
  const line = endedLine(ended);
  if (store.append) await store.append(namespace, key, line);
  else await store.put(namespace, key, text + line);
}

/**
 * With the lock held: makes the name free or throws. A record whose process runs (or cannot be proven ended), or
 * one a newer pidkeep wrote, holds the name; an ended one is removed and an unreadable one set aside (its process,
 * if any, stays reachable through its marker: listed, stoppable, swept).
 */
export async function freeName(ctx: NameContext, name: string, key: string): Promise<void> {
  const { namespace, store } = ctx;
  const text = await store.get(namespace, key);
  if (text === undefined) return;
  const parsed = parseRecord(text, key, namespace, ctx.limits);
  if (parsed.kind === 'future') {
    throw new PidkeepError('RECORD_UNREADABLE', `a record from a newer pidkeep (version ${parsed.version}) holds this name; use that version or pick another name`, { record: name, pid: parsed.pid ?? undefined });
  }
  if (parsed.kind === 'corrupt') {
    await store.quarantine(namespace, key, parsed.reason);
    return;
  }
  const other = parsed.record;
  if (other.ended) return; // a finished run's trace: the new record replaces it
  const verdict = judge(other, await ctx.probeOne(other.pid));
  if (verdict.kind === 'same' || verdict.kind === 'unverifiable') {
    throw new PidkeepError('ALREADY_RUNNING', `already running under another controller; stop it first (pidkeep stop ${name}) or pick another name`, { record: name, pid: other.pid });
  }
  await store.remove(namespace, key);
  if (other.stdin) await releaseFifo(ctx.backend, store, namespace, other.id, other.stdin);
}
