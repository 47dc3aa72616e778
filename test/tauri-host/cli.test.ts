import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { root, tempDir } from '../helpers/index.js';
import { SHELL_CAPABILITY } from './capability.js';

const cli = join(root, 'dist', 'tauri-host', 'cli.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });

test('pidkeep-tauri-host --help lists every option on stdout; --version prints the package version', () => {
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.equal(help.stderr, '');
  for (const option of ['--capabilities', '--port', '--host', '--root', '--data-dir', '--identifier', '--sidecar', '--help', '--version']) assert.ok(help.stdout.includes(option), option);
  const version = run('-v');
  assert.equal(version.status, 0);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
});

test("bad values get short errors with the host's own codes, never the library's", (t) => {
  const caps = join(tempDir(t), 'caps.json');
  writeFileSync(caps, JSON.stringify(SHELL_CAPABILITY));
  const cases: Array<[string[], number, RegExp]> = [
    [['--port', 'abc', '--capabilities', caps], 2, /--port expects a port number 0-65535, got "abc"/],
    [['--port', '70000', '--capabilities', caps], 2, /--port expects/],
    [['--port', '0'], 2, /--capabilities FILE is required/],
    [['--bogus'], 2, /Unknown option '--bogus'.*--help/],
    [['--capabilities', caps, '--sidecar', 'nopath'], 2, /--sidecar expects NAME=PATH/],
    [['--capabilities', join(tempDir(t), 'missing.json')], 1, /cannot read capability file .*\(CAPABILITY_INVALID\)$/],
  ];
  for (const [args, status, message] of cases) {
    const result = run(...args);
    assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr.trim(), message);
    assert.doesNotMatch(result.stderr, /UNSUPPORTED|ALREADY_RUNNING|\n\s+at /, 'no library code, no stack trace');
  }
});

test('a port in use is ADDRESS_IN_USE', async (t) => {
  const caps = join(tempDir(t), 'caps.json');
  writeFileSync(caps, JSON.stringify(SHELL_CAPABILITY));
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const result = run('--port', String((busy.address() as AddressInfo).port), '--capabilities', caps);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /\(ADDRESS_IN_USE\)/);
});
