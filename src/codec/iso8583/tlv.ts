/**
 * BER-TLV as used in ISO 8583 field 55 (EMV Book 3 annex B): tags of one or more bytes (low five
 * bits all set in the first byte means more tag bytes follow, each with bit 8 set while more
 * follow), lengths in short form (< 0x80) or long form (0x81 nn, 0x82 nnnn, 0x83 nnnnnn).
 * Constructed tags (bit 6 of the first byte) are kept as one item whose value holds nested TLV.
 * Unknown tags are kept byte-for-byte: decode then encode is the identity on any valid input.
 * Padding bytes 0x00 and 0xFF between items (EMV Book 3 B.1) are accepted by `checkTlv` but make
 * `decodeTlv` report them as items with tag "00"/"FF" and no length, so nothing is lost.
 */
import { BYTE_HEX, HEX_VALUE, isUpperHex } from './charsets';
import { DariError } from '../../errors';

export interface TlvItem {
  /** Tag as uppercase hex, e.g. "9F26". */
  tag: string;
  /** Value as uppercase hex. */
  value: string;
  /** Nested items for constructed tags (e.g. "70", "77", "BF0C"). */
  children?: TlvItem[];
}

/** Byte `k` of a value held raw, or as ASCII hex digits (validated by the caller). */
function byteAt(buf: Uint8Array, start: number, k: number, hex: boolean): number {
  if (!hex) return buf[start + k] as number;
  return ((HEX_VALUE[buf[start + 2 * k] as number] as number) << 4) | (HEX_VALUE[buf[start + 2 * k + 1] as number] as number);
}

/**
 * Walk a value as BER-TLV: `buf[start, end)` holds it raw, or (with `hex`) as ASCII hex digits
 * that the caller has already checked. Returns -1 when it is a complete sequence, otherwise the
 * offset, in value bytes from `start`, of the item that breaks it. Allocates nothing.
 */
export function checkTlv(buf: Uint8Array, start: number, end: number, hex = false): number {
  const n = hex ? (end - start) >> 1 : end - start;
  let o = 0;
  while (o < n) {
    const itemStart = o;
    const t0 = byteAt(buf, start, o++, hex);
    if (t0 === 0x00 || t0 === 0xff) continue; // inter-item padding
    if ((t0 & 0x1f) === 0x1f) {
      let more = 0;
      for (;;) {
        if (o >= n) return itemStart;
        const tb = byteAt(buf, start, o++, hex);
        if (++more > 3) return itemStart;
        if ((tb & 0x80) === 0) break;
      }
    }
    if (o >= n) return itemStart;
    let len = byteAt(buf, start, o++, hex);
    if (len & 0x80) {
      const nb = len & 0x7f;
      if (nb === 0 || nb > 3 || o + nb > n) return itemStart;
      len = 0;
      for (let i = 0; i < nb; i++) len = len * 256 + byteAt(buf, start, o++, hex);
    }
    if (o + len > n) return itemStart;
    o += len;
  }
  return -1;
}

/** Value of a digit that is known to be an uppercase hex digit ('0'-'9' are 0x3X, 'A'-'F' 0x4X). */
function digit(c: number): number {
  return (c & 15) + 9 * (c >> 6);
}

/**
 * Whether `buf[start, end)` is uppercase hex digits only and, as bytes, a complete BER-TLV
 * sequence: the answer of `isUpperHex(...) && checkTlv(buf, start, end, true) < 0`, for the fast
 * unpack path. The digits are checked first, four at a time; the walk then decodes only the tag
 * and length digits it needs, with arithmetic instead of a table.
 */
export function isUpperHexTlv(buf: Uint8Array, start: number, end: number): boolean {
  return ((end - start) & 1) === 0 && isUpperHex(buf, start, end) && upperHexTlvWalk(buf, start, end);
}

/**
 * The walk of isUpperHexTlv alone, for a range already known to be an even number of uppercase
 * hex digits (pack has checked the value's characters): whether, as bytes, it is a complete
 * BER-TLV sequence.
 */
export function upperHexTlvWalk(buf: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    const t0 = (digit(buf[p] as number) << 4) | digit(buf[p + 1] as number);
    p += 2;
    if (t0 === 0x00 || t0 === 0xff) continue; // inter-item padding
    if ((t0 & 0x1f) === 0x1f) {
      // Subsequent tag bytes while bit 8 is set (its high digit is 8 or more), at most three.
      let more = 0;
      for (;;) {
        if (p >= end || ++more > 3) return false;
        const high = digit(buf[p] as number);
        p += 2;
        if (high < 8) break;
      }
    }
    if (p >= end) return false;
    let len = (digit(buf[p] as number) << 4) | digit(buf[p + 1] as number);
    p += 2;
    if (len & 0x80) {
      const nb = len & 0x7f;
      if (nb === 0 || nb > 3 || p + 2 * nb > end) return false;
      len = 0;
      for (let i = 0; i < nb; i++) {
        len = len * 256 + ((digit(buf[p] as number) << 4) | digit(buf[p + 1] as number));
        p += 2;
      }
    }
    p += 2 * len;
    if (p > end) return false;
  }
  return true;
}

function hexOf(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += BYTE_HEX[buf[i] as number];
  return s;
}

/**
 * Visit the items of a range that `checkTlv` accepted, in order: each item's tag (hex), whether it
 * is constructed (and well-formed inside, so it may be descended into), and its value bounds.
 * Padding bytes 0x00/0xFF are visited as tag "00"/"FF" with an empty value and `padding` set.
 */
