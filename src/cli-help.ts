// What `pidkeep` says about itself: the overview, one help text per command, and the one-line hint for a command
// it does not know (a typo, or a verb from PM2 or systemctl).

export interface CommandHelp {
  usage: string;
  summary: string;
  /** `[flag, what it does]` rows. */
  options: Array<[string, string]>;
}

/** How many ended runs `ls` shows without --ended. */
export const LS_ENDED = 10;

export const COMMANDS: Record<string, CommandHelp> = {
  run: {
    usage: 'run NAME [options] -- CMD [ARGS...]',
    summary: 'start CMD as a durable process named NAME and print its pid',
    options: [
      ['--fifo', 'give it a stdin FIFO (for `pidkeep write`, and stop plans that write)'],
      ['--cwd DIR', 'its working directory'],
      ['--env KEY=VALUE', 'add a variable (repeat for more)'],
      ['--meta JSON', 'data kept with the record, shown by `pidkeep ls --json`'],
      ['--settle MS', 'how long it must stay up to count as started (default 25 for a native command, which fails at once or not at all; 0: do not wait); a command that ends sooner fails `run` with its exit code and the last lines of its stderr. An interpreter (node, python3, ruby, npm, ...) is by default started once it rests after its start-up (idle:50, at most 2000 ms), which catches a script that fails as it loads'],
      ['--ready CHECK', 'when it counts as started instead: alive:MS, idle:MS (it rests, running no code, for MS), port:PORT, port:HOST:PORT (a connection succeeds) or line:TEXT (a line of its output contains TEXT); one that is not ready in time is stopped and `run` fails'],
      ['--ready-timeout MS', 'how long --ready port: or line: waits (default 30000); for idle:, how long it may stay busy and still count as started (default 2000)'],
      ['--log-max SIZE', 'cap each log file (e.g. 10M): a small log writer process rotates it, also while no controller runs'],
      ['--log-keep K', 'rotated files kept per stream with --log-max (default 1)'],
      ['--stop STEP', 'its stop plan, a step each (in order): SIGNAL[:MS] or write:TEXT[:MS] (needs --fifo; \\n is a newline), e.g. --stop write:q:5000 --stop SIGINT:3000; SIGKILL is added last (default: SIGTERM:5000, SIGKILL:2000)'],
    ],
  },
  ls: {
    usage: 'ls [--json] [--all] [--ended]',
    summary: "list the namespace's processes: name, pid, status, uptime, command, and why a row is not running",
    options: [
      ['--json', 'one JSON object per process: args as a list, adopted, log paths, the last exit where known'],
      ['--all', 'every namespace in the store'],
      ['--ended', `every ended run (without it: the ${LS_ENDED} that ended last, and a count of the others)`],
    ],
  },
  logs: {
    usage: 'logs NAME [-f] [-n N] [--stdout | --stderr] [--all-runs]',
    summary: "print NAME's output: its last run, both streams, each line marked `out: ` or `err: `",
    options: [
      ['-f, --follow', 'keep printing until the process ends, on across a restart (starts from the last 10 lines unless -n is given)'],
      ['-n, --lines N', 'only the last N lines of each stream'],
      ['--stdout', 'only the output log, unmarked'],
      ['--stderr', 'only the error log, unmarked'],
      ['--all-runs', 'every run the log files still hold, each after its `--- pidkeep: run ... ---` line'],
    ],
  },
  write: {
    usage: 'write NAME TEXT [--line]',
    summary: "write TEXT to NAME's stdin (it must have been started with `pidkeep run --fifo`)",
    options: [['--line', 'add a newline']],
  },
  stop: {
    usage: 'stop NAME... | stop --all',
    summary: 'stop processes with their stop plans (by default SIGTERM, a wait, then SIGKILL)',
    options: [
      ['--all', 'every process of the namespace'],
      ['--timeout MS', 'instead of the plan: SIGTERM, wait MS, then SIGKILL'],
    ],
  },
  restart: {
    usage: 'restart NAME [--timeout MS] [--settle MS | --ready CHECK [--ready-timeout MS]]',
    summary: 'stop NAME and start it again as it was started (command, arguments, cwd, variables, stdin, stop plan, readiness check); prints the new pid once the new run is ready',
    options: [
      ['--timeout MS', 'instead of its stop plan: SIGTERM, wait MS, then SIGKILL'],
      ['--ready CHECK', 'wait for this check instead of the one it was started with (alive:MS, idle:MS, port:PORT, port:HOST:PORT, line:TEXT); it is kept for the next restart'],
      ['--ready-timeout MS', 'how long --ready port: or line: waits (default 30000)'],
      ['--settle MS', 'the same as --ready alive:MS'],
    ],
  },
  forget: {
    usage: 'forget NAME... | forget --ended',
    summary: "remove what the store keeps of a name that no longer runs: its ended run (as `ls` lists it) and its records set aside once no process of theirs is left; its log files stay",
    options: [['--ended', 'every ended run of the namespace, and every set-aside record with no process left']],
  },
  describe: {
    usage: 'describe NAME [--json]',
    summary: 'everything pidkeep knows of NAME: its record, identity, stop plan, log paths, how it was found, its last exit',
    options: [['--json', 'the same as one JSON object']],
  },
  sweep: {
    usage: 'sweep [--timeout MS] [--all-users]',
    summary: "stop this store's processes of the namespace that no record knows (a controller died before writing it)",
    options: [
      ['--timeout MS', 'SIGTERM, wait MS, then SIGKILL'],
      ['--all-users', "other users' processes too (as root)"],
    ],
  },
};

