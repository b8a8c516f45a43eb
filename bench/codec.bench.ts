// bench-node-flags: --expose-gc --max-semi-space-size=128 --min-semi-space-size=128
/**
 * ISO 8583 codec benchmark: Dari against the npm packages `iso_8583` (zemuldo) and `iso8583`
 * (reekoheek), in one process, on a realistic 0200 authorization request (EMV field 55) and its
 * 0210 response.
 *
 * Run it with `npm run bench` (bench/run.js passes the node flags in the first line of this file),
 * or directly: `node dist/bench/codec.bench.js` (it re-runs itself with those flags). Option:
 * `--quick` (fewer, shorter runs, for a smoke test). About 35 s on a 2-core box.
 *
 * Method
 *  - Every candidate (library x dialect x message x pack/unpack) first proves that it round-trips
 *    the message: unpack(pack(msg)) must give back every field with the same value, or the bench
 *    stops. Baselines that cannot carry a field exactly as Dari does get the closest layout they
 *    have, and the output says which.
 *  - Warm-up, then RUNS runs. A run is ROUNDS rounds; a round gives every candidate one slice of a
 *    fixed operation count (calibrated to about SLICE_MS), in a rotating order. A candidate's rate
 *    in a run is its operations over its summed slice time, so drift on a shared machine falls on
 *    all candidates alike. The figure reported is the median over runs (min..max beside it).
 *  - Bytes allocated per operation: after `gc()`, a batch of N operations with a young generation
 *    large enough that no GC happens inside it (checked with a PerformanceObserver on 'gc'
 *    entries; a batch that saw one is retried smaller); V8 heap bytes from
 *    v8.getHeapStatistics().used_heap_size and ArrayBuffer backing stores (Buffer memory outside
 *    the V8 heap) from process.memoryUsage().arrayBuffers, each (after - before) / N, median of 3.
 *    The rates are measured in the same process, so with the same enlarged young generation: that
 *    favours the allocation-heavy baselines slightly (fewer scavenges), never Dari.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { builtinDialect, Iso8583Codec, type Iso8583Message } from '../src/codec/iso8583';
import { calibrate, fmtRate, interleavedRuns, median } from './lib/timing';

// The baselines ship no type declarations: they are loaded untyped.
type Any = any;

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 7;
const ROUNDS = QUICK ? 3 : 10;
const SLICE_MS = QUICK ? 10 : 25;
const WARMUP_MS = QUICK ? 60 : 250; // per candidate, interleaved
const TARGET_UNPACK = 10;
const TARGET_PACK = 20;

const gcFn = (globalThis as { gc?: () => void }).gc;
if (typeof gcFn !== 'function') {
  const self = process.argv[1] ?? __filename;
  const flags = /bench-node-flags:(.*)/.exec(readFileSync(__filename, 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  process.stderr.write(`codec bench: needs node flags (${flags.join(' ')}); re-running itself with them\n`);
  const r = spawnSync(process.execPath, [...flags, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = gcFn as () => void;

// ------------------------------------------------------------------------------------------------
// The messages

/** BER-TLV from [tag, value] pairs (values < 128 bytes: one length byte). */
function tlv(items: ReadonlyArray<readonly [string, string]>): string {
  let s = '';
  for (const [tag, value] of items) {
    const len = value.length / 2;
    if (len >= 0x80 || value.length % 2 !== 0) throw new Error(`bad TLV item ${tag}`);
    s += tag + len.toString(16).toUpperCase().padStart(2, '0') + value;
  }
  return s;
}

