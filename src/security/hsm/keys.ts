/**
 * Key types, lengths, key check values, and wrapping under a zone master key.
 *
 * Key check values (ANSI X9.24-1:2017 7.7.2 and annex A):
 *  - 3DES (and single DES): the first 3 bytes of E_K(00 x 8), the "legacy" KCV.
 *  - AES: the first 5 bytes of AES-CMAC_K(00 x 16), the CMAC-based KCV (as TR-31 / X9.143 key
 *    blocks carry it). Tools that show 3 bytes (e.g. AWS Payment Cryptography) show a prefix of
 *    the same value, so a declared KCV of 2 to 5 bytes is compared as a prefix.
 *
 * Key exchange under a ZMK: a 3DES ZMK encrypts the key with 3DES in ECB mode (each 8-byte half
 * separately, the classic "key under ZMK" form); an AES ZMK wraps it with the AES key wrap of
 * RFC 3394 (default IV A6..A6). An AES key is never wrapped under a 3DES ZMK: a key may not be
 * protected by a weaker one (ANSI X9.24-1, key hierarchy).
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { DariError } from '../../errors';
import { aesCmac } from './mac';
import { desEncrypt, tdesDecrypt, tdesEncrypt } from './primitives';

/** imk-ac: issuer master key for application cryptograms; zpk: zone PIN key; zmk: zone master key; mac: MAC key (TAK). */
export type KeyType = 'imk-ac' | 'zpk' | 'zmk' | 'mac';
export type KeyAlgorithm = 'tdes' | 'aes';

export const KEY_TYPES: readonly KeyType[] = ['imk-ac', 'zpk', 'zmk', 'mac'];
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['tdes', 'aes'];

/** Lengths in bytes each type accepts, per algorithm (EMV IMKs are double length; an 8-byte MAC key is X9.9 single DES). */
const LENGTHS: Readonly<Record<KeyType, Readonly<Record<KeyAlgorithm, readonly number[]>>>> = {
  'imk-ac': { tdes: [16], aes: [16, 24, 32] },
  zpk: { tdes: [16, 24], aes: [16, 24, 32] },
  zmk: { tdes: [16, 24], aes: [16, 24, 32] },
  mac: { tdes: [8, 16], aes: [16, 24, 32] },
};

/** What a caller may know about a key: never the key itself. */
export interface KeyInfo {
  readonly id: string;
  readonly type: KeyType;
  readonly algorithm: KeyAlgorithm;
  /** Length in bytes. */
  readonly length: number;
  /** Key check value, uppercase hex (3 bytes for 3DES, 5 for AES). */
  readonly kcv: string;
}

export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s);
}

export function isKeyAlgorithm(s: string): s is KeyAlgorithm {
  return (KEY_ALGORITHMS as readonly string[]).includes(s);
}

export function allowedLengths(type: KeyType, algorithm: KeyAlgorithm): readonly number[] {
  return LENGTHS[type][algorithm];
}

/** Throws DARI_HSM_KEY_INVALID when `length` is not allowed for this type and algorithm. */
export function checkKeyLength(type: KeyType, algorithm: KeyAlgorithm, length: number): void {
  const ok = LENGTHS[type][algorithm];
  if (!ok.includes(length)) throw new DariError('DARI_HSM_KEY_INVALID', `a ${algorithm} ${type} key must be ${ok.join(', ')} bytes, not ${length}`);
}

/** The key check value (see the module comment for the convention), uppercase hex. */
export function keyCheckValue(algorithm: KeyAlgorithm, key: Buffer): string {
  if (algorithm === 'aes') return aesCmac(key, Buffer.alloc(16)).subarray(0, 5).toString('hex').toUpperCase();
  const e = key.length === 8 ? desEncrypt(key, Buffer.alloc(8)) : tdesEncrypt(key, Buffer.alloc(8));
  return e.subarray(0, 3).toString('hex').toUpperCase();
}

/** Compare a declared KCV (2 to 5 bytes of hex) with the computed one, as a prefix, in constant time. */
export function kcvMatches(computed: string, declared: string): boolean {
  if (!/^(?:[0-9A-Fa-f]{2}){2,5}$/.test(declared)) throw new DariError('DARI_HSM_BAD_DATA', 'a KCV must be 2 to 5 bytes of hex');
  const d = Buffer.from(declared, 'hex');
  const c = Buffer.from(computed, 'hex');
  return d.length <= c.length && timingSafeEqual(c.subarray(0, d.length), d);
}

function aesWrapName(kek: Buffer): string {
  return `id-aes${kek.length * 8}-wrap`;
}

/** Encrypt `key` under a ZMK of `zmkAlgorithm` (3DES ECB, or RFC 3394 AES key wrap). */
export function wrapUnderZmk(zmk: Buffer, zmkAlgorithm: KeyAlgorithm, key: Buffer, keyAlgorithm: KeyAlgorithm): Buffer {
  if (zmkAlgorithm === 'tdes') {
    if (keyAlgorithm === 'aes') throw new DariError('DARI_HSM_KEY_USAGE', 'an AES key cannot be exported under a 3DES ZMK (weaker than the key)');
    return tdesEncrypt(zmk, key);
  }
  if (key.length < 16) throw new DariError('DARI_HSM_KEY_USAGE', 'AES key wrap (RFC 3394) needs a key of 16 bytes or more');
  const c = createCipheriv(aesWrapName(zmk), zmk, Buffer.alloc(8, 0xa6));
  return Buffer.concat([c.update(key), c.final()]);
}

/** Decrypt a key received under a ZMK. RFC 3394 unwrap checks integrity; a 3DES ECB import is checked by KCV. */
export function unwrapUnderZmk(zmk: Buffer, zmkAlgorithm: KeyAlgorithm, wrapped: Buffer, keyAlgorithm: KeyAlgorithm): Buffer {
  if (zmkAlgorithm === 'tdes') {
    if (keyAlgorithm === 'aes') throw new DariError('DARI_HSM_KEY_USAGE', 'an AES key cannot be imported under a 3DES ZMK (weaker than the key)');
    return tdesDecrypt(zmk, wrapped);
  }
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new DariError('DARI_HSM_BAD_DATA', 'an RFC 3394 wrapped key is a multiple of 8 bytes, 24 or more');
  try {
    const d = createDecipheriv(aesWrapName(zmk), zmk, Buffer.alloc(8, 0xa6));
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    throw new DariError('DARI_HSM_KCV_MISMATCH', 'the wrapped key does not unwrap under this ZMK (RFC 3394 integrity check failed)');
  }
}
