import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, onTeardown, reaper, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';
import { doubledNames, scanMarked, startSentinel, storedRecords } from '../helpers/proc.js';

// 20 s by default; PIDKEEP_STORM_MS=300000 for a long local run.
const STORM_MS = Number(process.env.PIDKEEP_STORM_MS ?? 20_000);
const CONTROLLERS = 4;

test(`a storm: ${CONTROLLERS} controller processes start, stop and sweep the same names at once`, { skip: process.platform !== 'linux' && 'reads /proc', timeout: STORM_MS + 120_000 }, async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('storm');
  const store = fileStore({ dir });
  const prefix = `${namespace}@${store.id(namespace)}/`;
  const reap = reaper(t);
  // Whatever fails below, every process that carries this store's marker is killed in teardown.
  onTeardown(t, () => void scanMarked(prefix).forEach((m) => reap(m.pid)));

  // Processes pidkeep did not start, which must never receive a signal: a plain one, one whose marker names the
  // same namespace in ANOTHER store, and one with the marker pidkeep 0.1.0 gave (no store id at all).
  const otherDir = tempDir(t);
  const otherPrefix = `${namespace}@${fileStore({ dir: otherDir }).id(namespace)}/`;
  assert.notEqual(otherPrefix, prefix);
  const sentinels = [
    await startSentinel(t, dir, 'plain'),
    await startSentinel(t, dir, 'other-store', { PIDKEEP_MARK: `${otherPrefix}${'ab'.repeat(8)}`, PIDKEEP_TEST_NAME: 'alpha' }),
    await startSentinel(t, dir, 'legacy-marker', { PIDKEEP_MARK: `${namespace}/${'cd'.repeat(8)}`, PIDKEEP_TEST_NAME: 'alpha' }),
  ];

  const seeds = Array.from({ length: CONTROLLERS }, () => Math.floor(Math.random() * 2 ** 32));
  t.diagnostic(`seeds ${seeds.join(' ')} (storm ${STORM_MS} ms)`);
  const go = join(dir, 'go');
  const controllers = seeds.map((seed, i) => startNode(t, fixture('storm-controller.mjs'), [dir, namespace, `c${i}`, String(seed), String(STORM_MS), go]));
  for (const c of controllers) await c.line('ready');
  writeFileSync(go, '');

  // Sample /proc while the storm runs: never two running processes for one name.
  const doubled: string[] = [];
  let samples = 0;
  await waitFor(
    'every controller to finish its storm',
    () => {
      samples += 1;
      for (const d of doubledNames(prefix)) doubled.push(`${d.name}: ${d.processes.map((p) => `pid ${p.pid} record ${p.id}`).join(', ')}`);
      return controllers.every((c) => c.lines.includes('bye'));
    },
    { timeout: STORM_MS + 60_000, interval: 50 },
  );
  for (const c of controllers) assert.deepEqual(await c.exited, { code: 0, signal: null }, c.stderr());

  const actions = controllers.flatMap((c) => c.lines.filter((l) => /^c\d\/\d /.test(l)));
  const count = (pattern: RegExp) => actions.filter((l) => pattern.test(l)).length;
  t.diagnostic(`${actions.length} actions, ${samples} samples of /proc: ${count(/ start \S+ ok/)} starts, ${count(/ refused /)} refused, ${count(/ (fresh-)?stop \S+ ok \d/)} stops, ${count(/ sweep /)} sweeps, ${count(/ reconcile /)} reconciles`);
  const context = (lines: string[]) => `\n${lines.slice(0, 20).join('\n')}`;
  assert.deepEqual(doubled, [], `one process per name at any instant${context(doubled)}`);
  const errors = actions.filter((l) => / error /.test(l));
  assert.deepEqual(errors, [], `no action failed (a start may only be refused ALREADY_RUNNING)${context(errors)}`);
  // Every start held the lock until its record was written, so no sweep ever met an unrecorded process.
  const sweeping = actions.filter((l) => / sweep .* ok swept=[1-9]/.test(l));
  assert.deepEqual(sweeping, [], `no sweep found anything to stop while every controller lived${context(sweeping)}`);
  assert.ok(count(/ start \S+ ok/) > 0 && count(/ (fresh-)?stop \S+ ok \d/) > 0, 'the storm really started and stopped processes');

  // The controllers are gone; a fresh manager adopts what they left, and one sweep ends whatever no record knows.
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store });
  t.after(() => pm.close());
  const odd = pm.recovery.filter((r) => r.status !== 'adopted' && r.status !== 'gone');
  assert.deepEqual(odd, [], 'every record left names a running process or one that ended');
  const swept = await pm.sweep();
  assert.deepEqual(swept, [], 'no marked process was left unrecorded');
  const records = storedRecords(dir, namespace);
  const recordedIds = new Set(records.map((r) => r.id));
  const running = scanMarked(prefix);
  assert.deepEqual(running.filter((m) => !recordedIds.has(m.id)), [], 'every running marked process has its record');
  assert.deepEqual(doubledNames(prefix), []);
  for (const r of records) assert.equal(pm.get(r.name)?.pid, r.pid, `"${r.name}" (pid ${r.pid}) is adopted by the fresh manager`);
  assert.equal(pm.list().length, records.length);

  // Nothing that was not ours was signalled, not even the sentinel whose marker names this very namespace.
  for (const s of sentinels) {
    await s.flush();
    assert.equal(s.signals(), '', `sentinel ${s.label} received no signal`);
    assert.ok(isAlive(s.pid), `sentinel ${s.label} still runs`);
  }

  const left = pm.list().map((h) => h.pid);
  await pm.stopAll();
  await waitFor('the processes the storm left to end', () => left.every((pid) => !isAlive(pid)));
  assert.deepEqual(scanMarked(prefix), []);
});
