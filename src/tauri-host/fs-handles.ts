// The fs plugin's file handles: `open`, `create`, then `seek`, `read`, `write`, `fstat`, `ftruncate` by resource id,
// freed by `plugin:resources|close` (resources.ts). As tauri-plugin-fs 2.6.0 src/commands.rs (the example's locked
// version; @tauri-apps/plugin-fs 2.6.0's FileHandle speaks its wire format):
// - `open` (:318-359) and `create` (:269-307) check only the path against the fs scope (`resolve_path`, :1506-1614),
//   whatever access is asked for: writing through a handle is gated by the `fs:allow-write` permission, not by the
//   scope. Open options (src/lib.rs:68-119): `read` defaults to true, the rest to false; no options at all = read only.
// - `seek` (:844-862): `offset` i64, `whence` 0 Start / 1 Current / 2 End; answers the new position.
// - `read` (:510-544): `len` a usize; one read(2) into a buffer of `len` zero bytes; the answer is raw bytes
//   (`ipc::Response`): the whole buffer, `len` bytes whatever was read, then the count read as 8 big-endian bytes
//   (npm @tauri-apps/plugin-fs 2.6.0 dist-js/index.js:176-193 takes the count from the last 8 bytes; 0 is the end).
// - `write` (:1054-1064): `data` is a JSON array of numbers (tauri 2.12.7 scripts/process-ipc-message-fn.js:26-29
//   turns a Uint8Array inside the arguments into `Array.from`); one write(2); answers the count written.
// - `fstat` (:998-1004): the same FileInfo as `stat`.
// Errors are the plugin's texts, its typo included ("faied to read bytes").
import * as fs from 'node:fs';
import { integerArg, invalidArgs, ioError, u32Arg, unexpected } from './rust-errors.js';
import { badResourceId, type Resource, type ResourceTable } from './resources.js';

type Args = Record<string, unknown>;

class FileResource implements Resource {
  /** Rust's File keeps the OS file offset; Node has no lseek, so the offset is kept here and every call is positional. */
  position = 0;
  constructor(readonly fd: number, readonly append: boolean) {}
  close() {
    fs.closeSync(this.fd);
  }
}

const osError = (code: string) => Object.assign(new Error(code), { code });

/** std's OpenOptions -> open(2) flags (library/std/src/sys/pal/unix/fs.rs `get_access_mode`, `get_creation_mode`). */
function openFlags(o: Record<string, unknown>): number | Error {
  const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC, O_EXCL } = fs.constants;
  const read = o.read !== false; // serde default: true
  const [write, append, truncate, create, createNew] = [o.write, o.append, o.truncate, o.create, o.createNew].map((v) => v === true);
  let access: number;
  if (append) access = (read ? O_RDWR : O_WRONLY) | O_APPEND;
  else if (read && write) access = O_RDWR;
  else if (write) access = O_WRONLY;
  else if (read) access = O_RDONLY;
  else return osError('EINVAL');
  if (!write && !append && (truncate || create || createNew)) return osError('EINVAL');
  if (append && truncate && !createNew) return osError('EINVAL');
  const creation = createNew ? O_CREAT | O_EXCL : (create ? O_CREAT : 0) | (truncate ? O_TRUNC : 0);
  const custom = typeof o.customFlags === 'number' ? o.customFlags & ~(O_RDONLY | O_WRONLY | O_RDWR) : 0;
  return access | creation | custom;
}

const U32 = 0xffff_ffff;
const rid = (command: string, args: Args) => u32Arg(command, args, 'rid');

function file(table: ResourceTable, command: string, args: Args): FileResource {
  const resource = table.get(rid(command, args));
  // a resource of another kind is the same error in Rust (`get::<StdFileResource>` fails its downcast)
  if (!(resource instanceof FileResource)) throw badResourceId(args.rid);
  return resource;
}

export interface HandleContext {
  /** `resolve_path`: the `path` argument joined with its baseDir and checked against the fs scope. */
  resolve(command: string, args: Args, baseDir: unknown, scope: unknown): string;
  /** The FileInfo of `stat`, for `fstat`. */
  info(stats: fs.Stats): unknown;
}

