// What a new controller does with the live processes earlier ones left: adopt them, or stop them (onOrphan).
import { emit, type Context, type Tracked } from './context.js';
import { describeError, PidkeepError } from './errors.js';
import { reconcile, type Found } from './reconcile.js';
import { describeStop } from './stop.js';
import { stopTracked, track } from './tracked.js';
import type { RecoveryEntry } from './types.js';
import { show } from './validate.js';

/** Reconciles the store, then applies the orphan policy to every live process found; returns `pm.recovery`. */
export async function recover<Meta>(ctx: Context<Meta>): Promise<RecoveryEntry[]> {
  const { namespace, store, backend, limits, metaSchema } = ctx;
  const recovery: RecoveryEntry[] = [];
  let found: Found[];
  try {
    ({ found, presence: ctx.presence } = await reconcile({ namespace, store, backend, limits, metaSchema, otherPidNamespaces: ctx.otherPidNamespaces }, recovery));
  } catch (error) {
    if (error instanceof PidkeepError) throw error;
    throw new PidkeepError('STORE_FAILED', `could not reconcile the records of namespace "${namespace}" in the ${store.name} store (${describeError(error)}); check that it is readable`, { cause: error });
  }
  // Policies run side by side: several orphans to stop take as long as the slowest, not the sum. Plain adoption
  // (the default) needs no turn of the event loop per process.
  if (ctx.onOrphan === 'adopt') for (const item of found) adopt(ctx, item, recovery, '');
  else await Promise.all(found.map((item) => apply(ctx, item, recovery)));
  for (const { name, pid, status, detail } of recovery) emit(ctx, { type: 'recovered', name, pid, status, detail });
  return recovery;
}

async function apply<Meta>(ctx: Context<Meta>, item: Found, recovery: RecoveryEntry[]): Promise<void> {
  const { name, pid, command, args, startedAt, meta } = item.record;
  const t = track(ctx, item.record, item.text, false, { metaError: item.metaError });
  const { onOrphan } = ctx;
  let policy: unknown = onOrphan;
  let note = '';
  const alone = ctx.presence ? ctx.presence.alone : true;
  if (typeof onOrphan === 'function') {
    try {
      policy = await onOrphan({ name, pid, command, args, startedAt, meta: meta as Meta }, { alone });
    } catch (error) {
      note = ` (onOrphan threw: ${describeError(error)}; adopted instead)`;
      policy = 'adopt';
    }
    if (policy !== 'adopt' && policy !== 'stop') {
      note = ` (onOrphan returned ${show(policy)}, not 'adopt' or 'stop'; adopted instead)`;
      policy = 'adopt';
    }
  }
  if (policy === 'stop' && alone === false && typeof onOrphan !== 'function') {
    note = ' (another manager of this namespace is open on this store, so its processes are not orphans: adopted instead of stopped)';
  } else if (policy === 'stop' && alone === undefined && typeof onOrphan !== 'function') {
    note = ` (the store cannot tell whether another manager of this namespace is open: ${ctx.presence?.reason ?? 'no reason given'}; adopted instead of stopped)`;
  } else if (policy === 'stop') {
    try {
      const result = await stopTracked(ctx, t);
      recovery.push({ name, pid, status: 'stopped', detail: describeStop(result), stop: result });
      return;
    } catch (error) {
      note = ` (could not stop it: ${describeError(error)}; adopted instead)`;
    }
  }
  adopt(ctx, item, recovery, note, t);
}

function adopt<Meta>(ctx: Context<Meta>, item: Found, recovery: RecoveryEntry[], note: string, tracked?: Tracked): void {
  const { name, pid } = item.record;
  if (!tracked) track(ctx, item.record, item.text, false, { metaError: item.metaError });
  const metaNote = item.metaError ? ` (its meta does not match the schema: ${item.metaError}; handle.meta is undefined)` : '';
  recovery.push({ name, pid, status: 'adopted', detail: `${ADOPTED}${note}${metaNote}` });
  emit(ctx, { type: 'adopted', name, pid });
}

const ADOPTED = 'alive and the same process (boot id, pid, start time, command; its marker is confirmed before any signal); adopted';
