/**
 * ISO 20022 XML benchmark: Dari's parse (gate + fast-xml-parser + typed walk), build and XSD
 * validation (libxml2-wasm, compiled schema reused) of a pacs.008 and a pacs.002, beside xml2js
 * (parse, and Builder build of the same document) in the same process, interleaved.
 *
 * Messages: the CBPR+ samples of ../shared/iso20022/samples (envelope + head.001.001.02 + Document,
 * prefixed elements). Dari builds the same message from its typed model (envelope, default
 * namespaces); xml2js builds from its own parse tree of the sample.
 *
 * Run: `npm run bench -- xml` or `node dist/bench/xml.bench.js [--quick]`. About 40 s on a busy 2-core box (2 s with --quick).
 *
 * Method: every candidate first proves it works (Dari: parse(build(m)) = m and the sample validates;
 * xml2js: parse(build(tree)) = tree). Then RUNS runs of ROUNDS rounds; a round gives every candidate
 * one calibrated slice (~SLICE_MS) in rotating order, so drift on a shared machine falls on all
 * alike. A candidate's rate in a run is its operations over its summed slice time; the figure is
 * the median over runs (min..max beside it).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { XMLParser } from 'fast-xml-parser';
import { Builder, Parser } from 'xml2js';
import { SchemaValidator, buildMessage, parseMessage } from '../src/codec/iso20022';
import type { ParsedMessage } from '../src/codec/iso20022/types';
import { calibrate, fmtRate, interleavedRuns, median } from './lib/timing';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 7;
const ROUNDS = QUICK ? 3 : 8;
const SLICE_MS = QUICK ? 8 : 25;
const WARMUP_MS = QUICK ? 40 : 200;

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'iso20022');
const MESSAGES = [
  ['pacs.008', 'pacs008_credit_transfer_sample.xml'],
  ['pacs.002', 'pacs002_status_report_sample.xml'],
] as const;
type MsgName = (typeof MESSAGES)[number][0];

let sink: unknown;

interface Candidate {
  name: string;
  msg: MsgName;
  op: 'parse' | 'build' | 'validate' | 'parse+validate' | 'tree only';
  loop: (n: number) => void;
  perSlice: number;
  rates: number[];
}

function xml2jsParse(parser: Parser, xml: string): unknown {
  let out: unknown;
  let error: unknown;
  // xml2js 0.6 calls back synchronously when `async` is false (its default).
  parser.parseString(xml, (err: unknown, res: unknown) => {
    error = err;
    out = res;
  });
  if (error) throw error;
  if (out === undefined) throw new Error('xml2js did not call back synchronously');
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const cpus = os.cpus();
  console.log('== ISO 20022 XML benchmark ==');
  console.log(`machine: ${cpus[0]?.model ?? '?'} x ${cpus.length} (os.cpus), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`node ${process.version} (V8 ${process.versions.v8}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}${QUICK ? ', --quick' : ''}`);

  const validator = await SchemaValidator.open(join(SHARED, 'xsd'));
  const xmlParser = new Parser();
  const xmlBuilder = new Builder();
  const fxp = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: false });
  const cands: Candidate[] = [];
  const add = (name: string, msg: MsgName, op: Candidate['op'], loop: (n: number) => void): void => {
    cands.push({ name, msg, op, loop, perSlice: 1, rates: [] });
  };

  for (const [msg, file] of MESSAGES) {
    const sample = readFileSync(join(SHARED, 'samples', file), 'utf8');
    const m: ParsedMessage = parseMessage(sample);
    const built = buildMessage(m.type, m.document as never, { header: m.header, headerType: m.headerType });
    assert.deepStrictEqual(parseMessage(built), m, `${msg}: Dari parse(build(m)) = m`);
    assert.equal(validator.validate(sample).valid, true, `${msg}: the sample validates`);
    assert.equal(validator.validate(built).valid, true, `${msg}: Dari's output validates`);
    const tree = xml2jsParse(xmlParser, sample);
    const xml2jsBuilt = xmlBuilder.buildObject(tree);
    assert.deepStrictEqual(xml2jsParse(xmlParser, xml2jsBuilt), tree, `${msg}: xml2js parse(build(tree)) = tree`);
    console.log(`${msg}: sample ${Buffer.byteLength(sample)} B, Dari's build ${Buffer.byteLength(built)} B (compact), xml2js build ${Buffer.byteLength(xml2jsBuilt)} B (indented)`);

    add('dari', msg, 'parse', (n) => { let r; for (let i = 0; i < n; i++) r = parseMessage(sample); sink = r; });
    add('dari', msg, 'build', (n) => { let r; for (let i = 0; i < n; i++) r = buildMessage(m.type, m.document as never, { header: m.header, headerType: m.headerType }); sink = r; });
    add('dari', msg, 'validate', (n) => { let r; for (let i = 0; i < n; i++) r = validator.validate(sample); sink = r; });
    add('dari', msg, 'parse+validate', (n) => { let r; for (let i = 0; i < n; i++) { validator.validate(sample); r = parseMessage(sample); } sink = r; });
    add('fast-xml-parser', msg, 'tree only', (n) => { let r; for (let i = 0; i < n; i++) r = fxp.parse(sample); sink = r; });
    add('xml2js', msg, 'parse', (n) => { let r; for (let i = 0; i < n; i++) r = xml2jsParse(xmlParser, sample); sink = r; });
    add('xml2js', msg, 'build', (n) => { let r; for (let i = 0; i < n; i++) r = xmlBuilder.buildObject(tree); sink = r; });
  }
  console.log('checks: Dari parse(build(m)) = m and XSD-valid; xml2js parse(build(tree)) = tree; all OK');
  console.log(`method: ${RUNS} runs x ${ROUNDS} rounds, one ~${SLICE_MS} ms slice per candidate per round in rotating order; rate = median over runs`);
  console.log();

  calibrate(cands, SLICE_MS, WARMUP_MS, 4);
  interleavedRuns(cands, RUNS, ROUNDS);
  validator.close();

  console.log(`${'candidate'.padEnd(36)}${'msg/s (median)'.padStart(15)}${'min..max'.padStart(20)}${'us/msg'.padStart(10)}`);
  for (const c of cands) {
    const med = median(c.rates);
    console.log(`${`${c.name} ${c.msg} ${c.op}`.padEnd(36)}${fmtRate(med).padStart(15)}${`${fmtRate(Math.min(...c.rates))}..${fmtRate(Math.max(...c.rates))}`.padStart(20)}${(1e6 / med).toFixed(1).padStart(10)}`);
  }
  const rate = (name: string, msg: MsgName, op: Candidate['op']): number => median((cands.find((c) => c.name === name && c.msg === msg && c.op === op) as Candidate).rates);
  console.log();
  console.log('ratios (medians):');
  for (const [msg] of MESSAGES) {
    console.log(`  ${msg}: Dari parse vs xml2js parse ${(rate('dari', msg, 'parse') / rate('xml2js', msg, 'parse')).toFixed(2)}x; ` +
      `Dari build vs xml2js build ${(rate('dari', msg, 'build') / rate('xml2js', msg, 'build')).toFixed(2)}x; ` +
      `Dari parse vs the bare fast-xml-parser tree ${(rate('dari', msg, 'parse') / rate('fast-xml-parser', msg, 'tree only')).toFixed(2)}x; ` +
      `XSD validation ${(1e6 / rate('dari', msg, 'validate')).toFixed(1)} us/msg`);
  }
  console.log();
  console.log('notes:');
  console.log('  - Dari parse = one-pass gate (size, DOCTYPE, depth, well-formedness) that builds the element tree + typed walk with namespace, mandatory-element and ISO 4217 amount checks;');
  console.log('    xml2js parse = sax tree only (no checks, no typing, every child an array). "fast-xml-parser tree only" is the raw tree with the same safe value options.');
  console.log('  - Dari build = typed model -> XML in XSD order with escaping, amount and mandatory checks; xml2js build = its own tree back to XML (no checks).');
  console.log('  - validate = libxml2-wasm parse of the message + AppHdr and Document each against its compiled XSD (schemas compiled once, before timing).');
  console.log(`\nxml bench done in ${((performance.now() - t0) / 1000).toFixed(1)} s (sink ${typeof sink})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
