// pm.forget(): the traces a namespace keeps (ended runs, records set aside as unreadable) go only when asked, and
// never while a process they could lead to may still run: a set-aside record is deleted only when it names its
// process's id and no process anywhere this controller can see carries that marker.
import { withLock } from './claim.js';
import { ensureOpen, ownKey, type Context } from './context.js';
import { PidkeepError } from './errors.js';
import { legacyMarkerOf, markerOf } from './identity.js';
import { keyOf, nameOfKey, parseRecord } from './record.js';
import { idsIn } from './sweep.js';
import type { Forgotten, QuarantinedEntry } from './types.js';
import { assertName, byCodeUnit } from './validate.js';

/** A set-aside record whose process is, or may be, still running: it is how `pm.stop(name)` reaches that process. */
const RUNNING = 'its process still runs';

/** Forgets the ended trace and the set-aside records of `name`; NOT_FOUND when it has neither. */
export async function forget<Meta>(ctx: Context<Meta>, name: string): Promise<Forgotten> {
  ensureOpen(ctx);
  assertName(name);
  const [found] = await forgetWhere(ctx, (entryName) => entryName === name, name);
  if (!found) throw new PidkeepError('NOT_FOUND', `no ended run and no set-aside record is named "${name}" in namespace "${ctx.namespace}"; see pm.ended() and pm.setAside()`, { record: name });
  if (!found.trace && found.setAside === 0) {
    // Nothing went: say why, as the error a caller can act on.
    if (found.kept === RUNNING) throw stillRuns(name, undefined, 'a record of it was set aside and its process still runs');
    throw new PidkeepError('UNSUPPORTED', `its ${found.setAsideKept} record(s) set aside were kept: ${found.kept}; nothing was forgotten`, { record: name });
  }
  return found;
}

/** Forgets every ended trace of the namespace, and every set-aside record no live process is left behind. */
export async function forgetEnded<Meta>(ctx: Context<Meta>): Promise<Forgotten[]> {
  ensureOpen(ctx);
  return forgetWhere(ctx, () => true, undefined);
}

async function forgetWhere<Meta>(ctx: Context<Meta>, wanted: (name: string) => boolean, only: string | undefined): Promise<Forgotten[]> {
  const { namespace, store, backend, limits } = ctx;
  // Everything is decided under the lock: records are set aside (a reconcile) and started under it, so what is
  // listed and scanned here is what is deleted.
  return withLock(store, namespace, async () => {
    const byName = new Map<string, Forgotten>();
    const entryOf = (name: string) => byName.get(name) ?? byName.set(name, { name, trace: false, setAside: 0, setAsideKept: 0 }).get(name)!;
    const keys = only !== undefined ? [ownKey(ctx, only)] : (await store.list(namespace)).map((entry) => entry.key);
    for (const key of keys) {
      const text = await store.get(namespace, key);
      const parsed = text === undefined ? undefined : parseRecord(text, key, namespace, limits);
      if (parsed?.kind !== 'ok' || !wanted(parsed.record.name)) continue;
      // The record decides (this controller's view may be a poll behind): a run started since holds the name.
      if (!parsed.record.ended) {
        if (only !== undefined) throw stillRuns(only, parsed.record.pid);
        continue;
      }
      await store.remove(namespace, key);
      entryOf(parsed.record.name).trace = true;
    }

    const copies = new Map<string, QuarantinedEntry[]>();
    for (const entry of await store.listQuarantined(namespace)) {
      if (!wanted(nameOfKey(entry.key, limits.pidNamespace))) continue;
      copies.set(entry.key, [...(copies.get(entry.key) ?? []), entry]);
    }
    // Every marked process of the namespace the backend can see, unfiltered: one of another user, another folder or
    // a pid namespace below this one still counts as alive here.
    const live = copies.size > 0 && store.dropQuarantined && backend.scan ? new Set((await backend.scan(namespace)).map((p) => p.marker)) : undefined;
    for (const [key, entries] of copies) {
      const name = nameOfKey(key, limits.pidNamespace);
      const ids = entries.map((entry) => idsIn(entry.text));
      const kept = !store.dropQuarantined
        ? `the ${store.name} store cannot delete records set aside`
        : !live
          ? `the ${backend.name} backend cannot look for their processes (no scan)`
          : keyOf(name, limits.pidNamespace) !== key
            ? 'they were set aside in another pid namespace, whose processes cannot be seen from here'
            : ids.some((list) => list.length === 0)
              ? 'one of them names no record id (nothing of it could be read), so its process cannot be proven gone'
              : ids.flat().some((id) => live.has(markerOf(namespace, ctx.storeId, id)) || live.has(legacyMarkerOf(namespace, id)))
                ? RUNNING
                : undefined;
      const forgotten = entryOf(name);
      if (kept === undefined) {
        await store.dropQuarantined!(namespace, key);
        forgotten.setAside += entries.length;
      } else {
        forgotten.setAsideKept += entries.length;
        forgotten.kept = kept;
      }
    }
    return [...byName.values()].sort((a, b) => byCodeUnit(a.name, b.name));
  }, only);
}

function stillRuns(name: string, pid: number | undefined, what = 'it is still running'): PidkeepError {
  return new PidkeepError('ALREADY_RUNNING', `${what}; stop it first (pm.stop(name), \`pidkeep stop NAME\`), then forget it`, { record: name, pid });
}
