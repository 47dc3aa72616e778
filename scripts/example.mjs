// `npm run example`: the example Tauri app (examples/tauri-app) in any browser, without Rust. Vite serves its frontend
// with pidkeep's Tauri host plugin, which plays the shell and fs plugins in this Node process with real processes,
// under the app's own capability file. Records and recordings go where the real app keeps them on Linux
// (~/.local/share/dev.pidkeep.example, or under $XDG_DATA_HOME), unless --data-dir says otherwise.
// Ctrl+C ends the server as a crash ends an app: the host kills nothing (the terminal's SIGINT reaches FFmpeg too,
// which finishes its file); the next run finds what is left.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createServer } from 'vite';

const root = join(import.meta.dirname, '..');
const example = join(root, 'examples', 'tauri-app');
const usage = 'usage: npm run example -- [--port N] [--data-dir DIR]';

let options;
try {
  ({ values: options } = parseArgs({ options: { port: { type: 'string', default: '1420' }, 'data-dir': { type: 'string' }, help: { type: 'boolean' } } }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (options.help) {
  console.log(`${usage}\n  --port N        first port to try (default 1420; the next free one is taken)\n  --data-dir DIR  where $APPDATA and the other app dirs go (default: your real XDG dirs, as the app uses)`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'tauri-host', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first (`npm run example` does)');
  process.exit(1);
}
// The capability runs /usr/bin/ffmpeg: say so now rather than at the first click.
if (!existsSync('/usr/bin/ffmpeg')) console.warn('warning: /usr/bin/ffmpeg is missing (the capability runs it): apt-get install ffmpeg, or edit the `cmd` in the capability');

const { tauriHost } = await import(join(root, 'dist', 'tauri-host', 'index.js'));
const dataDir = options['data-dir'];
const plugin = tauriHost({ capabilities: [join(example, 'src-tauri', 'capabilities', 'default.json')], identifier: 'dev.pidkeep.example', ...(dataDir ? { dataDir } : {}) });
const server = await createServer({
  root: example,
  configFile: false,
  clearScreen: false,
  logLevel: 'warn',
  server: { host: '127.0.0.1', port: Number(options.port), strictPort: false },
  plugins: [svelte(), plugin],
  // An app gets `pidkeep` from npm; here, this checkout's build.
  resolve: {
    alias: [
      { find: /^pidkeep(\/(tauri|web|ffmpeg|svelte))?$/, replacement: join(root, 'dist') + '$1/index.js' },
      { find: /^pidkeep\/svelte\/runes$/, replacement: join(root, 'dist', 'svelte', 'runes.js') },
    ],
  },
  // Bundled up front: a dependency found after the first page load would make Vite reload the page.
  optimizeDeps: { include: ['@tauri-apps/plugin-shell', '@tauri-apps/plugin-fs', '@tauri-apps/api/core', '@tauri-apps/api/path', '@tauri-apps/api/event', '@tauri-apps/api/window'] },
});
await server.listen();
// $APPDATA as the host lays it out (src/tauri-host/paths.ts), as Tauri does on Linux.
const appData = join(dataDir ?? process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'dev.pidkeep.example');
console.log(`pidkeep example app: ${server.resolvedUrls.local[0]}`);
console.log(`  its data (records, recordings): ${appData}`);
console.log('  Ctrl+C ends it like an app crash: a recording is found again (or repaired) at the next start.');
