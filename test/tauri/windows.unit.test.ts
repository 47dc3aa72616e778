// The Tauri backend on Windows against a stand-in shell plugin: the `ps` power is one powershell.exe (CIM) run, the
// `kill` power a fixed PowerShell script that re-checks creation time and image name before taskkill.exe. Real
// PowerShell and taskkill are not on this machine (NOT RUN on Windows): the command lines are checked against the
// example's capabilities/windows.json through the host's scope check, hostile arguments against its validators,
// the parsing against the documented output format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { PidkeepError } from '../../src/errors.js';
import { memoryStore } from '../../src/memory-store.js';
import type { SignalName } from '../../src/types.js';
import { tauriBackend, type ShellCommand, type ShellPlugin } from '../../src/tauri/index.js';
import { FIXED } from '../../src/tauri/platform/types.js';
import { WINDOWS_KILL_SCRIPT, WINDOWS_PS_SCRIPT, windowsPsArgs } from '../../src/tauri/platform/windows.js';
import { prepare } from '../../src/tauri-host/shell-scope.js';

type Answer = { code: number; stdout?: string; stderr?: string };

/** The plugin, reduced to what the backend calls: `execute` answers per scope name (none: Tauri's refusal). */
function plugin(answers: Record<string, (args: string[]) => Answer> = {}) {
  const executed: Array<[string, string[]]> = [];
  const closers = new Map<number, (data: { code: number | null; signal: number | null }) => void>();
  let nextPid = 7000;
  const create = (program: string, args: string[] = []) => {
    let close: (data: { code: number | null; signal: number | null }) => void = () => undefined;
    const command = {
      on: (event: string, listener: never) => void (event === 'close' && (close = listener)),
      stdout: { on: () => undefined },
      stderr: { on: () => undefined },
      async spawn() {
        const pid = (nextPid += 4);
        closers.set(pid, close);
        return { pid };
      },
      async execute() {
        executed.push([program, args]);
        const answer = answers[program];
        if (!answer) throw `program not allowed on the configured shell scope: ${program}`;
        return { signal: null, stdout: '', stderr: '', ...answer(args) };
      },
    };
    return command as unknown as ShellCommand;
  };
  const shell: ShellPlugin = {
    Command: { create, sidecar: create },
    Child: class {
      constructor(readonly pid: number) {}
      async write() {}
      async kill() {
        closers.get(this.pid)?.({ code: 1, signal: null });
      }
    },
  };
  return { shell, executed, end: (pid: number) => closers.get(pid)?.({ code: 1, signal: null }) };
}

const BOOT = '2026-11-29T06:00:01.5000000Z';
/**
 * What the script prints on Windows: BOM-less UTF-8 with CRLF, `boot|`, `self|<app>|<its parent>` (PowerShell's
 * parent is the app), then pid|ppid|created|name per process.
 */
const cim = (rows: string[]) => `boot|${BOOT}\r\nself|900|800\r\n${rows.map((row) => `${row}\r\n`).join('')}`;

const request = (id = '0123456789abcdef') => ({
  namespace: 'ns',
  name: 'rec',
  id,
  command: 'recorder',
  args: [],
  cwd: undefined,
  env: { PIDKEEP_MARK: `ns/${id}` },
  stdin: 'fifo' as const,
  dir: undefined,
});

test('Windows probe: one powershell.exe run for all pids; creation date, image name and boot time make the identity, no marker', async () => {
  const fake = plugin({ 'pidkeep-ps': () => ({ code: 0, stdout: cim(['7004|900|2026-11-29T09:00:01.1234560Z|ffmpeg.exe', '4321|4|2026-11-29T08:00:00.0000000Z|svchost.exe']) }) });
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  const spawned = await backend.spawn(request());
  assert.deepEqual(spawned.identity, { bootId: BOOT, pid: 7004, startTime: '2026-11-29T09:00:01.1234560Z', comm: 'ffmpeg.exe' });
  assert.equal(backend.limits().selfPid, 900, 'the app (parent of its children) is never signalled');
  assert.ok(backend.limits().maxPid > 4_194_304, 'Windows pids are 32-bit');

  const seen = await backend.probe([7004, 4321, 55555]);
  assert.deepEqual(seen[0], { pid: 7004, alive: true, identity: spawned.identity, marker: undefined, groupLeader: false });
  assert.equal(seen[1]!.identity?.comm, 'svchost.exe');
  assert.deepEqual(seen[2], { pid: 55555, alive: false }, 'a pid CIM does not list is dead');
  assert.deepEqual(
    fake.executed.map(([name, args]) => [name, ...args]),
    [
      ['pidkeep-ps', '-NoProfile', '-NonInteractive', '-Command', WINDOWS_PS_SCRIPT, '7004'],
      ['pidkeep-ps', '-NoProfile', '-NonInteractive', '-Command', WINDOWS_PS_SCRIPT, '7004,4321,55555'],
    ],
    'one call at spawn, one for the whole probe',
  );
  assert.equal(backend.powers().ps.state, 'granted');
});

