/**
 * One process of the e2e bench (see e2e.bench.ts): `node child.js <role> <json args>`.
 *
 *  - partner:  the ISO 8583 partner switch simulator (src/sim PartnerSimulator) on a loopback port.
 *  - partner20022: the ISO 20022 partner switch simulator (src/sim Iso20022PartnerSimulator:
 *              pacs.008 in, pacs.002 out) on a loopback port.
 *  - hub:      Dari's Hub from the bundled config shape (validateConfig), SQLite journal in a temp
 *              folder, partner links to the partner processes, metrics HTTP server off.
 *  - relay:    the bare relay baseline (relay.ts) to the same partner process.
 *  - acquirer: the load generator (src/sim AcquirerSimulator: card requests, or a wallet's QR
 *              payments); also opens idle connections.
 *
 * Every role answers `cpu` (process.cpuUsage, for CPU shares per run), `mem` and `stop`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import net from 'node:net';
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Agent } from '../../src/codec/iso20022/types';
import { validateConfig, type AgentConfigEntry } from '../../src/config/schema';
import type { TxnEvent } from '../../src/metrics/events';
import { AcquirerSimulator, PartnerSimulator, type AcquirerSummary } from '../../src/sim';
import type { QrRequestOptions } from '../../src/sim/acquirer';
import { Iso20022PartnerSimulator } from '../../src/sim/iso20022-partner';
import { Hub } from '../../src/switch/hub';
import type { FramingOptions, LengthKind } from '../../src/transport/framing';
import { childLog, serve, type Role } from './ipc';
import { LogJournal } from './log-journal';
import { NullJournal } from './null-journal';
import { Relay } from './relay';

/** A growable Float64Array. */
class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  take(): Float64Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

function vm(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function openFilesLimit(): string {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? `${m[1]}/${m[2]}` : '?';
  } catch {
    return '?';
  }
}

