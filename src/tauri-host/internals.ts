// `window.__TAURI_INTERNALS__` as @tauri-apps/api expects it, over any transport. Shared by the browser bridge
// (where this file is inlined into bridge.js, so it must import nothing) and by installTauriInternals in Node.

/** The callback id that tells a page its window was destroyed (host.ts): transformCallback never hands out 0. */
export const DESTROYED_ID = 0;

export type Transport = (cmd: string, payload: unknown, headers: Record<string, string>) => Promise<unknown>;

/** Real Tauri's text for a message to a callback id this page does not have (e.g. after a reload): tauri 2.11's scripts/core.js `runCallback`. */
export const missingCallback = (id: number) =>
  `[TAURI] Couldn't find callback id ${id}. This might happen when the app is reloaded while Rust is running an asynchronous operation.`;

function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  let entries: Array<[string, unknown]>;
  if (Array.isArray(headers)) entries = headers as Array<[string, unknown]>;
  else if (headers && typeof (headers as Headers).forEach === 'function') {
    entries = [];
    (headers as Headers).forEach((value, name) => entries.push([name, value]));
  } else entries = Object.entries((headers ?? {}) as Record<string, unknown>);
  // plugin-fs sends `options: JSON.stringify(undefined)` when no options were given: leave such headers out
  for (const [name, value] of entries) if (value !== undefined && value !== null) out[name] = String(value);
  return out;
}

/**
 * Arguments as Tauri's IPC script serializes them (tauri 2.12.7 scripts/process-ipc-message-fn.js): bytes alone
 * are a raw body; inside JSON a Map becomes an object, a Uint8Array or an ArrayBuffer an
 * array of numbers (so `child.write(bytes)` reaches the shell plugin as its `Buffer::Raw`), a Channel
 * "__CHANNEL__:<id>".
 */
function toPayload(args: unknown): unknown {
  if (args instanceof ArrayBuffer) return new Uint8Array(args);
  if (ArrayBuffer.isView(args)) return new Uint8Array(args.buffer, args.byteOffset, args.byteLength);
  return JSON.parse(
    JSON.stringify(args ?? {}, (_key, value: unknown) => {
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Uint8Array) return Array.from(value);
      if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
      if (value && typeof value === 'object' && '__TAURI_TO_IPC_KEY__' in value) return (value as { __TAURI_TO_IPC_KEY__(): unknown }).__TAURI_TO_IPC_KEY__();
      return value;
    }),
  );
}

export function createInternals(label: string, transport: Transport) {
  const callbacks = new Map<number, (data: unknown) => void>();
  const randomId = () => globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
  const unregisterCallback = (id: number) => void callbacks.delete(id);
  const runCallback = (id: number, data: unknown) => {
    const callback = callbacks.get(id);
    if (callback) callback(data);
    else console.warn(missingCallback(id));
  };
  const internals = {
    callbacks,
    transformCallback(callback?: (data: unknown) => void, once = false) {
      let id = randomId();
      while (id === DESTROYED_ID || callbacks.has(id)) id = randomId();
      callbacks.set(id, (data) => {
        if (once) unregisterCallback(id);
        callback?.(data);
      });
      return id;
    },
    unregisterCallback,
    runCallback,
    async invoke(cmd: string, args: unknown = {}, options?: { headers?: unknown }) {
      const payload = toPayload(args);
      const value = await transport(cmd, payload, headerRecord(options?.headers));
      // Which page callback an event listener runs, for unregisterListener below.
      if (cmd === 'plugin:event|listen' && typeof value === 'number') handlers.set(value, (payload as { handler?: number }).handler ?? -1);
      return value;
    },
    convertFileSrc(filePath: string, protocol = 'asset') {
      return `${protocol}://localhost/${encodeURIComponent(filePath)}`;
    },
    metadata: { currentWindow: { label }, currentWebview: { windowLabel: label, label } },
    plugins: { path: { sep: '/', delimiter: ':' } },
  };
  /**
   * `window.__TAURI_EVENT_PLUGIN_INTERNALS__`, which @tauri-apps/api's unlisten calls before `plugin:event|unlisten`
   * (event.js `_unlisten`): Tauri's event init script drops the listener's page callback there.
   */
  const handlers = new Map<number, number>();
  const eventInternals = {
    unregisterListener(_event: string, eventId: number) {
      const handler = handlers.get(eventId);
      handlers.delete(eventId);
      if (handler !== undefined) unregisterCallback(handler);
    },
  };
  return { internals, eventInternals, runCallback };
}
