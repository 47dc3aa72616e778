// The tests' own TypeScript, and the type-level checks under test/types/, compile under the project's strict settings:
// tsx strips types when the tests run, so without this a type error in a test, or a misuse the types should refuse
// (test/types/async-results.ts), would pass unseen.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { root } from './helpers/index.js';

test('tsc -p tsconfig.test.json: src and test type-check, and every @ts-expect-error still meets its error', () => {
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.test.json')], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
