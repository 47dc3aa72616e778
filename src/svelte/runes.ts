// pidkeep/svelte/runes: the processes as reactive values for Svelte 5.7+ runes, readable in `.svelte.ts` modules
// and classes where `$store` is not available. On its own subpath because it imports `svelte/reactivity`, which
// Svelte 4 does not have: pidkeep/svelte's stores must keep working there.
import { createSubscriber } from 'svelte/reactivity';
import { NO_PROCESSES, pickProcess, type ProcessSource } from '../pick.js';
import type { ProcessInfo } from '../types.js';

export type { ProcessSource } from '../pick.js';

/** A value whose `current` is reactive where runes track reads (templates, `$derived`, `$effect`). */
export interface ReactiveValue<T> {
  readonly current: T;
}

/**
 * The running processes, `pm.snapshot()`, as `current`. The manager is listened to only while an effect reads
 * `current`; read elsewhere (on the server, in an event handler), it is the snapshot of that moment. A manager
 * still being created (`undefined` or `null`) gives an empty list: wrap the call in `$derived` to follow it.
 * @example
 * let pm = $state<ProcessManager>();
 * createProcessManager(options).then((m) => (pm = m));
 * const processes = $derived(reactiveProcesses(pm));
 * // {#each processes.current as p (p.name)}<li>{p.name}</li>{/each}
 */
export function reactiveProcesses<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined): ReactiveValue<readonly ProcessInfo<Meta>[]> {
  return reactiveOf(manager, (source) => source.snapshot(), NO_PROCESSES);
}

/**
 * The process named `name`, or undefined while none of that name runs, as `current`. Effects reading it rerun
 * only when that process changes, never for other names.
 * @example
 * const recorder = reactiveProcess(pm, 'recorder');
 * // {#if recorder.current}pid {recorder.current.pid}{/if}
 */
export function reactiveProcess<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined, name: string): ReactiveValue<ProcessInfo<Meta> | undefined> {
  return reactiveOf(manager, (source) => pickProcess(source, name), undefined);
}

function reactiveOf<Meta, T>(manager: ProcessSource<Meta> | null | undefined, read: (source: ProcessSource<Meta>) => T, none: T): ReactiveValue<T> {
  if (!manager) return { current: none };
  // Started when the first effect reads `current`, ended when the last such effect is destroyed.
  const subscribe = createSubscriber((update) => {
    let last = read(manager);
    return manager.subscribe(() => {
      const next = read(manager);
      if (next === last) return;
      last = next;
      update();
    });
  });
  return {
    get current() {
      subscribe();
      // Always read anew, so a read outside any effect is never stale.
      return read(manager);
    },
  };
}
