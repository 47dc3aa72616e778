/**
 * An in-process queue: one holder at a time, in arrival order. Kernel and browser locks exclude other processes
 * and windows; this excludes the other async operations of the same controller, which share one lock handle.
 */
export function createMutex(): () => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const turn = tail.then(() => once(release));
    tail = tail.then(() => held);
    return turn;
  };
}

/** A release function that is safe to call twice (a `finally` after an explicit release). */
export function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}

/**
 * A short stable id for a store location and namespace (FNV-1a, 64 bits, as 16 hex digits). It goes into every
 * child's marker so a sweep acts only on its own store's processes; it is not a secret and needs no crypto.
 */
export function stableId(...parts: string[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const char of new TextEncoder().encode(parts.join('\0'))) {
    hash ^= BigInt(char);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
