import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cli, isAlive, pipeCli, reaper, recordFile, runCli, tempDir, uniqueNamespace, waitFor } from './helpers/index.js';

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
  assert.match(table.stdout, new RegExp(`echo\\s+${pid}\\s+running\\s+\\d+s\\s+sh -c 'echo started`));

  const json = await runCli(['ls', '--json', ...at]);
  const rows = JSON.parse(json.stdout);
  assert.deepEqual(rows.map((r: { name: string }) => r.name), ['echo', 'sleeper']);
  assert.equal(rows[0].pid, pid);
  assert.deepEqual(rows[0].meta, { owner: 'test' });
  assert.equal(typeof rows[0].uptimeMs, 'number');

  assert.equal((await runCli(['write', 'echo', 'hello', '--line', ...at])).code, 0);
  await waitFor('the echo to reach the log', async () => (await runCli(['logs', 'echo', ...at])).stdout.includes('got hello'));
  await waitFor('the sleeper to greet', async () => /^hi\n/.test((await runCli(['logs', 'sleeper', '--stdout', ...at])).stdout));

  // logs -f follows until the process ends, then prints what it wrote last.
  const talker = await runCli(['run', 'talker', ...at, '--', 'sh', '-c', 'echo one; sleep 0.5; echo two; sleep 0.5; echo three']);
  reap(Number(talker.stdout.trim()));
  const followed = await runCli(['logs', 'talker', '-f', '--stdout', ...at], { timeout: 20_000 });
  assert.equal(followed.code, 0, followed.stderr);
  assert.equal(followed.stdout, 'one\ntwo\nthree\n');

  const missingCommand = await runCli(['run', 'ghost', ...at, '--', 'pidkeep-no-such-command']);
  assert.equal(missingCommand.code, 1);
  assert.match(missingCommand.stderr, /could not start `pidkeep-no-such-command`.*check that the command exists.*\(SPAWN_FAILED\)/);

  // A record that names files it should not: its log outside the namespace dir, its stdin somewhere else.
  const echoRecord = recordFile(dir, 'cli', 'echo');
  const original = readFileSync(echoRecord, 'utf8');
  writeFileSync(echoRecord, original.replace(/"stdout":"[^"]*"/, '"stdout":"/etc/passwd"'));
  const leak = await runCli(['logs', 'echo', ...at]);
  assert.equal(leak.code, 1);
  assert.match(leak.stderr, /PERMISSION_DENIED/);
  assert.doesNotMatch(leak.stdout, /root:/);
  writeFileSync(echoRecord, original.replace(/"stdin":"[^"]*"/, `"stdin":"${join(dir, 'elsewhere.stdin')}"`));
  const misdirected = await runCli(['write', 'echo', 'x', ...at]);
  assert.equal(misdirected.code, 1);
  assert.match(misdirected.stderr, /NO_STDIN/);
  writeFileSync(echoRecord, original);

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
  rmSync(recordFile(dir, 'cli', 'sleeper'));
  const sweep = await runCli(['sweep', '--timeout', '2000', ...at]);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.match(sweep.stdout, new RegExp(`swept pid ${sleeperPid} \\(sleep, cli@[0-9a-f]{16}/`));
  await waitFor('the swept process to end', () => !isAlive(sleeperPid));
  assert.match((await runCli(['sweep', ...at])).stdout, /nothing to sweep/);
  const after = (await runCli(['ls', ...at])).stdout;
  assert.doesNotMatch(after, /running/, 'nothing runs any more');
  assert.match(after, /\necho\s+\d+\s+ended\s+-\s+sh -c .*stopped by pidkeep/, 'a stopped run stays listed as ended until its name is used again');
});

