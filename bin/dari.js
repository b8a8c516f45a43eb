#!/usr/bin/env node
'use strict';
// The `dari` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('DARI_CLI_USAGE: dari is not built; run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
require(main).run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`DARI_INTERNAL_ERROR: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 70; },
);
