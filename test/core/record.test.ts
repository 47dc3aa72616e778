import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endedLine, MAX_RECORD_BYTES, parseRecord, serializeRecord, type StoredRecord } from '../../src/record.js';

const limits = { selfPid: 4242, parentPid: 4241, maxPid: 32768 };
const good: StoredRecord = {
  v: 2,
  id: '0123456789abcdef01234567',
  marker: 'app@00112233aabbccdd/0123456789abcdef01234567',
  namespace: 'app',
  name: 'rec',
  backend: 'node',
  command: 'ffmpeg',
  args: ['-i', 'x'],
  cwd: null,
  startedAt: 1_700_000_000_000,
  stdin: '/tmp/x.stdin',
  logs: { stdout: '/tmp/o.log', stderr: null },
  stop: [{ write: 'q', wait: 3000 }, { signal: 'SIGKILL', wait: 2000 }],
  meta: { file: 'a.wav' },
  pid: 1234,
  bootId: 'boot',
  startTime: '999',
  comm: 'ffmpeg',
};
const parse = (value: unknown, key = 'rec') => parseRecord(typeof value === 'string' ? value : JSON.stringify(value), key, 'app', limits);

test('a valid record round-trips', () => {
  const parsed = parse(serializeRecord(good));
  assert.equal(parsed.kind, 'ok');
  assert.deepEqual(parsed.kind === 'ok' && parsed.record, good);
});

test("a record's log cap round-trips (a restart keeps it)", () => {
  const capped = { ...good, logCap: { maxBytes: 8192, keep: 2 } };
  const parsed = parse(serializeRecord(capped));
  assert.deepEqual(parsed.kind === 'ok' && parsed.record, capped);
});

test("a record's readiness check round-trips in every form (a restart waits for it again)", () => {
  const forms = [false, { alive: 25 }, { idle: 50 }, { idle: 50, max: 900 }, { port: 8080 }, { port: 8080, host: '::1', timeout: 5000 }, { line: 'Serving HTTP', stream: 'stdout' }, { pattern: 'ready on \\d+', flags: 'i', timeout: 900 }, { until: 'function', interval: 50 }] as const;
  for (const ready of forms) {
    const parsed = parse(serializeRecord({ ...good, ready }));
    assert.deepEqual(parsed.kind === 'ok' && parsed.record.ready, ready, JSON.stringify(ready));
  }
});

test('a readiness check the reader cannot read (a newer kind, garbage) is left out: the record stays readable, its process managed', () => {
  for (const ready of [null, true, {}, { alive: -1 }, { idle: 0 }, { port: 0 }, { port: 80, host: '' }, { line: '' }, { line: 'x', stream: 'stdin' }, { pattern: '(', flags: '' }, { pattern: 'x', flags: 'Q' }, { until: true }, { alive: 10, timeout: 0 }, { probe: 'http://localhost/health' }]) {
    const parsed = parse({ ...good, ready });
    assert.equal(parsed.kind, 'ok', JSON.stringify(ready));
    assert.equal(parsed.kind === 'ok' && parsed.record.ready, undefined, JSON.stringify(ready));
  }
});

