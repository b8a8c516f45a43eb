/** SoftwareHsm: ARQC verdicts per CVN on public vectors, negative cases, PIN translation, MACs, and no key leaks. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { encodeTlv } from '../../../src/codec/iso8583/tlv';
import { DariError } from '../../../src/errors';
import { SoftwareHsm, type ArqcRequest } from '../../../src/security/hsm/hsm';
import type { CvnId } from '../../../src/security/hsm/emv';
import { decodePinBlock, encodePinBlock } from '../../../src/security/hsm/pin-block';
import { FIXTURES } from '../../support/paths';

const H = (s: string): Buffer => Buffer.from(s, 'hex');
const code = (c: string) => (e: unknown): boolean => e instanceof DariError && e.code === c;

interface CvnVector {
  source: string; cvn: CvnId; imk: string; pan: string; psn: string; tags: Record<string, string>; arqc: string;
  arpc: { method: 1; arc: string; value: string } | { method: 2; csu: string; value: string };
}
const CVN: CvnVector[] = JSON.parse(readFileSync(join(FIXTURES, 'emv', 'vectors.json'), 'utf8')).cvn;

/** Field 55 as the acquirer sends it: the signed tags plus 9F26 (the cryptogram) and 9F27 = 80 (ARQC). */
function field55(tags: Record<string, string>, extra: Record<string, string> = {}): Buffer {
  const all = { '9F27': '80', ...tags, ...extra };
  return H(encodeTlv(Object.entries(all).filter(([, v]) => v !== '').map(([tag, value]) => ({ tag, value }))));
}

