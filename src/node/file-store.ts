import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, type Dirent, existsSync, linkSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RECORD_BYTES } from '../record.js';
import type { StoreEntry, SyncStore } from '../types.js';
import { assertName, isValidName } from '../validate.js';
import { currentPlatform } from './platform/index.js';

export interface FileStoreOptions {
  /**
   * The root directory; each namespace gets `<dir>/<namespace>/` with `records/`, `logs/`, `run/` and `quarantine/`.
   * @default the per-user data dir + `/pidkeep` (Linux `~/.local/share/pidkeep`, macOS `~/Library/Application Support/pidkeep`, Windows `%LOCALAPPDATA%\pidkeep`)
   */
  dir?: string;
}

/** The file store is synchronous underneath (small files, sync calls are several times faster); its types say so. */
export interface FileStore extends SyncStore {
  readonly dir: string;
  location(namespace: string): string;
}

let tempCounter = 0;

/** A record file younger than this that does not end in a newline is taken as being written, not as corrupt. */
const IN_PROGRESS_MS = 2000;

/** Temp files older than this were left by a writer that crashed mid-write. */
const STALE_TEMP_MS = 60_000;

/** The default root for records, logs and FIFOs. */
export function defaultDir(): string {
  return join(currentPlatform().dataDir(), 'pidkeep');
}

/**
 * One JSON file per record. `put` writes a temp file and renames it into place, so a controller killed mid-write
 * leaves the old record or the new one, never half. `create` (the hot path of every start) fills an empty file
 * prepared in the background and hard-links it to the name (exclusive); without one it opens with O_EXCL and writes
 * once, and readers take a young file without its final newline as still being written. No fsync: an OS crash
 * ends the children too, so there would be nothing left to find.
 * @example fileStore({ dir: '/var/lib/my-app' })
 */
