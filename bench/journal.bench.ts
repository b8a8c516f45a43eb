/**
 * Journal benchmark: the hub's write mix against each adapter, at 1, 10 and 100 concurrent writers.
 *
 * Run it with `npm run bench -- journal` (or `npx tsc -p . && node bench/run.js journal`), or
 * directly: `node dist/bench/journal.bench.js`. Options (after `--`):
 *   --quick                 fewer transactions per level (a smoke test)
 *   --adapters=a,b          any of sqlite-worker, sqlite-inline, postgres (default: all three)
 *   --writers=1,10,100      concurrent writers (closed loop: each awaits its write before the next)
 *   --rate=R[,R2..]         instead of writers: open loop, R transactions started per second (spread
 *                           over each millisecond), as a hub at a given load; latencies per write
 *   --txns=N                transactions per level (default 10,000; --quick 2,000)
 *   --prefill=N             transactions written (unmeasured) before the first level, so that the
 *                           indexes are not tiny (default 100,000; --quick 20,000)
 *   --mix=hot|legacy        hot (default): begin (dedupe claim + record + sealed request) then
 *                           complete (final record + dedupe answer), 2 writes per transaction;
 *                           legacy: the pipeline before begin/complete: claimDedupe, record
 *                           'received' (not awaited), then record 'answered' + storeDedupeAnswer
 *   --terminals=N           terminals the dedupe / original keys are spread over (default 1000)
 *   --ids=v7|v4             transaction ids: UUIDv7 (time-ordered, default) or random UUIDv4
 *   --module=PATH           the compiled journal module to load (default: this build's), e.g. the
 *                           dist/src/journal/index.js of an older checkout, for before/after figures
 *   --sqlite-tuning=k=v,..  SqliteTuning overrides (cacheSizeKiB, walAutocheckpointPages,
 *                           checkpointIntervalMs, journalSizeLimitBytes, pageSize)
 *   --dir=DIR               where the SQLite files go (default os.tmpdir())
 * PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), schema
 * dari_bench_<pid>, dropped at the end.
 *
 * Printed per adapter and level: transactions/s and journal writes/s; the latency of each awaited
 * write (begin, complete; legacy: claim, final) p50/p99/max; the average batch (writes per commit);
 * the event-loop delay while writing (p99/max: what the rest of a hub would feel) and the main
 * thread's busy time per transaction (the bench's own work included); bytes sent to
 * storage per transaction (SQLite: /proc/self/io write_bytes of this process, which includes the
 * worker thread and the checkpoints; PostgreSQL: WAL bytes generated, pg_current_wal_lsn), and the
 * growth of the database files per transaction. About 1.5 minutes on a 2-core box (--quick: 20 s).
 */
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from 'pg';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = argv.includes('--quick');
const intOpt = (name: string, dflt: number): number => {
  const v = opt(name);
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v)) throw new Error(`journal bench: --${name} must be a non-negative integer`);
  return +v;
};

type AdapterName = 'sqlite-worker' | 'sqlite-inline' | 'postgres';
const ADAPTERS = (opt('adapters') ?? 'sqlite-worker,sqlite-inline,postgres').split(',').filter(Boolean) as AdapterName[];
const WRITERS = (opt('writers') ?? '1,10,100').split(',').map((w) => +w);
const RATES = opt('rate')?.split(',').map((r) => +r);
const TXNS = intOpt('txns', QUICK ? 2000 : 10_000);
const PREFILL = intOpt('prefill', QUICK ? 20_000 : 100_000);
const MIX = (opt('mix') ?? 'hot') as 'hot' | 'legacy';
const TERMINALS = Math.max(1, intOpt('terminals', 1000));
const IDS = (opt('ids') ?? 'v7') as 'v7' | 'v4';
const MODULE = resolve(opt('module') ?? join(__dirname, '..', 'src', 'journal', 'index.js'));
const DIR = opt('dir') ?? os.tmpdir();
const PG_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const TUNING: Record<string, number> = Object.fromEntries(
  (opt('sqlite-tuning') ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [k, v] = kv.split('=');
      return [k as string, Number(v)];
    }),
);

for (const a of ADAPTERS) if (!['sqlite-worker', 'sqlite-inline', 'postgres'].includes(a)) throw new Error(`journal bench: unknown adapter ${a}`);
if (WRITERS.some((w) => !(w >= 1))) throw new Error('journal bench: --writers must be positive integers');
if (MIX !== 'hot' && MIX !== 'legacy') throw new Error('journal bench: --mix is hot or legacy');
if (IDS !== 'v7' && IDS !== 'v4') throw new Error('journal bench: --ids is v7 or v4');

