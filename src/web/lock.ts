import { PidkeepError } from '../errors.js';
import { createMutex } from '../mutex.js';

/**
 * A lock shared by every window of the origin where the Web Locks API exists (`navigator.locks`: Chromium, WebView2,
 * WebKitGTK and WKWebView): the browser releases it when the window that holds it closes or crashes. Elsewhere
 * (older webviews, tests in Node) an in-page queue: it lines up this page's own operations only.
 */
export function webLock(name: string, timeoutMs: number): () => Promise<() => void> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  if (!locks || typeof locks.request !== 'function') return createMutex();
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
