// Folders planted as links where pidkeep writes (logs/, run/), before a start and while a log writer runs: nothing is
// written, renamed or made in the link's target. Each test fails on a backend that follows the link.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { root, readText, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/** A folder outside the store holding a user's own files under the names pidkeep would use. */
function victim(dir: string) {
  const elsewhere = join(dir, 'elsewhere');
  mkdirSync(elsewhere);
  for (const name of ['svc.out.log', 'svc.out.log.1', 'svc.err.log']) writeFileSync(join(elsewhere, name), `the user's own ${name}\n`);
  const before = () => Object.fromEntries(readdirSync(elsewhere).sort().map((name) => [name, readFileSync(join(elsewhere, name), 'utf8')]));
  return { elsewhere, snapshot: before(), now: before };
}

async function manager(t: TestContext, dir: string, namespace: string) {
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  return pm;
}

const refused = (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_FAILED' && /symbolic link or not a folder/.test(e.message);

test('logs/ or run/ planted as a link: the start is refused, nothing is spawned, nothing lands in the target', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('planted');
  const pm = await manager(t, dir, namespace);
  const { elsewhere, snapshot, now } = victim(dir);
  symlinkSync(elsewhere, join(dir, namespace, 'logs'));
  for (const logs of [undefined, { maxBytes: 1024, keep: 1 }]) {
    const capped = nodeBackend(logs ? { logs } : {});
    const pmWith = await createProcessManager({ namespace, backend: capped, store: fileStore({ dir }) });
    t.after(() => pmWith.close());
    await assert.rejects(pmWith.start('svc', { command: 'sh', args: ['-c', 'seq 1 1000; sleep 300'] }), refused, logs ? 'capped' : 'plain');
  }
  assert.deepEqual(now(), snapshot, 'no separator appended, nothing rotated or overwritten');

  // run/ as a link (logs/ real again): no FIFO is made in the target.
  renameSync(join(dir, namespace, 'logs'), join(dir, 'old-link'));
  const runTarget = join(dir, 'run-target');
  mkdirSync(runTarget);
  symlinkSync(runTarget, join(dir, namespace, 'run'));
  await assert.rejects(pm.start('svc', { command: 'sleep', args: ['300'], stdin: 'fifo' }), refused);
  assert.deepEqual(readdirSync(runTarget), [], 'no FIFO made through the link');
  assert.deepEqual(await nodeBackend().scan!(`${namespace}@`), [], 'nothing was spawned');
});

test("a logs/ folder swapped for a link while a log writer runs: it rotates in the real folder, by its working directory", async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('swapped');
  const pm = await createProcessManager({ namespace, backend: nodeBackend({ logs: { maxBytes: 2000, keep: 1 } }), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const go = join(dir, 'go');
  // Quiet until told, then 20 KB: ten rotations of a 2000-byte cap, all after the swap.
  const handle = await pm.start('svc', { command: 'sh', args: ['-c', `while [ ! -e ${go} ]; do sleep 0.02; done; seq 1 4000; sleep 300`] });
  reaper(t)(handle.pid);
  const logs = join(dir, namespace, 'logs');
  const moved = join(dir, 'logs-real');
  renameSync(logs, moved);
  const { elsewhere, snapshot, now } = victim(dir);
  symlinkSync(elsewhere, logs);
  writeFileSync(go, '');
  await waitFor('the last line in the real folder', () => readText(join(moved, 'svc.out.log')).includes('4000\n'));
  assert.deepEqual(now(), snapshot, "the link's target is untouched");
  assert.ok(statSync(join(moved, 'svc.out.log.1')).size > 0, 'the writer rotated inside the folder it was started in');
  await handle.stop();
});

test('a log writer started on a folder other than the one the controller checked writes nothing', async (t) => {
  const dir = tempDir(t);
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const out = openSync(join(logs, 'svc.out.log'), 'a');
  const err = openSync(join(logs, 'svc.err.log'), 'a');
  const checked = statSync(dir); // another folder's device and inode
  const writer = spawn(process.execPath, [...process.execArgv, join(root, 'src', 'node', 'log-writer.ts'), join(logs, 'svc.out.log'), join(logs, 'svc.err.log'), '100', '1', `${checked.dev}:${checked.ino}`], { stdio: ['pipe', 'pipe', err, 'pipe', out, err] });
  closeSync(out);
  closeSync(err);
  reaper(t)(writer.pid);
  const exited = new Promise<number | null>((resolve) => writer.once('exit', resolve));
  let code: number | null | 'running' = 'running';
  void exited.then((c) => (code = c));
  await waitFor('the writer to refuse and end', () => code !== 'running').catch(() => undefined);
  assert.equal(code, 3, 'it ended at once with 3');
  assert.match(readText(join(logs, 'svc.err.log')), /no longer the folder the controller checked/);
  assert.equal(existsSync(join(logs, 'svc.out.log.1')), false);
});