test('the CLI rejects bad usage with exit code 2 and one line that says what to fix', async (t) => {
  const dir = tempDir(t);
  const cases = [
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
    assert.equal(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
    assert.match(result.stderr, /see `pidkeep( \w+)? --help`|Expected the name/, args.join(' '));
  }
  const bare = await runCli([]);
  assert.equal(bare.code, 2, 'no command at all: the overview, as a usage error');
  assert.match(bare.stdout, /Usage: pidkeep <command>/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: pidkeep <command>/);
});

const MiB = 1024 * 1024;

/**
 * Runs the built CLI with its stdout drained by this test through a pipe. Returns how many bytes it printed, the last
 * few, and its peak resident set size in KiB: getrusage(2)'s own figure, written by a preload as the CLI exits.
 */
async function measureCli(t: TestContext, args: string[]) {
  const report = join(tempDir(t), 'max-rss');
  const preload = 'data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>writeFileSync(process.env.PIDKEEP_TEST_MAX_RSS,String(process.resourceUsage().maxRSS)))';
  const child = spawn(process.execPath, ['--import', preload, cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PIDKEEP_TEST_MAX_RSS: report },
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  reaper(t)(child.pid);
  let bytes = 0;
  let tail = Buffer.alloc(0);
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    tail = Buffer.concat([tail, chunk.subarray(-16)]).subarray(-16);
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  return { bytes, tail: tail.toString('latin1'), maxRssKiB: Number(readFileSync(report, 'utf8')) };
}

test('logs into a reader that closes early (`pidkeep logs x | head -c 10`) ends quietly with exit code 0, also with -f', async (t) => {
  const dir = tempDir(t);
  const at = ['--dir', dir, '--namespace', uniqueNamespace('logs-pipe')];
  const logs = join(dir, at[3]!, 'logs');
  mkdirSync(logs, { recursive: true });
  // Several MiB: far more than a pipe's buffer, so the CLI is still writing when `head` goes.
  const line = 'the quick brown fox jumps over the lazy dog\n';
  writeFileSync(join(logs, 'chatty.out.log'), line.repeat(Math.ceil((8 * MiB) / line.length)));
  const printed = await pipeCli(t, ['logs', 'chatty', ...at], ['head', '-c', '10']);
  assert.equal(printed.read, `out: ${line}`.slice(0, 10), 'the reader got the start of the log');
  assert.equal(printed.stderr, '', 'no EPIPE stack trace, no message');
  assert.equal(printed.code, 0);

  // -f: the reader goes while the CLI follows a process that keeps writing; the process itself runs on.
  const reap = reaper(t);
  const ticker = await runCli(['run', 'ticker', ...at, '--', 'sh', '-c', 'while :; do echo tick; sleep 0.05; done']);
  assert.equal(ticker.code, 0, ticker.stderr);
  const pid = Number(ticker.stdout.trim());
  reap(pid);
  const followed = await pipeCli(t, ['logs', 'ticker', '-f', ...at], ['head', '-c', '10']);
  assert.equal(followed.read, 'out: tick\n');
  assert.equal(followed.stderr, '');
  assert.equal(followed.code, 0);
  assert.ok(isAlive(pid), 'closing the reader of `logs -f` does not stop the process');
});

test('logs streams a 200 MiB log in bounded chunks: the CLI\'s peak memory stays far below the log\'s size', async (t) => {
  const dir = tempDir(t);
  const at = ['--dir', dir, '--namespace', uniqueNamespace('logs-big')];
  const logs = join(dir, at[3]!, 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'small.out.log'), 'x\n');
  // A sparse file: 200 MiB to read, next to nothing on disk; a marker at its very end proves it was printed to the end.
  const size = 200 * MiB;
  const fd = openSync(join(logs, 'big.out.log'), 'w');
  writeSync(fd, 'THE END\n', size - 8);
  closeSync(fd);

  // --stdout: the log as it is, so the count of bytes printed is the file's size.
  const small = await measureCli(t, ['logs', 'small', '--stdout', ...at]);
  assert.equal(small.bytes, 2);
  // Through a pipe: writes to a pipe are asynchronous in Node, so a copy that does not wait for each write queues the
  // whole log in memory (a file or /dev/null as stdout is written synchronously and would hide that).
  const big = await measureCli(t, ['logs', 'big', '--stdout', ...at]);
  assert.equal(big.bytes, size, 'every byte was printed');
  assert.match(big.tail, /THE END\n$/);
  const grewMiB = (big.maxRssKiB - small.maxRssKiB) / 1024;
  assert.ok(grewMiB < 32, `printing 200 MiB raised the CLI's peak RSS by ${grewMiB.toFixed(1)} MiB (from ${(small.maxRssKiB / 1024).toFixed(1)} MiB for a 2-byte log)`);
});

test('logs never reads through a symbolic link, a FIFO or a linked directory out of the store', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const namespace = uniqueNamespace('logs-link');
  const at = ['--dir', dir, '--namespace', namespace];
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'the secret\n');

  const victim = await runCli(['run', 'victim', ...at, '--', 'sh', '-c', 'echo hello; exec sleep 60']);
  assert.equal(victim.code, 0, victim.stderr);
  reap(Number(victim.stdout.trim()));
  await waitFor('the victim to write its log', async () => (await runCli(['logs', 'victim', ...at])).stdout === 'out: hello\n');

  // The log file replaced by a symlink to a file outside the store (the record still names the log's own path).
  const logs = join(dir, namespace, 'logs');
  const log = join(logs, 'victim.out.log');
  unlinkSync(log);
  symlinkSync(join(outside, 'secret.txt'), log);
  const linked = await runCli(['logs', 'victim', ...at]);
  assert.equal(linked.code, 1);
  assert.equal(linked.stdout, '');
  assert.ok(linked.stderr.includes(log), `the message names the path: ${linked.stderr}`);
  assert.match(linked.stderr, /is a symbolic link.*\(PERMISSION_DENIED\)/);
  const followed = await runCli(['logs', 'victim', '-f', ...at], { timeout: 20_000 });
  assert.equal(followed.code, 1, 'refused under -f too, without waiting for the process to end');
  assert.equal(followed.stdout, '');

  // A FIFO in its place: refused at once, never a reader blocked waiting for a writer.
  unlinkSync(log);
  execFileSync('mkfifo', [log]);
  const fifo = await runCli(['logs', 'victim', ...at], { timeout: 20_000 });
  assert.equal(fifo.code, 1);
  assert.match(fifo.stderr, /is not a regular file.*\(PERMISSION_DENIED\)/);
  unlinkSync(log);

  // O_NOFOLLOW guards the last name only: the logs directory itself made a link to a directory outside.
  writeFileSync(join(outside, 'victim.out.log'), 'the secret\n');
  renameSync(logs, `${logs}.moved`);
  symlinkSync(outside, logs);
  const throughDir = await runCli(['logs', 'victim', ...at]);
  assert.equal(throughDir.code, 1);
  assert.equal(throughDir.stdout, '');
  assert.ok(throughDir.stderr.includes(log), throughDir.stderr);
  assert.match(throughDir.stderr, /symbolic link on its way leads outside.*\(PERMISSION_DENIED\)/);
});

