// A record set aside as unreadable never loses its process: it stays listed and stoppable by name through every
// later listing, by a later controller too, and in a pid namespace of its own (every container), where keys are
// `<name>@<inode>`. Each test fails when the set-aside copy cannot be read back or its key is shown mangled.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { cli, isAlive, reaper, recordFile, tempDir, uniqueNamespace } from '../helpers/index.js';

test('a record grown past the size limit is set aside, and its live process stays listed and is stopped by name, again and again', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('big');
  const first = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const { pid } = await first.start('web', { command: 'sleep', args: ['300'] });
  reaper(t)(pid);
  await first.close();
  appendFileSync(recordFile(dir, namespace, 'web'), ' '.repeat(300 * 1024));

  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]), [['web', 'corrupt']]);
  for (let look = 0; look < 2; look++) {
    assert.deepEqual((await pm.setAside()).map((e) => [e.name, e.pid]), [['web', pid]], `look ${look + 1}`);
  }
  const later = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => later.close());
  assert.deepEqual((await later.setAside()).map((e) => [e.name, e.pid]), [['web', pid]], 'a later controller');
  const stopped = await later.stop('web', [{ signal: 'SIGTERM', wait: 5000 }]);
  assert.equal(stopped.by, 'SIGTERM');
  assert.equal(isAlive(pid), false);
});

test('in a pid namespace of its own: a set-aside record is listed under its name and `pidkeep stop NAME` ends its process', (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root to create a pid namespace');
  const dir = tempDir(t);
  const namespace = uniqueNamespace('ns');
  const at = `--dir ${dir} --namespace ${namespace}`;
  const script = [
    'set -e',
    `pk() { ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"; }`,
    `pid=$(pk run web ${at} -- sleep 300 | tail -n 1)`,
    `record=$(ls ${dir}/${namespace}/records/web@*.json)`,
    // Half a record: bad JSON, its id still readable.
    'head -c 60 "$record" > "$record.new" && mv "$record.new" "$record"',
    `echo "ls1 $(pk ls ${at} --json | tr -d '\\n')"`,
    `echo "ls2 $(pk ls ${at} --json | tr -d '\\n')"`,
    `pk stop web ${at} && echo "stopped $?"`,
    'ps -o pid= -o comm= | grep -c sleep || true',
  ].join('\n');
  // --kill-child: whatever the script leaves ends with the namespace.
  const run = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  const rows = (prefix: string) => JSON.parse(run.stdout.split('\n').find((l) => l.startsWith(prefix))!.slice(prefix.length)) as Array<{ name: string; status: string; pid: number | null }>;
  for (const look of ['ls1 ', 'ls2 ']) {
    assert.deepEqual(rows(look).map((r) => [r.name, r.status, typeof r.pid]), [['web', 'set aside, running', 'number']], look);
  }
  assert.match(run.stdout, /stopped 0/);
  assert.equal(run.stdout.trim().split('\n').at(-1), '0', 'no sleep left in the namespace');
});

test('a record replaced by a link or a FIFO: its process is found by its last run in the log, listed and stopped by name; a recorded process never is', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('blind');
  const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const kept = await pm.start('kept', { command: 'sleep', args: ['300'] });
  reaper(t)(kept.pid);
  const linked = await pm.start('linked', { command: 'sleep', args: ['300'] });
  reaper(t)(linked.pid);
  const piped = await pm.start('piped', { command: 'sleep', args: ['300'] });
  reaper(t)(piped.pid);
  await pm.close();
  const target = join(dir, 'elsewhere.json');
  writeFileSync(target, readFileSync(recordFile(dir, namespace, 'kept')));
  rmSync(recordFile(dir, namespace, 'linked'));
  symlinkSync(target, recordFile(dir, namespace, 'linked')); // a link to another process's record: never followed
  rmSync(recordFile(dir, namespace, 'piped'));
  execFileSync('mkfifo', [recordFile(dir, namespace, 'piped')]);
  // A log planted to name the recorded process's run: a recorded process is never taken for a set-aside one.
  const keptRun = JSON.parse(readFileSync(recordFile(dir, namespace, 'kept'), 'utf8').split('\n')[0]!).id as string;
  appendFileSync(join(dir, namespace, 'logs', 'ghost.out.log'), `--- pidkeep: run ${keptRun} of ghost started 2026-12-07T00:00:00.000Z ---\n`);
  symlinkSync(target, recordFile(dir, namespace, 'ghost'));

  const later = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => later.close());
  assert.deepEqual(later.recovery.map((r) => [r.name, r.status]).sort(), [['ghost', 'corrupt'], ['kept', 'adopted'], ['linked', 'corrupt'], ['piped', 'corrupt']]);
  for (let look = 0; look < 2; look++) {
    assert.deepEqual((await later.setAside()).map((e) => [e.name, e.pid]).sort(), [['ghost', null], ['linked', linked.pid], ['piped', piped.pid]]);
  }
  await later.close();
  const third = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => third.close());
  for (const [name, pid] of [['linked', linked.pid], ['piped', piped.pid]] as const) {
    assert.equal((await third.stop(name, [{ signal: 'SIGTERM', wait: 5000 }])).pid, pid);
    assert.equal(isAlive(pid), false);
  }
  await assert.rejects(third.stop('ghost'), (e: unknown) => e instanceof PidkeepError && e.code === 'NOT_FOUND');
  assert.ok(isAlive(kept.pid), 'the recorded process runs on');
});
