import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { assertSameDir, privateDir } from '../../src/node/private-dir.js';
import { fixture, isAlive, reaper, recordFile, root, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('records and logs are private: dirs 0700, files 0600, whatever the umask', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const old = process.umask(0o000);
  t.after(() => process.umask(old));
  const pm = await createProcessManager({ namespace: 'perm', backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const h = await pm.start('p', { command: 'sleep', args: ['60'], stdin: 'fifo' });
  reap(h.pid);
  const mode = (path: string) => statSync(path).mode & 0o777;
  for (const sub of ['', 'records', 'logs', 'run']) assert.equal(mode(join(dir, 'perm', sub)), 0o700, `${sub || 'namespace'} dir`);
  for (const file of [recordFile(dir, 'perm', 'p'), join(dir, 'perm', 'lock'), h.logs.stdout!, h.stdin!]) assert.equal(mode(file), 0o600, file);
  await h.stop();
});

test('temp files of a dead writer go at the first lock; a live controller\'s spare stays', async (t) => {
  const dir = tempDir(t);
  const store = fileStore({ dir });
  store.put('ns', 'a', '{"complete":true}\n');
  const records = join(dir, 'ns', 'records');
  writeFileSync(join(records, 'b.123456.x.tmp'), '{"half'); // a put that died between write and rename
  writeFileSync(join(records, 'spare.999999999.ab.tmp'), ''); // a spare of a controller that is gone
  writeFileSync(join(records, `spare.${process.pid}.cd.tmp`), ''); // a spare of a live controller (this one)
  assert.deepEqual(store.list('ns'), [{ key: 'a', text: '{"complete":true}\n' }], 'temp files are never records');
  (await fileStore({ dir }).lock('ns'))();
  const left = readdirSync(records);
  assert.ok(left.includes('a.json') && left.includes(`spare.${process.pid}.cd.tmp`), left.join(' '));
  assert.ok(!left.includes('b.123456.x.tmp') && !left.includes('spare.999999999.ab.tmp'), left.join(' '));
});

test('puts go through a file prepared ahead of time: whole, private, and spares are never records', async (t) => {
  const dir = tempDir(t);
  const store = fileStore({ dir });
  const records = join(dir, 'ns', 'records');
  store.put('ns', 'seed', '{}\n');
  const spareInodes = () => new Set(readdirSync(records).filter((f) => f.startsWith('spare.')).map((f) => statSync(join(records, f)).ino));
  let viaSpare = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10)); // an event-loop turn, as between real starts
    const before = spareInodes();
    store.put('ns', `k${i}`, `value ${i}\n`);
    if (before.has(statSync(join(records, `k${i}.json`)).ino)) viaSpare++;
    assert.equal(store.get('ns', `k${i}`), `value ${i}\n`);
    assert.equal(statSync(join(records, `k${i}.json`)).mode & 0o777, 0o600);
  }
  assert.ok(viaSpare >= 10, `most puts used a prepared file (${viaSpare} of 20)`);
  await waitFor('refills to settle', () => spareInodes().size <= 1);
  assert.equal(store.list('ns').length, 21);
});

test('the store refuses keys and namespaces that are not names', (t) => {
  const store = fileStore({ dir: tempDir(t) });
  assert.throws(() => store.put('ns', '../escape', 'x'), TypeError);
  assert.throws(() => store.put('../ns', 'a', 'x'), TypeError);
  assert.throws(() => store.get('ns', 'a/b'), TypeError);
});

