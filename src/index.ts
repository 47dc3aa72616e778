// pidkeep's core: pure logic over two small contracts (types.ts), a Backend (processes) and a Store (records).
// It does no I/O itself, so it runs unchanged in Node and in a webview.
//   manager.ts    createProcessManager: start, get, stop, watch, close; wires the pieces below
//   reconcile.ts  what earlier controllers left: adopt, gone, reused, corrupt (one batched probe)
//   identity.ts   is the process at this pid the recorded one? (boot id, pid, start time, marker)
//   stop.ts       stop plans: one step at a time, identity re-proven before every signal
//   claim.ts      one name, one process, across controllers sharing a store
//   sweep.ts      stop marked processes no record knows
//   record.ts     the stored record: versioned, parsed without trust
//   validate.ts   names, pids that may never be signalled, options
// Drivers live on their own subpaths: pidkeep/node -> nodeBackend() and fileStore().
export { createProcessManager } from './manager.js';
export { memoryStore, type MemoryStore } from './memory-store.js';
export { PidkeepError, type PidkeepErrorCode } from './errors.js';
export { DEFAULT_STOP_PLAN, isValidName, unsafePidReason } from './validate.js';
export { MARKER_ENV } from './identity.js';
export type * from './types.js';
