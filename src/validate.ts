import type { PidLimits, RestartOptions, SignalName, StopPlan, StopStep } from './types.js';

const NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Names become file names and keys: only a safe alphabet, never `.` or `..`. */
export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value) && value !== '.' && value !== '..';
}

/**
 * A store key: a record's name, or `<name>@<pid namespace inode>` for a record started in a pid namespace other
 * than the machine's first one (a container, a Flatpak sandbox), so that namespaces never block each other's names.
 */
export function isValidKey(value: unknown): value is string {
  if (isValidName(value)) return true;
  if (typeof value !== 'string') return false;
  const at = value.lastIndexOf('@');
  return at > 0 && isValidName(value.slice(0, at)) && /^\d{1,20}$/.test(value.slice(at + 1));
}

export function assertKey(value: unknown): asserts value is string {
  if (!isValidKey(value)) throw new TypeError(`[pidkeep] Expected a record key (a name, or name@<pid namespace>), got ${show(value)}`);
}

export function assertName(value: unknown, what: 'name' | 'namespace' = 'name'): asserts value is string {
  if (!isValidName(value)) {
    throw new TypeError(
      `[pidkeep] Expected the ${what} to be 1-128 characters of [A-Za-z0-9._-], not "." or "..", got ${show(value)}`,
    );
  }
}

/**
 * Why a pid must never reach a signal, or undefined when it may. 0, negatives and 1 address groups or
 * every process (`kill(-1)` hits all the user owns); our own pid and our parent's would take the controller down.
 */
export function unsafePidReason(pid: unknown, limits: PidLimits): string | undefined {
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid)) return `pid ${show(pid)} is not an integer`;
  if (pid < 2 || pid > limits.maxPid) return `pid ${pid} is outside 2..${limits.maxPid}`;
  if (pid === limits.selfPid) return `pid ${pid} is this controller's own`;
  if (pid === limits.parentPid) return `pid ${pid} is this controller's parent`;
  return undefined;
}

export const SIGNALS: readonly SignalName[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'];

export const DEFAULT_STOP_PLAN: StopPlan = [
  { signal: 'SIGTERM', wait: 5000 },
  { signal: 'SIGKILL', wait: 2000 },
];

const MAX_WAIT = 24 * 60 * 60 * 1000;

/** Checks a plan and returns it complete: every step with its wait, ending in SIGKILL. */
export function normalizeStopPlan(plan: unknown, where = 'stop plan'): StopStep[] {
  if (!Array.isArray(plan)) throw new TypeError(`[pidkeep] Expected the ${where} to be an array of steps, got ${show(plan)}`);
  if (plan.length > 32) throw new TypeError(`[pidkeep] Expected the ${where} to have at most 32 steps, got ${plan.length}`);
  const steps: StopStep[] = plan.map((step: unknown, index) => {
    const at = `${where} step ${index}`;
    if (typeof step !== 'object' || step === null) throw new TypeError(`[pidkeep] Expected ${at} to be an object, got ${show(step)}`);
    const { write, signal, wait = 2000 } = step as Record<string, unknown>;
    if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT) {
      throw new TypeError(`[pidkeep] Expected the \`wait\` of ${at} to be an integer of milliseconds in 0..${MAX_WAIT}, got ${show(wait)}`);
    }
    if ((write === undefined) === (signal === undefined)) {
      throw new TypeError(`[pidkeep] Expected ${at} to have exactly one of \`write\` or \`signal\``);
    }
    if (write !== undefined) {
      if (typeof write !== 'string' || write.length === 0 || write.length > 4096) {
        throw new TypeError(`[pidkeep] Expected the \`write\` of ${at} to be a string of 1-4096 characters, got ${show(write)}`);
      }
      return { write, wait };
    }
    if (!SIGNALS.includes(signal as SignalName)) {
      throw new TypeError(`[pidkeep] Expected the \`signal\` of ${at} to be one of ${SIGNALS.join(', ')}, got ${show(signal)}`);
    }
    return { signal: signal as SignalName, wait };
  });
  if (steps.at(-1)?.signal !== 'SIGKILL') steps.push({ signal: 'SIGKILL', wait: 2000 });
  return steps;
}

/** A short, safe rendering of an unexpected value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (string)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${String(value)} (${typeof value})`;
}

/** Checks `pm.start()` options and returns them complete. */
export function checkStart(options: unknown) {
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected start options { command, args? }, got ${show(options)}`);
  const o = options as Record<string, unknown>;
  if (typeof o.command !== 'string' || o.command.length === 0 || o.command.includes('\0')) {
    throw new TypeError(`[pidkeep] Expected \`command\` to be a non-empty string, got ${show(o.command)}`);
  }
  const args = o.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
    throw new TypeError(`[pidkeep] Expected \`args\` to be an array of strings, got ${show(args)}`);
  }
  if (o.cwd !== undefined && (typeof o.cwd !== 'string' || o.cwd.length === 0)) throw new TypeError(`[pidkeep] Expected \`cwd\` to be a path, got ${show(o.cwd)}`);
  const env = o.env ?? {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new TypeError(`[pidkeep] Expected \`env\` to be an object of strings, got ${show(env)}`);
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && typeof value !== 'string') throw new TypeError(`[pidkeep] Expected \`env.${key}\` to be a string or undefined, got ${show(value)}`);
  }
  const stdin = o.stdin ?? 'ignore';
  if (stdin !== 'ignore' && stdin !== 'fifo') throw new TypeError(`[pidkeep] Expected \`stdin\` to be 'ignore' or 'fifo', got ${show(stdin)}`);
  return { command: o.command, args: [...(args as string[])], cwd: o.cwd as string | undefined, env: env as Record<string, string | undefined>, stdin: stdin as 'ignore' | 'fifo' };
}

/** `pm.restart(name, plan)` (a stop plan alone, the first form) or `pm.restart(name, { stop, ready })`. */
export function restartOptions(options: unknown): RestartOptions {
  if (options === undefined) return {};
  if (Array.isArray(options)) return { stop: options as StopPlan };
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected restart's second argument to be { stop?, ready? } or a stop plan, got ${show(options)}`);
  const unknown = Object.keys(options).filter((key) => key !== 'stop' && key !== 'ready');
  if (unknown.length > 0) throw new TypeError(`[pidkeep] Unknown restart option ${show(unknown[0])}: expected { stop?, ready? }`);
  return options as RestartOptions;
}

/** Names in code-unit order: localeCompare's first call builds an ICU collator, ~10 ms of a CLI command. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
