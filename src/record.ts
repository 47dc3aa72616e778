import { legacyMarkerOf } from './identity.js';
import type { LogCap, PidLimits, StopStep } from './types.js';
import { isValidName, normalizeStopPlan } from './validate.js';

/** 2 adds `marker` (namespace, store id and record id); version-1 records (pidkeep 0.1.0) are still read. */
export const RECORD_VERSION = 2;
/** A record is small; anything larger is garbage or hostile and is not parsed at all. */
export const MAX_RECORD_BYTES = 256 * 1024;

/** The stored form of one process, written once it runs. */
export interface StoredRecord {
  v: 2;
  id: string;
  /** The child's PIDKEEP_MARK value: kept, not derived, so a moved store still proves its old processes. */
  marker: string;
  namespace: string;
  name: string;
  backend: string;
  command: string;
  args: string[];
  cwd: string | null;
  startedAt: number;
  stdin: string | null;
  logs: { stdout: string | null; stderr: string | null };
  /** The cap the backend put on the logs (Node's `logs` option, the CLI's `--log-max`); absent when uncapped. */
  logCap?: LogCap;
  stop: StopStep[];
  meta: unknown;
  /** The variables the start gave (null: removed), for a restart; absent when it gave none, and in older records. */
  env?: Record<string, string | null>;
  /** The start's readiness check, for a restart; absent in older records (a restart then waits for the default). */
  ready?: StoredReady;
  pid: number;
  bootId: string;
  startTime: string;
  comm: string;
  /**
   * The pid namespace its pid is meaningful in (Linux `pid:[inode]`); absent where the platform has none, and in
   * records of pidkeep 0.1.0, which are taken to be of the reader's namespace.
   */
  pidns?: string;
  /**
   * Present once the process has ended: the record stays as its last run's trace, and no longer holds the name
   * (a start replaces it; reconcile and sweeps pass it by).
   */
  ended?: EndedInfo;
}

/**
 * A readiness check as a record keeps it: JSON, so a RegExp is its source and flags, and an `until` function (which
 * no other controller could run) is only said to have been one.
 */
export type StoredReady =
  | false
  | { alive: number }
  | { idle: number; max?: number }
  | { port: number; host?: string; timeout?: number }
  | { line: string; stream?: 'stdout' | 'stderr' | 'both'; timeout?: number }
  | { pattern: string; flags: string; stream?: 'stdout' | 'stderr' | 'both'; timeout?: number }
  | { until: 'function'; interval?: number; timeout?: number };

/** How a recorded process ended, as far as it could be known. */
export interface EndedInfo {
  /** Milliseconds since the epoch when its end was seen. */
  at: number;
  /** Its exit code or signal; both null when it ended unwatched (an adopted process's code is unknowable). */
  code: number | null;
  signal: string | null;
  /** For people: how the end was seen, e.g. "exited", "stopped by SIGTERM", "ended while no controller watched". */
  how: string;
}

export type ParsedRecord =
  | { kind: 'ok'; record: StoredRecord }
  | { kind: 'corrupt'; reason: string; pid: number | null }
  | { kind: 'future'; version: number; pid: number | null };

const ID = /^[0-9a-f]{16,64}$/;
const PIDNS = /^pid:\[(\d{1,20})\]$/;

/** The machine's first pid namespace: its inode number is fixed in the Linux kernel (PROC_PID_INIT_INO). */
export const INITIAL_PID_NAMESPACE = 'pid:[4026531836]';

/**
 * The store key of a name started in pid namespace `pidns`: the name itself in the machine's first namespace (or
 * where there is none), `<name>@<inode>` elsewhere, so a container and its host never block each other's names.
 */
export function keyOf(name: string, pidns: string | undefined): string {
  if (pidns === undefined || pidns === INITIAL_PID_NAMESPACE) return name;
  const inode = PIDNS.exec(pidns)?.[1];
  return inode === undefined ? name : `${name}@${inode}`;
}
/** The name a key stands for in pid namespace `pidns` (`web@4026532180` is `web` inside it); another's key as it is. */
export function nameOfKey(key: string, pidns: string | undefined): string {
  const at = key.lastIndexOf('@');
  const name = at > 0 ? key.slice(0, at) : key;
  return keyOf(name, pidns) === key ? name : key;
}

/** `<namespace>@<16 hex>/<id>` (version 2) or `<namespace>/<id>` (version 1). */
const MARKER = /^[A-Za-z0-9._-]{1,128}(@[0-9a-f]{16})?\/[0-9a-f]{16,64}$/;

