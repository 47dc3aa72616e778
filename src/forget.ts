// pm.forget(): the traces a namespace keeps (ended runs, records set aside as unreadable) go only when asked, and
// never while a process they could lead to still runs: a set-aside record whose marker a live process carries stays.
import { withLock } from './claim.js';
import { ensureOpen, ownKey, type Context } from './context.js';
import { PidkeepError } from './errors.js';
import { nameOfKey, parseRecord } from './record.js';
import { findSetAside } from './set-aside.js';
import type { Forgotten } from './types.js';
import { assertName, byCodeUnit } from './validate.js';

/** Forgets the ended trace and the set-aside records of `name`; NOT_FOUND when it has neither. */
export async function forget<Meta>(ctx: Context<Meta>, name: string): Promise<Forgotten> {
  ensureOpen(ctx);
  assertName(name);
  const [found] = await forgetWhere(ctx, (entryName) => entryName === name, name);
  if (!found) throw new PidkeepError('NOT_FOUND', `no ended run and no set-aside record is named "${name}" in namespace "${ctx.namespace}"; see pm.ended() and pm.setAside()`, { record: name });
  return found;
}

/** Forgets every ended trace of the namespace, and every set-aside record no live process is left behind. */
export async function forgetEnded<Meta>(ctx: Context<Meta>): Promise<Forgotten[]> {
  ensureOpen(ctx);
  return forgetWhere(ctx, () => true, undefined);
}

async function forgetWhere<Meta>(ctx: Context<Meta>, wanted: (name: string) => boolean, only: string | undefined): Promise<Forgotten[]> {
  const { namespace, store, backend, limits } = ctx;
  // The set-aside records are looked at first (a scan proves which of them still has a process); one with a live
  // process is never dropped: by name is the only way `pm.stop(name)` still finds that process.
  const aside = (await store.listQuarantined(namespace)).filter((entry) => wanted(nameOfKey(entry.key, limits.pidNamespace)));
  const alive = new Set<string>();
  if (aside.length > 0) {
    if (!store.dropQuarantined) throw new PidkeepError('UNSUPPORTED', `the ${store.name} store cannot delete records set aside; they stay listed (nothing was forgotten)`, only ? { record: only } : {});
    if (!backend.scan) throw new PidkeepError('UNSUPPORTED', `the ${backend.name} backend cannot scan for the processes of records set aside, so none is known to be gone; nothing was forgotten`, only ? { record: only } : {});
    const live = (await findSetAside(ctx)).filter((entry) => entry.pid !== null);
    for (const entry of live) alive.add(entry.name);
    const blocking = live.find((entry) => entry.name === only);
    if (only !== undefined && blocking) throw stillRuns(only, blocking.pid ?? undefined);
  }
  return withLock(store, namespace, async () => {
    const byName = new Map<string, Forgotten>();
    const entryOf = (name: string) => byName.get(name) ?? byName.set(name, { name, trace: false, setAside: 0 }).get(name)!;
    const keys = only !== undefined ? [ownKey(ctx, only)] : (await store.list(namespace)).map((entry) => entry.key);
    for (const key of keys) {
      const text = await store.get(namespace, key);
      const parsed = text === undefined ? undefined : parseRecord(text, key, namespace, limits);
      if (parsed?.kind !== 'ok' || !wanted(parsed.record.name)) continue;
      // The record decides, read under the lock (this controller's view may be a poll behind): a run started since
      // the trace was listed holds the name now and is not forgotten.
      if (!parsed.record.ended) {
        if (only !== undefined) throw stillRuns(only, parsed.record.pid);
        continue;
      }
      await store.remove(namespace, key);
      entryOf(parsed.record.name).trace = true;
    }
    for (const entry of aside) {
      const name = nameOfKey(entry.key, limits.pidNamespace);
      if (alive.has(name)) continue;
      const forgotten = entryOf(name);
      if (forgotten.setAside === 0) await store.dropQuarantined!(namespace, entry.key);
      forgotten.setAside++;
    }
    return [...byName.values()].sort((a, b) => byCodeUnit(a.name, b.name));
  }, only);
}

function stillRuns(name: string, pid: number | undefined): PidkeepError {
  return new PidkeepError('ALREADY_RUNNING', 'it is still running; stop it first (pm.stop(name), `pidkeep stop NAME`), then forget its trace', { record: name, pid });
}
