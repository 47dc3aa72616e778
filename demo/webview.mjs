// npm start, act two: the article's scenario done right, in a real headless Chromium. The example Tauri app's own
// frontend (examples/tauri-app) and the real @tauri-apps plugins; Tauri's Rust side is pidkeep's host (real processes,
// the example's capabilities file). FFmpeg records, the webview reloads, the app crashes and restarts.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium'; // the test suite's browser (test/helpers/browser.ts)
if (!existsSync(CHROMIUM)) {
  console.log('\nskipped the webview act: Debian\'s chromium is not installed (apt-get install -y chromium, or run npm test once, which installs it)');
  process.exit(0);
}
const { chromium } = await import('playwright-core');
const { createServer } = await import('vite');
const { svelte } = await import('@sveltejs/vite-plugin-svelte');
const { tauriHost } = await import('pidkeep/tauri-host');

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const example = join(root, 'examples', 'tauri-app');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n, text) => console.log(`\n${bold(`${n}.`)} ${text}`);
const say = (text) => console.log(`   ${text}`);
const alive = (pid) => {
  try {
    return !/^[ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]); // a zombie has ended
  } catch {
    return false;
  }
};
async function waitFor(what, check, ms = 15_000) {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`the webview act timed out waiting for ${what}`);
  }
}
const size = (file) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
// A WAV's RIFF size (bytes 4..8) stays FFmpeg's 0xFFFFFFFF placeholder until it writes its trailer on a clean end.
const riff = (file) => readFileSync(file).readUInt32LE(4);

