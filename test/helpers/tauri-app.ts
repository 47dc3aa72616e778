// The example Tauri app's real frontend (examples/tauri-app) served by Vite with pidkeep's Tauri host plugin, and
// opened in Debian's Chromium: the real @tauri-apps packages, real processes, the example's own capabilities.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createServer } from 'vite';
import type { ProcessHandle, ProcessManager, RecoveryEntry, StartOptions, Store } from '../../src/index.js';
import type { TauriBackend } from '../../src/tauri/index.js';
import { tauriHost, type Capability, type TauriHost } from '../../src/tauri-host/index.js';
import { launchChromium } from './browser.js';
import { ffmpegPath, wavSizes } from './ffmpeg.js';
import { onTeardown, reaper, root, tempDir, waitFor } from './index.js';

export const exampleDir = join(root, 'examples', 'tauri-app');
export const exampleCapabilities = join(exampleDir, 'src-tauri', 'capabilities', 'default.json');
export const readCapabilities = (): Capability => JSON.parse(readFileSync(exampleCapabilities, 'utf8')) as Capability;

/** The example's capabilities without some permissions, e.g. without the `ps` and `kill` powers. */
export function capabilitiesWithout(drop: { permissions?: string[]; scopes?: string[] }): Capability {
  const capability = readCapabilities();
  capability.permissions = capability.permissions
    .filter((p) => !drop.permissions?.includes(typeof p === 'string' ? p : p.identifier))
    .map((p) => (typeof p === 'string' || !p.allow ? p : { ...p, allow: p.allow.filter((a) => !drop.scopes?.includes((a as { name?: string }).name ?? '')) }));
  return capability;
}
export const withoutPowers = () => capabilitiesWithout({ scopes: ['pidkeep-ps', 'pidkeep-kill'] });

export interface App {
  url: string;
  host: TauriHost;
  dataDir: string;
}

/** `pidkeep` and its subpaths as the example imports them, from this checkout's build (an app installs the package). */
export const exampleAliases = [
  { find: /^pidkeep(\/(tauri|web|ffmpeg|svelte))?$/, replacement: join(root, 'dist') + '$1/index.js' },
  { find: /^pidkeep\/svelte\/runes$/, replacement: join(root, 'dist', 'svelte', 'runes.js') },
];

/** `vite dev` of the example with the host plugin; the dev server (and so the app) is closed when the test ends. */
export async function startExampleApp(t: TestContext, capability: Capability = readCapabilities(), options: { stopOnQuit?: boolean } = {}): Promise<App> {
  const dataDir = tempDir(t, 'pidkeep-app-');
  const plugin = tauriHost({ capabilities: [capability], dataDir, identifier: 'dev.pidkeep.example', ...options });
  const server = await createServer({
    root: exampleDir,
    configFile: false,
    logLevel: 'error',
    clearScreen: false,
    cacheDir: join(tempDir(t, 'pidkeep-vite-'), 'cache'),
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    plugins: [svelte(), plugin],
    // In an app these come from `npm install pidkeep`; here, the build of this checkout.
    resolve: { alias: exampleAliases },
    // Pre-bundled up front: a dependency found later would make Vite reload the page in the middle of a test.
    optimizeDeps: { noDiscovery: true, include: ['@tauri-apps/plugin-shell', '@tauri-apps/plugin-fs', '@tauri-apps/api/core', '@tauri-apps/api/event', '@tauri-apps/api/window'] },
  });
  await server.listen();
  // A stopped dev server is an app crash (children live on): the test's app exits first, ending its children.
  onTeardown(t, async () => (await plugin.api.host.close(), await server.close()));
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite did not report a local URL');
  return { url, host: plugin.api.host, dataDir };
}

