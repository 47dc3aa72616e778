import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Child, Command } from '@tauri-apps/plugin-shell';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { TauriHost } from '../../src/tauri-host/types.js';
import { SHELL_CAPABILITY } from './capability.js';
import { isAlive, onTeardown, reaper, tempDir, waitFor } from '../helpers/index.js';

// The real @tauri-apps/plugin-shell in Node, against the emulated Rust side, with real processes.

function setup(t: TestContext, window = 'main'): TauriHost {
  const host = createTauriHost({ capabilities: [SHELL_CAPABILITY], dataDir: tempDir(t) });
  const uninstall = installTauriInternals(host, { window });
  const reap = reaper(t);
  onTeardown(t, async () => {
    for (const pid of host.children()) reap(pid);
    uninstall();
    await host.close();
  });
  return host;
}

function collect(command: Command<string>) {
  const events: Array<[string, unknown]> = [];
  command.stdout.on('data', (line) => events.push(['stdout', line]));
  command.stderr.on('data', (line) => events.push(['stderr', line]));
  command.on('close', (payload) => events.push(['close', payload]));
  command.on('error', (error) => events.push(['error', error]));
  return events;
}

test('spawn: Stdout and Stderr line by line with their newlines, then Terminated; the map forgets the child', async (t) => {
  const host = setup(t);
  const command = Command.create('sh', ['-c', 'echo one; echo two >&2; printf "three\\nfour"; exit 3']);
  const events = collect(command);
  const child = await command.spawn();
  assert.ok(child.pid > 0);
  await waitFor('Terminated', () => events.some(([kind]) => kind === 'close'));
  assert.deepEqual(events.filter(([k]) => k === 'stdout'), [['stdout', 'one\n'], ['stdout', 'three\n'], ['stdout', 'four']]);
  assert.deepEqual(events.filter(([k]) => k === 'stderr'), [['stderr', 'two\n']]);
  assert.deepEqual(events.at(-1), ['close', { code: 3, signal: null }]);
  assert.deepEqual(host.children(), []);
});

test('kill is SIGKILL of the direct child and removes it from the map; unknown pids are a silent Ok', async (t) => {
  const host = setup(t);
  const reap = reaper(t);
  const command = Command.create('sh', ['-c', 'trap "" TERM; echo ready; exec sleep 60']);
  const events = collect(command);
  const child = await command.spawn();
  reap(child.pid);
  await waitFor('the handshake line', () => events.some(([, line]) => line === 'ready\n'));
  assert.deepEqual(host.children(), [child.pid]);
  await child.kill();
  assert.deepEqual(host.children(), [], 'removed from the map at once');
  await waitFor('Terminated', () => events.find(([kind]) => kind === 'close'));
  assert.deepEqual(events.at(-1), ['close', { code: null, signal: 9 }]);
  assert.equal(isAlive(child.pid), false);

  await new Child(child.pid).kill(); // no longer in the map: Ok, nothing signalled
  await new Child(999_999).write('ignored');
});

test('stdin_write reaches the child: cat echoes text and raw bytes', async (t) => {
  setup(t);
  const command = Command.create('cat');
  const events = collect(command);
  const child = await command.spawn();
  await child.write('hello\n');
  await child.write([119, 111, 114, 108, 100, 10]);
  // A Uint8Array crosses IPC as Tauri's own IPC script sends it: as a JSON array of numbers.
  await child.write(new TextEncoder().encode('bytes\n'));
  await waitFor('three echoes', () => events.filter(([k]) => k === 'stdout').length === 3);
  assert.deepEqual(events.filter(([k]) => k === 'stdout').map(([, l]) => l), ['hello\n', 'world\n', 'bytes\n']);
  await child.kill();
});

test('execute resolves code, signal, stdout and stderr; env is inherited, extended, or cleared with null', async (t) => {
  setup(t);
  const out = await Command.create('sh', ['-c', 'echo "$PIDKEEP_A-$HOME"; echo err >&2']).execute();
  assert.equal(out.code, 0);
  assert.equal(out.signal, null);
  assert.equal(out.stdout, `-${process.env.HOME}\n`);
  assert.equal(out.stderr, 'err\n');
  const added = await Command.create('sh', ['-c', 'echo "$PIDKEEP_A-$HOME"'], { env: { PIDKEEP_A: 'a' } }).execute();
  assert.equal(added.stdout, `a-${process.env.HOME}\n`);
  const cleared = await Command.create('sh', ['-c', 'echo "[$HOME]"'], { env: null as unknown as Record<string, string> }).execute();
  assert.equal(cleared.stdout, '[]\n');
  const raw = await Command.create('sh', ['-c', 'printf AB'], { encoding: 'raw' }).execute();
  assert.deepEqual(raw.stdout, [65, 66]);
});

