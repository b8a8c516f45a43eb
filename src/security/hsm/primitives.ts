/**
 * Block-cipher primitives for the software HSM, on node:crypto only.
 *
 * OpenSSL 3 keeps single DES in its legacy provider, which Node does not load: a single-DES block
 * operation is run as 3DES-EDE with the key repeated (E_K(D_K(E_K(x))) = E_K(x)). 3DES keys are
 * double length (K1 K2, the EMV and ISO 9564 norm) or triple length. Nothing here validates
 * parity: payment keys are checked by their KCV, not their parity bits.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DariError } from '../../errors';

function ecb(algorithm: string, key: Buffer, data: Buffer, encrypt: boolean): Buffer {
  const c = encrypt ? createCipheriv(algorithm, key, null) : createDecipheriv(algorithm, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function tdesName(key: Buffer): string {
  if (key.length === 16) return 'des-ede-ecb';
  if (key.length === 24) return 'des-ede3-ecb';
  throw new DariError('DARI_HSM_KEY_INVALID', `a 3DES key must be 16 or 24 bytes, not ${key.length}`);
}

function checkBlocks(data: Buffer, size: number): void {
  if (data.length === 0 || data.length % size !== 0) {
    throw new DariError('DARI_HSM_BAD_DATA', `data must be a non-empty multiple of ${size} bytes, not ${data.length}`);
  }
}

/** 3DES-EDE in ECB mode over whole 8-byte blocks (16- or 24-byte key). */
export function tdesEncrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 8);
  return ecb(tdesName(key), key, data, true);
}

export function tdesDecrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 8);
  return ecb(tdesName(key), key, data, false);
}

/** Single DES (8-byte key), ECB. */
export function desEncrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 8);
  if (key.length !== 8) throw new DariError('DARI_HSM_KEY_INVALID', `a DES key must be 8 bytes, not ${key.length}`);
  return ecb('des-ede3-ecb', Buffer.concat([key, key, key]), data, true);
}

export function desDecrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 8);
  if (key.length !== 8) throw new DariError('DARI_HSM_KEY_INVALID', `a DES key must be 8 bytes, not ${key.length}`);
  return ecb('des-ede3-ecb', Buffer.concat([key, key, key]), data, false);
}

/** Single-DES CBC with a zero IV: the chaining of ISO 9797-1 MAC algorithms 1 and 3. Returns every block. */
export function desCbcEncrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 8);
  const c = createCipheriv('des-ede3-cbc', Buffer.concat([key, key, key]), Buffer.alloc(8));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function aesName(key: Buffer, mode: 'ecb' | 'cbc'): string {
  if (key.length === 16 || key.length === 24 || key.length === 32) return `aes-${key.length * 8}-${mode}`;
  throw new DariError('DARI_HSM_KEY_INVALID', `an AES key must be 16, 24 or 32 bytes, not ${key.length}`);
}

/** AES in ECB mode over whole 16-byte blocks. */
export function aesEncrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 16);
  return ecb(aesName(key, 'ecb'), key, data, true);
}

export function aesDecrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 16);
  return ecb(aesName(key, 'ecb'), key, data, false);
}

/** AES-CBC with a zero IV, every block returned (the chaining inside CMAC). */
export function aesCbcEncrypt(key: Buffer, data: Buffer): Buffer {
  checkBlocks(data, 16);
  const c = createCipheriv(aesName(key, 'cbc'), key, Buffer.alloc(16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new DariError('DARI_HSM_BAD_DATA', `cannot XOR ${a.length} bytes with ${b.length}`);
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** Set each byte to odd parity (low bit adjusted), as EMV Book 2 A1.4 asks of derived DES keys. */
export function oddParity(key: Buffer): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < out.length; i++) {
    let b = (out[i] as number) & 0xfe;
    let ones = 0;
    for (let v = b; v !== 0; v >>= 1) ones += v & 1;
    if (ones % 2 === 0) b |= 1;
    out[i] = b;
  }
  return out;
}

/** Strict hex to bytes: even length, hex digits only; `what` names the input in the error. */
export function hexArg(hex: string, what: string, bytes?: number | readonly number[]): Buffer {
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(hex)) throw new DariError('DARI_HSM_BAD_DATA', `${what}: not an even number of hex digits`);
  const buf = Buffer.from(hex, 'hex');
  if (bytes !== undefined) {
    const ok = typeof bytes === 'number' ? buf.length === bytes : bytes.includes(buf.length);
    if (!ok) throw new DariError('DARI_HSM_BAD_DATA', `${what}: must be ${typeof bytes === 'number' ? bytes : bytes.join(' or ')} bytes, not ${buf.length}`);
  }
  return buf;
}

export const toHex = (b: Buffer): string => b.toString('hex').toUpperCase();
