// The macOS power scripts, run as the shell plugin would run them (`sh -c <script> <name> <args...>`, the app being
// the shell's parent: here, this test process), with real sh, awk and kill against real processes. macOS itself is
// not here (NOT RUN on macOS): BSD `ps` is played by test/fixtures/bsd-ps.mjs over /proc, as ps(1) documents it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { macosKillScript, macosPowerScopes, macosProbeScript, parseMacosProbe } from '../../src/tauri/platform/macos.js';
import { FIXED } from '../../src/tauri/platform/types.js';
import { prepare } from '../../src/tauri-host/shell-scope.js';
import { fixture, isAlive, reaper, tempDir, waitFor } from '../helpers/index.js';

const NS = 'app.ns';
const STORE = '0123456789abcdef';
const ID = 'fedcba98765432100000000a';

/** A folder with `ps` (the BSD stand-in) for the front of PATH. */
function fakePsDir(t: TestContext): string {
  const dir = tempDir(t, 'pidkeep-bsd-ps-');
  writeFileSync(join(dir, 'ps'), `#!${process.execPath}\nimport(${JSON.stringify(fixture('bsd-ps.mjs'))});\n`);
  chmodSync(join(dir, 'ps'), 0o755);
  return dir;
}

function child(t: TestContext, env: Record<string, string>, command = 'sleep', args = ['300']) {
  const c = spawn(command, args, { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore', detached: true });
  reaper(t)(c.pid);
  return c.pid!;
}

function powers(t: TestContext) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakePsDir(t)}:${process.env.PATH}` };
  delete env.TZ;
  delete env.LC_ALL; // the scripts must set them (the stand-in refuses to run otherwise)
  const probe = (arg: string) => spawnSync('sh', ['-c', macosProbeScript(NS), 'pidkeep-ps', arg], { encoding: 'utf8', env });
  const kill = (...args: string[]) => spawnSync('sh', ['-c', macosKillScript(NS), 'pidkeep-kill', ...args], { encoding: 'utf8', env });
  const startOf = (pid: number) => parseMacosProbe(probe(String(pid)).stdout).rows.find((r) => r.pid === pid)!.startTime;
  return { probe, kill, startOf };
}

const running = (pids: number[]) => waitFor('the children to run sleep', () => pids.every((p) => /\bsleep\b/.test(spawnSync('cat', [`/proc/${p}/cmdline`], { encoding: 'latin1' }).stdout)));

test('macOS probe: pid, parent, group, lstart, state, program name and only this namespace\'s marker; no argument or other variable', async (t) => {
  const { probe } = powers(t);
  const mine = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}`, API_TOKEN: 'hunter2-secret' });
  const theirs = child(t, { PIDKEEP_MARK: `other@${STORE}/${ID}`, API_TOKEN: 'hunter2-secret' });
  const plain = child(t, {});
  // arguments are as secret as variables: a wrapper whose command line holds a password
  const wrapper = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}` }, 'sh', ['-c', 'sleep 300', 'wrapper', '--password=swordfish']);
  await running([mine, theirs, plain, wrapper]);
  const run = probe(`${mine},${theirs},${plain},${wrapper},99999`);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /hunter2|swordfish|other@|PATH=/, 'no other argument or variable, no other namespace\'s marker');
  const listing = parseMacosProbe(run.stdout);
  assert.deepEqual(listing.app, { pid: process.pid, parent: process.ppid }, "the app is the shell's parent");
  assert.match(listing.bootId ?? '', /^ps:[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d \d{4}$/, "pid 1's start time stands for the boot");
  const byPid = new Map(listing.rows.map((r) => [r.pid, r]));
  const row = byPid.get(mine)!;
  assert.deepEqual({ ...row, startTime: undefined }, { pid: mine, ppid: process.pid, startTime: undefined, comm: 'sleep', zombie: false, marker: `${NS}@${STORE}/${ID}` });
  assert.match(row.startTime, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d \d{4}$/, 'single spaces: what the kill validator takes');
  assert.equal(byPid.get(theirs)?.marker, 'other');
  assert.equal(byPid.get(plain)?.marker, null);
  assert.equal(byPid.get(wrapper)?.comm, 'sh', 'the program\'s file name only');
  assert.equal(byPid.has(99999), false);
});

test('macOS probe `-`: every process carrying this namespace\'s marker (and pid 1), no other; bad arguments are refused', async (t) => {
  const { probe } = powers(t);
  const mine = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}` });
  const legacy = child(t, { PIDKEEP_MARK: `${NS}/${ID}` });
  const theirs = child(t, { PIDKEEP_MARK: `appXns@${STORE}/${ID}` });
  await running([mine, legacy, theirs]);
  const pids = parseMacosProbe(probe('-').stdout).rows.map((r) => r.pid);
  assert.ok(pids.includes(mine) && pids.includes(legacy) && pids.includes(1));
  assert.ok(!pids.includes(theirs) && !pids.includes(process.pid));
  for (const bad of ['', '1;id', '$(id)', '1,,2', ',1', '1,', '1 2', '-1']) assert.equal(probe(bad).status, 2, JSON.stringify(bad));
});