test('the CLI helps like the tools people know: --version, help CMD and CMD --help, a one-line hint for typos and PM2 verbs, short usage errors that name the argument', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['-v', '--version']) assert.deepEqual(await runCli([flag]).then((r) => [r.code, r.stdout.trim()]), [0, pkg.version]);
  const help = await runCli(['help', 'stop']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: pidkeep stop NAME\.\.\. \| stop --all/);
  assert.match(help.stdout, /--all\s+every process of the namespace/);
  assert.equal((await runCli(['stop', '--help'])).stdout, help.stdout, '`stop --help` is `help stop`');
  assert.match((await runCli(['run', 'x', '--help'])).stdout, /^Usage: pidkeep run NAME \[options\] -- CMD/);
  assert.match((await runCli(['--help'])).stdout, /Commands:[\s\S]*help \[COMMAND\]/);

  for (const [typed, meant] of [['start', 'run'], ['list', 'ls'], ['ps', 'ls'], ['delete', 'stop'], ['sotp', 'stop'], ['lgos', 'logs'], ['restrat', 'restart'], ['reload', 'restart'], ['show', 'describe'], ['frobnicate', undefined]] as const) {
    const run = await runCli([typed, 'x']);
    assert.equal(run.code, 2, typed);
    assert.equal(run.stderr.trim().split('\n').length, 1, `${typed}: one line, not the whole usage`);
    if (meant) assert.match(run.stderr, new RegExp(`unknown command "${typed}": did you mean \`pidkeep ${meant}\`\\?`), typed);
    else assert.match(run.stderr, /unknown command "frobnicate" \(see `pidkeep --help`\)/);
  }

  for (const [args, message] of [
    [['stop'], /^pidkeep: stop: missing NAME \(or --all\) \(see `pidkeep stop --help`\)$/],
    [['stop', 'x', '--bogus'], /^pidkeep: stop: unknown option --bogus \(see `pidkeep stop --help`\)$/],
    [['stop', 'x', '--timeout'], /^pidkeep: stop: --timeout needs a value/],
    [['stop', 'x', '--timeout', 'soon'], /^pidkeep: stop: --timeout expects milliseconds, got "soon"/],
    [['stop', 'x', '--all'], /^pidkeep: stop: give NAMEs or --all, not both/],
    [['write', 'x'], /^pidkeep: write: missing TEXT/],
    [['logs'], /^pidkeep: logs: missing NAME/],
    [['ls', 'extra'], /^pidkeep: ls: unexpected argument "extra"/],
    [['run', 'x', 'sleep', '1'], /^pidkeep: run: needs `--` before the command/],
    [['run', 'x', '--'], /^pidkeep: run: missing CMD after `--`/],
  ] as const) {
    const run = await runCli([...args]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr.trim(), message, args.join(' '));
  }
});

