// The `pidkeep` command: each run is a short-lived controller that reconciles, acts and exits.
// Exit codes: 0 done, 1 failed (message on stderr), 2 usage error, 3 no such process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandHelp, COMMANDS, overview, unknownCommand } from './cli-help.js';
import { describeError, PidkeepError } from './errors.js';
import { createProcessManager } from './manager.js';
import { describeStop } from './stop.js';
import { fileStore } from './node/file-store.js';
import { nodeBackend } from './node/backend.js';
import { copyLog } from './node/log-reader.js';
import type { LastExit, ProcessManager } from './types.js';
import { isValidName } from './validate.js';

/** A usage mistake, said in one line about one command. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const common = {
  dir: { type: 'string' },
  namespace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const version = () => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Out = { out: (line: string) => void; err: (line: string) => void };

export async function main(argv: string[], io: Out = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '-v' || command === '--version' || command === 'version') return io.out(version()), 0;
    if (!command || command === '-h' || command === '--help') {
      io.out(overview());
      return command ? 0 : 2;
    }
    if (command === 'help') {
      const [topic] = rest;
      if (topic === undefined) return io.out(overview()), 0;
      if (!COMMANDS[topic]) throw new UsageError(unknownCommand(topic));
      return io.out(commandHelp(topic)), 0;
    }
    if (!COMMANDS[command]) throw new UsageError(unknownCommand(command));
    if (rest.includes('--help') || rest.includes('-h')) {
      // Before `--` only: after it, the words belong to the command being run.
      const end = rest.indexOf('--');
      if (end < 0 || rest.slice(0, end).some((arg) => arg === '--help' || arg === '-h')) return io.out(commandHelp(command)), 0;
    }
    switch (command) {
      case 'run':
        return await run(rest, io);
      case 'ls':
        return await ls(rest, io);
      case 'logs':
        return await logs(rest, io);
      case 'write':
        return await write(rest);
      case 'stop':
        return await stop(rest, io);
      case 'restart':
        return await restart(rest, io);
      case 'describe':
        return await describe(rest, io);
      default:
        return await sweep(rest, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pidkeep: ${error.command ? `${error.command}: ` : ''}${error.message}${error.command ? ` (see \`pidkeep ${error.command} --help\`)` : ''}`);
      return 2;
    }
    if (error instanceof TypeError) {
      io.err(`pidkeep: ${error.message.replace('[pidkeep] ', '')}`);
      return 2;
    }
    if (error instanceof PidkeepError) {
      io.err(failure(error));
      return error.code === 'NOT_FOUND' ? 3 : 1;
    }
    io.err(`pidkeep: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

/** The library's advice names its API; the CLI's names its commands. */
const CLI_WORDS: Array<[RegExp, string]> = [
  [/pm\.list\(\)/g, '`pidkeep ls`'],
  [/pm\.sweep\(\)|\bsweep\(\)/g, '`pidkeep sweep`'],
  [/`stdin: 'fifo'`/g, '`pidkeep run --fifo`'],
];
const cliWords = (message: string) => CLI_WORDS.reduce((text, [api, cli]) => text.replace(api, cli), message);
const failure = (error: PidkeepError) => `pidkeep: ${error.subject ? `${error.subject}: ` : ''}${cliWords(error.reason)} (${error.code})`;

/** Node's parseArgs messages, said shortly and about the command: "stop: unknown option --foo". */
function usageOf(command: string, error: unknown): UsageError {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option ?? message}`, command);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`${option ?? 'an option'} ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'}`, command);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim(), command);
  return new UsageError(message, command);
}

/**
 * Parses one command's arguments. `names` are its positionals (`NAME`, `TEXT`; a trailing `...` takes any number,
 * at least `min`). Defaults for --dir and --namespace come from PIDKEEP_DIR and PIDKEEP_NAMESPACE.
 */
