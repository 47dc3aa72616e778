// Environments of any size the kernel allows: a controller whose environment is over 256 KiB passes it on to its
// children, and their marker (appended after the inherited variables by Node, sorted among them by Rust's Command)
// then lies past, or across, any fixed read limit. Each test fails with a reader that stops at 256 KiB.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { linuxKillScript, linuxProbeScript, parseLinuxProbe } from '../../src/tauri/platform/linux.js';
import { fixture, isAlive, reaper, recordFile, startNode, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

const LIMIT = 256 * 1024;
/** One variable may hold at most 128 KiB (MAX_ARG_STRLEN): a big environment is many variables. */
function bigEnv(bytes: number, prefix = 'BIG'): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; bytes > 0; i++) {
    const name = `${prefix}_${String(i).padStart(3, '0')}`;
    const size = Math.min(100_000, bytes - name.length - 2);
    if (size <= 0) break;
    env[name] = 'x'.repeat(size);
    bytes -= name.length + size + 2; // `=` and the NUL
  }
  return env;
}

const environSize = (pid: number) => readFileSync(`/proc/${pid}/environ`).length;
const markerOffset = (pid: number) => readFileSync(`/proc/${pid}/environ`).indexOf('PIDKEEP_MARK=');

/** A `sleep` whose environment is exactly `env`, in this order (Node passes the keys in insertion order). */
function sleeper(t: TestContext, env: Record<string, string>) {
  const child = spawn('/bin/sleep', ['300'], { env, stdio: 'ignore', detached: true });
  reaper(t)(child.pid);
  return child.pid!;
}

test('the Node probe finds a marker past 256 KiB, and one that straddles the limit, whole', async (t) => {
  const marker = 'huge-env@0123456789abcdef/fedcba98765432100000000a';
  const far = sleeper(t, { ...bigEnv(600 * 1024), PIDKEEP_MARK: marker });
  // The marker starts 6 bytes before the limit (its name is cut), and 20 bytes before (its value is cut).
  const across = (before: number) => {
    const env = bigEnv(LIMIT - before - 100);
    const used = Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
    return sleeper(t, { ...env, PAD: 'x'.repeat(LIMIT - before - used - 'PAD='.length - 1), PIDKEEP_MARK: marker });
  };
  const nameCut = across(6);
  const valueCut = across(20);
  const unmarked = sleeper(t, bigEnv(600 * 1024));
  await waitFor('the sleeps to run', () => [far, nameCut, valueCut, unmarked].every((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'));
  assert.ok(markerOffset(far) > 2 * LIMIT, `the marker lies at ${markerOffset(far)}`);
  assert.deepEqual([markerOffset(nameCut), markerOffset(valueCut)], [LIMIT - 6, LIMIT - 20], 'the markers straddle the 256 KiB limit');
  const seen = await nodeBackend().probe([far, nameCut, valueCut, unmarked]);
  assert.deepEqual(seen.map((s) => s.marker), [marker, marker, marker, null], 'each read whole (a cut one would read as absent or as another process); no marker is none');
  assert.deepEqual((await nodeBackend().scan!('huge-env@')).map((p) => p.pid).sort(), [far, nameCut, valueCut].sort());
});

test('a controller with a 600 KiB environment: its child is adopted, stopped by name, and swept when unrecorded', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('huge');
  const start = async (name: string) => {
    const controller = startNode(t, fixture('controller.mjs'), [dir, namespace, JSON.stringify([{ name, command: 'sleep', args: ['300'] }])], bigEnv(600 * 1024));
    const pid = Number(await controller.line(`started ${name}`));
    reaper(t)(pid);
    controller.child.kill('SIGKILL');
    await controller.exited;
    return pid;
  };
  const adopted = await start('adopted');
  const unrecorded = await start('unrecorded');
  assert.ok(environSize(adopted) > 600 * 1024 && markerOffset(adopted) > 600 * 1024, 'the marker follows the inherited variables');
  rmSync(recordFile(dir, namespace, 'unrecorded'));

  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]), [['adopted', 'adopted']]);
  const stopped = await pm.stop('adopted', [{ signal: 'SIGTERM', wait: 5000 }]);
  assert.equal(stopped.by, 'SIGTERM');
  assert.equal(isAlive(adopted), false);
  const swept = await pm.sweep();
  assert.deepEqual(swept.map((s) => s.pid), [unrecorded], 'the sweep finds it by its marker');
  await waitFor('the unrecorded child to end', () => !isAlive(unrecorded));
});

test('the Tauri probe and kill scripts read the same huge environment', async (t) => {
  const ns = 'app.ns';
  const suffix = '0123456789abcdef/fedcba98765432100000000a';
  // Rust's Command sorts the variables the shell plugin passes: a marker among them, not last.
  const env = { ...bigEnv(300 * 1024, 'AAA'), PIDKEEP_MARK: `${ns}@${suffix}`, ...bigEnv(300 * 1024, 'ZZZ') };
  const pid = sleeper(t, env);
  await waitFor('the sleep to run', () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep');
  assert.ok(markerOffset(pid) > LIMIT);
  for (const arg of [String(pid), '-']) {
    const run = spawnSync('sh', ['-c', linuxProbeScript(ns), 'pidkeep-ps', arg], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(parseLinuxProbe(run.stdout).processes.find((p) => p.pid === pid)?.marker, `${ns}@${suffix}`, `probe ${arg}`);
  }
  const ticks = (await nodeBackend().probe([pid]))[0]!.identity!.startTime;
  const kill = spawnSync('sh', ['-c', linuxKillScript(ns), 'pidkeep-kill', 'TERM', String(pid), ticks, suffix], { encoding: 'utf8' });
  assert.equal(kill.status, 0, `${kill.stdout} ${kill.stderr}`);
  await waitFor('the sleep to end', () => !isAlive(pid));
});
