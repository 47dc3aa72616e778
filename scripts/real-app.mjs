// Builds what the real-app tests drive (test/real/): the example Tauri app (examples/tauri-app) and the
// test app (test/real-app: the example's Rust and capabilities with a page for the tests' scripts), each with its
// frontend built by Vite and embedded (`tauri/custom-protocol`: the page is tauri://localhost, not a dev server),
// without Tauri's bundler (it downloads tools from outside the registries), a small program over the `regex` crate
// tauri-plugin-shell checks scope validators with (test/rust-regex), and `tauri-driver` at a pinned version.
// Run by `npm test` (pretest) after scripts/check-system.mjs; `node scripts/real-app.mjs` alone rebuilds.
// Cargo's target folder is outside the clone (PIDKEEP_CARGO_TARGET_DIR, default ~/.cache/pidkeep/cargo-target), so
// a later run on the same machine only relinks what changed. A failure stops with what failed and what to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { build } from 'vite';
import { appBinary, cargoTargetDir, root, TAURI_DRIVER_VERSION, tauriDriver, toolsDir } from './real-app-paths.mjs';

const fail = (message) => {
  console.error(`real-app build: ${message}`);
  process.exit(1);
};
const started = Date.now();

const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.status !== 0) fail('cargo is missing: install Rust with rustup (https://rustup.rs), then run `npm test` again');
if (!existsSync(join(root, 'dist', 'tauri', 'index.js'))) fail('dist/ is missing: run `npm run build` first (`npm test` does)');

// `pidkeep` and its subpaths from this checkout's build, as an app gets them from npm.
const alias = [
  { find: /^pidkeep(\/(tauri|web|ffmpeg|svelte))?$/, replacement: join(root, 'dist') + '$1/index.js' },
  { find: /^pidkeep\/svelte\/runes$/, replacement: join(root, 'dist', 'svelte', 'runes.js') },
];
const apps = [
  { name: 'the example app', dir: join(root, 'examples', 'tauri-app'), plugins: [svelte()] },
  { name: 'the test app', dir: join(root, 'test', 'real-app'), plugins: [] },
];
/** Every file under `dir` with its bytes, or null when there is no such folder. */
const filesOf = (dir) => (existsSync(dir) ? new Map(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name))])) : null);
const same = (a, b) => a !== null && b !== null && a.size === b.size && [...a].every(([file, bytes]) => b.get(file)?.equals(bytes));
for (const app of apps) {
  // Built beside dist/ and moved in only when something changed: an unchanged frontend keeps its files' times, so
  // cargo (which embeds dist/) has nothing to rebuild.
  const next = join(app.dir, '.dist-next');
  const dist = join(app.dir, 'dist');
  try {
    await build({
      root: app.dir,
      configFile: false,
      logLevel: 'error',
      plugins: app.plugins,
      resolve: { alias },
      build: { target: 'es2022', outDir: next, emptyOutDir: true },
    });
  } catch (error) {
    fail(`Vite could not build the frontend of ${app.name} (${app.dir}): ${error.message}`);
  }
  if (same(filesOf(next), filesOf(dist))) rmSync(next, { recursive: true });
  else {
    rmSync(dist, { recursive: true, force: true });
    renameSync(next, dist);
  }
}

const env = { ...process.env, CARGO_TARGET_DIR: cargoTargetDir };
const crates = [
  ...apps.map((app) => ({ name: app.name, manifest: join(app.dir, 'src-tauri', 'Cargo.toml'), features: ['--features', 'tauri/custom-protocol'] })),
  // the regex crate tauri-plugin-shell checks scope validators with, to hold pidkeep's translation against it
  { name: 'the regex probe', manifest: join(root, 'test', 'rust-regex', 'Cargo.toml'), features: [] },
];
for (const crate of crates) {
  console.log(`real-app build: cargo build ${crate.name} (target ${cargoTargetDir})`);
  // --locked: the crates of the committed Cargo.lock, never others.
  const args = ['build', '--locked', ...crate.features, '--manifest-path', crate.manifest];
  const run = spawnSync('cargo', args, { stdio: 'inherit', env });
  if (run.status !== 0) {
    fail(`cargo could not build ${crate.name} (exit ${run.status ?? run.signal}). Its output is above; the Tauri system packages come from \`node scripts/check-system.mjs\` (as root), and the command was: CARGO_TARGET_DIR=${cargoTargetDir} cargo ${args.join(' ')}`);
  }
}
for (const name of ['pidkeep-example', 'pidkeep-real-app', 'pidkeep-rust-regex']) if (!existsSync(appBinary(name))) fail(`cargo reported success but ${appBinary(name)} is missing`);

// tauri-driver, pinned: `cargo install` builds it once into the tools folder beside the target folder.
const installed = spawnSync('cargo', ['install', '--list', '--root', toolsDir], { encoding: 'utf8' });
if (!existsSync(tauriDriver) || !installed.stdout?.includes(`tauri-driver v${TAURI_DRIVER_VERSION}:`)) {
  console.log(`real-app build: cargo install tauri-driver ${TAURI_DRIVER_VERSION}`);
  const run = spawnSync('cargo', ['install', 'tauri-driver', '--version', TAURI_DRIVER_VERSION, '--locked', '--root', toolsDir], { stdio: 'inherit', env });
  if (run.status !== 0) fail(`cargo could not install tauri-driver ${TAURI_DRIVER_VERSION} (exit ${run.status ?? run.signal}); the command was: cargo install tauri-driver --version ${TAURI_DRIVER_VERSION} --locked --root ${toolsDir}`);
}
console.log(`real-app build: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${appBinary('pidkeep-example')}, ${appBinary('pidkeep-real-app')}, ${tauriDriver})`);
