// The fs plugin's file handles (open, seek, read, write, fstat, ...; `plugin:resources|close`) through the real
// @tauri-apps/plugin-fs in Node against the emulated Rust side: permissions and scope as in Tauri, reads and writes at
// offsets, the raw `read` answer, and how long a resource id lives (its webview, its app run; not its page).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BaseDirectory, create, open, SeekMode } from '@tauri-apps/plugin-fs';
import { createTauriHost } from '../../src/tauri-host/host.js';
import { installTauriInternals } from '../../src/tauri-host/node-internals.js';
import type { PermissionEntry } from '../../src/tauri-host/types.js';
import { onTeardown, tempDir } from '../helpers/index.js';

const HANDLES = ['open', 'seek', 'read', 'write', 'fstat', 'ftruncate', 'create'].map((c) => `fs:allow-${c}`);
const SCOPE: PermissionEntry = { identifier: 'fs:scope', allow: [{ path: '$APPDATA/rec/**' }], deny: [{ path: '$APPDATA/rec/secret.wav' }] };

/** A host with `permissions` for windows main and second, the page's internals installed; `file(name, bytes?)` is a path in $APPDATA/rec. */
function prepare(t: TestContext, permissions: PermissionEntry[] = ['core:default', ...HANDLES, SCOPE]) {
  const dataDir = tempDir(t);
  const host = createTauriHost({ identifier: 'dev.pidkeep.handles', dataDir, capabilities: [{ identifier: 'handles', windows: ['main', 'second'], permissions }] });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => {
    uninstall();
    await host.close();
  });
  const dir = join(dataDir, 'dev.pidkeep.handles', 'rec');
  mkdirSync(dir, { recursive: true });
  const file = (name: string, content?: Uint8Array) => {
    if (content) writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  return { host, dir, file };
}

/** This process's open file descriptors (the emulated app's files are ours). */
const openFds = () => readdirSync('/proc/self/fd').length;

const bytes = (...values: number[]) => new Uint8Array(values);
/** Rejects with exactly this Tauri error text (a string, as the plugin sends it), or one matching the pattern. */
const rejectsWith = (promise: Promise<unknown>, expected: string | RegExp, message?: string) =>
  assert.rejects(promise, (e: unknown) => {
    assert.equal(typeof e, 'string', `a string error, got ${String(e)}`);
    if (typeof expected === 'string') assert.equal(e, expected, message);
    else assert.match(e as string, expected, message);
    return true;
  });

