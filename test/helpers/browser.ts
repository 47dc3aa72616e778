import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Store } from '../../src/types.js';
import type { Evaluator } from './webkit.js';
import { onTeardown, root } from './index.js';

const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const executablePath = () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`apt-get install -y chromium\` (the real-browser tests drive Debian's Chromium)`);
  return CHROMIUM;
};

/** Debian's Chromium driven by playwright-core, headless, with `args` added (e.g. `--host-resolver-rules`); closed when the test ends. */
export async function launchChromium(t: TestContext, args: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: executablePath(), args: [...ARGS, ...args] });
  onTeardown(t, () => browser.close());
  return browser;
}

/** Chromium with a persistent profile in `dir` (kept on disk across launches, like a webview's); closed at the end. */
export async function launchProfile(t: TestContext, dir: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(dir, { executablePath: executablePath(), args: ARGS, headless: true });
  onTeardown(t, () => context.close().catch(() => undefined));
  return context;
}

/** SIGKILLs every Chromium process of the profile in `dir`: a webview crash, nothing flushed. Returns how many. */
export function killProfile(dir: string): number {
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`--user-data-dir=${dir}`)) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

/** Bare specifiers the built code imports, for the page's import map (no bundler). */
export const IMPORT_MAP = {
  imports: {
    '@tauri-apps/plugin-fs': '/node_modules/@tauri-apps/plugin-fs/dist-js/index.js',
    '@tauri-apps/plugin-shell': '/node_modules/@tauri-apps/plugin-shell/dist-js/index.js',
    '@tauri-apps/api/core': '/node_modules/@tauri-apps/api/core.js',
    '@tauri-apps/api/path': '/node_modules/@tauri-apps/api/path.js',
  },
};

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.json': 'application/json', '.html': 'text/html' };

/**
 * A static server on 127.0.0.1 and a random port: `/` is an empty page with the import map, `/dist/**` the build and
 * `/node_modules/@tauri-apps/**` the plugins, so a page can `import('/dist/web/index.js')`. Closed when the test ends.
 */
export async function serveDist(t: TestContext): Promise<{ url: string }> {
  const allowed = [join(root, 'dist') + sep, join(root, 'node_modules', '@tauri-apps') + sep];
  const page = `<!doctype html><meta charset="utf-8"><title>pidkeep</title><script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>`;
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (path === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const file = normalize(join(root, path));
    try {
      if (!allowed.some((dir) => file.startsWith(dir)) || !(await stat(file)).isFile()) throw new Error('not served');
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(t, () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A Node-side Store whose every call runs on the store at `path` (e.g. `store`, `pidkeepExample.store`) in the page. */
export function storeInPage(name: string, pagePromise: Promise<Page | Evaluator>, path: string): Store {
  const call = (method: keyof Store) => async (...args: unknown[]) =>
    ((await pagePromise) as Evaluator).evaluate(
      ([where, m, a]) => {
        const store = where.split('.').reduce<Record<string, unknown>>((object, key) => object[key] as Record<string, unknown>, window as unknown as Record<string, unknown>);
        return (store[m] as (...x: unknown[]) => unknown).apply(store, a);
      },
      [path, method, args] as const,
    );
  // The lock's release is a function in the page: kept there under a token, called by the token.
  const lock = async (namespace: string) => {
    const page = (await pagePromise) as Evaluator;
    const token = await page.evaluate(
      async ([where, ns]) => {
        const store = where.split('.').reduce<Record<string, unknown>>((object, key) => object[key] as Record<string, unknown>, window as unknown as Record<string, unknown>);
        const release = await (store.lock as (n: string) => Promise<() => void>).call(store, ns);
        const held = ((window as unknown as { __held?: Map<string, () => void> }).__held ??= new Map());
        const token = String(held.size + Math.random());
        held.set(token, release);
        return token;
      },
      [path, namespace] as const,
    );
    // A release after the test's page closed has nothing left to release.
    return () => void page.evaluate((t) => (window as unknown as { __held: Map<string, () => void> }).__held.get(t)?.(), token).catch(() => undefined);
  };
  return {
    name,
    // Sync in the contract; a page can only answer asynchronously (the suite awaits it).
    id: call('id') as unknown as Store['id'],
    lock,
    list: call('list') as Store['list'],
    get: call('get') as Store['get'],
    put: call('put') as Store['put'],
    remove: call('remove') as Store['remove'],
    quarantine: call('quarantine') as Store['quarantine'],
    listQuarantined: call('listQuarantined') as Store['listQuarantined'],
    dropQuarantined: call('dropQuarantined') as NonNullable<Store['dropQuarantined']>,
  };
}