/** Field 55 of an online M/Chip purchase (ARQC), 20 tags. */
const ICC = tlv([
  ['9F26', '8E1B3A6C2D4F5071'], // application cryptogram (ARQC)
  ['9F27', '80'], // cryptogram information data: ARQC
  ['9F10', '0110A04001220000000000000000000000FF'], // issuer application data (M/Chip, 18 bytes)
  ['9F37', '5D3A9B2C'], // unpredictable number
  ['9F36', '0042'], // application transaction counter
  ['95', '0000048000'], // terminal verification results
  ['9A', '250612'], // transaction date YYMMDD
  ['9C', '00'], // transaction type: purchase
  ['9F02', '000000012550'], // amount, authorised
  ['5F2A', '0404'], // transaction currency: KES
  ['82', '1980'], // application interchange profile
  ['9F1A', '0404'], // terminal country: Kenya
  ['9F03', '000000000000'], // amount, other
  ['9F33', 'E0F8C8'], // terminal capabilities
  ['9F34', '420302'], // CVM results: online PIN, successful
  ['9F35', '22'], // terminal type: attended, online with offline capability
  ['84', 'A0000000041010'], // dedicated file name (Mastercard credit/debit AID)
  ['9F09', '0002'], // application version number
  ['9F1E', '3132333435363738'], // interface device serial number "12345678"
  ['9F41', '00000123'], // transaction sequence counter
]);

const REQUEST: Iso8583Message = {
  mti: '0200',
  fields: {
    '2': '5413330089020011',
    '3': '000000',
    '4': '000000012550',
    '7': '0612143015',
    '11': '123456',
    '12': '173015',
    '13': '0612',
    '14': '2812',
    '18': '5812',
    '22': '051',
    '25': '00',
    '32': '412345',
    // 'D' as separator: the binary dialect carries track 2 as BCD, where the separator is nibble D.
    '35': '5413330089020011D28122011234567890',
    '37': '516314123456',
    '41': 'TERM0001',
    '42': 'MERCHANT0000001',
    '43': 'DARI COFFEE WESTLANDS'.padEnd(25) + 'NAIROBI'.padEnd(13) + 'KE',
    '49': '404',
    '52': '7434F67813BAE545',
    '55': ICC,
  },
};

/** The issuer's approval: card data (35, 52, 55) not echoed, 38 and 39 added. */
const RESPONSE: Iso8583Message = (() => {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(REQUEST.fields)) if (k !== '35' && k !== '52' && k !== '55') f[k] = v;
  f['38'] = 'AB1234';
  f['39'] = '00';
  // Re-key in ascending order (integer keys iterate ascending anyway; this keeps it explicit).
  const fields: Record<string, string> = {};
  for (const k of Object.keys(f).sort((a, b) => +a - +b)) fields[k] = f[k] as string;
  return { mti: '0210', fields };
})();

const MESSAGES = { '0200': REQUEST, '0210': RESPONSE } as const;
type MsgName = keyof typeof MESSAGES;
const MSG_NAMES: MsgName[] = ['0200', '0210'];

// ------------------------------------------------------------------------------------------------
// Checks

function fail(what: string): never {
  throw new Error(`codec bench: ${what}`);
}

