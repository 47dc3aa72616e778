import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { WebStore } from '../../src/web/web-store.js';
import { storeConformance } from '../conformance/store-suite.js';
import { launchChromium, serveDist, storeInPage } from '../helpers/browser.js';
import { waitFor } from '../helpers/index.js';

// The real webStore from dist/ in real Chromium with its real localStorage, storage events and quota.

declare global {
  // What the pages below keep on `window`.
  var store: WebStore;
  var seen: string[];
}

/** A page of a fresh browser context (its own localStorage) with `window.store = webStore(...)`. */
async function openPages(t: TestContext, count = 1): Promise<Page[]> {
  const [browser, server] = await Promise.all([launchChromium(t), serveDist(t)]);
  const context = await browser.newContext();
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.evaluate(async () => {
      const { webStore } = (await import('/dist/web/index.js' as string)) as typeof import('../../src/web/index.js');
      window.store = webStore();
      window.seen = [];
    });
    pages.push(page);
  }
  return pages;
}

storeConformance('webStore in Chromium (real localStorage)', (t) => storeInPage('web (in Chromium)', openPages(t).then(([page]) => page!), 'store'));

test('two windows of one origin see each other\'s writes through watch (storage events) and their own', async (t) => {
  const [a, b] = await openPages(t, 2);
  for (const page of [a!, b!]) await page.evaluate(() => void window.store.watch('app', (key) => window.seen.push(key)));
  await b!.evaluate(() => window.store.create('app', 'from-b', '{"b":1}\n'));
  await waitFor('window A to hear of B\'s create', () => a!.evaluate(() => window.seen.includes('from-b')));
  assert.equal(await a!.evaluate(() => window.store.get('app', 'from-b')), '{"b":1}\n');
  await a!.evaluate(() => window.store.remove('app', 'from-b', '{"b":1}\n'));
  await waitFor('window B to hear of A\'s remove', () => b!.evaluate(() => window.seen.filter((k) => k === 'from-b').length === 2));
  assert.equal(await b!.evaluate(() => window.store.get('app', 'from-b')), undefined);
  assert.deepEqual(await a!.evaluate(() => window.seen), ['from-b', 'from-b'], 'A heard B\'s create (event) and its own remove');
  await a!.evaluate(() => window.store.put('other', 'x', 'x\n'));
  await b!.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
  assert.equal((await b!.evaluate(() => window.seen)).length, 2, 'another namespace is not reported');
});

test('join (Web Locks): managers of one page and of other tabs see each other; an earlier page of the same window is passed over', async (t) => {
  const [a, b] = await openPages(t, 2);
  // Both joins stay open: A's page holds two managers.
  assert.deepEqual(await a!.evaluate(async () => [(await window.store.join!('app')).alone, (await window.store.join!('app')).alone]), [true, false]);
  assert.equal(await b!.evaluate(async () => (await window.store.join!('other')).alone), true, 'another namespace is apart');
  assert.equal(await b!.evaluate(async () => (await window.store.join!('app')).alone), false, 'another tab is another window');

  // A page whose window id is known, beside locks planted as another page would hold them (`<window>:<page>:<n>`).
  const [page] = await openPages(t);
  const joinBeside = (planted: string) =>
    page!.evaluate(async (name) => {
      sessionStorage.setItem('pidkeep:window', 'tab-here');
      await new Promise<void>((held) => void navigator.locks.request(name, { mode: 'shared' }, () => (held(), new Promise<void>(() => undefined))));
      const joined = await window.store.join!('app');
      joined.leave();
      return joined.alone;
    }, planted);
  assert.equal(await joinBeside('pidkeep:open:pidkeep:app:r:tab-here:0123456789abcdef:1'), true, 'an earlier page of this window (a reload not yet torn down) is passed over');
  assert.equal(await joinBeside('pidkeep:open:pidkeep:app:r:tab-there:0123456789abcdef:1'), false, 'another window counts');
});

