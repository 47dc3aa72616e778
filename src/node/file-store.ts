import { closeSync, constants, type Dirent, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tryLock, unlock } from './native-lock.js';
import { describeError, PidkeepError } from '../errors.js';
import { classify, layout, quarantinedKey } from '../layout.js';
import { createMutex } from '../mutex.js';
import { MAX_RECORD_BYTES, randomHex, stableId } from '../record.js';
import type { QuarantinedEntry, StoreEntry, SyncStore } from '../types.js';
import { assertKey, assertName } from '../validate.js';
import { currentPlatform, pidExists } from './platform/index.js';
import { presences } from './presence.js';
import { cannotWrite, privateDir, sameFile } from './private-dir.js';
import { watchRecords } from './store-watch.js';

export interface FileStoreOptions {
  /**
   * The root directory; each namespace gets `<dir>/<namespace>/` with `lock`, `open`, `records/`, `logs/`, `run/` and
   * `quarantine/`. The root may be reached through a symbolic link; the folders pidkeep makes inside it may not.
   * @default the per-user data dir + `/pidkeep` (Linux `~/.local/share/pidkeep`, macOS `~/Library/Application Support/pidkeep`, Windows `%LOCALAPPDATA%\pidkeep`)
   */
  dir?: string;
  /** How long to wait for another controller to release the namespace's lock before failing with `STORE_LOCKED`, in ms. @default 10000 */
  lockTimeout?: number;
  /**
   * How often a manager checks the records folder for records other controllers wrote, in ms: the bound on how late
   * `pm.list()` sees them where fs.watch cannot tell at once (network file systems, a wiped and remade folder).
   * @default 1000
   */
  watchInterval?: number;
  /**
   * Whether managers follow the records other controllers write. `false` for a short-lived controller that never
   * looks twice (a CLI command): no fs.watch and no timer are set up. @default true
   */
  watch?: boolean;
}

/** The file store's reads and writes are synchronous underneath (small files); its types say so. */
export interface FileStore extends SyncStore {
  readonly dir: string;
  location(namespace: string): string;
}

