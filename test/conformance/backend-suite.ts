import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { MARKER_ENV } from '../../src/identity.js';
import type { Backend, SpawnRequest, Spawned } from '../../src/types.js';
import { isAlive, reaper, tempDir, waitFor } from '../helpers/index.js';

/**
 * What a backend can do beyond the contract's core, so the one suite holds every backend to what it promises:
 * the Node backend gives each child its own process group and log files; the Tauri backend's children share the
 * app's group and their output comes through the plugin.
 */
export interface BackendFeatures {
  /** Children lead their own process group, and `group: true` signals it whole. */
  groups: boolean;
  /** What a child has written to stdout so far. */
  output(backend: Backend, spawned: Spawned): string | Promise<string>;
  /**
   * The controller's own process and its parent, which no signal may reach: this Node process by default; the app's
   * process for a backend that runs inside a real app.
   */
  self?(): { pid: number; ppid: number } | Promise<{ pid: number; ppid: number }>;
  /**
   * The same backend with its last step to the OS replaced by a recorder: what would have been signalled is
   * listed, nothing is sent. The guard test runs on it, so a broken guard fails the test instead of sending
   * kill(-1) to every process of the machine (signal-guards.test.ts proves the real path, inside a pid namespace).
   */
  defused(t: TestContext): { backend: Backend; delivered(): unknown[] | Promise<unknown[]> };
}

