// start(name, { ready }): a started process is one that is ready, not merely one that was spawned. A command that
// fails at once (a bad flag, a missing file) must fail start(), not show up as a process that ends a moment later.
import { probeOne, type Context, type Tracked } from './context.js';
import { describeError, PidkeepError } from './errors.js';
import { judge } from './identity.js';
import { describeStop } from './stop.js';
import { markExited, stopTracked } from './tracked.js';
import type { StoredRecord, StoredReady } from './record.js';
import type { ExitInfo, ProcessHandle, ReadyCheck } from './types.js';
import { show } from './validate.js';

/** Long enough for a command that fails at once to have failed; short enough not to be noticed. */
export const DEFAULT_READY: ReadyCheck = { alive: 100 };
/**
 * An interpreter's failures at start-up (a syntax error, a missing module) come after it has read and compiled its
 * code: ~120 ms for a Node script, ~200 ms for a Python import error, later for a large app. It is started once it
 * rests, waiting for work; one busy for longer still counts as started at `max`.
 */
export const INTERPRETER_READY: ReadyCheck = { idle: 50, max: 2000 };
const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_INTERVAL = 100;
const DEFAULT_IDLE_MAX = 2000;

/** Commands whose start-up failures come late: interpreters and the launchers that run one, by file name. */
const INTERPRETER = /^(node|nodejs|deno|bun|tsx|ts-node|npm|npx|pnpm|yarn|python[0-9.]*|pypy[0-9.]*|uv|uvx|poetry|pipenv|gunicorn|uvicorn|ruby|bundle|rails|perl|php[0-9.]*|java|kotlin|scala|dotnet|elixir|mix|erl|Rscript|julia|lua[0-9.]*|luajit)$/;

/** Whether `command` (a path or a bare name) runs an interpreter, by its file name. */
export function isInterpreter(command: string): boolean {
  const base = command.slice(Math.max(command.lastIndexOf('/'), command.lastIndexOf('\\')) + 1).replace(/\.(exe|cmd|bat)$/i, '');
  return INTERPRETER.test(base);
}

/** The check a start waits for when it is given none (see StartOptions.ready). */
export function defaultReady<Meta>(ctx: Context<Meta>, command: string): ReadyCheck {
  return ctx.backend.waitsIdle && ctx.backend.waitReady && isInterpreter(command) ? INTERPRETER_READY : DEFAULT_READY;
}

/** The longest wait any check may name: a day. A record keeps the same bounds (record.ts). */
const MAX_MS = 86_400_000;
/** The options each kind of check takes: any other is refused rather than silently ignored. */
const KEYS: Record<string, readonly string[]> = {
  alive: ['alive'],
  idle: ['idle', 'max'],
  port: ['port', 'host', 'timeout'],
  line: ['line', 'stream', 'timeout'],
  until: ['until', 'interval', 'timeout'],
};

/**
 * Checks `ready` before anything is spawned (and before a restart stops anything); TypeError for a malformed check,
 * UNSUPPORTED for one the backend cannot run. A check that passes here is one a record can keep (record.ts).
 */
export function checkReady<Meta>(ctx: Context<Meta>, value: unknown, name: string, command = ''): ReadyCheck | false {
  if (value === undefined) return defaultReady(ctx, command);
  if (value === false) return false;
  const bad = (what: string) => new TypeError(`[pidkeep] Expected \`ready\` to be false, { alive }, { idle }, { port }, { line } or { until }: ${what}, got ${show(value)}`);
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const o = value as Record<string, unknown>;
  const kinds = Object.keys(KEYS).filter((key) => o[key] !== undefined);
  if (kinds.length !== 1) throw bad('give exactly one of alive, idle, port, line, until');
  const kind = kinds[0]!;
  const extra = Object.keys(o).filter((key) => o[key] !== undefined && !KEYS[kind]!.includes(key));
  if (extra.length > 0) throw bad(`{ ${kind} } takes ${KEYS[kind]!.join(', ')}, not ${extra.join(', ')}`);
  const ms = (key: string, min: number) => {
    const v = o[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > MAX_MS)) throw bad(`\`${key}\` must be an integer of ${min} to ${MAX_MS} ms`);
  };
  ms('timeout', 1);
  ms('interval', 10);
  ms('max', 1);
  ms('alive', 0);
  ms('idle', 1);
  // An idle check that cannot be met before its max would pass on time alone, with nothing seen.
  if (kind === 'idle' && (o.idle as number) >= ((o.max as number | undefined) ?? DEFAULT_IDLE_MAX)) throw bad(`\`idle\` must be shorter than \`max\` (${(o.max as number | undefined) ?? `default ${DEFAULT_IDLE_MAX}`} ms)`);
  if (o.port !== undefined && (!Number.isSafeInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65535)) throw bad('`port` must be 1-65535');
  if (o.host !== undefined && !(typeof o.host === 'string' && o.host.length > 0 && o.host.length <= 255 && !o.host.includes('\0'))) throw bad('`host` must be a host name or address');
  const text = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 4096 && !v.includes('\0');
  if (o.line !== undefined && !text(o.line) && !(o.line instanceof RegExp && text(o.line.source))) throw bad('`line` must be a string or a RegExp of 1-4096 characters');
  if (o.stream !== undefined && o.stream !== 'stdout' && o.stream !== 'stderr' && o.stream !== 'both') throw bad("`stream` must be 'stdout', 'stderr' or 'both'");
  if (o.until !== undefined && typeof o.until !== 'function') throw bad('`until` must be a function');
  if ((o.port !== undefined || o.line !== undefined) && !ctx.backend.waitReady) {
    throw new PidkeepError('UNSUPPORTED', `the ${ctx.backend.name} backend cannot check ${o.port !== undefined ? 'ports' : 'output lines'}; use { alive } or { until } instead (nothing was started)`, { record: name });
  }
  if (o.idle !== undefined && !(ctx.backend.waitReady && ctx.backend.waitsIdle)) {
    throw new PidkeepError('UNSUPPORTED', `the ${ctx.backend.name} backend cannot see whether a process is busy on this platform; use { alive } or { until } instead (nothing was started)`, { record: name });
  }
  return value as ReadyCheck;
}