/** What the example page exposes on `window` for tests. */
export interface ExampleApi {
  pm: ProcessManager;
  backend: TauriBackend;
  store: Store;
  output: string[];
  recorder(file: string): StartOptions;
  worker(seconds?: number): StartOptions;
  start(name: string, options: StartOptions): Promise<ProcessHandle>;
  readLog(name: string, stream: 'stdout' | 'stderr'): Promise<string>;
  recordings: string;
}
declare global {
  var pidkeepExample: ExampleApi | undefined;
}

export interface Seen {
  name: string;
  pid: number;
  adopted: boolean;
  startedAt: number;
  status: string;
}

/** Opens (or reloads) the page and waits for its manager: start-up reconciling included. Page errors fail loudly. */
export async function openApp(context: BrowserContext, app: App, query = '', page?: Page): Promise<Page> {
  const target = page ?? (await context.newPage());
  const errors: string[] = [];
  target.on('pageerror', (error) => errors.push(error.message));
  if (page) await page.reload();
  else await target.goto(`${app.url}${query}`);
  try {
    await target.waitForFunction(() => window.pidkeepExample !== undefined, undefined, { timeout: 20_000 });
  } catch (error) {
    throw new Error(`the example page did not start: ${errors.join('; ') || String(error)}`);
  }
  return target;
}

export const listOf = (page: Page): Promise<Seen[]> =>
  page.evaluate(() => window.pidkeepExample!.pm.list().map((h) => ({ name: h.name, pid: h.pid, adopted: h.adopted, startedAt: h.startedAt, status: h.status })));
export const recoveryOf = (page: Page): Promise<RecoveryEntry[]> => page.evaluate(() => window.pidkeepExample!.pm.recovery.map((r) => ({ ...r })));
export const startWorker = (page: Page, name: string, seconds = 600): Promise<Seen> =>
  page.evaluate(
    async ([n, s]) => {
      const api = window.pidkeepExample!;
      const h = await api.start(n, api.worker(s));
      return { name: h.name, pid: h.pid, adopted: h.adopted, startedAt: h.startedAt, status: h.status };
    },
    [name, seconds] as const,
  );

/** Starts a worker expected to fail; the PidkeepError's fields as the page saw them (null if it started). */
export const startFailure = (page: Page, name: string) =>
  page.evaluate(
    ([n]) =>
      window.pidkeepExample!.start(n, window.pidkeepExample!.worker(600)).then(
        () => null,
        (e: { code?: string; message: string; record?: string; pid?: number }) => ({ code: e.code, message: e.message, record: e.record, pid: e.pid }),
      ),
    [name] as const,
  );

/**
 * The example app with npm's FFmpeg on its PATH (the recorder scope's wrapper runs `ffmpeg`), recording a tone.
 * `query` is the page's (e.g. `?quit=cut`), `stopOnQuit` the host's (the app has the Rust plugin stop_on_quit.rs).
 */
export async function recordInApp(t: TestContext, options: { query?: string; stopOnQuit?: boolean } = {}) {
  const path = process.env.PATH;
  process.env.PATH = `${dirname(ffmpegPath())}:${path}`;
  onTeardown(t, () => void (process.env.PATH = path));
  const app = await startExampleApp(t, readCapabilities(), { stopOnQuit: options.stopOnQuit });
  const browser = await launchChromium(t);
  const context = await browser.newContext();
  const page = await openApp(context, app, options.query ?? '');
  const file = join(tempDir(t), 'tone.wav');
  const pid = await page.evaluate(([out]) => window.pidkeepExample!.start('rec', window.pidkeepExample!.recorder(out)).then((h) => h.pid), [file] as const);
  reaper(t)(pid);
  await waitFor('FFmpeg to write samples', () => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 8000, { timeout: 20_000 });
  return { app, browser, context, page, file, pid };
}

/** Whether FFmpeg finished the WAV: its RIFF and data sizes match the file (a cut file keeps its placeholders). */
export function wavFinished(file: string): boolean {
  const wav = wavSizes(file);
  return wav.riff === wav.length - 8 && wav.data === wav.length - wav.dataStart;
}
