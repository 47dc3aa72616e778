// The README's Electron recipe (examples/electron/pidkeep-main.mjs), run in plain Node: electron-driver.mjs gives
// it an `app` stand-in that quits, locks and hands over to a first instance as Electron documents, in real OS
// processes, with real children (test/fixtures/recorder.mjs: ends on SIGTERM with a trailer line).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileStore } from '../../src/node/index.js';
import { fixture, isAlive, liveRecords, readText, reaper, root, tempDir, waitFor } from '../helpers/index.js';

const driver = join(root, 'test', 'node', 'electron-driver.mjs');
const recipe = join(root, 'examples', 'electron', 'pidkeep-main.mjs');

/** One launch of the "app": its stdout lines, a way to send it commands, its end. */
function launch(t: TestContext, userData: string, policy: 'stop' | 'keep', out: string, args: string[] = []) {
  const recorder = { command: process.execPath, args: [fixture('recorder.mjs'), out], stop: [{ signal: 'SIGTERM', wait: 5000 }] };
  const child = spawn(process.execPath, [driver, userData, policy, JSON.stringify(recorder), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  reaper(t)(child.pid);
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {}); // a command to an app that already quit
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const app = {
    lines,
    exited,
    send: (command: string) => child.stdin.write(`${command}\n`),
    kill: () => child.kill('SIGKILL'),
    /** The rest of the first line starting with `prefix`, once there is one. */
    line: async (prefix: string, timeout = 15_000) => {
      const found = await waitFor(`"${prefix}" from the app (lines: ${JSON.stringify(lines)}; stderr: ${stderr.slice(-500)})`, () => lines.find((l) => l.startsWith(prefix)), { timeout });
      return found.slice(prefix.length).trim();
    },
    /** Starts the recorder through the recipe's `recorder:start` handler, as a renderer's invoke would. */
    start: async () => {
      const before = lines.filter((l) => l.startsWith('start ')).length;
      app.send('start');
      await waitFor(`the answer to recorder:start (lines: ${JSON.stringify(lines)})`, () => lines.filter((l) => l.startsWith('start ')).length > before);
      const answer = lines.filter((l) => l.startsWith('start ')).at(-1)!;
      assert.match(answer, /^start ok /);
      const result = JSON.parse(answer.slice('start ok '.length)) as { pid: number; adopted: boolean };
      reaper(t)(result.pid);
      return result;
    },
    recovery: async () => JSON.parse(await app.line('recovery ')) as Array<{ name: string; pid: number; status: string; stop?: { by: string; forced: boolean } }>,
    /** Where `line` is in the output, to check the order of steps. */
    at: (line: string | RegExp) => lines.findIndex((l) => (typeof line === 'string' ? l === line : line.test(l))),
  };
  return app;
}

function setUp(t: TestContext) {
  const dir = tempDir(t, 'pidkeep-electron-');
  const userData = join(dir, 'userData');
  const out = join(dir, 'recording.txt');
  const records = () => liveRecords(fileStore({ dir: join(userData, 'pidkeep') }), 'app');
  return { userData, out, records };
}

const recording = (out: string) => waitFor('the recorder to write', () => readText(out).includes('tick'));

describe('the Electron recipe, run by an app stand-in in plain Node', () => {
  test("policy 'stop': before-quit holds the quit, stops the process gracefully, then the app quits", async (t) => {
    const { userData, out, records } = setUp(t);
    const app = launch(t, userData, 'stop', out);
    assert.deepEqual(await app.recovery(), []);
    const { pid, adopted } = await app.start();
    assert.equal(adopted, false);
    await recording(out);
    assert.deepEqual(await records(), ['recorder']);

    app.send('quit');
    app.send('quit'); // asked twice (Cmd+Q pressed again) while the stop runs: still one stop, one quit
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    assert.match(readText(out), /trailer SIGTERM\n$/, 'its SIGTERM handler ran: the recording was finished');
    assert.equal(isAlive(pid), false);
    assert.deepEqual(await records(), [], 'no record holds a process');

    const stopped = app.at(`pidkeep: recorder (pid ${pid}) stopped by SIGTERM`);
    assert.ok(stopped > app.at('event before-quit prevented'), app.lines.join('\n'));
    assert.equal(app.lines.filter((l) => l === 'event before-quit prevented').length, 2);
    assert.equal(app.lines.filter((l) => /^pidkeep: recorder .* stopped/.test(l)).length, 1);
    assert.ok(app.at('event before-quit passed') > stopped, 'the second quit comes after the stop');
    assert.ok(app.at('event will-quit passed') > app.at('event before-quit passed'));
    assert.ok(app.at('event quit') > app.at('event will-quit passed'));
  });

  test("policy 'keep': the process outlives the quit; the next launch adopts it and can stop it", async (t) => {
    const { userData, out, records } = setUp(t);
    const first = launch(t, userData, 'keep', out);
    await first.recovery();
    const { pid } = await first.start();
    await recording(out);
    first.send('quit');
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    assert.ok(first.at('event quit') > first.at('event before-quit passed'));
    const ticks = readText(out).length;
    await waitFor('the recorder to record on without the app', () => readText(out).length > ticks);
    assert.ok(isAlive(pid));
    assert.deepEqual(await records(), ['recorder']);

    const second = launch(t, userData, 'keep', out);
    assert.deepEqual((await second.recovery()).map((r) => [r.name, r.pid, r.status]), [['recorder', pid, 'adopted']]);
    assert.match(second.lines.join('\n'), /^pidkeep: recorder adopted: /m);
    assert.deepEqual(await second.start(), { pid, adopted: true }, 'recorder:start hands back the adopted process, starts no second one');
    second.send('stop');
    const result = JSON.parse(await second.line('stop ok')) as { pid: number; by: string; forced: boolean };
    assert.equal(result.pid, pid);
    assert.equal(result.by, 'SIGTERM');
    assert.equal(result.forced, false);
    assert.match(readText(out), /trailer SIGTERM\n$/);
    assert.equal(isAlive(pid), false);
    second.send('quit');
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    assert.deepEqual(await records(), []);
  });

  test("a crashed app leaves its process running; the next launch under 'stop' stops it through onOrphan", async (t) => {
    const { userData, out, records } = setUp(t);
    const first = launch(t, userData, 'stop', out);
    await first.recovery();
    const { pid } = await first.start();
    await recording(out);
    first.kill(); // no before-quit, no will-quit: as a crash, app.exit() or (Windows) a logout
    assert.equal((await first.exited).signal, 'SIGKILL');
    const ticks = readText(out).length;
    await waitFor('the recorder to record on without the app', () => readText(out).length > ticks);

    const second = launch(t, userData, 'stop', out);
    const recovery = await second.recovery();
    assert.deepEqual(recovery.map((r) => [r.name, r.pid, r.status]), [['recorder', pid, 'stopped']]);
    assert.equal(recovery[0]?.stop?.by, 'SIGTERM');
    assert.equal(recovery[0]?.stop?.forced, false);
    assert.match(readText(out), /trailer SIGTERM\n$/);
    assert.equal(isAlive(pid), false);
    assert.deepEqual(await records(), []);
    second.send('quit');
    assert.deepEqual(await second.exited, { code: 0, signal: null });
  });

  test('a second instance quits before it touches pidkeep; the first gets second-instance and focuses', async (t) => {
    const { userData, out, records } = setUp(t);
    const first = launch(t, userData, 'stop', out);
    await first.recovery();
    const { pid } = await first.start();
    await recording(out);

    const second = launch(t, userData, 'stop', out, ['--open', 'take-2.wav']);
    assert.deepEqual(await second.exited, { code: 0, signal: null });
    assert.ok(second.lines.includes('second instance: quitting (--open take-2.wav)'), second.lines.join('\n'));
    assert.equal(second.at(/^recovery /), -1, 'no manager was created');
    assert.equal(second.at(/^pidkeep:/), -1);
    assert.ok(second.at('event quit') >= 0, 'it quit through app.quit()');

    const handed = JSON.parse(await first.line('second-instance')) as { argv: string[]; cwd: string };
    assert.deepEqual(handed.argv.slice(-2), ['--open', 'take-2.wav']);
    assert.equal(handed.cwd, process.cwd());
    await first.line('focused');
    assert.ok(first.at('restored') < first.at('focused'), 'a minimized window is restored, then focused');
    // The second instance quit before making a manager: the recording runs on, untouched.
    assert.ok(isAlive(pid));
    assert.doesNotMatch(readText(out), /trailer/);
    assert.deepEqual(await records(), ['recorder']);

    first.send('quit');
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    assert.match(readText(out), /trailer SIGTERM\n$/);
  });

  test('two instances launched at once: exactly one becomes the app, the other hands over and quits', async (t) => {
    const { userData, out } = setUp(t);
    const apps = [launch(t, userData, 'stop', out, ['a']), launch(t, userData, 'stop', out, ['b'])];
    const loser = await Promise.race(apps.map(async (app) => (await app.exited, app)));
    const winner = apps.find((app) => app !== loser)!;
    assert.deepEqual(await loser.exited, { code: 0, signal: null });
    assert.equal(loser.at('ready'), -1);
    assert.ok(loser.lines.some((l) => l.startsWith('second instance: quitting')), loser.lines.join('\n'));
    await winner.line('ready');
    await winner.line('second-instance');
    winner.send('quit');
    assert.deepEqual(await winner.exited, { code: 0, signal: null });
  });

  test("the README's Electron section shows examples/electron/pidkeep-main.mjs as it is", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const marker = '<!-- examples/electron/pidkeep-main.mjs: test/node/electron-recipe.test.ts keeps this block equal to the file -->';
    const at = readme.indexOf(marker);
    assert.ok(at >= 0, 'the README has the marker before the Electron code block');
    const block = /^```js\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
    assert.ok(block, 'a ```js block follows the marker');
    assert.equal(block[1], readFileSync(recipe, 'utf8'));
  });
});