test('stop NAME... and stop --all, each process on its own line; PIDKEEP_DIR and PIDKEEP_NAMESPACE set the defaults', async (t) => {
  const reap = reaper(t);
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('envns') };
  for (const name of ['a', 'b', 'c']) {
    const run = await runCli(['run', name, '--', 'sleep', '60'], { env });
    assert.equal(run.code, 0, run.stderr);
    reap(Number(run.stdout.trim()));
  }
  assert.match((await runCli(['ls'], { env })).stdout, /^NAME[\s\S]*\na\s[\s\S]*\nb\s[\s\S]*\nc\s/);
  const two = await runCli(['stop', 'a', 'b'], { env });
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(two.stdout.trim().split('\n').map((line) => line.split(' ')[0]), ['a', 'b']);
  const partly = await runCli(['stop', 'a', 'c'], { env });
  assert.equal(partly.code, 3, 'one of them was not found');
  assert.match(partly.stdout, /^c \(pid \d+\): stopped/);
  assert.match(partly.stderr, /a.*NOT_FOUND/);
  const third = await runCli(['run', 'd', '--', 'sleep', '60'], { env });
  reap(Number(third.stdout.trim()));
  const all = await runCli(['stop', '--all'], { env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^d \(pid \d+\): stopped/);
  const left = (await runCli(['ls', '--json'], { env })).stdout;
  assert.deepEqual((JSON.parse(left) as Array<{ status: string }>).map((r) => r.status), ['ended', 'ended', 'ended', 'ended'], 'all four stopped, kept as traces');
  assert.match((await runCli(['ls', '--namespace', 'other'], { env })).stdout, /no processes in namespace "other"/, 'a flag wins over the variable');
});

test('CLI messages name commands, not the API: `pidkeep ls`, `pidkeep run --fifo`', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('words') };
  const run = await runCli(['run', 'quiet', '--', 'sleep', '60'], { env });
  reaper(t)(Number(run.stdout.trim()));
  const write = await runCli(['write', 'quiet', 'x'], { env });
  assert.equal(write.code, 1);
  assert.match(write.stderr, /start it with `pidkeep run --fifo` to write to it \(NO_STDIN\)/);
  const missing = await runCli(['stop', 'nobody'], { env });
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /see `pidkeep ls` \(NOT_FOUND\)/);
  assert.doesNotMatch(write.stderr + missing.stderr, /pm\.|stdin: 'fifo'/);
  await runCli(['stop', 'quiet'], { env });
});

