/**
 * End-to-end benchmark of the hub on loopback: throughput, the latency the hub adds, a bare relay
 * baseline, memory per idle participant connection, the ISO 20022 partner path (0200 -> pacs.008
 * -> pacs.002 -> 0210, runtime XSD validation on) beside the ISO 8583 one, and outbound QR payments
 * (a wallet's 0200 with a QRIS payload -> acmt.023/024, FX quote, pacs.008/pacs.002 -> 0210 with the
 * billed amount) beside the ISO 8583 path too.
 *
 * Run it with `npm run bench -- e2e` (or `npx tsc -p . && node bench/run.js e2e`), or directly:
 * `node dist/bench/e2e.bench.js`. Options (after `--`): `--quick` (short runs, 1,000 idle
 * connections: a smoke test), `--connections=N` (default 32), `--concurrency=K` (requests in flight
 * per connection, default 8), `--idle=N` (idle connections, default 5000), `--profile[=hub,acquirer,
 * partner,partner20022,relay]` (instead of the figures: a CPU profile of those processes under
 * saturation, `node --cpu-prof`, summarised by self time with TypeScript file:line),
 * `--profile-path=iso8583|iso20022|qr` (which partner path the profiled load takes; default iso8583),
 * `--hub-flags=F1,F2` (extra node flags for the hub process, e.g. --trace-gc), `--profile-rate=N` (profiled runs paced at N requests/s instead of unpaced), `--profile-top=N` (rows per table), `--latency` (only the
 * hub's max and the latency at 50% of it, no relay, memory or ISO 20022 phases: about 20 s with --quick;
 * with `--heap-sample`, the hub's allocations by function during the first paced run),
 * `--journal-thread=worker|inline` (the hub's journal.sqliteThread instead of the bundled configuration's),
 * `--journal=none` (the hub without any journal, bench/e2e/null-journal.ts: the journal's share of the figures),
 * `--journal=log` (the hub on a model of an append-only journal hot path, bench/e2e/log-journal.ts),
 * `--rate=N` (with --latency: the paced runs at N requests/s instead of 50% of the max),
 * `--data-dir=DIR` (where the journal's temp folder goes; default os.tmpdir()), `--verbose` (child logs).
 * About 4 minutes on a 2-core box (--quick about 1.5, profile mode about 40 s).
 *
 * Processes (each its own node process, so no two share an event loop):
 *   orchestrator (this file: no load, no I/O on the measured path)
 *   acquirer  src/sim AcquirerSimulator: the load generator (card requests, or QR payments in phase 6); latencies measured here
 *   hub       src/switch Hub from config/default.yaml (SQLite journal in a temp dir, metrics server off),
 *             its partner links going to the partner processes instead of in-process simulators, and
 *             runtime XSD validation on for the ISO 20022 partner (iso20022.xsdDir)
 *   relay     bench/e2e/relay.ts: the bare relay baseline, same partner, same number of upstream links
 *   partner   src/sim PartnerSimulator: the ISO 8583 partner switch for hub, relay and the direct runs
 *   partner20022  src/sim Iso20022PartnerSimulator: the ISO 20022 partner switch (SIM-ID-SWITCH; also
 *             the QR payments' partner: it confirms the merchant account and takes the payment)
 *
 * Method: see the notes printed at the end of the run (`METHOD` below).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { inspectQr } from '../src/codec/emvqr';
import { currencyByNumeric } from '../src/codec/iso20022/currencies';
import { validateConfig } from '../src/config/schema';
import type { AcquirerSummary } from '../src/sim';
import type { QrRequestOptions } from '../src/sim/acquirer';
import type { AcquirerTake, CpuStamp, HubTake, MemStats, Partner20022Counts, RunArgs } from './e2e/child';
import { ChildHandle, type Role } from './e2e/ipc';
import { summarizeHeapSample, summarizeProfile } from './e2e/profile';
import { median } from './lib/timing';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const intOpt = (name: string, dflt: number): number => {
  const v = opt(name);
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v) || +v < 1) throw new Error(`e2e bench: --${name} must be a positive integer`);
  return +v;
};

const QUICK = flag('quick');
const VERBOSE = flag('verbose');
const PROFILE: Role[] = flag('profile') ? ['hub'] : (opt('profile')?.split(',').filter(Boolean) as Role[] | undefined) ?? [];
const CONNECTIONS = intOpt('connections', 32);
const CONCURRENCY = intOpt('concurrency', 8);
const IDLE = intOpt('idle', QUICK ? 1000 : 5000);
const IDLE_BATCH = 250;
const WARM_MS = QUICK ? 1000 : 3000;
const SAT_RUNS = 3;
const SAT_MS = QUICK ? 2000 : 6000;
const HALF_RUNS = 2;
const HALF_MS = QUICK ? 2000 : 7000;
const PROFILE_RUNS = 2;
/** Extra node flags for the hub process (`--hub-flags=--trace-gc,--max-semi-space-size=32`). */
const HUB_FLAGS = opt('hub-flags')?.split(',').filter(Boolean) ?? [];
/** Profile mode: rows in each table of the summary. */
const PROFILE_TOP = intOpt('profile-top', 25);
const DATA_DIR_BASE = opt('data-dir') ?? os.tmpdir();
const PROFILE_PATH = opt('profile-path') ?? 'iso8583';
/** Profile mode: requests per second of the profiled runs (0 = unpaced, the default). */
/** Only phases 2 to 4 without the relay (hub max, then latency at 50%): a quicker loop for latency work. */
const LATENCY_ONLY = flag('latency');
/** With --latency: sample the hub's allocations (dead objects included) during the first paced run. */
const HEAP_SAMPLE = flag('heap-sample');
/** `--journal-thread=worker|inline`: the hub's journal.sqliteThread instead of config/default.yaml's. */
const JOURNAL_THREAD = opt('journal-thread');
/**
 * `--journal=none`: the hub without a journal (bench/e2e/null-journal.ts), to tell the journal's
 * share apart; `--journal=log`: a model of an append-only hot path (bench/e2e/log-journal.ts: one
 * JSON line per write, group-committed with fdatasync, dedupe claims in memory, no tables).
 */
const JOURNAL_MODEL = opt('journal') as 'none' | 'log' | undefined;
if (JOURNAL_MODEL !== undefined && JOURNAL_MODEL !== 'none' && JOURNAL_MODEL !== 'log') throw new Error('e2e bench: --journal takes none or log');
/** `--rate=N` (with --latency): the paced runs at N requests/s instead of 50% of the measured max. */
const FIXED_RATE = opt('rate') === undefined ? 0 : intOpt('rate', 1);
if (FIXED_RATE > 0 && !LATENCY_ONLY) throw new Error('e2e bench: --rate goes with --latency');
const PROFILE_RATE = opt('profile-rate') === undefined ? 0 : intOpt('profile-rate', 1);
if (PROFILE_PATH !== 'iso8583' && PROFILE_PATH !== 'iso20022' && PROFILE_PATH !== 'qr') throw new Error('e2e bench: --profile-path must be iso8583, iso20022 or qr');
const OVERALL_TIMEOUT_MS = 9 * 60_000;

const TARGET_HALF_P99_MS = 5;
const TARGET_RELAY_RATIO = 0.4;
const TARGET_BYTES_PER_CONN = 64 * 1024;
const TARGET_ISO20022_TPS = 2000;

const root = resolve(__dirname, '..', '..');
/** The official XSDs (not in this repository: see DESIGN 5); the ISO 20022 path is measured validating against them. */
const XSD_DIR = resolve(root, '..', 'shared', 'iso20022', 'xsd');
const childScript = join(__dirname, 'e2e', 'child.js');
/** The QR the wallets scan in phase 6: a public static QRIS code (fixtures/emvqr/payloads.json names its source). */
const QR_SAMPLE = 'qris-static';
/**
 * The merchant amount of each QR payment: IDR 150,000.00 in minor units (ISO 4217: IDR has 2 decimals).
 * It ends in 00, which the ISO 20022 partner simulator answers with ACCC (its last two digits pick the answer).
 */
