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
import { createStopOnQuit } from './stop-on-quit.js';
import type { InvokeRequest, TauriHost, TauriHostOptions } from './types.js';
import { createWindows, parseTarget, toTarget, type Windows } from './windows.js';

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
  /** The page load last connected in each window (the bridge's `page`), to tell a reload from a reconnection. */
  const pageOf = new Map<string, string>();
  const sendTo = (window: string, id: number, message: unknown) => {
    for (const page of pages.get(window) ?? []) page(id, message);
  };

  interface Run {
    alive: boolean;
    shell: Shell;
    windows: Windows;
    /** Each webview's resources (open files): kept across a reload, freed with the webview or the run. */
    resources: ResourceTables;
    /** The Rust plugin of examples/tauri-app/src-tauri/src/stop_on_quit.rs, when the app has it (`stopOnQuit`). */
    stopOnQuit: ReturnType<typeof createStopOnQuit> | undefined;
    /** The run's exit code once it exited; null after a crash. */
    ended: Promise<number | null>;
    end(code: number | null): void;
  }
  function newRun(): Run {
    let end!: (code: number | null) => void;
    const ended = new Promise<number | null>((resolve) => (end = resolve));
    const resources = createResourceTables();
    const run: Run = {
      alive: true,
      shell: createShell({ dirs, sidecars: options.sidecars ?? {} }),
      resources,
      stopOnQuit: undefined,
      ended,
      // the app's files close with it, whether it exited (`cleanup_before_exit`) or crashed (the OS closes them)
      end: (code) => (resources.closeAll(), run.stopOnQuit?.ended(), end(code)),
      windows: createWindows({
        deliver: (source, handler, message) => run.alive && sendTo(source, handler, message),
        destroyed: (window) => (resources.closeWindow(window), run.stopOnQuit?.forget(window), sendTo(window, DESTROYED_ID, { destroyed: window })),
        lastClosed: () => void requestExit(run, null),
      }),
    };
    if (options.stopOnQuit) {
      run.stopOnQuit = createStopOnQuit({
        isWindow: (label) => run.windows.list().includes(label),
        emit: (event, label) => run.windows.emit(event, null, label === undefined ? undefined : toTarget({ kind: 'AnyLabel', label })),
        // Rust's app.exit queues a request: it comes after the event being handled (a window's destroy goes first)
        exit: (code) => void setImmediate(() => void requestExit(run, code)),
      }, typeof options.stopOnQuit === 'object' ? options.stopOnQuit.deadlineMs : undefined);
    }
    return run;
  }
  let run = newRun();
  let closed = false;

  /**
   * `RunEvent::ExitRequested`: the stop_on_quit plugin (`stopOnQuit`) may prevent it while pages stop their processes;
   * otherwise the event loop ends and `RunEvent::Exit` follows, where the shell plugin kills every child in its map
   * (tauri-plugin-shell 2.4.1 src/lib.rs:163-174). The exit code is the app's (`code`, or 0 for the last window).
   */
  async function requestExit(current: Run, code: number | null): Promise<boolean> {
    if (!current.alive) return true;
    if (current.stopOnQuit?.exitRequested(code)) return false;
    current.alive = false;
    await current.shell.killAll();
    current.end(code ?? 0);
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
    if (plugin === 'event' && (name === 'emit' || name === 'emit_to')) return emitFromPage(name, args);
    if (plugin === 'app' && name === 'exit') {
      // `exit()` of @tauri-apps/api/app (core:app:allow-exit): app.exit(code), tauri src/app/plugin.rs:49-51. The
      // page's call never gets an answer in Tauri once the app is gone; here it resolves.
      if (!Number.isInteger(args.code)) throw `invalid args \`code\` for command \`exit\`: invalid type: ${JSON.stringify(args.code)}, expected i32`;
      void requestExit(run, args.code as number);
      return null;
    }
    if (plugin === 'window' && (name === 'close' || name === 'destroy')) {
      const label = typeof args.label === 'string' ? args.label : window;
      if (name === 'close') run.windows.requestClose(label);
      else run.windows.destroy(label);
      return null;
    }
    throw `[pidkeep] ${cmd} is allowed but not emulated by pidkeep's Tauri host`;
  }

  /** `plugin:event|emit` / `emit_to` (tauri src/event/plugin.rs:34-50): to the JS listeners, and to the app's own. */
  function emitFromPage(name: string, args: Record<string, unknown>): null {
    if (typeof args.event !== 'string' || !/^[A-Za-z0-9\-/:_]+$/.test(args.event)) throw `invalid args \`event\` for command \`${name}\`: Event name must include only alphanumeric characters, \`-\`, \`/\`, \`:\` and \`_\`.`;
    const target = name === 'emit_to' ? parseTarget(args.target) : { kind: 'Any' as const };
    if (!target) throw `invalid args \`target\` for command \`emit_to\`: expected an event target`;
    const payload = args.payload ?? null;
    run.windows.emit(args.event, payload, target.kind === 'Any' ? undefined : toTarget(target));
    // the plugin listens with listen_any: any target reaches it
    run.stopOnQuit?.heard(args.event, payload);
    return null;
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
    attach(window, deliver, page) {
      const set = pages.get(window) ?? new Set<Deliver>();
      set.add(deliver);
      pages.set(window, set);
      if (run.alive && !run.windows.seen(window)) deliver(DESTROYED_ID, { destroyed: window });
      // a page starts loading in the window (`on_page_load`, PageLoadEvent::Started): its earlier page is gone
      else if (run.alive && (page === undefined || pageOf.get(window) !== page)) run.stopOnQuit?.pageStarted(window);
      if (page !== undefined) pageOf.set(window, page);
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
      run.end(null);
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
        run.end(how === 'crash' ? null : 0);
      }
      closed = true;
      pages.clear();
    },
  };
}
