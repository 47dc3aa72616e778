// pidkeep's core: pure logic over two small contracts (types.ts), a Backend (processes) and a Store (records).
// It does no I/O itself, so it runs unchanged in Node and in a webview.
//   manager.ts    createProcessManager: wires the parts below into the public object
//   context.ts    the options and the view every part shares (tracked processes, listeners)
//   adopt.ts      at start-up: reconcile the store, then adopt or stop what earlier controllers left
//   start.ts      start: claim the name, spawn and record under the store's lock
//   tracked.ts    a watched process: its handle, stop, stdin and end
//   watch.ts      polls adopted processes; picks up records other controllers write
//   reconcile.ts  what earlier controllers left: adopt, gone, reused, corrupt (one batched probe)
//   identity.ts   is the process at this pid the recorded one? (boot id, pid, start time, marker)
//   probe.ts      the backend's batched look at pids (its failures are PROBE_FAILED)
//   stop.ts       stop plans: one step at a time, identity re-proven before every signal, groups emptied
//   claim.ts      the store's lock around a decision; one name, one process
//   set-aside.ts  unreadable records whose processes stay reachable by their marker
//   mutex.ts      an in-process queue (the lock of this controller's own operations)
//   sweep.ts      stop this store's marked processes no record knows
//   forget.ts     remove ended traces and set-aside records once nothing runs behind them
//   record.ts     the stored record: versioned, parsed without trust
//   layout.ts     the on-disk layout both file stores share
//   validate.ts   names, pids that may never be signalled, options
// Drivers live on their own subpaths: pidkeep/node -> nodeBackend() and fileStore().
export { createProcessManager } from './manager.js';
export { memoryStore, type MemoryStore } from './memory-store.js';
export { PidkeepError, type PidkeepErrorCode } from './errors.js';
export { DEFAULT_STOP_PLAN, isValidName, unsafePidReason } from './validate.js';
export { MARKER_ENV } from './identity.js';
export type * from './types.js';
