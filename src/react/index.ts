// pidkeep/react: hooks over a manager's snapshot. `useSyncExternalStore` reads `pm.snapshot()`, which stays the same
// array until an event replaces it: every component of one render sees the same processes (no tearing), and the
// server renders the snapshot it has.
import { useCallback, useSyncExternalStore } from 'react';
import { NO_PROCESSES, pickProcess, type ProcessSource } from '../pick.js';
import type { ProcessInfo } from '../types.js';

export type { ProcessSource } from '../pick.js';

const nothing = () => undefined;

/**
 * The running processes, `pm.snapshot()`: a new frozen array when something changes, the same one otherwise, so
 * it can go into `useMemo` dependencies. `manager` may be undefined or null while `createProcessManager()` is still
 * resolving: the list is then empty (also on the server, which has no manager).
 * @example
 * const [pm, setPm] = useState<ProcessManager>();
 * useEffect(() => void createProcessManager(options).then(setPm), []);
 * const processes = useProcesses(pm);
 * return <ul>{processes.map((p) => <li key={p.name}>{p.name}</li>)}</ul>;
 */
export function useProcesses<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined): readonly ProcessInfo<Meta>[] {
  const subscribe = useSubscribe(manager);
  const read = useCallback(() => (manager ? manager.snapshot() : NO_PROCESSES), [manager]);
  // The server snapshot is the same read: stable, and empty where no manager exists (a server render, a hydration).
  return useSyncExternalStore(subscribe, read, read);
}

/**
 * The process named `name`, or undefined while none of that name runs. The same object across renders while
 * nothing about that process changes, so a component showing it does not redraw when others start or stop.
 * @example
 * const recorder = useProcess(pm, 'recorder');
 * return recorder ? <button onClick={() => pm?.stop('recorder')}>Stop (pid {recorder.pid})</button> : null;
 */
export function useProcess<Meta = unknown>(manager: ProcessSource<Meta> | null | undefined, name: string): ProcessInfo<Meta> | undefined {
  const subscribe = useSubscribe(manager);
  const read = useCallback(() => (manager ? pickProcess(manager, name) : undefined), [manager, name]);
  return useSyncExternalStore(subscribe, read, read);
}

/** One subscription per manager: a new function each render would make React unsubscribe and subscribe again. */
function useSubscribe<Meta>(manager: ProcessSource<Meta> | null | undefined): (onChange: () => void) => () => void {
  return useCallback((onChange: () => void) => (manager ? manager.subscribe(() => onChange()) : nothing), [manager]);
}
