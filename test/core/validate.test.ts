import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidName, normalizeStopPlan, unsafePidReason } from '../../src/validate.js';

const limits = { selfPid: 4242, parentPid: 4241, maxPid: 32768 };

describe('names', () => {
  test('accepts the safe alphabet, including names that are special to JavaScript', () => {
    for (const name of ['a', 'recorder', 'model-server.v2', 'A_b-9', '__proto__', 'constructor', 'toString', 'x'.repeat(128), '...']) {
      assert.equal(isValidName(name), true, name);
    }
  });
  test('refuses separators, control characters, dots, empty and overlong names', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\\b', '../x', 'a b', 'tab\t', 'nl\n', 'nul\0', 'é', 'x'.repeat(129), 12, null, undefined, {}]) {
      assert.equal(isValidName(name), false, JSON.stringify(name));
    }
  });
});

describe('pids that may be signalled', () => {
  test('refuses 0, 1, negatives, non-integers, beyond pid_max, our own and our parent', () => {
    for (const pid of [0, 1, -1, -4242, 2.5, Number.NaN, Infinity, 32769, 2 ** 53, '123', null, 4242, 4241]) {
      assert.ok(unsafePidReason(pid, limits), `pid ${String(pid)} should be refused`);
    }
  });
  test('allows ordinary pids', () => {
    for (const pid of [2, 300, 32768]) assert.equal(unsafePidReason(pid, limits), undefined);
  });
});

describe('stop plans', () => {
  test('the default ends in SIGKILL and a plan without one gets it appended', () => {
    assert.deepEqual(normalizeStopPlan([{ signal: 'SIGINT', wait: 100 }]), [
      { signal: 'SIGINT', wait: 100 },
      { signal: 'SIGKILL', wait: 2000 },
    ]);
    assert.deepEqual(normalizeStopPlan([{ write: 'q', wait: 3000 }, { signal: 'SIGKILL', wait: 10 }]), [
      { write: 'q', wait: 3000 },
      { signal: 'SIGKILL', wait: 10 },
    ]);
  });
  test('bad steps are TypeErrors that say what was expected and what came', () => {
    assert.throws(() => normalizeStopPlan('SIGTERM'), /Expected the stop plan to be an array of steps, got "SIGTERM" \(string\)/);
    assert.throws(() => normalizeStopPlan([{ signal: 'SIGSTOP' }]), /one of SIGINT, SIGTERM/);
    assert.throws(() => normalizeStopPlan([{ signal: 'SIGTERM', wait: -1 }]), /`wait` of stop plan step 0 .* got -1 \(number\)/);
    assert.throws(() => normalizeStopPlan([{ signal: 'SIGTERM', write: 'q' }]), /exactly one of/);
    assert.throws(() => normalizeStopPlan([{ write: '' }]), /1-4096 characters/);
    assert.throws(() => normalizeStopPlan(new Array(33).fill({ signal: 'SIGTERM' })), /at most 32 steps/);
  });
});
