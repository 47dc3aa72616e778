// Controller #1: starts the recorder, says so, then "hangs" until the demo kills it with SIGKILL.
import { createProcessManager } from 'pidkeep';
import { fileStore, nodeBackend } from 'pidkeep/node';

const [dir, out] = process.argv.slice(2);
const pm = await createProcessManager({ namespace: 'demo', backend: nodeBackend(), store: fileStore({ dir }) });
const recorder = await pm.start('recorder', {
  command: process.execPath,
  args: [new URL('./recorder.mjs', import.meta.url).pathname, out],
  stdin: 'fifo',
  stop: [{ write: 'q', wait: 3000 }, { signal: 'SIGINT', wait: 3000 }],
  meta: { output: out },
});
console.log(JSON.stringify({ pid: recorder.pid }));
setInterval(() => {}, 1000);
