// Writes the example app's `ps` and `kill` powers into its capability file from linuxPowerScopes() (after
// `npm run build`): the scripts are fixed arguments of the capability, so the file must carry them verbatim.
// test/tauri/example-app.unit.test.ts fails when the file and the generator disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { linuxPowerScopes } from '../dist/tauri/linux-powers.js';

const file = new URL('../examples/tauri-app/src-tauri/capabilities/default.json', import.meta.url);
const capability = JSON.parse(readFileSync(file, 'utf8'));
capability.permissions.find((p) => p.identifier === 'shell:allow-execute').allow = linuxPowerScopes('tauri-example');
writeFileSync(file, `${JSON.stringify(capability, null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
