// The Linux power scripts run directly, as the shell plugin would run them (`sh -c <script> <name> <args...>`, the
// app being the shell's parent: here, this test process), against real processes and hostile arguments.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { nodeBackend } from '../../src/node/index.js';
import { linuxKillScript, linuxPowerScopes, linuxProbeScript, parseLinuxProbe } from '../../src/tauri/platform/linux.js';
import { isAlive, reaper, waitFor } from '../helpers/index.js';

const NS = 'app.ns';
const STORE = '0123456789abcdef';
const ID = 'fedcba98765432100000000a';

function child(t: Parameters<typeof reaper>[0], env: Record<string, string>, args = ['300'], detached = true) {
  const c = spawn('sleep', args, { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore', detached });
  reaper(t)(c.pid);
  return c.pid!;
}
const probe = (arg: string) => spawnSync('sh', ['-c', linuxProbeScript(NS), 'pidkeep-ps', arg], { encoding: 'utf8' });
const kill = (...args: string[]) => spawnSync('sh', ['-c', linuxKillScript(NS), 'pidkeep-kill', ...args], { encoding: 'utf8' });
const ticksOf = async (pid: number) => (await nodeBackend().probe([pid]))[0]!.identity!.startTime;

test('the probe tells pid, parent, group, state, start ticks, command and only this namespace\'s marker', async (t) => {
  const mine = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}`, API_TOKEN: 'hunter2-secret' });
  const theirs = child(t, { PIDKEEP_MARK: `other@${STORE}/${ID}`, API_TOKEN: 'hunter2-secret' });
  const plain = child(t, {});
  await waitFor('the children to run sleep', () => [mine, theirs, plain].every((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'));
  const run = probe(`${mine},${theirs},${plain},999999999`);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /hunter2|other@/, 'no other variable, no other namespace\'s marker');
  const listing = parseLinuxProbe(run.stdout);
  assert.equal(listing.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  assert.deepEqual(listing.app, { pid: process.pid, parent: process.ppid }, "the app is the shell's parent");
  const byPid = new Map(listing.processes.map((p) => [p.pid, p]));
  assert.deepEqual(byPid.get(mine), { pid: mine, ppid: process.pid, pgrp: mine, state: 'S', startTime: await ticksOf(mine), comm: 'sleep', marker: `${NS}@${STORE}/${ID}` });
  assert.equal(byPid.get(theirs)?.marker, 'other');
  assert.equal(byPid.get(plain)?.marker, null);
  assert.equal(byPid.has(999999999), false, 'a pid nobody holds is simply absent');
});

test('the probe lists every process carrying this namespace\'s marker, and no other', async (t) => {
  const mine = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}` });
  const legacy = child(t, { PIDKEEP_MARK: `${NS}/${ID}` });
  const theirs = child(t, { PIDKEEP_MARK: `appXns@${STORE}/${ID}` }); // the `.` in the namespace is no wildcard
  await waitFor('the children to run sleep', () => [mine, legacy, theirs].every((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'));
  const pids = parseLinuxProbe(probe('-').stdout).processes.map((p) => p.pid);
  assert.ok(pids.includes(mine) && pids.includes(legacy));
  assert.ok(!pids.includes(theirs));
});

test('the probe refuses arguments that are not a pid list', () => {
  for (const bad of ['', '1;id', '$(id)', '1,,2', ',1', '1,', '../1', '1 2', '-1']) assert.equal(probe(bad).status, 2, JSON.stringify(bad));
});

test('kill signals only the process with this marker and these start ticks, re-checked right before the signal', async (t) => {
  const suffix = `${STORE}/${ID}`;
  const target = child(t, { PIDKEEP_MARK: `${NS}@${suffix}` });
  const stranger = child(t, { PIDKEEP_MARK: `other@${suffix}` });
  await waitFor('the children to run sleep', () => [target, stranger].every((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep'));
  const ticks = await ticksOf(target);
  assert.equal(kill('TERM', String(target), String(Number(ticks) + 1), suffix).stdout.trim(), 'gone', 'other start ticks: another process, nothing sent');
  assert.equal(kill('TERM', String(target), ticks, `${STORE}/ffffffffffffffff`).stdout.trim(), 'refused marker');
  assert.equal(kill('TERM', String(stranger), await ticksOf(stranger), suffix).stdout.trim(), 'refused marker', "another namespace's process");
  assert.ok(isAlive(target) && isAlive(stranger));
  const hostile: string[][] = [
    ['STOP', String(target), ticks, suffix],
    ['TERM', '-1', ticks, suffix],
    ['TERM', '0', ticks, suffix],
    ['TERM', '1', ticks, suffix],
    ['TERM', `${target};id`, ticks, suffix],
    ['TERM', '99999999999', ticks, suffix],
    ['TERM', String(target), '$(id)', suffix],
    ['TERM', String(target), ticks, '$(touch /tmp/pwned)'],
    ['TERM', String(process.pid), ticks, suffix],
    ['TERM', String(process.ppid), ticks, suffix],
  ];
  for (const args of hostile) {
    const run = kill(...args);
    assert.equal(run.status, 3, `${JSON.stringify(args)}: ${run.stdout}`);
    assert.match(run.stdout, /^refused/);
  }
  assert.ok(isAlive(target), 'nothing hostile reached it');
  const sent = kill('TERM', String(target), ticks, suffix);
  assert.equal(sent.stdout.trim(), 'sent');
  await waitFor('the target to end', () => !isAlive(target));
  assert.ok(isAlive(stranger));
  assert.equal(kill('TERM', String(target), ticks, suffix).stdout.trim(), 'gone');
});

test('a pidkeep 0.1.0 marker is accepted as such; another user\'s process is refused, never reported gone', async (t) => {
  const suffix = `/${ID}`; // pidkeep 0.1.0 gave its children `<namespace>/<id>`
  const old = child(t, { PIDKEEP_MARK: `${NS}${suffix}` });
  await waitFor('it to run sleep', () => readFileSync(`/proc/${old}/comm`, 'utf8').trim() === 'sleep');
  // Run as nobody, the script cannot even read our root-owned process's marker: refused, never "gone".
  const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', linuxKillScript(NS), 'pidkeep-kill', 'TERM', String(old), await ticksOf(old), suffix], { encoding: 'utf8' });
  assert.equal(asNobody.stdout.trim(), 'refused marker', 'another user\'s process: never "gone"');
  assert.ok(isAlive(old));
  assert.equal(kill('TERM', String(old), await ticksOf(old), suffix).stdout.trim(), 'sent');
  await waitFor('the 0.1.0 process to end', () => !isAlive(old));
});

test('the scope entries: fixed scripts, anchored validators that take what the backend sends and refuse the rest', () => {
  const [ps, kill] = linuxPowerScopes(NS);
  assert.deepEqual([ps!.name, ps!.cmd, ps!.args.slice(0, 3)], ['pidkeep-ps', 'sh', ['-c', linuxProbeScript(NS), 'pidkeep-ps']]);
  const anchored = (entry: { validator: string } | string) => new RegExp(`^${(entry as { validator: string }).validator}$`);
  const pidList = anchored(ps!.args[3]!);
  for (const good of ['-', '2', '123,456', Array.from({ length: 512 }, (_, i) => i + 2).join(',')]) assert.ok(pidList.test(good), good);
  for (const bad of ['', '0', '-1', '1;id', '1,', Array.from({ length: 513 }, (_, i) => i + 2).join(',')]) assert.ok(!pidList.test(bad), bad);
  const [sig, pid, ticks, suffix] = kill!.args.slice(3).map(anchored);
  assert.equal(kill!.args.length, 7, 'signal, pid, ticks and marker: nothing else');
  assert.ok(sig!.test('TERM') && !sig!.test('STOP') && !sig!.test('TERM;id'));
  assert.ok(pid!.test('4242') && !pid!.test('0') && !pid!.test('-1') && !pid!.test('12345678901'));
  assert.ok(ticks!.test('123456') && !ticks!.test('1e5'));
  assert.ok(suffix!.test(`${STORE}/${ID}`) && suffix!.test(`/${ID}`) && !suffix!.test('../x') && !suffix!.test(`${STORE}/${ID}/x`));
  assert.throws(() => linuxPowerScopes("x'; id; '"), TypeError, 'a namespace never reaches the script unless it is a name');
});

test('the probe of a single pid still tells its marker (grep names the file even when it reads only one)', async (t) => {
  const one = child(t, { PIDKEEP_MARK: `${NS}@${STORE}/${ID}` });
  await waitFor('it to run sleep', () => readFileSync(`/proc/${one}/comm`, 'utf8').trim() === 'sleep');
  assert.equal(parseLinuxProbe(probe(String(one)).stdout).processes[0]?.marker, `${NS}@${STORE}/${ID}`);
});
