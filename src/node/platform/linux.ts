import { closeSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MARKER_ENV } from '../../identity.js';
import type { GroupMember, Identity, MarkedProcess, ProbeResult } from '../../types.js';
import { pidExists } from './pid.js';
import { posixSignal } from './posix.js';
import type { Platform } from './types.js';

// One reusable buffer and open/read/close: about 3x faster than readFileSync on /proc files, whose size reads
// as 0 and makes readFileSync grow its buffer in steps. Reconciling 1,000 records reads 2,000 of them.
const buffer = Buffer.allocUnsafe(256 * 1024);

/** Reads a /proc file into the shared buffer: its length, undefined when the process is gone, null when not ours to read. */
function readInto(path: string, limit = buffer.length): number | undefined | null {
  return withProcFile(path, (fd) => {
    let length = 0;
    for (;;) {
      const want = limit - length;
      const n = readSync(fd, buffer, length, want, null);
      length += n;
      // /proc hands out a whole file per read when the buffer is big enough: a short read is the end.
      if (n < want || length === limit) return length;
    }
  });
}

/** Runs `read` on an open /proc file; undefined when the process is gone, null when it is not ours to read. */
function withProcFile<T>(path: string, read: (fd: number) => T): T | undefined | null {
  const denied = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? null : undefined;
  };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return denied(error);
  }
  try {
    return read(fd);
  } catch (error) {
    return denied(error);
  } finally {
    closeSync(fd);
  }
}

function readProc(path: string): string | undefined | null {
  const length = readInto(path);
  return typeof length === 'number' ? buffer.toString('latin1', 0, length) : length;
}

export interface StatFields {
  comm: string;
  state: string;
  /** The kernel's task flags (field 9): PF_EXITING (0x4) is set once the process has begun to exit. */
  flags: number;
  /** The parent (field 4). */
  ppid: number;
  pgrp: number;
  /** The session (field 6): a child pidkeep starts leads its own. */
  session: number;
  startTime: string;
}

/** Parses /proc/<pid>/stat. `comm` may hold spaces and parentheses, so fields are counted after the LAST `)`. */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Only fields 3 (state), 5 (pgrp), 9 (flags) and 22 (starttime) are wanted: walk the spaces up to field 22
  // instead of splitting all ~50 (reconcile and group scans parse one line per process).
  const wanted: Record<number, string> = {};
  let at = close + 2;
  for (let field = 3; field <= 22 && at <= text.length; field++) {
    let end = text.indexOf(' ', at);
    if (end < 0) end = text.length;
    if (field === 3 || field === 4 || field === 5 || field === 6 || field === 9 || field === 22) wanted[field] = text.slice(at, end);
    at = end + 1;
  }
  const state = wanted[3];
  const pgrp = Number(wanted[5]);
  const flags = Number(wanted[9]);
  const startTime = wanted[22];
  if (!state || !Number.isInteger(pgrp) || !startTime || !/^\d+$/.test(startTime)) return undefined;
  const session = Number(wanted[6]);
  const ppid = Number(wanted[4]);
  return { comm: text.slice(open + 1, close), state, ppid: Number.isInteger(ppid) ? ppid : 0, pgrp, session: Number.isInteger(session) ? session : 0, startTime, flags: Number.isInteger(flags) ? flags : 0 };
}

let cachedBootId: string | undefined;
function bootId(): string {
  cachedBootId ??= (readProc('/proc/sys/kernel/random/boot_id') ?? '').trim();
  if (!cachedBootId) throw new Error('cannot read /proc/sys/kernel/random/boot_id: is /proc mounted?');
  return cachedBootId;
}

/** The process's identity; undefined when it is gone, null when it exists but may not be read (hidepid, EPERM). */
function identity(pid: number): (Identity & { state: string; pgrp: number; session: number; flags: number }) | undefined | null {
  // A stat line is well under 1 KiB: one read.
  const length = readInto(`/proc/${pid}/stat`, 4096);
  if (length === null) return null;
  // /proc mounted with hidepid=2 (`invisible`) hides other users' processes as ENOENT, exactly like an ended one:
  // kill(pid, 0) still tells them apart.
  if (length === undefined) return pidExists(pid) ? null : undefined;
  const stat = parseStat(buffer.toString('latin1', 0, length));
  if (!stat) return undefined;
  return { bootId: bootId(), pid, startTime: stat.startTime, comm: stat.comm, state: stat.state, pgrp: stat.pgrp, session: stat.session, flags: stat.flags };
}

const PF_EXITING = 0x4;

