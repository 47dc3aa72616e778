import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, onTeardown, reaper, recordFile, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';
import { doubledNames, NAME_ENV, scanMarked, startSentinel, storedRecords, strayTempFiles, type StoredRecordFacts } from '../helpers/proc.js';

// 300 operations by default (about 20 s here); PIDKEEP_CHAOS_OPS=5000 for a long local run.
const CHAOS_OPS = Number(process.env.PIDKEEP_CHAOS_OPS ?? 300);
const linuxOnly = process.platform !== 'linux' && 'reads /proc';

/** mulberry32: the test's own randomness is seeded, so a failing run can be replayed (PIDKEEP_CHAOS_SEED). */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface StoreDir {
  dir: string;
  namespace: string;
  /** What every marker of this store's namespace starts with. */
  prefix: string;
}

function newStore(t: TestContext, namespace = uniqueNamespace('chaos')): StoreDir {
  const dir = tempDir(t);
  const store: StoreDir = { dir, namespace, prefix: `${namespace}@${fileStore({ dir }).id(namespace)}/` };
  // Whatever fails, every process that carries this store's marker is killed in teardown.
  const reap = reaper(t);
  onTeardown(t, () => void scanMarked(store.prefix).forEach((m) => reap(m.pid)));
  return store;
}

/** `recorded <name> <id> <pid>` lines: records a controller wrote (the put returned) before it died. */
function recordedIn(lines: readonly string[]): StoredRecordFacts[] {
  return lines.filter((l) => l.startsWith('recorded ')).map((l) => {
    const [, name, id, pid] = l.split(' ');
    return { name: name!, id: id!, pid: Number(pid) };
  });
}

/**
 * The invariants after a controller was SIGKILLed, as the next controller sees them: a fresh manager reconciles
 * and sweeps once; then no marked process runs without a record, every record names a running process that the
 * manager adopted, every process whose record was ever written and that still runs is among them (no record was
 * lost), no sweep ever ended such a process, and no half-written record file was left behind.
 */
async function checkAfterKill(store: StoreDir, written: readonly StoredRecordFacts[], { corrupt = [] as string[] } = {}) {
  // A long poll interval: this manager is a snapshot, nothing may change under the checks below.
  const pm = await createProcessManager({ namespace: store.namespace, backend: nodeBackend(), store: fileStore({ dir: store.dir }), pollInterval: 60_000 });
  try {
    const odd = pm.recovery.filter((r) => !(r.status === 'adopted' || r.status === 'gone' || (r.status === 'corrupt' && corrupt.includes(r.name))));
    assert.deepEqual(odd, [], 'every record names a running process (adopted) or an ended one (marked ended)');
    const swept = await pm.sweep();
    const writtenIds = new Set(written.map((r) => r.id));
    const lost = swept.filter((s) => writtenIds.has(s.marker.slice(store.prefix.length)));
    assert.deepEqual(lost, [], 'the sweep ended only processes whose record was never written');

    const records = storedRecords(store.dir, store.namespace);
    const recordedIds = new Set(records.map((r) => r.id));
    const running = scanMarked(store.prefix);
    assert.deepEqual(running.filter((m) => !recordedIds.has(m.id)), [], 'after one sweep, no marked process runs without a record');
    assert.deepEqual(doubledNames(store.prefix), [], 'one process per name');
    for (const r of records) assert.equal(pm.get(r.name)?.pid, r.pid, `the record of "${r.name}" (pid ${r.pid}) is adopted`);
    const runningIds = new Set(running.map((m) => m.id));
    for (const r of written) {
      if (runningIds.has(r.id)) assert.equal(pm.get(r.name)?.pid, r.pid, `"${r.name}" (pid ${r.pid}) was recorded and still runs: it is found and adopted`);
    }
    assert.deepEqual(strayTempFiles(store.dir, store.namespace), [], 'no temp file of a dead writer is left once the next controller took the lock');
    return { swept: swept.length, adopted: pm.list().length };
  } finally {
    await pm.close();
  }
}

