/**
 * Codes of the Tauri host itself (not pidkeep's library codes): what a test or a script branches on.
 *   CAPABILITY_INVALID  a capability file cannot be read or is not Tauri's format; an unknown permission
 *   BRIDGE_MISSING      the browser bridge is not built (`npm run build`)
 *   NOT_RUNNING         the emulated app crashed or exited: restart() first; or the host was closed
 *   ALREADY_RUNNING     restart() while the app runs
 *   WINDOW_CLOSED       a call from a page whose window the app destroyed in this run (a browser tab lives on)
 */
export type TauriHostErrorCode = 'CAPABILITY_INVALID' | 'BRIDGE_MISSING' | 'NOT_RUNNING' | 'ALREADY_RUNNING' | 'WINDOW_CLOSED';

export class TauriHostError extends Error {
  readonly code: TauriHostErrorCode;
  /** The message without its `[pidkeep-tauri-host]` prefix. */
  readonly reason: string;
  constructor(code: TauriHostErrorCode, reason: string, options?: { cause?: unknown }) {
    super(`[pidkeep-tauri-host] ${reason}`, options);
    this.name = 'TauriHostError';
    this.code = code;
    this.reason = reason;
  }
}
