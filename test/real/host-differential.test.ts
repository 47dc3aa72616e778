// pidkeep/tauri-host against the real app: the same page (test/real-app) with the same capabilities on both, the same
// steps, and what the page sees and what the OS sees compared. The real app (cargo-built, WebKitGTK) is the reference:
// where they differ the host is fixed, or the difference is stated here and in README's table ("The host next to
// the real app") and asserted as a difference. Each test's name is a row of that table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isAlive, reaper, waitFor } from '../helpers/index.js';
import { normalized as normal, onBoth, termRecorder, type Side } from '../helpers/sides.js';
import { requestExit } from '../helpers/real-app.js';

const APP = 'pidkeep-real-app';

/** A command's events as the page gets them (plugin-shell's Command API), sorted within each stream. */
const runCommand = (side: Side, program: string, args: string[]) =>
  side.evaluate(
    ([p, a]) =>
      new Promise<unknown[]>((resolve) => {
        const { shell } = window.realApp;
        const events: unknown[] = [];
        const command = shell.Command.create(p, a);
        command.stdout.on('data', (line: string) => events.push(['stdout', line]));
        command.stderr.on('data', (line: string) => events.push(['stderr', line]));
        command.on('error', (error: unknown) => events.push(['error', String(error)]));
        command.on('close', (end: unknown) => (events.push(['close', end]), resolve(events)));
        command.spawn().catch((error: unknown) => resolve([['rejected', String(error)]]));
      }),
    [program, args] as const,
  );

/** An invoke's answer or its error, as the page gets them. */
const invoke = (side: Side, cmd: string, args: Record<string, unknown>) =>
  side.evaluate(
    ([c, a]) => window.realApp.core.invoke(c, a).then((value: unknown): { value?: unknown; error?: string } => ({ value: value ?? null }), (error: unknown) => ({ error: String(error) })),
    [cmd, args] as const,
  );

test('shell spawn: stdout and stderr lines with their newline, then Terminated with the exit code', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const events = await runCommand(side, 'sh', ['-c', 'echo out; echo err >&2; echo "a b"; exit 3']);
    const close = events.pop();
    return { close, lines: events.map((e) => JSON.stringify(e)).sort() };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real.close, ['close', { code: 3, signal: null }]);
  assert.deepEqual(real.lines, ['["stderr","err\\n"]', '["stdout","a b\\n"]', '["stdout","out\\n"]']);
});

test('shell execute: code, signal, stdout and stderr at once', async (t) => {
  const { real, host } = await onBoth(t, APP, (side) =>
    side.evaluate(() => window.realApp.shell.Command.create('sh', ['-c', 'printf hi; printf oops >&2; exit 2']).execute(), null),
  );
  assert.deepEqual(real, host);
  assert.deepEqual(real, { code: 2, signal: null, stdout: 'hi', stderr: 'oops' });
});

test('shell kill: SIGKILL of the direct child, seen as Terminated with signal 9; a kill or a write of a pid not in the map resolves and does nothing', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const pid = await side.evaluate(async () => {
      const command = window.realApp.shell.Command.create('sleep', ['60']);
      (window as unknown as { ended: Promise<unknown> }).ended = new Promise((resolve) => command.on('close', resolve));
      const child = await command.spawn();
      (window as unknown as { child: { kill(): Promise<void> } }).child = child;
      return child.pid;
    }, null);
    reaper(t)(pid);
    return side.evaluate(async () => {
      const { shell } = window.realApp;
      await (window as unknown as { child: { kill(): Promise<void> } }).child.kill();
      const unknown = await new shell.Child(2_000_000_000).kill().then(() => 'resolved', (e: unknown) => `rejected ${String(e)}`);
      const write = await new shell.Child(2_000_000_000).write('x').then(() => 'resolved', (e: unknown) => `rejected ${String(e)}`);
      return { end: await (window as unknown as { ended: Promise<unknown> }).ended, unknown, write };
    }, null);
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { end: { code: null, signal: 9 }, unknown: 'resolved', write: 'resolved' });
});

test('shell stdin: a write reaches the child; its output comes back on the channel', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const pid = await side.evaluate(async () => {
      const command = window.realApp.shell.Command.create('cat', []);
      const lines: string[] = [];
      const state = { lines, echoed: new Promise<void>((resolve) => command.stdout.on('data', (line: string) => (lines.push(line), resolve()))), command, child: await command.spawn() };
      (window as unknown as { cat: typeof state }).cat = state;
      return state.child.pid;
    }, null);
    reaper(t)(pid);
    return side.evaluate(async () => {
      const { lines, echoed, command, child } = (window as unknown as { cat: { lines: string[]; echoed: Promise<void>; command: { stdout: { on(e: string, f: () => void): void } }; child: { write(d: string | Uint8Array): Promise<void>; kill(): Promise<void> } } }).cat;
      await child.write('hello\n');
      await child.write(new TextEncoder().encode('bytes\n'));
      await echoed;
      await new Promise<void>((resolve) => (lines.length >= 2 ? resolve() : command.stdout.on('data', () => lines.length >= 2 && resolve())));
      await child.kill();
      return lines;
    }, null);
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, ['hello\n', 'bytes\n']);
});

