// The Tauri backend against a stand-in shell plugin: what it does with each answer the plugin can give. The powers'
// scripts themselves run in linux-powers.test.ts and macos-powers.test.ts; the real host in tauri-backend.test.ts
// and the browser tests.
// The real plugin, a real host and real processes prove it in tauri-backend.test.ts and the browser tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createProcessManager, type Store } from '../../src/index.js';
import { PidkeepError } from '../../src/errors.js';
import { judge } from '../../src/identity.js';
import { memoryStore } from '../../src/memory-store.js';
import { LOG_WRAPPER, spawnScopes, tauriBackend, type ShellCommand, type ShellPlugin } from '../../src/tauri/index.js';
import { FIXED } from '../../src/tauri/platform/types.js';

const REFUSAL = (name: string) => `program not allowed on the configured shell scope: ${name}`;

function memorySession(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
  };
}

interface FakeOptions {
  /** The probe script's output for these arguments. */
  ps?: (args: string[], env: Record<string, string>) => string;
  kill?: (args: string[]) => { code: number; stderr?: string; stdout?: string };
  killDoesNothing?: boolean;
}

/** A plugin stand-in: spawn hands out pids; Child.kill ends the child (close event) unless told to do nothing. */
function fakeShell(options: FakeOptions = {}) {
  const calls: string[] = [];
  const closers = new Map<number, (data: { code: number | null; signal: number | null }) => void>();
  let nextPid = 40_000;
  const create = (program: string, args: string[] = [], spawnOptions?: { env?: Record<string, string> }): ShellCommand => {
    const listeners: Record<string, (value: never) => void> = {};
    return {
      on: (event: string, listener: (value: never) => void) => void (listeners[event] = listener),
      stdout: { on: (_e: string, l: (value: never) => void) => void (listeners.stdout = l) },
      stderr: { on: () => undefined },
      async spawn() {
        if (program === 'forbidden') throw REFUSAL(program);
        const pid = ++nextPid;
        calls.push(`spawn ${program} ${args.join(' ')} -> ${pid}`);
        closers.set(pid, listeners.close as never);
        (listeners.stdout as (d: string) => void)?.('hello\n');
        return { pid };
      },
      async execute() {
        calls.push(`execute ${program} ${args.join(' ')}`);
        if (program === 'pidkeep-ps' && options.ps) return { code: 0, signal: null, stdout: options.ps(args, spawnOptions?.env ?? {}), stderr: '' };
        if (program === 'pidkeep-kill' && options.kill) return { signal: null, stdout: '', stderr: '', ...options.kill(args) };
        throw REFUSAL(program);
      },
    } as ShellCommand;
  };
  const shell: ShellPlugin = {
    Command: { create, sidecar: create },
    Child: class {
      constructor(readonly pid: number) {}
      async write(data: string | Uint8Array) {
        calls.push(`write ${this.pid} ${String(data)}`);
      }
      async kill() {
        calls.push(`kill ${this.pid}`);
        if (!options.killDoesNothing) closers.get(this.pid)?.({ code: null, signal: 9 });
      }
    },
  };
  return { shell, calls, end: (pid: number) => closers.get(pid)?.({ code: 0, signal: null }) };
}

const request = (id = '0123456789abcdef') => ({
  namespace: 'ns',
  name: 'rec',
  id,
  command: 'recorder',
  args: ['-x'],
  cwd: undefined,
  env: { PIDKEEP_MARK: `ns/${id}`, DROPPED: undefined },
  stdin: 'fifo' as const,
  dir: undefined,
});

