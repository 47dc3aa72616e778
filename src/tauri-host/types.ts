/** One entry of a capability's `permissions`: `"shell:allow-spawn"` or `{ identifier, allow, deny }` with an inline scope. */
export type PermissionEntry = string | { identifier: string; allow?: unknown[]; deny?: unknown[] };

/** A capability in Tauri's own JSON format (`src-tauri/capabilities/*.json`). */
export interface Capability {
  identifier: string;
  description?: string;
  /** Window labels or glob patterns the capability applies to. */
  windows?: string[];
  /** Webview labels or glob patterns (here every webview is labelled like its window). */
  webviews?: string[];
  permissions: PermissionEntry[];
  /** Only local pages exist here; a capability with `local: false` grants nothing. */
  local?: boolean;
  /** Tauri targets (`linux`, `macOS`, `windows`, ...); the capability is skipped on other platforms. */
  platforms?: string[];
}

/** A capability file: one capability, a list, or `{ capabilities: [...] }`, as Tauri accepts. */
export type CapabilityFile = Capability | Capability[] | { capabilities: Capability[] };

export interface TauriHostOptions {
  /** Capability files in Tauri's own JSON format (objects, or paths to .json files). Required. */
  capabilities: Array<CapabilityFile | string>;
  /** App identifier; $APPDATA = <dataDir>/<identifier> etc. @default 'dev.pidkeep.host' */
  identifier?: string;
  /**
   * Base of the app directories. Given D: $DATA = $LOCALDATA = D, $CONFIG = D/config, $CACHE = D/cache,
   * $TEMP = D/tmp, $HOME = D/home, so $APPDATA = $APPLOCALDATA = D/<identifier> (as on Linux),
   * $APPCONFIG = D/config/<identifier>, $APPCACHE = D/cache/<identifier>, $APPLOG = D/<identifier>/logs.
   * Tests pass a temp dir.
   * @default the real Linux (XDG) directories of the user
   */
  dataDir?: string;
  /** Sidecar name -> executable path for Command.sidecar (plays `bundle > externalBin`). @default {} */
  sidecars?: Record<string, string>;
  /**
   * Plays the Rust plugin the README has users copy (examples/tauri-app/src-tauri/src/stop_on_quit.rs): an exit
   * request (`exit()`) is held while the windows whose pages run pidkeep's `stopOnQuit` stop their processes, and
   * the app exits with the requested code once each has answered, is gone, or the deadline (the plugin's 30 s;
   * `{ deadlineMs }` for tests) has passed. @default false: like an app without the plugin, an exit request is never
   * held
   */
  stopOnQuit?: boolean | { deadlineMs?: number };
}

export interface InvokeRequest {
  window: string;
  cmd: string;
  /** JSON arguments, or a Uint8Array for a raw body (writeFile / writeTextFile). */
  payload: unknown;
  headers?: Record<string, string>;
}

export interface TauriHost {
  /** The "app" process: process.pid of the process the host runs in. */
  readonly pid: number;
  /** Resolves a value (Uint8Array for byte responses) or rejects with the error value Tauri would send (usually a string). */
  invoke(request: InvokeRequest): Promise<unknown>;
  /**
   * A page of `window` connects; `deliver` gets channel messages. Returns detach. `page` names the page load: a new
   * one is a page that starts loading in the window (Tauri's page-load event), the same one reconnecting is not.
   */
  attach(window: string, deliver: (callbackId: number, message: unknown) => void, page?: string): () => void;
  /** Pids in the shell plugin's child map. */
  children(): number[];
  /** Whether the app runs (false after a crash or an exit, until restart()). */
  running(): boolean;
  /** The open windows: labels of the pages that attached or called, less those destroyed. */
  windows(): string[];
  /** Settles when this app run ends: with its exit code (an exit, the last window destroyed: 0), or null (a crash). */
  ended(): Promise<number | null>;
  /**
   * The user closes `window` (its close button, Cmd+W): with a page listening for `tauri://close-requested` on it
   * (`onCloseRequested`), that page gets the event and destroys the window itself; otherwise it is destroyed at once.
   * The last window destroyed quits the app, as exit() does.
   */
  requestClose(window: string): Promise<void>;
  /** App crash: children live on, nothing is killed, the map is forgotten, their pipes are closed, nothing more is delivered. */
  crash(): void;
  /**
   * `app.exit(code)`: `RunEvent::ExitRequested`, then `RunEvent::Exit`, where the shell plugin SIGKILLs every direct
   * child in its map. True once the app has exited; false when the exit is held (`stopOnQuit`: it exits later, with
   * this code, once the pages are done).
   */
  exit(code?: number): Promise<boolean>;
  /** After a crash or an exit: a new app run with an empty map and no windows. In-process, so `pid` stays the same. */
  restart(): void;
  /** Ends the host like exit() (or like crash(): `'crash'`, the children live on) and refuses later calls. @default 'exit' */
  close(how?: 'exit' | 'crash'): Promise<void>;
}

/** A bridge request the host refused with 403: it did not come from the page the host served (see guard.ts). */
export interface Refusal {
  method: string;
  url: string;
  reason: string;
}

/** Options of the HTTP bridge (the server, the CLI and the Vite plugin). */
export interface BridgeOptions {
  /** Hears of every refused request. @default a warning on the console (the Vite plugin: Vite's logger) */
  onRefused?: (refusal: Refusal) => void;
}
