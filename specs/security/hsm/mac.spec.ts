/** ISO 9797-1 MAC algorithm 3 and AES-CMAC on published vectors; the ISO 8583 MAC convention. */
import { strict as assert } from 'node:assert';
import { builtinDialect, Iso8583Codec, type Iso8583Message } from '../../../src/codec/iso8583';
import { DariError } from '../../../src/errors';
import { macFieldFor, signIso8583, verifyIso8583 } from '../../../src/security/hsm/iso8583-mac';
import { aesCmac, macEquals, padIso9797, retailMac } from '../../../src/security/hsm/mac';

const H = (s: string): Buffer => Buffer.from(s, 'hex');

describe('MACs', () => {
  it('ISO 9797-1 padding methods 1 and 2 (knovichikhin/psec tests/test_mac.py)', () => {
    assert.equal(padIso9797(H('1234'), 1).toString('hex'), '1234000000000000');
    assert.equal(padIso9797(H('1234567890123456'), 1).toString('hex'), '1234567890123456');
    assert.equal(padIso9797(H(''), 1, 4).toString('hex'), '00000000');
    assert.equal(padIso9797(H('1234'), 2).toString('hex'), '1234800000000000');
    assert.equal(padIso9797(H('12345678901234'), 2).toString('hex'), '1234567890123480');
    assert.equal(padIso9797(H('1234567890123456'), 2).toString('hex'), '12345678901234568000000000000000');
    assert.equal(padIso9797(H(''), 2, 4).toString('hex'), '80000000');
  });

  it('ISO 9797-1 MAC algorithm 3 (psec tests/test_mac.py: K = 41 x 8, K\' = 42 x 8, "hello world")', () => {
    const key = Buffer.concat([Buffer.alloc(8, 0x41), Buffer.alloc(8, 0x42)]);
    assert.equal(retailMac(key, Buffer.from('hello world'), 1).toString('hex').toUpperCase(), '3DDE5C5511661CBF');
    assert.equal(retailMac(key, Buffer.from('hello world'), 2).toString('hex').toUpperCase(), 'E16941032C3BC7D4');
  });

  it('ISO 9797-1 MAC algorithm 3 with padding 2 is the EMV ARQC (pyemv ac.py module doc)', () => {
    assert.equal(retailMac(H('29B33180E567CE38EA4CBC9D753B0E61'), H('0123456789ABCDEF0123456789ABCDEF'), 2).toString('hex').toUpperCase(), 'FA624250B008B59A');
  });

  it('an 8-byte key is MAC algorithm 1 (single-DES CBC-MAC): the alg 3 vector with K = K\' collapses to it', () => {
    const k = Buffer.alloc(8, 0x41);
    assert.deepEqual(retailMac(k, Buffer.from('hello world'), 1), retailMac(Buffer.concat([k, k]), Buffer.from('hello world'), 1));
  });

  it('AES-CMAC: RFC 4493 section 4, examples 1 to 4', () => {
    const k = H('2b7e151628aed2a6abf7158809cf4f3c');
    const m = H('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710');
    assert.equal(aesCmac(k, m.subarray(0, 0)).toString('hex'), 'bb1d6929e95937287fa37d129b756746');
    assert.equal(aesCmac(k, m.subarray(0, 16)).toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c');
    assert.equal(aesCmac(k, m.subarray(0, 40)).toString('hex'), 'dfa66747de9ae63030ca32611497c827');
    assert.equal(aesCmac(k, m).toString('hex'), '51f0bebf7e3b9d92fc49741779363cfe');
  });

  it('verification compares the received length only, and refuses fewer than 4 bytes', () => {
    const mac = H('3DDE5C5511661CBF');
    assert.equal(macEquals(mac, H('3DDE5C55')), true);
    assert.equal(macEquals(mac, H('3DDE5C56')), false);
    assert.equal(macEquals(mac, H('3DDE5C')), false);
    assert.equal(macEquals(mac, H('3DDE5C5511661CBF00')), false);
  });

  it('keys of the wrong length are DARI_HSM_KEY_INVALID', () => {
    assert.throws(() => retailMac(Buffer.alloc(24), H('00'), 1), (e: DariError) => e.code === 'DARI_HSM_KEY_INVALID');
    assert.throws(() => aesCmac(Buffer.alloc(15), H('00')), (e: DariError) => e.code === 'DARI_HSM_KEY_INVALID');
  });

  describe('ISO 8583 message MAC (field 64/128)', () => {
    const codec = new Iso8583Codec(builtinDialect('iso87binary'));
    const key = Buffer.concat([Buffer.alloc(8, 0x41), Buffer.alloc(8, 0x42)]);
    const mac = (d: Buffer): Buffer => retailMac(key, d, 1);
    const msg: Iso8583Message = { mti: '0800', fields: { 7: '0611120000', 11: '000001', 70: '301' } };

    it('the MAC field is 64, or 128 with a secondary bitmap, or 192 with a tertiary one', () => {
      assert.equal(macFieldFor({ mti: '0200', fields: { 3: '000000', 11: '1' } }), 64);
      assert.equal(macFieldFor(msg), 128);
      assert.equal(macFieldFor({ mti: '0200', fields: { 3: '000000', 130: 'x' } }), 192);
    });

    it('covers the packed bytes before the MAC field, with the MAC field bit set (computed here from the codec, not the helper)', () => {
      const { message, packed } = signIso8583(codec, msg, mac);
      const draft = codec.pack({ ...msg, fields: { ...msg.fields, 128: '0000000000000000' } });
      assert.equal(message.fields['128'], mac(draft.subarray(0, draft.length - 8)).toString('hex').toUpperCase());
      assert.deepEqual(packed.subarray(0, packed.length - 8), draft.subarray(0, draft.length - 8));
      assert.equal(verifyIso8583(codec, packed, mac), true);
    });

    it('a changed byte, a different key, or a missing MAC field fails verification', () => {
      const { packed } = signIso8583(codec, msg, mac);
      const tampered = Buffer.from(packed);
      tampered[tampered.length - 10] = (tampered[tampered.length - 10] as number) ^ 1;
      assert.equal(verifyIso8583(codec, tampered, mac), false);
      assert.equal(verifyIso8583(codec, packed, (d) => retailMac(Buffer.alloc(16, 7), d, 1)), false);
      assert.equal(verifyIso8583(codec, codec.pack(msg), mac), false);
    });
  });
});
