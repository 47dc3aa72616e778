// The app's windows, and the JS event listeners Rust keeps for them: enough of Tauri's event and window plugins to
// play a quit as a real app goes through it (tauri 2.12.7; test/real/ checks it against the real app):
//   - a window's close (its button, Cmd+W, `window.close()`) is prevented while a page of any window listens for
//     `tauri://close-requested` on that window (target Window or WebviewWindow), and the event is sent to those
//     listeners and to listeners of any target (src/manager/window.rs:141-182); `onCloseRequested` in @tauri-apps/api
//     then runs its handler and destroys the window itself (npm @tauri-apps/api 2.12.5 window.js:2028-2037);
//   - with no such listener the window is destroyed at once (tauri-runtime-wry 2.12.5 src/lib.rs:4354-4391);
//   - a destroyed window's webview takes its JS listeners along (src/app.rs:2709-2715, src/manager/mod.rs:655-679),
//     then `tauri://destroyed` goes to the listeners left (src/manager/window.rs:183-185);
//   - when the last window is destroyed the app gets `ExitRequested { code: None }` (tauri-runtime-wry lib.rs:4259-4273),
//     and `app.exit(code)` gives `ExitRequested { code: Some(code) }` (lib.rs:4303-4316); unless prevented, the
//     event loop ends and `RunEvent::Exit` follows, where the shell plugin kills its children.
// Listeners stay registered across a reload of their page, as Rust keeps them (src/event/listener.rs:240-255): an
// earlier page's close-requested listener still holds the window's close back after a reload.

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

/** Which listener targets an emit reaches, besides those of any target (`match_any_or_filter`, listener.rs:356-361). */
type Filter = (target: EventTarget) => boolean;

/** `emit_to_window` (src/manager/window.rs:141-153): the window's Window and WebviewWindow targets. */
const toWindow = (window: string): Filter => (t) => (t.kind === 'Window' || t.kind === 'WebviewWindow') && t.label === window;

/** `emit_to(target)`'s filter (src/manager/mod.rs:594-639). */
export function toTarget(target: EventTarget): Filter {
  return (candidate) => {
    if (target.kind === 'Any') return true;
    if (target.kind === 'App') return candidate.kind === 'App';
    if (!('label' in candidate)) return false;
    if (target.kind === 'AnyLabel') return candidate.label === target.label;
    return (candidate.kind === 'AnyLabel' || candidate.kind === target.kind) && candidate.label === target.label;
  };
}

/** `{ kind, label? }` as @tauri-apps/api sends it, or undefined. */
export function parseTarget(value: unknown): EventTarget | undefined {
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

  /** Rust's emit to the JS listeners: all of them (`app.emit`), or those `filter` takes and those of any target. */
  function emit(event: string, payload: unknown, filter?: Filter) {
    for (const [id, listener] of listeners) {
      if (listener.event !== event || !open.has(listener.source)) continue;
      if (filter && listener.target.kind !== 'Any' && !filter(listener.target)) continue;
      hooks.deliver(listener.source, listener.handler, { event, id, payload });
    }
  }

  function destroy(window: string) {
    if (!open.has(window)) return;
    open.delete(window);
    gone.add(window);
    // the webview is gone, and its listeners with it; then the others hear of it
    for (const [id, listener] of listeners) if (listener.source === window) listeners.delete(id);
    hooks.destroyed(window);
    emit(DESTROYED, null, toWindow(window));
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
      const heard = [...listeners.values()].some((l) => l.event === CLOSE_REQUESTED && toWindow(window)(l.target));
      emit(CLOSE_REQUESTED, null, toWindow(window));
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
