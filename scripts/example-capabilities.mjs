// Writes the example app's `ps` and `kill` powers into its capability files from linuxPowerScopes() and
// windowsPowerScopes() (after `npm run build`): the scripts are fixed arguments of the capability, so the files must
// carry them verbatim. test/tauri/example-app.unit.test.ts fails when a file and the generator disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { linuxPowerScopes, windowsPowerScopes } from '../dist/tauri/index.js';

for (const [name, scopes] of [['default.json', linuxPowerScopes('tauri-example')], ['windows.json', windowsPowerScopes()]]) {
  const file = new URL(`../examples/tauri-app/src-tauri/capabilities/${name}`, import.meta.url);
  const capability = JSON.parse(readFileSync(file, 'utf8'));
  capability.permissions.find((p) => p.identifier === 'shell:allow-execute').allow = scopes;
  writeFileSync(file, `${JSON.stringify(capability, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
