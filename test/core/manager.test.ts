import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import * as v from 'valibot';
import { createProcessManager, memoryStore, PidkeepError, type Backend, type ManagerEvent } from '../../src/index.js';
import { nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, liveRecords, onTeardown, readText, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/** One namespace per test: scans and counts then see only this test's processes. */
const namespaces = new WeakMap<TestContext, string>();
const nsOf = (t: TestContext) => namespaces.get(t) ?? (namespaces.set(t, uniqueNamespace('mgr')), namespaces.get(t)!);

/** A real node backend that counts its spawns, to prove when nothing (or one thing) was spawned. */
function counting(t: TestContext) {
  const inner = nodeBackend({ dir: tempDir(t) });
  let spawns = 0;
  const backend: Backend = { ...inner, spawn: (request) => (spawns++, inner.spawn(request)) };
  return { backend, spawns: () => spawns };
}

async function manager(t: TestContext, options: Partial<Parameters<typeof createProcessManager>[0]> = {}) {
  const reap = reaper(t);
  const pm = await createProcessManager({ namespace: nsOf(t), backend: nodeBackend({ dir: tempDir(t) }), store: memoryStore(), pollInterval: 50, ...options });
  // Every process this manager knows, and anything carrying the test's marker, is force-killed in teardown.
  onTeardown(t, async () => {
    for (const h of pm.list()) reap(h.pid);
    for (const p of await nodeBackend().scan!(`${nsOf(t)}/`)) reap(p.pid);
    await pm.close();
  });
  pm.subscribe((e) => e.pid !== null && reap(e.pid));
  return pm;
}

const codeOf = (code: string) => (error: unknown) => error instanceof PidkeepError && error.code === code;

describe('process manager', () => {
  test('starts, lists, gets and stops named processes, and tells every change', async (t) => {
    const pm = await manager(t);
    const events: ManagerEvent[] = [];
    pm.subscribe((e) => events.push(e));
    const a = await pm.start('a', { command: 'sleep', args: ['60'], meta: { purpose: 'test' } });
    const b = await pm.start('b', { command: 'sleep', args: ['60'] });
    assert.deepEqual(pm.list().map((h) => h.name), ['a', 'b']);
    assert.equal(pm.get('a'), a);
    assert.equal(pm.get('nope'), undefined);
    assert.deepEqual(a.meta, { purpose: 'test' });
    assert.equal(a.status, 'running');
    assert.equal(a.adopted, false);
    assert.ok(isAlive(a.pid) && isAlive(b.pid));
    const result = await pm.stop('a');
    assert.equal(result.outcome, 'stopped');
    assert.equal(result.by, 'SIGTERM');
    assert.equal(result.step, 0);
    assert.deepEqual(await a.exited, { code: null, signal: 'SIGTERM' });
    assert.equal(a.status, 'exited');
    assert.deepEqual(pm.list().map((h) => h.name), ['b']);
    assert.deepEqual(events.map((e) => `${e.type}:${e.name}`), ['started:a', 'started:b', 'stopping:a', 'exited:a', 'stopped:a']);
  });

  test('a process that ends on its own is reported, with its exit code, and its record kept only as a trace', async (t) => {
    const store = memoryStore();
    const pm = await manager(t, { store });
    const events: ManagerEvent[] = [];
    pm.subscribe((e) => events.push(e));
    const h = await pm.start('quick', { command: 'sh', args: ['-c', 'sleep 0.2; exit 3'] });
    assert.deepEqual(await h.exited, { code: 3, signal: null });
    assert.ok(events.some((e) => e.type === 'exited' && e.name === 'quick'));
    await waitFor('the record to be marked ended', async () => (await liveRecords(store, nsOf(t))).length === 0);
    assert.deepEqual((await pm.lastExit('quick'))?.exit, { code: 3, signal: null });
    assert.equal(pm.get('quick'), undefined);
    const again = await pm.start('quick', { command: 'sleep', args: ['60'] });
    assert.notEqual(again.pid, h.pid);
  });

  test('starting one name twice at once in one controller spawns one process', async (t) => {
    const { backend, spawns } = counting(t);
    const pm = await manager(t, { backend });
    const results = await Promise.allSettled([pm.start('twice', { command: 'sleep', args: ['60'] }), pm.start('twice', { command: 'sleep', args: ['60'] })]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.ok(codeOf('ALREADY_RUNNING')((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason));
    assert.equal(spawns(), 1);
  });

  test('starting a running name is an error, not a second process', async (t) => {
    const pm = await manager(t);
    const first = await pm.start('one', { command: 'sleep', args: ['60'] });
    await assert.rejects(pm.start('one', { command: 'sleep', args: ['60'] }), (e: unknown) => codeOf('ALREADY_RUNNING')(e) && (e as PidkeepError).record === 'one' && (e as PidkeepError).pid === first.pid);
    assert.equal(pm.list().length, 1);
  });

  test('names are checked: bad ones are TypeErrors, JavaScript-special ones just work', async (t) => {
    const pm = await manager(t);
    for (const name of ['', '.', '..', 'a/b', '../../etc/passwd', 'a\nb', 'tab\there', 'esc\u001b', 'nul\u0000', 'x'.repeat(129)]) {
      await assert.rejects(pm.start(name, { command: 'sleep', args: ['60'] }), TypeError, JSON.stringify(name));
      await assert.rejects(pm.stop(name), TypeError);
    }
    await assert.rejects(createProcessManager({ namespace: '../etc', backend: nodeBackend() }), TypeError);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.equal(pm.get(name), undefined, name);
    const proto = await pm.start('__proto__', { command: 'sleep', args: ['60'] });
    const ctor = await pm.start('constructor', { command: 'sleep', args: ['60'] });
    assert.equal(pm.get('__proto__'), proto);
    assert.equal(pm.get('constructor'), ctor);
    assert.equal(({} as Record<string, unknown>).pid, undefined);
  });

  test('bad start options are TypeErrors that name the option', async (t) => {
    const pm = await manager(t);
    await assert.rejects(pm.start('x', { command: '' }), /`command`/);
    await assert.rejects(pm.start('x', { command: 'sleep', args: [1 as unknown as string] }), /`args`/);
    await assert.rejects(pm.start('x', { command: 'sleep', stdin: 'pipe' as 'fifo' }), /`stdin`/);
    await assert.rejects(pm.start('x', { command: 'sleep', stop: [{ write: 'q' }] }), /stdin: 'fifo'/);
    await assert.rejects(pm.start('x', { command: 'sleep', meta: { big: 10n } }), /JSON/);
    await assert.rejects(pm.start('x', { command: 'pidkeep-no-such-command' }), (e: unknown) => codeOf('SPAWN_FAILED')(e) && /check that the command exists/.test((e as Error).message));
    assert.equal(pm.list().length, 0);
  });

  test('meta is checked by any Standard Schema validator, on start and on read', async (t) => {
    const schema = v.object({ file: v.pipe(v.string(), v.endsWith('.wav')) });
    const store = memoryStore();
    const pm = await manager(t, { store, metaSchema: schema });
    await assert.rejects(pm.start('bad', { command: 'sleep', args: ['60'], meta: { file: 'x.mp3' } }), codeOf('INVALID_META'));
    const h = await pm.start('good', { command: 'sleep', args: ['60'], meta: { file: 'x.wav' } });
    assert.deepEqual(h.meta, { file: 'x.wav' });
    await pm.close();
    // A new app version with a stricter schema: the old version's process is still managed (never stranded,
    // never duplicated), with no meta and the reason.
    const strict = v.object({ file: v.pipe(v.string(), v.endsWith('.flac')) });
    const pm2 = await manager(t, { store, metaSchema: strict });
    assert.equal(pm2.recovery[0]?.status, 'adopted');
    assert.match(pm2.recovery[0]!.detail, /meta does not match the schema/);
    const old = pm2.get('good')!;
    assert.equal(old.meta, undefined);
    assert.match(old.metaError ?? '', /flac/);
    await assert.rejects(pm2.start('good', { command: 'sleep', args: ['60'], meta: { file: 'y.flac' } }), codeOf('ALREADY_RUNNING'));
    assert.equal(store.listQuarantined(nsOf(t)).length, 0);
    assert.equal((await old.stop()).outcome, 'stopped');
    assert.ok(!isAlive(h.pid));
  });

  test('meta is stored as given, so a schema with optional fields or transforms accepts it again on the next read', async (t) => {
    const schema = v.object({ file: v.optional(v.string()), size: v.pipe(v.string(), v.transform(Number)) });
    const store = memoryStore();
    const pm = await manager(t, { store, metaSchema: schema });
    const h = await pm.start('m', { command: 'sleep', args: ['60'], meta: { size: '42' } });
    assert.deepEqual(h.meta, { size: 42 }, 'the handle has the schema output');
    const bare = await pm.start('bare', { command: 'sleep', args: ['60'], meta: undefined as never }).catch((e: unknown) => e);
    assert.ok(bare instanceof PidkeepError && bare.code === 'INVALID_META', 'a required field is still required');
    await pm.close();
    const again = await manager(t, { store, metaSchema: schema });
    assert.deepEqual(again.recovery.map((r) => r.status), ['adopted']);
    assert.deepEqual(again.get('m')!.meta, { size: 42 });
  });

  test('stopAll runs every stop to its end and reports failures together', async (t) => {
    const pm = await manager(t);
    await pm.start('x1', { command: 'sleep', args: ['60'] });
    await pm.start('x2', { command: 'sleep', args: ['60'] });
    await assert.rejects(pm.stopAll([{ write: 'q' }]), (e: unknown) => codeOf('STOP_FAILED')(e) && /2 of 2 .*x1, pid \d+: the stop plan writes to stdin/.test((e as Error).message));
    assert.equal(pm.list().length, 2, 'nothing was half-stopped');
    const results = await pm.stopAll();
    assert.equal(results.length, 2);
  });

  test('close() stops watching but never stops processes; the next manager adopts them', async (t) => {
    const store = memoryStore();
    const pm1 = await manager(t, { store });
    const h = await pm1.start('keep', { command: 'sleep', args: ['60'], meta: { n: 1 } });
    await pm1.close();
    assert.ok(isAlive(h.pid));
    await assert.rejects(pm1.start('other', { command: 'sleep' }), codeOf('CLOSED'));
    const pm2 = await manager(t, { store });
    assert.deepEqual(pm2.recovery.map((r) => [r.name, r.pid, r.status]), [['keep', h.pid, 'adopted']]);
    const adopted = pm2.get('keep')!;
    assert.equal(adopted.adopted, true);
    assert.equal(adopted.startedAt, h.startedAt);
    assert.deepEqual(adopted.meta, { n: 1 });
  });

  test('a process that exec()s another program after its start is still recognised by its marker', async (t) => {
    const store = memoryStore();
    const pm1 = await manager(t, { store });
    const h = await pm1.start('wrapper', { command: 'sh', args: ['-c', 'sleep 0.3; exec sleep 60'] });
    await pm1.close();
    await waitFor('the wrapper to become sleep', () => readText(`/proc/${h.pid}/comm`).trim() === 'sleep');
    const pm2 = await manager(t, { store });
    assert.deepEqual(pm2.recovery.map((r) => [r.name, r.status]), [['wrapper', 'adopted']]);
    // Watching does not mistake the new command name for a reused pid.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(pm2.get('wrapper')?.status, 'running');
    const result = await pm2.stop('wrapper');
    assert.equal(result.by, 'SIGTERM');
  });

  test('an adopted process that ends is noticed: exited resolves (code unknowable) and listeners hear it', async (t) => {
    const store = memoryStore();
    const pm1 = await manager(t, { store });
    const h = await pm1.start('watched', { command: 'sleep', args: ['60'] });
    await pm1.close();
    const pm2 = await manager(t, { store });
    const events: ManagerEvent[] = [];
    pm2.subscribe((e) => events.push(e));
    process.kill(h.pid, 'SIGKILL');
    assert.deepEqual(await pm2.get('watched')!.exited, { code: null, signal: null });
    assert.ok(events.some((e) => e.type === 'exited' && e.name === 'watched'));
    assert.deepEqual(await liveRecords(store, nsOf(t)), []);
    assert.deepEqual((await pm2.lastExit('watched'))?.exit, { code: null, signal: null });
  });

  test('a process that ignores SIGTERM is escalated to SIGKILL, one signal per step', async (t) => {
    const pm = await manager(t);
    const notes = `${tempDir(t)}/notes`;
    const h = await pm.start('stubborn', { command: process.execPath, args: [fixture('stubborn.mjs'), notes], stop: [{ signal: 'SIGTERM', wait: 1500 }] });
    await waitFor('the fixture to be ready', () => readText(h.logs.stdout!).includes('ready'));
    const result = await h.stop();
    assert.equal(result.step, 1);
    assert.equal(result.by, 'SIGKILL');
    assert.equal(result.forced, true);
    assert.equal(result.exit.signal, 'SIGKILL');
    assert.ok(result.durationMs >= 1500);
    assert.equal(readText(notes), 'SIGTERM\n', 'exactly one SIGTERM: never a burst');
  });

  test('concurrent stops share one run of the plan', async (t) => {
    const pm = await manager(t);
    const h = await pm.start('s', { command: 'sleep', args: ['60'] });
    const [a, b] = await Promise.all([h.stop(), pm.stop('s')]);
    assert.equal(a, b);
    await assert.rejects(pm.stop('s'), codeOf('NOT_FOUND'));
  });

  test('two managers starting one name at once: exactly one wins and the loser leaves no process behind', async (t) => {
    const store = memoryStore();
    const pm1 = await manager(t, { store });
    const pm2 = await manager(t, { store });
    const results = await Promise.allSettled([pm1.start('race', { command: 'sleep', args: ['60'] }), pm2.start('race', { command: 'sleep', args: ['60'] })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(codeOf('ALREADY_RUNNING')((lost[0] as PromiseRejectedResult).reason));
    assert.equal((await store.list(nsOf(t))).length, 1);
    // The lock lines the two starts up: the loser met the winner's record before spawning anything.
    assert.equal((await nodeBackend().scan!(`${nsOf(t)}@${store.id(nsOf(t))}/`)).length, 1);
  });

  test('a name held by a live record of another controller fails before anything is spawned', async (t) => {
    const store = memoryStore();
    const pm1 = await manager(t, { store });
    await pm1.start('held', { command: 'sleep', args: ['60'] });
    // A controller that has not adopted the process (its listing came back empty) still meets the record.
    const { backend, spawns } = counting(t);
    const blind = await manager(t, { store: { ...store, list: () => [] }, backend });
    await assert.rejects(blind.start('held', { command: 'sleep', args: ['60'] }), codeOf('ALREADY_RUNNING'));
    assert.equal(spawns(), 0, 'nothing was spawned');
  });
});