test('shell scope: fixed arguments come from the capability, arguments past the list are dropped, a refused one names no detail', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    // `worker` is `sleep <^[0-9]+$>`: a second argument is dropped; `abc` is refused
    const started = await side.evaluate(async () => (await window.realApp.shell.Command.create('worker', ['60', 'extra']).spawn()).pid, null);
    reaper(t)(started);
    const ran = readFileSync(`/proc/${started}/cmdline`, 'utf8').split('\0').filter(Boolean);
    process.kill(started, 'SIGKILL');
    const refused = await side.evaluate(() => window.realApp.shell.Command.create('worker', ['abc']).spawn().then(() => 'spawned', (e: unknown) => String(e)), null);
    const unknown = await side.evaluate(() => window.realApp.shell.Command.create('no-such-scope', []).execute().then(() => 'ran', (e: unknown) => String(e)), null);
    return { ran, refused, unknown };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, {
    ran: ['sleep', '60'],
    refused: 'program not allowed on the configured shell scope: worker',
    unknown: 'program not allowed on the configured shell scope: no-such-scope',
  });
});

test('ACL and argument errors: a command the capability does not allow, and arguments of the wrong type, get the ACL\'s and serde\'s messages', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => ({
    open: await invoke(side, 'plugin:shell|open', { path: 'https://example.com' }),
    badProgram: await invoke(side, 'plugin:shell|execute', { program: 5, args: [], options: {} }),
    missing: await invoke(side, 'plugin:shell|kill', { cmd: 'killChild' }),
    stdinPid: await invoke(side, 'plugin:shell|stdin_write', { pid: 'x', buffer: 'a' }),
    readLen: await invoke(side, 'plugin:fs|read', { rid: 1, len: -1 }),
    readLenType: await invoke(side, 'plugin:fs|read', { rid: 1, len: 'x' }),
    writeByte: await invoke(side, 'plugin:fs|write', { rid: 1, data: [1, 300] }),
    writeData: await invoke(side, 'plugin:fs|write', { rid: 1, data: 'abc' }),
    badRid: await invoke(side, 'plugin:fs|fstat', { rid: 2.5 }),
    seekWhence: await invoke(side, 'plugin:fs|seek', { rid: 1, offset: 0, whence: 3 }),
    seekOffset: await invoke(side, 'plugin:fs|seek', { rid: 1, offset: 'x', whence: 0 }),
  }));
  assert.deepEqual(real, host);
  assert.deepEqual(real, {
    open: { error: 'shell.open not allowed. Permissions associated with this command: shell:allow-open, shell:default' },
    badProgram: { error: 'invalid args `program` for command `execute`: invalid type: integer `5`, expected a string' },
    missing: { error: 'invalid args `pid` for command `kill`: command kill missing required key pid' },
    stdinPid: { error: 'invalid args `pid` for command `stdin_write`: invalid type: string "x", expected u32' },
    readLen: { error: 'invalid args `len` for command `read`: invalid value: integer `-1`, expected usize' },
    readLenType: { error: 'invalid args `len` for command `read`: invalid type: string "x", expected usize' },
    writeByte: { error: 'invalid args `data` for command `write`: invalid value: integer `300`, expected u8' },
    writeData: { error: 'invalid args `data` for command `write`: invalid type: string "abc", expected a sequence' },
    badRid: { error: 'invalid args `rid` for command `fstat`: invalid type: floating point `2.5`, expected u32' },
    seekWhence: { error: 'invalid args `whence` for command `seek`: invalid value: 3, expected one of: 0, 1, 2' },
    seekOffset: { error: 'invalid args `offset` for command `seek`: invalid type: string "x", expected i64' },
  });
});

test('reload: the plugin still holds the child, the new page kills it by pid (the article\'s trick)', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const pid = await side.evaluate(async () => (await window.realApp.shell.Command.create('sh', ['-c', 'while :; do echo tick; sleep 0.1; done']).spawn()).pid, null);
    reaper(t)(pid);
    await side.reload();
    const killed = await side.evaluate((p) => new window.realApp.shell.Child(p).kill().then(() => 'resolved'), pid);
    await waitFor('the child to end', () => !isAlive(pid));
    return { killed };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { killed: 'resolved' });
});