test('macOS kill: only the process with this marker and this start time, re-checked right before the signal; never the app, its parent or pid 1', async (t) => {
  const { kill, startOf } = powers(t);
  const suffix = `${STORE}/${ID}`;
  const target = child(t, { PIDKEEP_MARK: `${NS}@${suffix}` });
  const legacy = child(t, { PIDKEEP_MARK: `${NS}/${ID}` });
  const stranger = child(t, { PIDKEEP_MARK: `other@${suffix}` });
  await running([target, legacy, stranger]);
  const start = startOf(target);
  const other = start.replace(/\d{4}$/, (y) => String(Number(y) - 1));
  assert.equal(kill('TERM', String(target), other, suffix).stdout.trim(), 'gone', 'another start time: another process, nothing sent');
  assert.equal(kill('TERM', String(target), start, `${STORE}/ffffffffffffffff`).stdout.trim(), 'refused marker');
  assert.equal(kill('TERM', String(stranger), startOf(stranger), suffix).stdout.trim(), 'refused marker', "another namespace's process");
  assert.ok(isAlive(target) && isAlive(stranger));
  for (const args of [
    ['STOP', String(target), start, suffix],
    ['TERM', '-1', start, suffix],
    ['TERM', '0', start, suffix],
    ['TERM', '1', start, suffix],
    ['TERM', `${target};id`, start, suffix],
    ['TERM', String(target), '$(id)', suffix],
    ['TERM', String(target), start, '$(touch /tmp/pwned)'],
    ['TERM', String(process.pid), start, suffix],
    ['TERM', String(process.ppid), start, suffix],
  ]) {
    const run = kill(...args);
    assert.equal(run.status, 3, `${JSON.stringify(args)}: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^refused/);
  }
  assert.ok(isAlive(target));
  assert.equal(kill('TERM', String(target), start, suffix).stdout.trim(), 'sent');
  await waitFor('the target to end', () => !isAlive(target));
  assert.equal(kill('TERM', String(legacy), startOf(legacy), `/${ID}`).stdout.trim(), 'sent', 'a pidkeep 0.1.0 marker');
  await waitFor('the 0.1.0 process to end', () => !isAlive(legacy));
  assert.equal(kill('TERM', String(target), start, suffix).stdout.trim(), 'gone', 'ended: nothing sent');
  assert.ok(isAlive(stranger));
});

test('macOS scope entries: fixed scripts, anchored validators that take what the backend sends and refuse the rest', () => {
  const scopes = macosPowerScopes(NS);
  assert.deepEqual(scopes.map((s) => [s.name, s.cmd, s.args[0], s.args[2]]), [['pidkeep-ps', 'sh', '-c', 'pidkeep-ps'], ['pidkeep-kill', 'sh', '-c', 'pidkeep-kill']]);
  const start = 'Sun Nov 29 09:00:01 2026';
  assert.ok(!('error' in prepare(scopes, {}, 'pidkeep-ps', ['-c', FIXED, 'pidkeep-ps', '1,2,3'])));
  assert.ok(!('error' in prepare(scopes, {}, 'pidkeep-kill', ['-c', FIXED, 'pidkeep-kill', 'TERM', '4242', start, `${STORE}/${ID}`])));
  for (const bad of [['TERM', '4242', `${start}; id`, `${STORE}/${ID}`], ['TERM', '4242', start, `${STORE}/${ID}; id`], ['STOP', '4242', start, `${STORE}/${ID}`], ['TERM', '0', start, `${STORE}/${ID}`]]) {
    assert.ok('error' in prepare(scopes, {}, 'pidkeep-kill', ['-c', FIXED, 'pidkeep-kill', ...bad]), bad.join(' '));
  }
  assert.throws(() => macosPowerScopes('bad ns'), TypeError);
});
