import { PidkeepError } from './errors.js';
import { judge } from './identity.js';
import { MAX_RECORD_BYTES, parseRecord } from './record.js';
import { pollUntil, runStopPlan } from './stop.js';
import type { Backend, PidLimits, Store, SweepEntry, SweepOptions } from './types.js';
import { DEFAULT_STOP_PLAN, normalizeStopPlan, show, unsafePidReason } from './validate.js';

/** Sweeps spare younger processes: a start records its process within milliseconds of spawning it. */
const SWEEP_MIN_AGE_MS = 2000;

export interface SweepContext {
  namespace: string;
  store: Store;
  backend: Backend;
  limits: PidLimits;
  /** Record ids the calling manager tracks. */
  tracking: readonly string[];
}

/** Stops processes that carry the namespace's marker but that no record (nor quarantined record) knows. */
export async function sweepUnrecorded(ctx: SweepContext, options: SweepOptions = {}): Promise<SweepEntry[]> {
  const { namespace, store, backend, limits } = ctx;
  if (!backend.scan) throw new PidkeepError('UNSUPPORTED', `the ${backend.name} backend cannot scan for processes on this platform, so it cannot sweep`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`[pidkeep] Expected sweep options { stop?, minAge? }, got ${show(options)}`);
  const steps = normalizeStopPlan(options.stop ?? DEFAULT_STOP_PLAN);
  if (steps.some((step) => step.write !== undefined)) throw new TypeError('[pidkeep] A sweep plan cannot write to stdin: unrecorded processes have no known FIFO');
  const minAge = options.minAge ?? SWEEP_MIN_AGE_MS;
  if (!Number.isInteger(minAge) || minAge < 0) throw new TypeError(`[pidkeep] Expected \`minAge\` to be a non-negative integer of ms, got ${show(minAge)}`);
  // Scan first, then read the store: a process recorded by the time of the listing is then always known.
  const marked = await backend.scan(`${namespace}/`);
  const known = new Set<string>(ctx.tracking);
  for (const entry of await store.list(namespace)) {
    if (entry.text === undefined) continue;
    const parsed = parseRecord(entry.text, entry.key, namespace, limits);
    if (parsed.kind === 'ok') known.add(parsed.record.id);
    else for (const id of idsIn(entry.text)) known.add(id);
  }
  // A corrupt record is never acted on: nor is the process it may describe. Its ids are read without trusting it.
  for (const text of await store.listQuarantined(namespace)) for (const id of idsIn(text)) known.add(id);

  const probeOne = async (pid: number) => (await backend.probe([pid]))[0];
  const swept: SweepEntry[] = [];
  for (const found of marked) {
    const id = found.marker.slice(namespace.length + 1);
    // An age that could not be read (NaN) counts as young: a fresh child of another controller is never swept.
    if (known.has(id) || unsafePidReason(found.pid, limits) || !((found.ageMs ?? Infinity) >= minAge)) continue;
    const expected = { ...found.identity, marker: found.marker };
    const result = await runStopPlan({
      name: `(unrecorded ${found.identity.comm})`,
      pid: found.pid,
      steps,
      verify: async () => judge(expected, await probeOne(found.pid)),
      signal: async (signal, group) => backend.signal(found.pid, signal, { group }),
      write: async () => undefined,
      waitForEnd: (ms) => pollUntil(async () => judge(expected, await probeOne(found.pid)).kind !== 'same', ms),
      exit: async () => ({ code: null, signal: null }),
    });
    swept.push({ pid: found.pid, marker: found.marker, comm: found.identity.comm, result });
  }
  return swept;
}

/** Every id-looking value in a text we cannot parse: enough to spare its process, never to act on it. */
function idsIn(text: string): string[] {
  return [...text.slice(0, MAX_RECORD_BYTES).matchAll(/"id"\s*:\s*"([0-9a-f]{16,64})"/g)].map((m) => m[1]!);
}
