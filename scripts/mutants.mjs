// A repeatable mutation run over pidkeep's safety code: each mutant is one small edit of one guard (a check
// removed, a condition widened); the tests that cover that file must fail with it. Run on a clean checkout:
//   node scripts/mutants.mjs            every mutant (about 20-30 minutes on 2 cores)
//   node scripts/mutants.mjs 3 17       only these (numbers as printed), e.g. to re-check a survivor
// It edits src/ in place and puts every file back after each mutant (also on Ctrl+C). Prints one line per mutant
// and a score; exits 1 when a mutant survived. Each mutant builds dist/ first (fixtures import the built code),
// type errors allowed: a mutant may leave a name unused.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const t = (...files) => files.map((f) => `test/${f}.test.ts`);
const CORE = t('core/identity', 'core/manager', 'core/stop');

/** [file, the exact text, its replacement, the tests that cover it]. Each text occurs exactly once in its file. */
const MUTANTS = [
  // identity: boot id, start time, marker, command
  ['src/identity.ts', "if (id.bootId !== expected.bootId) return { kind: 'gone'", "if (false) return { kind: 'gone'", [...CORE, ...t('node/pid-reuse')]],
  ['src/identity.ts', 'if (id.startTime !== expected.startTime) {', 'if (false) {', [...CORE, ...t('node/pid-reuse')]],
  ['src/identity.ts', "if (seen.marker === null) return { kind: 'unverifiable'", "if (false) return { kind: 'unverifiable'", [...CORE, ...t('node/unverifiable-stop', 'node/guards')]],
  ['src/identity.ts', "if (typeof seen.marker === 'string' && seen.marker !== expected.marker) {", 'if (false) {', [...CORE, ...t('node/pid-reuse', 'node/guards')]],
  ['src/identity.ts', 'if (seen.marker === undefined && id.comm !== expected.comm) {', 'if (false) {', CORE],
  ['src/identity.ts', "if (expected.startTime === '' && (id.startTime !== '' || id.bootId !== expected.bootId)) {", 'if (false) {', CORE],
  // pids that are never signalled
  ['src/validate.ts', 'if (pid < 2 || pid > limits.maxPid)', 'if (pid < 1 || pid > limits.maxPid)', [...t('core/validate', 'node/signal-guards')]],
  ['src/validate.ts', 'if (pid === limits.selfPid)', 'if (false)', [...t('core/validate', 'node/signal-guards')]],
  ['src/validate.ts', 'if (pid === limits.parentPid)', 'if (false)', [...t('core/validate', 'node/signal-guards')]],
  // claims: one name, one process
  ['src/claim.ts', "if (verdict.kind === 'same' || verdict.kind === 'unverifiable') {", "if (verdict.kind === 'same') {", [...t('core/manager', 'node/guards')]],
  ['src/start.ts', "if (verdict.kind !== 'gone' && verdict.kind !== 'reused') throw busy();", "if (verdict.kind === 'same') throw busy();", [...t('core/manager', 'node/guards')]],
  // sweeps
  ['src/sweep.ts', "if (parsed.kind === 'ok' && !parsed.record.ended) known.add(parsed.record.id);", "if (false) known.add(parsed.record.id);", [...t('node/sweep', 'node/guards')]],
  ['src/sweep.ts', "else if (parsed.kind === 'future') for", 'else if (false) for', [...t('node/sweep', 'node/guards')]],
  ['src/sweep.ts', 'const orphans = await withLock(store, namespace, async () => {', 'const orphans = await (async (_s, _n, body) => body())(store, namespace, async () => {', [...t('node/sweep', 'node/guards')]],
  ['src/sweep.ts', 'if (limits.pidNamespace !== undefined && found.pidNamespace !== limits.pidNamespace) return false;', '', [...t('node/sweep-scope', 'node/pid-namespaces')]],
  ['src/sweep.ts', 'if (!allUsers && limits.uid !== undefined && found.uid !== limits.uid) return false;', '', [...t('node/sweep-scope')]],
  ['src/sweep.ts', "waitForEnd: (ms) => pollUntil(async () => ['gone', 'reused'].includes((await look()).kind), ms),", "waitForEnd: (ms) => pollUntil(async () => (await look()).kind !== 'same', ms),", [...t('node/guards')]],
  ['src/sweep.ts', 'if (shared === true) ours.push(found);', 'if (shared !== false) ours.push(found);', [...t('node/mount-namespaces')]],
  ['src/sweep.ts', "if (unsafePidReason(found.pid, limits)) return false;", '', [...t('node/signal-guards', 'node/sweep')]],
  // set-aside records
  ['src/set-aside.ts', 'const found = marked.find((p) => markers.has(p.marker));', 'const found = marked[0];', [...t('node/guards', 'node/set-aside', 'node/sweep')]],
  // stop plans
  ['src/stop.ts', "if (verdict.kind === 'unverifiable') {", 'if (false) {', [...CORE, ...t('node/unverifiable-stop', 'node/guards')]],
  ['src/stop.ts', 'if (left.marked < left.total) {', 'if (false) {', [...CORE, ...t('node/group-stop')]],
  ['src/stop.ts', "await ctx.signal(step.signal, groupOnly || (verdict.kind === 'same' && verdict.groupLeader));", 'await ctx.signal(step.signal, true);', [...CORE, ...t('node/guards')]],
  ['src/stop.ts', "if (verdict.kind === 'same') proven.push(...seen);", 'proven.push(...seen);', [...CORE, ...t('node/group-stop')]],
  // tracking and reconcile
  ['src/tracked.ts', 'if ((await store.get(namespace, key)) === t.text) await markEnded(', 'await markEnded(', [...t('core/manager', 'node/guards')]],
  ['src/tracked.ts', "if (verdict.kind !== 'gone' && verdict.kind !== 'reused') return false;", "if (verdict.kind === 'same') return false;", [...t('node/unverifiable-stop', 'node/guards')]],
  ['src/reconcile.ts', "report.push({ name: record.name, pid: record.pid, status: 'skipped', detail: `${verdict.reason}; record kept, nothing done` });", "await forget(item, verdict.reason);", [...t('core/manager', 'node/guards')]],
  // the file store and its locks
  ['src/node/file-store.ts', 'if (sameFile(fd, layout.lockFile(root, namespace))) return () => unlock(fd);', 'return () => unlock(fd);', [...t('node/file-store', 'conformance/stores')]],
  ['src/node/presence.ts', 'const unknown = free && made && hasRecords(layout.recordsDir(root, namespace));', 'const unknown = false;', [...t('node/presence')]],
  ['src/node/presence.ts', 'if (sameFile(presence.fd, file)) continue;', 'continue;', [...t('node/presence')]],
  ['src/node/file-store.ts', "return currentPlatform().seesSameFile?.(pid, layout.namespaceDir(root, namespace)) ?? true;", 'return true;', [...t('node/mount-namespaces')]],
  ['src/node/file-store.ts', "if (code === 'ELOOP') return { error: 'the record is a symbolic link' };", '', [...t('node/hostile-records', 'node/file-store')]],
  ['src/node/private-dir.ts', 'fd = openSync(dir, constants.O_RDONLY | DIRECTORY | NOFOLLOW);', 'fd = openSync(dir, constants.O_RDONLY | DIRECTORY);', [...t('node/file-store', 'node/planted-folders')]],
  ['src/node/private-dir.ts', 'if (!same) throw linkRefused(folder.path);', '', [...t('node/planted-folders', 'node/file-store')]],
  ['src/node/log-writer.ts', 'if (here.dev !== dev || here.ino !== ino) {', 'if (false) {', [...t('node/planted-folders')]],
  // the Node backend and probe
  ['src/node/backend.ts', 'if (unsafe) throw new PidkeepError(\'UNSAFE_PID\', `refusing to signal: ${unsafe}`, { pid });', '', [...t('node/signal-guards', 'conformance/backends')]],
  ['src/node/backend.ts', 'if (group && ownGroup() === pid) group = false;', '', [...t('node/guards')]],
  ['src/node/platform/linux.ts', 'if (length < buffer.length) return markerIn(buffer.subarray(0, length));', 'return markerIn(buffer.subarray(0, length));', [...t('node/huge-environment')]],
  ['src/node/platform/linux.ts', "if (!again || again.state === 'Z' || again.state === 'X' || (again.flags & PF_EXITING) !== 0) return { pid, alive: false };", '', [...t('node/probe-edges', 'node/unverifiable-stop')]],
  ['src/node/platform/linux.ts', 'found.push({ pid: child, startTime: id.startTime });', "found.push({ pid: child, startTime: '0' });", [...t('node/group-stop')]],
  ['src/node/platform/linux.ts', "if (!/^\\d+$/.test(entry) || mine.has(Number(entry))) continue;", "if (!/^\\d+$/.test(entry)) continue;", [...t('node/guards')]],
  // the Tauri kill and probe scripts, and the scope check
  ['src/tauri/platform/linux.ts', `'[ "$mark" = "$want" ] || { echo "refused marker"; exit 4; }',`, "':',", [...t('tauri/linux-powers', 'node/huge-environment')]],
  ['src/tauri/platform/linux.ts', `'[ "$1" = "$ticks" ] && [ "$state" != Z ] && [ "$state" != X ] || { echo gone; exit 0; }',`, "':',", [...t('tauri/linux-powers')]],
  ['src/tauri/platform/linux.ts', `'[ "$pid" != "$PPID" ] && [ "$pid" != "$2" ] && [ "$pid" != "$$" ] || { echo "refused the app or its parent"; exit 3; }',`, "':',", [...t('tauri/linux-powers')]],
  ['src/tauri/platform/linux.ts', `'[ \${#pid} -le 10 ] && [ "$pid" -gt 1 ] || { echo "refused pid"; exit 3; }',`, "':',", [...t('tauri/linux-powers')]],
  ['src/tauri/scope.ts', 'if (!regex.test(value))', 'if (false)', [...t('tauri/backend.unit', 'tauri/tauri-backend')]],
];

