// A REAL app crash in Chromium: the Tauri host runs as its own OS process (pidkeep-tauri-host, dist/tauri-host/cli.js)
// and is SIGKILLed, so its children are reparented by the kernel, unlike the in-process `host.crash()` of the other
// browser tests (where orphans stay children of the test process). The page is a fixture without a bundler
// (test/fixtures/tauri-page): the host serves the repository root, the page imports /dist and the real
// @tauri-apps packages from /node_modules through an import map, and the host injects its bridge script first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { ProcessManager, RecoveryEntry, StartOptions, StopResult } from '../../src/index.js';
import type { TauriBackend } from '../../src/tauri/index.js';
import { launchChromium } from '../helpers/browser.js';
import { isAlive, reaper, root, startNode, tempDir, waitFor } from '../helpers/index.js';
import { exampleCapabilities } from '../helpers/tauri-app.js';

const hostCli = join(root, 'dist', 'tauri-host', 'cli.js');
const PAGE = 'test/fixtures/tauri-page/index.html';

/** What the fixture page exposes on `window`. */
interface CrashTestApi {
  pm: ProcessManager;
  backend: TauriBackend;
  worker(seconds?: number): StartOptions;
  /** Every command the page invoked since the manager was created, an `execute` with its scope name (the test empties it before a step). */
  invoked: string[];
}
declare global {
  var crashTest: CrashTestApi | undefined;
  var crashTestErrors: string[] | undefined;
}

/** The parent pid in /proc/<pid>/stat (the field after the state; the command name may hold spaces). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** pidkeep-tauri-host as a process of its own, serving the repository root; killed when the test ends. */
async function startHost(t: TestContext, dataDir: string, port = 0) {
  const host = startNode(t, hostCli, ['--port', String(port), '--capabilities', exampleCapabilities, '--data-dir', dataDir, '--identifier', 'dev.pidkeep.example', '--root', root]);
  const pid = reaper(t)(host.child.pid);
  assert.ok(pid, 'the host process started');
  const url = await host.line('listening');
  return { ...host, pid, url };
}

/** How a host process ended, within a deadline (never an unbounded wait). */
const exitOf = (host: { exited: Promise<{ code: number | null; signal: string | null }> }) =>
  waitFor('the host process to exit', () => Promise.race([host.exited, new Promise<undefined>((resolve) => setTimeout(resolve, 100))]), { timeout: 10_000 });

/** Opens (or reloads) the fixture page and waits for its manager, start-up reconciling included; errors fail loudly. */
async function openPage(context: BrowserContext, url: string, page?: Page): Promise<Page> {
  const target = page ?? (await context.newPage());
  const errors: string[] = [];
  target.on('pageerror', (error) => errors.push(error.message));
  if (page) await page.reload();
  else await target.goto(url);
  const settled = await target
    .waitForFunction(() => window.crashTest !== undefined || (window.crashTestErrors?.length ?? 0) > 0, undefined, { timeout: 20_000 })
    .then(() => target.evaluate(() => window.crashTestErrors ?? []))
    .catch((error: unknown) => [String(error)]);
  if (settled.length > 0 || errors.length > 0) throw new Error(`the fixture page did not start: ${[...settled, ...errors].join('; ')}`);
  return target;
}

const startWorker = (page: Page, name: string) =>
  page.evaluate(async ([n]) => {
    const h = await window.crashTest!.pm.start(n, window.crashTest!.worker(600));
    return { pid: h.pid, adopted: h.adopted };
  }, [name] as const);
const recoveryOf = (page: Page): Promise<RecoveryEntry[]> => page.evaluate(() => window.crashTest!.pm.recovery.map((r) => ({ ...r })));
/** This tab's claim on children (sessionStorage: kept across a reload, new in a new tab). */
const heldBy = (page: Page): Promise<Array<{ pid: number; app?: number }>> => page.evaluate(() => JSON.parse(sessionStorage.getItem('pidkeep:tauri:held') ?? '[]'));
/** Stops `name` and returns the StopResult with the commands the page invoked meanwhile. */
const stopIn = (page: Page, name: string): Promise<{ result: StopResult; invoked: string[] }> =>
  page.evaluate(async ([n]) => {
    const api = window.crashTest!;
    api.invoked.length = 0;
    const result = await api.pm.stop(n);
    return { result, invoked: [...api.invoked] };
  }, [name] as const);

