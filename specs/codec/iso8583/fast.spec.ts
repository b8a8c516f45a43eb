/**
 * The specialised fast unpacker (src/codec/iso8583/fast.ts) against the generic one it is derived
 * from: on generated, random and mutated messages, for every built-in dialect and for test dialects
 * that use every layout option, `unpack` (fast path first) and the generic unpacker give the same
 * message, or the same DariError (code, message, field, offset); and whenever the fast path alone
 * answers, its answer is the generic one.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DariError } from '../../../src/errors';
import { BUILTIN_DIALECTS, Iso8583Codec, builtinDialect, compileDialect, type CompiledDialect, type CompiledField, type Iso8583Message } from '../../../src/codec/iso8583';
import { messageArb, valueArb } from '../../support/iso8583-arbitraries';


/** Every layout option: header, ebcdic-hex and tertiary bitmaps, all prefix encodings, pads, counts, subfields. */
const MIX_A = compileDialect({
  name: 'fastmixA',
  mtiEncoding: 'ebcdic',
  bitmapEncoding: 'ebcdic-hex',
  tertiaryBitmap: true,
  header: { length: 5, encoding: 'ascii' },
  prefixEncoding: 'binary',
  encodings: { numeric: 'bcd', text: 'ascii', binary: 'binary', track: 'bcd' },
  fields: {
    '2': { name: 'PAN', class: 'n', length: 19, prefix: 2, pad: 'right', padNibble: '0' },
    '3': { name: 'n6', class: 'n', length: 6 },
    '4': { name: 'n5 right F', class: 'n', length: 5, pad: 'right' },
    '5': { name: 'n7 left', class: 'n', length: 7 },
    '6': { name: 'n40', class: 'n', length: 40 },
    '7': { name: 'n ascii', class: 'n', length: 10, encoding: 'ascii' },
    '8': { name: 'xn', class: 'xn', length: 8 },
    '9': { name: 'xn ascii', class: 'xn', length: 8, encoding: 'ascii' },
    '10': { name: 'ebcdic text', class: 'ans', length: 12, encoding: 'ebcdic' },
    '11': { name: 'var ebcdic', class: 'an', length: 30, prefix: 2, prefixEncoding: 'ebcdic', encoding: 'ebcdic' },
    '14': { name: 'exp', class: 'n', length: 4 },
    '32': { name: 'bcd counts bytes', class: 'n', length: 22, prefix: 2, prefixEncoding: 'bcd', lengthCounts: 'bytes' },
    '33': { name: 'ascii counts bytes', class: 'ans', length: 99, prefix: 2, prefixEncoding: 'ascii', lengthCounts: 'bytes' },
    '34': { name: 'z ascii', class: 'z', length: 37, prefix: 2, prefixEncoding: 'ascii', encoding: 'ascii' },
    '35': { name: 'track 2', class: 'z', length: 37, prefix: 2, prefixEncoding: 'bcd', pad: 'right', padNibble: 'F' },
    '36': { name: 'track 3 left', class: 'z', length: 104, prefix: 3, prefixEncoding: 'bcd' },
    '37': { name: 'an12', class: 'an', length: 12 },
    '40': { name: 'a3', class: 'a', length: 3 },
    '41': { name: 'as', class: 'as', length: 8 },
    '42': { name: 'ns', class: 'ns', length: 15 },
    '43': { name: 'ans40', class: 'ans', length: 40 },
    '44': { name: 'ans var', class: 'ans', length: 99, prefix: 2, prefixEncoding: 'ascii' },
    '48': { name: 'subfields', class: 'ans', length: 10, subfields: [{ id: '1', name: 'a', class: 'n', length: 4 }, { id: '2', name: 'b', class: 'an', length: 6, rest: true }], prefix: 2, prefixEncoding: 'ascii' },
    '52': { name: 'pin', class: 'b', length: 8 },
    '53': { name: 'hex 12', class: 'b', length: 12, encoding: 'hex' },
    '54': { name: 'hex var', class: 'b', length: 60, prefix: 3, encoding: 'hex' },
    '55': { name: 'icc', class: 'b', length: 99, prefix: 2, tlv: true },
    '56': { name: 'icc hex', class: 'b', length: 255, prefix: 3, prefixEncoding: 'ascii', encoding: 'hex', tlv: true },
    '57': { name: 'hex counts bytes', class: 'b', length: 40, prefix: 2, encoding: 'hex', lengthCounts: 'bytes' },
    '64': { name: 'mac', class: 'b', length: 8 },
    '66': { name: 'n after tertiary flag', class: 'n', length: 3 },
    '100': { name: 'an var', class: 'an', length: 9, prefix: 1, prefixEncoding: 'bcd' },
    '128': { name: 'mac 2', class: 'b', length: 8, encoding: 'hex' },
    '130': { name: 'tertiary n', class: 'n', length: 2 },
    '192': { name: 'last', class: 'ans', length: 4, prefix: 6, prefixEncoding: 'ascii' },
    '191': { name: 'binary prefix 3 digits', class: 'b', length: 300, prefix: 3 },
  },
});

