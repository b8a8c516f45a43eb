/**
 * One ISO 8583 link: one TCP (or TLS) connection, its framer and codec, and the MUX that matches
 * responses to the requests in flight on it.
 *
 * - Role `client` connects, signs on (optional), echoes when idle (optional) and reconnects with
 *   exponential backoff and full jitter; role `server` wraps an accepted socket and ends with it.
 * - Bidirectional: our requests go out through `request()`; the peer's requests come in through
 *   `onRequest` (or `'request'` events), its 0800s are answered by the link itself.
 * - Matching by a configurable key (default: folded MTI | 41 | 11 | 7, see match-key.ts). A second
 *   request with a pending key is refused before anything is written. Any number in flight.
 * - Timeouts on the monotonic clock (`performance.now()`), one timer per link over a deadline heap.
 * - Late (key timed out recently), duplicate (key answered recently) and unmatched responses are
 *   events, never errors.
 * - Never resends a request: on close every pending request rejects DARI_LINK_CLOSED; a new
 *   connection replays only the sign-on.
 * - Writes issued in one event-loop turn go out in one socket write (cork, uncork on next tick);
 *   when the socket refuses more (`write()` false) frames wait in a queue for 'drain'.
 * - Nothing thrown inside a socket callback escapes: framing errors close the connection (this link
 *   only), codec errors become `'formatError'` events, listener errors `'listenerError'` events.
 *
 * Events (EventEmitter) carry messages; `node:diagnostics_channel` channels (diagnostics.ts) carry
 * plain objects without message contents, for metrics.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import type { Iso8583Codec, Iso8583Message } from '../codec/iso8583';
import { DariError, isDariError } from '../errors';
import { FrameDecoder, FrameEncoder, KeepAlivePolicy, type FrameSink } from '../transport/framing';
import { corkForTurn } from '../transport/cork';
import { DeadlineQueue, type Deadline } from './deadline-queue';
import { linkChannels as ch } from './diagnostics';
import { LinkError } from './errors';
import { ECHO_TEST, SIGN_ON, StanCounter, isNetworkRequest, networkRequest, networkResponse, peekMti } from './network';
import { invalidOption, linkConfig, type LinkConfig, type LinkOptions, type Reply } from './options';
import { RecentKeys } from './recent-keys';
import { isResponseMti, type Exchange, type SendOptions, type Sender } from './types';
import { macFieldFor, signIso8583, verifyIso8583 } from '../security/hsm/iso8583-mac';

/** Network management (x8xx) is exchanged without a MAC (sign-on must work before keys are in use). */
function isNetworkMti(mti: string): boolean {
  return mti[1] === '8';
}

/**
 * `idle` (created, not started) -> `connecting` -> [`signing-on`] -> `ready` -> `backoff` (client:
 * waiting to reconnect) -> `connecting` ... ; `closed` after `close()` (or, for a server link, when
 * its socket ends). Only `ready` takes requests.
 */
export type LinkState = 'idle' | 'connecting' | 'signing-on' | 'ready' | 'backoff' | 'closed';

/** Why a connection ended. */
export type DisconnectReason =
  | 'peer' // the peer closed it
  | 'error' // a socket error (refused, reset, TLS failure)
  | 'connect-timeout'
  | 'frame-error' // the peer's bytes are not framed as configured
  | 'sign-on-failed'
  | 'echo-timeout'
  | 'closed'; // close() was called

export interface DisconnectInfo {
  reason: DisconnectReason;
  /** The socket error, when there was one. */
  error: Error | undefined;
  /** Whether the connection had been established (false: the connect attempt failed). */
  connected: boolean;
  /** Requests rejected with DARI_LINK_CLOSED. */
  rejected: number;
}

export interface FormatErrorInfo {
  /** The frame's MTI, when its first bytes are one in the dialect's encoding. */
  mti: string | undefined;
  /** Size of the message bytes the codec refused (the bytes themselves may hold card data). */
  length: number;
  /**
   * For a readable request MTI: writes an answer (e.g. the same class response with field 39 = 30)
   * on the connection the frame came from. Undefined otherwise.
   */
  reply: Reply | undefined;
  /**
   * The matching and echo fields that decoded before the bad one (3, 4, 7, 11, 12, 13, 32, 37, 41,
   * 42, 49), so a format-error answer still matches its request. Never card data.
   */
  fields: Record<string, string>;
}

