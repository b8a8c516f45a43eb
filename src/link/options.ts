/**
 * Link options: declared here with their defaults, validated once by `linkConfig()` (errors are
 * DARI_LINK_OPTIONS_INVALID naming the option), then frozen.
 */
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Iso8583Codec, type Iso8583Message } from '../codec/iso8583';
import { DariError } from '../errors';
import { framingConfig, type FramingConfig, type FramingOptions } from '../transport/framing';
import { DEFAULT_KEY_FIELDS, DEFAULT_NETWORK_KEY_FIELDS, keyByClass, type MatchKey } from './match-key';

/**
 * Writes the answer to an incoming request on the link it came from (with the request's fixed
 * header, TPDU swapped). Returns false when that connection is gone (nothing written). Throws the
 * codec's error if the response cannot be packed.
 */
export type Reply = (response: Iso8583Message) => boolean;

/** Handler for requests the peer sends us. `link` is the receiving link's id. */
export type RequestHandler = (request: Iso8583Message, reply: Reply, link: string) => void;

export type LinkRole = 'client' | 'server';

export interface LinkOptions {
  /**
   * `client`: the link connects to `host`:`port` and reconnects with backoff after every close.
   * `server`: the link wraps an accepted `socket` and ends with it (the peer reconnects).
   * @default none (required)
   */
  role: LinkRole;

  /**
   * Name in events, metrics and `Exchange.link`; `LinkPool` needs it unique.
   * @default `host:port` (client) or the peer's `address:port` (server)
   */
  id?: string;

  /** Client role: the partner's host. @default none (required for client) */
  host?: string;

  /** Client role: the partner's TCP port. @default none (required for client) */
  port?: number;

  /**
   * Server role: the accepted socket (a `tls.TLSSocket` from a `tls.Server` for TLS links). The link
   * reads it only from `start()`.
   * @default none (required for server)
   */
  socket?: Socket;

  /**
   * Client role: connect with TLS (`node:tls`), e.g. `{ ca, cert, key, servername }` for a partner
   * that wants a client certificate. `host` and `port` come from the options above.
   * @default undefined (plain TCP)
   */
  tls?: TlsConnectionOptions;

  /** The ISO 8583 codec of the partner's dialect (may be shared by links). @default none (required) */
  codec: Iso8583Codec;

  /** The partner's framing (length header, fixed header, keep-alives). @default none (required) */
  framing: FramingOptions | FramingConfig;

  /**
   * Default time a request waits for its response, in ms of a monotonic clock
   * (`SendOptions.timeoutMs` overrides it per request).
   * @default 30000
   */
  requestTimeoutMs?: number;

  /** Client role: time allowed for the TCP (and TLS) connect. @default 10000 */
  connectTimeoutMs?: number;

  /**
   * Client role: send 0800 (70 = 001) on every connect and become ready only once it is answered
   * with 39 = 00; a refusal or no answer closes the connection and retries with backoff.
   * @default false (ready as soon as connected)
   */
  signOn?: boolean;

  /** Time the sign-on waits for its 0810. @default 10000 */
  signOnTimeoutMs?: number;

  /**
   * Send an echo test 0800 (70 = 301) when nothing has been received for this long (ms); a missing
   * answer within `echoTimeoutMs` closes the connection (a client link then reconnects). 0 = never.
   * Keep it shorter than any idle timeout of the partner (jreactive-8583 #127).
   * @default 0
   */
  echoIntervalMs?: number;

  /** Time an echo test waits for its 0810 before the connection is closed. @default 10000 */
  echoTimeoutMs?: number;

  /**
   * Client role: reconnect delays are drawn uniformly from [0, min(reconnectMaxMs,
   * reconnectBaseMs * 2^attempt)] ("full jitter"); the attempt count resets once the link is ready.
   * @default 500
   */
  reconnectBaseMs?: number;

  /** Client role: cap of the reconnect delay. @default 30000 */
  reconnectMaxMs?: number;

  /**
   * Fields of the default matching key, after the folded MTI (absent field = empty). Ignored when
   * `matchKey` is given; still used to copy key fields into the link's own 0810 answers.
   * @default ['41', '11', '7']
   */
  keyFields?: readonly string[];

