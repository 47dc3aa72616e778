// The UI bindings under real frameworks: components bundled by esbuild (Svelte components compiled by Svelte's own
// compiler on the way), run by Node for server rendering and by Debian's Chromium for the browser, where a real
// manager in this Node process feeds them through a bridge.
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestContext } from 'node:test';
import { build, type Plugin } from 'esbuild';
import type { Page } from 'playwright-core';
import { compile } from 'svelte/compiler';
import { createProcessManager, memoryStore, type ManagerEvent, type ProcessManager, type StartOptions } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { launchChromium } from './browser.js';
import { onTeardown, reaper, root, tempDir, uniqueNamespace } from './index.js';

export const uiFixtures = join(root, 'test', 'fixtures');

/** A real manager (node backend; file store unless `memory`) whose processes are all killed when the test ends. */
export async function uiManager(t: TestContext, { memory = false } = {}): Promise<ProcessManager> {
  const reap = reaper(t);
  const pm = await createProcessManager({
    namespace: uniqueNamespace('ui'),
    backend: nodeBackend({ dir: tempDir(t) }),
    store: memory ? memoryStore() : fileStore({ dir: tempDir(t) }),
    pollInterval: 50,
  });
  pm.subscribe((event) => event.pid !== null && reap(event.pid));
  onTeardown(t, async () => {
    await pm.stopAll().catch(() => undefined);
    await pm.close();
  });
  return pm;
}

/** A process that runs until stopped. */
export const idle: StartOptions = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };

// The bindings from this checkout's sources, as an app gets them from `pidkeep/...`.
const bindings: Plugin = {
  name: 'pidkeep-bindings',
  setup(b) {
    const paths: Record<string, string> = {
      'pidkeep/svelte': join(root, 'src', 'svelte', 'index.ts'),
      'pidkeep/svelte/runes': join(root, 'src', 'svelte', 'runes.ts'),
      'pidkeep/react': join(root, 'src', 'react', 'index.ts'),
    };
    b.onResolve({ filter: /^pidkeep\// }, (args) => (paths[args.path] ? { path: paths[args.path] } : undefined));
  },
};

/** Compiles `.svelte` files with Svelte's compiler for `generate`; any compiler warning fails the build. */
const svelteFiles = (generate: 'client' | 'server'): Plugin => ({
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async (args) => {
      const { js, warnings } = compile(await readFile(args.path, 'utf8'), { filename: args.path, generate });
      return { contents: js.code, loader: 'js', errors: warnings.map((w) => ({ text: `${w.code}: ${w.message}` })) };
    });
  },
});

/** One bundle of `source` (an ES module, resolved from test/fixtures) with everything it imports. */
async function bundle(source: string, target: 'browser' | 'node', svelte: 'client' | 'server'): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: uiFixtures, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: target === 'browser' ? 'iife' : 'esm',
    platform: target,
    // React's development build checks hook rules and warns when a snapshot is not cached: the tests want that.
    define: { 'process.env.NODE_ENV': '"development"' },
    plugins: [bindings, svelteFiles(svelte)],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Imports `source`'s bundle in this Node process (for server rendering). */
export async function importBundle<T>(t: TestContext, source: string, svelte: 'client' | 'server' = 'server'): Promise<T> {
  const file = join(tempDir(t, 'pidkeep-ui-'), 'bundle.mjs');
  writeFileSync(file, await bundle(source, 'node', svelte));
  return (await import(pathToFileURL(file).href)) as T;
}

/**
 * A Chromium page running `source`'s browser bundle, with the bridge of test/fixtures/ui-bridge.ts fed by `pm`:
 * every snapshot the manager makes is sent to the page with its event, in order; `pidkeepStop(name)` in the page stops the real
 * process. Errors the page logs are collected in `errors`.
 */
export async function pageWith(t: TestContext, pm: ProcessManager, source: string): Promise<{ page: Page; errors: string[] }> {
  const code = await bundle(source, 'browser', 'client');
  const page = await (await launchChromium(t)).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  await page.exposeFunction('pidkeepStop', async (name: string) => (await pm.stop(name)).outcome);
  await page.setContent('<!doctype html><meta charset="utf-8"><div id="app"></div>');
  await page.addScriptTag({ content: code });
  // Sent one after another: a later snapshot never overtakes an earlier one.
  let sending = Promise.resolve();
  let sent: unknown;
  const send = (event: ManagerEvent | null) => {
    const snapshot = pm.snapshot();
    if (snapshot === sent) return;
    sent = snapshot;
    sending = sending.then(() => page.evaluate(([s, e]) => window.pidkeepBridge.push(s, e), [snapshot, event] as const)).then(() => undefined, () => undefined);
  };
  onTeardown(t, pm.subscribe(send));
  send(null);
  await sending;
  return { page, errors };
}

/** The text of every element matching `selector`. */
export const textsOf = (page: Page, selector: string) => page.locator(selector).allTextContents();
