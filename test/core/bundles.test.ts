// What a webview bundle pulls in: the core, pidkeep/web and pidkeep/tauri must never reach Node-only code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { root } from '../helpers/index.js';

/** Every module reachable from `entry` by static and dynamic imports, and every bare specifier they name. */
function importGraph(entry: string) {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!));
      else bare.add(specifier!);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(join(root, 'dist'), f)), bare: [...bare] };
}

/**
 * The UI bindings and the framework each may import: nothing else does, so a webview that uses neither pulls in
 * neither. pidkeep/svelte's stores import nothing of Svelte (Svelte 4 has no svelte/reactivity); only the runes do.
 */
const frameworks: Record<string, (specifier: string) => boolean> = {
  'svelte/index.js': () => false,
  'svelte/runes.js': (s) => s.startsWith('svelte/'),
  'react/index.js': (s) => s === 'react',
};
const entryName = (entry: string) => `pidkeep${entry === 'index.js' ? '' : `/${entry.replace(/(\/index)?\.js$/, '')}`}`;

for (const entry of ['index.js', 'web/index.js', 'tauri/index.js', 'ffmpeg/index.js', ...Object.keys(frameworks)]) {
  test(`${entryName(entry)} imports nothing Node-only`, () => {
    const { files, bare } = importGraph(join(root, 'dist', entry));
    const framework = frameworks[entry] ?? (() => false);
    assert.ok(files.length > 1, 'the graph was walked');
    assert.deepEqual(files.filter((f) => f.startsWith('node/') || f.startsWith('tauri-host/') || f === 'cli.js'), []);
    assert.deepEqual(bare.filter((s) => !s.startsWith('@tauri-apps/') && !s.startsWith('@standard-schema/') && !framework(s)), [], `bare imports: ${bare.join(', ')}`);
    if (!(entry in frameworks)) assert.deepEqual(bare.filter((s) => /^(react|react-dom|svelte)(\/|$)/.test(s)), [], 'no framework outside the bindings');
    // A binding reaches the core only: no other binding, no driver.
    if (entry in frameworks) assert.deepEqual(files.filter((f) => f !== entry && f.includes('/')), [], `files: ${files.join(', ')}`);
  });
}