test('read and write at offsets through one handle: seek, read, write, fstat, then close', async (t) => {
  const { file } = prepare(t);
  const path = file('a.bin', bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  const handle = await open(path, { read: true, write: true });
  assert.equal(typeof handle.rid, 'number');

  assert.equal(await handle.seek(4, SeekMode.Start), 4);
  const four = new Uint8Array(4);
  assert.equal(await handle.read(four), 4);
  assert.deepEqual([...four], [4, 5, 6, 7]);
  assert.equal(await handle.seek(0, SeekMode.Current), 8, 'the read moved the offset');
  assert.equal(await handle.seek(-3, SeekMode.End), 7);

  const rest = new Uint8Array(16);
  assert.equal(await handle.read(rest), 3, 'fewer bytes at the end of the file');
  assert.deepEqual([...rest.subarray(0, 3)], [7, 8, 9]);
  assert.equal(await handle.read(rest), null, 'the end of the file');

  await handle.seek(2, SeekMode.Start);
  assert.equal(await handle.write(bytes(0xaa, 0xbb)), 2);
  assert.deepEqual([...readFileSync(path)], [0, 1, 0xaa, 0xbb, 4, 5, 6, 7, 8, 9], 'on disk when the write resolves');
  await handle.seek(12, SeekMode.Start);
  await handle.write(bytes(0xcc));
  assert.equal((await handle.stat()).size, 13, 'a write past the end grows the file (with a hole)');
  assert.equal((await handle.stat()).isFile, true);
  await handle.truncate(5);
  assert.equal(readFileSync(path).length, 5);

  await handle.close();
  await rejectsWith(handle.read(four), `The resource id ${handle.rid} is invalid.`);
  await rejectsWith(handle.close(), `The resource id ${handle.rid} is invalid.`);
});

test('the raw `read` answer: `len` bytes whatever was read, then the count as 8 big-endian bytes', async (t) => {
  const { host, file } = prepare(t);
  const path = file('b.bin', bytes(1, 2, 3));
  const rid = (await host.invoke({ window: 'main', cmd: 'plugin:fs|open', payload: { path, options: { read: true } } })) as number;
  const answer = (await host.invoke({ window: 'main', cmd: 'plugin:fs|read', payload: { rid, len: 5 } })) as Uint8Array;
  assert.ok(answer instanceof Uint8Array);
  assert.deepEqual([...answer], [1, 2, 3, 0, 0, /* count: */ 0, 0, 0, 0, 0, 0, 0, 3]);
  const write = host.invoke({ window: 'main', cmd: 'plugin:fs|write', payload: { rid, data: [1] } });
  await rejectsWith(write, 'failed to write bytes to file with error: Bad file descriptor (os error 9)');
  await rejectsWith(host.invoke({ window: 'main', cmd: 'plugin:fs|read', payload: { rid } }), 'invalid args `len` for command `read`: command read missing required key len');
  await rejectsWith(host.invoke({ window: 'main', cmd: 'plugin:fs|seek', payload: { rid, offset: -1, whence: 0 } }), 'failed to seek file with error: Invalid argument (os error 22)');
  await rejectsWith(host.invoke({ window: 'main', cmd: 'plugin:fs|seek', payload: { rid, offset: 0, whence: 3 } }), /^invalid args `whence` for command `seek`: invalid value: 3/);
});

test('open options as std::fs::OpenOptions takes them: read by default, append, create, and the invalid mixes', async (t) => {
  const { file } = prepare(t);
  const missing = file('missing.wav');
  await rejectsWith(open(missing), `failed to open file at path: ${missing} with error: No such file or directory (os error 2)`);
  await rejectsWith(open(missing, { read: false }), `failed to open file at path: ${missing} with error: Invalid argument (os error 22)`);
  await rejectsWith(open(missing, { create: true }), `failed to open file at path: ${missing} with error: Invalid argument (os error 22)`, 'create needs write');
  const made = await open(missing, { write: true, create: true });
  await made.write(bytes(1, 2));
  await made.close();
  const appending = await open(missing, { append: true });
  await appending.seek(0, SeekMode.Start);
  await appending.write(bytes(3));
  await appending.close();
  assert.deepEqual([...readFileSync(missing)], [1, 2, 3], 'append writes at the end whatever the offset');
  await rejectsWith(open(missing, { write: true, createNew: true }), `failed to open file at path: ${missing} with error: File exists (os error 17)`);
  const fresh = await create(file('fresh.bin'));
  await fresh.write(bytes(9));
  await fresh.close();
  assert.deepEqual([...readFileSync(file('fresh.bin'))], [9]);
  const byBase = await open('rec/fresh.bin', { baseDir: BaseDirectory.AppData });
  assert.equal((await byBase.stat()).size, 1);
  await byBase.close();
});

test('open checks the path against the fs scope (allow, deny, ../), whatever the access asked for', async (t) => {
  const { dir, file } = prepare(t);
  const outside = join(dir, '..', 'outside.wav').replace('/rec/..', '');
  writeFileSync(outside, 'x');
  await rejectsWith(open(outside, { read: true }), `forbidden path: ${outside}, maybe it is not allowed on the scope for \`allow-open\` permission in your capability file`);
  await rejectsWith(open(file('secret.wav', bytes(1)), { read: true, write: true }), `forbidden path: ${file('secret.wav')}`);
  await rejectsWith(open(`${dir}/../outside.wav`), 'invalid args `path` for command `open`: cannot traverse directory, rewrite the path without the use of `../`');
});

test('each handle command needs its own permission, with Tauri\'s refusal', async (t) => {
  const { file } = prepare(t, ['core:default', 'fs:allow-open', 'fs:allow-seek', SCOPE]);
  const path = file('c.bin', bytes(1, 2, 3));
  const handle = await open(path, { read: true, write: true });
  await handle.seek(1, SeekMode.Start);
  await rejectsWith(handle.read(new Uint8Array(1)), /^fs\.read not allowed\. Permissions associated with this command: .*fs:allow-read\b/);
  await rejectsWith(handle.write(bytes(0)), /^fs\.write not allowed\. Permissions associated with this command: .*fs:allow-write\b/);
  await rejectsWith(handle.stat(), /^fs\.fstat not allowed\. Permissions associated with this command: .*fs:allow-fstat\b/);
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  await handle.close(); // core:default holds core:resources:default
});

test('without the open permission nothing is opened', async (t) => {
  const { file } = prepare(t, [...HANDLES.filter((p) => p !== 'fs:allow-open'), SCOPE]);
  await rejectsWith(open(file('d.bin', bytes(1))), /^fs\.open not allowed\. Permissions associated with this command: .*fs:allow-open\b/);
});

test('without core:resources (core:default) a handle cannot be closed', async (t) => {
  const { file } = prepare(t, [...HANDLES, SCOPE]);
  const handle = await open(file('e.bin', bytes(1)));
  await rejectsWith(handle.close(), 'resources.close not allowed. Permissions associated with this command: resources:allow-close, resources:default');
});

test('a resource id belongs to its webview and its app run: a page reload keeps it, the window\'s end or the app\'s frees it', async (t) => {
  const { host, file } = prepare(t);
  const path = file('f.bin', bytes(1, 2, 3));
  const before = openFds();
  const invoke = (window: string, cmd: string, payload: unknown) => host.invoke({ window, cmd, payload });
  const main = (await invoke('main', 'plugin:fs|open', { path })) as number;
  await invoke('second', 'plugin:fs|open', { path });
  assert.equal(openFds(), before + 2);
  await rejectsWith(invoke('second', 'plugin:fs|read', { rid: main, len: 1 }), `The resource id ${main} is invalid.`);

  // A reload: the page detaches and a new one attaches; the webview (and its table) stays.
  host.attach('main', () => undefined)();
  host.attach('main', () => undefined);
  assert.equal(((await invoke('main', 'plugin:fs|read', { rid: main, len: 1 })) as Uint8Array)[0], 1, 'a reload keeps the handle');

  // The window is destroyed: its files close, the other window's stay.
  await host.requestClose('second');
  assert.equal(openFds(), before + 1);
  // The app crashes: every file closes, and the next run knows no ids.
  host.crash();
  assert.equal(openFds(), before);
  host.restart();
  await rejectsWith(invoke('main', 'plugin:fs|read', { rid: main, len: 1 }), `The resource id ${main} is invalid.`);
});