test('app crash: the new run does not know the child, its kill resolves and kills nothing (the article\'s lie)', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const pid = await side.evaluate(async () => (await window.realApp.shell.Command.create('worker', ['600']).spawn()).pid, null);
    reaper(t)(pid);
    await side.crash();
    const survived = isAlive(pid);
    await side.restart();
    const killed = await side.evaluate((p) => new window.realApp.shell.Child(p).kill().then(() => 'resolved'), pid);
    const alive = isAlive(pid);
    process.kill(pid, 'SIGKILL');
    return { survived, killed, alive };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { survived: true, killed: 'resolved', alive: true });
});

test('fs commands: write, read, exists, read_dir, stat, rename, remove in the scope; a path outside it is a forbidden path (the debug build\'s text)', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) =>
    normal(
      side,
      await side.evaluate(async () => {
        const { fs, path } = window.realApp;
        const dir = await path.join(await path.appDataDir(), 'pidkeep', 'diff');
        const at = (name: string) => `${dir}/${name}`;
        await fs.mkdir(dir, { recursive: true });
        await fs.writeTextFile(at('a.txt'), 'one\n');
        const read = await fs.readTextFile(at('a.txt'));
        const exists = [await fs.exists(at('a.txt')), await fs.exists(at('b.txt'))];
        await fs.rename(at('a.txt'), at('b.txt'));
        const listed = (await fs.readDir(dir)).map((e) => [e.name, e.isFile, e.isDirectory]);
        const { size, isFile } = await fs.stat(at('b.txt')).catch((e: unknown) => ({ size: String(e), isFile: null }));
        await fs.remove(at('b.txt'));
        const outside = await fs.readTextFile('/etc/hostname').then(() => 'read', (e: unknown) => String(e));
        const missing = await fs.readTextFile(at('none.txt')).then(() => 'read', (e: unknown) => String(e));
        return { read, exists, listed, size, isFile, outside, missing };
      }, null),
    ),
  );
  assert.deepEqual(real, host);
  // a debug build (what `tauri dev` runs, and these tests) names the permission to look at; a release build does not
  assert.equal((real as { outside: string }).outside, 'forbidden path: /etc/hostname, maybe it is not allowed on the scope for `allow-read-text-file` permission in your capability file');
});

test('fs file handles: open for writing where the capability allows only open, seek, read, write and fstat; a closed id is invalid', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) =>
    normal(
      side,
      await side.evaluate(async () => {
        const { fs, path, core } = window.realApp;
        const dir = await path.join(await path.appDataDir(), 'recordings');
        await fs.mkdir(dir, { recursive: true });
        const file = `${dir}/recording-20260101-000000.wav`;
        // no write-file permission reaches recordings: the file is made by open(create) itself
        const handle = await fs.open(file, { write: true, create: true });
        const written = await handle.write(new TextEncoder().encode('RIFF....WAVE'));
        const position = await handle.seek(4, fs.SeekMode.Start);
        const buffer = new Uint8Array(4);
        const count = await handle.read(buffer);
        const { size } = await handle.stat();
        const rid = (handle as unknown as { rid: number }).rid;
        await handle.close();
        const again = await core.invoke('plugin:fs|read', { rid, len: 4 }).then(() => 'read', (e: unknown) => String(e).replace(String(rid), 'RID'));
        const text = await fs.readTextFile(file).then(() => 'read', (e: unknown) => String(e));
        return { written, position, count, bytes: Array.from(buffer), size, again, text };
      }, null),
    ),
  );
  assert.deepEqual(real, host);
  assert.equal((real as { again: string }).again, 'The resource id RID is invalid.');
});

test('window close: a page listening for the close holds it and gets the event, then destroys it; the last window gone, the app exits with 0', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    // the handler waits for the test: while it runs, the close is held
    await side.evaluate(() => {
      const w = window as unknown as { heard?: boolean; letGo?: () => void };
      return window.realApp.window.getCurrentWindow().onCloseRequested(() => ((w.heard = true), new Promise<void>((resolve) => (w.letGo = resolve)))).then(() => undefined);
    }, null);
    await side.closeWindow();
    await waitFor('the close request to reach the page', () => side.evaluate(() => (window as unknown as { heard?: boolean }).heard === true, null), { timeout: 20_000 });
    const held = side.running();
    // released after this script has answered: the window goes right after, and with it the page
    await side.evaluate(() => void setTimeout(() => (window as unknown as { letGo(): void }).letGo(), 100), null);
    return { held, code: await side.exitCode() };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { held: true, code: 0 });
});

