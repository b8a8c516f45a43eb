/**
 * The EMV MPM checksum (EMV QRCPS MPM 4.7.3, ISO/IEC 13239): CRC-16/CCITT-FALSE, polynomial 0x1021,
 * initial value 0xFFFF, not reflected, no final XOR; check value of "123456789" is 0x29B1. It runs
 * over the UTF-8 bytes of the payload up to and including "6304".
 *
 * The string is encoded to UTF-8 on the fly, one byte at a time, so no Buffer is built: a QR payload
 * is a JS string already, and most are ASCII, where a code unit is its byte. A lone surrogate (not
 * valid UTF-16, so never the text of a real QR code) is taken as U+FFFD, as TextEncoder does.
 */

const TABLE = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  TABLE[i] = c & 0xffff;
}

function step(crc: number, byte: number): number {
  return ((crc << 8) ^ (TABLE[((crc >>> 8) ^ byte) & 0xff] as number)) & 0xffff;
}

/** CRC over bytes. */
export function crc16Bytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = step(crc, bytes[i] as number);
  return crc;
}

/**
 * CRC over the UTF-8 encoding of `s.slice(0, end)`. The result's bit 16 is set when a code unit
 * above 0x7F was seen, which tells the TLV reader it must count lengths in code points.
 */
export function crc16Utf8(s: string, end = s.length): number {
  let crc = 0xffff;
  let i = 0;
  // ASCII: a code unit is its byte.
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    crc = ((crc << 8) & 0xffff) ^ (TABLE[(crc >>> 8) ^ c] as number);
  }
  if (i === end) return crc;
  for (; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      crc = step(crc, c);
    } else if (c < 0x800) {
      crc = step(step(crc, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          crc = step(step(step(step(crc, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
          continue;
        }
        c = 0xfffd;
      }
      crc = step(step(step(crc, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
    }
  }
  return crc | 0x10000;
}

const HEX = '0123456789ABCDEF';

/** Four uppercase hex digits, as the CRC is written in data object 63. */
export function crcHex(crc: number): string {
  return (HEX[(crc >> 12) & 15] as string) + HEX[(crc >> 8) & 15] + HEX[(crc >> 4) & 15] + HEX[crc & 15];
}
