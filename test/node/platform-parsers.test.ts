import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseBootTime, parsePs } from '../../src/node/platform/darwin.js';
import { markerIn, parseStat } from '../../src/node/platform/linux.js';
import { parseWinProcesses, winScript } from '../../src/node/platform/win32.js';

describe('linux /proc/<pid>/stat', () => {
  test('counts fields after the last parenthesis, so any comm is safe', () => {
    const tail = 'S 1 4000 4000 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 100 18446744073709551615';
    assert.deepEqual(parseStat(`4001 (sleep) ${tail}`), { comm: 'sleep', state: 'S', flags: 4194560, ppid: 1, pgrp: 4000, session: 4000, startTime: '123456' });
    assert.deepEqual(parseStat(`4001 (evil) S 1 2 3) ${tail}`), { comm: 'evil) S 1 2 3', state: 'S', flags: 4194560, ppid: 1, pgrp: 4000, session: 4000, startTime: '123456' });
    assert.deepEqual(parseStat(`4001 (a b (c)) ${tail.replace(/^S/, 'Z')}`)?.state, 'Z');
  });
  test('refuses what is not a stat line', () => {
    for (const text of ['', 'garbage', '12 (x)', '12 (x) S 1 notanumber']) assert.equal(parseStat(text), undefined, text);
  });
  test('finds the marker anywhere in the environment block', () => {
    const env = (text: string) => Buffer.from(text, 'latin1');
    assert.equal(markerIn(env('A=1\0PIDKEEP_MARK=app/abc\0B=2\0')), 'app/abc');
    assert.equal(markerIn(env('PIDKEEP_MARK=app/x\0')), 'app/x');
    assert.equal(markerIn(env('A=1\0PIDKEEP_MARK=app/last')), 'app/last');
    assert.equal(markerIn(env('A=1\0XPIDKEEP_MARK=app/abc\0')), null);
    assert.equal(markerIn(env('PIDKEEP_MARK')), null);
    assert.equal(markerIn(env('')), null);
  });
});

describe('macOS ps (LC_ALL=C ps -o pid=,pgid=,stat=,lstart=,ucomm= -p …)', () => {
  test('parses rows, including commands with spaces and single-digit days', () => {
    const rows = parsePs(
      [
        '  501   501 Ss   Sun Nov 29 07:33:39 2026     ffmpeg',
        '  777   501 S+   Mon Dec  1 10:02:03 2026     Google Chrome Helper',
        ' 9999  9999 Z    Tue Dec  2 00:00:00 2026     defunct',
        'garbage line',
      ].join('\n'),
    );
    assert.deepEqual(rows.get(501), { pid: 501, pgid: 501, state: 'Ss', startTime: 'Sun Nov 29 07:33:39 2026', comm: 'ffmpeg' });
    assert.deepEqual(rows.get(777), { pid: 777, pgid: 501, state: 'S+', startTime: 'Mon Dec 1 10:02:03 2026', comm: 'Google Chrome Helper' });
    assert.equal(rows.get(9999)?.state, 'Z');
    assert.equal(rows.size, 3);
  });
  test('boot time from sysctl kern.boottime is the boot id', () => {
    assert.equal(parseBootTime('{ sec = 1764400000, usec = 123456 } Sat Nov 29 07:33:20 2026'), '1764400000.123456');
    assert.equal(parseBootTime('nonsense'), undefined);
  });
});

describe('Windows CIM (Win32_Process CreationDate)', () => {
  test('parses the boot line and one row per process', () => {
    const out = 'boot|2026-11-29T06:00:01.5000000Z\r\n1234|2026-11-29T07:33:39.1234567Z|ffmpeg.exe\r\n8|2026-11-29T06:00:02.0000000Z|System Idle\r\nWARNING: noise\r\n';
    const parsed = parseWinProcesses(out);
    assert.equal(parsed.bootId, '2026-11-29T06:00:01.5000000Z');
    assert.deepEqual(parsed.rows.get(1234), { pid: 1234, startTime: '2026-11-29T07:33:39.1234567Z', comm: 'ffmpeg.exe' });
    assert.equal(parsed.rows.get(8)?.comm, 'System Idle');
    assert.equal(parsed.rows.size, 2);
  });
  test('one script queries every pid at once, with only integers in the filter', () => {
    const script = winScript([12, 34]);
    assert.match(script, /ProcessId=12 OR ProcessId=34/);
    assert.equal((script.match(/Get-CimInstance Win32_Process /g) ?? []).length, 1);
  });
});
