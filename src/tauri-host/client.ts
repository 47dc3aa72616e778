// The page side, served as /__pidkeep_tauri/bridge.js with internals.js inlined before it (see bridge.ts).
// A classic script in <head>: it installs __TAURI_INTERNALS__ before any app module runs.
import type { createInternals as CreateInternals } from './internals.js';

declare const createInternals: typeof CreateInternals;

{
  const script = document.currentScript as HTMLScriptElement | null;
  const base = new URL('.', script?.src ?? new URL('/__pidkeep_tauri/', location.href)).href;
  const label = new URLSearchParams(location.search).get('tauri-window') ?? 'main';

  // Channel events arrive as Server-Sent Events; EventSource reconnects by itself when a new host comes up.
  // Invokes wait (briefly) for the stream, so the first output of a spawned command is not sent to nobody.
  const events = new EventSource(`${base}events?window=${encodeURIComponent(label)}`);
  const ready = new Promise<void>((resolve) => {
    events.addEventListener('open', () => resolve(), { once: true });
    setTimeout(resolve, 5000);
  });

  const { internals, runCallback } = createInternals(label, async (cmd, payload, headers) => {
    await ready;
    const raw = payload instanceof Uint8Array;
    const response = await fetch(`${base}invoke/${encodeURIComponent(cmd)}`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': raw ? 'application/octet-stream' : 'application/json', 'Tauri-Window': label },
      body: raw ? (payload as Uint8Array<ArrayBuffer>) : JSON.stringify(payload),
    });
    const bytes = response.headers.get('Content-Type')?.startsWith('application/octet-stream');
    const value: unknown = bytes ? await response.arrayBuffer() : await response.json();
    if (response.headers.get('Tauri-Response') === 'error') throw value;
    return value;
  });

  const win = window as unknown as Record<string, unknown>;
  win.__TAURI_INTERNALS__ = internals;
  win.isTauri = true;
  events.onmessage = (event: MessageEvent<string>) => {
    const { id, message } = JSON.parse(event.data) as { id: number; message: unknown };
    runCallback(id, message);
  };
}
