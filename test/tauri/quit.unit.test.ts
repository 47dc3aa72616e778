// stopOnQuit's choices, with real processes (Node backend) and a stand-in window: which processes are stopped, that
// many requests run the stops once, that a failed stop or a throwing `decide` never leaves a process to be cut.
// The real window and event plugins in a real page: quit.browser.test.ts.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createProcessManager, memoryStore } from '../../src/index.js';
import { nodeBackend } from '../../src/node/index.js';
import { EXIT_REQUESTED_EVENT, stopOnQuit, type QuitWindow } from '../../src/tauri/quit.js';
import { isAlive, onTeardown, reaper, tempDir, uniqueNamespace } from '../helpers/index.js';

function fakeWindow() {
  const handlers: Array<() => void | Promise<void>> = [];
  const events = new Map<string, () => void>();
  let destroyed = 0;
  const window: QuitWindow = {
    onCloseRequested: async (handler) => {
      const run = () => handler({ preventDefault() {} });
      handlers.push(run);
      return () => void handlers.splice(handlers.indexOf(run), 1);
    },
    destroy: async () => void destroyed++,
  };
  const listen = async (event: string, handler: () => void) => (events.set(event, handler), () => void events.delete(event));
  return { window, listen, close: () => Promise.all(handlers.map((h) => h())), fire: (event: string) => events.get(event)?.(), destroyed: () => destroyed, events, handlers };
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
  await stopOnQuit(pm, { window: fake.window, listen: fake.listen, decide: (h) => (h.name === 'model-server' ? 'keep' : 'stop') });
  await fake.close();
  assert.ok(!isAlive(rec.pid), 'stopped before the window goes');
  assert.ok(isAlive(server.pid), 'kept');
  assert.deepEqual(pm.list().map((h) => h.name), ['model-server']);
});

test('the Rust snippet\'s event stops the processes, then destroys the window; two requests stop once', async (t) => {
  const { pm, start } = await setup(t);
  const a = await start('a');
  const fake = fakeWindow();
  const stopped: string[] = [];
  pm.subscribe((event) => event.type === 'exited' && stopped.push(event.name));
  await stopOnQuit(pm, { window: fake.window, listen: fake.listen });
  assert.ok(fake.events.has(EXIT_REQUESTED_EVENT));
  fake.fire(EXIT_REQUESTED_EVENT);
  await Promise.all([fake.close(), fake.close()]);
  assert.ok(!isAlive(a.pid));
  assert.equal(fake.destroyed(), 1, 'the window is destroyed once its processes are stopped');
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
    listen: fake.listen,
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

test('the returned function removes both listeners', async (t) => {
  const { pm } = await setup(t);
  const fake = fakeWindow();
  const off = await stopOnQuit(pm, { window: fake.window, listen: fake.listen });
  off();
  assert.equal(fake.events.size, 0);
  assert.equal(fake.handlers.length, 0);
});
