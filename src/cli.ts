// The `pidkeep` command: each run is a short-lived controller that reconciles, acts and exits.
// Exit codes: 0 done, 1 failed (message on stderr), 2 usage error, 3 no such process.
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, PidkeepError } from './errors.js';
import { createProcessManager } from './manager.js';
import { describeStop } from './stop.js';
import { fileStore } from './node/file-store.js';
import { nodeBackend } from './node/backend.js';
import { copyLog } from './node/log-reader.js';
import type { ProcessManager, RecoveryEntry } from './types.js';

const USAGE = `Usage: pidkeep <command> [options]

Commands:
  run NAME [--fifo] [--cwd DIR] [--env KEY=VALUE]... [--meta JSON] -- CMD [ARGS...]
                      start CMD as a durable process named NAME; prints its pid
  ls [--json]         list processes: name, pid, status, uptime, command
  logs NAME [-f] [--stderr]
                      print NAME's output log; -f follows it until the process ends
  write NAME TEXT [--line]
                      write TEXT (plus a newline with --line) to NAME's stdin (needs run --fifo)
  stop NAME [--timeout MS]
                      stop NAME with its stop plan (default SIGTERM, wait, SIGKILL)
  sweep [--timeout MS] [--all-users]
                      stop this store's processes of the namespace that no record knows
                      (--all-users: other users' too, when run as root)

Options for every command:
  --dir DIR           where records, logs and FIFOs live (default: the per-user data dir)
  --namespace NS      which app's processes (default: "default")
  -h, --help          show this help

Exit codes: 0 done, 1 failed, 2 usage error, 3 no such process.`;

class UsageError extends Error {}

