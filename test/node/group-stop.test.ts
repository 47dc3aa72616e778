import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, readText, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

// The leader ends at SIGTERM; a member of its group ignores SIGTERM (an ignored signal stays ignored across exec).
const leaderAndDeafMember = (member: string) => ['-c', `(trap "" TERM; exec ${member} sleep 300) & echo $! ; exec sleep 300`];

test('"stopped" means no member of the group is left: a member that outlives its leader is escalated to', async (t) => {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: uniqueNamespace('group'), backend: nodeBackend(), store: fileStore({ dir: tempDir(t) }) });
  t.after(() => pm.close());
  const h = await pm.start('g', { command: 'sh', args: leaderAndDeafMember(''), stop: [{ signal: 'SIGTERM', wait: 3000 }, { signal: 'SIGKILL', wait: 3000 }] });
  reap(h.pid);
  const member = Number(await waitFor('the member pid', () => readText(h.logs.stdout!).trim()));
  reap(member);
  // Handshake: once it runs sleep, its trap was set before the exec.
  await waitFor('the member to run sleep', () => readText(`/proc/${member}/comm`).trim() === 'sleep');
  const result = await h.stop();
  assert.equal(result.outcome, 'stopped');
  assert.equal(result.by, 'SIGKILL', 'the member ignored SIGTERM, so the group took SIGKILL');
  assert.equal(result.forced, true);
  assert.ok(!isAlive(member), 'no member of the group is left');
});

test("members without the record's marker are never signalled as a group: the stop fails and says so", async (t) => {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: uniqueNamespace('group'), backend: nodeBackend(), store: fileStore({ dir: tempDir(t) }) });
  t.after(() => pm.close());
  // `env -i` clears the member's environment, marker included: it can no longer be proven ours.
  const h = await pm.start('g', { command: 'sh', args: leaderAndDeafMember('env -i'), stop: [{ signal: 'SIGTERM', wait: 3000 }, { signal: 'SIGKILL', wait: 3000 }] });
  reap(h.pid);
  const member = Number(await waitFor('the member pid', () => readText(h.logs.stdout!).trim()));
  reap(member);
  await waitFor('the member to run sleep', () => readText(`/proc/${member}/comm`).trim() === 'sleep');
  await assert.rejects(h.stop(), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /group remain, 1 without its pidkeep marker/.test(e.message));
  assert.ok(isAlive(member), 'the unproven member was not killed');
});
