// Reading a process's logs for `pidkeep logs`. The paths come from a record file, which may be hostile, and a log
// may be far larger than memory: open them only as regular files inside the namespace's directory, and read them one
// bounded chunk at a time, backwards for a tail and for the start of the last run, forwards for the copy.
//
// A log is read as one chain: its rotated files, oldest first (`<log>.N` ... `<log>.1`), then the log itself. The
// writer rotates at line ends where it can, and the chain is their concatenation, so a line cut by a rotation is
// whole again here. All of a chain's files are opened at once: a rotation during the read renames them, but the open
// descriptors keep reading the same bytes.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { PidkeepError } from '../errors.js';

/** How much of a log is held in memory at once, whatever its size. */
export const LOG_CHUNK_BYTES = 64 * 1024;

/** How many rotated files (`<log>.1`, `<log>.2`, ...) a reader looks for at most. */
export const MAX_ROTATED = 99;

// O_NOFOLLOW: a symlink planted at the log's path is refused (ELOOP), not followed. O_NONBLOCK: a FIFO planted there
// does not hang the open; fstat then refuses it. Windows has neither flag: the lstat check below still refuses a link.
const READ = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const NEWLINE = 0x0a;

/**
 * The line pidkeep appends to both logs of a name at every spawn, before the child can write, so that each run's
 * output stays apart from the last. It names the record id (which `pidkeep describe` shows), not the pid: the pid is
 * known only after the spawn, and by then the child may have written its first lines.
 */
export function runSeparator(id: string, name: string, at: Date): string {
  return `--- pidkeep: run ${id} of ${name} started ${at.toISOString()} ---\n`;
}

