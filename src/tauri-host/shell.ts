// The shell plugin's Rust side (commands.rs, process/mod.rs, lib.rs) with real processes: a pid -> child map,
// line-by-line output events on the page's channel, SIGKILL of the direct child, kill-all on a clean exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { decoderFor, lineSplitter, type Decode } from './encoding.js';
import type { BaseDirs } from './paths.js';
import { invalidArgs, ioError, stringArg, u32Arg } from './rust-errors.js';
import { prepare, sidecarPath } from './shell-scope.js';

/** Where a command's events go: the page's Channel (messages are dropped once the app is gone). */
export interface ChannelSink {
  send(message: unknown): void;
  end(): void;
}

export interface ShellContext {
  dirs: BaseDirs;
  sidecars: Record<string, string>;
}

/** Opens the channel an `onEvent: "__CHANNEL__:<id>"` argument names (for the invoking window), or says why not. */
export type OpenChannel = (ref: unknown) => ChannelSink | string;

type Args = Record<string, unknown>;
interface Options {
  sidecar?: boolean;
  cwd?: string;
  env?: Record<string, string> | null;
  encoding?: string;
}

const OPEN_DEFAULT = /^((mailto:\w+)|(tel:\w+)|(https?:\/\/\w+)).+/;

const signalNumber = (signal: NodeJS.Signals | null) => (signal ? (constants.signals as Record<string, number>)[signal] ?? null : null);

export function createShell(context: ShellContext) {
  const children = new Map<number, ChildProcess>();

  /** `prepare_cmd`: scope, sidecar, cwd, env and encoding, in Rust's order and with its messages. */
  function prepareCommand(command: string, args: Args, scopes: unknown[]) {
    const program = stringArg(command, args, 'program');
    const options = (args.options ?? {}) as Options;
    let prepared;
    if (options.sidecar) {
      const path = sidecarPath(context.sidecars, program);
      if (!path) throw `sidecar not configured under \`tauri.conf.json > bundle > externalBin\`: ${program}`;
      prepared = prepare(scopes, context.dirs, program, args.args, path);
      if ('unplayable' in prepared) throw prepared.unplayable;
      if ('error' in prepared) throw prepared.error;
    } else {
      prepared = prepare(scopes, context.dirs, program, args.args);
      if ('unplayable' in prepared) throw prepared.unplayable;
      if ('error' in prepared) throw `program not allowed on the configured shell scope: ${program}`;
    }
    // `env` left out inherits the app's environment, a given one is added on top, `null` clears it
    const env = options.env === null ? {} : { ...process.env, ...(options.env ?? {}) };
    const decode = decoderFor(options.encoding);
    if (typeof decode === 'string') throw decode;
    return { ...prepared, env, cwd: options.cwd ?? undefined, decode };
  }

  /** Spawns like Rust's std Command (not detached, three pipes); a failed exec rejects with the io error. */
  async function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string | undefined) {
    const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin!.on('error', () => {}); // a closed stdin is reported by stdin_write, not as a crash
    if (child.pid === undefined) {
      throw await new Promise<string>((resolve) => child.once('error', (error) => resolve(ioError(error))));
    }
    return child;
  }

  function wire(child: ChildProcess, decode: Decode, sink: ChannelSink, raw: boolean) {
    const pid = child.pid!;
    const emit = (event: 'Stdout' | 'Stderr') => (bytes: Buffer) => {
      const decoded = decode(bytes);
      sink.send('error' in decoded ? { event: 'Error', payload: decoded.error } : { event, payload: 'raw' in decoded ? decoded.raw : decoded.text });
    };
    for (const [stream, event] of [[child.stdout!, 'Stdout'], [child.stderr!, 'Stderr']] as const) {
      const lines = lineSplitter(emit(event));
      stream.on('data', (chunk: Buffer) => (raw ? emit(event)(chunk) : lines.push(chunk)));
      stream.on('end', () => lines.end());
      stream.on('error', () => {});
    }
    // 'close' = exited and both pipes at EOF: Rust also waits for its pipe readers before Terminated
    child.once('close', (code, signal) => {
      if (children.get(pid) === child) children.delete(pid);
      sink.send({ event: 'Terminated', payload: { code, signal: signalNumber(signal) } });
      sink.end();
    });
  }

  const commands: Record<string, (args: Args, scopes: unknown[], channel: OpenChannel) => Promise<unknown>> = {
    async spawn(args, scopes, channel) {
      stringArg('spawn', args, 'program'); // arguments deserialize in the command's order: program, args, onEvent
      const sink = channel(args.onEvent);
      if (typeof sink === 'string') throw invalidArgs('spawn', 'onEvent', sink);
      const prepared = prepareCommand('spawn', args, scopes);
      const child = await start(prepared.command, prepared.args, prepared.env, prepared.cwd);
      children.set(child.pid!, child);
      wire(child, prepared.decode, sink, (args.options as Options | undefined)?.encoding === 'raw');
      return child.pid;
    },

    async execute(args, scopes) {
      const prepared = prepareCommand('execute', args, scopes);
      const child = await start(prepared.command, prepared.args, prepared.env, prepared.cwd);
      child.stdin!.end();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
      const decoded = [Buffer.concat(out), Buffer.concat(err)].map((bytes) => prepared.decode(bytes));
      for (const d of decoded) if ('error' in d) throw d.error;
      const value = (d: (typeof decoded)[number]) => ('raw' in d ? d.raw : 'text' in d ? d.text : '');
      return { code, signal: signalNumber(signal), stdout: value(decoded[0]!), stderr: value(decoded[1]!) };
    },

    async kill(args) {
      const pid = u32Arg('kill', args, 'pid');
      const child = children.get(pid);
      if (!child) return null; // unknown pid: Ok, nothing signalled
      children.delete(pid);
      // the direct child only, like std::process::Child::kill; libuv never signals a reaped pid
      child.kill('SIGKILL');
      return null;
    },

    async stdin_write(args) {
      const child = children.get(u32Arg('stdin_write', args, 'pid'));
      if (!child) return null;
      const buffer = args.buffer;
      if (typeof buffer !== 'string' && !Array.isArray(buffer)) throw invalidArgs('stdin_write', 'buffer', 'data did not match any variant of untagged enum Buffer');
      const bytes = typeof buffer === 'string' ? Buffer.from(buffer, 'utf8') : Buffer.from(buffer as number[]);
      await new Promise<void>((resolve, reject) => child.stdin!.write(bytes, (error) => (error ? reject(ioError(error)) : resolve())));
      return null;
    },

    async open(args) {
      const path = String(args.path);
      if (!OPEN_DEFAULT.test(path)) throw `Scoped command argument at position 0 was found, but failed regex validation ${OPEN_DEFAULT.source}`;
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      const child = await start(typeof args.with === 'string' ? String(args.with) : opener, [path], process.env, undefined);
      child.unref();
      return null;
    },
  };

  return {
    commands,
    pids: () => [...children.keys()],
    /** A dead app: nothing is killed, the map is forgotten, and the pipes the app held are closed. */
    crash() {
      for (const child of children.values()) {
        child.removeAllListeners('close');
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
        child.unref();
      }
      children.clear();
    },
    /** RunEvent::Exit: SIGKILL every child in the map; resolves once they are gone. */
    async killAll() {
      const list = [...children.values()];
      children.clear();
      await Promise.all(
        list.map((child) => {
          const closed = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGKILL');
          return closed;
        }),
      );
    },
  };
}

export type Shell = ReturnType<typeof createShell>;
