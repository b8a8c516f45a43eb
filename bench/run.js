#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: runs every compiled bench, dist/bench/**\/*.bench.js, each in its own node
 * process, one after the other, output passed through.
 *
 * A bench declares the node flags it needs in a comment line of its source (kept by tsc):
 *     // bench-node-flags: --expose-gc --max-semi-space-size=128
 * Arguments: names to select benches by substring (`npm run bench -- codec`); arguments starting
 * with `--` are passed to every bench (`npm run bench -- --quick`).
 * Exit status: non-zero if a bench exits non-zero or is killed (a crash), or if none was found.
 * A bench printing FAIL against a target is information, not a crash.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, 'dist', 'bench');

function findBenches(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findBenches(p));
    else if (e.isFile() && e.name.endsWith('.bench.js')) out.push(p);
  }
  return out.sort();
}

function nodeFlags(file) {
  const m = /^\s*\/\/\s*bench-node-flags:(.*)$/m.exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

const args = process.argv.slice(2);
const passThrough = args.filter((a) => a.startsWith('--'));
const selectors = args.filter((a) => !a.startsWith('--'));
const benches = findBenches(benchDir).filter((f) => selectors.length === 0 || selectors.some((s) => path.relative(benchDir, f).includes(s)));
if (benches.length === 0) {
  console.error(`bench: no *.bench.js under ${path.relative(root, benchDir)}${selectors.length ? ` matching ${selectors.join(', ')}` : ''} (did tsc run?)`);
  process.exit(1);
}

const failed = [];
for (const file of benches) {
  const rel = path.relative(root, file);
  const flags = nodeFlags(file);
  console.log(`\n### ${rel}${flags.length ? ` (node ${flags.join(' ')})` : ''}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [...flags, file, ...passThrough], { cwd: root, stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    console.error(`### ${rel}: CRASHED (${why}) after ${secs} s`);
    failed.push(rel);
  } else {
    console.log(`### ${rel}: finished in ${secs} s`);
  }
}
if (failed.length > 0) {
  console.error(`\nbench: ${failed.length} of ${benches.length} bench(es) crashed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nbench: ${benches.length} bench(es) ran`);
