#!/usr/bin/env node
// pidkeep-tauri-host: the host as a process of its own, so a test can SIGKILL it for a real app crash.
import { parseArgs } from 'node:util';
import { isLoopback } from './guard.js';
import { startTauriHostServer } from './server.js';

const usage = 'usage: pidkeep-tauri-host --port N --capabilities file.json [--capabilities more.json] [--root dir] [--data-dir dir] [--identifier id] [--host addr] [--sidecar name=path]\n' +
  'Only the pages it serves (--root) can use the bridge: they carry a token made for this run. It listens on 127.0.0.1;\n' +
  '--host another address lets everyone who can reach it load a page, and so run whatever the capabilities allow.';

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string' },
      capabilities: { type: 'string', multiple: true },
      root: { type: 'string' },
      'data-dir': { type: 'string' },
      identifier: { type: 'string' },
      sidecar: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.capabilities?.length) {
    console.error(usage);
    process.exit(values.help ? 0 : 2);
  }
  const sidecars = Object.fromEntries((values.sidecar ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  const server = await startTauriHostServer({
    capabilities: values.capabilities,
    port: Number(values.port),
    host: values.host,
    root: values.root,
    dataDir: values['data-dir'],
    identifier: values.identifier,
    sidecars,
  });
  if (values.host !== undefined && !isLoopback(values.host)) {
    console.error(`pidkeep-tauri-host: warning: listening on ${values.host}: whoever can reach it can run what the capabilities allow`);
  }
  console.log(`listening ${server.url}`);
  // a polite stop is a clean app exit (RunEvent::Exit): children are killed; SIGKILL of this process is a crash
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}

main().catch((error: unknown) => {
  console.error(`pidkeep-tauri-host: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
