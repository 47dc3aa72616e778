// pm.start(): one name, one process, recorded before anyone can see it unrecorded.
import { freeName, releaseFifo, withLock } from './claim.js';
import { emit, ensureOpen, ownKey, probeOne, type Context } from './context.js';
import { describeError, PidkeepError, withRecord } from './errors.js';
import { MARKER_ENV, markerOf } from './identity.js';
import { checkMeta } from './meta.js';
import { MAX_RECORD_BYTES, newRecordId, parseRecord, serializeRecord, type StoredRecord } from './record.js';
import { stopMarked } from './sweep.js';
import { markExited, track } from './tracked.js';
import { judge } from './identity.js';
import { awaitReady, checkReady, storedReady } from './ready.js';
import type { LogCap, ProcessHandle, ReadyCheck, Spawned, StartOptions } from './types.js';
import { assertName, checkStart, normalizeStopPlan, unsafePidReason } from './validate.js';

/** Room a spawn may add to a record: log and FIFO paths (4 KiB each at most) and the identity. */
const SPAWN_ROOM = 16 * 1024;

/** `logCap`: a restart's, from the run before's record (see SpawnRequest.logCap). */
export async function start<Meta>(ctx: Context<Meta>, name: string, options: StartOptions<Meta>, logCap?: LogCap): Promise<ProcessHandle<Meta>> {
  ensureOpen(ctx);
  assertName(name);
  const spec = checkStart(options);
  const ready = checkReady(ctx, options.ready, name, spec.command);
  const current = ctx.tracked.get(name);
  const busy = () => new PidkeepError('ALREADY_RUNNING', 'a process of this name is already running or starting; stop it first or pick another name', { record: name, pid: current?.record.pid });
  if ((current?.status === 'running' && current.own) || ctx.starting.has(name)) throw busy();
  ctx.starting.add(name);
  try {
    // A process we only watch (adopted, or started by another controller) may have ended since the last poll: look.
    if (current?.status === 'running') {
      const verdict = judge(current.record, await probeOne(ctx, current.record.pid));
      if (verdict.kind !== 'gone' && verdict.kind !== 'reused') throw busy();
      markExited(ctx, current, { code: null, signal: null });
    }
    return await startNamed(ctx, name, spec, options, ready, logCap);
  } finally {
    ctx.starting.delete(name);
  }
}

