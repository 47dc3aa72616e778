import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge } from '../../src/identity.js';

const expected = { bootId: 'b1', pid: 500, startTime: '1000', comm: 'ffmpeg', marker: 'app/abc' };
const alive = (over: Record<string, unknown> = {}) => ({
  pid: 500,
  alive: true,
  identity: { bootId: 'b1', pid: 500, startTime: '1000', comm: 'ffmpeg' },
  marker: 'app/abc' as string | null | undefined,
  groupLeader: true,
  ...over,
});

test('the same boot, pid, start time and marker is the same process', () => {
  assert.deepEqual(judge(expected, alive()), { kind: 'same', groupLeader: true });
});

test('a missing or dead (zombie) process is gone', () => {
  assert.equal(judge(expected, undefined).kind, 'gone');
  assert.equal(judge(expected, { pid: 500, alive: false }).kind, 'gone');
});

test('another boot means the recorded process is gone, whatever runs at that pid now', () => {
  assert.equal(judge(expected, alive({ identity: { bootId: 'b2', pid: 500, startTime: '1000', comm: 'ffmpeg' } })).kind, 'gone');
});

test('another start time means the pid was reused', () => {
  const verdict = judge(expected, alive({ identity: { bootId: 'b1', pid: 500, startTime: '1001', comm: 'ffmpeg' } }));
  assert.equal(verdict.kind, 'reused');
});

test('same start tick but another marker: reused within one clock tick; no marker at all: unverifiable, never signalled', () => {
  assert.equal(judge(expected, alive({ marker: null })).kind, 'unverifiable');
  assert.equal(judge(expected, alive({ marker: 'app/other' })).kind, 'reused');
  assert.equal(judge(expected, alive({ marker: 'otherapp/abc' })).kind, 'reused');
});

test('where the environment cannot be read, the command name decides', () => {
  assert.equal(judge(expected, alive({ marker: undefined })).kind, 'same');
  assert.equal(judge(expected, alive({ marker: undefined, identity: { bootId: 'b1', pid: 500, startTime: '1000', comm: 'bash' } })).kind, 'reused');
});

test('alive without a readable identity cannot be proven and is never treated as ours', () => {
  assert.equal(judge(expected, { pid: 500, alive: true }).kind, 'unverifiable');
});

test('a record without a start time is vouched for only by the backend still holding the child (the same empty identity)', () => {
  const unproven = { ...expected, bootId: 'tauri-run:r1', startTime: '' };
  const held = alive({ identity: { bootId: 'tauri-run:r1', pid: 500, startTime: '', comm: 'ffmpeg' } });
  assert.equal(judge(unproven, held).kind, 'same');
  // Any real start time (a later `ps`), or another app run, proves nothing about it: never `reused`, never `gone`.
  assert.equal(judge(unproven, alive()).kind, 'unverifiable');
  assert.equal(judge(unproven, alive({ identity: { bootId: 'tauri-run:r2', pid: 500, startTime: '', comm: 'ffmpeg' } })).kind, 'unverifiable');
  assert.equal(judge(unproven, { pid: 500, alive: false }).kind, 'gone');
});

test("a probe that cannot read an identity says why, and that reason is the verdict's", () => {
  const verdict = judge(expected, { pid: 500, alive: true, note: 'grant the ps power' });
  assert.deepEqual(verdict, { kind: 'unverifiable', reason: 'grant the ps power' });
});
