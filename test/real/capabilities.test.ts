// The example's capability files under real Tauri, with a compromised page: what an attacker in the webview gets
// when it calls the IPC directly (`__TAURI_INTERNALS__.invoke`), with any arguments. The same attempts go to the same
// frontend on pidkeep's Tauri host; both must give the answer README's "Security" section states.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, reaper, startTicks } from '../helpers/index.js';
import { normalized, onBoth, type Side } from '../helpers/sides.js';

const APP = 'pidkeep-example';

/** `__TAURI_INTERNALS__.invoke` as a compromised page calls it: the answer, or the error as a string. */
interface Answer {
  ok?: unknown;
  error?: string;
}
const raw = (side: Side, cmd: string, args: Record<string, unknown>): Promise<Answer> =>
  side.evaluate(
    ([c, a]) =>
      (window as unknown as { __TAURI_INTERNALS__: { invoke(cmd: string, args: unknown): Promise<unknown> } }).__TAURI_INTERNALS__.invoke(c, a).then(
        (value): Answer => ({ ok: value ?? null }),
        (error: unknown): Answer => ({ error: String(error) }),
      ),
    [cmd, args] as const,
  );

/**
 * A power as a page calls it: scope arguments are positional, so the page sends something for the fixed `-c`, script
 * and `$0` too (the capability's own replace them), then its own: `pidkeep-kill SIGNAL PID TICKS MARKER`.
 */
const power = (side: Side, program: string, args: string[]) => raw(side, 'plugin:shell|execute', { program, args: ['-c', 'echo pwned', program, ...args], options: {} });
const killPower = (side: Side, args: string[]) => power(side, 'pidkeep-kill', args);

/** A process with `mark` as its pidkeep marker (or none), and its start ticks. */
function target(t: Parameters<typeof reaper>[0], mark?: string) {
  const child = spawn('sleep', ['600'], { env: { ...process.env, ...(mark ? { PIDKEEP_MARK: mark } : {}) }, stdio: 'ignore' });
  reaper(t)(child.pid);
  return { pid: child.pid!, ticks: startTicks(child.pid!)! };
}

test('kill power: it refuses what is not this namespace\'s (another namespace\'s marker, an unmarked process, the app itself, pid 1); a signal or pid the validators refuse never runs', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const other = target(t, 'someone-else/0123456789abcdef0123456789abcdef');
    const plain = target(t);
    const suffix = '/0123456789abcdef0123456789abcdef';
    const appTicks = startTicks(side.appPid())!;
    const seen = {
      otherNamespace: await killPower(side, ['TERM', String(other.pid), other.ticks, suffix]),
      unmarked: await killPower(side, ['TERM', String(plain.pid), plain.ticks, suffix]),
      theApp: await killPower(side, ['TERM', String(side.appPid()), appTicks, suffix]),
      pidOne: await killPower(side, ['TERM', '1', startTicks(1) ?? '0', suffix]),
      badSignal: await killPower(side, ['STOP', String(plain.pid), plain.ticks, suffix]),
      shellInArgument: await killPower(side, ['TERM', `${plain.pid}; kill ${plain.pid}`, plain.ticks, suffix]),
    };
    // the script signals only after every check passed, and then prints `sent`: each answer below is before any kill
    return { seen, alive: [isAlive(other.pid), isAlive(plain.pid)] };
  });
  assert.deepEqual(real, host);
  const refused = (stdout: string, code = 4) => ({ ok: { code, signal: null, stdout: `${stdout}\n`, stderr: '' } });
  assert.deepEqual(real.seen.otherNamespace, refused('refused marker'));
  assert.deepEqual(real.seen.unmarked, refused('refused marker'));
  assert.deepEqual(real.seen.theApp, refused('refused the app or its parent', 3));
  assert.deepEqual(real.seen.pidOne, refused('refused pid', 3));
  assert.deepEqual(real.seen.badSignal, { error: 'program not allowed on the configured shell scope: pidkeep-kill' });
  assert.deepEqual(real.seen.shellInArgument, { error: 'program not allowed on the configured shell scope: pidkeep-kill' });
  assert.deepEqual(real.alive, [true, true]);
});

test('probe power: stat fields and only this namespace\'s marker (another namespace\'s reads `other`), no other variable leaves, a pid list the validator refuses never runs', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const other = target(t, 'someone-else/0123456789abcdef0123456789abcdef');
    const answer = await power(side, 'pidkeep-ps', [String(other.pid)]);
    const stdout = String((answer.ok as { stdout?: string } | undefined)?.stdout ?? '');
    return {
      mark: (stdout.split('\n').find((line) => line.startsWith('mark ')) ?? '').replace(String(other.pid), 'PID'),
      leaks: /someone-else|PATH=|HOME=/.test(stdout),
      wide: await power(side, 'pidkeep-ps', ['1 2']),
    };
  });
  assert.equal(real.mark, 'mark PID other');
  assert.deepEqual({ mark: real.mark, leaks: real.leaks }, { mark: host.mark, leaks: host.leaks });
  assert.equal(real.leaks, false);
  assert.deepEqual(real.wide, { error: 'program not allowed on the configured shell scope: pidkeep-ps' });
  assert.deepEqual(real.wide, host.wide);
});

test('fs on the recordings: a path outside the scopes is forbidden, a recording cannot be written through write-text-file, but open + write overwrites it (as README says)', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const recordings = join(side.appData, 'recordings');
    mkdirSync(recordings, { recursive: true });
    const file = join(recordings, 'recording-20260101-000000.wav');
    writeFileSync(file, 'a finished recording');
    const seen = {
      outside: await raw(side, 'plugin:fs|read_text_file', { path: '/etc/hostname' }),
      writeText: await side.evaluate((f) => (window as unknown as { __TAURI_INTERNALS__: { invoke(c: string, a: unknown, o: unknown): Promise<unknown> } }).__TAURI_INTERNALS__.invoke('plugin:fs|write_text_file', new TextEncoder().encode('x'), { headers: { path: encodeURIComponent(f), options: '{}' } }).then(() => 'written', (e: unknown) => String(e)), file),
      opened: await raw(side, 'plugin:fs|open', { path: file, options: { write: true, truncate: true } }),
    };
    const rid = typeof seen.opened.ok === 'number' ? seen.opened.ok : -1;
    const written = await raw(side, 'plugin:fs|write', { rid, data: Array.from(new TextEncoder().encode('overwritten')) });
    return normalized(side, { seen: { ...seen, opened: typeof seen.opened.ok === 'number' ? 'a resource id' : seen.opened }, written, content: readFileSync(file, 'utf8') });
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real.seen.outside, { error: 'forbidden path: /etc/hostname, maybe it is not allowed on the scope for `allow-read-text-file` permission in your capability file' });
  assert.match(real.seen.writeText, /^forbidden path: /);
  assert.equal(real.seen.opened, 'a resource id');
  assert.deepEqual(real.written, { ok: 11 });
  assert.equal(real.content, 'overwritten');
});
