// `npm start`'s first half, as a user sees it: the demo must keep showing what it says it shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers/index.js';

test('the demo adopts the orphan, leaves a reused pid alone and stops the recorder by its plan', () => {
  const run = spawnSync(process.execPath, [join(root, 'demo', 'demo.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(out, /old-recorder \(pid \d+\): reused — the pid now belongs to another process/);
  assert.match(out, /recorder \(pid \d+\): adopted — alive and the same process/);
  assert.match(out, /the unrelated sleep \(pid \d+\) is alive: it was never signalled/);
  assert.match(out, /stopped by step 0 \(write "q"\)/);
  assert.match(out, /recorder alive: false; records left: 0/);
});
