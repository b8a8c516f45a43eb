/**
 * A dialect-specialised unpacker, derived once per codec from the compiled dialect (the dialect
 * stays data; this is a compiled form of it, as fast-json-stringify does for schemas).
 *
 * The generated code is an accept-only fast path: it returns the message when it can prove the
 * input is a valid message, and `null` as soon as anything is unusual (any error, but also rare
 * valid forms such as lowercase hex digits). The codec then runs the generic unpacker, which gives
 * the message or the precise DariError. So the fast path needs no error messages of its own, and
 * it must only ever return exactly what the generic path returns for the same input; the specs in
 * specs/codec/iso8583/fast.spec.ts check that on generated, random and mutated messages.
 *
 * What it inlines, per field, with the field's constants: the length prefix, the length checks,
 * the content class check (byte tables and-ed: straight-line for fixed fields, four bytes per turn
 * otherwise), BCD nibble and pad checks, hex checks (four digits per 32-bit word, see isUpperHex)
 * and the TLV walk. Fields it does not specialise (EBCDIC text, x+n, positional subfields) call
 * the generic per-field reader, which may throw: the codec catches that and re-runs the generic
 * unpacker for the error.
 *
 * Three generated functions. The entry point reads the header, MTI and bitmaps (small, so always
 * optimised). The dialect-wide `fastFields` reads the fields of any bitmap, bit by bit, into a
 * copy of the bitmap's template object. Once it accepted a message, the bitmap pattern (a switch
 * sees a few dozen: one or two per MTI and path) gets a `fastFields_<bitmap>` of its own,
 * generated from the same emitters with the bitmap as a constant: straight-line code over exactly
 * its fields, values in locals, the result one object literal. Both accept exactly the same
 * inputs with the same result; the specs above exercise both, since they unpack every input twice
 * through the fast path.
 */
import { BCD_PAIR, CLASS_TABLES, EBCDIC_TO_ASCII, HEX_VALUE, isUpperHex, UPPER_HEX_DIGIT } from './charsets';
import { Cls, Enc, PEnc, type CompiledDialect, type CompiledField } from './spec';
import { checkTlv, isUpperHexTlv } from './tlv';
import type { Iso8583Message } from './codec';

/** What the generated code needs from the codec (its generic per-field and header readers). */
export interface FastHost {
  readHeader(buf: Buffer, o: number, start: number): string;
  readField(buf: Buffer, o: number, end: number, start: number, f: CompiledField, out: Record<string, string>): number;
  text: string;
  textStart: number;
}

export type FastUnpack = (buf: Buffer, start: number, end: number) => Iso8583Message | null;
/** The fields of a message whose header, MTI (`mti`, `header`) and bitmaps the entry point has read, from `o`. */
type FieldsUnpack = (buf: Buffer, start: number, end: number, o: number, mti: string, header: string | undefined) => Iso8583Message | null;

/** Hex digit value per EBCDIC byte (255 for non-hex), for ebcdic-hex bitmaps. */
const EBCDIC_HEX_VALUE = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = HEX_VALUE[EBCDIC_TO_ASCII[c] as number] as number;
  return t;
})();
/** Character of a nibble: 0-9, A-F (so nibble D, the track separator, reads "D"). */
const NIBBLE_CHAR = Uint8Array.from('0123456789ABCDEF', (ch) => ch.charCodeAt(0));
/**
 * Per byte, its two characters as one 16-bit unit in memory order (a store into a Uint16Array
 * over the scratch writes them in that order on any platform), or 0 where `ok` refuses a nibble.
 */
