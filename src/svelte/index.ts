// pidkeep/svelte: a manager's processes as Svelte stores. Written to the store contract alone (an object with
// `subscribe`), importing nothing from svelte, so `$processes` works the same in Svelte 3, 4 and 5, in legacy and in
// runes mode, on the server and in the browser. For `.svelte.ts` modules, see pidkeep/svelte/runes.
import { NO_PROCESSES, pickProcess, type ProcessSource } from '../pick.js';
import type { ProcessInfo } from '../types.js';

export type { ProcessSource } from '../pick.js';

/** Svelte's store contract (what `svelte/store`'s `Readable` is): `run` gets the current value at once, then every change. */
export interface Readable<T> {
  subscribe(this: void, run: (value: T) => void, invalidate?: () => void): () => void;
}

/**
 * The running processes as a store of `pm.snapshot()`: a new frozen array when something changes, the same one
 * otherwise. A manager still being created (`undefined` or `null`) gives an empty list.
 * @example
 * <script>
 *   // processesStore imported from pidkeep/svelte
 *   export let pm;
 *   $: processes = processesStore(pm);
 * </script>
 * {#each $processes as p (p.name)}<li>{p.name} (pid {p.pid})</li>{/each}
 */
export function processesStore<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined): Readable<readonly ProcessInfo<Meta>[]> {
  return storeOf(manager, (source) => source.snapshot(), NO_PROCESSES);
}

/**
 * The process named `name` as a store: its `ProcessInfo`, or undefined while none of that name runs. It tells its
 * subscribers only when that process changes (started, stopping, ended), never for other names.
 * @example
 * const recorder = processStore(pm, 'recorder');
 * // {#if $recorder}recording since {new Date($recorder.startedAt)}{/if}
 */
export function processStore<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined, name: string): Readable<ProcessInfo<Meta> | undefined> {
  return storeOf(manager, (source) => pickProcess(source, name), undefined);
}

function storeOf<Meta, T>(manager: ProcessSource<Meta> | null | undefined, read: (source: ProcessSource<Meta>) => T, none: T): Readable<T> {
  return {
    subscribe(run) {
      if (!manager) {
        run(none);
        return () => undefined;
      }
      let last = read(manager);
      run(last);
      // Every event replaces the snapshot, but not every one changes what this store holds.
      return manager.subscribe(() => {
        const next = read(manager);
        if (next === last) return;
        last = next;
        run(next);
      });
    },
  };
}