test('without ps or kill: spawns, vouches for its own child, ends it with the plugin\'s SIGKILL and says what is missing', async () => {
  const fake = fakeShell();
  const output: string[] = [];
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux', onOutput: (e) => output.push(`${e.pid} ${e.stream}:${e.data}`) });
  const spawned = await backend.spawn(request());
  const pid = spawned.identity.pid;
  assert.equal(spawned.identity.startTime, '', 'no start time without ps');
  // the fake's channel delivers a line before the spawn's answer, as the real plugin can: it carries the pid all the same
  assert.deepEqual(output, [`${pid} stdout:hello\n`]);
  assert.equal(backend.powers().ps.state, 'missing');
  assert.match(backend.powers().ps.reason!, /program not allowed on the configured shell scope: pidkeep-ps/);
  const [seen] = await backend.probe([pid]);
  assert.deepEqual(seen, { pid, alive: true, identity: spawned.identity, marker: 'ns/0123456789abcdef', groupLeader: false });
  await assert.rejects(Promise.resolve(backend.signal(pid, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /pidkeep-kill/.test(e.message));
  await backend.write('tauri-shell-plugin:stdin', 'q', '0123456789abcdef');
  await backend.signal(pid, 'SIGKILL', { group: false });
  assert.deepEqual(await spawned.exited, { code: null, signal: 'SIGKILL' });
  assert.deepEqual(await backend.probe([pid]), [{ pid, alive: false }]);
  await assert.rejects(Promise.resolve(backend.write('tauri-shell-plugin:stdin', 'q', '0123456789abcdef')), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
  assert.ok(fake.calls.includes(`write ${pid} q`) && fake.calls.includes(`kill ${pid}`));
  backend.close();
});

test('after a reload (same session) the plugin still holds the child: writes reach it; without ps it cannot be proven', async () => {
  const fake = fakeShell();
  const session = memorySession();
  const first = tauriBackend({ shell: fake.shell, session, platform: 'linux' });
  const { identity } = await first.spawn(request());
  first.close();
  const reloaded = tauriBackend({ shell: fake.shell, session, platform: 'linux' });
  const [seen] = await reloaded.probe([identity.pid]);
  assert.equal(seen?.identity, undefined);
  assert.match(seen!.note!, /started in this app run.*ps/);
  await reloaded.write('tauri-shell-plugin:stdin', 'q', '0123456789abcdef');
  assert.ok(fake.calls.includes(`write ${identity.pid} q`));
  // A new webview (an app restart) has a new session: nothing is held, so nothing is pretended.
  const restarted = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux' });
  assert.match((await restarted.probe([identity.pid]))[0]!.note!, /earlier run of the app/);
  await assert.rejects(Promise.resolve(restarted.signal(identity.pid, 'SIGKILL', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED' && /kill would do nothing/.test(e.message));
  await assert.rejects(Promise.resolve(restarted.write('x', 'q', '0123456789abcdef')), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
  assert.ok(!fake.calls.some((c) => c.startsWith('kill')), 'no kill was sent for a process the plugin does not hold');
});

test('macOS: one batched run of the fixed probe script proves identity and marker; scan filters by marker prefix', async () => {
  const lines = (args: string[]) => {
    // What macosProbeScript prints (macos-powers.test.ts runs it): the app, then pid 1 and the asked-for processes,
    // each line cut down to pid, parent, group, lstart, state, program name and this app's marker.
    const table = [
      'app 900 800',
      '    1     0     1 Sun Nov 29 07:32:44 2026 Ss   init',
      '40001   900   900 Sun Nov 29 09:00:01 2026 S    recorder PIDKEEP_MARK=ns/0123456789abcdef',
      '40002   900   900 Sun Nov 29 09:00:02 2026 Z    sh',
      '  777     1   777 Sun Nov 29 08:00:00 2026 S    other PIDKEEP_MARK=ns/fedcba9876543210',
      '  778     1   778 Sun Nov 29 08:00:00 2026 S    other PIDKEEP_MARK=other',
    ];
    assert.deepEqual(args.slice(0, 3), ['-c', FIXED, 'pidkeep-ps'], 'the script itself comes from the capability');
    return table.join('\n') + '\n';
  };
  const fake = fakeShell({ ps: lines });
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'macos' });
  const spawned = await backend.spawn(request());
  assert.deepEqual(spawned.identity, { bootId: 'ps:Sun Nov 29 07:32:44 2026', pid: 40001, startTime: 'Sun Nov 29 09:00:01 2026', comm: 'recorder' });
  assert.equal(backend.limits().selfPid, 900, 'the app (the script\'s parent) is never signalled');
  assert.equal(backend.limits().parentPid, 800);
  const seen = await backend.probe([40001, 40002, 55555]);
  assert.deepEqual(seen.map((s) => [s.alive, s.marker]), [[true, 'ns/0123456789abcdef'], [false, undefined], [false, undefined]]);
  assert.equal(fake.calls.filter((c) => c.startsWith('execute pidkeep-ps')).length, 2, 'one call at spawn, one for the whole probe');
  assert.ok(fake.calls.at(-1)!.endsWith(' pidkeep-ps 40001,40002,55555'), fake.calls.at(-1));
  const found = await backend.scan!('ns/');
  assert.ok(fake.calls.at(-1)!.endsWith(' pidkeep-ps -'), 'a sweep asks the script for this namespace\'s marked processes');
  assert.deepEqual(found.map((p) => p.pid).sort(), [40001, 777]);
  await assert.rejects(Promise.resolve(backend.signal(900, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
  for (const pid of [0, 1, -1]) await assert.rejects(Promise.resolve(backend.signal(pid, 'SIGKILL', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
});

/** The macOS probe's answer: the app (900, child of a launcher 800), pid 1, and `more`. */
const listing = (more = '') => ['app 900 800', '    1     0     1 Sun Nov 29 07:32:44 2026 Ss   init', more].join('\n') + '\n';
const START = 'Sun Nov 29 09:10:00 2026';
const proven = (marker = 'ns@00112233aabbccdd/0123456789abcdef') => ({ startTime: START, marker, comm: 'recorder' });

test('macOS with kill: a signal runs the fixed kill script with the proven start time and marker, once the app is known', async () => {
  const sent: string[][] = [];
  const fake = fakeShell({
    ps: () => listing(`  777   900   900 ${START} S    recorder PIDKEEP_MARK=ns@00112233aabbccdd/0123456789abcdef`),
    kill: (args) => (sent.push(args.slice(2)), { code: 0, stdout: args[4] === '777' ? 'refused permission\n' : args[4] === '778' ? 'gone\n' : 'sent\n' }),
  });
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'macos' });
  // Before anything: the app (900) and its parent (800) are learned from the probe, and never signalled.
  await assert.rejects(Promise.resolve(backend.signal(900, 'SIGTERM', { group: false, expected: proven() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
  await assert.rejects(Promise.resolve(backend.signal(800, 'SIGTERM', { group: false, expected: proven() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
  assert.deepEqual(backend.limits(), { selfPid: 900, parentPid: 800, maxPid: 99_999 });
  await backend.signal(4242, 'SIGTERM', { group: true, expected: proven() });
  assert.deepEqual(sent, [['pidkeep-kill', 'TERM', '4242', START, '00112233aabbccdd/0123456789abcdef']], 'only the pid, never a group; the script re-checks start time and marker');
  // Refused while the process runs (another user's): PERMISSION_DENIED. Gone meanwhile: nothing left to do.
  await assert.rejects(Promise.resolve(backend.signal(777, 'SIGINT', { group: false, expected: proven() })), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED');
  await backend.signal(778, 'SIGINT', { group: false, expected: proven() });
  // A direct caller: what the probe shows at the pid now is what the script is asked to find again.
  await Promise.resolve(backend.signal(777, 'SIGKILL', { group: false })).catch(() => undefined);
  assert.deepEqual(sent.at(-1), ['pidkeep-kill', 'KILL', '777', START, '00112233aabbccdd/0123456789abcdef']);
  assert.equal(backend.powers().kill.state, 'granted');
});

test('with kill but no ps: the kill power is never used (the app could not be told apart), and the refusal says why', async () => {
  const fake = fakeShell({ kill: () => ({ code: 0 }) });
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'macos' });
  await assert.rejects(Promise.resolve(backend.signal(4242, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED' && /which process is the app/.test(e.message));
  assert.ok(!fake.calls.some((c) => c.startsWith('execute pidkeep-kill')));
});

test('a program outside the scope fails the spawn with Tauri\'s message and what to add', async () => {
  const backend = tauriBackend({ shell: fakeShell().shell, session: memorySession(), platform: 'linux' });
  await assert.rejects(backend.spawn({ ...request(), command: 'forbidden' }), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED' && /program not allowed on the configured shell scope: forbidden/.test(e.message) && /shell:allow-spawn/.test(e.message));
});

test('the manager over the plugin alone: SIGTERM is skipped, SIGKILL ends it, and a kill that did nothing is never reported as a stop', async () => {
  const fake = fakeShell();
  const pm = await createProcessManager({ namespace: 'ns', backend: tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux' }), store: memoryStore(), pollInterval: 20 });
  const handle = await pm.start('rec', { command: 'recorder', stop: [{ signal: 'SIGTERM', wait: 100 }, { signal: 'SIGKILL', wait: 300 }] });
  const result = await handle.stop();
  assert.equal(result.by, 'SIGKILL');
  assert.equal(result.forced, true);
  assert.deepEqual(result.exit, { code: null, signal: 'SIGKILL' });

  const deaf = fakeShell({ killDoesNothing: true });
  const pm2 = await createProcessManager({ namespace: 'ns', backend: tauriBackend({ shell: deaf.shell, session: memorySession(), platform: 'linux' }), store: memoryStore(), pollInterval: 20 });
  const stuck = await pm2.start('rec', { command: 'recorder', stop: [{ signal: 'SIGKILL', wait: 200 }] });
  await assert.rejects(stuck.stop(), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED');
  assert.equal(stuck.status, 'running');
  deaf.end(stuck.pid);
  await stuck.exited;
  await pm.close();
  await pm2.close();
});

test('a held child whose parent changed (its app run ended under an open page) is no longer taken as held', async () => {
  let parent = 900;
  const fake = fakeShell({ ps: () => `app 900 800\n    1     0     1 Sun Nov 29 07:32:44 2026 Ss   init\n40001 ${parent}   900 Sun Nov 29 09:00:01 2026 S    recorder PIDKEEP_MARK=ns/0123456789abcdef\n` });
  const session = memorySession();
  const first = tauriBackend({ shell: fake.shell, session, platform: 'macos', kill: false });
  await first.spawn(request());
  first.close();
  const reloaded = tauriBackend({ shell: fake.shell, session, platform: 'macos', kill: false });
  await reloaded.probe([40001]);
  await reloaded.write('tauri-shell-plugin:stdin', 'q', '0123456789abcdef'); // same parent: still held
  parent = 1; // the app died; the child was reparented
  await reloaded.probe([40001]);
  await assert.rejects(Promise.resolve(reloaded.write('tauri-shell-plugin:stdin', 'q', '0123456789abcdef')), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
  await assert.rejects(Promise.resolve(reloaded.signal(40001, 'SIGKILL', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED');
  assert.equal(fake.calls.filter((c) => c.startsWith('write')).length, 1);
  assert.ok(!fake.calls.some((c) => c.startsWith('kill')));
});

test('logs: a wrapped program runs as `sh -c LOG_WRAPPER <program> <args>`, with its log files named per start', async () => {
  const fake = fakeShell();
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux', logs: { dir: '/data/logs/', commands: { recorder: 'ffmpeg' } } });
  const spawned = await backend.spawn(request());
  assert.deepEqual(spawned.logs, { stdout: '/data/logs/ns/rec.0123456789abcdef.out.log', stderr: '/data/logs/ns/rec.0123456789abcdef.err.log' });
  assert.ok(fake.calls[0]!.startsWith(`spawn recorder -c ${LOG_WRAPPER} ffmpeg -x -> `), fake.calls[0]);
  const plain = await backend.spawn({ ...request('fedcba9876543210'), command: 'worker' });
  assert.deepEqual(plain.logs, { stdout: null, stderr: null });
  assert.throws(() => tauriBackend({ shell: fake.shell, logs: { dir: 'logs', commands: {} } }), /absolute path/);
});

test("the example app's capabilities allow exactly pidkeep's LOG_WRAPPER for its logged recorder", () => {
  const capability = JSON.parse(readFileSync(new URL('../../examples/tauri-app/src-tauri/capabilities/default.json', import.meta.url), 'utf8'));
  const spawn = capability.permissions.find((p: { identifier?: string }) => p.identifier === 'shell:allow-spawn');
  const recorder = spawn.allow.find((a: { name: string }) => a.name === 'recorder');
  assert.deepEqual([recorder.cmd, ...recorder.args.slice(0, 3)], ['sh', '-c', LOG_WRAPPER, 'ffmpeg']);
});

test("spawnScopes reads a capability file's shell:allow-spawn entries, checked and typed, and says what is wrong with a bad one", () => {
  const capability: unknown = JSON.parse(readFileSync(new URL('../../examples/tauri-app/src-tauri/capabilities/default.json', import.meta.url), 'utf8'));
  const scopes = spawnScopes(capability);
  assert.deepEqual(scopes.map((s) => s.name), ['recorder', 'worker', 'ffmpeg', 'ffmpeg-tone']);
  assert.deepEqual(spawnScopes({ permissions: ['core:default'] }), [], 'no spawn permission: no entries');
  const two = spawnScopes({ permissions: [{ identifier: 'shell:allow-spawn', allow: [{ name: 'a', cmd: 'a' }] }, { identifier: 'shell:allow-spawn', allow: [{ name: 'b', args: true }] }] });
  assert.deepEqual(two.map((s) => s.name), ['a', 'b'], 'several spawn permissions are joined in order');
  for (const [bad, message] of [
    [null, /a capability file/],
    [{ permissions: 'x' }, /a capability file/],
    [{ permissions: [{ identifier: 'shell:allow-spawn', allow: 'x' }] }, /not a list/],
    [{ permissions: [{ identifier: 'shell:allow-spawn', allow: [{ cmd: 'sleep' }] }] }, /has no `name`/],
    [{ permissions: [{ identifier: 'shell:allow-spawn', allow: [{ name: 'a', cmd: 5 }] }] }, /"a" has a `cmd`/],
    [{ permissions: [{ identifier: 'shell:allow-spawn', allow: [{ name: 'a', args: [5] }] }] }, /"a" has `args`/],
  ] as const) {
    assert.throws(() => spawnScopes(bad), (error: unknown) => error instanceof TypeError && message.test(error.message), JSON.stringify(bad));
  }
});

test('a record that cannot be written: the error names the pid, and says "stopped" only when it was', async () => {
  const failing = (): Store => ({ ...memoryStore(), put: () => Promise.reject(new Error('disk full')) });
  const fake = fakeShell();
  const pm = await createProcessManager({ namespace: 'ns', backend: tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux' }), store: failing() });
  await assert.rejects(pm.start('rec', { command: 'recorder' }), (e: unknown) => e instanceof PidkeepError && e.code === 'STORE_FAILED' && e.pid === 40001 && /disk full.*was stopped$/.test(e.message));

  const deaf = fakeShell({ killDoesNothing: true });
  const pm2 = await createProcessManager({ namespace: 'ns', backend: tauriBackend({ shell: deaf.shell, session: memorySession(), platform: 'linux' }), store: failing() });
  await assert.rejects(pm2.start('rec', { command: 'recorder' }), (e: unknown) => e instanceof PidkeepError && e.pid === 40001 && /could not be stopped \(.*\): stop it by hand, or run sweep\(\)$/.test(e.message));
  deaf.end(40001);
  await pm.close();
  await pm2.close();
});

test('Linux: the powers are the capability\'s fixed scripts; kill sends the proven start ticks and marker, and a refusal fails the stop', async () => {
  const kills: string[][] = [];
  const fake = fakeShell({
    ps: (args) => {
      assert.equal(args[0], '-c');
      assert.equal(args[2], 'pidkeep-ps');
      return ['boot 0f0f0f0f-0000-4000-8000-000000000001', 'app 900 899', 'stat 40001 S 900 900 123456 recorder', 'mark 40001 ns@00112233aabbccdd/0123456789abcdef', ''].join('\n');
    },
    kill: (args) => (kills.push(args), { code: args[4] === '40001' ? 0 : 3, stdout: args[4] === '40001' ? 'sent\n' : 'refused marker\n' } as { code: number }),
  });
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux' });
  const spawned = await backend.spawn({ ...request(), env: { PIDKEEP_MARK: 'ns@00112233aabbccdd/0123456789abcdef' } });
  assert.deepEqual(spawned.identity, { bootId: '0f0f0f0f-0000-4000-8000-000000000001', pid: 40001, startTime: '123456', comm: 'recorder' }, 'start ticks and the kernel boot id: no wall clock');
  await backend.signal(40001, 'SIGTERM', { group: false, expected: { startTime: '123456', marker: 'ns@00112233aabbccdd/0123456789abcdef', comm: 'recorder' } });
  assert.deepEqual(kills[0]!.slice(2), ['pidkeep-kill', 'TERM', '40001', '123456', '00112233aabbccdd/0123456789abcdef']);
  await backend.signal(40001, 'SIGINT', { group: false, expected: { startTime: '123456', marker: 'ns/0123456789abcdef', comm: 'recorder' } });
  assert.equal(kills[1]![6], '/0123456789abcdef', 'a pidkeep 0.1.0 marker is sent as /<id>');
  await assert.rejects(Promise.resolve(backend.signal(40077, 'SIGTERM', { group: false, expected: { startTime: '1', marker: 'ns@00112233aabbccdd/0123456789abcdef', comm: 'recorder' } })), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /refused marker/.test(e.message));
  await assert.rejects(Promise.resolve(backend.signal(900, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID', 'the app itself, known from the probe');
});

test('a clock step (NTP, a VM restore): Linux identities are start ticks and the kernel boot id, which it cannot move; `lstart`, which moves with it, is never read there', async () => {
  // The same processes before and after the wall clock jumped an hour: /proc's start ticks and boot id are unchanged.
  const probeOutput = ['boot 0f0f0f0f-0000-4000-8000-000000000001', 'app 900 899', 'stat 40001 S 900 900 123456 recorder', 'mark 40001 ns@00112233aabbccdd/0123456789abcdef', ''].join('\n');
  const fake = fakeShell({ ps: () => probeOutput });
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux' });
  const spawned = await backend.spawn({ ...request(), env: { PIDKEEP_MARK: 'ns@00112233aabbccdd/0123456789abcdef' } });
  const record = { ...spawned.identity, marker: 'ns@00112233aabbccdd/0123456789abcdef' };
  const [after] = await backend.probe([40001]);
  assert.equal(judge(record, after).kind, 'same', 'still the same process after the step');
  assert.ok(!fake.calls.some((c) => /lstart/.test(c)), 'no call asks for lstart');
  // What a wall-clock-derived identity would have done (procps `lstart` = boot time from the current clock + ticks):
  // every start time shifted, pid 1's too, so a live process would be judged gone. macOS keeps an absolute start
  // time per process (set at fork), so its `lstart` does not move; there it stays the identity.
  const shifted = (lstart: string) => ({ pid: 40001, alive: true, identity: { bootId: 'ps:Sun Nov 29 08:32:44 2026', pid: 40001, startTime: lstart, comm: 'recorder' }, marker: record.marker });
  const byLstart = { bootId: 'ps:Sun Nov 29 07:32:44 2026', pid: 40001, startTime: 'Sun Nov 29 09:00:01 2026', comm: 'recorder', marker: record.marker };
  assert.equal(judge(byLstart, shifted('Sun Nov 29 10:00:01 2026')).kind, 'gone', 'the failure the Linux backend avoids by reading /proc');
});

test('with the capability\'s scope entries, a start the plugin would run otherwise is refused before anything runs, so no record names arguments that never ran', async () => {
  const capability = JSON.parse(readFileSync(new URL('../../examples/tauri-app/src-tauri/capabilities/default.json', import.meta.url), 'utf8'));
  const scopes = capability.permissions.find((p: { identifier?: string }) => p.identifier === 'shell:allow-spawn').allow;
  const fake = fakeShell();
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux', scopes, logs: { dir: '/data/logs', commands: { recorder: 'ffmpeg' } } });
  const good = ['-hide_banner', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-f', 'wav', '-flush_packets', '1', '-y', '/data/a.wav'];
  const start = (command: string, args: string[]) => backend.spawn({ ...request(), command, args });
  await start('recorder', good);
  await start('worker', ['5']);
  const spawned = fake.calls.length;
  const refused = async (command: string, args: string[], code: string, pattern: RegExp) =>
    assert.rejects(start(command, args), (e: unknown) => e instanceof PidkeepError && e.code === code && pattern.test(e.message) && e.record === 'rec');
  await refused('worker', ['5', '--extra'], 'SPAWN_FAILED', /would run \["5"\], not the \["5","--extra"\] given/);
  await refused('recorder', good.map((a) => (a === '-re' ? '-readrate' : a)), 'SPAWN_FAILED', /a fixed argument comes from the capability/);
  await refused('recorder', good.map((a) => (a === '/data/a.wav' ? 'relative.wav' : a)), 'PERMISSION_DENIED', /argument 14 \("relative\.wav"\) does not match \^\^\/\.\+\\\.wav\$\$/);
  await refused('worker', [], 'PERMISSION_DENIED', /argument 0 must match/);
  await refused('other', [], 'PERMISSION_DENIED', /no shell:allow-spawn scope entry is named "other"/);
  assert.equal(fake.calls.length, spawned, 'nothing was spawned for a refused start');
});

test('scope validators are read as Rust reads them: \\d is any Unicode digit; a validator JavaScript cannot say the same way is UNSUPPORTED, not guessed', async () => {
  const fake = fakeShell();
  const scopes = [
    { name: 'digits', cmd: 'sleep', args: [{ validator: '\\d+' }] },
    { name: 'words', cmd: 'echo', args: [{ validator: '\\bword\\b' }] },
  ];
  const backend = tauriBackend({ shell: fake.shell, session: memorySession(), platform: 'linux', scopes });
  const start = (command: string, args: string[]) => backend.spawn({ ...request(), command, args });
  await start('digits', ['٣']); // Arabic-Indic three: \d in Rust, not in JavaScript
  const calls = fake.calls.length;
  await assert.rejects(start('words', ['word']), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /\\b: a Unicode word boundary in Rust/.test(e.message) && /leave the entry out of `scopes`/.test(e.message));
  assert.equal(fake.calls.length, calls, 'nothing was spawned');
});