test('Windows probe output: a byte-order mark and warnings are read past; no pid asks for pid 0; no boot line is an error', async () => {
  let stdout = `\uFEFF${cim(['WARNING: something', '7004|900|2026-11-29T09:00:01.1234560Z|Ünïcode tool.exe'])}`;
  const fake = plugin({ 'pidkeep-ps': () => ({ code: 0, stdout }) });
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  const [seen] = await backend.probe([7004]);
  assert.deepEqual(seen!.identity, { bootId: BOOT, pid: 7004, startTime: '2026-11-29T09:00:01.1234560Z', comm: 'Ünïcode tool.exe' });
  assert.deepEqual(await backend.probe([]), []);
  assert.equal(fake.executed.at(-1)![1].at(-1), '0', 'no pid: 0 (the System Idle Process, never printed) keeps the argument valid');
  stdout = 'Get-CimInstance : Access denied\r\n';
  await assert.rejects(Promise.resolve(backend.probe([7004])), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /powershell\.exe printed nothing pidkeep can read/.test(e.message));
});

test('the core guards a Windows pid by its image name: same creation time but another name is a reuse', async () => {
  let name = 'ffmpeg.exe';
  const fake = plugin({
    'pidkeep-ps': () => ({ code: 0, stdout: cim([`7004|900|2026-11-29T09:00:01.1234560Z|${name}`]) }),
    'pidkeep-kill': () => ({ code: 0, stdout: 'sent' }),
  });
  const pm = await createProcessManager({ namespace: 'ns', backend: tauriBackend({ shell: fake.shell, session: null, platform: 'windows' }), store: memoryStore(), pollInterval: 20 });
  const handle = await pm.start('rec', { command: 'recorder' });
  name = 'other.exe';
  assert.equal((await handle.stop()).outcome, 'already-exited', 'ours is gone: the pid runs another program');
  assert.ok(!fake.executed.some(([scope]) => scope.startsWith('pidkeep-kill')), 'nothing was sent to a process that is not ours');
  await pm.close();
});

const CREATED = '2026-11-29T09:00:01.1234560Z';
const expected = (comm = 'ffmpeg.exe') => ({ startTime: CREATED, marker: '', comm });
const killLine = (pid: number, how: 'close' | 'force', comm = 'ffmpeg.exe') => ['-NoProfile', '-NonInteractive', '-Command', FIXED, String(pid), CREATED, comm, how];

