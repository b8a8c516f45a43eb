/**
 * ISO 8583 dialects as data.
 *
 * A dialect is a JSON document (see README "Dialect files"): the MTI and bitmap encodings, an
 * optional fixed header, and per data element its content class, length (fixed or variable with
 * 1 to 6 length digits), data encoding and length-prefix encoding. `compileDialect` validates the
 * document once, naming the offending key, and turns it into the frozen runtime form the codec
 * reads on the hot path (numbers instead of strings, one slot per field number).
 */
import { DariError } from '../../errors';

/** ISO 8583 content classes. `xn` is "x+n": a C/D sign then digits (fields 28-31, 46...). */
export type ContentClass = 'n' | 'a' | 'an' | 'as' | 'ns' | 'ans' | 'b' | 'z' | 'xn';
/** How the value is written: characters in ASCII or EBCDIC, packed BCD, raw bytes, or bytes as ASCII hex. */
export type DataEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary' | 'hex';
/** How a variable-length prefix is written. Binary uses ceil(digits/2) bytes, big-endian. */
export type PrefixEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary';

export interface SubfieldSpecJson {
  /** Subfield id as printed ("1", "2", ...). */
  id: string;
  name: string;
  class: ContentClass;
  /** Fixed length in characters. Positional subfields are fixed-length except possibly the last. */
  length: number;
  /** When true, the last subfield takes whatever remains (up to `length`). */
  rest?: boolean;
}

export interface FieldSpecJson {
  name: string;
  class: ContentClass;
  /** Fixed length, or maximum length when `prefix` > 0. Units: digits/characters, bytes for class b. */
  length: number;
  /** Number of length digits (L=1, LL=2, LLL=3 ... up to 6); 0 or absent for fixed length. */
  prefix?: number;
  /** Defaults to the dialect's `prefixEncoding`. */
  prefixEncoding?: PrefixEncoding;
  /** Defaults by class from the dialect's `encodings`. */
  encoding?: DataEncoding;
  /** What the prefix counts: value units (digits, characters, bytes of binary value) or encoded bytes. */
  lengthCounts?: 'units' | 'bytes';
  /** Packed BCD with an odd number of digits: which side gets the pad nibble. Default left. */
  pad?: 'left' | 'right';
  /** Pad nibble for BCD, as one hex digit. Default "0" (left) or "F" (right). */
  padNibble?: string;
  /** BER-TLV content (field 55 style): checked on unpack and pack, decodable with `--tlv`. */
  tlv?: boolean;
  /** Positional subfields of a composite field. */
  subfields?: SubfieldSpecJson[];
}

export interface DialectJson {
  name: string;
  description?: string;
  /** Where the layout comes from, for people reading the file. */
  source?: string;
  mtiEncoding: 'ascii' | 'ebcdic' | 'bcd';
  bitmapEncoding: 'binary' | 'hex' | 'ebcdic-hex';
  /** When true, bit 65 flags a tertiary bitmap (fields 129-192), as in ISO 8583:1993. */
  tertiaryBitmap?: boolean;
  /** Optional fixed header in front of the MTI (e.g. a 12-character BASE24 header). */
  header?: { length: number; encoding: 'ascii' | 'ebcdic' | 'binary' };
  prefixEncoding: PrefixEncoding;
  /** Default data encoding per kind of content. */
  encodings: { numeric: DataEncoding; text: DataEncoding; binary: DataEncoding; track: DataEncoding };
  fields: Record<string, FieldSpecJson>;
}

// ---- runtime form ------------------------------------------------------------------------------

export const enum Cls { N, A, AN, AS, NS, ANS, B, Z, XN }
export const enum Enc { ASCII, EBCDIC, BCD, BINARY, HEX }
export const enum PEnc { NONE, ASCII, EBCDIC, BCD, BINARY }

export interface CompiledSubfield {
  readonly id: string;
  readonly name: string;
  readonly cls: Cls;
  readonly length: number;
  readonly rest: boolean;
}

export interface CompiledField {
  readonly no: number;
  readonly name: string;
  readonly cls: Cls;
  readonly clsName: ContentClass;
  readonly enc: Enc;
  /** Max (variable) or exact (fixed) length, in value units. */
  readonly length: number;
  /** Number of length digits, 0 for fixed. */
  readonly prefixDigits: number;
  readonly penc: PEnc;
  /** Bytes the prefix takes on the wire. */
  readonly prefixBytes: number;
  /** Prefix counts encoded bytes rather than value units. */
  readonly countsBytes: boolean;
  readonly padRight: boolean;
  readonly padNibble: number;
  readonly tlv: boolean;
  readonly subfields: readonly CompiledSubfield[] | null;
  /** Card data: value never appears in errors, masked in output (2, 14, 35, 36, 45, 52, 55 ...). */
  readonly sensitive: boolean;
}

