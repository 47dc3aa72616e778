// The package as npm ships it: what the tarball holds, source maps that resolve, and a consumer that type-checks
// against the installed files alone (no Vite, an optional peer), under the moduleResolution settings the README names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { root, tempDir } from './helpers/index.js';

interface Packed {
  files: Array<{ path: string }>;
}

function packedFiles(): string[] {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as Packed[])[0]!.files.map((f) => f.path);
}

test('the tarball holds LICENSE, README, package.json and dist; every source map carries the sources it names', () => {
  const files = packedFiles();
  assert.deepEqual(files.filter((f) => !f.startsWith('dist/')).sort(), ['LICENSE', 'README.md', 'package.json']);
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  assert.equal((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string }).license, 'MIT');
  const maps = files.filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length > 30, `${maps.length} source maps`);
  for (const map of maps) {
    const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
    assert.equal(sourcesContent?.length, sources.length, `${map}: the sources are inside the map (src/ is not shipped)`);
    assert.ok(sourcesContent!.every((s) => typeof s === 'string' && s.length > 0), map);
  }
});

/** A project with pidkeep installed from its files alone (and its own dependency), no Vite anywhere above it. */
function consumer(t: TestContext, compilerOptions: Record<string, unknown>): { status: number | null; output: string } {
  const dir = tempDir(t, 'pidkeep-consumer-');
  const pkg = join(dir, 'node_modules', 'pidkeep');
  mkdirSync(pkg, { recursive: true });
  for (const file of ['package.json', 'LICENSE', 'README.md', 'dist']) cpSync(join(root, file), join(pkg, file), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  for (const dep of ['@standard-schema/spec', '@types/node', 'undici-types']) {
    mkdirSync(join(dir, 'node_modules', dep, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(
    join(dir, 'index.ts'),
    [
      "import { createProcessManager, type ProcessHandle } from 'pidkeep';",
      "import { fileStore, nodeBackend } from 'pidkeep/node';",
      "import { webStore } from 'pidkeep/web';",
      "import { startTauriHostServer, tauriHost, type TauriHostVitePlugin } from 'pidkeep/tauri-host';",
      "const pm = await createProcessManager({ namespace: 'app', backend: nodeBackend(), store: fileStore() });",
      'const handles: ProcessHandle[] = pm.list();',
      "const plugin: TauriHostVitePlugin = tauriHost({ capabilities: [] });",
      'export { handles, plugin, startTauriHostServer, webStore };',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2022', 'DOM'], types: ['node'], ...compilerOptions }, files: ['index.ts'] }));
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

for (const settings of [{ module: 'NodeNext', moduleResolution: 'NodeNext' }, { module: 'Node16', moduleResolution: 'Node16' }, { module: 'ESNext', moduleResolution: 'Bundler' }]) {
  test(`a consumer type-checks pidkeep, pidkeep/node, pidkeep/web and pidkeep/tauri-host without Vite installed (moduleResolution ${settings.moduleResolution}, skipLibCheck off)`, (t) => {
    const { status, output } = consumer(t, settings);
    assert.equal(status, 0, output);
  });
}

test('moduleResolution node10 (the old "node") cannot see the subpath exports, as the README says', (t) => {
  const { status, output } = consumer(t, { module: 'ESNext', moduleResolution: 'Node10' });
  assert.notEqual(status, 0);
  assert.match(output, /Cannot find module 'pidkeep\/node'/);
});

test("the README's error list and troubleshooting table name every error code the library has", () => {
  const codes = [...readFileSync(join(root, 'src', 'errors.ts'), 'utf8').matchAll(/^\s+\| '([A-Z_]+)'/gm)].map((m) => m[1]!);
  assert.ok(codes.length >= 16, `${codes.length} codes read from src/errors.ts`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const errors = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## The CLI'));
  const troubleshooting = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('## Speed'));
  for (const code of codes) {
    assert.ok(errors.includes(`\`${code}\``), `${code} in "Errors"`);
    assert.ok(new RegExp(`^\\| \`${code}\` \\|`, 'm').test(troubleshooting), `${code} in "Troubleshooting"`);
  }
});

test("the README's CLI block names every command and every option that `pidkeep help` shows", async () => {
  const { COMMANDS } = await import('../src/cli-help.js');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## The CLI\n[^`]*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the CLI section opens with its command block');
  for (const [name, help] of Object.entries(COMMANDS)) {
    const line = block.split('\n').find((l) => l.startsWith(`pidkeep ${name} `) || l === `pidkeep ${name}`);
    assert.ok(line, `pidkeep ${name} is in the README's CLI block`);
    // A row such as `-f, --follow` is there when either spelling is; --dir and --namespace are told once for all.
    for (const [flags] of help.options) {
      const spellings = (flags.match(/--?[a-z][a-z-]*/g) ?? []).filter((flag) => flag !== '-h' && flag !== '--help');
      if (spellings.length === 0) continue;
      const told = spellings.some((flag) => new RegExp(`${flag}(?![a-z-])`).test(line) || (['--dir', '--namespace'].includes(flag) && readme.includes(`\`${flag} `)));
      assert.ok(told, `pidkeep ${name}: ${spellings.join(' or ')} is in the README (${line})`);
    }
  }
});
