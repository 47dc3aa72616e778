import { BaseDirectory, exists, mkdir, readDir, readTextFile, remove, rename, writeTextFile } from '@tauri-apps/plugin-fs';
import { PidkeepError } from '../errors.js';
import { layout, quarantinedKey } from '../layout.js';
import { randomHex, stableId } from '../record.js';
import type { QuarantinedEntry, Store, StoreEntry } from '../types.js';
import { assertKey, assertName, isValidKey } from '../validate.js';
import { webJoin, webLock } from '../web/lock.js';

/** The plugin functions the store calls; tests may replace any of them. */
export interface TauriFs {
  exists: typeof exists;
  mkdir: typeof mkdir;
  readDir: typeof readDir;
  readTextFile: typeof readTextFile;
  remove: typeof remove;
  rename: typeof rename;
  writeTextFile: typeof writeTextFile;
}

export interface TauriFsStoreOptions {
  /** The base directory `dir` is relative to. @default BaseDirectory.AppData */
  baseDir?: BaseDirectory;
  /**
   * The store's directory, relative to `baseDir`: `<dir>/<namespace>/records/<key>.json`, `quarantine/` beside it.
   * The app's capability must allow the fs plugin's `exists`, `mkdir`, `read-dir`, `read-text-file`,
   * `remove`, `rename` and `write-text-file` commands on it, e.g. scope `$APPDATA/pidkeep/**`.
   * @default 'pidkeep'
   */
  dir?: string;
  /** Replaces plugin functions (same signatures as `@tauri-apps/plugin-fs`'s exports). For tests. */
  fs?: Partial<TauriFs>;
  /** How long to wait for another window to release the namespace's lock before failing with `STORE_LOCKED`, in ms. @default 10000 */
  lockTimeout?: number;
}

export type TauriFsStore = Store;

/**
 * Records as files in the app's data directory, written at once by the app's own (Rust) process through
 * `@tauri-apps/plugin-fs`: unlike localStorage, a record is on disk when `put` resolves, so it survives the app
 * crashing right after a start. One file per record; `put` writes a temp file and renames it over the old one
 * (never half a record). Every change is made by the core holding the namespace's lock (a Web Lock, shared by the
 * app's windows: see `lock`), so no decision rests on a file's age: a temp file seen under the lock was left by a
 * writer that died, and goes at once. `remove` is a plain delete, nothing is ever moved aside. Unreadable files are
 * moved to `quarantine/` with a `.reason.txt`, never deleted. Two apps (two webviews' storage) sharing one folder
 * share no lock: give each app its own folder.
 * @example tauriFsStore({ dir: 'pidkeep' })  // $APPDATA/pidkeep/<namespace>/records/<name>.json
 */
