// The Rust plugin of examples/tauri-app/src-tauri/src/stop_on_quit.rs, played step for step (the host option
// `stopOnQuit`): it holds `app.exit(code)` back while pages that run pidkeep's stopOnQuit stop their processes, and
// exits with the same code once each has answered or is gone. test/real/ checks both against each other.
export const REQUESTED = 'pidkeep://exit-requested';
export const GUARDED = 'pidkeep://stop-on-quit';
export const READY = 'pidkeep://exit-ready';
export const OFF = 'pidkeep://stop-on-quit-off';

export interface StopOnQuitApp {
  /** Whether `label` names an open window (`app.get_webview_window(label)`). */
  isWindow(label: string): boolean;
  /** `app.emit(event, ())`, or `app.emit_to(label, event, ())`. */
  emit(event: string, label?: string): void;
  /** `app.exit(code)`: a new exit request. */
  exit(code: number): void;
}

export function createStopOnQuit(app: StopOnQuitApp) {
  const guarded = new Set<string>();
  let exiting: { code: number; waiting: Set<string> } | undefined;

  /** The label a page sent, if it names one of the app's windows (the payload is the label, a JSON string). */
  const windowLabel = (payload: unknown) => (typeof payload === 'string' && app.isWindow(payload) ? payload : undefined);

  function done(label: string) {
    if (exiting?.waiting.delete(label) && exiting.waiting.size === 0) app.exit(exiting.code);
  }
  function forget(label: string) {
    guarded.delete(label);
    done(label);
  }

  return {
    /** An event a page emitted (`listen_any` in the plugin's setup). */
    heard(event: string, payload: unknown) {
      const label = windowLabel(payload);
      if (label === undefined) return;
      if (event === GUARDED) {
        guarded.add(label);
        if (exiting) {
          exiting.waiting.add(label);
          app.emit(REQUESTED, label);
        }
      } else if (event === READY) done(label);
      else if (event === OFF) forget(label);
    },
    /** `on_page_load` with `PageLoadEvent::Started`, and `WindowEvent::Destroyed`. */
    forget,
    /** `RunEvent::ExitRequested`: true when the plugin prevents the exit. */
    exitRequested(code: number | null): boolean {
      if (!exiting) {
        if (guarded.size === 0) return false;
        exiting = { code: code ?? 0, waiting: new Set(guarded) };
        app.emit(REQUESTED);
        return true;
      }
      return exiting.waiting.size > 0;
    },
  };
}
