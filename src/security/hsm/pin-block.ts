/**
 * ISO 9564-1 PIN blocks, on clear keys (the SoftwareHsm calls these with keys it holds):
 *
 *  - Format 0 (ANSI X9.8), 8 bytes, under a 3DES zone PIN key:
 *      PIN field = 0 | L | PIN | F..F (16 nibbles); PAN field = 0000 | the 12 rightmost PAN digits
 *      excluding the check digit; block = 3DES(PIN field XOR PAN field).
 *  - Format 4, 16 bytes, under an AES zone PIN key:
 *      PIN field = 4 | L | PIN | A..A (16 nibbles) | 8 random bytes;
 *      PAN field = M | PAN, where M = PAN length - 12 (PAN left padded with zeros to 12 digits when
 *      shorter), then right padded with zeros to 32 nibbles;
 *      block = AES(AES(PIN field) XOR PAN field).
 *
 * A PIN is 4 to 12 digits. Format 0 needs a PAN of at least 13 digits (12 digits besides the check
 * digit); format 4 takes 1 to 19. Errors never carry the PIN, the PAN or a key.
 */
import { randomBytes } from 'node:crypto';
import { DariError } from '../../errors';
import { aesDecrypt, aesEncrypt, tdesDecrypt, tdesEncrypt, xor } from './primitives';

export type PinBlockFormat = 0 | 4;

const pinInvalid = (message: string): DariError => new DariError('DARI_HSM_PIN_INVALID', message);

function checkPin(pin: string): void {
  if (!/^\d{4,12}$/.test(pin)) throw pinInvalid('PIN must be 4 to 12 digits');
}

function checkPan(pan: string, format: PinBlockFormat): void {
  const ok = format === 0 ? /^\d{13,19}$/.test(pan) : /^\d{1,19}$/.test(pan);
  if (!ok) throw new DariError('DARI_HSM_BAD_DATA', `PAN must be ${format === 0 ? '13' : '1'} to 19 digits for PIN block format ${format}`);
}

/** Format 0 PAN field: 0000 then the 12 rightmost digits before the check digit. */
function panField0(pan: string): Buffer {
  return Buffer.from(`0000${pan.slice(-13, -1)}`, 'hex');
}

/** Format 4 PAN field: M (length - 12, 0 when shorter) | PAN left padded to 12 digits | zeros to 32 nibbles. */
function panField4(pan: string): Buffer {
  const m = Math.max(pan.length - 12, 0);
  return Buffer.from(`${m}${pan.padStart(12, '0')}`.padEnd(32, '0'), 'hex');
}

/** The clear format 0 block (PIN field XOR PAN field), before encryption. */
export function clearPinBlock0(pin: string, pan: string): Buffer {
  checkPin(pin);
  checkPan(pan, 0);
  const pinField = Buffer.from(`0${pin.length.toString(16)}${pin}`.padEnd(16, 'F'), 'hex');
  return xor(pinField, panField0(pan));
}

/** The PIN inside a clear PIN field: control nibble, length 4-12, digits, then the fill nibble. */
function readPinField(field: Buffer, control: number, fill: string): string {
  const hex = field.toString('hex').toUpperCase();
  if (parseInt(hex[0] as string, 16) !== control) throw pinInvalid(`not a format ${control} PIN block for this key and PAN`);
  const len = parseInt(hex[1] as string, 16);
  if (len < 4 || len > 12) throw pinInvalid(`not a format ${control} PIN block for this key and PAN (bad PIN length)`);
  const pin = hex.slice(2, 2 + len);
  if (!/^\d+$/.test(pin) || hex.slice(2 + len, 16) !== fill.repeat(14 - len)) {
    throw pinInvalid(`not a format ${control} PIN block for this key and PAN (bad digits or fill)`);
  }
  return pin;
}

/** The PIN in a clear format 0 block for this PAN. */
export function readClearPinBlock0(block: Buffer, pan: string): string {
  checkPan(pan, 0);
  if (block.length !== 8) throw pinInvalid(`a format 0 PIN block is 8 bytes, not ${block.length}`);
  return readPinField(xor(block, panField0(pan)), 0, 'F');
}

function checkKey(key: Buffer, format: PinBlockFormat): void {
  const ok = format === 0 ? key.length === 16 || key.length === 24 : key.length === 16 || key.length === 24 || key.length === 32;
  if (!ok) throw new DariError('DARI_HSM_KEY_INVALID', `PIN block format ${format} needs ${format === 0 ? 'a 3DES key (16 or 24 bytes)' : 'an AES key (16, 24 or 32 bytes)'}`);
}

/**
 * Build and encrypt a PIN block. `random` (8 bytes, format 4 only) exists for published test
 * vectors; otherwise fresh random bytes are used, as ISO 9564-1 requires.
 */
export function encodePinBlock(key: Buffer, format: PinBlockFormat, pin: string, pan: string, random?: Buffer): Buffer {
  checkKey(key, format);
  if (format === 0) return tdesEncrypt(key, clearPinBlock0(pin, pan));
  checkPin(pin);
  checkPan(pan, 4);
  const rnd = random ?? randomBytes(8);
  if (rnd.length !== 8) throw new DariError('DARI_HSM_BAD_DATA', 'format 4 random fill must be 8 bytes');
  const pinField = Buffer.concat([Buffer.from(`4${pin.length.toString(16)}${pin}`.padEnd(16, 'A'), 'hex'), rnd]);
  return aesEncrypt(key, xor(aesEncrypt(key, pinField), panField4(pan)));
}

/** Decrypt a PIN block and return the PIN (DARI_HSM_PIN_INVALID when it is not a PIN block of that format for this PAN). */
export function decodePinBlock(key: Buffer, format: PinBlockFormat, block: Buffer, pan: string): string {
  checkKey(key, format);
  if (format === 0) {
    if (block.length !== 8) throw pinInvalid(`a format 0 PIN block is 8 bytes, not ${block.length}`);
    return readClearPinBlock0(tdesDecrypt(key, block), pan);
  }
  checkPan(pan, 4);
  if (block.length !== 16) throw pinInvalid(`a format 4 PIN block is 16 bytes, not ${block.length}`);
  return readPinField(aesDecrypt(key, xor(aesDecrypt(key, block), panField4(pan))).subarray(0, 8), 4, 'A');
}

/**
 * Re-encrypt a PIN block from one key (and format) to another. The PIN exists only inside this
 * call; the caller gets the new block. Format 0 to 4 and back work when the keys are of the right
 * algorithm (3DES for 0, AES for 4).
 */
export function translatePinBlock(p: {
  from: { key: Buffer; format: PinBlockFormat };
  to: { key: Buffer; format: PinBlockFormat };
  block: Buffer;
  pan: string;
}): Buffer {
  checkKey(p.to.key, p.to.format);
  if (p.to.format === 0) checkPan(p.pan, 0);
  return encodePinBlock(p.to.key, p.to.format, decodePinBlock(p.from.key, p.from.format, p.block, p.pan), p.pan);
}
