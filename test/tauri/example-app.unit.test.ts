import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from '../helpers/index.js';

const icons = join(root, 'examples', 'tauri-app', 'src-tauri', 'icons');

// tauri-build embeds icons/icon.ico on Windows and fails without it; no Windows build runs here, so the file's
// format is checked instead: an ICO directory of one entry holding the same PNG as icon.png.
test('the example app ships icons/icon.ico for Windows builds, a valid ICO around icon.png', () => {
  const ico = readFileSync(join(icons, 'icon.ico'));
  const png = readFileSync(join(icons, 'icon.png'));
  assert.equal(ico.readUInt16LE(0), 0, 'reserved');
  assert.equal(ico.readUInt16LE(2), 1, 'type: icon');
  assert.equal(ico.readUInt16LE(4), 1, 'one image');
  assert.deepEqual([ico[6], ico[7]], [png.readUInt32BE(16), png.readUInt32BE(20)], 'width and height as in the PNG');
  const size = ico.readUInt32LE(14);
  const offset = ico.readUInt32LE(18);
  assert.ok(ico.subarray(offset, offset + size).equals(png), 'the entry is icon.png itself');
  const conf = JSON.parse(readFileSync(join(root, 'examples', 'tauri-app', 'src-tauri', 'tauri.conf.json'), 'utf8'));
  assert.ok(conf.bundle.icon.includes('icons/icon.ico'));
});

// The execute scope also holds the recorder's device listing (`ffmpeg`, written by hand): only pidkeep's powers are generated.
const powersIn = (file: string) => {
  const conf = JSON.parse(readFileSync(join(root, 'examples', 'tauri-app', 'src-tauri', 'capabilities', file), 'utf8'));
  const execute = conf.permissions.find((p: { identifier?: string }) => p.identifier === 'shell:allow-execute');
  return execute.allow.filter((scope: { name: string }) => scope.name.startsWith('pidkeep-'));
};

test("the example's ps and kill powers are exactly linuxPowerScopes('tauri-example'): fixed scripts, nothing hand-edited", async () => {
  const { linuxPowerScopes } = await import('../../src/tauri/index.js');
  assert.deepEqual(powersIn('default.json'), linuxPowerScopes('tauri-example'), 'regenerate it: npm run build && node scripts/example-capabilities.mjs');
});

test("the Windows capability's powers are exactly windowsPowerScopes(): the fixed CIM probe and kill script", async () => {
  const { windowsPowerScopes } = await import('../../src/tauri/index.js');
  assert.deepEqual(powersIn('windows.json'), windowsPowerScopes(), 'regenerate it: npm run build && node scripts/example-capabilities.mjs');
});

// The example is built by cargo (scripts/real-app.mjs): its crates must be the versions of its npm packages.
const cargoLock = (file: string) => {
  const versions = new Map<string, string>();
  for (const block of readFileSync(file, 'utf8').split('[[package]]').slice(1)) {
    const name = /^name = "([^"]+)"$/m.exec(block)?.[1];
    const version = /^version = "([^"]+)"$/m.exec(block)?.[1];
    if (name && version) versions.set(name, version);
  }
  return versions;
};
const exampleLock = () => cargoLock(join(root, 'examples', 'tauri-app', 'src-tauri', 'Cargo.lock'));
const minor = (version: string) => version.split('.').slice(0, 2).join('.');

test("the example's tauri crates and @tauri-apps packages share major and minor versions (Tauri's CLI refuses a mismatch)", () => {
  const crates = exampleLock();
  const npm = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages as Record<string, { version: string }>;
  const example = JSON.parse(readFileSync(join(root, 'examples', 'tauri-app', 'package.json'), 'utf8'));
  const pairs = [
    ['tauri', '@tauri-apps/api'],
    ['tauri-plugin-shell', '@tauri-apps/plugin-shell'],
    ['tauri-plugin-fs', '@tauri-apps/plugin-fs'],
  ] as const;
  for (const [crate, pkg] of pairs) {
    const locked = crates.get(crate);
    const installed = npm[`node_modules/${pkg}`]?.version;
    assert.ok(locked && installed, `${crate} in Cargo.lock and ${pkg} in package-lock.json`);
    assert.equal(minor(locked), minor(installed), `${crate} ${locked} (Cargo.lock) and ${pkg} ${installed} (package-lock.json)`);
    // The example's own package.json admits only that minor version (an `npm install` in examples/tauri-app).
    assert.equal(example.dependencies[pkg], `~${installed}`, `examples/tauri-app/package.json pins ${pkg} to ~${installed}`);
  }
  assert.equal(minor(example.devDependencies['@tauri-apps/cli'].replace('~', '')), minor(crates.get('tauri')!), 'the Tauri CLI of the same minor version as the tauri crate');
});

