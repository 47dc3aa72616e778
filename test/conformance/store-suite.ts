import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Store } from '../../src/types.js';

/** The behaviour every record store must have. Each driver's test calls this once. */
/** Values as the core writes them: one line ending in a newline (a store may rely on that to spot a write in progress). */
const v = (text: string) => `${text}\n`;

export function storeConformance(label: string, make: (t: TestContext) => Store) {
  describe(`store conformance: ${label}`, () => {
    test('starts empty, creates exclusively, reads back', async (t) => {
      const store = make(t);
      assert.deepEqual(await store.list('app'), []);
      assert.equal(await store.get('app', 'rec'), undefined);
      assert.equal(await store.create('app', 'rec', v('one')), true);
      assert.equal(await store.create('app', 'rec', v('two')), false);
      assert.equal(await store.get('app', 'rec'), v('one'));
      assert.deepEqual(await store.list('app'), [{ key: 'rec', text: v('one') }]);
    });

    test('put replaces; remove with an expected value only removes that value', async (t) => {
      const store = make(t);
      await store.put('app', 'rec', v('one'));
      await store.put('app', 'rec', v('two'));
      assert.equal(await store.get('app', 'rec'), v('two'));
      await store.remove('app', 'rec', v('one'));
      assert.equal(await store.get('app', 'rec'), v('two'), 'a stale remover must not delete a newer record');
      await store.remove('app', 'rec', v('two'));
      assert.equal(await store.get('app', 'rec'), undefined);
      await store.remove('app', 'rec');
      await store.put('app', 'rec', v('three'));
      await store.remove('app', 'rec');
      assert.equal(await store.get('app', 'rec'), undefined);
    });

    test('namespaces do not see each other', async (t) => {
      const store = make(t);
      await store.put('app', 'rec', v('a'));
      await store.put('other', 'rec', v('b'));
      assert.deepEqual(await store.list('app'), [{ key: 'rec', text: v('a') }]);
      assert.deepEqual(await store.list('other'), [{ key: 'rec', text: v('b') }]);
    });

    test('keys that are special to JavaScript are ordinary keys', async (t) => {
      const store = make(t);
      for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) assert.equal(await store.create('app', key, v(key)), true);
      const listed = (await store.list('app')).map((e) => e.key).sort();
      assert.deepEqual(listed, ['__proto__', 'constructor', 'hasOwnProperty']);
      assert.equal(await store.get('app', '__proto__'), v('__proto__'));
      assert.equal(({} as Record<string, unknown>).app, undefined);
    });

    test('quarantine moves a value aside: out of the list, not deleted', async (t) => {
      const store = make(t);
      await store.put('app', 'bad', v('{garbage'));
      await store.quarantine('app', 'bad', 'not JSON');
      assert.deepEqual(await store.list('app'), []);
      assert.deepEqual(await store.listQuarantined('app'), [v('{garbage')], 'kept, so a sweep spares its process');
      assert.equal(await store.create('app', 'bad', v('fresh')), true, 'the name is free again');
    });

    test('of many concurrent creates of one key exactly one wins; distinct keys all land', async (t) => {
      const store = make(t);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create('app', 'contested', v(`v${i}`))));
      assert.equal(results.filter(Boolean).length, 1);
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.put('app', `k${i}`, v(`v${i}`))));
      const list = await store.list('app');
      assert.equal(list.length, 51);
      for (let i = 0; i < 50; i++) assert.equal(await store.get('app', `k${i}`), v(`v${i}`));
    });
  });
}
