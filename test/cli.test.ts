import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, reaper, runCli, tempDir, waitFor } from './helpers/index.js';

test('the CLI runs, lists, shows logs, writes, stops and sweeps, with exit codes scripts can rely on', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const at = ['--dir', dir, '--namespace', 'cli'];

  const run = await runCli(['run', 'echo', ...at, '--fifo', '--meta', '{"owner":"test"}', '--', 'sh', '-c', 'echo started; while read line; do echo "got $line"; done']);
  assert.equal(run.code, 0, run.stderr);
  const pid = Number(run.stdout.trim());
  reap(pid);
  assert.ok(isAlive(pid), 'the process outlives the CLI that started it');

  const again = await runCli(['run', 'echo', ...at, '--', 'sleep', '60']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already running.*\(ALREADY_RUNNING\)/);

  const sleeper = await runCli(['run', 'sleeper', ...at, '--env', 'GREETING=hi', '--', 'sh', '-c', 'echo "$GREETING"; exec sleep 60']);
  assert.equal(sleeper.code, 0, sleeper.stderr);
  reap(Number(sleeper.stdout.trim()));

  const table = await runCli(['ls', ...at]);
  assert.equal(table.code, 0);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0]!, /^NAME\s+PID\s+STATUS\s+UPTIME\s+COMMAND$/);
  assert.match(table.stdout, new RegExp(`echo\\s+${pid}\\s+running\\s+\\d+s\\s+sh -c echo started`));

  const json = await runCli(['ls', '--json', ...at]);
  const rows = JSON.parse(json.stdout);
  assert.deepEqual(rows.map((r: { name: string }) => r.name), ['echo', 'sleeper']);
  assert.equal(rows[0].pid, pid);
  assert.deepEqual(rows[0].meta, { owner: 'test' });
  assert.equal(typeof rows[0].uptimeMs, 'number');

  assert.equal((await runCli(['write', 'echo', 'hello', '--line', ...at])).code, 0);
  await waitFor('the echo to reach the log', async () => (await runCli(['logs', 'echo', ...at])).stdout.includes('got hello'));
  await waitFor('the sleeper to greet', async () => /^hi\n/.test((await runCli(['logs', 'sleeper', ...at])).stdout));

  // logs -f follows until the process ends, then prints what it wrote last.
  const talker = await runCli(['run', 'talker', ...at, '--', 'sh', '-c', 'echo one; sleep 0.5; echo two; sleep 0.5; echo three']);
  reap(Number(talker.stdout.trim()));
  const followed = await runCli(['logs', 'talker', '-f', ...at], { timeout: 20_000 });
  assert.equal(followed.code, 0, followed.stderr);
  assert.equal(followed.stdout, 'one\ntwo\nthree\n');

  const missingCommand = await runCli(['run', 'ghost', ...at, '--', 'pidkeep-no-such-command']);
  assert.equal(missingCommand.code, 1);
  assert.match(missingCommand.stderr, /could not start `pidkeep-no-such-command`.*check that the command exists.*\(SPAWN_FAILED\)/);

  // A record that names files it should not: its log outside the namespace dir, its stdin somewhere else.
  const recordFile = join(dir, 'cli', 'records', 'echo.json');
  const original = readFileSync(recordFile, 'utf8');
  writeFileSync(recordFile, original.replace(/"stdout":"[^"]*"/, '"stdout":"/etc/passwd"'));
  const leak = await runCli(['logs', 'echo', ...at]);
  assert.equal(leak.code, 1);
  assert.match(leak.stderr, /PERMISSION_DENIED/);
  assert.doesNotMatch(leak.stdout, /root:/);
  writeFileSync(recordFile, original.replace(/"stdin":"[^"]*"/, `"stdin":"${join(dir, 'elsewhere.stdin')}"`));
  const misdirected = await runCli(['write', 'echo', 'x', ...at]);
  assert.equal(misdirected.code, 1);
  assert.match(misdirected.stderr, /NO_STDIN/);
  writeFileSync(recordFile, original);

  const stop = await runCli(['stop', 'echo', ...at]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`^echo \\(pid ${pid}\\): stopped by step 0 \\(SIGTERM\\)`));
  assert.equal(isAlive(pid), false);

  const missing = await runCli(['stop', 'echo', ...at]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /NOT_FOUND/);
  assert.equal((await runCli(['write', 'nobody', 'x', ...at])).code, 3);

  // Lose a record: sweep finds the process by its marker.
  const sleeperPid = Number(sleeper.stdout.trim());
  rmSync(join(dir, 'cli', 'records', 'sleeper.json'));
  const sweep = await runCli(['sweep', '--timeout', '2000', '--min-age', '0', ...at]);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.match(sweep.stdout, new RegExp(`swept pid ${sleeperPid} \\(sleep, cli/`));
  await waitFor('the swept process to end', () => !isAlive(sleeperPid));
  assert.match((await runCli(['sweep', '--min-age', '0', ...at])).stdout, /nothing to sweep/);
  assert.match((await runCli(['ls', ...at])).stdout, /no processes in namespace "cli"/);
});

test('the CLI rejects bad usage with exit code 2 and the usage text', async (t) => {
  const dir = tempDir(t);
  const cases = [
    [],
    ['bogus'],
    ['run', 'x', '--dir', dir],
    ['run', 'x', '--dir', dir, '--'],
    ['run', 'bad/name', '--dir', dir, '--', 'sleep', '1'],
    ['ls', '--nope'],
    ['stop'],
    ['stop', 'x', '--timeout', 'soon', '--dir', dir],
    ['run', 'x', '--env', 'NOEQUALS', '--dir', dir, '--', 'sleep', '1'],
  ];
  for (const args of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr + result.stdout, /Usage: pidkeep|Expected the name/, args.join(' '));
  }
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: pidkeep <command>/);
});