async function startNamed<Meta>(ctx: Context<Meta>, name: string, spec: ReturnType<typeof checkStart>, options: StartOptions<Meta>, ready: ReadyCheck | false, logCap: LogCap | undefined): Promise<ProcessHandle<Meta>> {
  const { namespace, store, backend, limits } = ctx;
  const meta = await checkMeta(ctx.metaSchema, options.meta, name);
  const steps = options.stop === undefined ? ctx.defaultStop : normalizeStopPlan(options.stop);
  if (steps.some((step) => step.write !== undefined) && spec.stdin !== 'fifo') {
    throw new TypeError("[pidkeep] The stop plan writes to stdin: start the process with `stdin: 'fifo'`");
  }
  const id = newRecordId();
  const marker = markerOf(namespace, ctx.storeId, id);
  const draft: StoredRecord = {
    v: 2,
    id,
    marker,
    namespace,
    name,
    backend: backend.name,
    command: spec.command,
    args: spec.args,
    cwd: spec.cwd ?? null,
    startedAt: Date.now(),
    stdin: spec.stdin === 'fifo' ? '/' : null, // the FIFO's path comes with the spawn
    logs: { stdout: null, stderr: null },
    stop: steps,
    meta: meta.stored,
    // Kept for a restart (undefined, a removal, as null); the marker is added at the spawn, never kept.
    ...(Object.keys(spec.env).length > 0 ? { env: Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, v ?? null])) } : {}),
    ready: storedReady(ready),
    pid: 2,
    bootId: '',
    startTime: '',
    comm: '',
    ...(limits.pidNamespace !== undefined ? { pidns: limits.pidNamespace } : {}),
  };
  const key = ownKey(ctx, name);
  // Whatever the reader would reject is refused before anything runs: a record that cannot be read back would
  // set its process aside. The spawn adds only short fields: three paths and the identity (SPAWN_ROOM).
  const draftText = serializeRecord(draft);
  const check = parseRecord(draftText, key, namespace, limits);
  const reason = check.kind === 'corrupt' ? check.reason : draftText.length > MAX_RECORD_BYTES / 3 && new TextEncoder().encode(draftText).length + SPAWN_ROOM > MAX_RECORD_BYTES ? `it would be over ${MAX_RECORD_BYTES} bytes` : undefined;
  if (reason) throw new TypeError(`[pidkeep] The record for "${name}" would not be readable (${reason}): keep command, args, cwd and meta smaller`);

  const env: Record<string, string | undefined> = { ...spec.env, [MARKER_ENV]: marker };
  // The lock is held from before the spawn until the record is written: a sweep (which takes the same lock) never
  // sees this child unrecorded, and no other controller starts this name meanwhile.
  const { record, text, spawned } = await withLock(store, namespace, async () => {
    await freeName({ namespace, store, backend, limits, probeOne: (pid) => probeOne(ctx, pid) }, name, key);
    let spawned: Spawned;
    try {
      spawned = await backend.spawn({ namespace, name, id, command: spec.command, args: spec.args, cwd: spec.cwd, env, stdin: spec.stdin, dir: store.location?.(namespace), ...(logCap ? { logCap } : {}) });
    } catch (error) {
      if (error instanceof PidkeepError) throw withRecord(error, name);
      throw new PidkeepError('SPAWN_FAILED', `could not start \`${spec.command}\` (${describeError(error)}); check that the command exists, is executable and that cwd exists`, { record: name, cause: error });
    }
    const { identity } = spawned;
    const record: StoredRecord = { ...draft, startedAt: Date.now(), stdin: spawned.stdin, logs: spawned.logs, ...(spawned.logCap ? { logCap: spawned.logCap } : {}), pid: identity.pid, bootId: identity.bootId, startTime: identity.startTime, comm: identity.comm };
    const text = serializeRecord(record);
    try {
      await store.put(namespace, key, text);
    } catch (error) {
      // Unrecorded, nobody could find this process again: end it now, still under the lock, after proving once
      // more that the pid is still the child we just spawned, and say what really happened.
      const fate = await endUnrecorded(ctx, marker, spawned, name);
      if (spawned.stdin) await releaseFifo(backend, store, namespace, id, spawned.stdin);
      const code = error instanceof PidkeepError ? error.code : 'STORE_FAILED';
      const what = error instanceof PidkeepError ? error.reason : `the record could not be written (${describeError(error)}); check the store (disk space, permissions)`;
      throw new PidkeepError(code, `${what}; ${fate}`, { record: name, pid: identity.pid, cause: error instanceof PidkeepError ? (error.cause ?? error) : error });
    }
    return { record, text, spawned };
  }, name);
  // The handle shows the validated meta (the schema's output); the record keeps what was given.
  if (ready !== false && 'until' in ready) ctx.untilChecks.set(name, { id, check: ready });
  else ctx.untilChecks.delete(name);
  const t = track(ctx, { ...record, meta: meta.value }, text, spawned.exited !== undefined, { exit: spawned.exited, unref: spawned.unref?.bind(spawned), startedHere: true });
  ctx.keepAlive(); // a child with no exit event is watched by the poll from now on
  if (ctx.closed) t.unref?.(); // closed while starting: this child must not hold the controller open
  else emit(ctx, { type: 'started', name, pid: record.pid });
  await awaitReady(ctx, t, ready);
  return t.handle as ProcessHandle<Meta>;
}

/**
 * Ends a child whose record could not be written, as a sweep would end it (its marker and start time proven before
 * the signal); returns what happened to it, for the error.
 */
async function endUnrecorded<Meta>(ctx: Context<Meta>, marker: string, spawned: Spawned, name: string): Promise<string> {
  const { identity } = spawned;
  const unsafe = unsafePidReason(identity.pid, ctx.limits);
  if (unsafe) return `the process just started for it was left running: refusing to signal it (${unsafe})`;
  try {
    const result = await stopMarked(ctx.backend, { pid: identity.pid, marker, identity, groupLeader: false }, [{ signal: 'SIGKILL', wait: 2000 }], name);
    return result.outcome === 'already-exited' ? 'the process just started for it has already ended' : 'the process just started for it was stopped';
  } catch (error) {
    return `the process just started for it (pid ${identity.pid}) could not be stopped (${describeError(error)}): stop it by hand, or run sweep()`;
  }
}
