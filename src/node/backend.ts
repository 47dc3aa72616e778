import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describeError, PidkeepError } from '../errors.js';
import type { Backend, ExitInfo, Spawned, SpawnRequest } from '../types.js';
import { isValidName, unsafePidReason } from '../validate.js';
import { checkLogLimits, openChildOutput, type ChildOutput, type LogLimits } from './log-output.js';
import { currentPlatform, type Platform } from './platform/index.js';
import { lastRunIdIn, lastRunTail } from './log-view.js';
import { assertSameDir, privateDir } from './private-dir.js';
import { waitReady, type LogOffsets } from './ready.js';

// node:child_process (with net and streams) is loaded on first use: ~4 ms of a CLI command, and `ls` or `stop`
// never spawns.
const childProcess = () => process.getBuiltinModule('node:child_process');

export interface NodeBackendOptions {
  /** Where logs and FIFOs go when the store offers no directory. @default `<tmpdir>/pidkeep-<user>/<namespace>` */
  dir?: string;
  /** The environment children start from; `env` of each start is added on top. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Caps each child's log files: a small log writer process (one per child, in its own session, needing no
   * controller) reads its output from pipes and rotates a file before it passes `maxBytes`, keeping `keep` old files
   * (`<log>.1` ...). Unset, children write straight to their files, uncapped, with no process in between.
   * A writer killed with SIGKILL leaves its child writing into a closed pipe (EPIPE, or SIGPIPE, which ends most
   * programs).
   * @default undefined (no cap); `keep` defaults to 1
   * @example nodeBackend({ logs: { maxBytes: 10 * 1024 * 1024, keep: 2 } }) // at most 30 MiB per stream
   */
  logs?: LogLimits;
  /** For tests of other operating systems' logic; normally picked from `process.platform`. */
  platform?: Platform;
}

/**
 * Runs children as durable processes: each leads its own process group, writes stdout and stderr to log files
 * (never to pipes the controller holds, which would kill it with SIGPIPE when the controller dies; with `logs`, to
 * pipes of a log writer that outlives the controller), and may read stdin from a FIFO.
 * @example
 * const pm = await createProcessManager({ namespace: 'my-app', backend: nodeBackend(), store: fileStore() });
 */
