/**
 * A Web Storage object for Node, which has no localStorage: follows the spec's Storage interface (getItem returns
 * null for a missing key, setItem stores strings, key(i) and length, removeItem, clear) and, with `quota`, throws a
 * DOMException named QuotaExceededError when a write would take the total over it. Sizes are counted as Chromium
 * does: (key length + value length) in UTF-16 code units, times 2 bytes. No named-property access
 * (`storage.foo`), which pidkeep never uses.
 */
export function memoryStorage(options: { quota?: number } = {}): Storage {
  const items = new Map<string, string>();
  const quota = options.quota ?? Infinity;
  let used = 0;
  const size = (key: string, value: string) => (key.length + value.length) * 2;
  const storage = {
    get length() {
      return items.size;
    },
    key(index: number): string | null {
      return [...items.keys()][index] ?? null;
    },
    getItem(key: string): string | null {
      return items.get(String(key)) ?? null;
    },
    setItem(key: string, value: string): void {
      key = String(key);
      value = String(value);
      const old = items.get(key);
      const next = used - (old === undefined ? 0 : size(key, old)) + size(key, value);
      if (next > quota) throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
      items.set(key, value);
      used = next;
    },
    removeItem(key: string): void {
      key = String(key);
      const old = items.get(key);
      if (old === undefined) return;
      items.delete(key);
      used -= size(key, old);
    },
    clear(): void {
      items.clear();
      used = 0;
    },
  };
  return storage as Storage;
}
