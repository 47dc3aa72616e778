import { createMutex } from './mutex.js';
import { randomHex, stableId } from './record.js';
import type { QuarantinedEntry, Store, StoreEntry } from './types.js';

export interface MemoryStore extends Store {
  listQuarantined(namespace: string): QuarantinedEntry[];
}

/**
 * Records in memory: shared by managers that share this object, gone with the process.
 * For tests and for processes that need no recovery. Its lock is an in-process queue: every manager sharing the
 * object is in this process.
 */
export function memoryStore(): MemoryStore {
  // Maps, not objects: keys such as `__proto__` are ordinary keys here.
  const spaces = new Map<string, Map<string, string>>();
  const aside = new Map<string, QuarantinedEntry[]>();
  const locks = new Map<string, () => Promise<() => void>>();
  /** Managers open per namespace (all in this process, like the store itself). */
  const open = new Map<string, number>();
  // Each memory store is a store of its own: its children's markers never match another one's sweep.
  const self = randomHex(8);
  const space = (namespace: string) => {
    let map = spaces.get(namespace);
    if (!map) spaces.set(namespace, (map = new Map()));
    return map;
  };
  return {
    name: 'memory',
    id: (namespace) => stableId('memory', self, namespace),
    lock(namespace) {
      let take = locks.get(namespace);
      if (!take) locks.set(namespace, (take = createMutex()));
      return take();
    },
    list: (namespace) => [...space(namespace)].map(([key, text]): StoreEntry => ({ key, text })),
    get: (namespace, key) => space(namespace).get(key),
    put(namespace, key, text) {
      space(namespace).set(key, text);
    },
    remove(namespace, key) {
      space(namespace).delete(key);
    },
    quarantine(namespace, key, reason) {
      const map = space(namespace);
      const text = map.get(key);
      if (text === undefined) return;
      map.delete(key);
      const list = aside.get(namespace) ?? [];
      list.push({ key, text, reason });
      aside.set(namespace, list);
    },
    listQuarantined: (namespace) => [...(aside.get(namespace) ?? [])],
    dropQuarantined(namespace, key) {
      aside.set(namespace, (aside.get(namespace) ?? []).filter((entry) => entry.key !== key));
    },
    join(namespace) {
      const count = open.get(namespace) ?? 0;
      open.set(namespace, count + 1);
      let left = false;
      return {
        alone: count === 0,
        leave() {
          if (left) return;
          left = true;
          open.set(namespace, (open.get(namespace) ?? 1) - 1);
        },
      };
    },
  };
}
