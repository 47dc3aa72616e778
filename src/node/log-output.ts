// Where a child's stdout and stderr go. By default straight into two log files the child holds open for appending:
// no process in between, nothing to cost, but nothing to cap them either. With `logs: { maxBytes }`, into two pipes
// read by a log writer process (log-writer.ts) that caps and rotates the files and lives as long as the output does.
// Either way, each run starts with a separator line in both files (see `runSeparator`).
import type { ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describeError, PidkeepError } from '../errors.js';
import { MARKER_ENV } from '../identity.js';
import { runSeparator } from './log-reader.js';

/** Caps on a child's log files, enforced by a log writer process. */
export interface LogLimits {
  /**
   * A log file is rotated before it passes this many bytes, so each stream keeps at most `maxBytes * (keep + 1)`
   * bytes on disk. Unset: the child writes straight to its files, uncapped, with no writer process.
   */
  maxBytes: number;
  /** How many rotated files (`<log>.1` ... `<log>.<keep>`) are kept per stream; 0 empties the file instead. @default 1 */
  keep?: number;
}

/** The most rotated files a writer keeps: `pidkeep logs` looks for that many. */
const MAX_KEEP = 99;
/** How long a log writer may take to start before the spawn gives up on it. */
const WRITER_START_MS = 10_000;
// Log files are opened for appending and never through a symlink someone planted in their place; read-write only so
// that the separator can look at the last byte an earlier run left.
const APPEND = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** Checks `nodeBackend({ logs })` where it is given, with a TypeError that says what was expected. */
export function checkLogLimits(value: unknown): Required<LogLimits> | undefined {
  if (value === undefined) return undefined;
  const got = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `\`${String(v)}\` (${typeof v})`);
  if (typeof value !== 'object' || value === null) throw new TypeError(`[pidkeep] Expected the \`logs\` option to be { maxBytes, keep? }, got ${got(value)}`);
  const { maxBytes, keep = 1 } = value as { maxBytes?: unknown; keep?: unknown };
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1024) {
    throw new TypeError(`[pidkeep] Expected \`logs.maxBytes\` to be an integer of at least 1024 (bytes per log file), got ${got(maxBytes)}`);
  }
  if (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 0 || keep > MAX_KEEP) {
    throw new TypeError(`[pidkeep] Expected \`logs.keep\` to be an integer from 0 to ${MAX_KEEP} (rotated files kept per stream), got ${got(keep)}`);
  }
  return { maxBytes, keep };
}

/** What the child gets as its stdout and stderr, and how to let go of the controller's copies once it has them. */
export interface ChildOutput {
  stdout: number | Writable;
  stderr: number | Writable;
  /** Where this run's output starts in each file (just after its separator); a rotation later moves it to `.1`. */
  starts: { stdout: number; stderr: number };
  /** Closes the controller's ends; call it once the child is spawned (or failed to be). */
  release(): void;
}

/**
 * Opens the logs at `paths` for run `id` of `name`, writes the run's separator into both, and returns what the
 * child's stdout and stderr should be: the files themselves, or, with `limits`, a log writer's pipes.
 * `folder.remake` is called once when the logs directory has gone since it was checked; `folder.verify` throws when
 * it is no longer the folder that was checked.
 */
