// The `cli` section of npm run bench (BENCH_ONLY=cli): the `pidkeep` command as a user types it, each command a
// fresh Node process, against PM2 (a devDependency) with a warm daemon, and `ls` against a bare `node -e 0`.
//   5a. `pidkeep run bench-N -- sleep 1000` + `pidkeep stop bench-N` (the default settle included) <= 0.5x
//       `pm2 start sleep --name bench-N -- 1000` + `pm2 delete bench-N`; `run --settle 0` is reported next to it.
//   5b. `pidkeep run srv-N -- node server.cjs` (an interpreter: by default it waits until the server rests after its
//       start-up, which catches a script that fails as it loads) + `pidkeep stop srv-N` <= 1.0x `pm2 start
//       server.cjs --name srv-N` + `pm2 delete srv-N` (PM2 waits for nothing: a failing script shows up as errored).
//   5c. `pidkeep ls` (3 running processes) <= 1.3x `node -e 0`; `ls` of an empty store is reported next to it.
// PM2 runs with its own PM2_HOME in the bench's temp dir (never ~/.pm2); its daemon is started before the timed
// rounds and killed at the end, also from an exit handler. Every sleep started here is checked to be gone at the end.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_CLI_BIN measures another build of the CLI (for investigating, e.g. a bundled one); the default is dist/bin.cjs.
const bin = process.env.BENCH_CLI_BIN || join(root, 'dist', 'bin.cjs');
const pm2Bin = join(root, 'node_modules', 'pm2', 'bin', 'pm2');

/**
 * Runs one command as a fresh process, as a shell would: the time runs from the spawn to its exit (what a shell
 * waits for); its output is collected after, untimed.
 */
function command(args, env = process.env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let elapsed;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.once('exit', () => (elapsed = performance.now() - t0));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ elapsed, code, signal, stdout, stderr }));
  });
}

/**
 * @param {object} bench what bench.mjs shares: its temp dir, round count, and its helpers (interleaved rounds,
 * report, verdict, check, remember, /proc reading, statistics).
 */
