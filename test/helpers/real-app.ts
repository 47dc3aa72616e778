// The real Tauri apps (scripts/real-app.mjs builds them) driven the way Tauri documents it: tauri-driver in front of
// Debian's WebKitWebDriver, a classic WebDriver session from selenium-webdriver, under Xvfb with a small window
// manager (openbox), so that a window can be closed and a key pressed as a person does (wmctrl, xdotool).
// Each scenario gets its own display and its own data folders (XDG_*), so no scenario sees another's records; an app
// restart is a new session on the same folders. Processes and files are read from outside (/proc, the data folder).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Capabilities, WebDriver, type WebElement, By } from 'selenium-webdriver';
import { Executor, HttpClient } from 'selenium-webdriver/http/index.js';
// @ts-expect-error a plain .mjs module shared with the build script (no declarations)
import { appBinary, tauriDriver } from '../../scripts/real-app-paths.mjs';
import { ffmpegsWriting, wavSizes } from './ffmpeg.js';
import type { Evaluator } from './webkit.js';
import { isAlive, onTeardown, reaper, startTicks, tempDir, waitFor } from './index.js';
import type { ExampleApi } from './tauri-app.js';

export type AppName = 'pidkeep-example' | 'pidkeep-real-app';
/** The window titles of the two apps (their tauri.conf.json). */
const TITLES: Record<AppName, string> = { 'pidkeep-example': 'pidkeep example', 'pidkeep-real-app': 'pidkeep real app' };
/** The apps' identifier: $APPDATA is <XDG_DATA_HOME>/<identifier> on Linux. */
export const IDENTIFIER = 'dev.pidkeep.example';

const binaryOf = (app: AppName): string => appBinary(app) as string;

