// A quit that finishes the recording. At `RunEvent::Exit` (last window closed, Cmd+Q, `app.exit()`) the shell plugin
// SIGKILLs every child in its map (plugins-workspace plugins/shell/src/lib.rs:129-139 at 77149dc): an FFmpeg
// recording is cut without its trailer. stopOnQuit runs each process's stop plan first, while the window still
// exists: on the window's close request (which Tauri holds back while a page listens for it, and which
// @tauri-apps/api's onCloseRequested follows with a destroy), and on the event the README's Rust snippet emits
// for the other ways to quit (`RunEvent::ExitRequested` + `prevent_exit`).
import type { ProcessHandle, ProcessManager } from '../types.js';

/** The event the README's Rust snippet emits when it holds an exit back. */
export const EXIT_REQUESTED_EVENT = 'pidkeep://exit-requested';

/** The part of a Tauri window stopOnQuit uses (`getCurrentWindow()` from `@tauri-apps/api/window`). */
export interface QuitWindow {
  onCloseRequested(handler: (event: { preventDefault(): void }) => void | Promise<void>): Promise<() => void>;
  destroy(): Promise<void>;
}

export interface QuitOptions {
  /**
   * What each running process gets when the app quits: `'stop'` runs its stop plan (e.g. FFmpeg's `q`) before the
   * window goes; `'keep'` leaves it alone. A kept process survives the quit only if the shell plugin does not hold
   * it (it was started by an earlier app run, or another program): the plugin SIGKILLs the children of this app
   * run at exit whatever pidkeep does (README: Tauri, "Quitting").
   * @default () => 'stop'
   */
  decide?: (handle: ProcessHandle) => 'stop' | 'keep';
  /** Hears of a stop that failed; the quit goes on. @default console.error */
  onError?: (error: unknown, handle: ProcessHandle) => void;
  /** @default getCurrentWindow() */
  window?: QuitWindow;
  /**
   * Also stop on the README's Rust snippet's event, then destroy this window (the app exits when the last one
   * goes). Needs nothing more than the snippet: `core:event:default` is in `core:default`. @default true
   */
  exitRequested?: boolean;
  /** `listen` of `@tauri-apps/api/event`; a stand-in for unit tests. */
  listen?: (event: string, handler: () => void) => Promise<() => void>;
}

/**
 * Runs the stop plans of `manager`'s processes when the app quits, before the shell plugin kills its children.
 * Needs `core:window:allow-destroy` (onCloseRequested destroys the window after the handler; it is not in
 * `core:default`). Resolves to a function that removes the listeners.
 * @example
 * const pm = await createProcessManager({ namespace: 'recorder', backend: tauriBackend(), store: tauriFsStore() });
 * await stopOnQuit(pm); // a recording still running when the window closes is finished with `q`, not cut
 */
export async function stopOnQuit(manager: ProcessManager, options: QuitOptions = {}): Promise<() => void> {
  // Loaded here, not at the top: a page that never calls stopOnQuit does not bundle @tauri-apps/api/window.
  const window = options.window ?? ((await import('@tauri-apps/api/window')).getCurrentWindow() as QuitWindow);
  const decide = options.decide ?? (() => 'stop');
  const onError = options.onError ?? ((error: unknown, handle: ProcessHandle) => console.error(`[pidkeep] could not stop "${handle.name}" (pid ${handle.pid}) before the app quit:`, error));
  let stopping: Promise<void> | undefined;
  // One run of the stops, however many close and exit requests arrive while it lasts.
  const stopAll = () =>
    (stopping ??= (async () => {
      const chosen = manager.list().filter((handle) => {
        try {
          return decide(handle) === 'stop';
        } catch (error) {
          onError(error, handle);
          return true; // a broken decision must not leave a recording to be cut
        }
      });
      await Promise.all(chosen.map((handle) => handle.stop().then(() => undefined, (error: unknown) => onError(error, handle))));
    })().finally(() => (stopping = undefined)));

  const unlisteners = [await window.onCloseRequested(() => stopAll())];
  if (options.exitRequested !== false) {
    const on = options.listen ?? (await import('@tauri-apps/api/event')).listen;
    // The app would exit once its windows are gone: this window goes once its processes are stopped.
    unlisteners.push(await on(EXIT_REQUESTED_EVENT, () => void stopAll().finally(() => window.destroy().catch(() => undefined))));
  }
  return () => {
    for (const unlisten of unlisteners) unlisten();
  };
}
