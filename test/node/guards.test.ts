// One direct, deterministic test per safety guard that a one-line mutation of the source could break while the rest
// of the suite passed (issue 17's mutation run). Each names the guard it holds; real processes throughout, and a
// store or backend wrapped only to hold a step still (a gate) or to watch the order of calls.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError, type Backend, type Store } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { stopMarked } from '../../src/sweep.js';
import { cli, isAlive, outputIn, readText, reaper, recordFile, startTicks, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

const sh = (script: string) => ({ command: 'sh', args: ['-c', script] });
const recordOf = (dir: string, namespace: string, name: string) => readText(recordFile(dir, namespace, name));
const markerOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((v) => v.startsWith('PIDKEEP_MARK='))?.slice('PIDKEEP_MARK='.length);

/** A store whose next `method` call waits at a gate until `open()`; `entered` says it is waiting. */
function gated(real: Store, method: 'lock' | 'put') {
  let gate: Promise<void> | undefined;
  let open = () => {};
  const state = { entered: false, closed: false, arm() {
    state.closed = true;
    gate = new Promise<void>((resolve) => (open = () => { state.closed = false; resolve(); }));
  }, open: () => open() };
  const store = Object.create(real) as Store;
  (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (gate) {
      const waiting = gate;
      gate = undefined;
      state.entered = true;
      await waiting;
    }
    return (real[method] as (...a: unknown[]) => unknown)(...args);
  };
  return { store, state };
}

/** A process that clears its environment, marker included, once GO exists: same pid and start time, unverifiable. */
async function clearingEnv(t: TestContext, dir: string, namespace: string) {
  const go = join(dir, `go-${Math.random()}`);
  const starter = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const x = await starter.start('x', sh(`while [ ! -e ${go} ]; do sleep 0.02; done; exec env -i /bin/sleep 300`));
  reaper(t)(x.pid);
  return { starter, pid: x.pid, clear: async () => {
    writeFileSync(go, '');
    await waitFor('the environment to be cleared', () => readText(`/proc/${x.pid}/comm`).trim() === 'sleep' && markerOf(x.pid) === undefined);
  } };
}

test('guard: a recorded process alive but unverifiable holds its name, also for a manager that watches it; nothing spawned, record kept', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('unv');
  const { starter, pid, clear } = await clearingEnv(t, dir, namespace);
  await starter.close();
  const watcher = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => watcher.close());
  assert.equal(watcher.get('x')?.pid, pid, 'adopted while still provable');
  await clear();
  const before = recordOf(dir, namespace, 'x');
  const busy = (e: unknown) => e instanceof PidkeepError && e.code === 'ALREADY_RUNNING';
  await assert.rejects(watcher.start('x', { command: 'sleep', args: ['300'] }), busy, 'the manager that watches it');
  const fresh = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => fresh.close());
  assert.deepEqual(fresh.recovery.map((r) => [r.name, r.status]), [['x', 'skipped']], 'reconcile keeps it, never marks it ended');
  await assert.rejects(fresh.start('x', { command: 'sleep', args: ['300'] }), busy, 'a new manager');
  assert.equal(recordOf(dir, namespace, 'x'), before, 'the record is untouched (not ended)');
  assert.equal(await fresh.lastExit('x'), undefined);
  assert.deepEqual(await nodeBackend().scan!(`${namespace}@`), [], 'nothing was spawned');
  assert.ok(isAlive(pid));
});

