/**
 * Incremental frame decoder: bytes in as TCP delivers them, whole frames out.
 *
 * Each `push(chunk)` decodes every complete frame in the chunk where it lies (the message handed
 * over is a view of the chunk, no copy) and keeps only the incomplete tail: up to 3 bytes of a split
 * length header in a small scratch, or the body of a frame that spans chunks in one buffer of
 * exactly its declared size, allocated once the length header is read and checked against
 * `maxFrameSize`. Nothing is ever concatenated, so a frame is copied at most once.
 *
 * The output never depends on how the stream is sliced: the same bytes give the same frames and
 * the same error (code and offset) whether they come whole, byte by byte or split anywhere.
 *
 * After an error the decoder is unusable: it rethrows the same error on every later call, and the
 * link is expected to close. Frames completed before the bad one have already been delivered.
 */
import { DariError } from '../../errors';
import { readLength, type LengthKind } from './length-header';
import { framingConfig, type FramingConfig, type FramingOptions } from './options';

/**
 * Where decoded frames go. The decoder calls these methods synchronously from `push`, with no
 * per-frame allocation besides the two views. A sink should not throw; if it does, the error
 * propagates out of `push` and the decoder is left failed.
 */
export interface FrameSink {
  /**
   * One frame. `message` is the bytes between fixed header and trailer; `header` the fixed header
   * (undefined when the link has none). The trailer is checked and not passed on.
   *
   * Lifetime: when the whole frame arrived in one chunk, both are views (`subarray`) of that chunk:
   * they stay valid as long as the caller does not overwrite the chunk (Node never reuses socket
   * chunks) and they keep the whole chunk alive; copy them (`Buffer.from`) to keep them long.
   * When the frame spanned chunks they are views of a buffer the decoder allocated for this frame
   * alone and never touches again. Either way the decoder itself never writes to them afterwards.
   */
  frame(message: Buffer, header: Buffer | undefined): void;
  /**
   * A zero-length frame arrived (keep-alive / poll). Called only with `keepAlive: 'answer'`; ask a
   * `KeepAlivePolicy` whether to answer it. With `keepAlive: 'ignore'` keep-alives are swallowed.
   */
  keepAlive(): void;
}

export class FrameDecoder {
  readonly config: FramingConfig;
  private readonly sink: FrameSink;
  // Config scalars copied once for the hot path.
  private readonly kind: LengthKind;
  private readonly lenSize: number;
  private readonly lenCountsItself: number;
  private readonly uncountedTrailer: number;
  private readonly headerLength: number;
  private readonly minBody: number;
  private readonly maxBody: number;
  private readonly trailer: number;
  private readonly reportKeepAlives: boolean;
  // Stream state.
  /** Stream offset of the first byte of the chunk being decoded. */
  private streamOffset = 0;
  private readonly lenScratch = Buffer.alloc(4);
  /** Bytes of a split length header held in lenScratch. */
  private lenHeld = 0;
  /** Body of a frame that spans chunks, exactly its size; undefined when none is pending. */
  private body: Buffer | undefined = undefined;
  private bodyHeld = 0;
  private bodyStreamOffset = 0;
  private ended = false;
  private failed = false;
  private failure: unknown = undefined;

  constructor(options: FramingOptions | FramingConfig, sink: FrameSink) {
    const c = framingConfig(options);
    this.config = c;
    this.sink = sink;
    this.kind = c.lengthHeader;
    this.lenSize = c.lengthSize;
    this.lenCountsItself = c.lengthIncludesHeader ? c.lengthSize : 0;
    this.uncountedTrailer = c.trailerSize === 1 && !c.lengthIncludesTrailer ? 1 : 0;
    this.headerLength = c.headerLength;
    this.minBody = c.headerLength + c.trailerSize;
    this.maxBody = c.maxFrameSize;
    this.trailer = c.trailer ?? -1;
    this.reportKeepAlives = c.keepAlive === 'answer';
  }

  /** Bytes of the incomplete frame received so far, length header included (0 at a frame boundary). */
  get buffered(): number {
    return this.body === undefined ? this.lenHeld : this.lenSize + this.bodyHeld;
  }

  /** Total bytes pushed so far (the stream offset of the next byte). */
  get offset(): number {
    return this.streamOffset;
  }

  /** Decode every complete frame in `chunk`; keep the incomplete tail for the next push. */
  push(chunk: Buffer): void {
    if (this.failed) throw this.failure;
    if (this.ended) this.fail(new DariError('DARI_INTERNAL_ERROR', 'frame decoder: push after end'));
    try {
      this.consume(chunk);
    } catch (e) {
      this.fail(e);
    }
    this.streamOffset += chunk.length;
  }

