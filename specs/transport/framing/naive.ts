/**
 * Test helpers for the framing specs (not a spec itself):
 *  - `naiveFrame` builds expected wire bytes by string arithmetic, independently of the production
 *    encoder and length-header code;
 *  - `Collector` records what a decoder delivers, as hex (copied, so views cannot change under it);
 *  - `slicings` / `assertSliceIndependent`: the ioredis-style split-chunk harness (whole, byte by
 *    byte, every split point, every pair of split points for short inputs).
 */
import { strict as assert } from 'node:assert';
import { DariError } from '../../../src/errors';
import { FrameDecoder, type FrameSink, type FramingOptions, type LengthKind } from '../../../src/transport/framing';

export type Item = { kind: 'frame'; message: string; header?: string } | { kind: 'keepalive' };

export interface Outcome {
  items: Item[];
  error?: { code: string; offset: number | undefined };
}

/** Bytes from a hex string; spaces allowed. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** The length header for `declared`, written the slow, obvious way. */
export function naiveLength(kind: LengthKind, declared: number): Buffer {
  switch (kind) {
    case 'binary2': return hex(declared.toString(16).padStart(4, '0'));
    case 'binary4': return hex(declared.toString(16).padStart(8, '0'));
    case 'ascii4': return Buffer.from(declared.toString(10).padStart(4, '0'), 'latin1');
    case 'bcd2': return hex(declared.toString(10).padStart(4, '0'));
  }
}

export interface NaiveLayout {
  kind: LengthKind;
  header?: Buffer;
  trailer?: number;
  lengthIncludesHeader?: boolean;
  /** Default true, as in FramingOptions. */
  lengthIncludesTrailer?: boolean;
}

/** Whether the length of this frame counts any byte: if not, the frame is a keep-alive. */
export function countsSomething(layout: NaiveLayout, message: Uint8Array): boolean {
  const countedTrailer = layout.trailer !== undefined && layout.lengthIncludesTrailer !== false;
  return (layout.header?.length ?? 0) + message.length + (countedTrailer ? 1 : 0) > 0;
}

/** One frame: length header + header + message + trailer; a frame that counts nothing is a keep-alive (length 0 alone). */
export function naiveFrame(layout: NaiveLayout, message: Uint8Array): Buffer {
  if (!countsSomething(layout, message)) return naiveLength(layout.kind, 0);
  const header = layout.header ?? Buffer.alloc(0);
  const trailer = layout.trailer === undefined ? Buffer.alloc(0) : Buffer.from([layout.trailer]);
  const body = Buffer.concat([header, message, trailer]);
  const lenSize = layout.kind === 'binary2' || layout.kind === 'bcd2' ? 2 : 4;
  let declared = body.length;
  if (layout.lengthIncludesHeader === true) declared += lenSize;
  if (trailer.length === 1 && layout.lengthIncludesTrailer === false) declared -= 1;
  return Buffer.concat([naiveLength(layout.kind, declared), body]);
}

export function naiveKeepAlive(kind: LengthKind): Buffer {
  return naiveLength(kind, 0);
}

export class Collector implements FrameSink {
  readonly items: Item[] = [];
  frame(message: Buffer, header: Buffer | undefined): void {
    this.items.push(header === undefined ? { kind: 'frame', message: message.toString('hex') } : { kind: 'frame', message: message.toString('hex'), header: header.toString('hex') });
  }
  keepAlive(): void {
    this.items.push({ kind: 'keepalive' });
  }
}

/** Feed `chunks` then end the stream; record frames and the first error (which must be a DariError). */
export function decodeChunks(options: FramingOptions, chunks: readonly Buffer[]): Outcome {
  const sink = new Collector();
  const decoder = new FrameDecoder(options, sink);
  try {
    for (const c of chunks) decoder.push(c);
    decoder.end();
  } catch (e) {
    if (!(e instanceof DariError)) throw e;
    return { items: sink.items, error: { code: e.code, offset: e.offset } };
  }
  return { items: sink.items };
}

/** Cut `bytes` at the given offsets (ascending, may repeat: empty chunks are fed too). */
export function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Whole, byte by byte, every single split point and, for short inputs, every pair of split points. */
export function* slicings(bytes: Buffer, pairLimit = 64): Generator<{ name: string; chunks: Buffer[] }> {
  yield { name: 'whole', chunks: [bytes] };
  yield { name: 'byte by byte', chunks: [...bytes].map((b) => Buffer.from([b])) };
  for (let i = 0; i <= bytes.length; i++) yield { name: `split at ${i}`, chunks: cut(bytes, [i]) };
  if (bytes.length <= pairLimit) {
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i; j < bytes.length; j++) yield { name: `split at ${i} and ${j}`, chunks: cut(bytes, [i, j]) };
    }
  }
}

/** The decoder's outcome is `expected` however the bytes are sliced. */
export function assertSliceIndependent(options: FramingOptions, bytes: Buffer, expected: Outcome): void {
  for (const { name, chunks } of slicings(bytes)) {
    // Copy each chunk into its own buffer, as a socket would deliver it.
    const own = chunks.map((c) => Buffer.from(c));
    assert.deepEqual(decodeChunks(options, own), expected, `fed ${name}`);
  }
}
