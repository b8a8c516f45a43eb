/**
 * FrameEncoder: generate (expected bytes written by hand), then mirror (the decoder reads back what
 * the encoder wrote).
 */
import { strict as assert } from 'node:assert';
import { DariError } from '../../../src/errors';
import { FrameEncoder, type FramingOptions } from '../../../src/transport/framing';
import { decodeChunks, hex } from './naive';

const DEADBEEF = hex('DE AD BE EF');

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e) => e instanceof DariError && e.code === code);
}

describe('transport/framing encoder', () => {
  const vectors: Array<[string, FramingOptions, string]> = [
    ['binary2', { lengthHeader: 'binary2' }, '00 04 DE AD BE EF'],
    ['binary2 lengthIncludesHeader (AmexChannel)', { lengthHeader: 'binary2', lengthIncludesHeader: true }, '00 06 DE AD BE EF'],
    ['ascii4', { lengthHeader: 'ascii4' }, '30 30 30 34 DE AD BE EF'],
    ['bcd2', { lengthHeader: 'bcd2' }, '00 04 DE AD BE EF'],
    ['binary4', { lengthHeader: 'binary4' }, '00 00 00 04 DE AD BE EF'],
    ['binary2 + ETX counted (BASE24TCPChannel)', { lengthHeader: 'binary2', trailer: 0x03 }, '00 05 DE AD BE EF 03'],
    ['binary2 + ETX not counted', { lengthHeader: 'binary2', trailer: 0x03, lengthIncludesTrailer: false }, '00 04 DE AD BE EF 03'],
    ['ascii4 + ETX + lengthIncludesHeader', { lengthHeader: 'ascii4', trailer: 0x03, lengthIncludesHeader: true }, '30 30 30 39 DE AD BE EF 03'],
  ];
  for (const [name, options, expected] of vectors) {
    it(`${name}: encode writes ${expected} and the decoder reads it back`, () => {
      const framed = new FrameEncoder(options).encode(DEADBEEF);
      assert.deepEqual(framed, hex(expected));
      assert.deepEqual(decodeChunks(options, [framed]), { items: [{ kind: 'frame', message: 'deadbeef' }] });
    });
  }

  it('bcd2 writes 115 as 01 15 and 9999 as 99 99', () => {
    const e = new FrameEncoder({ lengthHeader: 'bcd2', maxFrameSize: 9999 });
    assert.deepEqual(e.encode(Buffer.alloc(115, 1)).subarray(0, 2), hex('01 15'));
    assert.deepEqual(e.encode(Buffer.alloc(9999, 1)).subarray(0, 2), hex('99 99'));
  });

  it('ascii4 writes 115 as 0115', () => {
    assert.equal(new FrameEncoder({ lengthHeader: 'ascii4' }).encode(Buffer.alloc(115)).subarray(0, 4).toString('latin1'), '0115');
  });

  describe('fixed header and TPDU', () => {
    const tpdu: FramingOptions = { lengthHeader: 'binary2', tpdu: true };

    it('encode writes the given TPDU after the length', () => {
      assert.deepEqual(new FrameEncoder(tpdu).encode(DEADBEEF, hex('60 00 03 00 00')), hex('00 09 60 00 03 00 00 DE AD BE EF'));
    });

    it('encode falls back to defaultHeader, copied when the options were resolved', () => {
      const dflt = hex('60 00 03 00 00');
      const e = new FrameEncoder({ ...tpdu, defaultHeader: dflt });
      dflt.fill(0xff);
      assert.deepEqual(e.encode(DEADBEEF), hex('00 09 60 00 03 00 00 DE AD BE EF'));
    });

    it('the reply TPDU swaps source and destination NII: 60 00 03 00 00 -> 60 00 00 00 03', () => {
      const e = new FrameEncoder(tpdu);
      const request = hex('60 00 03 00 00');
      assert.deepEqual(e.replyHeader(request), hex('60 00 00 00 03'));
      assert.deepEqual(e.encodeReply(DEADBEEF, request), hex('00 09 60 00 00 00 03 DE AD BE EF'));
      assert.deepEqual(request, hex('60 00 03 00 00'), 'the request header is not modified');
    });

    it('the reply to a decoded request carries the swapped TPDU (request header from the decoder)', () => {
      const opts: FramingOptions = { lengthHeader: 'bcd2', tpdu: true };
      const req = decodeChunks(opts, [hex('00 07 60 01 23 04 56 AA BB')]);
      const item = req.items[0];
      assert.ok(item !== undefined && item.kind === 'frame' && item.header !== undefined);
      assert.deepEqual(new FrameEncoder(opts).encodeReply(hex('CC'), hex(item.header)), hex('00 06 60 04 56 01 23 CC'));
    });

    it('tpduSwap: false sends the request TPDU back unchanged', () => {
      const e = new FrameEncoder({ ...tpdu, tpduSwap: false });
      assert.deepEqual(e.encodeReply(DEADBEEF, hex('60 00 03 00 00')), hex('00 09 60 00 03 00 00 DE AD BE EF'));
    });

    it('a non-TPDU fixed header is sent back unchanged in a reply', () => {
      const e = new FrameEncoder({ lengthHeader: 'binary2', headerLength: 2 });
      assert.deepEqual(e.encodeReply(hex('AA'), hex('12 34')), hex('00 03 12 34 AA'));
    });

    it('missing or wrong-size header: DARI_FRAME_HEADER_INVALID', () => {
      const e = new FrameEncoder(tpdu);
      throwsCode(() => e.encode(DEADBEEF), 'DARI_FRAME_HEADER_INVALID');
      throwsCode(() => e.encode(DEADBEEF, hex('60 00 03 00')), 'DARI_FRAME_HEADER_INVALID');
      throwsCode(() => e.replyHeader(hex('60')), 'DARI_FRAME_HEADER_INVALID');
      throwsCode(() => new FrameEncoder({ lengthHeader: 'binary2' }).encode(DEADBEEF, hex('60')), 'DARI_FRAME_HEADER_INVALID');
    });

    it('an empty message is allowed when a fixed header or trailer makes the body non-empty', () => {
      assert.deepEqual(new FrameEncoder(tpdu).encode(Buffer.alloc(0), hex('60 00 03 00 00')), hex('00 05 60 00 03 00 00'));
      assert.deepEqual(new FrameEncoder({ lengthHeader: 'binary2', trailer: 3 }).encode(Buffer.alloc(0)), hex('00 01 03'));
    });
  });

  describe('limits', () => {
    it('a message of exactly the maximum is framed; one byte more is DARI_FRAME_TOO_LARGE (default 8192)', () => {
      const e = new FrameEncoder({ lengthHeader: 'binary2' });
      assert.equal(e.encode(Buffer.alloc(8192)).length, 8194);
      throwsCode(() => e.encode(Buffer.alloc(8193)), 'DARI_FRAME_TOO_LARGE');
    });

    it('the maximum counts fixed header and trailer', () => {
      const e = new FrameEncoder({ lengthHeader: 'binary2', tpdu: true, trailer: 3, maxFrameSize: 10 });
      assert.equal(e.encode(Buffer.alloc(4), hex('60 00 03 00 00')).length, 12);
      throwsCode(() => e.encode(Buffer.alloc(5), hex('60 00 03 00 00')), 'DARI_FRAME_TOO_LARGE');
    });

    it('an empty message without header or trailer would read as a keep-alive: DARI_FRAME_LENGTH_INVALID', () => {
      throwsCode(() => new FrameEncoder({ lengthHeader: 'binary2' }).encode(Buffer.alloc(0)), 'DARI_FRAME_LENGTH_INVALID');
      throwsCode(() => new FrameEncoder({ lengthHeader: 'binary2', lengthIncludesHeader: true }).encode(Buffer.alloc(0)), 'DARI_FRAME_LENGTH_INVALID');
      // `00 00 03` would read as a keep-alive followed by a stray byte (found by the property test).
      throwsCode(() => new FrameEncoder({ lengthHeader: 'binary2', trailer: 3, lengthIncludesTrailer: false }).encode(Buffer.alloc(0)), 'DARI_FRAME_LENGTH_INVALID');
    });
  });

  describe('encodeWith: reserve the length header, write the message in place, back-fill', () => {
    it('back-fills the length of what the writer wrote, not of the capacity', () => {
      const e = new FrameEncoder({ lengthHeader: 'ascii4', tpdu: true, trailer: 0x03 });
      const framed = e.encodeWith(64, (target, start) => start + DEADBEEF.copy(target, start), hex('60 00 03 00 00'));
      assert.deepEqual(framed, hex('30 30 31 30 60 00 03 00 00 DE AD BE EF 03'));
    });

    it('capacity exactly used returns the whole buffer', () => {
      const framed = new FrameEncoder({ lengthHeader: 'binary4' }).encodeWith(4, (t, s) => s + DEADBEEF.copy(t, s));
      assert.deepEqual(framed, hex('00 00 00 04 DE AD BE EF'));
    });

    it('capacity above the maximum: DARI_FRAME_TOO_LARGE before the writer runs', () => {
      let ran = false;
      throwsCode(() => new FrameEncoder({ lengthHeader: 'binary2' }).encodeWith(8193, (_t, s) => { ran = true; return s; }), 'DARI_FRAME_TOO_LARGE');
      assert.equal(ran, false);
    });

    it('a writer returning an offset outside its range is a bug: DARI_INTERNAL_ERROR', () => {
      const e = new FrameEncoder({ lengthHeader: 'binary2' });
      throwsCode(() => e.encodeWith(4, (_t, _s, end) => end + 1), 'DARI_INTERNAL_ERROR');
      throwsCode(() => e.encodeWith(4, (_t, s) => s - 1), 'DARI_INTERNAL_ERROR');
      throwsCode(() => e.encodeWith(-1, (_t, s) => s), 'DARI_INTERNAL_ERROR');
    });

    it('bytes the writer leaves unwritten are zero, never stale memory', () => {
      const framed = new FrameEncoder({ lengthHeader: 'binary2' }).encodeWith(4, (_t, s) => s + 4);
      assert.deepEqual(framed, hex('00 04 00 00 00 00'));
    });
  });

  it('keepAlive() is a length header declaring 0 and nothing else, a new buffer each time', () => {
    assert.deepEqual(new FrameEncoder({ lengthHeader: 'binary2' }).keepAlive(), hex('00 00'));
    assert.deepEqual(new FrameEncoder({ lengthHeader: 'binary2', lengthIncludesHeader: true }).keepAlive(), hex('00 00'));
    assert.deepEqual(new FrameEncoder({ lengthHeader: 'ascii4' }).keepAlive(), hex('30 30 30 30'));
    assert.deepEqual(new FrameEncoder({ lengthHeader: 'bcd2', tpdu: true, trailer: 3 }).keepAlive(), hex('00 00'));
    assert.deepEqual(new FrameEncoder({ lengthHeader: 'binary4' }).keepAlive(), hex('00 00 00 00'));
    const e = new FrameEncoder({ lengthHeader: 'binary2' });
    assert.notEqual(e.keepAlive(), e.keepAlive());
  });
});