const common = {
  dir: { type: 'string' },
  namespace: { type: 'string', default: 'default' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Out = { out: (line: string) => void; err: (line: string) => void };

export async function main(argv: string[], io: Out = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      io.out(USAGE);
      return command ? 0 : 2;
    }
    switch (command) {
      case 'run':
        return await run(rest, io);
      case 'ls':
        return await ls(rest, io);
      case 'logs':
        return await logs(rest, io);
      case 'write':
        return await write(rest, io);
      case 'stop':
        return await stop(rest, io);
      case 'sweep':
        return await sweep(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`pidkeep: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof TypeError) {
      io.err(`pidkeep: ${error.message.replace('[pidkeep] ', '')}`);
      return 2;
    }
    if (error instanceof PidkeepError) {
      io.err(`pidkeep: ${error.subject ? `${error.subject}: ` : ''}${error.reason} (${error.code})`);
      return error.code === 'NOT_FOUND' ? 3 : 1;
    }
    io.err(`pidkeep: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O, positionals: number) {
  const parsed = parseArgs({ args, options: { ...common, ...options }, allowPositionals: true, strict: true });
  if (parsed.positionals.length !== positionals && !(parsed.values as { help?: boolean }).help) {
    throw new UsageError(`expected ${positionals} argument${positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}`);
  }
  return parsed;
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
  if (split < 0) throw new UsageError('run needs `--` before the command: pidkeep run NAME -- CMD [ARGS...]');
  const commandLine = args.slice(split + 1);
  const { values, positionals } = parse(args.slice(0, split), {
    fifo: { type: 'boolean' },
    cwd: { type: 'string' },
    env: { type: 'string', multiple: true },
    meta: { type: 'string' },
  }, 1);
  if (values.help) return io.out(USAGE), 0;
  if (commandLine.length === 0) throw new UsageError('no command after `--`');
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--env expects KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let meta: unknown;
  if (values.meta !== undefined) {
    try {
      meta = JSON.parse(values.meta);
    } catch {
      throw new UsageError('--meta expects JSON');
    }
  }
  return withManager(values, async (pm) => {
    const [command, ...commandArgs] = commandLine as [string, ...string[]];
    const handle = await pm.start(positionals[0]!, { command, args: commandArgs, cwd: values.cwd, env, meta, stdin: values.fifo ? 'fifo' : 'ignore' });
    io.out(String(handle.pid));
    return 0;
  });
}

async function ls(args: string[], io: Out) {
  const { values } = parse(args, { json: { type: 'boolean' } }, 0);
  if (values.help) return io.out(USAGE), 0;
  const pm = await open(values);
  // Records set aside as unreadable stay listed with the live process their marker points to (stop it by name).
  const setAside = await pm.setAside();
  await pm.close();
  const now = Date.now();
  const asideNames = new Set(setAside.map((entry) => entry.name));
  const rows = [
    ...pm.list().map((h) => ({ name: h.name, pid: h.pid as number | null, status: 'running', startedAt: h.startedAt as number | null, command: [h.command, ...h.args].join(' '), meta: h.meta })),
    ...pm.recovery.filter((r: RecoveryEntry) => r.status !== 'adopted' && !(r.status === 'corrupt' && asideNames.has(r.name))).map((r) => ({ name: r.name, pid: r.pid, status: r.status, startedAt: null, command: r.detail, meta: null })),
    ...setAside.map((entry) => ({ name: entry.name, pid: entry.pid, status: entry.pid === null ? 'set aside' : 'set aside, running', startedAt: null, command: `unreadable record (${entry.reason})`, meta: null })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  if (values.json) {
    io.out(JSON.stringify(rows.map((r) => ({ ...r, uptimeMs: r.startedAt === null ? null : now - r.startedAt })), null, 2));
    return 0;
  }
  if (rows.length === 0) {
    io.out(`no processes in namespace "${pm.namespace}"`);
    return 0;
  }
  const table = [['NAME', 'PID', 'STATUS', 'UPTIME', 'COMMAND'], ...rows.map((r) => [r.name, String(r.pid ?? '-'), r.status, r.startedAt === null ? '-' : uptime(now - r.startedAt), r.command])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  return 0;
}

async function logs(args: string[], io: Out) {
  const { values, positionals } = parse(args, { follow: { type: 'boolean', short: 'f' }, stderr: { type: 'boolean' } }, 1);
  if (values.help) return io.out(USAGE), 0;
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

async function write(args: string[], io: Out) {
  const { values, positionals } = parse(args, { line: { type: 'boolean' } }, 2);
  if (values.help) return io.out(USAGE), 0;
  return withManager(values, async (pm) => {
    const handle = pm.get(positionals[0]!);
    if (!handle) throw new PidkeepError('NOT_FOUND', `no running process is named "${positionals[0]}" in namespace "${pm.namespace}"`, { record: positionals[0] });
    await handle.write(values.line ? `${positionals[1]}\n` : positionals[1]!);
    return 0;
  });
}

async function stop(args: string[], io: Out) {
  const { values, positionals } = parse(args, { timeout: { type: 'string' } }, 1);
  if (values.help) return io.out(USAGE), 0;
  const plan = timeoutPlan(values.timeout);
  return withManager(values, async (pm) => {
    const result = await pm.stop(positionals[0]!, plan);
    io.out(`${result.name} (pid ${result.pid}): ${describeStop(result)}`);
    return 0;
  });
}

async function sweep(args: string[], io: Out) {
  const { values } = parse(args, { timeout: { type: 'string' }, 'all-users': { type: 'boolean' } }, 0);
  if (values.help) return io.out(USAGE), 0;
  return withManager(values, async (pm) => {
    const swept = await pm.sweep({ stop: timeoutPlan(values.timeout), allUsers: values['all-users'] === true });
    for (const entry of swept) io.out(`swept pid ${entry.pid} (${entry.comm}, ${entry.marker}): ${describeStop(entry.result)}`);
    if (swept.length === 0) io.out(`nothing to sweep in namespace "${pm.namespace}"`);
    return 0;
  });
}

/** `--timeout MS`: SIGTERM, wait MS, then SIGKILL. */
function timeoutPlan(timeout: string | undefined) {
  if (timeout === undefined) return undefined;
  const wait = Number(timeout);
  if (!Number.isInteger(wait) || wait < 0) throw new UsageError(`--timeout expects milliseconds, got "${timeout}"`);
  return [{ signal: 'SIGTERM' as const, wait }];
}

function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}
