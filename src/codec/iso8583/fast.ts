/**
 * A dialect-specialised unpacker, derived once per codec from the compiled dialect (the dialect
 * stays data; this is a compiled form of it, as fast-json-stringify does for schemas).
 *
 * The generated function is an accept-only fast path: it returns the message when it can prove the
 * input is a valid message, and `null` as soon as anything is unusual (any error, but also rare
 * valid forms such as lowercase hex digits). The codec then runs the generic unpacker, which gives
 * the message or the precise DariError. So the fast path needs no error messages of its own, and
 * it must only ever return exactly what the generic path returns for the same input; the specs in
 * specs/codec/iso8583/fast.spec.ts check that on generated, random and mutated messages.
 *
 * What it inlines, per field, with the field's constants: the length prefix, the length checks,
 * the content class check (byte table, unrolled for short fixed fields), BCD nibble and pad
 * checks, hex checks and the TLV walk. Fields it does not specialise (EBCDIC text, x+n, positional
 * subfields) call the generic per-field reader, which may throw: the codec catches that and re-runs
 * the generic unpacker for the error.
 */
import { BCD_PAIR, CLASS_REGEX, CLASS_TABLES, EBCDIC_TO_ASCII, HEX_VALUE } from './charsets';
import { Cls, Enc, PEnc, type CompiledDialect, type CompiledField } from './spec';
import { checkTlv } from './tlv';
import type { Iso8583Message } from './codec';

/** What the generated code needs from the codec (its generic per-field and header readers). */
export interface FastHost {
  readHeader(buf: Buffer, o: number, start: number): string;
  readField(buf: Buffer, o: number, end: number, start: number, f: CompiledField, out: Record<string, string>): number;
  text: string;
  textStart: number;
}

export type FastUnpack = (buf: Buffer, start: number, end: number) => Iso8583Message | null;

/** Uppercase hex digits only (lowercase is valid but the generic path uppercases it: left to it). */
const UPPER_HEX_TABLE = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) ? 1 : 0;
  return t;
})();
const UPPER_HEX = /^[0-9A-F]*$/;
/** Hex digit value per EBCDIC byte (255 for non-hex), for ebcdic-hex bitmaps. */
const EBCDIC_HEX_VALUE = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = HEX_VALUE[EBCDIC_TO_ASCII[c] as number] as number;
  return t;
})();
/** Packed BCD byte with two decimal digits. */
const BCD_N = (() => {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = (b >> 4) <= 9 && (b & 15) <= 9 ? 1 : 0;
  return t;
})();
/** Packed BCD byte of track data: two nibbles each a decimal digit or the separator D. */
const BCD_Z = (() => {
  const t = new Uint8Array(256);
  const ok = (n: number): boolean => n <= 9 || n === 0xd;
  for (let b = 0; b < 256; b++) t[b] = ok(b >> 4) && ok(b & 15) ? 1 : 0;
  return t;
})();
/** Character of a nibble: 0-9, A-F (so nibble D, the track separator, reads "D"). */
const NIBBLE_CHAR = Uint8Array.from('0123456789ABCDEF', (ch) => ch.charCodeAt(0));
/** Below this many bytes a fixed character field's class check is unrolled. */
const UNROLL_MAX = 16;
/** From this many characters the class check is one regular expression (as in the generic path). */
const REGEX_MIN = 24;

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

