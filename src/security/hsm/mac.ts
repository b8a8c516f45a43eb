/**
 * Message authentication codes:
 *  - ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC", ANSI X9.19): single-DES CBC under K, then the
 *    last block is transformed as E_K(D_K'(h)). With a double-length key K || K'; with a single
 *    8-byte key K' = K and the transformation vanishes, which is MAC algorithm 1 (X9.9).
 *    Padding method 1 appends zero bytes up to a block boundary (none when already aligned, one
 *    block for empty data); method 2 appends 0x80 then zero bytes (always at least one byte).
 *  - AES-CMAC (RFC 4493 / NIST SP 800-38B) with 128-, 192- or 256-bit keys.
 * Verification compares in constant time (crypto.timingSafeEqual) over the received length.
 */
import { timingSafeEqual } from 'node:crypto';
import { DariError } from '../../errors';
import { aesCbcEncrypt, aesEncrypt, desCbcEncrypt, desDecrypt, desEncrypt, xor } from './primitives';

export type MacPadding = 1 | 2;

/** ISO/IEC 9797-1 padding method 1 or 2 to a multiple of `block` bytes. */
export function padIso9797(data: Buffer, method: MacPadding, block = 8): Buffer {
  if (method === 1) {
    const len = data.length === 0 ? block : Math.ceil(data.length / block) * block;
    const out = Buffer.alloc(len);
    data.copy(out);
    return out;
  }
  const out = Buffer.alloc((Math.floor(data.length / block) + 1) * block);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

/** ISO/IEC 9797-1 MAC algorithm 3 (or 1 with an 8-byte key): the full 8-byte MAC. */
export function retailMac(key: Buffer, data: Buffer, padding: MacPadding): Buffer {
  if (key.length !== 8 && key.length !== 16) throw new DariError('DARI_HSM_KEY_INVALID', `a retail MAC key must be 8 or 16 bytes, not ${key.length}`);
  const kl = key.subarray(0, 8);
  const chained = desCbcEncrypt(kl, padIso9797(data, padding));
  const h = chained.subarray(chained.length - 8);
  if (key.length === 8) return Buffer.from(h);
  return desEncrypt(kl, desDecrypt(key.subarray(8, 16), h));
}

/** RFC 4493 subkey: shift left one bit, XOR 0x87 into the last byte when the top bit fell off. */
function cmacSubkey(l: Buffer): Buffer {
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) out[i] = (((l[i] as number) << 1) | (i < 15 ? (l[i + 1] as number) >> 7 : 0)) & 0xff;
  if (((l[0] as number) & 0x80) !== 0) out[15] = (out[15] as number) ^ 0x87;
  return out;
}

/** AES-CMAC (RFC 4493): the full 16-byte tag. */
export function aesCmac(key: Buffer, data: Buffer): Buffer {
  const k1 = cmacSubkey(aesEncrypt(key, Buffer.alloc(16)));
  const complete = data.length > 0 && data.length % 16 === 0;
  let m: Buffer;
  if (complete) {
    m = Buffer.from(data);
    xor(m.subarray(m.length - 16), k1).copy(m, m.length - 16);
  } else {
    const k2 = cmacSubkey(k1);
    m = padIso9797(data, 2, 16);
    xor(m.subarray(m.length - 16), k2).copy(m, m.length - 16);
  }
  const chained = aesCbcEncrypt(key, m);
  return chained.subarray(chained.length - 16);
}

/** Constant-time comparison of a received MAC (any truncation of 4 bytes or more) with a computed one. */
export function macEquals(computed: Buffer, received: Buffer): boolean {
  if (received.length < 4 || received.length > computed.length) return false;
  return timingSafeEqual(computed.subarray(0, received.length), received);
}
