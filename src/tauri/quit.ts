// A quit that finishes the recording. At `RunEvent::Exit` the shell plugin SIGKILLs every child in its map
// (tauri-plugin-shell 2.4.1 src/lib.rs:163-174): an FFmpeg recording is cut without its trailer. stopOnQuit runs each
// process's stop plan first, on two occasions:
// - the window's close request, which Tauri holds back while a page listens for it (tauri 2.12.7
//   src/manager/window.rs:177-182), and which @tauri-apps/api's onCloseRequested follows with a destroy;
// - `app.exit(code)` (a custom Quit menu item, a tray), with the Rust plugin of examples/tauri-app/src-tauri/src/
//   stop_on_quit.rs: it holds the exit, emits EXIT_REQUESTED_EVENT, waits for every page that announced itself
//   (STOP_ON_QUIT_EVENT) to answer (EXIT_READY_EVENT) or go, and exits with the same code.
// A page may run several managers, each with its stopOnQuit: the window takes part once, for all of them (one close
// listener, one announcement, one answer once every one of them has stopped its processes).
import type { ProcessHandle, ProcessManager } from '../types.js';

/** Emitted by the Rust plugin (stop_on_quit.rs) when it holds an exit back: stop, then answer. */
export const EXIT_REQUESTED_EVENT = 'pidkeep://exit-requested';
/** Emitted by stopOnQuit once it listens, with its window's label: the plugin waits for this window at an exit. */
export const STOP_ON_QUIT_EVENT = 'pidkeep://stop-on-quit';
/** Emitted by stopOnQuit when its processes are stopped after EXIT_REQUESTED_EVENT, with its window's label. */
export const EXIT_READY_EVENT = 'pidkeep://exit-ready';
/** Emitted when stopOnQuit's listeners are removed, with its window's label: no longer waited for. */
export const STOP_ON_QUIT_OFF_EVENT = 'pidkeep://stop-on-quit-off';

/** The part of a Tauri window stopOnQuit uses (`getCurrentWindow()` from `@tauri-apps/api/window`). */
export interface QuitWindow {
  /** The window's label: the Rust plugin knows the windows it waits for by it. */
  label: string;
  /** Tauri holds the close back while a page listens; @tauri-apps/api destroys the window after the handler (unless prevented). */
  onCloseRequested(handler: (event: { preventDefault(): void }) => void | Promise<void>): Promise<() => void>;
  /**
   * Listens for an event sent to this window: the plugin's `emit_to(label)` to a page that announced itself late
   * reaches this window's listener only (a listener of any target would hear another window's request too).
   */
  listen(event: string, handler: () => void): Promise<() => void>;
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
   * Also take part in the Rust plugin's exit handshake (stop_on_quit.rs): announce this window, stop on its request,
   * answer when done. Needs the plugin in the app, and `core:event:default` (in `core:default`) in the capability.
   * Without the plugin nothing listens: the announcement goes nowhere. @default true
   */
  exitRequested?: boolean;
  /** `emit` of `@tauri-apps/api/event`; a stand-in for unit tests. */
  events?: QuitEvents;
}

/** The part of `@tauri-apps/api/event` stopOnQuit uses. */
export interface QuitEvents {
  emit(event: string, payload: string): Promise<void>;
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
  const events = options.exitRequested === false ? undefined : (options.events ?? (await import('@tauri-apps/api/event')));
  return join(window, events, stopAll);
}

/** The stops of every stopOnQuit of one window in this page, and what the window listens with on their behalf. */
interface WindowQuit {
  stops: Set<() => Promise<void>>;
  /** Set up once, for all of them; its result removes the listeners (and tells the plugin). */
  listening: Promise<() => void>;
}
/** By event module (tests give their own) and window label. */
const windows = new WeakMap<object, Map<string, WindowQuit>>();
const noEvents = {};

/** Adds `stop` to its window's set, setting the window up the first time; resolves to its removal. */
async function join(window: QuitWindow, events: QuitEvents | undefined, stop: () => Promise<void>): Promise<() => void> {
  const byLabel = windows.get(events ?? noEvents) ?? new Map<string, WindowQuit>();
  windows.set(events ?? noEvents, byLabel);
  let quit = byLabel.get(window.label);
  if (!quit) {
    const stops = new Set<() => Promise<void>>();
    // Whatever a stop did (each failure went to its onError), the window goes on: answered, or destroyed.
    const stopEvery = () => Promise.all([...stops].map((each) => each().catch(() => undefined))).then(() => undefined);
    quit = { stops, listening: listen(window, events, stopEvery) };
    byLabel.set(window.label, quit);
  }
  const { stops, listening } = quit;
  stops.add(stop);
  let off: () => void;
  try {
    off = await listening;
  } catch (error) {
    stops.delete(stop);
    if (byLabel.get(window.label)?.listening === listening) byLabel.delete(window.label);
    throw error;
  }
  return () => {
    if (!stops.delete(stop) || stops.size > 0) return;
    if (byLabel.get(window.label)?.listening === listening) byLabel.delete(window.label);
    off();
  };
}

/** The window's close listener and, with the events, its part in the plugin's handshake: one of each per window. */
async function listen(window: QuitWindow, events: QuitEvents | undefined, stopEvery: () => Promise<void>): Promise<() => void> {
  const unlisteners: Array<() => void> = [await window.onCloseRequested(stopEvery)];
  try {
    if (events) {
      const answer = () => events.emit(EXIT_READY_EVENT, window.label).catch(() => undefined);
      unlisteners.push(await window.listen(EXIT_REQUESTED_EVENT, () => void stopEvery().then(answer)));
      // Announced only now that the request would be heard; a reload announces again (the plugin forgets a window
      // whose page starts loading).
      await events.emit(STOP_ON_QUIT_EVENT, window.label);
      unlisteners.push(() => void events.emit(STOP_ON_QUIT_OFF_EVENT, window.label).catch(() => undefined));
    }
  } catch (error) {
    for (const unlisten of unlisteners) unlisten();
    throw error;
  }
  return () => {
    for (const unlisten of unlisteners) unlisten();
  };
}
