// bench-node-flags: --expose-gc --max-semi-space-size=64 --min-semi-space-size=64
/**
 * EMV merchant-presented QR benchmark: parse + validate per second (all four layers: CRC, data
 * objects, EMVCo rules, scheme rules) for a QRIS, a VietQR and a Korean-name payload (public
 * vectors from fixtures/emvqr/payloads.json), beside a baseline in the same run.
 *
 * No npm EMV QR parser is installed, so the baseline is a deliberately simple parser written
 * here, the way public QR code usually reads payloads: Buffer.from + a bitwise CRC loop, the
 * payload spread into code points and cut with slice/join, regexes for the value checks, results
 * in a plain object keyed by id. It checks the same EMVCo rules, knows no schemes, and must read
 * every payload to the same merchant, currency and country before it is timed.
 *
 * Run with `npm run bench -- qr` or `node dist/bench/qr.bench.js` (re-runs itself with the flag
 * above); `--quick` for a smoke run. About 20 s (5 s quick) on a 2-core box.
 *
 * Method: warm-up, then RUNS runs of ROUNDS rounds; each round gives every candidate a slice of a
 * calibrated operation count, in rotating order. A candidate's rate in a run is its operations
 * over its summed slice time; the figure is the median over runs (min..max beside it). Wall time
 * is shared with whatever else runs on the machine; the process CPU time of the same slices is
 * reported too (ops per CPU-second), which is what a loaded 2-core box can still tell apart.
 * Bytes allocated per operation: used heap before/after a batch of 1000 after gc(), with a young
 * generation (flags above) large enough that no scavenge runs inside the batch; median of 3.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { performance } from 'node:perf_hooks';
import { parseQr } from '../src/codec/emvqr';
import { fmtRate, median } from './lib/timing';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 7;
const ROUNDS = QUICK ? 3 : 8;
const SLICE_MS = QUICK ? 10 : 25;
const WARMUP_MS = QUICK ? 100 : 400;
const TARGET = 200_000;

const gcFn = (globalThis as { gc?: () => void }).gc;
if (typeof gcFn !== 'function') {
  const flags = /bench-node-flags:(.*)/.exec(readFileSync(__filename, 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  process.stderr.write(`qr bench: needs node flags (${flags.join(' ')}); re-running itself with them\n`);
  const r = spawnSync(process.execPath, [...flags, process.argv[1] ?? __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = gcFn as () => void;

// ------------------------------------------------------------------------------------------------
// Payloads

const VECTORS: { name: string; payload: string }[] = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'emvqr', 'payloads.json'), 'utf8'));
function vector(name: string): string {
  const v = VECTORS.find((x) => x.name === name);
  if (!v) throw new Error(`qr bench: no vector ${name}`);
  return v.payload;
}

const PAYLOADS = [
  { label: 'QRIS', name: 'qris-telkom-tip', note: 'ardfar/parse-qris: Telkom acquirer + national 51, tip indicator, ASCII' },
  { label: 'VietQR', name: 'vietqr-qrpush', note: 'trantuan94/vietqrjs: NAPAS 38 with nested beneficiary template, ASCII' },
  { label: 'KR name', name: 'kr-bccard-static', note: 'copanote/emvmpm: BC Card, Korean name and city in 64 (UTF-8, code-point lengths)' },
].map((p) => ({ ...p, payload: vector(p.name) }));

// ------------------------------------------------------------------------------------------------
// Baseline: the simple parser

type Flat = Record<string, string | Record<string, string>>;

function baselineCrc(s: string): string {
  let crc = 0xffff;
  for (const b of Buffer.from(s, 'utf8')) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

function baselineTlv(chars: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < chars.length) {
    const id = chars.slice(i, i + 2).join('');
    const len = parseInt(chars.slice(i + 2, i + 4).join(''), 10);
    if (!/^\d\d$/.test(id) || Number.isNaN(len) || len < 1 || i + 4 + len > chars.length) throw new Error('bad data object');
    if (id in out) throw new Error('duplicate id');
    out[id] = chars.slice(i + 4, i + 4 + len).join('');
    i += 4 + len;
  }
  return out;
}

function baselineParse(payload: string): Flat {
  const m = /^(.*6304)([0-9A-Fa-f]{4})$/su.exec(payload);
  if (!m || baselineCrc(m[1] as string) !== (m[2] as string).toUpperCase()) throw new Error('bad CRC');
  const top = baselineTlv([...payload]);
  const out: Flat = {};
  for (const [id, v] of Object.entries(top)) {
    const n = Number(id);
    out[id] = (n >= 26 && n <= 51) || n === 62 || n === 64 ? baselineTlv([...v]) : v;
  }
  if (!payload.startsWith('000201')) throw new Error('00');
  if (out['01'] !== undefined && !/^1[12]$/.test(out['01'] as string)) throw new Error('01');
  if (!Object.keys(out).some((k) => Number(k) >= 2 && Number(k) <= 51)) throw new Error('no merchant account');
  if (!/^\d{4}$/.test((out['52'] as string | undefined) ?? '')) throw new Error('52');
  if (!/^\d{3}$/.test((out['53'] as string | undefined) ?? '')) throw new Error('53');
  if (out['54'] !== undefined && !/^\d+(\.\d{0,2})?$/.test(out['54'] as string)) throw new Error('54');
  if (!/^[A-Z]{2}$/.test((out['58'] as string | undefined) ?? '')) throw new Error('58');
  if ([...((out['59'] as string | undefined) ?? '')].length === 0 || [...(out['59'] as string)].length > 25) throw new Error('59');
  if ([...((out['60'] as string | undefined) ?? '')].length === 0 || [...(out['60'] as string)].length > 15) throw new Error('60');
  return out;
}

// ------------------------------------------------------------------------------------------------
// Candidates

let sink: unknown;

interface Candidate {
  name: string;
  loop: (n: number) => void;
  perSlice: number;
  wall: number[];
  cpu: number[];
  heapPerOp?: number;
}

function candidates(): Candidate[] {
  const out: Candidate[] = [];
  for (const p of PAYLOADS) {
    const payload = p.payload;
    // Both must read the payload to the same merchant, currency and country before timing.
    const d = parseQr(payload);
    const b = baselineParse(payload);
    if (d.merchantName !== b['59'] || d.currency !== b['53'] || d.country !== b['58']) throw new Error(`qr bench: ${p.label}: dari and the baseline disagree`);
    out.push({
      name: `dari parseQr ${p.label}`, perSlice: 1, wall: [], cpu: [],
      loop: (n) => { let r; for (let i = 0; i < n; i++) r = parseQr(payload); sink = r; },
    });
    out.push({
      name: `dari parseQr+fields ${p.label}`, perSlice: 1, wall: [], cpu: [],
      loop: (n) => { let r; for (let i = 0; i < n; i++) r = parseQr(payload).fields; sink = r; },
    });
    out.push({
      name: `baseline ${p.label}`, perSlice: 1, wall: [], cpu: [],
      loop: (n) => { let r; for (let i = 0; i < n; i++) r = baselineParse(payload); sink = r; },
    });
  }
  return out;
}

function calibrate(cands: Candidate[]): void {
  const until = performance.now() + WARMUP_MS * cands.length;
  while (performance.now() < until) for (const c of cands) c.loop(200);
  for (const c of cands) {
    let n = 100;
    for (;;) {
      const t0 = performance.now();
      c.loop(n);
      const ms = performance.now() - t0;
      if (ms >= SLICE_MS / 4 || n > 1e7) {
        c.perSlice = Math.max(1, Math.round((n * SLICE_MS) / Math.max(ms, 0.001)));
        break;
      }
      n *= 4;
    }
  }
}

function timeRuns(cands: Candidate[]): void {
  for (let run = 0; run < RUNS; run++) {
    const wallMs = new Map<Candidate, number>();
    const cpuUs = new Map<Candidate, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cands.length; k++) {
        const c = cands[(k + round + run) % cands.length] as Candidate;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        c.loop(c.perSlice);
        const t1 = performance.now();
        const cu = process.cpuUsage(c0);
        wallMs.set(c, (wallMs.get(c) ?? 0) + (t1 - t0));
        cpuUs.set(c, (cpuUs.get(c) ?? 0) + cu.user + cu.system);
      }
    }
    for (const c of cands) {
      c.wall.push((c.perSlice * ROUNDS * 1000) / (wallMs.get(c) as number));
      c.cpu.push((c.perSlice * ROUNDS * 1e6) / Math.max(cpuUs.get(c) as number, 1));
    }
  }
}

function measureAllocations(cands: Candidate[]): void {
  for (const c of cands) {
    const heaps: number[] = [];
    for (let k = 0; k < 3; k++) {
      gc();
      const before = v8.getHeapStatistics().used_heap_size;
      c.loop(1000);
      heaps.push((v8.getHeapStatistics().used_heap_size - before) / 1000);
    }
    c.heapPerOp = median(heaps);
  }
}


function main(): void {
  const cpus = os.cpus();
  const t0 = performance.now();
  console.log('== EMV merchant-presented QR benchmark: parse + validate ==');
  console.log(`machine: ${cpus[0]?.model ?? '?'} x ${cpus.length} (os.cpus), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`node ${process.version}, flags: ${process.execArgv.join(' ') || '(none)'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const p of PAYLOADS) console.log(`payload ${p.label.padEnd(8)} ${[...p.payload].length} characters, ${Buffer.byteLength(p.payload)} bytes: ${p.note}`);
  console.log('candidates: dari parseQr = all four layers and the merchant account summary; +fields = also builds the fields object (made lazily, only when read);');
  console.log('            baseline = the simple parser in this file (no npm EMV QR parser is installed): Buffer CRC, [...payload] slices, regex checks');
  console.log(`method: ${RUNS} runs x ${ROUNDS} rounds, calibrated ~${SLICE_MS} ms slices in rotating order; median over runs; wall and process CPU time`);
  console.log();
  const cands = candidates();
  process.stderr.write('warming up...\n');
  calibrate(cands);
  timeRuns(cands);
  measureAllocations(cands);

  console.log(`${'candidate'.padEnd(30)}${'ops/s wall'.padStart(12)}${'min..max'.padStart(18)}${'ops/CPU-s'.padStart(12)}${'us/op'.padStart(8)}${'heap B/op'.padStart(11)}`);
  for (const c of cands) {
    const w = median(c.wall);
    console.log(
      `${c.name.padEnd(30)}${fmtRate(w).padStart(12)}${`${fmtRate(Math.min(...c.wall))}..${fmtRate(Math.max(...c.wall))}`.padStart(18)}` +
        `${fmtRate(median(c.cpu)).padStart(12)}${(1e6 / w).toFixed(2).padStart(8)}${(c.heapPerOp ?? NaN).toFixed(0).padStart(11)}`,
    );
  }
  console.log();
  console.log(`ratios (dari parseQr over baseline, medians) and target: >= ${fmtRate(TARGET)} parse+validate per second for QRIS`);
  for (const p of PAYLOADS) {
    const get = (prefix: string): Candidate => cands.find((c) => c.name === `${prefix} ${p.label}`) as Candidate;
    const d = get('dari parseQr');
    const b = get('baseline');
    const line = `${p.label.padEnd(8)} wall ${(median(d.wall) / median(b.wall)).toFixed(1)}x, CPU ${(median(d.cpu) / median(b.cpu)).toFixed(1)}x`;
    const target = p.label === 'QRIS' ? `   [target: wall ${median(d.wall) >= TARGET ? 'PASS' : 'FAIL'}, per CPU-second ${median(d.cpu) >= TARGET ? 'PASS' : 'FAIL'}]` : '';
    console.log(line + target);
  }
  console.log();
  console.log(`qr bench done in ${((performance.now() - t0) / 1000).toFixed(1)} s (sink ${typeof sink})`);
}

main();