function parse<O extends ParseArgsConfig['options']>(command: string, args: string[], options: O, names: string[], min = names.length) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...common, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageOf(command, error);
  }
  const variadic = names.at(-1)?.endsWith('...') ?? false;
  const got = parsed.positionals.length;
  if (got < min) throw new UsageError(`missing ${names.slice(got).join(' ').replace('...', '')}`, command);
  if (!variadic && got > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[names.length])}`, command);
  const given = parsed.values as typeof parsed.values & { dir?: string; namespace?: string };
  const values = { ...given, dir: given.dir ?? (process.env.PIDKEEP_DIR || undefined), namespace: given.namespace ?? (process.env.PIDKEEP_NAMESPACE || 'default') };
  return { values, positionals: parsed.positionals };
}

async function open(values: { dir?: string | undefined; namespace?: string | undefined }): Promise<ProcessManager> {
  return createProcessManager({ namespace: values.namespace ?? 'default', backend: nodeBackend(), store: fileStore({ dir: values.dir }) });
}

/** One short-lived controller for one command: reconcile, act, close (closing never stops a process). */
async function withManager<T>(values: { dir?: string | undefined; namespace?: string | undefined }, use: (pm: ProcessManager) => Promise<T>): Promise<T> {
  const pm = await open(values);
  try {
    return await use(pm);
  } finally {
    await pm.close();
  }
}

async function run(args: string[], io: Out) {
  // Everything after `--` is the command line, untouched by option parsing.
  const split = args.indexOf('--');
  if (split < 0) throw new UsageError('needs `--` before the command: pidkeep run NAME -- CMD [ARGS...]', 'run');
  const commandLine = args.slice(split + 1);
  const { values, positionals } = parse('run', args.slice(0, split), {
    fifo: { type: 'boolean' },
    cwd: { type: 'string' },
    env: { type: 'string', multiple: true },
    meta: { type: 'string' },
    settle: { type: 'string' },
  }, ['NAME']);
  const settle = values.settle === undefined ? 500 : Number(values.settle);
  if (!/^\d+$/.test(values.settle ?? '0') || !Number.isSafeInteger(settle)) throw new UsageError(`--settle expects milliseconds, got "${values.settle}"`, 'run');
  if (commandLine.length === 0) throw new UsageError('missing CMD after `--`', 'run');
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--env expects KEY=VALUE, got "${pair}"`, 'run');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let meta: unknown;
  if (values.meta !== undefined) {
    try {
      meta = JSON.parse(values.meta);
    } catch {
      throw new UsageError('--meta expects JSON', 'run');
    }
  }
  return withManager(values, async (pm) => {
    const [command, ...commandArgs] = commandLine as [string, ...string[]];
    const handle = await pm.start(positionals[0]!, { command, args: commandArgs, cwd: values.cwd, env, meta, stdin: values.fifo ? 'fifo' : 'ignore' });
    // A command that exits at once is not a started process: wait a moment before saying it runs.
    // --settle 0 does not look at all: a command that ended already would otherwise win the race.
    const ended = settle > 0 ? await Promise.race([handle.exited, delay(settle, undefined, { ref: false })]) : undefined;
    if (ended) {
      const how = ended.code !== null ? `exit code ${ended.code}` : ended.signal !== null ? `signal ${ended.signal}` : 'an unknown status';
      const tail = handle.logs.stderr ? lastLines(handle.logs.stderr, 10) : '';
      io.err(`pidkeep: run: ${handle.name} (pid ${handle.pid}) ended within ${settle} ms with ${how}${tail ? `; the last lines of its stderr:\n${tail}` : ' and wrote nothing to stderr'}`);
      return 1;
    }
    io.out(String(handle.pid));
    return 0;
  });
}

/** The last `count` lines of a (small, or the end of a big) text file, for an error message. */
function lastLines(path: string, count: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(-8192).trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}

interface Row {
  namespace: string;
  name: string;
  pid: number | null;
  status: string;
  startedAt: number | null;
  command: string | null;
  args: readonly string[] | null;
  adopted: boolean;
  logs: { stdout: string | null; stderr: string | null } | null;
  meta: unknown;
  lastExit: LastExit | null;
  /** Why a row is not running (or what is odd about it), for people. */
  note: string | null;
}