const SALVAGED_FIELDS = ['3', '4', '7', '11', '12', '13', '32', '37', '41', '42', '49'];

function keyFieldsOf(all: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SALVAGED_FIELDS) if (all[k] !== undefined) out[k] = all[k];
  return out;
}

export type UnmatchedReason = 'unknown' | 'duplicate';

export interface LinkEventMap {
  /** Each state change. */
  state: [state: LinkState, previous: LinkState];
  /** The link can take requests (after connect, or after sign-on). */
  ready: [];
  /** A connection (or a connect attempt) ended. */
  disconnect: [info: DisconnectInfo];
  /** A request from the peer, when no `onRequest` handler is configured. */
  request: [request: Iso8583Message, reply: Reply, link: string];
  /** A response whose request timed out recently (within `lateKeyTtlMs`). */
  late: [response: Iso8583Message, key: string];
  /** A response that matches nothing pending: `'duplicate'` when its key was answered recently. */
  unmatched: [response: Iso8583Message, reason: UnmatchedReason, key: string];
  /** The peer's bytes are not framed as configured: the connection closes. */
  frameError: [error: DariError];
  /** A frame the codec cannot unpack: the connection stays up. */
  formatError: [error: DariError, info: FormatErrorInfo];
  /** A sign-on was refused or not answered (the connection closes and retries with backoff). */
  signOnFailed: [error: LinkError];
  /** A listener or handler threw (caught so that it never escapes a socket callback). */
  listenerError: [error: unknown, source: string];
}

/** Counters since the link was created. */
export interface LinkStats {
  state: LinkState;
  inFlight: number;
  /** Requests written (ours, including sign-on and echo). */
  requests: number;
  /** Responses matched to our requests. */
  responses: number;
  timeouts: number;
  late: number;
  unmatched: number;
  duplicates: number;
  /** Requests from the peer. */
  incoming: number;
  frameErrors: number;
  formatErrors: number;
  connects: number;
  disconnects: number;
  /** Socket writes (each may carry many frames). */
  flushes: number;
  /** Times the socket refused more data and frames waited for 'drain'. */
  backpressure: number;
  listenerErrors: number;
}

interface Pending extends Deadline {
  readonly key: string;
  readonly mti: string;
  readonly timeoutMs: number;
  readonly internal: boolean;
  readonly resolve: (e: Exchange) => void;
  readonly reject: (e: LinkError) => void;
  /** Handed to the socket (not merely queued behind backpressure). */
  written: boolean;
  sentAt: number;
  settled: boolean;
}

/** One socket's state; events of a connection that is no longer current are ignored. */
class Connection {
  connected = false;
  reason: DisconnectReason | undefined = undefined;
  error: Error | undefined = undefined;
  corked = false;
  blocked = false;
  backlog: (Buffer | undefined)[] = [];
  owners: (Pending | undefined)[] = [];
  head = 0;
  connectTimer: NodeJS.Timeout | undefined = undefined;
  closeTimer: NodeJS.Timeout | undefined = undefined;
  decoder!: FrameDecoder;
  readonly policy: KeepAlivePolicy;

  constructor(readonly socket: net.Socket, config: LinkConfig) {
    this.policy = new KeepAlivePolicy(config.framing);
  }
}

/** Tolerance when the link timer fires (Node timers may run a fraction of a millisecond early). */
const TIMER_SLACK_MS = 1;

let anonymous = 0;