// ------------------------------------------------------------------------------------------------
// the journal, as loaded (possibly from another checkout: typed loosely)

interface Rec {
  id: string;
  state: string;
  at: number;
  participant: string;
  mti: string;
  [k: string]: unknown;
}
interface BenchJournal {
  init(): Promise<void>;
  close(): Promise<void>;
  record(t: Rec): Promise<void>;
  claimDedupe(key: string, txnId: string, windowMs: number, now: number): Promise<unknown>;
  storeDedupeAnswer(key: string, answer: Record<string, string>, txnId?: string): Promise<void>;
  begin?(t: Rec, o: { dedupe?: { key: string; windowMs: number; now: number }; sealedRequest?: Buffer }): Promise<unknown>;
  complete?(t: Rec, o: { dedupeAnswer?: { key: string; answer: Record<string, string> } }): Promise<void>;
  onCommit?: (size: number, seconds: number) => void;
}
const J = require(MODULE) as {
  SqliteJournal: new (o: Record<string, unknown>) => BenchJournal;
  PostgresJournal: new (o: Record<string, unknown>) => BenchJournal;
};

// ------------------------------------------------------------------------------------------------
// the transactions

const v7pool = Buffer.alloc(16);
function uuidv7(now: number): string {
  randomFillSync(v7pool);
  v7pool.writeUIntBE(now, 0, 6);
  v7pool[6] = 0x70 | ((v7pool[6] as number) & 0x0f);
  v7pool[8] = 0x80 | ((v7pool[8] as number) & 0x3f);
  const h = v7pool.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const stans = new Map<number, number>();
/** A hub-like transaction: the 'forwarded' record, its dedupe key, sealed request and answer. */
function makeTxn(seq: number): { rec: Rec; key: string; sealed: Buffer; answer: Record<string, string> } {
  const now = Date.now();
  const terminal = `POS${String(seq % TERMINALS).padStart(5, '0')}`;
  const stan = ((stans.get(seq % TERMINALS) ?? Math.floor(Math.random() * 900_000)) % 999_999) + 1;
  stans.set(seq % TERMINALS, stan);
  const s = String(stan).padStart(6, '0');
  const transmission = '0612103045';
  const rrn = `41640${s}0`;
  const key = `BANK1|0200|${terminal}|${s}|${transmission}|${rrn}`;
  const rec: Rec = {
    id: IDS === 'v7' ? uuidv7(now) : randomUUID(),
    state: 'forwarded',
    at: now,
    participant: 'BANK1',
    link: 'BANK1@127.0.0.1:40000',
    mti: '0200',
    processingCode: '000000',
    stan: s,
    rrn,
    terminal,
    transmission,
    amount: '000000015000',
    currency: '360',
    partner: 'ID-QRIS',
    panMasked: '476173******0119',
    panHash: randomBytes(32).toString('hex'),
    dedupeKey: key,
    originalKey: `BANK1|0200|${terminal}|${s}|${transmission}`,
    detail: { outboundStan: s },
  };
  // A sealed 0200 (AES-GCM of its JSON: about 450 bytes for ~20 fields) and a 15-field answer.
  const sealed = randomBytes(460);
  const answer: Record<string, string> = {
    '3': '000000', '4': '000000015000', '7': transmission, '11': s, '12': '103045', '13': '0612', '18': '5999', '22': '051',
    '25': '00', '32': '123456', '37': rrn, '38': 'A1B2C3', '39': '00', '41': terminal, '49': '360',
  };
  return { rec, key, sealed, answer };
}

const WINDOW_MS = 60_000;

/** One transaction through the journal; returns the latencies (ms) of its two awaited writes. */
async function oneTxn(j: BenchJournal, seq: number, out: { first: number[]; second: number[] }): Promise<void> {
  const t = makeTxn(seq);
  const t0 = performance.now();
  if (MIX === 'hot') {
    const hit = await j.begin!(t.rec, { dedupe: { key: t.key, windowMs: WINDOW_MS, now: t.rec.at }, sealedRequest: t.sealed });
    const t1 = performance.now();
    if (hit) throw new Error(`journal bench: unexpected duplicate ${t.key}`);
    await j.complete!({ ...t.rec, state: 'answered', at: Date.now(), responseCode: '00', partnerLink: 'ID-QRIS#1' }, { dedupeAnswer: { key: t.key, answer: t.answer } });
    out.first.push(t1 - t0);
    out.second.push(performance.now() - t1);
  } else {
    const hit = await j.claimDedupe(t.key, t.rec.id, WINDOW_MS, t.rec.at);
    const t1 = performance.now();
    if (hit) throw new Error(`journal bench: unexpected duplicate ${t.key}`);
    void j.record({ ...t.rec, state: 'received' }).catch(() => undefined);
    await Promise.all([
      j.record({ ...t.rec, state: 'answered', at: Date.now(), responseCode: '00', partnerLink: 'ID-QRIS#1' }),
      j.storeDedupeAnswer(t.key, t.answer),
    ]);
    out.first.push(t1 - t0);
    out.second.push(performance.now() - t1);
  }
}

// ------------------------------------------------------------------------------------------------
// measuring

function ioWriteBytes(): number {
  try {
    const m = /write_bytes:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function filesSize(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] as number;
}

interface Level {
  /** Closed loop: concurrent writers; open loop: "@R/s". */
  writers: number | string;
  txns: number;
  seconds: number;
  first: number[];
  second: number[];
  commits: number;
  committed: number;
  loopP99: number;
  loopMax: number;
  /** Event-loop active time per transaction (µs): what the journal costs the hub's main thread. */
  loopUsPerTxn: number;
  bytes: number;
  growth: number;
}

interface Subject {
  name: AdapterName;
  journal: BenchJournal;
  /** Bytes to storage so far (SQLite: this process; PostgreSQL: WAL position). */
  bytes(): Promise<number>;
  /** Size of the database (SQLite files; PostgreSQL: NaN). */
  size(): number;
  cleanup(): Promise<void>;
}

let seq = 0;

/**
 * One measured level: counts commits, event-loop delay and utilisation, bytes written and growth
 * around `drive`, which issues the `txns` transactions (recording latencies in `lat`) and resolves
 * once all are done.
 */
async function measure(s: Subject, label: Level['writers'], txns: number, drive: (lat: { first: number[]; second: number[] }) => Promise<void>): Promise<Level> {
  const lat = { first: [] as number[], second: [] as number[] };
  let commits = 0;
  let committed = 0;
  s.journal.onCommit = (size) => {
    commits++;
    committed += size;
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const bytes0 = await s.bytes();
  const size0 = s.size();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  loop.enable();
  await drive(lat);
  const seconds = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  loop.disable();
  const bytes = (await s.bytes()) - bytes0;
  s.journal.onCommit = undefined;
  return {
    writers: label,
    txns,
    seconds,
    first: lat.first.sort((a, b) => a - b),
    second: lat.second.sort((a, b) => a - b),
    commits,
    committed,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    loopUsPerTxn: (elu.active * 1000) / txns,
    bytes: bytes / txns,
    growth: (s.size() - size0) / txns,
  };
}

/** Closed loop: `writers` concurrent writers, each starting its next transaction when the last is durable. */
function runLevel(s: Subject, writers: number, txns: number): Promise<Level> {
  let issued = 0;
  return measure(s, writers, txns, async (lat) => {
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (issued < txns) {
          issued++;
          await oneTxn(s.journal, seq++, lat);
        }
      }),
    );
  });
}

