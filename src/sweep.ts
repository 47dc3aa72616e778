import { releaseFifo, withLock } from './claim.js';
import { describeError, PidkeepError } from './errors.js';
import { judge } from './identity.js';
import { probe } from './probe.js';
import { parseRecord } from './record.js';
import { pollUntil, runStopPlan } from './stop.js';
import type { Backend, MarkedProcess, PidLimits, Store, StopResult, StopStep, SweepEntry, SweepOptions } from './types.js';
import { DEFAULT_STOP_PLAN, normalizeStopPlan, show, unsafePidReason } from './validate.js';

export interface SweepContext {
  namespace: string;
  store: Store;
  backend: Backend;
  limits: PidLimits;
  /** What every marker of this store's namespace starts with. */
  prefix: string;
  /** Record ids the calling manager tracks. */
  tracking: readonly string[];
}

/**
 * Stops this store's marked processes that no record knows. Exact, with no age to guess: a start holds the store's
 * lock from its spawn until its record is written, and the sweep decides under the same lock, so every marked,
 * unrecorded process it sees is an orphan (its starter died, or gave up and is ending it). The stops run after
 * the lock is released, each step re-proving the process (start time and marker) first.
 */
export async function sweepUnrecorded(ctx: SweepContext, options: SweepOptions = {}): Promise<SweepEntry[]> {
  const { namespace, store, backend, limits } = ctx;
  if (!backend.scan) throw new PidkeepError('UNSUPPORTED', `the ${backend.name} backend cannot scan for processes on this platform, so it cannot sweep`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected sweep options { stop?, allUsers? }, got ${show(options)}`);
  const steps = normalizeStopPlan(options.stop ?? DEFAULT_STOP_PLAN);
  if (steps.some((step) => step.write !== undefined)) throw new TypeError('[pidkeep] A sweep plan cannot write to stdin: unrecorded processes have no known FIFO');
  if (options.allUsers !== undefined && typeof options.allUsers !== 'boolean') throw new TypeError(`[pidkeep] Expected \`allUsers\` to be a boolean, got ${show(options.allUsers)}`);
  const scan = backend.scan.bind(backend);

  const orphans = await withLock(store, namespace, async () => {
    const marked = await scan(ctx.prefix);
    const known = await recordedIds(store, namespace, limits, ctx.tracking);
    // A quarantined record is not a record: its process is ended like any unrecorded one of this store.
    const unknown = marked.filter((found) => !known.has(found.marker.slice(ctx.prefix.length)) && mayTouch(found, limits, options.allUsers === true));
    return ownedBy(store, namespace, unknown);
  });

  const swept: SweepEntry[] = orphans.unsure.map((found) => ({ pid: found.pid, marker: found.marker, comm: found.identity.comm, result: null, skipped: UNSURE }));
  // One orphan that cannot be stopped does not keep the others running: each is tried, the failures said at the end.
  const failed: PidkeepError[] = [];
  for (const found of orphans.ours) {
    let result: StopResult;
    try {
      result = await stopMarked(backend, found, steps, `(unrecorded ${found.identity.comm})`);
    } catch (error) {
      failed.push(error instanceof PidkeepError ? error : new PidkeepError('STOP_FAILED', describeError(error), { pid: found.pid, cause: error }));
      continue;
    }
    // Only the record knew its FIFO's path, and there is none: the backend looks where its spawn puts FIFOs.
    await releaseFifo(backend, store, namespace, found.marker.slice(ctx.prefix.length), null);
    swept.push({ pid: found.pid, marker: found.marker, comm: found.identity.comm, result });
  }
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) {
    const reasons = failed.map((error) => (error.subject ? `${error.subject}: ${error.reason}` : error.reason)).join('; ');
    throw new PidkeepError('STOP_FAILED', `${failed.length} of ${failed.length + swept.length} orphans could not be stopped (the others were): ${reasons}`, { cause: new AggregateError(failed) });
  }
  return swept;
}

/**
 * Runs a stop plan on a process known only by its marker (no record): before every step the start time and the
 * marker found by the scan are proven again, so a pid that changed hands is never signalled.
 */
export function stopMarked(backend: Backend, found: MarkedProcess, steps: StopStep[], name: string): Promise<StopResult> {
  const expected = { ...found.identity, marker: found.marker };
  const look = async () => judge(expected, (await probe(backend, [found.pid], true))[0]);
  return runStopPlan({
    name,
    pid: found.pid,
    steps,
    verify: look,
    signal: async (signal, group) => backend.signal(found.pid, signal, { group, expected: { startTime: found.identity.startTime, marker: found.marker, comm: found.identity.comm } }),
    write: async () => undefined,
    // Ended is gone or reused; one that turned unverifiable (cleared its environment) may run on: not ended.
    waitForEnd: (ms) => pollUntil(async () => ['gone', 'reused'].includes((await look()).kind), ms),
    exit: async () => ({ code: null, signal: null }),
    ...(backend.groupMembers ? { groupLeft: async (proven) => backend.groupMembers!(found.pid, found.marker, proven) } : {}),
    ...(backend.groupDescendants ? { groupLook: async () => backend.groupDescendants!(found.pid) } : {}),
  });
}

const UNSURE = 'it carries this store\'s marker, but which folder it sees at the store\'s path cannot be read (a process that is not dumpable): it may belong to a store of the same path in another mount namespace, so it was left running; stop it by hand if it is yours';

/**
 * Splits marked processes into this store's and those that cannot be told apart from another store at the same
 * path (another mount namespace, a chroot): processes of such a store carry the same marker, and are dropped.
 */
export async function ownedBy(store: Store, namespace: string, marked: MarkedProcess[]): Promise<{ ours: MarkedProcess[]; unsure: MarkedProcess[] }> {
  if (!store.sharedBy) return { ours: marked, unsure: [] };
  const ours: MarkedProcess[] = [];
  const unsure: MarkedProcess[] = [];
  for (const found of marked) {
    const shared = await store.sharedBy(namespace, found.pid);
    if (shared === true) ours.push(found);
    else if (shared === undefined) unsure.push(found);
  }
  return { ours, unsure };
}

/** Another user's process, one in another pid namespace, or a pid no signal may reach: never swept. */
export function mayTouch(found: MarkedProcess, limits: PidLimits, allUsers: boolean): boolean {
  if (unsafePidReason(found.pid, limits)) return false;
  if (limits.pidNamespace !== undefined && found.pidNamespace !== limits.pidNamespace) return false;
  if (!allUsers && limits.uid !== undefined && found.uid !== limits.uid) return false;
  return true;
}

/**
 * The record ids of the namespace's live processes: those the store's records name (every id in a record from a
 * newer pidkeep, which this version may not read), and `tracking`'s. Read with the store's lock held: a start
 * holds it from its spawn until its record is written, so no run being started is missing.
 */
export async function recordedIds(store: Store, namespace: string, limits: PidLimits, tracking: Iterable<string>): Promise<Set<string>> {
  const known = new Set<string>(tracking);
  for (const entry of await store.list(namespace)) {
    if (entry.text === undefined) continue;
    const parsed = parseRecord(entry.text, entry.key, namespace, limits);
    if (parsed.kind === 'ok' && !parsed.record.ended) known.add(parsed.record.id);
    else if (parsed.kind === 'future') for (const id of idsIn(entry.text)) known.add(id);
  }
  return known;
}

/** Every id-looking value in a text we cannot parse: enough to spare its process, never to act on it. */
export function idsIn(text: string): string[] {
  return [...text.slice(0, 256 * 1024).matchAll(/"id"\s*:\s*"([0-9a-f]{16,64})"/g)].map((m) => m[1]!);
}
