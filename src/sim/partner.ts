/**
 * PartnerSimulator: a foreign (or domestic) ISO 8583 switch on a loopback TCP port, for the demo,
 * the tests and the benchmarks.
 *
 * It speaks raw `node:net` + framing + codec on purpose (not the hub's Link), so that it can
 * misbehave in ways a well-behaved link never would: drop requests, answer late, twice, or with
 * half a frame, send responses nobody asked for, refuse sign-on, drop every connection.
 *
 * Default answers (ISO 8583:1987 numbering; 1993 dialects get the matching action codes):
 * - network management x800 -> x810, 39 = 00 (copies 7, 11, 24, 32, 33, 41, 70 when present);
 * - authorization / financial requests x100, x101, x200, x201 -> x110 / x210 echoing the request
 *   (2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 19, 22, 25, 32, 33, 37, 41, 42, 49, 50, 51, 100, 102, 103
 *   when present) with 39 = the last two digits of field 4 when they are an ISO 8583:1987 response
 *   code (00-44, 51-68, 75, 90-96), else 00; approvals add 38 (approval code), 54 for balance
 *   enquiries (processing code 31) and 55 tag 91 (issuer authentication data) when the request
 *   carried field 55. Amounts ending in 98 are never answered; amounts ending in 97 are answered
 *   (approved) after `timeoutHintMs + lateByMs`, i.e. after the hub has given up;
 * - advices x120 / x220 (and repeats) -> x130 / x230, 39 = 00;
 * - reversals x400, x401, x420, x421 -> x410 / x430, 39 = 00, recorded by key (idempotent: a
 *   repeat is answered the same way and counted against the same key);
 * - anything else -> its response MTI with 39 = 12 (invalid transaction).
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Iso8583Codec, type Iso8583Message } from '../codec/iso8583';
import { DariError } from '../errors';
import { isResponseMti } from '../link/types';
import { FrameDecoder, FrameEncoder, KeepAlivePolicy, type FramingConfig, type FramingOptions } from '../transport/framing';
import {
  answerMti, copyMessage, isIso87ResponseCode, mtiClass, mtiFunction, mtiVersionOf, randomStan, resolveCodec, resolveFraming,
  responseCodeFor, transmissionDateTime, type DialectOption,
} from './common';

/** How the partner misbehaves; every flag can be changed while it runs. */
export interface PartnerBehaviour {
  /** Read and record every request, answer none (sign-on included). */
  drop: boolean;
  /** Extra milliseconds before every answer (added to the late-answer delay of amounts ending in 97). */
  delayMs: number;
  /** Write every answer twice. */
  duplicateResponses: boolean;
  /** Before each answer, write a response nobody asked for (an x210 with a random STAN). */
  unsolicited: boolean;
  /** Answer sign-on (x800 with field 70 = 001, or without field 70) with 39 = 91. Echo tests (70 = 301) and sign-off are still accepted. */
  refuseSignOn: boolean;
  /**
   * One shot: on the next request (any MTI), write the first half of its response frame, then
   * close the connection. Cleared once it has fired.
   */
  disconnectMidFrame: boolean;
}

export interface PartnerOptions {
  /** Listen address. @default '127.0.0.1' */
  host?: string;
  /** Listen port; 0 picks a free one (read `port` after `start()`). @default 0 */
  port?: number;
  /** ISO 8583 dialect: built-in name, dialect file, or compiled dialect. @default 'iso87ascii' */
  dialect?: DialectOption;
  /** Framing of the link. @default { lengthHeader: 'binary2' } */
  framing?: FramingOptions | FramingConfig;
  /** The hub's request timeout: amounts ending in 97 are answered `timeoutHintMs + lateByMs` after they arrive. @default 30000 */
  timeoutHintMs?: number;
  /** How much later than `timeoutHintMs` a "97" amount is answered. @default 1000 */
  lateByMs?: number;
  /** Initial behaviour (all off by default). */
  behaviour?: Partial<PartnerBehaviour>;
  /** Keep at most this many received messages in `received` (counters keep counting). @default 100000 */
  recordLimit?: number;
}