const SEPARATOR_START = Buffer.from('--- pidkeep: run ');
const SEPARATOR = /^--- pidkeep: run ([0-9a-f]{1,64}) of (\S{1,255}) started (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ---$/;
/** A separator line is far shorter: anything longer is not one. */
const SEPARATOR_MAX = 512;

/** What the separator line of a run says; `undefined` for any other line. */
export function parseSeparator(line: string): { id: string; name: string; startedAt: string } | undefined {
  const match = SEPARATOR.exec(line);
  return match ? { id: match[1]!, name: match[2]!, startedAt: match[3]! } : undefined;
}

/** The files of one log, read as one run of bytes. */
export interface LogChain {
  readonly path: string;
  /** Oldest first; the last is the log itself when it exists. */
  readonly parts: ReadonlyArray<{ fd: number; size: number; stats: Stats; current: boolean }>;
  /** The chain's length when it was opened (a growing log is read up to here). */
  readonly size: number;
  /** Reads up to `length` bytes at chain offset `position` into `buffer`; fewer only at the chain's end. */
  read(buffer: Buffer, position: number, length: number): number;
  /** Hands the log's own file (still open, with its size when the chain was opened) to the caller, who closes it. */
  takeCurrent(): { fd: number; size: number; stats: Stats } | undefined;
  close(): void;
}

/**
 * Opens the log at `path` and its rotated files (`<path>.1` and so on, while they exist) as one chain. `undefined`
 * when none exists. Throws `PERMISSION_DENIED` for a path outside `home`, a symbolic link or anything but a regular
 * file, as `copyLog` does.
 */
export function openChain(path: string, home: string, record?: string): LogChain | undefined {
  // Newest first while opening: the log itself, then `.1`, `.2`, ... as long as they exist.
  const parts: Array<{ fd: number; size: number; stats: Stats; current: boolean }> = [];
  const seen = new Set<string>();
  try {
    for (let n = 0; n <= MAX_ROTATED; n++) {
      const fd = openLog(n === 0 ? path : `${path}.${n}`, home, record);
      if (fd === undefined) {
        if (n === 0) continue; // a writer may be between its rename and its new file: the rotated ones still count
        break;
      }
      const stats = fstatSync(fd);
      // A rotation between two opens can show one file under two names: read it once.
      const key = `${stats.dev}:${stats.ino}`;
      if (seen.has(key)) {
        closeSync(fd);
        continue;
      }
      seen.add(key);
      parts.push({ fd, size: stats.size, stats, current: n === 0 });
    }
  } catch (error) {
    for (const part of parts) closeSync(part.fd);
    throw error;
  }
  parts.reverse();
  if (parts.length === 0) return undefined;
  const size = parts.reduce((sum, part) => sum + part.size, 0);
  let taken = false;
  return {
    path,
    parts,
    size,
    read(buffer, position, length) {
      let done = 0;
      let base = 0;
      for (const part of parts) {
        if (done >= length) break;
        const at = position + done;
        if (at < base + part.size) {
          const want = Math.min(length - done, base + part.size - at);
          let got = 0;
          for (let n; got < want && (n = readSync(part.fd, buffer, done + got, want - got, at - base + got)) > 0; ) got += n;
          done += got;
          if (got < want) break; // the file shrank under us: stop here rather than read past a hole
        }
        base += part.size;
      }
      return done;
    },
    takeCurrent() {
      const last = parts.at(-1);
      if (!last?.current || taken) return undefined;
      taken = true;
      return { fd: last.fd, size: last.size, stats: last.stats };
    },
    close() {
      for (const part of parts) if (!(taken && part === parts.at(-1))) closeSync(part.fd);
    },
  };
}

/** A run's separator found in a chain: its text, where its line starts and where the run's output starts. */
export interface FoundSeparator {
  text: string;
  lineStart: number;
  contentStart: number;
}

/** The separator line at `start` (a line start), if that line is one. */
function separatorAt(chain: LogChain, start: number, end: number): FoundSeparator | undefined {
  const buffer = Buffer.allocUnsafe(SEPARATOR_MAX + 1);
  const n = chain.read(buffer, start, Math.min(SEPARATOR_MAX + 1, end - start));
  const newline = buffer.subarray(0, n).indexOf(NEWLINE);
  if (newline < 0) return undefined;
  const text = buffer.toString('utf8', 0, newline);
  return parseSeparator(text) ? { text, lineStart: start, contentStart: start + newline + 1 } : undefined;
}

/** Whether chain offset `at` starts a line. */
function isLineStart(chain: LogChain, at: number): boolean {
  if (at === 0) return true;
  const byte = Buffer.allocUnsafe(1);
  return chain.read(byte, at - 1, 1) === 1 && byte[0] === NEWLINE;
}

/** The last separator whose line ends at or before `before`, searching backwards one chunk at a time. */
export function lastSeparator(chain: LogChain, before: number): FoundSeparator | undefined {
  const overlap = SEPARATOR_START.length - 1;
  const buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES + overlap);
  // Each pass looks at the candidates that start in [start, end): every position is looked at once.
  for (let end = before; end > 0; ) {
    const start = Math.max(0, end - LOG_CHUNK_BYTES);
    const n = chain.read(buffer, start, Math.min(end + overlap, before) - start);
    for (let i = buffer.subarray(0, n).lastIndexOf(SEPARATOR_START); i >= 0; i = i > 0 ? buffer.subarray(0, n).lastIndexOf(SEPARATOR_START, i - 1) : -1) {
      const at = start + i;
      if (at >= end) continue;
      if (!isLineStart(chain, at)) continue;
      const found = separatorAt(chain, at, before);
      if (found) return found;
    }
    end = start;
  }
  return undefined;
}

/** Every separator whose line lies inside [from, to), in order, searching forwards one chunk at a time. */
export function separatorsIn(chain: LogChain, from: number, to: number): FoundSeparator[] {
  const found: FoundSeparator[] = [];
  const overlap = SEPARATOR_START.length - 1;
  const buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES + overlap);
  for (let start = from; start < to; start += LOG_CHUNK_BYTES) {
    const n = chain.read(buffer, start, Math.min(LOG_CHUNK_BYTES + overlap, to - start));
    const view = buffer.subarray(0, n);
    for (let i = view.indexOf(SEPARATOR_START); i >= 0 && i < LOG_CHUNK_BYTES; i = view.indexOf(SEPARATOR_START, i + 1)) {
      const at = start + i;
      if (!isLineStart(chain, at)) continue;
      const separator = separatorAt(chain, at, to);
      if (separator) found.push(separator);
    }
  }
  return found;
}

