import { PidkeepError } from './errors.js';
import { judge, markerOf } from './identity.js';
import { parseRecord } from './record.js';
import { delay } from './stop.js';
import type { PidLimits, ProbeResult, Store } from './types.js';

/** What claiming a name needs: the store, and a way to look at one pid. */
export interface NameContext {
  namespace: string;
  store: Store;
  limits: PidLimits;
  probeOne(pid: number): Promise<ProbeResult | undefined>;
}

/** Throws when the stored record `text` holds the name: its process runs, or a newer pidkeep wrote it. */
export async function assertFree(ctx: NameContext, name: string, text: string): Promise<void> {
  const parsed = parseRecord(text, name, ctx.namespace, ctx.limits);
  if (parsed.kind === 'future') {
    throw new PidkeepError('RECORD_UNREADABLE', `a record from a newer pidkeep (version ${parsed.version}) holds this name; use that version or pick another name`, { record: name, pid: parsed.pid ?? undefined });
  }
  if (parsed.kind === 'corrupt') return;
  const other = parsed.record;
  const verdict = judge({ ...other, marker: markerOf(ctx.namespace, other.id) }, await ctx.probeOne(other.pid));
  if (verdict.kind === 'same' || verdict.kind === 'unverifiable') {
    throw new PidkeepError('ALREADY_RUNNING', `already running under another controller; stop it first (pidkeep stop ${name}) or pick another name`, { record: name, pid: other.pid });
  }
}

/**
 * Writes the record only if the name is free: of two controllers starting one name at once, exactly one wins.
 * A stale record (its process ended, or unreadable) is moved out of the way first.
 */
export async function claimName(ctx: NameContext, name: string, text: string): Promise<void> {
  const { namespace, store } = ctx;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await store.create(namespace, name, text)) return;
    const existing = await store.get(namespace, name);
    if (existing === undefined) {
      // Removed meanwhile, or another controller is writing it this instant: look again shortly.
      await delay(5 * (attempt + 1));
      continue;
    }
    await assertFree(ctx, name, existing);
    const parsed = parseRecord(existing, name, namespace, ctx.limits);
    if (parsed.kind === 'corrupt') await store.quarantine(namespace, name, parsed.reason);
    else await store.remove(namespace, name, existing);
  }
  throw new PidkeepError('ALREADY_RUNNING', 'another controller keeps writing a record of this name; wait for it or pick another name', { record: name });
}
