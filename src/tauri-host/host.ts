// The "app": the ACL check in front of the shell, fs and core path plugins, channels to the attached pages, and the
// app's life cycle (crash, clean exit, restart). One host is one Tauri app run at a time, inside this process.
import { TauriHostError } from './errors.js';
import { createAcl, type Scope } from './capabilities.js';
import { createFs } from './fs.js';
import { createPath } from './path.js';
import { baseDirs } from './paths.js';
import { createShell, type ChannelSink, type Shell } from './shell.js';
import type { InvokeRequest, TauriHost, TauriHostOptions } from './types.js';

type Deliver = (callbackId: number, message: unknown) => void;

export function createTauriHost(options: TauriHostOptions): TauriHost {
  if (!options || !Array.isArray(options.capabilities)) {
    throw new TypeError(`Expected the \`capabilities\` option to be an array of capability files or paths, got \`${String(options?.capabilities)}\``);
  }
  const acl = createAcl(options.capabilities);
  const dirs = baseDirs(options.identifier ?? 'dev.pidkeep.host', options.dataDir);
  const fs = createFs(dirs);
  const path = createPath(dirs);
  const pages = new Map<string, Set<Deliver>>();
  let run: { alive: boolean; shell: Shell } = { alive: true, shell: createShell({ dirs, sidecars: options.sidecars ?? {} }) };
  let closed = false;

  /** A channel of `window`: `{ index, message }` in order, then `{ end: true, index }`; dropped once the run is over. */
  function openChannel(window: string, owner: typeof run) {
    return (ref: unknown): ChannelSink | string => {
      const match = typeof ref === 'string' ? /^__CHANNEL__:(\d+)$/.exec(ref) : null;
      if (!match) return `invalid type: expected a channel reference "__CHANNEL__:<id>", got ${JSON.stringify(ref)}`;
      const id = Number(match[1]);
      let index = 0;
      // Rust delivers to whatever page has the window now; with no page attached the message is lost
      const deliver = (message: unknown) => {
        if (!owner.alive) return;
        for (const page of pages.get(window) ?? []) page(id, message);
      };
      return {
        send: (message) => deliver({ index: index++, message }),
        end: () => deliver({ end: true, index }),
      };
    };
  }

  async function dispatch({ window, cmd, payload, headers = {} }: InvokeRequest): Promise<unknown> {
    const match = /^plugin:([^|]+)\|(.+)$/.exec(cmd);
    if (!match) throw `command ${cmd} not found`; // no app commands exist here (and no app ACL manifest)
    const access = acl.access(cmd, window);
    if (typeof access === 'string') throw access;
    const [, plugin, name] = match as unknown as [string, string, string];
    const global = acl.globalScope(plugin);
    const scope: Scope = {
      allow: [...access.flatMap((r) => r.scope?.allow ?? []), ...global.allow],
      deny: [...access.flatMap((r) => r.scope?.deny ?? []), ...global.deny],
    };
    const raw = payload instanceof Uint8Array;
    const args = (raw || payload === null || typeof payload !== 'object' ? {} : payload) as Record<string, unknown>;
    if (plugin === 'shell' && run.shell.commands[name]) {
      return run.shell.commands[name](args, scope.allow, openChannel(window, run));
    }
    if (plugin === 'fs' && fs[name]) {
      const body = raw ? payload : Array.isArray(payload) ? Uint8Array.from(payload as number[]) : undefined;
      return fs[name](args, scope, { body, headers });
    }
    if (plugin === 'path' && path[name]) return path[name](args);
    throw `[pidkeep] ${cmd} is allowed but not emulated by pidkeep's Tauri host`;
  }

  const notRunning = () => new TauriHostError('NOT_RUNNING', closed ? 'the Tauri host is closed' : 'the Tauri host app is not running (it crashed or exited): call restart() first');

  return {
    pid: process.pid,
    async invoke(request) {
      if (closed || !run.alive) throw notRunning();
      return dispatch(request);
    },
    attach(window, deliver) {
      const set = pages.get(window) ?? new Set<Deliver>();
      set.add(deliver);
      pages.set(window, set);
      return () => void set.delete(deliver);
    },
    children: () => (run.alive ? run.shell.pids() : []),
    crash() {
      if (!run.alive) return;
      run.alive = false;
      run.shell.crash();
    },
    async exit() {
      if (!run.alive) return;
      run.alive = false;
      await run.shell.killAll();
    },
    restart() {
      if (closed) throw notRunning();
      if (run.alive) throw new TauriHostError('ALREADY_RUNNING', 'the Tauri host app is running: restart() follows crash() or exit()');
      run = { alive: true, shell: createShell({ dirs, sidecars: options.sidecars ?? {} }) };
    },
    async close() {
      if (run.alive) {
        run.alive = false;
        await run.shell.killAll();
      }
      closed = true;
      pages.clear();
    },
  };
}
