import type { Store, StoreEntry } from './types.js';

export interface MemoryStore extends Store {
  /** Values moved aside by `quarantine`, with their reasons, for inspection. */
  quarantined(namespace: string): Array<{ key: string; text: string; reason: string }>;
}

/**
 * Records in memory: shared by managers that share this object, gone with the process.
 * For tests and for processes that need no recovery.
 */
export function memoryStore(): MemoryStore {
  // Maps, not objects: keys such as `__proto__` are ordinary keys here.
  const spaces = new Map<string, Map<string, string>>();
  const aside = new Map<string, Array<{ key: string; text: string; reason: string }>>();
  const space = (namespace: string) => {
    let map = spaces.get(namespace);
    if (!map) spaces.set(namespace, (map = new Map()));
    return map;
  };
  return {
    name: 'memory',
    list: (namespace) => [...space(namespace)].map(([key, text]): StoreEntry => ({ key, text })),
    get: (namespace, key) => space(namespace).get(key),
    create(namespace, key, text) {
      const map = space(namespace);
      if (map.has(key)) return false;
      map.set(key, text);
      return true;
    },
    put(namespace, key, text) {
      space(namespace).set(key, text);
    },
    remove(namespace, key, expected) {
      const map = space(namespace);
      if (expected === undefined || map.get(key) === expected) map.delete(key);
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
    quarantined: (namespace) => [...(aside.get(namespace) ?? [])],
    listQuarantined: (namespace) => (aside.get(namespace) ?? []).map((entry) => entry.text),
  };
}
