// pidkeep for Tauri webviews: a process backend over @tauri-apps/plugin-shell and a record store over
// @tauri-apps/plugin-fs (written at once by the app process, so a record survives a crash of the app).
//   backend.ts   tauriBackend: spawn/write/kill through the plugin; the optional `ps` and `kill` powers
//   held.ts      which children this app run's plugin holds (a reload keeps them, a restart does not)
//   platform/    the OS powers, one file per OS behind one small interface (types.ts): fixed scripts in the app's
//                capability (linux.ts, macos.ts: sh; windows.ts: PowerShell), their scope entries and parsers
//   fs-store.ts  tauriFsStore: one file per record through the fs plugin
//   scope.ts     what the shell plugin runs for a scope entry: a start that would run other arguments is refused
//   quit.ts      stopOnQuit: stop plans run before a quit, when the shell plugin would SIGKILL its children
//   ffmpeg-host.ts  tauriFfmpegHost: pidkeep/ffmpeg's recorder in a webview (FFmpeg by scope name, files by plugin-fs)
export { DETACH_WRAPPER, LOG_WRAPPER, tauriBackend, type OutputEvent, type PowerState, type ShellCommand, type ShellPlugin, type TauriBackend, type TauriBackendOptions } from './backend.js';
export { linuxPowerScopes } from './platform/linux.js';
export { macosPowerScopes } from './platform/macos.js';
export type { PowerNames, ScopeEntry } from './platform/types.js';
export { windowsPowerScopes } from './platform/windows.js';
export { tauriFsStore, type TauriFs, type TauriFsStore, type TauriFsStoreOptions } from './fs-store.js';
export { argumentsAsRun, spawnScopes, type SpawnScope } from './scope.js';
export { EXIT_READY_EVENT, EXIT_REQUESTED_EVENT, STOP_ON_QUIT_EVENT, STOP_ON_QUIT_OFF_EVENT, stopOnQuit, type QuitEvents, type QuitOptions, type QuitWindow } from './quit.js';
export { tauriFfmpegHost, type TauriFfmpegFs, type TauriFfmpegHostOptions } from './ffmpeg-host.js';
