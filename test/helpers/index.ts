import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { keyOf, nameOfKey } from '../../src/record.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createServer } from 'node:net';
import type { TestContext } from 'node:test';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (name: string) => join(root, 'test', 'fixtures', name);
export const cli = join(root, 'dist', 'bin.cjs');

/**
 * One teardown per test, whatever order a test asked for things in: first its hooks (e.g. collect a manager's
 * pids), then SIGKILL every process it registered (and its group), then remove its directories. Nothing in it
 * may throw, so a failing step never skips the kills.
 */
interface Teardown {
  hooks: Array<() => void | Promise<void>>;
  /** Each pid with its start ticks when registered (undefined if it had already ended). */
  pids: Map<number, string | undefined>;
  dirs: string[];
}
const teardowns = new WeakMap<TestContext, Teardown>();
function teardown(t: TestContext): Teardown {
  let state = teardowns.get(t);
  if (state) return state;
  const fresh: Teardown = { hooks: [], pids: new Map(), dirs: [] };
  teardowns.set(t, fresh);
  t.after(async () => {
    for (const hook of fresh.hooks) {
      try {
        await hook();
      } catch {
        // teardown goes on
      }
    }
    for (const [pid, started] of fresh.pids) {
      if (pid <= 1 || pid === process.pid || pid === process.ppid) continue;
      // The pid may have ended and been reused meanwhile (by another test run's process, as when suites run side
      // by side): a process with another start time at that pid, and its group, are none of ours.
      const now = startTicks(pid);
      if (now !== undefined && started !== undefined && now !== started) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const dir of fresh.dirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
      } catch {
        // a straggler still writing: the OS temp dir is cleaned anyway
      }
    }
  });
  return fresh;
}

/** Runs `hook` at the start of this test's teardown, before processes are killed. */
export function onTeardown(t: TestContext, hook: () => void | Promise<void>): void {
  teardown(t).hooks.push(hook);
}

/** A fresh directory, removed when the test ends (after its processes are killed). */
export function tempDir(t: TestContext, prefix = 'pidkeep-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  teardown(t).dirs.push(dir);
  return dir;
}

let namespaces = 0;
/** A namespace no other test (or run) shares, so scans and sweeps see only this test's processes. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}-${process.pid}-${++namespaces}`;
}

/** Start ticks of a pid from /proc/<pid>/stat (field 22), or undefined when no process has it. */
export function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The parent pid of a pid from /proc/<pid>/stat (field 4), or 0 when no process has it. */
export function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill(0) succeeds for zombies: read the state too.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The pid namespace this process runs in (`pid:[<inode>]`): inside a container, records are keyed `<name>@<inode>`. */
export function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** The file of record `name`, as a controller in this process's pid namespace names it. */
export function recordFile(dir: string, namespace: string, name: string): string {
  return join(dir, namespace, 'records', `${keyOf(name, ownPidNamespace())}.json`);
}

/** The names of a namespace's records that still hold a process: an ended run's trace (`ended`) does not. */
export async function liveRecords(store: { list(namespace: string): unknown }, namespace: string): Promise<string[]> {
  const entries = (await store.list(namespace)) as Array<{ key: string; text?: string }>;
  return entries.filter((e) => !/"ended":\{/.test(e.text ?? '')).map((e) => nameOfKey(e.key, ownPidNamespace()));
}

/** Polls until `check` returns a truthy value; fails with `what` at the deadline. Never a bare sleep. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, { timeout = 10_000, interval = 25 } = {}): Promise<NonNullable<Awaited<T>>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<Awaited<T>>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Force-kills every listed pid (and its group) when the test ends, whatever happened in it. */
export function reaper(t: TestContext) {
  const { pids } = teardown(t);
  return (pid: number | undefined) => {
    if (pid !== undefined && !pids.has(pid)) pids.set(pid, startTicks(pid));
    return pid;
  };
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What a process wrote to the log at `path`, without the `--- pidkeep: run ... ---` line each spawn puts before it. */
export function outputIn(path: string): string {
  return readText(path)
    .split('\n')
    .filter((line) => !line.startsWith('--- pidkeep: run '))
    .join('\n');
}

/** Starts a Node script as a separate OS process and collects its stdout lines. */
export function startNode(t: TestContext, script: string, args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  if (child.pid !== undefined) reaper(t)(child.pid);
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    /** Waits for a line starting with `prefix` and returns the rest of it. */
    async line(prefix: string, timeout = 15_000) {
      const found = await waitFor(`a line "${prefix}…" from ${script} (stderr: ${stderr.slice(-500)})`, () => lines.find((l) => l.startsWith(prefix)), { timeout });
      return found.slice(prefix.length).trim();
    },
  };
}

/** Runs the built CLI; it is killed after `timeout` ms so a hang fails the test instead of stalling the run. */
export function runCli(args: string[], options: { env?: Record<string, string>; timeout?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env }, timeout: options.timeout ?? 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the built CLI with its stdout piped into `reader`, as a shell's `pidkeep ... | reader` does. The test keeps no
 * end of that pipe, so once the reader exits the CLI's next write meets a closed pipe (EPIPE).
 */
export async function pipeCli(t: TestContext, args: string[], reader: string[]) {
  const reap = reaper(t);
  const sink = spawn(reader[0]!, reader.slice(1), { stdio: ['pipe', 'pipe', 'ignore'], timeout: 60_000, killSignal: 'SIGKILL' });
  reap(sink.pid);
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', sink.stdin!, 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
  reap(child.pid);
  sink.stdin!.destroy(); // the CLI now holds the pipe's only write end
  let read = '';
  let stderr = '';
  sink.stdout!.setEncoding('utf8').on('data', (c: string) => (read += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code] = await Promise.all([
    new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c))),
    new Promise((resolve) => sink.once('close', resolve)),
  ]);
  return { code, stderr, read };
}

/** A free TCP port on localhost, released before it is returned. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts a TCP connection on 127.0.0.1:port right now (one try, no retry). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}
