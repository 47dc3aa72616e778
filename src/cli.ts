// The `pidkeep` command: each run is a short-lived controller that reconciles, acts and exits.
// Exit codes: 0 done, 1 failed (message on stderr), 2 usage error, 3 no such process.
import { existsSync, readdirSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandHelp, COMMANDS, LS_ENDED, overview, unknownCommand } from './cli-help.js';
import { describeError, PidkeepError } from './errors.js';
import { createProcessManager } from './manager.js';
import { isInterpreter } from './ready.js';
import { describeStop } from './stop.js';
import { fileStore } from './node/file-store.js';
import { nodeBackend, type NodeBackendOptions } from './node/backend.js';
import { showLogs, type LogSource, type LogView } from './node/log-view.js';
import type { Forgotten, LastExit, ProcessManager, ReadyCheck, SignalName, StopStep } from './types.js';
import { byCodeUnit, isValidName } from './validate.js';

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

// Through the package's own name, so it is found from dist/cli.js and from the bundle in dist/node/ alike.
const version = () => (createRequire(import.meta.url)('pidkeep/package.json') as { version: string }).version;

type Out = { out: (line: string) => void; err: (line: string) => void };

/**
 * Lines straight to a file descriptor: process.stdout would load Node's stream, tty and net modules, ~5 ms of a
 * command that prints one line. A reader that has gone (EPIPE) ends the output quietly, as `cat` does.
 */
const lineTo = (fd: number) => (line: string) => {
  const bytes = Buffer.from(`${line}\n`);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw error; // EAGAIN: a non-blocking pipe is full for now; write the rest
    }
  }
};

export async function main(argv: string[], io: Out = { out: lineTo(1), err: lineTo(2) }): Promise<number> {
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
      case 'forget':
        return await forget(rest, io);
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
  [/pm\.stop\("([^"]+)"\)/g, '`pidkeep stop $1`'],
  [/use \{ alive \} or \{ until \} instead/g, 'use --ready alive:MS instead'],
  [/\(pm\.lastExit\)/g, '(`pidkeep describe`)'],
  [/see pm\.ended\(\) and pm\.setAside\(\)/g, 'see `pidkeep ls --ended`'],
  [/\(pm\.stop\(name\), `pidkeep stop NAME`\)/g, '(`pidkeep stop NAME`)'],
]
const cliWords = (message: string) => CLI_WORDS.reduce((text, [api, cli]) => text.replace(api, cli), message);
/** `pidkeep: <subject>: <reason> (CODE)`; a reason that quotes lines (a stderr tail) has the code on its first line. */
const failure = (error: PidkeepError) => {
  const [first, ...quoted] = cliWords(error.reason).split('\n');
  return [`pidkeep: ${error.subject ? `${error.subject}: ` : ''}${first} (${error.code})`, ...quoted].join('\n');
};

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

async function open(values: { dir?: string | undefined; namespace?: string | undefined }, backend: NodeBackendOptions = {}): Promise<ProcessManager> {
  return createProcessManager({ namespace: values.namespace ?? 'default', backend: nodeBackend(backend), store: fileStore({ dir: values.dir, watch: false }) });
}

/** One short-lived controller for one command: reconcile, act, close (closing never stops a process). */
async function withManager<T>(values: { dir?: string | undefined; namespace?: string | undefined }, use: (pm: ProcessManager) => Promise<T>, backend?: NodeBackendOptions): Promise<T> {
  const pm = await open(values, backend);
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
    ready: { type: 'string' },
    'ready-timeout': { type: 'string' },
    stop: { type: 'string', multiple: true },
    'log-max': { type: 'string' },
    'log-keep': { type: 'string' },
  }, ['NAME']);
  // By default a native command gets a short settle (it fails at once, or not at all); an interpreter the library's
  // default, which waits until it rests after its start-up (its failures come after its code is read).
  const ready = readyOption(values, 'run') ?? (isInterpreter(commandLine[0] ?? '') ? undefined : settleSpec(DEFAULT_SETTLE));
  const stop = values.stop?.map(stopStep);
  if (values['log-keep'] !== undefined && values['log-max'] === undefined) throw new UsageError('--log-keep needs --log-max', 'run');
  const logs = values['log-max'] === undefined ? undefined : { maxBytes: byteSize(values['log-max']), ...(values['log-keep'] === undefined ? {} : { keep: count('--log-keep', values['log-keep']) }) };
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
    // A command that ends at once is no started process: start() waits for `ready` and rejects with NOT_READY.
    const handle = await pm.start(positionals[0]!, { command, args: commandArgs, cwd: values.cwd, env, meta, stdin: values.fifo ? 'fifo' : 'ignore', ready, ...(stop ? { stop } : {}) });
    io.out(String(handle.pid));
    return 0;
  }, logs ? { logs } : {});
}