export interface MemStats {
  rss: number;
  vmRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

function mem(args: { gc?: boolean } | undefined): MemStats {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (args?.gc && gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, vmRss: vm('VmRSS'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

export interface CpuStamp {
  user: number;
  system: number;
  at: number;
  /** Bytes this process caused to be sent to storage (/proc/self/io write_bytes; NaN when unreadable). */
  writeBytes: number;
}

function writeBytes(): number {
  try {
    const m = /^write_bytes:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** `--heap-sample`: V8's sampling heap profiler, dead objects included (what was allocated, not what is kept). */
let heapSession: Session | null = null;

const common = {
  cpu: (): CpuStamp => {
    const c = process.cpuUsage();
    return { user: c.user, system: c.system, at: performance.now(), writeBytes: writeBytes() };
  },
  mem,
  heapSampleStart: async (): Promise<boolean> => {
    heapSession = new Session();
    heapSession.connect();
    await new Promise<void>((res, rej) => heapSession!.post('HeapProfiler.startSampling', {
      samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    } as object, (e) => (e ? rej(e) : res())));
    return true;
  },
  heapSampleStop: async (a: { file: string }): Promise<boolean> => {
    const s = heapSession;
    if (!s) return false;
    const profile = await new Promise<unknown>((res, rej) => s.post('HeapProfiler.stopSampling', (e, r) => (e ? rej(e) : res((r as { profile: unknown }).profile))));
    s.disconnect();
    heapSession = null;
    writeFileSync(a.file, JSON.stringify(profile));
    return true;
  },
};

// ------------------------------------------------------------------------------------------------

async function partner(args: { dialect: string; lengthHeader: LengthKind }): Promise<void> {
  // recordLimit 0: the partner keeps counters only (it stands for a remote switch; its own memory
  // growth must not load the box the hub runs on).
  const sim = new PartnerSimulator({ host: '127.0.0.1', port: 0, dialect: args.dialect, framing: { lengthHeader: args.lengthHeader }, timeoutHintMs: 5000, recordLimit: 0 });
  await sim.start();
  serve({
    ...common,
    counts: () => ({ received: sim.receivedCount, answers: sim.answersSent, connections: sim.connectionCount, protocolErrors: sim.protocolErrors }),
    stop: async () => {
      await sim.stop();
      setImmediate(() => process.exit(0));
    },
  }, { port: sim.port, pid: process.pid, openFiles: openFilesLimit() });
}

/** Messages the ISO 20022 partner received, by kind, and what it could not handle. */
export interface Partner20022Counts {
  pacs008: number;
  /** Account verifications (the QR service confirming the merchant before paying). */
  acmt023: number;
  /** Status requests: the hub heard nothing for statusAfterMs. */
  pacs028: number;
  /** Cancellations: the hub gave up on a payment. */
  camt056: number;
  other: number;
  /** Messages it could not parse, and answers it could not build. */
  refused: number;
  errors: number;
}

const agentOf = (a: AgentConfigEntry): Agent => ({
  FinInstnId: { ...(a.bic ? { BICFI: a.bic } : {}), ...(a.memberId ? { ClrSysMmbId: { MmbId: a.memberId } } : {}), ...(a.name ? { Nm: a.name } : {}) },
});

async function partner20022(args: { framing: FramingOptions; self: AgentConfigEntry; hub: AgentConfigEntry; lateMs: number }): Promise<void> {
  // It stands for a remote switch here: no message records (counts only), and payments forgotten
  // after 5 to 10 s (past the hub's 5 s budget, so no status request or re-sent pacs.008 can still
  // be about them), so that its memory does not grow on the bench's box.
  const sim = new Iso20022PartnerSimulator({
    host: '127.0.0.1', port: 0, framing: args.framing, self: agentOf(args.self), hub: agentOf(args.hub), lateMs: args.lateMs, recordLimit: 0, rawLimit: 0, paymentMemory: Number.POSITIVE_INFINITY,
  });
  const counts = { refused: 0, errors: 0 };
  sim.on('refused', (code: string) => {
    counts.refused++;
    childLog(`partner20022: refused a message: ${code}`);
  });
  sim.on('error', (e: unknown) => {
    counts.errors++;
    childLog(`partner20022: ${e instanceof Error ? e.message : String(e)}`);
  });
  await sim.start();
  let older = new Set<string>();
  const timer = setInterval(() => {
    for (const k of older) sim.payments.delete(k);
    older = new Set(sim.payments.keys());
  }, 5000);
  serve({
    ...common,
    counts: (): Partner20022Counts => {
      const [pacs008, acmt023, pacs028, camt056] = ['pacs.008', 'acmt.023', 'pacs.028', 'camt.056'].map((t) => sim.count(t)) as [number, number, number, number];
      return { pacs008, acmt023, pacs028, camt056, other: sim.receivedCount - pacs008 - acmt023 - pacs028 - camt056, ...counts };
    },
    stop: async () => {
      clearInterval(timer);
      await sim.stop();
      setImmediate(() => process.exit(0));
    },
  }, { port: sim.port, pid: process.pid, openFiles: openFilesLimit() });
}

export interface HubTake {
  /** Per transaction: time inside Pipeline.handle minus the partner wait (ms). */
  hubMs: Float64Array;
  /** Per forwarded transaction: the partner wait as the hub's link measured it (ms). */
  waitMs: Float64Array;
  outcomes: Record<string, number>;
  /** Transactions by the partner they were routed to. */
  partners: Record<string, number>;
  /** ISO 20022 partner messages refused or unmatched (dari:partner:protocol-error), by partner and reason. */
  protocolErrors: Record<string, number>;
  /** Per journal group commit: its duration (ms). */
  commitMs: Float64Array;
  /** Journal writes committed. */
  commitOps: number;
  /** Time the figures cover (ms). */
  wallMs: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Share of the time the hub's event loop (main thread) was busy (perf_hooks eventLoopUtilization). */
  loopUtilization: number;
}

async function hub(args: { config: unknown; journalModel?: 'none' | 'log'; dataDir: string }): Promise<void> {
  const config = validateConfig(args.config);
  const instance = new Hub(config, {
    metricsServer: false, databaseUrl: '', env: {}, log: (line) => childLog(line), ...(args.journalModel === 'none' ? { journal: new NullJournal() } : args.journalModel === 'log' ? { journal: new LogJournal(args.dataDir) } : {}),
  });
  // The exact per-transaction figures behind dari_hub_latency_seconds / dari_partner_wait_seconds
  // (same diagnostics channel the Prometheus histograms subscribe to, without the buckets).
  const hubSeconds = new Samples();
  const waitSeconds = new Samples();
  const outcomes = new Map<string, number>();
  const partners = new Map<string, number>();
  const protocolErrors = new Map<string, number>();
  // Journal group commits (the source of dari_journal_commit_seconds / _batch_size): with SQLite
  // each commit runs synchronously on the event loop.
  const commitMs = new Samples();
  let commitOps = 0;
  // Event-loop delay (1 ms resolution timer): how late the loop gets to ready callbacks.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let collecting = false;
  let collectStart = 0;
  let eluStart = performance.eventLoopUtilization();
  subscribe('dari:txn', (m) => {
    if (!collecting) return;
    const e = m as TxnEvent;
    hubSeconds.push(e.hubSeconds * 1000);
    if (e.waitSeconds > 0) waitSeconds.push(e.waitSeconds * 1000);
    outcomes.set(e.outcome, (outcomes.get(e.outcome) ?? 0) + 1);
    partners.set(e.partner, (partners.get(e.partner) ?? 0) + 1);
  });
  subscribe('dari:partner:protocol-error', (m) => {
    if (!collecting) return;
    const e = m as { partner: string; reason: string };
    const k = `${e.partner} ${e.reason}`;
    protocolErrors.set(k, (protocolErrors.get(k) ?? 0) + 1);
  });
  subscribe('dari:journal:commit', (m) => {
    if (!collecting) return;
    const e = m as { batchSize: number; seconds: number };
    commitMs.push(e.seconds * 1000);
    commitOps += e.batchSize;
  });
  await instance.start();
  const wanted = config.partners.reduce((n, p) => n + p.links, 0);
  const t0 = performance.now();
  for (;;) {
    const r = instance.ready();
    const links = Object.values((r.detail as { partnersReadyLinks: Record<string, number> }).partnersReadyLinks).reduce((a, b) => a + b, 0);
    if (r.ready && links >= wanted) break;
    if (performance.now() - t0 > 15_000) throw new Error(`hub: partner links not ready after 15 s (${links}/${wanted})`);
    await new Promise((res) => setTimeout(res, 20));
  }
  serve({
    ...common,
    /** Participant connections the hub holds now (server-role links). */
    connections: () => instance.linkSnapshots().filter((l) => l.role === 'server').length,
    collect: (a: { on: boolean }) => {
      collecting = a.on;
      hubSeconds.take();
      waitSeconds.take();
      commitMs.take();
      commitOps = 0;
      outcomes.clear();
      partners.clear();
      protocolErrors.clear();
      loopDelay.disable();
      loopDelay.reset();
      if (a.on) loopDelay.enable();
      collectStart = performance.now();
      eluStart = performance.eventLoopUtilization();
      return true;
    },
    take: () => {
      const out: HubTake = {
        hubMs: hubSeconds.take(), waitMs: waitSeconds.take(), outcomes: Object.fromEntries(outcomes),
        partners: Object.fromEntries(partners), protocolErrors: Object.fromEntries(protocolErrors),
        commitMs: commitMs.take(), commitOps, wallMs: performance.now() - collectStart,
        loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        loopUtilization: performance.eventLoopUtilization(eluStart).utilization,
      };
      outcomes.clear();
      partners.clear();
      protocolErrors.clear();
      commitOps = 0;
      return out;
    },
    safDepth: async () => (await instance.journal.safStats(Date.now())).depth,
    stop: async () => {
      await instance.stop();
      setImmediate(() => process.exit(0));
    },
  }, { port: instance.ports.listener, pid: process.pid, openFiles: openFilesLimit(), partnerLinks: wanted });
}

async function relay(args: { partnerPort: number; poolSize: number }): Promise<void> {
  const r = new Relay({ host: '127.0.0.1', port: args.partnerPort }, args.poolSize);
  const port = await r.start();
  serve({
    ...common,
    stats: () => ({ ...r.stats }),
    stop: async () => {
      await r.stop();
      setImmediate(() => process.exit(0));
    },
  }, { port, pid: process.pid, openFiles: openFilesLimit() });
}

export interface RunArgs {
  port: number;
  dialect: string;
  lengthHeader: LengthKind;
  connections: number;
  concurrency: number;
  rate: number;
  durationMs: number;
  firstStan: number;
  /** Leading PAN digits (AcquirerOptions.panPrefix): picks the partner the hub routes to. */
  panPrefix?: string;
  /** Send outbound QR payments instead of card requests (AcquirerOptions.qr). */
  qr?: QrRequestOptions;
  /** Every answer must carry the billed amount: field 6 (n12) and field 51 = this currency. */
  billedCurrency?: string;
}

/** What the acquirer measured in one run. */
export interface AcquirerTake {
  summary: AcquirerSummary;
  latencies: Float64Array;
  /** With RunArgs.billedCurrency: answers without field 6, or with field 51 other than that currency; and the first such answer's 6/51/39. */
  unbilled: number;
  firstUnbilled: string;
}

async function acquirer(): Promise<void> {
  const idle: net.Socket[] = [];
  serve({
    ...common,
    run: async (a: RunArgs): Promise<AcquirerTake> => {
      const lat = new Samples();
      let unbilled = 0;
      let firstUnbilled = '';
      const billed = a.billedCurrency;
      const sim = new AcquirerSimulator({
        host: '127.0.0.1', port: a.port, dialect: a.dialect, framing: { lengthHeader: a.lengthHeader },
        connections: a.connections, concurrency: a.concurrency, rate: a.rate, timeoutMs: 5000, firstStan: a.firstStan,
        ...(a.panPrefix !== undefined ? { panPrefix: a.panPrefix } : {}),
        ...(a.qr !== undefined ? { qr: a.qr } : {}),
        onAnswer: (ans) => {
          lat.push(ans.latencyMs);
          if (billed === undefined) return;
          const f = ans.response.fields;
          if (/^[0-9]{12}$/.test(f['6'] ?? '') && f['51'] === billed) return;
          if (unbilled++ === 0) firstUnbilled = `39 ${f['39'] ?? '-'}, 6 ${f['6'] ?? '-'}, 51 ${f['51'] ?? '-'}`;
        },
      });
      try {
        await sim.connect();
        const summary = await sim.run({ durationMs: a.durationMs });
        return { summary, latencies: lat.take(), unbilled, firstUnbilled };
      } finally {
        await sim.close();
      }
    },
    /** Open `count` idle TCP connections to port, `batch` at a time. */
    idleOpen: async (a: { port: number; count: number; batch: number }) => {
      const t0 = performance.now();
      let failed = 0;
      let firstError = '';
      for (let done = 0; done < a.count; done += a.batch) {
        const n = Math.min(a.batch, a.count - done);
        await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve) => {
          const s = net.connect({ host: '127.0.0.1', port: a.port });
          s.once('connect', () => {
            idle.push(s);
            resolve();
          });
          s.once('error', (e: NodeJS.ErrnoException) => {
            failed++;
            firstError ||= e.code ?? e.message;
            s.destroy();
            resolve();
          });
        })));
      }
      for (const s of idle) s.on('error', () => undefined);
      return { opened: idle.length, failed, firstError, ms: performance.now() - t0 };
    },
    /** Close them cleanly (FIN), wait for every socket to close (destroy stragglers after 10 s). */
    idleClose: async () => {
      const all = idle.splice(0);
      const t0 = performance.now();
      await Promise.all(all.map((s) => new Promise<void>((resolve) => {
        if (s.destroyed) {
          resolve();
          return;
        }
        const t = setTimeout(() => s.destroy(), 10_000);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.end();
      })));
      return { closed: all.length, ms: performance.now() - t0 };
    },
    stop: () => {
      for (const s of idle) s.destroy();
      setImmediate(() => process.exit(0));
      return true;
    },
  }, { pid: process.pid, openFiles: openFilesLimit() });
}

const [role, json] = process.argv.slice(2) as [Role | undefined, string | undefined];
const args = json ? JSON.parse(json) : {};
const roles: Record<Role, (a: any) => Promise<void>> = { partner, partner20022, hub, relay, acquirer };
const start = role ? roles[role] : undefined;
if (!start) {
  console.error(`e2e child: unknown role ${String(role)}`);
  process.exit(2);
}
start(args).catch((e: unknown) => {
  console.error(`e2e child ${role}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(1);
});
