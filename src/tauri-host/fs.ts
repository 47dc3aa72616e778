// The fs plugin's Rust side (commands.rs) for the commands pidkeep uses. Every call writes or reads the disk
// at once, as Rust does: that is what makes the fs plugin a store that survives an app crash. File handles (open,
// seek, read, write, ...) are in fs-handles.ts.
import * as fs from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileHandleCommands } from './fs-handles.js';
import { scopeVerdict } from './fs-scope.js';
import { baseDirPath, type BaseDirs } from './paths.js';
import type { ResourceTable } from './resources.js';
import { invalidArgs, ioError, stringArg } from './rust-errors.js';

type Args = Record<string, unknown>;
type Scope = { allow: unknown[]; deny: unknown[] };
/** `table`: the resource table of the calling webview (resources.ts). */
export type FsCommand = (args: Args, scope: Scope, request: { body?: Uint8Array; headers: Record<string, string>; table: ResourceTable }) => unknown;

/** The plugin's FileInfo (commands.rs `get_stat`), for `stat`, `lstat` and `fstat`. */
function fileInfo(s: fs.Stats) {
  return {
    isFile: s.isFile(), isDirectory: s.isDirectory(), isSymlink: s.isSymbolicLink(), size: s.size,
    mtime: Math.floor(s.mtimeMs), atime: Math.floor(s.atimeMs), birthtime: s.birthtimeMs ? Math.floor(s.birthtimeMs) : null,
    readonly: (s.mode & 0o222) === 0, fileAttributes: null,
    dev: s.dev, ino: s.ino, mode: s.mode, nlink: s.nlink, uid: s.uid, gid: s.gid, rdev: s.rdev, blksize: s.blksize, blocks: s.blocks,
  };
}

const TRAVERSAL = 'cannot traverse directory, rewrite the path without the use of `../`';

/** `SafeFilePath::from_str` + `into_path`: a `file:` URL or a path without `..`; the error text, else. */
function toPath(raw: string): { path: string } | { error: string } {
  try {
    const url = new URL(raw);
    // a one-letter scheme is a Windows drive, not a URL
    if (url.protocol.length !== 2) {
      if (url.protocol !== 'file:') return { error: 'URL is not a valid path' };
      return { path: fileURLToPath(url) };
    }
  } catch {
    // not a URL: a path
  }
  return raw.split(/[\\/]/).includes('..') ? { error: TRAVERSAL } : { path: raw };
}