test('a real app crash (the host process SIGKILLed, its children reparented): after a restart on the same port the reloaded old tab and a new tab both stop the orphans with SIGTERM through the kill power', async (t) => {
  const dataDir = tempDir(t, 'pidkeep-app-');
  const reap = reaper(t);
  const first = await startHost(t, dataDir);
  const pageUrl = new URL(PAGE, first.url).href;
  const browser = await launchChromium(t);
  const oldContext = await browser.newContext();
  const oldTab = await openPage(oldContext, pageUrl);

  // Window `main` starts two workers: both children of the host process, both claimed by this tab as held.
  const a = await startWorker(oldTab, 'worker-a');
  const b = await startWorker(oldTab, 'worker-b');
  reap(a.pid);
  reap(b.pid);
  assert.deepEqual([a.adopted, b.adopted], [false, false]);
  assert.deepEqual([parentOf(a.pid), parentOf(b.pid)], [first.pid, first.pid], 'the host process spawned them');
  assert.deepEqual((await heldBy(oldTab)).map((e) => [e.pid, e.app]), [[a.pid, first.pid], [b.pid, first.pid]], '`ps` told the app (the host) at spawn');

  // The crash: SIGKILL of the app process. Nothing is killed with it; the kernel gives its children a new parent.
  first.child.kill('SIGKILL');
  assert.deepEqual(await exitOf(first), { code: null, signal: 'SIGKILL' });
  assert.ok(!isAlive(first.pid), 'the host is gone');
  for (const pid of [a.pid, b.pid]) {
    assert.ok(isAlive(pid), `worker ${pid} outlived its app`);
    const parent = await waitFor(`worker ${pid} to be reparented`, () => (parentOf(pid) !== first.pid ? parentOf(pid) : 0));
    t.diagnostic(`worker ${pid}: parent ${first.pid} (host, SIGKILLed) -> ${parent}`);
  }

  // The app restarts on the same port with the same data dir: a new run whose shell plugin holds nothing.
  const second = await startHost(t, dataDir, Number(new URL(first.url).port));
  assert.equal(second.url, first.url, 'same origin, so the old tab can reload and keeps its sessionStorage');
  assert.notEqual(second.pid, first.pid);

  // (a) The OLD tab reloads. Its sessionStorage still claims both children for this app run; `ps` shows that their
  // parent is no longer the app they were spawned by, so the claims are dropped and nothing goes to the plugin.
  await openPage(oldContext, pageUrl, oldTab);
  assert.deepEqual((await recoveryOf(oldTab)).map((r) => [r.name, r.pid, r.status]), [['worker-a', a.pid, 'adopted'], ['worker-b', b.pid, 'adopted']]);
  assert.deepEqual(await heldBy(oldTab), [], 'the stale claims of the crashed run are dropped (the children\'s parent changed)');
  const write = await oldTab.evaluate(async () => {
    const api = window.crashTest!;
    api.invoked.length = 0;
    const outcome = await api.pm.get('worker-a')!.write('q').then(() => 'written', (e: { code?: string }) => e.code ?? 'error');
    return { outcome, invoked: [...api.invoked] };
  });
  assert.deepEqual(write, { outcome: 'STDIN_CLOSED', invoked: [] }, 'handle.write refuses without a call to the plugin (its stdin pipe died with the crashed run)');
  const old = await stopIn(oldTab, 'worker-a');
  t.diagnostic(`old tab: ${JSON.stringify({ by: old.result.by, step: old.result.step, ms: old.result.durationMs, invoked: old.invoked })}`);
  assert.deepEqual([old.result.outcome, old.result.by, old.result.step, old.result.forced], ['stopped', 'SIGTERM', 1, false], 'the write step skipped, SIGTERM ended it');
  assert.ok(!old.invoked.includes('plugin:shell|stdin_write'), 'no stdin write through the plugin');
  assert.ok(!old.invoked.includes('plugin:shell|kill'), 'no kill through the plugin');
  assert.ok(old.invoked.includes('plugin:shell|execute pidkeep-ps') && old.invoked.includes('plugin:shell|execute pidkeep-kill'), 'the ps and kill powers did the work');
  await waitFor('worker-a to be gone', () => !isAlive(a.pid));

  // (b) A NEW tab (a new webview, fresh sessionStorage): it adopts what the crashed run left and stops it the same way.
  const newTab = await openPage(await browser.newContext(), pageUrl);
  assert.deepEqual((await recoveryOf(newTab)).map((r) => [r.name, r.pid, r.status]), [['worker-b', b.pid, 'adopted']], 'worker-a stopped and its record removed; worker-b adopted');
  assert.deepEqual(await heldBy(newTab), [], 'a new webview claims nothing');
  assert.deepEqual(await newTab.evaluate(() => window.crashTest!.pm.list().map((h) => [h.name, h.pid, h.adopted])), [['worker-b', b.pid, true]]);
  const fresh = await stopIn(newTab, 'worker-b');
  t.diagnostic(`new tab: ${JSON.stringify({ by: fresh.result.by, step: fresh.result.step, ms: fresh.result.durationMs, invoked: fresh.invoked })}`);
  assert.deepEqual([fresh.result.outcome, fresh.result.by, fresh.result.step, fresh.result.forced], ['stopped', 'SIGTERM', 1, false]);
  assert.ok(!fresh.invoked.includes('plugin:shell|stdin_write') && !fresh.invoked.includes('plugin:shell|kill'), `plugin calls: ${fresh.invoked.join(', ')}`);
  assert.ok(fresh.invoked.includes('plugin:shell|execute pidkeep-kill'), 'SIGTERM went through the kill power');
  await waitFor('worker-b to be gone', () => !isAlive(b.pid));
  assert.deepEqual(await newTab.evaluate(() => window.crashTest!.pm.list().length), 0);

  // Everything ends (the browser and the directories go in the teardown). SIGTERM is a crash for a Tauri app.
  second.child.kill('SIGTERM');
  assert.deepEqual(await exitOf(second), { code: null, signal: 'SIGTERM' }, 'the second host dies of SIGTERM: no handler, as in Tauri');
  assert.ok(![first.pid, second.pid, a.pid, b.pid].some(isAlive), 'no host and no worker is left');
});