/** Reads one record with no trust in it: every field is checked and a fresh object is built. */
export function parseRecord(text: string, key: string, namespace: string, limits: PidLimits): ParsedRecord {
  if (text.length > MAX_RECORD_BYTES) return { kind: 'corrupt', reason: `record is ${text.length} bytes, over the ${MAX_RECORD_BYTES} limit`, pid: null };
  // Line 1 is the record; an ended run has a second line, `{"ended":{...}}`, appended when its end was seen.
  const newline = text.indexOf('\n');
  const tail = newline < 0 ? '' : text.slice(newline + 1);
  let raw: unknown;
  let endedLine: unknown;
  try {
    raw = JSON.parse(tail.trim() === '' ? text : text.slice(0, newline));
    if (tail.trim() !== '') endedLine = JSON.parse(tail);
  } catch (error) {
    return { kind: 'corrupt', reason: `record is not JSON (${(error as Error).message})`, pid: null };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'corrupt', reason: 'record is not a JSON object', pid: null };
  const r = raw as Record<string, unknown>;
  const pid = typeof r.pid === 'number' && Number.isSafeInteger(r.pid) ? r.pid : null;
  if (typeof r.v === 'number' && Number.isInteger(r.v) && r.v > RECORD_VERSION) return { kind: 'future', version: r.v, pid };
  const bad = (reason: string): ParsedRecord => ({ kind: 'corrupt', reason, pid });

  if (r.v !== 1 && r.v !== RECORD_VERSION) return bad('record has no valid version field `v`');
  if (typeof r.id !== 'string' || !ID.test(r.id)) return bad('field `id` is not a hex id');
  const marker = r.v === 1 ? legacyMarkerOf(namespace, r.id) : r.marker;
  const start = r.v === 1 ? `${namespace}/` : `${namespace}@`;
  if (typeof marker !== 'string' || !marker.startsWith(start) || !MARKER.test(marker) || !marker.endsWith(`/${r.id}`)) {
    return bad(`field \`marker\` is not "${namespace}@<store id>/${r.id}"`);
  }
  if (r.namespace !== namespace) return bad(`field \`namespace\` is not "${namespace}"`);
  if (r.pidns !== undefined && !(typeof r.pidns === 'string' && PIDNS.test(r.pidns))) return bad('field `pidns` is not a pid namespace ("pid:[<inode>]")');
  if (!isValidName(r.name) || keyOf(r.name, r.pidns as string | undefined) !== key) return bad(`field \`name\` does not match the key "${key}"`);
  if (!isText(r.backend, 64)) return bad('field `backend` is not a short string');
  if (!isText(r.command, 4096) || r.command.length === 0) return bad('field `command` is not a string of 1-4096 characters');
  if (!Array.isArray(r.args) || r.args.length > 10_000 || !r.args.every((a) => isText(a, 65_536))) return bad('field `args` is not a list of strings');
  if (r.cwd !== null && !isPath(r.cwd)) return bad('field `cwd` is not a path or null');
  if (typeof r.startedAt !== 'number' || !Number.isFinite(r.startedAt) || r.startedAt < 0) return bad('field `startedAt` is not a time');
  if (r.stdin !== null && !isPath(r.stdin)) return bad('field `stdin` is not a path or null');
  const logs = r.logs as Record<string, unknown> | null;
  if (typeof logs !== 'object' || logs === null || !isPathOrNull(logs.stdout) || !isPathOrNull(logs.stderr)) return bad('field `logs` is not { stdout, stderr } paths');
  const logCap = r.logCap as Record<string, unknown> | undefined;
  // Bounds wide enough for any cap a backend accepts; the backend checks its own rules again before applying one.
  if (logCap !== undefined && (typeof logCap !== 'object' || logCap === null || !isCount(logCap.maxBytes, 1, Number.MAX_SAFE_INTEGER) || !isCount(logCap.keep, 0, 1000))) {
    return bad('field `logCap` is not { maxBytes, keep } counts');
  }
  let stop: StopStep[];
  try {
    stop = normalizeStopPlan(r.stop, 'stored stop plan');
  } catch (error) {
    return bad((error as Error).message.replace('[pidkeep] ', ''));
  }
  if (stop.some((step) => step.write !== undefined) && r.stdin === null) return bad('stop plan writes to stdin but the record has no stdin FIFO');
  const env = r.env as Record<string, unknown> | undefined;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env) || Object.entries(env).some(([k, v]) => k.length === 0 || k.length > 1024 || k.includes('=') || !(v === null || isText(v, 131_072))))) {
    return bad('field `env` is not an object of variables (string or null)');
  }
  // A check this version cannot read (a newer kind, or garbage) is left out rather than setting the record aside:
  // it only matters to a restart, which then waits for the default check.
  const ready = r.ready === undefined ? undefined : (parseStoredReady(r.ready) ?? undefined);

  // Only pids that can never be a child are refused here. The controller's own pid and its parent's are valid
  // records (pidkeep inside a pidkeep-managed process): they are listed, and the signal guard refuses them.
  if (typeof r.pid !== 'number' || !Number.isSafeInteger(r.pid) || r.pid < 2 || r.pid > limits.maxPid) return bad(`pid ${String(r.pid)} is outside 2..${limits.maxPid}`);
  if (!isText(r.bootId, 256) || !isText(r.startTime, 128) || !isText(r.comm, 256)) return bad('fields `bootId`, `startTime`, `comm` are not short strings');
  let ended: EndedInfo | undefined;
  if (endedLine !== undefined) {
    if (typeof endedLine !== 'object' || endedLine === null || Array.isArray(endedLine)) return bad('the line after the record is not {"ended": ...}');
    const e = (endedLine as Record<string, unknown>).ended as Record<string, unknown> | null;
    const code = e?.code;
    const signal = e?.signal;
    if (typeof e !== 'object' || e === null || typeof e.at !== 'number' || !Number.isFinite(e.at) || !isText(e.how, 1024) || !(code === null || (typeof code === 'number' && Number.isInteger(code))) || !(signal === null || isText(signal, 32))) {
      return bad('field `ended` is not { at, code, signal, how }');
    }
    ended = { at: e.at, code: code as number | null, signal: signal as string | null, how: e.how };
  }
  return {
    kind: 'ok',
    record: {
      v: 2,
      id: r.id,
      marker,
      namespace,
      name: r.name,
      backend: r.backend,
      command: r.command,
      args: [...(r.args as string[])],
      cwd: r.cwd as string | null,
      startedAt: r.startedAt,
      stdin: r.stdin as string | null,
      logs: { stdout: logs.stdout as string | null, stderr: logs.stderr as string | null },
      ...(logCap !== undefined ? { logCap: { maxBytes: logCap.maxBytes as number, keep: logCap.keep as number } } : {}),
      stop,
      meta: r.meta,
      ...(env !== undefined ? { env: { ...(env as Record<string, string | null>) } } : {}),
      ...(ready !== undefined ? { ready } : {}),
      pid: r.pid as number,
      bootId: r.bootId,
      startTime: r.startTime,
      comm: r.comm,
      ...(r.pidns !== undefined ? { pidns: r.pidns as string } : {}),
      ...(ended ? { ended } : {}),
    },
  };
}