/** `10M`, `512K`, `1G` or plain bytes. */
function byteSize(value: string): number {
  const match = /^(\d+)([KMG]?)i?B?$/i.exec(value);
  if (!match) throw new UsageError(`--log-max expects a size such as 10M, 512K or 1048576, got "${value}"`, 'run');
  return Number(match[1]) * 1024 ** ' KMG'.indexOf((match[2] || ' ').toUpperCase());
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} expects a whole number, got "${value}"`, 'run');
  return Number(value);
}

/** How long `run` waits by default to see that a command did not fail at once. */
const DEFAULT_SETTLE = 25;

/** --settle 0 does not look at all: a command that ended already would otherwise win the race. */
const settleSpec = (settle: number): ReadyCheck | false => (settle === 0 ? false : { alive: settle });

/** The check `--ready`, `--ready-timeout` and `--settle` ask for; undefined when none of them is given. */
function readyOption(values: { ready?: string | undefined; 'ready-timeout'?: string | undefined; settle?: string | undefined }, command: 'run' | 'restart'): ReadyCheck | false | undefined {
  const ms = (flag: string, value: string) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${flag} expects milliseconds, got "${value}"`, command);
    return Number(value);
  };
  if (values.settle !== undefined && values.ready !== undefined) throw new UsageError('give --settle or --ready, not both (--settle MS is --ready alive:MS)', command);
  const timeout = values['ready-timeout'] === undefined ? undefined : ms('--ready-timeout', values['ready-timeout']);
  if (timeout !== undefined && values.ready === undefined) throw new UsageError('--ready-timeout needs --ready port:... or line:...', command);
  return values.ready !== undefined ? readySpec(values.ready, timeout, command) : values.settle !== undefined ? settleSpec(ms('--settle', values.settle)) : undefined;
}

/** `--ready alive:MS | idle:MS | port:PORT | port:HOST:PORT | line:TEXT` (for idle, --ready-timeout is its max). */
function readySpec(spec: string, timeout: number | undefined, command: 'run' | 'restart'): ReadyCheck {
  const [kind, ...rest] = spec.split(':');
  const value = rest.join(':');
  const bad = () => new UsageError(`--ready expects alive:MS, idle:MS, port:PORT, port:HOST:PORT or line:TEXT, got "${spec}"`, command);
  const within = timeout === undefined ? {} : { timeout };
  if (kind === 'alive' && /^\d+$/.test(value)) return { alive: Number(value) };
  if (kind === 'idle' && /^\d+$/.test(value) && Number(value) > 0) return { idle: Number(value), ...(timeout === undefined ? {} : { max: timeout }) };
  if (kind === 'line' && value.length > 0) return { line: value, ...within };
  if (kind === 'port') {
    const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw bad();
    return { port, ...(match[1] ? { host: match[1].replace(/^\[(.*)\]$/, '$1') } : {}), ...within };
  }
  throw bad();
}

/** `--stop SIGNAL[:MS]` or `--stop write:TEXT[:MS]` (`\n` in TEXT is a newline); repeat for the next step. */
function stopStep(spec: string): StopStep {
  const signal = /^(SIG[A-Z0-9]+)(?::(\d+))?$/.exec(spec);
  if (signal) return { signal: signal[1] as SignalName, ...(signal[2] ? { wait: Number(signal[2]) } : {}) };
  const write = /^write:(.+?)(?::(\d+))?$/s.exec(spec);
  if (write) return { write: write[1]!.replace(/\\n/g, '\n'), ...(write[2] ? { wait: Number(write[2]) } : {}) };
  throw new UsageError(`--stop expects SIGNAL[:MS] or write:TEXT[:MS], got "${spec}"`, 'run');
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
  // A read makes nothing: a namespace (or a whole store) that does not exist has no rows, and stays absent.
  if (!existsSync(fileStore({ dir: values.dir }).location(values.namespace))) return [];
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
      rows.push({ ...base, name: r.name, pid: r.pid, status: r.status, command: last?.command ?? null, args: last?.args ?? null, lastExit: last, note: cliWords(r.detail) });
    }
    for (const entry of setAside) rows.push({ ...base, name: entry.name, pid: entry.pid, status: entry.pid === null ? 'set aside' : 'set aside, running', note: `unreadable record (${entry.reason})` });
    // Ended runs stay listed (with how they ended) until the name is started again.
    const shown = new Set(rows.map((r) => r.name));
    for (const last of await pm.ended()) {
      if (shown.has(last.name)) continue;
      rows.push({ ...base, name: last.name, pid: last.pid, status: 'ended', command: last.command, args: last.args, lastExit: last, note: `${last.how}, ${exitWords(last)}, ${new Date(last.endedAt).toISOString()}` });
    }
    return rows;
  } finally {
    await pm.close();
  }
}

