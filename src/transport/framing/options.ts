/**
 * Framing options for one link: declared here with their defaults, validated once by
 * `framingConfig()`, then frozen. Decoder, encoder and keep-alive policy all read the same
 * `FramingConfig`, so both directions of a link agree on the wire format.
 *
 * A frame on the wire (reference note section 2):
 *
 *     [length header] [fixed header] [message] [trailer]
 *      2 or 4 bytes    0..n bytes     ISO msg   0 or 1 byte
 *
 * The "body" is everything after the length header: fixed header + message + trailer.
 */
import { DariError } from '../../errors';
import { LENGTH_HEADER_MAX, LENGTH_HEADER_SIZE, isLengthKind, type LengthKind } from './length-header';
import { TPDU_LENGTH } from './tpdu';

export type KeepAliveMode = 'ignore' | 'answer';

export interface FramingOptions {
  /**
   * How the frame length is written before each frame:
   * - `binary2`: 2-byte big-endian binary, max 65535 (jPOS PostChannel, NACChannel; moov Binary2Bytes);
   * - `ascii4`: 4 ASCII decimal digits, `'0''1''1''5'` = 115, max 9999 (jPOS ASCIIChannel; moov ASCII4Bytes);
   * - `bcd2`: 2-byte packed BCD, `01 15` = 115, max 9999 (jPOS NCCChannel/BCDChannel; moov BCD2Bytes);
   * - `binary4`: 4-byte big-endian binary (jPOS RawChannel).
   *
   * Required: there is no default, because a wrong guess misframes every message of the link.
   * @default none (required)
   */
  lengthHeader: LengthKind;

  /**
   * The declared length also counts the length header's own bytes (jPOS AmexChannel: `LL LL` =
   * ISO length + 2; NACChannel `include-header-length`). On decode a declared 0 is still read as a
   * keep-alive (AmexChannel: "zero length = poll"), and a value below the header size is invalid.
   * @default false
   */
  lengthIncludesHeader?: boolean;

  /**
   * Bytes of fixed header between the length header and the message (e.g. 5 for a TPDU, 12 for a
   * BASE24 `ISO026000050` header). The decoder hands them over separately from the message.
   * @default 0, or 5 when `tpdu` is true
   */
  headerLength?: number;

  /**
   * The fixed header is a 5-byte TPDU `60 DDDD SSSS`: TPDU id 0x60, destination NII (2 bytes),
   * source NII (2 bytes) (jPOS NACChannel, NCCChannel). Implies `headerLength` 5.
   * @default false
   */
  tpdu?: boolean;

  /**
   * When replying, swap the source and destination NII of the request's TPDU, so
   * `60 0003 0000` comes back as `60 0000 0003` (jPOS NACChannel `tpdu-swap`, default on).
   * Only meaningful with `tpdu: true`.
   * @default true (when `tpdu` is true)
   */
  tpduSwap?: boolean;

  /**
   * The fixed header the encoder writes when it is not given one (e.g. the TPDU of outgoing
   * requests). Exactly `headerLength` bytes; copied when the options are resolved.
   * @default none (every encode call on a link with a fixed header must pass one)
   */
  defaultHeader?: Uint8Array;

  /**
   * A byte written after every message, e.g. 0x03 (ETX) for ACI BASE24 (jPOS BASE24TCPChannel:
   * `LL LL` + ISO + `03`). The decoder checks it and does not hand it over.
   * @default none (no trailer)
   */
  trailer?: number;

  /**
   * Whether the declared length counts the trailer byte. BASE24TCPChannel declares ISO length + 1,
   * so this defaults to true; set false for peers whose length covers the message only and send the
   * trailer after it. Only meaningful when `trailer` is set.
   * @default true (when `trailer` is set)
   */
  lengthIncludesTrailer?: boolean;

  /**
   * Largest body this link accepts or sends, in bytes: fixed header + message + trailer (the length
   * header itself is not counted). Checked on the declared length as soon as the length header is
   * read, before anything is allocated or buffered, so a peer declaring 65535 or 2^31 is refused at
   * once with DARI_FRAME_TOO_LARGE. 8192 leaves room for the largest ISO 8583 messages switches
   * exchange (a few KiB with field 55 and private fields). At most the largest length the header
   * can declare (9999 for `ascii4`/`bcd2`, 65535 for `binary2`) and at most 16 MiB.
   * @default 8192
   */
  maxFrameSize?: number;

