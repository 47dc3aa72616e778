import { describeError, PidkeepError } from '../errors.js';
import { stableId } from '../record.js';
import type { QuarantinedEntry, StoreEntry, SyncStore } from '../types.js';
import { assertKey, assertName, isValidKey } from '../validate.js';
import { webJoin, webLock } from './lock.js';

export interface WebStoreOptions {
  /** A Web Storage object. @default globalThis.localStorage */
  storage?: Storage;
  /**
   * Starts every key this store writes: `<prefix>:<namespace>:r:<key>` for records. No `:` in it.
   * @default 'pidkeep'
   */
  prefix?: string;
  /**
   * Where `storage` events (other windows' writes) arrive. Set it only for tests outside a browser.
   * @default globalThis, when it is a window
   */
  events?: EventTarget;
  /** How long to wait for another window to release the namespace's lock before failing with `STORE_LOCKED`, in ms. @default 10000 */
  lockTimeout?: number;
}

/** The web store answers synchronously (Web Storage is synchronous); its types say so. */
export interface WebStore extends SyncStore {
  readonly prefix: string;
  /** Writes only when the key is absent; returns false when it exists (exclusive within one window). */
  create(namespace: string, key: string, text: string): boolean;
  /** Removes the key; with `expected`, only while the value is still exactly that text. */
  remove(namespace: string, key: string, expected?: string): void;
  /**
   * Calls `listener` with the record key whenever a record of `namespace` changes: written or removed by this
   * window (any webStore over the same storage) or by another window of the origin (`storage` events).
   * Returns the function that stops it.
   */
  watch(namespace: string, listener: (key: string) => void): () => void;
}

interface Watcher {
  /** `<prefix>:<namespace>:r:` */
  start: string;
  listener: (key: string) => void;
  /** Record keys present as far as this watcher knows: a `storage` event for clear() names no key. */
  known: Set<string>;
}

// Every watcher in this window of one Storage object, whatever webStore instance made it: a write through one
// instance reaches the watchers of all of them (the browser sends `storage` events only to other windows).
const watchersOf = new WeakMap<Storage, Set<Watcher>>();

let sequence = 0;

/**
 * Records in Web Storage (localStorage): for a webview or page with no file system, one key per record
 * (`<prefix>:<namespace>:r:<key>`), so two windows writing different records never lose each other's updates.
 * Values the core did not write are returned as they are; the core parses them and quarantines the bad ones under
 * `<prefix>:<namespace>:q:<stamp>:<key>` (the reason beside it under `:qr:`), never deleting them.
 *
 * What it does NOT survive: localStorage is written to disk lazily, seconds after `setItem` (Chromium, so WebView2
 * too, and WebKit). An app or browser killed within seconds of a start loses that record (measured: SIGKILL 1 s after
 * `setItem` lost it 5 times of 5; after 6 s it was kept), and its process then runs on unrecorded: only a sweep finds
 * it. Clearing the site's data deletes every record; another browser profile, another origin or another browser sees
 * none of them. A reload keeps them. For records that must survive a crash, use `tauriFsStore()` in a Tauri app or
 * `fileStore()` in Node.
 *
 * Changes are made under a Web Lock per namespace (`navigator.locks`), shared by the origin's windows and released
 * by the browser when a window closes or crashes; where the API is missing, the lock covers one page only.
 * `create` is exclusive within one window: Web Storage is synchronous, and the check and the write run in one task.
 * Across windows it is not: browsers do not implement the spec's storage mutex, each renderer works on its own copy
 * that is synchronised asynchronously, so two windows creating one name within the same few milliseconds can both
 * win, and the later write replaces the earlier one. Start a name from one window at a time.
 *
 * `create` and `put` throw a `PidkeepError` with code `STORE_FULL` when the origin's quota (about 5 MB) is used up.
 * @example webStore({ prefix: 'my-app' })
 */