export function fileStore(options: FileStoreOptions = {}): FileStore {
  const root = options.dir ?? defaultDir();
  const ready = new Set<string>();
  const recordsDir = (namespace: string) => join(root, namespace, 'records');
  const ensure = (namespace: string) => {
    if (ready.has(namespace)) return recordsDir(namespace);
    assertName(namespace, 'namespace');
    mkdirSync(recordsDir(namespace), { recursive: true, mode: 0o700 });
    // Records name commands and paths: only their owner may read them, whatever the umask or an older dir said.
    chmodSync(join(root, namespace), 0o700);
    chmodSync(recordsDir(namespace), 0o700);
    ready.add(namespace);
    return recordsDir(namespace);
  };
  const fileOf = (namespace: string, key: string) => {
    assertName(key);
    return join(ensure(namespace), `${key}.json`);
  };
  // Empty files made off the hot path (asynchronously, after each create), one per namespace, for the next create.
  const spares = new Map<string, string[]>();
  const refilling = new Set<string>();
  const refill = (namespace: string) => {
    if (refilling.has(namespace) || (spares.get(namespace)?.length ?? 0) > 0) return;
    refilling.add(namespace);
    const spare = join(ensure(namespace), `.spare.${process.pid}.${(tempCounter = (tempCounter + 1) % 1e9)}.tmp`);
    void open(spare, 'wx', 0o600)
      .then((handle) => handle.close())
      .then(() => {
        const list = spares.get(namespace) ?? [];
        list.push(spare);
        spares.set(namespace, list);
      })
      .catch(() => undefined)
      .finally(() => refilling.delete(namespace));
  };

  const writeTemp = (namespace: string, key: string, text: string) => {
    // Unique per process and write; `wx` makes a collision with another writer an error, never a shared file.
    const temp = join(ensure(namespace), `.${key}.${process.pid}.${(tempCounter = (tempCounter + 1) % 1e9)}.tmp`);
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    return temp;
  };

  const moveToQuarantine = (namespace: string, key: string, from: string, reason: string) => {
    const dir = join(root, namespace, 'quarantine');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The key came from a directory listing, so it holds no path separator even when it is not a valid name.
    const safe = key.replace(/[^A-Za-z0-9._-]/g, '_');
    const target = join(dir, `${safe}.${Date.now()}.${randomBytes(3).toString('hex')}`);
    try {
      renameSync(from, `${target}.json`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    writeFileSync(`${target}.reason.txt`, `${reason}\n`, { mode: 0o600 });
  };

  return {
    name: 'file',
    dir: root,
    location: (namespace) => join(root, namespace),

    list(namespace) {
      let names: Dirent[];
      try {
        names = readdirSync(recordsDir(namespace), { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: StoreEntry[] = [];
      for (const dirent of names) {
        const name = dirent.name;
        if (name.endsWith('.tmp')) {
          removeIfStale(join(recordsDir(namespace), name));
          continue;
        }
        if (!name.endsWith('.json')) continue;
        const key = name.slice(0, -'.json'.length);
        if (!isValidName(key)) {
          entries.push({ key, error: 'the file name is not a valid record name' });
          continue;
        }
        if (!dirent.isFile()) {
          entries.push({ key, error: dirent.isSymbolicLink() ? 'the record is a symbolic link' : 'the record is not a regular file' });
          continue;
        }
        const read = readRecord(join(recordsDir(namespace), name));
        if (read !== undefined) entries.push({ key, ...read });
      }
      return entries;
    },

    get(namespace, key) {
      const file = fileOf(namespace, key);
      // existsSync first: a missing record is the usual case at start, and a thrown ENOENT is costly.
      return existsSync(file) ? readRecord(file)?.text : undefined;
    },

    create(namespace, key, text) {
      const file = fileOf(namespace, key);
      const spare = spares.get(namespace)?.pop();
      refill(namespace);
      if (spare !== undefined) {
        // Creating an inode right after a spawn costs up to a millisecond on these disks; filling a file made
        // ahead of time and linking it into place costs a tenth of that. link(2) fails when the name exists:
        // of two controllers creating at once, exactly one wins, and readers never see a half-written record.
        try {
          writeWhole(spare, text, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
          try {
            linkSync(spare, file);
            return true;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
            throw error;
          } finally {
            unlinkIfThere(spare);
          }
        } catch (error) {
          // The spare vanished (another controller cleaned stale temp files): create the record directly.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      // Direct: O_EXCL decides the winner; one write() of a small record. Readers skip a young file that is
      // still incomplete (no final newline), and a controller killed mid-write leaves at most an empty file.
      try {
        writeWhole(file, text, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
      return true;
    },

    put(namespace, key, text) {
      const file = fileOf(namespace, key);
      renameSync(writeTemp(namespace, key, text), file);
    },

    remove(namespace, key, expected) {
      const file = fileOf(namespace, key);
      if (expected === undefined) return unlinkIfThere(file);
      // Compare-and-remove without a window in which another controller's new record could be deleted: move the
      // file aside first (atomic), compare what was moved, and put it back if it was not the expected one.
      const aside = join(ensure(namespace), `.${key}.${process.pid}.${(tempCounter = (tempCounter + 1) % 1e9)}.removing.tmp`);
      try {
        renameSync(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      const moved = readRecord(aside, true)?.text;
      if (moved !== expected) {
        try {
          linkSync(aside, file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          // A third writer took the name in that instant: keep ours aside (quarantined, so sweeps spare its process).
          moveToQuarantine(namespace, key, aside, 'displaced by a concurrent write of the same name');
          return;
        }
      }
      unlinkIfThere(aside);
    },

    quarantine(namespace, key, reason) {
      moveToQuarantine(namespace, key, join(recordsDir(namespace), `${key}.json`), reason);
    },

    listQuarantined(namespace) {
      const dir = join(root, namespace, 'quarantine');
      let names: Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch {
        return [];
      }
      const texts: string[] = [];
      for (const dirent of names) {
        if (!dirent.isFile() || !dirent.name.endsWith('.json')) continue;
        const read = readRecord(join(dir, dirent.name));
        if (read?.text !== undefined) texts.push(read.text);
      }
      return texts;
    },
  };
}

// Records are read into one reusable buffer: reconciling reads a thousand of them in a row.
const readBuffer = Buffer.allocUnsafe(MAX_RECORD_BYTES + 1);

/**
 * Reads a record file without trusting it: no symlinks (O_NOFOLLOW), no blocking on a FIFO planted in its place
 * (O_NONBLOCK), nothing over the size limit.
 */
function readRecord(file: string, complete = false): { text?: string; error?: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { error: code === 'ELOOP' ? 'the record is a symbolic link' : `cannot open the record (${code})` };
  }
  try {
    let length = 0;
    for (;;) {
      const want = readBuffer.length - length;
      const n = readSync(fd, readBuffer, length, want, null);
      length += n;
      // A regular file reads short only at its end, so one read() is the usual case.
      if (n < want || n === 0) break;
    }
    if (length > MAX_RECORD_BYTES) return { error: `the record is over the ${MAX_RECORD_BYTES}-byte limit` };
    // Every record ends with a newline. Without one, a young file is still being written by `create`: not there yet.
    if (!complete && (length === 0 || readBuffer[length - 1] !== 0x0a) && Date.now() - fstatSync(fd).mtimeMs < IN_PROGRESS_MS) return undefined;
    return { text: readBuffer.toString('utf8', 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'EISDIR' ? 'the record is not a regular file' : `cannot read the record (${code})` };
  } finally {
    closeSync(fd);
  }
}

/** Opens with `flags`, writes all of `text` (one write() for a small record), closes. */
function writeWhole(file: string, text: string, flags: number) {
  const fd = openSync(file, flags, 0o600);
  try {
    const bytes = Buffer.byteLength(text);
    let written = writeSync(fd, text);
    if (written < bytes) {
      const rest = Buffer.from(text);
      while (written < bytes) written += writeSync(fd, rest, written);
    }
  } catch (error) {
    if (flags & constants.O_CREAT) unlinkIfThere(file);
    throw error;
  } finally {
    closeSync(fd);
  }
}

function unlinkIfThere(file: string) {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function removeIfStale(temp: string) {
  try {
    if (Date.now() - statSync(temp).mtimeMs > STALE_TEMP_MS) unlinkSync(temp);
  } catch {
    // another controller removed it first
  }
}
