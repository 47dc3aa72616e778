// The stop plan runner alone, with a scripted process: which step gets the credit for an end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { runStopPlan, type StopContext } from '../../src/stop.js';
import type { StopStep } from '../../src/types.js';

/** A process that ends when `endsOn` is delivered (or on its own before step `diesBefore`); some steps cannot be delivered. */
function scripted(steps: StopStep[], script: { undeliverable: number[]; endsOn?: number; diesBefore?: number }) {
  let alive = true;
  let step = -1;
  const sent: string[] = [];
  const waited: number[] = [];
  const ctx: StopContext = {
    name: 'p',
    pid: 4242,
    steps,
    verify: async () => {
      step++;
      if (step === script.diesBefore) alive = false;
      return alive ? { kind: 'same', groupLeader: false } : { kind: 'gone', reason: 'gone' };
    },
    signal: async (signal) => {
      if (script.undeliverable.includes(step)) throw new PidkeepError('UNSUPPORTED', `cannot send ${signal}`);
      sent.push(signal);
      if (step === script.endsOn) alive = false;
    },
    write: async (data) => {
      if (script.undeliverable.includes(step)) throw new PidkeepError('STDIN_CLOSED', 'closed');
      sent.push(`write ${data}`);
      if (step === script.endsOn) alive = false;
    },
    waitForEnd: async () => (waited.push(step), !alive),
    exit: async () => ({ code: null, signal: null }),
  };
  return { ctx, sent, waited };
}

test('an undeliverable step is skipped without waiting, and the step that ended the process gets the credit', async () => {
  const { ctx, sent, waited } = scripted([{ write: 'q', wait: 60_000 }, { signal: 'SIGTERM', wait: 60_000 }, { signal: 'SIGKILL' }], { undeliverable: [0], endsOn: 1 });
  const result = await runStopPlan(ctx);
  assert.deepEqual([result.outcome, result.step, result.by], ['stopped', 1, 'SIGTERM']);
  assert.deepEqual(sent, ['SIGTERM']);
  assert.deepEqual(waited, [1], 'no wait after the step that could not be delivered');
});

test('a process that ends on its own after a skipped step is not credited to that step', async () => {
  const { ctx, sent } = scripted([{ signal: 'SIGTERM', wait: 10 }, { signal: 'SIGKILL' }], { undeliverable: [0], diesBefore: 1 });
  const result = await runStopPlan(ctx);
  assert.deepEqual([result.outcome, result.step, result.by], ['already-exited', null, null]);
  assert.deepEqual(sent, []);
});

test('the last step undeliverable fails the stop with the backend\'s reason', async () => {
  const { ctx } = scripted([{ signal: 'SIGKILL' }], { undeliverable: [0] });
  await assert.rejects(runStopPlan(ctx), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /cannot send SIGKILL/.test(e.message));
});

test('a group look counts only when the leader is proven the same after it: a leader gone meanwhile proves no member', async () => {
  // The leader is seen alive before the look, found gone right after it; one unmarked member is left in its group.
  const verdicts = [{ kind: 'same', groupLeader: true }, { kind: 'gone', reason: 'ended during the look' }] as const;
  let looks = 0;
  const provenAsked: number[] = [];
  const sent: string[] = [];
  const ctx: StopContext = {
    name: 'p',
    pid: 4242,
    steps: [{ signal: 'SIGTERM', wait: 10 }, { signal: 'SIGKILL', wait: 10 }],
    verify: async () => verdicts[Math.min(looks++, 1)]!,
    signal: async (signal) => void sent.push(signal),
    write: async () => undefined,
    waitForEnd: async () => true,
    exit: async () => ({ code: null, signal: null }),
    groupLook: async () => [{ pid: 5000, startTime: '77' }],
    // The member is unmarked: proven only if it is in `proven`.
    groupLeft: async (proven = []) => (provenAsked.push(proven.length), { total: 1, marked: proven.some((m) => m.pid === 5000) ? 1 : 0 }),
  };
  await assert.rejects(runStopPlan(ctx), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /not seen in its group/.test(e.message));
  assert.deepEqual(sent, [], 'nothing was signalled');
});
