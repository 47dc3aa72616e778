// pidkeep/tauri-host: the Rust side of Tauri v2's shell and fs plugins and of its core path plugin, played by Node
// with real processes, so a Tauri frontend (the real @tauri-apps/* packages) runs in any browser or in Node tests.
//   host.ts           the app: ACL check, channels, crash / exit / restart
//   capabilities.ts   capability files -> allowed commands and scopes, with Tauri's refusal messages
//   shell.ts          spawn / execute / kill / stdin_write / open, with shell-scope.ts and encoding.ts
//   fs.ts             the fs commands, with fs-scope.ts, paths.ts and glob.ts; fs-handles.ts: open/seek/read/write
//   resources.ts      each webview's resource table (file handles), closed with the window or the app
//   path.ts           the core path plugin (@tauri-apps/api/path): base directories, join, resolve, ...
//   internals.ts      window.__TAURI_INTERNALS__ (node-internals.ts for Node, client.ts in the browser)
//   protocol.ts       HTTP + SSE endpoints, used by server.ts, vite.ts and cli.ts
//   guard.ts          who may use them: the page the host served (per-run token, Host, Origin, loopback)
export { createTauriHost } from './host.js';
export { TauriHostError, type TauriHostErrorCode } from './errors.js';
export { installTauriInternals } from './node-internals.js';
export { startTauriHostServer, type TauriHostServerOptions } from './server.js';
export { tauriHost, type TauriHostPluginOptions, type TauriHostVitePlugin, type ViteDevServerLike } from './vite.js';
export type { BridgeOptions, Capability, CapabilityFile, InvokeRequest, PermissionEntry, Refusal, TauriHost, TauriHostOptions } from './types.js';