  /**
   * What to do with zero-length frames (keep-alives, polls):
   * - `ignore`: the decoder swallows them;
   * - `answer`: the decoder reports each one (`FrameSink.keepAlive`) and the link asks a
   *   `KeepAlivePolicy` whether to answer it with one zero-length frame (`FrameEncoder.keepAlive()`).
   * @default 'ignore' (never answers, so two peers can never ping-pong; see jPOS issue #775)
   */
  keepAlive?: KeepAliveMode;

  /**
   * With `keepAlive: 'answer'`: at most this many keep-alives answered in a row, i.e. with no
   * message frame received in between and within one `keepAliveWindowMs`. Caps the echo storm a
   * peer that echoes every keep-alive (or floods zero-length frames) would cause (jPOS CMFChannel
   * `max-keepalives-in-a-row`, issue #775).
   * @default 3
   */
  maxKeepAliveAnswers?: number;

  /**
   * With `keepAlive: 'answer'`: the window, in milliseconds of the link's monotonic clock, over
   * which `maxKeepAliveAnswers` is counted. A new window starts a new run, so a quiet link whose peer
   * polls every few seconds is always answered.
   * @default 1000
   */
  keepAliveWindowMs?: number;
}

/** Hard ceiling on `maxFrameSize`, whatever the length header could declare. */
export const MAX_FRAME_SIZE_LIMIT = 1 << 24;
export const DEFAULT_MAX_FRAME_SIZE = 8192;
export const DEFAULT_MAX_KEEPALIVE_ANSWERS = 3;
export const DEFAULT_KEEPALIVE_WINDOW_MS = 1000;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'lengthHeader', 'lengthIncludesHeader', 'headerLength', 'tpdu', 'tpduSwap', 'defaultHeader', 'trailer',
  'lengthIncludesTrailer', 'maxFrameSize', 'keepAlive', 'maxKeepAliveAnswers', 'keepAliveWindowMs',
]);

