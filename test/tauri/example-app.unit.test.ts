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
