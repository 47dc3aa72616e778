// The CLI as one CommonJS file: a command starts a new Node each time, and loading ~35 ES modules one by one costs
// 20-27 ms of it, Node's ES module loader itself ~9 ms more (BENCHMARKS.md, "The CLI against PM2"). The library
// keeps its ES modules; only `pidkeep` the command runs from this bundle. It lives in dist/node/ because the log
// writer is found next to the module that starts it.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/node/cli.bundle.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The lock's native addon is loaded from its package at run time.
  external: ['fs-native-extensions'],
  // CommonJS has no import.meta: the modules' own URL is this file's.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  sourcesContent: true,
  logLevel: 'warning',
});

// The command itself: CommonJS too, so no ES module loader starts at all.
writeFileSync(
  'dist/bin.cjs',
  `#!/usr/bin/env node
'use strict';
// Built by scripts/bundle-cli.mjs. Node 22.1+ also keeps the compiled code between runs.
require('node:module').enableCompileCache?.();
require('./node/cli.bundle.cjs').main(process.argv.slice(2)).then((code) => (process.exitCode = code));
`,
  { mode: 0o755 },
);