/** Exact comparison of decoded fields against the message; `relaxCase` lists fields compared case-insensitively. */
function checkFields(who: string, msg: Iso8583Message, mti: unknown, fields: Record<string, unknown>, ignore: readonly string[], relaxCase: readonly string[] = []): void {
  if (mti !== msg.mti) fail(`${who}: MTI ${String(mti)} != ${msg.mti}`);
  const want = Object.keys(msg.fields);
  const got = Object.keys(fields).filter((k) => !ignore.includes(k));
  const missing = want.filter((k) => !(k in fields));
  const extra = got.filter((k) => !(k in msg.fields));
  if (missing.length > 0 || extra.length > 0) fail(`${who}: fields missing [${missing.join(',')}], unexpected [${extra.join(',')}]`);
  for (const k of want) {
    const g = fields[k];
    const w = msg.fields[k] as string;
    const same = relaxCase.includes(k) ? typeof g === 'string' && g.toUpperCase() === w.toUpperCase() : g === w;
    if (!same) fail(`${who}: field ${k} decoded as ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Baselines

/**
 * iso_8583 (zemuldo) 2.6.7. Layout: ASCII MTI, 16-byte binary bitmap (it always sends the
 * secondary bitmap), ASCII numerics/text with ASCII LL/LLL prefixes, fixed `b` fields (52) as raw
 * bytes. It has no variable-length binary field: field 55 is declared `b` LLLVAR, which it carries
 * as ASCII hex with the prefix counting hex characters (286 for 143 bytes).
 */
const Iso8583Z: Any = require('iso_8583');
const Z_FORMATS = {
  '55': { ContentType: 'b', Label: 'ICC data (BER-TLV, carried as hex text)', LenType: 'lllvar', MaxLen: 510 },
};
const Z_UNPACK_CONFIG = { lenHeader: false };
function zMessage(m: Iso8583Message): Record<string, string> {
  return { '0': m.mti, ...m.fields };
}
function zPack(data: Record<string, string>): Buffer {
  // The documented way: the message goes to the constructor; getRawMessage() has no length header.
  const out = new Iso8583Z(data, Z_FORMATS).getRawMessage();
  if (!Buffer.isBuffer(out)) fail(`iso_8583 pack: ${JSON.stringify(out)}`);
  return out;
}

/**
 * iso8583 (reekoheek) 0.0.1. Strings in, strings out; a packager maps each field to a type
 * (n, an, ans, b = hex bitmap, lln, lllan). Layout: identical to Dari's iso87ascii except that it
 * has no binary type, so 52 and 55 travel as hex text and field 55's LLL counts hex characters.
 * Timed on its native string API (no Buffer conversion), which favours it.
 *
 * Its bitmap packer (lib/packer/b.js) converts the 64-bit bitmap with parseInt(..., 2) and
 * parseInt(..., 16), i.e. through a double: bits past the 53rd significant one are rounded away.
 * Here bit 55 is lost, so it silently drops field 55 on unpack (and packs a bitmap without it).
 * For a fair run the module is replaced, in this process only, by the same code with the two
 * conversions done through BigInt (REEKOHEEK_BITMAP below). That is the only change.
 */
const Iso8583R: Any = require('iso8583');
const REEKOHEEK_BITMAP = {
  unpack(msg: string, packager: { length: number }): Any {
    let data = '';
    let bitmap = '';
    let chunkBitmap: string;
    do {
      const chunk = msg.substring(0, packager.length);
      chunkBitmap = BigInt('0x' + chunk).toString(2); // was: parseInt(chunk, 16).toString(2)
      while (chunkBitmap.length < packager.length * 4) chunkBitmap = '0' + chunkBitmap;
      data += chunk;
      bitmap += chunkBitmap;
      msg = msg.substr(packager.length);
    } while (+(chunkBitmap[0] as string) > 0);
    const fieldIds: number[] = [];
    for (const i in bitmap as Any) {
      if (+i > 0 && +(bitmap[+i] as string) === 1) fieldIds.push(parseInt(i) + 1);
    }
    return { data, bitmap, fieldIds, restData: msg };
  },
  pack(data: Record<string, unknown>, packager: { length: number }): Any {
    let bitmap = '';
    let lastIndex = 0;
    for (const i in data) {
      if (+i > 1) {
        const offset = +i - lastIndex - 1;
        for (let j = 0; j < offset; j++) bitmap += '0';
        bitmap += '1';
        lastIndex = +i;
      }
    }
    const length = Math.ceil(bitmap.length / (packager.length * 4)) * (packager.length * 4);
    const blength = bitmap.length;
    for (let i = 0; i < length - blength; i++) bitmap += '0';
    // was: parseInt(bitmap, 2).toString(16).toUpperCase() (also dropped leading zero digits)
    const msg = BigInt('0b' + bitmap).toString(16).toUpperCase().padStart(length / 4, '0');
    return { msg, bitmap };
  },
};
function installReekoheekBitmapFix(): void {
  const path = require.resolve('iso8583/lib/packer/b.js');
  require(path);
  const cached = require.cache[path];
  if (!cached) fail('iso8583: cannot find lib/packer/b.js in the module cache');
  cached.exports = REEKOHEEK_BITMAP;
}
const R_PACKAGER: Record<string, { length: number; name: string; type: string }> = {
  '0': { length: 4, name: 'MTI', type: 'n' },
  '1': { length: 16, name: 'Bitmap', type: 'b' },
  '2': { length: 19, name: 'PAN', type: 'lln' },
  '3': { length: 6, name: 'Processing code', type: 'n' },
  '4': { length: 12, name: 'Amount', type: 'n' },
  '7': { length: 10, name: 'Transmission date and time', type: 'n' },
  '11': { length: 6, name: 'STAN', type: 'n' },
  '12': { length: 6, name: 'Local time', type: 'n' },
  '13': { length: 4, name: 'Local date', type: 'n' },
  '14': { length: 4, name: 'Expiry', type: 'n' },
  '18': { length: 4, name: 'MCC', type: 'n' },
  '22': { length: 3, name: 'POS entry mode', type: 'n' },
  '25': { length: 2, name: 'POS condition code', type: 'n' },
  '32': { length: 11, name: 'Acquirer id', type: 'lln' },
  '35': { length: 37, name: 'Track 2', type: 'lln' },
  '37': { length: 12, name: 'RRN', type: 'an' },
  '38': { length: 6, name: 'Auth id response', type: 'an' },
  '39': { length: 2, name: 'Response code', type: 'an' },
  '41': { length: 8, name: 'Terminal id', type: 'ans' },
  '42': { length: 15, name: 'Card acceptor id', type: 'ans' },
  '43': { length: 40, name: 'Card acceptor name/location', type: 'ans' },
  '49': { length: 3, name: 'Currency', type: 'an' },
  '52': { length: 16, name: 'PIN block (hex text)', type: 'an' },
  '55': { length: 999, name: 'ICC data (hex text)', type: 'lllan' },
};
function rMessage(m: Iso8583Message): Record<string, string> {
  // '1' must be present for the library to emit a bitmap; its value is ignored.
  return { '0': m.mti, '1': '', ...m.fields };
}

// ------------------------------------------------------------------------------------------------
// Candidates

let sink: unknown;

interface Candidate {
  lib: 'dari iso87ascii' | 'dari iso87binary' | 'iso_8583' | 'iso8583';
  msg: MsgName;
  op: 'pack' | 'unpack';
  loop: (n: number) => void;
  /** Operations per timed slice (calibrated after warm-up). */
  perSlice: number;
  rates: number[];
  heapPerOp?: number;
  extPerOp?: number;
  allocN?: number;
  allocNote?: string;
}

function dariPackLoop(c: Iso8583Codec, m: Iso8583Message): (n: number) => void {
  return (n) => {
    let r: Buffer | undefined;
    for (let i = 0; i < n; i++) r = c.pack(m);
    sink = r;
  };
}
function dariUnpackLoop(c: Iso8583Codec, b: Buffer): (n: number) => void {
  return (n) => {
    let r: Iso8583Message | undefined;
    for (let i = 0; i < n; i++) r = c.unpack(b);
    sink = r;
  };
}
function zPackLoop(d: Record<string, string>): (n: number) => void {
  return (n) => {
    let r: Any;
    for (let i = 0; i < n; i++) r = new Iso8583Z(d, Z_FORMATS).getRawMessage();
    sink = r;
  };
}
function zUnpackLoop(b: Buffer): (n: number) => void {
  // One instance reused (unpack keeps no state in it): cheaper than the documented `new` per message.
  const z = new Iso8583Z(undefined, Z_FORMATS);
  return (n) => {
    let r: Any;
    for (let i = 0; i < n; i++) r = z.getIsoJSON(b, Z_UNPACK_CONFIG);
    sink = r;
  };
}
function rPackLoop(d: Record<string, string>): (n: number) => void {
  const iso = new Iso8583R.ISO8583(R_PACKAGER);
  return (n) => {
    let r: Any;
    for (let i = 0; i < n; i++) r = iso.pack(d);
    sink = r;
  };
}
function rUnpackLoop(s: string): (n: number) => void {
  // unpack() accumulates into the instance's `fields` and returns that object: reset it per message.
  const iso = new Iso8583R.ISO8583(R_PACKAGER);
  return (n) => {
    let r: Any;
    for (let i = 0; i < n; i++) {
      iso.fields = {};
      r = iso.unpack(s);
    }
    sink = r;
  };
}

interface Wire {
  lib: Candidate['lib'];
  msg: MsgName;
  bytes: number;
  /** Dari only: whether the fast unpack path answers the message (else the generic path does). */
  fast?: boolean;
}

function buildCandidates(notes: string[], wires: Wire[]): Candidate[] {
  const cands: Candidate[] = [];
  const add = (lib: Candidate['lib'], msg: MsgName, op: Candidate['op'], loop: (n: number) => void): void => {
    cands.push({ lib, msg, op, loop, perSlice: 1, rates: [] });
  };
  const asciiWire: Record<string, Buffer> = {};
  for (const dialect of ['iso87ascii', 'iso87binary'] as const) {
    const codec = new Iso8583Codec(builtinDialect(dialect));
    const lib = `dari ${dialect}` as const;
    for (const name of MSG_NAMES) {
      const m = MESSAGES[name];
      const wire = codec.pack(m);
      const back = codec.unpack(wire);
      checkFields(`${lib} ${name}`, m, back.mti, back.fields, []);
      if (!codec.pack(back).equals(wire)) fail(`${lib} ${name}: pack(unpack(wire)) != wire`);
      if (dialect === 'iso87ascii') asciiWire[name] = wire;
      wires.push({ lib, msg: name, bytes: wire.length, fast: codec.unpackFastOnly(wire) !== null });
      add(lib, name, 'pack', dariPackLoop(codec, m));
      add(lib, name, 'unpack', dariUnpackLoop(codec, wire));
    }
  }
  for (const name of MSG_NAMES) {
    const m = MESSAGES[name];
    const d = zMessage(m);
    const wire = zPack(d);
    const back = new Iso8583Z(undefined, Z_FORMATS).getIsoJSON(wire, Z_UNPACK_CONFIG);
    if (back.error) fail(`iso_8583 ${name} unpack: ${back.error}`);
    checkFields(`iso_8583 ${name}`, m, back['0'], back, ['0'], ['52']);
    wires.push({ lib: 'iso_8583', msg: name, bytes: wire.length });
    add('iso_8583', name, 'pack', zPackLoop(d));
    add('iso_8583', name, 'unpack', zUnpackLoop(wire));
  }
  installReekoheekBitmapFix();
  for (const name of MSG_NAMES) {
    const m = MESSAGES[name];
    const d = rMessage(m);
    const wire: string = new Iso8583R.ISO8583(R_PACKAGER).pack(d);
    const back = new Iso8583R.ISO8583(R_PACKAGER).unpack(wire);
    checkFields(`iso8583 ${name}`, m, back['0'], back, ['0', '1']);
    // Same bytes as Dari's iso87ascii, but for field 55's prefix (hex characters, not bytes).
    let expect = (asciiWire[name] as Buffer).toString('latin1');
    const icc = m.fields['55'];
    if (icc !== undefined) {
      const n = icc.length / 2;
      expect = expect.replace(String(n).padStart(3, '0') + icc, String(2 * n).padStart(3, '0') + icc);
    }
    if (wire !== expect) fail(`iso8583 ${name}: wire differs from Dari iso87ascii by more than the field 55 prefix`);
    wires.push({ lib: 'iso8583', msg: name, bytes: wire.length });
    add('iso8583', name, 'pack', rPackLoop(d));
    add('iso8583', name, 'unpack', rUnpackLoop(wire));
  }
  notes.push(
    'iso_8583: no variable-length binary type; field 55 declared b/LLLVAR is carried as ASCII hex (LLL = 286 hex chars for 143 bytes).',
    'iso_8583: always sends a secondary bitmap (bit 1 set; 16-byte binary bitmap); field 52 (fixed b) as 8 raw bytes.',
    'iso_8583: field 52 decodes as lowercase hex: compared case-insensitively; every other field compared exactly.',
    'iso_8583: pack = `new iso_8583(msg, formats).getRawMessage()` (documented use); unpack = one reused instance, getIsoJSON(buf, {lenHeader:false}).',
    'iso8583: no binary type: 52 and 55 carried as hex text (55 with LLL = 286 hex chars); otherwise byte-identical to Dari iso87ascii (checked).',
    'iso8583: its bitmap code loses bits past 53 (parseInt through a double): it silently drops field 55. Patched in-process with BigInt (same code otherwise).',
    'iso8583: timed on its native string API (string in/out, no Buffer conversion), which favours it; it validates nothing.',
    'Dari and iso_8583 check every character against its content class on pack; Dari also on unpack, and walks the TLV of 55 both ways.',
    'all candidates: unpack(pack(msg)) checked field by field before timing.',
  );
  return cands;
}

// ------------------------------------------------------------------------------------------------
// Allocation

interface GcEntry {
  startTime: number;
  duration: number;
}

async function measureAllocations(cands: Candidate[]): Promise<void> {
  const entries: GcEntry[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push({ startTime: e.startTime, duration: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
  gc();
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  // Stay well inside the young generation, and well under V8's external-memory GC trigger.
  const heapBudget = Math.max(4 << 20, (newSpace?.space_available_size ?? 16 << 20) / 4);
  const extBudget = 16 << 20;

  const batch = (c: Candidate, n: number): { heap: number; ext: number; t0: number; t1: number } => {
    gc();
    gc();
    const h0 = v8.getHeapStatistics().used_heap_size;
    const a0 = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    c.loop(n);
    const t1 = performance.now();
    const h1 = v8.getHeapStatistics().used_heap_size;
    const a1 = process.memoryUsage().arrayBuffers;
    return { heap: (h1 - h0) / n, ext: (a1 - a0) / n, t0, t1 };
  };

  for (const c of cands) {
    const probe = batch(c, 200);
    let n = Math.floor(Math.min(heapBudget / Math.max(probe.heap, 1), extBudget / Math.max(probe.ext, 1), 50_000));
    n = Math.max(n, 200);
    for (let attempt = 0; ; attempt++) {
      const heaps: number[] = [];
      const exts: number[] = [];
      const windows: Array<[number, number]> = [];
      for (let k = 0; k < 3; k++) {
        const r = batch(c, n);
        heaps.push(r.heap);
        exts.push(r.ext);
        windows.push([r.t0, r.t1]);
      }
      await flush();
      const hit = entries.some((e) => windows.some(([a, b]) => e.startTime + e.duration > a && e.startTime < b));
      if (!hit) {
        c.heapPerOp = median(heaps);
        c.extPerOp = median(exts);
        c.allocN = n;
        break;
      }
      if (attempt >= 4 || n <= 50) {
        c.heapPerOp = median(heaps);
        c.extPerOp = median(exts);
        c.allocN = n;
        c.allocNote = 'GC ran inside the batch: figure is a lower bound';
        break;
      }
      n = Math.max(50, n >> 2);
    }
  }
  obs.disconnect();
}

// ------------------------------------------------------------------------------------------------
// Report

function pad(s: string, n: number): string {
  return s.padEnd(n);
}
function lpad(s: string, n: number): string {
  return s.padStart(n);
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const t0 = performance.now();
  console.log('== ISO 8583 codec benchmark ==');
  console.log(`machine: ${cpus[0]?.model ?? '?'} x ${cpus.length} (os.cpus), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`node ${process.version} (V8 ${process.versions.v8}), flags: ${process.execArgv.join(' ') || '(none)'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const notes: string[] = [];
  const wires: Wire[] = [];
  const cands = buildCandidates(notes, wires);
  const iccBytes = (REQUEST.fields['55'] as string).length / 2;
  console.log(`messages: 0200 authorization, ${Object.keys(REQUEST.fields).length} fields, field 55 = ${iccBytes} bytes of BER-TLV (20 EMV tags); 0210 response, ${Object.keys(RESPONSE.fields).length} fields (no 35/52/55; 38, 39 added)`);
  console.log(`wire sizes (bytes, 0200/0210): ${(['dari iso87ascii', 'dari iso87binary', 'iso_8583', 'iso8583'] as const).map((lib) => `${lib} ${wires.filter((w) => w.lib === lib).map((w) => w.bytes).join('/')}`).join('; ')}`);
  console.log('round-trip check: all candidates OK (every field decoded back to the value packed)');
  console.log(`dari unpack answered by: ${wires.filter((w) => w.fast !== undefined).map((w) => `${w.lib.slice(5)} ${w.msg} ${w.fast === true ? 'the fast path' : 'the GENERIC path (fast path declined)'}`).join('; ')}`);
  console.log(`method: ${RUNS} runs x ${ROUNDS} rounds; each round runs every candidate for a calibrated ~${SLICE_MS} ms slice in rotating order (round-robin); rate = median over runs of (ops / summed slice time).`);
  console.log('        young generation enlarged (flags above) for the allocation measurement; rates come from the same process (fewer scavenges: helps the allocation-heavy baselines).');
  console.log();
  process.stderr.write('warming up...\n');
  calibrate(cands, SLICE_MS, WARMUP_MS, 16);
  interleavedRuns(cands, RUNS, ROUNDS);
  process.stderr.write('measuring allocations...\n');
  await measureAllocations(cands);

  const rate = (lib: Candidate['lib'], msg: MsgName, op: Candidate['op']): number =>
    median((cands.find((c) => c.lib === lib && c.msg === msg && c.op === op) as Candidate).rates);

  console.log(`${pad('candidate', 30)}${lpad('msg/s (median)', 15)}${lpad('min..max', 20)}${lpad('us/msg', 9)}${lpad('heap B/msg', 12)}${lpad('ext B/msg', 11)}`);
  for (const c of cands) {
    const med = median(c.rates);
    const lo = Math.min(...c.rates);
    const hi = Math.max(...c.rates);
    const name = `${c.lib} ${c.msg} ${c.op}`;
    console.log(
      `${pad(name, 30)}${lpad(fmtRate(med), 15)}${lpad(`${fmtRate(lo)}..${fmtRate(hi)}`, 20)}${lpad((1e6 / med).toFixed(2), 9)}` +
        `${lpad((c.heapPerOp ?? NaN).toFixed(0), 12)}${lpad((c.extPerOp ?? NaN).toFixed(0), 11)}${c.allocNote ? `  (${c.allocNote})` : ''}`,
    );
  }
  console.log();
  console.log('ratios (Dari msg/s over baseline msg/s, medians) and targets vs iso_8583: unpack >= 10x, pack >= 20x');
  for (const dialect of ['dari iso87ascii', 'dari iso87binary'] as const) {
    for (const op of ['pack', 'unpack'] as const) {
      for (const msg of MSG_NAMES) {
        const d = rate(dialect, msg, op);
        const z = d / rate('iso_8583', msg, op);
        const r = d / rate('iso8583', msg, op);
        const target = op === 'pack' ? TARGET_PACK : TARGET_UNPACK;
        console.log(
          `${pad(`${dialect} ${msg} ${op}`, 30)} vs iso_8583 ${lpad(z.toFixed(1), 6)}x  [target >= ${target}x: ${z >= target ? 'PASS' : 'FAIL'}]   vs iso8583 ${lpad(r.toFixed(1), 6)}x`,
        );
      }
    }
  }
  console.log();
  console.log('allocation method: after gc(), one batch of N operations with no GC inside it (checked with a PerformanceObserver');
  console.log('  on "gc" entries); heap = delta of v8.getHeapStatistics().used_heap_size / N (V8 heap: strings, objects, small');
  console.log('  typed arrays), ext = delta of process.memoryUsage().arrayBuffers / N (Buffer backing stores, including');
  console.log('  Buffer-pool slabs amortised over N); median of 3 batches. N per candidate:');
  console.log(`  ${cands.map((c) => `${c.lib} ${c.msg} ${c.op}=${c.allocN}`).join(', ')}`);
  console.log();
  console.log('baseline notes:');
  for (const n of notes) console.log(`  - ${n}`);
  console.log();
  console.log(`codec bench done in ${((performance.now() - t0) / 1000).toFixed(1)} s (sink ${typeof sink})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
