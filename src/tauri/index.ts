// pidkeep for Tauri webviews: a process backend over @tauri-apps/plugin-shell and a record store over
// @tauri-apps/plugin-fs (written at once by the app process, so a record survives a crash of the app).
export { tauriBackend, type OutputEvent, type PowerState, type ShellCommand, type ShellPlugin, type TauriBackend, type TauriBackendOptions } from './backend.js';