const QR_AMOUNT_MINOR = 15_000_000;

// ------------------------------------------------------------------------------------------------
// processes

const children: ChildHandle[] = [];

function killAll(): void {
  for (const c of children) c.kill();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    console.error(`e2e bench: ${sig}: killing the child processes`);
    killAll();
    process.exit(1);
  });
}

function startChild(role: Role, args: unknown, execArgv: string[] = []): ChildHandle {
  const nodeArgs = [...execArgv, childScript, role, JSON.stringify(args)];
  // Raise the open-files limit for the child (5,000 idle connections need as many descriptors in
  // the hub and in the acquirer); `exec` keeps the pid, so the handle still kills the node process.
  const proc = process.platform === 'win32'
    ? spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    : spawn('/bin/sh', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, ...nodeArgs], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced',
    });
  const h = new ChildHandle(role, proc, VERBOSE ? (r, line) => process.stderr.write(`  [${r}] ${line}\n`) : undefined);
  children.push(h);
  return h;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`e2e bench: ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// ------------------------------------------------------------------------------------------------
// statistics

function sortedCopy(xs: Float64Array): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Nearest rank, as src/sim's percentile(). */
function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

function concat(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

interface Pcts {
  n: number;
  p50: number;
  p99: number;
  p999: number;
}

function pcts(xs: Float64Array): Pcts {
  const s = sortedCopy(xs);
  return { n: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), p999: pct(s, 0.999) };
}

// ------------------------------------------------------------------------------------------------
// formatting

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const fms = (x: number): string => (!Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const ftps = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const fbytes = (x: number): string => (Math.abs(x) >= 1024 * 1024 ? `${(x / 1048576).toFixed(1)} MiB` : `${(x / 1024).toFixed(1)} KiB`);
const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

function table(head: string[], rows: string[][], leftCols = 1): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i < leftCols ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------------------
// the bench

/**
 * hub: ISO 8583 partner path; hub20022: the same hub, requests routed to the ISO 20022 partner by PAN
 * prefix; hubqr: the same hub, a wallet's outbound QR payments (its QR service, then the QR's partner).
 */
type Kind = 'hub' | 'hub20022' | 'hubqr' | 'relay' | 'direct';

interface RunResult {
  kind: Kind;
  rate: number;
  summary: AcquirerSummary;
  latencies: Float64Array;
  /**
   * % of one core over the run: acquirer, system under test (hub/relay; NaN for direct), the partner
   * process that answered (partner20022 for hub20022 and hubqr runs),
   * and `other`: the whole machine's busy time (/proc/stat) minus every bench process (other
   * tenants of a shared box, kernel work not charged to a process).
   */
  cpu: { acq: number; sut: number; partner: number; other: number };
  /** Hub runs: bytes the hub sent to storage per answered transaction (/proc/<pid>/io write_bytes). */
  hubWriteBytesPerTxn?: number;
  hubMs?: Float64Array;
  waitMs?: Float64Array;
  outcomes?: Record<string, number>;
  hub?: HubTake;
  /** Answers without the billed amount (hubqr runs check 6 and 51 on every answer; 0 elsewhere). */
  unbilled: number;
  /** hub20022 and hubqr runs: messages the ISO 20022 partner received during the run. */
  partnerMsgs?: { pacs008: number; acmt023: number };
}

interface Procs {
  partner: ChildHandle;
  partner20022: ChildHandle;
  hub: ChildHandle;
  relay: ChildHandle | undefined;
  acq: ChildHandle;
  ports: { partner: number; hub: number; relay: number };
  dialect: string;
  /** The partner each hub path must reach (default route; the ISO 20022 partner) and the PAN prefix routed to the latter. */
  partnerId: string;
  partner20022Id: string;
  panPrefix20022: string;
  /** Phase 6: what the wallets send, the partner the hub's QR service routes the QR to, and the currency it bills in. */
  qr: { request: Required<QrRequestOptions>; partnerId: string; verify: boolean; billedCurrency: string; describe: string };
}

const isHub = (k: Kind): boolean => k === 'hub' || k === 'hub20022' || k === 'hubqr';
/** Runs answered by the ISO 20022 partner process. */
const via20022 = (k: Kind): boolean => k === 'hub20022' || k === 'hubqr';

let stanBase = 1;

function cpuPct(a: CpuStamp | undefined, b: CpuStamp | undefined): number {
  if (!a || !b) return NaN;
  return ((b.user + b.system - a.user - a.system) / 1000 / (b.at - a.at)) * 100;
}

/** Machine-wide busy and total jiffies (all CPUs) from /proc/stat; undefined off Linux. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

async function measure(p: Procs, kind: Kind, rate: number, durationMs: number): Promise<RunResult> {
  const port = isHub(kind) ? p.ports.hub : kind === 'relay' ? p.ports.relay : p.ports.partner;
  const sut = isHub(kind) ? p.hub : kind === 'relay' ? p.relay : undefined;
  const answering = via20022(kind) ? p.partner20022 : p.partner;
  if (isHub(kind)) await p.hub.call('collect', { on: true });
  const counts0 = via20022(kind) ? await p.partner20022.call<Partner20022Counts>('counts') : undefined;
  const live = children.filter((c) => !c.exited);
  const stamp = async (): Promise<{ each: Map<ChildHandle, CpuStamp>; self: NodeJS.CpuUsage; m: ReturnType<typeof machineJiffies> }> => {
    const all = await Promise.all(live.map((c) => c.call<CpuStamp>('cpu')));
    return { each: new Map(live.map((c, i) => [c, all[i] as CpuStamp])), self: process.cpuUsage(), m: machineJiffies() };
  };
  stanBase = (stanBase + 150_001) % 900_000 + 1;
  const args: RunArgs = {
    port, dialect: p.dialect, lengthHeader: 'binary2', connections: CONNECTIONS, concurrency: CONCURRENCY, rate, durationMs, firstStan: stanBase,
    ...(kind === 'hub20022' ? { panPrefix: p.panPrefix20022 } : {}),
    ...(kind === 'hubqr' ? { qr: p.qr.request, billedCurrency: p.qr.billedCurrency } : {}),
  };
  const before = await stamp();
  const r = await p.acq.call<AcquirerTake>('run', args, durationMs + 60_000);
  const after = await stamp();
  const pctOf = (c: ChildHandle | undefined): number => (c ? cpuPct(before.each.get(c), after.each.get(c)) : NaN);
  let other = NaN;
  const a0 = before.each.get(p.acq);
  const a1 = after.each.get(p.acq);
  if (before.m && after.m && a0 && a1) {
    const wallMs = a1.at - a0.at;
    const ncpu = os.cpus().length;
    const machine = ((after.m.busy - before.m.busy) / Math.max(1, after.m.total - before.m.total)) * ncpu * 100;
    let ours = ((after.self.user + after.self.system - before.self.user - before.self.system) / 1000 / wallMs) * 100;
    for (const c of live) ours += cpuPct(before.each.get(c), after.each.get(c));
    other = Math.max(0, machine - ours);
  }
  const out: RunResult = {
    kind, rate, summary: r.summary, latencies: r.latencies, unbilled: r.unbilled,
    cpu: { acq: pctOf(p.acq), sut: pctOf(sut), partner: pctOf(answering), other },
  };
  if (isHub(kind)) {
    const t = await p.hub.call<HubTake>('take');
    await p.hub.call('collect', { on: false });
    out.hubMs = t.hubMs;
    out.waitMs = t.waitMs;
    out.outcomes = t.outcomes;
    out.hub = t;
    const h0 = before.each.get(p.hub);
    const h1 = after.each.get(p.hub);
    if (h0 && h1 && r.summary.answered > 0) out.hubWriteBytesPerTxn = (h1.writeBytes - h0.writeBytes) / r.summary.answered;
  }
  const s = r.summary;
  const problems: string[] = [];
  if (s.timedOut || s.failed || s.unmatched || s.late) problems.push(`timed out ${s.timedOut}, failed ${s.failed}, unmatched ${s.unmatched}, late ${s.late}`);
  if (s.answered > 0 && s.approved !== s.answered) problems.push(`only ${s.approved}/${s.answered} approved (${JSON.stringify(s.byResponseCode)})`);
  if (r.unbilled > 0) problems.push(`${r.unbilled}/${s.answered} answers without the billed amount (6, 51 = ${p.qr.billedCurrency}); first: ${r.firstUnbilled}`);
  const odd = Object.entries(out.outcomes ?? {}).filter(([k]) => k !== 'approved' && k !== 'declined');
  if (odd.length > 0) problems.push(`hub outcomes ${JSON.stringify(out.outcomes)}`);
  if (out.hub) {
    const want = kind === 'hub20022' ? p.partner20022Id : kind === 'hubqr' ? p.qr.partnerId : p.partnerId;
    const stray = Object.entries(out.hub.partners).filter(([k]) => k !== want);
    if (stray.length > 0) problems.push(`routed elsewhere than ${want}: ${JSON.stringify(out.hub.partners)}`);
    if (Object.keys(out.hub.protocolErrors).length > 0) problems.push(`partner protocol errors ${JSON.stringify(out.hub.protocolErrors)}`);
  }
  if (counts0) {
    const c = await p.partner20022.call<Partner20022Counts>('counts');
    const pacs008 = c.pacs008 - counts0.pacs008;
    const acmt023 = c.acmt023 - counts0.acmt023;
    out.partnerMsgs = { pacs008, acmt023 };
    if (pacs008 < s.answered) problems.push(`the ISO 20022 partner received ${pacs008} pacs.008 for ${s.answered} answers`);
    // QR payments: one merchant confirmation per payment when the partner is asked to verify; card payments: none.
    const acmtWanted = kind === 'hubqr' && p.qr.verify;
    if (acmtWanted ? acmt023 < s.answered : acmt023 > 0) problems.push(`the ISO 20022 partner received ${acmt023} acmt.023 for ${s.answered} answers`);
    const extra = { pacs028: c.pacs028 - counts0.pacs028, camt056: c.camt056 - counts0.camt056, other: c.other - counts0.other, refused: c.refused - counts0.refused, errors: c.errors - counts0.errors };
    if (Object.values(extra).some((n) => n > 0)) problems.push(`ISO 20022 partner also saw ${JSON.stringify(extra)}`);
  }
  if (problems.length > 0) anomalies.push(`${kind} run (rate ${rate || 'max'}): ${problems.join('; ')}`);
  if (out.cpu.other > NOISY_OTHER_PCT) noisyRuns.push(`${kind} ${rate > 0 ? `paced ${rate}/s` : 'unpaced'}: other load ${f1(out.cpu.other)}% of a core`);
  process.stderr.write(
    `  ${kind.padEnd(8)} ${rate > 0 ? `paced ${rate}/s` : 'unpaced'}: ${ftps(s.tps)} tps, p50 ${fms(s.p50)} p99 ${fms(s.p99)} ms; cpu% acq ${f1(out.cpu.acq)} ` +
      `${kind === 'direct' ? '' : `${isHub(kind) ? 'hub' : kind} ${f1(out.cpu.sut)} `}${via20022(kind) ? 'partner20022' : 'partner'} ${f1(out.cpu.partner)} other ${f1(out.cpu.other)}` +
      `${out.hubWriteBytesPerTxn !== undefined ? `; hub wrote ${fbytes(out.hubWriteBytesPerTxn)}/txn to storage` : ''}` +
      `${problems.length ? `  [!] ${problems.join('; ')}` : ''}\n`,
  );
  return out;
}

/** A run during which other processes used more than this (% of one core) is listed as noisy. */
const NOISY_OTHER_PCT = 25;
const noisyRuns: string[] = [];
const anomalies: string[] = [];

function machineLines(dataDir: string): string[] {
  const cpus = os.cpus();
  let fs = '?';
  try {
    // The mount holding the journal (longest mount point that prefixes the data dir).
    let best = '';
    for (const l of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [dev, mnt, type] = l.split(' ');
      if (mnt && dataDir.startsWith(mnt) && mnt.length > best.length) {
        best = mnt;
        fs = `${type} (${dev} on ${mnt})`;
      }
    }
  } catch {
    /* not Linux */
  }
  return [
    `machine: ${cpus[0]?.model ?? '?'} x ${cpus.length} (os.cpus), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    `node ${process.version} (V8 ${process.versions.v8}), load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    JOURNAL_MODEL === 'none' ? 'journal: NONE (--journal=none: nothing is written; the figures are not the hub\'s)'
      : JOURNAL_MODEL === 'log' ? `journal: MODEL (--journal=log: an fdatasynced append-only log, no tables; the figures are not the hub's) in ${dataDir} on ${fs}`
      : `journal: SQLite (WAL; a batch is reported once its log is fdatasynced) in ${dataDir} on ${fs}`,
  ];
}

