// Helper of bench.mjs (section 1b): a short-lived controller. It starts COUNT sleeps with pidkeep (names
// <prefix>0..) and COUNT sleeps by hand (detached, like pidkeep's), prints their pids as one JSON line, closes its
// manager and exits. Its children are then reparented to init (or the nearest subreaper), exactly as the children
// of a controller that crashed or quit: neither side of the benchmark has them as its own children.
//   node bench/orphans.mjs <dir> <namespace> <prefix> <count>
import { spawn } from 'node:child_process';
import { createProcessManager } from 'pidkeep';
import { fileStore, nodeBackend } from 'pidkeep/node';

const [dir, namespace, prefix, countText] = process.argv.slice(2);
const count = Number(countText);
const pm = await createProcessManager({ namespace, backend: nodeBackend(), store: fileStore({ dir }) });
const kept = [];
const hand = [];
for (let i = 0; i < count; i++) {
  const handle = await pm.start(`${prefix}${i}`, { command: 'sleep', args: ['300'], ready: false });
  kept.push(handle.pid);
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  child.unref();
  hand.push(child.pid);
}
await pm.close();
process.stdout.write(`${JSON.stringify({ kept, hand })}\n`);
