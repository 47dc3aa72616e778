// `npm run dev` serves the frontend for `tauri dev`. `npm run dev:browser` adds pidkeep's Tauri host: the same page
// in any browser, with the shell and fs plugins played by Node against real processes, under this app's own
// capabilities file.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { tauriHost } from 'pidkeep/tauri-host';

export default defineConfig(({ mode }) => ({
  clearScreen: false,
  build: { target: 'es2022' },
  server: { port: 1420, strictPort: true },
  plugins: [svelte(), ...(mode === 'browser' ? [tauriHost({ capabilities: ['src-tauri/capabilities/default.json'], identifier: 'dev.pidkeep.example' })] : [])],
}));