  /**
   * Fields of the matching key for network management messages (MTI class 8, e.g. 0800/0810),
   * after the folded MTI. Ignored when `matchKey` is given.
   * @default ['11'] (partners often drop 41 and 7 from their 0810)
   */
  networkKeyFields?: readonly string[];

  /** A custom matching key (same key for a request and its response). @default folded MTI | keyFields (networkKeyFields for class 8) */
  matchKey?: MatchKey;

  /**
   * Fields added to the 0800 sign-on and echo requests the link sends (e.g. `{ '33': '00000412345' }`
   * for a partner that wants the forwarding institution). Fields 7, 11 and 70 are generated.
   * @default {}
   */
  networkFields?: Readonly<Record<string, string>>;

  /** STAN generator for the link's own 0800s. @default a per-link counter from a random start */
  nextStan?: () => string;

  /**
   * Requests from the peer (other than 0800 network management, see below). Without a handler they
   * are emitted as `'request'` events with the same arguments.
   * @default undefined
   */
  onRequest?: RequestHandler;

  /**
   * Takes over 0800/0801 requests from the peer. Without it the link answers them itself: 0810
   * copying 7, 11, 70 and the key fields, with 39 = 00 (sign-on, sign-off, echo) or 12 (other codes).
   * @default undefined (the link answers)
   */
  onNetworkRequest?: RequestHandler;

  /**
   * Most requests in flight on this link (including its own 0800s); beyond it `request` rejects
   * DARI_LINK_NOT_READY (`sent: false`), and `LinkPool` picks another link. 0 = no limit;
   * 1 = partners that take one outstanding request per connection.
   * @default 0
   */
  maxInFlight?: number;

  /** Timed-out keys remembered to tell a late response from an unmatched one. @default 10000 */
  lateKeyMemory?: number;

  /** How long a timed-out (or answered) key is remembered, in ms. @default 120000 */
  lateKeyTtlMs?: number;

  /** Answered keys remembered to tell a duplicate response from an unsolicited one. 0 = none. @default 1024 */
  answeredKeyMemory?: number;

  /** After `close()`, time allowed for a graceful end before the socket is destroyed. @default 1000 */
  closeTimeoutMs?: number;

  /** Disable Nagle's algorithm (writes are already coalesced per event-loop turn). @default true */
  noDelay?: boolean;

  /**
   * Message authentication (field 64, or 128/192 with a secondary/tertiary bitmap): every message
   * written but network management (08xx) is signed with `mac`, and every such message read must
   * carry a valid MAC. A request failing it is a `'formatError'` (DARI_LINK_MAC_INVALID, answerable:
   * the hub answers 63, security violation); a response failing it is dropped and counted, so its
   * request times out and is reversed, never applied. Convention: src/security/hsm/iso8583-mac.ts.
   * `mac` computes the MAC over the bytes it is given, e.g. `(d) => hsm.generateMac({ keyId, data: d })`.
   * @default undefined (no MAC)
   */
  mac?: (data: Buffer) => Buffer;
}

/** Options resolved and frozen; what a `Link` reads. */
export interface LinkConfig {
  readonly role: LinkRole;
  readonly id: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly socket: Socket | undefined;
  readonly tls: TlsConnectionOptions | undefined;
  readonly codec: Iso8583Codec;
  readonly framing: FramingConfig;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly signOn: boolean;
  readonly signOnTimeoutMs: number;
  readonly echoIntervalMs: number;
  readonly echoTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly keyFields: readonly string[];
  readonly matchKey: MatchKey;
  readonly networkFields: Readonly<Record<string, string>>;
  readonly nextStan: (() => string) | undefined;
  readonly onRequest: RequestHandler | undefined;
  readonly mac: ((data: Buffer) => Buffer) | undefined;
  readonly onNetworkRequest: RequestHandler | undefined;
  readonly maxInFlight: number;
  readonly lateKeyMemory: number;
  readonly lateKeyTtlMs: number;
  readonly answeredKeyMemory: number;
  readonly closeTimeoutMs: number;
  readonly noDelay: boolean;
}