/** Open loop: `rate` transactions started per second, until `txns` have been started; all awaited. */
function runRate(s: Subject, rate: number, txns: number): Promise<Level> {
  return measure(s, `@${rate}/s`, txns, async (lat) => {
    const all: Array<Promise<void>> = [];
    const t0 = performance.now();
    await new Promise<void>((done) => {
      const tick = (): void => {
        const due = Math.min(txns, Math.floor(((performance.now() - t0) / 1000) * rate));
        while (all.length < due) all.push(oneTxn(s.journal, seq++, lat));
        if (all.length >= txns) done();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await Promise.all(all);
  });
}

async function prefill(j: BenchJournal, n: number): Promise<void> {
  const chunk = 2000;
  for (let done = 0; done < n; done += chunk) {
    const all: Array<Promise<void>> = [];
    for (let i = 0; i < Math.min(chunk, n - done); i++) all.push(oneTxn(j, seq++, { first: [], second: [] }));
    await Promise.all(all);
  }
}

// ------------------------------------------------------------------------------------------------
// subjects

async function sqliteSubject(name: 'sqlite-worker' | 'sqlite-inline', dir: string): Promise<Subject> {
  const path = join(dir, `${name}.db`);
  const options: Record<string, unknown> = { path, thread: name === 'sqlite-worker' ? 'worker' : 'inline' };
  if (Object.keys(TUNING).length > 0) options['tuning'] = TUNING;
  const journal = new J.SqliteJournal(options);
  await journal.init();
  if (name === 'sqlite-worker' && !(journal as unknown as { worker?: unknown }).worker) {
    console.log(`  note: ${MODULE} has no worker mode: sqlite-worker runs inline`);
  }
  return { name, journal, bytes: async () => ioWriteBytes(), size: () => filesSize(path), cleanup: async () => journal.close() };
}

async function pgSubject(): Promise<Subject> {
  const schema = `dari_bench_${process.pid}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const journal = new J.PostgresJournal({ connectionString: PG_URL, schema, poolSize: 4 });
  await journal.init();
  return {
    name: 'postgres',
    journal,
    bytes: async () => {
      const r = await admin.query<{ b: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b`);
      return Number(r.rows[0]?.b);
    },
    size: () => NaN,
    cleanup: async () => {
      await journal.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

// ------------------------------------------------------------------------------------------------
// output

const fms = (x: number): string => (!Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fint = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const fkib = (x: number): string => (Number.isFinite(x) ? (x / 1024).toFixed(2) : '-');

function table(head: string[], rows: string[][], leftCols = 1): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i < leftCols ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(DIR, 'dari-journal-bench-'));
  const [w1, w2] = MIX === 'hot' ? ['begin', 'complete'] : ['claim', 'final'];
  console.log('== Dari journal benchmark ==');
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`journal module: ${MODULE}`);
  console.log(
    `mix: ${MIX === 'hot' ? 'begin + complete (2 writes/txn)' : 'legacy: claimDedupe, record received, record answered + storeDedupeAnswer (4 writes/txn)'}; ` +
      `${TXNS.toLocaleString('en-US')} txns per level after ${PREFILL.toLocaleString('en-US')} prefilled; ids ${IDS === 'v7' ? 'UUIDv7' : 'UUIDv4'}; keys over ${TERMINALS} terminals; SQLite in ${dir}` +
      (Object.keys(TUNING).length ? `; tuning ${JSON.stringify(TUNING)}` : ''),
  );
  const rows: string[][] = [];
  try {
    for (const name of ADAPTERS) {
      let s: Subject;
      try {
        s = name === 'postgres' ? await pgSubject() : await sqliteSubject(name, dir);
      } catch (e) {
        console.log(`  ${name}: cannot open (${(e as Error).message}): skipped`);
        continue;
      }
      try {
        const p0 = performance.now();
        await prefill(s.journal, PREFILL);
        console.log(`  ${name}: prefilled ${PREFILL.toLocaleString('en-US')} txns in ${((performance.now() - p0) / 1000).toFixed(1)} s`);
        const levels: Array<() => Promise<Level>> = RATES
          ? RATES.map((rate) => () => runRate(s, rate, TXNS))
          : WRITERS.map((writers) => () => runLevel(s, writers, writers === 1 ? Math.min(TXNS, QUICK ? 500 : 2000) : TXNS));
        for (const level of levels) {
          const r = await level();
          const row = [
            name,
            String(r.writers),
            fint(r.txns),
            fint(r.txns / r.seconds),
            fint(r.committed / r.seconds),
            `${fms(pct(r.first, 0.5))} / ${fms(pct(r.first, 0.99))} / ${fms(r.first[r.first.length - 1] ?? NaN)}`,
            `${fms(pct(r.second, 0.5))} / ${fms(pct(r.second, 0.99))} / ${fms(r.second[r.second.length - 1] ?? NaN)}`,
            r.commits ? (r.committed / r.commits).toFixed(1) : '-',
            `${fms(r.loopP99)} / ${fms(r.loopMax)}`,
            fint(r.loopUsPerTxn),
            fkib(r.bytes),
            fkib(r.growth),
          ];
          rows.push(row);
          console.log(`  ${row.join('  ')}`);
        }
      } finally {
        await s.cleanup();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  console.log(
    table(
      ['adapter', RATES ? 'rate' : 'writers', 'txns', 'txn/s', 'writes/s', `${w1} ms p50/p99/max`, `${w2} ms p50/p99/max`, 'writes/commit', 'loop delay ms p99/max', 'loop busy us/txn', 'disk KiB/txn', 'file growth KiB/txn'],
      rows,
    ),
  );
  console.log('');
  console.log('txn/s: transactions completed per second (closed loop: each writer awaits its writes in turn). writes/s: journal writes committed per second.');
  console.log(`${w1} / ${w2}: latency of each awaited write, from the call to its promise resolving (durable).`);
  console.log('loop delay: event-loop delay of this process while writing (perf_hooks, 1 ms resolution): the time a hub would not serve its sockets.');
  console.log('loop busy: main-thread event-loop active time per transaction (eventLoopUtilization), the bench\'s own work (building records, sealing) included.');
  console.log('disk: SQLite = /proc/self/io write_bytes of this process (WAL appends, checkpoints into the database file; the worker thread included);');
  console.log('      PostgreSQL = WAL bytes generated by the server (pg_current_wal_lsn); its data-file writes come later, from the checkpointer.');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
