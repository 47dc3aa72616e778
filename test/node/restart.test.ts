// pm.restart and `pidkeep restart`/`describe` with real processes: the same command, arguments, cwd, variables,
// stdin and stop plan as the run before, from a running process or from an ended run's trace.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, reaper, runCli, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('pm.restart: the same command, args, cwd, variables, stdin and stop plan; from a running process and from an ended run', async (t) => {
  const dir = tempDir(t);
  const cwd = tempDir(t);
  const reap = reaper(t);
  const open = () => createProcessManager({ namespace: uniqueNamespace('restart'), backend: nodeBackend(), store: fileStore({ dir }) });
  const pm = await open();
  t.after(() => pm.close());
  const plan = [{ write: 'q\n', wait: 2000 }, { signal: 'SIGTERM' as const, wait: 2000 }];
  const script = 'echo "run in $PWD with GREETING=$GREETING and $1"; while read line; do [ "$line" = q ] && exit 0; done';
  const first = await pm.start('svc', { command: 'sh', args: ['-c', script, 'sh', 'an arg'], cwd, env: { GREETING: 'hi' }, stdin: 'fifo', stop: plan, meta: { n: 1 } });
  reap(first.pid);
  const second = await pm.restart('svc');
  reap(second.pid);
  assert.notEqual(second.pid, first.pid);
  assert.ok(!isAlive(first.pid), 'the old run was stopped first');
  assert.deepEqual([second.command, second.args, second.stopPlan, second.meta], [first.command, first.args, first.stopPlan, { n: 1 }]);
  await waitFor('the new run to greet', () => readFileSync(second.logs.stdout!, 'utf8').includes('GREETING=hi'));
  assert.match(readFileSync(second.logs.stdout!, 'utf8'), new RegExp(`run in ${cwd} with GREETING=hi and an arg`));
  const stopped = await second.stop();
  assert.equal(stopped.by, 'write "q\\n"', 'the same stdin FIFO and stop plan as the first run');

  // From the ended run's trace, in a later controller.
  const later = await createProcessManager({ namespace: pm.namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => later.close());
  const third = await later.restart('svc');
  reap(third.pid);
  assert.equal(third.adopted, false);
  await waitFor('the third run to greet', () => readFileSync(third.logs.stdout!, 'utf8').includes('GREETING=hi'));
  await third.stop();
  await assert.rejects(later.restart('nobody'), (e: unknown) => e instanceof PidkeepError && e.code === 'NOT_FOUND');
});

test('pidkeep restart prints the new pid; describe tells the record, identity, stop plan, logs and how it was found', async (t) => {
  const env = { PIDKEEP_DIR: tempDir(t), PIDKEEP_NAMESPACE: uniqueNamespace('desc') };
  const reap = reaper(t);
  const run = await runCli(['run', 'api', '--env', 'PORT=8123', '--', 'sleep', '60'], { env });
  const first = Number(run.stdout.trim());
  reap(first);
  const restarted = await runCli(['restart', 'api'], { env });
  assert.equal(restarted.code, 0, restarted.stderr);
  const second = Number(restarted.stdout.trim());
  reap(second);
  assert.ok(second !== first && isAlive(second) && !isAlive(first));
  const text = await runCli(['describe', 'api'], { env });
  assert.equal(text.code, 0, text.stderr);
  const lines = new Map(text.stdout.trim().split('\n').map((line) => [line.split(/\s+/, 1)[0], line.replace(/^\S+\s+/, '')]));
  assert.equal(lines.get('name'), 'api');
  assert.equal(lines.get('status'), 'running');
  assert.equal(lines.get('pid'), String(second));
  assert.equal(lines.get('args'), '60');
  assert.match(lines.get('found') ?? '', /^adopted: /, 'how this controller found it');
  const facts = JSON.parse((await runCli(['describe', 'api', '--json'], { env })).stdout) as Record<string, unknown>;
  assert.deepEqual([facts.command, facts.args, facts.stopPlan], ['sleep', ['60'], [{ signal: 'SIGTERM', wait: 5000 }, { signal: 'SIGKILL', wait: 2000 }]]);
  assert.match(String((facts.logs as { stdout: string }).stdout), /api\..*out\.log$/);
  await runCli(['stop', 'api'], { env });
  const ended = JSON.parse((await runCli(['describe', 'api', '--json'], { env })).stdout) as { status: string; lastExit: { how: string } };
  assert.equal(ended.status, 'ended');
  assert.equal(ended.lastExit.how, 'stopped by pidkeep');
  const unknown = await runCli(['describe', 'nobody'], { env });
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /nothing is known of "nobody".*`pidkeep ls`/);
});
