// stopOnQuit's choices, with real processes (Node backend) and a stand-in window: which processes are stopped, that
// many requests run the stops once, that a failed stop or a throwing `decide` never leaves a process to be cut.
// The real window and event plugins in a real page: quit.browser.test.ts.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createProcessManager, memoryStore } from '../../src/index.js';
import { nodeBackend } from '../../src/node/index.js';
import { EXIT_READY_EVENT, EXIT_REQUESTED_EVENT, STOP_ON_QUIT_EVENT, STOP_ON_QUIT_OFF_EVENT, stopOnQuit, type QuitEvents, type QuitWindow } from '../../src/tauri/quit.js';
import { isAlive, onTeardown, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

/** A window and the event plugin as stopOnQuit sees them: what it listens for, and what it emits (in order). */
function fakeWindow() {
  const handlers: Array<() => void | Promise<void>> = [];
  const events = new Map<string, () => void>();
  const emitted: Array<[string, string]> = [];
  const window: QuitWindow = {
    label: 'main',
    onCloseRequested: async (handler) => {
      const run = () => handler({ preventDefault() {} });
      handlers.push(run);
      return () => void handlers.splice(handlers.indexOf(run), 1);
    },
    listen: async (event, handler) => (events.set(event, handler), () => void events.delete(event)),
  };
  const bus: QuitEvents = { emit: async (event, payload) => void emitted.push([event, payload]) };
  return { window, events: bus, close: () => Promise.all(handlers.map((h) => h())), fire: (event: string) => events.get(event)?.(), listening: events, emitted, handlers };
}

async function setup(t: TestContext) {
  const pm = await createProcessManager({ namespace: uniqueNamespace('quit'), backend: nodeBackend({ dir: tempDir(t) }), store: memoryStore() });
  onTeardown(t, () => pm.close());
  const reap = reaper(t);
  const start = async (name: string) => {
    const handle = await pm.start(name, { command: 'sleep', args: ['60'] });
    reap(handle.pid);
    return handle;
  };
  return { pm, start };
}

test('a close request stops every process the app chose to stop and leaves the kept ones', async (t) => {
  const { pm, start } = await setup(t);
  const rec = await start('rec');
  const server = await start('model-server');
  const fake = fakeWindow();
  await stopOnQuit(pm, { window: fake.window, events: fake.events, decide: (h) => (h.name === 'model-server' ? 'keep' : 'stop') });
  await fake.close();
  assert.ok(!isAlive(rec.pid), 'stopped before the window goes');
  assert.ok(isAlive(server.pid), 'kept');
  assert.deepEqual(pm.list().map((h) => h.name), ['model-server']);
});

test("the Rust plugin's handshake: announced once listening, stops on the request, answers once stopped; two requests stop once", async (t) => {
  const { pm, start } = await setup(t);
  const a = await start('a');
  const fake = fakeWindow();
  const stopped: string[] = [];
  pm.subscribe((event) => event.type === 'exited' && stopped.push(event.name));
  await stopOnQuit(pm, { window: fake.window, events: fake.events });
  assert.ok(fake.listening.has(EXIT_REQUESTED_EVENT));
  assert.deepEqual(fake.emitted, [[STOP_ON_QUIT_EVENT, 'main']], 'the window announced itself, by its label');
  fake.fire(EXIT_REQUESTED_EVENT);
  await Promise.all([fake.close(), fake.close()]);
  await waitFor('the answer', () => fake.emitted.length === 2);
  assert.ok(!isAlive(a.pid), 'stopped before the answer');
  assert.deepEqual(fake.emitted[1], [EXIT_READY_EVENT, 'main']);
  assert.deepEqual(stopped, ['a'], 'one stop, however many requests');
});

test('a throwing decide stops the process anyway; a failed stop is reported and the quit goes on', async (t) => {
  const { pm, start } = await setup(t);
  const a = await start('a');
  const b = await start('b');
  const fake = fakeWindow();
  const errors: string[] = [];
  // b's stop fails (a stand-in for a STOP_FAILED)
  const originalStop = pm.get('b')!.stop;
  Object.assign(pm.get('b')!, { stop: () => Promise.reject(Object.assign(new Error('boom'), { code: 'STOP_FAILED' })) });
  await stopOnQuit(pm, {
    window: fake.window,
    events: fake.events,
    decide: (h) => {
      if (h.name === 'a') throw new Error('bad decide');
      return 'stop';
    },
    onError: (error, handle) => errors.push(`${handle.name}: ${(error as Error).message}`),
  });
  await fake.close();
  assert.ok(!isAlive(a.pid), 'a broken decision does not leave the recording to be cut');
  assert.deepEqual(errors.sort(), ['a: bad decide', 'b: boom']);
  await originalStop.call(pm.get('b')!);
  assert.ok(!isAlive(b.pid));
});

test('the returned function removes both listeners and tells the plugin not to wait for this window', async (t) => {
  const { pm } = await setup(t);
  const fake = fakeWindow();
  const off = await stopOnQuit(pm, { window: fake.window, events: fake.events });
  off();
  assert.equal(fake.listening.size, 0);
  assert.equal(fake.handlers.length, 0);
  await waitFor('the plugin told', () => fake.emitted.length === 2);
  assert.deepEqual(fake.emitted[1], [STOP_ON_QUIT_OFF_EVENT, 'main']);
});

test('exitRequested: false neither listens for the plugin nor announces the window', async (t) => {
  const { pm } = await setup(t);
  const fake = fakeWindow();
  await stopOnQuit(pm, { window: fake.window, events: fake.events, exitRequested: false });
  assert.equal(fake.listening.size, 0);
  assert.deepEqual(fake.emitted, []);
});

test('two managers in one page: the window takes part once (one close listener, one announcement) and answers once both have stopped', async (t) => {
  const first = await setup(t);
  const second = await setup(t);
  const a = await first.start('a');
  const b = await second.start('b');
  const fake = fakeWindow();
  // b's stop takes longer: the answer must wait for it
  const slowStop = second.pm.get('b')!.stop;
  let releaseB!: () => void;
  const bMayStop = new Promise<void>((resolve) => (releaseB = resolve));
  Object.assign(second.pm.get('b')!, { stop: () => bMayStop.then(() => slowStop.call(second.pm.get('b')!)) });
  const offA = await stopOnQuit(first.pm, { window: fake.window, events: fake.events });
  const offB = await stopOnQuit(second.pm, { window: fake.window, events: fake.events });
  assert.equal(fake.handlers.length, 1, 'one close listener for the window');
  assert.deepEqual(fake.emitted, [[STOP_ON_QUIT_EVENT, 'main']], 'announced once');
  fake.fire(EXIT_REQUESTED_EVENT);
  await waitFor('a to be stopped', () => !isAlive(a.pid));
  assert.equal(fake.emitted.length, 1, 'no answer while b is still stopping');
  releaseB();
  await waitFor('the answer', () => fake.emitted.length === 2);
  assert.ok(!isAlive(b.pid));
  assert.deepEqual(fake.emitted[1], [EXIT_READY_EVENT, 'main']);
  offA();
  assert.equal(fake.listening.size, 1, 'the window still listens for b');
  offB();
  await waitFor('the plugin told', () => fake.emitted.length === 3);
  assert.deepEqual(fake.emitted[2], [STOP_ON_QUIT_OFF_EVENT, 'main']);
  assert.equal(fake.handlers.length, 0);
});
