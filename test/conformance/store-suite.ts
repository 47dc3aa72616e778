import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Store } from '../../src/types.js';

/** Values as the core writes them: one line ending in a newline. */
const v = (text: string) => `${text}\n`;

/** The behaviour every record store must have. Each driver's test calls this once. */
export function storeConformance(label: string, make: (t: TestContext) => Store, features: { append?: boolean; join?: boolean } = {}) {
  describe(`store conformance: ${label}`, () => {
    test('starts empty, puts, reads back, replaces, removes', async (t) => {
      const store = make(t);
      assert.deepEqual(await store.list('app'), []);
      assert.equal(await store.get('app', 'rec'), undefined);
      await store.put('app', 'rec', v('one'));
      assert.equal(await store.get('app', 'rec'), v('one'));
      assert.deepEqual(await store.list('app'), [{ key: 'rec', text: v('one') }]);
      await store.put('app', 'rec', v('two'));
      assert.equal(await store.get('app', 'rec'), v('two'));
      await store.remove('app', 'rec');
      assert.equal(await store.get('app', 'rec'), undefined);
      await store.remove('app', 'rec'); // absent is fine
    });

    // Optional in the contract (the core then puts the whole value): proven for the stores that have it.
    if (features.append) test('append adds a line to the end of a value', async (t) => {
      const store = make(t);
      assert.ok(store.append, 'this store was said to append');
      await store.put('app', 'rec', v('one'));
      await store.append('app', 'rec', v('two'));
      assert.equal(await store.get('app', 'rec'), `${v('one')}${v('two')}`);
    });

    // Optional too (without it every manager counts as alone): proven for the stores that have it.
    if (features.join) test('join: the first manager of a namespace is alone, the next is not, until every earlier one has left', async (t) => {
      const store = make(t);
      assert.ok(store.join, 'this store was said to join');
      const release = await store.lock('app');
      const first = await store.join('app');
      const second = await store.join('app');
      const elsewhere = await store.join('other');
      release();
      assert.deepEqual([first.alone, second.alone, elsewhere.alone], [true, false, true]);
      first.leave();
      first.leave(); // twice is harmless: it never lets go of another manager's mark
      const third = await store.join('app');
      assert.equal(third.alone, false, 'the second is still open');
      second.leave();
      third.leave();
      const fourth = await store.join('app');
      assert.equal(fourth.alone, true, 'every earlier manager has left');
      fourth.leave();
      elsewhere.leave();
    });

    test('the lock: one holder at a time, in order; a release lets the next in', async (t) => {
      const store = make(t);
      const order: string[] = [];
      const first = await store.lock('app');
      const second = store.lock('app').then((release) => {
        order.push('second');
        return release;
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('first releases');
      first();
      (await second)();
      assert.deepEqual(order, ['first releases', 'second']);
      const other = await store.lock('other'); // namespaces lock apart
      const again = await store.lock('app');
      again();
      other();
    });

    test('the id is stable for a namespace and differs between namespaces', async (t) => {
      const store = make(t);
      const id = async (namespace: string) => store.id(namespace); // a store in a page answers asynchronously
      assert.match(await id('app'), /^[0-9a-f]{16}$/);
      assert.equal(await id('app'), await id('app'));
      assert.notEqual(await id('app'), await id('other'));
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
      for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) await store.put('app', key, v(key));
      const listed = (await store.list('app')).map((e) => e.key).sort();
      assert.deepEqual(listed, ['__proto__', 'constructor', 'hasOwnProperty']);
      assert.equal(await store.get('app', '__proto__'), v('__proto__'));
      assert.equal(({} as Record<string, unknown>).app, undefined);
    });

    test('quarantine moves a value aside with its reason: out of the list, not deleted', async (t) => {
      const store = make(t);
      await store.put('app', 'bad', v('{garbage'));
      await store.quarantine('app', 'bad', 'not JSON');
      assert.deepEqual(await store.list('app'), []);
      assert.deepEqual(await store.listQuarantined('app'), [{ key: 'bad', text: v('{garbage'), reason: 'not JSON' }]);
      await store.put('app', 'bad', v('fresh'));
      assert.equal(await store.get('app', 'bad'), v('fresh'), 'the name is free again');
      await store.quarantine('app', 'absent', 'nothing there');
      assert.equal((await store.listQuarantined('app')).length, 1, 'quarantining an absent key changes nothing');
    });

    test('dropQuarantined deletes every copy set aside under one key, and only those', async (t) => {
      const store = make(t);
      assert.ok(store.dropQuarantined, `the ${store.name} store can forget set-aside records (pm.forget)`);
      for (const [key, text] of [['bad', '{one'], ['bad', '{two'], ['other', '{three']] as const) {
        await store.put('app', key, v(text));
        await store.quarantine('app', key, `reason ${text}`);
      }
      assert.equal((await store.listQuarantined('app')).length, 3);
      await store.dropQuarantined('app', 'bad');
      assert.deepEqual(await store.listQuarantined('app'), [{ key: 'other', text: v('{three'), reason: 'reason {three' }]);
      await store.dropQuarantined('app', 'absent');
      await store.dropQuarantined('fresh', 'bad');
      assert.equal((await store.listQuarantined('app')).length, 1, 'dropping an absent key changes nothing');
    });

    test('many writes under the lock all land', async (t) => {
      const store = make(t);
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const release = await store.lock('app');
          try {
            await store.put('app', `k${i}`, v(`v${i}`));
          } finally {
            release();
          }
        }),
      );
      assert.equal((await store.list('app')).length, 50);
      for (let i = 0; i < 50; i++) assert.equal(await store.get('app', `k${i}`), v(`v${i}`));
    });
  });
}