/** How a run ended, in words: a code nobody could see is "unknown", never null. */
function exitWords(last: LastExit): string {
  if (last.exit.code !== null) return `exit code ${last.exit.code}`;
  if (last.exit.signal !== null) return `killed by ${last.exit.signal}`;
  return 'exit code unknown';
}

/**
 * `describe`'s lastExit line. A code is unknown when no parent of the process saw its end: it ended after the
 * controller that started it (a `pidkeep run`) was gone, or it was adopted.
 */
function lastExitWords(last: LastExit): string {
  const why = last.exit.code === null && last.exit.signal === null ? ' (only its parent could see the code, and its parent was not a pidkeep controller by then)' : '';
  return `${last.how}, ${exitWords(last)}${why}, at ${new Date(last.endedAt).toISOString()}`;
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
  const { values } = parse('ls', args, { json: { type: 'boolean' }, all: { type: 'boolean' }, ended: { type: 'boolean' } }, []);
  const namespaces = values.all ? namespacesIn(values.dir) : [values.namespace];
  let rows: Row[] = [];
  for (const namespace of namespaces) rows.push(...(await rowsOf({ dir: values.dir, namespace })));
  // Hundreds of ended runs would bury the running ones: the table shows the last few, and says how to see the rest.
  const ended = rows.filter((r) => r.status === 'ended');
  let hidden = 0;
  if (!values.json && !values.ended && ended.length > LS_ENDED) {
    const kept = new Set(ended.sort((a, b) => (b.lastExit?.endedAt ?? 0) - (a.lastExit?.endedAt ?? 0)).slice(0, LS_ENDED));
    hidden = ended.length - LS_ENDED;
    rows = rows.filter((r) => r.status !== 'ended' || kept.has(r));
  }
  rows.sort((a, b) => byCodeUnit(a.namespace, b.namespace) || byCodeUnit(a.name, b.name));
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
  if (hidden > 0) io.out(`... and ${hidden} more ended run${hidden === 1 ? '' : 's'} (\`pidkeep ls --ended\` lists them, \`pidkeep forget --ended\` clears them)`);
  return 0;
}

/** How often `logs -f` looks for new output. */
const FOLLOW_POLL_MS = 200;
/** After the process ended, how long `logs -f` waits for a log writer to pass on the last of its output. */
const FOLLOW_DRAIN_MS = 2000;

