import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (name: string) => join(root, 'test', 'fixtures', name);
export const cli = join(root, 'dist', 'bin.js');

/** A fresh directory, removed when the test ends. */
export function tempDir(t: TestContext, prefix = 'pidkeep-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
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
  const pids = new Set<number>();
  t.after(() => {
    for (const pid of pids) {
      if (pid <= 1 || pid === process.pid) continue;
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
  return (pid: number | undefined) => {
    if (pid !== undefined) pids.add(pid);
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
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
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

export function runCli(args: string[], options: { env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