/** The form a record keeps of a start's check (see StoredReady). */
export function storedReady(check: ReadyCheck | false): StoredReady {
  // Field by field: a record keeps what the check means, never other keys the object carried.
  if (check === false) return false;
  if ('alive' in check) return { alive: check.alive };
  if ('idle' in check) return { idle: check.idle, ...(check.max !== undefined ? { max: check.max } : {}) };
  const timeout = check.timeout !== undefined ? { timeout: check.timeout } : {};
  if ('port' in check) return { port: check.port, ...(check.host !== undefined ? { host: check.host } : {}), ...timeout };
  if ('line' in check) {
    const stream = check.stream !== undefined ? { stream: check.stream } : {};
    return typeof check.line === 'string' ? { line: check.line, ...stream, ...timeout } : { pattern: check.line.source, flags: check.line.flags, ...stream, ...timeout };
  }
  return { until: 'function', ...(check.interval !== undefined ? { interval: check.interval } : {}), ...timeout };
}

/**
 * The check a restart waits for when it is given none: the one its run was started with. An `until` function lives
 * only in the controller that started the run; elsewhere the restart is refused before anything is stopped.
 */
export function recordedReady<Meta>(ctx: Context<Meta>, record: StoredRecord): ReadyCheck | false {
  const stored = record.ready;
  if (stored === undefined) return defaultReady(ctx, record.command); // an older record, which did not keep it
  // Checked as a given one is, before anything is stopped: another backend (a Tauri app restarting what the Node
  // CLI started) may not run this kind of check.
  const again = (check: ReadyCheck | false) => checkReady(ctx, check, record.name, record.command);
  if (stored === false || 'alive' in stored || 'idle' in stored || 'port' in stored || 'line' in stored) return again(stored);
  const timeout = stored.timeout !== undefined ? { timeout: stored.timeout } : {};
  if ('pattern' in stored) return again({ line: new RegExp(stored.pattern, stored.flags), ...(stored.stream !== undefined ? { stream: stored.stream } : {}), ...timeout });
  const own = ctx.untilChecks.get(record.name);
  if (own?.id === record.id) return own.check;
  throw new PidkeepError('UNSUPPORTED', `its run was started with an \`until\` readiness function, which only the controller that started it holds; pass the check to restart (pm.restart(name, { ready }), or \`pidkeep restart ${record.name} --ready ...\`); nothing was stopped`, { record: record.name, pid: record.pid });
}

type Outcome = { kind: 'ready' } | { kind: 'ended'; exit: ExitInfo } | { kind: 'timeout' } | { kind: 'failed'; error: unknown };

/**
 * Waits until a process this controller just started and recorded is ready. Rejects with NOT_READY when it ends
 * first (its record stays as the trace of the run) or when the check times out (it is then stopped with its plan:
 * a start that failed leaves nothing running).
 */
export async function awaitReady<Meta>(ctx: Context<Meta>, t: Tracked, check: ReadyCheck | false): Promise<void> {
  if (check === false) return;
  const abort = new AbortController();
  // The status is set the moment an end is seen; `exit` settles once the store has the trace.
  const ended = t.exit.then((exit): Outcome => ({ kind: 'ended', exit }));
  try {
    const outcome = await Promise.race([ended, passes(ctx, t, check, abort.signal)]);
    if (outcome.kind === 'ready') return;
    throw await notReady(ctx, t, check, outcome);
  } finally {
    abort.abort();
  }
}