test('ls: commands quoted as a shell would; a row that is not running says why in its own column; --json with args, adopted, logs and the last exit; --all; an empty namespace names the others', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const env = { PIDKEEP_DIR: dir, PIDKEEP_NAMESPACE: 'web' };
  const quoted = await runCli(['run', 'quoted', '--', 'sh', '-c', "echo 'it''s'; exec sleep 60", 'arg with space'], { env });
  reap(Number(quoted.stdout.trim()));
  const short = await runCli(['run', 'short', '--settle', '0', '--', 'sleep', '0.2'], { env });
  reap(Number(short.stdout.trim()));
  await waitFor('the short one to end', () => !isAlive(Number(short.stdout.trim())));
  const other = await runCli(['run', 'job', '--namespace', 'batch', '--', 'sleep', '60'], { env });
  reap(Number(other.stdout.trim()));

  const table = (await runCli(['ls'], { env })).stdout.trim().split('\n');
  assert.match(table[0]!, /^NAME\s+PID\s+STATUS\s+UPTIME\s+COMMAND\s+NOTE$/);
  assert.ok(table.some((line) => line.includes(`sh -c 'echo '\\''it'\\'''\\''s'\\''; exec sleep 60' 'arg with space'`)), table.join('\n'));
  const gone = table.find((line) => line.startsWith('short'))!;
  assert.match(gone, /^short\s+\d+\s+gone\s+-\s+sleep 0\.2\s+ended while no controller watched/, 'why, in its own column');
  assert.match(gone, /the trace of that run \(`pidkeep describe`\)$/, 'CLI words, not the API\'s');
  assert.doesNotMatch(table.join('\n'), /\bpm\./);

  const rows = JSON.parse((await runCli(['ls', '--json'], { env })).stdout) as Array<Record<string, unknown>>;
  const byName = new Map(rows.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('quoted')!.args, ['-c', "echo 'it''s'; exec sleep 60", 'arg with space']);
  assert.equal(byName.get('quoted')!.command, 'sh');
  assert.equal(byName.get('quoted')!.adopted, true, 'every CLI run adopts what an earlier one started');
  assert.match(String((byName.get('quoted')!.logs as { stdout: string }).stdout), /quoted\..*\.out\.log$|quoted\.out\.log$/);
  assert.equal(byName.get('short')!.status, 'ended', 'an ended run stays listed until its name is started again');
  assert.match(String((byName.get('short')!.lastExit as { how: string }).how), /ended while no controller watched/, 'the last exit, where known');

  const all = (await runCli(['ls', '--all'], { env })).stdout;
  assert.match(all, /^NAMESPACE\s+NAME/);
  assert.match(all, /\nbatch\s+job\s/);
  assert.match(all, /\nweb\s+quoted\s/);
  const empty = await runCli(['ls', '--namespace', 'nothing-here'], { env });
  assert.match(empty.stdout, /no processes in namespace "nothing-here"; this store has: batch, web/);
  assert.equal(existsSync(join(dir, 'nothing-here')), false, 'a read makes no folder');
  const missing = join(dir, 'no-store-here');
  for (const args of [['ls'], ['ls', '--all'], ['ls', '--json']]) {
    const run = await runCli([...args, '--dir', missing], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(missing), false, `\`pidkeep ${args.join(' ')}\` on a missing store makes nothing`);
  }
  for (const [name, namespace] of [['quoted', 'web'], ['job', 'batch']] as const) await runCli(['stop', name, '--namespace', namespace], { env });
});