/** What is missing for the real-app tests, with the command that installs it; undefined when all is there. */
function realAppMissing(app: AppName = 'pidkeep-example'): string | undefined {
  for (const [file, fix] of [
    [binaryOf(app), 'node scripts/real-app.mjs (npm test runs it)'],
    [tauriDriver as string, 'node scripts/real-app.mjs (it runs cargo install tauri-driver)'],
    ['/usr/bin/WebKitWebDriver', 'apt-get install -y webkit2gtk-driver'],
    ['/usr/bin/Xvfb', 'apt-get install -y xvfb'],
    ['/usr/bin/openbox', 'apt-get install -y openbox'],
    ['/usr/bin/wmctrl', 'apt-get install -y wmctrl'],
    ['/usr/bin/xdotool', 'apt-get install -y xdotool'],
  ] as const) {
    if (!existsSync(file)) return `${file} is missing: run \`${fix}\``;
  }
  return undefined;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * Kills a process group we started (detached), leader first in line. Only while Node has not seen the leader exit:
 * until then its pid (and so the group's id) cannot have gone to another process, e.g. another test run's.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  for (const target of [-child.pid!, child.pid!]) {
    try {
      process.kill(target, signal);
    } catch {
      // gone
    }
  }
}

export interface Display {
  /** `:N` */
  name: string;
  env: Record<string, string>;
  /** The X server dies: every window on it loses its display. */
  kill(): void;
  /** Runs an X tool (wmctrl, xdotool) on this display; fails with its output. */
  run(command: string, args: string[]): string;
}

/** A fresh Xvfb with openbox on it; both end with the test. */
async function startDisplay(t: TestContext): Promise<Display> {
  const missing = realAppMissing();
  if (missing) throw new Error(`the real-app tests cannot run: ${missing}`);
  // -displayfd: Xvfb picks a free display number itself and writes it to fd 3 once it accepts clients.
  const xvfb = spawn('/usr/bin/Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
  reaper(t)(xvfb.pid);
  onTeardown(t, () => killGroup(xvfb));
  let errors = '';
  xvfb.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors = (errors + chunk).slice(-2000)));
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within 20 s: ${errors}`)), 20_000);
    (xvfb.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.trim());
      }
    });
    xvfb.once('exit', (code, signal) => reject(new Error(`Xvfb exited (${code ?? signal}): ${errors}`)));
  });
  const name = `:${number}`;
  const env = { DISPLAY: name };
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  // openbox, started again if it ends before it manages the display; what it said goes into a failure's message
  let said = '';
  let wm: ChildProcess | undefined;
  const manage = () => {
    const started = spawn('/usr/bin/openbox', ['--sm-disable'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    reaper(t)(started.pid);
    started.stderr!.setEncoding('utf8').on('data', (chunk: string) => (said = (said + chunk).slice(-2000)));
    started.once('exit', (code, signal) => (said += `\n[openbox exited: ${code ?? signal}]`));
    return started;
  };
  wm = manage();
  onTeardown(t, () => wm && killGroup(wm));
  try {
    await waitFor(`openbox to manage the display ${name}`, () => {
      if (wm && (wm.exitCode !== null || wm.signalCode !== null)) wm = manage();
      return spawnSync('/usr/bin/wmctrl', ['-m'], { env: { ...process.env, ...env } }).status === 0;
    }, { timeout: 30_000, interval: 100 });
  } catch (error) {
    throw new Error(`${(error as Error).message}; openbox said: ${said.trim() || 'nothing'}; Xvfb said: ${errors.trim() || 'nothing'}`);
  }
  return { name, env, kill: () => killGroup(xvfb), run };
}

export interface Scenario {
  display: Display;
  /** HOME, holding the XDG folders below. */
  home: string;
  /** XDG_DATA_HOME: the app's $APPDATA is `<data>/dev.pidkeep.example`. */
  data: string;
  appData: string;
  env: Record<string, string>;
  /**
   * Starts the app (a new WebDriver session on the same folders: the first start, or a restart). `exitStatus`: run it
   * under a small `sh` that writes its exit status to a file (WebKitWebDriver, its parent, does not tell it).
   */
  launch(app?: AppName, options?: { exitStatus?: boolean }): Promise<RealApp>;
}

/**
 * A display, data folders and a tauri-driver of their own for one scenario. `home`: the folders of an earlier
 * scenario of the test (an app started again on another display, e.g. after its display was lost).
 */
export async function scenario(t: TestContext, options: { env?: Record<string, string>; home?: string } = {}): Promise<Scenario> {
  const display = await startDisplay(t);
  const home = options.home ?? tempDir(t, 'pidkeep-real-');
  const folders = Object.fromEntries(['data', 'config', 'cache', 'state'].map((name) => [name, join(home, name)]));
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    ...display.env,
    HOME: home,
    XDG_DATA_HOME: folders.data!,
    XDG_CONFIG_HOME: folders.config!,
    XDG_CACHE_HOME: folders.cache!,
    XDG_STATE_HOME: folders.state!,
    // No accessibility bus on a bare display: GTK would wait for it and warn.
    NO_AT_BRIDGE: '1',
    ...options.env,
  };
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(tauriDriver as string, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  reaper(t)(driver.pid);
  let log = '';
  const keep = (chunk: string) => (log = (log + chunk).slice(-4000));
  driver.stdout!.setEncoding('utf8').on('data', keep);
  driver.stderr!.setEncoding('utf8').on('data', keep);
  onTeardown(t, () => killGroup(driver));
  const url = `http://127.0.0.1:${port}`;
  // tauri-driver can race at start-up: poll its status before the first session.
  await waitFor(`tauri-driver to answer on ${url} (its output: ${log})`, async () => (await fetch(`${url}/status`)).ok, { timeout: 20_000, interval: 100 });
  const sessions: RealApp[] = [];
  onTeardown(t, async () => {
    for (const app of sessions) await app.end();
  });
  return {
    display,
    home,
    data: folders.data!,
    appData: join(folders.data!, IDENTIFIER),
    env,
    async launch(app: AppName = 'pidkeep-example', options: { exitStatus?: boolean } = {}) {
      // WebKitWebDriver holds one session at a time, also after its app has died: end the earlier one first.
      for (const earlier of sessions) await earlier.end();
      const real = await launchApp(t, url, app, env, display, () => log, options.exitStatus ? tempDir(t, 'pidkeep-status-') : undefined);
      sessions.push(real);
      return real;
    },
  };
}