/** The behaviour every process backend must have, proven with real processes. Each backend's test calls this once. */
export function backendConformance(label: string, make: (t: TestContext) => Backend | Promise<Backend>, features: BackendFeatures) {
  const request = (t: TestContext, over: Partial<SpawnRequest> = {}): SpawnRequest => {
    const id = randomBytes(8).toString('hex');
    return { namespace: 'conf', name: 'p', id, command: 'sleep', args: ['60'], cwd: undefined, env: { [MARKER_ENV]: `conf/${id}` }, stdin: 'ignore', dir: tempDir(t), ...over };
  };

  describe(`backend conformance: ${label}`, () => {
    test('reports limits that protect the controller', async (t) => {
      const backend = await make(t);
      // A backend inside an app may learn the app's pid from its first child.
      reaper(t)((await backend.spawn(request(t))).identity.pid);
      const limits = backend.limits();
      assert.equal(limits.selfPid, (await (features.self?.() ?? process)).pid);
      assert.ok(limits.maxPid >= 32768);
    });

    test('spawns a durable child whose identity and marker a probe confirms', async (t) => {
      const backend = await make(t);
      const reap = reaper(t);
      const req = request(t);
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      const [seen] = await backend.probe([spawned.identity.pid]);
      assert.equal(seen?.alive, true);
      assert.deepEqual(seen?.identity, spawned.identity);
      assert.ok(spawned.identity.startTime, 'a start time is part of the identity');
      assert.equal(seen?.marker, `conf/${req.id}`);
      assert.equal(seen?.groupLeader, features.groups, features.groups ? 'a durable child leads its own process group' : 'a child in the app\'s group is never signalled as a group');
    });

    test('probes many pids in one call, dead ones included', async (t) => {
      const backend = await make(t);
      const reap = reaper(t);
      const a = await backend.spawn(request(t));
      const b = await backend.spawn(request(t, { command: 'sh', args: ['-c', 'exit 3'] }));
      reap(a.identity.pid);
      assert.deepEqual(await b.exited, { code: 3, signal: null });
      const seen = await backend.probe([a.identity.pid, b.identity.pid]);
      assert.deepEqual(seen.map((s) => s.alive), [true, false]);
    });

    test('a signal reaches the child (and with groups, its whole group), never the controller', async (t) => {
      const backend = await make(t);
      const reap = reaper(t);
      const req = request(t, { command: 'sh', args: ['-c', 'sleep 60 & echo $!; wait'] });
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      const grandchild = Number(await waitFor('the grandchild pid', async () => (await features.output(backend, spawned)).trim()));
      reap(grandchild);
      assert.ok(isAlive(grandchild));
      await backend.signal(spawned.identity.pid, 'SIGTERM', { group: features.groups });
      await waitFor('the wrapper to end', async () => !(await backend.probe([spawned.identity.pid]))[0]?.alive);
      if (features.groups) {
        assert.deepEqual(await spawned.exited, { code: null, signal: 'SIGTERM' });
        await waitFor('the wrapper\'s child to end with its group', () => !isAlive(grandchild));
      } else {
        // (Its exit event waits for the grandchild to close the inherited stdout, as the real plugin's does.)
        assert.ok(isAlive(grandchild), 'only the pid was signalled');
      }
      assert.ok(isAlive(process.pid));
    });

    test('writes to the stdin it opened, for its record only; a write after the end fails as STDIN_CLOSED', async (t) => {
      const backend = await make(t);
      const reap = reaper(t);
      const req = request(t, { command: 'cat', args: [], stdin: 'fifo' });
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      assert.ok(spawned.stdin);
      // A stale record of another id naming this stdin must neither write to it nor remove it.
      await backend.release?.({ id: 'another-record-id', stdin: spawned.stdin, namespace: req.namespace, dir: req.dir });
      await assert.rejects(Promise.resolve(backend.write(spawned.stdin!, 'not mine\n', 'another-record-id')), (e: unknown) => e instanceof PidkeepError);
      await backend.write(spawned.stdin!, 'hello through stdin\n', req.id);
      await waitFor('cat to echo the line', async () => (await features.output(backend, spawned)).includes('hello through stdin'));
      assert.ok(!(await features.output(backend, spawned)).includes('not mine'));
      await backend.signal(spawned.identity.pid, 'SIGKILL', { group: features.groups });
      await spawned.exited;
      await assert.rejects(Promise.resolve(backend.write(spawned.stdin!, 'late', req.id)), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
    });

    test('refuses to signal pids that must never be signalled, even before it has spawned anything', async (t) => {
      const { backend, delivered } = features.defused(t);
      const self = await (features.self?.() ?? process);
      for (const pid of [0, 1, -1, 2.5, self.pid, self.ppid, 2 ** 40]) {
        for (const group of [false, true]) {
          await assert.rejects(Promise.resolve().then(() => backend.signal(pid, 'SIGTERM', { group })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID', String(pid));
        }
      }
      assert.deepEqual(await delivered(), [], 'nothing reached the operating system');
    });

    test('scans for marked processes of one namespace only', async (t) => {
      const backend = await make(t);
      assert.ok(backend.scan, 'this backend must be able to scan on this platform');
      const reap = reaper(t);
      const mine = await backend.spawn(request(t));
      const theirs = await backend.spawn(request(t, { env: { [MARKER_ENV]: 'confother/0123456789abcdef' } }));
      reap(mine.identity.pid);
      reap(theirs.identity.pid);
      const found = await backend.scan!('conf/');
      assert.ok(found.some((p) => p.pid === mine.identity.pid));
      assert.ok(!found.some((p) => p.pid === theirs.identity.pid));
    });

    test("what a child that failed wrote to its stderr can be quoted: from its log file, or as the backend heard it", async (t) => {
      const backend = await make(t);
      const spawned = await backend.spawn(request(t, { command: 'sh', args: ['-c', 'echo first >&2; echo "no such option: --prot" >&2; exit 3'] }));
      reaper(t)(spawned.identity.pid);
      const ended = spawned.exited ?? waitFor('the child to end', async () => (await backend.probe([spawned.identity.pid]))[0]?.alive === false);
      await ended;
      const quoted = await waitFor('its stderr to be readable', async () => {
        const text = spawned.logs.stderr && backend.tail ? await backend.tail(spawned.logs.stderr, 10) : await backend.recentOutput?.(spawned.identity.pid, 10);
        return text?.includes('no such option') ? text : undefined;
      });
      assert.deepEqual(quoted.trim().split('\n').slice(-2), ['first', 'no such option: --prot'], 'the last lines, in order: what NOT_READY quotes');
    });

    test('a command that does not exist fails the spawn', async (t) => {
      const backend = await make(t);
      await assert.rejects(backend.spawn(request(t, { command: 'pidkeep-no-such-command-xyz' })), /ENOENT|No such file or directory/);
    });

    test('optional: groupDescendants finds a child that cleared its environment in the leader\'s group, with its start time', async (t) => {
      const backend = await make(t);
      if (!backend.groupDescendants) return assert.equal(features.groups, false, 'a backend whose children lead groups looks into them');
      const reap = reaper(t);
      const spawned = await backend.spawn(request(t, { command: 'sh', args: ['-c', 'env -i /bin/sleep 60 & echo $!; exec sleep 60'] }));
      reap(spawned.identity.pid);
      const member = Number(await waitFor('the member pid', async () => (await features.output(backend, spawned)).trim()));
      reap(member);
      const found = await waitFor('the member found', async () => (await backend.groupDescendants!(spawned.identity.pid)).find((m) => m.pid === member));
      const [seen] = await backend.probe([member], { marker: false });
      assert.equal(found.startTime, seen?.identity?.startTime);
    });

    test('optional: lastRunId names the run a start of that name began last, nothing for a name never started', async (t) => {
      const backend = await make(t);
      if (!backend.lastRunId) return;
      const reap = reaper(t);
      const dir = tempDir(t);
      const first = request(t, { dir, name: 'twice' });
      reap((await backend.spawn(first)).identity.pid);
      const second = request(t, { dir, name: 'twice' });
      reap((await backend.spawn(second)).identity.pid);
      assert.equal(await backend.lastRunId({ namespace: 'conf', name: 'twice', dir }), second.id);
      assert.equal(await backend.lastRunId({ namespace: 'conf', name: 'never', dir }), undefined);
    });
  });
}
