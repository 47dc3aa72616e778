// A Backend whose every call runs on a tauriBackend inside a page (the real Tauri app's test page, through WebDriver):
// what the shared backend suite needs to hold the backend to the contract under real Tauri. Values cross as JSON;
// a spawn's `exited` is polled from the page; errors come back as PidkeepErrors with their code.
import { PidkeepError, type PidkeepErrorCode } from '../../src/errors.js';
import type { Backend, PidLimits, Spawned } from '../../src/types.js';
import { waitFor } from './index.js';
import type { Evaluator } from './webkit.js';

declare global {
  var suiteBackends: Map<string, { backend: Backend; output: Map<number, string>; exits: Map<string, unknown>; delivered: unknown[] }> | undefined;
}

type Answer = { value: unknown; limits: PidLimits } | { error: { code?: string; message: string; record?: string; pid?: number } };

/** What the page makes: a tauriBackend with these options, its output kept per pid; `defused`: the kill power recorded, not run. */
export interface PageBackendOptions {
  ps: string;
  kill: string;
  defused?: boolean;
}

let count = 0;

export async function backendInPage(page: Evaluator, options: PageBackendOptions): Promise<{ backend: Backend; output(pid: number): Promise<string>; delivered(): Promise<unknown[]> }> {
  const id = `b${++count}`;
  await page.evaluate(
    ([key, o]) => {
      const { tauri, shell } = window.realApp;
      const output = new Map<number, string>();
      const delivered: unknown[] = [];
      // defused: the real plugin, but the kill power's command is recorded instead of run
      const plugin = o.defused
        ? {
            Child: shell.Child,
            Command: {
              create: (program: string, args?: string | string[], opts?: unknown) =>
                program === o.kill
                  ? { execute: async () => (delivered.push([program, args]), { code: 0, signal: null, stdout: '', stderr: '' }) }
                  : shell.Command.create(program, args, opts as never),
              sidecar: (program: string, args?: string | string[], opts?: unknown) => shell.Command.sidecar(program, args, opts as never),
            },
          }
        : undefined;
      const backend = tauri.tauriBackend({
        ps: o.ps,
        kill: o.kill,
        session: null,
        platform: 'linux',
        onOutput: (e) => output.set(e.pid, (output.get(e.pid) ?? '') + e.data),
        ...(plugin ? { shell: plugin as never } : {}),
      });
      (window.suiteBackends ??= new Map()).set(key, { backend, output, exits: new Map(), delivered });
    },
    [id, options] as const,
  );
  let limits: PidLimits | undefined;
  /** The optional methods the page's backend has: only those are offered. */
  const has = new Set(await page.evaluate((key) => ['scan', 'release', 'groupMembers', 'tail', 'recentOutput'].filter((m) => typeof (window.suiteBackends!.get(key)!.backend as unknown as Record<string, unknown>)[m] === 'function'), id));

  /** Runs `method` on the page's backend with `args`; a spawn's Spawned keeps its `exited` in the page, by record id. */
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    const answer = await page.evaluate(
      async ([key, m, a]): Promise<Answer> => {
        const entry = window.suiteBackends!.get(key)!;
        const b = entry.backend as unknown as Record<string, (...x: unknown[]) => unknown>;
        try {
          let value = await b[m]!.apply(entry.backend, a);
          if (m === 'spawn') {
            const spawned = value as Spawned & { exited: Promise<unknown> };
            const request = a[0] as { id: string };
            spawned.exited.then((exit) => entry.exits.set(request.id, exit));
            const { exited: _exited, ...rest } = spawned;
            value = rest;
          }
          return { value: value ?? null, limits: entry.backend.limits() };
        } catch (error) {
          const e = error as { code?: string; message?: string; record?: string; pid?: number };
          return { error: { code: e?.code, message: String(e?.message ?? error), record: e?.record, pid: e?.pid } };
        }
      },
      [id, method, args] as const,
    );
    if ('error' in answer) {
      const { code, message, record, pid } = answer.error;
      // a PidkeepError of the page, as the Node side would have thrown it (its message already has the prefix)
      if (code) throw Object.assign(new PidkeepError(code as PidkeepErrorCode, message.replace(/^\[pidkeep\] (.*?: )?/, ''), { record, pid }), { message });
      throw new Error(message);
    }
    limits = answer.limits;
    return answer.value;
  };

  const backend: Backend = {
    name: 'tauri (in the real app)',
    limits: () => {
      if (!limits) throw new Error('limits are known after the first call to the page');
      return limits;
    },
    async spawn(request) {
      const spawned = (await call('spawn', [request])) as Omit<Spawned, 'exited'>;
      let exited: Promise<Spawned['exited'] extends Promise<infer E> ? E : never> | undefined;
      // polled only once awaited: a long-running script would hold the WebDriver session
      const poll = () =>
        (exited ??= waitFor(
          `the end of ${request.name} (${spawned.identity.pid})`,
          () => page.evaluate(([key, rid]) => (window.suiteBackends!.get(key)!.exits.has(rid) ? { exit: window.suiteBackends!.get(key)!.exits.get(rid) } : null), [id, request.id] as const),
          { timeout: 60_000, interval: 50 },
        ).then((found) => found.exit as never));
      return { ...spawned, exited: { then: (resolve: never, reject: never) => poll().then(resolve, reject) } as unknown as Spawned['exited'] } as Spawned;
    },
    probe: (pids, options) => call('probe', [pids, options]) as never,
    signal: (pid, signal, options) => call('signal', [pid, signal, options]) as never,
    write: (stdin, data, recordId) => call('write', [stdin, typeof data === 'string' ? data : Array.from(data), recordId]) as never,
    ...(has.has('scan') ? { scan: (prefix: string) => call('scan', [prefix]) as never } : {}),
    ...(has.has('release') ? { release: (files: unknown) => call('release', [files]) as never } : {}),
    ...(has.has('groupMembers') ? { groupMembers: (pgid: number, marker: string) => call('groupMembers', [pgid, marker]) as never } : {}),
    ...(has.has('tail') ? { tail: (path: string, lines: number) => call('tail', [path, lines]) as never } : {}),
    ...(has.has('recentOutput') ? { recentOutput: (pid: number, lines: number) => call('recentOutput', [pid, lines]) as never } : {}),
  };
  await call('limits', []);
  return {
    backend,
    output: (pid) => page.evaluate(([key, p]) => window.suiteBackends!.get(key)!.output.get(p) ?? '', [id, pid] as const),
    delivered: () => page.evaluate((key) => window.suiteBackends!.get(key)!.delivered, id),
  };
}