test('the kill script per signal: graceful ones as a close request, SIGKILL as `force` (never /T), each with the proven creation time and image name; SIGUSR1/2 are UNSUPPORTED', async () => {
  const fake = plugin({ 'pidkeep-ps': () => ({ code: 0, stdout: cim([]) }), 'pidkeep-kill': () => ({ code: 0, stdout: 'sent' }) });
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  // The app (PowerShell's parent) and its parent are learned first, and never signalled.
  await assert.rejects(Promise.resolve(backend.signal(900, 'SIGKILL', { group: false, expected: expected() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
  await assert.rejects(Promise.resolve(backend.signal(800, 'SIGKILL', { group: false, expected: expected() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSAFE_PID');
  const sent: Array<[SignalName, string, string[]]> = [];
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGKILL'] as const) {
    await backend.signal(4242, sig, { group: true, expected: expected() });
    const [scope, args] = fake.executed.at(-1)!;
    sent.push([sig, scope, args]);
  }
  assert.deepEqual(sent, [
    ['SIGINT', 'pidkeep-kill', killLine(4242, 'close')],
    ['SIGTERM', 'pidkeep-kill', killLine(4242, 'close')],
    ['SIGHUP', 'pidkeep-kill', killLine(4242, 'close')],
    ['SIGQUIT', 'pidkeep-kill', killLine(4242, 'close')],
    ['SIGKILL', 'pidkeep-kill', killLine(4242, 'force')],
  ]);
  const before = fake.executed.length;
  for (const sig of ['SIGUSR1', 'SIGUSR2'] as const) {
    await assert.rejects(Promise.resolve(backend.signal(4242, sig, { group: false, expected: expected() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /Windows has no SIGUSR/.test(e.message));
  }
  // An image name the validator cannot pass is refused here, not sent to be refused by Tauri.
  await assert.rejects(Promise.resolve(backend.signal(4242, 'SIGKILL', { group: false, expected: expected('My Tool.exe') })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /cannot name the image/.test(e.message));
  assert.equal(fake.executed.length, before, 'nothing run for a signal Windows does not have or a name it cannot pass');
  // A direct caller (no proven identity): what is at the pid now is sent along, and the script checks it again.
  const direct = tauriBackend({ shell: plugin({ 'pidkeep-ps': () => ({ code: 0, stdout: cim([`4242|900|${CREATED}|ffmpeg.exe`]) }), 'my-kill': () => ({ code: 0, stdout: 'sent' }) }).shell, session: null, platform: 'windows', kill: 'my-kill' });
  await direct.signal(4242, 'SIGKILL', { group: false });
  assert.equal(direct.powers().kill.state, 'granted');
});

test('what the script says: `gone` sent nothing and is no error; a close request taskkill cannot deliver lets the plan go on; a failed force is a failed stop', async () => {
  const alive = new Set([7004]);
  let forceWorks = true;
  const fake = plugin({
    'pidkeep-ps': (args) => ({ code: 0, stdout: cim(args.at(-1)!.split(',').filter((pid) => alive.has(Number(pid))).map((pid) => `${pid}|900|${CREATED}|ffmpeg.exe`)) }),
    'pidkeep-kill': (args) => {
      const pid = Number(args[4]);
      if (!alive.has(pid)) return { code: 0, stdout: 'gone\r\n' };
      if (args.at(-1) === 'close') return { code: 4, stdout: 'refused taskkill 128\r\n' };
      if (!forceWorks) return { code: 4, stdout: 'refused taskkill 1\r\n' };
      alive.delete(pid);
      fake.end(pid);
      return { code: 0, stdout: 'sent\r\n' };
    },
  });
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  await assert.rejects(Promise.resolve(backend.signal(7004, 'SIGTERM', { group: false, expected: expected() })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /only ask a program with a window/.test(e.message) && /refused taskkill 128/.test(e.message));
  await backend.signal(9999, 'SIGKILL', { group: false, expected: expected() }); // gone: nothing to do
  const pm = await createProcessManager({ namespace: 'ns', backend, store: memoryStore(), pollInterval: 20 });
  const handle = await pm.start('rec', { command: 'recorder', stop: [{ signal: 'SIGTERM', wait: 5000 }, { signal: 'SIGKILL', wait: 1000 }] });
  assert.equal(handle.pid, 7004);
  const result = await handle.stop();
  assert.equal(result.by, 'SIGKILL');
  assert.ok(result.durationMs < 2000, 'no wait for a close request that was never delivered');
  forceWorks = false;
  alive.add(7008);
  const stuck = await pm.start('rec2', { command: 'recorder', stop: [{ signal: 'SIGKILL', wait: 200 }] });
  assert.equal(stuck.pid, 7008);
  await assert.rejects(stuck.stop(), (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /taskkill\.exe \/F \/PID 7008\) said "refused taskkill 1"/.test(e.message));
  alive.delete(stuck.pid);
  fake.end(stuck.pid);
  await pm.close();
});

test('refused scopes: each power is missing with Tauri\'s message, the plugin still kills its own child, and sweep says why it cannot work', async () => {
  const fake = plugin();
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  const spawned = await backend.spawn(request());
  assert.deepEqual(backend.powers().ps, { state: 'missing', reason: 'program not allowed on the configured shell scope: pidkeep-ps' });
  assert.equal(spawned.identity.startTime, '', 'no creation time without the ps power');
  await assert.rejects(Promise.resolve(backend.signal(spawned.identity.pid, 'SIGTERM', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /powershell\.exe/.test(e.message) && /pidkeep-kill/.test(e.message));
  assert.deepEqual(backend.powers().kill, { state: 'unknown' }, 'without ps the app cannot be told apart: the kill power is never tried');
  await backend.signal(spawned.identity.pid, 'SIGKILL', { group: false });
  assert.deepEqual(await backend.probe([spawned.identity.pid]), [{ pid: spawned.identity.pid, alive: false }]);
  assert.match((await backend.probe([12345]))[0]!.note!, /earlier run of the app.*powershell\.exe/);
  await assert.rejects(Promise.resolve(backend.signal(12345, 'SIGKILL', { group: false })), (e: unknown) => e instanceof PidkeepError && e.code === 'PERMISSION_DENIED' && /Tauri said: program not allowed/.test(e.message));
  const executed = fake.executed.length;
  await assert.rejects(Promise.resolve(backend.scan!('ns/')), (e: unknown) => e instanceof PidkeepError && e.code === 'UNSUPPORTED' && /Windows lets no process read another's/.test(e.message));
  assert.equal(fake.executed.length, executed, 'sweep does not even try');
});

test('logs (an `sh -c` wrapper) on Windows is a TypeError at construction', () => {
  assert.throws(() => tauriBackend({ shell: plugin().shell, session: null, platform: 'windows', logs: { dir: 'C:\\logs', commands: { recorder: 'ffmpeg' } } }), (e: unknown) => e instanceof TypeError && /Windows does not have/.test(e.message) && /recorder/.test(e.message));
  tauriBackend({ shell: plugin().shell, session: null, platform: 'windows', logs: { dir: 'C:\\logs', commands: {} } }).close();
});

test("the example's Windows capability: the host's scope check runs exactly the fixed scripts with the backend's arguments, and refuses hostile ones", async () => {
  const capability = JSON.parse(readFileSync(new URL('../../examples/tauri-app/src-tauri/capabilities/windows.json', import.meta.url), 'utf8'));
  assert.deepEqual(capability.platforms, ['windows']);
  const execute = capability.permissions.find((p: { identifier?: string }) => p.identifier === 'shell:allow-execute').allow;
  const entries = execute.map((e: { name: string; cmd: string }) => [e.name, e.cmd]);
  // The two powers, and the recorder's device listing (dshow) beside them.
  assert.deepEqual(entries, [['pidkeep-ps', 'powershell.exe'], ['pidkeep-kill', 'powershell.exe'], ['ffmpeg', 'ffmpeg']]);

  // Every command line the backend runs, as it hands it to the plugin.
  const fake = plugin({ 'pidkeep-ps': () => ({ code: 0, stdout: cim([]) }), 'pidkeep-kill': () => ({ code: 0, stdout: 'sent' }) });
  const backend = tauriBackend({ shell: fake.shell, session: null, platform: 'windows' });
  await backend.probe([4]);
  await backend.probe([12, 345678, 4294967292]);
  await backend.probe([]);
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) await backend.signal(4242, sig, { group: false, expected: expected() });
  assert.equal(fake.executed.length, 5, 'three probes (each also tells the app and its parent), two signals');
  for (const [name, args] of fake.executed) {
    // The shell plugin's own check (fixed arguments replaced, validators anchored as in Rust, extras dropped): the
    // app runs the capability's script, with the backend's variable arguments.
    const script = name === 'pidkeep-ps' ? WINDOWS_PS_SCRIPT : WINDOWS_KILL_SCRIPT;
    assert.deepEqual(prepare(execute, {}, name, args), { command: 'powershell.exe', args: [...args.slice(0, 3), script, ...args.slice(4)] }, `${name} ${args.join(' ')}`);
    assert.ok(!args.includes('/T'), 'never the process tree');
  }
  // Every argument is a plain PowerShell word: nothing that could add code or another target gets through.
  for (const bad of ['1;Remove-Item x', '1,2 | x', "1' + (x) + '", '', '-1', '1,', '$(x)']) {
    assert.ok('error' in prepare(execute, {}, 'pidkeep-ps', [...windowsPsArgs([1]).slice(0, 4), bad]), bad);
  }
  const kill = (pid: string, created: string, image: string, how: string) => prepare(execute, {}, 'pidkeep-kill', ['-NoProfile', '-NonInteractive', '-Command', FIXED, pid, created, image, how]);
  assert.ok(!('error' in kill('4242', CREATED, 'ffmpeg.exe', 'force')));
  for (const [pid, created, image, how] of [
    ['0', CREATED, 'ffmpeg.exe', 'force'],
    ['4242 /T', CREATED, 'ffmpeg.exe', 'force'],
    ['4242', `${CREATED}; Stop-Computer`, 'ffmpeg.exe', 'force'],
    ['4242', CREATED, 'ffmpeg.exe; Remove-Item C:\\x', 'force'],
    ['4242', CREATED, '$(Stop-Computer)', 'force'],
    ['4242', CREATED, 'My Tool.exe', 'force'],
    ['4242', CREATED, 'ffmpeg.exe', 'tree'],
  ] as const) {
    assert.ok('error' in kill(pid, created, image, how), `${pid} ${created} ${image} ${how}`);
  }
});

test('the kill script re-checks before taskkill (read, not run: no PowerShell here): creation time and image name, the app and its parent, low pids', () => {
  // What the script must hold, checked on its text since it cannot run here.
  for (const part of [
    "if ($id -le 4) { 'refused pid'; exit 3 }",
    'if ($id -eq $app -or $id -eq $appParent -or $id -eq $PID)',
    "$p.CreationDate.ToUniversalTime().ToString('o') -ne $created -or $p.Name -ne $name) { 'gone'; exit 0 }",
    "if ($how -eq 'force') { taskkill.exe /F /PID $id",
  ]) {
    assert.ok(WINDOWS_KILL_SCRIPT.includes(part), part);
  }
  assert.ok(WINDOWS_KILL_SCRIPT.indexOf('CreationDate.ToUniversalTime') < WINDOWS_KILL_SCRIPT.indexOf('taskkill.exe'), 'the identity is read before the signal');
  assert.ok(!/"/.test(WINDOWS_KILL_SCRIPT) && !/\/T\b/.test(WINDOWS_KILL_SCRIPT), 'single quotes only (Windows command-line quoting keeps them); never /T');
});
