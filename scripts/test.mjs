// Runs every test file under test/ with Node's own runner. Node 20 takes no globs after --test,
// so the files are listed here; tsx lets the tests stay TypeScript without a second build.
// `--no-real-app` leaves out test/real/ (the real Tauri app, built by scripts/real-app.mjs): .ci/run runs those once
// per CI run, on the machine's Node, since they do not depend on the Node line that runs the test runner.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const withoutRealApp = args.includes('--no-real-app');
// `--pid-namespace`: the whole run inside a pid namespace of its own, as in any container, with a reaper as pid 1
// (tini; a test runner as pid 1 would reap no orphans, and the pid-1 guards would go untested): records are keyed
// `<name>@<inode>` there, and a broken guard could signal everything in it.
if (args.includes('--pid-namespace')) {
  const rest = args.filter((a) => a !== '--pid-namespace');
  const inner = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', 'tini', '-s', '-g', '--', process.execPath, 'scripts/test.mjs', ...rest], { stdio: 'inherit' });
  if (inner.error) console.error(`could not run the suite in a pid namespace (unshare, tini): ${inner.error.message}`);
  process.exit(inner.status ?? 1);
}
const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `test/${file}`)
  .filter((file) => !(withoutRealApp && file.startsWith('test/real/')))
  .sort();
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec', ...args.filter((a) => a !== '--no-real-app'), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