test('the scope: entry names, fixed and validated arguments, and the refusals Rust gives', async (t) => {
  setup(t);
  await assert.rejects(Command.create('bash', ['-c', 'true']).spawn(), (e) => e === 'program not allowed on the configured shell scope: bash');
  await assert.rejects(Command.create('sleep', ['x']).execute(), (e) => e === 'program not allowed on the configured shell scope: sleep');
  // `args: false` is an empty list: given arguments are dropped, not refused (as in scope.rs)
  assert.equal((await Command.create('cat', ['/etc/passwd']).execute()).stdout, '');
  // fixed arguments come from the entry, extra ones are dropped
  const fixed = await Command.create('echo-fixed', ['ignored', 'word', 'extra']).execute();
  assert.equal(fixed.stdout, 'fixed word\n');
  await assert.rejects(Command.create('missing').spawn(), (e) => e === 'No such file or directory (os error 2)');
  await assert.rejects(Command.create('sh', [], { encoding: 'nope' }).execute(), (e) => e === 'unknown encoding nope');
  await assert.rejects(Command.sidecar('sh').spawn(), (e) => e === 'sidecar not configured under `tauri.conf.json > bundle > externalBin`: sh');
});

test("a window no capability names is refused with Tauri's own messages", async (t) => {
  setup(t, 'other');
  await assert.rejects(
    Command.create('sh', ['-c', 'true']).spawn(),
    (e) => e === 'shell.spawn not allowed on window "other", webview "other", URL: local\n\nallowed on: [windows: "main", URL: local]\n\nreferenced by: capability: shell-main, permission: allow-spawn',
  );
});

test('a command the capability does not grant names the permissions that would', async (t) => {
  const host = createTauriHost({ capabilities: [{ identifier: 'c', windows: ['*'], permissions: ['shell:allow-spawn'] }], dataDir: tempDir(t) });
  onTeardown(t, () => host.close());
  await assert.rejects(host.invoke({ window: 'main', cmd: 'plugin:shell|kill', payload: { cmd: 'killChild', pid: 1 } }), (e) => e === 'shell.kill not allowed. Permissions associated with this command: shell:allow-kill');
  await assert.rejects(host.invoke({ window: 'main', cmd: 'plugin:shell|open', payload: { path: 'x' } }), (e) => e === 'shell.open not allowed. Permissions associated with this command: shell:allow-open, shell:default');
  await assert.rejects(host.invoke({ window: 'main', cmd: 'plugin:nope|x', payload: {} }), (e) => e === 'nope.x not allowed. Plugin not found');
});

test('a sidecar is found as bundle > externalBin finds it: the entry as written, or with .exe added; no other extension or folder is dropped', async (t) => {
  const capability = { identifier: 'sidecars', windows: ['main'], permissions: [{ identifier: 'shell:allow-execute', allow: [{ name: 'binaries/tool', sidecar: true, args: true }, { name: 'binaries/tool.exe', sidecar: true, args: true }, { name: 'binaries/tool.sh', sidecar: true, args: true }, { name: 'tool', sidecar: true, args: true }] }] };
  const host = createTauriHost({ capabilities: [capability], dataDir: tempDir(t), sidecars: { 'binaries/tool': '/bin/echo' } });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  assert.equal((await Command.sidecar('binaries/tool', ['hi']).execute()).stdout, 'hi\n');
  assert.equal((await Command.sidecar('binaries/tool.exe', ['hi']).execute()).stdout, 'hi\n');
  for (const program of ['binaries/tool.sh', 'tool']) {
    await assert.rejects(Command.sidecar(program).execute(), (e) => e === `sidecar not configured under \`tauri.conf.json > bundle > externalBin\`: ${program}`, program);
  }
});

test('validators are read as Rust reads them (\\d is any Unicode digit); one JavaScript cannot read the same way is refused by name, never guessed', async (t) => {
  const capability = { identifier: 'validators', windows: ['main'], permissions: [{ identifier: 'shell:allow-execute', allow: [{ name: 'digits', cmd: 'echo', args: [{ validator: '\\d+' }] }, { name: 'words', cmd: 'echo', args: [{ validator: '\\bw\\b' }] }] }] };
  const host = createTauriHost({ capabilities: [capability], dataDir: tempDir(t) });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  assert.equal((await Command.create('digits', ['٣']).execute()).stdout, '٣\n');
  await assert.rejects(Command.create('words', ['w']).execute(), (e) => typeof e === 'string' && e.startsWith('[pidkeep] the Tauri host cannot check the scope entry "words" as Tauri would: the validator "^\\\\bw\\\\b$" has \\b'));
});