test('guard: a process that turns unverifiable after a signal and runs on is never reported stopped; its record is not ended', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('turn');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  // At SIGTERM it replaces itself with a sleep whose environment is empty: same pid, same start tick, no marker.
  const script = `trap 'exec env -i /bin/sleep 300' TERM; echo ready; while :; do sleep 0.05; done`;
  const x = await pm.start('x', sh(script));
  reaper(t)(x.pid);
  await waitFor('the trap', () => outputIn(x.logs.stdout!).includes('ready'));
  const plan = [{ signal: 'SIGTERM' as const, wait: 1000 }, { signal: 'SIGKILL' as const, wait: 1000 }];
  await assert.rejects(pm.stop('x', plan), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /cannot prove/.test(e.message));
  assert.ok(isAlive(x.pid), 'it runs on, never sent SIGKILL');
  assert.doesNotMatch(recordOf(dir, namespace, 'x'), /"ended"/);

  await pm.close();

  // The same through a sweep (a process known only by its marker), with groups, and with a backend that signals
  // pids, not groups (as the Tauri plugin does): then there is no group to wait for, only the verdict.
  for (const backend of [nodeBackend(), { ...nodeBackend(), groupMembers: undefined }]) {
    const ns = uniqueNamespace('turn-swept');
    const starter = await createProcessManager({ namespace: ns, backend: nodeBackend(), store: fileStore({ dir }) });
    const y = await starter.start('y', sh(script));
    reaper(t)(y.pid);
    // Another orphan beside it: one that cannot be stopped does not keep the others running.
    const z = await starter.start('z', { command: 'sleep', args: ['300'] });
    reaper(t)(z.pid);
    await waitFor('the trap', () => outputIn(y.logs.stdout!).includes('ready'));
    await starter.close();
    spawnSync('rm', [recordFile(dir, ns, 'y'), recordFile(dir, ns, 'z')]);
    const sweeper = await createProcessManager({ namespace: ns, backend, store: fileStore({ dir }) });
    t.after(() => sweeper.close());
    await assert.rejects(sweeper.sweep({ stop: plan }), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED', backend.groupMembers ? 'groups' : 'pids only');
    assert.ok(isAlive(y.pid), 'not reported swept, not killed');
    await waitFor('the other orphan to be swept all the same', () => !isAlive(z.pid));
  }
});

test('guard: a process that does not lead its group is signalled alone; another process in the group named by its pid gets nothing', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('nolead');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  // A real record to borrow: its marker goes to P, its identity is then rewritten to P's.
  const dummy = await pm.start('p', { command: 'sleep', args: ['300'] });
  reaper(t)(dummy.pid);
  const marker = markerOf(dummy.pid)!;
  const log = join(dir, 'signals.log');
  // P leads group P, starts Q in it (Q has no marker and logs a SIGTERM), then moves back into its parent's group.
  const python = `
import os, sys, time
p = os.fork()
if p == 0:
    os.setpgid(0, 0)
    q = os.fork()
    if q == 0:
        os.execve('/bin/sh', ['sh', '-c', 'trap "echo Q TERM >> ${log}" TERM; while :; do sleep 0.05; done'], {'PATH': '/usr/bin:/bin'})
    os.setpgid(0, os.getppid())
    print(os.getpid(), q, flush=True)
    time.sleep(300)
    sys.exit(0)
time.sleep(300)`;
  const launcher = spawn('python3', ['-c', python], { env: { ...process.env, PIDKEEP_MARK: marker }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  reaper(t)(launcher.pid);
  let out = '';
  launcher.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const [p, q] = (await waitFor('P and Q', () => (/^(\d+) (\d+)\n/.exec(out) ? out.trim().split(' ').map(Number) : undefined))) as [number, number];
  reaper(t)(p);
  reaper(t)(q);
  await waitFor('Q to set its trap', () => readText(`/proc/${q}/comm`).trim() === 'sh' && readText(`/proc/${q}/cmdline`).includes('trap'));
  await pm.stop('p', [{ signal: 'SIGKILL', wait: 2000 }]);
  await pm.close();
  const record = JSON.parse(recordOf(dir, namespace, 'p').split('\n')[0]!) as Record<string, unknown>;
  Object.assign(record, { pid: p, startTime: startTicks(p), comm: readText(`/proc/${p}/comm`).trim() });
  writeFileSync(recordFile(dir, namespace, 'p'), `${JSON.stringify(record)}\n`);

  const adopter = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => adopter.close());
  assert.deepEqual(adopter.recovery.map((r) => [r.name, r.status]), [['p', 'adopted']]);
  const stopped = await adopter.stop('p', [{ signal: 'SIGTERM', wait: 5000 }]);
  assert.equal(stopped.by, 'SIGTERM');
  assert.ok(!isAlive(p));
  assert.ok(isAlive(q), 'Q runs on');
  assert.equal(readText(log), '', 'Q, in the group named by P\'s pid, got no signal');
});

