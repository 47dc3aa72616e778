// Records set aside as unreadable never strand their process: it still carries its marker, so it is listed here
// (found by a scan) and can be stopped by name, as a sweep would, once the marker is proven on the live process.
import type { Context } from './context.js';
import { PidkeepError } from './errors.js';
import { legacyMarkerOf, markerOf } from './identity.js';
import { idsIn, mayTouch, ownedBy, recordedIds, stopMarked } from './sweep.js';
import type { MarkedProcess, SetAsideProcess, StopPlan, StopResult } from './types.js';
import { nameOfKey } from './record.js';
import { withLock } from './claim.js';
import { normalizeStopPlan } from './validate.js';

/** Every quarantined record of the namespace, with the live process its marker points to, if one runs. */
export async function findSetAside<Meta>(ctx: Context<Meta>): Promise<Array<SetAsideProcess & { found: MarkedProcess | undefined }>> {
  const { namespace, store, backend, limits } = ctx;
  const entries = (await store.listQuarantined(namespace)).map((entry) => ({ ...entry, name: nameOfKey(entry.key, limits.pidNamespace), ids: idsIn(entry.text) }));
  if (entries.length === 0) return [];
  // A record set aside with nothing readable (planted as a link or a FIFO) names no id: the backend may tell its
  // name's last run from elsewhere (its log's separator). That id is taken only for a marked process no record
  // knows, decided under the store's lock, as a sweep decides: a start holds the lock from its spawn until its
  // record is written, so a run being started now is never taken for it.
  const blind = backend.lastRunId ? entries.filter((entry) => entry.ids.length === 0) : [];
  const look = async () => {
    // A prefix of the bare namespace covers this store's markers and those of pidkeep 0.1.0; each is then
    // matched exactly against the ids of the entry.
    const scanned = backend.scan ? (await backend.scan(namespace)).filter((p) => mayTouch(p, limits, false)) : [];
    // Only processes of this very store folder: one of a store at the same path in another mount namespace is not.
    const { ours: marked } = await ownedBy(store, namespace, scanned);
    if (blind.length > 0) {
      const known = await recordedIds(store, namespace, limits, [...ctx.tracked.values()].map((t) => t.record.id));
      for (const entry of blind) {
        const id = await backend.lastRunId!({ namespace, name: entry.name, dir: store.location?.(namespace) });
        if (id !== undefined && !known.has(id)) entry.ids = [id];
      }
    }
    // A process is given to one entry only (several set-aside copies of one name may point to the same run).
    const taken = new Set<number>();
    return entries.map((entry) => {
      const markers = new Set(entry.ids.flatMap((id) => [markerOf(namespace, ctx.storeId, id), legacyMarkerOf(namespace, id)]));
      const found = marked.find((p) => markers.has(p.marker) && !taken.has(p.pid));
      if (found) taken.add(found.pid);
      return { name: entry.name, reason: entry.reason, pid: found?.pid ?? null, marker: found?.marker ?? null, found };
    });
  };
  return blind.length > 0 ? withLock(store, namespace, look) : look();
}

/** Stops the live process of a set-aside record by name; write steps are left out (its FIFO is not known). */
export async function stopSetAside<Meta>(ctx: Context<Meta>, name: string, plan: StopPlan | undefined): Promise<StopResult | undefined> {
  const running = (await findSetAside(ctx)).filter((entry) => entry.name === name && entry.found);
  if (running.length === 0) return undefined;
  if (running.length > 1) {
    throw new PidkeepError('STOP_FAILED', `${running.length} set-aside records of this name have a live process; stop them with pm.sweep()`, { record: name });
  }
  const steps = normalizeStopPlan(plan ?? ctx.defaultStop).filter((step) => step.signal !== undefined);
  const { found } = running[0]!;
  return stopMarked(ctx.backend, found!, steps, name);
}

