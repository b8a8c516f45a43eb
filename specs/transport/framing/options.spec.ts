/** Framing options: defaults, validation (each inconsistency names its option), frozen result. */
import { strict as assert } from 'node:assert';
import { DariError } from '../../../src/errors';
import { FrameDecoder, FrameEncoder, FramingConfig, framingConfig, type FramingOptions } from '../../../src/transport/framing';
import { Collector } from './naive';

describe('transport/framing options', () => {
  it('defaults', () => {
    const c = framingConfig({ lengthHeader: 'binary2' });
    assert.equal(c.lengthIncludesHeader, false);
    assert.equal(c.headerLength, 0);
    assert.equal(c.tpdu, false);
    assert.equal(c.tpduSwap, false);
    assert.equal(c.defaultHeader, undefined);
    assert.equal(c.trailer, undefined);
    assert.equal(c.lengthIncludesTrailer, false);
    assert.equal(c.maxFrameSize, 8192);
    assert.equal(c.maxMessageSize, 8192);
    assert.equal(c.keepAlive, 'ignore');
    assert.equal(c.maxKeepAliveAnswers, 3);
    assert.equal(c.keepAliveWindowMs, 1000);
  });

  it('tpdu implies a 5-byte header swapped in replies; a trailer is counted in the length by default', () => {
    const c = framingConfig({ lengthHeader: 'bcd2', tpdu: true, trailer: 0x03 });
    assert.equal(c.headerLength, 5);
    assert.equal(c.tpduSwap, true);
    assert.equal(c.lengthIncludesTrailer, true);
    assert.equal(c.maxMessageSize, 8192 - 5 - 1);
  });

  it('the resolved config is frozen and shared as is', () => {
    const c = framingConfig({ lengthHeader: 'binary2' });
    assert.ok(Object.isFrozen(c));
    assert.throws(() => { (c as { maxFrameSize: number }).maxFrameSize = 1 << 20; }, TypeError);
    assert.equal(framingConfig(c), c);
    assert.equal(new FrameEncoder(c).config, c);
    assert.equal(new FrameDecoder(c, new Collector()).config, c);
    assert.ok(c instanceof FramingConfig);
  });

  const bad: Array<[string, string, unknown]> = [
    ['lengthHeader', 'missing', {}],
    ['lengthHeader', 'unknown kind', { lengthHeader: 'ascii3' }],
    ['nope', 'unknown option (a typo in a partner file)', { lengthHeader: 'binary2', nope: 1 }],
    ['lengthIncludesHeader', 'not a boolean', { lengthHeader: 'binary2', lengthIncludesHeader: 'yes' }],
    ['headerLength', 'negative', { lengthHeader: 'binary2', headerLength: -1 }],
    ['headerLength', 'not an integer', { lengthHeader: 'binary2', headerLength: 1.5 }],
    ['headerLength', 'not 5 with a TPDU', { lengthHeader: 'binary2', tpdu: true, headerLength: 4 }],
    ['tpduSwap', 'without a TPDU', { lengthHeader: 'binary2', tpduSwap: true }],
    ['defaultHeader', 'on a link without fixed header', { lengthHeader: 'binary2', defaultHeader: Buffer.from([0x60]) }],
    ['defaultHeader', 'of the wrong size', { lengthHeader: 'binary2', tpdu: true, defaultHeader: Buffer.from([0x60, 0, 3, 0]) }],
    ['defaultHeader', 'not bytes', { lengthHeader: 'binary2', headerLength: 2, defaultHeader: 'ab' }],
    ['trailer', 'not a byte', { lengthHeader: 'binary2', trailer: 256 }],
    ['lengthIncludesTrailer', 'without a trailer', { lengthHeader: 'binary2', lengthIncludesTrailer: false }],
    ['maxFrameSize', 'zero', { lengthHeader: 'binary4', maxFrameSize: 0 }],
    ['maxFrameSize', 'above 16 MiB', { lengthHeader: 'binary4', maxFrameSize: (1 << 24) + 1 }],
    ['maxFrameSize', 'above what ascii4 can declare', { lengthHeader: 'ascii4', maxFrameSize: 10000 }],
    ['maxFrameSize', 'above what bcd2 can declare once it counts its own 2 bytes', { lengthHeader: 'bcd2', lengthIncludesHeader: true, maxFrameSize: 9999 }],
    ['maxFrameSize', 'above what binary2 can declare', { lengthHeader: 'binary2', maxFrameSize: 65536 }],
    ['maxFrameSize', 'no room for a message after header and trailer', { lengthHeader: 'binary2', tpdu: true, trailer: 3, maxFrameSize: 6 }],
    ['keepAlive', 'unknown mode', { lengthHeader: 'binary2', keepAlive: 'echo' }],
    ['maxKeepAliveAnswers', 'without answering keep-alives', { lengthHeader: 'binary2', maxKeepAliveAnswers: 2 }],
    ['maxKeepAliveAnswers', 'zero', { lengthHeader: 'binary2', keepAlive: 'answer', maxKeepAliveAnswers: 0 }],
    ['keepAliveWindowMs', 'without answering keep-alives', { lengthHeader: 'binary2', keepAliveWindowMs: 10 }],
    ['keepAliveWindowMs', 'not positive', { lengthHeader: 'binary2', keepAlive: 'answer', keepAliveWindowMs: 0 }],
  ];
  for (const [option, why, options] of bad) {
    it(`${option} ${why}: DARI_FRAME_OPTIONS_INVALID naming the option`, () => {
      assert.throws(() => framingConfig(options as FramingOptions), (e) => e instanceof DariError && e.code === 'DARI_FRAME_OPTIONS_INVALID' && e.message.includes(option));
    });
  }

  it('the largest declarable sizes are accepted', () => {
    assert.equal(framingConfig({ lengthHeader: 'ascii4', maxFrameSize: 9999 }).maxFrameSize, 9999);
    assert.equal(framingConfig({ lengthHeader: 'binary2', maxFrameSize: 65535 }).maxFrameSize, 65535);
    assert.equal(framingConfig({ lengthHeader: 'binary2', trailer: 3, lengthIncludesTrailer: false, maxFrameSize: 65536 }).maxFrameSize, 65536);
    assert.equal(framingConfig({ lengthHeader: 'binary4', maxFrameSize: 1 << 24 }).maxFrameSize, 1 << 24);
  });
});
