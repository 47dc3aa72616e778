import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, outputIn, readText, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/**
 * A managed group: the leader ends at SIGTERM; a member ignores SIGTERM (an ignored signal stays ignored across
 * exec), run through `wrap` (e.g. `env -i`). Resolves once the member runs sleep, so its trap is set.
 */
async function groupWithDeafMember(t: TestContext, wrap: string) {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: uniqueNamespace('group'), backend: nodeBackend(), store: fileStore({ dir: tempDir(t) }) });
  t.after(() => pm.close());
  const handle = await pm.start('g', { command: 'sh', args: ['-c', `(trap "" TERM; exec ${wrap} sleep 300) & echo $! ; exec sleep 300`], stop: [{ signal: 'SIGTERM', wait: 3000 }, { signal: 'SIGKILL', wait: 3000 }] });
  reap(handle.pid);
  const member = Number(await waitFor('the member pid', () => outputIn(handle.logs.stdout!).trim()));
  reap(member);
  await waitFor('the member to run sleep', () => readText(`/proc/${member}/comm`).trim() === 'sleep');
  return { handle, member };
}

test('"stopped" means no member of the group is left: a member that outlives its leader is escalated to', async (t) => {
  const { handle, member } = await groupWithDeafMember(t, '');
  const result = await handle.stop();
  assert.equal(result.outcome, 'stopped');
  assert.equal(result.by, 'SIGKILL', 'the member ignored SIGTERM, so the group took SIGKILL');
  assert.equal(result.forced, true);
  assert.ok(!isAlive(member), 'no member of the group is left');
});

test('one rule, leader alive or not: an unmarked member seen in the group while its leader lived is proven, and the group is escalated to', async (t) => {
  // `env -i` clears the member's environment, marker included; it was in the group before the first signal, while
  // the leader (the session leader pidkeep started) was proven alive: only its descendants can be there.
  const { handle, member } = await groupWithDeafMember(t, 'env -i');
  const result = await handle.stop();
  assert.equal(result.by, 'SIGKILL', 'the member ignored SIGTERM and outlived its leader; the group took SIGKILL');
  assert.ok(!isAlive(member), 'no member of the group is left');
});

test('an unmarked member that joins after the look, and outlives its leader, is never signalled: the stop fails and says so', async (t) => {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: uniqueNamespace('group'), backend: nodeBackend(), store: fileStore({ dir: tempDir(t) }) });
  t.after(() => pm.close());
  // At SIGTERM the leader starts a member with a cleared environment that ignores SIGTERM, says its pid, and exits.
  const script = `trap '(trap "" TERM; exec env -i sleep 300) & echo $!; exit 0' TERM; echo ready; while :; do sleep 0.05; done`;
  const handle = await pm.start('g', { command: 'sh', args: ['-c', script], stop: [{ signal: 'SIGTERM', wait: 3000 }, { signal: 'SIGKILL', wait: 3000 }] });
  reap(handle.pid);
  await waitFor('the leader to set its trap', () => outputIn(handle.logs.stdout!).includes('ready'));
  await assert.rejects(handle.stop(), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /group remain, 1 without its pidkeep marker and not seen in its group while it ran/.test(e.message));
  const member = Number(outputIn(handle.logs.stdout!).split('\n').find((line) => /^\d+$/.test(line)));
  reap(member);
  assert.ok(isAlive(member), 'the unproven member was not killed');
});
