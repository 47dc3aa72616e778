import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TauriFs } from '../../src/tauri/fs-store.js';

/**
 * The fs plugin's functions as `tauriFsStore({ fs })` calls them, done with node:fs under `root` (every baseDir maps
 * to it) the way the plugin's Rust side does them: `createNew` is O_CREAT|O_EXCL, errors are rejected as strings
 * (`failed to open file at path: … with error: File exists (os error 17)`). For fast unit runs; the real plugin
 * runs against the tauri-host emulation in the tests that use it.
 */
export function nodeTauriFs(root: string): TauriFs {
  const at = (path: string | URL) => join(root, String(path));
  const fail = (what: string, path: string, error: unknown): never => {
    const e = error as NodeJS.ErrnoException;
    throw `${what} ${path} with error: ${e.code === 'EEXIST' ? 'File exists (os error 17)' : e.code === 'ENOENT' ? 'No such file or directory (os error 2)' : e.message}`;
  };
  const fs = {
    exists: async (path: string | URL) => lstat(at(path)).then(() => true, () => false),
    mkdir: async (path: string | URL, options?: { recursive?: boolean }) => {
      await mkdir(at(path), { recursive: options?.recursive ?? false }).catch((e) => fail('failed to create directory at path:', at(path), e));
    },
    readDir: async (path: string | URL) => {
      const dirents = await readdir(at(path), { withFileTypes: true }).catch((e) => fail('failed to read directory at path:', at(path), e));
      return Promise.all(
        dirents.map(async (d) => {
          // Like the Rust side: file type through the link, isSymlink from lstat.
          const target = await stat(join(at(path), d.name));
          return { name: d.name, isFile: target.isFile(), isDirectory: target.isDirectory(), isSymlink: d.isSymbolicLink() };
        }),
      );
    },
    readTextFile: async (path: string | URL) => readFile(at(path), 'utf8').catch((e) => fail('failed to open file at path:', at(path), e)),
    remove: async (path: string | URL) => rm(at(path)).catch((e) => fail('failed to remove path:', at(path), e)),
    rename: async (from: string | URL, to: string | URL) => rename(at(from), at(to)).catch((e) => fail('failed to rename old path:', at(from), e)),
    writeTextFile: async (path: string | URL, data: string | ReadableStream<string>, options?: { createNew?: boolean }) => {
      const handle = await open(at(path), options?.createNew ? 'wx' : 'w').catch((e) => fail('failed to open file at path:', at(path), e));
      try {
        await handle.writeFile(data as string).catch((e) => fail('failed to write bytes to file at path:', at(path), e));
      } finally {
        await handle.close();
      }
    },
  };
  return fs as unknown as TauriFs;
}