/** One namespace's rows: its processes, what the reconcile found instead of them, and set-aside records. */
async function rowsOf(values: { dir?: string | undefined; namespace: string }): Promise<Row[]> {
  const pm = await open(values);
  try {
    // Records set aside as unreadable stay listed with the live process their marker points to (stop it by name).
    const setAside = await pm.setAside();
    const asideNames = new Set(setAside.map((entry) => entry.name));
    const base = { namespace: pm.namespace, adopted: false, logs: null, meta: null, lastExit: null, startedAt: null, command: null, args: null };
    const rows: Row[] = pm.list().map((h) => ({ ...base, name: h.name, pid: h.pid, status: 'running', startedAt: h.startedAt, command: h.command, args: h.args, adopted: h.adopted, logs: h.logs, meta: h.meta, note: null }));
    for (const r of pm.recovery) {
      if (r.status === 'adopted' || (r.status === 'corrupt' && asideNames.has(r.name))) continue;
      const last = (await pm.lastExit(r.name).catch(() => undefined)) ?? null;
      rows.push({ ...base, name: r.name, pid: r.pid, status: r.status, command: last?.command ?? null, args: last?.args ?? null, lastExit: last, note: r.detail });
    }
    for (const entry of setAside) rows.push({ ...base, name: entry.name, pid: entry.pid, status: entry.pid === null ? 'set aside' : 'set aside, running', note: `unreadable record (${entry.reason})` });
    // Ended runs stay listed (with how they ended) until the name is started again.
    const shown = new Set(rows.map((r) => r.name));
    for (const last of await pm.ended()) {
      if (shown.has(last.name)) continue;
      const exit = last.exit.code !== null ? `exit code ${last.exit.code}` : last.exit.signal !== null ? `by ${last.exit.signal}` : undefined;
      rows.push({ ...base, name: last.name, pid: last.pid, status: 'ended', command: last.command, args: last.args, lastExit: last, note: `${last.how}${exit ? `, ${exit}` : ''}, ${new Date(last.endedAt).toISOString()}` });
    }
    return rows;
  } finally {
    await pm.close();
  }
}