test('guard: a controller inside the process group it stops (a script the process started) signals the pid alone and lives to report it', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('inside');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const out = join(dir, 'stop.out');
  // A subshell runs the CLI (pidkeep never signals its own parent): both sit in the group being stopped.
  const self = await pm.start('self', { ...sh(`( ${process.execPath} ${cli} stop self --dir ${dir} --namespace ${namespace} > ${out} 2>&1; echo "rc $?" >> ${out} ); sleep 300`), ready: false });
  reaper(t)(self.pid);
  await pm.close();
  await waitFor('the CLI to report the stop', () => /rc \d+/.test(readText(out)), { timeout: 20_000 });
  assert.match(readText(out), /stopped by step 0 \(SIGTERM\)[^\n]*\nrc 0\n$/);
  assert.ok(!isAlive(self.pid), 'the process was stopped');
});

test('guard: a sweep spares a live marked process whose only record is of a future version, by the id in its text', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('future');
  const store = fileStore({ dir });
  const id = 'abcdef0123456789abcdef01';
  const child = spawn('sleep', ['300'], { env: { PATH: process.env.PATH!, PIDKEEP_MARK: `${namespace}@${store.id(namespace)}/${id}` }, stdio: 'ignore', detached: true });
  reaper(t)(child.pid);
  writeFileSync(recordFile(dir, namespace, 'later'), `${JSON.stringify({ v: 99, id, name: 'later', pid: child.pid, shape: 'unknown to this version' })}\n`);
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store });
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]), [['later', 'skipped']]);
  assert.deepEqual(await pm.sweep(), []);
  assert.ok(isAlive(child.pid!));
});

test('guard: a stop of a marked process whose re-probe finds the same pid, start tick and command but another marker sends nothing', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('swap');
  const store = fileStore({ dir });
  const prefix = `${namespace}@${store.id(namespace)}/`;
  const go = join(dir, 'go');
  const log = join(dir, 'signals.log');
  // sh execs sh with another marker: pid, start tick and command (sh) stay; the marker changes.
  const inner = `trap 'echo TERM >> ${log}' TERM; while :; do sleep 0.05; done`;
  const child = spawn('sh', ['-c', `while [ ! -e ${go} ]; do sleep 0.02; done; exec env PIDKEEP_MARK=${prefix}ffffffffffffffff sh -c "${inner}"`], { env: { PATH: process.env.PATH!, PIDKEEP_MARK: `${prefix}0123456789abcdef` }, stdio: 'ignore', detached: true });
  reaper(t)(child.pid);
  const backend = nodeBackend();
  const [found] = await waitFor('the scan', async () => ((await backend.scan!(prefix)).length > 0 ? backend.scan!(prefix) : undefined));
  assert.equal(found!.pid, child.pid);
  writeFileSync(go, '');
  await waitFor('the marker to change', () => markerOf(child.pid!) === `${prefix}ffffffffffffffff` && readText(`/proc/${child.pid}/cmdline`).includes('trap'));
  assert.equal(startTicks(child.pid!), found!.identity.startTime);
  const result = await stopMarked(backend, found!, [{ signal: 'SIGTERM', wait: 500 }], 'swapped');
  assert.equal(result.outcome, 'already-exited', 'the process it knew is gone');
  assert.ok(isAlive(child.pid!));
  assert.equal(readText(log), '', 'no signal reached the process now at that pid');
});

