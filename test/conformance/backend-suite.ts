import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { MARKER_ENV } from '../../src/identity.js';
import type { Backend, SpawnRequest } from '../../src/types.js';
import { isAlive, readText, reaper, tempDir, waitFor } from '../helpers/index.js';

/** The behaviour every process backend must have, proven with real processes. Each backend's test calls this once. */
export function backendConformance(label: string, make: (t: TestContext) => Backend) {
  const request = (t: TestContext, over: Partial<SpawnRequest> = {}): SpawnRequest => {
    const id = randomBytes(8).toString('hex');
    return { namespace: 'conf', name: 'p', id, command: 'sleep', args: ['60'], cwd: undefined, env: { [MARKER_ENV]: `conf/${id}` }, stdin: 'ignore', dir: tempDir(t), ...over };
  };

  describe(`backend conformance: ${label}`, () => {
    test('reports limits that protect the controller', (t) => {
      const limits = make(t).limits();
      assert.equal(limits.selfPid, process.pid);
      assert.equal(limits.parentPid, process.ppid);
      assert.ok(limits.maxPid >= 32768);
    });

    test('spawns a durable child whose identity, marker and group a probe confirms', async (t) => {
      const backend = make(t);
      const reap = reaper(t);
      const req = request(t);
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      const [seen] = await backend.probe([spawned.identity.pid]);
      assert.equal(seen?.alive, true);
      assert.deepEqual(seen?.identity, spawned.identity);
      assert.equal(seen?.marker, `conf/${req.id}`);
      assert.equal(seen?.groupLeader, true, 'a durable child leads its own process group');
      assert.ok(spawned.logs.stdout && spawned.logs.stderr, 'output goes to log files');
    });

    test('probes many pids in one call, dead ones included', async (t) => {
      const backend = make(t);
      const reap = reaper(t);
      const a = await backend.spawn(request(t));
      const b = await backend.spawn(request(t, { command: 'sh', args: ['-c', 'exit 3'] }));
      reap(a.identity.pid);
      assert.deepEqual(await b.exited, { code: 3, signal: null });
      const seen = await backend.probe([a.identity.pid, b.identity.pid]);
      assert.deepEqual(seen.map((s) => s.alive), [true, false]);
    });

    test('signals the whole group: a shell wrapper and its children end together', async (t) => {
      const backend = make(t);
      const reap = reaper(t);
      const req = request(t, { command: 'sh', args: ['-c', 'sleep 60 & echo $!; wait'] });
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      const grandchild = Number(await waitFor('the grandchild pid', () => readText(spawned.logs.stdout!).trim()));
      reap(grandchild);
      assert.ok(isAlive(grandchild));
      await backend.signal(spawned.identity.pid, 'SIGTERM', { group: true });
      await waitFor('the wrapper and its child to end', () => !isAlive(spawned.identity.pid) && !isAlive(grandchild));
    });

    test('writes to a stdin FIFO, and refuses to write anywhere else', async (t) => {
      const backend = make(t);
      const reap = reaper(t);
      const req = request(t, { command: 'cat', args: [], stdin: 'fifo' });
      const spawned = await backend.spawn(req);
      reap(spawned.identity.pid);
      assert.ok(spawned.stdin);
      // A stale record of another id naming this FIFO must not remove it.
      await backend.release?.({ id: 'another-record-id', stdin: spawned.stdin });
      await backend.write(spawned.stdin!, 'hello through the fifo\n', req.id);
      await waitFor('cat to echo the line', () => readText(spawned.logs.stdout!).includes('hello through the fifo'));
      const file = join(tempDir(t), 'plain.txt');
      writeFileSync(file, 'untouched');
      await assert.rejects(Promise.resolve(backend.write(file, 'x', req.id)), (e: unknown) => e instanceof PidkeepError);
      await assert.rejects(Promise.resolve(backend.write(join(tempDir(t), `${req.id}.stdin`), 'x', req.id)), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
      assert.equal(readText(file), 'untouched');
      await backend.signal(spawned.identity.pid, 'SIGKILL', { group: true });
      await spawned.exited;
      await assert.rejects(Promise.resolve(backend.write(spawned.stdin!, 'late', req.id)), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
    });

    test('refuses to signal pids that must never be signalled', async (t) => {
      const backend = make(t);
      for (const pid of [0, 1, -1, 2.5, process.pid, process.ppid, 2 ** 40]) {
        await assert.rejects(Promise.resolve().then(() => backend.signal(pid, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID', String(pid));
      }
    });

    test('scans for marked processes of one namespace only', async (t) => {
      const backend = make(t);
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

    test('a command that does not exist fails the spawn', async (t) => {
      const backend = make(t);
      await assert.rejects(backend.spawn(request(t, { command: 'pidkeep-no-such-command-xyz' })), /ENOENT/);
    });
  });
}
