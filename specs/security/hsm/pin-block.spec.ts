/** ISO 9564-1 PIN blocks, formats 0 and 4, on published vectors (psec, ep2, EFTlab). */
import { strict as assert } from 'node:assert';
import { createDecipheriv } from 'node:crypto';
import { DariError } from '../../../src/errors';
import { clearPinBlock0, decodePinBlock, encodePinBlock, readClearPinBlock0, translatePinBlock } from '../../../src/security/hsm/pin-block';

const H = (s: string): Buffer => Buffer.from(s, 'hex');
const X = (b: Buffer): string => b.toString('hex').toUpperCase();
const code = (c: string) => (e: unknown): boolean => e instanceof DariError && e.code === c;

const ZPK3DES = H('0123456789ABCDEFFEDCBA9876543210');

describe('PIN blocks (ISO 9564-1)', () => {
  it('format 0 clear blocks (psec tests/test_pinblock.py; EFTlab "Complete list of PIN blocks" ISO-0 example)', () => {
    assert.equal(X(clearPinBlock0('1234', '5555555551234567')), '041261AAAAEDCBA9');
    assert.equal(X(clearPinBlock0('123456789012', '5555555551234567')), '0C1261032D8226A9');
    assert.equal(X(clearPinBlock0('1234', '43219876543210987')), '0412AC89ABCDEF67');
    assert.equal(X(clearPinBlock0('1234', '5544332211009966')), '041277CDDEEFF669');
    for (const [pin, block] of [['1234', '041261AAAAEDCBA9'], ['123456789', '091261032D8DCBA9'], ['1234567890', '0A1261032D82CBA9'], ['123456789012', '0C1261032D8226A9']] as const) {
      assert.equal(readClearPinBlock0(H(block), '5555555551234567'), pin);
    }
  });

  it('format 0 under a 3DES ZPK is 3DES-ECB of the clear block (checked by decrypting with node:crypto)', () => {
    const block = encodePinBlock(ZPK3DES, 0, '1234', '5555555551234567');
    const d = createDecipheriv('des-ede-ecb', ZPK3DES, null);
    d.setAutoPadding(false);
    assert.equal(X(Buffer.concat([d.update(block), d.final()])), '041261AAAAEDCBA9');
    assert.equal(decodePinBlock(ZPK3DES, 0, block, '5555555551234567'), '1234');
  });

  it('format 0 bad blocks (psec decode exceptions): control, length, fill, digits', () => {
    for (const b of ['241261AAAAEDCBA9', '0F1261AAAAEDCBA9', '021261AAAAEDCBA9', '041261AAAAEDCBAA', '051261AAAAEDCBA9']) {
      assert.throws(() => readClearPinBlock0(H(b), '5555555551234567'), code('DARI_HSM_PIN_INVALID'), b);
    }
    assert.throws(() => readClearPinBlock0(H('041261AAAAEDCB'), '5555555551234567'), code('DARI_HSM_PIN_INVALID'));
  });

  it('format 4 under AES (psec tests/test_pinblock.py deterministic vector, random fill FF x 8)', () => {
    assert.equal(X(encodePinBlock(H('00112233445566778899AABBCCDDEEFF'), 4, '1234', '1234567890123456789', Buffer.alloc(8, 0xff))), '28B41FDDD29B743E93124BD8E32D921E');
  });

  it('format 4 decipher: ep2 eft/pos 2000 Security Specification 8.0.0 section 8.4, and a PAN shorter than 12 digits (psec)', () => {
    assert.equal(decodePinBlock(H('C1D0F8FB4958670DBA40AB1F3752EF0D'), 4, H('CC17F65586BFD0953010226C4FC5B3CA'), '432198765432109870'), '1234');
    assert.equal(decodePinBlock(H('00112233445566778899AABBCCDDEEFF'), 4, H('39B69B1B91FE05D48F7EF0D68EB2CBD6'), '1'), '123456');
  });

  it('format 4 bad blocks (psec decipher exceptions: control field 3, non-numeric PIN, bad fill, PIN length 3)', () => {
    const cases: [string, string, string][] = [
      ['E60B15B90ABDF14CEE337C97440F0D6E', '7D5AF4C33667A2098626027FB7A9A1B7', '4266229809609384667'],
      ['C7BBEBA16C5AD97D5866450718C03750', '2F9C910447F17293EC95DEDE1E3CA201', '8220499325458689523'],
      ['820F6C7C12355BDFF1AB6CE12E8EED89', 'CCF310A8300B46C925A86B1098089301', '939589847393485609'],
      ['4FE3F0311936FBCE44F17159F1659CF09B2BF8913BB514A1', '51334B00A6CBA3EC7B1C6F871F060AFC', '2129100799029059903'],
    ];
    for (const [k, b, pan] of cases) assert.throws(() => decodePinBlock(H(k), 4, H(b), pan), code('DARI_HSM_PIN_INVALID'), b);
  });

  it('format 4 uses fresh random fill: the same PIN gives different blocks that both decode', () => {
    const k = H('00112233445566778899AABBCCDDEEFF');
    const a = encodePinBlock(k, 4, '987654', '4761739001010119');
    const b = encodePinBlock(k, 4, '987654', '4761739001010119');
    assert.notDeepEqual(a, b);
    assert.equal(decodePinBlock(k, 4, a, '4761739001010119'), '987654');
    assert.equal(decodePinBlock(k, 4, b, '4761739001010119'), '987654');
  });

  it('translate: ZPK1 -> ZPK2 (format 0), and format 0 <-> 4 across a 3DES and an AES key', () => {
    const zpk2 = H('FEDCBA98765432100123456789ABCDEF');
    const aes = H('C1D0F8FB4958670DBA40AB1F3752EF0D');
    const pan = '432198765432109870';
    const b0 = encodePinBlock(ZPK3DES, 0, '1234', pan);
    const b0b = translatePinBlock({ from: { key: ZPK3DES, format: 0 }, to: { key: zpk2, format: 0 }, block: b0, pan });
    assert.equal(decodePinBlock(zpk2, 0, b0b, pan), '1234');
    const b4 = translatePinBlock({ from: { key: ZPK3DES, format: 0 }, to: { key: aes, format: 4 }, block: b0, pan });
    assert.equal(decodePinBlock(aes, 4, b4, pan), '1234');
    // Back from the ep2 published format 4 block to format 0.
    const back = translatePinBlock({ from: { key: aes, format: 4 }, to: { key: ZPK3DES, format: 0 }, block: H('CC17F65586BFD0953010226C4FC5B3CA'), pan });
    assert.equal(X(back), X(b0), 'format 0 is deterministic for one PIN, PAN and key');
  });

  it('bad input: PIN, PAN, key and block lengths are coded errors that carry no PIN or PAN', () => {
    const pan = '5555555551234567';
    const checks: [() => unknown, string][] = [
      [() => clearPinBlock0('123', pan), 'DARI_HSM_PIN_INVALID'],
      [() => clearPinBlock0('1234567890123', pan), 'DARI_HSM_PIN_INVALID'],
      [() => clearPinBlock0('123A', pan), 'DARI_HSM_PIN_INVALID'],
      [() => clearPinBlock0('1234', '555555555555'), 'DARI_HSM_BAD_DATA'],
      [() => encodePinBlock(H('00112233445566778899AABBCCDDEEFF'), 4, '1234', ''), 'DARI_HSM_BAD_DATA'],
      [() => encodePinBlock(H('00112233445566778899AABBCCDDEEFF'), 4, '1234', '12345678901234567890'), 'DARI_HSM_BAD_DATA'],
      [() => encodePinBlock(Buffer.alloc(8), 0, '1234', pan), 'DARI_HSM_KEY_INVALID'],
      [() => encodePinBlock(Buffer.alloc(20), 4, '1234', pan), 'DARI_HSM_KEY_INVALID'],
      [() => decodePinBlock(H('C1D0F8FB4958670DBA40AB1F3752EF0D'), 4, H('CC17F65586BFD0953010226C4FC5B3CA00'), '432198765432109870'), 'DARI_HSM_PIN_INVALID'],
    ];
    for (const [f, c] of checks) {
      assert.throws(f, (e: unknown) => e instanceof DariError && e.code === c && !/1234|5555555551234567/.test(e.message));
    }
  });
});
