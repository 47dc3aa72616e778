import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createProcessManager, type StopStep } from '../../src/index.js';
import { fileStore, nodeBackend } from '../../src/node/index.js';
import { ffmpegPath, wavSizes } from '../helpers/ffmpeg.js';
import { fixture, isAlive, reaper, startNode, tempDir, waitFor } from '../helpers/index.js';

// Real FFmpeg, shipped by npm (@ffmpeg-installer), recording a generated tone in real time to a WAV file.

async function recordThenLoseController(t: TestContext, stop: StopStep[]) {
  const dir = tempDir(t);
  const out = join(dir, 'tone.wav');
  const reap = reaper(t);
  const args = ['-hide_banner', '-nostats', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000', '-f', 'wav', '-flush_packets', '1', '-y', out];
  const controller = startNode(t, fixture('controller.mjs'), [dir, 'ff', JSON.stringify([{ name: 'rec', command: ffmpegPath(), args, stdin: 'fifo', stop }])]);
  const pid = Number(await controller.line('started rec'));
  reap(pid);
  await waitFor('FFmpeg to write samples', () => (statSync(out, { throwIfNoEntry: false })?.size ?? 0) > 8000, { timeout: 20_000 });
  controller.child.kill('SIGKILL');
  await controller.exited;
  const pm = await createProcessManager({ namespace: 'ff', backend: nodeBackend(), store: fileStore({ dir }), pollInterval: 50 });
  t.after(() => pm.close());
  assert.equal(pm.recovery[0]?.status, 'adopted');
  return { pm, pid, out };
}

test("real FFmpeg: a second controller's `q` through the FIFO finishes the WAV after the first controller died", async (t) => {
  const { pm, pid, out } = await recordThenLoseController(t, [{ write: 'q', wait: 5000 }, { signal: 'SIGINT', wait: 5000 }]);
  const result = await pm.get('rec')!.stop();
  assert.equal(result.by, 'write "q"');
  assert.equal(isAlive(pid), false);
  const wav = wavSizes(out);
  assert.equal(wav.riff, wav.length - 8, 'RIFF size written: the trailer is there');
  assert.equal(wav.data, wav.length - wav.dataStart, 'data size written');
});

test('real FFmpeg: SIGKILL (what the plugin-shell kill sends) leaves the WAV header unfinished', async (t) => {
  const { pm, out } = await recordThenLoseController(t, [{ signal: 'SIGKILL', wait: 5000 }]);
  const result = await pm.get('rec')!.stop();
  assert.equal(result.forced, true);
  assert.equal(wavSizes(out).riff, 0xffffffff, 'the placeholder size stays: the file needs repair');
});
