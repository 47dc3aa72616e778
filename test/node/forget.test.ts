// Issue 20, point 7: ended runs and set-aside records go away when asked (pm.forget, pm.forgetEnded, `pidkeep
// forget`), never while a process they lead to runs; `ls` stays readable with hundreds of ended runs; and a code no
// parent saw reads "unknown" (point 5).
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { keyOf } from '../../src/record.js';
import { isAlive, ownPidNamespace, reaper, recordFile, runCli, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

const code = (expected: string) => (error: unknown) => error instanceof PidkeepError && error.code === expected;

test('pm.forget removes an ended trace, refuses a running name (nothing changes), and says NOT_FOUND for nothing', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('forget');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const once = await pm.start('once', { command: 'sh', args: ['-c', 'exit 3'], ready: false });
  assert.equal((await once.exited).code, 3);
  assert.equal((await pm.lastExit('once'))?.exit.code, 3);
  assert.deepEqual(await pm.forget('once'), { name: 'once', trace: true, setAside: 0, setAsideKept: 0 });
  assert.equal(await pm.lastExit('once'), undefined);
  assert.equal(existsSync(recordFile(dir, namespace, 'once')), false);
  await assert.rejects(pm.forget('once'), code('NOT_FOUND'));

  const web = await pm.start('web', { command: 'sleep', args: ['300'] });
  reap(web.pid);
  await assert.rejects(pm.forget('web'), code('ALREADY_RUNNING'));
  // Another controller (it adopted the run) refuses too: it reads the record under the lock.
  const other = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => other.close());
  await assert.rejects(other.forget('web'), code('ALREADY_RUNNING'));
  assert.ok(isAlive(web.pid) && existsSync(recordFile(dir, namespace, 'web')));
  await web.stop();
  assert.deepEqual(await other.forget('web'), { name: 'web', trace: true, setAside: 0, setAsideKept: 0 });
  assert.deepEqual(await pm.ended(), []);
});

test('a set-aside record is forgotten only once its process is gone; pm.forgetEnded clears every ended run and spares running ones', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('forgetaside');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const bad = await first.start('bad', { command: 'sleep', args: ['300'] });
  reap(bad.pid);
  await first.close();
  appendFileSync(recordFile(dir, namespace, 'bad'), '{garbage'); // unreadable now, its id still in it

  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  assert.deepEqual((await pm.setAside()).map((e) => [e.name, e.pid]), [['bad', bad.pid]]);
  await assert.rejects(pm.forget('bad'), code('ALREADY_RUNNING'));
  assert.deepEqual((await pm.forgetEnded()).filter((f) => f.name === 'bad').map((f) => [f.setAside, f.setAsideKept, f.kept]), [[0, 1, 'its process still runs']], 'forgetEnded spares it too, and says why');
  assert.deepEqual((await pm.setAside()).map((e) => [e.name, e.pid]), [['bad', bad.pid]], 'the set-aside record of a live process stays: it is how pm.stop finds it');
  await pm.stop('bad');
  assert.deepEqual(await pm.forget('bad'), { name: 'bad', trace: false, setAside: 1, setAsideKept: 0 });
  assert.deepEqual(await pm.setAside(), []);
  assert.deepEqual(readdirSync(join(dir, namespace, 'quarantine')), []);

  for (const name of ['a', 'b', 'c']) await (await pm.start(name, { command: 'true', ready: false })).exited;
  const keep = await pm.start('keep', { command: 'sleep', args: ['300'] });
  reap(keep.pid);
  assert.deepEqual((await pm.forgetEnded()).map((f) => [f.name, f.trace]), [['a', true], ['b', true], ['c', true]]);
  assert.deepEqual(await pm.ended(), []);
  assert.equal(pm.get('keep')?.pid, keep.pid);
  await keep.stop();
});

