// The "app": the ACL check in front of the shell, fs, core path, event and window plugins, channels to the attached
// pages, and the app's life cycle: a quit as Rust runs it (windows.ts), a crash, a restart. One host is one Tauri app
// run at a time, inside this process.
import { TauriHostError } from './errors.js';
import { createAcl, type Scope } from './capabilities.js';
import { createFs } from './fs.js';
import { DESTROYED_ID } from './internals.js';
import { createPath } from './path.js';
import { baseDirs } from './paths.js';
import { createResourceTables, type ResourceTables } from './resources.js';
import { createShell, type ChannelSink, type Shell } from './shell.js';
import type { InvokeRequest, TauriHost, TauriHostOptions } from './types.js';
import { createWindows, type Windows } from './windows.js';

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
  const sendTo = (window: string, id: number, message: unknown) => {
    for (const page of pages.get(window) ?? []) page(id, message);
  };

  interface Run {
    alive: boolean;
    shell: Shell;
    windows: Windows;
    /** Each webview's resources (open files): kept across a reload, freed with the webview or the run. */
    resources: ResourceTables;
    /** The README's Rust snippet has prevented one exit request already. */
    quitting: boolean;
    ended: Promise<void>;
    end(): void;
  }
  function newRun(): Run {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const resources = createResourceTables();
    const run: Run = {
      alive: true,
      shell: createShell({ dirs, sidecars: options.sidecars ?? {} }),
      resources,
      quitting: false,
      ended,
      // the app's files close with it, whether it exited (`cleanup_before_exit`) or crashed (the OS closes them)
      end: () => (resources.closeAll(), end()),
      windows: createWindows({
        deliver: (source, handler, message) => run.alive && sendTo(source, handler, message),
        destroyed: (window) => (resources.closeWindow(window), sendTo(window, DESTROYED_ID, { destroyed: window })),
        lastClosed: () => void requestExit(run, null),
      }),
    };
    return run;
  }
  let run = newRun();
  let closed = false;

  /**
   * `RunEvent::ExitRequested`: prevented once while a window is open when the app has the README's snippet
   * (`quitEvent`), which emits that event to every window instead; otherwise the event loop ends and
   * `RunEvent::Exit` follows, where the shell plugin kills every child in its map (plugins/shell/src/lib.rs:129-139).
   */
  async function requestExit(current: Run, code: number | null): Promise<boolean> {
    if (!current.alive) return true;
    if (options.quitEvent && current.windows.list().length > 0 && !current.quitting) {
      current.quitting = true;
      current.windows.emit(options.quitEvent, { code });
      return false;
    }
    current.alive = false;
    await current.shell.killAll();
    current.end();
    return true;
  }

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
      return fs[name](args, scope, { body, headers, table: run.resources.of(window) });
    }
    if (plugin === 'resources' && name === 'close') {
      // tauri resources/plugin.rs:13-22 tries the webview's, the window's and the app's tables: here only webviews hold any
      if (typeof args.rid !== 'number') throw `invalid args \`rid\` for command \`close\`: ${args.rid === undefined ? 'command close missing required key rid' : 'invalid type, expected u32'}`;
      run.resources.of(window).close(args.rid);
      return null;
    }
    if (plugin === 'path' && path[name]) return path[name](args);
    if (plugin === 'event' && (name === 'listen' || name === 'unlisten')) return name === 'listen' ? run.windows.listen(window, args) : run.windows.unlisten(args);
    if (plugin === 'window' && (name === 'close' || name === 'destroy')) {
      const label = typeof args.label === 'string' ? args.label : window;
      if (name === 'close') run.windows.requestClose(label);
      else run.windows.destroy(label);
      return null;
    }
    throw `[pidkeep] ${cmd} is allowed but not emulated by pidkeep's Tauri host`;
  }

  const notRunning = () => new TauriHostError('NOT_RUNNING', closed ? 'the Tauri host is closed' : 'the Tauri host app is not running (it crashed or exited): call restart() first');

  return {
    pid: process.pid,
    async invoke(request) {
      if (closed || !run.alive) throw notRunning();
      // a destroyed window has no webview left to call from; a browser tab of it lives on, and gets nowhere
      if (run.windows.isGone(request.window)) throw new TauriHostError('WINDOW_CLOSED', `the window "${request.window}" was closed (destroyed) in this app run: nothing it sends reaches the app`);
      run.windows.seen(request.window);
      return dispatch(request);
    },
    attach(window, deliver) {
      const set = pages.get(window) ?? new Set<Deliver>();
      set.add(deliver);
      pages.set(window, set);
      if (run.alive && !run.windows.seen(window)) deliver(DESTROYED_ID, { destroyed: window });
      return () => void set.delete(deliver);
    },
    children: () => (run.alive ? run.shell.pids() : []),
    running: () => run.alive && !closed,
    windows: () => (run.alive ? run.windows.list() : []),
    ended: () => run.ended,
    async requestClose(window) {
      if (closed || !run.alive) throw notRunning();
      run.windows.requestClose(window);
    },
    crash() {
      if (!run.alive) return;
      run.alive = false;
      run.shell.crash();
      run.end();
    },
    async exit(code = 0) {
      return requestExit(run, code);
    },
    restart() {
      if (closed) throw notRunning();
      if (run.alive) throw new TauriHostError('ALREADY_RUNNING', 'the Tauri host app is running: restart() follows crash() or exit()');
      run = newRun();
    },
    async close(how = 'exit') {
      if (run.alive) {
        run.alive = false;
        if (how === 'crash') run.shell.crash();
        else await run.shell.killAll();
        run.end();
      }
      closed = true;
      pages.clear();
    },
  };
}