export class Link extends EventEmitter<LinkEventMap> implements Sender {
  readonly id: string;
  readonly config: LinkConfig;
  private readonly codec: Iso8583Codec;
  private readonly encoder: FrameEncoder;
  private readonly stan: () => string;
  private _state: LinkState = 'idle';
  private conn: Connection | undefined = undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines = new DeadlineQueue<Pending>();
  private readonly lateKeys: RecentKeys;
  private readonly answeredKeys: RecentKeys;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastReceived = 0;
  private echoPending = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined = undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined = undefined;
  private closeResolve: (() => void) | undefined = undefined;
  private readonly counters: Omit<LinkStats, 'state' | 'inFlight'> = {
    requests: 0, responses: 0, timeouts: 0, late: 0, unmatched: 0, duplicates: 0, incoming: 0, frameErrors: 0,
    formatErrors: 0, connects: 0, disconnects: 0, flushes: 0, backpressure: 0, listenerErrors: 0,
  };

  constructor(options: LinkOptions) {
    super();
    const c = linkConfig(options);
    this.config = c;
    this.codec = c.codec;
    this.encoder = new FrameEncoder(c.framing);
    this.id = c.id ?? (c.role === 'client'
      ? `${c.host}:${c.port}`
      : c.socket?.remoteAddress !== undefined ? `${c.socket.remoteAddress}:${c.socket.remotePort}` : `link-${++anonymous}`);
    const counter = new StanCounter();
    this.stan = c.nextStan ?? (() => counter.next());
    this.lateKeys = new RecentKeys(c.lateKeyMemory, c.lateKeyTtlMs);
    this.answeredKeys = new RecentKeys(c.answeredKeyMemory, c.lateKeyTtlMs);
  }

  get state(): LinkState {
    return this._state;
  }

  /** Signed on (or connected, without sign-on) and able to take requests. */
  get ready(): boolean {
    return this._state === 'ready';
  }

  /** Requests waiting for their response (including the link's own 0800s). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Ready and below `maxInFlight`: a request now would be sent. */
  get available(): boolean {
    return this._state === 'ready' && (this.config.maxInFlight === 0 || this.pending.size < this.config.maxInFlight);
  }

  stats(): LinkStats {
    return { state: this._state, inFlight: this.pending.size, ...this.counters };
  }

  /** Connect (client) or start reading the accepted socket (server). Idempotent. */
  start(): this {
    if (this._state !== 'idle' || this.closing) return this;
    if (this.config.role === 'client') {
      this.connect();
      return this;
    }
    const socket = this.config.socket as net.Socket;
    if (socket.destroyed) {
      this.setState('closed', 'peer');
      return this;
    }
    const conn = this.attach(socket);
    this.onConnected(conn);
    return this;
  }

