/**
 * AcquirerSimulator: ATM and POS terminals behind an acquirer, sending ISO 8583 0200 requests
 * (cash withdrawal 011000 / purchase 000000) at a given rate and concurrency over N TCP
 * connections, matching the answers itself by (41, 11), and summing up what came back. With the
 * `qr` option it stands for a wallet instead: every 0200 is an outbound QR payment (the scanned
 * payload in field 62, no card data; see src/services/qr).
 *
 * Like the partner simulator it uses raw `node:net` + framing + codec, not the hub's Link.
 *
 * Load model: closed loop with a pace. Each connection runs `concurrency` senders; a sender takes
 * the next send slot (slot k is due at start + k / rate; with rate 0 every slot is due at once),
 * waits for it, sends, and waits for the answer (or the timeout) before taking another. So at most
 * `concurrency` requests are in flight per connection and at most `rate` requests start per
 * second overall; when answers are slow the senders fall behind the pace and catch up later.
 */
import { corkForTurn } from '../transport/cork';
import { connect as netConnect, type Socket } from 'node:net';
import { encodeTlv, type Iso8583Codec, type Iso8583Message } from '../codec/iso8583';
import { Enc, type CompiledField } from '../codec/iso8583/spec';
import { DariError } from '../errors';
import { isResponseMti } from '../link/types';
import { maskField, maskTlvHex } from '../security/masking';
import { FrameDecoder, FrameEncoder, KeepAlivePolicy, type FramingConfig, type FramingOptions } from '../transport/framing';
import {
  answerMti, dayOfYear, elapsedMs, isApprovalCode, localDate, localTime, mtiClass, mtiVersionOf, resolveCodec, resolveFraming,
  responseCodeFor, transmissionDateTime, type DialectOption,
} from './common';

export type TerminalKind = 'atm' | 'pos';

export interface AmountContext {
  /** 1-based request number over the simulator's life. */
  seq: number;
  /** 0-based connection index. */
  connection: number;
  kind: TerminalKind;
}

/**
 * Outbound QR payments instead of card requests (the wallet side of src/services/qr): every 0200
 * carries 3 = 000000 (purchase), 4 = the amount, 22 = 031, 49 = `currency`, 62 = the payload
 * percent-encoded (encodeURIComponent), 102 = an account token per connection (DARI-WALLET-00001,
 * ...), besides 7, 11, 12, 13, 32, 37 and 41; never 2, 14, 35, 52 or 55 (no card), nor the card
 * terminal's merchant fields 18, 25, 42 and 43 (the merchant is the one in the QR).
 */
export interface QrRequestOptions {
  /** The scanned EMV merchant-presented payload, as read from the code (not checked here: a broken one tests the hub's declines). */
  payload: string;
  /** Field 49: the QR's transaction currency (EMV QR ID 53, ISO 4217 numeric, e.g. '360'). */
  currency: string;
  /** Field 4, in minor units of `currency` (1 to 12 digits). @default the `amount` option, else the default amounts */
  amountMinor?: number;
}

