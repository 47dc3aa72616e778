// The app's windows, and the JS event listeners Rust keeps for them: enough of Tauri's event and window plugins to
// play a quit as a real app goes through it (tauri at a8105ec):
//   - a window's close (its button, Cmd+W, `window.close()`) is prevented while a page listens for
//     `tauri://close-requested` on it, and the event is sent instead (crates/tauri/src/manager/window.rs:157-161);
//     `onCloseRequested` in @tauri-apps/api then runs its handler and destroys the window itself (window.ts:1805-1815);
//   - with no listener the window is destroyed at once (crates/tauri-runtime-wry/src/lib.rs:3715-3744);
//   - when the last window is destroyed the app gets `ExitRequested { code: None }` (lib.rs:3624-3638), and
//     `app.exit(code)` gives `ExitRequested { code: Some(code) }` (lib.rs:3668-3680); unless prevented, the
//     event loop ends and `RunEvent::Exit` follows, where the shell plugin kills its children.
// Listeners stay registered across a reload of their page, as Rust keeps them (listener.rs:225-251).

export type EventTarget =
  | { kind: 'Any' }
  | { kind: 'AnyLabel'; label: string }
  | { kind: 'App' }
  | { kind: 'Window' | 'Webview' | 'WebviewWindow'; label: string };

interface Listener {
  /** The webview that registered it: the page that runs its handler. */
  source: string;
  event: string;
  target: EventTarget;
  /** The page's callback id (transformCallback). */
  handler: number;
}

export interface WindowsHooks {
  /** Sends `message` to the callback `handler` of every page of window `source`. */
  deliver(source: string, handler: number, message: unknown): void;
  /** The window is gone: its pages are told so and get nothing more. */
  destroyed(window: string): void;
  /** The last window was destroyed: `ExitRequested { code: None }`. */
  lastClosed(): void;
}

const CLOSE_REQUESTED = 'tauri://close-requested';
const DESTROYED = 'tauri://destroyed';

const targets = (target: EventTarget, window: string) =>
  target.kind === 'Any' || ('label' in target && target.label === window);

/** `{ kind, label? }` as @tauri-apps/api sends it, or undefined. */
function parseTarget(value: unknown): EventTarget | undefined {
  const t = value as { kind?: unknown; label?: unknown } | null;
  if (typeof t !== 'object' || t === null) return undefined;
  if (t.kind === 'Any' || t.kind === 'App') return { kind: t.kind };
  if (typeof t.label !== 'string') return undefined;
  if (t.kind === 'AnyLabel' || t.kind === 'Window' || t.kind === 'Webview' || t.kind === 'WebviewWindow') return { kind: t.kind, label: t.label };
  return undefined;
}

export function createWindows(hooks: WindowsHooks) {
  const open = new Set<string>();
  const gone = new Set<string>();
  const listeners = new Map<number, Listener>();
  let nextId = 0;

  /** Rust's emit: every listener of `event` whose target takes `window` (or all of them: `app.emit`). */
  function emit(event: string, payload: unknown, window?: string) {
    for (const [id, listener] of listeners) {
      if (listener.event !== event || (window !== undefined && !targets(listener.target, window))) continue;
      hooks.deliver(listener.source, listener.handler, { event, id, payload });
    }
  }

  function destroy(window: string) {
    if (!open.has(window)) return;
    emit(DESTROYED, null, window);
    open.delete(window);
    gone.add(window);
    // the webview is gone, and its listeners with it
    for (const [id, listener] of listeners) if (listener.source === window) listeners.delete(id);
    hooks.destroyed(window);
    if (open.size === 0) hooks.lastClosed();
  }

  return {
    /** A page of `window` appeared: the window is open unless this app run already destroyed it. */
    seen(window: string): boolean {
      if (gone.has(window)) return false;
      open.add(window);
      return true;
    },
    isGone: (window: string) => gone.has(window),
    list: () => [...open],
    emit,
    destroy,
    /** The user asks the window to close (its close button, Cmd+W) or the page calls `window.close()`. */
    requestClose(window: string) {
      if (!open.has(window)) return;
      const heard = [...listeners.values()].some(
        (l) => l.event === CLOSE_REQUESTED && (l.target.kind === 'Window' || l.target.kind === 'WebviewWindow') && l.target.label === window,
      );
      emit(CLOSE_REQUESTED, null, window);
      if (!heard) destroy(window);
    },
    /** `plugin:event|listen` from the page of `source`: the new listener's id. */
    listen(source: string, args: Record<string, unknown>): number {
      const target = parseTarget(args.target);
      if (typeof args.event !== 'string' || !/^[A-Za-z0-9\-/:_]+$/.test(args.event)) throw 'invalid args `event` for command `listen`: Event name must include only alphanumeric characters, `-`, `/`, `:` and `_`.';
      if (!target) throw 'invalid args `target` for command `listen`: expected an event target';
      if (typeof args.handler !== 'number') throw 'invalid args `handler` for command `listen`: expected a callback id';
      const id = nextId++;
      listeners.set(id, { source, event: args.event, target, handler: args.handler });
      return id;
    },
    unlisten(args: Record<string, unknown>): null {
      if (typeof args.eventId === 'number') listeners.delete(args.eventId);
      return null;
    },
  };
}

export type Windows = ReturnType<typeof createWindows>;
