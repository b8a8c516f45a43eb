/**
 * Properties (fast-check), for random framing layouts (length kind, fixed header, trailer, what the
 * length counts):
 *  - random frames and keep-alives, framed by the naive spec helper and cut into random chunks,
 *    decode to exactly those frames;
 *  - random or mutated bytes yield frames and at most a DariError with a DARI_FRAME_* code, never
 *    another exception, and the same outcome however the bytes are sliced.
 * Decoding is synchronous and each run is bounded, so a hang would show up as a mocha timeout.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { FramingOptions, LengthKind } from '../../../src/transport/framing';
import { countsSomething, cut, decodeChunks, naiveFrame, type Item, type NaiveLayout } from './naive';

interface Layout {
  kind: LengthKind;
  lengthIncludesHeader: boolean;
  headerLength: 0 | 5 | 12;
  trailer: number | null;
  lengthIncludesTrailer: boolean;
}

const layoutArb: fc.Arbitrary<Layout> = fc.record({
  kind: fc.constantFrom<LengthKind>('binary2', 'ascii4', 'bcd2', 'binary4'),
  lengthIncludesHeader: fc.boolean(),
  headerLength: fc.constantFrom<0 | 5 | 12>(0, 5, 12),
  trailer: fc.option(fc.constantFrom(0x03, 0x00, 0xff)),
  lengthIncludesTrailer: fc.boolean(),
});

function optionsOf(l: Layout, maxFrameSize?: number): FramingOptions {
  const o: FramingOptions = { lengthHeader: l.kind, lengthIncludesHeader: l.lengthIncludesHeader, keepAlive: 'answer' };
  if (l.headerLength === 5) o.tpdu = true;
  if (l.headerLength === 12) o.headerLength = 12;
  if (l.trailer !== null) {
    o.trailer = l.trailer;
    o.lengthIncludesTrailer = l.lengthIncludesTrailer;
  }
  if (maxFrameSize !== undefined) o.maxFrameSize = maxFrameSize;
  return o;
}

function naiveLayoutOf(l: Layout, header: Uint8Array): NaiveLayout {
  const n: NaiveLayout = { kind: l.kind, header: Buffer.from(header), lengthIncludesHeader: l.lengthIncludesHeader };
  if (l.trailer !== null) {
    n.trailer = l.trailer;
    n.lengthIncludesTrailer = l.lengthIncludesTrailer;
  }
  return n;
}

/** null = a keep-alive sent on purpose; otherwise a frame (an empty body also reads as a keep-alive). */
type Sent = { header: Uint8Array; message: Uint8Array } | null;

function sentArb(l: Layout): fc.Arbitrary<Sent[]> {
  const frameArb = fc.record({
    header: fc.uint8Array({ minLength: l.headerLength, maxLength: l.headerLength }),
    message: fc.uint8Array({ maxLength: 300 }),
  });
  return fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: frameArb }), { maxLength: 8 });
}

/** Cut points as raw numbers, reduced modulo the stream length when used. */
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

function cutAt(bytes: Buffer, raw: readonly number[]): Buffer[] {
  const points = raw.map((r) => r % (bytes.length + 1)).sort((a, b) => a - b);
  return cut(bytes, points).map((c) => Buffer.from(c));
}

function expectedOf(l: Layout, sent: readonly Sent[]): Item[] {
  return sent.map((s): Item => {
    if (s === null || !countsSomething(naiveLayoutOf(l, s.header), s.message)) return { kind: 'keepalive' };
    const message = Buffer.from(s.message).toString('hex');
    return l.headerLength > 0 ? { kind: 'frame', message, header: Buffer.from(s.header).toString('hex') } : { kind: 'frame', message };
  });
}

function wireOf(l: Layout, sent: readonly Sent[]): Buffer {
  return Buffer.concat(sent.map((s) => (s === null ? naiveFrame({ kind: l.kind }, new Uint8Array(0)) : naiveFrame(naiveLayoutOf(l, s.header), s.message))));
}

describe('transport/framing properties', () => {
  it('random frames cut into random chunks decode to the same frames', () => {
    const arb = layoutArb.chain((l) => fc.tuple(fc.constant(l), sentArb(l), cutsArb));
    fc.assert(
      fc.property(arb, ([l, sent, cuts]) => {
        const wire = wireOf(l, sent);
        const expected = { items: expectedOf(l, sent) };
        assert.deepEqual(decodeChunks(optionsOf(l), [wire]), expected);
        assert.deepEqual(decodeChunks(optionsOf(l), cutAt(wire, cuts)), expected);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes yield frames or a DARI_FRAME_* error, the same however sliced', () => {
    const arb = fc.tuple(layoutArb, fc.constantFrom(20, 64, 8192), fc.uint8Array({ maxLength: 400 }), cutsArb);
    fc.assert(
      fc.property(arb, ([l, max, bytes, cuts]) => {
        const wire = Buffer.from(bytes);
        const whole = decodeChunks(optionsOf(l, max), [wire]); // rethrows anything that is not a DariError
        if (whole.error !== undefined) assert.match(whole.error.code, /^DARI_FRAME_/);
        assert.deepEqual(decodeChunks(optionsOf(l, max), cutAt(wire, cuts)), whole);
      }),
      { numRuns: 200 },
    );
  });

  it('valid streams with a few bytes flipped yield frames or a DARI_FRAME_* error, the same however sliced', () => {
    const arb = layoutArb.chain((l) => fc.tuple(fc.constant(l), sentArb(l), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), cutsArb));
    fc.assert(
      fc.property(arb, ([l, sent, flips, cuts]) => {
        const wire = wireOf(l, sent);
        if (wire.length === 0) return;
        for (const [at, x] of flips) {
          const i = at % wire.length;
          wire[i] = (wire[i] as number) ^ x;
        }
        const whole = decodeChunks(optionsOf(l), [wire]);
        if (whole.error !== undefined) assert.match(whole.error.code, /^DARI_FRAME_/);
        assert.deepEqual(decodeChunks(optionsOf(l), cutAt(wire, cuts)), whole);
      }),
      { numRuns: 200 },
    );
  });
});