function pairTable(ok: (nibble: number) => boolean): Uint16Array {
  const t = new Uint16Array(256);
  const bytes = new Uint8Array(t.buffer);
  for (let b = 0; b < 256; b++) {
    if (!ok(b >> 4) || !ok(b & 15)) continue;
    bytes[2 * b] = NIBBLE_CHAR[b >> 4] as number;
    bytes[2 * b + 1] = NIBBLE_CHAR[b & 15] as number;
  }
  return t;
}
/** Any byte as two uppercase hex digits. */
const HEX_PAIR = pairTable(() => true);
/** Packed BCD byte with two decimal digits. */
const BCD_PAIR_N = pairTable((n) => n <= 9);
/** Packed BCD byte of track data: two nibbles each a decimal digit or the separator D. */
const BCD_PAIR_Z = pairTable((n) => n <= 9 || n === 0xd);
/** Whether the first of two bytes is the low half of a 16-bit unit on this platform. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Up to this many bytes, a fixed field is read into the scratch by straight-line code. */
const STRAIGHT_MAX = 48;

/** Eight hex digits at `o` through `table` (a hex-value table): the 32-bit value, or -1. */
function hex8(buf: Buffer, o: number, table: Uint8Array): number {
  const a = table[buf[o] as number] as number;
  const b = table[buf[o + 1] as number] as number;
  const c = table[buf[o + 2] as number] as number;
  const d = table[buf[o + 3] as number] as number;
  const e = table[buf[o + 4] as number] as number;
  const f = table[buf[o + 5] as number] as number;
  const g = table[buf[o + 6] as number] as number;
  const h = table[buf[o + 7] as number] as number;
  if ((a | b | c | d | e | f | g | h) > 15) return -1;
  return ((a << 28) | (b << 24) | (c << 20) | (d << 16) | (e << 12) | (f << 8) | (g << 4) | h) >>> 0;
}

// ------------------------------------------------------------------------------------------------
// Bitmap patterns

/** A codec's bitmap cache has 2^SLOT_BITS slots (a pattern sits in the slot its hash picks or the next one). */
const SLOT_BITS = 8;
/**
 * At most this many functions generated per codec (each costs about half a millisecond once; this
 * bounds what a peer cycling through bitmaps can cause). A pattern gets its function when its first
 * message is accepted, so that every valid message the specs unpack twice runs through one.
 */
const MAX_SPECIALISED = 1024;

/** One bitmap pattern (its six 32-bit words; 0 past the bitmaps present). */
class BitmapEntry {
  /** Messages of this pattern met (which patterns a full pair of slots keeps). */
  hits = 1;
  /** The function specialised to this pattern, once it has one. */
  unpack: FieldsUnpack | null = null;
  constructor(
    readonly w0: number, readonly w1: number, readonly w2: number, readonly w3: number, readonly w4: number, readonly w5: number,
    /** An empty string under every field number the pattern announces (see fieldsTemplate). */
    readonly template: Record<string, string>,
  ) {}
}

/**
 * The bitmap patterns a codec has met recently, each with its fields template and, once one of its
 * messages was accepted, its own generated function. Two-way: a pattern lives in the slot its hash
 * picks or in the neighbouring one; a new pattern replaces the less used of the two.
 */
class BitmapCache {
  private readonly slots: Array<BitmapEntry | null> = new Array<BitmapEntry | null>(1 << SLOT_BITS).fill(null);
  private generated = 0;

  constructor(private readonly tertiary: boolean, private readonly specialise: (words: readonly number[]) => FieldsUnpack | null) {}

  get(w0: number, w1: number, w2: number, w3: number, w4: number, w5: number): BitmapEntry {
    const K = 0x9e3779b1;
    const h = Math.imul(Math.imul(Math.imul(Math.imul(Math.imul(w0, K) ^ w1, K) ^ w2, K) ^ w3, K) ^ w4, K) ^ w5;
    const at = Math.imul(h, K) >>> (32 - SLOT_BITS);
    let e = this.slots[at] as BitmapEntry | null;
    if (e === null || e.w0 !== w0 || e.w1 !== w1 || e.w2 !== w2 || e.w3 !== w3 || e.w4 !== w4 || e.w5 !== w5) {
      e = this.slots[at ^ 1] as BitmapEntry | null;
      if (e === null || e.w0 !== w0 || e.w1 !== w1 || e.w2 !== w2 || e.w3 !== w3 || e.w4 !== w4 || e.w5 !== w5) return this.add(at, [w0, w1, w2, w3, w4, w5]);
    }
    e.hits++;
    return e;
  }

