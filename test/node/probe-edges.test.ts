import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { judge } from '../../src/identity.js';
import type { ProbeResult } from '../../src/index.js';
import { nodeBackend } from '../../src/node/index.js';
import { fixture, reaper, root, tempDir, waitFor } from '../helpers/index.js';

const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const statFields = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');

test('a zombie probes as ended, and judge() calls its record gone', async (t) => {
  // The inner sleep ends at once; its parent (the shell, now exec'd into `sleep 30`) never reaps it: a real zombie.
  const outer = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  reaper(t)(outer.pid); // the zombie's pid is not reaped here: once reaped, it may be anyone's
  let out = '';
  outer.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const zombie = Number(await waitFor('the inner pid', () => out.trim()));
  // Its parent is still our outer process: the pid has not changed hands.
  const fields = await waitFor('the inner sleep to be a zombie', () => {
    const f = statFields(zombie);
    return f[0] === 'Z' && Number(f[1]) === outer.pid ? f : undefined;
  });
  const [seen] = await nodeBackend().probe([zombie]);
  assert.deepEqual(seen, { pid: zombie, alive: false });
  const expected = { bootId, pid: zombie, startTime: fields[19]!, comm: 'sleep', marker: 'zombie/0123456789abcdef' };
  assert.equal(judge(expected, seen).kind, 'gone');
  assert.equal((await nodeBackend().probe([outer.pid!]))[0]?.alive, true, 'its parent, alive, probes alive');
});

/**
 * dist and the probe fixture, copied where `nobody` may read them (the checkout may sit in a private home).
 * No node_modules: the fixture imports only the backend, which needs no package.
 */
function readableProbe(t: TestContext): string {
  const dir = tempDir(t, 'pidkeep-nobody-');
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'test', 'fixtures'), { recursive: true });
  cpSync(fixture('probe.mjs'), join(dir, 'test', 'fixtures', 'probe.mjs'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const open = (path: string) => {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) open(join(path, entry.name));
      else chmodSync(join(path, entry.name), 0o644);
    }
  };
  open(dir);
  return join(dir, 'test', 'fixtures', 'probe.mjs');
}

interface Probed {
  uid: number;
  seen: ProbeResult[];
  stat: string[];
}

/**
 * In a private pid and mount namespace, /proc is remounted with `hidepid=MODE`; a root-owned `sleep` runs beside a
 * pid that has ended, and probe.mjs looks at both, first as root, then as `nobody`, who may not read the sleep's
 * /proc entry. Needs root (unshare, mount, setpriv); fails with the reason otherwise.
 */
function probeUnderHidepid(t: TestContext, mode: string) {
  assert.equal(process.getuid?.(), 0, 'this test needs root to create namespaces, remount /proc and switch to nobody');
  const script = [
    'mount -o remount,hidepid="$1" /proc || exit 3',
    'sleep 60 & live=$!',
    "sh -c 'exit 0' & ended=$!; wait $ended",
    'echo "ticks $(cut -d" " -f22 /proc/$live/stat)"',
    '"$2" "$3" $live $ended || exit 4',
    'setpriv --reuid=nobody --regid=nogroup --clear-groups "$2" "$3" $live $ended || exit 5',
    'kill $live',
  ].join('\n');
  const probe = readableProbe(t);
  // --kill-child: when unshare ends, so does the namespace's pid 1, and with it everything inside.
  const run = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount', '--mount-proc', 'sh', '-c', script, 'sh', mode, process.execPath, probe], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  assert.equal(run.error, undefined, `unshare could not run: ${run.error?.message}`);
  assert.equal(run.status, 0, `the hidepid=${mode} scenario failed (5: nobody could not run ${probe}; is every directory above it world-searchable?):\n${run.stderr}\n${run.stdout}`);
  const [ticks, asRoot, asNobody] = run.stdout.trim().split('\n');
  return { ticks: ticks!.replace('ticks ', ''), asRoot: JSON.parse(asRoot!) as Probed, asNobody: JSON.parse(asNobody!) as Probed };
}

for (const [mode, denied] of [
  ['1', 'EPERM'], // the entry is listed, its files refuse: "unreadable" in the plainest sense
  ['2', 'ENOENT'], // the entry is hidden, as if the process had ended: only kill(pid, 0) tells (EPERM)
] as const) {
  test(`a process whose /proc/<pid>/stat cannot be read (hidepid=${mode}: ${denied}) probes alive and unverifiable, never ended`, (t) => {
    const { ticks, asRoot, asNobody } = probeUnderHidepid(t, mode);
    const [live, ended] = asRoot.seen;
    // The control: root reads both, so the sleep really runs and the other pid really ended.
    assert.equal(asRoot.uid, 0);
    assert.equal(live?.alive, true);
    assert.ok(live?.identity, 'root reads its identity');
    assert.equal(ended?.alive, false);

    assert.equal(asNobody.uid, 65534);
    assert.equal(asNobody.stat[0], denied, `nobody's view of /proc/${live?.pid}/stat under hidepid=${mode}`);
    assert.deepEqual(asNobody.seen[0], { pid: live!.pid, alive: true }, 'alive, with no identity');
    const expected = { bootId, pid: live!.pid, startTime: ticks, comm: 'sleep', marker: 'hidden/0123456789abcdef' };
    assert.equal(judge(expected, asNobody.seen[0]).kind, 'unverifiable');
    // Hidden is not the same as ended: a pid with no process is still reported ended.
    assert.deepEqual(asNobody.seen[1], { pid: ended!.pid, alive: false });
  });
}