/** The default root for records, logs and FIFOs. */
export function defaultDir(): string {
  return join(currentPlatform().dataDir(), 'pidkeep');
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * One JSON file per record (readable with `cat`), and one kernel lock per namespace: every change is made while
 * holding an exclusive lock on `<dir>/<namespace>/lock` (flock / OFD lock / LockFileEx through
 * fs-native-extensions), which the kernel releases the instant its holder dies, so there is never a stale lock to
 * guess about. Writes go to a temp file renamed over the record, so a reader sees the old record or the new one,
 * never half; nothing needs hard links (vfat and exFAT work). A namespace folder that disappears is made again at
 * the next lock. No fsync: an OS crash ends the children too, so there would be nothing left to find.
 * @example fileStore({ dir: '/var/lib/my-app' })
 */
export function fileStore(options: FileStoreOptions = {}): FileStore {
  const root = options.dir ?? defaultDir();
  const lockTimeout = options.lockTimeout ?? 10_000;
  if (!Number.isInteger(lockTimeout) || lockTimeout < 0) throw new TypeError(`[pidkeep] Expected the fileStore \`lockTimeout\` to be a non-negative integer of ms, got ${String(lockTimeout)}`);
  const watchInterval = options.watchInterval ?? 1000;
  if (!Number.isInteger(watchInterval) || watchInterval < 10) throw new TypeError(`[pidkeep] Expected the fileStore \`watchInterval\` to be an integer of at least 10 ms, got ${String(watchInterval)}`);
  const ready = new Set<string>();
  const recordsDir = (namespace: string) => layout.recordsDir(root, namespace);
  const fileOf = (namespace: string, key: string) => {
    assertKey(key);
    return join(ensure(namespace), layout.recordFile(key));
  };

  /** Makes the namespace's folders, refusing any that is a symbolic link or not ours (nothing is chmodded through a link). */
  const ensure = (namespace: string) => {
    const records = recordsDir(namespace);
    if (ready.has(namespace)) return records;
    assertName(namespace, 'namespace');
    mkdirSync(root, { recursive: true, mode: 0o700 });
    for (const dir of [layout.namespaceDir(root, namespace), records]) privateDir(dir);
    ready.add(namespace);
    return records;
  };

  const ids = new Map<string, string>();
  const tidied = new Set<string>();
  /** Namespaces whose lock this store holds right now. */
  const holding = new Set<string>();
  /** Lock files this store could open only for reading (a read-only store). */
  const readOnlyFds = new Set<number>();
  const openLockFile = (file: string) => {
    try {
      return openSync(file, constants.O_RDWR | constants.O_CREAT | NOFOLLOW, 0o600);
    } catch (error) {
      if (!cannotWrite(error)) throw error;
      let fd: number;
      try {
        fd = openSync(file, constants.O_RDONLY | NOFOLLOW);
      } catch (readError) {
        if ((readError as NodeJS.ErrnoException).code !== 'ENOENT') throw readError;
        throw new PidkeepError('STORE_FAILED', `${file} does not exist and cannot be made (${describeError(error)}): a read-only store that was never locked cannot be read safely; make the folder writable once, or point fileStore({ dir }) at a writable one`, { cause: error });
      }
      readOnlyFds.add(fd);
      return fd;
    }
  };
  // One open lock file per namespace; the mutex lines up this controller's own operations, the kernel lock the
  // other controllers'.
  const locks = new Map<string, { fd: number | undefined; take: () => Promise<() => void> }>();

  /** Takes the kernel lock on the namespace's lock file, as it is on disk now (a wiped folder gets a new one). */
  const lockFile = async (namespace: string, slot: { fd: number | undefined }): Promise<() => void> => {
    const deadline = Date.now() + lockTimeout;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      if (slot.fd === undefined) {
        ensure(namespace);
        slot.fd = openLockFile(layout.lockFile(root, namespace));
      }
      const fd = slot.fd;
      // A store that cannot be written (a read-only mount) is locked shared, the most a read-only descriptor can
      // take: it still excludes every controller that writes (they lock exclusively), so a record cannot change
      // while it is read or while a process it names is stopped; nothing is written under it.
      if (tryLock(fd, readOnlyFds.has(fd))) {
        // The lock is only worth something on the file everybody else opens: if the folder was removed (or the
        // file replaced) since we opened it, drop this one and lock the new file.
        if (sameFile(fd, layout.lockFile(root, namespace))) return () => unlock(fd);
        unlock(fd);
        readOnlyFds.delete(fd);
        closeSync(fd);
        slot.fd = undefined;
        ready.delete(namespace);
        tidied.delete(namespace);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new PidkeepError('STORE_LOCKED', `another controller has held the lock on ${layout.lockFile(root, namespace)} for over ${lockTimeout} ms; if it hangs, end it (the lock is released when its process ends), or raise fileStore({ lockTimeout })`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  const open = presences(root, () => {
    // Every manager that joined through this store has left (pm.close()): it leaves no spare file behind.
    for (const spare of spares.values()) unlinkIfThere(spare, true);
    spares.clear();
  });

  // Empty files made off the hot path (after each put), one per namespace: filling an existing file and renaming
  // it costs a tenth of creating an inode right after a spawn on these disks.
  const spares = new Map<string, string>();
  const refilling = new Set<string>();
  const refill = (namespace: string) => {
    if (refilling.has(namespace) || spares.has(namespace)) return;
    refilling.add(namespace);
    const spare = join(recordsDir(namespace), layout.tempFile(SPARE, `${process.pid}.${randomHex(4)}`));
    // node:fs/promises is loaded on first use (~1 ms of a CLI command that writes nothing).
    void process.getBuiltinModule('node:fs/promises').open(spare, 'wx', 0o600)
      .then((handle) => handle.close())
      .then(() => (open.allLeft() ? unlinkIfThere(spare, true) : void spares.set(namespace, spare)))
      .catch(() => undefined)
      .finally(() => refilling.delete(namespace));
  };

  const writeTemp = (namespace: string, key: string, text: string) => {
    const spare = spares.get(namespace);
    spares.delete(namespace);
    if (spare !== undefined) {
      try {
        // No O_TRUNC: a spare is always empty, and truncating makes ext4 flush the file's data at close.
        writeWhole(spare, text, constants.O_WRONLY | NOFOLLOW);
        return spare;
      } catch (error) {
        // Removed meanwhile (a locked tidy-up of temp files, or the folder was wiped): write a new temp file.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const temp = join(ensure(namespace), layout.tempFile(key, `${process.pid}.${randomHex(4)}`));
    writeWhole(temp, text, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW);
    return temp;
  };

  const store: FileStore = {
    name: 'file',
    dir: root,
    location: (namespace) => layout.namespaceDir(root, namespace),

    id(namespace) {
      let id = ids.get(namespace);
      if (id === undefined) {
        ensure(namespace);
        // The canonical location, not a random id kept inside: a wiped and remade store keeps its id, so a
        // sweep after a wipe still finds the processes started before it.
        id = stableId('file', realpathSync(root), namespace);
        ids.set(namespace, id);
      }
      return id;
    },

    async lock(namespace) {
      assertName(namespace, 'namespace');
      let slot = locks.get(namespace);
      if (!slot) locks.set(namespace, (slot = { fd: undefined, take: createMutex() }));
      const releaseTurn = await slot.take();
      try {
        const releaseFile = await lockFile(namespace, slot);
        open.rejoin(namespace);
        // While we hold the lock no writer is between writing a temp file and renaming it: a temp file left is a
        // dead writer's. Once per controller (and after a heal) is enough. A listing under this lock does it on
        // the way (a reconcile lists anyway); otherwise it is done at the release.
        holding.add(namespace);
        return () => {
          holding.delete(namespace);
          if (!tidied.has(namespace)) {
            tidy(recordsDir(namespace));
            tidied.add(namespace);
          }
          releaseFile();
          releaseTurn();
        };
      } catch (error) {
        releaseTurn();
        if (error instanceof PidkeepError) throw error;
        throw new PidkeepError('STORE_FAILED', `could not lock ${layout.lockFile(root, namespace)} (${describeError(error)}); check that the folder is yours and writable`, { cause: error });
      }
    },

    join(namespace) {
      assertName(namespace, 'namespace');
      ensure(namespace);
      return open.join(namespace);
    },

    list(namespace) {
      assertName(namespace, 'namespace');
      const dir = recordsDir(namespace);
      let names: Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: StoreEntry[] = [];
      const tidying = holding.has(namespace) && !tidied.has(namespace);
      for (const dirent of names) {
        const kind = classify(dirent.name);
        if (tidying && kind.kind === 'temp' && deadTemp(dirent.name)) unlinkIfThere(join(dir, dirent.name), true);
        if (kind.kind !== 'record') continue;
        const { key } = kind;
        if (!kind.valid) entries.push({ key, error: 'the file name is not a valid record name' });
        else if (!dirent.isFile()) entries.push({ key, error: dirent.isSymbolicLink() ? 'the record is a symbolic link' : 'the record is not a regular file' });
        else {
          const read = readRecord(join(dir, dirent.name), true);
          if (read !== undefined) entries.push({ key, ...read });
        }
      }
      if (tidying) tidied.add(namespace);
      return entries;
    },

    ...(options.watch === false
      ? {}
      : {
          watch(namespace: string, listener: (key: string) => void) {
            assertName(namespace, 'namespace');
            // Each tick also checks that the open managers still hold their lock on the `open` file on disk.
            return watchRecords(recordsDir(namespace), watchInterval, listener, () => {
              // Outside any lock: the lock is taken (which moves the presences) only when one has lost its file.
              if (open.stale(namespace)) void store.lock(namespace).then((release) => release(), () => undefined);
            });
          },
        }),

    get(namespace, key) {
      assertName(namespace, 'namespace');
      assertKey(key);
      // No ensure(): a read makes no folders. A missing record is the usual case at start, and a failed open costs
      // more (Node builds an error) than asking first.
      const file = join(recordsDir(namespace), layout.recordFile(key));
      const read = existsSync(file) ? readRecord(file) : undefined;
      // Something that is no record holds the name: say so rather than take the name for free.
      if (read?.error !== undefined) throw new PidkeepError('STORE_FAILED', `${file}: ${read.error}; pidkeep sets such files aside when it reconciles (create a new manager, or run \`pidkeep ls\`), or remove it`);
      return read?.text;
    },

    put(namespace, key, text) {
      const file = fileOf(namespace, key);
      const temp = writeTemp(namespace, key, text);
      try {
        renameSync(temp, file);
      } catch (error) {
        unlinkIfThere(temp);
        throw error;
      }
      // The next spare is made after this turn: its thread would otherwise compete with what follows a put.
      setImmediate(() => refill(namespace));
    },

    append(namespace, key, line) {
      // Appending a line leaves the record's own bytes in place: no new inode, and none of the data flush ext4
      // performs when a file is renamed over an existing one. A reader sees the record with or without the line.
      const fd = openSync(fileOf(namespace, key), constants.O_WRONLY | constants.O_APPEND | NOFOLLOW);
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    },

    remove(namespace, key) {
      unlinkIfThere(fileOf(namespace, key));
    },

    quarantine(namespace, key, reason) {
      const dir = layout.quarantineDir(root, namespace);
      ensure(namespace);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      privateDir(dir);
      // The key may come from a directory listing: layout.quarantineBase keeps only a safe alphabet.
      const target = join(dir, layout.quarantineBase(key, `${Date.now()}.${randomHex(3)}`));
      try {
        renameSync(join(recordsDir(namespace), layout.recordFile(key)), `${target}.json`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      writeFileSync(`${target}.reason.txt`, `${reason}\n`, { mode: 0o600, flag: 'wx' });
    },

    sharedBy(namespace, pid) {
      assertName(namespace, 'namespace');
      return currentPlatform().seesSameFile?.(pid, layout.namespaceDir(root, namespace)) ?? true;
    },

    dropQuarantined(namespace, key) {
      assertName(namespace, 'namespace');
      const dir = layout.quarantineDir(root, namespace);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (!name.endsWith('.json') || quarantinedKey(name) !== key) continue;
        unlinkIfThere(join(dir, name));
        unlinkIfThere(join(dir, name.replace(/\.json$/, '.reason.txt')));
      }
    },

    listQuarantined(namespace) {
      assertName(namespace, 'namespace');
      const dir = layout.quarantineDir(root, namespace);
      let names: Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch {
        return [];
      }
      const entries: QuarantinedEntry[] = [];
      for (const dirent of names) {
        if (!dirent.name.endsWith('.json')) continue;
        // A copy that cannot be read whole is still listed, never dropped: its process must stay reachable. Of one
        // over the size limit, its first bytes (where its ids are); of a link or a FIFO set aside, nothing.
        const read = dirent.isFile() ? readRecord(join(dir, dirent.name), true, true) : undefined;
        const text = read?.text ?? '';
        const reason = readRecord(join(dir, dirent.name.replace(/\.json$/, '.reason.txt')))?.text?.trim() ?? 'no reason was kept';
        entries.push({ key: quarantinedKey(dirent.name), text, reason });
      }
      return entries;
    },
  };
  return store;
}

/** The name spares are made under: `spare.<pid>.<hex>.tmp` (`spare` is a valid record name, but never ends in `.tmp`). */
const SPARE = 'spare';

/**
 * Removes the temp files dead writers left in `dir`. Called with the lock held, when no writer is between writing a
 * temp file and renaming it. A spare belongs to a controller that may still run: it goes only when that pid is gone
 * (a reused pid keeps an empty file a while longer; it holds no record, so nothing depends on it).
 */
function tidy(dir: string) {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (classify(name).kind === 'temp' && deadTemp(name)) unlinkIfThere(join(dir, name), true);
}

/** A temp file no live writer will rename: any but a spare of a controller that still runs. */
function deadTemp(name: string): boolean {
  const spareOf = name.startsWith(`${SPARE}.`) ? Number(name.split('.')[1]) : undefined;
  return spareOf === undefined || (spareOf !== process.pid && !pidExists(spareOf));
}


// Records are read into one reusable buffer: reconciling reads a thousand of them in a row.
const readBuffer = Buffer.allocUnsafe(MAX_RECORD_BYTES + 1);

/**
 * Reads a record file without trusting it: no symlinks (O_NOFOLLOW), no blocking on a FIFO planted in its place
 * (O_NONBLOCK), nothing over the size limit. Undefined when absent; `{ error }` when the file is no record (a link,
 * not a regular file, too big: the core sets it aside; with `prefixOfLarge`, a big one's first bytes). A read that fails for another reason (EMFILE, EIO, EACCES)
 * says nothing about the record: it throws, so no decision is ever made on a record that merely could not be read.
 */
function readRecord(file: string, listedAsFile = false, prefixOfLarge = false): { text?: string; error?: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') return { error: 'the record is a symbolic link' };
    if (code === 'ENXIO') return { error: 'the record is not a regular file' };
    throw unreadable(file, error);
  }
  try {
    // A listing already said "regular file"; a FIFO swapped in since reads empty (O_NONBLOCK) and is refused.
    if (!listedAsFile && !fstatSync(fd).isFile()) return { error: 'the record is not a regular file' };
    let length = 0;
    for (;;) {
      const want = readBuffer.length - length;
      const n = readSync(fd, readBuffer, length, want, null);
      length += n;
      if (n < want || n === 0) break;
    }
    if (length > MAX_RECORD_BYTES) return prefixOfLarge ? { text: readBuffer.toString('utf8', 0, MAX_RECORD_BYTES) } : { error: `the record is over the ${MAX_RECORD_BYTES}-byte limit` };
    return { text: readBuffer.toString('utf8', 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'EAGAIN') return { error: 'the record is not a regular file' };
    throw unreadable(file, error);
  } finally {
    closeSync(fd);
  }
}

function unreadable(file: string, error: unknown): PidkeepError {
  return new PidkeepError('STORE_FAILED', `could not read ${file} (${describeError(error)}); nothing was decided on it: check the store folder, then try again`, { cause: error });
}

/** Opens with `flags`, writes all of `text` (one write() for a small record), closes. */
function writeWhole(file: string, text: string, flags: number) {
  const fd = openSync(file, flags, 0o600);
  try {
    const bytes = Buffer.from(text);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch (error) {
    if (flags & constants.O_CREAT) unlinkIfThere(file, true);
    throw error;
  } finally {
    closeSync(fd);
  }
}

function unlinkIfThere(file: string, quiet = false) {
  try {
    unlinkSync(file);
  } catch (error) {
    if (!quiet && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
