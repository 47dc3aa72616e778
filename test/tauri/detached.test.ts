// A process kept across a quit (`logs.detached`): started through the real @tauri-apps/plugin-shell under a
// `sh -c DETACH_WRAPPER` scope, so the plugin's map holds only the short-lived `sh`; the app quits (its children
// SIGKILLed) and the process runs on, to be adopted by the next run and stopped with the kill power.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { DETACH_WRAPPER, linuxPowerScopes, tauriBackend, tauriFsStore } from '../../src/tauri/index.js';
import { createTauriHost, installTauriInternals, type Capability } from '../../src/tauri-host/index.js';
import { isAlive, onTeardown, reaper, tempDir, waitFor } from '../helpers/index.js';

const NS = 'keep';
const keeper = { name: 'keeper', cmd: 'sh', args: ['-c', DETACH_WRAPPER, 'sleep', { validator: '[0-9.]+' }] };

function app(t: TestContext, withPowers = true): { capability: Capability; logs: string; dataDir: string } {
  const dataDir = tempDir(t);
  const capability: Capability = {
    identifier: 'keep',
    windows: ['main'],
    permissions: [
      'core:default',
      { identifier: 'shell:allow-spawn', allow: [{ name: 'worker', cmd: 'sleep', args: [{ validator: '[0-9]+' }] }] },
      { identifier: 'shell:allow-execute', allow: [keeper, ...(withPowers ? linuxPowerScopes(NS) : [])] },
      ...['exists', 'mkdir', 'read-dir', 'read-text-file', 'remove', 'rename', 'write-text-file'].map((c) => `fs:allow-${c}`),
      { identifier: 'fs:scope', allow: [{ path: '$APPDATA/pidkeep/**' }] },
    ],
  };
  return { capability, logs: join(dataDir, 'logs'), dataDir };
}

async function run(t: TestContext, setup: ReturnType<typeof app>) {
  const host = createTauriHost({ capabilities: [setup.capability], dataDir: setup.dataDir, identifier: 'dev.pidkeep.keep' });
  const uninstall = installTauriInternals(host);
  onTeardown(t, async () => (uninstall(), await host.close()));
  const backend = tauriBackend({ session: null, platform: 'linux', logs: { dir: setup.logs, commands: { keeper: 'sleep' }, detached: ['keeper'] } });
  const pm = await createProcessManager({ namespace: NS, backend, store: tauriFsStore(), pollInterval: 50 });
  return { host, pm, uninstall };
}

test('a detached process survives the app\'s quit (the plugin kills only its map), is adopted by the next run and stopped with SIGTERM', async (t) => {
  const setup = app(t);
  const first = await run(t, setup);
  const kept = await first.pm.start('model-server', { command: 'keeper', args: ['300'], stop: [{ signal: 'SIGTERM', wait: 5000 }] });
  reaper(t)(kept.pid);
  const worker = await first.pm.start('worker', { command: 'worker', args: ['300'] });
  reaper(t)(worker.pid);
  assert.equal(kept.adopted, false, 'started here');
  assert.ok(!first.host.children().includes(kept.pid), 'the plugin holds only the wrapper, which has exited');
  assert.ok(first.host.children().includes(worker.pid));
  assert.ok(kept.logs.stderr?.startsWith(setup.logs), 'its output goes to its log files');
  await first.pm.close();
  first.uninstall();
  assert.equal(await first.host.exit(0), true);
  await waitFor('the plugin to kill its own child at exit', () => !isAlive(worker.pid));
  assert.ok(isAlive(kept.pid), 'the detached process lives on');

  const second = await run(t, setup);
  assert.deepEqual(second.pm.recovery.map((r) => [r.name, r.status]).sort(), [['model-server', 'adopted'], ['worker', 'gone']]);
  const result = await second.pm.stop('model-server');
  assert.equal(result.by, 'SIGTERM');
  assert.ok(!isAlive(kept.pid));
  await second.pm.close();
});

test('its end is seen by polling (no exit event comes); stdin and a missing ps power are refused before anything runs', async (t) => {
  const setup = app(t);
  const { pm } = await run(t, setup);
  const short = await pm.start('short', { command: 'keeper', args: ['0.3'] });
  reaper(t)(short.pid);
  const exit = await Promise.race([short.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
  assert.deepEqual(exit, { code: null, signal: null }, 'ended unwatched: its exit code is unknowable');
  await assert.rejects(pm.start('fifo', { command: 'keeper', args: ['300'], stdin: 'fifo' }), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /no stdin/.test(e.message));
  await pm.close();

  const bare = app(t, false);
  const blind = await run(t, bare);
  const before = blind.host.children().length;
  await assert.rejects(blind.pm.start('k', { command: 'keeper', args: ['300'] }), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED' && /`ps` and `kill` powers/.test(e.message));
  assert.equal(blind.host.children().length, before, 'nothing was started');
  await blind.pm.close();
});

test('logs.detached must name a logged command', () => {
  assert.throws(() => tauriBackend({ session: null, platform: 'linux', logs: { dir: '/x', commands: {}, detached: ['keeper'] } }), TypeError);
});
