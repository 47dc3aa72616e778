// One page, two apps: the real Tauri app (built by cargo, in WebKitGTK through tauri-driver) and pidkeep's Tauri host
// (the same frontend served by Vite with the host plugin, in Chromium), behind one interface, so a differential test
// runs the same steps on both and compares what the page sees and what the OS sees. The real app is the reference.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createServer } from 'vite';
import { tauriHost, type Capability } from '../../src/tauri-host/index.js';
import { launchChromium } from './browser.js';
import { onTeardown, reaper, root, tempDir, waitFor } from './index.js';
import { IDENTIFIER, scenario, type AppName, type RealApp } from './real-app.js';
import { exampleAliases, exampleCapabilities, readCapabilities } from './tauri-app.js';
import type { Evaluator } from './webkit.js';

export interface Side extends Evaluator {
  kind: 'real' | 'host';
  /** The app's $APPDATA on this side (each side has its own folders). */
  appData: string;
  /** The app's process: the real app's, or this Node process for the host (which runs in it). */
  appPid(): number;
  reload(): Promise<void>;
  /** The user closes the window (the window manager's close; the host's requestClose). */
  closeWindow(): Promise<void>;
  /** The app dies without a word (SIGKILL; the host's crash()). */
  crash(): Promise<void>;
  /** A new app run on the same folders, after a crash or an exit. */
  restart(): Promise<void>;
  /** The exit code once the app has ended (null after a crash). */
  exitCode(): Promise<number | null>;
  running(): boolean;
}

const testAppDir = join(root, 'test', 'real-app');

/** The test app's own capability (inline in its tauri.conf.json), beside the example's file it names. */
export function testAppCapabilities(): Capability[] {
  const conf = JSON.parse(readFileSync(join(testAppDir, 'src-tauri', 'tauri.conf.json'), 'utf8'));
  return (conf.app.security.capabilities as Array<string | Capability>).map((entry) => (entry === 'default' ? readCapabilities() : (entry as Capability)));
}

/** The real app, started fresh (its own display and folders). */
export async function realSide(t: TestContext, app: AppName, env: Record<string, string> = {}): Promise<Side> {
  const s = await scenario(t, { env });
  let current: RealApp = await s.launch(app, { exitStatus: true });
  let crashed = false;
  return {
    kind: 'real',
    appData: s.appData,
    appPid: () => current.pid,
    evaluate: (fn, arg) => current.evaluate(fn, arg),
    reload: () => current.reload(),
    closeWindow: async () => current.closeWindow(),
    async crash() {
      process.kill(current.pid, 'SIGKILL');
      crashed = true;
      await current.ended();
    },
    async restart() {
      crashed = false;
      current = await s.launch(app, { exitStatus: true });
    },
    async exitCode() {
      await current.ended();
      return crashed ? null : current.exitStatus();
    },
    running: () => current.alive(),
  };
}

/** The same frontend on pidkeep's Tauri host, in headless Chromium, with the same capabilities and the stop_on_quit plugin. */
export async function hostSide(t: TestContext, app: AppName): Promise<Side> {
  const dataDir = tempDir(t, 'pidkeep-host-side-');
  const example = app === 'pidkeep-example';
  const plugin = tauriHost({ capabilities: example ? [exampleCapabilities] : testAppCapabilities(), dataDir, identifier: IDENTIFIER, stopOnQuit: true });
  const server = await createServer({
    root: example ? join(root, 'examples', 'tauri-app') : testAppDir,
    configFile: false,
    logLevel: 'error',
    clearScreen: false,
    cacheDir: join(tempDir(t, 'pidkeep-vite-'), 'cache'),
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    plugins: [...(example ? [svelte()] : []), plugin],
    resolve: { alias: exampleAliases },
    optimizeDeps: { noDiscovery: true, include: ['@tauri-apps/plugin-shell', '@tauri-apps/plugin-fs', '@tauri-apps/api/core', '@tauri-apps/api/event', '@tauri-apps/api/window', '@tauri-apps/api/path', '@tauri-apps/api/app'] },
  });
  await server.listen();
  const { host } = plugin.api;
  onTeardown(t, async () => (await host.close(), await server.close()));
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite did not report a local URL');
  const browser = await launchChromium(t);
  const global = example ? 'pidkeepExample' : 'realApp';
  let context: BrowserContext;
  let page: Page;
  const open = async () => {
    context = await browser.newContext();
    page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await waitFor(`the page on the host to start${errors.length ? ` (${errors.join('; ')})` : ''}`, () => page.evaluate((g) => (window as unknown as Record<string, unknown>)[g] !== undefined, global), { timeout: 30_000, interval: 100 });
  };
  await open();
  return {
    kind: 'host',
    appData: join(dataDir, IDENTIFIER),
    appPid: () => process.pid,
    // as a source text, with the no-op `__name` tsx's compiled functions call (as the real side does)
    evaluate: (fn, arg) => page.evaluate(`(() => { var __name = (f) => f; return (${fn.toString()})(${JSON.stringify(arg ?? null)}); })()`) as never,
    async reload() {
      await page.reload();
      await waitFor('the reloaded page', () => page.evaluate((g) => (window as unknown as Record<string, unknown>)[g] !== undefined, global), { timeout: 30_000, interval: 100 });
    },
    closeWindow: () => host.requestClose('main'),
    async crash() {
      host.crash();
      await context.close();
    },
    async restart() {
      host.restart();
      await open();
    },
    exitCode: () => host.ended(),
    running: () => host.running(),
  };
}

/** Runs `steps` on the real app and on the host, each fresh, and returns what each saw. */
export async function onBoth<R>(t: TestContext, app: AppName, steps: (side: Side) => Promise<R>, env: Record<string, string> = {}): Promise<{ real: R; host: R }> {
  const real = await steps(await realSide(t, app, env));
  const host = await steps(await hostSide(t, app));
  return { real, host };
}

/** A value with this side's own folder and the given pids replaced (`$APPDATA`, `PID`), so both sides compare. */
export function normalized<T>(side: Side, value: T, pids: number[] = []): T {
  let text = JSON.stringify(value) ?? 'null';
  text = text.split(side.appData).join('$APPDATA');
  for (const pid of pids) text = text.replace(new RegExp(`\\b${pid}\\b`, 'g'), 'PID');
  return JSON.parse(text) as T;
}

/**
 * A manager (namespace tauri-example) with stopOnQuit in the test app's page, running a worker that writes `TERM` to a file
 * when SIGTERM (its stop plan) reaches it: what tells a stop from the shell plugin's SIGKILL at exit.
 */
export async function termRecorder(t: TestContext, page: Evaluator): Promise<{ pid: number; signalled: string }> {
  const signalled = join(tempDir(t), 'signal');
  const pid = await page.evaluate(async (file) => {
    const { pidkeep, tauri } = window.realApp;
    const pm = await pidkeep.createProcessManager({ namespace: 'tauri-example', backend: tauri.tauriBackend(), store: tauri.tauriFsStore() });
    const script = 'trap \'echo TERM > "$0"; exit 0\' TERM; while :; do sleep 0.1; done';
    const handle = await pm.start('worker', { command: 'sh', args: ['-c', script, file], stop: [{ signal: 'SIGTERM', wait: 5000 }] });
    await tauri.stopOnQuit(pm);
    return handle.pid;
  }, signalled);
  reaper(t)(pid);
  return { pid, signalled };
}