/** A message the partner received, in arrival order. */
export interface ReceivedMessage extends Iso8583Message {
  /** 1-based arrival number over the partner's life (all connections). */
  seq: number;
  /** Id of the connection it came on (1-based, in accept order). */
  connection: number;
  /** `process.hrtime.bigint()` when it was decoded. */
  at: bigint;
}

/** Reversals received under one key (see `reversalKey`). */
export interface ReversalRecord {
  key: string;
  /** How many reversal messages (x400/x401/x420/x421) arrived with this key. */
  count: number;
  first: ReceivedMessage;
  last: ReceivedMessage;
}

/** What to do with one request. */
interface Plan {
  response: Iso8583Message;
  /** Answer at all (false for amounts ending in 98). */
  answer: boolean;
  /** Delay before answering, before `behaviour.delayMs` is added. */
  delayMs: number;
}

interface Connection {
  id: number;
  socket: Socket;
  decoder: FrameDecoder;
  keepAlive: KeepAlivePolicy | undefined;
  timers: Set<NodeJS.Timeout>;
  /** Fixed header of the last request (to build headers of unsolicited messages). */
  lastHeader: Buffer | undefined;
  lastTerminal: string | undefined;
  lastVersion: string;
  closing: boolean;
}

/** Fields an x110/x210 copies from its request, when present. */
const ECHO_FIELDS = ['2', '3', '4', '5', '6', '7', '9', '10', '11', '12', '13', '19', '22', '25', '32', '33', '37', '41', '42', '49', '50', '51', '100', '102', '103'];
/** Fields an x810 copies from its x800. */
const NETWORK_ECHO_FIELDS = ['7', '11', '24', '32', '33', '41', '70'];
/** Fields an x410/x430 copies from its reversal. */
const REVERSAL_ECHO_FIELDS = ['2', '3', '4', '7', '11', '12', '13', '32', '33', '37', '41', '42', '49', '90', '95', '100'];

/**
 * The key the partner files a reversal under: terminal (41) + the original's data elements
 * (the first 20 digits of field 90: MTI, STAN, transmission date and time), or, without field 90,
 * the reversal's own STAN (11) and RRN (37). A repeat (x421) carries the same values, so it lands
 * on the same key.
 */
export function reversalKey(msg: Iso8583Message): string {
  const f = msg.fields;
  const original = f['90'] !== undefined ? `90:${f['90'].slice(0, 20)}` : `11:${f['11'] ?? ''}/37:${f['37'] ?? ''}`;
  return `${f['41'] ?? ''}|${original}`;
}

/**
 * The 1987 response code the partner gives a financial or authorization request: the last two
 * digits of field 4 when they form a 1987 response code, else '00'. (Amounts ending in 97 and 98
 * are handled before this: late, never.)
 */
export function responseCodeForAmount(amount: string | undefined): string {
  if (amount === undefined || amount.length < 2) return '00';
  const last2 = amount.slice(-2);
  return isIso87ResponseCode(last2) ? last2 : '00';
}

/**
 * Events: 'request' (ReceivedMessage), 'response' (a response message the peer sent us,
 * ReceivedMessage), 'connection' (id), 'disconnect' (id), 'protocolError' (DariError, connection id):
 * a frame or message that could not be decoded (a framing error closes that connection).
 */
export class PartnerSimulator extends EventEmitter {
  readonly codec: Iso8583Codec;
  readonly framing: FramingConfig;
  readonly host: string;
  readonly timeoutHintMs: number;
  readonly lateByMs: number;
  /** Requests received, in order (at most `recordLimit`). */
  readonly received: ReceivedMessage[] = [];
  /** Responses the peer sent us (e.g. answers to messages we originated), in order. */
  readonly responsesReceived: ReceivedMessage[] = [];
  /** Unsolicited responses written so far (to check that the peer ignored them). */
  readonly unsolicitedSent: Iso8583Message[] = [];
  /** Reversals by key. */
  readonly reversals = new Map<string, ReversalRecord>();
  private readonly encoder: FrameEncoder;
  private readonly recordLimit: number;
  private readonly byMti = new Map<string, number>();
  private total = 0;
  private answers = 0;
  private errors = 0;
  private mode: PartnerBehaviour;
  private server: Server | undefined;
  private boundPort: number;
  private readonly connections = new Map<number, Connection>();
  private nextConnectionId = 1;
  private readonly waiters = new Set<() => void>();