const MARKER_AT_START = Buffer.from(`${MARKER_ENV}=`);
const MARKER_INSIDE = Buffer.from(`\0${MARKER_ENV}=`);

/** The marker in /proc/<pid>/environ: a string, null when absent, undefined when unreadable. */
function readMarker(pid: number): string | null | undefined {
  const path = `/proc/${pid}/environ`;
  const length = readInto(path);
  if (typeof length !== 'number') return undefined;
  if (length < buffer.length) return markerIn(buffer.subarray(0, length));
  // A full buffer may be all of a large environment or its start. The marker is appended after the inherited
  // variables (and Rust's Command sorts them), so it may lie past any fixed limit, or straddle it: a cut marker
  // would read as another process's. Read the whole block, as large as the kernel allowed it.
  const whole = readWhole(path);
  return whole instanceof Buffer ? markerIn(whole) : undefined;
}

/** Reads a /proc file of any size into its own buffer; undefined when gone, null when not ours to read. */
function readWhole(path: string): Buffer | undefined | null {
  return withProcFile(path, (fd) => {
    let whole = Buffer.allocUnsafe(buffer.length * 2);
    let length = 0;
    for (;;) {
      if (length === whole.length) {
        const grown = Buffer.allocUnsafe(whole.length * 2);
        whole.copy(grown, 0, 0, length);
        whole = grown;
      }
      // Rare and large: read to the end (0 bytes) rather than trust a short read.
      const n = readSync(fd, whole, length, whole.length - length, null);
      if (n === 0) return whole.subarray(0, length);
      length += n;
    }
  });
}

/** Finds the marker in a NUL-separated environment block, searching bytes: most blocks are never decoded. */
export function markerIn(env: Buffer): string | null {
  let at = env.subarray(0, MARKER_AT_START.length).equals(MARKER_AT_START) ? 0 : env.indexOf(MARKER_INSIDE);
  if (at < 0) return null;
  if (at > 0) at += 1;
  const from = at + MARKER_AT_START.length;
  const end = env.indexOf(0, from);
  return env.toString('latin1', from, end < 0 ? env.length : end);
}

function probeOne(pid: number, withMarker = true): ProbeResult {
  const id = identity(pid);
  // Not readable is alive, not dead (the EPERM trap): the core then calls it unverifiable and never signals it.
  if (id === null) return { pid, alive: true };
  // Z (zombie) and X (dead) will never run again: both count as ended.
  if (!id || id.state === 'Z' || id.state === 'X') return { pid, alive: false };
  let marker = withMarker ? readMarker(pid) : undefined;
  if (marker === null) {
    // An exiting process has already dropped its memory, environment included, before it turns zombie: read as
    // "no marker" it would look like another process. Its stat says whether it is on its way out (PF_EXITING).
    const again = identity(pid);
    if (again && again.startTime !== id.startTime) return probeOne(pid, withMarker); // the pid changed hands: describe the new one
    if (!again || again.state === 'Z' || again.state === 'X' || (again.flags & PF_EXITING) !== 0) return { pid, alive: false };
    marker = readMarker(pid);
  }
  return { pid, alive: true, identity: { bootId: id.bootId, pid, startTime: id.startTime, comm: id.comm }, marker, groupLeader: id.pgrp === pid };
}