test('pidkeep ls shows the last ended runs and counts the rest; ls --ended lists them; forget clears them; an unseen code reads "unknown"', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('cliforget') };
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: env.PIDKEEP_NAMESPACE, backend: nodeBackend(), store: fileStore({ dir: env.PIDKEEP_DIR }) });
  for (let i = 0; i < 14; i++) await (await pm.start(`job${String(i).padStart(2, '0')}`, { command: 'true', ready: false })).exited;
  await pm.close();
  // Ended after `run` returned: no pidkeep parent saw its code.
  const run = await runCli(['run', 'late', '--', 'sh', '-c', 'sleep 0.3; exit 5'], { env });
  assert.equal(run.code, 0, run.stderr);
  const late = Number(run.stdout.trim());
  reap(late);
  await waitFor('the late run to end', () => !isAlive(late));

  const first = await runCli(['ls'], { env });
  assert.match(first.stdout, /^late .* gone .*ended while no controller watched/m, 'the first look finds the late run gone');
  const ls = await runCli(['ls'], { env });
  assert.equal(ls.code, 0, ls.stderr);
  const rows = ls.stdout.trim().split('\n');
  const endedRow = /^\S+\s+\d+\s+ended\s/;
  assert.equal(rows.filter((row) => endedRow.test(row)).length, 10, ls.stdout);
  assert.match(rows.at(-1)!, /^\.\.\. and 5 more ended runs \(`pidkeep ls --ended` lists them, `pidkeep forget --ended` clears them\)$/);
  assert.match(ls.stdout, /^late .* ended .*exit code unknown/m, 'the last to end is shown, its code said to be unknown');
  assert.equal((await runCli(['ls', '--ended'], { env })).stdout.trim().split('\n').filter((row) => endedRow.test(row)).length, 15);
  assert.equal((JSON.parse((await runCli(['ls', '--json'], { env })).stdout) as unknown[]).length, 15, '--json lists them all');
  const described = await runCli(['describe', 'late'], { env });
  assert.match(described.stdout, /^lastExit\s+ended while no controller watched.*, exit code unknown \(only its parent could see the code/m);
  assert.doesNotMatch(described.stdout, /null/);

  const one = await runCli(['forget', 'late', 'nobody'], { env });
  assert.equal(one.code, 3);
  assert.match(one.stdout, /^late: forgot its ended run$/m);
  assert.match(one.stderr, /nobody.*see `pidkeep ls --ended`/);
  const all = await runCli(['forget', '--ended'], { env });
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.trim().split('\n').length, 14, all.stdout);
  assert.match((await runCli(['ls'], { env })).stdout, /^no processes in namespace/);
  assert.equal((await runCli(['forget'], { env })).code, 2);
});

test('a set-aside record whose process cannot be proven gone is kept: one that names no id, or a backend that cannot scan; the ended runs go all the same', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('forgetkeep');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  await (await pm.start('done', { command: 'true', ready: false })).exited;
  // Set aside with nothing of it readable: no id, so no process can be matched to it, or proven gone.
  // Under this pid namespace's key (`blank@<inode>` inside a container), as a reconcile here would have set it aside.
  const key = keyOf('blank', ownPidNamespace());
  mkdirSync(join(dir, namespace, 'quarantine'), { recursive: true });
  writeFileSync(join(dir, namespace, 'quarantine', `${key}.1796000000000.abcdef.json`), 'not a record, no id\n');
  writeFileSync(join(dir, namespace, 'quarantine', `${key}.1796000000000.abcdef.reason.txt`), 'planted\n');
  const all = await pm.forgetEnded();
  assert.deepEqual(all.map((f) => [f.name, f.trace, f.setAside, f.setAsideKept]), [['blank', false, 0, 1], ['done', true, 0, 0]]);
  assert.match(all[0]!.kept ?? '', /names no record id/);
  await assert.rejects(pm.forget('blank'), (error: unknown) => error instanceof PidkeepError && error.code === 'UNSUPPORTED' && /kept: one of them names no record id.*nothing was forgotten/.test(error.message));
  assert.equal((await pm.setAside()).length, 1, 'still listed');

  // A backend without a scan cannot look for the processes of set-aside records: they are kept, said so.
  const base = nodeBackend();
  const blind = Object.assign(Object.create(base) as typeof base, { scan: undefined });
  const other = await createProcessManager({ namespace, backend: blind, store: fileStore({ dir }) });
  t.after(() => other.close());
  await (await other.start('again', { command: 'true', ready: false })).exited;
  const some = await other.forgetEnded();
  assert.deepEqual(some.map((f) => [f.name, f.trace, f.setAsideKept]), [['again', true, 0], ['blank', false, 1]]);
  assert.match(some[1]!.kept ?? '', /cannot look for their processes \(no scan\)/);
});