test('run: a command that ends at once is no started process: exit 1 with its exit code and the last lines of its stderr; --settle 0 does not wait', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('settle') };
  // A settle far longer than the default (25 ms, in the help), which a loaded machine could outlast before the
  // command even ends: the outcome must not depend on the machine's speed.
  const failing = await runCli(['run', 'bad', '--settle', '3000', '--', 'sh', '-c', 'echo first >&2; echo "no such option: --prot" >&2; exit 7'], { env });
  assert.equal(failing.code, 1);
  assert.equal(failing.stdout, '', 'no pid: nothing was started that runs');
  assert.match(failing.stderr, /^pidkeep: bad, pid \d+: it ended before it was ready \(alive for 3000 ms\) with exit code 7; the last lines of its stderr: \(NOT_READY\)\nfirst\nno such option: --prot\n$/);
  const quiet = await runCli(['run', 'quiet', '--settle', '3000', '--', 'true'], { env });
  assert.match(quiet.stderr, /it ended before it was ready \(alive for 3000 ms\) with exit code 0; its stderr \(.*quiet\.err\.log\) is empty \(NOT_READY\)/);
  assert.match((await runCli(['help', 'run'])).stdout, /--settle MS\s+how long it must stay up to count as started \(default 25 for a native command/);
  const untimed = await runCli(['run', 'untimed', '--settle', '0', '--', 'sh', '-c', 'exit 3'], { env });
  assert.equal(untimed.code, 0, 'with --settle 0 the pid is printed at once');
  assert.match(untimed.stdout, /^\d+\n$/);
  const slow = await runCli(['run', 'slow', '--settle', '100', '--', 'sleep', '60'], { env });
  assert.equal(slow.code, 0, slow.stderr);
  reaper(t)(Number(slow.stdout.trim()));
  assert.equal((await runCli(['run', 'x', '--settle', 'soon', '--', 'true'], { env })).code, 2);
  await runCli(['stop', 'slow'], { env });
});

test('run --ready waits for a port or a line, stops what is not ready in time; --stop sets the stop plan', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('ready') };
  const reap = reaper(t);
  const server = `setTimeout(() => require('net').createServer().listen(0, '127.0.0.1', function () { console.log('listening on ' + this.address().port) }), 300)`;
  const began = Date.now();
  const byLine = await runCli(['run', 'web', '--ready', 'line:listening on', '--', process.execPath, '-e', server], { env });
  assert.equal(byLine.code, 0, byLine.stderr);
  // Not a speed test: the check's 30 s timeout must not hold the CLI open once the line came.
  assert.ok(Date.now() - began < 20_000, `run returned after ${Date.now() - began} ms`);
  reap(Number(byLine.stdout.trim()));
  const port = Number(/listening on (\d+)/.exec((await runCli(['logs', 'web', '--stdout'], { env })).stdout)?.[1]);
  assert.ok(port > 0);
  // The port is open, but another process holds it: a `sleep` is never ready by it.
  const notItsPort = await runCli(['run', 'probe', '--ready', `port:127.0.0.1:${port}`, '--ready-timeout', '500', '--', 'sleep', '60'], { env });
  assert.equal(notItsPort.code, 1, notItsPort.stderr);
  assert.match(notItsPort.stderr, /it was not ready within 500 ms \(a connection to 127\.0\.0\.1:\d+/);
  // A server on a port of its own is ready by it.
  const free = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const byPort = await runCli(['run', 'api', '--ready', `port:127.0.0.1:${free}`, '--', process.execPath, '-e', `require('net').createServer().listen(${free}, '127.0.0.1')`], { env });
  assert.equal(byPort.code, 0, byPort.stderr);
  reap(Number(byPort.stdout.trim()));
  const late = await runCli(['run', 'late', '--ready', 'line:never said', '--ready-timeout', '300', '--', 'sleep', '60'], { env });
  assert.equal(late.code, 1);
  assert.match(late.stderr, /^pidkeep: late, pid \d+: it was not ready within 300 ms \(a line of its output matching never said\), so it was stopped: stopped by step 0 \(SIGTERM\)/);
  const latePid = Number(/pid (\d+)/.exec(late.stderr)![1]);
  assert.ok(!isAlive(latePid), 'a start that was not ready leaves nothing running');

  // A stop plan from the command line: `q` on stdin first, as FFmpeg wants, then SIGINT.
  const quitter = await runCli(['run', 'quitter', '--fifo', '--stop', 'write:q\\n:3000', '--stop', 'SIGINT:2000', '--', 'sh', '-c', 'while read line; do [ "$line" = q ] && exit 0; done'], { env });
  assert.equal(quitter.code, 0, quitter.stderr);
  reap(Number(quitter.stdout.trim()));
  const described = JSON.parse((await runCli(['describe', 'quitter', '--json'], { env })).stdout);
  assert.deepEqual(described.stopPlan ?? described.stop, [{ write: 'q\n', wait: 3000 }, { signal: 'SIGINT', wait: 2000 }, { signal: 'SIGKILL', wait: 2000 }]);
  const stopped = await runCli(['stop', 'quitter'], { env });
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /write "q\\n"/);
  for (const [flags, message] of [
    [['--ready', 'port:http'], /--ready expects alive:MS, idle:MS, port:PORT/],
    [['--ready', 'alive:5', '--settle', '5'], /give --settle or --ready, not both/],
    [['--stop', 'TERM'], /--stop expects SIGNAL\[:MS\] or write:TEXT\[:MS\]/],
    [['--ready-timeout', 'soon'], /--ready-timeout expects milliseconds/],
  ] as const) {
    const bad = await runCli(['run', 'x', ...flags, '--', 'sleep', '1'], { env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, message);
  }
  for (const name of ['web', 'probe']) await runCli(['stop', name], { env });
});

