/**
 * Properties (fast-check):
 *  - decode(encode(m)) = m for messages generated from each built-in dialect;
 *  - random bytes and mutated valid messages yield a message or a DariError with a DARI_CODEC_* code,
 *    never another exception and never a hang.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DariError } from '../../../src/errors';
import { BUILTIN_DIALECTS, Iso8583Codec, builtinDialect, type CompiledField, type Iso8583Message } from '../../../src/codec/iso8583';

const DIGITS = '0123456789';
const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ';
const SPECIAL = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const HEX = '0123456789ABCDEF';

function charsOf(f: CompiledField, ebcdic: boolean): string {
  switch (f.clsName) {
    case 'n': case 'xn': return DIGITS;
    case 'a': return ALPHA;
    case 'an': return ALPHA + DIGITS;
    case 'as': return ALPHA + SPECIAL;
    case 'ns': return DIGITS + SPECIAL;
    case 'z': return `${DIGITS}D`;
    default: return ebcdic ? `${ALPHA}${DIGITS}.<(+&$*);-/,%_>?:#@'="` : ALPHA + DIGITS + SPECIAL;
  }
}

/** A value the field accepts, generated from its spec (not from the codec). */
function valueArb(f: CompiledField, ebcdic: boolean): fc.Arbitrary<string> {
  if (f.tlv) {
    const item = fc.tuple(fc.constantFrom('9F26', '9F27', '9F10', '95', '9A', '5F2A', 'DF8101'), fc.uint8Array({ maxLength: 20 }))
      .map(([t, v]) => t + (v.length).toString(16).padStart(2, '0').toUpperCase() + Buffer.from(v).toString('hex').toUpperCase());
    return fc.array(item, { maxLength: 5 }).map((a) => a.join('')).filter((h) => h.length / 2 <= f.length);
  }
  const max = Math.min(f.length, 60);
  const len = f.prefixDigits > 0 ? fc.integer({ min: 0, max }) : fc.constant(f.length);
  if (f.clsName === 'b') return len.chain((n) => fc.string({ unit: fc.constantFrom(...HEX), minLength: 2 * n, maxLength: 2 * n }));
  const chars = charsOf(f, ebcdic);
  const body = len.chain((n) => fc.string({ unit: fc.constantFrom(...chars), minLength: n, maxLength: n }));
  return f.clsName === 'xn' ? fc.tuple(fc.constantFrom('C', 'D'), body).map(([s, b]) => s + b) : body;
}

function messageArb(dialect: (typeof BUILTIN_DIALECTS)[number]): fc.Arbitrary<Iso8583Message> {
  const d = builtinDialect(dialect);
  const ebcdic = dialect === 'iso87ebcdic';
  const defined = d.fields.filter((f): f is CompiledField => f !== undefined && f.length <= 999);
  const entry = fc.constantFrom(...defined).chain((f) => valueArb(f, ebcdic).map((v) => [f.no, v] as const));
  return fc.record({
    mti: fc.string({ unit: fc.constantFrom(...DIGITS), minLength: 4, maxLength: 4 }),
    entries: fc.array(entry, { maxLength: 25 }),
  }).map(({ mti, entries }) => {
    const fields: Record<string, string> = {};
    for (const [no, v] of entries.sort((a, b) => a[0] - b[0])) fields[no] = v;
    return { mti, fields };
  });
}

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
        fc.assert(fc.property(messageArb(name), (m) => {
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
        fc.assert(fc.property(messageArb(name), fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
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
