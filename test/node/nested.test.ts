import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, readText, reaper, tempDir, uniqueNamespace, waitFor } from '../helpers/index.js';

test('pidkeep inside a pidkeep-managed process: both are recorded, listed and stoppable, nothing set aside', async (t) => {
  const dir = tempDir(t);
  const namespace = uniqueNamespace('nested');
  const reap = reaper(t);
  const open = () => createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
  const outerManager = await open();
  const outer = await outerManager.start('outer', { command: process.execPath, args: [fixture('nested.mjs'), dir, namespace] });
  reap(outer.pid);
  await outerManager.close();
  const started = await waitFor('the inner start', () => /^started (\d+)$/m.exec(readText(outer.logs.stdout!))?.[1]);
  reap(Number(started));
  // The inner controller's own pid is the outer record's pid: a valid record, adopted, not quarantined.
  assert.match(readText(outer.logs.stdout!), /recovery \[\["outer","adopted"\]\]/);
  const pm = await open();
  t.after(() => pm.close());
  assert.deepEqual(pm.recovery.map((r) => [r.name, r.status]).sort(), [['inner-child', 'adopted'], ['outer', 'adopted']]);
  assert.equal((await pm.stop('inner-child')).outcome, 'stopped');
  assert.equal((await pm.stop('outer')).outcome, 'stopped');
  assert.ok(!isAlive(outer.pid) && !isAlive(Number(started)));
});
