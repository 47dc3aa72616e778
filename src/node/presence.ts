// Which managers of a namespace are open: each holds a shared kernel lock on `<namespace>/open` while it runs (the
// kernel drops it when its process dies), and a joining manager is alone when it can take that lock exclusively.
// The file can be removed or its folder wiped under a running manager, whose lock then sits on a file no one can
// see: it moves to the file on disk at the manager's next lock or watch tick, and a manager that has to make the
// file while records exist cannot tell who was open before, and says so.
import { closeSync, constants, fstatSync, openSync, readdirSync } from 'node:fs';
import { describeError, PidkeepError } from '../errors.js';
import { classify, layout } from '../layout.js';
import type { Presence } from '../types.js';
import { tryLock, unlock } from './native-lock.js';
import { cannotWrite, sameFile } from './private-dir.js';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export interface Presences {
  /** Marks a manager open on `namespace`, with the namespace's lock held (Store.join). */
  join(namespace: string): Presence;
  /** With the namespace's lock held: moves every open manager's lock to the `open` file on disk, if it changed. */
  rejoin(namespace: string): void;
  /** Whether an open manager of `namespace` holds its lock on a file that is no longer the one on disk. */
  stale(namespace: string): boolean;
  /** Every manager that joined has left (pm.close()). */
  allLeft(): boolean;
}

export function presences(root: string, onAllLeft: () => void): Presences {
  const open = new Map<string, Set<{ fd: number }>>();
  const allLeft = () => open.size > 0 && [...open.values()].every((mine) => mine.size === 0);

  return {
    allLeft,

    join(namespace) {
      const file = layout.openFile(root, namespace);
      let fd: number | undefined;
      try {
        // Made here, or there already: a manager that finds no `open` beside existing records cannot know who was
        // open before it was removed (or the folder wiped): see below.
        let made = true;
        try {
          fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && !cannotWrite(error)) throw error;
          made = false;
          try {
            fd = openSync(file, constants.O_RDWR | NOFOLLOW);
          } catch (openError) {
            // Nothing else may stop a manager from working: it joins unseen and says it cannot tell who is open.
            const reason = cannotJoin(file, openError);
            if (!reason) throw openError;
            return unseen(file, reason);
          }
        }
        // An exclusive lock is free only when no other manager holds a shared one. Joins run under the namespace's
        // lock, so none slips in between the test and taking the shared lock (unlock, then lock: Windows has no
        // conversion).
        const free = tryLock(fd);
        if (free) unlock(fd);
        if (!tryLock(fd, true)) throw new Error(`${file} is locked exclusively outside pidkeep's protocol`);
        // A manager still open holds its lock on the file that was removed, where no one can see it (it moves to
        // the new file at its next lock or watch tick). Records prove someone was here: "alone" cannot be told.
        const unknown = free && made && hasRecords(layout.recordsDir(root, namespace));
        const presence = { fd };
        let mine = open.get(namespace);
        if (!mine) open.set(namespace, (mine = new Set()));
        mine.add(presence);
        let left = false;
        return {
          alone: unknown ? undefined : free,
          ...(unknown ? { reason: `${file} was missing while records of this namespace exist (removed, or the folder wiped and made again?), so a manager open since before cannot be seen` } : {}),
          leave() {
            if (left) return;
            left = true;
            mine.delete(presence);
            closeSync(presence.fd); // closing the last descriptor of the file releases its lock
            if (allLeft()) onAllLeft();
          },
        };
      } catch (error) {
        if (fd !== undefined) closeSync(fd);
        throw new PidkeepError('STORE_FAILED', `could not mark this manager open in ${file} (${describeError(error)}); check that the folder is yours and writable`, { cause: error });
      }
    },

    rejoin(namespace) {
      const mine = open.get(namespace);
      if (!mine || mine.size === 0) return;
      const file = layout.openFile(root, namespace);
      for (const presence of mine) {
        if (sameFile(presence.fd, file)) continue;
        let fd: number | undefined;
        try {
          fd = openSync(file, constants.O_RDWR | constants.O_CREAT | NOFOLLOW, 0o600);
          if (!tryLock(fd, true)) throw new Error('locked exclusively');
        } catch {
          if (fd !== undefined) closeSync(fd);
          continue; // tried again at the next lock
        }
        closeSync(presence.fd);
        presence.fd = fd;
      }
    },

    stale(namespace) {
      const mine = open.get(namespace);
      const file = layout.openFile(root, namespace);
      return mine !== undefined && [...mine].some((presence) => !sameFile(presence.fd, file));
    },
  };
}

/**
 * A manager that cannot take its lock on `open` the usual way: a shared lock through a read-only descriptor where
 * the file can be read (others still see it), and `alone: undefined` with the reason either way.
 */
function unseen(file: string, reason: string): Presence {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile() || !tryLock(fd, true)) throw new Error('not a lockable file');
  } catch {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  }
  let left = false;
  return {
    alone: undefined,
    reason,
    leave() {
      if (left) return;
      left = true;
      if (fd !== undefined) closeSync(fd);
    },
  };
}

/**
 * Why a manager cannot hold its shared lock on `open` (undefined when the failure is of another kind): a folder or
 * link planted in its place, or a store it may not write.
 */
function cannotJoin(file: string, error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO') return `${file} is a symbolic link, a folder or a pipe, not pidkeep's file: remove it (the next manager makes it again)`;
  if (cannotWrite(error)) return `${file} cannot be written (${describeError(error)}): the store is read-only here, so this manager cannot know whether another one is open`;
  return undefined;
}

/** Whether `dir` holds a record file (of any run): evidence that managers have been open on this namespace. */
function hasRecords(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => classify(name).kind === 'record');
  } catch {
    return false;
  }
}
