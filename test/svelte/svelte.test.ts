// pidkeep/svelte with Svelte 5 itself: the store contract against a real manager in Node, components compiled by
// Svelte's compiler and rendered on the server (svelte/server) and mounted in Chromium (runes and legacy mode),
// following real processes as they start and stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Component } from 'svelte';
import { derived, get } from 'svelte/store';
import { processesStore, processStore } from '../../src/svelte/index.js';
import type { ProcessInfo, ProcessManager } from '../../src/index.js';
import { isAlive, waitFor } from '../helpers/index.js';
import { idle, importBundle, pageWith, textsOf, uiManager } from '../helpers/ui.js';

test('processesStore and processStore follow a real manager: the value at once, then each change of their own', async (t) => {
  const pm = await uiManager(t);
  const lists: Array<readonly ProcessInfo[]> = [];
  const bs: Array<ProcessInfo | undefined> = [];
  const stopLists = processesStore(pm).subscribe((value) => lists.push(value));
  const stopB = processStore(pm, 'b').subscribe((value) => bs.push(value));
  // (Copies: an assertion on the arrays themselves would narrow their type for the rest of the test.)
  assert.deepEqual([...lists], [[]], 'called at once with the current value');
  assert.deepEqual([...bs], [undefined]);

  const a = await pm.start('a', idle);
  const b = await pm.start('b', idle);
  assert.equal(lists.at(-1), pm.snapshot(), 'the manager\'s own frozen array');
  assert.deepEqual(lists.at(-1)!.map((p) => [p.name, p.pid]), [['a', a.pid], ['b', b.pid]]);
  assert.equal(bs.length, 2, `b's store was told of b only: ${bs.length}`);
  assert.equal(bs[1]!.pid, b.pid);

  // Stopping a sends stopping, exited and stopped: each a new snapshot, none a change of b.
  await pm.stop('a');
  assert.ok(!isAlive(a.pid));
  assert.deepEqual(lists.at(-1)!.map((p) => p.name), ['b']);
  assert.equal(bs.length, 2);
  assert.equal(get(processStore(pm, 'b')), bs[1], 'the same object while b is unchanged');
  assert.notEqual(pm.snapshot()[0], bs[1], '(the snapshot itself has a new one)');

  // Svelte's own store functions take it as a store.
  const names = derived(processesStore(pm), (processes) => processes.map((p) => p.name).join(','));
  assert.equal(get(names), 'b');

  const seen = lists.length;
  stopLists();
  await pm.stop('b');
  assert.equal(lists.length, seen, 'nothing after unsubscribing');
  assert.equal(bs.at(-1), undefined, 'b ended');
  stopB();
});

test('a manager still being created gives an empty list and no process', () => {
  for (const pending of [undefined, null]) {
    assert.deepEqual(get(processesStore(pending)), []);
    assert.equal(get(processStore(pending, 'a')), undefined);
  }
  assert.equal(get(processesStore(undefined)), get(processesStore(null)), 'one frozen empty array');
});

test('server rendering (svelte/server): runes and legacy components list the running processes', async (t) => {
  const pm = await uiManager(t);
  const a = await pm.start('a', idle);
  await pm.start('c', idle);
  type Render = (component: Component<{ pm: ProcessManager | undefined; watch?: string }>, options: { props: { pm: ProcessManager | undefined; watch?: string } }) => { body: string };
  const ssr = await importBundle<{ render: Render; Legacy: Component<{ pm: ProcessManager | undefined }>; Runes: Component<{ pm: ProcessManager | undefined }> }>(
    t,
    "export { render } from 'svelte/server'; export { default as Legacy } from './svelte/Legacy.svelte'; export { default as Runes } from './svelte/Runes.svelte';",
  );
  const text = (html: string) => html.replace(/<!--[^>]*-->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

  const legacy = text(ssr.render(ssr.Legacy, { props: { pm } }).body);
  assert.equal(legacy, `a ${a.pid} stop c ${pm.get('c')!.pid} stop a ${a.pid}`);
  const runes = text(ssr.render(ssr.Runes, { props: { pm, watch: 'a' } }).body);
  assert.equal(runes, `a ${a.pid} stop c ${pm.get('c')!.pid} stop a ${a.pid} a ${a.pid} c ${pm.get('c')!.pid} a ${a.pid} 2`);

  // Before the manager exists (a page rendered ahead of it): empty, no error.
  assert.equal(text(ssr.render(ssr.Legacy, { props: { pm: undefined } }).body), 'none');
  assert.equal(text(ssr.render(ssr.Runes, { props: { pm: undefined } }).body), 'none none 0');
});

test('in Chromium: $processes (runes and legacy) and the runes helpers follow real processes; a button stops one', async (t) => {
  const pm = await uiManager(t);
  const { page, errors } = await pageWith(t, pm, "import { mount, unmount } from 'svelte'; import './ui-bridge.ts'; import App from './svelte/App.svelte'; const app = mount(App, { target: document.getElementById('app')! }); Object.assign(window, { pidkeepUnmount: () => unmount(app) });");
  const lists = ['.legacy-list li', '.runes-list li', '.runes-live li'];
  const ones = ['.legacy-one', '.runes-one', '.runes-live-one'];
  const everywhere = async () => [...(await Promise.all(lists.map((s) => textsOf(page, s)))), ...(await Promise.all(ones.map((s) => textsOf(page, s))))];

  // The manager not there yet: an empty list; then connected, still nothing running.
  const a0 = await pm.start('a', idle);
  assert.deepEqual(await everywhere(), [[], [], [], ['none'], ['none'], ['none']]);
  await page.evaluate(() => (window as unknown as { pidkeepConnect(): void }).pidkeepConnect());
  const one = `a ${a0.pid}`;
  await waitFor('a in every list', async () => JSON.stringify(await everywhere()) === JSON.stringify([[`${one} stop`], [`${one} stop`], [one], [one], [one], [one]]));

  const b = await pm.start('b', idle);
  await waitFor('b too', async () => (await textsOf(page, '.runes-live li')).length === 2);
  assert.deepEqual(await everywhere(), [[`${one} stop`, `b ${b.pid} stop`], [`${one} stop`, `b ${b.pid} stop`], [one, `b ${b.pid}`], [one], [one], [one]]);
  assert.deepEqual(await textsOf(page, '.runes-count'), ['2']);

  // The legacy component's button stops the real process through the manager in Node.
  await page.click('.legacy-list button[data-stop="a"]');
  await waitFor('a to be stopped', () => !isAlive(a0.pid) && pm.get('a') === undefined);
  await waitFor('a gone from every list', async () => JSON.stringify(await everywhere()) === JSON.stringify([[`b ${b.pid} stop`], [`b ${b.pid} stop`], [`b ${b.pid}`], ['none'], ['none'], ['none']]));
  assert.deepEqual(await textsOf(page, '.runes-count'), ['1']);

  await page.click('.runes-list button[data-stop="b"]');
  await waitFor('b to be stopped', () => !isAlive(b.pid) && pm.snapshot().length === 0);
  await waitFor('every list empty', async () => JSON.stringify(await everywhere()) === JSON.stringify([[], [], [], ['none'], ['none'], ['none']]));

  // Two stores in each component and the two runes helpers listen while mounted; unmounted, none does.
  assert.equal(await page.evaluate(() => window.pidkeepBridge.listeners()), 6);
  await page.evaluate(() => (window as unknown as { pidkeepUnmount(): void }).pidkeepUnmount());
  await waitFor('every subscription to end', () => page.evaluate(() => window.pidkeepBridge.listeners() === 0));
  assert.deepEqual(errors, []);
});