  /**
   * Send a request; resolve with its matched response. Rejects (a `LinkError`, `sent` telling whether
   * it reached the wire) with DARI_LINK_NOT_READY, DARI_LINK_DUPLICATE_KEY or a codec error before
   * anything is written; DARI_LINK_TIMEOUT or DARI_LINK_CLOSED after.
   */
  request(msg: Iso8583Message, options?: SendOptions): Promise<Exchange> {
    const conn = this.conn;
    if (this._state !== 'ready' || conn === undefined) {
      return Promise.reject(new LinkError('DARI_LINK_NOT_READY', `link ${this.id} is ${this._state}; nothing was sent`, false));
    }
    const max = this.config.maxInFlight;
    if (max !== 0 && this.pending.size >= max) {
      return Promise.reject(new LinkError('DARI_LINK_NOT_READY', `link ${this.id} has ${max} requests in flight (maxInFlight); nothing was sent`, false));
    }
    let timeoutMs = this.config.requestTimeoutMs;
    if (options?.timeoutMs !== undefined) {
      timeoutMs = options.timeoutMs;
      if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 0x7fffffff) {
        return Promise.reject(LinkError.notSent(new DariError('DARI_LINK_OPTIONS_INVALID', 'request option timeoutMs must be a positive number of milliseconds')));
      }
    }
    return this.send(conn, msg, timeoutMs, false);
  }

  /**
   * Close the link: pending requests reject DARI_LINK_CLOSED, the socket ends (destroyed after
   * `closeTimeoutMs`), no reconnect. Resolves once the socket is closed.
   */
  close(): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    this.closing = true;
    this.closePromise = new Promise<void>((resolve) => {
      this.closeResolve = resolve;
    });
    if (this.reconnectTimer !== undefined) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    const conn = this.conn;
    if (conn === undefined) {
      if (this._state === 'idle' && this.config.socket !== undefined) this.config.socket.destroy();
      this.finishClose();
    } else {
      conn.reason = 'closed';
      this.rejectAll('closed');
      if (!conn.connected || this.config.closeTimeoutMs === 0) {
        conn.socket.destroy();
      } else {
        conn.socket.end();
        conn.closeTimer = setTimeout(() => conn.socket.destroy(), this.config.closeTimeoutMs);
      }
    }
    return this.closePromise;
  }

  // ------------------------------------------------------------------------------------------------
  // connection lifecycle

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    this.setState('connecting');
    const c = this.config;
    let socket: net.Socket;
    try {
      socket = c.tls !== undefined
        ? tls.connect({ ...c.tls, host: c.host as string, port: c.port as number })
        : net.connect({ host: c.host as string, port: c.port as number });
    } catch (e) {
      // A factory failure (e.g. unreadable TLS options) must not end the reconnect loop
      // (iso8583-connection PR #103).
      this.counters.disconnects++;
      this.emitSafely('disconnect', () => this.emit('disconnect', { reason: 'error', error: e instanceof Error ? e : new Error(String(e)), connected: false, rejected: 0 }));
      this.scheduleReconnect();
      return;
    }
    const conn = this.attach(socket);
    conn.connectTimer = setTimeout(() => {
      conn.reason = 'connect-timeout';
      socket.destroy();
    }, c.connectTimeoutMs);
    socket.once(c.tls !== undefined ? 'secureConnect' : 'connect', () => {
      if (conn.connectTimer !== undefined) clearTimeout(conn.connectTimer);
      conn.connectTimer = undefined;
      this.onConnected(conn);
    });
  }

  private attach(socket: net.Socket): Connection {
    const conn = new Connection(socket, this.config);
    const sink: FrameSink = {
      frame: (message, header) => this.onFrame(conn, message, header),
      keepAlive: () => this.onKeepAlive(conn),
    };
    conn.decoder = new FrameDecoder(this.config.framing, sink);
    this.conn = conn;
    socket.on('data', (chunk: Buffer) => {
      if (conn !== this.conn) return;
      try {
        conn.decoder.push(chunk);
      } catch (e) {
        this.onFrameError(conn, e);
      }
    });
    socket.on('end', () => {
      if (conn !== this.conn) return;
      conn.reason ??= 'peer';
      try {
        conn.decoder.end();
      } catch (e) {
        this.onFrameError(conn, e);
      }
    });
    socket.on('error', (err: Error) => {
      conn.error ??= err;
      conn.reason ??= 'error';
    });
    socket.on('drain', () => this.onDrain(conn));
    socket.on('close', () => this.onClose(conn));
    return conn;
  }

  private onConnected(conn: Connection): void {
    if (conn !== this.conn) return;
    conn.connected = true;
    this.counters.connects++;
    if (this.config.noDelay) conn.socket.setNoDelay(true);
    this.lastReceived = performance.now();
    if (this.config.signOn) {
      this.setState('signing-on');
      this.signOn(conn);
    } else {
      this.becomeReady();
    }
  }

  private becomeReady(): void {
    this.attempt = 0;
    this.setState('ready');
    this.emitSafely('ready', () => this.emit('ready'));
    this.arm(this.nextWake());
  }

  private signOn(conn: Connection): void {
    const msg = networkRequest(SIGN_ON, this.stan(), this.config.networkFields);
    this.send(conn, msg, this.config.signOnTimeoutMs, true).then(
      (ex) => {
        if (conn !== this.conn || this.closing) return;
        const rc = ex.response.fields['39'];
        if (rc === '00') {
          if (ch.signOn.hasSubscribers) ch.signOn.publish({ link: this.id, ok: true, responseCode: rc });
          this.becomeReady();
        } else {
          this.signOnFailed(conn, new LinkError('DARI_LINK_SIGN_ON_FAILED', `link ${this.id}: sign-on answered with field 39 = ${rc ?? '(absent)'}`, true), rc);
        }
      },
      (e: LinkError) => {
        if (conn !== this.conn || this.closing) return;
        this.signOnFailed(conn, new LinkError('DARI_LINK_SIGN_ON_FAILED', `link ${this.id}: sign-on not answered (${e.code})`, e.sent), undefined);
      },
    );
  }

  private signOnFailed(conn: Connection, err: LinkError, rc: string | undefined): void {
    if (ch.signOn.hasSubscribers) ch.signOn.publish({ link: this.id, ok: false, code: err.code, responseCode: rc });
    this.emitSafely('signOnFailed', () => this.emit('signOnFailed', err));
    conn.reason = 'sign-on-failed';
    conn.socket.destroy();
  }

  private sendEcho(conn: Connection): void {
    this.echoPending = true;
    const msg = networkRequest(ECHO_TEST, this.stan(), this.config.networkFields);
    this.send(conn, msg, this.config.echoTimeoutMs, true).then(
      () => {
        if (conn !== this.conn) return;
        this.echoPending = false;
        if (ch.echo.hasSubscribers) ch.echo.publish({ link: this.id, ok: true });
        this.arm(this.nextWake());
      },
      (e: LinkError) => {
        if (conn !== this.conn) return;
        this.echoPending = false;
        if (ch.echo.hasSubscribers) ch.echo.publish({ link: this.id, ok: false });
        if (e.code === 'DARI_LINK_TIMEOUT' || e.code === 'DARI_LINK_DUPLICATE_KEY') {
          conn.reason = 'echo-timeout';
          conn.socket.destroy();
        }
      },
    );
  }

  private onClose(conn: Connection): void {
    if (conn.connectTimer !== undefined) clearTimeout(conn.connectTimer);
    if (conn.closeTimer !== undefined) clearTimeout(conn.closeTimer);
    conn.connectTimer = undefined;
    conn.closeTimer = undefined;
    conn.backlog = [];
    conn.owners = [];
    conn.head = 0;
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.echoPending = false;
    const reason: DisconnectReason = conn.reason ?? (this.closing ? 'closed' : conn.error !== undefined ? 'error' : 'peer');
    const rejected = this.rejectAll(reason);
    this.clearTimer();
    this.counters.disconnects++;
    const info: DisconnectInfo = { reason, error: conn.error, connected: conn.connected, rejected };
    this.emitSafely('disconnect', () => this.emit('disconnect', info));
    if (this.closing || this.config.role === 'server') {
      this.finishClose(reason);
    } else {
      this.scheduleReconnect(reason);
    }
  }

  private scheduleReconnect(reason?: DisconnectReason): void {
    if (this.closing) return;
    const c = this.config;
    const cap = Math.min(c.reconnectMaxMs, c.reconnectBaseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const delay = Math.random() * cap; // full jitter
    this.setState('backoff', reason);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private finishClose(reason?: DisconnectReason): void {
    this.clearTimer();
    this.setState('closed', reason);
    const resolve = this.closeResolve;
    this.closeResolve = undefined;
    if (resolve !== undefined) resolve();
  }

  /** Reject every pending request with DARI_LINK_CLOSED; returns how many. */
  private rejectAll(reason: DisconnectReason): number {
    const all = this.deadlines.drain();
    if (all.length === 0) return 0;
    this.pending.clear();
    const now = performance.now();
    for (const p of all) {
      p.settled = true;
      // A response may still come (e.g. on the next connection): report it as late.
      if (p.written) this.lateKeys.add(p.key, now);
    }
    for (const p of all) {
      const err = new LinkError('DARI_LINK_CLOSED',
        `link ${this.id} closed (${reason}) while a ${p.mti} was pending; ${p.written ? 'it was sent (the partner may have acted)' : 'it was never sent'}`, p.written);
      err.link = this.id;
      p.reject(err);
    }
    return all.length;
  }

  // ------------------------------------------------------------------------------------------------
  // sending

  private send(conn: Connection, msg: Iso8583Message, timeoutMs: number, internal: boolean): Promise<Exchange> {
    let key: string;
    let frame: Buffer;
    try {
      key = this.config.matchKey(msg);
      if (typeof key !== 'string') throw new DariError('DARI_LINK_OPTIONS_INVALID', 'link option matchKey must return a string');
      if (this.pending.has(key)) {
        throw new LinkError('DARI_LINK_DUPLICATE_KEY', `link ${this.id}: a ${msg.mti} with the same matching key is already pending; nothing was sent`, false);
      }
      frame = this.encoder.encode(this.packOut(msg));
    } catch (e) {
      return Promise.reject(LinkError.notSent(e));
    }
    return new Promise<Exchange>((resolve, reject) => {
      const now = performance.now();
      const p: Pending = {
        key, mti: msg.mti, timeoutMs, internal, resolve, reject,
        deadline: now + timeoutMs, heapIndex: -1, written: false, sentAt: now, settled: false,
      };
      this.pending.set(key, p);
      this.deadlines.push(p);
      this.arm(p.deadline);
      this.write(conn, frame, p);
      this.counters.requests++;
      if (ch.request.hasSubscribers) ch.request.publish({ link: this.id, key, mti: p.mti, inFlight: this.pending.size, internal });
    });
  }

  private reply(conn: Connection, response: Iso8583Message, requestHeader: Buffer | undefined): boolean {
    if (conn !== this.conn || conn.socket.destroyed || !conn.socket.writable) return false;
    const body = this.packOut(response);
    const frame = requestHeader === undefined ? this.encoder.encode(body) : this.encoder.encodeReply(body, requestHeader);
    this.write(conn, frame, undefined);
    return true;
  }

  /** Pack a message to write, signed when the link authenticates messages (network management excepted). */
  private packOut(msg: Iso8583Message): Buffer {
    const mac = this.config.mac;
    if (mac === undefined || isNetworkMti(msg.mti)) return this.codec.pack(msg);
    return signIso8583(this.codec, msg, mac).packed;
  }

  private write(conn: Connection, frame: Buffer, owner: Pending | undefined): void {
    if (conn.blocked) {
      conn.backlog.push(frame);
      conn.owners.push(owner);
      return;
    }
    this.put(conn, frame, owner);
  }

  /** Hand a frame to the socket, corked until the end of this turn so the turn's frames go out in one write. */
  private put(conn: Connection, frame: Buffer, owner: Pending | undefined): void {
    const s = conn.socket;
    if (s.destroyed || !s.writable) return;
    if (corkForTurn(conn, s)) this.counters.flushes++;
    if (owner !== undefined) {
      owner.written = true;
      owner.sentAt = performance.now();
    }
    if (!s.write(frame)) {
      conn.blocked = true;
      this.counters.backpressure++;
      if (ch.backpressure.hasSubscribers) ch.backpressure.publish({ link: this.id, queued: s.writableLength });
    }
  }

  private onDrain(conn: Connection): void {
    if (conn !== this.conn) return;
    conn.blocked = false;
    const backlog = conn.backlog;
    const owners = conn.owners;
    while (conn.head < backlog.length && !conn.blocked) {
      const i = conn.head++;
      const frame = backlog[i] as Buffer;
      const owner = owners[i];
      backlog[i] = undefined;
      owners[i] = undefined;
      if (owner !== undefined && owner.settled) continue; // timed out while queued: never sent
      this.put(conn, frame, owner);
    }
    if (conn.head >= backlog.length) {
      conn.backlog = [];
      conn.owners = [];
      conn.head = 0;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // receiving

  private onFrame(conn: Connection, message: Buffer, header: Buffer | undefined): void {
    const now = performance.now();
    this.lastReceived = now;
    conn.policy.messageReceived();
    let msg: Iso8583Message;
    try {
      msg = this.codec.unpack(message);
      const mac = this.config.mac;
      if (mac !== undefined && !isNetworkMti(msg.mti) && !verifyIso8583(this.codec, message, mac, msg)) {
        throw new DariError('DARI_LINK_MAC_INVALID', `link ${this.id}: ${msg.mti} STAN ${msg.fields['11'] ?? '?'}: the MAC (field ${macFieldFor(msg)}) is missing or wrong; the message is not applied`, { field: macFieldFor(msg) });
      }
    } catch (e) {
      this.onFormatError(conn, e, message, header);
      return;
    }
    if (isResponseMti(msg.mti)) this.onResponse(msg, now);
    else this.onIncomingRequest(conn, msg, header);
  }

  private onResponse(msg: Iso8583Message, now: number): void {
    let key: string;
    try {
      key = this.config.matchKey(msg);
    } catch (e) {
      this.listenerFailure(e, 'matchKey');
      key = '';
    }
    const p = this.pending.get(key);
    if (p !== undefined) {
      this.pending.delete(key);
      this.deadlines.remove(p);
      p.settled = true;
      this.answeredKeys.add(key, now);
      this.counters.responses++;
      const waitSeconds = (now - p.sentAt) / 1000;
      if (ch.response.hasSubscribers) ch.response.publish({ link: this.id, key, mti: msg.mti, waitSeconds, inFlight: this.pending.size });
      p.resolve({ response: msg, link: this.id, waitSeconds });
      return;
    }
    if (this.lateKeys.take(key, now)) {
      this.answeredKeys.add(key, now);
      this.counters.late++;
      if (ch.late.hasSubscribers) ch.late.publish({ link: this.id, key, mti: msg.mti });
      this.emitSafely('late', () => this.emit('late', msg, key));
      return;
    }
    let reason: UnmatchedReason = 'unknown';
    if (this.answeredKeys.take(key, now)) {
      reason = 'duplicate';
      this.answeredKeys.add(key, now);
      this.counters.duplicates++;
    }
    this.counters.unmatched++;
    if (ch.unmatched.hasSubscribers) ch.unmatched.publish({ link: this.id, key, mti: msg.mti, reason });
    this.emitSafely('unmatched', () => this.emit('unmatched', msg, reason, key));
  }

  private onIncomingRequest(conn: Connection, msg: Iso8583Message, header: Buffer | undefined): void {
    this.counters.incoming++;
    const network = isNetworkRequest(msg.mti);
    const c = this.config;
    const own = network && c.onNetworkRequest === undefined;
    if (ch.incoming.hasSubscribers) ch.incoming.publish({ link: this.id, mti: msg.mti, network: own });
    // The frame header is a view of the socket chunk: copy it if the answer may come later.
    const requestHeader = header === undefined ? undefined : Buffer.from(header);
    if (own) {
      try {
        this.reply(conn, networkResponse(msg, c.keyFields), requestHeader);
      } catch (e) {
        this.listenerFailure(e, 'network management answer');
      }
      return;
    }
    const reply: Reply = (response) => this.reply(conn, response, requestHeader);
    const handler = network ? c.onNetworkRequest : c.onRequest;
    if (handler !== undefined) {
      try {
        handler(msg, reply, this.id);
      } catch (e) {
        this.listenerFailure(e, network ? 'onNetworkRequest' : 'onRequest');
      }
      return;
    }
    this.emitSafely('request', () => this.emit('request', msg, reply, this.id));
  }

  private onKeepAlive(conn: Connection): void {
    const now = performance.now();
    this.lastReceived = now;
    if (conn.policy.received(now) === 'answer') this.write(conn, this.encoder.keepAlive(), undefined);
  }

  private onFrameError(conn: Connection, e: unknown): void {
    const err = isDariError(e) ? e : new DariError('DARI_INTERNAL_ERROR', `link ${this.id}: frame handling failed: ${e instanceof Error ? e.message : String(e)}`);
    this.counters.frameErrors++;
    if (ch.frameError.hasSubscribers) ch.frameError.publish({ link: this.id, code: err.code, message: err.message, offset: err.offset });
    this.emitSafely('frameError', () => this.emit('frameError', err));
    conn.reason = 'frame-error';
    conn.socket.destroy();
  }

  private onFormatError(conn: Connection, e: unknown, message: Buffer, header: Buffer | undefined): void {
    const err = isDariError(e) ? e : new DariError('DARI_INTERNAL_ERROR', `link ${this.id}: unpack failed: ${e instanceof Error ? e.message : String(e)}`);
    this.counters.formatErrors++;
    const mti = peekMti(this.codec.dialect, message);
    let reply: Reply | undefined;
    if (mti !== undefined && !isResponseMti(mti)) {
      const requestHeader = header === undefined ? undefined : Buffer.from(header);
      reply = (response) => this.reply(conn, response, requestHeader);
    }
    if (ch.formatError.hasSubscribers) {
      ch.formatError.publish({ link: this.id, code: err.code, message: err.message, field: err.field, offset: err.offset, mti });
    }
    const info: FormatErrorInfo = { mti, length: message.length, reply, fields: keyFieldsOf(this.codec.salvage(message).fields) };
    this.emitSafely('formatError', () => this.emit('formatError', err, info));
  }

  // ------------------------------------------------------------------------------------------------
  // the one timer: request deadlines and the idle echo

  /** Monotonic time of the next thing the timer must do (Infinity: nothing). */
  private nextWake(): number {
    const top = this.deadlines.peek();
    let at = top === undefined ? Number.POSITIVE_INFINITY : top.deadline;
    const echo = this.config.echoIntervalMs;
    if (echo > 0 && this._state === 'ready' && !this.echoPending) at = Math.min(at, this.lastReceived + echo);
    return at;
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(at - performance.now())));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    for (let p = this.deadlines.popExpired(now + TIMER_SLACK_MS); p !== undefined; p = this.deadlines.popExpired(now + TIMER_SLACK_MS)) {
      this.expire(p, now);
    }
    const echo = this.config.echoIntervalMs;
    const conn = this.conn;
    if (echo > 0 && conn !== undefined && this._state === 'ready' && !this.echoPending && now + TIMER_SLACK_MS - this.lastReceived >= echo) {
      this.sendEcho(conn);
    }
    const at = this.nextWake();
    if (at !== Number.POSITIVE_INFINITY) this.arm(at);
  };

  private expire(p: Pending, now: number): void {
    this.pending.delete(p.key);
    p.settled = true;
    this.lateKeys.add(p.key, now);
    this.counters.timeouts++;
    if (ch.timeout.hasSubscribers) ch.timeout.publish({ link: this.id, key: p.key, mti: p.mti, timeoutMs: p.timeoutMs, sent: p.written });
    const err = new LinkError('DARI_LINK_TIMEOUT',
      `link ${this.id}: no response to a ${p.mti} within ${p.timeoutMs} ms${p.written ? ' (the partner may have acted)' : ' (it was never sent: the socket stayed blocked)'}`, p.written);
    err.link = this.id;
    p.reject(err);
  }

  // ------------------------------------------------------------------------------------------------
  // state and events

  private setState(next: LinkState, reason?: DisconnectReason): void {
    const previous = this._state;
    if (previous === next) return;
    this._state = next;
    if (ch.state.hasSubscribers) ch.state.publish(reason === undefined ? { link: this.id, state: next, previous } : { link: this.id, state: next, previous, reason });
    this.emitSafely('state', () => this.emit('state', next, previous));
  }

  private emitSafely(source: string, emit: () => void): void {
    try {
      emit();
    } catch (e) {
      this.listenerFailure(e, `'${source}' listener`);
    }
  }

  private listenerFailure(e: unknown, source: string): void {
    this.counters.listenerErrors++;
    if (this.listenerCount('listenerError') > 0) {
      try {
        this.emit('listenerError', e, source);
        return;
      } catch {
        // fall through to a process warning
      }
    }
    process.emitWarning(`link ${this.id}: ${source} threw: ${e instanceof Error ? e.message : String(e)}`, 'DariLinkWarning');
  }
}

/** A server-role link around an accepted socket, started. */
export function acceptLink(socket: net.Socket, options: Omit<LinkOptions, 'role' | 'socket' | 'host' | 'port' | 'tls' | 'signOn'>): Link {
  if (socket === undefined || socket === null) invalidOption('socket', 'is required');
  return new Link({ ...options, role: 'server', socket }).start();
}
