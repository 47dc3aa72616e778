// The page side, served as /__pidkeep_tauri/bridge.js with internals.js inlined before it (see bridge.ts).
// A classic script in <head>: it installs __TAURI_INTERNALS__ before any app module runs.
import type { createInternals as CreateInternals } from './internals.js';

declare const createInternals: typeof CreateInternals;
declare const DESTROYED_ID: number;

{
  // The host put this run's token on the <script> tag of the page it served (never into this script, which any site
  // can load); every bridge request sends it back in a header (guard.ts says why).
  const script = (document.currentScript ?? document.querySelector('script[data-pidkeep-token]')) as HTMLScriptElement | null;
  const base = new URL('.', script?.src ?? new URL('/__pidkeep_tauri/', location.href)).href;
  const auth = { 'Pidkeep-Tauri-Token': script?.dataset.pidkeepToken ?? '' };
  const label = new URLSearchParams(location.search).get('tauri-window') ?? 'main';
  const refused = (status: number, reason: string) => `[pidkeep] the Tauri host refused this page (${status}): ${reason}`;

  // Invokes wait (briefly) for the event stream, so the first output of a spawned command is not sent to nobody.
  let opened = () => {};
  const ready = new Promise<void>((resolve) => {
    opened = resolve;
    setTimeout(resolve, 5000);
  });

  // The app destroyed this window (a quit, or `window.destroy()`): in Tauri the webview is gone; here the tab stays
  // open, says so, and reaches nothing any more.
  let destroyed = false;
  const destroy = () => {
    destroyed = true;
    document.documentElement.dataset.tauriWindow = 'destroyed';
    const notice = document.createElement('p');
    notice.textContent = `[pidkeep] Tauri host: the app closed this window ("${label}"). Reload the page to open it again in a new app run.`;
    document.body?.replaceChildren(notice);
  };

  const post = (route: string, body: BodyInit, headers: Record<string, string>) =>
    fetch(`${base}${route}`, { method: 'POST', headers: { ...headers, 'Tauri-Window': label, ...auth }, body });

  /** One invoke, one request: for a raw body (bytes), and for an invoke made alone. */
  async function single(cmd: string, payload: unknown, headers: Record<string, string>): Promise<unknown> {
    const raw = payload instanceof Uint8Array;
    const response = await post(`invoke/${encodeURIComponent(cmd)}`, raw ? (payload as Uint8Array<ArrayBuffer>) : JSON.stringify(payload), {
      ...headers,
      'Content-Type': raw ? 'application/octet-stream' : 'application/json',
    });
    // no Tauri-Response header: the door refused the request before the app saw it
    if (!response.headers.has('Tauri-Response')) throw refused(response.status, await response.text());
    const bytes = response.headers.get('Content-Type')?.startsWith('application/octet-stream');
    const value: unknown = bytes ? await response.arrayBuffer() : await response.json();
    if (response.headers.get('Tauri-Response') === 'error') throw value;
    return value;
  }

  // Invokes made together (e.g. one read per record) go as one request: Tauri's own IPC is not held to a browser's six
  // connections per origin, so neither is this. Each still settles on its own, with its own value or error.
  type Queued = { cmd: string; payload: unknown; headers: Record<string, string>; resolve(value: unknown): void; reject(error: unknown): void };
  let queue: Queued[] = [];
  async function flush() {
    const batch = queue;
    queue = [];
    if (batch.length === 1) {
      const [one] = batch as [Queued];
      return single(one.cmd, one.payload, one.headers).then(one.resolve, one.reject);
    }
    try {
      const response = await post('invoke-batch', JSON.stringify(batch.map(({ cmd, payload, headers }) => ({ cmd, payload, headers }))), { 'Content-Type': 'application/json' });
      if (!response.headers.has('Tauri-Response')) throw refused(response.status, await response.text());
      const answers = (await response.json()) as Array<{ ok: boolean; value?: unknown; bytes?: string }>;
      batch.forEach((one, i) => {
        const answer = answers[i];
        const value = answer?.bytes !== undefined ? Uint8Array.from(atob(answer.bytes), (c) => c.charCodeAt(0)).buffer : answer?.value;
        if (answer?.ok) one.resolve(value);
        else one.reject(answer ? value : 'no answer for this call in the batch');
      });
    } catch (error) {
      for (const one of batch) one.reject(error);
    }
  }

  const { internals, eventInternals, runCallback } = createInternals(label, async (cmd, payload, headers) => {
    await ready;
    if (destroyed) throw `[pidkeep] the window "${label}" was closed by the app: nothing it sends reaches the app`;
    if (payload instanceof Uint8Array) return single(cmd, payload, headers);
    return new Promise((resolve, reject) => {
      if (queue.push({ cmd, payload, headers, resolve, reject }) === 1) queueMicrotask(() => void flush());
    });
  });

  const win = window as unknown as Record<string, unknown>;
  win.__TAURI_INTERNALS__ = internals;
  win.__TAURI_EVENT_PLUGIN_INTERNALS__ = eventInternals;
  win.isTauri = true;

  const deliver = (event: string) => {
    const data = event.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
    if (!data) return; // `retry:` and `: keep-alive`
    const { id, message } = JSON.parse(data) as { id: number; message: unknown };
    if (destroyed) return;
    if (id === DESTROYED_ID) return destroy();
    try {
      runCallback(id, message);
    } catch (error) {
      setTimeout(() => {
        throw error; // reported like any uncaught error, and the stream goes on
      });
    }
  };

  // Channel events: a Server-Sent Events stream, read with fetch() rather than EventSource. EventSource cannot send a
  // header, so its token would have to go into the URL, a secret in a URL (kept in devtools, HAR files, proxy and
  // server logs); with fetch the events route takes the token like every other route, and as a custom header it also
  // makes any cross-origin attempt a CORS preflight, which the host refuses. Like EventSource, it reconnects when the
  // host comes back on the same address. A 403 is final: a restarted host process has a new token (reload the page).
  // This page load, as the host tells a new page (a reload: Tauri's page-load event) from a reconnection of this one.
  const page = Math.random().toString(36).slice(2);
  void (async () => {
    for (;;) {
      try {
        const response = await fetch(`${base}events?window=${encodeURIComponent(label)}&page=${page}`, { headers: auth, cache: 'no-store' });
        if (response.status === 403) return console.error(refused(403, await response.text()));
        if (response.ok && response.body) {
          opened();
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
            buffer += decoder.decode(chunk.value, { stream: true });
            for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
              deliver(buffer.slice(0, at));
              buffer = buffer.slice(at + 2);
            }
          }
        }
      } catch {
        // the host is down (a crash, a restart): try again
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
}