export const linux: Platform = {
  name: 'linux',
  maxPid() {
    const value = Number(readProc('/proc/sys/kernel/pid_max')?.trim());
    return Number.isInteger(value) && value > 1 ? value : 4_194_304;
  },
  dataDir: () => process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'),
  probe: (pids, options) => pids.map((pid) => probeOne(pid, options?.marker !== false)),
  identity(pid) {
    const id = identity(pid);
    return id ? { bootId: id.bootId, pid, startTime: id.startTime, comm: id.comm } : undefined;
  },
  scan(prefix) {
    const found: MarkedProcess[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const marker = readMarker(Number(entry));
      if (typeof marker !== 'string' || !marker.startsWith(prefix)) continue;
      const seen = probeOne(Number(entry));
      if (!seen.alive || !seen.identity) continue;
      found.push({ pid: seen.pid, marker, identity: seen.identity, groupLeader: seen.groupLeader === true, uid: ownerOf(entry), pidNamespace: pidNamespaceOf(entry) });
    }
    return found;
  },
  pidNamespace: () => pidNamespaceOf('self'),
  seesSameFile(pid, path) {
    let mine;
    try {
      mine = statSync(path);
    } catch {
      return false;
    }
    try {
      // /proc/<pid>/root resolves the rest of the path in that process's root and mount namespace.
      const theirs = statSync(`/proc/${pid}/root${path}`);
      return theirs.dev === mine.dev && theirs.ino === mine.ino;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'EACCES' || code === 'EPERM' ? undefined : false;
    }
  },
  bootId: () => bootId(),
  groupMembers(pgid, marker, proven = []) {
    // Signal 0 only asks (pgid >= 2, from a proven record): ESRCH means no process is left in the group, the
    // usual case, answered without reading /proc.
    try {
      if (Number.isSafeInteger(pgid) && pgid >= 2) process.kill(-pgid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { total: 0, marked: 0 };
    }
    const mine = selfAndAncestors();
    let total = 0;
    let marked = 0;
    for (const entry of readdirSync('/proc')) {
      // The controller may sit in the group (a script the process started runs `pidkeep stop` on it): it and the
      // processes waiting for it (its ancestors) are never counted as members left (the backend signals the pid
      // alone then), or the stop would wait for itself.
      if (!/^\d+$/.test(entry) || mine.has(Number(entry))) continue;
      const id = identity(Number(entry));
      if (!id || id.pgrp !== pgid || id.state === 'Z' || id.state === 'X') continue;
      total++;
      if (proven.some((m) => m.pid === id.pid && m.startTime === id.startTime) || readMarker(Number(entry)) === marker) marked++;
    }
    return { total, marked };
  },
  listensOn(pid, port) {
    // The listening sockets on the port (state 0A), by inode, from both tables; then the process tree's descriptors.
    const wanted = new Set<string>();
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of (readProc(table) ?? '').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`) && fields[9]) wanted.add(`socket:[${fields[9]}]`);
      }
    }
    if (wanted.size === 0) return false;
    for (const member of [pid, ...descendantsOf(pid)]) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${member}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          if (wanted.has(readlinkSync(`/proc/${member}/fd/${fd}`))) return true;
        } catch {
          // closed meanwhile
        }
      }
    }
    return false;
  },
  activity(pid) {
    let busy = false;
    let cpu = 0;
    for (const member of [pid, ...descendantsOf(pid)]) {
      const text = readProc(`/proc/${member}/stat`);
      if (!text) {
        if (member === pid) return undefined;
        continue; // a descendant that ended meanwhile
      }
      // After the command's closing parenthesis: field 3 is the state, 14 and 15 the user and system time.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const state = fields[0];
      if (member === pid && (state === 'Z' || state === 'X')) return undefined;
      // R: running or runnable; D: waiting on a disk, as a program still reading its code is.
      if (state === 'R' || state === 'D') busy = true;
      cpu += Number(fields[11]) + Number(fields[12]);
    }
    return { busy, cpu };
  },
  groupDescendants(pgid) {
    // Called for a group leader just proven (see Backend.groupDescendants). Only descendants are found (whatever
    // joined the group from elsewhere in its session is not); one orphaned before the look (reparented away) is
    // not found either: then only its marker can prove it.
    const found: GroupMember[] = [];
    for (const child of descendantsOf(pgid)) {
      const id = identity(child);
      if (id && id.pgrp === pgid && id.state !== 'Z' && id.state !== 'X') found.push({ pid: child, startTime: id.startTime });
    }
    return found;
  },
  ownGroup() {
    const self = readProc('/proc/self/stat');
    return self ? parseStat(self)?.pgrp : undefined;
  },
  signal: posixSignal,
};

/** The descendants of `pid`, down the children links of every thread: a few reads for a small tree, not a scan of /proc. */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const seen = new Set([pid]);
  for (let at: number | undefined = pid, queue: number[] = []; at !== undefined; at = queue.shift()) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${at}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      for (const word of (readProc(`/proc/${at}/task/${tid}/children`) ?? '').split(' ')) {
        const child = Number(word);
        if (!word || seen.has(child)) continue;
        seen.add(child);
        queue.push(child);
        found.push(child);
      }
    }
  }
  return found;
}

/** This process and its ancestors up to (not including) pid 1, by their stat lines. */
function selfAndAncestors(): Set<number> {
  const chain = new Set<number>([process.pid]);
  for (let pid = process.ppid; pid > 1 && !chain.has(pid); ) {
    chain.add(pid);
    const stat = readProc(`/proc/${pid}/stat`);
    pid = stat ? parseStat(stat)?.ppid ?? 0 : 0;
  }
  return chain;
}

/** The owner of /proc/<pid>: the process's effective user. */
function ownerOf(pid: string): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/** `pid:[4026531836]`: the same string for every process of one pid namespace. */
function pidNamespaceOf(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}