  /** A message of `e`'s pattern was accepted by the dialect-wide function: give the pattern its own. */
  accepted(e: BitmapEntry): void {
    if (e.unpack !== null || this.generated >= MAX_SPECIALISED) return;
    this.generated++;
    e.unpack = this.specialise([e.w0, e.w1, e.w2, e.w3, e.w4, e.w5]);
  }

  private add(at: number, w: number[]): BitmapEntry {
    const a = this.slots[at] as BitmapEntry | null;
    const b = this.slots[at ^ 1] as BitmapEntry | null;
    const slot = a === null ? at : b === null ? at ^ 1 : a.hits <= b.hits ? at : at ^ 1;
    const e = new BitmapEntry(w[0] as number, w[1] as number, w[2] as number, w[3] as number, w[4] as number, w[5] as number, fieldsTemplate(this.tertiary, w));
    this.slots[slot] = e;
    return e;
  }
}

/** The data element numbers a bitmap announces, ascending (not the bitmap flags 1 and, when tertiary, 65). */
function fieldNumbers(tertiary: boolean, words: readonly number[]): number[] {
  const out: number[] = [];
  for (let w = 0; w < words.length; w++) {
    let bits = words[w] as number;
    while (bits !== 0) {
      const z = Math.clz32(bits);
      bits ^= 0x80000000 >>> z;
      const no = w * 32 + z + 1;
      if (no !== 1 && !(no === 65 && tertiary)) out.push(no);
    }
  }
  return out;
}

/**
 * An object with an empty string under the number of every field the bitmap words announce,
 * created highest number first so that its element store has its final size. Copying it with a
 * spread is several times cheaper than growing a new object field by field; the dialect-wide
 * `fastFields` then overwrites every value.
 */
function fieldsTemplate(tertiary: boolean, words: readonly number[]): Record<string, string> {
  const t: Record<string, string> = {};
  const nos = fieldNumbers(tertiary, words);
  if (nos.length > 0) t[nos[nos.length - 1] as number] = '';
  for (const no of nos) t[no] = '';
  return t;
}

// ------------------------------------------------------------------------------------------------
// Code generation

/** What the code being generated is for. */
interface Target {
  d: CompiledDialect;
  /**
   * Scratch mode (dialects with BCD or raw binary fields): every specialised value is written as
   * characters into a scratch buffer (BCD digits and binary bytes as uppercase hex, two characters
   * per 16-bit store, so those values start at an even offset; characters as they are), one latin1
   * view of the scratch is taken at the end, and the values are slices of it. Otherwise text mode:
   * values are slices of one latin1 view of the message.
   */
  sbMode: boolean;
  /** The bitmap words the code is specialised to (values in locals `fv<no>`, scratch bounds in `fs<no>`/`fe<no>`), or null. */
  bitmap: readonly number[] | null;
}

/** Whether the generated code handles `f` itself (else it calls the generic reader). */
function specialised(f: CompiledField): boolean {
  if (f.subfields !== null || f.cls === Cls.XN) return false;
  switch (f.enc) {
    case Enc.ASCII: return f.cls !== Cls.B;
    case Enc.HEX: return f.cls === Cls.B;
    case Enc.BCD: return f.cls === Cls.N || f.cls === Cls.Z;
    case Enc.BINARY: return f.cls === Cls.B;
    default: return false;
  }
}

/** Whether field `f`'s value ends up in the scratch buffer. */
function inScratch(t: Target, f: CompiledField): boolean {
  return t.sbMode && specialised(f);
}

