// Writes the example app's `ps` and `kill` powers into its capability files from linuxPowerScopes() and
// windowsPowerScopes() (after `npm run build`): the scripts are fixed arguments of the capability, so the files must
// carry them verbatim; the app's other execute entries are left alone. It also writes the test app's own capability
// (test/real-app/src-tauri/tauri.conf.json, inline): the programs the shared backend suite runs and the powers for its
// namespace `conf`. test/tauri/example-app.unit.test.ts fails when a file and the generator disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { linuxPowerScopes, windowsPowerScopes } from '../dist/tauri/index.js';

const write = (file, json) => {
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
};

for (const [name, scopes] of [['default.json', linuxPowerScopes('tauri-example')], ['windows.json', windowsPowerScopes()]]) {
  const file = new URL(`../examples/tauri-app/src-tauri/capabilities/${name}`, import.meta.url);
  const capability = JSON.parse(readFileSync(file, 'utf8'));
  // pidkeep's powers first, then what the app lists by hand (the recorder's device listing): kept as they are.
  const execute = capability.permissions.find((p) => p.identifier === 'shell:allow-execute');
  execute.allow = [...scopes, ...execute.allow.filter((scope) => !scope.name.startsWith('pidkeep-'))];
  write(file, capability);
}

/** The test app's capability beside the example's: what the shared backend suite runs, allowed by name. */
export const suiteCapability = () => ({
  identifier: 'conformance',
  description: "pidkeep's backend suite: its programs with any arguments, and the ps and kill powers of its namespace `conf`; app.exit() from the page (a quit with an exit code); a second window made from the page; fs:default, as `tauri add fs` inserts it, to hold the store to what that grants and denies.",
  windows: ['main', 'second'],
  platforms: ['linux'],
  permissions: [
    'core:app:allow-exit',
    'core:webview:allow-create-webview-window',
    'fs:default',
    { identifier: 'shell:allow-spawn', allow: ['sleep', 'sh', 'cat', 'pidkeep-no-such-command-xyz'].map((name) => ({ name, cmd: name, args: true })) },
    { identifier: 'shell:allow-execute', allow: [...linuxPowerScopes('conf', { ps: 'conf-ps', kill: 'conf-kill' }), { name: 'sh', cmd: 'sh', args: true }] },
  ],
});
const conf = new URL('../test/real-app/src-tauri/tauri.conf.json', import.meta.url);
const config = JSON.parse(readFileSync(conf, 'utf8'));
config.app.security.capabilities = ['default', suiteCapability()];
write(conf, config);