const MIX_B = compileDialect({
  name: 'fastmixB',
  mtiEncoding: 'bcd',
  bitmapEncoding: 'hex',
  header: { length: 3, encoding: 'binary' },
  prefixEncoding: 'ebcdic',
  encodings: { numeric: 'ascii', text: 'ascii', binary: 'hex', track: 'ascii' },
  fields: {
    '2': { name: 'PAN', class: 'n', length: 19, prefix: 2 },
    '3': { name: 'n6', class: 'n', length: 6 },
    '25': { name: 'n30', class: 'n', length: 30 },
    '35': { name: 'track 2', class: 'z', length: 37, prefix: 2 },
    '45': { name: 'track 1', class: 'ans', length: 76, prefix: 2 },
    '52': { name: 'pin', class: 'b', length: 8 },
    '55': { name: 'icc', class: 'b', length: 255, prefix: 3, tlv: true },
    '65': { name: 'bit 65 is a field here', class: 'n', length: 1 },
    '90': { name: 'orig', class: 'n', length: 42 },
    '128': { name: 'mac', class: 'b', length: 8 },
  },
});

type Outcome = { message: Iso8583Message } | { error: { code: string; message: string; field: unknown; offset: unknown } };

function outcome(fn: () => Iso8583Message): Outcome {
  try {
    return { message: fn() };
  } catch (e) {
    if (!(e instanceof DariError)) throw e;
    return { error: { code: e.code, message: e.message, field: e.field, offset: e.offset } };
  }
}

/** unpack = generic unpack (message or error), and the fast path alone answers only with the generic message. */
function agree(c: Iso8583Codec, bytes: Uint8Array, start?: number, end?: number): Outcome {
  const generic = outcome(() => c.unpackGeneric(bytes, start, end));
  const full = outcome(() => c.unpack(bytes, start, end));
  assert.deepEqual(full, generic);
  let fast: Iso8583Message | null = null;
  try {
    fast = c.unpackFastOnly(bytes, start, end);
  } catch {
    fast = null; // a delegated generic field reader threw: unpack then re-runs the generic path
  }
  if (fast !== null) {
    assert.ok('message' in generic, 'fast path accepted what the generic path rejects');
    assert.deepEqual(fast, generic.message);
    assert.deepEqual(Object.keys(fast.fields), Object.keys(generic.message.fields));
  }
  return generic;
}

function mutate(b0: Buffer, muts: ReadonlyArray<{ kind: 'flip' | 'cut' | 'insert' | 'lower'; at: number; v: number }>): Buffer {
  let b = Buffer.from(b0);
  for (const mu of muts) {
    const at = b.length === 0 ? 0 : mu.at % b.length;
    if (mu.kind === 'flip' && b.length > 0) b[at] = mu.v;
    else if (mu.kind === 'lower' && b.length > 0) b[at] = (b[at] as number) | 0x20;
    else if (mu.kind === 'cut') b = b.subarray(0, at);
    else if (mu.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([mu.v]), b.subarray(at)]);
  }
  return b;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('lower' as const), at: fc.nat(), v: fc.constant(0) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), v: fc.constant(0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
);