export function webStore(options: WebStoreOptions = {}): WebStore {
  const storage = options.storage ?? defaultStorage();
  const prefix = options.prefix ?? 'pidkeep';
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.includes(':')) {
    throw new TypeError(`[pidkeep] Expected the webStore \`prefix\` to be a non-empty string without ":", got ${JSON.stringify(prefix)}`);
  }
  const events = options.events ?? (typeof globalThis.addEventListener === 'function' ? globalThis : undefined);
  const lockTimeout = options.lockTimeout ?? 10_000;
  const locks = new Map<string, () => Promise<() => void>>();

  const records = (namespace: string) => {
    assertName(namespace, 'namespace');
    return `${prefix}:${namespace}:r:`;
  };
  const recordKey = (namespace: string, key: string) => {
    assertKey(key);
    return records(namespace) + key;
  };
  const keysStartingWith = (start: string) => {
    // Collected first: the caller may change the storage, which renumbers `key(i)`.
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key !== null && key.startsWith(start)) keys.push(key);
    }
    return keys;
  };

  const notify = (namespace: string, key: string, present: boolean) => {
    const watchers = watchersOf.get(storage);
    if (!watchers) return;
    const start = records(namespace);
    for (const watcher of watchers) {
      if (watcher.start !== start) continue;
      if (present) watcher.known.add(key);
      else watcher.known.delete(key);
      // Later, not inside the write: a listener that reads or writes the store must not run inside another call.
      queueMicrotask(() => watcher.listener(key));
    }
  };

  const write = (storageKey: string, text: string, record: string) => {
    try {
      storage.setItem(storageKey, text);
    } catch (error) {
      if (isQuotaError(error)) {
        throw new PidkeepError(
          'STORE_FULL',
          "the origin's Web Storage is full, so the record was not written; free space in this origin's localStorage (remove keys this app no longer needs), or keep records in files with tauriFsStore() (Tauri) or fileStore() (Node)",
          { record, cause: error },
        );
      }
      throw new PidkeepError('STORE_FAILED', `could not write to Web Storage (${describeError(error)})`, { record, cause: error });
    }
  };

  return {
    name: 'web',
    prefix,
    id: (namespace) => stableId('web', globalThis.location?.origin ?? '', prefix, namespace),
    lock(namespace) {
      const name = records(namespace);
      let take = locks.get(name);
      if (!take) locks.set(name, (take = webLock(`pidkeep:${name}`, lockTimeout)));
      return take();
    },
    join: (namespace) => webJoin(`pidkeep:open:${records(namespace)}`),

    list(namespace) {
      const start = records(namespace);
      return keysStartingWith(start).flatMap((storageKey): StoreEntry[] => {
        const text = storage.getItem(storageKey);
        if (text === null) return [];
        const key = storageKey.slice(start.length);
        // Written by someone else under our prefix: reported, so the core quarantines it (out of the way, kept).
        return [isValidKey(key) ? { key, text } : { key, error: 'the storage key is not a valid record name' }];
      });
    },

    get(namespace, key) {
      return storage.getItem(recordKey(namespace, key)) ?? undefined;
    },

    create(namespace, key, text) {
      const storageKey = recordKey(namespace, key);
      // Check and write in one synchronous run: no other code of this window can come in between.
      if (storage.getItem(storageKey) !== null) return false;
      write(storageKey, text, key);
      notify(namespace, key, true);
      return true;
    },

    put(namespace, key, text) {
      write(recordKey(namespace, key), text, key);
      notify(namespace, key, true);
    },

    remove(namespace, key, expected) {
      const storageKey = recordKey(namespace, key);
      const current = storage.getItem(storageKey);
      if (current === null || (expected !== undefined && current !== expected)) return;
      storage.removeItem(storageKey);
      notify(namespace, key, false);
    },

    quarantine(namespace, key, reason) {
      // No name check on `key`: it may come from `list` as an invalid name, and it is only ever a suffix here.
      const from = records(namespace) + key;
      const text = storage.getItem(from);
      if (text === null) return;
      const stamp = `${Date.now()}.${(sequence = (sequence + 1) % 1e9)}.${Math.random().toString(36).slice(2, 8)}`;
      // The copy first: when it cannot be written (quota), the value stays where it was rather than being lost.
      write(`${prefix}:${namespace}:q:${stamp}:${key}`, text, key);
      try {
        storage.setItem(`${prefix}:${namespace}:qr:${stamp}:${key}`, reason);
      } catch {
        // The reason is for people; the value is kept either way.
      }
      storage.removeItem(from);
      notify(namespace, key, false);
    },

    listQuarantined(namespace) {
      assertName(namespace, 'namespace');
      const start = `${prefix}:${namespace}:q:`;
      return keysStartingWith(start).flatMap((storageKey): QuarantinedEntry[] => {
        const text = storage.getItem(storageKey);
        if (text === null) return [];
        // `<stamp>:<key>`, the stamp being `<ms>.<n>.<random>`
        const rest = storageKey.slice(start.length);
        const key = rest.slice(rest.indexOf(':') + 1);
        const reason = storage.getItem(`${prefix}:${namespace}:qr:${rest}`) ?? 'no reason was kept';
        return [{ key, text, reason }];
      });
    },

    dropQuarantined(namespace, key) {
      assertName(namespace, 'namespace');
      const start = `${prefix}:${namespace}:q:`;
      for (const storageKey of keysStartingWith(start)) {
        const rest = storageKey.slice(start.length);
        if (rest.slice(rest.indexOf(':') + 1) !== key) continue;
        storage.removeItem(storageKey);
        storage.removeItem(`${prefix}:${namespace}:qr:${rest}`);
      }
    },

    watch(namespace, listener) {
      const start = records(namespace);
      let watchers = watchersOf.get(storage);
      if (!watchers) watchersOf.set(storage, (watchers = new Set()));
      const known = new Set(keysStartingWith(start).map((storageKey) => storageKey.slice(start.length)));
      const watcher: Watcher = { start, listener, known };
      watchers.add(watcher);
      const onStorage = (event: Event) => {
        const { key, storageArea } = event as StorageEvent;
        if (storageArea !== storage) return;
        if (key === null) {
          for (const gone of known) listener(gone);
          known.clear();
        } else if (key.startsWith(start)) {
          const name = key.slice(start.length);
          if ((event as StorageEvent).newValue === null) known.delete(name);
          else known.add(name);
          listener(name);
        }
      };
      events?.addEventListener('storage', onStorage);
      return () => {
        watchers.delete(watcher);
        events?.removeEventListener('storage', onStorage);
      };
    },
  };
}

function defaultStorage(): Storage {
  let storage: Storage | undefined;
  try {
    storage = globalThis.localStorage;
  } catch (error) {
    // Sandboxed frames, some private modes and disabled site data throw on access.
    throw new PidkeepError('UNSUPPORTED', `localStorage is not available here (${describeError(error)}); pass \`storage\`, or use tauriFsStore() or fileStore()`, { cause: error });
  }
  if (!storage) throw new PidkeepError('UNSUPPORTED', 'there is no localStorage here (not a browser or webview); pass `storage`, or use fileStore() from pidkeep/node');
  return storage;
}

/** Chromium and WebKit name it QuotaExceededError; older Firefox NS_ERROR_DOM_QUOTA_REACHED (legacy codes 22, 1014). */
function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}
