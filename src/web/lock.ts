import { PidkeepError } from '../errors.js';
import { createMutex } from '../mutex.js';
import { randomHex } from '../record.js';
import type { Presence } from '../types.js';

/**
 * A lock shared by every window of the origin where the Web Locks API exists (`navigator.locks`: Chromium, WebView2,
 * WebKitGTK and WKWebView): the browser releases it when the window that holds it closes or crashes. Elsewhere
 * (older webviews, tests in Node) an in-page queue: it lines up this page's own operations only.
 */
export function webLock(name: string, timeoutMs: number): () => Promise<() => void> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  if (!locks || typeof locks.request !== 'function') {
    warnOnce();
    return createMutex();
  }
  return () =>
    new Promise<() => void>((resolve, reject) => {
      const signal = AbortSignal.timeout(timeoutMs);
      locks
        .request(name, { mode: 'exclusive', signal }, () => new Promise<void>((release) => resolve(() => release())))
        .catch((error: unknown) => {
          if ((error as { name?: string })?.name === 'TimeoutError' || signal.aborted) {
            reject(new PidkeepError('STORE_LOCKED', `another window has held the lock "${name}" for over ${timeoutMs} ms; close or reload the window that hangs`, { cause: error }));
          } else reject(error);
        });
    });
}

/** This page: a reload is a new page of the same window. */
const page = randomHex(8);
let joins = 0;

/**
 * The window this page runs in, the same across its reloads: a Tauri window's label (what `getCurrentWindow()` of
 * @tauri-apps/api 2.x reads, window.js: `window.__TAURI_INTERNALS__.metadata.currentWindow.label`), else an id kept
 * in the tab's sessionStorage (it survives reloads; a duplicated tab copies it), else this page alone.
 */
function currentWindow(): string {
  const label = (globalThis as { __TAURI_INTERNALS__?: { metadata?: { currentWindow?: { label?: unknown } } } }).__TAURI_INTERNALS__?.metadata?.currentWindow?.label;
  if (typeof label === 'string' && label.length > 0) return `tauri-${label}`;
  try {
    const session = globalThis.sessionStorage;
    let id = session.getItem('pidkeep:window');
    if (!id) session.setItem('pidkeep:window', (id = `tab-${randomHex(8)}`));
    return id;
  } catch {
    return `page-${page}`;
  }
}

/** Why a page has no Web Locks, and what that costs: said once per page (console) and to each manager (pm.warnings). */
const NO_WEB_LOCKS =
  "this page has no Web Locks (navigator.locks): it needs a secure context (tauri://localhost, http://tauri.localhost, http://localhost and http://127.0.0.1 are; a dev server reached by another name or address is not) and a recent webview (WKWebView has them from Safari 15.4); without them the app's windows share neither the store's lock nor a way to see each other, so a second window's start can race this one's sweep and onOrphan: 'stop' adopts instead";

let warned = false;
/** Says NO_WEB_LOCKS on a page's console, once (in Node, with no windows to tell apart, pm.warnings is enough). */
function warnOnce() {
  if (warned || typeof document === 'undefined') return;
  warned = true;
  console.warn(`[pidkeep] ${NO_WEB_LOCKS}`);
}

/**
 * Store.join for the web stores: each open manager holds a shared Web Lock named `<prefix><window>:<page>:<n>`, which
 * the browser releases when its page goes. A manager is alone when no such lock is held by another window, nor by
 * another manager of this page. Locks of an earlier page of this very window are passed over: after a reload the
 * browser may not have dropped them yet, and that page is gone. Called under the namespace's lock, so two windows
 * never join at once. Where the browser has no Web Locks nothing can be told: `alone` is undefined, with the reason.
 */
export async function webJoin(prefix: string): Promise<Presence> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  if (!locks || typeof locks.query !== 'function') {
    warnOnce();
    return { alone: undefined, reason: NO_WEB_LOCKS, leave: () => undefined };
  }
  const here = encodeURIComponent(currentWindow());
  const { held = [] } = await locks.query();
  const alone = held.every(({ name }) => {
    if (!name?.startsWith(prefix)) return true;
    const [otherWindow, otherPage] = name.slice(prefix.length).split(':');
    return otherWindow === here && otherPage !== page;
  });
  let release: (() => void) | undefined;
  await new Promise<void>((granted, failed) => {
    locks
      .request(`${prefix}${here}:${page}:${++joins}`, { mode: 'shared' }, () => new Promise<void>((done) => {
        release = done;
        granted();
      }))
      .catch(failed);
  });
  return { alone, leave: () => release?.() };
}
