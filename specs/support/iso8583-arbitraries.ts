/**
 * fast-check generators of ISO 8583 messages from a dialect's own field specs (never from the
 * codec): values of the right class and length for every field, BER-TLV for TLV fields, the
 * positional layout for composite fields, headers where the dialect has one.
 */
import fc from 'fast-check';
import type { CompiledDialect, CompiledField, Iso8583Message } from '../../src/codec/iso8583';

export const DIGITS = '0123456789';
export const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ';
export const SPECIAL = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
export const HEX = '0123456789ABCDEF';

export function charsOf(f: CompiledField, ebcdic: boolean): string {
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

/** A value the field accepts. */
export function valueArb(f: CompiledField): fc.Arbitrary<string> {
  const ebcdic = f.enc === 1;
  if (f.tlv) {
    const item = fc.tuple(fc.constantFrom('9F26', '9F27', '9F10', '95', '9A', '5F2A', 'DF8101', '70'), fc.uint8Array({ maxLength: 20 }))
      .map(([t, v]) => t + (v.length).toString(16).padStart(2, '0').toUpperCase() + Buffer.from(v).toString('hex').toUpperCase());
    return fc.array(item, { maxLength: 5 }).map((a) => a.join('')).filter((h) => h.length / 2 <= f.length);
  }
  if (f.subfields !== null) {
    return fc.tuple(fc.string({ unit: fc.constantFrom(...DIGITS), minLength: 4, maxLength: 4 }), fc.string({ unit: fc.constantFrom(...ALPHA, ...DIGITS), maxLength: 6 }))
      .map(([a, b]) => a + b);
  }
  const max = Math.min(f.length, 60);
  let len = f.prefixDigits > 0 ? fc.integer({ min: 0, max }) : fc.constant(f.length);
  // A BCD field whose prefix counts bytes carries an even number of digits.
  if (f.countsBytes && f.enc === 2) len = len.map((n) => n & ~1);
  if (f.clsName === 'b') return len.chain((n) => fc.string({ unit: fc.constantFrom(...HEX), minLength: 2 * n, maxLength: 2 * n }));
  const chars = charsOf(f, ebcdic);
  const body = len.chain((n) => fc.string({ unit: fc.constantFrom(...chars), minLength: n, maxLength: n }));
  return f.clsName === 'xn' ? fc.tuple(fc.constantFrom('C', 'D'), body).map(([s, b]) => s + b) : body;
}

/** A message of the dialect: up to 25 fields, ascending. */
export function messageArb(d: CompiledDialect): fc.Arbitrary<Iso8583Message> {
  const defined = d.fields.filter((f): f is CompiledField => f !== undefined && f.length <= 999);
  const entry = fc.constantFrom(...defined).chain((f) => valueArb(f).map((v) => [f.no, v] as const));
  const header = d.headerLength === 0 ? fc.constant(undefined)
    : d.headerEnc === 3 ? fc.string({ unit: fc.constantFrom(...HEX), minLength: 2 * d.headerLength, maxLength: 2 * d.headerLength })
      : fc.string({ unit: fc.constantFrom(...ALPHA, ...DIGITS), minLength: d.headerLength, maxLength: d.headerLength });
  return fc.record({
    mti: fc.string({ unit: fc.constantFrom(...DIGITS), minLength: 4, maxLength: 4 }),
    entries: fc.array(entry, { maxLength: 25 }),
    header,
  }).map(({ mti, entries, header: h }) => {
    const fields: Record<string, string> = {};
    for (const [no, v] of entries.sort((a, b) => a[0] - b[0])) fields[no] = v;
    return h === undefined ? { mti, fields } : { mti, fields, header: h };
  });
}