test('the lock is a kernel lock: another process holding it makes us wait (bounded, STORE_LOCKED); SIGKILL frees it at once', async (t) => {
  const dir = tempDir(t);
  const holder = startNode(t, fixture('lock-holder.mjs'), [dir, 'ns']);
  await holder.line('locked');
  await assert.rejects(fileStore({ dir, lockTimeout: 200 }).lock('ns'), (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_LOCKED' && /lock/.test(e.message));
  const waiting = fileStore({ dir, lockTimeout: 10_000 }).lock('ns');
  holder.child.kill('SIGKILL');
  (await waiting)(); // no stale lock, no age guessed: the kernel released it when the holder died
  assert.notEqual((await holder.exited).signal, null);
});

test('the store heals: its namespace folder removed under a running controller, the next start works', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('heal');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const first = await pm.start('one', { command: 'sleep', args: ['60'], stdin: 'fifo' });
  reap(first.pid);
  rmSync(join(dir, namespace), { recursive: true, force: true });
  const second = await pm.start('two', { command: 'sleep', args: ['60'], stdin: 'fifo' });
  reap(second.pid);
  // `one` runs on: the manager's watch writes its record back into the new folder.
  await waitFor("one's record written back", () => existsSync(recordFile(dir, namespace, 'one')));
  assert.deepEqual(readdirSync(join(dir, namespace, 'records')).filter((f) => f.endsWith('.json')).sort(), [basename(recordFile(dir, namespace, 'one')), basename(recordFile(dir, namespace, 'two'))]);
  // A second controller takes the same (new) lock file: they still exclude each other.
  const other = fileStore({ dir, lockTimeout: 100 });
  const release = await fileStore({ dir }).lock(namespace);
  await assert.rejects(other.lock(namespace), (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_LOCKED');
  release();
  await second.stop();
  await first.stop();
});

test('no hard links needed: starts and stops work where link(2) fails (vfat, exFAT)', async (t) => {
  const dir = tempDir(t);
  const shim = join(dir, 'no-link.so');
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', shim, fixture('no-link.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `compiling the link(2) shim needs a C compiler: ${cc.stderr}`);
  const script = join(dir, 'starts.mjs');
  writeFileSync(script, `
    import { linkSync, writeFileSync } from 'node:fs';
    import { createProcessManager } from '${join(root, 'dist', 'index.js')}';
    import { fileStore, nodeBackend } from '${join(root, 'dist', 'node', 'index.js')}';
    writeFileSync('${dir}/a', '');
    try { linkSync('${dir}/a', '${dir}/b'); console.log('link worked: the shim is not in effect'); process.exit(1); } catch (e) { if (e.code !== 'EPERM') throw e; }
    const pm = await createProcessManager({ namespace: 'nolink', backend: nodeBackend(), store: fileStore({ dir: '${dir}/store' }) });
    for (let i = 0; i < 5; i++) {
      const h = await pm.start('p' + i, { command: 'sleep', args: ['60'] });
      await h.stop();
    }
    console.log('ok');
    await pm.close();
  `);
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: shim }, timeout: 60_000 });
  assert.equal(run.stdout.trim(), 'ok', `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
});

test('symlinked store folders are refused: nothing is chmodded or moved through a link', async (t) => {
  const dir = tempDir(t);
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(join(elsewhere, 'records'), { recursive: true });
  chmodSync(elsewhere, 0o755);
  writeFileSync(join(elsewhere, 'records', 'x.json'), 'not a record\n');
  const storeDir = join(dir, 'store');
  mkdirSync(storeDir);
  symlinkSync(elsewhere, join(storeDir, 'linked-ns'));
  const refused = (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_FAILED' && /symbolic link/.test(e.message);
  await assert.rejects(createProcessManager({ namespace: 'linked-ns', backend: nodeBackend(), store: fileStore({ dir: storeDir }) }), refused);
  // records/ as a link inside a real namespace folder
  mkdirSync(join(storeDir, 'ns2'), { mode: 0o700 });
  symlinkSync(join(elsewhere, 'records'), join(storeDir, 'ns2', 'records'));
  await assert.rejects(createProcessManager({ namespace: 'ns2', backend: nodeBackend(), store: fileStore({ dir: storeDir }) }), refused);
  assert.equal(statSync(elsewhere).mode & 0o777, 0o755, 'the target kept its mode');
  assert.deepEqual(readdirSync(join(elsewhere, 'records')), ['x.json'], 'nothing was moved out of the target');
  // The file each open manager holds a shared lock on, planted as a link or a folder: never followed, nothing made
  // through it, and the manager still works (listing, stopping), saying it cannot tell who is open and what to remove.
  for (const [ns, plant] of [['ns3', () => symlinkSync(join(elsewhere, 'made-through-link'), join(storeDir, 'ns3', 'open'))], ['ns4', () => mkdirSync(join(storeDir, 'ns4', 'open'))]] as const) {
    mkdirSync(join(storeDir, ns, 'records'), { recursive: true, mode: 0o700 });
    plant();
    const pm = await createProcessManager({ namespace: ns, backend: nodeBackend(), store: fileStore({ dir: storeDir }), onOrphan: 'stop' });
    t.after(() => pm.close());
    assert.deepEqual(pm.warnings.map((w) => w.code), ['PRESENCE_UNKNOWN'], ns);
    assert.match(pm.warnings[0]!.message, new RegExp(`${join(storeDir, ns, 'open')} is a symbolic link, a folder or a pipe, not pidkeep's file: remove it`));
    const h = await pm.start('x', { command: 'sleep', args: ['300'] });
    await pm.stop('x');
    assert.equal(isAlive(h.pid), false);
  }
  assert.equal(existsSync(join(elsewhere, 'made-through-link')), false, 'nothing was created through the link');
});

test('a name held by something that is no record (a link planted after start-up) is never taken as free', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('planted');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const target = join(dir, 'elsewhere.json');
  writeFileSync(target, 'x\n');
  symlinkSync(target, recordFile(dir, namespace, 'rec'));
  // Read as what it is (a link: set aside at the next reconcile), not as a failed read.
  await assert.rejects(pm.start('rec', { command: 'sleep', args: ['60'] }), (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_FAILED' && /: the record is a symbolic link; pidkeep sets such files aside/.test(e.message));
  assert.deepEqual(await nodeBackend().scan!(`${namespace}@`), [], 'nothing was spawned');
});

test('a checked folder swapped for a link (or another folder) afterwards is noticed before anything is written in it', (t) => {
  const dir = tempDir(t);
  const folder = privateDir(join(dir, 'logs'));
  assert.doesNotThrow(() => assertSameDir(folder));
  renameSync(join(dir, 'logs'), join(dir, 'real'));
  symlinkSync(join(dir, 'real'), join(dir, 'logs'));
  assert.throws(() => assertSameDir(folder), (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_FAILED' && /is a symbolic link or not a folder/.test(e.message));
  rmSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'logs'));
  assert.throws(() => assertSameDir(folder), /is a symbolic link or not a folder/, 'another folder at the path');
});