export interface RealApp extends Evaluator {
  name: AppName;
  driver: WebDriver;
  /** The app's process (WebKitWebDriver's child). */
  pid: number;
  /** The page's origin and URL, as the page sees them. */
  url(): Promise<string>;
  /** Waits for `window.pidkeepExample` (the example) or `window.realApp` (the test app). */
  ready(): Promise<void>;
  reload(): Promise<void>;
  /** A button by its text, clicked through WebDriver (a real click event in WebKit). */
  click(text: string): Promise<void>;
  text(): Promise<string>;
  /** The window closed as a person closes it: the window manager's close (WM_DELETE_WINDOW). `title`: another window's. */
  closeWindow(title?: string): void;
  /** Makes the window labelled `label` the one scripts run in (WebDriver's current window), once it has a page. */
  useWindow(label: string): Promise<void>;
  /** Keys pressed in the app's window, through the X server (e.g. `ctrl+q`). */
  press(keys: string): Promise<void>;
  /** Whether the app process still runs. */
  alive(): boolean;
  /** Waits for the app process to end. */
  ended(timeout?: number): Promise<void>;
  /** The app's exit status (launched with `exitStatus`): its code, or 128 + the signal that ended it. */
  exitStatus(): Promise<number>;
  /** Ends the session and the app (SIGKILL if it is still there). */
  end(): Promise<void>;
}

/** The process running `binary` with this scenario's data folder, from /proc. */
function findApp(binary: string, dataDir: string): number | undefined {
  const exe = realpathSync(binary);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (realpathSync(`/proc/${entry}/exe`) !== exe) continue;
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`XDG_DATA_HOME=${dataDir}`)) continue;
      if (isAlive(Number(entry))) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