export interface CompiledDialect {
  readonly name: string;
  readonly description: string;
  readonly json: DialectJson;
  readonly mtiEnc: Enc;
  readonly bitmapHex: boolean;
  readonly bitmapEbcdic: boolean;
  readonly tertiary: boolean;
  readonly headerLength: number;
  readonly headerEnc: Enc;
  /** Index = field number (1..192); undefined where the dialect has no such field. */
  readonly fields: readonly (CompiledField | undefined)[];
  readonly maxField: number;
}

/** Data elements that carry card data in ISO 8583:1987/1993: PAN, expiry, tracks, PIN, ICC data. */
export const CARD_DATA_FIELDS: ReadonlySet<number> = new Set([2, 14, 34, 35, 36, 45, 52, 55]);

const CLASSES: Record<ContentClass, Cls> = {
  n: Cls.N, a: Cls.A, an: Cls.AN, as: Cls.AS, ns: Cls.NS, ans: Cls.ANS, b: Cls.B, z: Cls.Z, xn: Cls.XN,
};
const ENCODINGS: Record<DataEncoding, Enc> = {
  ascii: Enc.ASCII, ebcdic: Enc.EBCDIC, bcd: Enc.BCD, binary: Enc.BINARY, hex: Enc.HEX,
};
const PREFIX_ENCODINGS: Record<PrefixEncoding, PEnc> = {
  ascii: PEnc.ASCII, ebcdic: PEnc.EBCDIC, bcd: PEnc.BCD, binary: PEnc.BINARY,
};