// Everything this act creates, undone however it ends (an error, Ctrl+C, the watchdog).
const dirs = [mkdtempSync(join(tmpdir(), 'pidkeep-app-')), mkdtempSync(join(tmpdir(), 'pidkeep-vite-'))];
const pids = new Set();
let browser, server, appHost;
process.on('exit', () => {
  for (const pid of pids) if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch {} // gone meanwhile
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
setTimeout(() => (console.error('the webview act took over 90 s: giving up'), process.exit(1)), 90_000).unref();

try {
  console.log(bold('\npidkeep in a Tauri webview: the example app in headless Chromium, a real FFmpeg recording, a reload, a crash'));
  // The recorder's scope entry runs `ffmpeg` from PATH: npm's build, made executable (npm may skip its install script).
  const ffmpeg = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;
  chmodSync(ffmpeg, 0o755);
  process.env.PATH = `${dirname(ffmpeg)}:${process.env.PATH}`;
  const capabilities = JSON.parse(readFileSync(join(example, 'src-tauri', 'capabilities', 'default.json'), 'utf8'));
  const plugin = tauriHost({ capabilities: [capabilities], dataDir: dirs[0], identifier: 'dev.pidkeep.example' });
  const host = plugin.api.host;
  appHost = host;
  server = await createServer({
    root: example, configFile: false, logLevel: 'error', clearScreen: false, cacheDir: join(dirs[1], 'cache'), plugins: [svelte(), plugin],
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    // An app gets these from `npm install pidkeep`; here, this checkout's build.
    resolve: {
      alias: [
        { find: /^pidkeep(\/(tauri|web|ffmpeg|svelte))?$/, replacement: join(root, 'dist') + '$1/index.js' },
        { find: /^pidkeep\/svelte\/runes$/, replacement: join(root, 'dist', 'svelte', 'runes.js') },
      ],
    },
    // Bundled up front: a dependency discovered later would make Vite reload the page behind our back.
    optimizeDeps: { noDiscovery: true, include: ['@tauri-apps/plugin-shell', '@tauri-apps/plugin-fs', '@tauri-apps/api/core', '@tauri-apps/api/event', '@tauri-apps/api/window'] },
  });
  await server.listen();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const ready = (page) => page.waitForFunction(() => window.pidkeepExample !== undefined, undefined, { timeout: 20_000 });
  const open = async () => {
    const page = await (await browser.newContext()).newPage(); // a new context: a new webview, empty sessionStorage
    await page.goto(server.resolvedUrls.local[0]);
    await ready(page);
    return page;
  };
  // What the page's list shows: "rec (pid N, S s[, adopted])", its elapsed time from the record.
  const shown = (page) => page.evaluate(() => document.querySelector('#running li')?.firstChild?.textContent?.trim() ?? '');
  const recovery = (page) => page.evaluate(() => window.pidkeepExample.pm.recovery.map((r) => `${r.name} (pid ${r.pid}), ${r.status}: ${r.detail}`));

  step(1, 'The app starts (Vite + the host plugin, the example\'s capabilities); its page starts the FFmpeg recorder.');
  let page = await open();
  const { pid, file } = await page.evaluate(async () => {
    const api = window.pidkeepExample;
    const file = `${api.recordings}/tone.wav`;
    return { pid: (await api.start('rec', api.recorder(file))).pid, file };
  });
  pids.add(pid);
  await waitFor('FFmpeg to write samples', () => size(file) > 16_000); // 8 kHz, 16-bit mono: 16 kB a second
  const first = size(file);
  await waitFor('the WAV to grow', () => size(file) > first + 16_000);
  say(`recorder pid ${pid}, writing ${file.slice(dirs[0].length + 1)} (in ${dirs[0]})`);
  say(`the WAV grows: ${first} -> ${size(file)} bytes; RIFF size in its header: 0x${riff(file).toString(16)} (a placeholder while recording)`);
  await waitFor('the page to list it', async () => /\d+ s/.test(await shown(page)));
  const before = Number(/(\d+) s/.exec(await shown(page))[1]);
  say(`the page shows: ${await shown(page)}`);

  step(2, 'The webview reloads (Ctrl+R): the app and its shell plugin live on, the page starts from scratch.');
  await page.reload();
  await ready(page);
  for (const line of await recovery(page)) say(line);
  // Elapsed time comes from the record: wait (about a second) for the page to show a later second than before.
  const seconds = async () => Number(/(\d+) s, adopted/.exec(await shown(page))?.[1] ?? -1);
  await waitFor('the reloaded page to list it', async () => (await seconds()) > before);
  say(`the page shows: ${await shown(page)} (same pid; the elapsed time continues from ${before} s)`);
  const log = (await page.evaluate(() => window.pidkeepExample.readLog('rec', 'stderr'))).split(/[\r\n]+/);
  say(`its log, read back through the fs plugin: "${log.find((l) => l.startsWith('Output #0'))}" … "${log.filter(Boolean).at(-1).trim()}"`);

  step(3, 'The app crashes (its webview dies with it), then starts again with a new webview.');
  host.crash();
  await page.context().close();
  host.restart();
  const orphaned = size(file);
  await waitFor('FFmpeg to record on without its app', () => size(file) > orphaned + 8_000);
  say(`FFmpeg (pid ${pid}) records on without its app: ${size(file)} bytes; the new run's plugin holds: [${host.children()}]`);
  page = await open();
  for (const line of await recovery(page)) say(line);
  // What the article's `new Child(pid).kill()` sends: plugin:shell|kill, here to a run that never knew the pid.
  await page.evaluate((p) => window.__TAURI_INTERNALS__.invoke('plugin:shell|kill', { cmd: 'killChild', pid: p }), pid);
  const grown = size(file); // still recording after it = still growing (a packet is 2 kB, every 128 ms)
  const articleAfter = await waitFor('FFmpeg to record on', () => size(file) > grown + 2_000, 3_000).then(() => alive(pid), () => false);
  // Its stdin died with the crashed run: the `q` step is skipped, SIGINT through the kill power finishes the file.
  const result = await page.evaluate(() => window.pidkeepExample.pm.stop('rec'));
  say(`pm.stop('rec') ended it by ${bold(result.by)}: ${JSON.stringify(result)}`);
  const length = size(file);
  const done = riff(file) === length - 8;
  say(`the WAV: ${length} bytes, RIFF size ${riff(file)} = length - 8: ${done ? bold('complete') : 'NOT complete'}; recorder alive: ${alive(pid)}`);
  if (!done || alive(pid)) throw new Error('the recording was not finished cleanly');

  step(4, 'The article\'s `new Child(pid).kill()` instead:');
  say(`after the restart (tried above, before pidkeep's stop): ${articleAfter ? `it resolved and did nothing, pid ${pid} kept recording` : 'it resolved, and the recording stopped (unexpected)'}`);
  say('before the crash, where the plugin held it: SIGKILL, no trailer, the WAV left with the 0xffffffff header seen in step 1');
} finally {
  await browser?.close();
  // The app quits (the shell plugin kills what it still holds); a dev server that just stops would be a crash.
  await appHost?.close();
  await server?.close();
}
