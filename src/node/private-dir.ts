// The folders pidkeep makes and writes into (a namespace, records/, quarantine/, logs/, run/): each must be a real
// folder of this user, never a symbolic link; and what was opened in them must be what is there. Node has no openat(), so a path is checked component by component
// (O_NOFOLLOW | O_DIRECTORY on each folder pidkeep made), and what was then opened inside it is compared with what
// was checked. Out of scope: a process of the same user that swaps a checked folder for a link and back between
// the check and the comparison; it can write the user's files anyway.
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { PidkeepError } from '../errors.js';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;

/** Where a checked folder is: compared later, so a folder swapped since is noticed. */
export interface FolderId {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** Makes `dir` if needed and makes it private; refuses a symbolic link or a folder of another user. */
export function privateDir(dir: string): FolderId {
  let fd: number;
  for (let made = false; ; made = true) {
    try {
      // O_NOFOLLOW: a link planted in place of a folder is refused, never followed, never chmodded through.
      fd = openSync(dir, constants.O_RDONLY | DIRECTORY | NOFOLLOW);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR') throw linkRefused(dir, error);
      // Opened first, made only when missing: a start checks its folders every time, and the usual case is cheap.
      if (code !== 'ENOENT' || made) throw error;
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (mkdirError) {
        if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
      }
    }
  }
  try {
    const stat = fstatSync(fd);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new PidkeepError('STORE_FAILED', `${dir} belongs to another user; use a folder of your own`);
    }
    // Records and logs name commands and paths: only their owner may read them, whatever the umask said. A store
    // on a read-only file system cannot be changed, nor written by anyone: it is read as it is.
    if (process.platform !== 'win32' && (stat.mode & 0o777) !== 0o700) {
      try {
        fchmodSync(fd, 0o700);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EROFS') throw error;
      }
    }
    return { path: dir, dev: stat.dev, ino: stat.ino };
  } finally {
    closeSync(fd);
  }
}

/** Throws when the folder at `folder.path` is no longer the one checked (a link or another folder put there since). */
export function assertSameDir(folder: FolderId): void {
  let same = false;
  try {
    const now = lstatSync(folder.path);
    same = now.isDirectory() && now.dev === folder.dev && now.ino === folder.ino;
  } catch {
    // gone: not the folder that was checked either
  }
  if (!same) throw linkRefused(folder.path);
}

function linkRefused(dir: string, cause?: unknown): PidkeepError {
  return new PidkeepError('STORE_FAILED', `${dir} is a symbolic link or not a folder; pidkeep never writes through a link: remove it (pidkeep makes the folder again), or point the store's dir at the real folder`, cause === undefined ? undefined : { cause });
}

/** Whether the open descriptor `fd` is the file now at `path` (device and inode; a link there is not). */
export function sameFile(fd: number, path: string): boolean {
  try {
    const [open, now] = [fstatSync(fd), lstatSync(path)];
    return open.ino === now.ino && open.dev === now.dev;
  } catch {
    return false;
  }
}

/** A write refused for good: a read-only file system, or a folder this user may not write. */
export function cannotWrite(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}
