// The pages under docs/ say what the code does: their links lead somewhere, every `pidkeep` command line they show
// names a command and options that exist, and the Coming from PM2 page's program runs as written (its port and
// store folder swapped for the test's own).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../src/cli-help.js';
import { accepts, freePort, isAlive, reaper, root, runCli, tempDir, uniqueNamespace } from './helpers/index.js';

const pages = ['README.md', 'CONTRIBUTING.md', 'RELIABILITY.md', 'BENCHMARKS.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].filter((f) => existsSync(join(root, f)));
const pm2Page = readFileSync(join(root, 'docs', 'coming-from-pm2.md'), 'utf8');

test('every relative link between the pages leads to a file that exists', () => {
  const dead: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
      const file = target!.split('#')[0]!;
      if (!existsSync(join(root, dirname(page), file))) dead.push(`${page} -> ${target}`);
    }
  }
  assert.deepEqual(dead, []);
  assert.ok(readFileSync(join(root, 'README.md'), 'utf8').includes('](docs/coming-from-pm2.md)'), 'the README links the page');
});

test('Coming from PM2: every pidkeep command line names a command and options that `pidkeep help` has', () => {
  const lines = [...pm2Page.matchAll(/`(pidkeep [^`]+)`/g)].map((m) => m[1]!).concat(pm2Page.split('\n').filter((l) => l.startsWith('pidkeep ')));
  assert.ok(lines.length > 20, 'the page shows pidkeep commands');
  for (const line of lines) {
    const words = line.split(/\s+/);
    const [, command] = words;
    assert.ok(COMMANDS[command!], `${line}: \`pidkeep ${command}\` exists`);
    const before = words.slice(2, words.includes('--') ? words.indexOf('--') : undefined);
    const help = `${COMMANDS[command!]!.usage} ${COMMANDS[command!]!.options.map(([flag]) => flag).join(' ')} --dir --namespace`;
    for (const flag of before.filter((w) => w.startsWith('-'))) assert.ok(help.includes(flag.split('=')[0]!), `${line}: ${flag} is an option of \`pidkeep ${command}\``);
  }
});

test("Coming from PM2: the page's shell lines and its program run: the server is started ready, restarted, stopped and forgotten", async (t) => {
  const block = /```js\n([\s\S]*?)```/.exec(pm2Page)?.[1];
  assert.ok(block, 'the page has a js block');
  const port = String(await freePort());
  const dir = tempDir(t);
  const namespace = uniqueNamespace('pm2page');
  const program = block
    .replaceAll("'pidkeep'", JSON.stringify(join(root, 'dist', 'index.js')))
    .replaceAll("'pidkeep/node'", JSON.stringify(join(root, 'dist', 'node', 'index.js')))
    .replaceAll('8080', port)
    .replace("namespace: 'my-tool'", `namespace: ${JSON.stringify(namespace)}`)
    .replace('fileStore()', `fileStore({ dir: ${JSON.stringify(dir)} })`);
  assert.notEqual(program, block);
  const file = join(dir, 'program.mjs');
  writeFileSync(file, program);
  const reap = reaper(t);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  const pid = Number(/api runs as pid (\d+)/.exec(out)?.[1]);
  reap(pid);
  assert.ok(pid > 1 && !isAlive(pid), `the program started the server and stopped it: ${out}`);
  const ls = await runCli(['ls', '--ended', '--namespace', namespace, '--dir', dir]);
  assert.match(ls.stdout, /^no processes in namespace/, 'forgotten: nothing is left in the list');

  // The shell block, line by line (`logs -f` follows until Ctrl+C: it is run without -f), `&&` as the shell reads it.
  const env = { PIDKEEP_DIR: dir, PIDKEEP_NAMESPACE: uniqueNamespace('pm2sh') };
  const shell = /```sh\n([\s\S]*?)```/.exec(pm2Page)![1]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  for (const line of shell) {
    for (const part of line.split(' && ')) {
      const args = part.replaceAll('8080', port).split(/\s+/).slice(1).filter((word) => word !== '-f');
      const run = await runCli(args, { env });
      assert.equal(run.code, 0, `${part}: ${run.stderr}`);
      if (args[0] === 'run' || args[0] === 'restart') {
        reap(Number(run.stdout.trim()));
        assert.ok(await accepts(Number(port)), `${part}: the server accepts once it has printed the pid`);
      }
    }
  }
  assert.match((await runCli(['ls'], { env })).stdout, /^no processes in namespace/);
});


test("the README's Svelte blocks compile with Svelte 5, and the recorder's buttons show a failure instead of dropping it", async () => {
  const { compile } = await import('svelte/compiler');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^( *)```svelte\n([\s\S]*?)^\1```$/gm)].map((m) => m[2]!.split('\n').map((line) => line.slice(m[1]!.length)).join('\n'));
  assert.ok(blocks.length >= 2, 'the README shows Svelte');
  for (const block of blocks) assert.doesNotThrow(() => compile(block, { generate: 'client', filename: 'Readme.svelte' }), block.slice(0, 200));
  const recorder = blocks.find((block) => block.includes('recorder.start()'));
  assert.ok(recorder, 'the recorder snippet');
  assert.doesNotMatch(recorder, /onclick=\{\(\) => recorder\.(start|stop)\(\)\}/, 'a bare start()/stop() in onclick would drop its rejection');
  assert.match(recorder, /role="alert"/);
});

test("docs/tauri-example-capability.md shows the example's capability file whole, byte for byte", () => {
  const page = readFileSync(join(root, 'docs', 'tauri-example-capability.md'), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(page)?.[1];
  const file = readFileSync(join(root, 'examples', 'tauri-app', 'src-tauri', 'capabilities', 'default.json'), 'utf8').trimEnd();
  assert.equal(block, file);
});

test("the README's Tauri recorder code type-checks under strict TypeScript as an app has it (Bundler resolution, the capability file imported)", (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### In a Tauri webview (`tauriFfmpegHost`)'), readme.indexOf('### The host next to the real app'));
  const code = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  const capability = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(code && capability);
  const app = tempDir(t, 'pidkeep-readme-ts-');
  mkdirSync(join(app, 'src'));
  mkdirSync(join(app, 'src-tauri', 'capabilities'), { recursive: true });
  writeFileSync(join(app, 'src', 'main.ts'), `${code}\nexport {};\n`);
  writeFileSync(join(app, 'src-tauri', 'capabilities', 'default.json'), capability);
  const pkg = join(app, 'node_modules', 'pidkeep');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
  symlinkSync(join(root, 'dist'), join(pkg, 'dist'));
  for (const dep of ['@tauri-apps', '@standard-schema']) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', resolveJsonModule: true, lib: ['ES2022', 'DOM'], types: [], skipLibCheck: true }, include: ['src'] }));
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