export function nodeBackend(options: NodeBackendOptions = {}): Backend {
  const platform = options.platform ?? currentPlatform();
  const logLimits = checkLogLimits(options.logs);
  const maxPid = platform.maxPid();
  const uid = process.getuid?.();
  // The controller's own process group does not change under it (only a fork sets it): read it once.
  let knownGroup: number | undefined | null = null;
  const ownGroup = () => (knownGroup === null ? (knownGroup = platform.ownGroup?.()) : knownGroup);
  const pidNamespace = platform.pidNamespace?.();
  const bootId = platform.bootId?.();
  const limits = () => ({ selfPid: process.pid, parentPid: process.ppid, maxPid, ...(uid === undefined ? {} : { uid }), ...(pidNamespace === undefined ? {} : { pidNamespace }), ...(bootId === undefined ? {} : { bootId }) });
  /** Where each running child's logs began at its spawn, by pid. */
  const logStarts = new Map<number, LogOffsets>();

  return {
    name: 'node',
    limits,
    probe: (pids, probeOptions) => platform.probe(pids, probeOptions),
    scan: platform.scan ? (prefix) => platform.scan!(prefix) : undefined,
    groupMembers: platform.groupMembers ? (pgid, marker, proven) => platform.groupMembers!(pgid, marker, proven) : undefined,
    groupDescendants: platform.groupDescendants ? (pgid) => platform.groupDescendants!(pgid) : undefined,

    async spawn(request: SpawnRequest): Promise<Spawned> {
      // The store's folder (checked by the store), the one the user named, or a private one of ours. The folders
      // made inside it are checked at every start, not once: one planted as a link since is refused.
      const named = request.dir ?? options.dir;
      const base = named !== undefined ? makeBase(named) : privateDir(join(privateTempDir(), request.namespace)).path;
      const logsDir = join(base, 'logs');
      let logsFolder = privateDir(logsDir);
      const logs = { stdout: join(logsDir, `${request.name}.out.log`), stderr: join(logsDir, `${request.name}.err.log`) };
      // A restart keeps the cap its record kept (checked again: a record is never trusted), whatever this backend's.
      const cap = request.logCap ? checkLogLimits(request.logCap) : logLimits;
      const fds: number[] = [];
      let stdinPath: string | null = null;
      let output: ChildOutput | undefined;
      try {
        output = await openChildOutput(logs, { id: request.id, name: request.name }, cap, {
          // The logs dir was removed since it was checked: make it again, once.
          remake: () => void (logsFolder = privateDir(logsDir)),
          verify: () => (assertSameDir(logsFolder), logsFolder),
        }).catch((error: unknown) => {
          if (error instanceof PidkeepError) throw error;
          throw new PidkeepError('SPAWN_FAILED', `could not open or write its log files in ${logsDir} (${describeError(error)}); ${storageHint(error)}; the process was not started`, { record: request.name, cause: error });
        });
        let stdin: number | 'ignore' = 'ignore';
        if (request.stdin === 'fifo') {
          const runFolder = privateDir(join(base, 'run'));
          stdinPath = await makeFifo(join(runFolder.path, `${request.id}.stdin`));
          // Read-write, so the child never sees EOF while no controller is connected, and opening cannot block.
          stdin = openSync(stdinPath, constants.O_RDWR | NOFOLLOW);
          fds.push(stdin);
          // mkfifo went by path: what was opened must be a FIFO in the folder that was checked.
          if (!fstatSync(stdin).isFIFO()) throw new PidkeepError('SPAWN_FAILED', `${stdinPath} is not the FIFO pidkeep made; remove it and start again`, { record: request.name });
          assertSameDir(runFolder);
        }
        const env = { ...(options.env ?? process.env) };
        for (const [key, value] of Object.entries(request.env)) {
          if (value === undefined) delete env[key];
          else env[key] = value;
        }
        const child = childProcess().spawn(request.command, [...request.args], {
          cwd: request.cwd,
          env,
          detached: true,
          stdio: [stdin, output.stdout, output.stderr],
          windowsHide: true,
        });
        if (child.pid === undefined) {
          const error = await new Promise<Error>((resolve) => child.once('error', resolve));
          throw error;
        }
        const pid = child.pid;
        const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
        const identity = await platform.identity(pid);
        if (!identity) {
          const exit = await exited;
          throw new PidkeepError('SPAWN_FAILED', `the process ended at once (exit code ${exit.code}, signal ${exit.signal}) before its identity could be read; see ${logs.stderr}`, { record: request.name, pid });
        }
        logStarts.set(pid, output.starts);
        void exited.then(() => logStarts.delete(pid));
        return { identity, stdin: stdinPath, logs, ...(cap ? { logCap: cap } : {}), exited, unref: () => child.unref() };
      } catch (error) {
        if (stdinPath) removeFifo(stdinPath);
        throw error;
      } finally {
        output?.release();
        for (const fd of fds) closeSync(fd);
      }
    },

    lastRunId({ namespace, name, dir }) {
      if (!isValidName(name)) return undefined;
      const base = dir ?? options.dir ?? join(privateTempDir(), namespace);
      return lastRunIdIn(join(base, 'logs', `${name}.out.log`));
    },

    waitReady: (check, target, signal) => waitReady(check, target, logStarts.get(target.pid) ?? { stdout: 0, stderr: 0 }, signal, platform.listensOn?.bind(platform), platform.activity?.bind(platform)),
    waitsIdle: platform.activity !== undefined,
    // Only the last run's lines, never its separator line or an earlier run's (see log-view.ts).
    tail: (path, lines) => lastRunTail(path, lines),

    signal(pid, signal, { group }) {
      // The core proved identity; this is the last line of defence against a pid that must never be signalled.
      const unsafe = unsafePidReason(pid, limits());
      if (unsafe) throw new PidkeepError('UNSAFE_PID', `refusing to signal: ${unsafe}`, { pid });
      // A controller started from inside the managed process's group would hit itself: signal the process alone.
      if (group && ownGroup() === pid) group = false;
      try {
        platform.signal(pid, signal, group);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ESRCH') return; // it ended between the check and the signal
        if (code === 'EPERM') {
          throw new PidkeepError('PERMISSION_DENIED', `not allowed to send ${signal}: the process belongs to another user; run the controller as that user`, { pid, cause: error });
        }
        throw new PidkeepError('STOP_FAILED', `could not send ${signal}: ${describeError(error)}`, { pid, cause: error });
      }
    },

    async write(stdinPath, data, id) {
      // Only ever write into the FIFO made for this record: a hostile record naming another path gets nothing.
      if (basename(stdinPath) !== `${id}.stdin`) {
        throw new PidkeepError('NO_STDIN', `the record names a stdin path pidkeep did not make for it (${stdinPath}); refusing to write`);
      }
      let isFifo = false;
      try {
        isFifo = lstatSync(stdinPath).isFIFO();
      } catch {
        isFifo = false;
      }
      if (!isFifo) throw new PidkeepError('STDIN_CLOSED', `the stdin FIFO ${stdinPath} is gone: the process has probably exited`);
      let fd: number;
      try {
        fd = openSync(stdinPath, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch (error) {
        // ENXIO: no reader holds the FIFO open, so nobody would ever read this.
        throw new PidkeepError('STDIN_CLOSED', `nobody reads ${stdinPath} any more: the process has exited`, { cause: error });
      }
      try {
        const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
        let offset = 0;
        const deadline = Date.now() + 5000;
        while (offset < bytes.length) {
          try {
            offset += writeSync(fd, bytes, offset);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'EPIPE') throw new PidkeepError('STDIN_CLOSED', `the process stopped reading ${stdinPath}`, { cause: error });
            if (code !== 'EAGAIN' || Date.now() > deadline) throw new PidkeepError('STDIN_CLOSED', `could not write to ${stdinPath}: ${describeError(error)} (the process does not read its stdin)`, { cause: error });
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
      } finally {
        closeSync(fd);
      }
    },

    release({ id, stdin, namespace, dir }) {
      // Only the FIFO this record's own spawn made: a stale or hostile record may name another record's FIFO.
      if (stdin) {
        if (basename(stdin) === `${id}.stdin`) removeFifo(stdin);
        return;
      }
      if (!/^[0-9a-f]{16,64}$/.test(id)) return;
      const base = dir ?? options.dir;
      removeFifo(join(base ?? join(privateTempDir(), namespace), 'run', `${id}.stdin`));
    },
  };
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** What to do about a failed write of a file pidkeep keeps. */
function storageHint(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
      return 'the disk is full: free some space';
    case 'EDQUOT':
      return 'the disk quota is used up: free some space';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'check that the folder is yours and writable';
    default:
      return 'check that the folder exists, is writable and has space';
  }
}

/** A folder named by the store or the user: it may be reached through a link (the user's own choice); made if missing. */
function makeBase(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const execFileAsync = (file: string, args: string[]) => promisify(childProcess().execFile)(file, args);

/**
 * `<tmpdir>/pidkeep-<user>` for logs and FIFOs when the store has no directory. The name is predictable, so it is
 * only used when it is a real directory that we own and that nobody else can enter.
 */
function privateTempDir(): string {
  const dir = join(tmpdir(), `pidkeep-${safeUser()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)) {
    throw new PidkeepError('PERMISSION_DENIED', `${dir} is not a private directory of yours (another user may have made it); pass nodeBackend({ dir }) or use fileStore()`);
  }
  return dir;
}

/** Node has no mkfifo(2); coreutils' `mkfifo` costs one short process, and only for `stdin: 'fifo'`. */
async function makeFifo(path: string): Promise<string> {
  if (process.platform === 'win32') {
    throw new PidkeepError('UNSUPPORTED', "stdin: 'fifo' needs a Unix named pipe; on Windows, stop processes with signals instead");
  }
  try {
    await execFileAsync('mkfifo', ['-m', '600', path]);
  } catch (error) {
    throw new PidkeepError('SPAWN_FAILED', `could not create the stdin FIFO ${path} with mkfifo: ${describeError(error)}`, { cause: error });
  }
  return path;
}

function removeFifo(path: string) {
  try {
    // Never through a run/ folder planted as a link.
    if (lstatSync(dirname(path)).isDirectory() && lstatSync(path).isFIFO()) unlinkSync(path);
  } catch {
    // already gone
  }
}

function safeUser(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_') || String(process.getuid?.() ?? 'user');
  } catch {
    return String(process.getuid?.() ?? 'user');
  }
}
