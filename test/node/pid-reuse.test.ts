import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fixture, tempDir } from '../helpers/index.js';

// Pid reuse forced for real: a private pid namespace, where writing N-1 to ns_last_pid makes the next process N.
// Needs root (CI runs as root); without it this test fails with the reason instead of being skipped.
// Repeated: PIDKEEP_PID_REUSE_TRIALS (default 20 in the suite; RELIABILITY.md reports runs of 100).
const TRIALS = Number(process.env.PIDKEEP_PID_REUSE_TRIALS ?? 20);

test(`a reused pid is never signalled: reconcile reports \`reused\`, and a stop re-proves identity first (${TRIALS} trials)`, (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to create a pid namespace (unshare --pid) and write ns_last_pid');
  assert.ok(Number.isInteger(TRIALS) && TRIALS > 0, `PIDKEEP_PID_REUSE_TRIALS must be a positive integer, got ${process.env.PIDKEEP_PID_REUSE_TRIALS}`);
  for (let trial = 1; trial <= TRIALS; trial++) runTrial(tempDir(t), trial);
});

function runTrial(dir: string, trial: number) {
  const run = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, fixture('pid-reuse.mjs'), dir, fixture('stubborn.mjs')], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(run.error, undefined, `unshare could not run: ${run.error?.message}`);
  assert.equal(run.status, 0, `trial ${trial}: the pid-reuse scenario failed:\n${run.stderr}\n${run.stdout}`);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);

  assert.equal(report.impostorPid, report.victimPid, 'the impostor really holds the recorded pid');
  const victim = report.recovery.find((r: { name: string }) => r.name === 'victim');
  assert.equal(victim.status, 'reused');
  assert.equal(victim.pid, report.victimPid);
  assert.equal(report.victimAfterReconcile, 'unknown');
  assert.equal(report.stopVictim, 'NOT_FOUND');
  assert.equal(report.recovery.find((r: { name: string }) => r.name === 'victim2').status, 'adopted');

  assert.equal(report.impostor2Pid, report.victim2Pid);
  assert.equal(report.stopHeld.outcome, 'already-exited', 'the stop saw the pid had changed hands and sent nothing');
  assert.equal(report.stopHeld.by, null);
  assert.equal(report.sweep, 0, 'an impostor without our marker is never swept');

  assert.equal(report.impostorAlive, true);
  assert.equal(report.impostor2Alive, true);
  assert.equal(report.impostorNotes, 'SIGHUP\n', 'the first impostor received no signal from pidkeep');
  assert.equal(report.impostor2Notes, 'SIGHUP\n', 'the second impostor received no signal from pidkeep');
}
