// Real WebKitGTK 4.1 (the engine of Tauri v2 on Linux) under Xvfb, driven by test/fixtures/webkit-driver.py over
// stdin/stdout. Each window is a Gtk.Window with a WebView; all share one data folder, as an app's windows do.
// Installed from Debian by scripts/check-system.mjs (gir1.2-webkit2-4.1, python3-gi, xvfb); missing, it fails loudly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { fixture, onTeardown, reaper, tempDir } from './index.js';

/** What storeInPage and the tests need of a page: run a self-contained function with one JSON argument. */
export interface Evaluator {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

export interface WebKitWindow extends Evaluator {
  reload(): Promise<void>;
  close(): Promise<void>;
}

export interface WebKit {
  version: string;
  /** The shared data folder: a new WebKit on the same folder is the same app's webview after a restart. */
  dir: string;
  open(label: string, url: string): Promise<WebKitWindow>;
  /** SIGKILL of the webview and its helper processes (and Xvfb): the app's webview dies with nothing flushed. */
  kill(): void;
}

function available(): string | undefined {
  if (!existsSync('/usr/bin/xvfb-run')) return 'xvfb-run is missing: apt-get install -y xvfb xauth';
  const gi = spawnSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2"], { encoding: 'utf8' });
  if (gi.status !== 0) return `WebKitGTK 4.1 for Python is missing (${gi.stderr.trim().split('\n').at(-1)}): apt-get install -y gir1.2-webkit2-4.1 python3-gi`;
  return undefined;
}

/** Starts WebKitGTK (its own process group, killed when the test ends). `dir`: reuse a data folder (an app restart). */
export async function launchWebKit(t: TestContext, dir = tempDir(t, 'pidkeep-webkit-')): Promise<WebKit> {
  const missing = available();
  if (missing) throw new Error(`the WebKitGTK tests cannot run: ${missing} (npm test installs them as root on Debian)`);
  const child = spawn('/usr/bin/xvfb-run', ['-a', '/usr/bin/python3', fixture('webkit-driver.py'), dir], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  reaper(t)(child.pid);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      let answer: { id: number; value?: unknown; error?: string };
      try {
        answer = JSON.parse(line) as typeof answer;
      } catch {
        continue; // GTK or WebKit chatter
      }
      const waiter = pending.get(answer.id);
      pending.delete(answer.id);
      if (answer.error !== undefined) waiter?.reject(new Error(`WebKitGTK: ${answer.error}`));
      else waiter?.resolve(answer.value);
    }
  });
  const gone = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the WebKitGTK driver exited (${code ?? signal}): ${stderr.trim().slice(-1000)}`))));
  gone.catch(() => undefined);
  let nextId = 1;
  const send = <T>(op: Record<string, unknown>, timeout = 30_000): Promise<T> => {
    const id = nextId++;
    const answer = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    child.stdin.write(`${JSON.stringify({ ...op, id })}\n`);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`WebKitGTK did not answer ${JSON.stringify(op).slice(0, 200)} within ${timeout} ms`)), timeout)));
    return Promise.race([answer, gone, late]).finally(() => clearTimeout(timer));
  };
  const ready = new Promise<{ webkit: string }>((resolve, reject) => pending.set(0, { resolve: resolve as (v: unknown) => void, reject }));
  const hello = await Promise.race([ready, gone, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`WebKitGTK did not start within 30 s: ${stderr.trim().slice(-1000)}`)), 30_000))]);
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  onTeardown(t, () => {
    child.stdin.end();
    kill();
  });
  return {
    version: hello.webkit,
    dir,
    kill,
    async open(label, url) {
      await send({ op: 'open', window: label, url });
      return {
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => send<R>({ op: 'call', window: label, body: `return await (${fn.toString()})(${JSON.stringify(arg)});` }),
        reload: () => send({ op: 'reload', window: label }),
        close: () => send({ op: 'close', window: label }),
      };
    },
  };
}