describe('ISO 8583 fast unpack path = generic unpack path', () => {
  const dialects: Array<[string, CompiledDialect]> = [...BUILTIN_DIALECTS.map((n) => [n, builtinDialect(n)] as [string, CompiledDialect]), ['fastmixA', MIX_A], ['fastmixB', MIX_B]];
  for (const [name, d] of dialects) {
    describe(name, () => {
      const c = new Iso8583Codec(d);

      it('valid messages: same message, and the fast path answers for them', () => {
        let answered = 0;
        let total = 0;
        fc.assert(fc.property(messageArb(d), (m) => {
          const bytes = c.pack(m);
          const r = agree(c, bytes);
          assert.ok('message' in r);
          assert.deepEqual(r.message, m);
          total++;
          let fast: Iso8583Message | null = null;
          try {
            fast = c.unpackFastOnly(bytes);
          } catch {
            fast = null;
          }
          if (fast !== null) answered++;
        }), { numRuns: 400 });
        // Valid messages in canonical form (uppercase hex) never need the generic path.
        assert.equal(answered, total);
      });

      it('valid messages inside a larger buffer (start/end)', () => {
        fc.assert(fc.property(messageArb(d), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (m, pre, post) => {
          const bytes = c.pack(m);
          const all = Buffer.concat([pre, bytes, post]);
          const r = agree(c, all, pre.length, pre.length + bytes.length);
          assert.ok('message' in r);
          assert.deepEqual(r.message, m);
          agree(c, all, pre.length, all.length);
          agree(c, all, 0, pre.length + bytes.length);
        }), { numRuns: 200 });
      });

      it('mutated messages (flips, lowercase, cuts, insertions): same message or same error', () => {
        fc.assert(fc.property(messageArb(d), fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
          agree(c, mutate(c.pack(m), muts));
        }), { numRuns: 1500 });
      });

      it('random bytes, bare and behind a valid MTI and bitmaps: same message or same error', () => {
        const head = c.pack({ mti: '0200', fields: {}, ...(d.headerLength > 0 ? { header: d.headerEnc === 3 ? '00'.repeat(d.headerLength) : 'H'.repeat(d.headerLength) } : {}) });
        const n = d.headerLength + (d.mtiEnc === 2 ? 2 : 4);
        fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
          agree(c, b);
          agree(c, Buffer.concat([head.subarray(0, n), b]));
        }), { numRuns: 1500 });
      });

      it('every byte of each kind of field replaced by boundary values (prefix bytes: by every value)', function () {
        this.timeout(60_000);
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0; // thousands of expected DariErrors: skip their stack traces
        try {
        // One field per distinct layout, a few sample values each (short, long, odd, even).
        const seen = new Set<string>();
        const sample = d.fields.filter((f): f is CompiledField => {
          if (f === undefined || f.length > 999) return false;
          const key = JSON.stringify([f.cls, f.enc, f.length <= 16 ? f.length : f.length >= 24 ? 'long' : 'mid', f.prefixDigits, f.penc, f.countsBytes, f.padRight, f.padNibble, f.tlv, f.subfields !== null]);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        const base: number[] = [0x00, 0x09, 0x0d, 0x0f, 0x10, 0x1f, 0x20, 0x2f, 0x30, 0x31, 0x39, 0x3a, 0x3d, 0x40, 0x41, 0x43, 0x44, 0x46, 0x47,
          0x5a, 0x60, 0x61, 0x64, 0x66, 0x67, 0x7e, 0x7f, 0x80, 0x81, 0x8f, 0x99, 0x9a, 0x9f, 0xa0, 0xc1, 0xd0, 0xd9, 0xdd, 0xdf, 0xe0, 0xf0, 0xf9, 0xfa, 0xfd, 0xff];
        for (const f of sample) {
          for (const v of fc.sample(valueArb(f), { numRuns: 3, seed: f.no })) {
            const m: Iso8583Message = { mti: '0200', fields: { [f.no]: v }, ...(d.headerLength > 0 ? { header: d.headerEnc === 3 ? 'AB'.repeat(d.headerLength) : 'H'.repeat(d.headerLength) } : {}) };
            const bytes = c.pack(m);
            // The field's first byte: after header, MTI and the bitmaps its number needs.
            const nbm = f.no > 128 ? 3 : f.no > 64 ? 2 : 1;
            const fieldStart = d.headerLength + (d.mtiEnc === 2 ? 2 : 4) + nbm * (d.bitmapHex ? 16 : 8);
            for (let at = 0; at < bytes.length; at++) {
              const inPrefix = at >= fieldStart && at < fieldStart + f.prefixBytes + 2;
              const orig = bytes[at] as number;
              const values = inPrefix ? Array.from({ length: 256 }, (_, k) => k) : [...base, (orig + 1) & 0xff, (orig - 1) & 0xff, orig ^ 0x20, orig ^ 0x80];
              for (const x of values) {
                const b = Buffer.from(bytes);
                b[at] = x;
                agree(c, b);
              }
              agree(c, Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]));
              agree(c, Buffer.concat([bytes.subarray(0, at), Buffer.from([0x30]), bytes.subarray(at)]));
            }
          }
        }
        } finally {
          Error.stackTraceLimit = limit;
        }
      });

      it('variable fields at, and one or two units above, their maximum length', () => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
          for (const f of d.fields) {
            if (f === undefined || f.prefixDigits === 0 || f.length > 990 || f.subfields !== null) continue;
            for (const extra of [0, 1, 2]) {
              const json = JSON.parse(JSON.stringify(d.json)) as { fields: Record<string, { length: number; prefix?: number }> };
              const jf = json.fields[String(f.no)] as { length: number; prefix?: number };
              jf.length = f.length + extra;
              if (jf.length > 10 ** f.prefixDigits - 1 || (f.penc === 4 && jf.length > 256 ** f.prefixBytes - 1)) continue;
              const wide = new Iso8583Codec(compileDialect(json));
              let units: number = f.length + extra;
              if (f.countsBytes && f.enc === 2) units &= ~1;
              const unit = f.tlv ? '00' : f.clsName === 'b' ? 'AB' : f.clsName === 'a' || f.clsName === 'as' ? 'Q' : f.clsName === 'ans' || f.clsName === 'an' ? 'Z' : '7';
              const v = (f.clsName === 'xn' ? 'C' : '') + unit.repeat(units);
              const m: Iso8583Message = { mti: '0100', fields: { [f.no]: v }, ...(d.headerLength > 0 ? { header: d.headerEnc === 3 ? '00'.repeat(d.headerLength) : 'H'.repeat(d.headerLength) } : {}) };
              const r = agree(c, wide.pack(m));
              assert.equal('message' in r, extra === 0 || (f.countsBytes && f.enc === 2 && units <= f.length), `field ${f.no} +${extra}`);
            }
          }
        } finally {
          Error.stackTraceLimit = limit;
        }
      });

      it('odd ranges: start/end out of bounds or reversed', () => {
        const bytes = c.pack({ mti: '0200', fields: {}, ...(d.headerLength > 0 ? { header: d.headerEnc === 3 ? '00'.repeat(d.headerLength) : 'H'.repeat(d.headerLength) } : {}) });
        for (const [s, e] of [[1, 0], [0, bytes.length + 3], [-1, bytes.length], [0.5, bytes.length], [bytes.length, bytes.length]] as const) {
          try {
            agree(c, bytes, s, e);
          } catch (err) {
            // Outside DariErrors (e.g. a RangeError from a bad range) must at least be the generic path's.
            if (err instanceof assert.AssertionError) throw err;
          }
        }
      });
    });
  }

  it('the bench messages are answered by the fast path (iso87ascii, iso87binary)', () => {
    const icc = '9F26088E1B3A6C2D4F50719F2701809F100F0110A04001220000000000000000FF9F37045D3A9B2C';
    const m: Iso8583Message = {
      mti: '0200',
      fields: { '2': '5413330089020011', '3': '000000', '22': '051', '35': '5413330089020011D28122011234567890', '43': 'DARI COFFEE WESTLANDS    NAIROBI      KE', '52': '7434F67813BAE545', '55': icc },
    };
    for (const name of ['iso87ascii', 'iso87binary'] as const) {
      const c = new Iso8583Codec(builtinDialect(name));
      assert.deepEqual(c.unpackFastOnly(c.pack(m)), m);
    }
  });
});