function emitPrefix(f: CompiledField, out: string[]): void {
  const n = f.prefixBytes;
  out.push(`if (end - o < ${n}) return null;`, 'len = 0;');
  for (let i = 0; i < n; i++) {
    switch (f.penc) {
      case PEnc.ASCII:
      case PEnc.EBCDIC:
        out.push(`a = buf[o + ${i}] - ${f.penc === PEnc.ASCII ? 0x30 : 0xf0}; if (a < 0 || a > 9) return null; len = len * 10 + a;`);
        break;
      case PEnc.BCD:
        out.push(`a = buf[o + ${i}]; if ((a >> 4) > 9 || (a & 15) > 9) return null; len = len * 100 + (a >> 4) * 10 + (a & 15);`);
        break;
      default:
        out.push(`len = len * 256 + buf[o + ${i}];`);
    }
  }
  out.push(`o += ${n};`);
}

/** Code that reads field `f` at `o`, stores its value and advances `o`; `return null` on anything unusual. */
function emitField(t: Target, f: CompiledField, out: string[]): void {
  const no = f.no;
  if (!specialised(f)) {
    // The generic reader of a character field reads the message's latin1 view from the host.
    if (f.enc === Enc.ASCII || f.enc === Enc.HEX) out.push('host.text = text; host.textStart = start;');
    if (t.bitmap === null) out.push(`o = host.readField(buf, o, end, start, F[${no}], fields);`);
    else out.push(`v = {}; o = host.readField(buf, o, end, start, F[${no}], v); fv${no} = v[${no}];`);
    return;
  }
  // units: value units; size: bytes on the wire. Constants for fixed fields.
  let units: string;
  let size: string;
  if (f.prefixDigits > 0) {
    emitPrefix(f, out);
    if (f.countsBytes) {
      if (f.enc === Enc.HEX) {
        out.push('if ((len & 1) !== 0) return null;', 'units = len >> 1;');
      } else if (f.enc === Enc.BCD) {
        out.push('units = len * 2;');
      } else {
        out.push('units = len;');
      }
      out.push(`if (units > ${f.length}) return null;`, 'size = len;');
    } else {
      out.push(`if (len > ${f.length}) return null;`, 'units = len;');
      if (f.enc === Enc.BCD) out.push('size = (units + 1) >> 1;');
      else if (f.enc === Enc.HEX) out.push('size = units * 2;');
      else out.push('size = units;');
    }
    units = 'units';
    size = 'size';
  } else {
    units = String(f.length);
    size = String(f.enc === Enc.BCD ? (f.length + 1) >> 1 : f.enc === Enc.HEX ? f.length * 2 : f.length);
  }
  out.push(`if (end - o < ${size}) return null;`);
  const fixed = f.prefixDigits === 0;
  if (t.sbMode) emitValueScratch(t, f, units, size, fixed, out);
  else emitValueText(t, f, size, fixed, out);
  out.push(`o += ${size};`);
}

/** Text mode: `v` is the value, a slice of the message's latin1 view, checked. */
function emitValueText(t: Target, f: CompiledField, size: string, fixed: boolean, out: string[]): void {
  out.push(`v = text.slice(o - start, o - start + ${size});`);
  // Class bits (1 = allowed) of every byte and-ed: straight-line for a fixed field up to
  // STRAIGHT_MAX bytes, else four bytes per turn of a loop (fewer instructions than a regular
  // expression at any length).
  const tab = f.enc === Enc.HEX ? 'UH' : `T${f.cls}`;
  if (f.enc === Enc.HEX && f.tlv) {
    out.push(`if (!isUpperHexTlv(buf, o, o + ${size})) return null;`);
  } else if (fixed && Number(size) <= STRAIGHT_MAX) {
    const terms: string[] = [];
    for (let i = 0; i < Number(size); i++) terms.push(`${tab}[buf[o + ${i}]]`);
    out.push(`if ((${terms.join(' & ')}) === 0) return null;`);
  } else if (f.enc === Enc.HEX) {
    out.push(`if (!isUpperHex(buf, o, o + ${size})) return null;`);
  } else {
    out.push(`for (p = o, q = o + ${size}, a = 1; p + 4 <= q; p += 4) a &= ${tab}[buf[p]] & ${tab}[buf[p + 1]] & ${tab}[buf[p + 2]] & ${tab}[buf[p + 3]]; for (; p < q; p++) a &= ${tab}[buf[p]]; if (a === 0) return null;`);
  }
  out.push(t.bitmap === null ? `fields[${f.no}] = v;` : `fv${f.no} = v;`);
}

