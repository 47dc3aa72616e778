// The Rust plugin of examples/tauri-app/src-tauri/src/stop_on_quit.rs, played step for step (the host option
// `stopOnQuit`): it holds `app.exit(code)` back while pages that run pidkeep's stopOnQuit stop their processes, and
// exits with the same code once each has answered, is gone, or the deadline has passed. test/real/ runs the same
// steps on the real app and on this host.
import { EXIT_READY_EVENT, EXIT_REQUESTED_EVENT, STOP_ON_QUIT_EVENT, STOP_ON_QUIT_OFF_EVENT } from '../tauri/quit.js';

export interface StopOnQuitApp {
  /** Whether `label` names an open window (`app.get_webview_window(label)`). */
  isWindow(label: string): boolean;
  /** `app.emit(event, ())`, or `app.emit_to(label, event, ())`. */
  emit(event: string, label?: string): void;
  /** `app.exit(code)`: a new exit request, after the current event (Rust queues it). */
  exit(code: number): void;
}

/** The plugin's DEADLINE. */
export const STOP_ON_QUIT_DEADLINE_MS = 30_000;

export function createStopOnQuit(app: StopOnQuitApp, deadlineMs = STOP_ON_QUIT_DEADLINE_MS) {
  const guarded = new Set<string>();
  let exiting: { code: number; waiting: Set<string> } | undefined;
  let deadline: NodeJS.Timeout | undefined;

  /** The label a page sent, if it names one of the app's windows (the payload is the label, a JSON string). */
  const windowLabel = (payload: unknown) => (typeof payload === 'string' && app.isWindow(payload) ? payload : undefined);

  function done(label: string) {
    if (exiting?.waiting.delete(label) && exiting.waiting.size === 0) app.exit(exiting.code);
  }
  function forget(label: string) {
    guarded.delete(label);
    done(label);
  }
  function giveUp() {
    if (!exiting || exiting.waiting.size === 0) return;
    exiting.waiting.clear();
    app.exit(exiting.code);
  }

  return {
    /** An event a page emitted (`listen_any` in the plugin's setup). */
    heard(event: string, payload: unknown) {
      const label = windowLabel(payload);
      if (label === undefined) return;
      if (event === STOP_ON_QUIT_EVENT) {
        guarded.add(label);
        if (exiting) {
          exiting.waiting.add(label);
          app.emit(EXIT_REQUESTED_EVENT, label);
        }
      } else if (event === EXIT_READY_EVENT) done(label);
      else if (event === STOP_ON_QUIT_OFF_EVENT) forget(label);
    },
    /** `on_page_load` with `PageLoadEvent::Started`: not guarded until its new page announces itself; still waited for. */
    pageStarted: (label: string) => void guarded.delete(label),
    /** `WindowEvent::Destroyed`. */
    forget,
    /** The app run is over (exited or crashed): nothing more to wait for. */
    ended: () => clearTimeout(deadline),
    /** `RunEvent::ExitRequested`: true when the plugin prevents the exit. */
    exitRequested(code: number | null): boolean {
      if (!exiting) {
        if (guarded.size === 0) return false;
        exiting = { code: code ?? 0, waiting: new Set(guarded) };
        app.emit(EXIT_REQUESTED_EVENT);
        // a pending quit keeps the host alive, as the app's event loop does; `ended` clears it
        deadline = setTimeout(giveUp, deadlineMs);
        return true;
      }
      // every page done, and the plugin's own exit(code) on its way: a codeless request (the last window gone) is held
      if (exiting.waiting.size === 0) return code === null;
      return true;
    },
  };
}