export function fileHandleCommands(context: HandleContext) {
  const attempt = <T>(run: () => T, message: (error: string) => string): T => {
    try {
      return run();
    } catch (error) {
      throw message(ioError(error));
    }
  };
  const options = (args: Args) => (args.options && typeof args.options === 'object' ? (args.options as Record<string, unknown>) : {});

  return {
    open(args: Args, scope: unknown, table: ResourceTable) {
      const o = options(args);
      const path = context.resolve('open', args, o.baseDir, scope);
      const flags = openFlags(o);
      const mode = typeof o.mode === 'number' ? o.mode : 0o666;
      const fd = attempt(() => {
        if (flags instanceof Error) throw flags;
        return fs.openSync(path, flags, mode);
      }, (e) => `failed to open file at path: ${path} with error: ${e}`);
      return table.add(new FileResource(fd, o.append === true));
    },
    create(args: Args, scope: unknown, table: ResourceTable) {
      const path = context.resolve('create', args, options(args).baseDir, scope);
      const fd = attempt(() => fs.openSync(path, 'w'), (e) => `failed to create file at path: ${path} with error: ${e}`);
      return table.add(new FileResource(fd, false));
    },
    seek(args: Args, _scope: unknown, table: ResourceTable) {
      rid('seek', args);
      const offset = integerArg('seek', args, 'offset', 'i64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const whence = args.whence;
      if (whence !== 0 && whence !== 1 && whence !== 2) {
        if (whence === undefined || whence === null) throw invalidArgs('seek', 'whence', 'command seek missing required key whence');
        throw invalidArgs('seek', 'whence', `invalid value: ${String(whence)}, expected one of: 0, 1, 2`);
      }
      const handle = file(table, 'seek', args);
      return attempt(() => {
        // SeekFrom::Start takes `offset as u64`: a negative offset is a huge one, which lseek refuses (EINVAL)
        const base = whence === 0 ? 0 : whence === 1 ? handle.position : fs.fstatSync(handle.fd).size;
        const next = base + offset;
        if (next < 0) throw osError('EINVAL');
        handle.position = next;
        return next;
      }, (e) => `failed to seek file with error: ${e}`);
    },
    read(args: Args, _scope: unknown, table: ResourceTable) {
      // every argument deserializes before the command looks the resource up (seen on the real app)
      rid('read', args);
      // a usize in Rust (tauri-plugin-fs 2.6.0 src/commands.rs:514), which allocates it whole: the host takes what
      // one buffer of Node can hold and says so beyond, where the real app would try (and may abort)
      const len = integerArg('read', args, 'len', 'usize', 0, Number.MAX_SAFE_INTEGER);
      const handle = file(table, 'read', args);
      if (len > U32) throw `[pidkeep] the Tauri host does not allocate a read buffer of ${len} bytes (the app would try to, at once)`;
      const out = new Uint8Array(len + 8);
      const count = attempt(() => fs.readSync(handle.fd, out, 0, len, handle.position), (e) => `faied to read bytes from file with error: ${e}`);
      handle.position += count;
      new DataView(out.buffer).setBigUint64(len, BigInt(count)); // big-endian
      return out;
    },
    write(args: Args, _scope: unknown, table: ResourceTable) {
      rid('write', args);
      const data = args.data;
      if (data === undefined || data === null) throw invalidArgs('write', 'data', 'command write missing required key data');
      // a Vec<u8>, as serde_json reads it: the first element that is no u8 is named
      if (!Array.isArray(data)) throw invalidArgs('write', 'data', `invalid type: ${unexpected(data)}, expected a sequence`);
      const bad = data.find((b) => !Number.isInteger(b) || b < 0 || b > 255);
      if (bad !== undefined) throw invalidArgs('write', 'data', Number.isInteger(bad) ? `invalid value: ${unexpected(bad)}, expected u8` : `invalid type: ${unexpected(bad)}, expected u8`);
      const handle = file(table, 'write', args);
      const bytes = Uint8Array.from(data as number[]);
      return attempt(() => {
        if (handle.append) {
          // O_APPEND writes at the end whatever the offset, and leaves the offset there
          const written = fs.writeSync(handle.fd, bytes);
          handle.position = fs.fstatSync(handle.fd).size;
          return written;
        }
        const written = fs.writeSync(handle.fd, bytes, 0, bytes.length, handle.position);
        handle.position += written;
        return written;
      }, (e) => `failed to write bytes to file with error: ${e}`);
    },
    fstat(args: Args, _scope: unknown, table: ResourceTable) {
      const handle = file(table, 'fstat', args);
      return context.info(attempt(() => fs.fstatSync(handle.fd), (e) => `failed to get metadata of file with error: ${e}`));
    },
    ftruncate(args: Args, _scope: unknown, table: ResourceTable) {
      rid('ftruncate', args);
      const len = args.len === undefined || args.len === null ? 0 : integerArg('ftruncate', args, 'len', 'u64', 0, Number.MAX_SAFE_INTEGER);
      const handle = file(table, 'ftruncate', args);
      attempt(() => fs.ftruncateSync(handle.fd, len), (e) => `failed to truncate file with error: ${e}`);
      return null;
    },
  };
}
