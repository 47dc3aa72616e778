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

for (const entry of ['index.js', 'web/index.js', 'tauri/index.js']) {
  test(`pidkeep${entry === 'index.js' ? '' : `/${dirname(entry)}`} imports nothing Node-only`, () => {
    const { files, bare } = importGraph(join(root, 'dist', entry));
    assert.ok(files.length > 1, 'the graph was walked');
    assert.deepEqual(files.filter((f) => f.startsWith('node/') || f.startsWith('tauri-host/') || f === 'cli.js' || f === 'bin.js'), []);
    assert.deepEqual(bare.filter((s) => !s.startsWith('@tauri-apps/') && !s.startsWith('@standard-schema/')), [], `bare imports: ${bare.join(', ')}`);
  });
}