export interface AcquirerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  port: number;
  /** @default 'iso87ascii' */
  dialect?: DialectOption;
  /** @default { lengthHeader: 'binary2' } */
  framing?: FramingOptions | FramingConfig;
  /** TCP connections (one terminal each). @default 1 */
  connections?: number;
  /** Requests in flight per connection at most. @default 1 */
  concurrency?: number;
  /** Requests started per second over all connections; 0 = as fast as answers allow. @default 0 */
  rate?: number;
  /** Per-request answer timeout. @default 5000 */
  timeoutMs?: number;
  /** Connect timeout. @default 5000 */
  connectTimeoutMs?: number;
  /** Sign on (0800, 70 = 001; 1804 with 24 = 801 on 1993 dialects) on each connection first, and require approval. @default false */
  signOn?: boolean;
  /** Terminal mix: connection i is an ATM or a POS; 'mixed' alternates ATM, POS, ATM, ... @default 'mixed' */
  terminals?: TerminalKind | 'mixed';
  /** Terminal ids (field 41, 8 characters) per connection. @default ATM00001 / POS00002 / ... by index */
  terminalIds?: readonly string[];
  /** Amount in minor units (string: 1..12 digits). @default ATM 10000/50000/100000/300000, POS 1000..99900 in steps of 100 (all ending in 00 = approved by the partner simulator) */
  amount?: (ctx: AmountContext) => number | string;
  /** Field 49 and the EMV currency. @default '410' (KRW) */
  currency?: string;
  /** Terminal country (EMV 9F1A). @default '410' */
  country?: string;
  /** Field 32. @default '410001' */
  acquirerId?: string;
  /**
   * Leading digits (1 to 12) of every generated PAN (field 2, and track 2 in field 35): the BIN or
   * account range the hub routes on, e.g. '9360' for the ISO 20022 partner of config/default.yaml.
   * The request number and a Luhn check digit fill the PAN up to 16 digits.
   * @default ATM '476173', POS '541333'
   */
  panPrefix?: string;
  /** First STAN of every connection (1..999999); STANs then count up and wrap from 999999 to 000001. @default 1 */
  firstStan?: number;
  /** Send a PIN block (field 52) from ATMs. @default true */
  pinBlock?: boolean;
  /** Send ICC data (field 55). @default true */
  emv?: boolean;
  /** The dialect's fixed message header, when it has one (copied into every request). */
  messageHeader?: string;
  /** Send outbound QR payments (see QrRequestOptions) instead of card requests. @default card requests */
  qr?: QrRequestOptions;
  /** Called for every answer (in arrival order). Use `maskMessage` before printing. */
  onAnswer?: (answer: AcquirerAnswer) => void;
}

export interface AcquirerAnswer {
  /** 0-based connection index. */
  connection: number;
  terminalId: string;
  request: Iso8583Message;
  response: Iso8583Message;
  /** Field 39 of the response (undefined when absent). */
  responseCode: string | undefined;
  latencyMs: number;
}

export interface RunOptions {
  /** Send this many requests. */
  count?: number;
  /** Keep sending for this long (ms). With both, whichever ends first. */
  durationMs?: number;
  /**
   * After the last outcome, keep listening this long (ms) so that late, duplicate and unsolicited
   * responses are counted in this run's `late` / `unmatched`. @default 0
   */
  lingerMs?: number;
}

export interface AcquirerSummary {
  /** Requests written. */
  sent: number;
  /** Requests whose answer arrived in time. */
  answered: number;
  /** Requests with no answer within `timeoutMs`. */
  timedOut: number;
  /** Requests lost because their connection closed before the answer. */
  failed: number;
  /** Answers that arrived after their request had timed out. */
  late: number;
  /** Responses matching no request sent (duplicates, unsolicited). */
  unmatched: number;
  /** Answers by field 39 ('none' when the response had no field 39). */
  byResponseCode: Record<string, number>;
  /** Answers whose field 39 means approved. */
  approved: number;
  /** From the first send slot to the last outcome. */
  elapsedMs: number;
  /** Answers per second over `elapsedMs`. */
  tps: number;
  /** Latency percentiles of answered requests (ms, nearest rank; 0 when nothing was answered). */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  connections: number;
  concurrency: number;
  rate: number;
}

type Outcome = { kind: 'answered'; response: Iso8583Message; latencyMs: number } | { kind: 'timeout' } | { kind: 'closed' };

interface Pending {
  sentAt: bigint;
  timer: NodeJS.Timeout;
  done: (o: Outcome) => void;
}

type RunStats = Pick<AcquirerSummary, 'sent' | 'answered' | 'timedOut' | 'failed' | 'late' | 'unmatched' | 'byResponseCode' | 'approved'> & {
  latencies: number[];
};

const ATM_AMOUNTS = [10_000, 50_000, 100_000, 300_000];
const TIMED_OUT_MEMORY = 100_000;

function newStats(): RunStats {
  return { sent: 0, answered: 0, timedOut: 0, failed: 0, late: 0, unmatched: 0, byResponseCode: {}, approved: 0, latencies: [] };
}

function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s.toUpperCase();
}

function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(Math.random() * 10));
  return s;
}

/** The Luhn check digit for `digits`. */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  let double = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

