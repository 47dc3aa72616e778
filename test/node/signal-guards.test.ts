import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixture, readText, reaper, tempDir, waitFor } from '../helpers/index.js';

// Each test asks pidkeep to signal 0, 1, -1, its own pid and its parent's. Outside a namespace a broken guard would
// signal the machine (as root, kill(-1) reaches every process), so the calls run in a private pid namespace whose
// pid 1, the caller's parent, the caller itself and two bystanders note every signal: a broken guard fails a test
// instead. Needs root (unshare --pid); without it these tests fail with the reason instead of being skipped.

const UNSAFE = ['zero', 'one', 'minusOne', 'self', 'parent'] as const;
type Report = Record<string, any> & { notes: Record<string, string>; alive: Record<string, boolean> };

async function inPrivateNamespace(t: TestContext, scenario: 'backend' | 'core' | 'unrecorded'): Promise<Report> {
  assert.equal(process.getuid?.(), 0, 'this test needs root to create a pid namespace (unshare --pid)');
  const dir = tempDir(t);
  // Its own process group, so the teardown's group kill reaches unshare and everything it started.
  const child = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, fixture('signal-guards.mjs'), 'init', dir, scenario, fixture('stubborn.mjs')], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reaper(t)(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exit: { code: number | null } | undefined;
  child.once('close', (code) => (exit = { code }));
  await waitFor(`the ${scenario} scenario to finish`, () => exit, { timeout: 60_000 });
  // Every kill the lying backend was asked for is logged before it is sent: name it even if it took the probe down.
  const kills = readText(join(dir, 'raw-kills'));
  assert.equal(kills, '', `pidkeep sent these past its guards:\n${kills}`);
  assert.equal(exit!.code, 0, `the ${scenario} scenario failed:\n${stderr}\n${stdout}`);
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Report;
  // The two control SIGHUPs are the only signals any sentinel may have noted.
  const hups = 'SIGHUP\nSIGHUP\n';
  assert.deepEqual(report.notes, { init: hups, parent: hups, self: hups, group: hups, other: hups });
  assert.deepEqual(report.alive, { group: true, other: true });
  return report;
}

test('nodeBackend refuses to signal 0, 1, -1, its own pid and its parent\'s, alone or as a group', async (t) => {
  const report = await inPrivateNamespace(t, 'backend');
  for (const name of UNSAFE) assert.deepEqual(report[name], { alone: 'UNSAFE_PID', group: 'UNSAFE_PID' }, `pid ${report.pids[name]}`);
});

test('the core never signals them either, with a backend that vouches for them and has no guard of its own', async (t) => {
  const report = await inPrivateNamespace(t, 'core');
  for (const name of UNSAFE) {
    const { stop, recovery, secondStop, sweep } = report[name];
    const pid = `pid ${report.pids[name]}`;
    assert.equal(stop, 'UNSAFE_PID', `${pid}: a stop of the process just started`);
    // A later controller either refuses the record outright or adopts it and then refuses to stop it.
    assert.ok(!recovery.includes('stopped'), `${pid}: onOrphan 'stop' got ${recovery}`);
    assert.ok(secondStop === 'UNSAFE_PID' || secondStop === 'NOT_FOUND', `${pid}: a later controller's stop got ${JSON.stringify(secondStop)}`);
    assert.deepEqual(sweep, { done: 0 }, `${pid}: a sweep that finds it marked`);
  }
});

test('a start whose record cannot be written never signals them when it ends the child it spawned', async (t) => {
  const report = await inPrivateNamespace(t, 'unrecorded');
  for (const name of UNSAFE) assert.equal(typeof report[name].start, 'string', `pid ${report.pids[name]}: the start fails, with a code`);
});