function invalid(option: string, why: string): never {
  throw new DariError('DARI_FRAME_OPTIONS_INVALID', `framing option ${option} ${why}`);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function bool(o: FramingOptions, key: 'lengthIncludesHeader' | 'tpdu' | 'tpduSwap' | 'lengthIncludesTrailer', dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalid(key, 'must be true or false');
  return v;
}

/** Options resolved, checked against each other, with derived sizes. Frozen; share it per link. */
export class FramingConfig {
  readonly lengthHeader: LengthKind;
  readonly lengthIncludesHeader: boolean;
  readonly headerLength: number;
  readonly tpdu: boolean;
  readonly tpduSwap: boolean;
  /** A private copy (a Buffer cannot be frozen): never hand it out, copy it into frames. */
  readonly defaultHeader: Buffer | undefined;
  readonly trailer: number | undefined;
  readonly lengthIncludesTrailer: boolean;
  readonly maxFrameSize: number;
  readonly keepAlive: KeepAliveMode;
  readonly maxKeepAliveAnswers: number;
  readonly keepAliveWindowMs: number;
  // --- derived -------------------------------------------------------------------------------
  /** Bytes of the length header (2 or 4). */
  readonly lengthSize: number;
  /** 1 when there is a trailer byte, else 0. */
  readonly trailerSize: number;
  /** Largest message (without fixed header and trailer) the link carries. */
  readonly maxMessageSize: number;
  /** Added to the body size to get the declared length (may be negative: an uncounted trailer). */
  readonly declaredAdjust: number;

  constructor(options: FramingOptions) {
    if (options === null || typeof options !== 'object') invalid('(all)', 'must be an object');
    for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.has(key)) invalid(key, 'is not a framing option');
    const o = options;

    if (!isLengthKind(o.lengthHeader)) invalid('lengthHeader', "must be one of 'binary2', 'ascii4', 'bcd2', 'binary4'");
    this.lengthHeader = o.lengthHeader;
    this.lengthSize = LENGTH_HEADER_SIZE[o.lengthHeader];
    this.lengthIncludesHeader = bool(o, 'lengthIncludesHeader', false);

    this.tpdu = bool(o, 'tpdu', false);
    if (o.tpduSwap !== undefined && !this.tpdu) invalid('tpduSwap', 'needs tpdu: true');
    this.tpduSwap = bool(o, 'tpduSwap', this.tpdu);
    if (o.headerLength !== undefined && !isInt(o.headerLength, 0, 256)) invalid('headerLength', 'must be an integer from 0 to 256');
    if (this.tpdu && o.headerLength !== undefined && o.headerLength !== TPDU_LENGTH) invalid('headerLength', `must be ${TPDU_LENGTH} (or unset) with tpdu: true`);
    this.headerLength = o.headerLength ?? (this.tpdu ? TPDU_LENGTH : 0);
    if (o.defaultHeader !== undefined) {
      if (!(o.defaultHeader instanceof Uint8Array)) invalid('defaultHeader', 'must be a Buffer or Uint8Array');
      if (this.headerLength === 0) invalid('defaultHeader', 'needs a fixed header (headerLength or tpdu)');
      if (o.defaultHeader.length !== this.headerLength) invalid('defaultHeader', `has ${o.defaultHeader.length} bytes but headerLength is ${this.headerLength}`);
      this.defaultHeader = Buffer.from(o.defaultHeader);
    } else {
      this.defaultHeader = undefined;
    }

    if (o.trailer !== undefined && !isInt(o.trailer, 0, 255)) invalid('trailer', 'must be a byte value from 0 to 255');
    this.trailer = o.trailer;
    this.trailerSize = o.trailer === undefined ? 0 : 1;
    if (o.lengthIncludesTrailer !== undefined && o.trailer === undefined) invalid('lengthIncludesTrailer', 'needs a trailer');
    this.lengthIncludesTrailer = bool(o, 'lengthIncludesTrailer', this.trailerSize === 1);

    this.declaredAdjust = (this.lengthIncludesHeader ? this.lengthSize : 0) - (this.trailerSize === 1 && !this.lengthIncludesTrailer ? 1 : 0);
    const maxFrameSize = o.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!isInt(maxFrameSize, 1, MAX_FRAME_SIZE_LIMIT)) invalid('maxFrameSize', `must be an integer from 1 to ${MAX_FRAME_SIZE_LIMIT}`);
    if (maxFrameSize + this.declaredAdjust > LENGTH_HEADER_MAX[o.lengthHeader]) {
      invalid('maxFrameSize', `${maxFrameSize} cannot be declared by a ${o.lengthHeader} length header (max ${LENGTH_HEADER_MAX[o.lengthHeader] - this.declaredAdjust})`);
    }
    if (maxFrameSize <= this.headerLength + this.trailerSize) invalid('maxFrameSize', `must leave room for a message after ${this.headerLength + this.trailerSize} bytes of header and trailer`);
    this.maxFrameSize = maxFrameSize;
    this.maxMessageSize = maxFrameSize - this.headerLength - this.trailerSize;

    const mode = o.keepAlive ?? 'ignore';
    if (mode !== 'ignore' && mode !== 'answer') invalid('keepAlive', "must be 'ignore' or 'answer'");
    this.keepAlive = mode;
    if (mode === 'ignore' && o.maxKeepAliveAnswers !== undefined) invalid('maxKeepAliveAnswers', "needs keepAlive: 'answer'");
    if (mode === 'ignore' && o.keepAliveWindowMs !== undefined) invalid('keepAliveWindowMs', "needs keepAlive: 'answer'");
    const maxAnswers = o.maxKeepAliveAnswers ?? DEFAULT_MAX_KEEPALIVE_ANSWERS;
    if (!isInt(maxAnswers, 1, 1_000_000)) invalid('maxKeepAliveAnswers', 'must be a positive integer');
    this.maxKeepAliveAnswers = maxAnswers;
    const windowMs = o.keepAliveWindowMs ?? DEFAULT_KEEPALIVE_WINDOW_MS;
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) invalid('keepAliveWindowMs', 'must be a positive number of milliseconds');
    this.keepAliveWindowMs = windowMs;

    Object.freeze(this);
  }
}

/** Validate options once; a `FramingConfig` is returned as is. */
export function framingConfig(options: FramingOptions | FramingConfig): FramingConfig {
  return options instanceof FramingConfig ? options : new FramingConfig(options);
}