  /** The stream has ended: throws DARI_FRAME_TRUNCATED if it ended inside a frame. */
  end(): void {
    if (this.failed) throw this.failure;
    this.ended = true;
    if (this.lenHeld > 0) {
      this.fail(new DariError('DARI_FRAME_TRUNCATED', `stream ended after ${this.lenHeld} of the ${this.lenSize} length header bytes`, { offset: this.streamOffset }));
    }
    if (this.body !== undefined) {
      this.fail(new DariError('DARI_FRAME_TRUNCATED',
        `stream ended after ${this.bodyHeld} of the ${this.body.length} bytes of the frame body at offset ${this.bodyStreamOffset}`, { offset: this.streamOffset }));
    }
  }

  private fail(e: unknown): never {
    this.failed = true;
    this.failure = e;
    throw e;
  }

  private consume(chunk: Buffer): void {
    const end = chunk.length;
    const base = this.streamOffset;
    const lenSize = this.lenSize;
    let at = 0;

    // 1. Finish a length header split across chunks.
    if (this.lenHeld > 0) {
      const n = Math.min(lenSize - this.lenHeld, end);
      chunk.copy(this.lenScratch, this.lenHeld, 0, n);
      this.lenHeld += n;
      at = n;
      if (this.lenHeld < lenSize) return;
      this.lenHeld = 0;
      const headerAt = base + at - lenSize;
      const size = this.bodySize(this.lenScratch, 0, headerAt);
      if (size === 0) {
        if (this.reportKeepAlives) this.sink.keepAlive();
      } else {
        this.body = Buffer.allocUnsafe(size);
        this.bodyHeld = 0;
        this.bodyStreamOffset = headerAt + lenSize;
      }
    }

    // 2. Fill the body of a frame that spans chunks.
    const body = this.body;
    if (body !== undefined) {
      const n = Math.min(body.length - this.bodyHeld, end - at);
      chunk.copy(body, this.bodyHeld, at, at + n);
      this.bodyHeld += n;
      at += n;
      if (this.bodyHeld < body.length) return;
      this.body = undefined;
      this.emit(body, 0, body.length, this.bodyStreamOffset);
    }

    // 3. Every frame that lies whole in the chunk, as views; then keep the tail.
    while (at < end) {
      if (end - at < lenSize) {
        chunk.copy(this.lenScratch, 0, at, end);
        this.lenHeld = end - at;
        return;
      }
      const size = this.bodySize(chunk, at, base + at);
      at += lenSize;
      if (size === 0) {
        if (this.reportKeepAlives) this.sink.keepAlive();
        continue;
      }
      if (end - at >= size) {
        this.emit(chunk, at, size, base + at);
        at += size;
        continue;
      }
      const partial = Buffer.allocUnsafe(size);
      chunk.copy(partial, 0, at, end);
      this.body = partial;
      this.bodyHeld = end - at;
      this.bodyStreamOffset = base + at;
      return;
    }
  }

  /**
   * Bytes that follow the length header at `buf[at]` (fixed header + message + trailer), 0 for a
   * keep-alive. Every bound is checked here, on the declared value, before anything is buffered.
   */
  private bodySize(buf: Buffer, at: number, streamAt: number): number {
    const declared = readLength(this.kind, buf, at, streamAt);
    // A zero length is a keep-alive in every channel that has one (ASCII, CS, BASE24TCP, CMF,
    // Amex "zero length = poll"); nothing follows it, not even a fixed header or an uncounted trailer.
    if (declared === 0) return 0;
    const counted = declared - this.lenCountsItself;
    if (counted < 0) {
      throw new DariError('DARI_FRAME_LENGTH_INVALID', `length ${declared} is below the ${this.lenSize} bytes of the length header it counts`, { offset: streamAt });
    }
    if (counted === 0) return 0; // AmexChannel-style length that counts only itself: an empty frame.
    const size = counted + this.uncountedTrailer;
    if (size > this.maxBody) {
      throw new DariError('DARI_FRAME_TOO_LARGE', `declared frame of ${size} bytes is above the link maximum of ${this.maxBody}`, { offset: streamAt });
    }
    if (size < this.minBody) {
      throw new DariError('DARI_FRAME_HEADER_INVALID',
        `frame of ${size} bytes is shorter than its fixed header and trailer (${this.minBody} bytes)`, { offset: streamAt });
    }
    return size;
  }

  /** Hand over the frame body at `buf[start, start + size)`; `streamAt` is its stream offset. */
  private emit(buf: Buffer, start: number, size: number, streamAt: number): void {
    let stop = start + size;
    if (this.trailer >= 0) {
      // BASE24TCPChannel: ISO message followed by ETX (0x03).
      stop--;
      if (buf[stop] !== this.trailer) {
        throw new DariError('DARI_FRAME_HEADER_INVALID', `frame does not end with the trailer byte 0x${this.trailer.toString(16).padStart(2, '0').toUpperCase()}`,
          { offset: streamAt + size - 1 });
      }
    }
    const h = this.headerLength;
    this.sink.frame(buf.subarray(start + h, stop), h > 0 ? buf.subarray(start, start + h) : undefined);
  }
}