async function logs(args: string[], io: Out) {
  const { values, positionals } = parse(
    'logs',
    args,
    { follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' }, stdout: { type: 'boolean' }, stderr: { type: 'boolean' }, 'all-runs': { type: 'boolean' } },
    ['NAME'],
  );
  if (values.stdout && values.stderr) throw new UsageError('give --stdout or --stderr, not both (without either, both streams are printed, each line marked)', 'logs');
  if (values.lines !== undefined && !/^\d{1,9}$/.test(values.lines)) throw new UsageError(`-n expects a number of lines, got "${values.lines}"`, 'logs');
  // Like `tail`: all of it by default, and -f starts from the last 10 lines.
  const lines = values.lines !== undefined ? Number(values.lines) : values.follow ? 10 : undefined;
  const name = positionals[0]!;
  const pm = await open(values);
  const out = outputWriter(process.stdout);
  let view: LogView | undefined;
  try {
    const handle = pm.get(name);
    const home = fileStore({ dir: values.dir }).location(pm.namespace);
    // A record names its log paths: the reader opens only regular files inside this namespace's own directory.
    const pathOf = (stream: 'stdout' | 'stderr') => handle?.logs[stream] ?? join(home, 'logs', `${name}.${stream === 'stdout' ? 'out' : 'err'}.log`);
    const sources: LogSource[] = values.stdout
      ? [{ path: pathOf('stdout'), mark: null }]
      : values.stderr
        ? [{ path: pathOf('stderr'), mark: null }]
        : [
            { path: pathOf('stdout'), mark: 'out: ' },
            { path: pathOf('stderr'), mark: 'err: ' },
          ];
    view = await showLogs(sources, home, { lines, allRuns: values['all-runs'] === true, following: values.follow === true && handle !== undefined }, out.write, name);
    if (!view.found && !handle) throw new PidkeepError('NOT_FOUND', `no process and no log named "${name}" in namespace "${pm.namespace}"; see \`pidkeep ls\``, { record: name });
    // Follow until the process ends, and on across a restart (a new run of the name, which writes to the same
    // logs); then print what it wrote last. Stop as soon as the reader has gone.
    for (let current = values.follow ? handle : undefined; current && view.reading; ) {
      let ended = false;
      void current.exited.then(() => (ended = true));
      while (!ended && view.reading) {
        await delay(FOLLOW_POLL_MS);
        await view.poll();
      }
      // A log writer may still be passing on the child's last output, and a restart may be starting the next run:
      // keep reading for a while (bounded), and go on with the next run if one appears.
      const last = current.pid;
      current = undefined;
      for (const until = Date.now() + FOLLOW_DRAIN_MS; view.reading && Date.now() < until && !current; ) {
        await delay(FOLLOW_POLL_MS / 2);
        await view.poll();
        const next = pm.get(name);
        if (next && next.pid !== last) current = next;
      }
    }
    if (values.follow && handle && view.reading) await view.poll(true);
    if (out.failure) {
      io.err(`pidkeep: could not write the log to standard output (${describeError(out.failure)})`);
      return 1;
    }
    return 0;
  } finally {
    view?.close();
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
  let written = 0;
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
    /** Bytes handed to the stream so far. */
    get written() {
      return written;
    },
    write: async (chunk: Uint8Array): Promise<boolean> => {
      if (stopped) return false;
      written += chunk.length;
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

async function forget(args: string[], io: Out) {
  const { values, positionals } = parse('forget', args, { ended: { type: 'boolean' } }, ['NAME...'], 0);
  if (values.ended && positionals.length > 0) throw new UsageError('give NAMEs or --ended, not both', 'forget');
  if (!values.ended && positionals.length === 0) throw new UsageError('missing NAME (or --ended)', 'forget');
  const said = (f: Forgotten) => {
    const gone = [f.trace ? 'its ended run' : '', f.setAside > 0 ? `${f.setAside} record${f.setAside === 1 ? '' : 's'} set aside` : ''].filter(Boolean).join(' and ');
    const kept = f.setAsideKept > 0 ? `kept ${f.setAsideKept} record${f.setAsideKept === 1 ? '' : 's'} set aside (${f.kept})` : '';
    return `${f.name}: ${[gone ? `forgot ${gone}` : '', kept].filter(Boolean).join('; ')}`;
  };
  return withManager(values, async (pm) => {
    if (values.ended) {
      const forgotten = await pm.forgetEnded();
      for (const f of forgotten) io.out(said(f));
      if (forgotten.length === 0) io.out(`nothing ended to forget in namespace "${pm.namespace}"`);
      return 0;
    }
    let code = 0;
    for (const name of new Set(positionals)) {
      try {
        io.out(said(await pm.forget(name)));
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
  const { values, positionals } = parse('restart', args, { timeout: { type: 'string' }, ready: { type: 'string' }, 'ready-timeout': { type: 'string' }, settle: { type: 'string' } }, ['NAME']);
  const plan = timeoutPlan(values.timeout, 'restart');
  const ready = readyOption(values, 'restart');
  return withManager(values, async (pm) => {
    // Without --ready the new run waits for the check its run was started with (the record keeps it).
    const handle = await pm.restart(positionals[0]!, { ...(plan ? { stop: plan } : {}), ...(ready !== undefined ? { ready } : {}) });
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
        const shown = key === 'args' && Array.isArray(value) ? value.map(shellQuote).join(' ') : key === 'lastExit' ? lastExitWords(value as LastExit) : typeof value === 'string' ? value : JSON.stringify(value);
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
    for (const entry of swept) io.out(entry.result ? `swept pid ${entry.pid} (${entry.comm}, ${entry.marker}): ${describeStop(entry.result)}` : `skipped pid ${entry.pid} (${entry.comm}, ${entry.marker}): ${entry.skipped ?? 'left running'}`);
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
