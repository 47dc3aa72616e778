import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, liveRecords, onTeardown, reaper, startNode, tempDir, waitFor } from '../helpers/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

test('two controllers (two OS processes) start 200 processes at once: no record lost, one winner per contested name', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const starts = (prefix: string) => JSON.stringify([
    ...Array.from({ length: 100 }, (_, i) => ({ name: `${prefix}-${i}`, command: 'sleep', args: ['300'] })),
    { name: 'contested', command: 'sleep', args: ['300'] },
  ]);
  const go = join(dir, 'go');
  const a = startNode(t, fixture('controller.mjs'), [dir, 'busy', starts('a'), go]);
  const b = startNode(t, fixture('controller.mjs'), [dir, 'busy', starts('b'), go]);
  // Whatever happens below, every process either controller reported is killed in teardown.
  onTeardown(t, () => {
    for (const line of [...a.lines, ...b.lines]) if (line.startsWith('started ')) reap(Number(line.split(' ')[2]));
  });
  await a.line('waiting');
  await b.line('waiting');
  writeFileSync(go, '');
  await a.line('done', 60_000);
  await b.line('done', 60_000);
  const started = [...a.lines, ...b.lines].filter((l) => l.startsWith('started '));
  for (const line of started) reap(Number(line.split(' ')[2]));
  const failed = [...a.lines, ...b.lines].filter((l) => l.startsWith('failed '));
  assert.deepEqual(failed, ['failed contested ALREADY_RUNNING'], 'only the contested name fails, in exactly one controller');
  assert.equal(started.length, 201);

  a.child.kill('SIGKILL');
  b.child.kill('SIGKILL');
  await Promise.all([a.exited, b.exited]);

  const store = fileStore({ dir });
  const entries = await store.list('busy');
  assert.equal(entries.length, 201);
  const pm = await createProcessManager({ namespace: 'busy', backend: nodeBackend(), store });
  t.after(() => pm.close());
  assert.equal(pm.recovery.filter((r) => r.status === 'adopted').length, 201);
  const pids = new Set(pm.list().map((h) => h.pid));
  for (const line of started) assert.ok(pids.has(Number(line.split(' ')[2])), `${line} was adopted`);

  const results = await pm.stopAll([{ signal: 'SIGTERM', wait: 5000 }]);
  assert.equal(results.length, 201);
  assert.ok(results.every((r) => r.outcome === 'stopped' && r.by === 'SIGTERM'));
  await waitFor('every process to be gone', () => [...pids].every((pid) => !isAlive(pid)));
  assert.deepEqual(await liveRecords(store, 'busy'), [], 'every record is now the trace of an ended run');
});