async function passes<Meta>(ctx: Context<Meta>, t: Tracked, check: ReadyCheck, signal: AbortSignal): Promise<Outcome> {
  if ('alive' in check) {
    await sleep(check.alive, signal);
    // An adopted-style watch (no exit event) learns of an end only by looking.
    if (t.status === 'running' && !t.own) {
      const verdict = judge(t.record, await probeOne(ctx, t.record.pid).catch(() => undefined));
      if (verdict.kind === 'gone' || verdict.kind === 'reused') markExited(ctx, t, { code: null, signal: null });
    }
    return t.status === 'running' ? { kind: 'ready' } : { kind: 'ended', exit: await t.exit };
  }
  const timeout = timeoutOf(check);
  const timer = sleep(timeout, signal).then((): Outcome => ({ kind: 'timeout' }));
  const waiting = async (): Promise<Outcome> => {
    if ('until' in check) {
      const handle = t.handle as ProcessHandle<unknown>;
      while (!signal.aborted) {
        if (await check.until(handle)) return { kind: 'ready' };
        await sleep(check.interval ?? DEFAULT_INTERVAL, signal);
      }
      return { kind: 'timeout' };
    }
    await ctx.backend.waitReady!(check, { name: t.record.name, pid: t.record.pid, logs: t.record.logs }, signal);
    return { kind: 'ready' };
  };
  return Promise.race([timer, waiting().catch((error: unknown): Outcome => ({ kind: 'failed', error }))]);
}

/** The error for a start that did not become ready, after stopping what is left of it. */
async function notReady<Meta>(ctx: Context<Meta>, t: Tracked, check: ReadyCheck, outcome: Exclude<Outcome, { kind: 'ready' }>): Promise<PidkeepError> {
  const { name, pid, logs } = t.record;
  const waitedFor = describeCheck(check);
  let what: string;
  let cause: unknown;
  if (outcome.kind === 'ended') {
    const { code, signal } = outcome.exit;
    const how = code !== null ? `exit code ${code}` : signal !== null ? `signal ${signal}` : 'an unknown status';
    what = `it ended before it was ready (${waitedFor}) with ${how}`;
  } else {
    cause = outcome.kind === 'failed' ? outcome.error : undefined;
    const why = outcome.kind === 'timeout' ? `it was not ready within ${timeoutOf(check)} ms (${waitedFor})` : `its readiness check failed (${describeError(outcome.error)})`;
    let fate: string;
    try {
      fate = `so it was stopped: ${describeStop(await stopTracked(ctx, t))}`;
    } catch (error) {
      fate = `and it could not be stopped (${describeError(error)}): stop it with pm.stop("${name}")`;
    }
    what = `${why}, ${fate}`;
  }
  let tail = '';
  try {
    // From its log file; without one, from what the backend heard of its stderr (a Tauri child's events).
    tail = (logs.stderr && ctx.backend.tail ? await ctx.backend.tail(logs.stderr, 10) : !logs.stderr ? ((await ctx.backend.recentOutput?.(pid, 10)) ?? '') : '').trimEnd();
  } catch {
    // The tail only helps the reader; its absence is said below.
  }
  const where = tail ? `; the last lines of its stderr:\n${tail}` : logs.stderr ? (ctx.backend.tail ? `; its stderr (${logs.stderr}) is empty` : `; its stderr is in ${logs.stderr}`) : '';
  // The usual reason a line never comes: the program holds its output in a buffer when it writes to a file.
  const buffered = outcome.kind === 'timeout' && 'line' in check ? `; a program whose output goes to a file may keep its lines in a buffer until it is full: ask it to write them at once (Python: PYTHONUNBUFFERED=1 or \`python3 -u\`; C programs: \`stdbuf -oL\`)` : '';
  return new PidkeepError('NOT_READY', `${what}${buffered}${where}`, { record: name, pid, cause, ...(tail ? { stderr: tail } : {}) });
}

/**
 * How long a check may take before the start fails. An idle check ends by itself at `max` (a busy process counts as
 * started): its timer is only a backstop against a backend that never answers.
 */
function timeoutOf(check: ReadyCheck): number {
  if ('alive' in check) return check.alive;
  if ('idle' in check) return (check.max ?? DEFAULT_IDLE_MAX) + 5000;
  return check.timeout ?? DEFAULT_TIMEOUT;
}

/** A pause that ends early (and lets go of its timer) once the wait is over: no timer may keep a CLI alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describeCheck(check: ReadyCheck): string {
  if ('alive' in check) return `alive for ${check.alive} ms`;
  if ('idle' in check) return `at rest for ${check.idle} ms, its start-up done`;
  if ('port' in check) return `a connection to ${check.host ?? 'localhost'}:${check.port}`;
  if ('line' in check) return `a line of its ${check.stream === 'stdout' || check.stream === 'stderr' ? check.stream : 'output'} matching ${String(check.line)}`;
  return 'its `until` check';
}