/**
 * Bytes `[from, from + n)` through the 16-bit table `tab` into `s16` from `k` (even), advancing `k`
 * by 2n; with `check`, a 0 entry rejects the message. Straight-line code for a fixed count up to
 * STRAIGHT_MAX, else a loop unrolled by four.
 */
function emitPairs(tab: string, from: string, n: number | string, check: boolean, out: string[]): void {
  const one = (src: string, dst: string): string => (check ? `a = ${tab}[${src}]; if (a === 0) return null; s16[${dst}] = a;` : `s16[${dst}] = ${tab}[${src}];`);
  if (typeof n === 'number' && n <= STRAIGHT_MAX) {
    const body: string[] = ['m = k >> 1;'];
    for (let i = 0; i < n; i++) body.push(one(`buf[${from} + ${i}]`, `m + ${i}`));
    body.push(`k += ${2 * n};`);
    out.push(body.join(' '));
    return;
  }
  const four = [0, 1, 2, 3].map((i) => one(`buf[p + ${i}]`, `m + ${i}`)).join(' ');
  out.push(`for (p = ${from}, q = ${from} + ${n}, m = k >> 1; p + 4 <= q; p += 4, m += 4) { ${four} } for (; p < q; p++, m++) { ${one('buf[p]', 'm')} } k = m << 1;`);
}

/**
 * Characters `[o, o + n)` of class table `tab` copied to the scratch at `k` (even) two at a time,
 * straight-line (fixed fields up to STRAIGHT_MAX characters): the class bits are and-ed into `a`.
 */
function emitCharsStraight(tab: string, n: number, out: string[]): void {
  const body: string[] = ['m = k >> 1; a = 1;'];
  for (let i = 0; i + 1 < n; i += 2) {
    body.push(`p = buf[o + ${i}]; q = buf[o + ${i + 1}]; a &= ${tab}[p] & ${tab}[q]; s16[m + ${i >> 1}] = ${LITTLE_ENDIAN ? 'p | (q << 8)' : '(p << 8) | q'};`);
  }
  if ((n & 1) === 1) body.push(`p = buf[o + ${n - 1}]; a &= ${tab}[p]; sb[k + ${n - 1}] = p;`);
  body.push(`if (a === 0) return null; k += ${n};`);
  out.push(body.join(' '));
}

