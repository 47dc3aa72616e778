// Issue 20, point 10: what reads the store returns a promise, and the types make forgetting the `await` a compile
// error in the usual slips (a condition, a field read). Checked by `tsc -p tsconfig.test.json` (test/typecheck.test.ts):
// each @ts-expect-error line must fail to compile, or the check fails.
import type { ProcessManager } from '../../src/index.js';

export async function misuse(pm: ProcessManager): Promise<void> {
  // @ts-expect-error a Promise is always truthy: TypeScript says "did you forget to use 'await'?"
  if (pm.lastExit('web')) console.log('ended');
  // @ts-expect-error a field of the result is read from the promise
  console.log(pm.lastExit('web').exit);
  // @ts-expect-error the list is a promise: no length
  console.log(pm.ended().length);
  // @ts-expect-error the list is a promise: no length
  console.log(pm.setAside().length);
  // @ts-expect-error forget resolves to what went
  console.log(pm.forget('web').trace);
  // Awaited, each reads as documented.
  const last = await pm.lastExit('web');
  console.log(last?.exit.code, (await pm.ended()).length, (await pm.setAside()).length, (await pm.forget('web')).trace);
}
