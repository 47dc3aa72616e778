import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProcessManager, PidkeepError } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { isAlive, readText, reaper, tempDir, waitFor } from '../helpers/index.js';

const stopFailed = (e: unknown) => e instanceof PidkeepError && e.code === 'STOP_FAILED' && /nothing was signalled/.test(e.message);

test('a process that cleared its environment is unverifiable: every stop fails with STOP_FAILED and sends nothing', async (t) => {
  const dir = tempDir(t);
  const reap = reaper(t);
  const notes = join(dir, 'notes');
  const open = () => createProcessManager({ namespace: 'cleared', backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 60_000 });
  // A shell that, once told, re-executes itself through `env -i`: same pid, same start tick, same command name,
  // no PIDKEEP_MARK. The new shell notes every signal it gets (in the background-sleep loop a trap runs at once).
  const sentinel = `trap 'echo TERM >> "$0"' TERM; trap 'echo INT >> "$0"' INT; trap 'echo HUP >> "$0"' HUP; echo ready >> "$0"; while :; do sleep 1 & wait $!; done`;
  const pm = await open();
  t.after(() => pm.close());
  const handle = await pm.start('cleared', {
    command: 'sh',
    args: ['-c', 'read go; exec env -i PATH=/usr/bin:/bin sh -c "$0" "$1"', sentinel, notes],
    stdin: 'fifo', // the handshake: it re-executes only after this test has its handle (the recorded command stays `sh`)
    stop: [{ signal: 'SIGTERM', wait: 500 }],
  });
  reap(handle.pid);
  await handle.write('go\n');
  await waitFor('the re-executed shell to set its traps', () => readText(notes) === 'ready\n');
  const [seen] = await nodeBackend().probe([handle.pid]);
  assert.equal(seen?.alive, true);
  assert.equal(seen?.identity?.comm, 'sh');
  assert.equal(seen?.marker, null, 'readable environment, no marker');

  await assert.rejects(pm.stop('cleared'), stopFailed, 'pm.stop');
  await assert.rejects(handle.stop(), stopFailed, 'handle.stop');
  await pm.close();
  // A second controller adopts it (pid, start tick and command name match) but must prove the marker to stop it.
  const second = await open();
  t.after(() => second.close());
  assert.deepEqual(second.recovery.map(({ name, status }) => ({ name, status })), [{ name: 'cleared', status: 'adopted' }]);
  await assert.rejects(second.stop('cleared'), stopFailed, "a second controller's stop");

  // The control: a SIGHUP arrives and is the only thing noted. Any signal pidkeep had sent came before it.
  assert.ok(isAlive(handle.pid));
  process.kill(handle.pid, 'SIGHUP');
  await waitFor('the shell to note the SIGHUP', () => readText(notes).includes('HUP'));
  assert.equal(readText(notes), 'ready\nHUP\n', 'no signal from pidkeep arrived');
});