test('window close after a reload: the earlier page\'s close listener stays in Rust, the next close is held with nobody to finish it, and the window stays', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    await side.evaluate(() => window.realApp.window.getCurrentWindow().onCloseRequested(() => undefined).then(() => undefined), null);
    await side.reload();
    // a listener of any target hears the close request (and holds nothing back): the close was asked for
    await side.evaluate(() => window.realApp.event.listen('tauri://close-requested', () => void ((window as unknown as { heard: boolean }).heard = true)).then(() => undefined), null);
    await side.closeWindow();
    await waitFor('the close request to reach the page', () => side.evaluate(() => (window as unknown as { heard?: boolean }).heard === true, null), { timeout: 20_000 });
    return { running: side.running(), answers: await side.evaluate(() => 'still here', null) };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { running: true, answers: 'still here' });
});

test('events: emit reaches listeners of any target and of this window; emit_to a window reaches that window\'s listeners only', async (t) => {
  const { real, host } = await onBoth(t, APP, (side) =>
    side.evaluate(async () => {
      const { event, window: w } = window.realApp;
      const heard: string[] = [];
      const current = w.getCurrentWindow();
      await event.listen('diff-any', (e) => heard.push(`any ${JSON.stringify(e.payload)}`));
      await current.listen('diff-any', (e: { payload: unknown }) => heard.push(`window ${JSON.stringify(e.payload)}`));
      await event.listen('diff-to', (e) => heard.push(`to-any ${JSON.stringify(e.payload)}`));
      await event.listen('diff-to', (e) => heard.push(`to-webview ${JSON.stringify(e.payload)}`), { target: { kind: 'Webview', label: 'main' } });
      await event.listen('diff-to', (e) => heard.push(`to-window ${JSON.stringify(e.payload)}`), { target: { kind: 'Window', label: 'main' } });
      // events come in the order they are emitted: once the last one is heard, nothing of the others is still coming
      const last = new Promise<void>((resolve) => void event.listen('diff-last', () => resolve()));
      await event.emit('diff-any', { n: 1 });
      await event.emitTo({ kind: 'Window', label: 'main' }, 'diff-to', 'x');
      await event.emit('diff-last', null);
      await last;
      return heard.sort();
    }, null),
  );
  assert.deepEqual(real, host);
  assert.deepEqual(real, ['any {"n":1}', 'to-any "x"', 'to-window "x"', 'window {"n":1}']);
});

test('quit with stop_on_quit: app.exit(code) is held until the page that runs stopOnQuit has stopped its process, then the app exits with that code', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) => {
    const { pid, signalled } = await termRecorder(t, side);
    await requestExit(side, 7);
    const code = await side.exitCode();
    // the worker wrote TERM: its stop plan ran before the app went (the shell plugin's SIGKILL at exit leaves nothing)
    return { code, stopped: !isAlive(pid), by: readFileSync(signalled, { encoding: 'utf8', flag: 'a+' }).trim() };
  });
  assert.deepEqual(real, host);
  assert.deepEqual(real, { code: 7, stopped: true, by: 'TERM' });
});

test('fs:default (plugin-fs 2.6.0): the webview\'s own data is denied, and its scope-app-recursive opens every app folder to the allowed commands', async (t) => {
  const { real, host } = await onBoth(t, APP, async (side) =>
    normal(
      side,
      await side.evaluate(async () => {
        const { fs } = window.realApp;
        const { BaseDirectory } = fs;
        const attempt = (run: () => Promise<unknown>) => run().then(() => 'allowed', (e: unknown) => String(e));
        return {
          webviewData: await attempt(() => fs.writeTextFile('localstorage/x.txt', 'x', { baseDir: BaseDirectory.AppLocalData })),
          pidkeepFolder: await attempt(async () => (await fs.mkdir('pidkeep/fsdefault', { baseDir: BaseDirectory.AppData, recursive: true }), fs.writeTextFile('pidkeep/fsdefault/x.txt', 'x', { baseDir: BaseDirectory.AppData }))),
          appConfig: await attempt(async () => (await fs.mkdir('x', { baseDir: BaseDirectory.AppConfig, recursive: true }), fs.writeTextFile('x/y.txt', 'y', { baseDir: BaseDirectory.AppConfig }))),
        };
      }, null),
    ),
  );
  assert.deepEqual(real, host);
  assert.equal((real as { pidkeepFolder: string }).pidkeepFolder, 'allowed');
  assert.equal((real as { appConfig: string }).appConfig, 'allowed');
  assert.match((real as { webviewData: string }).webviewData, /^forbidden path: /);
});

test('origin: tauri://localhost in the real app, the dev server\'s http URL on the host (a different origin: storage and locks do not carry over)', async (t) => {
  const { real, host } = await onBoth(t, APP, (side) => side.evaluate(() => ({ origin: location.origin, href: location.href, secure: window.isSecureContext, locks: 'locks' in navigator }), null));
  assert.equal(real.href, 'tauri://localhost');
  assert.match(host.href, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual([real.secure, real.locks, host.secure, host.locks], [true, true, true, true], 'a secure context with Web Locks on both');
});
