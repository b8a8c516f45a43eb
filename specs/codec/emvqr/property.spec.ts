/**
 * Properties (fast-check):
 *  - parse(build(x)).fields = x for data objects generated within the EMVCo rules, names in any
 *    script (Korean, Khmer, Thai, Chinese, astral characters);
 *  - random strings, and valid payloads mutated with or without a fresh CRC, give a verdict: valid,
 *    or a DARI_QR_* reason; parseQr throws nothing but DariError; buildQr on random input likewise.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { buildQr, inspectQr, parseQr, type QrFields } from '../../../src/codec/emvqr';
import { DariError } from '../../../src/errors';
import { VECTORS, withCrc } from './helpers';

const id = (min: number, max: number): fc.Arbitrary<string> => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
/** Any code point (astral included, no lone surrogates); lengths are counted in code points. */
const text = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength: 1, maxLength: max });
const scripts = fc.constantFrom('나이스샷', 'ចន ស្មីន', 'ร้านกาแฟ', '最佳运输', '😀🍜', 'Phở Hà Nội');
const name = (max: number): fc.Arbitrary<string> => fc.oneof(text(max), scripts.filter((s) => [...s].length <= max));
const guid = fc.stringMatching(/^[A-Z0-9.]{1,20}$/).filter((g) => !g.startsWith('D410000001'));
const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

const currencies: [string, number][] = [['840', 2], ['410', 0], ['704', 0], ['360', 2], ['048', 3], ['156', 2]];

const fieldsArb: fc.Arbitrary<QrFields> = fc.record({
  poi: fc.constantFrom('11', '12'),
  mai: fc.tuple(id(26, 51), guid, fc.dictionary(id(1, 99), text(15), { maxKeys: 3 })),
  mcc: digits(4),
  currency: fc.constantFrom(...currencies),
  amount: fc.option(fc.tuple(fc.stringMatching(/^[1-9][0-9]{0,8}$/), fc.stringMatching(/^[0-9]{0,3}$/))),
  country: fc.constantFrom('US', 'KR', 'CN', 'DE', 'JP'),
  name: name(25),
  city: name(15),
  postal: fc.option(text(10)),
  extra: fc.option(fc.dictionary(id(1, 8), name(25), { minKeys: 1, maxKeys: 3 })),
  lang: fc.option(fc.tuple(fc.stringMatching(/^[a-zA-Z]{2}$/), name(25), fc.option(name(15)))),
  unreserved: fc.option(fc.tuple(id(80, 99), guid, text(20))),
}).map((r) => {
  const f: QrFields = { '00': '01', '01': r.poi, '52': r.mcc, '53': r.currency[0], '58': r.country, '59': r.name, '60': r.city };
  f[r.mai[0]] = { '00': r.mai[1], ...r.mai[2] };
  if (r.amount) {
    const decimals = r.amount[1].slice(0, r.currency[1]);
    f['54'] = decimals === '' ? r.amount[0] : `${r.amount[0]}.${decimals}`;
  }
  if (r.postal !== null) f['61'] = r.postal;
  if (r.extra) f['62'] = { ...r.extra };
  if (r.lang) f['64'] = r.lang[2] === null ? { '00': r.lang[0], '01': r.lang[1] } : { '00': r.lang[0], '01': r.lang[1], '02': r.lang[2] };
  if (r.unreserved) f[r.unreserved[0]] = { '00': r.unreserved[1], '01': r.unreserved[2] };
  return f;
});

function codedOrValid(payload: string): void {
  const v = inspectQr(payload);
  if (!v.valid) assert.match(v.reason, /^DARI_QR_[A-Z_]+$/);
  try {
    parseQr(payload);
  } catch (e) {
    if (!(e instanceof DariError)) throw e;
  }
}

describe('EMV QR properties', () => {
  it('parse(build(x)).fields = x, lengths in code points, any script', () => {
    fc.assert(fc.property(fieldsArb, (fields) => {
      const payload = buildQr({ fields });
      const { '63': crc, ...back } = parseQr(payload).fields;
      assert.equal(typeof crc, 'string');
      assert.deepEqual(back, fields);
    }), { numRuns: 500 });
  });

  it('random strings: a verdict, never another exception', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), codedOrValid), { numRuns: 3000 });
    fc.assert(fc.property(fc.stringMatching(/^[0-9A-F]{0,120}$/), (s) => codedOrValid(withCrc(s))), { numRuns: 2000 });
  });

  it('mutated public payloads, with and without a fresh CRC: a verdict, never another exception', () => {
    const payloads = VECTORS.map((v) => v.payload);
    const mutation = fc.record({
      p: fc.constantFrom(...payloads),
      kind: fc.constantFrom('flip', 'cut', 'insert', 'digit'),
      at: fc.nat(),
      c: fc.constantFrom('0', '9', 'A', '.', '나', '😀', ' '),
      recrc: fc.boolean(),
    });
    fc.assert(fc.property(mutation, ({ p, kind, at, c, recrc }) => {
      const cps = [...p.slice(0, -8)];
      const i = at % Math.max(cps.length, 1);
      if (kind === 'flip' || kind === 'digit') cps[i] = kind === 'digit' ? String((Number(cps[i]) + 1) % 10) : c;
      else if (kind === 'cut') cps.splice(i);
      else cps.splice(i, 0, c);
      const body = cps.join('');
      codedOrValid(recrc ? withCrc(body) : body + p.slice(-8));
    }), { numRuns: 3000 });
  });

  it('buildQr on random objects: a payload or a coded error', () => {
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof({ maxDepth: 2 }, fc.string({ maxLength: 30 }), fc.integer(), fc.dictionary(fc.oneof(id(0, 99), fc.string({ maxLength: 3 })), tie('v'), { maxKeys: 6 })),
    })).v;
    fc.assert(fc.property(fc.dictionary(fc.oneof(id(0, 99), fc.string({ maxLength: 3 })), value, { maxKeys: 12 }), (fields) => {
      try {
        assert.equal(typeof buildQr({ fields: fields as QrFields }), 'string');
      } catch (e) {
        if (!(e instanceof DariError) || !e.code.startsWith('DARI_QR_')) throw e;
      }
    }), { numRuns: 1000 });
  });
});
