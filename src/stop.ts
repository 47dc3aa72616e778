import { PidkeepError } from './errors.js';
import type { Verdict } from './identity.js';
import type { ExitInfo, GroupMember, SignalName, StopResult, StopStep } from './types.js';

export interface StopContext {
  name: string;
  pid: number;
  steps: readonly StopStep[];
  /** Proves identity again; called before every step, so no signal reaches a pid that changed hands. */
  verify(): Promise<Verdict>;
  signal(signal: SignalName, group: boolean): Promise<void>;
  write(data: string): Promise<void>;
  /** Resolves true once the process is seen gone, false after `ms`. */
  waitForEnd(ms: number): Promise<boolean>;
  exit(): Promise<ExitInfo>;
  /**
   * The members of the process's group: in all, how many are proven (carry its marker, or are one of `proven`), and
   * who they are. Without it, a leader's end is the end.
   */
  groupLeft?(proven?: readonly GroupMember[]): Promise<{ total: number; marked: number }>;
  /** The members of the group it leads, among its descendants, while it lives (see Backend.groupDescendants). */
  groupLook?(): Promise<GroupMember[]>;
}

const label = (step: StopStep) => (step.write !== undefined ? `write ${JSON.stringify(step.write)}` : step.signal);

/** Runs a stop plan step by step and says which step ended the process. */
export async function runStopPlan(ctx: StopContext): Promise<StopResult> {
  const started = Date.now();
  const result = async (step: number | null): Promise<StopResult> => {
    const done = step === null ? undefined : ctx.steps[step];
    return {
      name: ctx.name,
      pid: ctx.pid,
      outcome: step === null ? 'already-exited' : 'stopped',
      step,
      by: done ? label(done) : null,
      forced: done?.signal === 'SIGKILL',
      exit: await ctx.exit(),
      durationMs: Date.now() - started,
    };
  };
  // The last step that reached the process: a skipped one (not deliverable) never gets the credit for an end.
  let delivered: number | null = null;
  // "Stopped" means no member of its process group is left. One rule, leader alive or not: a signal reaches the
  // group only while every member is proven the process's own. A member is proven by the record's marker
  // (children inherit it), or by having been found in the group among the leader's descendants, pid and start
  // time, while the leader was proven alive both before and after that look. Once the leader is gone nothing
  // proves that the pgid still names that group: members seen before, or marked, are proven; any other (an `env -i`
  // child started after the look) stops the group signal and fails the stop.
  let leader = false;
  const proven: GroupMember[] = [];
  let looked = false;
  const groupLeft = async () => (leader && ctx.groupLeft ? ctx.groupLeft(proven) : { total: 0, marked: 0 });
  const ended = async (ms: number) => {
    const deadline = Date.now() + ms;
    if (!(await ctx.waitForEnd(ms))) return false;
    return pollUntil(async () => (await groupLeft()).total === 0, Math.max(0, deadline - Date.now()), 20);
  };
  for (const [index, step] of ctx.steps.entries()) {
    let verdict = await ctx.verify();
    if (verdict.kind === 'same') leader ||= verdict.groupLeader;
    // Before the first signal, while the leader lives: who else is in its group. The look counts only if the
    // leader is proven the same process after it too; a look that finds nobody (most processes) needs no second one.
    if (!looked && step.signal !== undefined && ctx.groupLook && verdict.kind === 'same' && verdict.groupLeader) {
      looked = true;
      const seen = (await ctx.groupLook()).filter((member) => member.pid !== ctx.pid);
      if (seen.length > 0) {
        verdict = await ctx.verify();
        if (verdict.kind === 'same') proven.push(...seen);
      }
    }
    let groupOnly = false;
    // Gone or reused both mean the process we knew has ended; the last step delivered did it (none: on its own).
    if (verdict.kind === 'gone' || verdict.kind === 'reused') {
      const left = await groupLeft();
      if (left.total === 0) return result(delivered);
      if (left.marked < left.total) {
        throw new PidkeepError('STOP_FAILED', `it ended, but ${left.total} process${left.total === 1 ? '' : 'es'} of its group remain, ${left.total - left.marked} without its pidkeep marker and not seen in its group while it ran, so the group is not signalled: check them with \`ps -g ${ctx.pid} -o pid,lstart,args\``, {
          record: ctx.name,
          pid: ctx.pid,
        });
      }
      groupOnly = true;
    }
    if (verdict.kind === 'unverifiable') {
      throw new PidkeepError('STOP_FAILED', `cannot prove the process is still ours (${verdict.reason}); nothing was signalled: check it with \`ps -p ${ctx.pid} -o pid,lstart,args\` and stop it by hand if it is yours`, {
        record: ctx.name,
        pid: ctx.pid,
      });
    }
    if (step.write !== undefined) {
      if (groupOnly) continue; // its stdin died with it
      try {
        await ctx.write(step.write);
        delivered = index;
      } catch (error) {
        // A closed stdin means nothing was delivered (nobody reads it, or it belonged to an ended app run):
        // go straight on to the next step rather than fail the stop or wait for an effect that cannot come.
        if (!(error instanceof PidkeepError && error.code === 'STDIN_CLOSED')) throw error;
        continue;
      }
    } else {
      try {
        await ctx.signal(step.signal, groupOnly || (verdict.kind === 'same' && verdict.groupLeader));
        delivered = index;
      } catch (error) {
        // A backend that cannot send this signal (e.g. Tauri's plugin kills only with SIGKILL) lets the plan go
        // on to a harder step; when none is left, the stop fails with the backend's reason.
        if (!(error instanceof PidkeepError && error.code === 'UNSUPPORTED') || index === ctx.steps.length - 1) throw error;
        continue;
      }
    }
    if (await ended(step.wait ?? 2000)) return result(index);
  }
  throw new PidkeepError('STOP_FAILED', (await groupLeft()).total > 0 ? 'members of its process group are still alive after SIGKILL; they may be stuck in the kernel (state D): check them with `ps -g ' + ctx.pid + '`' : 'the process is still alive after SIGKILL; it may be stuck in the kernel (state D): check it with `ps`', {
    record: ctx.name,
    pid: ctx.pid,
  });
}

/** A sentence for people: which step ended it, how long it took, how it exited. */
export function describeStop(result: StopResult): string {
  if (result.outcome === 'already-exited') return 'it had already ended';
  const exit = result.exit.code !== null ? `exit code ${result.exit.code}` : result.exit.signal ? `signal ${result.exit.signal}` : 'exit code unknown (adopted)';
  return `stopped by step ${result.step} (${result.by}) after ${result.durationMs} ms, ${exit}${result.forced ? '; it had to be killed' : ''}${result.recordError ? `; ${result.recordError}` : ''}`;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks until `done()` says true (then true) or `ms` have passed (then false). Most ends come within a few ms of a
 * signal, so it looks again after 1 ms, then backs off, doubling, to every `every` ms.
 */
export async function pollUntil(done: () => Promise<boolean>, ms: number, every = 50): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let pause = Math.min(1, every); ; pause = Math.min(pause * 2, every)) {
    if (await done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await delay(Math.min(pause, left));
  }
}