function eachItem(buf: Uint8Array, start: number, end: number, depth: number,
  visit: (tag: string, nested: boolean, valueStart: number, valueEnd: number, padding: boolean) => void): void {
  let o = start;
  while (o < end) {
    const tagStart = o;
    const t0 = buf[o++] as number;
    if (t0 === 0x00 || t0 === 0xff) {
      visit(BYTE_HEX[t0] as string, false, o, o, true);
      continue;
    }
    if ((t0 & 0x1f) === 0x1f) {
      while (o < end && ((buf[o++] as number) & 0x80) !== 0) { /* subsequent tag bytes */ }
    }
    const tag = hexOf(buf, tagStart, o);
    let len = buf[o++] as number;
    if (len & 0x80) {
      const nb = len & 0x7f;
      len = 0;
      for (let i = 0; i < nb; i++) len = len * 256 + (buf[o++] as number);
    }
    const nested = (t0 & 0x20) !== 0 && depth < 8 && checkTlv(buf, o, o + len) < 0;
    visit(tag, nested, o, o + len, false);
    o += len;
  }
}

function decodeRange(buf: Uint8Array, start: number, end: number, depth: number): TlvItem[] {
  const items: TlvItem[] = [];
  eachItem(buf, start, end, depth, (tag, nested, vs, ve) => {
    const item: TlvItem = { tag, value: hexOf(buf, vs, ve) };
    if (nested) item.children = decodeRange(buf, vs, ve, depth + 1);
    items.push(item);
  });
  return items;
}

/** Decode BER-TLV bytes (or an uppercase/lowercase hex string) into items. Throws DARI_CODEC_TLV_MALFORMED. */
export function decodeTlv(input: Uint8Array | string, field?: number): TlvItem[] {
  const buf = typeof input === 'string' ? hexToBytes(input, field) : input;
  const bad = checkTlv(buf, 0, buf.length);
  if (bad >= 0) {
    throw new DariError('DARI_CODEC_TLV_MALFORMED', `${field !== undefined ? `field ${field}: ` : ''}TLV item at byte ${bad} is incomplete or has an invalid tag or length`, field !== undefined ? { field, offset: bad } : { offset: bad });
  }
  return decodeRange(buf, 0, buf.length, 0);
}

function encodeLength(len: number): string {
  if (len < 0x80) return BYTE_HEX[len] as string;
  if (len < 0x100) return `81${BYTE_HEX[len]}`;
  if (len < 0x10000) return `82${BYTE_HEX[len >> 8]}${BYTE_HEX[len & 0xff]}`;
  return `83${BYTE_HEX[len >> 16]}${BYTE_HEX[(len >> 8) & 0xff]}${BYTE_HEX[len & 0xff]}`;
}

/** Encode items back to uppercase hex. Constructed items with `children` are re-encoded from them. */
export function encodeTlv(items: readonly TlvItem[]): string {
  let out = '';
  for (const it of items) {
    const tag = it.tag.toUpperCase();
    if ((tag === '00' || tag === 'FF') && it.value === '') {
      out += tag;
      continue;
    }
    const value = it.children ? encodeTlv(it.children) : it.value.toUpperCase();
    if (value.length % 2 !== 0 || !/^[0-9A-F]*$/.test(value) || !/^([0-9A-F]{2})+$/.test(tag)) {
      throw new DariError('DARI_CODEC_TLV_MALFORMED', `TLV item ${/^[0-9A-F]{2,8}$/.test(tag) ? tag : '?'}: tag and value must be hex`);
    }
    out += tag + encodeLength(value.length / 2) + value;
  }
  return out;
}

export function hexToBytes(hex: string, field?: number): Buffer {
  if (hex.length % 2 !== 0) {
    throw new DariError('DARI_CODEC_INVALID_CHARACTER', `${field !== undefined ? `field ${field}: ` : ''}hex value has an odd number of digits`, field !== undefined ? { field } : {});
  }
  const out = Buffer.allocUnsafe(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = hex.charCodeAt(2 * i);
    const l = hex.charCodeAt(2 * i + 1);
    const hv = h < 256 ? (HEX_VALUE[h] as number) : 255;
    const lv = l < 256 ? (HEX_VALUE[l] as number) : 255;
    if (hv === 255 || lv === 255) {
      throw new DariError('DARI_CODEC_INVALID_CHARACTER', `${field !== undefined ? `field ${field}: ` : ''}character at position ${hv === 255 ? 2 * i : 2 * i + 1} is not a hex digit`, field !== undefined ? { field } : {});
    }
    out[i] = (hv << 4) | lv;
  }
  return out;
}

/** Where each primitive item's value sits in a TLV hex string (hex-character offsets), in order, nested items included. */
export function tlvValueSpans(hex: string): { tag: string; start: number; end: number }[] {
  const buf = hexToBytes(hex);
  const bad = checkTlv(buf, 0, buf.length);
  if (bad >= 0) throw new DariError('DARI_CODEC_TLV_MALFORMED', `TLV item at byte ${bad} is incomplete or malformed`, { offset: bad });
  const spans: { tag: string; start: number; end: number }[] = [];
  const walk = (start: number, end: number, depth: number): void => eachItem(buf, start, end, depth, (tag, nested, vs, ve, padding) => {
    if (nested) walk(vs, ve, depth + 1);
    else if (!padding) spans.push({ tag, start: 2 * vs, end: 2 * ve });
  });
  walk(0, buf.length, 0);
  return spans;
}
