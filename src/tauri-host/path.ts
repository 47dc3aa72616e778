// Tauri's core path plugin (crates/tauri/src/path/plugin.rs), as @tauri-apps/api/path invokes it: the base
// directories of paths.ts and Rust's `Path` semantics with the Unix separator `/` (so `..` is not kept by
// normalize/join, `dirname('/')` fails, `normalize('a/')` keeps the trailing slash, as the Rust side does).
import { baseDirPath, type BaseDirs } from './paths.js';
import { invalidArgs } from './rust-errors.js';

type Args = Record<string, unknown>;
export type PathCommand = (args: Args) => unknown;

interface Component {
  kind: 'root' | 'cur' | 'parent' | 'normal';
  text: string;
  /** Where the component ends in the raw path string. */
  end: number;
}

/** `Path::components` on Unix: `/` is the root, a leading `.` is CurDir, empty and inner `.` parts are skipped. */
function components(path: string): Component[] {
  const out: Component[] = [];
  let start = 0;
  if (path.startsWith('/')) {
    out.push({ kind: 'root', text: '/', end: 1 });
    start = 1;
  }
  while (start <= path.length) {
    const slash = path.indexOf('/', start);
    const end = slash < 0 ? path.length : slash;
    const part = path.slice(start, end);
    if (part === '..') out.push({ kind: 'parent', text: part, end });
    else if (part === '.' && start === 0) out.push({ kind: 'cur', text: part, end });
    else if (part !== '' && part !== '.') out.push({ kind: 'normal', text: part, end });
    start = end + 1;
  }
  return out;
}

/** `Path::parent`: the raw path up to the component before the last; undefined for `/` and ``. */
function parent(path: string): string | undefined {
  const parts = components(path);
  const last = parts.at(-1);
  if (!last || last.kind === 'root') return undefined;
  return path.slice(0, parts.at(-2)?.end ?? 0);
}

/** `Path::file_name`: the last component when it is a normal one. */
function fileName(path: string): string | undefined {
  const last = components(path).at(-1);
  return last?.kind === 'normal' ? last.text : undefined;
}

/** `PathBuf::pop` on a path built by `normalizeNoAbsolute` (no trailing separator but the root). */
const pop = (path: string) => (path === '/' || path === '' ? path : path.slice(0, Math.max(path.lastIndexOf('/'), path.startsWith('/') ? 1 : 0)));

/** `normalize_path_no_absolute`: `.` dropped, `..` pops (nothing at the start), absolute parts appended as text. */
function normalizeNoAbsolute(path: string): string {
  let out = '';
  for (const part of components(path)) {
    if (part.kind === 'root') out = '/';
    else if (part.kind === 'parent') out = pop(out);
    else if (part.kind === 'normal') out += (out === '' || out.endsWith('/') ? '' : '/') + part.text;
  }
  return out;
}

/** `PathBuf::push`: an absolute path replaces, else it is appended after one separator. */
const push = (base: string, path: string) => (path.startsWith('/') ? path : `${base}${base.endsWith('/') ? '' : '/'}${path}`);

/** serde's `Unexpected` display for a JSON value, as in `invalid type: <this>, expected ...`. */
function unexpected(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  return Array.isArray(value) ? 'sequence' : 'map';
}

const DIRECTORY_COUNT = 23;

export function createPath(dirs: BaseDirs, cwd: () => string = () => process.cwd()) {
  /** A string argument; `expected` is serde's name for the Rust type (`a string`, `a borrowed string`, `path string`). */
  function string(command: string, args: Args, name: string, expected = 'a string', optional = false): string | undefined {
    const value = args[name];
    if (optional && (value === undefined || value === null)) return undefined;
    if (value === undefined) throw invalidArgs(command, name, `command ${command} missing required key ${name}`);
    if (typeof value !== 'string') throw invalidArgs(command, name, `invalid type: ${unexpected(value)}, expected ${expected}`);
    return value;
  }

  function strings(command: string, args: Args): string[] {
    const value = args.paths;
    if (value === undefined) throw invalidArgs(command, 'paths', `command ${command} missing required key paths`);
    if (!Array.isArray(value)) throw invalidArgs(command, 'paths', `invalid type: ${unexpected(value)}, expected a sequence`);
    const bad = value.find((item) => typeof item !== 'string');
    if (bad !== undefined) throw invalidArgs(command, 'paths', `invalid type: ${unexpected(bad)}, expected a string`);
    return value as string[];
  }

  /** `BaseDirectory` is `Deserialize_repr` over u16. */
  function directory(args: Args): string {
    const value = args.directory;
    if (value === undefined) throw invalidArgs('resolve_directory', 'directory', 'command resolve_directory missing required key directory');
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgs('resolve_directory', 'directory', `invalid type: ${unexpected(value)}, expected u16`);
    if (value < 0 || value > 0xffff) throw invalidArgs('resolve_directory', 'directory', `invalid value: integer \`${value}\`, expected u16`);
    const dir = baseDirPath(dirs, value);
    if (dir === undefined) {
      const expected = Array.from({ length: DIRECTORY_COUNT }, (_, i) => i + 1).join(', ');
      throw invalidArgs('resolve_directory', 'directory', `invalid value: ${value}, expected one of: ${expected}`);
    }
    return dir;
  }

  const commands: Record<string, PathCommand> = {
    resolve_directory(args) {
      const base = directory(args);
      const path = string('resolve_directory', args, 'path', 'path string', true);
      if (path === undefined) return base;
      if (args.directory !== 11) return push(base, path);
      // $RESOURCE: the bundler's resource layout, `/` -> `_root_`, `..` -> `_up_`
      const mapped = components(path).flatMap((c) => (c.kind === 'root' ? ['_root_'] : c.kind === 'parent' ? ['_up_'] : c.kind === 'normal' ? [c.text] : []));
      return push(base, mapped.join('/'));
    },
    resolve(args) {
      let path = cwd();
      for (const part of strings('resolve', args)) path = push(path, part);
      // normalize_path: like normalizeNoAbsolute on an absolute path
      return normalizeNoAbsolute(path);
    },
    normalize(args) {
      const path = string('normalize', args, 'path')!;
      const p = normalizeNoAbsolute(path);
      if (p === '' && path === '..') return '..';
      if (p === '' && path === '.') return '.';
      // Rust adds the separator whenever the input ends with one (so `normalize('/')` is `//`)
      return path.endsWith('/') || path.endsWith('\\') ? `${p}/` : p;
    },
    join(args) {
      const joined = strings('join', args).map((p) => (p.endsWith('/') || p.endsWith('\\') ? p : `${p}/`)).join('');
      return normalizeNoAbsolute(joined) || '.';
    },
    dirname(args) {
      const result = parent(string('dirname', args, 'path')!);
      if (result === undefined) throw 'path does not have a parent';
      return result;
    },
    extname(args) {
      const name = fileName(string('extname', args, 'path')!);
      const dot = name === undefined || name === '..' ? -1 : name.lastIndexOf('.');
      if (dot <= 0) throw 'path does not have an extension';
      return name!.slice(dot + 1);
    },
    basename(args) {
      const name = fileName(string('basename', args, 'path', 'a borrowed string')!);
      const ext = string('basename', args, 'ext', 'a borrowed string', true);
      if (name === undefined) throw 'path does not have a basename';
      return ext !== undefined && name.endsWith(ext) ? name.slice(0, name.length - ext.length) : name;
    },
    is_absolute(args) {
      return string('is_absolute', args, 'path')!.startsWith('/');
    },
  };
  return commands;
}