/**
 * dist/ from the mutated sources. A mutant may leave a name unused or a type unnarrowed: the compiler's complaints
 * are not the test (tsc still emits), only JavaScript that cannot be emitted makes a mutant invalid.
 */
function build() {
  rmSync('dist', { recursive: true, force: true });
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
  if (!existsSync('dist/index.js')) throw new Error('tsc emitted nothing');
  execFileSync(process.execPath, ['scripts/bundle-cli.mjs'], { stdio: 'ignore' });
}

const only = process.argv.slice(2).map(Number);
const files = new Map();
const restore = () => {
  for (const [file, text] of files) writeFileSync(file, text);
};
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

let killed = 0;
let survived = 0;
const survivors = [];
for (const [index, [file, from, to, tests]] of MUTANTS.entries()) {
  const number = index + 1;
  if (only.length > 0 && !only.includes(number)) continue;
  const original = files.get(file) ?? readFileSync(file, 'utf8');
  files.set(file, original);
  const at = original.indexOf(from);
  if (at < 0 || original.indexOf(from, at + 1) >= 0) {
    console.log(`${number}\tSTALE\t${file}: the text is not there exactly once: ${from}`);
    survived++;
    survivors.push(number);
    continue;
  }
  writeFileSync(file, original.slice(0, at) + to + original.slice(at + from.length));
  const started = Date.now();
  let verdict;
  try {
    build();
    const existing = tests.filter((test) => {
      try {
        readFileSync(test);
        return true;
      } catch {
        return false;
      }
    });
    if (existing.length === 0) throw new Error(`no test file of ${tests.join(', ')} exists`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=120000', '--test-reporter=dot', ...existing], { encoding: 'utf8', timeout: 600_000 });
    verdict = run.status === 0 ? 'SURVIVED' : 'killed';
  } catch (error) {
    // A mutant that does not build proves nothing: it counts as a survivor until the list is fixed.
    verdict = `INVALID (${String(error).split('\n')[0]})`;
  } finally {
    writeFileSync(file, original);
  }
  if (verdict !== 'killed') {
    survived++;
    survivors.push(number);
  } else killed++;
  console.log(`${number}\t${verdict}\t${Math.round((Date.now() - started) / 1000)} s\t${file}: ${from.slice(0, 90)}`);
}
restore();
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
console.log(`mutation score: ${killed} of ${killed + survived} killed${survivors.length ? `; survived: ${survivors.join(' ')}` : ''}`);
process.exit(survived > 0 ? 1 : 0);
