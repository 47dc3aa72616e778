// Which children the shell plugin of *this app run* holds. The plugin's map lives in the app process: it survives a
// page reload, not an app restart, and no command asks it. sessionStorage has the same lifetime for one window
// (kept across reloads, new in a new webview), so it carries the list; a BroadcastChannel shares it with sibling
// windows that are open. Membership only says "if this pid is still the process we started, the plugin can reach
// it": identity is proven separately before anything is sent.

export interface HeldEntry {
  pid: number;
  id: string;
}

export interface HeldChildren {
  /** This window's app run, for identities recorded without `ps`; new in a new webview. */
  readonly runId: string;
  has(pid: number): boolean;
  pidOf(id: string): number | undefined;
  add(entry: HeldEntry): void;
  remove(pid: number): void;
  close(): void;
}

const KEY = 'pidkeep:tauri:held';
const RUN_KEY = 'pidkeep:tauri:run';

export function heldChildren(session: Storage | null, channelName = 'pidkeep-tauri'): HeldChildren {
  const entries = new Map<number, string>();
  const read = (key: string) => {
    try {
      return session?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  try {
    const saved: unknown = JSON.parse(read(KEY) ?? '[]');
    if (Array.isArray(saved)) for (const e of saved) if (Number.isSafeInteger(e?.pid) && typeof e?.id === 'string') entries.set(e.pid, e.id);
  } catch {
    // unreadable: start empty, which only means "not held" (the safe side)
  }
  let runId = read(RUN_KEY);
  if (!runId) {
    runId = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      session?.setItem(RUN_KEY, runId);
    } catch {
      // without sessionStorage a reload counts as a restart: the safe side again
    }
  }
  const save = () => {
    try {
      session?.setItem(KEY, JSON.stringify([...entries].map(([pid, id]) => ({ pid, id }))));
    } catch {
      // see above
    }
  };
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName) : undefined;
  // In Node (tests, tools) an open channel would keep the process alive; browsers have no unref.
  (channel as { unref?: () => void } | undefined)?.unref?.();
  channel?.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { add?: HeldEntry; remove?: number } | null;
    if (data?.add && Number.isSafeInteger(data.add.pid) && typeof data.add.id === 'string') entries.set(data.add.pid, data.add.id);
    else if (data && Number.isSafeInteger(data.remove)) entries.delete(data.remove!);
    else return;
    save();
  });
  return {
    runId,
    has: (pid) => entries.has(pid),
    pidOf(id) {
      for (const [pid, entryId] of entries) if (entryId === id) return pid;
      return undefined;
    },
    add(entry) {
      entries.set(entry.pid, entry.id);
      save();
      channel?.postMessage({ add: entry });
    },
    remove(pid) {
      if (!entries.delete(pid)) return;
      save();
      channel?.postMessage({ remove: pid });
    },
    close: () => channel?.close(),
  };
}
