/**
 * Properties (fast-check):
 *  - decode(encode(m)) = m for messages generated from each built-in dialect;
 *  - random bytes and mutated valid messages yield a message or a DariError with a DARI_CODEC_* code,
 *    never another exception and never a hang.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DariError } from '../../../src/errors';
import { BUILTIN_DIALECTS, Iso8583Codec, builtinDialect } from '../../../src/codec/iso8583';
import { messageArb } from '../../support/iso8583-arbitraries';

function codedOrMessage(c: Iso8583Codec, bytes: Uint8Array): void {
  try {
    const m = c.unpack(bytes);
    assert.equal(typeof m.mti, 'string');
  } catch (e) {
    if (!(e instanceof DariError) || !e.code.startsWith('DARI_CODEC_')) throw e;
  }
}

describe('ISO 8583 codec properties', () => {
  for (const name of BUILTIN_DIALECTS) {
    describe(name, () => {
      const c = new Iso8583Codec(builtinDialect(name));

      it('decode(encode(m)) = m', () => {
        fc.assert(fc.property(messageArb(builtinDialect(name)), (m) => {
          const bytes = c.pack(m);
          const back = c.unpack(bytes);
          // BCD track data carries the separator as nibble D
          assert.deepEqual(back, m);
          assert.deepEqual(c.pack(back), bytes);
        }), { numRuns: 300 });
      });

      it('random bytes: a message or a coded error, never another exception', () => {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => codedOrMessage(c, b)), { numRuns: 2000 });
      });

      it('random bytes behind a valid MTI and bitmap: a message or a coded error', () => {
        const prefix = c.pack({ mti: '0200', fields: { '3': '000000' } }).subarray(0, name === 'iso87binary' ? 10 : name === 'iso87ebcdic' ? 12 : 20);
        fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => codedOrMessage(c, Buffer.concat([prefix, b]))), { numRuns: 2000 });
      });

      it('mutated valid messages (byte flips, cuts, insertions): a message or a coded error', () => {
        const mutation = fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), v: fc.constant(0) }),
          fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
        );
        fc.assert(fc.property(messageArb(builtinDialect(name)), fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
          let b = Buffer.from(c.pack(m));
          for (const mu of muts) {
            const at = b.length === 0 ? 0 : mu.at % b.length;
            if (mu.kind === 'flip' && b.length > 0) b[at] = mu.v;
            else if (mu.kind === 'cut') b = b.subarray(0, at);
            else b = Buffer.concat([b.subarray(0, at), Buffer.from([mu.v]), b.subarray(at)]);
          }
          codedOrMessage(c, b);
        }), { numRuns: 1000 });
      });
    });
  }
});
