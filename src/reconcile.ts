import type { StandardSchemaV1 } from '@standard-schema/spec';
import { markEnded, releaseFifo, withLock } from './claim.js';
import { describeError } from './errors.js';
import { elsewhere, judge, type Verdict } from './identity.js';
import { probe } from './probe.js';
import { validateWith } from './meta.js';
import { keyOf, nameOfKey, parseRecord, type StoredRecord } from './record.js';
import type { Backend, PidLimits, Presence, RecoveryEntry, Store } from './types.js';

export interface ReconcileContext {
  namespace: string;
  store: Store;
  backend: Backend;
  limits: PidLimits;
  metaSchema: StandardSchemaV1<unknown, unknown> | undefined;
  /** What to do with records of another pid namespace (ManagerOptions.otherPidNamespaces). @default 'keep' */
  otherPidNamespaces?: 'keep' | 'forget';
}

/** A live process proven to be the recorded one, ready to adopt. */
export interface Found {
  record: StoredRecord;
  text: string;
  /** Why its meta no longer matches the schema (then `record.meta` is undefined). */
  metaError?: string | undefined;
}

/**
 * Sorts every stored record of a namespace into what to adopt and what to report, cleaning the store as it goes,
 * all under the namespace's lock. One batched probe for all records: no process per record. The manager is marked
 * open on the store in the same locked step (Store.join): a manager that joins later sees this one, and one that
 * joined earlier is seen by it, so `alone` is true of exactly the records found here.
 */
export async function reconcile(ctx: ReconcileContext, report: RecoveryEntry[]): Promise<{ found: Found[]; presence: Presence | undefined }> {
  return withLock(ctx.store, ctx.namespace, async () => {
    const presence = await ctx.store.join?.(ctx.namespace);
    try {
      return { found: await reconcileLocked(ctx, report), presence };
    } catch (error) {
      presence?.leave();
      throw error;
    }
  });
}

async function reconcileLocked(ctx: ReconcileContext, report: RecoveryEntry[]): Promise<Found[]> {
  const { namespace, store, backend, limits } = ctx;
  const entries = await store.list(namespace);
  const running: Found[] = [];
  const corrupt = async (key: string, pid: number | null, reason: string) => {
    await Promise.resolve(store.quarantine(namespace, key, reason)).catch(() => undefined);
    report.push({ name: nameOfKey(key, limits.pidNamespace), pid, status: 'corrupt', detail: `${reason}; set aside in quarantine: its process, if one runs with this record's marker, is listed and ended by a sweep` });
  };

  for (const entry of entries) {
    if (entry.text === undefined) {
      await corrupt(entry.key, null, entry.error ?? 'unreadable');
      continue;
    }
    const parsed = parseRecord(entry.text, entry.key, namespace, limits);
    if (parsed.kind === 'corrupt') {
      await corrupt(entry.key, parsed.pid, parsed.reason);
      continue;
    }
    // A finished run's trace: nothing to reconcile.
    if (parsed.kind === 'ok' && parsed.record.ended) continue;
    if (parsed.kind === 'future') {
      report.push({ name: nameOfKey(entry.key, limits.pidNamespace), pid: parsed.pid, status: 'skipped', detail: `record version ${parsed.version} is newer than this pidkeep understands; left untouched: upgrade pidkeep` });
      continue;
    }
    let metaError: string | undefined;
    if (ctx.metaSchema) {
      try {
        metaError = await validateWith(ctx.metaSchema, parsed.record.meta, (output) => (parsed.record.meta = output));
      } catch (error) {
        metaError = describeError(error);
      }
      // An older app version's meta never strands its process: it is managed, with no meta and the reason.
      if (metaError) parsed.record.meta = undefined;
    }
    running.push({ record: parsed.record, text: entry.text, metaError });
  }

  const found: Found[] = [];
  // The record stays as the trace of how the run ended (it no longer holds the name).
  const forget = async (item: Found, how: string) => {
    await markEnded(store, namespace, keyOf(item.record.name, item.record.pidns), item.text, { at: Date.now(), code: null, signal: null, how }).catch(() => undefined);
    if (item.record.stdin) await releaseFifo(backend, store, namespace, item.record.id, item.record.stdin);
  };

  // A record of another pid namespace cannot be judged here: its pid names another process. It is never called
  // gone or reused, never signalled, and its key (name@<inode>) never blocks a name of this namespace.
  const here: Found[] = [];
  for (const item of running) {
    const reason = elsewhere(item.record, limits);
    if (reason === undefined) here.push(item);
    else if (ctx.otherPidNamespaces === 'forget') {
      await forget(item, `taken as ended: ${reason} (otherPidNamespaces: 'forget')`);
      report.push({ name: item.record.name, pid: item.record.pid, status: 'gone', detail: `${reason}; taken as ended (otherPidNamespaces: 'forget'), never signalled; its record is kept as a trace` });
    } else {
      report.push({ name: item.record.name, pid: item.record.pid, status: 'skipped', detail: `${reason}; left to a controller of that namespace (it is taken as ended after a reboot; pass otherPidNamespaces: 'forget' where every launch gets a new pid namespace, as in Flatpak)` });
    }
  }
  if (here.length === 0) return found;
  const verdicts = await checkIdentities(backend, here.map((item) => item.record));
  for (const [index, item] of here.entries()) {
    const { record } = item;
    const verdict = verdicts[index]!;
    if (verdict.kind === 'same') {
      found.push(item);
    } else if (verdict.kind === 'gone') {
      await forget(item, `ended while no controller watched (${verdict.reason})`);
      report.push({ name: record.name, pid: record.pid, status: 'gone', detail: `ended while no controller watched (${verdict.reason}); its record is kept as the trace of that run (pm.lastExit)` });
    } else if (verdict.kind === 'reused') {
      await forget(item, `ended while no controller watched; ${verdict.reason}`);
      report.push({ name: record.name, pid: record.pid, status: 'reused', detail: `${verdict.reason}; never signalled; its record is kept as the trace of that run (pm.lastExit)` });
    } else {
      report.push({ name: record.name, pid: record.pid, status: 'skipped', detail: `${verdict.reason}; record kept, nothing done` });
    }
  }
  return found;
}

/**
 * Verdicts for many records with as few /proc reads as possible: first without the marker (boot id, pid, start
 * time and command decide almost every case), then with it for the few that look reused or unverifiable, e.g. a
 * `sh -c 'exec ffmpeg'` wrapper whose command name changed. Nothing here signals: every signal and write
 * re-proves the identity with the marker first.
 */
export async function checkIdentities(backend: Backend, records: readonly StoredRecord[]): Promise<Verdict[]> {
  const expected = records;
  const first = await probe(backend, expected.map((e) => e.pid), false);
  const byPid = new Map(first.map((s) => [s.pid, s]));
  const verdicts = expected.map((e) => judge(e, byPid.get(e.pid)));
  const doubtful = verdicts.flatMap((v, i) => (v.kind === 'reused' || v.kind === 'unverifiable' ? [i] : []));
  if (doubtful.length > 0) {
    const second = await probe(backend, doubtful.map((i) => expected[i]!.pid), true);
    const again = new Map(second.map((s) => [s.pid, s]));
    for (const i of doubtful) verdicts[i] = judge(expected[i]!, again.get(expected[i]!.pid));
  }
  return verdicts;
}