  constructor(options: PartnerOptions = {}) {
    super();
    this.codec = resolveCodec(options.dialect);
    this.framing = resolveFraming(options.framing);
    this.encoder = new FrameEncoder(this.framing);
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.timeoutHintMs = options.timeoutHintMs ?? 30_000;
    this.lateByMs = options.lateByMs ?? 1_000;
    this.recordLimit = options.recordLimit ?? 100_000;
    this.mode = { drop: false, delayMs: 0, duplicateResponses: false, unsolicited: false, refuseSignOn: false, disconnectMidFrame: false, ...options.behaviour };
  }

  // ------------------------------------------------------------------------------------------------
  // lifecycle

  /**
   * Listen. The first start binds the configured port (0 = any free one); every later start binds
   * the port the previous one got, so a restarted partner comes back where the hub expects it.
   */
  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen({ host: this.host, port: this.boundPort }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => this.emit('protocolError', e, 0));
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Stop listening, drop every connection and every answer still waiting. Resolves once closed. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.closeAll();
    await closed;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.server !== undefined;
  }

  /** The port bound by the last `start()` (kept after `stop()`: the next `start()` reuses it). */
  get port(): number {
    return this.boundPort;
  }

  /** Where to connect. Throws when not started. */
  address(): { host: string; port: number } {
    if (this.server === undefined) throw new DariError('DARI_INTERNAL_ERROR', 'partner simulator: not started');
    return { host: this.host, port: this.boundPort };
  }

  /** Destroy every open connection (answers still waiting are dropped); keep listening. */
  closeAll(): void {
    for (const c of [...this.connections.values()]) this.dropConnection(c);
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  // ------------------------------------------------------------------------------------------------
  // behaviour

  /** The current behaviour (a copy). */
  get behaviour(): PartnerBehaviour {
    return { ...this.mode };
  }

  /** Change some behaviour flags. */
  setBehaviour(patch: Partial<PartnerBehaviour>): this {
    this.mode = { ...this.mode, ...patch };
    return this;
  }

  /** Back to the default behaviour (every flag off, no delay). */
  normal(): this {
    this.mode = { drop: false, delayMs: 0, duplicateResponses: false, unsolicited: false, refuseSignOn: false, disconnectMidFrame: false };
    return this;
  }

  /** Read but never answer (or stop doing so with `false`). */
  drop(on = true): this {
    return this.setBehaviour({ drop: on });
  }

  /** Delay every answer by `ms` (0 = no delay). */
  delay(ms: number): this {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new DariError('DARI_INTERNAL_ERROR', `partner simulator: delay ${ms} is not a number of milliseconds`);
    return this.setBehaviour({ delayMs: ms });
  }

  /** On the next request, write half of the response frame and close the connection. */
  disconnectMidFrame(): this {
    return this.setBehaviour({ disconnectMidFrame: true });
  }

  /** Answer everything twice. */
  duplicateResponses(on = true): this {
    return this.setBehaviour({ duplicateResponses: on });
  }

  /** Precede every answer with an unsolicited response. */
  unsolicited(on = true): this {
    return this.setBehaviour({ unsolicited: on });
  }

  /** Refuse sign-on with 39 = 91. */
  refuseSignOn(on = true): this {
    return this.setBehaviour({ refuseSignOn: on });
  }

  // ------------------------------------------------------------------------------------------------
  // what was received

  /** Requests received over the partner's life (all of them, beyond `recordLimit`). */
  get receivedCount(): number {
    return this.total;
  }

  /** Requests received with this MTI (e.g. '0200'). */
  count(mti: string): number {
    return this.byMti.get(mti) ?? 0;
  }

  /** Requests received, counted by MTI. */
  countsByMti(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [mti, n] of [...this.byMti.entries()].sort()) out[mti] = n;
    return out;
  }

  /** Answers written (each duplicate counts; unsolicited messages and half frames do not). */
  get answersSent(): number {
    return this.answers;
  }

  /** Frames or messages that could not be decoded. */
  get protocolErrors(): number {
    return this.errors;
  }

  /** Forget what was received (counters, records, reversals). */
  clearReceived(): void {
    this.received.length = 0;
    this.responsesReceived.length = 0;
    this.unsolicitedSent.length = 0;
    this.reversals.clear();
    this.byMti.clear();
    this.total = 0;
    this.answers = 0;
    this.errors = 0;
  }

  /**
   * Resolve once `n` requests in all have been received (or `predicate` holds), reject after
   * `timeoutMs` with a message saying how many arrived.
   */
  waitForRequests(n: number, timeoutMs = 5_000): Promise<void> {
    return this.waitUntil(() => this.total >= n, timeoutMs, () => `partner simulator: ${this.total} of ${n} requests received within ${timeoutMs} ms`);
  }

  /** Resolve once `predicate()` holds (checked on each received message and connection change). */
  waitUntil(predicate: () => boolean, timeoutMs = 5_000, describe?: () => string): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(describe ? describe() : `partner simulator: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // sending on our own

  /**
   * Write a message on every open connection (or only on connection `id`). Returns how many
   * connections it was written to. For partner-originated traffic (e.g. an x800 echo the hub must
   * answer; its answers land in `responsesReceived`).
   */
  send(msg: Iso8583Message, id?: number): number {
    let n = 0;
    for (const c of this.connections.values()) {
      if (id !== undefined && c.id !== id) continue;
      if (this.write(c, this.frameFor(c, msg, undefined))) n++;
    }
    return n;
  }

  /**
   * Write a response nobody asked for (an x210 with a random STAN, the terminal of the last
   * request on that connection) on every open connection. Returns the messages written.
   */
  sendUnsolicited(): Iso8583Message[] {
    const out: Iso8583Message[] = [];
    for (const c of this.connections.values()) {
      const msg = this.unsolicitedMessage(c);
      if (this.write(c, this.frameFor(c, msg, undefined))) {
        this.unsolicitedSent.push(msg);
        out.push(msg);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // connections

  private accept(socket: Socket): void {
    const id = this.nextConnectionId++;
    const c: Connection = {
      id,
      socket,
      decoder: undefined as unknown as FrameDecoder,
      keepAlive: this.framing.keepAlive === 'answer' ? new KeepAlivePolicy(this.framing) : undefined,
      timers: new Set(),
      lastHeader: undefined,
      lastTerminal: undefined,
      lastVersion: mtiVersionOf(this.codec.dialect),
      closing: false,
    };
    c.decoder = new FrameDecoder(this.framing, {
      frame: (message, header) => this.onFrame(c, message, header),
      keepAlive: () => {
        if (c.keepAlive?.received(performance.now()) === 'answer') this.write(c, this.encoder.keepAlive());
      },
    });
    this.connections.set(id, c);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (c.closing) return;
      // Answers written while this chunk is decoded go out in one writev.
      socket.cork();
      process.nextTick(() => socket.uncork());
      try {
        c.decoder.push(chunk);
      } catch (e) {
        this.protocolError(e, c);
        this.dropConnection(c);
      }
    });
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.on('close', () => this.forget(c));
    this.emit('connection', id);
    this.notify();
  }

  private dropConnection(c: Connection): void {
    c.closing = true;
    c.socket.destroy();
    this.forget(c);
  }

  private forget(c: Connection): void {
    c.closing = true;
    for (const t of c.timers) clearTimeout(t);
    c.timers.clear();
    if (this.connections.delete(c.id)) {
      this.emit('disconnect', c.id);
      this.notify();
    }
  }

  private protocolError(e: unknown, c: Connection): void {
    this.errors++;
    this.emit('protocolError', e, c.id);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private write(c: Connection, frame: Buffer): boolean {
    if (c.closing || c.socket.destroyed || !c.socket.writable) return false;
    c.socket.write(frame);
    return true;
  }

  private frameFor(c: Connection, msg: Iso8583Message, requestHeader: Buffer | undefined): Buffer {
    const packed = this.codec.pack(msg);
    if (this.framing.headerLength === 0) return this.encoder.encode(packed);
    if (requestHeader !== undefined) return this.encoder.encodeReply(packed, requestHeader);
    if (this.framing.defaultHeader !== undefined) return this.encoder.encode(packed);
    // Our own message on a link with a fixed header and no default: answer-style header from the
    // last request seen, else a neutral one (TPDU 60 0000 0000, or zeros).
    if (c.lastHeader !== undefined) return this.encoder.encode(packed, this.encoder.replyHeader(c.lastHeader));
    const h = Buffer.alloc(this.framing.headerLength);
    if (this.framing.tpdu) h[0] = 0x60;
    return this.encoder.encode(packed, h);
  }

  // ------------------------------------------------------------------------------------------------
  // requests

  private onFrame(c: Connection, message: Buffer, header: Buffer | undefined): void {
    c.keepAlive?.messageReceived();
    let msg: Iso8583Message;
    try {
      msg = this.codec.unpack(message);
    } catch (e) {
      this.protocolError(e, c);
      return;
    }
    const rec: ReceivedMessage = { ...msg, seq: 0, connection: c.id, at: process.hrtime.bigint() };
    if (isResponseMti(msg.mti)) {
      rec.seq = this.total + this.responsesReceived.length + 1;
      if (this.responsesReceived.length < this.recordLimit) this.responsesReceived.push(rec);
      this.emit('response', rec);
      this.notify();
      return;
    }
    this.total++;
    rec.seq = this.total;
    this.byMti.set(msg.mti, (this.byMti.get(msg.mti) ?? 0) + 1);
    if (this.received.length < this.recordLimit) this.received.push(rec);
    const requestHeader = header === undefined ? undefined : Buffer.from(header);
    c.lastHeader = requestHeader;
    c.lastVersion = msg.mti.charAt(0);
    if (msg.fields['41'] !== undefined) c.lastTerminal = msg.fields['41'];
    if (mtiClass(msg.mti) === '4') this.recordReversal(rec);
    this.emit('request', rec);
    this.notify();

    const mode = this.mode;
    if (mode.disconnectMidFrame) {
      this.mode = { ...mode, disconnectMidFrame: false };
      this.halfFrameThenClose(c, this.frameFor(c, this.plan(msg).response, requestHeader));
      return;
    }
    if (mode.drop) return;
    const plan = this.plan(msg);
    if (!plan.answer) return;
    const delay = plan.delayMs + mode.delayMs;
    if (delay <= 0) {
      this.answer(c, plan.response, requestHeader);
      return;
    }
    const timer = setTimeout(() => {
      c.timers.delete(timer);
      this.answer(c, plan.response, requestHeader);
    }, delay);
    c.timers.add(timer);
  }

  private answer(c: Connection, response: Iso8583Message, requestHeader: Buffer | undefined): void {
    if (c.closing) return;
    const mode = this.mode;
    if (mode.unsolicited) {
      const extra = this.unsolicitedMessage(c);
      if (this.write(c, this.frameFor(c, extra, requestHeader))) this.unsolicitedSent.push(extra);
    }
    const frame = this.frameFor(c, response, requestHeader);
    if (this.write(c, frame)) this.answers++;
    if (mode.duplicateResponses && this.write(c, frame)) this.answers++;
  }

  /** Write the first half of `frame`, then close: the peer is left with a partial frame. */
  private halfFrameThenClose(c: Connection, frame: Buffer): void {
    c.closing = true;
    for (const t of c.timers) clearTimeout(t);
    c.timers.clear();
    const half = frame.subarray(0, Math.max(1, Math.floor(frame.length / 2)));
    const socket = c.socket;
    socket.end(half, () => socket.destroy());
  }

  private recordReversal(rec: ReceivedMessage): void {
    const key = reversalKey(rec);
    const r = this.reversals.get(key);
    if (r === undefined) this.reversals.set(key, { key, count: 1, first: rec, last: rec });
    else {
      r.count++;
      r.last = rec;
    }
  }

  /** The default answer to a request. */
  private plan(req: Iso8583Message): Plan {
    const cls = mtiClass(req.mti);
    const fn = mtiFunction(req.mti);
    const d = this.codec.dialect;
    const f = req.fields;
    const res: Iso8583Message = { mti: answerMti(req.mti), fields: {} };
    if (req.header !== undefined) res.header = req.header;
    const out = res.fields;
    const copy = (list: readonly string[]): void => {
      for (const k of list) {
        const v = f[k];
        if (v !== undefined) out[k] = v;
      }
    };
    const rc = (code87: string): void => {
      if (d.fields[39] !== undefined) out['39'] = responseCodeFor(d, code87, cls);
    };

    if (cls === '8') {
      copy(NETWORK_ECHO_FIELDS);
      const signOn = f['70'] === undefined || f['70'] === '001';
      rc(signOn && this.mode.refuseSignOn ? '91' : '00');
      return { response: res, answer: true, delayMs: 0 };
    }
    if (cls === '4') {
      copy(REVERSAL_ECHO_FIELDS);
      rc('00');
      return { response: res, answer: true, delayMs: 0 };
    }
    if ((cls === '1' || cls === '2') && (fn === 2 || fn === 3)) {
      // Advice / advice repeat: acknowledged.
      copy(ECHO_FIELDS);
      rc('00');
      return { response: res, answer: true, delayMs: 0 };
    }
    if ((cls === '1' || cls === '2') && (fn === 0 || fn === 1)) {
      copy(ECHO_FIELDS);
      const amount = f['4'];
      const last2 = amount === undefined ? '' : amount.slice(-2);
      if (last2 === '98') return { response: res, answer: false, delayMs: 0 };
      const code = last2 === '97' ? '00' : responseCodeForAmount(amount);
      rc(code);
      if (code === '00') this.approve(req, res);
      return { response: res, answer: true, delayMs: last2 === '97' ? this.timeoutHintMs + this.lateByMs : 0 };
    }
    copy(ECHO_FIELDS);
    rc('12');
    return { response: res, answer: true, delayMs: 0 };
  }

  /** Approval extras: 38, 54 for balance enquiries, 55 tag 91 when the request had ICC data. */
  private approve(req: Iso8583Message, res: Iso8583Message): void {
    const d = this.codec.dialect;
    const out = res.fields;
    if (d.fields[38] !== undefined) out['38'] = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0');
    const proc = req.fields['3'];
    const f54 = d.fields[54];
    if (proc !== undefined && proc.startsWith('31') && f54 !== undefined && f54.prefixDigits > 0 && f54.length >= 20) {
      // Additional amounts: account type, amount type 02 (available balance), currency, sign, amount.
      const ccy = req.fields['49'] ?? '410';
      out['54'] = `${proc.slice(2, 4)}02${ccy}C${'000001000000'}`;
    }
    if (req.fields['55'] !== undefined && d.fields[55] !== undefined) {
      // Tag 91 issuer authentication data: ARPC (8 bytes) + authorization response code "00".
      let arpc = '';
      for (let i = 0; i < 8; i++) arpc += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
      out['55'] = `910A${arpc.toUpperCase()}3030`;
    }
  }

  private unsolicitedMessage(c: Connection): Iso8583Message {
    const d = this.codec.dialect;
    const fields: Record<string, string> = {};
    const put = (no: number, v: string): void => {
      if (d.fields[no] !== undefined) fields[String(no)] = v;
    };
    put(3, '000000');
    put(4, '000000010000');
    put(7, transmissionDateTime());
    put(11, randomStan());
    put(39, responseCodeFor(d, '00', '2'));
    put(41, c.lastTerminal ?? 'UNSOLICT');
    return copyMessage({ mti: `${c.lastVersion}210`, fields });
  }
}