/** Scratch mode: the value's characters go to `sb` at `k`; its bounds are recorded. */
function emitValueScratch(t: Target, f: CompiledField, units: string, size: string, fixed: boolean, out: string[]): void {
  const begin = t.bitmap === null ? 'ST[j] = k;' : `fs${f.no} = k;`;
  // A filler byte (never part of a value) before a value written in 16-bit units.
  const align = 'if ((k & 1) === 1) sb[k++] = 32;';
  const n = fixed ? Number(size) : size;
  switch (f.enc) {
    case Enc.ASCII:
      if (typeof n === 'number' && n <= STRAIGHT_MAX) {
        out.push(`${align} ${begin}`);
        emitCharsStraight(`T${f.cls}`, n, out);
      } else {
        out.push(`${begin} for (p = o, q = o + ${size}; p < q; p++) { a = buf[p]; if (T${f.cls}[a] === 0) return null; sb[k++] = a; }`);
      }
      break;
    case Enc.HEX:
      if (f.tlv) out.push(`if (!isUpperHexTlv(buf, o, o + ${size})) return null; ${begin} for (p = o, q = o + ${size}; p < q; p++) sb[k++] = buf[p];`);
      else out.push(`${begin} for (p = o, q = o + ${size}; p < q; p++) { a = buf[p]; if (UH[a] === 0) return null; sb[k++] = a; }`);
      break;
    case Enc.BINARY:
      if (f.tlv) out.push(`if (checkTlv(buf, o, o + ${size}, false) >= 0) return null;`);
      out.push(`${align} ${begin}`);
      emitPairs('HX2', 'o', n, false, out);
      break;
    case Enc.BCD: {
      // Digit pairs through a table that is 0 for a byte with a nibble the class does not allow;
      // NC maps nibble 13 to "D", the track separator, as the generic path does.
      const tab = f.cls === Cls.Z ? 'BZ2' : 'BN2';
      const okNib = (x: string): string => (f.cls === Cls.Z ? `(${x} <= 9 || ${x} === 13)` : `(${x} <= 9)`);
      const pairs = (from: string, count: number | string): string => {
        const body: string[] = [];
        emitPairs(tab, from, count, true, body);
        return body.join(' ');
      };
      const less = (x: number | string): number | string => (typeof x === 'number' ? x - 1 : `${x} - 1`);
      const odd = f.padRight
        ? `${align} ${begin} ${pairs('o', less(n))} a = buf[o + ${size} - 1]; if ((a & 15) !== ${f.padNibble} || !${okNib('(a >> 4)')}) return null; sb[k++] = NC[a >> 4];`
        : `a = buf[o]; if ((a >> 4) !== ${f.padNibble} || !${okNib('(a & 15)')}) return null; if ((k & 1) === 0) sb[k++] = 32; ${begin} sb[k++] = NC[a & 15]; ${pairs('(o + 1)', less(n))}`;
      const even = `${align} ${begin} ${pairs('o', n)}`;
      if (fixed) out.push((f.length & 1) === 1 ? odd : even);
      else out.push(`if ((${units} & 1) === 1) { ${odd} } else { ${even} }`);
      break;
    }
    default:
      throw new Error('unreachable');
  }
  out.push(t.bitmap === null ? `NO[j] = ${f.no}; EN[j++] = k;` : `fe${f.no} = k;`);
}

/** Code that reads the header, MTI and bitmaps at `o` into `header`, `mti` and `w0`..`w5`, advancing `o`. */
function emitHead(d: CompiledDialect, c: string[]): void {
  if (d.headerLength > 0) {
    c.push(`if (end - o < ${d.headerLength}) return null;`, 'header = host.readHeader(buf, o, start);', `o += ${d.headerLength};`);
  }
  // MTI
  if (d.mtiEnc === Enc.BCD) {
    c.push('if (end - o < 2) return null;', 'a = BCD_PAIR[buf[o]]; b = BCD_PAIR[buf[o + 1]];', "if (a === '' || b === '') return null;", 'mti = a + b; o += 2;');
  } else {
    c.push('if (end - o < 4) return null;');
    const ch = (i: number): string => (d.mtiEnc === Enc.EBCDIC ? `E2A[buf[o + ${i}]]` : `buf[o + ${i}]`);
    c.push(`a = ${ch(0)}; b = ${ch(1)}; x = ${ch(2)}; y = ${ch(3)};`);
    c.push('if (a < 48 || a > 57 || b < 48 || b > 57 || x < 48 || x > 57 || y < 48 || y > 57) return null;');
    c.push('mti = String.fromCharCode(a, b, x, y); o += 4;');
  }
  // Bitmaps
  const readWords = (hi: string, lo: string): string[] => (d.bitmapHex
    ? ['if (end - o < 16) return null;', `a = hex8(buf, o, HV); b = hex8(buf, o + 8, HV); if (a < 0 || b < 0) return null; ${hi} = a | 0; ${lo} = b | 0; o += 16;`]
    : ['if (end - o < 8) return null;', `${hi} = (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];`, `${lo} = (buf[o + 4] << 24) | (buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7]; o += 8;`]);
  c.push(...readWords('w0', 'w1'));
  c.push('if ((w0 & 0x80000000) !== 0) {', ...readWords('w2', 'w3'), 'if (w2 === 0 && w3 === 0) return null;');
  if (d.tertiary) c.push('if ((w2 & 0x80000000) !== 0) {', ...readWords('w4', 'w5'), 'if (w4 === 0 && w5 === 0) return null;', '}');
  c.push('}');
  // Bits of fields the dialect does not define (the bitmap flags are allowed).
  const words = d.tertiary ? 6 : 4;
  for (let w = 0; w < words; w++) {
    let allowed = 0;
    for (let b = 0; b < 32; b++) {
      const no = w * 32 + b + 1;
      const flag = no === 1 || (no === 65 && d.tertiary);
      if (flag || d.fields[no] !== undefined) allowed |= 0x80000000 >>> b;
    }
    if (allowed !== -1) c.push(`if ((w${w} & ${~allowed}) !== 0) return null;`);
  }
}

