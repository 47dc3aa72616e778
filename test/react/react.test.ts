// pidkeep/react with React 19 itself: server rendering with react-dom/server in Node, and react-dom/client in
// Chromium following real processes as they start and stop, with a render interrupted by a snapshot to show that
// nothing tears, and useProcess keeping its object while other processes change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { List, PROBE_SIZE, watched } from '../fixtures/react/components.js';
import { isAlive, waitFor } from '../helpers/index.js';
import { idle, pageWith, textsOf, uiManager } from '../helpers/ui.js';

const text = (html: string) => html.replace(/<!--[^>]*-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

test('renderToString: the running processes of a real manager; none while the manager is still being created', async (t) => {
  const pm = await uiManager(t);
  // React's development build (NODE_ENV is unset here) reports an uncached server snapshot with console.error.
  const reported = t.mock.method(console, 'error', () => undefined);
  const a = await pm.start('a', idle);
  const b = await pm.start('b', idle);
  assert.equal(text(renderToString(h(List, { pm }))), `a ${a.pid} stop b ${b.pid} stop a ${a.pid}`);
  assert.equal(watched.a!.at(-1), pm.snapshot()[0], 'useProcess gave the snapshot\'s own entry');
  assert.equal(text(renderToString(h(List, { pm: undefined }))), 'none');
  assert.equal(text(renderToString(h(List, { pm: null }))), 'none');
  assert.deepEqual(reported.mock.calls.map((call) => String(call.arguments[0])), []);
});

test('in Chromium: the list follows real processes, a button stops one, and useProcess keeps its object while others change', async (t) => {
  const pm = await uiManager(t);
  const { page, errors } = await pageWith(t, pm, "import './react/page.js';");
  const seenA = () => page.evaluate(() => {
    const all = window.pidkeepState.watched.a ?? [];
    return { renders: all.length, objects: new Set(all).size, last: all.at(-1) ?? null };
  });

  const a = await pm.start('a', idle);
  assert.deepEqual(await textsOf(page, '#list li'), [], 'no manager yet: an empty list');
  assert.deepEqual(await textsOf(page, '.one'), ['none']);
  await page.evaluate(() => window.pidkeepConnect());
  await waitFor('a listed', async () => (await textsOf(page, '#list li')).join() === `a ${a.pid}stop`);
  assert.deepEqual(await textsOf(page, '.one'), [`a ${a.pid}`]);
  const before = await seenA();

  // Unrelated changes: b starts and is stopped. The list redraws (and Watch with it) each time; a's object stays.
  const b = await pm.start('b', idle);
  await waitFor('b listed', async () => (await textsOf(page, '#list li')).length === 2);
  await page.click('button[data-stop="b"]');
  await waitFor('b stopped', () => !isAlive(b.pid) && pm.get('b') === undefined);
  await waitFor('b gone from the list', async () => (await textsOf(page, '#list li')).length === 1);
  const after = await seenA();
  assert.ok(after.renders >= before.renders + 3, `Watch redrew with the list: ${before.renders} -> ${after.renders} renders`);
  const objectsWithA = after.objects - 1; // the first render's undefined
  assert.equal(objectsWithA, 1, `one object for a across ${after.renders} renders`);
  assert.equal(after.last?.pid, a.pid);

  await page.click('button[data-stop="a"]');
  await waitFor('a stopped', () => !isAlive(a.pid) && pm.snapshot().length === 0);
  await waitFor('the list empty', async () => (await textsOf(page, '#list li')).length === 0 && (await textsOf(page, '.one'))[0] === 'none');
  assert.deepEqual(errors, []);
});

test('in Chromium: a snapshot that arrives in the middle of a transition render never tears (a direct read does)', async (t) => {
  const pm = await uiManager(t);
  const { page, errors } = await pageWith(t, pm, "import './react/page.js';");
  await page.evaluate(() => window.pidkeepConnect());
  await pm.start('base', idle);
  await waitFor('base listed', async () => (await textsOf(page, '#list li')).length === 1);

  // The first slow child asks for a start; the new snapshot lands while the others are still rendering.
  let round = 0;
  let armed = false;
  await page.exposeFunction('pidkeepDuringRender', async () => {
    if (!armed) return;
    armed = false;
    await pm.start(`mid-${++round}`, { ...idle, ready: false });
  });
  const probe = async (naive: boolean) => {
    const count = pm.snapshot().length;
    await page.evaluate(() => {
      window.pidkeepClear();
      window.pidkeepState.reads.length = 0;
      window.pidkeepState.commits.length = 0;
    });
    // Nothing mounted listens any more: nothing but the probe's own check can notice the new snapshot.
    await waitFor('every subscription to end', () => page.evaluate(() => window.pidkeepBridge.listeners() === 0));
    armed = true;
    await page.evaluate((n) => window.pidkeepProbe(n), naive);
    await waitFor('the start during the render', () => pm.snapshot().length === count + 1);
    await waitFor('the probe to commit', () => page.evaluate((size) => window.pidkeepState.commits.some((c) => c.length === size), PROBE_SIZE));
    return page.evaluate(() => ({ reads: [...window.pidkeepState.reads], commits: window.pidkeepState.commits.map((c) => [...c]) }));
  };

  const hook = await probe(false);
  const counts = new Set(hook.reads);
  assert.ok(counts.has(1) && counts.has(2), `the snapshot changed in the middle of the render: read ${[...counts].join(', ')}`);
  for (const commit of hook.commits) assert.equal(new Set(commit).size, 1, `a commit showed one snapshot: ${commit.join(' ')}`);
  await waitFor('the probe to show the new snapshot', () => page.evaluate(() => Array.from(document.querySelectorAll('.slow')).every((e) => e.textContent === '2')));

  // The control proves the probe can see tearing: the same render reading pm.snapshot() directly commits both.
  const naive = await probe(true);
  assert.ok(naive.commits.some((commit) => new Set(commit).size > 1), `a direct read tore: ${JSON.stringify(naive.commits)}`);
  assert.deepEqual(errors, []);
});