async function launchApp(t: TestContext, url: string, name: AppName, env: Record<string, string>, display: Display, log: () => string, statusDir?: string): Promise<RealApp> {
  const binary = binaryOf(name);
  const status = statusDir && join(statusDir, 'status');
  let application = binary;
  if (statusDir) {
    // WebKitWebDriver starts this instead; the app inherits its environment (the automation socket included).
    application = join(statusDir, 'app.sh');
    writeFileSync(application, `#!/bin/sh\n${JSON.stringify(binary)} "$@"\necho $? > ${JSON.stringify(status)}\n`, { mode: 0o755 });
  }
  const capabilities = new Capabilities({ 'tauri:options': { application } });
  let driver: WebDriver;
  try {
    driver = await (WebDriver.createSession(new Executor(new HttpClient(url)), capabilities) as unknown as Promise<WebDriver>);
  } catch (error) {
    throw new Error(`no WebDriver session with ${binary}: ${String(error)} (tauri-driver's output: ${log()})`);
  }
  // createSession returns the driver before its session exists: the first command waits for it.
  await driver.getSession();
  await driver.manage().setTimeouts({ script: 120_000, pageLoad: 60_000 });
  const pid = await waitFor(`${name}'s process`, () => findApp(binary, env.XDG_DATA_HOME!), { timeout: 20_000 });
  reaper(t)(pid);
  const started = startTicks(pid);
  const title = TITLES[name];
  const { run } = display;
  const x = (command: string, args: string[]) => void run(command, args);
  let ended = false;
  const evaluate = async <R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> => {
    // tsx names the functions it compiles with a `__name` helper the page does not have: a no-op one is given
    const script = `const done = arguments[arguments.length - 1];
      var __name = (f) => f;
      Promise.resolve().then(() => (${fn.toString()})(${JSON.stringify(arg ?? null)})).then(
        (value) => done(value === undefined ? { undefined: true } : { value }),
        (error) => done({ error: typeof error === 'string' ? error : String(error && error.message || error), code: error && error.code }));`;
    // A script that ends the app (app.exit) may end it before WebKitWebDriver answers, which it then never does:
    // the app's end answers instead, as an error callers that expect it can tell (`appEnded`).
    let watch: NodeJS.Timeout | undefined;
    const gone = new Promise<never>((_, reject) => {
      watch = setInterval(() => {
        if (!isAlive(pid)) reject(Object.assign(new Error(`${name} ended before WebDriver answered`), { appEnded: true }));
      }, 100);
    });
    let answer: { value?: R; undefined?: true; error?: string; code?: string };
    try {
      answer = (await Promise.race([driver.executeAsyncScript(script), gone])) as typeof answer;
    } finally {
      clearInterval(watch);
    }
    if (answer.error !== undefined) throw Object.assign(new Error(answer.error), answer.code ? { code: answer.code } : {});
    // WebDriver's JSON has no undefined: it comes back as null unless said
    return (answer.undefined ? undefined : answer.value) as R;
  };
  const app: RealApp = {
    name,
    driver,
    pid,
    evaluate,
    url: () => driver.executeScript<string>('return location.href'),
    async ready() {
      const global = name === 'pidkeep-example' ? 'pidkeepExample' : 'realApp';
      await waitFor(`the ${name} page to start`, () => driver.executeScript<boolean>(`return window.${global} !== undefined`), { timeout: 30_000, interval: 100 });
    },
    async reload() {
      await driver.navigate().refresh();
      await app.ready();
    },
    async click(text: string) {
      const button: WebElement = await driver.findElement(By.xpath(`//button[normalize-space(.)=${JSON.stringify(text)}]`));
      await waitFor(`the ${text} button to be enabled`, () => button.isEnabled(), { timeout: 20_000, interval: 100 });
      await button.click();
    },
    text: () => driver.executeScript<string>('return document.body.innerText'),
    closeWindow: (other?: string) => x('/usr/bin/wmctrl', ['-F', '-c', other ?? title]),
    async useWindow(label: string) {
      await waitFor(`the window "${label}"`, async () => {
        for (const handle of await driver.getAllWindowHandles()) {
          await driver.switchTo().window(handle);
          const here = await driver.executeScript<string | null>('return window.__TAURI_INTERNALS__?.metadata?.currentWindow?.label ?? null').catch(() => null);
          if (here === label) return true;
        }
        return false;
      }, { timeout: 20_000, interval: 200 });
      await app.ready();
    },
    async press(keys: string) {
      // Focus first, and only then the keys: keys sent in the same xdotool call can reach the window before GTK
      // has taken the focus, and its menu accelerators never see them.
      const window = run('/usr/bin/xdotool', ['search', '--sync', '--name', `^${title}$`]).trim().split('\n')[0]!;
      x('/usr/bin/xdotool', ['windowactivate', '--sync', window]);
      await waitFor(`the ${name} window to have the focus`, () => run('/usr/bin/xdotool', ['getactivewindow']).trim() === window, { timeout: 10_000, interval: 50 });
      x('/usr/bin/xdotool', ['key', '--clearmodifiers', keys]);
    },
    alive: () => isAlive(pid),
    async ended(timeout = 30_000) {
      await waitFor(`${name} (pid ${pid}) to end`, () => !isAlive(pid), { timeout, interval: 50 });
    },
    async exitStatus() {
      if (!status) throw new Error('launch the app with { exitStatus: true } to read its exit status');
      return Number(await waitFor(`${name}'s exit status`, () => readFileSync(status, { encoding: 'utf8', flag: 'a+' }).trim()));
    },
    async end() {
      if (ended) return;
      ended = true;
      // A session whose app is gone answers with an error: nothing more to end.
      await Promise.race([driver.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      // Only the app itself: its pid may have ended and been reused meanwhile.
      if (startTicks(pid) !== started) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    },
  };
  await app.ready();
  return app;
}

// The example app's page (examples/tauri-app/src/App.svelte), read as the tests read it in Chromium.

/** What the page shows while recording: elapsed ms and bytes, or null when it is not recording. */
/**
 * Asks the page for `app.exit(code)`. It may end the app before WebDriver answers the call: that is no failure here.
 * The call is deferred a turn in the page, so the answer usually leaves first.
 */
export async function requestExit(side: Evaluator, code: number): Promise<void> {
  await side.evaluate((c) => void setTimeout(() => void window.realApp.app.exit(c), 0), code).catch((error: unknown) => {
    if (!(error as { appEnded?: boolean }).appEnded) throw error;
  });
}

export const shown = (app: RealApp) =>
  app.evaluate(() => {
    const elapsed = document.querySelector<HTMLElement>('#elapsed');
    const size = document.querySelector<HTMLElement>('#size');
    return elapsed && size ? { ms: Number(elapsed.dataset.ms), bytes: Number(size.dataset.bytes) } : null;
  }, null);

/** The recording's file, from the record the page's manager holds. */
export const recordingPath = (app: RealApp) => app.evaluate(() => (window.pidkeepExample!.pm.get('recorder')?.meta as { path?: string } | undefined)?.path ?? '', null);

/** What the start-up found, once the recorder has said it (until then the line says it is checking). */
export const finding = (app: RealApp) =>
  waitFor('the recorder to tell what the start-up found', async () => {
    const text = await app.evaluate(() => document.querySelector('#found')?.textContent ?? '', null);
    return text === '' || text.startsWith('checking') ? undefined : text;
  }, { timeout: 20_000 });

/** The page's recovery entries: what its manager found at start-up. */
export const recovery = (app: RealApp) => app.evaluate(() => window.pidkeepExample!.pm.recovery.map((r) => ({ name: r.name, pid: r.pid, status: r.status })), null);

/** The example page's test API (`window.pidkeepExample`), for a script run in the page. */
export type { ExampleApi };

/**
 * Clicks Record and waits until FFmpeg writes: the file, and the FFmpeg the page recorded, proven from /proc to be
 * the one process writing it. (Without an audio server the page first tries the default input, and that FFmpeg
 * ends at once; the recording is then the generated tone, into the same file name.)
 */
export async function record(t: TestContext, app: RealApp): Promise<{ path: string; pid: number }> {
  await app.click('Record');
  // The start is over once Stop is enabled (audio reached the file): whatever comes next cuts a recording, not its start.
  await waitFor('the start to finish', () => app.driver.findElement(By.xpath('//button[normalize-space(.)="Stop"]')).isEnabled(), { timeout: 30_000, interval: 100 });
  const { path, pid } = await app.evaluate(() => {
    const handle = window.pidkeepExample!.pm.get('recorder');
    return { path: (handle?.meta as { path?: string } | undefined)?.path ?? '', pid: handle?.pid ?? 0 };
  }, null);
  reaper(t)(pid);
  await waitFor(`FFmpeg ${pid} to be the one process writing ${path}`, () => {
    const writers = ffmpegsWriting(path);
    return writers.length === 1 && writers[0] === pid;
  });
  return { path, pid };
}

/** Waits until the file has grown by `bytes` (FFmpeg records on). */
export async function growing(path: string, bytes = 16_000): Promise<void> {
  const start = statSync(path).size;
  await waitFor(`${path} to grow`, () => statSync(path).size > start + bytes, { timeout: 20_000 });
}

/** The WAV's header is still FFmpeg's placeholder: the recording was cut (or is still being written). */
export function wavCut(path: string): boolean {
  const wav = wavSizes(path);
  return wav.riff !== wav.length - 8 || wav.data !== wav.length - wav.dataStart;
}

/**
 * Counts the app's IPC calls that fail from now on (until the page reloads). Tauri's invoke is a read-only property,
 * but every call goes out as a \`fetch\` of \`ipc://localhost/<command>\` whose answer carries \`Tauri-Response: ok\` or
 * \`error\` (tauri 2.12.7 \`scripts/ipc-protocol.js\` \`sendIpcMessage\`): the page's \`fetch\` is wrapped to read that.
 * Resolves to a reader of the failures so far (the command's URL and Tauri's error text).
 */
export async function failedInvokes(app: RealApp): Promise<() => Promise<string[]>> {
  const installed = await app.evaluate(() => {
    const page = window as unknown as { __failedInvokes?: string[]; fetch: typeof fetch & { counted?: true } };
    const failures: string[] = (page.__failedInvokes ??= []);
    if (page.fetch.counted) return true;
    const original = page.fetch;
    page.fetch = Object.assign(async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await original(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith('ipc:') && response.headers.get('Tauri-Response') !== 'ok') {
        const text = await response.clone().text().catch(() => '');
        failures.push(`${decodeURIComponent(url)}: ${text.slice(0, 300)}`);
      }
      return response;
    }, { counted: true as const });
    return page.fetch.counted === true;
  }, null);
  if (!installed) throw new Error('could not wrap the page\'s fetch to count failed IPC calls');
  // The counter must see a failure when there is one: a command no app has, then the list is emptied again.
  const seen = await app.evaluate(async () => {
    const page = window as unknown as { __failedInvokes: string[]; __TAURI_INTERNALS__: { invoke(cmd: string): Promise<unknown> } };
    await page.__TAURI_INTERNALS__.invoke('pidkeep_no_such_command').catch(() => undefined);
    return page.__failedInvokes.splice(0).length;
  }, null);
  if (seen !== 1) throw new Error(`the failed-IPC counter saw ${seen} failures of a command that does not exist, not 1`);
  return () => app.evaluate(() => [...((window as unknown as { __failedInvokes?: string[] }).__failedInvokes ?? [])], null);
}