/**
 * The entry point: range, header, MTI and bitmaps, then the fields through the function of the
 * bitmap's pattern if it has one, else through the dialect-wide `fastFields` (which copies the
 * pattern's fields template). Small, so that it is always optimised whatever the dialect's size.
 */
function emitEntry(d: CompiledDialect): string[] {
  const words = d.tertiary ? 6 : 4;
  const ws = Array.from({ length: words }, (_, k) => `w${k}`).join(', ');
  const c: string[] = [];
  c.push('function fastUnpack(buf, start, end) {');
  c.push('if (!(start >= 0 && start <= end && end <= buf.length && (start | 0) === start && (end | 0) === end)) return null;');
  c.push('var o = start, mti, header, a, b, x, y, e, m, w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0;');
  emitHead(d, c);
  c.push(`e = BC.get(${ws}${words === 4 ? ', 0, 0' : ''});`);
  c.push('if (e.unpack !== null) return e.unpack(buf, start, end, o, mti, header);');
  c.push(`m = fastFields(buf, start, end, o, mti, header, e.template, ${ws});`);
  c.push('if (m !== null) BC.accepted(e);');
  c.push('return m;');
  c.push('}');
  return c;
}

/**
 * The fields from `o` to `end` and the message: dialect-wide (`t.bitmap` null: tests each bit of
 * the words it is given) or specialised to the bitmap pattern the entry point matched.
 */
function emitFields(t: Target): string[] {
  const d = t.d;
  const defined = d.fields.filter((f): f is CompiledField => f !== undefined);
  const words = d.tertiary ? 6 : 4;
  const ws = Array.from({ length: words }, (_, k) => `w${k}`);
  const nos = t.bitmap === null ? [] : fieldNumbers(d.tertiary, t.bitmap);
  const present = t.bitmap === null ? defined : nos.map((no) => d.fields[no] as CompiledField);
  // The latin1 view of the message: for text mode, or for generic readers of character fields.
  const needText = present.some((f) => (f.enc === Enc.ASCII || f.enc === Enc.HEX) && !inScratch(t, f));
  const c: string[] = [];
  // Named after the pattern, so that profiles and stack traces tell the functions apart.
  if (t.bitmap === null) c.push(`function fastFields(buf, start, end, o, mti, header, template, ${ws.join(', ')}) {`);
  else c.push(`function fastFields_${t.bitmap.slice(0, words).map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('')}(buf, start, end, o, mti, header) {`);
  c.push('var fields, text, v, a, len, units, size, p, q, k = 0, j = 0, i, m, sb, s16;');
  if (nos.length > 0) c.push(`var ${nos.map((no) => `fv${no}, fs${no}, fe${no}`).join(', ')};`);
  // At most three scratch bytes per message byte: two characters per byte, and a filler byte per value.
  if (t.sbMode) {
    c.push('if (SCR.sb.length < 3 * (end - start)) { SCR.sb = Buffer.allocUnsafeSlow(3 * (end - start) + 64); SCR.s16 = new Uint16Array(SCR.sb.buffer, SCR.sb.byteOffset, SCR.sb.length >> 1); }');
    c.push('sb = SCR.sb; s16 = SCR.s16;');
  }
  if (t.bitmap === null) c.push('fields = { ...template };');
  if (needText) c.push('text = buf.latin1Slice(start, end);');
  if (t.bitmap !== null) {
    for (const f of present) {
      const body: string[] = [];
      emitField(t, f, body);
      c.push(body.join(' '));
    }
  } else {
    // Fields, in ascending order; whole words and bytes of the bitmap without a set bit are skipped.
    for (let w = 0; w < words; w++) {
      const inner: string[] = [];
      for (let g = 0; g < 4; g++) {
        const group: string[] = [];
        let mask = 0;
        for (let b = g * 8; b < g * 8 + 8; b++) {
          const no = w * 32 + b + 1;
          const f = d.fields[no];
          if (f === undefined || no === 1 || (no === 65 && d.tertiary)) continue;
          const bit = 0x80000000 >>> b;
          mask |= bit;
          const body: string[] = [];
          emitField(t, f, body);
          group.push(`if ((w${w} & ${bit | 0}) !== 0) { ${body.join(' ')} }`);
        }
        if (group.length > 0) inner.push(`if ((w${w} & ${mask | 0}) !== 0) {`, ...group, '}');
      }
      if (inner.length > 0) c.push(`if (w${w} !== 0) {`, ...inner, '}');
    }
  }
  c.push('if (o !== end) return null;');
  if (t.bitmap === null) {
    if (t.sbMode) c.push('if (j > 0) { v = sb.latin1Slice(0, k); for (i = 0; i < j; i++) fields[NO[i]] = v.slice(ST[i], EN[i]); }');
  } else {
    if (present.some((f) => inScratch(t, f))) c.push('v = sb.latin1Slice(0, k);');
    c.push(`fields = { ${present.map((f) => `${f.no}: ${inScratch(t, f) ? `v.slice(fs${f.no}, fe${f.no})` : `fv${f.no}`}`).join(', ')} };`);
  }
  c.push(d.headerLength > 0 ? 'return { mti: mti, fields: fields, header: header };' : 'return { mti: mti, fields: fields };');
  c.push('}');
  return c;
}

