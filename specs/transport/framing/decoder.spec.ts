/**
 * FrameDecoder: every vector fed whole, byte by byte and split at every boundary gives the same
 * frames (and the same error, code and offset). Expected bytes are written by hand or built by the
 * naive helper, never by the production encoder.
 */
import { strict as assert } from 'node:assert';
import { DariError } from '../../../src/errors';
import { FrameDecoder, type FramingOptions, type LengthKind } from '../../../src/transport/framing';
import { Collector, assertSliceIndependent, decodeChunks, hex, naiveFrame, naiveKeepAlive, type Item } from './naive';

const frame = (message: string, header?: string): Item => (header === undefined ? { kind: 'frame', message } : { kind: 'frame', message, header });
const KEEPALIVE: Item = { kind: 'keepalive' };

/** 115 bytes 00 01 .. 72, the body of the bcd2 `01 15` vector. */
const BODY_115 = Buffer.from(Array.from({ length: 115 }, (_, i) => i));

interface Vector {
  name: string;
  options: FramingOptions;
  /** Two frames, hand-written. */
  first: Buffer;
  second: Buffer;
  expected: [Item, Item];
}

const VECTORS: Vector[] = [
  {
    name: 'binary2 (PostChannel)',
    options: { lengthHeader: 'binary2' },
    first: hex('00 04 DE AD BE EF'),
    second: hex('00 02 CA FE'),
    expected: [frame('deadbeef'), frame('cafe')],
  },
  {
    name: 'binary2 lengthIncludesHeader (AmexChannel)',
    options: { lengthHeader: 'binary2', lengthIncludesHeader: true },
    first: hex('00 06 DE AD BE EF'),
    second: hex('00 03 01'),
    expected: [frame('deadbeef'), frame('01')],
  },
  {
    name: 'ascii4 (ASCIIChannel)',
    options: { lengthHeader: 'ascii4' },
    first: hex('30 30 30 34 DE AD BE EF'),
    second: hex('30 30 31 32 30 32 30 30 37 32 33 38 30 30 30 30'),
    expected: [frame('deadbeef'), frame('303230303732333830303030')],
  },
  {
    name: 'bcd2 (NCCChannel), 01 15 = 115 bytes',
    options: { lengthHeader: 'bcd2' },
    first: Buffer.concat([hex('01 15'), BODY_115]),
    second: hex('00 10 00 01 02 03 04 05 06 07 08 09'),
    expected: [frame(BODY_115.toString('hex')), frame('00010203040506070809')],
  },
  {
    name: 'binary4 (RawChannel)',
    options: { lengthHeader: 'binary4' },
    first: hex('00 00 00 04 DE AD BE EF'),
    second: hex('00 00 00 01 7F'),
    expected: [frame('deadbeef'), frame('7f')],
  },
  {
    name: 'binary2 + TPDU (NACChannel)',
    options: { lengthHeader: 'binary2', tpdu: true },
    first: hex('00 09 60 00 03 00 00 DE AD BE EF'),
    second: hex('00 06 60 00 05 00 01 AA'),
    expected: [frame('deadbeef', '6000030000'), frame('aa', '6000050001')],
  },
  {
    name: 'bcd2 + TPDU',
    options: { lengthHeader: 'bcd2', tpdu: true },
    first: hex('00 09 60 00 03 00 00 DE AD BE EF'),
    second: hex('00 05 60 00 05 00 01'),
    expected: [frame('deadbeef', '6000030000'), frame('', '6000050001')],
  },
  {
    name: 'binary2 + ETX counted in the length (BASE24TCPChannel)',
    options: { lengthHeader: 'binary2', trailer: 0x03 },
    first: hex('00 05 DE AD BE EF 03'),
    second: hex('00 02 AA 03'),
    expected: [frame('deadbeef'), frame('aa')],
  },
  {
    name: 'binary2 + ETX not counted in the length',
    options: { lengthHeader: 'binary2', trailer: 0x03, lengthIncludesTrailer: false },
    first: hex('00 04 DE AD BE EF 03'),
    second: hex('00 01 AA 03'),
    expected: [frame('deadbeef'), frame('aa')],
  },
  {
    name: 'binary2 + BASE24 12-byte header + ETX',
    options: { lengthHeader: 'binary2', headerLength: 12, trailer: 0x03 },
    first: Buffer.concat([hex('00 11'), Buffer.from('ISO026000050', 'latin1'), hex('DE AD BE EF 03')]),
    second: Buffer.concat([hex('00 0E'), Buffer.from('ISO026000070', 'latin1'), hex('AA 03')]),
    expected: [frame('deadbeef', Buffer.from('ISO026000050').toString('hex')), frame('aa', Buffer.from('ISO026000070').toString('hex'))],
  },
  {
    name: 'ascii4 + TPDU + ETX + lengthIncludesHeader',
    options: { lengthHeader: 'ascii4', tpdu: true, trailer: 0x03, lengthIncludesHeader: true },
    first: hex('30 30 31 34 60 00 03 00 00 DE AD BE EF 03'),
    second: hex('30 30 31 31 60 00 05 00 01 AA 03'),
    expected: [frame('deadbeef', '6000030000'), frame('aa', '6000050001')],
  },
];