/** Code that reads field `f` at `o`, stores it in `fields` and advances `o`; `return null` on anything unusual. */
function emitField(f: CompiledField, sbMode: boolean, out: string[]): void {
  const no = f.no;
  if (!specialised(f)) {
    out.push(`o = host.readField(buf, o, end, start, F[${no}], fields);`);
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
  if (sbMode) emitValueScratch(f, units, size, fixed, out);
  else emitValueText(f, size, fixed, out);
  out.push(`o += ${size};`);
}

/**
 * Text mode (dialects whose specialised fields are all characters or ASCII hex): values are slices
 * of one latin1 view of the message.
 */
function emitValueText(f: CompiledField, size: string, fixed: boolean, out: string[]): void {
  switch (f.enc) {
    case Enc.ASCII: {
      const t = `T${f.cls}`;
      if (fixed && f.length <= UNROLL_MAX) {
        const terms: string[] = [];
        for (let i = 0; i < f.length; i++) terms.push(`${t}[buf[o + ${i}]]`);
        out.push(`if ((${terms.join(' & ')}) === 0) return null;`);
        out.push(`v = text.slice(o - start, o - start + ${size});`);
      } else {
        out.push(`v = text.slice(o - start, o - start + ${size});`);
        const loop = `for (p = o, q = o + ${size}; p < q; p++) if (${t}[buf[p]] === 0) return null;`;
        if (fixed && f.length >= REGEX_MIN) out.push(`if (!R${f.cls}.test(v)) return null;`);
        else if (fixed) out.push(loop);
        else out.push(`if (${size} >= ${REGEX_MIN}) { if (!R${f.cls}.test(v)) return null; } else { ${loop} }`);
      }
      break;
    }
    case Enc.HEX: {
      out.push(`v = text.slice(o - start, o - start + ${size});`);
      const loop = `for (p = o, q = o + ${size}; p < q; p++) if (UH[buf[p]] === 0) return null;`;
      if (fixed && f.length * 2 <= UNROLL_MAX) {
        const terms: string[] = [];
        for (let i = 0; i < f.length * 2; i++) terms.push(`UH[buf[o + ${i}]]`);
        out.push(`if ((${terms.join(' & ')}) === 0) return null;`);
      } else if (fixed && f.length * 2 < REGEX_MIN) {
        out.push(loop);
      } else if (fixed) {
        out.push('if (!UPPER_HEX.test(v)) return null;');
      } else {
        out.push(`if (${size} >= ${REGEX_MIN}) { if (!UPPER_HEX.test(v)) return null; } else { ${loop} }`);
      }
      // (A fused decode-and-check loop feeding a raw TLV walk measured slower than this in situ.)
      if (f.tlv) out.push(`if (checkTlv(buf, o, o + ${size}, true) >= 0) return null;`);
      break;
    }
    default:
      throw new Error('unreachable');
  }
  out.push(`fields[${f.no}] = v;`);
}

/**
 * Scratch mode (dialects with BCD or raw binary fields): every specialised value is written as
 * characters into a scratch buffer (BCD digits and binary bytes as uppercase hex, characters as
 * they are), one latin1 view of the scratch is taken at the end, and the values are slices of it.
 */
function emitValueScratch(f: CompiledField, units: string, size: string, fixed: boolean, out: string[]): void {
  switch (f.enc) {
    case Enc.ASCII:
      out.push(`for (p = o, q = o + ${size}; p < q; p++) { a = buf[p]; if (T${f.cls}[a] === 0) return null; SB[k++] = a; }`);
      break;
    case Enc.HEX:
      out.push(`for (p = o, q = o + ${size}; p < q; p++) { a = buf[p]; if (UH[a] === 0) return null; SB[k++] = a; }`);
      if (f.tlv) out.push(`if (checkTlv(buf, o, o + ${size}, true) >= 0) return null;`);
      break;
    case Enc.BINARY:
      out.push(`for (p = o, q = o + ${size}; p < q; p++) { a = buf[p]; SB[k] = NC[a >> 4]; SB[k + 1] = NC[a & 15]; k += 2; }`);
      if (f.tlv) out.push(`if (checkTlv(buf, o, o + ${size}, false) >= 0) return null;`);
      break;
    case Enc.BCD: {
      // NC maps nibble 13 to "D", the track separator, as the generic path does.
      const t = f.cls === Cls.Z ? 'BZ' : 'BN';
      const okNib = (x: string): string => (f.cls === Cls.Z ? `(${x} <= 9 || ${x} === 13)` : `(${x} <= 9)`);
      const pairs = (from: string, to: string): string =>
        `for (p = ${from}, q = ${to}; p < q; p++) { a = buf[p]; if (${t}[a] === 0) return null; SB[k] = NC[a >> 4]; SB[k + 1] = NC[a & 15]; k += 2; }`;
      const odd = f.padRight
        ? `${pairs('o', `o + ${size} - 1`)} a = buf[o + ${size} - 1]; if ((a & 15) !== ${f.padNibble} || !${okNib('(a >> 4)')}) return null; SB[k++] = NC[a >> 4];`
        : `a = buf[o]; if ((a >> 4) !== ${f.padNibble} || !${okNib('(a & 15)')}) return null; SB[k++] = NC[a & 15]; ${pairs('o + 1', `o + ${size}`)}`;
      const even = pairs('o', `o + ${size}`);
      if (fixed) out.push((f.length & 1) === 1 ? odd : even);
      else out.push(`if ((${units} & 1) === 1) { ${odd} } else { ${even} }`);
      break;
    }
    default:
      throw new Error('unreachable');
  }
  out.push(`NO[j] = ${f.no}; EN[j++] = k;`);
}

/** Build the fast unpacker for a dialect; null if the platform refuses code generation. */
export function compileFastUnpack(d: CompiledDialect, host: FastHost): FastUnpack | null {
  const defined = d.fields.filter((f): f is CompiledField => f !== undefined);
  const anyText = defined.some((f) => f.enc === Enc.ASCII || f.enc === Enc.HEX);
  // Scratch mode when some specialised field is BCD or raw binary (its characters are not in the message).
  const sbMode = defined.some((f) => specialised(f) && (f.enc === Enc.BCD || f.enc === Enc.BINARY));
  const delegates = defined.some((f) => !specialised(f));
  // The latin1 view of the message: for text mode, or for generic readers of character fields.
  const needText = sbMode ? defined.some((f) => !specialised(f) && (f.enc === Enc.ASCII || f.enc === Enc.HEX)) : anyText;
  const words = d.tertiary ? 6 : 4;
  const c: string[] = [];
  c.push('"use strict";');
  // Per-codec scratch (scratch mode): value characters, and per value its field number and end.
  c.push('var SB = Buffer.allocUnsafeSlow(1024), NO = new Int32Array(200), EN = new Int32Array(200);');
  c.push('return function fastUnpack(buf, start, end) {');
  c.push('if (!(start >= 0 && start <= end && end <= buf.length && (start | 0) === start && (end | 0) === end)) return null;');
  c.push('var o = start, fields = {}, mti, header, text, v, a, len, units, size, p, q, k = 0, j = 0, i;');
  if (sbMode) c.push('if (SB.length < 2 * (end - start)) SB = Buffer.allocUnsafeSlow(2 * (end - start) + 64);');
  c.push('var w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0;');
  if (d.headerLength > 0) {
    c.push(`if (end - o < ${d.headerLength}) return null;`, 'header = host.readHeader(buf, o, start);', `o += ${d.headerLength};`);
  }
  // MTI
  if (d.mtiEnc === Enc.BCD) {
    c.push('if (end - o < 2) return null;', 'a = BCD_PAIR[buf[o]]; v = BCD_PAIR[buf[o + 1]];', "if (a === '' || v === '') return null;", 'mti = a + v; o += 2;');
  } else {
    c.push('if (end - o < 4) return null;');
    const ch = (i: number): string => (d.mtiEnc === Enc.EBCDIC ? `E2A[buf[o + ${i}]]` : `buf[o + ${i}]`);
    c.push(`a = ${ch(0)}; len = ${ch(1)}; units = ${ch(2)}; size = ${ch(3)};`);
    c.push('if (a < 48 || a > 57 || len < 48 || len > 57 || units < 48 || units > 57 || size < 48 || size > 57) return null;');
    c.push('mti = String.fromCharCode(a, len, units, size); o += 4;');
  }
  // Bitmaps
  const readWords = (hi: string, lo: string): string[] => (d.bitmapHex
    ? ['if (end - o < 16) return null;', `a = hex8(buf, o, HV); len = hex8(buf, o + 8, HV); if (a < 0 || len < 0) return null; ${hi} = a | 0; ${lo} = len | 0; o += 16;`]
    : ['if (end - o < 8) return null;', `${hi} = (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];`, `${lo} = (buf[o + 4] << 24) | (buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7]; o += 8;`]);
  c.push(...readWords('w0', 'w1'));
  c.push('if ((w0 & 0x80000000) !== 0) {', ...readWords('w2', 'w3'), 'if (w2 === 0 && w3 === 0) return null;');
  if (d.tertiary) c.push('if ((w2 & 0x80000000) !== 0) {', ...readWords('w4', 'w5'), 'if (w4 === 0 && w5 === 0) return null;', '}');
  c.push('}');
  // Bits of fields the dialect does not define (the bitmap flags are allowed).
  for (let w = 0; w < words; w++) {
    let allowed = 0;
    for (let b = 0; b < 32; b++) {
      const no = w * 32 + b + 1;
      const flag = no === 1 || (no === 65 && d.tertiary);
      if (flag || d.fields[no] !== undefined) allowed |= 0x80000000 >>> b;
    }
    if (allowed !== -1) c.push(`if ((w${w} & ${~allowed}) !== 0) return null;`);
  }
  // Give the fields object its final element capacity first, as the generic path does.
  c.push('a = ' + Array.from({ length: words }, (_, k) => words - 1 - k)
    .map((w) => `w${w} !== 0 ? ${w * 32 + 1} + Math.clz32(w${w} & -w${w}) : `).join('') + '0;');
  c.push("if (a > 1) fields[a] = '';");
  if (needText) c.push('text = buf.latin1Slice(start, end);');
  if (needText && delegates) c.push('host.text = text; host.textStart = start;');
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
        emitField(f, sbMode, body);
        group.push(`if ((w${w} & ${bit | 0}) !== 0) { ${body.join(' ')} }`);
      }
      if (group.length > 0) inner.push(`if ((w${w} & ${mask | 0}) !== 0) {`, ...group, '}');
    }
    if (inner.length > 0) c.push(`if (w${w} !== 0) {`, ...inner, '}');
  }
  c.push('if (o !== end) return null;');
  if (sbMode) c.push('if (j > 0) { v = SB.latin1Slice(0, k); for (i = 0, p = 0; i < j; i++) { q = EN[i]; fields[NO[i]] = v.slice(p, q); p = q; } }');
  c.push(d.headerLength > 0 ? 'return { mti: mti, fields: fields, header: header };' : 'return { mti: mti, fields: fields };');
  c.push('};');
  const src = c.join('\n');
  const names = ['Buffer', 'host', 'F', 'hex8', 'HV', 'E2A', 'BCD_PAIR', 'UH', 'UPPER_HEX', 'BN', 'BZ', 'NC', 'checkTlv'];
  const values: unknown[] = [Buffer, host, d.fields, hex8, d.bitmapEbcdic ? EBCDIC_HEX_VALUE : HEX_VALUE, EBCDIC_TO_ASCII, BCD_PAIR, UPPER_HEX_TABLE, UPPER_HEX, BCD_N, BCD_Z, NIBBLE_CHAR, checkTlv];
  for (let k = 0; k < CLASS_TABLES.length; k++) {
    names.push(`T${k}`, `R${k}`);
    values.push(CLASS_TABLES[k], CLASS_REGEX[k]);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function(...names, src)(...values) as FastUnpack;
  } catch {
    return null;
  }
}
