// pidkeep's core: pure logic over two small contracts, a Backend (processes) and a Store (records).
// It does no I/O itself, so it runs unchanged in Node and in a webview; drivers live on their own subpaths:
//   pidkeep/node  -> nodeBackend() (spawn, /proc|ps|CIM identity, signals, FIFOs) and fileStore()
export { createProcessManager } from './manager.js';
export { memoryStore, type MemoryStore } from './memory-store.js';
export { PidkeepError, type PidkeepErrorCode } from './errors.js';
export { DEFAULT_STOP_PLAN, isValidName, unsafePidReason } from './validate.js';
export { MARKER_ENV } from './identity.js';
export type * from './types.js';
