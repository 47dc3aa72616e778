import { nodeBackend } from '../../src/node/backend.js';
import { currentPlatform } from '../../src/node/platform/index.js';
import { backendConformance } from './backend-suite.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { outputIn, readText, reaper, tempDir } from '../helpers/index.js';

backendConformance('nodeBackend', () => nodeBackend(), {
  groups: true,
  output: (_backend, spawned) => outputIn(spawned.logs.stdout!),
  defused() {
    const delivered: unknown[] = [];
    const platform = currentPlatform();
    return { backend: nodeBackend({ platform: { ...platform, signal: (...call) => void delivered.push(call) } }), delivered: () => delivered };
  },
});

// Beyond the shared suite: the Node backend's stdin is a FIFO path, and a record naming any other file gets nothing.

test('nodeBackend writes only into the FIFO its spawn made', async (t) => {
  const backend = nodeBackend();
  const id = randomBytes(8).toString('hex');
  const dir = tempDir(t);
  const spawned = await backend.spawn({ namespace: 'conf', name: 'p', id, command: 'cat', args: [], cwd: undefined, env: { PIDKEEP_MARK: `conf/${id}` }, stdin: 'fifo', dir });
  reaper(t)(spawned.identity.pid);
  const file = join(tempDir(t), 'plain.txt');
  writeFileSync(file, 'untouched');
  await assert.rejects(Promise.resolve(backend.write(file, 'x', id)), (e: unknown) => e instanceof PidkeepError);
  await assert.rejects(Promise.resolve(backend.write(join(tempDir(t), `${id}.stdin`), 'x', id)), (e: unknown) => e instanceof PidkeepError && e.code === 'STDIN_CLOSED');
  assert.equal(readText(file), 'untouched');
});