export const LINK_DEFAULTS = Object.freeze({
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  signOn: false,
  signOnTimeoutMs: 10_000,
  echoIntervalMs: 0,
  echoTimeoutMs: 10_000,
  reconnectBaseMs: 500,
  reconnectMaxMs: 30_000,
  maxInFlight: 0,
  lateKeyMemory: 10_000,
  lateKeyTtlMs: 120_000,
  answeredKeyMemory: 1024,
  closeTimeoutMs: 1000,
  noDelay: true,
});

const KNOWN: ReadonlySet<string> = new Set([
  'role', 'id', 'host', 'port', 'socket', 'tls', 'codec', 'framing', 'requestTimeoutMs', 'connectTimeoutMs', 'signOn',
  'signOnTimeoutMs', 'echoIntervalMs', 'echoTimeoutMs', 'reconnectBaseMs', 'reconnectMaxMs', 'keyFields', 'networkKeyFields', 'matchKey',
  'networkFields', 'nextStan', 'onRequest', 'onNetworkRequest', 'maxInFlight', 'lateKeyMemory', 'lateKeyTtlMs',
  'answeredKeyMemory', 'closeTimeoutMs', 'noDelay', 'mac',
]);

/** Longest timer Node can arm (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 0x7fffffff;

export function invalidOption(option: string, why: string): never {
  throw new DariError('DARI_LINK_OPTIONS_INVALID', `link option ${option} ${why}`);
}

function ms(o: LinkOptions, key: keyof typeof LINK_DEFAULTS & keyof LinkOptions, min: number): number {
  const v = o[key] ?? LINK_DEFAULTS[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > MAX_TIMER_MS) {
    invalidOption(key, `must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}`);
  }
  return v;
}

function count(o: LinkOptions, key: 'maxInFlight' | 'lateKeyMemory' | 'answeredKeyMemory'): number {
  const v = o[key] ?? LINK_DEFAULTS[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100_000_000) invalidOption(key, 'must be an integer from 0 to 100000000');
  return v;
}

function flag(o: LinkOptions, key: 'signOn' | 'noDelay'): boolean {
  const v = o[key] ?? LINK_DEFAULTS[key];
  if (typeof v !== 'boolean') invalidOption(key, 'must be true or false');
  return v;
}

function fn<T>(o: LinkOptions, key: 'matchKey' | 'nextStan' | 'onRequest' | 'onNetworkRequest' | 'mac'): T | undefined {
  const v = o[key];
  if (v !== undefined && typeof v !== 'function') invalidOption(key, 'must be a function');
  return v as T | undefined;
}

const FIELD_NO = /^[1-9][0-9]{0,2}$/;

/** Validate link options once and freeze them. */
export function linkConfig(options: LinkOptions): LinkConfig {
  if (options === null || typeof options !== 'object') invalidOption('(all)', 'must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) invalidOption(key, 'is not a link option');
  const o = options;

  if (o.role !== 'client' && o.role !== 'server') invalidOption('role', "must be 'client' or 'server'");
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length === 0)) invalidOption('id', 'must be a non-empty string');
  if (o.role === 'client') {
    if (typeof o.host !== 'string' || o.host.length === 0) invalidOption('host', 'is required for a client link');
    if (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535) invalidOption('port', 'must be a TCP port from 1 to 65535');
    if (o.socket !== undefined) invalidOption('socket', 'is for server links (a client link opens its own)');
    if (o.tls !== undefined && (o.tls === null || typeof o.tls !== 'object')) invalidOption('tls', 'must be tls.connect options');
  } else {
    if (o.socket === undefined || o.socket === null || typeof o.socket.write !== 'function') invalidOption('socket', 'is required for a server link (the accepted socket)');
    if (o.host !== undefined) invalidOption('host', 'is for client links');
    if (o.port !== undefined) invalidOption('port', 'is for client links');
    if (o.tls !== undefined) invalidOption('tls', 'is for client links (a server link gets its TLS socket from tls.Server)');
    if (o.signOn === true) invalidOption('signOn', 'is for client links (the peer signs on to a server link)');
  }
  if (!(o.codec instanceof Iso8583Codec)) invalidOption('codec', 'must be an Iso8583Codec');
  let framing: FramingConfig;
  try {
    framing = framingConfig(o.framing);
  } catch (e) {
    invalidOption('framing', `is not valid: ${e instanceof Error ? e.message : String(e)}`);
  }

  const reconnectBaseMs = ms(o, 'reconnectBaseMs', 1);
  const reconnectMaxMs = ms(o, 'reconnectMaxMs', 1);
  if (reconnectMaxMs < reconnectBaseMs) invalidOption('reconnectMaxMs', `(${reconnectMaxMs}) must not be below reconnectBaseMs (${reconnectBaseMs})`);

  let keyFields = DEFAULT_KEY_FIELDS;
  if (o.keyFields !== undefined) {
    if (!Array.isArray(o.keyFields) || o.keyFields.length === 0 || !o.keyFields.every((f) => typeof f === 'string' && FIELD_NO.test(f))) {
      invalidOption('keyFields', "must be a non-empty list of field numbers as strings, e.g. ['41', '11', '7']");
    }
    keyFields = Object.freeze(o.keyFields.slice());
  }
  let networkKeyFields = DEFAULT_NETWORK_KEY_FIELDS;
  if (o.networkKeyFields !== undefined) {
    if (!Array.isArray(o.networkKeyFields) || o.networkKeyFields.length === 0 || !o.networkKeyFields.every((f) => typeof f === 'string' && FIELD_NO.test(f))) {
      invalidOption('networkKeyFields', "must be a non-empty list of field numbers as strings, e.g. ['11']");
    }
    networkKeyFields = Object.freeze(o.networkKeyFields.slice());
  }
  const customKey = fn<MatchKey>(o, 'matchKey');

  let networkFields: Readonly<Record<string, string>> = Object.freeze({});
  if (o.networkFields !== undefined) {
    if (o.networkFields === null || typeof o.networkFields !== 'object') invalidOption('networkFields', 'must be an object of field number -> value');
    for (const [k, v] of Object.entries(o.networkFields)) {
      if (!FIELD_NO.test(k) || typeof v !== 'string') invalidOption('networkFields', `entry ${JSON.stringify(k)} must map a field number to a string`);
      if (k === '7' || k === '11' || k === '70') invalidOption('networkFields', `must not set field ${k} (generated by the link)`);
    }
    networkFields = Object.freeze({ ...o.networkFields });
  }

  const config: LinkConfig = {
    role: o.role,
    id: o.id,
    host: o.host,
    port: o.port,
    socket: o.socket,
    tls: o.tls === undefined ? undefined : Object.freeze({ ...o.tls }),
    codec: o.codec,
    framing,
    requestTimeoutMs: ms(o, 'requestTimeoutMs', 1),
    connectTimeoutMs: ms(o, 'connectTimeoutMs', 1),
    signOn: flag(o, 'signOn'),
    signOnTimeoutMs: ms(o, 'signOnTimeoutMs', 1),
    echoIntervalMs: ms(o, 'echoIntervalMs', 0),
    echoTimeoutMs: ms(o, 'echoTimeoutMs', 1),
    reconnectBaseMs,
    reconnectMaxMs,
    keyFields,
    matchKey: customKey ?? keyByClass(keyFields, networkKeyFields),
    networkFields,
    nextStan: fn(o, 'nextStan'),
    onRequest: fn(o, 'onRequest'),
    onNetworkRequest: fn(o, 'onNetworkRequest'),
    maxInFlight: count(o, 'maxInFlight'),
    lateKeyMemory: count(o, 'lateKeyMemory'),
    lateKeyTtlMs: ms(o, 'lateKeyTtlMs', 0),
    answeredKeyMemory: count(o, 'answeredKeyMemory'),
    closeTimeoutMs: ms(o, 'closeTimeoutMs', 0),
    noDelay: flag(o, 'noDelay'),
    mac: fn(o, 'mac'),
  };
  return Object.freeze(config);
}
