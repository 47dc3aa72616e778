// The shared suites under real Tauri: tauriBackend and the web stores run inside the test app (test/real-app: the
// example's Rust and capabilities, plus its own capability for the suite's programs and the `conf` powers), driven
// through WebDriver; real processes, real plugin-shell and plugin-fs, real WebKitGTK storage.
import type { TestContext } from 'node:test';
import { backendConformance } from '../conformance/backend-suite.js';
import { storeConformance } from '../conformance/store-suite.js';
import { backendInPage } from '../helpers/backend-in-page.js';
import { storeInPage } from '../helpers/browser.js';
import { parentOf } from '../helpers/index.js';
import { scenario, type RealApp } from '../helpers/real-app.js';

/** The test app, started fresh for one test; `setup` runs in its page first. */
async function testApp(t: TestContext, setup?: string): Promise<RealApp> {
  const app = await (await scenario(t)).launch('pidkeep-real-app');
  if (setup) await app.evaluate((expression) => void (0, eval)(expression), setup);
  return app;
}

storeConformance('tauriFsStore (the real Tauri app)', (t) => storeInPage('tauri-fs (real app)', testApp(t, 'window.suiteStore = window.realApp.tauri.tauriFsStore()'), 'suiteStore'));
storeConformance('webStore (the real Tauri app, WebKitGTK localStorage)', (t) => storeInPage('web (real app)', testApp(t, "window.suiteStore = window.realApp.web.webStore({ prefix: 'suite' })"), 'suiteStore'));

const powers = { ps: 'conf-ps', kill: 'conf-kill' };
/** The app of the backend made last (it may still be starting): the suite's guard is about its pid and its parent's. */
let current: Promise<RealApp> | undefined;
const made = new WeakMap<object, (pid: number) => Promise<string>>();

backendConformance(
  'tauriBackend (the real Tauri app)',
  async (t) => {
    const app = await (current = testApp(t));
    const { backend, output } = await backendInPage(app, powers);
    made.set(backend, output);
    return backend;
  },
  {
    groups: false,
    output: (backend, spawned) => made.get(backend)!(spawned.identity.pid),
    self: async () => {
      const app = await current!;
      return { pid: app.pid, ppid: parentOf(app.pid) };
    },
    defused(t) {
      // made before the test's first call: the suite uses it synchronously
      // the app starts now, so that `self` names it; its backend is made at the first call
      const app = (current = testApp(t));
      let ready: Promise<Awaited<ReturnType<typeof backendInPage>>> | undefined;
      const make = () => (ready ??= app.then((started) => backendInPage(started, { ...powers, defused: true })));
      const backend = new Proxy({} as Awaited<ReturnType<typeof backendInPage>>['backend'], {
        get: (_target, key) => (key === 'name' ? 'tauri (in the real app, defused)' : (...args: unknown[]) => make().then((b) => (b.backend as unknown as Record<string | symbol, (...x: unknown[]) => unknown>)[key]!(...args))),
      });
      return { backend, delivered: () => make().then((b) => b.delivered()) };
    },
  },
);