test('garbage of every kind is corrupt, never a crash', () => {
  const cases: unknown[] = [
    '',
    '{"v":1,"id":"0123456789abcdef"',
    '\u0000\u0001\u00ff binary garbage \ud800',
    'null',
    '[]',
    '42',
    '"text"',
    { ...good, v: 0 },
    { ...good, v: '1' },
    { ...good, id: '../../etc' },
    { ...good, namespace: 'other' },
    { ...good, name: 'other' },
    { ...good, pid: undefined },
    { ...good, command: '' },
    { ...good, command: 7 },
    { ...good, args: 'x' },
    { ...good, args: [1] },
    { ...good, cwd: 5 },
    { ...good, startedAt: 'yesterday' },
    { ...good, stdin: 'a\u0000b' },
    { ...good, logs: null },
    { ...good, stop: [{ signal: 'SIGSTOP' }] },
    { ...good, stdin: null },
    { ...good, bootId: 1 },
    { ...good, comm: 'x'.repeat(1000) },
    { ...good, startTime: null },
    { ...good, marker: undefined },
    { ...good, marker: 'app/0123456789abcdef01234567' },
    { ...good, marker: 'other@00112233aabbccdd/0123456789abcdef01234567' },
    { ...good, marker: 'app@00112233aabbccdd/ffffffffffffffff' },
    { ...good, marker: 'app@0011/0123456789abcdef01234567' },
    { ...good, logCap: null },
    { ...good, logCap: { maxBytes: 0, keep: 1 } },
    { ...good, logCap: { maxBytes: 1.5, keep: 1 } },
    { ...good, logCap: { maxBytes: 4096, keep: -1 } },
    { ...good, logCap: { maxBytes: 4096 } },
    { ...good, logCap: { maxBytes: '10M', keep: 1 } },
  ];
  for (const value of cases) {
    const parsed = parse(value);
    assert.equal(parsed.kind, 'corrupt', JSON.stringify(value).slice(0, 80));
  }
});

test('pids no child can have make a record corrupt', () => {
  for (const pid of [0, 1, -1, 2.5, 32769, '1234', null]) {
    const parsed = parse({ ...good, pid });
    assert.equal(parsed.kind, 'corrupt', String(pid));
  }
});

test("the controller's own pid and its parent's are valid records (pidkeep inside a managed process): only signals refuse them", () => {
  for (const pid of [4242, 4241]) assert.equal(parse({ ...good, pid }).kind, 'ok', String(pid));
});

test('a version-1 record (pidkeep 0.1.0) is read, with the marker 0.1.0 gave its child', () => {
  const { marker: _, ...old } = good;
  const parsed = parse({ ...old, v: 1 });
  assert.equal(parsed.kind, 'ok');
  assert.equal(parsed.kind === 'ok' && parsed.record.marker, 'app/0123456789abcdef01234567');
  const withStray = parse({ ...good, v: 1, marker: 'app@00112233aabbccdd/x' });
  assert.equal(withStray.kind === 'ok' && withStray.record.marker, 'app/0123456789abcdef01234567', 'a marker field in a v1 record is not believed');
});

test('huge records are refused before parsing', () => {
  const parsed = parse({ ...good, meta: 'x'.repeat(MAX_RECORD_BYTES) });
  assert.equal(parsed.kind, 'corrupt');
  assert.match(parsed.kind === 'corrupt' ? parsed.reason : '', /over the/);
});

test('a record from a future version is recognised, not called corrupt', () => {
  const parsed = parse({ v: 3, pid: 1234, whatever: true });
  assert.deepEqual(parsed, { kind: 'future', version: 3, pid: 1234 });
});

test('__proto__ in a record pollutes nothing and is not carried over', () => {
  const text = serializeRecord(good).replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},');
  const parsed = parse(text);
  assert.equal(parsed.kind, 'ok');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(parsed.kind === 'ok' && parsed.record), Object.prototype);
  assert.equal(Object.hasOwn(parsed.kind === 'ok' ? parsed.record : {}, '__proto__'), false);
});

test('a record named __proto__ is an ordinary record', () => {
  const parsed = parse({ ...good, name: '__proto__' }, '__proto__');
  assert.equal(parsed.kind, 'ok');
});

test('an ended run is the record line plus an appended {"ended": ...} line; a bad second line is corrupt', () => {
  const ended = { at: 1_700_000_100_000, code: 3, signal: null, how: 'exited' };
  const parsed = parse(serializeRecord(good) + endedLine(ended));
  assert.equal(parsed.kind, 'ok');
  assert.deepEqual(parsed.kind === 'ok' && parsed.record.ended, ended);
  for (const tail of ['{"ended":{"at":"soon"}}\n', 'garbage\n', '[]\n', '{"ended":{"at":1,"code":1.5,"signal":null,"how":"x"}}\n']) {
    assert.equal(parse(serializeRecord(good) + tail).kind, 'corrupt', tail);
  }
});
