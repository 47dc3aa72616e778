// The readiness checks that need Node: a TCP connection, a line in the process's output.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { BackendReadyCheck, ReadyTarget } from '../types.js';

/** How often a log is read again, or a refused connection tried again. */
const RETRY_MS = 50;
/** A line longer than this is matched on its last part only: memory stays bounded whatever the process writes. */
const MAX_LINE = 64 * 1024;

/** Where each log ended when the process was spawned: only what this run wrote is matched. */
export type LogOffsets = { stdout: number; stderr: number };

/**
 * `listensOn` (Linux) proves whose the listener is: a port another process holds accepts connections too, and a
 * server started on it fails with "address in use" a moment later. Without it a connection has to do.
 */
export async function waitReady(check: BackendReadyCheck, target: ReadyTarget, offsets: LogOffsets, signal: AbortSignal, listensOn?: (pid: number, port: number) => boolean, activity?: Activity): Promise<void> {
  if ('idle' in check) {
    if (!activity) throw new Error('this platform cannot tell a busy process from a waiting one');
    return waitIdle(check, target.pid, activity, signal);
  }
  if ('port' in check) {
    const ours = () => listensOn === undefined || listensOn(target.pid, check.port);
    while (!((await connects(check.port, check.host ?? 'localhost', signal)) && ours())) await pause(signal);
    return;
  }
  const streams = check.stream === 'stdout' || check.stream === 'stderr' ? [check.stream] : (['stdout', 'stderr'] as const);
  const readers = streams.flatMap((stream) => (target.logs[stream] ? [lineReader(target.logs[stream]!, offsets[stream])] : []));
  if (readers.length === 0) throw new Error(`${target.name} has no ${check.stream ?? 'output'} log to read`);
  const matches = (line: string) => (typeof check.line === 'string' ? line.includes(check.line) : (check.line.lastIndex = 0, check.line.test(line)));
  for (;;) {
    // The line being written (no newline yet) counts too: a prompt such as "ready> " never ends its line.
    for (const reader of readers) if (reader.read().some(matches)) return;
    await pause(signal);
  }
}

type Activity = (pid: number) => { busy: boolean; cpu: number } | undefined;
/** How often an idle check looks: a CPU clock tick is 10 ms, so a finer look would see no more. */
const IDLE_LOOK_MS = 10;

/**
 * Resolves once the process tree has rested for `idle` ms (nothing of it runnable, its CPU time standing still), or
 * at `max` while it is still busy. A tree that ended is left to the core, which races the wait against the exit.
 */
async function waitIdle(check: { idle: number; max?: number }, pid: number, activity: Activity, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + (check.max ?? 2000);
  let restingSince: number | undefined;
  let lastCpu: number | undefined;
  for (;;) {
    const now = Date.now();
    const seen = activity(pid);
    if (seen && !seen.busy && seen.cpu === lastCpu) {
      restingSince ??= now;
      if (now - restingSince >= check.idle) return;
    } else restingSince = undefined;
    lastCpu = seen?.cpu;
    if (now >= deadline) return;
    await pause(signal, IDLE_LOOK_MS);
  }
}

/** Whether a TCP connection to host:port succeeds now (every address of the host is tried: localhost may be ::1). */
function connects(port: number, host: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    // No `signal` option: each attempt would leave a listener on it. An abort ends the attempt below.
    const socket = process.getBuiltinModule('node:net').connect({ port, host, autoSelectFamily: true });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve(ok);
    };
    const abort = () => done(false);
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function pause(signal: AbortSignal, ms = RETRY_MS): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** Reads a growing log from `offset`; each call returns the lines completed since, and the one being written. */
function lineReader(path: string, offset: number) {
  const decoder = new TextDecoder();
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let partial = '';
  return {
    read(): string[] {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch {
        return []; // not written yet, or between two files of a rotation
      }
      let text = '';
      try {
        // A file now shorter than where we were was rotated or truncated: its new content starts at 0.
        if (fstatSync(fd).size < offset) offset = 0;
        // At most 1 MiB a call: a process that writes faster is matched over several calls, in bounded memory.
        for (let n, reads = 0; reads < 16 && (n = readSync(fd, chunk, 0, chunk.length, offset)) > 0; offset += n, reads++) text += decoder.decode(chunk.subarray(0, n), { stream: true });
      } finally {
        closeSync(fd);
      }
      if (text === '') return partial ? [partial] : [];
      const lines = (partial + text).split('\n');
      partial = lines.pop()!.slice(-MAX_LINE);
      return [...lines, partial];
    },
  };
}