describe('a controller SIGKILLed', { skip: linuxOnly }, () => {
  test(`at random instants of a start/stop/sweep/reconcile loop, ${CHAOS_OPS}+ operations`, { timeout: 120_000 + CHAOS_OPS * 200 }, async (t) => {
    const seed = Number(process.env.PIDKEEP_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 32));
    t.diagnostic(`seed ${seed} (PIDKEEP_CHAOS_SEED=${seed} replays the kill points, not the timing)`);
    const random = seeded(seed);
    const store = newStore(t);
    const reap = reaper(t);
    // A process of another store with a marker for this very namespace: no sweep after any crash may touch it.
    const otherPrefix = `${store.namespace}@${fileStore({ dir: tempDir(t) }).id(store.namespace)}/`;
    const sentinel = await startSentinel(t, store.dir, 'other-store', { PIDKEEP_MARK: `${otherPrefix}${'ab'.repeat(8)}`, [NAME_ENV]: 'a' });

    const written: StoredRecordFacts[] = [];
    const unexpected: string[] = [];
    let ops = 0;
    let kills = 0;
    let swept = 0;
    const began = Date.now();
    // The next controller loads while the previous one's leftovers are checked; it touches the store only at `go`.
    const next = () => {
      const go = join(store.dir, `go-${kills}`);
      return { go, controller: startNode(t, fixture('chaos-controller.mjs'), [store.dir, store.namespace, 'loop', String(Math.floor(random() * 2 ** 32)), go]) };
    };
    let upcoming = next();
    while (ops < CHAOS_OPS) {
      const { controller, go } = upcoming;
      await controller.line('loaded');
      writeFileSync(go, '');
      await controller.line('ready');
      // The kill lands while operation k runs (or just after): which one, and where in it, is random.
      const k = 1 + Math.floor(random() * 12);
      await controller.line(`op ${k} `);
      const jitter = Math.floor(random() * 8);
      if (jitter > 0) await new Promise((resolve) => setTimeout(resolve, jitter)); // a random instant, not a wait for anything
      controller.child.kill('SIGKILL');
      assert.equal((await controller.exited).signal, 'SIGKILL', controller.stderr());
      kills += 1;
      upcoming = next();
      ops += controller.lines.filter((l) => l.startsWith('op ')).length;
      for (const line of controller.lines) if (line.startsWith('spawned ')) reap(Number(line.split(' ')[2]));
      written.push(...recordedIn(controller.lines));
      // A start of a name that runs is refused; nothing else may fail.
      unexpected.push(...controller.lines.filter((l) => l.startsWith('err ') && !/^err \d+ ALREADY_RUNNING /.test(l)));

      try {
        swept += (await checkAfterKill(store, written)).swept;
      } catch (error) {
        throw new Error(`after kill ${kills} (seed ${seed}): ${(error as Error).message}\nthe dead controller's last lines:\n${controller.lines.slice(-15).join('\n')}`, { cause: error });
      }
    }
    upcoming.controller.child.kill('SIGKILL'); // loaded, never let go: it touched nothing
    t.diagnostic(`${ops} operations, ${kills} kills, ${written.length} records written, ${swept} orphans swept after kills, ${Date.now() - began} ms`);
    assert.deepEqual(unexpected, [], 'no operation failed but a refused start');
    assert.ok(written.length > 0, 'records were written (the step test below covers each kill point for sure)');

    await sentinel.flush();
    assert.equal(sentinel.signals(), '', 'the other store\'s process received no signal');
    assert.ok(isAlive(sentinel.pid));
  });

  /**
   * One store operation, killed before each of its steps in turn (and once after its last): `setup` builds the
   * state it acts on in a fresh store, with a manager of the test's own; `corrupt` names records planted corrupt.
   */
  const operations: Array<{ op: string; arg?: string; what: string; corrupt?: string[]; late?: boolean; setup(store: StoreDir, t: TestContext): Promise<void> }> = [
    {
      op: 'start',
      arg: 'web',
      what: 'a start over a stale record of the same name (lock, remove it, spawn, put, unlock)',
      // After the controller's manager reconciled (which would remove the stale record itself), so that the
      // start finds it.
      late: true,
      async setup(store, t) {
        const pid = await startAndForget(store, t, 'web');
        process.kill(pid, 'SIGKILL');
        await waitFor('the recorded process to end', () => !isAlive(pid));
      },
    },
    {
      op: 'stop',
      arg: 'web',
      what: 'a stop of a process an earlier controller started (signal, lock, mark its record ended, unlock)',
      async setup(store, t) {
        await startAndForget(store, t, 'web');
      },
    },
    {
      op: 'reconcile',
      what: 'a reconcile of a running, an ended and a corrupt record (lock, quarantine, mark ended, unlock)',
      corrupt: ['c'],
      async setup(store, t) {
        await startAndForget(store, t, 'a');
        const ended = await startAndForget(store, t, 'b');
        process.kill(ended, 'SIGKILL');
        await waitFor('b to end', () => !isAlive(ended));
        writeFileSync(recordFile(store.dir, store.namespace, 'c'), '{"v":2,"id":"cut in ha');
      },
    },
    {
      op: 'sweep',
      what: 'a sweep of two unrecorded processes next to a recorded one (lock, unlock, a signal each)',
      async setup(store, t) {
        await startAndForget(store, t, 'a');
        for (const [name, id] of [['orphan1', '1'.repeat(16)], ['orphan2', '2'.repeat(16)]] as const) {
          // Marked with this store's marker, as a start killed between its spawn and its put leaves one.
          const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { ...process.env, PIDKEEP_MARK: `${store.prefix}${id}`, [NAME_ENV]: name } });
          reaper(t)(child.pid);
          child.unref();
          await waitFor(`${name} to carry its marker`, () => scanMarked(store.prefix).some((m) => m.pid === child.pid));
        }
      },
    },
  ];

  for (const operation of operations) {
    test(`at every step boundary of ${operation.what}`, { timeout: 120_000 }, async (t) => {
      // Kill at `stopAt` (0: let it finish, then kill it): returns the steps the controller went through.
      const run = async (stopAt: number) => {
        const store = newStore(t, 'chaos');
        const go = join(store.dir, 'go');
        if (!operation.late) await operation.setup(store, t);
        const args = [store.dir, store.namespace, operation.op, ...(operation.arg ? [operation.arg] : [])];
        // The records the setup wrote, read before the operation may act on them.
        let before = storedRecords(store.dir, store.namespace);
        const controller = startNode(t, fixture('chaos-controller.mjs'), args, { PIDKEEP_STEP_STOP: String(stopAt), ...(operation.late ? { PIDKEEP_GO: go } : {}) });
        if (operation.late) {
          await controller.line('ready');
          await operation.setup(store, t);
          before = storedRecords(store.dir, store.namespace);
          writeFileSync(go, '');
        }
        const at = await controller.line(stopAt === 0 ? 'done' : `blocked ${stopAt} `);
        controller.child.kill('SIGKILL');
        await controller.exited;
        for (const line of controller.lines) if (line.startsWith('spawned ')) reaper(t)(Number(line.split(' ')[2]));
        const steps = controller.lines.filter((l) => l.startsWith('step ')).map((l) => l.split(' ').slice(2).join(' '));
        try {
          assert.deepEqual(controller.lines.filter((l) => l.startsWith('err ')), [], 'the operation itself did not fail');
          await checkAfterKill(store, [...before, ...recordedIn(controller.lines)], { corrupt: operation.corrupt ?? [] });
        } catch (error) {
          const where = stopAt === 0 ? 'after the last step' : `before step ${stopAt} (${at})`;
          throw new Error(`killed ${where}: ${(error as Error).message}\nthe controller said:\n${controller.lines.join('\n')}`, { cause: error });
        }
        return steps;
      };

      const steps = await run(0);
      t.diagnostic(`steps: ${steps.join(', ')}`);
      assert.ok(steps.length >= 3, `the operation has steps to kill at: ${steps.join(', ')}`);
      for (let n = 1; n <= steps.length; n++) {
        const seen = await run(n);
        // The steps up to the kill are the dry run's, in order: the kill landed where it was meant to.
        assert.deepEqual(seen.map((s) => s.replace(/ \d+$/, '')), steps.slice(0, n).map((s) => s.replace(/ \d+$/, '')));
      }
    });
  }
});

/** Starts `name` with a manager of the test's own, then closes it without stopping: a dead controller's record. */
async function startAndForget(store: StoreDir, t: TestContext, name: string): Promise<number> {
  const pm = await createProcessManager({ namespace: store.namespace, backend: nodeBackend(), store: fileStore({ dir: store.dir }) });
  const handle = await pm.start(name, { command: 'sleep', args: ['300'], env: { [NAME_ENV]: name } });
  reaper(t)(handle.pid);
  await pm.close(); // closed, it never touches the store again: not even when the process ends
  return handle.pid;
}
