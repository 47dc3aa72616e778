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