test('run --log-max caps a chatty process\'s logs, also after the CLI has exited', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('logmax') };
  const reap = reaper(t);
  const chatty = await runCli(['run', 'chatty', '--log-max', '8K', '--log-keep', '2', '--', 'sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i of a chatty process"; i=$((i+1)); done; exec sleep 60'], { env });
  assert.equal(chatty.code, 0, chatty.stderr);
  reap(Number(chatty.stdout.trim()));
  const described = JSON.parse((await runCli(['describe', 'chatty', '--json'], { env })).stdout);
  const log: string = described.logs.stdout;
  await waitFor('the last line to be written', () => readFileSync(log, 'utf8').includes('line 19999 of'));
  const { statSync, existsSync } = await import('node:fs');
  for (const file of [log, `${log}.1`, `${log}.2`]) assert.ok(statSync(file).size <= 8 * 1024, `${file} is ${statSync(file).size} bytes`);
  assert.ok(!existsSync(`${log}.3`), 'keep 2: no third rotated file');
  const tail = await runCli(['logs', 'chatty', '--stdout', '-n', '1'], { env });
  assert.equal(tail.stdout, 'line 19999 of a chatty process\n');
  for (const [flags, message] of [
    [['--log-max', 'lots'], /--log-max expects a size/],
    [['--log-keep', '2'], /--log-keep needs --log-max/],
    [['--log-max', '100'], /maxBytes/],
  ] as const) {
    const bad = await runCli(['run', 'x', ...flags, '--', 'sleep', '1'], { env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, message);
  }

  // A restart (a new CLI process, a backend with no cap of its own) keeps the cap the record kept.
  const record = recordFile(env.PIDKEEP_DIR, env.PIDKEEP_NAMESPACE, 'chatty');
  assert.deepEqual(JSON.parse(readFileSync(record, 'utf8')).logCap, { maxBytes: 8 * 1024, keep: 2 });
  const restarted = await runCli(['restart', 'chatty'], { env });
  assert.equal(restarted.code, 0, restarted.stderr);
  reap(Number(restarted.stdout.trim()));
  assert.notEqual(restarted.stdout.trim(), chatty.stdout.trim());
  await waitFor('the new run to write its last line', async () => (await runCli(['logs', 'chatty', '--stdout', '-n', '1'], { env })).stdout === 'line 19999 of a chatty process\n');
  for (const file of [log, `${log}.1`, `${log}.2`]) assert.ok(statSync(file).size <= 8 * 1024, `after the restart, ${file} is ${statSync(file).size} bytes`);
  assert.ok(!existsSync(`${log}.3`), 'after the restart, keep 2: no third rotated file');
  assert.deepEqual(JSON.parse(readFileSync(record, 'utf8').split('\n')[0]!).logCap, { maxBytes: 8 * 1024, keep: 2 });
  assert.equal((await runCli(['stop', 'chatty'], { env })).code, 0);
});