export async function openChildOutput(
  paths: { stdout: string; stderr: string },
  run: { id: string; name: string },
  limits: Required<LogLimits> | undefined,
  folder: { remake(): void; verify(): { dev: number; ino: number } },
): Promise<ChildOutput> {
  const fds: number[] = [];
  try {
    let out: number;
    try {
      out = openSync(paths.stdout, APPEND, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      folder.remake();
      out = openSync(paths.stdout, APPEND, 0o600);
    }
    fds.push(out);
    const err = openSync(paths.stderr, APPEND, 0o600);
    fds.push(err);
    // Opened by path: before anything is written, the folder must still be the one that was checked.
    const checked = folder.verify();
    // Written now, before the spawn, so it comes before anything of this run. The pid is not known yet; after the
    // spawn the child could already have written, and its first lines would count as the last run's.
    const separator = runSeparator(run.id, run.name, new Date());
    for (const fd of fds) appendSeparator(fd, separator);
    const starts = { stdout: fstatSync(out).size, stderr: fstatSync(err).size };
    if (!limits) {
      return { stdout: out, stderr: err, starts, release: () => closeAll(fds) };
    }
    const writer = await startWriter(paths, out, err, limits, run.name, checked);
    // The writer has its own copies of the files now.
    closeAll(fds.splice(0));
    const stdoutPipe = writer.stdio[0] as Writable;
    const stderrPipe = writer.stdio[3] as Writable;
    return {
      stdout: stdoutPipe,
      stderr: stderrPipe,
      starts,
      release: () => {
        // Once these close, only the child (and what it starts) holds the pipes' write ends: the writer reads to EOF
        // when they all have ended.
        stdoutPipe.destroy();
        stderrPipe.destroy();
        (writer.stdio[1] as Readable | null)?.destroy();
        writer.unref();
      },
    };
  } catch (error) {
    closeAll(fds);
    throw error;
  }
}

function closeAll(fds: number[]) {
  for (const fd of fds) closeSync(fd);
}

/** Appends `separator`, first ending a line an earlier run left open, so the separator is a line of its own. */
function appendSeparator(fd: number, separator: string) {
  const size = fstatSync(fd).size;
  let text = separator;
  if (size > 0) {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) text = `\n${separator}`;
  }
  writeSync(fd, text);
}

/**
 * Starts a log writer and waits for its "ready". It is detached into its own session (a stop of the child's group
 * does not reach it), carries no pidkeep marker (a sweep never takes it for an unrecorded child of this store), and
 * takes the controller's open log files as fds 4 and 5.
 */
async function startWriter(paths: { stdout: string; stderr: string }, out: number, err: number, limits: Required<LogLimits>, name: string, folder: { dev: number; ino: number }): Promise<ChildProcess> {
  const env = { ...process.env };
  delete env[MARKER_ENV]; // a controller that is itself a pidkeep child carries one
  // Built, this module sits next to log-writer.js. Run from the TypeScript sources (the tests, under a loader such
  // as tsx), it sits next to log-writer.ts, which needs the loader this process was started with.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './log-writer.ts' : './log-writer.js', import.meta.url));
  const args = [...(fromSource ? process.execArgv : []), script, paths.stdout, paths.stderr, String(limits.maxBytes), String(limits.keep), `${folder.dev}:${folder.ino}`];
  const failed = (why: string, cause?: unknown) =>
    new PidkeepError('SPAWN_FAILED', `could not start the log writer (${process.execPath} ${script}) that caps its logs: ${why}; the process was not started. Check that the package is built and complete, or start it without \`logs.maxBytes\``, { record: name, cause });
  let writer: ChildProcess;
  try {
    // Its working directory is the logs directory, which it needs anyway (it pins no other folder). From the
    // sources, the controller's own: the loader flags it passes on (`--import tsx`) are resolved from there.
    // Loaded on first use, as in backend.ts.
    writer = process.getBuiltinModule('node:child_process').spawn(process.execPath, args, { cwd: fromSource ? process.cwd() : dirname(paths.stdout), env, detached: true, stdio: ['pipe', 'pipe', err, 'pipe', out, err], windowsHide: true });
  } catch (error) {
    throw failed(describeError(error), error);
  }
  const status = writer.stdio[1] as Readable;
  const ready = await new Promise<true | string>((resolve) => {
    let said = '';
    const timer = setTimeout(() => resolve(`it did not say it was ready within ${WRITER_START_MS} ms`), WRITER_START_MS);
    const done = (result: true | string) => {
      clearTimeout(timer);
      resolve(result);
    };
    status.setEncoding('utf8').on('data', (chunk: string) => {
      said += chunk;
      if (said.includes('ready\n')) done(true);
    });
    writer.once('error', (error) => done(describeError(error)));
    writer.once('exit', (code, signal) => done(`it ended at once (exit code ${code}, signal ${signal}); its own error, if any, is at the end of ${paths.stderr}`));
  });
  if (ready !== true) {
    try {
      writer.kill('SIGKILL');
    } catch {
      // already gone
    }
    for (const stream of writer.stdio) (stream as Readable | Writable | null)?.destroy();
    writer.unref();
    throw failed(ready);
  }
  writer.removeAllListeners('exit');
  writer.removeAllListeners('error');
  return writer;
}