export function createFs(dirs: BaseDirs) {
  /**
   * `resolve_path`: baseDir joined, then the scope check. A denied path is "forbidden path: ..."; a path no allow
   * pattern takes says which permission's scope to look at, as a debug build does (`tauri dev`; tauri-plugin-fs 2.6.0
   * src/commands.rs:1592-1613): the host plays the debug build's messages, as for the ACL's.
   */
  function resolve(command: string, path: string, baseDir: unknown, scope: Scope): string {
    const base = baseDir === undefined || baseDir === null ? undefined : baseDirPath(dirs, baseDir);
    const resolved = base && !isAbsolute(path) ? join(base, path) : path;
    const verdict = scopeVerdict(dirs, scope, resolved);
    if (verdict === 'denied') throw `forbidden path: ${resolved}`;
    if (verdict === 'outside') throw `forbidden path: ${resolved}, maybe it is not allowed on the scope for \`allow-${command.replace(/_/g, '-')}\` permission in your capability file`;
    return resolved;
  }

  /** A `path`-like JSON argument, deserialized as Tauri would (errors name the command and argument). */
  function arg(command: string, args: Args, name: string, baseDir: unknown, scope: Scope): string {
    const value = stringArg(command, args, name);
    const parsed = toPath(value);
    if ('error' in parsed) throw invalidArgs(command, name, parsed.error);
    return resolve(command, parsed.path, baseDir, scope);
  }

  const options = (args: Args) => (args.options ?? {}) as Record<string, unknown>;
  const attempt = <T>(run: () => T, message: (error: string) => string): T => {
    try {
      return run();
    } catch (error) {
      throw message(ioError(error));
    }
  };

  function writeFile(command: string, scope: Scope, request: { body?: Uint8Array; headers: Record<string, string> }) {
    const body = request.body;
    if (!body) throw 'unexpected invoke body';
    const header = request.headers.path;
    if (header === undefined) throw 'missing file path';
    let decoded: string;
    try {
      decoded = decodeURIComponent(header);
    } catch {
      throw 'path is not a valid UTF-8';
    }
    const parsed = toPath(decoded);
    if ('error' in parsed) throw parsed.error === TRAVERSAL ? `Unsafe PathBuf: ${TRAVERSAL}` : parsed.error;
    let opts: Record<string, unknown> | undefined;
    try {
      opts = JSON.parse(request.headers.options ?? '') as Record<string, unknown>;
    } catch {
      opts = undefined; // Rust ignores an options header it cannot parse
    }
    const path = resolve(command, parsed.path, opts?.baseDir, scope);
    const append = opts?.append === true;
    const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_TRUNC } = fs.constants;
    const flags = O_WRONLY | (opts?.create === false ? 0 : O_CREAT) | (opts?.createNew === true ? O_CREAT | O_EXCL : 0) | (append ? O_APPEND : O_TRUNC);
    const fd = attempt(() => fs.openSync(path, flags, typeof opts?.mode === 'number' ? opts.mode : 0o666), (e) => `failed to open file at path: ${path} with error: ${e}`);
    try {
      attempt(() => fs.writeSync(fd, body), (e) => `failed to write bytes to file at path: ${path} with error: ${e}`);
    } finally {
      fs.closeSync(fd);
    }
    return null;
  }

  function readBytes(command: string) {
    return (args: Args, scope: Scope) => {
      const path = arg(command, args, 'path', options(args).baseDir, scope);
      const bytes = attempt(() => fs.readFileSync(path), (e) => `failed to open file at path: ${path} with error: ${e}`);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };
  }

  function metadata(command: string, follow: boolean) {
    return (args: Args, scope: Scope) => {
      const path = arg(command, args, 'path', options(args).baseDir, scope);
      return fileInfo(attempt(() => (follow ? fs.statSync(path) : fs.lstatSync(path)), (e) => `failed to get metadata of path: ${path} with error: ${e}`));
    };
  }

  const handles = fileHandleCommands({ resolve: (command, args, baseDir, scope) => arg(command, args, 'path', baseDir, scope as Scope), info: fileInfo });
  const commands: Record<string, FsCommand> = {
    ...Object.fromEntries(Object.entries(handles).map(([name, run]): [string, FsCommand] => [name, (args, scope, { table }) => run(args, scope, table)])),
    write_file: (_args, scope, request) => writeFile('write_file', scope, request),
    write_text_file: (_args, scope, request) => writeFile('write_text_file', scope, request),
    read_file: readBytes('read_file'),
    read_text_file: readBytes('read_text_file'),
    stat: metadata('stat', true),
    lstat: metadata('lstat', false),
    exists(args, scope) {
      return fs.existsSync(arg('exists', args, 'path', options(args).baseDir, scope));
    },
    mkdir(args, scope) {
      const o = options(args);
      const path = arg('mkdir', args, 'path', o.baseDir, scope);
      const mode = (typeof o.mode === 'number' ? o.mode : 0o777) & 0o777;
      attempt(() => fs.mkdirSync(path, { recursive: o.recursive === true, mode }), (e) => `failed to create directory at path: ${path} with error: ${e}`);
      return null;
    },
    remove(args, scope) {
      const o = options(args);
      const path = arg('remove', args, 'path', o.baseDir, scope);
      const stat = attempt(() => fs.lstatSync(path), (e) => `failed to get metadata of path: ${path} with error: ${e}`);
      attempt(() => {
        if (stat.isDirectory()) {
          if (o.recursive === true) fs.rmSync(path, { recursive: true });
          else fs.rmdirSync(path);
        } else fs.unlinkSync(path);
      }, (e) => `failed to remove path: ${path} with error: ${e}`);
      return null;
    },
    rename(args, scope) {
      const o = options(args);
      const from = arg('rename', args, 'oldPath', o.oldPathBaseDir, scope);
      const to = arg('rename', args, 'newPath', o.newPathBaseDir, scope);
      attempt(() => fs.renameSync(from, to), (e) => `failed to rename old path: ${from} to new path: ${to} with error: ${e}`);
      return null;
    },
    read_dir(args, scope) {
      const path = arg('read_dir', args, 'path', options(args).baseDir, scope);
      return attempt(
        () =>
          fs.readdirSync(path).map((name) => {
            const full = join(path, name);
            const type = fs.statSync(full); // Rust follows symlinks here (and fails on a dangling one)
            return { name, isDirectory: type.isDirectory(), isFile: type.isFile(), isSymlink: fs.lstatSync(full).isSymbolicLink() };
          }),
        (e) => `failed to read directory at path: ${path} with error: ${e}`,
      );
    },
  };
  return commands;
}