/** A stored readiness check rebuilt field by field, or null when it is not one. */
function parseStoredReady(value: unknown): StoredReady | null {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  const optional = (key: string, min: number) => o[key] === undefined || isCount(o[key], min, 86_400_000);
  if (!optional('timeout', 1)) return null;
  const timeout = o.timeout === undefined ? {} : { timeout: o.timeout as number };
  const stream: { stream?: 'stdout' | 'stderr' | 'both' } | null = o.stream === undefined ? {} : o.stream === 'stdout' || o.stream === 'stderr' || o.stream === 'both' ? { stream: o.stream } : null;
  if (o.alive !== undefined) return isCount(o.alive, 0, 86_400_000) ? { alive: o.alive } : null;
  if (o.idle !== undefined) return isCount(o.idle, 1, 86_400_000) && optional('max', 1) ? { idle: o.idle, ...(o.max !== undefined ? { max: o.max as number } : {}) } : null;
  if (o.port !== undefined) {
    if (!isCount(o.port, 1, 65_535) || !(o.host === undefined || (isText(o.host, 255) && o.host.length > 0))) return null;
    return { port: o.port, ...(o.host !== undefined ? { host: o.host as string } : {}), ...timeout };
  }
  if (o.line !== undefined) return isText(o.line, 4096) && o.line.length > 0 && stream ? { line: o.line, ...stream, ...timeout } : null;
  if (o.pattern !== undefined) {
    if (!isText(o.pattern, 4096) || typeof o.flags !== 'string' || !/^[dgimsuvy]{0,8}$/.test(o.flags) || !stream) return null;
    try {
      new RegExp(o.pattern, o.flags);
    } catch {
      return null;
    }
    return { pattern: o.pattern, flags: o.flags, ...stream, ...timeout };
  }
  if (o.until === 'function' && optional('interval', 10)) return { until: 'function', ...(o.interval !== undefined ? { interval: o.interval as number } : {}), ...timeout };
  return null;
}

let idPrefix: string | undefined;
let idCounter = 0;

/**
 * Unique across controllers: 16 random hex digits drawn once per process from the platform's CSPRNG (Node and
 * browsers alike), then a counter. Drawing randomness per start showed up in start-up profiles.
 */
export function newRecordId(): string {
  idPrefix ??= randomHex(8);
  idCounter = (idCounter + 1) % 0x1_0000_0000;
  return idPrefix + idCounter.toString(16).padStart(8, '0');
}

/** `bytes` random bytes from the platform's CSPRNG (Node and browsers alike), as hex. */
export function randomHex(bytes: number): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The line that marks a record ended, appended to it as stored: the record's own line stays exactly as written
 * (meta as given, not a schema's output), and a store can append it without rewriting the file.
 */
export function endedLine(ended: EndedInfo): string {
  return `${JSON.stringify({ ended })}\n`;
}

/**
 * A short stable id for a store location and namespace (FNV-1a, 64 bits, as 16 hex digits). It goes into every
 * child's marker so a sweep acts only on its own store's processes; it is not a secret and needs no crypto.
 */
export function stableId(...parts: string[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const char of new TextEncoder().encode(parts.join('\0'))) {
    hash ^= BigInt(char);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** One line ending in a newline: stores may rely on the newline to tell a complete record from one being written. */
export function serializeRecord(record: StoredRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && !value.includes('\0');
}

function isCount(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function isPath(value: unknown): value is string {
  return isText(value, 4096) && value.length > 0;
}

function isPathOrNull(value: unknown): boolean {
  return value === null || isPath(value);
}
