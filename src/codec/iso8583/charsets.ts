/**
 * Byte-level tables: EBCDIC (code page 037, the US/Canada page most ISO 8583 EBCDIC hosts use)
 * to ASCII and back, and per content class the set of allowed ASCII bytes.
 * Tables are Uint8Arrays indexed by byte so that the hot path is one load per byte.
 */
import { Cls } from './spec';

/** ASCII printable character -> EBCDIC 037 byte (IBM CCSID 37). */
const CP037_PRINTABLE: ReadonlyArray<[string, number]> = [
  [' ', 0x40], ['.', 0x4b], ['<', 0x4c], ['(', 0x4d], ['+', 0x4e], ['|', 0x4f], ['&', 0x50], ['!', 0x5a],
  ['$', 0x5b], ['*', 0x5c], [')', 0x5d], [';', 0x5e], ['-', 0x60], ['/', 0x61], [',', 0x6b], ['%', 0x6c],
  ['_', 0x6d], ['>', 0x6e], ['?', 0x6f], ['`', 0x79], [':', 0x7a], ['#', 0x7b], ['@', 0x7c], ["'", 0x7d],
  ['=', 0x7e], ['"', 0x7f], ['~', 0xa1], ['^', 0xb0], ['[', 0xba], [']', 0xbb], ['{', 0xc0], ['}', 0xd0],
  ['\\', 0xe0],
];

/** 0 means "no mapping" (NUL is never valid content in a character field). */
export const ASCII_TO_EBCDIC = new Uint8Array(256);
export const EBCDIC_TO_ASCII = new Uint8Array(256);

function map(ascii: number, ebcdic: number): void {
  ASCII_TO_EBCDIC[ascii] = ebcdic;
  EBCDIC_TO_ASCII[ebcdic] = ascii;
}
for (const [ch, e] of CP037_PRINTABLE) map(ch.charCodeAt(0), e);
for (let i = 0; i < 10; i++) map(0x30 + i, 0xf0 + i);
for (let i = 0; i < 9; i++) {
  map(0x41 + i, 0xc1 + i); // A-I
  map(0x4a + i, 0xd1 + i); // J-R
  map(0x61 + i, 0x81 + i); // a-i
  map(0x6a + i, 0x91 + i); // j-r
}
for (let i = 0; i < 8; i++) {
  map(0x53 + i, 0xe2 + i); // S-Z
  map(0x73 + i, 0xa2 + i); // s-z
}

/**
 * Allowed ASCII bytes per content class (ISO 8583:1987 section 4.3):
 * n digits; a letters and space; an letters, digits, space; as/ns/ans printable specials;
 * z track 2/3 data (digits, '=' or 'D' separator); xn sign is checked separately.
 */
export const CLASS_TABLES: readonly Uint8Array[] = (() => {
  const mk = (pred: (c: number) => boolean): Uint8Array => {
    const t = new Uint8Array(256);
    for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
    return t;
  };
  const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  const alpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20;
  const printable = (c: number): boolean => c >= 0x20 && c <= 0x7e;
  const special = (c: number): boolean => printable(c) && !digit(c) && !alpha(c) || c === 0x20;
  const tables: Uint8Array[] = [];
  tables[Cls.N] = mk(digit);
  tables[Cls.A] = mk(alpha);
  tables[Cls.AN] = mk((c) => digit(c) || alpha(c));
  tables[Cls.AS] = mk((c) => alpha(c) || special(c));
  tables[Cls.NS] = mk((c) => digit(c) || special(c));
  tables[Cls.ANS] = mk(printable);
  tables[Cls.B] = mk(() => true);
  tables[Cls.Z] = mk((c) => digit(c) || c === 0x3d /* = */ || c === 0x44 /* D */);
  tables[Cls.XN] = mk(digit);
  return tables;
})();

/**
 * The same sets as anchored regular expressions over latin1 text, derived from the tables (so the
 * two can never disagree): for long values one compiled regex test is faster than a byte loop.
 */
export const CLASS_REGEX: readonly RegExp[] = CLASS_TABLES.map((t) => {
  let cls = '';
  for (let c = 0; c < 256; c++) {
    if (t[c] !== 1) continue;
    let e = c;
    while (e + 1 < 256 && t[e + 1] === 1) e++;
    const hex = (x: number): string => `\\x${x.toString(16).padStart(2, '0')}`;
    cls += e === c ? hex(c) : `${hex(c)}-${hex(e)}`;
    c = e;
  }
  return new RegExp(`^[${cls}]*$`);
});

export const CLASS_NAMES = ['n', 'a', 'an', 'as', 'ns', 'ans', 'b', 'z', 'x+n'] as const;

/** Hex digit value per ASCII byte, 255 for non-hex. */
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 10 + i;
    t[0x61 + i] = 10 + i;
  }
  return t;
})();

/** 1 for an uppercase hex digit 0-9, A-F. */
export const UPPER_HEX_DIGIT = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) ? 1 : 0;
  return t;
})();

/**
 * A 32-bit view of the ArrayBuffer that `isUpperHex` last read from, kept for the next message
 * (frames of one socket read share their buffer; creating a view costs as much as checking a
 * hundred characters).
 */
let wordsOf: ArrayBufferLike | null = null;
let words: Int32Array = new Int32Array(0);

const HIGH = 0x80808080 | 0;

/**
 * Whether `buf[start, end)` is uppercase hex digits only, four bytes at a time where they are
 * 4-aligned in the ArrayBuffer: with every byte below 0x80 (no carry can cross a byte), adding
 * 0x50, 0x46, 0x3F, 0x39 to each byte sets its top bit exactly when it is at least 0x30, 0x3A,
 * 0x41, 0x47, so [0x30, 0x39] and [0x41, 0x46] are two masks and a byte with its own top bit set
 * is cleared by `& ~x`. A third of the instructions of a byte loop, or of the regular expression.
 */
export function isUpperHex(buf: Uint8Array, start: number, end: number): boolean {
  const base = buf.byteOffset;
  let p = start;
  for (; p < end && ((base + p) & 3) !== 0; p++) if (UPPER_HEX_DIGIT[buf[p] as number] === 0) return false;
  let w = (base + p) >> 2;
  const last = (base + end) >> 2;
  if (w < last) {
    const ab = buf.buffer;
    if (ab !== wordsOf) {
      words = new Int32Array(ab, 0, ab.byteLength >> 2);
      wordsOf = ab;
    }
    const view = words;
    let all = HIGH;
    for (; w < last; w++) {
      const x = view[w] as number;
      all &= (((x + 0x50505050) & ~(x + 0x46464646)) | ((x + 0x3f3f3f3f) & ~(x + 0x39393939))) & ~x;
    }
    if ((all & HIGH) !== HIGH) return false;
    p = (last << 2) - base;
  }
  for (; p < end; p++) if (UPPER_HEX_DIGIT[buf[p] as number] === 0) return false;
  return true;
}

/** Two uppercase hex characters per byte value. */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Two characters per BCD byte value, for the digits and track separators we accept (else ''). */
export const BCD_PAIR: readonly string[] = Array.from({ length: 256 }, (_, i) => {
  const hi = i >> 4;
  const lo = i & 15;
  return hi <= 9 && lo <= 9 ? `${hi}${lo}` : '';
});
