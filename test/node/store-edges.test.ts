// Smaller edges of the file store and the backend: what a closed manager leaves behind, and what a full disk says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, recordFile, root, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('pm.close() leaves no spare temp file, also one still being made', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('spare');
  const store = fileStore({ dir });
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store });
  const records = join(dir, namespace, 'records');
  const a = await pm.start('a', { command: 'sleep', args: ['300'] });
  reaper(t)(a.pid);
  await waitFor('a spare to be made after the put', () => readdirSync(records).some((f) => f.endsWith('.tmp')));
  const b = await pm.start('b', { command: 'sleep', args: ['300'] });
  reaper(t)(b.pid);
  // b's put used the spare; the next one is being made now: close while it is.
  await pm.close();
  await waitFor('no temp file left', () => !readdirSync(records).some((f) => f.endsWith('.tmp')), { timeout: 2000 });
  assert.deepEqual(readdirSync(records).sort(), [basename(recordFile(dir, namespace, 'a')), basename(recordFile(dir, namespace, 'b'))]);
});

test('a full disk while writing the logs says the disk is full, not that the command may not exist', (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to mount a small tmpfs in a mount namespace of its own');
  const dir = tempDir(t);
  const namespace = uniqueNamespace('full');
  const script = `
    import { createProcessManager } from ${JSON.stringify(join(root, 'dist', 'index.js'))};
    import { fileStore, nodeBackend } from ${JSON.stringify(join(root, 'dist', 'node', 'index.js'))};
    import { writeFileSync } from 'node:fs';
    const pm = await createProcessManager({ namespace: ${JSON.stringify(namespace)}, backend: nodeBackend(), store: fileStore({ dir: ${JSON.stringify(dir)} }) });
    try { for (let i = 0; ; i++) writeFileSync(${JSON.stringify(dir)} + '/fill' + i, Buffer.alloc(16 * 1024)); } catch (error) { if (error.code !== 'ENOSPC') throw error; }
    try { await pm.start('svc', { command: 'sleep', args: ['300'] }); console.log('started'); } catch (error) { console.log(error.code + ' ' + error.message); }
    await pm.close();`;
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=256k tmpfs ${dir} && exec ${process.execPath} --input-type=module -e "$0"`, script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^SPAWN_FAILED .*could not open or write its log files in .*no space left on device.*the disk is full: free some space; the process was not started/m);
  assert.doesNotMatch(run.stdout, /command exists/);
});

test('a read-only store: `pidkeep ls` lists, `pidkeep stop` stops under a shared lock and says the record could not be updated', async (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to bind-mount the store read-only in a mount namespace of its own');
  const dir = tempDir(t);
  const namespace = uniqueNamespace('ro');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const web = await pm.start('web', { command: 'sleep', args: ['300'] });
  reaper(t)(web.pid);
  await pm.close();
  const pk = `${process.execPath} ${join(root, 'dist', 'bin.cjs')}`;
  const at = `--dir ${dir} --namespace ${namespace}`;
  const script = [
    `mount --bind ${dir} ${dir} && mount -o remount,ro,bind ${dir} || exit 9`,
    `touch ${dir}/probe 2>/dev/null && exit 8`,
    `echo "ls: $(${pk} ls ${at} 2>&1 | tr '\\n' '|')"`,
    `${pk} stop web ${at} 2>&1; echo "rc $?"`,
  ].join('\n');
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.match(run.stdout, new RegExp(`ls: NAME .*\\|web +${web.pid} +running`));
  assert.match(run.stdout, /web \(pid \d+\): stopped by step 0 \(SIGTERM\).*its record could not be marked ended \(EROFS: read-only file system.*\)/);
  assert.match(run.stdout, /rc 0/);
  await waitFor('web to end', () => !isAlive(web.pid));
  // Back on the writable view: the record still names it; the next controller finds it gone and says so.
  const later = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => later.close());
  assert.deepEqual(later.recovery.map((r) => [r.name, r.status]), [['web', 'gone']]);
});
