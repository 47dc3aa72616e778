// What the UI bindings (pidkeep/svelte, pidkeep/react) share: the snapshot's contract and one name's entry of it.
// pm.snapshot() builds fresh frozen objects whenever any process changes, so a component that shows one process
// would redraw on every unrelated start or stop; here an entry whose contents did not change keeps its object.
import type { ProcessInfo, ProcessManager } from './types.js';

/**
 * What a binding reads from a manager: its frozen snapshot and the events that replace it. A `ProcessManager`
 * is one; so is any object that mirrors one (a snapshot sent over from another process or window).
 */
export type ProcessSource<Meta = unknown> = Pick<ProcessManager<Meta>, 'subscribe' | 'snapshot'>;

/** The snapshot of no manager (one still being created): one frozen array, so it compares equal to itself. */
export const NO_PROCESSES: readonly ProcessInfo<never>[] = Object.freeze([]);

interface Picked {
  from: readonly ProcessInfo<unknown>[];
  info: ProcessInfo<unknown> | undefined;
}

// Per source, per name: shared by every component that shows that name, so they all hold the same object.
const picked = new WeakMap<ProcessSource<unknown>, Map<string, Picked>>();

/** The entry named `name` in the source's current snapshot, the same object as last time while it is unchanged. */
export function pickProcess<Meta>(source: ProcessSource<Meta>, name: string): ProcessInfo<Meta> | undefined {
  const snapshot = source.snapshot() as readonly ProcessInfo<unknown>[];
  let byName = picked.get(source as ProcessSource<unknown>);
  if (!byName) picked.set(source as ProcessSource<unknown>, (byName = new Map()));
  const last = byName.get(name);
  if (last?.from === snapshot) return last.info as ProcessInfo<Meta> | undefined;
  const found = snapshot.find((info) => info.name === name);
  const info = found && last?.info && sameInfo(last.info, found) ? last.info : found;
  byName.set(name, { from: snapshot, info });
  return info as ProcessInfo<Meta> | undefined;
}

/** Same keys, each value identical or (args, logs, a plain meta) equal one level down. */
function sameInfo(a: object, b: object): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
