// Which children the shell plugin of *this app run* holds. The plugin's map lives in the app process: it survives a
// page reload, not an app restart, and no command asks it. sessionStorage has the same lifetime for one window
// (kept across reloads, new in a new webview), so it carries the list; a BroadcastChannel shares it with sibling
// windows that are open. Membership only says "if this pid is still the process we started, the plugin can reach
// it": identity is proven separately before anything is sent.
import { randomHex } from '../record.js';

export interface HeldEntry {
  pid: number;
  id: string;
  /** The app's pid (the child's parent at spawn), where `ps` told it: a child with another parent was orphaned. */
  app?: number | undefined;
}

export interface HeldChildren {
  /** This window's app run, for identities recorded without `ps`; new in a new webview. */
  readonly runId: string;
  has(pid: number): boolean;
  get(pid: number): HeldEntry | undefined;
  pidOf(id: string): number | undefined;
  add(entry: HeldEntry): void;
  remove(pid: number): void;
  close(): void;
}

const KEY = 'pidkeep:tauri:held';
const RUN_KEY = 'pidkeep:tauri:run';

export function heldChildren(session: Storage | null, channelName = 'pidkeep-tauri'): HeldChildren {
  const entries = new Map<number, HeldEntry>();
  const read = (key: string) => {
    try {
      return session?.getItem(key) ?? null;
    } catch {
      return null;
    }
  };
  try {
    const saved: unknown = JSON.parse(read(KEY) ?? '[]');
    if (Array.isArray(saved)) for (const e of saved) if (isEntry(e)) entries.set(e.pid, e);
  } catch {
    // unreadable: start empty, which only means "not held" (the safe side)
  }
  let runId = read(RUN_KEY);
  if (!runId) {
    runId = randomHex(8);
    try {
      session?.setItem(RUN_KEY, runId);
    } catch {
      // without sessionStorage a reload counts as a restart: the safe side again
    }
  }
  const save = () => {
    try {
      session?.setItem(KEY, JSON.stringify([...entries.values()]));
    } catch {
      // see above
    }
  };
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName) : undefined;
  // In Node (tests, tools) an open channel would keep the process alive; browsers have no unref.
  (channel as { unref?: () => void } | undefined)?.unref?.();
  channel?.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { add?: HeldEntry; remove?: number } | null;
    if (isEntry(data?.add)) entries.set(data.add.pid, data.add);
    else if (data && Number.isSafeInteger(data.remove)) entries.delete(data.remove!);
    else return;
    save();
  });
  return {
    runId,
    has: (pid) => entries.has(pid),
    get: (pid) => entries.get(pid),
    pidOf(id) {
      for (const entry of entries.values()) if (entry.id === id) return entry.pid;
      return undefined;
    },
    add(entry) {
      entries.set(entry.pid, entry);
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

function isEntry(value: unknown): value is HeldEntry {
  const e = value as HeldEntry | null | undefined;
  return Number.isSafeInteger(e?.pid) && typeof e?.id === 'string' && (e.app === undefined || Number.isSafeInteger(e.app));
}