export function tauriFsStore(options: TauriFsStoreOptions = {}): TauriFsStore {
  const baseDir = options.baseDir ?? BaseDirectory.AppData;
  const root = (options.dir ?? 'pidkeep').replace(/\/+$/, '');
  if (root.length === 0 || root.split('/').some((part) => part === '..')) {
    throw new TypeError(`[pidkeep] Expected the tauriFsStore \`dir\` to be a path inside baseDir, got ${JSON.stringify(options.dir)}`);
  }
  const fs: TauriFs = { exists, mkdir, readDir, readTextFile, remove, rename, writeTextFile, ...options.fs };
  const at = { baseDir };
  const both = { oldPathBaseDir: baseDir, newPathBaseDir: baseDir };

  const recordsDir = (namespace: string) => layout.recordsDir(root, namespace);
  const quarantineDir = (namespace: string) => layout.quarantineDir(root, namespace);
  const made = new Map<string, Promise<void>>();
  const ensure = async (dir: string) => {
    let done = made.get(dir);
    if (!done) {
      made.set(dir, (done = call(`create ${dir}`, () => fs.mkdir(dir, { ...at, recursive: true }))));
      done.catch(() => made.delete(dir));
    }
    await done;
  };
  const fileOf = (namespace: string, key: string) => {
    assertName(namespace, 'namespace');
    assertKey(key);
    return `${recordsDir(namespace)}/${layout.recordFile(key)}`;
  };
  const there = (path: string) => fs.exists(path, at).catch(() => true);
  /** Records folders seen to exist: listed straight away. */
  const seenDirs = new Set<string>();

  /** The plugin's errors are strings (the Rust side's message): made into errors that say what to do. */
  const failed = (what: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // fs:default (what `tauri add fs` inserts) denies the webview's own data on Linux, in $APPLOCALDATA, which is
    // $APPDATA there: all of $APPLOCALDATA/** before tauri-plugin-fs 2.5.2, nine of its folders and files since
    // (localstorage/**, storage/**, ...: tauri-plugin-fs 2.6.0 permissions/deny-webview-data.toml).
    const denied = /forbidden path/i.test(message) && (baseDir === BaseDirectory.AppData || baseDir === BaseDirectory.AppLocalData)
      ? `; on Linux fs:default denies the webview's data in $APPLOCALDATA (the same folder as $APPDATA there: with tauri-plugin-fs before 2.5.2 all of it, since then folders such as localstorage/ and storage/), and a deny wins over any allow: update tauri-plugin-fs, leave fs:default out, or give tauriFsStore another dir or baseDir (e.g. BaseDirectory.AppConfig)`
      : '';
    return new PidkeepError(
      'STORE_FAILED',
      `could not ${what} (${message}); the app's capability must allow the fs plugin's exists, mkdir, read-dir, read-text-file, remove, rename and write-text-file on $${BaseDirectory[baseDir]?.toUpperCase() ?? baseDir}/${root}/**${denied}`,
      { cause: error },
    );
  };
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    run().catch((error: unknown) => {
      throw failed(what, error);
    });

  /** Reads a record: undefined when absent. */
  const read = async (path: string): Promise<{ text?: string; error?: string } | undefined> => {
    try {
      return { text: await fs.readTextFile(path, at) };
    } catch (error) {
      if (!(await there(path))) return undefined;
      return { error: `cannot read the record (${String(error instanceof Error ? error.message : error)})` };
    }
  };

  const removeQuietly = (path: string) => fs.remove(path, at).catch(() => undefined);

  const moveToQuarantine = async (namespace: string, key: string, from: string, reason: string) => {
    const dir = quarantineDir(namespace);
    await ensure(dir);
    // The key may come from a directory listing (an invalid name): only a safe alphabet reaches the file name.
    const target = `${dir}/${layout.quarantineBase(key, `${Date.now()}.${randomHex(3)}`)}`;
    try {
      await fs.rename(from, `${target}.json`, both);
    } catch (error) {
      if (!(await there(from))) return;
      throw failed(`move ${from} to quarantine`, error);
    }
    await fs.writeTextFile(`${target}.reason.txt`, `${reason}\n`, at).catch(() => undefined);
  };

  // The plugin reports no changes; windows of one app share an origin, so each store announces its own writes
  // to the others (and to itself) on a BroadcastChannel: every window's manager sees what another one started.
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`pidkeep:tauri-fs:${baseDir}:${root}`) : undefined;
  (channel as { unref?: () => void } | undefined)?.unref?.(); // Node (tests): never keep the process alive
  const listeners = new Set<(namespace: string, key: string) => void>();
  const tell = (namespace: string, key: string) => {
    for (const listener of [...listeners]) listener(namespace, key);
  };
  channel?.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { namespace?: unknown; key?: unknown } | null;
    if (typeof data?.namespace === 'string' && typeof data.key === 'string') tell(data.namespace, data.key);
  });
  const changed = (namespace: string, key: string) => {
    channel?.postMessage({ namespace, key });
    queueMicrotask(() => tell(namespace, key));
  };

  const lockTimeout = options.lockTimeout ?? 10_000;
  const locks = new Map<string, () => Promise<() => void>>();
  /** Namespaces whose lock this store holds now: only then is a temp file known to be a dead writer's. */
  const holding = new Set<string>();

  return {
    name: 'tauri-fs',
    id: (namespace) => stableId('tauri-fs', String(baseDir), root, namespace),
    // A Web Lock: shared by the app's windows (one origin), released by the webview when a window dies. It does not
    // reach a second instance of the app with its own webview; issue "Real Tauri" brings the kernel lock here.
    async lock(namespace) {
      assertName(namespace, 'namespace');
      let take = locks.get(namespace);
      if (!take) locks.set(namespace, (take = webLock(`pidkeep:tauri-fs:${baseDir}:${root}:${namespace}`, lockTimeout)));
      const release = await take();
      holding.add(namespace);
      return () => {
        holding.delete(namespace);
        release();
      };
    },
    join: (namespace) => webJoin(`pidkeep:tauri-fs-open:${baseDir}:${root}:${namespace}:`),

    watch(namespace, listener) {
      assertName(namespace, 'namespace');
      const forward = (space: string, key: string) => {
        if (space !== namespace) return;
        try {
          listener(key);
        } catch {
          // a listener's bug must not break the store
        }
      };
      listeners.add(forward);
      return () => void listeners.delete(forward);
    },

    async list(namespace) {
      assertName(namespace, 'namespace');
      const dir = recordsDir(namespace);
      // A namespace never written to has no folder: asked first (until it is seen), so a fresh app's first look is
      // an answer, not a failed call its console would show.
      if (!seenDirs.has(dir)) {
        if (!(await there(dir))) return [];
        seenDirs.add(dir);
      }
      let dirents;
      try {
        dirents = await fs.readDir(dir, at);
      } catch (error) {
        seenDirs.delete(dir);
        if (!(await there(dir))) return [];
        throw failed(`list ${dir}`, error);
      }
      const entries = await Promise.all(
        dirents.map(async (dirent): Promise<StoreEntry | undefined> => {
          const { name } = dirent;
          if (name.endsWith('.tmp')) {
            // Under the lock no put is under way in this app: the file was left by a writer that died.
            if (holding.has(namespace)) await removeQuietly(`${dir}/${name}`);
            return undefined;
          }
          if (!name.endsWith('.json')) return undefined;
          const key = name.slice(0, -'.json'.length);
          if (!isValidKey(key)) return { key, error: 'the file name is not a valid record name' };
          if (dirent.isSymlink) return { key, error: 'the record is a symbolic link' };
          if (!dirent.isFile) return { key, error: 'the record is not a regular file' };
          const found = await read(`${dir}/${name}`);
          return found && { key, ...found };
        }),
      );
      return entries.filter((entry): entry is StoreEntry => entry !== undefined);
    },

    async get(namespace, key) {
      // Most gets are of a name not started yet or not any more: asked with \`exists\` first, never as a read that fails.
      const file = fileOf(namespace, key);
      if (!(await fs.exists(file, at).catch(() => true))) return undefined;
      return (await read(file))?.text;
    },

    async put(namespace, key, text) {
      const file = fileOf(namespace, key);
      await ensure(recordsDir(namespace));
      // No leading dot: Tauri's fs scope globs do not match dot files unless the app configures them to.
      const temp = `${recordsDir(namespace)}/${layout.tempFile(key, randomHex(6))}`;
      await call(`write ${temp}`, () => fs.writeTextFile(temp, text, { ...at, createNew: true }));
      try {
        await fs.rename(temp, file, both);
      } catch (error) {
        await removeQuietly(temp);
        throw failed(`replace ${file}`, error);
      }
      changed(namespace, key);
    },

    async remove(namespace, key) {
      // Called with the namespace's lock held: no compare needed, and no file is ever moved aside.
      const file = fileOf(namespace, key);
      try {
        await fs.remove(file, at);
      } catch (error) {
        if (await there(file)) throw failed(`remove ${file}`, error);
      }
      changed(namespace, key);
    },

    async quarantine(namespace, key, reason) {
      assertName(namespace, 'namespace');
      await moveToQuarantine(namespace, key, `${recordsDir(namespace)}/${key}.json`, reason);
      changed(namespace, key);
    },

    async dropQuarantined(namespace, key) {
      assertName(namespace, 'namespace');
      const dir = quarantineDir(namespace);
      const dirents = await fs.readDir(dir, at).catch(() => []);
      for (const d of dirents) {
        if (!d.name.endsWith('.json') || quarantinedKey(d.name) !== key) continue;
        await fs.remove(`${dir}/${d.name}`, at).catch((error: unknown) => {
          throw failed(`remove ${dir}/${d.name}`, error);
        });
        await removeQuietly(`${dir}/${d.name.replace(/\.json$/, '.reason.txt')}`);
      }
    },

    async listQuarantined(namespace) {
      assertName(namespace, 'namespace');
      const dir = quarantineDir(namespace);
      const dirents = await fs.readDir(dir, at).catch(() => []);
      const entries = await Promise.all(
        dirents
          .filter((d) => d.name.endsWith('.json'))
          .map(async (d): Promise<QuarantinedEntry | undefined> => {
            // A copy that cannot be read (a link, a folder, a refused read) is listed with no text, never left out:
            // pm.forget() then keeps its key, as its process cannot be proven gone.
            const text = d.isFile && !d.isSymlink ? ((await fs.readTextFile(`${dir}/${d.name}`, at).catch(() => undefined)) ?? '') : '';
            const reason = await fs.readTextFile(`${dir}/${d.name.replace(/\.json$/, '.reason.txt')}`, at).catch(() => 'no reason was kept');
            return { key: quarantinedKey(d.name), text, reason: reason.trim() };
          }),
      );
      return entries.filter((entry): entry is QuarantinedEntry => entry !== undefined);
    },
  };
}