test("the test app (test/real-app) builds the example's crates at the example's versions", () => {
  const example = exampleLock();
  const test = cargoLock(join(root, 'test', 'real-app', 'src-tauri', 'Cargo.lock'));
  const differ = [...example].filter(([name, version]) => test.has(name) && test.get(name) !== version);
  assert.deepEqual(differ, [], 'copy examples/tauri-app/src-tauri/Cargo.lock over test/real-app/src-tauri/Cargo.lock and run `cargo metadata` there');
  assert.deepEqual([...example.keys()].filter((name) => !test.has(name)), []);
});

test('the regex probe (test/rust-regex) builds the regex crates at the versions tauri-plugin-shell gets in the example', () => {
  const example = exampleLock();
  const probe = cargoLock(join(root, 'test', 'rust-regex', 'Cargo.lock'));
  for (const name of ['regex', 'regex-syntax', 'regex-automata']) assert.equal(probe.get(name), example.get(name), name);
});

test("the test app's own capability: the backend suite's powers are exactly linuxPowerScopes('conf')", async () => {
  const { linuxPowerScopes } = await import('../../src/tauri/index.js');
  const conf = JSON.parse(readFileSync(join(root, 'test', 'real-app', 'src-tauri', 'tauri.conf.json'), 'utf8'));
  const [reference, suite] = conf.app.security.capabilities;
  assert.equal(reference, 'default', "the example's capability file, by its identifier");
  const execute = suite.permissions.find((p: { identifier?: string }) => p.identifier === 'shell:allow-execute');
  assert.deepEqual(execute.allow.slice(0, 2), linuxPowerScopes('conf', { ps: 'conf-ps', kill: 'conf-kill' }), 'regenerate it: npm run build && node scripts/example-capabilities.mjs');
});

test('every Rust block in the README is one of the example app\'s compiled files, verbatim (lib.rs and stop_on_quit.rs both shown)', () => {
  const sources = join(root, 'examples', 'tauri-app', 'src-tauri', 'src');
  const files = new Map(['lib.rs', 'stop_on_quit.rs', 'main.rs'].map((name) => [name, readFileSync(join(sources, name), 'utf8')]));
  const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```rust\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2, 'the README shows the Rust the example compiles');
  const shown = blocks.map((block) => [...files].find(([, text]) => text === block)?.[0]);
  assert.deepEqual(shown.filter((name) => name === undefined), [], 'a Rust block of the README that differs from every file under examples/tauri-app/src-tauri/src');
  assert.ok(shown.includes('lib.rs') && shown.includes('stop_on_quit.rs'));
});

test("README's table of the host next to the real app has a row for every differential test, and no row without one", () => {
  const names = ['host-differential.test.ts', 'capabilities.test.ts'].flatMap((file) =>
    [...readFileSync(join(root, 'test', 'real', file), 'utf8').matchAll(/^test\('((?:[^'\\]|\\.)*)'/gm)].map((m) => m[1]!.replace(/\\'/g, "'").split(': ')[0]!),
  );
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The host next to the real app'), readme.indexOf('### The example app (`npm run example`)'));
  const rows = [...section.matchAll(/^\| ([^|]+?) \| (?!---)/gm)].map((m) => m[1]!).filter((row) => row !== 'behaviour');
  assert.ok(names.length >= 19);
  assert.deepEqual([...rows].sort(), [...names].sort());
});
