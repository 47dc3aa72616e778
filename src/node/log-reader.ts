// Reading a process's log for `pidkeep logs`. The path comes from a record file, which may be hostile, and the log
// may be far larger than memory: open it only as a regular file inside the namespace's directory, and copy it one
// bounded chunk at a time.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { PidkeepError } from '../errors.js';

/** How much of a log is held in memory at once, whatever its size. */
export const LOG_CHUNK_BYTES = 64 * 1024;

// O_NOFOLLOW: a symlink planted at the log's path is refused (ELOOP), not followed. O_NONBLOCK: a FIFO planted there
// does not hang the open; fstat then refuses it. Windows has neither flag: the lstat check below still refuses a link.
const READ = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Where a copy stopped, and whether its reader is still there (false: stop, the output was closed). */
export interface LogCopy {
  offset: number;
  reading: boolean;
}

/**
 * Copies the log at `path` from byte `from` to its current end through `write`, each chunk written before the next is
 * read. `undefined` when there is no such file. A log now shorter than `from` was truncated: it is copied from its
 * start. Throws `PERMISSION_DENIED` for a path outside `home`, a symbolic link or anything but a regular file.
 */
export async function copyLog(
  path: string,
  home: string,
  from: number,
  write: (chunk: Uint8Array) => Promise<boolean>,
  record?: string,
): Promise<LogCopy | undefined> {
  const fd = openLog(path, home, record);
  if (fd === undefined) return undefined;
  try {
    const chunk = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
    let offset = fstatSync(fd).size < from ? 0 : from;
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, offset)) > 0; ) {
      // `write` resolves once the chunk is out of our hands, so the one buffer can be read into again.
      if (!(await write(chunk.subarray(0, n)))) return { offset, reading: false };
      offset += n;
    }
    return { offset, reading: true };
  } finally {
    closeSync(fd);
  }
}

/** An open descriptor of the regular file at `path` inside `home`, `undefined` if there is none; refuses the rest. */
function openLog(path: string, home: string, record: string | undefined): number | undefined {
  const refuse = (why: string) => new PidkeepError('PERMISSION_DENIED', `not printing the log ${path}: ${why}`, { record });
  const root = resolve(home);
  const file = resolve(path);
  if (!file.startsWith(root + sep)) throw refuse(`it is outside ${home}, this namespace's directory`);
  let fd: number;
  try {
    fd = openSync(file, READ);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // ELOOP on Linux and macOS; EMLINK is how FreeBSD says O_NOFOLLOW met a link.
    if (code === 'ELOOP' || code === 'EMLINK') throw refuse(`it is a symbolic link, and logs are read only as regular files inside ${home}`);
    throw new PidkeepError('STORE_FAILED', `cannot open the log ${path} (${code ?? String(error)})`, { record, cause: error });
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw refuse('it is not a regular file');
    // O_NOFOLLOW guards the last name only: a directory on the way may be a link out of the store (logs/ -> /etc).
    // The real directory must be inside the real home, and the name in it must be the very file that was opened.
    if (!sameFileInside(realpathOr(root), file, opened)) throw refuse(`a symbolic link on its way leads outside ${home}`);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function sameFileInside(realRoot: string | undefined, file: string, opened: Stats): boolean {
  const realDir = realpathOr(dirname(file));
  if (realRoot === undefined || realDir === undefined) return false;
  if (realDir !== realRoot && !realDir.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return false;
  try {
    const found = lstatSync(join(realDir, basename(file)));
    return found.isFile() && found.dev === opened.dev && found.ino === opened.ino;
  } catch {
    return false; // gone or replaced since the open
  }
}

function realpathOr(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
