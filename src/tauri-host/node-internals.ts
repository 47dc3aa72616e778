// `window.__TAURI_INTERNALS__` in Node, so code importing @tauri-apps/* runs against an in-process host.
import { createInternals, DESTROYED_ID } from './internals.js';
import type { TauriHost } from './types.js';

/**
 * Defines `globalThis.window.__TAURI_INTERNALS__` (and `isTauri`) for one window label, backed by `host`.
 * Returns an uninstall function.
 * @example
 * const uninstall = installTauriInternals(createTauriHost({ capabilities: ['caps.json'] }));
 * const { Command } = await import('@tauri-apps/plugin-shell');
 */
export function installTauriInternals(host: TauriHost, options: { window?: string } = {}): () => void {
  const label = options.window ?? 'main';
  const { internals, eventInternals, runCallback } = createInternals(label, async (cmd, payload, headers) => {
    const value = await host.invoke({ window: label, cmd, payload, headers });
    // a byte response reaches the page as an ArrayBuffer, as Tauri's IPC delivers it
    return value instanceof Uint8Array ? value.slice().buffer : value;
  });
  const global = globalThis as unknown as { window?: Record<string, unknown>; isTauri?: boolean };
  const created = global.window === undefined;
  const win = (global.window ??= {} as Record<string, unknown>);
  win.__TAURI_INTERNALS__ = internals;
  win.__TAURI_EVENT_PLUGIN_INTERNALS__ = eventInternals;
  win.isTauri = true;
  global.isTauri = true; // @tauri-apps/api's isTauri() reads globalThis, which is not `window` in Node
  // A destroyed window means nothing to Node code: the host refuses its calls (WINDOW_CLOSED) from then on.
  const detach = host.attach(label, (id, message) => id !== DESTROYED_ID && runCallback(id, message));
  return () => {
    detach();
    if (win.__TAURI_INTERNALS__ === internals) {
      delete win.__TAURI_INTERNALS__;
      delete win.__TAURI_EVENT_PLUGIN_INTERNALS__;
      delete win.isTauri;
      delete global.isTauri;
    }
    if (created) delete global.window;
  };
}