describe('SoftwareHsm', () => {
  const hsm = new SoftwareHsm({ masterKey: Buffer.alloc(32, 0x5a) });
  const imkIds = new Map<string, string>();
  for (const v of CVN) {
    if (!imkIds.has(v.imk)) imkIds.set(v.imk, hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: H(v.imk) }).id);
  }
  const request = (v: CvnVector, extra: Record<string, string> = {}, over: Partial<ArqcRequest> = {}): ArqcRequest => ({
    imkId: imkIds.get(v.imk) as string, pan: v.pan, psn: v.psn, cvn: v.cvn, icc: field55(v.tags, { '9F26': v.arqc, ...extra }), ...over,
  });

  it('verifies the published ARQC of every CVN and returns the published ARPC', () => {
    for (const v of CVN) {
      const arpc = v.arpc.method === 1 ? { method: 1 as const, arc: v.arpc.arc } : { method: 2 as const, csu: v.arpc.csu };
      const verdict = hsm.verifyArqc(request(v, {}, { arpc }));
      assert.deepEqual(verdict, { ok: true, atc: H(v.tags['9F36'] as string).readUInt16BE(0), arqc: v.arqc, arpc: v.arpc.value }, `${v.cvn}: ${v.source}`);
    }
  });

  describe('refuses', () => {
    const v18 = CVN.find((v) => v.cvn === 'visa18') as CvnVector;
    const mc17 = CVN.find((v) => v.cvn === 'mc17') as CvnVector;

    it('a tampered 9F10 (CVR bit, counters)', () => {
      assert.equal(hsm.verifyArqc(request(v18, { '9F10': '06011203A0B801' })).reason, 'CRYPTOGRAM_MISMATCH');
      assert.equal(hsm.verifyArqc(request(mc17, { '9F10': '0111A00003220000000000000000000323FF' })).reason, 'CRYPTOGRAM_MISMATCH');
    });

    it('a 9F10 that names another CVN than the one asked', () => {
      assert.equal(hsm.verifyArqc(request(v18, {}, { cvn: 'visa10' })).reason, 'BAD_DATA');
    });

    it('a wrong ATC, amount or unpredictable number', () => {
      assert.deepEqual(hsm.verifyArqc(request(v18, { '9F36': '001D' })), { ok: false, reason: 'CRYPTOGRAM_MISMATCH', atc: 0x1d, arqc: v18.arqc });
      assert.equal(hsm.verifyArqc(request(v18, { '9F02': '000000004001' })).reason, 'CRYPTOGRAM_MISMATCH');
      assert.equal(hsm.verifyArqc(request(mc17, { '9F37': 'ABCDEF13' })).reason, 'CRYPTOGRAM_MISMATCH');
    });

    it('a cryptogram that is not an ARQC (9F27 = 40, TC; 00, AAC)', () => {
      assert.equal(hsm.verifyArqc(request(v18, { '9F27': '40' })).reason, 'NOT_ARQC');
      assert.equal(hsm.verifyArqc(request(v18, { '9F27': '00' })).reason, 'NOT_ARQC');
    });

    it('missing tags: 9F26, 9F27, 9F36, 9F10', () => {
      for (const t of ['9F26', '9F27', '9F36', '9F10']) assert.equal(hsm.verifyArqc(request(v18, { [t]: '' })).reason, 'MISSING_TAG', t);
    });

    it('a wrong key (another IMK) and an unknown key id', () => {
      const other = hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: H('FEDCBA98765432100123456789ABCDEF') }).id;
      assert.equal(hsm.verifyArqc(request(v18, {}, { imkId: other })).reason, 'CRYPTOGRAM_MISMATCH');
      assert.deepEqual(hsm.verifyArqc(request(v18, {}, { imkId: 'nope' })), { ok: false, reason: 'UNKNOWN_KEY', atc: 0x1c, arqc: v18.arqc });
    });

    it('a wrong PAN or PSN, and malformed input', () => {
      assert.equal(hsm.verifyArqc(request(v18, {}, { pan: '1234567890123457' })).reason, 'CRYPTOGRAM_MISMATCH');
      assert.equal(hsm.verifyArqc(request(v18, {}, { psn: '01' })).reason, 'CRYPTOGRAM_MISMATCH');
      assert.equal(hsm.verifyArqc(request(v18, {}, { pan: '12AB' })).reason, 'BAD_DATA');
      assert.deepEqual(hsm.verifyArqc(request(v18, {}, { icc: H('9F2608AABB') })), { ok: false, reason: 'BAD_DATA', atc: -1, arqc: '' });
      assert.equal(hsm.verifyArqc(request(v18, { '9F26': 'AABB' })).reason, 'BAD_DATA');
      assert.equal(hsm.verifyArqc(request(v18, {}, { arpc: { method: 2, csu: 'XYZ' } })).reason, 'BAD_DATA');
    });

    it('a key of another type is a coded error, not a verdict (DARI_HSM_KEY_USAGE)', () => {
      const zpk = hsm.generateKey({ type: 'zpk', algorithm: 'tdes' }).id;
      assert.throws(() => hsm.verifyArqc(request(v18, {}, { imkId: zpk })), code('DARI_HSM_KEY_USAGE'));
    });
  });

  it('PIN: encrypt, verify and translate by key id; the format follows the key (3DES: 0, AES: 4)', () => {
    const zpk1 = H('0123456789ABCDEFFEDCBA9876543210');
    const zpk2 = H('C1D0F8FB4958670DBA40AB1F3752EF0D');
    const a = hsm.importClearKey({ type: 'zpk', algorithm: 'tdes', key: zpk1, id: 'zpk-acquirer' });
    const b = hsm.importClearKey({ type: 'zpk', algorithm: 'aes', key: zpk2, id: 'zpk-partner' });
    const pan = '432198765432109870';
    // ep2 eft/pos 2000 Security Specification 8.0.0, 8.4: the published format 4 block for PIN 1234.
    const ep2 = H('CC17F65586BFD0953010226C4FC5B3CA');
    assert.equal(hsm.verifyPin({ zpkId: b.id, pinBlock: ep2, pan, pin: '1234' }), true);
    assert.equal(hsm.verifyPin({ zpkId: b.id, pinBlock: ep2, pan, pin: '1235' }), false);
    const to0 = hsm.translatePin({ fromKeyId: b.id, toKeyId: a.id, pinBlock: ep2, pan });
    assert.equal(decodePinBlock(zpk1, 0, to0, pan), '1234');
    const to4 = hsm.translatePin({ fromKeyId: a.id, toKeyId: b.id, pinBlock: encodePinBlock(zpk1, 0, '4321', pan), pan });
    assert.equal(decodePinBlock(zpk2, 4, to4, pan), '4321');
    assert.equal(decodePinBlock(zpk2, 4, hsm.encryptPin({ zpkId: b.id, pin: '777777', pan }), pan), '777777');
    assert.throws(() => hsm.translatePin({ fromKeyId: a.id, toKeyId: b.id, pinBlock: H('0000000000000000'), pan }), code('DARI_HSM_PIN_INVALID'));
    assert.throws(() => hsm.translatePin({ fromKeyId: a.id, toKeyId: 'nope', pinBlock: to0, pan }), code('DARI_HSM_KEY_UNKNOWN'));
    assert.throws(() => hsm.encryptPin({ zpkId: imkIds.values().next().value as string, pin: '1234', pan }), code('DARI_HSM_KEY_USAGE'));
  });

  it('MAC by key id: retail MAC for a 3DES key (psec vector), AES-CMAC for an AES key (RFC 4493)', () => {
    const t = hsm.importClearKey({ type: 'mac', algorithm: 'tdes', key: Buffer.concat([Buffer.alloc(8, 0x41), Buffer.alloc(8, 0x42)]), id: 'tak-1' });
    const mac = hsm.generateMac({ keyId: t.id, data: Buffer.from('hello world') });
    assert.equal(mac.toString('hex').toUpperCase(), '3DDE5C5511661CBF');
    assert.equal(hsm.verifyMac({ keyId: t.id, data: Buffer.from('hello world'), mac: mac.subarray(0, 4) }), true);
    assert.equal(hsm.verifyMac({ keyId: t.id, data: Buffer.from('hello worle'), mac }), false);
    const c = hsm.importClearKey({ type: 'mac', algorithm: 'aes', key: H('2b7e151628aed2a6abf7158809cf4f3c'), id: 'mac-aes' });
    assert.equal(hsm.generateMac({ keyId: c.id, data: H('6bc1bee22e409f96e93d7e117393172a') }).toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c');
  });

  it('no clear key in JSON.stringify, util.inspect (even with hidden fields), own keys, errors or warnings', () => {
    const clear = ['0123456789ABCDEFFEDCBA9876543210', 'C1D0F8FB4958670DBA40AB1F3752EF0D', '2B7E151628AED2A6ABF7158809CF4F3C', '4141414141414141'];
    const seen: string[] = [JSON.stringify(hsm), inspect(hsm), inspect(hsm, { showHidden: true, depth: null }), JSON.stringify(Object.getOwnPropertyNames(hsm)), JSON.stringify(hsm.listKeys())];
    const failing: (() => unknown)[] = [
      () => hsm.importClearKey({ type: 'zpk', algorithm: 'tdes', key: H('0123456789ABCDEFFEDCBA9876543210'), kcv: '000000' }),
      () => hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: H('0123456789ABCDEFFEDCBA98765432'), id: 'short' }),
      () => hsm.translatePin({ fromKeyId: 'zpk-acquirer', toKeyId: 'zpk-partner', pinBlock: H('0123456789ABCDEF'), pan: '432198765432109870' }),
      () => hsm.importKey({ type: 'zpk', algorithm: 'aes', wrapped: H('C1D0F8FB4958670DBA40AB1F3752EF0D0123456789ABCDEF'), zmkId: 'zpk-partner' }),
    ];
    for (const f of failing) {
      try {
        f();
        assert.fail('should have thrown');
      } catch (e) {
        assert.ok(e instanceof DariError, String(e));
        seen.push(e.message, JSON.stringify(e), inspect(e));
      }
    }
    const all = seen.join('\n').toUpperCase();
    for (const k of clear) assert.ok(!all.includes(k), `clear key ${k.slice(0, 4)}... leaked`);
    assert.deepEqual(Object.keys(hsm), [], 'no enumerable state');
  });
});
