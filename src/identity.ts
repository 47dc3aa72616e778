import type { ProbeResult } from './types.js';

/** The name of the environment variable every child carries: `<namespace>@<store id>/<record id>`. */
export const MARKER_ENV = 'PIDKEEP_MARK';

/**
 * A child's marker names its namespace, its store (`Store.id`) and its record, so a sweep of one store never
 * touches another store's processes. pidkeep 0.1.0 wrote `<namespace>/<id>` and sweeps by that prefix: `@` cannot
 * occur in a namespace, so an old sweep never matches a new marker.
 */
export function markerOf(namespace: string, storeId: string, id: string): string {
  return `${markerPrefix(namespace, storeId)}${id}`;
}

/** What every marker of one store's namespace starts with: what a sweep scans for. */
export function markerPrefix(namespace: string, storeId: string): string {
  return `${namespace}@${storeId}/`;
}

/** The marker pidkeep 0.1.0 gave its children (records of version 1). */
export function legacyMarkerOf(namespace: string, id: string): string {
  return `${namespace}/${id}`;
}

/**
 * Why a record cannot be judged here at all: it was started in another pid namespace of this boot, where its pid
 * names another process than here. Undefined when it can be judged (same namespace, or a platform without them,
 * or another boot: then every namespace has ended and the usual verdict, gone, applies).
 */
export function elsewhere(record: { pidns?: string | undefined; bootId: string }, limits: { pidNamespace?: string | undefined; bootId?: string | undefined }): string | undefined {
  if (record.pidns === undefined || limits.pidNamespace === undefined || record.pidns === limits.pidNamespace) return undefined;
  if (limits.bootId !== undefined && record.bootId !== limits.bootId) return undefined;
  return `it was started in another pid namespace (${record.pidns}; this controller runs in ${limits.pidNamespace}), where its pid names another process than here`;
}

export interface Expected {
  bootId: string;
  pid: number;
  startTime: string;
  comm: string;
  marker: string;
}

export type Verdict =
  | { kind: 'same'; groupLeader: boolean }
  | { kind: 'gone'; reason: string }
  | { kind: 'reused'; reason: string }
  | { kind: 'unverifiable'; reason: string };

/**
 * Decides whether the process now at a pid is the one that was recorded.
 * Boot id + pid + start time must all match; the marker (or, where the environment cannot be read, the
 * command name) guards against a pid reused within one clock tick.
 */
export function judge(expected: Expected, seen: ProbeResult | undefined): Verdict {
  if (!seen || !seen.alive) return { kind: 'gone', reason: 'no process has this pid any more' };
  const id = seen.identity;
  if (!id) return { kind: 'unverifiable', reason: seen.note ?? 'the process is alive but its start time cannot be read' };
  // A backend that could not read a start time at spawn records an empty one: only that same backend, still
  // holding the child, can vouch for it (it reports the very same empty identity). Anything else proves nothing.
  if (expected.startTime === '' && (id.startTime !== '' || id.bootId !== expected.bootId)) {
    return { kind: 'unverifiable', reason: seen.note ?? 'its start time was not known when it was recorded, so no later look can prove it is the same process' };
  }
  if (id.bootId !== expected.bootId) return { kind: 'gone', reason: 'the machine has rebooted since it was recorded' };
  if (id.startTime !== expected.startTime) {
    return { kind: 'reused', reason: `the pid now belongs to another process (started ${id.startTime}, recorded ${expected.startTime}, now "${id.comm}")` };
  }
  // Same boot and start tick but no marker: a reuse within one tick, or a program that cleared its environment.
  // Neither can be told apart, so it is never signalled and its record is kept.
  if (seen.marker === null) return { kind: 'unverifiable', reason: `the process at this pid ("${id.comm}") started at the recorded tick but carries no pidkeep marker (did it clear its environment?)` };
  if (typeof seen.marker === 'string' && seen.marker !== expected.marker) {
    return { kind: 'reused', reason: `the process at this pid carries another marker (${seen.marker})` };
  }
  if (seen.marker === undefined && id.comm !== expected.comm) {
    return { kind: 'reused', reason: `the process at this pid runs "${id.comm}", recorded "${expected.comm}"` };
  }
  return { kind: 'same', groupLeader: seen.groupLeader === true };
}
