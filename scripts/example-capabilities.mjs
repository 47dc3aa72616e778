// Writes the example app's `ps` and `kill` powers into its capability files from linuxPowerScopes() and
// windowsPowerScopes() (after `npm run build`): the scripts are fixed arguments of the capability, so the files must
// carry them verbatim; the app's other execute entries are left alone. test/tauri/example-app.unit.test.ts fails when a file and the generator disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { linuxPowerScopes, windowsPowerScopes } from '../dist/tauri/index.js';

for (const [name, scopes] of [['default.json', linuxPowerScopes('tauri-example')], ['windows.json', windowsPowerScopes()]]) {
  const file = new URL(`../examples/tauri-app/src-tauri/capabilities/${name}`, import.meta.url);
  const capability = JSON.parse(readFileSync(file, 'utf8'));
  // pidkeep's powers first, then what the app lists by hand (the recorder's device listing): kept as they are.
  const execute = capability.permissions.find((p) => p.identifier === 'shell:allow-execute');
  execute.allow = [...scopes, ...execute.allow.filter((scope) => !scope.name.startsWith('pidkeep-'))];
  writeFileSync(file, `${JSON.stringify(capability, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