/**
 * Where the last `lines` lines before `end` start, not going back past `floor` (like `tail -n`): a final newline
 * ends the last line, it does not start another one.
 */
export function tailStart(chain: LogChain, floor: number, end: number, lines: number): number {
  if (lines <= 0) return end;
  const buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
  let last = end;
  if (end > floor) {
    const byte = Buffer.allocUnsafe(1);
    if (chain.read(byte, end - 1, 1) === 1 && byte[0] === NEWLINE) last = end - 1;
  }
  let wanted = lines;
  for (let stop = last; stop > floor; ) {
    const start = Math.max(floor, stop - LOG_CHUNK_BYTES);
    const n = chain.read(buffer, start, stop - start);
    const view = buffer.subarray(0, n);
    for (let i = view.lastIndexOf(NEWLINE); i >= 0; i = i > 0 ? view.lastIndexOf(NEWLINE, i - 1) : -1) {
      if (--wanted === 0) return start + i + 1;
    }
    stop = start;
  }
  return floor;
}

/** Puts `prefix` in front of every line, whatever the chunks' borders; `null` passes bytes through unchanged. */
export class LineMarker {
  private atLineStart = true;
  constructor(private readonly prefix: Buffer | null) {}

  /** Whether lines get a prefix. */
  get marks(): boolean {
    return this.prefix !== null;
  }

  /** A newline when a marked line was left open (so the next prefix starts a line), else nothing. */
  endLine(): Uint8Array {
    if (!this.prefix || this.atLineStart) return new Uint8Array(0);
    this.atLineStart = true;
    return Uint8Array.of(NEWLINE);
  }

  mark(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    if (!this.prefix) {
      this.atLineStart = chunk[chunk.length - 1] === NEWLINE;
      return chunk;
    }
    const pieces: Uint8Array[] = [];
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, from);
      const to = newline < 0 ? chunk.length : newline + 1;
      if (this.atLineStart) pieces.push(this.prefix);
      pieces.push(chunk.subarray(from, to));
      this.atLineStart = newline >= 0;
      from = to;
    }
    return Buffer.concat(pieces);
  }
}

/** Where a copy stopped, and whether its reader is still there (false: stop, the output was closed). */
export interface LogCopy {
  offset: number;
  reading: boolean;
}

type Write = (chunk: Uint8Array) => Promise<boolean>;

/** Copies chain bytes [from, to) through `marker` to `write`, one chunk at a time. */
export async function copyRange(chain: LogChain, from: number, to: number, marker: LineMarker, write: Write): Promise<LogCopy> {
  const chunk = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
  let offset = from;
  while (offset < to) {
    const n = chain.read(chunk, offset, Math.min(LOG_CHUNK_BYTES, to - offset));
    if (n === 0) break;
    // `write` resolves once the chunk is out of our hands, so the one buffer can be read into again.
    if (!(await write(marker.mark(chunk.subarray(0, n))))) return { offset, reading: false };
    offset += n;
  }
  return { offset, reading: true };
}

/**
 * Copies the log at `path` from byte `from` to its current end through `write`, each chunk written before the next is
 * read. `undefined` when there is no such file. A log now shorter than `from` was truncated: it is copied from its
 * start. Throws `PERMISSION_DENIED` for a path outside `home`, a symbolic link or anything but a regular file.
 */
export async function copyLog(path: string, home: string, from: number, write: Write, record?: string): Promise<LogCopy | undefined> {
  const fd = openLog(path, home, record);
  if (fd === undefined) return undefined;
  try {
    const chunk = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
    let offset = fstatSync(fd).size < from ? 0 : from;
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, offset)) > 0; ) {
      if (!(await write(chunk.subarray(0, n)))) return { offset, reading: false };
      offset += n;
    }
    return { offset, reading: true };
  } finally {
    closeSync(fd);
  }
}

/** An open descriptor of the regular file at `path` inside `home`, `undefined` if there is none; refuses the rest. */
export function openLog(path: string, home: string, record: string | undefined): number | undefined {
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
