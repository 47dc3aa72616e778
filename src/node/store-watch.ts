// Telling a manager that another controller changed a record, within a bounded delay. fs.watch (inotify, FSEvents,
// ReadDirectoryChangesW) tells at once, but it is not everywhere (network file systems) and it ends with the folder
// it watches (a wiped store). So a cheap check backs it: one stat of the records folder per interval; only when the
// folder changed is it listed, and only changed files are reported.
import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../layout.js';

/** Reports the key of every record file that appears, changes or goes in `dir`, until the returned function is called; `onTick` runs at each check. */
export function watchRecords(dir: string, interval: number, listener: (key: string) => void, onTick?: () => void): () => void {
  let watcher: FSWatcher | undefined;
  let folder = '';
  /** Each record file's identity (inode and mtime) at the last look: a rename over a record changes its inode. */
  let known = new Map<string, string>();
  const tell = (key: string) => {
    try {
      listener(key);
    } catch {
      // A listener's bug must not stop the watch.
    }
  };
  const look = () => {
    const seen = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = []; // no folder (yet, or any more): every record known before has gone
    }
    for (const name of names) {
      const kind = classify(name);
      if (kind.kind !== 'record' || !kind.valid) continue;
      try {
        const stat = lstatSync(join(dir, name), { bigint: true });
        seen.set(kind.key, `${stat.ino}:${stat.mtimeNs}`);
      } catch {
        // gone since the listing: reported as gone below
      }
    }
    for (const [key, id] of seen) if (known.get(key) !== id) tell(key);
    for (const key of known.keys()) if (!seen.has(key)) tell(key);
    known = seen;
  };
  const attach = () => {
    watcher?.close();
    watcher = undefined;
    try {
      // Not persistent: watching must never keep a script from ending.
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        const kind = typeof name === 'string' ? classify(name) : undefined;
        if (kind?.kind === 'record' && kind.valid) tell(kind.key);
        else if (kind === undefined) look(); // the platform did not say which file: look at them all
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined; // the check below takes over, and attaches again when the folder is back
      });
    } catch {
      // No folder yet, or no fs.watch here: the check alone reports changes.
    }
  };
  const check = () => {
    onTick?.();
    let now: string;
    try {
      const stat = lstatSync(dir, { bigint: true });
      now = `${stat.ino}:${stat.mtimeNs}`;
    } catch {
      now = '';
    }
    if (now === folder) return;
    // A new folder (made, wiped and made again) needs a new fs.watch; any change of it is a listing.
    if (now.split(':')[0] !== folder.split(':')[0] || !watcher) attach();
    folder = now;
    look();
  };
  // The first look tells every record: one written between the manager's reconcile and this watch is then not
  // missed. It runs after this turn, so a manager is handed over first (and one closed at once pays nothing).
  const first = setImmediate(check);
  const timer = setInterval(check, interval);
  timer.unref();
  return () => {
    clearImmediate(first);
    clearInterval(timer);
    watcher?.close();
  };
}
