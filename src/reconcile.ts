import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describeError } from './errors.js';
import { judge, markerOf } from './identity.js';
import { validateWith } from './meta.js';
import { parseRecord, serializeRecord, type StoredRecord } from './record.js';
import type { Backend, MarkedProcess, PidLimits, RecoveryEntry, Store } from './types.js';

export interface ReconcileContext {
  namespace: string;
  store: Store;
  backend: Backend;
  limits: PidLimits;
  metaSchema: StandardSchemaV1<unknown, unknown> | undefined;
  startingGraceMs: number;
}

/** A live process proven to be the recorded one, ready to adopt. */
export interface Found {
  record: StoredRecord & { pid: number; bootId: string; startTime: string; comm: string };
  text: string;
}

/** Random, from the platform's CSPRNG (Node and browsers alike): ids also name FIFOs and markers. */
export function newRecordId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Sorts every stored record of a namespace into what to adopt and what to report, cleaning the store as it goes.
 * One batched probe for all running records, and at most one scan for records caught mid-start.
 */
export async function reconcile(ctx: ReconcileContext, report: RecoveryEntry[]): Promise<Found[]> {
  const { namespace, store, backend, limits } = ctx;
  const entries = await store.list(namespace);
  const running: Array<{ record: StoredRecord; text: string }> = [];
  const starting: Array<{ record: StoredRecord; text: string }> = [];
  const corrupt = async (key: string, pid: number | null, reason: string) => {
    await Promise.resolve(store.quarantine(namespace, key, reason)).catch(() => undefined);
    report.push({ name: key, pid, status: 'corrupt', detail: `${reason}; quarantined and never acted on` });
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
    if (parsed.kind === 'future') {
      report.push({ name: entry.key, pid: parsed.pid, status: 'skipped', detail: `record version ${parsed.version} is newer than this pidkeep understands; left untouched: upgrade pidkeep` });
      continue;
    }
    if (ctx.metaSchema) {
      let issues: string | undefined;
      try {
        issues = await validateWith(ctx.metaSchema, parsed.record.meta, (output) => (parsed.record.meta = output));
      } catch (error) {
        issues = describeError(error);
      }
      if (issues) {
        await corrupt(entry.key, parsed.record.pid, `meta does not match the schema (${issues})`);
        continue;
      }
    }
    (parsed.record.state === 'running' ? running : starting).push({ record: parsed.record, text: entry.text });
  }

  const found: Found[] = [];
  const forget = async (item: { record: StoredRecord; text: string }) => {
    await Promise.resolve(store.remove(namespace, item.record.name, item.text)).catch(() => undefined);
    await Promise.resolve(backend.release?.({ id: item.record.id, stdin: item.record.stdin })).catch(() => undefined);
  };

  if (starting.length > 0) {
    // A crash between spawn and the final write leaves a `starting` record: find its child by marker.
    let marked: MarkedProcess[] | undefined;
    try {
      marked = backend.scan ? await backend.scan(`${namespace}/`) : undefined;
    } catch {
      marked = undefined;
    }
    for (const item of starting) {
      const { record } = item;
      const match = marked?.find((p) => p.marker === markerOf(namespace, record.id) && p.groupLeader);
      if (match) {
        const upgraded = { ...record, state: 'running' as const, pid: match.pid, bootId: match.identity.bootId, startTime: match.identity.startTime, comm: match.identity.comm };
        const text = serializeRecord(upgraded);
        await store.put(namespace, record.name, text);
        running.push({ record: upgraded, text });
      } else if (Date.now() - record.startedAt < ctx.startingGraceMs) {
        report.push({ name: record.name, pid: null, status: 'skipped', detail: 'another controller is starting it right now; left alone' });
      } else {
        await forget(item);
        const how = marked ? 'no process carries its marker' : `the ${backend.name} backend cannot scan on this platform, so a process may remain: look for ${'PIDKEEP_MARK'}=${markerOf(namespace, record.id)}`;
        report.push({ name: record.name, pid: null, status: 'gone', detail: `a start was interrupted before its pid was recorded; ${how}; record removed` });
      }
    }
  }

  if (running.length === 0) return found;
  const seen = await backend.probe(running.map((item) => item.record.pid as number));
  const byPid = new Map(seen.map((s) => [s.pid, s]));
  for (const item of running) {
    const record = item.record as Found['record'];
    const verdict = judge({ ...record, marker: markerOf(namespace, record.id) }, byPid.get(record.pid));
    if (verdict.kind === 'same') {
      found.push({ record, text: item.text });
    } else if (verdict.kind === 'gone') {
      await forget(item);
      report.push({ name: record.name, pid: record.pid, status: 'gone', detail: `ended while no controller watched (${verdict.reason}); record removed` });
    } else if (verdict.kind === 'reused') {
      await forget(item);
      report.push({ name: record.name, pid: record.pid, status: 'reused', detail: `${verdict.reason}; never signalled; record removed` });
    } else {
      report.push({ name: record.name, pid: record.pid, status: 'skipped', detail: `${verdict.reason}; record kept, nothing done` });
    }
  }
  return found;
}
