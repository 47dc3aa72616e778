import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PidkeepError } from '../../src/errors.js';
import { webStore } from '../../src/web/web-store.js';
import { waitFor } from '../helpers/index.js';
import { memoryStorage } from '../helpers/web-storage.js';

// The browser behaviour (real localStorage, real quota, real storage events) is proven in web-store.browser.test.ts;
// these are the same rules against the spec-following in-memory Storage, fast.

test('one key per record; quarantined values stay under their own keys with the reason', () => {
  const storage = memoryStorage();
  const store = webStore({ storage, prefix: 'p' });
  store.put('app', 'rec', '{garbage\n');
  assert.equal(storage.getItem('p:app:r:rec'), '{garbage\n');
  store.quarantine('app', 'rec', 'not JSON');
  assert.equal(storage.getItem('p:app:r:rec'), null);
  const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i)!).sort();
  assert.equal(keys.length, 2);
  assert.match(keys[0]!, /^p:app:q:.+:rec$/);
  assert.match(keys[1]!, /^p:app:qr:.+:rec$/);
  assert.equal(storage.getItem(keys[1]!), 'not JSON');
  assert.deepEqual(store.listQuarantined('app').map((e) => e.text), ['{garbage\n']);
  store.quarantine('app', 'rec', 'again');
  assert.deepEqual(store.listQuarantined('app').map((e) => e.text), ['{garbage\n'], 'quarantining an absent record changes nothing');
});

test('values the core did not write come back as text; a key that is no record name is reported as an error', () => {
  const storage = memoryStorage();
  const store = webStore({ storage });
  storage.setItem('pidkeep:app:r:partial', '{"v":1');
  storage.setItem('pidkeep:app:r:huge', 'x'.repeat(300 * 1024));
  storage.setItem('pidkeep:app:r:bad key/..', '{}\n');
  storage.setItem('pidkeep:other:r:rec', '{}\n');
  storage.setItem('unrelated', 'x');
  const list = store.list('app').sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(list, [
    { key: 'bad key/..', error: 'the storage key is not a valid record name' },
    { key: 'huge', text: 'x'.repeat(300 * 1024) },
    { key: 'partial', text: '{"v":1' },
  ]);
  store.quarantine('app', 'bad key/..', 'the storage key is not a valid record name');
  assert.equal(storage.getItem('pidkeep:app:r:bad key/..'), null);
  assert.deepEqual(store.listQuarantined('app').map((e) => e.text), ['{}\n']);
  assert.throws(() => store.get('app', 'bad key/..'), TypeError, 'reads and writes still take valid names only');
});

test('a full storage surfaces as STORE_FULL from create and put, and nothing is half-written', () => {
  const storage = memoryStorage({ quota: 1000 });
  const store = webStore({ storage });
  const big = `${'x'.repeat(600)}\n`;
  for (const call of [() => store.create('app', 'rec', big), () => store.put('app', 'rec', big)]) {
    assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof PidkeepError);
      assert.equal(error.code, 'STORE_FULL');
      assert.equal(error.record, 'rec');
      assert.match(error.message, /full.*free space.*tauriFsStore\(\).*fileStore\(\)/s);
      assert.equal((error.cause as DOMException).name, 'QuotaExceededError');
      return true;
    });
  }
  assert.equal(store.get('app', 'rec'), undefined);
  assert.equal(store.create('app', 'rec', 'small\n'), true);
});

test('watch: own writes (through any webStore over the storage) and other windows\' storage events', async () => {
  const storage = memoryStorage();
  const window = new EventTarget();
  const store = webStore({ storage, events: window });
  const sibling = webStore({ storage, events: window });
  const seen: string[] = [];
  const stop = store.watch('app', (key) => seen.push(key));
  sibling.create('app', 'a', 'a\n');
  sibling.put('other', 'x', 'x\n');
  store.remove('app', 'a', 'a\n');
  await waitFor('own writes', () => seen.length === 2);
  assert.deepEqual(seen, ['a', 'a']);

  // Another window's write arrives as a `storage` event (Node has no StorageEvent class: same fields on an Event).
  const fire = (key: string | null, newValue: string | null) =>
    window.dispatchEvent(Object.assign(new Event('storage'), { key, newValue, storageArea: storage }));
  storage.setItem('pidkeep:app:r:b', 'b\n');
  fire('pidkeep:app:r:b', 'b\n');
  fire('pidkeep:other:r:b', 'b\n');
  window.dispatchEvent(Object.assign(new Event('storage'), { key: 'pidkeep:app:r:c', newValue: 'c\n', storageArea: memoryStorage() }));
  assert.deepEqual(seen, ['a', 'a', 'b']);
  store.put('app', 'c', 'c\n');
  await waitFor('the put', () => seen.length === 4);
  storage.clear();
  fire(null, null);
  assert.deepEqual(seen.slice(4).sort(), ['b', 'c'], 'a clear() in another window reports every record it removed');

  stop();
  store.put('app', 'd', 'd\n');
  fire('pidkeep:app:r:d', 'd\n');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(seen.length, 6, 'nothing after unsubscribing');
});

test('options are checked; without localStorage it says what to do', () => {
  assert.throws(() => webStore({ storage: memoryStorage(), prefix: 'a:b' }), TypeError);
  assert.throws(() => webStore(), (error: unknown) => error instanceof PidkeepError && error.code === 'UNSUPPORTED' && /pass `storage`/.test(error.message));
});