describe('transport/framing decoder', () => {
  for (const v of VECTORS) {
    describe(v.name, () => {
      it('one frame, fed whole, byte by byte and split at every point', () => {
        assertSliceIndependent(v.options, v.first, { items: [v.expected[0]] });
      });
      it('two frames in one chunk and split at every point (and every pair of points)', () => {
        assertSliceIndependent(v.options, Buffer.concat([v.first, v.second]), { items: v.expected });
      });
      it("three frames with a keep-alive in the middle (keepAlive: 'answer' reports it)", () => {
        const kind = v.options.lengthHeader;
        const bytes = Buffer.concat([v.first, naiveKeepAlive(kind), v.second, v.first]);
        assertSliceIndependent({ ...v.options, keepAlive: 'answer' }, bytes, { items: [v.expected[0], KEEPALIVE, v.expected[1], v.expected[0]] });
      });
      it("the same with keepAlive: 'ignore' swallows the keep-alive", () => {
        const bytes = Buffer.concat([v.first, naiveKeepAlive(v.options.lengthHeader), v.second]);
        assertSliceIndependent(v.options, bytes, { items: v.expected });
      });
    });
  }

  it('the naive helper agrees with the hand-written vectors', () => {
    assert.deepEqual(naiveFrame({ kind: 'bcd2' }, BODY_115), VECTORS[3]?.first);
    assert.deepEqual(naiveFrame({ kind: 'binary2', header: hex('6000030000') }, hex('DEADBEEF')), hex('00 09 60 00 03 00 00 DE AD BE EF'));
    assert.deepEqual(naiveFrame({ kind: 'binary2', trailer: 3, lengthIncludesTrailer: false }, hex('DEADBEEF')), hex('00 04 DE AD BE EF 03'));
    assert.deepEqual(naiveFrame({ kind: 'ascii4', lengthIncludesHeader: true }, hex('DEADBEEF')), hex('30 30 30 38 DE AD BE EF'));
  });

  it('an AmexChannel keep-alive may be 00 00 or 00 02 (a length that counts only itself)', () => {
    const o: FramingOptions = { lengthHeader: 'binary2', lengthIncludesHeader: true, keepAlive: 'answer' };
    assertSliceIndependent(o, hex('00 00 00 02 00 03 01'), { items: [KEEPALIVE, KEEPALIVE, frame('01')] });
  });

  describe('message views and copies', () => {
    it('a frame whole in one chunk is a view of that chunk (no copy)', () => {
      const chunk = hex('00 04 DE AD BE EF 00 02 CA FE');
      const seen: Buffer[] = [];
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, { frame: (m) => seen.push(m), keepAlive: () => undefined });
      d.push(chunk);
      assert.equal(seen.length, 2);
      assert.equal(seen[0]?.buffer, chunk.buffer);
      assert.equal(seen[0]?.byteOffset, chunk.byteOffset + 2);
      assert.equal(seen[1]?.byteOffset, chunk.byteOffset + 8);
    });

    it('a frame spanning chunks is its own copy; later pushes never change it', () => {
      const seen: Buffer[] = [];
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, { frame: (m) => seen.push(m), keepAlive: () => undefined });
      const a = hex('00 04 DE AD');
      const b = hex('BE EF 00 02 CA');
      d.push(a);
      d.push(b);
      a.fill(0);
      b.fill(0);
      d.push(hex('FE'));
      assert.deepEqual(seen.map((m) => m.toString('hex')), ['deadbeef', 'cafe']);
    });

    it('buffered counts the bytes of the incomplete frame held between pushes', () => {
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, new Collector());
      d.push(hex('00'));
      assert.equal(d.buffered, 1);
      d.push(hex('04 DE'));
      assert.equal(d.buffered, 3);
      d.push(hex('AD BE EF'));
      assert.equal(d.buffered, 0);
      assert.equal(d.offset, 6);
    });
  });

  describe('hostile and broken input', () => {
    /** Count Buffer allocations made while `fn` runs. */
    function allocations(fn: () => void): number {
      const saved = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
      let n = 0;
      Buffer.alloc = ((...args: Parameters<typeof Buffer.alloc>) => { n++; return saved.alloc(...args); }) as typeof Buffer.alloc;
      Buffer.allocUnsafe = ((size: number) => { n++; return saved.allocUnsafe(size); }) as typeof Buffer.allocUnsafe;
      Buffer.allocUnsafeSlow = ((size: number) => { n++; return saved.allocUnsafeSlow(size); }) as typeof Buffer.allocUnsafeSlow;
      try {
        fn();
      } finally {
        Object.assign(Buffer, saved);
      }
      return n;
    }

    const hostile: Array<[string, FramingOptions, string]> = [
      ['binary2 declaring 65535', { lengthHeader: 'binary2' }, 'FF FF'],
      ['binary2 declaring 8193 (one above the default 8192)', { lengthHeader: 'binary2' }, '20 01'],
      ['binary4 declaring 2^31', { lengthHeader: 'binary4' }, '80 00 00 00'],
      ['binary4 declaring 2^32 - 1', { lengthHeader: 'binary4' }, 'FF FF FF FF'],
      ['ascii4 declaring 9999 on a 1000-byte link', { lengthHeader: 'ascii4', maxFrameSize: 1000 }, '39 39 39 39'],
      ['bcd2 declaring 9999', { lengthHeader: 'bcd2' }, '99 99'],
    ];
    for (const [name, options, header] of hostile) {
      it(`${name}: DARI_FRAME_TOO_LARGE as soon as the length header arrives, nothing allocated or buffered`, () => {
        const d = new FrameDecoder(options, new Collector());
        const bytes = hex(header);
        let thrown: unknown;
        const n = allocations(() => {
          try {
            d.push(bytes);
          } catch (e) {
            thrown = e;
          }
        });
        assert.ok(thrown instanceof DariError);
        assert.equal(thrown.code, 'DARI_FRAME_TOO_LARGE');
        assert.equal(thrown.offset, 0);
        assert.equal(n, 0, 'the decoder allocated while refusing the frame');
        assert.equal(d.buffered, 0);
      });
    }

    it('the too-large error names the offset of the length header in the stream, however sliced', () => {
      assertSliceIndependent({ lengthHeader: 'binary2' }, hex('00 02 CA FE FF FF 00 00'), { items: [frame('cafe')], error: { code: 'DARI_FRAME_TOO_LARGE', offset: 4 } });
    });

    it('maxFrameSize counts fixed header and trailer: exactly the maximum passes, one more does not', () => {
      const o: FramingOptions = { lengthHeader: 'binary2', tpdu: true, trailer: 0x03, maxFrameSize: 10 };
      assertSliceIndependent(o, hex('00 0A 60 00 03 00 00 01 02 03 04 03'), { items: [frame('01020304', '6000030000')] });
      assertSliceIndependent(o, hex('00 0B 60'), { items: [], error: { code: 'DARI_FRAME_TOO_LARGE', offset: 0 } });
    });

    it('non-digit ascii4 length: DARI_FRAME_LENGTH_INVALID at the bad byte', () => {
      assertSliceIndependent({ lengthHeader: 'ascii4' }, hex('30 30 30 31 AA 30 30 3A 34 DE AD BE EF'),
        { items: [frame('aa')], error: { code: 'DARI_FRAME_LENGTH_INVALID', offset: 7 } });
      assertSliceIndependent({ lengthHeader: 'ascii4' }, Buffer.from(' 115', 'latin1'), { items: [], error: { code: 'DARI_FRAME_LENGTH_INVALID', offset: 0 } });
    });

    it('bcd2 length with a nibble above 9: DARI_FRAME_LENGTH_INVALID at the bad byte', () => {
      assertSliceIndependent({ lengthHeader: 'bcd2' }, hex('01 A5'), { items: [], error: { code: 'DARI_FRAME_LENGTH_INVALID', offset: 1 } });
      assertSliceIndependent({ lengthHeader: 'bcd2' }, hex('00 01 AA F0 01'), { items: [frame('aa')], error: { code: 'DARI_FRAME_LENGTH_INVALID', offset: 3 } });
    });

    it('a length that counts itself but declares less than its own 2 bytes: DARI_FRAME_LENGTH_INVALID', () => {
      assertSliceIndependent({ lengthHeader: 'binary2', lengthIncludesHeader: true }, hex('00 01 AA'), { items: [], error: { code: 'DARI_FRAME_LENGTH_INVALID', offset: 0 } });
    });

    it('stream ends inside the body or inside the length header: DARI_FRAME_TRUNCATED at the end offset', () => {
      assertSliceIndependent({ lengthHeader: 'binary2' }, hex('00 04 DE AD'), { items: [], error: { code: 'DARI_FRAME_TRUNCATED', offset: 4 } });
      assertSliceIndependent({ lengthHeader: 'binary4' }, hex('00 00 00 01 AA 00 00'), { items: [frame('aa')], error: { code: 'DARI_FRAME_TRUNCATED', offset: 7 } });
      assertSliceIndependent({ lengthHeader: 'ascii4', tpdu: true }, hex('30 30 30 35 60'), { items: [], error: { code: 'DARI_FRAME_TRUNCATED', offset: 5 } });
    });

    it('a stream ending on a frame boundary is not truncated', () => {
      assert.deepEqual(decodeChunks({ lengthHeader: 'binary2' }, []), { items: [] });
      assert.deepEqual(decodeChunks({ lengthHeader: 'binary2' }, [hex('00 01 AA'), Buffer.alloc(0)]), { items: [frame('aa')] });
    });

    it('wrong trailer byte: DARI_FRAME_HEADER_INVALID at the trailer', () => {
      assertSliceIndependent({ lengthHeader: 'binary2', trailer: 0x03 }, hex('00 02 AA 03 00 05 DE AD BE EF 04'),
        { items: [frame('aa')], error: { code: 'DARI_FRAME_HEADER_INVALID', offset: 10 } });
      assertSliceIndependent({ lengthHeader: 'binary2', trailer: 0x03, lengthIncludesTrailer: false }, hex('00 04 DE AD BE EF 04'),
        { items: [], error: { code: 'DARI_FRAME_HEADER_INVALID', offset: 6 } });
    });

    it('frame shorter than its fixed header: DARI_FRAME_HEADER_INVALID at the length header', () => {
      assertSliceIndependent({ lengthHeader: 'binary2', tpdu: true }, hex('00 03 60 00 03'), { items: [], error: { code: 'DARI_FRAME_HEADER_INVALID', offset: 0 } });
      assertSliceIndependent({ lengthHeader: 'bcd2', headerLength: 12, trailer: 0x03 }, hex('00 12'), { items: [], error: { code: 'DARI_FRAME_HEADER_INVALID', offset: 0 } });
    });

    it('after an error the decoder is unusable: every later call rethrows the same error', () => {
      const sink = new Collector();
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, sink);
      let first: unknown;
      assert.throws(() => d.push(hex('FF FF')), (e) => { first = e; return e instanceof DariError && e.code === 'DARI_FRAME_TOO_LARGE'; });
      assert.throws(() => d.push(hex('00 01 AA')), (e) => e === first);
      assert.throws(() => d.end(), (e) => e === first);
      assert.deepEqual(sink.items, []);
    });

    it('push after end is refused', () => {
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, new Collector());
      d.end();
      assert.throws(() => d.push(hex('00 01 AA')), (e) => e instanceof DariError && e.code === 'DARI_INTERNAL_ERROR');
    });
  });

  describe('every length kind decodes the naive helper output the same however sliced', () => {
    const kinds: LengthKind[] = ['binary2', 'ascii4', 'bcd2', 'binary4'];
    for (const kind of kinds) {
      it(kind, () => {
        const messages = [hex('01'), Buffer.alloc(300, 0x5a), hex('00 00 00')];
        const bytes = Buffer.concat(messages.map((m) => naiveFrame({ kind }, m)));
        const out = decodeChunks({ lengthHeader: kind }, [bytes]);
        assert.deepEqual(out, { items: messages.map((m) => frame(m.toString('hex'))) });
        for (let i = 0; i <= bytes.length; i++) assert.deepEqual(decodeChunks({ lengthHeader: kind }, [bytes.subarray(0, i), bytes.subarray(i)]), out);
      });
    }
  });
});