/** The namespaces a store folder holds (each a folder with records/), for `ls --all` and an empty `ls`. */
function namespacesIn(dir: string | undefined): string[] {
  const root = dirname(fileStore({ dir }).location('default'));
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isValidName(entry.name) && existsSync(join(root, entry.name, 'records')))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** An argument as a POSIX shell would need it: plain words bare, anything else in single quotes. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function ls(args: string[], io: Out) {
  const { values } = parse('ls', args, { json: { type: 'boolean' }, all: { type: 'boolean' } }, []);
  const namespaces = values.all ? namespacesIn(values.dir) : [values.namespace];
  const rows: Row[] = [];
  for (const namespace of namespaces) rows.push(...(await rowsOf({ dir: values.dir, namespace })));
  rows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const now = Date.now();
  if (values.json) {
    io.out(JSON.stringify(rows.map((r) => ({ ...r, uptimeMs: r.startedAt === null ? null : now - r.startedAt })), null, 2));
    return 0;
  }
  if (rows.length === 0) {
    const here = namespacesIn(values.dir).filter((ns) => ns !== values.namespace);
    io.out(values.all ? 'no processes in this store' : `no processes in namespace "${values.namespace}"${here.length ? `; this store has: ${here.join(', ')} (\`pidkeep ls --namespace NS\`, or \`pidkeep ls --all\`)` : ''}`);
    return 0;
  }
  const notes = rows.some((r) => r.note !== null);
  const header = [...(values.all ? ['NAMESPACE'] : []), 'NAME', 'PID', 'STATUS', 'UPTIME', 'COMMAND', ...(notes ? ['NOTE'] : [])];
  const table = [
    header,
    ...rows.map((r) => [
      ...(values.all ? [r.namespace] : []),
      r.name,
      String(r.pid ?? '-'),
      r.status,
      r.startedAt === null ? '-' : uptime(now - r.startedAt),
      r.command === null ? '-' : [r.command, ...(r.args ?? [])].map(shellQuote).join(' '),
      ...(notes ? [r.note ?? ''] : []),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  return 0;
}

async function logs(args: string[], io: Out) {
  const { values, positionals } = parse('logs', args, { follow: { type: 'boolean', short: 'f' }, stderr: { type: 'boolean' } }, ['NAME']);
  const name = positionals[0]!;
  const pm = await open(values);
  const out = outputWriter(process.stdout);
  try {
    const handle = pm.get(name);
    const home = fileStore({ dir: values.dir }).location(pm.namespace);
    // A record names its log paths: copyLog reads only regular files inside this namespace's own directory.
    const path = (values.stderr ? handle?.logs.stderr : handle?.logs.stdout) ?? join(home, 'logs', `${name}.${values.stderr ? 'err' : 'out'}.log`);
    let copy = await copyLog(path, home, 0, out.write, name);
    if (!copy && !handle) throw new PidkeepError('NOT_FOUND', `no process and no log named "${name}" in namespace "${pm.namespace}"`, { record: name });
    // A log that is missing for now keeps the last offset: if it comes back shorter, copyLog starts it over.
    const more = async () => (copy = (await copyLog(path, home, copy?.offset ?? 0, out.write, name)) ?? copy);
    if (values.follow && handle) {
      // Follow until the process ends, then print what it wrote last; stop as soon as the reader has gone.
      let ended = false;
      void handle.exited.then(() => (ended = true));
      while (!ended && copy?.reading !== false) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await more();
      }
      if (copy?.reading !== false) await more();
    }
    if (out.failure) {
      io.err(`pidkeep: could not write the log to standard output (${describeError(out.failure)})`);
      return 1;
    }
    return 0;
  } finally {
    out.release();
    await pm.close();
  }
}

/**
 * Writes bytes to `stream` one chunk at a time: each `write` resolves once the stream is done with the chunk, so the
 * caller holds one chunk, whatever the size of what it copies. `false` means stop: the reader has gone (EPIPE, as in
 * `pidkeep logs x | head`), which ends the output quietly, as `cat` does, or the write failed (`failure`).
 */
function outputWriter(stream: NodeJS.WritableStream) {
  let stopped = false;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    stopped = true;
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') failure ??= error;
  };
  // Without a listener, the stream's 'error' event (EPIPE included) would crash the process with a stack trace.
  stream.on('error', fail);
  return {
    get failure() {
      return failure;
    },
    write: async (chunk: Uint8Array): Promise<boolean> => {
      if (stopped) return false;
      const error = await new Promise<Error | null | undefined>((done) => {
        try {
          stream.write(chunk, done);
        } catch (thrown) {
          done(thrown as Error); // a synchronous stdout (a file) throws instead
        }
      });
      if (error) fail(error);
      return !stopped;
    },
    /** Keeps the listener once the stream has failed: its 'error' event may still be on its way. */
    release: () => {
      if (!stopped) stream.off('error', fail);
    },
  };
}

async function write(args: string[]) {
  const { values, positionals } = parse('write', args, { line: { type: 'boolean' } }, ['NAME', 'TEXT']);
  return withManager(values, async (pm) => {
    const handle = pm.get(positionals[0]!);
    if (!handle) throw new PidkeepError('NOT_FOUND', `no running process is named "${positionals[0]}" in namespace "${pm.namespace}"; see \`pidkeep ls\``, { record: positionals[0] });
    await handle.write(values.line ? `${positionals[1]}\n` : positionals[1]!);
    return 0;
  });
}