test("guard: stopping a set-aside record by name stops only the process its marker names; the namespace's other marked process runs on", async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('aside');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  // The other one first: a lower pid, found first by a scan.
  const other = await pm.start('other', { command: 'sleep', args: ['300'] });
  reaper(t)(other.pid);
  const aside = await pm.start('aside', { command: 'sleep', args: ['300'] });
  reaper(t)(aside.pid);
  await pm.close();
  const file = recordFile(dir, namespace, 'aside');
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 80));
  const later = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }), onOrphan: 'adopt' });
  t.after(() => later.close());
  await later.close(); // no watching of `other`: the stop below goes through the set-aside path
  const third = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => third.close());
  const stopped = await third.stop('aside', [{ signal: 'SIGTERM', wait: 5000 }]);
  assert.equal(stopped.pid, aside.pid);
  assert.ok(!isAlive(aside.pid));
  assert.ok(isAlive(other.pid), 'the other marked process runs on');
});

test("guard: an older run's exit never ends the record of a newer run of the same name", async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('older');
  const a = gated(fileStore({ dir }), 'lock');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: a.store });
  t.after(() => first.close());
  const run1 = await first.start('x', { command: 'sleep', args: ['300'] });
  reaper(t)(run1.pid);
  a.state.arm();
  process.kill(run1.pid, 'SIGKILL');
  await waitFor("the first manager's end handling to wait for the lock", () => a.state.entered);
  const second = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => second.close());
  const run2 = await second.start('x', { command: 'sleep', args: ['300'] });
  reaper(t)(run2.pid);
  a.state.open();
  await run1.exited;
  assert.doesNotMatch(recordOf(dir, namespace, 'x'), /"ended"/, "run 2's record is not ended by run 1's exit");
  assert.match(recordOf(dir, namespace, 'x'), new RegExp(`"pid":${run2.pid},`));
  const third = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => third.close());
  assert.deepEqual(third.recovery.map((r) => [r.name, r.pid, r.status]), [['x', run2.pid, 'adopted']]);
});

test('guard: a sweep spares a recorded process it does not track, and decides only under the lock (never during a start)', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('locked');
  // The sweeper exists before anything starts and follows no record (watch: false): it tracks nothing.
  let scanned = false;
  let asked = false;
  const real = nodeBackend();
  const backend: Backend = { ...real, scan: async (prefix) => ((scanned = true), real.scan!(prefix)) };
  const sweeperStore = Object.create(fileStore({ dir, watch: false })) as Store;
  const realLock = sweeperStore.lock.bind(sweeperStore);
  sweeperStore.lock = async (ns) => ((asked = true), realLock(ns));
  const sweeper = await createProcessManager({ namespace, backend, store: sweeperStore });
  t.after(() => sweeper.close());

  const a = gated(fileStore({ dir }), 'put');
  const starter = await createProcessManager({ namespace, backend: nodeBackend(), store: a.store });
  t.after(() => starter.close());
  const kept = await starter.start('kept', { command: 'sleep', args: ['300'] });
  reaper(t)(kept.pid);
  assert.deepEqual(await sweeper.sweep(), [], 'recorded: spared, though the sweeper does not track it');

  // A start held between its spawn and its record, with the lock: the sweep must wait for it.
  a.state.arm();
  const starting = starter.start('starting', { command: 'sleep', args: ['300'] });
  await waitFor('the start to be spawned and held before its record', () => a.state.entered);
  const spawned = (await real.scan!(`${namespace}@`)).find((p) => p.pid !== kept.pid);
  reaper(t)(spawned?.pid);
  scanned = false;
  asked = false;
  const sweeping = sweeper.sweep();
  await waitFor('the sweep to ask for the lock, or to scan', () => asked || scanned);
  assert.equal(scanned, false, 'the sweep did not look before it had the lock');
  a.state.open();
  const started = await starting;
  assert.deepEqual(await sweeping, [], 'the start in progress was not taken for an orphan');
  assert.ok(isAlive(started.pid) && isAlive(kept.pid));
  assert.ok(existsSync(recordFile(dir, namespace, 'starting')));
});