const COMMON: Array<[string, string]> = [
  ['--dir DIR', 'where records, logs and FIFOs live (default: $PIDKEEP_DIR, else the per-user data dir)'],
  ['--namespace NS', 'which app\'s processes (default: $PIDKEEP_NAMESPACE, else "default")'],
  ['-h, --help', 'show help'],
];

const EXIT_CODES = 'Exit codes: 0 done, 1 failed (the error code in parentheses), 2 usage error, 3 no such process.';

const rows = (list: Array<[string, string]>) => {
  const width = Math.max(...list.map(([flag]) => flag.length));
  return list.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
};

/** `pidkeep --help`: every command in one line or two. */
export function overview(): string {
  const commands = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n');
  return `Usage: pidkeep <command> [options]\n\nCommands:\n${commands}\n  help [COMMAND]\n      this help, or one command's\n\nOptions for every command:\n${rows([...COMMON, ['-v, --version', 'print the version']])}\n\n${EXIT_CODES}`;
}

/** `pidkeep help CMD` and `pidkeep CMD --help`. */
export function commandHelp(name: string): string {
  const help = COMMANDS[name]!;
  return `Usage: pidkeep ${help.usage}\n\n${help.summary[0]!.toUpperCase()}${help.summary.slice(1)}.\n\nOptions:\n${rows([...help.options, ...COMMON])}\n\n${EXIT_CODES}`;
}

/** Verbs people bring from PM2, systemctl and friends, with the pidkeep command that does that. */
const ALIASES: Record<string, string> = {
  start: 'run',
  exec: 'run',
  list: 'ls',
  ps: 'ls',
  status: 'ls',
  delete: 'stop',
  reload: 'restart',
  show: 'describe',
  info: 'describe',
  inspect: 'describe',
  del: 'stop',
  kill: 'stop',
  rm: 'stop',
  log: 'logs',
  send: 'write',
  cleanup: 'sweep',
  prune: 'forget',
  purge: 'forget',
  clear: 'forget',
};

/** Edits from a to b, a swap of two neighbours counting as one (`sotp` is one from `stop`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The one-line answer to a command pidkeep does not have. */
export function unknownCommand(name: string): string {
  const alias = ALIASES[name.toLowerCase()];
  const near = alias ?? Object.keys(COMMANDS).find((command) => distance(name.toLowerCase(), command) <= (command.length <= 4 ? 1 : 2));
  return near
    ? `unknown command "${name}": did you mean \`pidkeep ${near}\`? (see \`pidkeep ${near} --help\`)`
    : `unknown command "${name}" (see \`pidkeep --help\`)`;
}