async function stop(args: string[], io: Out) {
  const { values, positionals } = parse('stop', args, { timeout: { type: 'string' }, all: { type: 'boolean' } }, ['NAME...'], 0);
  if (values.all && positionals.length > 0) throw new UsageError('give NAMEs or --all, not both', 'stop');
  if (!values.all && positionals.length === 0) throw new UsageError('missing NAME (or --all)', 'stop');
  const plan = timeoutPlan(values.timeout, 'stop');
  return withManager(values, async (pm) => {
    const names = values.all ? pm.list().map((h) => h.name) : [...new Set(positionals)];
    if (names.length === 0) io.out(`nothing to stop in namespace "${pm.namespace}"`);
    // One after another, each reported on its own line; the worst outcome decides the exit code.
    let code = 0;
    for (const name of names) {
      try {
        const result = await pm.stop(name, plan);
        io.out(`${result.name} (pid ${result.pid}): ${describeStop(result)}`);
      } catch (error) {
        if (!(error instanceof PidkeepError)) throw error;
        io.err(failure(error));
        code = Math.max(code, error.code === 'NOT_FOUND' ? 3 : 1);
      }
    }
    return code;
  });
}

async function restart(args: string[], io: Out) {
  const { values, positionals } = parse('restart', args, { timeout: { type: 'string' } }, ['NAME']);
  const plan = timeoutPlan(values.timeout, 'restart');
  return withManager(values, async (pm) => {
    const handle = await pm.restart(positionals[0]!, plan);
    io.out(String(handle.pid));
    return 0;
  });
}

async function describe(args: string[], io: Out) {
  const { values, positionals } = parse('describe', args, { json: { type: 'boolean' } }, ['NAME']);
  const name = positionals[0]!;
  return withManager(values, async (pm) => {
    const handle = pm.get(name);
    const found = pm.recovery.find((r) => r.name === name);
    const last = handle ? undefined : await pm.lastExit(name);
    if (!handle && !found && !last) throw new PidkeepError('NOT_FOUND', `nothing is known of "${name}" in namespace "${pm.namespace}"; see \`pidkeep ls\``, { record: name });
    const facts = {
      name,
      namespace: pm.namespace,
      status: handle ? 'running' : (found?.status ?? 'ended'),
      pid: handle?.pid ?? found?.pid ?? last?.pid ?? null,
      command: handle?.command ?? last?.command ?? null,
      args: handle?.args ?? last?.args ?? null,
      startedAt: handle ? new Date(handle.startedAt).toISOString() : last ? new Date(last.startedAt).toISOString() : null,
      found: handle ? (handle.adopted ? 'adopted: started by an earlier controller, proven by boot id, pid, start time and marker' : 'started by this command') : (found?.detail ?? null),
      stdin: handle?.stdin ?? null,
      logs: handle?.logs ?? null,
      stopPlan: handle?.stopPlan ?? null,
      meta: handle?.meta ?? null,
      lastExit: last ?? null,
    };
    if (values.json) io.out(JSON.stringify(facts, null, 2));
    else {
      const width = Math.max(...Object.keys(facts).map((k) => k.length));
      for (const [key, value] of Object.entries(facts)) {
        if (value === null) continue;
        const shown = key === 'args' && Array.isArray(value) ? value.map(shellQuote).join(' ') : typeof value === 'string' ? value : JSON.stringify(value);
        io.out(`${key.padEnd(width)}  ${shown}`);
      }
    }
    return 0;
  });
}

async function sweep(args: string[], io: Out) {
  const { values } = parse('sweep', args, { timeout: { type: 'string' }, 'all-users': { type: 'boolean' } }, []);
  return withManager(values, async (pm) => {
    const swept = await pm.sweep({ stop: timeoutPlan(values.timeout, 'sweep'), allUsers: values['all-users'] === true });
    for (const entry of swept) io.out(`swept pid ${entry.pid} (${entry.comm}, ${entry.marker}): ${describeStop(entry.result)}`);
    if (swept.length === 0) io.out(`nothing to sweep in namespace "${pm.namespace}"`);
    return 0;
  });
}

/** `--timeout MS`: SIGTERM, wait MS, then SIGKILL. */
function timeoutPlan(timeout: string | undefined, command: string) {
  if (timeout === undefined) return undefined;
  const wait = Number(timeout);
  if (!/^\d+$/.test(timeout) || !Number.isSafeInteger(wait)) throw new UsageError(`--timeout expects milliseconds, got "${timeout}"`, command);
  return [{ signal: 'SIGTERM' as const, wait }];
}

function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}