test('a full localStorage (the real quota) surfaces as STORE_FULL; freeing space lets the write through', async (t) => {
  const [page] = await openPages(t);
  const result = await page!.evaluate(() => {
    // Fill the origin's real quota with keys outside the store's prefix, halving the chunk until one character fails.
    let filled = 0;
    for (let size = 1 << 20, i = 0; size >= 1; ) {
      try {
        localStorage.setItem(`filler-${i++}`, 'x'.repeat(size));
        filled += size;
      } catch (error) {
        if ((error as DOMException).name !== 'QuotaExceededError') throw error;
        size >>= 1;
      }
    }
    const record = `${JSON.stringify({ v: 1, pad: 'y'.repeat(200) })}\n`;
    // Inline callbacks, no named local functions: tsx would wrap those in a helper the page does not have.
    const [create, put] = [() => window.store.create('app', 'rec', record), () => window.store.put('app', 'rec', record)].map((run) => {
      try {
        run();
        return null;
      } catch (error) {
        const e = error as { name: string; code: string; record: string; message: string; cause: { name: string } };
        return { name: e.name, code: e.code, record: e.record, message: e.message, cause: e.cause?.name };
      }
    });
    const after = window.store.get('app', 'rec') ?? null;
    localStorage.removeItem('filler-0');
    const retried = window.store.create('app', 'rec', record);
    return { filled, create, put, after, retried };
  });
  assert.ok(result.filled > 1_000_000, `Chromium's quota held ${result.filled} characters`);
  for (const error of [result.create, result.put]) {
    assert.equal(error?.name, 'PidkeepError');
    assert.equal(error?.code, 'STORE_FULL');
    assert.equal(error?.record, 'rec');
    assert.equal(error?.cause, 'QuotaExceededError');
    assert.match(error?.message ?? '', /Web Storage is full.*free space.*tauriFsStore\(\).*fileStore\(\)/);
  }
  assert.equal(result.after, null, 'nothing half-written');
  assert.equal(result.retried, true);
});

test('a quarantined value is kept under its own key, listed, and still there after a reload', async (t) => {
  const [page] = await openPages(t);
  await page!.evaluate(() => {
    localStorage.setItem('pidkeep:app:r:bad', '{not json');
    window.store.quarantine('app', 'bad', 'record is not JSON');
  });
  await page!.reload();
  const after = await page!.evaluate(async () => {
    const { webStore } = (await import('/dist/web/index.js' as string)) as typeof import('../../src/web/index.js');
    const store = webStore();
    const keys = Object.keys(localStorage).sort();
    return { list: store.list('app'), quarantined: store.listQuarantined('app').map((e) => e.text), keys, reason: localStorage.getItem(keys.find((k) => k.includes(':qr:'))!) };
  });
  assert.deepEqual(after.list, []);
  assert.deepEqual(after.quarantined, ['{not json']);
  assert.equal(after.keys.length, 2);
  assert.equal(after.reason, 'record is not JSON');
});

test('without Web Locks (an insecure context: http on a name other than localhost), join cannot tell and says why, once on the console', async (t) => {
  const [browser, server] = await Promise.all([launchChromium(t, ['--host-resolver-rules=MAP insecure.test 127.0.0.1']), serveDist(t)]);
  const page = await (await browser.newContext()).newPage();
  const warnings: string[] = [];
  page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
  await page.goto(server.url.replace('127.0.0.1', 'insecure.test') + '/');
  const seen = await page.evaluate(async () => {
    const { webStore } = (await import('/dist/web/index.js' as string)) as typeof import('../../src/web/index.js');
    const store = webStore();
    const first = await store.join!('app');
    const second = await store.join!('app');
    // the store's own lock still lines up this page's operations
    const release = await store.lock('app');
    release();
    return { secure: window.isSecureContext, locks: 'locks' in navigator, alone: [first.alone ?? 'unknown', second.alone ?? 'unknown'], reason: first.reason };
  });
  assert.deepEqual({ secure: seen.secure, locks: seen.locks, alone: seen.alone }, { secure: false, locks: false, alone: ['unknown', 'unknown'] });
  assert.match(seen.reason ?? '', /no Web Locks.*secure context/);
  await waitFor('the console warning', () => warnings.length > 0);
  assert.equal(warnings.length, 1, 'said once per page');
  assert.match(warnings[0]!, /^\[pidkeep\] this page has no Web Locks/);
});