/** A copy of a message with card data masked (PAN, tracks, expiry, PIN block, card tags in field 55): for printing. */
export function maskMessage(msg: Iso8583Message): Iso8583Message {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.fields)) fields[k] = k === '55' ? maskTlvHex(v) : maskField(+k, v);
  const out: Iso8583Message = { mti: msg.mti, fields };
  if (msg.header !== undefined) out.header = msg.header;
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One TCP connection = one terminal. */
class TerminalConnection {
  readonly index: number;
  readonly terminalId: string;
  readonly kind: TerminalKind;
  socket: Socket | undefined;
  private decoder: FrameDecoder | undefined;
  private keepAlive: KeepAlivePolicy | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly timedOut = new Set<string>();
  private stan: number;
  private atc = 0;
  private readonly turn = { corked: false };
  closed = true;

  constructor(private readonly sim: AcquirerSimulator, index: number, terminalId: string, kind: TerminalKind, firstStan: number) {
    this.index = index;
    this.terminalId = terminalId;
    this.kind = kind;
    this.stan = firstStan - 1;
  }

  /** Next STAN: 000001..999999, wrapping, skipping one still pending on this connection. */
  nextStan(cls: string): string {
    for (let i = 0; i < 1_000_000; i++) {
      this.stan = this.stan >= 999_999 ? 1 : this.stan + 1;
      const s = String(this.stan).padStart(6, '0');
      if (!this.pending.has(this.key(cls, this.terminalId, s))) return s;
    }
    throw new DariError('DARI_INTERNAL_ERROR', 'acquirer simulator: every STAN is pending');
  }

