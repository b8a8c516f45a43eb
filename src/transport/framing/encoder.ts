/**
 * Frame encoder: length header + fixed header + message + trailer, in one buffer per frame.
 *
 * `encode` copies a finished message in once. `encodeWith` reserves the length header and the fixed
 * header, lets a body writer (e.g. the ISO 8583 packer) write the message straight into the frame,
 * then back-fills the length and appends the trailer (node-postgres BufferWriter style), so the
 * message is never copied. Each returned frame is a buffer of its own: the encoder keeps no
 * reference to it, so it can be handed to `socket.write` as is.
 */
import { DariError } from '../../errors';
import { writeLength, type LengthKind } from './length-header';
import { framingConfig, type FramingConfig, type FramingOptions } from './options';
import { writeSwappedTpdu } from './tpdu';

/**
 * Writes a message into `target[start, end)` and returns where it stopped (the offset after its
 * last byte, at most `end`). It must write every byte up to the offset it returns.
 */
export type BodyWriter = (target: Buffer, start: number, end: number) => number;

export class FrameEncoder {
  readonly config: FramingConfig;
  private readonly kind: LengthKind;
  private readonly lenSize: number;
  private readonly headerLength: number;
  private readonly trailer: number;
  private readonly trailerSize: number;
  private readonly countedTrailer: number;
  private readonly declaredAdjust: number;
  private readonly maxMessage: number;
  private readonly swap: boolean;

  constructor(options: FramingOptions | FramingConfig) {
    const c = framingConfig(options);
    this.config = c;
    this.kind = c.lengthHeader;
    this.lenSize = c.lengthSize;
    this.headerLength = c.headerLength;
    this.trailer = c.trailer ?? -1;
    this.trailerSize = c.trailerSize;
    this.countedTrailer = c.lengthIncludesTrailer ? c.trailerSize : 0;
    this.declaredAdjust = c.declaredAdjust;
    this.maxMessage = c.maxMessageSize;
    this.swap = c.tpdu && c.tpduSwap;
  }

  /**
   * One frame around `message`. `header` is the fixed header (exactly `headerLength` bytes); when
   * omitted the configured `defaultHeader` is used. Throws DARI_FRAME_TOO_LARGE above
   * `maxMessageSize`, DARI_FRAME_HEADER_INVALID for a missing or wrong-size header.
   */
  encode(message: Uint8Array, header?: Uint8Array): Buffer {
    return this.build(message, header, false);
  }

  /**
   * The reply to a request that came with `requestHeader`: with a TPDU and `tpduSwap`, the reply
   * TPDU has source and destination NII swapped (`60 0003 0000` -> `60 0000 0003`); any other fixed
   * header is sent back unchanged.
   */
  encodeReply(message: Uint8Array, requestHeader: Uint8Array | undefined): Buffer {
    return this.build(message, requestHeader, true);
  }

  /**
   * One frame whose message `write` puts straight into the frame buffer, at most `capacity` bytes
   * (at most `config.maxMessageSize`, else DARI_FRAME_TOO_LARGE). The length is back-filled from
   * what `write` returns. The buffer is zero-filled first, so a writer that under-writes cannot put
   * stale memory on the wire. Choose `capacity` close to the expected size: the frame is a view of a
   * buffer of `capacity` plus overhead.
   */
  encodeWith(capacity: number, write: BodyWriter, header?: Uint8Array): Buffer {
    if (!Number.isInteger(capacity) || capacity < 0) throw new DariError('DARI_INTERNAL_ERROR', `frame encoder: capacity ${capacity} is not a byte count`);
    this.checkSize(capacity);
    const start = this.lenSize + this.headerLength;
    const out = Buffer.alloc(start + capacity + this.trailerSize);
    this.writeHeader(out, header, false);
    const stop = write(out, start, start + capacity);
    if (!Number.isInteger(stop) || stop < start || stop > start + capacity) {
      throw new DariError('DARI_INTERNAL_ERROR', `frame encoder: body writer returned ${stop}, outside [${start}, ${start + capacity}]`);
    }
    const n = stop - start;
    this.checkEmpty(n);
    this.seal(out, n);
    const total = start + n + this.trailerSize;
    return total === out.length ? out : out.subarray(0, total);
  }

  /** The fixed header of the reply to a request that came with `requestHeader` (a new buffer). */
  replyHeader(requestHeader: Uint8Array): Buffer {
    this.checkHeader(requestHeader);
    const out = Buffer.allocUnsafe(this.headerLength);
    if (this.swap) writeSwappedTpdu(requestHeader, 0, out, 0);
    else out.set(requestHeader, 0);
    return out;
  }

  /**
   * A zero-length frame (keep-alive / poll): a length header declaring 0 and nothing else, e.g.
   * `00 00` (binary2 and bcd2, also with lengthIncludesHeader: AmexChannel "zero length = poll"),
   * `30 30 30 30` (ascii4), `00 00 00 00` (binary4). A new buffer each call.
   */
  keepAlive(): Buffer {
    const out = Buffer.allocUnsafe(this.lenSize);
    writeLength(this.kind, out, 0, 0);
    return out;
  }

  private build(message: Uint8Array, header: Uint8Array | undefined, reply: boolean): Buffer {
    const n = message.length;
    this.checkSize(n);
    this.checkEmpty(n);
    const start = this.lenSize + this.headerLength;
    const out = Buffer.allocUnsafe(start + n + this.trailerSize);
    this.writeHeader(out, header, reply);
    out.set(message, start);
    this.seal(out, n);
    return out;
  }

  private checkSize(n: number): void {
    if (n > this.maxMessage) {
      throw new DariError('DARI_FRAME_TOO_LARGE', `message of ${n} bytes is above the link maximum of ${this.maxMessage} (maxFrameSize ${this.config.maxFrameSize})`);
    }
  }

  /** A frame whose length counts nothing (no fixed header, no counted trailer) reads as a keep-alive. */
  private checkEmpty(n: number): void {
    if (n === 0 && this.headerLength + this.countedTrailer === 0) {
      throw new DariError('DARI_FRAME_LENGTH_INVALID', 'an empty message on a link without fixed header or counted trailer would read as a keep-alive; use keepAlive()');
    }
  }

  private checkHeader(header: Uint8Array | undefined): asserts header is Uint8Array {
    if (header === undefined || header.length !== this.headerLength) {
      throw new DariError('DARI_FRAME_HEADER_INVALID',
        this.headerLength === 0 ? 'this link has no fixed header' : `fixed header must be ${this.headerLength} bytes, got ${header === undefined ? 'none' : header.length}`);
    }
  }

  private writeHeader(out: Buffer, header: Uint8Array | undefined, reply: boolean): void {
    if (this.headerLength === 0) {
      if (header !== undefined && header.length > 0) this.checkHeader(header);
      return;
    }
    const h = header ?? this.config.defaultHeader;
    this.checkHeader(h);
    if (reply && this.swap) writeSwappedTpdu(h, 0, out, this.lenSize);
    else out.set(h, this.lenSize);
  }

  /** Back-fill the length header and append the trailer for a message of `n` bytes. */
  private seal(out: Buffer, n: number): void {
    const bodyEnd = this.lenSize + this.headerLength + n;
    if (this.trailer >= 0) out[bodyEnd] = this.trailer;
    writeLength(this.kind, out, 0, this.headerLength + n + this.trailerSize + this.declaredAdjust);
  }
}
