#!/usr/bin/env node
// pidkeep-tauri-host: the host as a process of its own, so a test can SIGKILL it for a real app crash.
// Exit codes: 0 done (or --help, --version), 1 failed (a code such as CAPABILITY_INVALID on stderr), 2 usage.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TauriHostError } from './errors.js';
import { isLoopback } from './guard.js';
import { startTauriHostServer } from './server.js';

const HELP = `Usage: pidkeep-tauri-host --capabilities FILE [options]

Plays the Rust side of Tauri's shell, fs and core path plugins with real processes, for pages served over HTTP.

Options:
  --capabilities FILE   a capability file in Tauri's JSON format (required; repeat for more)
  --port N              the port to listen on, 0-65535 (default 0: any free port; printed as "listening <url>")
  --host ADDR           the address to listen on (default 127.0.0.1). Another address lets everyone who can reach
                        it load a page, and so run whatever the capabilities allow
  --root DIR            serve this built frontend; only the pages it serves can use the bridge (a token is put
                        into each page for this run)
  --data-dir DIR        $APPDATA and the other app folders go under DIR/<identifier> (default: the user's own)
  --identifier ID       the app identifier (default dev.pidkeep.host)
  --sidecar NAME=PATH   the program a sidecar NAME runs (repeat for more)
  --stop-on-quit        the app has pidkeep's stop_on_quit Rust plugin: \`exit\` waits for the pages that run
                        stopOnQuit to stop their processes, then exits with its code
  -h, --help            show this help
  -v, --version         show the version

Quitting, as a Tauri app quits: the app exits (its shell children are SIGKILLed, as the shell plugin does at
RunEvent::Exit) when its last window is destroyed, or on a line on standard input:
  exit [CODE]           app.exit(CODE): the app exits with CODE (default 0)
  close WINDOW          the user closes the window labelled WINDOW (a page's onCloseRequested runs first)
Signals: Tauri installs no handler, so SIGINT, SIGTERM and SIGKILL are all a crash here: the host dies at once and
its children live on (reparented). Ctrl-C in a terminal also sends SIGINT to the children started from it, which
share the terminal's process group, as under \`tauri dev\`.

Exit codes: 0 done, 1 failed (the error's code on stderr), 2 usage error.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string' },
        capabilities: { type: 'string', multiple: true },
        root: { type: 'string' },
        'data-dir': { type: 'string' },
        identifier: { type: 'string' },
        sidecar: { type: 'string', multiple: true },
        'stop-on-quit': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // Node's own messages name the argument; keep them short and point to --help.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  return parsed.values;
}

async function main(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) return console.log(HELP), 0;
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return console.log(pkg.version), 0;
  }
  if (!values.capabilities?.length) throw new UsageError('--capabilities FILE is required');
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '') || port > 65_535) throw new UsageError(`--port expects a port number 0-65535, got ${JSON.stringify(values.port)}`);
  const sidecars: Record<string, string> = {};
  for (const pair of values.sidecar ?? []) {
    const at = pair.indexOf('=');
    if (at < 1 || at === pair.length - 1) throw new UsageError(`--sidecar expects NAME=PATH, got ${JSON.stringify(pair)}`);
    sidecars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const server = await startTauriHostServer({
    capabilities: values.capabilities,
    port,
    host: values.host,
    root: values.root,
    dataDir: values['data-dir'],
    identifier: values.identifier,
    sidecars,
    stopOnQuit: values['stop-on-quit'] ?? false,
  });
  if (values.host !== undefined && !isLoopback(values.host)) {
    console.error(`pidkeep-tauri-host: warning: listening on ${values.host}: whoever can reach it can run what the capabilities allow`);
  }
  console.log(`listening ${server.url}`);
  // No signal handler: Tauri has none (SIGTERM and SIGINT end the app like a crash, children live on).
  void server.host.ended().then((code) => server.close().then(() => process.exit((code ?? 1) & 0xff)));
  readCommands((line) => {
    const [verb, arg, extra] = line.trim().split(/\s+/);
    if (!verb) return;
    if (verb === 'exit' && extra === undefined && (arg === undefined || /^-?\d{1,9}$/.test(arg))) {
      void server.host.exit(Number(arg ?? 0));
    } else if (verb === 'close' && arg !== undefined && extra === undefined) {
      void server.host.requestClose(arg).catch(() => undefined);
    } else {
      console.error(`pidkeep-tauri-host: unknown input ${JSON.stringify(line.trim())}: type \`exit [CODE]\` or \`close WINDOW\``);
    }
  });
  return -1; // serving: the process lives on
}

/** Lines typed on standard input; an ended or absent stdin just stops the commands (the app runs on). */
function readCommands(onLine: (line: string) => void) {
  if (process.stdin.destroyed) return;
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', onLine);
  process.stdin.on('error', () => undefined);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`pidkeep-tauri-host: ${error.message} (see pidkeep-tauri-host --help)`);
      process.exit(2);
    }
    const code = error instanceof TauriHostError ? error.code : ((error as { code?: unknown })?.code === 'EADDRINUSE' ? 'ADDRESS_IN_USE' : undefined);
    const message = error instanceof TauriHostError ? error.reason : error instanceof Error ? error.message : String(error);
    console.error(`pidkeep-tauri-host: ${message}${code ? ` (${code})` : ''}`);
    process.exit(1);
  },
);