export async function cliBench({ dir, rounds, interleaved, report, verdict, check, remember, readStat, statFields, median, spread }) {
  check(existsSync(bin), `${bin} is missing: run npm run build first`);
  check(existsSync(pm2Bin), `${pm2Bin} is missing: npm install (pm2 is a devDependency, the baseline of this section)`);
  // Without PIDKEEP_DIR / PIDKEEP_NAMESPACE from the caller's shell: every command names its --dir.
  const env = { ...process.env };
  delete env.PIDKEEP_DIR;
  delete env.PIDKEEP_NAMESPACE;
  const pm2Home = join(dir, 'pm2-home');
  mkdirSync(pm2Home, { mode: 0o700 });
  const pm2Env = { ...env, PM2_HOME: pm2Home };
  const runDir = join(dir, 'cli-run');
  const lsDir = join(dir, 'cli-ls');
  const emptyDir = join(dir, 'cli-empty');
  const sleeps = new Map(); // pid -> start time, every sleep this section started (pidkeep's and PM2's)
  const rememberSleep = (pid) => {
    const text = readStat(pid);
    check(text !== undefined && text.includes('(sleep)'), `pid ${pid} is not a running sleep`);
    sleeps.set(pid, statFields(text)[1]);
    remember(pid);
  };

  const pidkeep = (args) => command([bin, ...args], env);
  const pm2 = (args) => command([pm2Bin, ...args], pm2Env);
  const ok = (result, what) => check(result.code === 0, `${what} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);

  // The daemon: started before any timed round (`pm2 ping` spawns it), remembered so the bench's own exit handler
  // SIGKILLs it if even `pm2 kill` fails; `pm2 kill` runs in the finally below and, should the bench die, at exit.
  let daemonKilled = false;
  const killDaemon = () => {
    if (daemonKilled) return;
    daemonKilled = true;
    try {
      execFileSync(process.execPath, [pm2Bin, 'kill'], { env: pm2Env, stdio: 'ignore', timeout: 20_000 });
    } catch {}
  };
  process.prependListener('exit', killDaemon); // before bench.mjs's handler, which removes the temp dir (PM2_HOME)

  try {
    ok(await pm2(['ping']), 'pm2 ping');
    const daemon = Number(readFileSync(join(pm2Home, 'pm2.pid'), 'utf8'));
    check(readStat(daemon) !== undefined, `the PM2 daemon (pid ${daemon}) is not running`);
    remember(daemon);

    // --- 5a. run + stop against pm2 start + delete ------------------------------------------------------------
    /** pidkeep run + stop, each a fresh CLI process; the untimed check between them reads the pid it printed. */
    const pidkeepRunStop = (prefix, extra) => async (i) => {
      const name = `${prefix}-${i + 100}`;
      const started = await pidkeep(['run', name, '--dir', runDir, ...extra, '--', 'sleep', '1000']);
      ok(started, `pidkeep run ${name}`);
      rememberSleep(Number(started.stdout.trim()));
      const stopped = await pidkeep(['stop', name, '--dir', runDir]);
      ok(stopped, `pidkeep stop ${name}`);
      check(/stopped by step 0 \(SIGTERM\)/.test(stopped.stdout), `pidkeep stop ${name} said: ${stopped.stdout.trim()}`);
      return started.elapsed + stopped.elapsed;
    };
    const results = await interleaved({
      rounds,
      warm: 2,
      pause: 100, // the previous command's background work (PM2's daemon, reaping) is over before the next is timed
      kept: pidkeepRunStop('bench', []),
      async hand(i) {
        const name = `bench-${i + 100}`;
        const started = await pm2(['start', 'sleep', '--name', name, '--', '1000']);
        ok(started, `pm2 start ${name}`);
        // Untimed: the pid PM2 started (PM2 detects sleep as a binary and runs it with no interpreter).
        const list = await pm2(['jlist']);
        const app = JSON.parse(list.stdout.slice(list.stdout.indexOf('['))).find((a) => a.name === name);
        check(app?.pm2_env?.status === 'online', `pm2 start ${name}: not online`);
        rememberSleep(app.pid);
        const deleted = await pm2(['delete', name]);
        ok(deleted, `pm2 delete ${name}`);
        return started.elapsed + deleted.elapsed;
      },
      extra: { settle0: pidkeepRunStop('bench0', ['--settle', '0']) },
    });
    const ratio = report('cli run+stop', results, 'pm2 start + pm2 delete, warm daemon', 'pidkeep run (default settle, 25 ms) + pidkeep stop', 'PM2');
    const settle0 = median(results.settle0) / median(results.hand);
    const settle0Paired = median(results.settle0.map((x, i) => x / results.hand[i]));
    console.log(`cli run+stop: pidkeep run --settle 0 + pidkeep stop ${spread(results.settle0)}, ${settle0.toFixed(2)}x PM2 (median of per-round ratios ${settle0Paired.toFixed(2)}x), for reference`);
    verdict(ratio <= 0.5, `pidkeep run + stop from the CLI (default settle) is ${ratio.toFixed(2)}x PM2's start + delete with a warm daemon (target <= 0.5x)`);

    // --- 5b. an interpreter: run (waits until it rests) + stop against pm2 start + delete ---------------------
    const server = join(dir, 'server.cjs');
    writeFileSync(server, "require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1');\n");
    /** Every server started here, by pid and start time: each is checked to be gone at the end. */
    const rememberServer = (pid) => {
      const text = readStat(pid);
      check(text !== undefined, `pid ${pid} (a server) is not running`);
      sleeps.set(pid, statFields(text)[1]);
    };
    const servers = await interleaved({
      rounds,
      warm: 2,
      pause: 100,
      async kept(i) {
        const name = `srv-${i + 100}`;
        const started = await pidkeep(['run', name, '--dir', runDir, '--', process.execPath, server]);
        ok(started, `pidkeep run ${name}`);
        rememberServer(Number(started.stdout.trim()));
        const stopped = await pidkeep(['stop', name, '--dir', runDir]);
        ok(stopped, `pidkeep stop ${name}`);
        return started.elapsed + stopped.elapsed;
      },
      async hand(i) {
        const name = `srv-${i + 100}`;
        const started = await pm2(['start', server, '--name', name]);
        ok(started, `pm2 start ${name}`);
        const list = await pm2(['jlist']);
        const app = JSON.parse(list.stdout.slice(list.stdout.indexOf('['))).find((a) => a.name === name);
        check(app?.pm2_env?.status === 'online', `pm2 start ${name}: not online`);
        rememberServer(app.pid);
        const deleted = await pm2(['delete', name]);
        ok(deleted, `pm2 delete ${name}`);
        return started.elapsed + deleted.elapsed;
      },
    });
    const serverRatio = report('cli interpreter run+stop', servers, 'pm2 start server.cjs + pm2 delete, warm daemon', 'pidkeep run -- node server.cjs (waits until it rests) + pidkeep stop', 'PM2');
    verdict(serverRatio <= 1.0, `pidkeep run + stop of a Node server (its default check waits for the end of its start-up) is ${serverRatio.toFixed(2)}x PM2's start + delete of it (target <= 1.0x)`);

    // --- 5c. ls against node -e 0 ----------------------------------------------------------------------------
    for (let i = 0; i < 3; i++) {
      const started = await pidkeep(['run', `ls-${i}`, '--dir', lsDir, '--settle', '0', '--', 'sleep', '1000']);
      ok(started, `pidkeep run ls-${i}`);
      rememberSleep(Number(started.stdout.trim()));
    }
    const listing = await interleaved({
      rounds: rounds * 2,
      warm: 3,
      pause: 50,
      async kept() {
        const result = await pidkeep(['ls', '--dir', lsDir]);
        ok(result, 'pidkeep ls');
        check(result.stdout.split('\n').filter((line) => / running /.test(line)).length === 3, `pidkeep ls did not list 3 running processes:\n${result.stdout}`);
        return result.elapsed;
      },
      async hand() {
        const result = await command(['-e', '0'], env);
        ok(result, 'node -e 0');
        return result.elapsed;
      },
      extra: {
        async empty() {
          const result = await pidkeep(['ls', '--dir', emptyDir]);
          ok(result, 'pidkeep ls (empty store)');
          return result.elapsed;
        },
      },
    });
    const lsRatio = report('cli ls', listing, 'a bare Node start', 'pidkeep ls, 3 running', 'node -e 0');
    const empty = median(listing.empty) / median(listing.hand);
    console.log(`cli ls: pidkeep ls of an empty store ${spread(listing.empty)}, ${empty.toFixed(2)}x node -e 0 (median of per-round ratios ${median(listing.empty.map((x, i) => x / listing.hand[i])).toFixed(2)}x), for reference`);
    verdict(lsRatio <= 1.3, `pidkeep ls is ${lsRatio.toFixed(2)}x a bare node -e 0 (target <= 1.3x)`);
    ok(await pidkeep(['stop', '--all', '--dir', lsDir]), 'pidkeep stop --all');
  } finally {
    killDaemon();
  }

  // Every sleep started here has ended (gone, or a zombie until pid 1 reaps it), and no PM2 daemon of this run is
  // left: read from `ps`, a sleep counted only while it still has the start time it had when started.
  const ps = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  const left = [];
  for (const line of ps.split('\n')) {
    const [, pid, stat, args] = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!pid || stat.startsWith('Z')) continue;
    const startTime = sleeps.get(Number(pid));
    const text = startTime === undefined ? undefined : readStat(Number(pid));
    if ((text && statFields(text)[1] === startTime) || args.includes(pm2Home)) left.push(line.trim());
  }
  verdict(left.length === 0, `every one of the ${sleeps.size} sleeps and servers this section started has ended, and its PM2 daemon with them${left.length ? `; still running:\n${left.join('\n')}` : ''}`);
}