function specError(dialect: string, key: string, what: string): DariError {
  return new DariError('DARI_CODEC_SPEC_INVALID', `dialect ${dialect}: ${key}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(dialect: string, key: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw specError(dialect, key, `must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function positiveInt(dialect: string, key: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw specError(dialect, key, `must be an integer from 1 to ${max}`);
  }
  return v;
}

const KNOWN_FIELD_KEYS = new Set([
  'name', 'class', 'length', 'prefix', 'prefixEncoding', 'encoding', 'lengthCounts', 'pad', 'padNibble', 'tlv', 'subfields',
]);
const KNOWN_DIALECT_KEYS = new Set([
  'name', 'description', 'source', 'mtiEncoding', 'bitmapEncoding', 'tertiaryBitmap', 'header', 'prefixEncoding', 'encodings', 'fields',
]);

function defaultEncoding(d: DialectJson, cls: ContentClass): DataEncoding {
  switch (cls) {
    case 'n': case 'xn': return d.encodings.numeric;
    case 'b': return d.encodings.binary;
    case 'z': return d.encodings.track;
    default: return d.encodings.text;
  }
}

/** Which encodings make sense for a content class. */
function encodingAllowed(cls: ContentClass, enc: DataEncoding): boolean {
  switch (cls) {
    case 'b': return enc === 'binary' || enc === 'hex';
    case 'n': case 'z': case 'xn': return enc === 'ascii' || enc === 'ebcdic' || enc === 'bcd';
    default: return enc === 'ascii' || enc === 'ebcdic';
  }
}

/** Bytes a value of `units` units takes on the wire. */
export function encodedSize(f: Pick<CompiledField, 'enc' | 'cls'>, units: number): number {
  switch (f.enc) {
    case Enc.BCD: return f.cls === Cls.XN ? 1 + ((units + 1) >> 1) : (units + 1) >> 1;
    case Enc.HEX: return units * 2;
    default: return f.cls === Cls.XN ? units + 1 : units;
  }
}

function compileSubfields(dialect: string, key: string, v: unknown): CompiledSubfield[] {
  if (!Array.isArray(v) || v.length === 0) throw specError(dialect, key, 'must be a non-empty array');
  return v.map((s: unknown, i) => {
    const k = `${key}[${i}]`;
    if (!isObject(s)) throw specError(dialect, k, 'must be an object');
    if (typeof s.id !== 'string' || s.id === '') throw specError(dialect, `${k}.id`, 'must be a non-empty string');
    if (typeof s.name !== 'string') throw specError(dialect, `${k}.name`, 'must be a string');
    const cls = oneOf(dialect, `${k}.class`, s.class, ['n', 'a', 'an', 'as', 'ns', 'ans', 'z'] as const);
    const length = positiveInt(dialect, `${k}.length`, s.length, 999999);
    const rest = s.rest === true;
    if (rest && i !== v.length - 1) throw specError(dialect, `${k}.rest`, 'only the last subfield may take the rest');
    return Object.freeze({ id: s.id, name: s.name, cls: CLASSES[cls], length, rest });
  });
}

/** Validate a dialect document and compile it to the runtime form. Throws DARI_CODEC_SPEC_INVALID naming the key. */
export function compileDialect(input: unknown): CompiledDialect {
  if (!isObject(input)) throw new DariError('DARI_CODEC_SPEC_INVALID', 'dialect: must be a JSON object');
  const dn = typeof input.name === 'string' && input.name !== '' ? input.name : '?';
  if (dn === '?') throw specError(dn, 'name', 'must be a non-empty string');
  for (const k of Object.keys(input)) if (!KNOWN_DIALECT_KEYS.has(k)) throw specError(dn, k, 'unknown key');
  const mtiEncoding = oneOf(dn, 'mtiEncoding', input.mtiEncoding, ['ascii', 'ebcdic', 'bcd'] as const);
  const bitmapEncoding = oneOf(dn, 'bitmapEncoding', input.bitmapEncoding, ['binary', 'hex', 'ebcdic-hex'] as const);
  const prefixEncoding = oneOf(dn, 'prefixEncoding', input.prefixEncoding, ['ascii', 'ebcdic', 'bcd', 'binary'] as const);
  if (!isObject(input.encodings)) throw specError(dn, 'encodings', 'must be an object with numeric, text, binary, track');
  const encs = ['ascii', 'ebcdic', 'bcd', 'binary', 'hex'] as const;
  const encodings = {
    numeric: oneOf(dn, 'encodings.numeric', input.encodings.numeric, encs),
    text: oneOf(dn, 'encodings.text', input.encodings.text, encs),
    binary: oneOf(dn, 'encodings.binary', input.encodings.binary, encs),
    track: oneOf(dn, 'encodings.track', input.encodings.track, encs),
  };
  let header: DialectJson['header'];
  if (input.header !== undefined) {
    if (!isObject(input.header)) throw specError(dn, 'header', 'must be an object with length and encoding');
    header = {
      length: positiveInt(dn, 'header.length', input.header.length, 256),
      encoding: oneOf(dn, 'header.encoding', input.header.encoding, ['ascii', 'ebcdic', 'binary'] as const),
    };
  }
  if (input.tertiaryBitmap !== undefined && typeof input.tertiaryBitmap !== 'boolean') {
    throw specError(dn, 'tertiaryBitmap', 'must be true or false');
  }
  const tertiary = input.tertiaryBitmap === true;
  if (!isObject(input.fields)) throw specError(dn, 'fields', 'must be an object keyed by field number');
  const d: DialectJson = {
    name: dn,
    description: typeof input.description === 'string' ? input.description : '',
    mtiEncoding, bitmapEncoding, tertiaryBitmap: tertiary, prefixEncoding, encodings,
    fields: {},
  };
  if (typeof input.source === 'string') d.source = input.source;
  if (header) d.header = header;

  const maxField = tertiary ? 192 : 128;
  const fields: (CompiledField | undefined)[] = new Array(maxField + 1).fill(undefined);
  for (const [key, raw] of Object.entries(input.fields)) {
    const no = Number(key);
    const fk = `fields.${key}`;
    if (!/^[0-9]{1,3}$/.test(key) || no < 2 || no > maxField) {
      throw specError(dn, fk, `field numbers run from 2 to ${maxField}`);
    }
    if (no === 65 && tertiary) throw specError(dn, fk, 'bit 65 is the tertiary bitmap in this dialect');
    if (!isObject(raw)) throw specError(dn, fk, 'must be an object');
    for (const k of Object.keys(raw)) if (!KNOWN_FIELD_KEYS.has(k)) throw specError(dn, `${fk}.${k}`, 'unknown key');
    if (typeof raw.name !== 'string' || raw.name === '') throw specError(dn, `${fk}.name`, 'must be a non-empty string');
    const clsName = oneOf(dn, `${fk}.class`, raw.class, ['n', 'a', 'an', 'as', 'ns', 'ans', 'b', 'z', 'xn'] as const);
    const length = positiveInt(dn, `${fk}.length`, raw.length, 999999);
    let prefixDigits = 0;
    if (raw.prefix !== undefined && raw.prefix !== 0) prefixDigits = positiveInt(dn, `${fk}.prefix`, raw.prefix, 6);
    if (prefixDigits > 0 && length > 10 ** prefixDigits - 1) {
      throw specError(dn, `${fk}.length`, `${length} does not fit in ${prefixDigits} length digits`);
    }
    const pencName = raw.prefixEncoding === undefined ? prefixEncoding
      : oneOf(dn, `${fk}.prefixEncoding`, raw.prefixEncoding, ['ascii', 'ebcdic', 'bcd', 'binary'] as const);
    const encName = raw.encoding === undefined ? defaultEncoding(d, clsName) : oneOf(dn, `${fk}.encoding`, raw.encoding, encs);
    if (!encodingAllowed(clsName, encName)) {
      throw specError(dn, `${fk}.encoding`, `${encName} cannot carry class ${clsName}`);
    }
    const countsName = raw.lengthCounts === undefined ? 'units'
      : oneOf(dn, `${fk}.lengthCounts`, raw.lengthCounts, ['units', 'bytes'] as const);
    const padName = raw.pad === undefined ? 'left' : oneOf(dn, `${fk}.pad`, raw.pad, ['left', 'right'] as const);
    let padNibble = padName === 'right' ? 0xf : 0;
    if (raw.padNibble !== undefined) {
      if (typeof raw.padNibble !== 'string' || !/^[0-9A-Fa-f]$/.test(raw.padNibble)) {
        throw specError(dn, `${fk}.padNibble`, 'must be one hex digit');
      }
      padNibble = parseInt(raw.padNibble, 16);
    }
    if (raw.tlv !== undefined && typeof raw.tlv !== 'boolean') throw specError(dn, `${fk}.tlv`, 'must be true or false');
    const tlv = raw.tlv === true;
    if (tlv && clsName !== 'b') throw specError(dn, `${fk}.tlv`, 'TLV fields must be of class b');
    const subfields = raw.subfields === undefined ? null : compileSubfields(dn, `${fk}.subfields`, raw.subfields);
    if (subfields && (clsName === 'b' || tlv)) throw specError(dn, `${fk}.subfields`, 'positional subfields need a character class');
    const penc = prefixDigits === 0 ? PEnc.NONE : PREFIX_ENCODINGS[pencName];
    const prefixBytes = prefixDigits === 0 ? 0
      : penc === PEnc.BCD || penc === PEnc.BINARY ? (prefixDigits + 1) >> 1 : prefixDigits;
    if (penc === PEnc.BINARY && length > 256 ** prefixBytes - 1) {
      throw specError(dn, `${fk}.length`, `${length} does not fit in a ${prefixBytes}-byte binary prefix`);
    }
    const jf: FieldSpecJson = { name: raw.name, class: clsName, length };
    if (prefixDigits) jf.prefix = prefixDigits;
    if (raw.prefixEncoding !== undefined) jf.prefixEncoding = pencName;
    if (raw.encoding !== undefined) jf.encoding = encName;
    if (raw.lengthCounts !== undefined) jf.lengthCounts = countsName;
    if (raw.pad !== undefined) jf.pad = padName;
    if (raw.padNibble !== undefined) jf.padNibble = String(raw.padNibble).toUpperCase();
    if (tlv) jf.tlv = true;
    if (raw.subfields !== undefined) jf.subfields = raw.subfields as SubfieldSpecJson[];
    d.fields[key] = jf;
    fields[no] = Object.freeze({
      no, name: raw.name, cls: CLASSES[clsName], clsName, enc: ENCODINGS[encName], length, prefixDigits, penc, prefixBytes,
      countsBytes: countsName === 'bytes', padRight: padName === 'right', padNibble, tlv,
      subfields: subfields ? Object.freeze(subfields) : null,
      sensitive: CARD_DATA_FIELDS.has(no),
    });
  }
  if (header === undefined) delete d.header;
  return Object.freeze({
    name: dn,
    description: d.description ?? '',
    json: d,
    mtiEnc: ENCODINGS[mtiEncoding],
    bitmapHex: bitmapEncoding !== 'binary',
    bitmapEbcdic: bitmapEncoding === 'ebcdic-hex',
    tertiary,
    headerLength: header ? header.length : 0,
    headerEnc: header ? ENCODINGS[header.encoding] : Enc.ASCII,
    fields: Object.freeze(fields),
    maxField,
  });
}
