import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { fixture, isAlive, readText, reaper, tempDir, waitFor } from '../helpers/index.js';

test('corrupt and hostile records are quarantined and reported, never acted on, never a crash', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const records = join(dir, 'app', 'records');
  mkdirSync(records, { recursive: true });
  // A live process that belongs to nobody here: every hostile record points at it, and it must feel nothing.
  const notes = join(dir, 'bystander.notes');
  const bystander = spawn(process.execPath, [fixture('stubborn.mjs'), notes], { stdio: 'ignore', detached: true });
  reap(bystander.pid);
  await waitFor('the bystander to be ready', () => existsSync(notes));
  const pid = bystander.pid!;
  const base = {
    v: 1, id: '0123456789abcdef01234567', namespace: 'app', state: 'running', backend: 'node', command: 'node', args: [], cwd: null,
    startedAt: Date.now(), stdin: null, logs: { stdout: null, stderr: null }, stop: [{ signal: 'SIGKILL', wait: 100 }], meta: null,
    pid, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), startTime: '1', comm: 'node',
  };
  const put = (name: string, content: string | Buffer) => writeFileSync(join(records, `${name}.json`), content);
  put('truncated', JSON.stringify({ ...base, name: 'truncated' }).slice(0, 40));
  put('binary', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x7b, 0x22]));
  put('wrongtypes', JSON.stringify({ ...base, name: 'wrongtypes', pid: String(pid), args: 'rm -rf /' }));
  put('huge', JSON.stringify({ ...base, name: 'huge', meta: 'x'.repeat(2_000_000) }));
  put('pidone', JSON.stringify({ ...base, name: 'pidone', pid: 1 }));
  put('self', JSON.stringify({ ...base, name: 'self', pid: process.pid })); // our own pid, another start time: reused, never signalled
  put('negative', JSON.stringify({ ...base, name: 'negative', pid: -1 }));
  put('polluter', JSON.stringify({ ...base, name: 'polluter' }).replace('{', '{"__proto__":{"polluted":"yes"},'));
  put('mismatch', JSON.stringify({ ...base, name: 'someone-else' }));
  put('future', JSON.stringify({ v: 99, name: 'future', pid }));
  put('bad name!', JSON.stringify({ ...base, name: 'bad name!' }));
  const precious = join(dir, 'precious.txt');
  writeFileSync(precious, 'do not touch\n');
  symlinkSync(precious, join(records, 'link.json'));
  mkdirSync(join(records, 'folder.json'));
  execFileSync('mkfifo', [join(records, 'pipe.json')]); // reading it would block forever: it must not be read
  // A well-formed record whose start time does not match: the pid is someone else's now.
  put('stale', JSON.stringify({ ...base, name: 'stale', id: 'aaaaaaaaaaaaaaaaaaaaaaaa' }));

  // Real corruption is old: a young file without its final newline would count as a write in progress.
  const past = new Date(Date.now() - 60_000);
  for (const name of readdirSync(records)) if (!name.startsWith('link')) utimesSync(join(records, name), past, past);

  const pm = await createProcessManager({ namespace: 'app', backend: nodeBackend(), store: fileStore({ dir }) });
  t.after(() => pm.close());
  const status = Object.fromEntries(pm.recovery.map((r) => [r.name, r.status]));
  assert.deepEqual(status, {
    truncated: 'corrupt', binary: 'corrupt', wrongtypes: 'corrupt', huge: 'corrupt', pidone: 'corrupt', self: 'reused', negative: 'corrupt',
    polluter: 'reused', mismatch: 'corrupt', future: 'skipped', 'bad name!': 'corrupt', link: 'corrupt', folder: 'corrupt', pipe: 'corrupt', stale: 'reused',
  });
  for (const entry of pm.recovery) assert.ok(entry.detail.length > 10, `${entry.name} has a reason: ${entry.detail}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  assert.equal(pm.list().length, 0);

  // Quarantined, not deleted: every corrupt record is kept aside with its reason.
  const aside = readdirSync(join(dir, 'app', 'quarantine'));
  assert.equal(aside.filter((f) => f.endsWith('.reason.txt')).length, Object.values(status).filter((s) => s === 'corrupt').length);
  assert.ok(existsSync(join(records, 'future.json')), 'a record from a future version is left in place');
  assert.equal(readFileSync(precious, 'utf8'), 'do not touch\n', 'the symlink target is untouched');
  assert.ok(readdirSync(join(dir, 'app', 'quarantine')).some((f) => f.startsWith('truncated.') && readFileSync(join(dir, 'app', 'quarantine', f), 'utf8').startsWith('{"v":1')), 'quarantined content is kept');

  // Prove the absence of signals: a SIGHUP sent now must be the first and only thing the bystander noted.
  process.kill(pid, 'SIGHUP');
  await waitFor('the bystander to note the SIGHUP', () => readText(notes).includes('SIGHUP'));
  assert.equal(readText(notes), 'SIGHUP\n', 'the bystander received no signal from pidkeep');
  assert.ok(isAlive(pid), 'the bystander lives');
  assert.ok(isAlive(process.pid));
});