async function startProcesses(dataDir: string, profileDir: string | undefined): Promise<Procs> {
  const prof = (role: Role): string[] => (profileDir && PROFILE.includes(role) ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  // The bundled configuration, with the built-in partner simulators replaced by the partner processes.
  const raw = parseYaml(readFileSync(join(root, 'config', 'default.yaml'), 'utf8')) as Record<string, any>;
  raw.listener = { ...raw.listener, port: 0 };
  raw.metrics = { ...raw.metrics, port: 0 };
  raw.journal = { ...raw.journal, sqlitePath: join(dataDir, 'dari.db'), dataKeyFile: join(dataDir, 'data.key'), ...(JOURNAL_THREAD ? { sqliteThread: JOURNAL_THREAD } : {}) };
  const shape = validateConfig({ ...raw, partners: (raw.partners as any[]).map((p) => ({ ...p, simulator: false, endpoints: [{ host: '127.0.0.1', port: 1 }] })) });
  const participant = shape.participants[0];
  const partnerCfg = shape.partners.find((x) => x.id === shape.defaultRoute) ?? shape.partners[0];
  if (!participant || !partnerCfg) throw new Error('e2e bench: config/default.yaml needs a participant and a partner');
  for (const [who, f] of [['participant', participant.framing], ['partner', partnerCfg.framing]] as const) {
    if (f.lengthHeader !== 'binary2' || (f.headerLength ?? 0) !== 0) throw new Error(`e2e bench: the relay baseline needs binary2 framing without a fixed header (${who} ${JSON.stringify(f)})`);
  }
  if (participant.dialect !== partnerCfg.dialect || partnerCfg.protocol !== 'iso8583') throw new Error('e2e bench: the direct runs need an ISO 8583 default partner with the participant\'s dialect');
  // The ISO 20022 partner and the PAN prefix routed to it (its first PAN rule; a range by its low bound).
  const idCfg = shape.partners.find((x) => x.protocol === 'iso20022');
  const idPrefix = shape.routes.find((r) => r.partner === idCfg?.id && r.pan.length > 0)?.pan[0]?.split('-')[0];
  if (!idCfg?.iso20022 || idPrefix === undefined) throw new Error('e2e bench: config/default.yaml needs an ISO 20022 partner with a PAN route');
  if (!existsSync(join(XSD_DIR, `${idCfg.iso20022.paymentVersion}.xsd`))) throw new Error(`e2e bench: no ISO 20022 XSDs in ${XSD_DIR} (the ISO 20022 path is measured with validation on)`);
  const qr = qrPhaseSetup(shape, idCfg.id);

  const partner = startChild('partner', { dialect: partnerCfg.dialect, lengthHeader: 'binary2' }, prof('partner'));
  const partner20022 = startChild('partner20022', {
    framing: idCfg.framing, self: idCfg.iso20022.partner, hub: idCfg.iso20022.hub, lateMs: idCfg.requestTimeoutMs + 1000,
  }, prof('partner20022'));
  const acq = startChild('acquirer', {}, prof('acquirer'));
  const [partnerInfo, p20022Info] = await Promise.all([partner.ready, partner20022.ready]);
  const partnerPort = partnerInfo.port as number;
  const p20022Port = p20022Info.port as number;
  // ISO 8583 simulators -> the partner process; ISO 20022 ones -> the partner20022 process, validated.
  raw.partners = (raw.partners as any[]).map((p) => {
    if (!p.simulator) return p;
    if (p.protocol === 'iso20022') return { ...p, simulator: false, endpoints: [{ host: '127.0.0.1', port: p20022Port }], iso20022: { ...p.iso20022, xsdDir: XSD_DIR } };
    return { ...p, simulator: false, endpoints: [{ host: '127.0.0.1', port: partnerPort }] };
  });
  const hub = startChild('hub', { config: raw, journalModel: JOURNAL_MODEL, dataDir }, ['--expose-gc', ...HUB_FLAGS, ...prof('hub')]);
  const relay = PROFILE.length > 0 && !PROFILE.includes('relay') ? undefined : startChild('relay', { partnerPort, poolSize: partnerCfg.links }, prof('relay'));
  const [hubInfo, relayInfo, acqInfo] = await Promise.all([hub.ready, relay?.ready, acq.ready]);
  process.stderr.write(`  processes: partner pid ${partnerInfo.pid} :${partnerPort}, partner20022 pid ${p20022Info.pid} :${p20022Port}, ` +
    `hub pid ${hubInfo.pid} :${hubInfo.port} (${hubInfo.partnerLinks} partner links, open files ${hubInfo.openFiles}), ` +
    `${relayInfo ? `relay pid ${relayInfo.pid} :${relayInfo.port}, ` : ''}acquirer pid ${acqInfo.pid} (open files ${acqInfo.openFiles})\n`);
  return {
    partner, partner20022, hub, relay, acq, dialect: participant.dialect,
    ports: { partner: partnerPort, hub: hubInfo.port as number, relay: (relayInfo?.port as number | undefined) ?? 0 },
    partnerId: partnerCfg.id, partner20022Id: idCfg.id, panPrefix20022: idPrefix, qr,
  };
}

/**
 * Phase 6's request: the public QRIS code every wallet scans, the merchant amount in its currency,
 * and the partner the hub's QR service picks for it (qr.partners by scheme, else by country, as
 * src/services/qr does), which must be the ISO 20022 partner the partner20022 process plays.
 */
function qrPhaseSetup(shape: ReturnType<typeof validateConfig>, partner20022Id: string): Procs['qr'] {
  const samples = JSON.parse(readFileSync(join(root, 'fixtures', 'emvqr', 'payloads.json'), 'utf8')) as { name: string; payload: string }[];
  const payload = samples.find((x) => x.name === QR_SAMPLE)?.payload;
  if (payload === undefined) throw new Error(`e2e bench: no ${QR_SAMPLE} in fixtures/emvqr/payloads.json`);
  const v = inspectQr(payload);
  if (!v.valid) throw new Error(`e2e bench: the ${QR_SAMPLE} payload is not a valid QR (${v.reason})`);
  if (v.amount !== null) throw new Error(`e2e bench: ${QR_SAMPLE} carries its own amount; phase 6 needs a static QR`);
  const partnerId = (v.scheme ? shape.qr?.partners[v.scheme.id] : undefined) ?? shape.qr?.partners[v.country];
  if (!shape.qr || partnerId !== partner20022Id) {
    throw new Error(`e2e bench: config/default.yaml must route ${v.scheme?.id ?? v.country} QR payments (qr.partners) to ${partner20022Id}, the partner20022 process`);
  }
  const ccy = currencyByNumeric(v.currency);
  const shown = ccy ? `${ccy.alpha} ${(QR_AMOUNT_MINOR / 10 ** ccy.exponent).toLocaleString('en-US', { minimumFractionDigits: ccy.exponent })}` : `${QR_AMOUNT_MINOR} minor units of ${v.currency}`;
  return {
    request: { payload, currency: v.currency, amountMinor: QR_AMOUNT_MINOR },
    partnerId,
    verify: shape.qr.verifyMerchants.includes(partnerId),
    billedCurrency: shape.qr.homeCurrency,
    describe: `${v.scheme?.id ?? 'EMV'} ${v.initiation ?? ''} QR of ${v.merchantName ?? '?'} (${v.merchantCity ?? '?'}, ${v.country}), ${shown}`.replace(/ {2,}/g, ' '),
  };
}

interface MemResult {
  requested: number;
  opened: number;
  failed: number;
  firstError: string;
  openMs: number;
  closeMs: number;
  before: MemStats;
  after: MemStats;
  afterClose: MemStats;
  held: number;
  heldAfterClose: number;
}

async function memoryPhase(p: Procs): Promise<MemResult> {
  const connections = (): Promise<number> => p.hub.call<number>('connections');
  // Warm the accept path (code, first allocations) before the baseline.
  await p.acq.call('idleOpen', { port: p.ports.hub, count: 200, batch: 200 });
  await waitFor('hub to see 200 warm-up connections', async () => (await connections()) >= 200, 20_000);
  await p.acq.call('idleClose');
  await waitFor('hub to drop the warm-up connections', async () => (await connections()) === 0, 20_000);
  await sleep(200);
  const before = await p.hub.call<MemStats>('mem', { gc: true });
  const o = await p.acq.call<{ opened: number; failed: number; firstError: string; ms: number }>('idleOpen', { port: p.ports.hub, count: IDLE, batch: IDLE_BATCH }, 180_000);
  await waitFor(`hub to hold ${o.opened} connections`, async () => (await connections()) >= o.opened, 30_000);
  await sleep(500);
  const held = await connections();
  const after = await p.hub.call<MemStats>('mem', { gc: true });
  const c = await p.acq.call<{ closed: number; ms: number }>('idleClose', {}, 60_000);
  await waitFor('hub to drop the idle connections', async () => (await connections()) === 0, 30_000);
  const heldAfterClose = await connections();
  const afterClose = await p.hub.call<MemStats>('mem', { gc: true });
  process.stderr.write(`  memory: ${o.opened} idle connections opened in ${(o.ms / 1000).toFixed(1)} s (${o.failed} failed), closed in ${(c.ms / 1000).toFixed(1)} s\n`);
  return { requested: IDLE, opened: o.opened, failed: o.failed, firstError: o.firstError, openMs: o.ms, closeMs: c.ms, before, after, afterClose, held, heldAfterClose };
}

const METHOD = [
  'processes: acquirer (load generator), hub, relay, partner (ISO 8583) and partner20022 (ISO 20022) simulators are five node processes',
  '  on loopback (no two share an event loop); the hub runs config/default.yaml (SQLite journal: WAL, group commit, each batch reported',
  '  once its log is fdatasynced, journal.sqliteThread as configured; HubMetrics on, its HTTP server off) with its built-in partner',
  '  simulators swapped for the partner processes (same',
  '  simulators, same dialect/framing/links): ISO 8583 ones for the partner process, the ISO 20022 one for the partner20022 process.',
  'load: AcquirerSimulator, closed loop: C connections x K requests in flight each; "unpaced" = as fast as answers come back;',
  '  "paced" = at most R requests started per second. Latency = acquirer write -> answer decoded, per request (all answered',
  '  requests of the runs pooled; nearest-rank percentiles). Paced latency is measured from the actual send, not the scheduled slot.',
  'max TPS: median of the unpaced runs (hub and relay runs interleaved); each run\'s TPS = answers / (first send .. last answer).',
  'hub-added latency = percentile of acquirer->hub->partner latency minus the same percentile of acquirer->partner-directly,',
  '  measured in the same session with the same connections/in-flight/pace (at saturation: the direct runs are paced at the',
  '  hub\'s max TPS). A difference of percentiles, not a percentile of differences. It includes the extra loopback hop.',
  'in-pipeline = the exact per-transaction values behind dari_hub_latency_seconds (txn channel: time inside Pipeline.handle',
  '  minus the partner wait); it excludes socket reads/writes, framing, decode of the request and encode of the answer.',
  'relay: bench/e2e/relay.ts, frames cut by the 2-byte length header and forwarded untouched over as many upstream',
  '  connections as the hub has partner links, answers mapped back per upstream connection by FIFO; no journal, no parsing.',
  'memory: N idle TCP connections from 127.0.0.1 to the participant listener (batches of 250, from the acquirer process),',
  '  hub VmRSS (/proc/<pid>/status) and V8 heap after gc() before/after; bytes per connection = delta / N. Kernel socket',
  '  buffers are not in RSS. Measured first, on a fresh hub (200 connections opened and closed before the baseline).',
  'ISO 20022 path: the same hub and acquirer, with the acquirer\'s PAN prefix set to the ISO 20022 partner\'s route, so each 0200 goes',
  '  out as a pacs.008 (head.001 header, envelope, as configured) over a 4-byte-length-header link to the Iso20022PartnerSimulator,',
  '  which answers a pacs.002 ACCC; the hub maps it back to a 0210 (field 39 = 00). Runtime XSD validation is ON for that partner',
  `  (iso20022.xsdDir = ${XSD_DIR}: libxml2-wasm, compiled schemas; every pacs.008 out and pacs.002 in is validated).`,
  '  Its unpaced runs alternate with ISO 8583 hub runs of the same length (the 8583 figures beside it come from those runs); its',
  '  paced runs are at 50% of its own max TPS, the 8583 ones beside them at 50% of the 8583 max (phase 4).',
  `outbound QR payments: the acquirer stands for a wallet (AcquirerSimulator qr option): each 0200 carries the public ${QR_SAMPLE}`,
  '  payload (fixtures/emvqr/payloads.json) percent-encoded in field 62, the merchant amount in 4/49 (ending in 00: approved by the',
  '  simulator), an account token in 102 and no card data. The hub\'s QR service parses and checks the QR, routes it by scheme',
  '  (qr.partners) to the ISO 20022 partner, confirms the merchant account there (acmt.023 -> acmt.024, when qr.verifyMerchants',
  '  lists the partner), locks an FX quote (fx: IDR -> KRW), pays (pacs.008 -> pacs.002 ACCC, XSD-validated), journals the fees and',
  '  answers 0210 with 6/51 (billed in the home currency), 10, 43 and 63. Every answer is checked for 39 = 00 and 6/51, the partner',
  '  counts one acmt.023 and one pacs.008 per payment; anything else is listed under Anomalies. Its unpaced runs alternate with',
  '  ISO 8583 hub runs (the 8583 figures beside it come from those runs); its paced runs are at 50% of its own max. No target.',
  'cpu%: user+system CPU of each process over the run, in % of one core (all five share os.cpus().length cores); "other" =',
  '  machine busy time (/proc/stat) minus the bench\'s processes: other tenants of a shared box. Runs where it exceeds',
  `  ${NOISY_OTHER_PCT}% of a core are listed under Anomalies.`,
];

async function main(): Promise<void> {
  const t0 = Date.now();
  const overall = setTimeout(() => {
    console.error('e2e bench: overall time limit reached; killing the child processes');
    killAll();
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  overall.unref();

  const dataDir = mkdtempSync(join(resolve(DATA_DIR_BASE), 'dari-e2e-'));
  const profileDir = PROFILE.length > 0 ? mkdtempSync(join(os.tmpdir(), 'dari-e2e-profile-')) : undefined;
  console.log('== Dari end-to-end benchmark ==');
  for (const l of machineLines(dataDir)) console.log(l);
  console.log(PROFILE.length > 0
    ? `profile mode (${PROFILE.join(', ')}): ${CONNECTIONS} connections x ${CONCURRENCY} in flight, ${PROFILE_RUNS} x ${SAT_MS / 1000} s unpaced via the hub, ${PROFILE_PATH} partner path`
    : `load: ${CONNECTIONS} connections x ${CONCURRENCY} in flight; runs ${SAT_RUNS} x ${SAT_MS / 1000} s unpaced (hub, relay interleaved), ` +
      `${HALF_RUNS} x ${HALF_MS / 1000} s paced at 50%; ${IDLE} idle connections${QUICK ? ' (--quick)' : ''}`);
  console.log(`ISO 20022 partner path: runtime XSD validation on (${XSD_DIR})`);
  let procs: Procs | undefined;
  let completed = false;
  try {
    procs = await startProcesses(dataDir, profileDir);
    if (PROFILE.length > 0) {
      await profilePhase(procs, profileDir as string);
      completed = true;
      return;
    }
    const p = procs;
    if (LATENCY_ONLY) {
      await latencyPhase(p);
      completed = true;
      return;
    }

    process.stderr.write('phase 1/6: memory per idle connection\n');
    const memr = await memoryPhase(p);

    process.stderr.write('phase 2/6: warm-up, then saturation (hub and relay interleaved)\n');
    await measure(p, 'hub', 0, WARM_MS);
    await measure(p, 'relay', 0, Math.max(1000, WARM_MS / 2));
    await measure(p, 'direct', 0, Math.max(1000, WARM_MS / 2));
    const hubSat: RunResult[] = [];
    const relaySat: RunResult[] = [];
    for (let i = 0; i < SAT_RUNS; i++) {
      hubSat.push(await measure(p, 'hub', 0, SAT_MS));
      relaySat.push(await measure(p, 'relay', 0, SAT_MS));
    }
    const directMax = await measure(p, 'direct', 0, SAT_MS);
    const hubMax = median(hubSat.map((r) => r.summary.tps));
    const relayMax = median(relaySat.map((r) => r.summary.tps));

    process.stderr.write(`phase 3/6: partner leg at the hub's max rate (${Math.round(hubMax)}/s)\n`);
    const directAtHubMax = await measure(p, 'direct', Math.round(hubMax), SAT_MS);

    const half = Math.max(1, Math.round(hubMax / 2));
    process.stderr.write(`phase 4/6: latency at 50% of max (${half}/s), hub and partner-direct interleaved\n`);
    const { hubHalf, directHalf } = await halfRateRuns(p, half);

    process.stderr.write(`phase 5/6: ISO 20022 partner path (PAN prefix ${p.panPrefix20022} -> ${p.partner20022Id}, XSD validation on): warm-up, saturation interleaved with ISO 8583 hub runs\n`);
    const x20022 = await pathPhase(p, 'hub20022', 'ISO 20022 path at 50% of its max');

    process.stderr.write(`phase 6/6: outbound QR payments (${p.qr.describe} -> ${p.qr.partnerId}: acmt.023/024, FX quote, pacs.008/pacs.002): warm-up, saturation interleaved with ISO 8583 hub runs\n`);
    const qr = await pathPhase(p, 'hubqr', 'QR payments at 50% of their max');

    report({
      memr, hubSat, relaySat, directMax, directAtHubMax, hubHalf, directHalf, hubMax, relayMax, half,
      iso20022: { ...x20022, partner: p.partner20022Id, partner8583: p.partnerId, panPrefix: p.panPrefix20022 },
      qr: { ...qr, partner8583: p.partnerId, setup: p.qr },
    });
    completed = true;
  } finally {
    if (procs) process.stderr.write(`stopping processes\n`);
    await Promise.all(children.map((c) => c.stop()));
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
    console.log(`\ne2e bench ${completed ? 'done' : 'aborted'} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

interface Figures {
  memr: MemResult;
  hubSat: RunResult[];
  relaySat: RunResult[];
  directMax: RunResult;
  directAtHubMax: RunResult;
  hubHalf: RunResult[];
  directHalf: RunResult[];
  hubMax: number;
  relayMax: number;
  half: number;
  /** Phase 5: the ISO 20022 partner path and the ISO 8583 hub runs interleaved with it. */
  iso20022: { sat: RunResult[]; sat8583: RunResult[]; max: number; half: number; halfRuns: RunResult[]; partner: string; partner8583: string; panPrefix: string };
  /** Phase 6: outbound QR payments and the ISO 8583 hub runs interleaved with them. */
  qr: { sat: RunResult[]; sat8583: RunResult[]; max: number; half: number; halfRuns: RunResult[]; partner8583: string; setup: Procs['qr'] };
}

const lat = (runs: RunResult[]): Pcts => pcts(concat(runs.map((r) => r.latencies)));
const inHub = (runs: RunResult[]): Pcts => pcts(concat(runs.map((r) => r.hubMs ?? new Float64Array(0))));
const waits = (runs: RunResult[]): Pcts => pcts(concat(runs.map((r) => r.waitMs ?? new Float64Array(0))));

/** One row of the hub internals table: journal group commits and event-loop delay over `runs`. */
function internals(name: string, runs: RunResult[]): string[] {
  const commits = concat(runs.map((r) => r.hub?.commitMs ?? new Float64Array(0)));
  const c = pcts(commits);
  const sum = commits.reduce((a, b) => a + b, 0);
  const wall = runs.reduce((a, r) => a + (r.hub?.wallMs ?? 0), 0);
  const txns = runs.reduce((a, r) => a + r.summary.answered, 0);
  const ops = runs.reduce((a, r) => a + (r.hub?.commitOps ?? 0), 0);
  const wb = median(runs.map((r) => r.hubWriteBytesPerTxn ?? NaN).filter(Number.isFinite));
  const ld = (k: 'p50' | 'p99' | 'max'): string => fms(median(runs.map((r) => r.hub?.loopDelayMs[k] ?? NaN)));
  const elu = median(runs.map((r) => r.hub?.loopUtilization ?? NaN));
  return [name, ftps((1000 * c.n) / Math.max(1, wall)), f1(ops / Math.max(1, c.n)), f1(ops / Math.max(1, txns)), `${fms(c.p50)} / ${fms(c.p99)} / ${fms(commits.length ? Math.max(...commits) : NaN)}`,
    `${f1((100 * sum) / Math.max(1, wall))}%`, `${ld('p50')} / ${ld('p99')} / ${ld('max')}`, `${f1(100 * elu)}%`, Number.isFinite(wb) ? fbytes(wb) : '-'];
}
const INTERNALS_HEAD = ['load', 'commits/s', 'writes/commit', 'writes/txn', 'commit ms p50/p99/max', 'commit time', 'loop delay ms p50/p99/max', 'loop busy', 'to storage/txn'];

/** One row of the latency table: end to end via the hub, the partner directly, their difference, in-pipeline, partner wait. */
function latRow(name: string, load: string, hub: RunResult[], direct: RunResult[]): string[] {
  const e = lat(hub);
  const d = lat(direct);
  const h = inHub(hub);
  const w = waits(hub);
  return [name, load, String(e.n), `${fms(e.p50)} / ${fms(e.p99)} / ${fms(e.p999)}`, `${fms(d.p50)} / ${fms(d.p99)} / ${fms(d.p999)}`,
    `${fms(e.p50 - d.p50)} / ${fms(e.p99 - d.p99)} / ${fms(e.p999 - d.p999)}`, `${fms(h.p50)} / ${fms(h.p99)} / ${fms(h.p999)}`,
    `${fms(w.p50)} / ${fms(w.p99)}`];
}
const LATENCY_HEAD = ['load', 'rate', 'samples', 'e2e via hub p50/p99/p99.9', 'partner direct', 'hub-added (difference)', 'in-pipeline (txn channel)', 'partner wait p50/p99'];

function report(f: Figures): void {
  const cpu = (runs: RunResult[], k: keyof RunResult['cpu']): string => f1(median(runs.map((r) => r.cpu[k])));
  const tpsList = (runs: RunResult[]): string => runs.map((r) => ftps(r.summary.tps)).join(' / ');

  console.log();
  console.log('Throughput (unpaced, closed loop)');
  /** CPU microseconds per answered transaction of one process (median over runs). */
  const usPerTxn = (runs: RunResult[], k: keyof RunResult['cpu']): string => f1(median(runs.map((r) => (r.cpu[k] * 1e4) / Math.max(1, r.summary.tps))));
  const satRow = (name: string, runs: RunResult[]): string[] => {
    const l = lat(runs);
    const direct = runs[0]?.kind === 'direct';
    return [name, String(runs.length), ftps(median(runs.map((r) => r.summary.tps))), tpsList(runs), fms(l.p50), fms(l.p99), fms(l.p999),
      `${cpu(runs, 'acq')} / ${direct ? '-' : cpu(runs, 'sut')} / ${cpu(runs, 'partner')} / ${cpu(runs, 'other')}`,
      `${usPerTxn(runs, 'acq')} / ${direct ? '-' : usPerTxn(runs, 'sut')} / ${usPerTxn(runs, 'partner')}`];
  };
  console.log(table(
    ['path', 'runs', 'TPS (median)', 'TPS per run', 'e2e p50 ms', 'p99', 'p99.9', 'cpu% acq / sut / partner / other', 'cpu us/txn acq / sut / partner'],
    [satRow('acquirer -> hub -> partner', f.hubSat), satRow('acquirer -> relay -> partner', f.relaySat), satRow('acquirer -> partner (direct)', [f.directMax])],
  ));
  console.log('  (sut = hub or relay; cpu% in % of one core; "cpu us/txn" = CPU time of that process per answered transaction)');
  console.log();
  console.log('Hub internals (hub process, same runs): journal group commits ("commit ms" = from the batch\'s start to its writes');
  console.log('  reported durable, log sync included; the sync runs in the thread pool (inline, the default) or the whole commit in the');
  console.log('  journal worker (worker), so "commit time", the share of wall time some commit was under way, is not event-loop time)');
  console.log(table(
    INTERNALS_HEAD,
    [internals('saturation', f.hubSat), internals('50% of max', f.hubHalf)],
  ));
  console.log('  (commits from dari:journal:commit; loop delay from perf_hooks.monitorEventLoopDelay; loop busy = the main thread\'s event-loop');
  console.log('  utilization (perf_hooks.eventLoopUtilization); storage bytes from /proc/<pid>/io write_bytes)');
  console.log();
  console.log('Latency (ms): end to end at the acquirer, partner leg, and what the hub adds');
  console.log(table(
    LATENCY_HEAD,
    [
      latRow('saturation', `${ftps(f.hubMax)}/s`, f.hubSat, [f.directAtHubMax]),
      latRow('50% of max', `${ftps(f.half)}/s`, f.hubHalf, f.directHalf),
    ],
    2,
  ));
  const halfTps = median(f.hubHalf.map((r) => r.summary.tps));
  console.log(`  50% runs achieved ${tpsList(f.hubHalf)} tps via hub (target pace ${f.half}/s); direct ${tpsList(f.directHalf)} tps; hub cpu ${cpu(f.hubHalf, 'sut')}% of a core, other load ${cpu(f.hubHalf, 'other')}%`);

  const m = f.memr;
  const d = (k: keyof MemStats, after = m.after): number => after[k] - m.before[k];
  const per = (k: keyof MemStats): number => d(k) / Math.max(1, m.opened);
  console.log();
  console.log(`Memory per idle participant connection (hub process, ${m.opened} connections${m.failed ? `, ${m.failed} failed: ${m.firstError}` : ''}, hub held ${m.held})`);
  console.log(table(
    ['measure', 'before', 'with connections', 'delta', 'per connection', 'after close'],
    (['vmRss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const).map((k) => [
      k === 'vmRss' ? 'VmRSS' : k, fbytes(m.before[k]), fbytes(m.after[k]), fbytes(d(k)), `${Math.round(per(k)).toLocaleString('en-US')} B`, fbytes(m.afterClose[k]),
    ]),
  ));

  const x = f.iso20022;
  console.log();
  console.log(`ISO 20022 partner path (PAN prefix ${x.panPrefix} -> ${x.partner}: 0200 -> pacs.008 -> pacs.002 -> 0210; runtime XSD validation ON) beside`);
  console.log('  the ISO 8583 path; unpaced runs of the two paths alternated (same hub, same conditions)');
  const pathRow = (name: string, runs: RunResult[]): string[] => {
    const l = lat(runs);
    const h = inHub(runs);
    const w = waits(runs);
    return [name, String(runs.length), ftps(median(runs.map((r) => r.summary.tps))), tpsList(runs), fms(l.p50), fms(l.p99), fms(l.p999),
      usPerTxn(runs, 'sut'), usPerTxn(runs, 'partner'), `${fms(h.p50)} / ${fms(h.p99)}`, `${fms(w.p50)} / ${fms(w.p99)}`];
  };
  console.log(table(
    ['saturation', 'runs', 'TPS (median)', 'TPS per run', 'e2e p50 ms', 'p99', 'p99.9', 'hub cpu us/txn', 'partner cpu us/txn', 'in-pipeline p50/p99', 'partner wait p50/p99'],
    [pathRow(`ISO 8583: hub -> ${x.partner8583}`, x.sat8583), pathRow(`ISO 20022: hub -> ${x.partner}`, x.sat)],
  ));
  const pacedRow = (name: string, rate: number, runs: RunResult[]): string[] => {
    const e = lat(runs);
    const h = inHub(runs);
    const w = waits(runs);
    return [name, `${ftps(rate)}/s`, tpsList(runs), String(e.n), `${fms(e.p50)} / ${fms(e.p99)} / ${fms(e.p999)}`, `${fms(h.p50)} / ${fms(h.p99)} / ${fms(h.p999)}`,
      `${fms(w.p50)} / ${fms(w.p99)}`, usPerTxn(runs, 'sut')];
  };
  console.log(table(
    ['50% of own max', 'rate', 'TPS per run', 'samples', 'e2e p50/p99/p99.9 ms', 'in-pipeline p50/p99/p99.9', 'partner wait p50/p99', 'hub cpu us/txn'],
    [pacedRow(`ISO 8583: hub -> ${x.partner8583} (phase 4)`, f.half, f.hubHalf), pacedRow(`ISO 20022: hub -> ${x.partner}`, x.half, x.halfRuns)],
  ));
  console.log('  (hub cpu us/txn = hub process CPU time per answered transaction, median over runs; partner = the partner process that answered)');

  const q = f.qr;
  console.log();
  console.log(`Outbound QR payments (${q.setup.describe} -> ${q.setup.partnerId}:`);
  console.log(`  0200 with the payload in 62 -> ${q.setup.verify ? 'acmt.023/024 merchant check, ' : ''}FX quote, pacs.008 -> pacs.002 -> 0210 with 6/51/10/43/63;`);
  console.log('  runtime XSD validation ON) beside the ISO 8583 path; unpaced runs of the two paths alternated (same hub, same conditions)');
  console.log(table(
    ['saturation', 'runs', 'TPS (median)', 'TPS per run', 'e2e p50 ms', 'p99', 'p99.9', 'hub cpu us/txn', 'partner cpu us/txn', 'in-pipeline p50/p99', 'partner wait p50/p99'],
    [pathRow(`ISO 8583: hub -> ${q.partner8583}`, q.sat8583), pathRow(`QR: hub -> ${q.setup.partnerId}`, q.sat)],
  ));
  console.log(table(
    ['50% of own max', 'rate', 'TPS per run', 'samples', 'e2e p50/p99/p99.9 ms', 'in-pipeline p50/p99/p99.9', 'partner wait p50/p99', 'hub cpu us/txn'],
    [pacedRow(`ISO 8583: hub -> ${q.partner8583} (phase 4)`, f.half, f.hubHalf), pacedRow(`QR: hub -> ${q.setup.partnerId}`, q.half, q.halfRuns)],
  ));
  const qrRuns = [...q.sat, ...q.halfRuns];
  const qrSum = (g: (r: RunResult) => number): number => qrRuns.reduce((n, r) => n + g(r), 0);
  const qrAnswered = qrSum((r) => r.summary.answered);
  const perPayment = (k: 'pacs008' | 'acmt023'): string => (qrAnswered > 0 ? (qrSum((r) => r.partnerMsgs?.[k] ?? 0) / qrAnswered).toFixed(2) : '-');
  console.log(`  answers in these runs: ${ftps(qrAnswered)}, approved (39 = 00) ${ftps(qrSum((r) => r.summary.approved))}, carrying the billed amount (6, 51 = ${q.setup.billedCurrency}) ` +
    `${ftps(qrAnswered - qrSum((r) => r.unbilled))}; the partner received per payment: acmt.023 ${perPayment('acmt023')}, pacs.008 ${perPayment('pacs008')}`);
  console.log('  (in-pipeline = time in the hub minus both partner waits: merchant check and payment)');

  const halfAdded99 = lat(f.hubHalf).p99 - lat(f.directHalf).p99;
  const ratio = f.hubMax / f.relayMax;
  const perConn = per('vmRss');
  console.log();
  console.log('Targets');
  console.log(table(
    ['target', 'figure', 'goal', 'result'],
    [
      ['hub max throughput (informational)', `${ftps(f.hubMax)} tps`, '-', '-'],
      ['hub-added p99 at 50% of max (difference of p99s)', `${fms(halfAdded99)} ms`, `<= ${TARGET_HALF_P99_MS} ms`, pass(halfAdded99 <= TARGET_HALF_P99_MS)],
      ['  (in-pipeline p99 at 50%, for reference)', `${fms(inHub(f.hubHalf).p99)} ms`, `<= ${TARGET_HALF_P99_MS} ms`, pass(inHub(f.hubHalf).p99 <= TARGET_HALF_P99_MS)],
      ['hub / bare relay throughput', `${(100 * ratio).toFixed(1)}% (${ftps(f.hubMax)} / ${ftps(f.relayMax)})`, `>= ${100 * TARGET_RELAY_RATIO}%`, pass(ratio >= TARGET_RELAY_RATIO)],
      ['hub RSS per idle connection', `${(perConn / 1024).toFixed(1)} KiB`, `<= ${TARGET_BYTES_PER_CONN / 1024} KiB`, pass(m.opened > 0 && perConn <= TARGET_BYTES_PER_CONN)],
      ['ISO 20022 path throughput with validation on', `${ftps(x.max)} tps`, `>= ${ftps(TARGET_ISO20022_TPS)} tps`, pass(x.max >= TARGET_ISO20022_TPS)],
      ['  (ISO 20022 / ISO 8583 path, same conditions)', `${(100 * x.max / median(x.sat8583.map((r) => r.summary.tps))).toFixed(1)}%`, '-', '-'],
      ['outbound QR payments throughput (informational)', `${ftps(q.max)} tps`, '-', '-'],
      ['  (QR / ISO 8583 path, same conditions)', `${(100 * q.max / median(q.sat8583.map((r) => r.summary.tps))).toFixed(1)}%`, '-', '-'],
    ],
  ));
  if (Math.abs(halfTps - f.half) / f.half > 0.05) anomalies.push(`the 50% runs reached ${ftps(halfTps)} tps instead of ${f.half}/s`);
  const x20022HalfTps = median(x.halfRuns.map((r) => r.summary.tps));
  if (Math.abs(x20022HalfTps - x.half) / x.half > 0.05) anomalies.push(`the ISO 20022 50% runs reached ${ftps(x20022HalfTps)} tps instead of ${x.half}/s`);
  const qrHalfTps = median(q.halfRuns.map((r) => r.summary.tps));
  if (Math.abs(qrHalfTps - q.half) / q.half > 0.05) anomalies.push(`the QR 50% runs reached ${ftps(qrHalfTps)} tps instead of ${q.half}/s`);
  if (m.opened < m.requested) anomalies.push(`only ${m.opened} of ${m.requested} idle connections opened (${m.firstError})`);
  const relayAcq = median(f.relaySat.map((r) => r.cpu.acq));
  if (relayAcq > 80) anomalies.push(`the relay runs are limited by the load generator (acquirer at ${f1(relayAcq)}% of a core, relay at ${cpu(f.relaySat, 'sut')}%): the relay's own capacity is higher, so the real hub/relay ratio is lower than shown`);
  if (noisyRuns.length > 0) anomalies.push(`other processes were busy during ${noisyRuns.length} run(s) (> ${NOISY_OTHER_PCT}% of a core): ${noisyRuns.join('; ')}`);
  if (anomalies.length > 0) {
    console.log();
    console.log('Anomalies (figures above may be off):');
    for (const a of anomalies) console.log(`  - ${a}`);
  }
  console.log();
  console.log('Method');
  for (const l of METHOD) console.log(`  ${l}`);
}

/**
 * Warm-up of a path through the ISO 20022 partner (payments, or QR payments with their merchant
 * check): a slow start (20/s for 2 s), then WARM_MS unpaced. The hub compiles each XSD on its first
 * use; a first burst of 256 cold requests on a busy 2-core box outlasted the 5 s budget (every one
 * timed out, each leaving a cancellation to send).
 */
async function warmPath(p: Procs, kind: 'hub20022' | 'hubqr'): Promise<void> {
  await measure(p, kind, 20, 2000);
  await measure(p, kind, 0, WARM_MS);
}

/**
 * Paced hub runs at `half`/s interleaved with the partner directly at the same pace (phase 4);
 * `sampleFile`: sample the hub's allocations during the first hub run into that file.
 */
async function halfRateRuns(p: Procs, half: number, sampleFile?: string): Promise<{ hubHalf: RunResult[]; directHalf: RunResult[] }> {
  const hubHalf: RunResult[] = [];
  const directHalf: RunResult[] = [];
  for (let i = 0; i < HALF_RUNS; i++) {
    if (sampleFile && i === 0) await p.hub.call('heapSampleStart');
    hubHalf.push(await measure(p, 'hub', half, HALF_MS));
    if (sampleFile && i === 0) await p.hub.call('heapSampleStop', { file: sampleFile });
    directHalf.push(await measure(p, 'direct', half, HALF_MS));
  }
  return { hubHalf, directHalf };
}

/**
 * Phases 5 and 6: warm the path up, its unpaced runs alternated with ISO 8583 hub runs, then its
 * paced runs at 50% of its own max.
 */
async function pathPhase(p: Procs, kind: 'hub20022' | 'hubqr', halfLabel: string): Promise<{ sat: RunResult[]; sat8583: RunResult[]; max: number; half: number; halfRuns: RunResult[] }> {
  await warmPath(p, kind);
  const sat: RunResult[] = [];
  const sat8583: RunResult[] = [];
  for (let i = 0; i < SAT_RUNS; i++) {
    sat.push(await measure(p, kind, 0, SAT_MS));
    sat8583.push(await measure(p, 'hub', 0, SAT_MS));
  }
  const max = median(sat.map((r) => r.summary.tps));
  const half = Math.max(1, Math.round(max / 2));
  process.stderr.write(`  ${halfLabel} (${half}/s)\n`);
  const halfRuns: RunResult[] = [];
  for (let i = 0; i < HALF_RUNS; i++) halfRuns.push(await measure(p, kind, half, HALF_MS));
  return { sat, sat8583, max, half, halfRuns };
}

/** `--latency`: the hub's max (unpaced runs), then paced runs at 50% beside the partner directly; the tables of phases 2 to 4. */
async function latencyPhase(p: Procs): Promise<void> {
  await measure(p, 'hub', 0, WARM_MS);
  await measure(p, 'direct', 0, Math.max(1000, WARM_MS / 2));
  const sat: RunResult[] = [];
  for (let i = 0; i < SAT_RUNS; i++) sat.push(await measure(p, 'hub', 0, SAT_MS));
  const max = median(sat.map((r) => r.summary.tps));
  const half = FIXED_RATE > 0 ? FIXED_RATE : Math.max(1, Math.round(max / 2));
  const paced = FIXED_RATE > 0 ? `at ${ftps(half)}/s` : '50% of max';
  const sampleFile = HEAP_SAMPLE ? join(os.tmpdir(), `dari-e2e-hub-${Date.now()}.heapprofile`) : undefined;
  const { hubHalf, directHalf } = await halfRateRuns(p, half, sampleFile);
  if (sampleFile) {
    const answered = hubHalf[0]?.summary.answered ?? 0;
    const s = summarizeHeapSample(sampleFile, root, PROFILE_TOP);
    console.log();
    console.log(`hub allocations during the first paced run (${sampleFile}): ${(s.totalBytes / 1048576).toFixed(1)} MiB sampled, ` +
      `${answered > 0 ? `${Math.round(s.totalBytes / answered).toLocaleString('en-US')} B per answered transaction` : '-'}`);
    console.log(table(['function', 'where', 'KiB', '%'], s.self.map((r) => [r.name.slice(0, 48), r.where, (r.bytes / 1024).toFixed(0), r.pct.toFixed(1)]), 2));
  }
  console.log();
  console.log(table(INTERNALS_HEAD, [internals('saturation', sat), internals(paced, hubHalf)]));
  console.log();
  console.log(table(LATENCY_HEAD, [latRow(paced, `${ftps(half)}/s`, hubHalf, directHalf)], 2));
  console.log(`hub max ${ftps(max)} tps (${sat.map((r) => ftps(r.summary.tps)).join(' / ')}); hub-added p99 ${paced}: ${fms(lat(hubHalf).p99 - lat(directHalf).p99)} ms; ` +
    `hub cpu ${paced}: ${f1(median(hubHalf.map((r) => r.cpu.sut)))}% of a core${JOURNAL_MODEL ? ` (--journal=${JOURNAL_MODEL}: not the hub's journal)` : ''}`);
  for (const a of anomalies) console.log(`  - ${a}`);
}

async function profilePhase(p: Procs, dir: string): Promise<void> {
  const kind: Kind = PROFILE_PATH === 'iso20022' ? 'hub20022' : PROFILE_PATH === 'qr' ? 'hubqr' : 'hub';
  if (kind === 'hub20022' || kind === 'hubqr') await warmPath(p, kind);
  else await measure(p, kind, 0, WARM_MS);
  const runs: RunResult[] = [];
  for (let i = 0; i < PROFILE_RUNS; i++) runs.push(await measure(p, kind, PROFILE_RATE, SAT_MS));
  if (p.relay && PROFILE.includes('relay')) runs.push(await measure(p, 'relay', 0, SAT_MS));
  // The profiles are written when the processes exit.
  await Promise.all(children.map((c) => c.stop(20_000)));
  console.log();
  console.log(`hub TPS under the profiler (${PROFILE_PATH} partner path): ${runs.filter((r) => r.kind === kind).map((r) => ftps(r.summary.tps)).join(' / ')} (the profiler costs some; use the normal mode for figures)`);
  const pids = new Map(children.map((c) => [c.pid, c.role]));
  const files = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')) : [];
  if (files.length === 0) throw new Error(`e2e bench: no .cpuprofile written in ${dir}`);
  for (const name of files) {
    const pid = Number(/^CPU\.\d+\.\d+\.(\d+)\./.exec(name)?.[1]);
    const role = pids.get(pid) ?? `pid ${pid}`;
    const s = summarizeProfile(join(dir, name), root, PROFILE_TOP);
    console.log();
    console.log(`== ${role}: ${join(dir, name)} ==`);
    console.log(`profiled ${(s.totalMs / 1000).toFixed(1)} s: busy ${(s.busyMs / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(2)} s (${((100 * s.gcMs) / s.busyMs).toFixed(1)}% of busy)`);
    const rows = (xs: typeof s.self): string[][] => xs.map((r) => [r.name.slice(0, 48), r.where, r.ms.toFixed(0), r.pct.toFixed(1)]);
    console.log(`\nself time (top ${PROFILE_TOP}; % of busy time)`);
    console.log(table(['function', 'where', 'ms', '%'], rows(s.self), 2));
    console.log(`\ninclusive time (top ${PROFILE_TOP})`);
    console.log(table(['function', 'where', 'ms', '%'], rows(s.inclusive), 2));
    console.log('\nself time by file');
    console.log(table(['file', 'ms', '%'], s.files.map((r) => [r.name, r.ms.toFixed(0), r.pct.toFixed(1)])));
  }
}

main().catch((e: unknown) => {
  console.error(`e2e bench crashed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  for (const c of children) if (c.logs.length > 0) console.error(`--- last ${c.role} log lines ---\n${c.logs.slice(-20).join('\n')}`);
  killAll();
  process.exitCode = 1;
});