  nextAtc(): number {
    this.atc = (this.atc + 1) & 0xffff;
    return this.atc;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  key(cls: string, terminal: string | undefined, stan: string | undefined): string {
    // Network management is matched by STAN alone: many switches drop field 41 from x810.
    return cls === '8' ? `8||${stan ?? ''}` : `${cls}|${terminal ?? ''}|${stan ?? ''}`;
  }

  open(host: string, port: number, timeoutMs: number, framing: FramingConfig): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DariError('DARI_LINK_NOT_READY', `acquirer simulator: connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new DariError('DARI_LINK_NOT_READY', `acquirer simulator: cannot connect to ${host}:${port} (${(e as NodeJS.ErrnoException).code ?? e.message})`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        this.attach(socket, framing);
        resolve();
      });
    });
  }

  private attach(socket: Socket, framing: FramingConfig): void {
    this.socket = socket;
    this.closed = false;
    this.keepAlive = framing.keepAlive === 'answer' ? new KeepAlivePolicy(framing) : undefined;
    this.decoder = new FrameDecoder(framing, {
      frame: (message) => this.onFrame(message),
      keepAlive: () => {
        if (this.keepAlive?.received(performance.now()) === 'answer') this.write(this.sim.encoder.keepAlive());
      },
    });
    socket.removeAllListeners('error');
    socket.on('error', () => {
      /* 'close' follows */
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        this.decoder?.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', () => this.onClose());
  }

  write(frame: Buffer): boolean {
    const s = this.socket;
    if (this.closed || s === undefined || s.destroyed) return false;
    // Requests written in the same tick (several senders) go out in one writev.
    corkForTurn(this.turn, s);
    s.write(frame);
    return true;
  }

  /** Send a request, resolve with its outcome (never rejects). */
  request(msg: Iso8583Message, timeoutMs: number): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      if (this.closed) {
        resolve({ kind: 'closed' });
        return;
      }
      const key = this.key(mtiClass(msg.mti), msg.fields['41'], msg.fields['11']);
      const timer = setTimeout(() => {
        if (this.pending.get(key) !== pending) return;
        this.pending.delete(key);
        this.timedOut.add(key);
        if (this.timedOut.size > TIMED_OUT_MEMORY) {
          const oldest = this.timedOut.values().next().value;
          if (oldest !== undefined) this.timedOut.delete(oldest);
        }
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      const pending: Pending = { sentAt: process.hrtime.bigint(), timer, done: resolve };
      this.pending.set(key, pending);
      this.write(this.sim.frame(msg));
    });
  }

  private onFrame(message: Buffer): void {
    this.keepAlive?.messageReceived();
    let msg: Iso8583Message;
    try {
      msg = this.sim.codec.unpack(message);
    } catch {
      this.sim.noteUnmatched();
      return;
    }
    const now = process.hrtime.bigint();
    if (!isResponseMti(msg.mti)) {
      this.answerPeerRequest(msg);
      return;
    }
    const key = this.key(mtiClass(msg.mti), msg.fields['41'], msg.fields['11']);
    const p = this.pending.get(key);
    if (p !== undefined) {
      this.pending.delete(key);
      clearTimeout(p.timer);
      p.done({ kind: 'answered', response: msg, latencyMs: elapsedMs(p.sentAt, now) });
      return;
    }
    if (this.timedOut.delete(key)) this.sim.noteLate();
    else this.sim.noteUnmatched();
  }

  /** A request from the peer: answer network management (echo tests) with approval, ignore the rest. */
  private answerPeerRequest(msg: Iso8583Message): void {
    if (mtiClass(msg.mti) !== '8') {
      this.sim.noteUnmatched();
      return;
    }
    const d = this.sim.codec.dialect;
    const fields: Record<string, string> = {};
    for (const k of ['7', '11', '24', '41', '70']) {
      const v = msg.fields[k];
      if (v !== undefined) fields[k] = v;
    }
    if (d.fields[39] !== undefined) fields['39'] = responseCodeFor(d, '00', '8');
    const res: Iso8583Message = { mti: answerMti(msg.mti), fields };
    if (msg.header !== undefined) res.header = msg.header;
    this.write(this.sim.frame(res));
  }

  private onClose(): void {
    this.closed = true;
    try {
      this.decoder?.end();
    } catch {
      /* a partial frame at close: nothing to do, the requests fail below */
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.done({ kind: 'closed' });
    }
    this.pending.clear();
  }

  close(): Promise<void> {
    const s = this.socket;
    if (s === undefined || s.destroyed) {
      this.onCloseIfNeeded();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }

  private onCloseIfNeeded(): void {
    if (!this.closed) this.onClose();
  }
}

export class AcquirerSimulator {
  readonly codec: Iso8583Codec;
  readonly framing: FramingConfig;
  /** @internal shared by the connections */
  readonly encoder: FrameEncoder;
  readonly host: string;
  readonly port: number;
  readonly connectionCount: number;
  readonly concurrency: number;
  readonly rate: number;
  readonly timeoutMs: number;
  private readonly options: AcquirerOptions;
  private readonly version: string;
  private readonly connections: TerminalConnection[];
  private readonly requestHeader: Buffer | undefined;
  /** QR mode: the options and field 62 as sent. */
  private readonly qr: { options: QrRequestOptions; field62: string } | undefined;
  private seq = 0;
  private stats: RunStats = newStats();
  private running = false;
  private stopping = false;
  private lateTotal = 0;
  private unmatchedTotal = 0;

  constructor(options: AcquirerOptions) {
    this.options = options;
    this.codec = resolveCodec(options.dialect);
    this.framing = resolveFraming(options.framing);
    this.encoder = new FrameEncoder(this.framing);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    const int = (name: string, v: number, min: number, max: number): number => {
      if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`acquirer simulator: ${name} must be an integer from ${min} to ${max}`);
      return v;
    };
    int('port', options.port, 1, 65_535);
    this.connectionCount = int('connections', options.connections ?? 1, 1, 10_000);
    this.concurrency = int('concurrency', options.concurrency ?? 1, 1, 100_000);
    const rate = options.rate ?? 0;
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError('acquirer simulator: rate must be a number of requests per second >= 0');
    this.rate = rate;
    const timeoutMs = options.timeoutMs ?? 5_000;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError('acquirer simulator: timeoutMs must be a positive number');
    this.timeoutMs = timeoutMs;
    const firstStan = int('firstStan', options.firstStan ?? 1, 1, 999_999);
    if (options.panPrefix !== undefined && !/^[0-9]{1,12}$/.test(options.panPrefix)) throw new RangeError('acquirer simulator: panPrefix must be 1 to 12 digits');
    this.version = mtiVersionOf(this.codec.dialect);
    this.qr = options.qr === undefined ? undefined : qrMode(options.qr, this.codec.dialect.fields);
    if (this.framing.headerLength > 0 && this.framing.defaultHeader === undefined) {
      // A link with a fixed header and no configured default: TPDU 60 0001 0000, or zeros.
      const h = Buffer.alloc(this.framing.headerLength);
      if (this.framing.tpdu) h.set([0x60, 0x00, 0x01, 0x00, 0x00]);
      this.requestHeader = h;
    }
    const mix = options.terminals ?? 'mixed';
    this.connections = [];
    for (let i = 0; i < this.connectionCount; i++) {
      const kind: TerminalKind = mix === 'mixed' ? (i % 2 === 0 ? 'atm' : 'pos') : mix;
      const id = options.terminalIds?.[i] ?? `${kind === 'atm' ? 'ATM' : 'POS'}${String(i + 1).padStart(5, '0')}`;
      if (id.length !== 8) throw new RangeError(`acquirer simulator: terminal id ${JSON.stringify(id)} must have 8 characters`);
      this.connections.push(new TerminalConnection(this, i, id, kind, firstStan));
    }
  }

  /** Terminal ids (field 41) by connection index. */
  get terminalIds(): string[] {
    return this.connections.map((c) => c.terminalId);
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.connections.filter((c) => !c.closed).length;
  }

  /** Open every connection not open yet (and sign on when configured). */
  async connect(): Promise<void> {
    const timeout = this.options.connectTimeoutMs ?? 5_000;
    await Promise.all(this.connections.filter((c) => c.closed).map(async (c) => {
      await c.open(this.host, this.port, timeout, this.framing);
      if (this.options.signOn) await this.signOn(c);
    }));
  }

  /** Close every connection; requests still pending count as failed. */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.connections.map((c) => c.close()));
  }

  /** Ask a running `run()` to stop taking new send slots; it resolves once in-flight requests end. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Send `count` requests, or keep sending for `durationMs`, then wait for the outstanding
   * answers (at most `timeoutMs`) and resolve with the summary. Connects first when needed.
   */
  async run(options: RunOptions): Promise<AcquirerSummary> {
    const { count, durationMs } = options;
    if (count === undefined && durationMs === undefined) throw new RangeError('acquirer simulator: run needs count or durationMs');
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) throw new RangeError('acquirer simulator: count must be an integer >= 0');
    if (durationMs !== undefined && (!(durationMs >= 0) || !Number.isFinite(durationMs))) throw new RangeError('acquirer simulator: durationMs must be >= 0');
    if (this.running) throw new DariError('DARI_INTERNAL_ERROR', 'acquirer simulator: a run is already in progress');
    this.running = true;
    this.stopping = false;
    try {
      await this.connect();
      const stats = newStats();
      this.stats = stats;
      const interval = this.rate > 0 ? 1000 / this.rate : 0;
      const start = performance.now();
      const deadline = durationMs === undefined ? Infinity : start + durationMs;
      let issued = 0;
      const take = (): number | undefined => {
        if (this.stopping) return undefined;
        if (count !== undefined && issued >= count) return undefined;
        const at = start + issued * interval;
        if ((interval > 0 ? at : performance.now()) >= deadline) return undefined;
        issued++;
        return at;
      };
      const sender = async (c: TerminalConnection): Promise<void> => {
        for (;;) {
          if (c.closed) return;
          const at = take();
          if (at === undefined) return;
          const wait = at - performance.now();
          if (wait > 0) await sleep(wait);
          if (c.closed) {
            issued--; // give the slot back to a live connection
            return;
          }
          const req = this.buildRequest(c);
          stats.sent++;
          const outcome = await c.request(req, this.timeoutMs);
          this.record(c, req, outcome);
        }
      };
      const senders: Promise<void>[] = [];
      for (const c of this.connections) for (let i = 0; i < this.concurrency; i++) senders.push(sender(c));
      await Promise.all(senders);
      const elapsed = performance.now() - start;
      if (options.lingerMs !== undefined && options.lingerMs > 0) await sleep(options.lingerMs);
      return this.summary(stats, elapsed);
    } finally {
      this.running = false;
    }
  }

  /** Build the next request for connection `index` (exposed for tests and the CLI's single-shot use). */
  buildRequestFor(index: number): Iso8583Message {
    const c = this.connections[index];
    if (c === undefined) throw new RangeError(`acquirer simulator: no connection ${index}`);
    return this.buildRequest(c);
  }

  // ------------------------------------------------------------------------------------------------
  // internals used by the connections

  /** @internal */
  frame(msg: Iso8583Message): Buffer {
    return this.encoder.encode(this.codec.pack(msg), this.requestHeader);
  }

  /** @internal */
  noteLate(): void {
    this.stats.late++;
    this.lateTotal++;
  }

  /** @internal */
  noteUnmatched(): void {
    this.stats.unmatched++;
    this.unmatchedTotal++;
  }

  /** Answers that arrived after their request timed out, over the simulator's life (runs and between runs). */
  get lateAnswers(): number {
    return this.lateTotal;
  }

  /** Responses that matched no request, over the simulator's life. */
  get unmatchedResponses(): number {
    return this.unmatchedTotal;
  }

  private record(c: TerminalConnection, request: Iso8583Message, o: Outcome): void {
    const s = this.stats;
    if (o.kind === 'timeout') {
      s.timedOut++;
      return;
    }
    if (o.kind === 'closed') {
      s.failed++;
      return;
    }
    s.answered++;
    s.latencies.push(o.latencyMs);
    const rc = o.response.fields['39'];
    const label = rc ?? 'none';
    s.byResponseCode[label] = (s.byResponseCode[label] ?? 0) + 1;
    if (isApprovalCode(rc)) s.approved++;
    const cb = this.options.onAnswer;
    if (cb !== undefined) {
      try {
        cb({ connection: c.index, terminalId: c.terminalId, request, response: o.response, responseCode: rc, latencyMs: o.latencyMs });
      } catch {
        /* a failing callback must not stop the run */
      }
    }
  }

  private summary(s: RunStats, elapsed: number): AcquirerSummary {
    const sorted = Float64Array.from(s.latencies).sort();
    const arr = Array.from(sorted);
    const byResponseCode: Record<string, number> = {};
    for (const k of Object.keys(s.byResponseCode).sort()) byResponseCode[k] = s.byResponseCode[k] as number;
    return {
      sent: s.sent,
      answered: s.answered,
      timedOut: s.timedOut,
      failed: s.failed,
      late: s.late,
      unmatched: s.unmatched,
      byResponseCode,
      approved: s.approved,
      elapsedMs: elapsed,
      tps: elapsed > 0 ? s.answered / (elapsed / 1000) : 0,
      p50: percentile(arr, 0.5),
      p99: percentile(arr, 0.99),
      p999: percentile(arr, 0.999),
      max: arr.length > 0 ? (arr[arr.length - 1] as number) : 0,
      connections: this.connectionCount,
      concurrency: this.concurrency,
      rate: this.rate,
    };
  }

  private async signOn(c: TerminalConnection): Promise<void> {
    const d = this.codec.dialect;
    const fields: Record<string, string> = {};
    this.put(fields, 7, transmissionDateTime());
    this.put(fields, 11, c.nextStan('8'));
    let mti: string;
    if (this.version === '1') {
      mti = '1804';
      this.put(fields, 24, '801');
    } else {
      mti = '0800';
      this.put(fields, 70, '001');
    }
    const msg: Iso8583Message = { mti, fields };
    if (this.options.messageHeader !== undefined) msg.header = this.options.messageHeader;
    const o = await c.request(msg, this.timeoutMs);
    const why = o.kind === 'answered'
      ? (isApprovalCode(o.response.fields['39']) ? undefined : `answered ${o.response.mti} with field 39 = ${o.response.fields['39'] ?? 'none'}`)
      : o.kind === 'timeout' ? `no answer within ${this.timeoutMs} ms` : 'the connection closed';
    if (why !== undefined) {
      await c.close();
      throw new DariError('DARI_LINK_SIGN_ON_FAILED', `acquirer simulator: sign-on of terminal ${c.terminalId} (dialect ${d.name}) failed: ${why}`);
    }
  }

  /** Put `value` in field `no` when the dialect defines it and the value fits its length. */
  private put(fields: Record<string, string>, no: number, value: string): void {
    const f = this.codec.dialect.fields[no];
    if (f === undefined || !fits(f, value)) return;
    fields[String(no)] = value;
  }

  private amountFor(c: TerminalConnection, seq: number): string {
    const fn = this.options.amount;
    let v: number | string;
    if (fn !== undefined) v = fn({ seq, connection: c.index, kind: c.kind });
    else if (c.kind === 'atm') v = ATM_AMOUNTS[seq % ATM_AMOUNTS.length] as number;
    else v = (10 + Math.floor(Math.random() * 990)) * 100;
    const s = typeof v === 'number' ? (Number.isSafeInteger(v) && v >= 0 ? String(v) : '') : v;
    if (!/^[0-9]{1,12}$/.test(s)) throw new RangeError(`acquirer simulator: amount ${String(v)} is not 1 to 12 digits of minor units`);
    return s.padStart(12, '0');
  }

  private buildRequest(c: TerminalConnection): Iso8583Message {
    const seq = ++this.seq;
    const now = new Date();
    const d = this.codec.dialect;
    const stan = c.nextStan('2');
    const fields: Record<string, string> = {};
    const put = (no: number, v: string): void => this.put(fields, no, v);

    put(7, transmissionDateTime(now));
    put(11, stan);
    put(12, localTime(now, d.fields[12]?.length ?? 6));
    put(13, localDate(now));
    put(32, this.options.acquirerId ?? '410001');
    put(37, `${now.getUTCFullYear() % 10}${String(dayOfYear(now)).padStart(3, '0')}${String(now.getUTCHours()).padStart(2, '0')}${stan}`);
    put(41, c.terminalId);
    if (this.qr === undefined) this.putCard(put, c, seq, now);
    else this.putQr(put, c, seq, this.qr);

    const msg: Iso8583Message = { mti: `${this.version}200`, fields };
    if (this.options.messageHeader !== undefined) msg.header = this.options.messageHeader;
    return msg;
  }

  /** A card at an ATM (cash withdrawal) or a POS (purchase): PAN, track 2, expiry, PIN block, EMV data. */
  private putCard(put: (no: number, v: string) => void, c: TerminalConnection, seq: number, now: Date): void {
    const d = this.codec.dialect;
    const atm = c.kind === 'atm';
    const currency = this.options.currency ?? '410';
    const country = this.options.country ?? '410';
    const amount = this.amountFor(c, seq);

    const bin = this.options.panPrefix ?? (atm ? '476173' : '541333');
    const serial = 15 - bin.length;
    const body = bin + String(seq % 10 ** serial).padStart(serial, '0');
    const pan = body + luhnCheckDigit(body);
    const expiry = '2812';
    const f35 = d.fields[35];
    const sep = f35 !== undefined && f35.enc === Enc.BCD ? 'D' : '=';

    put(2, pan);
    put(3, atm ? '011000' : '000000');
    put(4, amount);
    put(14, expiry);
    put(18, atm ? '6011' : '5411');
    put(22, atm ? '051' : '071');
    put(25, atm ? '02' : '00');
    put(35, `${pan}${sep}${expiry}201${randomDigits(10)}`.slice(0, f35?.length ?? 37));
    put(42, `DARIACQ${String(c.index + 1).padStart(8, '0')}`);
    const name = `DARI SIM ${atm ? 'ATM' : 'SHOP'} ${String(c.index + 1).padStart(4, '0')}`;
    put(43, `${name.padEnd(23).slice(0, 23)}${'SEOUL'.padEnd(13)}  KR`);
    put(49, currency);
    if (atm && this.options.pinBlock !== false) put(52, randomHex(8));
    if (this.options.emv !== false) put(55, this.iccData(c, amount, currency, country, now));
  }

  /** A wallet's outbound QR payment (QrRequestOptions): the scanned payload and an account token, no card. */
  private putQr(put: (no: number, v: string) => void, c: TerminalConnection, seq: number, qr: { options: QrRequestOptions; field62: string }): void {
    const { amountMinor } = qr.options;
    put(3, '000000');
    put(4, amountMinor === undefined ? this.amountFor(c, seq) : String(amountMinor).padStart(12, '0'));
    // ISO 8583:1987 field 22: PAN entry mode 03 = bar code reader (the scanned QR), PIN entry capability 1.
    put(22, '031');
    put(49, qr.options.currency);
    put(62, qr.field62);
    put(102, `DARI-WALLET-${String(c.index + 1).padStart(5, '0')}`);
  }

  /** Field 55: the ARQC data an EMV chip and terminal produce for an online authorization. */
  private iccData(c: TerminalConnection, amount: string, currency: string, country: string, now: Date): string {
    const atm = c.kind === 'atm';
    const yymmdd = `${String(now.getFullYear() % 100).padStart(2, '0')}${localDate(now)}`;
    return encodeTlv([
      { tag: '82', value: '3900' }, // application interchange profile
      { tag: '84', value: atm ? 'A0000000031010' : 'A0000000041010' }, // AID (Visa / Mastercard credit-debit)
      { tag: '95', value: '0000008000' }, // terminal verification results
      { tag: '9A', value: yymmdd }, // transaction date
      { tag: '9C', value: atm ? '01' : '00' }, // transaction type: cash / goods
      { tag: '5F2A', value: currency.padStart(4, '0') }, // transaction currency
      { tag: '5F34', value: '01' }, // PAN sequence number
      { tag: '9F02', value: amount }, // amount authorised (n12 = 6 bytes BCD)
      { tag: '9F03', value: '000000000000' }, // amount other
      { tag: '9F10', value: '06010A03A00000' }, // issuer application data
      { tag: '9F1A', value: country.padStart(4, '0') }, // terminal country
      { tag: '9F26', value: randomHex(8) }, // application cryptogram (ARQC)
      { tag: '9F27', value: '80' }, // cryptogram information data: ARQC
      { tag: '9F33', value: atm ? '6040C8' : 'E0F8C8' }, // terminal capabilities
      { tag: '9F34', value: atm ? '420300' : '1F0302' }, // CVM results: online PIN / no CVM
      { tag: '9F35', value: atm ? '14' : '22' }, // terminal type
      { tag: '9F36', value: c.nextAtc().toString(16).padStart(4, '0').toUpperCase() }, // ATC
      { tag: '9F37', value: randomHex(4) }, // unpredictable number
    ]);
  }
}

/**
 * Check the QR options once, and percent-encode the payload as src/services/qr reads field 62. `put`
 * drops a value its field cannot hold, which would turn a QR payment into a request without one: so
 * a dialect without fields 62 and 102, or a payload too long for 62 once encoded, is refused here.
 */
function qrMode(o: QrRequestOptions, dialectFields: readonly (CompiledField | undefined)[]): { options: QrRequestOptions; field62: string } {
  if (o.payload.length === 0) throw new RangeError('acquirer simulator: qr.payload is empty');
  if (!/^[0-9]{3}$/.test(o.currency)) throw new RangeError('acquirer simulator: qr.currency must be an ISO 4217 numeric code (3 digits)');
  const a = o.amountMinor;
  if (a !== undefined && (!Number.isSafeInteger(a) || a < 1 || a > 999_999_999_999)) throw new RangeError('acquirer simulator: qr.amountMinor must be a whole number of minor units from 1 to 999999999999');
  let field62: string;
  try {
    field62 = encodeURIComponent(o.payload);
  } catch {
    throw new RangeError('acquirer simulator: qr.payload is not well-formed UTF-16 (a lone surrogate)');
  }
  const f62 = dialectFields[62];
  const f102 = dialectFields[102];
  if (f62 === undefined || f102 === undefined) throw new RangeError('acquirer simulator: qr needs a dialect with fields 62 and 102');
  if (!fits(f62, field62)) throw new RangeError(`acquirer simulator: qr.payload is ${field62.length} characters once percent-encoded; field 62 holds ${f62.length}`);
  return { options: { ...o }, field62 };
}

/** Does `value` fit field `f` (fixed: exact length; variable: at most the maximum)? */
function fits(f: CompiledField, value: string): boolean {
  const units = f.clsName === 'b' ? value.length / 2 : value.length;
  return f.prefixDigits === 0 ? units === f.length : units <= f.length;
}