/** Build the fast unpacker for a dialect; null if the platform refuses code generation. */
export function compileFastUnpack(d: CompiledDialect, host: FastHost): FastUnpack | null {
  const defined = d.fields.filter((f): f is CompiledField => f !== undefined);
  // Scratch mode when some specialised field is BCD or raw binary (its characters are not in the message).
  const sbMode = defined.some((f) => specialised(f) && (f.enc === Enc.BCD || f.enc === Enc.BINARY));
  const cache = new BitmapCache(d.tertiary, (words) => build<FieldsUnpack>([`return ${emitFields({ d, sbMode, bitmap: words }).join('\n')};`]));
  // Per-codec scratch (scratch mode): value characters, and (ends: ST, NO, EN) per value its start, field number and end.
  const sb = Buffer.allocUnsafeSlow(1024);
  const scratch = { sb, s16: new Uint16Array(sb.buffer, sb.byteOffset, 512) };
  const ends = [new Int32Array(200), new Int32Array(200), new Int32Array(200)];
  const names = ['Buffer', 'host', 'F', 'BC', 'SCR', 'ST', 'NO', 'EN', 'hex8', 'HV', 'E2A', 'BCD_PAIR', 'UH', 'isUpperHex', 'HX2', 'BN2', 'BZ2', 'NC', 'checkTlv', 'isUpperHexTlv'];
  const values: unknown[] = [Buffer, host, d.fields, cache, scratch, ...ends, hex8,
    d.bitmapEbcdic ? EBCDIC_HEX_VALUE : HEX_VALUE, EBCDIC_TO_ASCII, BCD_PAIR, UPPER_HEX_DIGIT, isUpperHex, HEX_PAIR, BCD_PAIR_N, BCD_PAIR_Z, NIBBLE_CHAR, checkTlv, isUpperHexTlv];
  for (let k = 0; k < CLASS_TABLES.length; k++) {
    names.push(`T${k}`);
    values.push(CLASS_TABLES[k]);
  }
  function build<T>(src: string[]): T | null {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      return new Function(...names, `"use strict";\n${src.join('\n')}`)(...values) as T;
    } catch {
      return null;
    }
  }
  return build<FastUnpack>([...emitFields({ d, sbMode, bitmap: null }), `return ${emitEntry(d).join('\n')};`]);
}
