/**
 * EMV Book 2 annex A1 on public vectors (fixtures/emv/vectors.json names the source of each).
 * Where a CVN has no public ARQC vector (Visa CVN 22, AES) the expectation is built by a naive
 * helper below from node:crypto directly, never by the production code.
 */
import { strict as assert } from 'node:assert';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import {
  arpcMethod1, arpcMethod2, arqcInputFromIcc, atcFromIcc, computeArqc, computeArqcAes, cvnFromIad, cvnKeys,
  deriveIccMasterKey, deriveIccMasterKeyAes, deriveSessionKeyCommon, deriveSessionKeyCommonAes,
  deriveSessionKeyMastercard, expectedArqc, parseIcc, type CvnId,
} from '../../../src/security/hsm/emv';
import { keyCheckValue } from '../../../src/security/hsm/keys';
import { FIXTURES } from '../../support/paths';

const H = (s: string): Buffer => Buffer.from(s, 'hex');
const X = (b: Buffer): string => b.toString('hex').toUpperCase();

interface CvnVector {
  source: string; cvn: CvnId; imk: string; pan: string; psn: string; tags: Record<string, string>;
  mkKcv?: string; skKcv?: string; arqc: string;
  arpc: { method: 1; arc: string; value: string } | { method: 2; csu: string; value: string };
}
const V = JSON.parse(readFileSync(join(FIXTURES, 'emv', 'vectors.json'), 'utf8')) as {
  masterKeys: { source: string; imk: string; pan: string; psn: string; option: 'a' | 'b'; mk?: string; kcv?: string }[];
  chains: {
    source: string; imk: string; pan: string; psn: string; option: 'a' | 'b'; r: string; skKcv: string; data: string; padding: 'emv' | 'visa'; arqc: string;
    arpc1?: { arc: string; arpc: string }; arpc1sk?: { arc: string; arpc: string }; arpc2?: { csu: string; prop: string; arpc: string };
  }[];
  sessionKeys: { source: string; mk: string; atc: string; sk: string }[];
  cryptograms: { source: string; sk: string; data?: string; padding?: 'emv' | 'visa'; arqc?: string; arqcIn?: string; arc?: string; arpc1?: string; csu?: string; arpc2?: string }[];
  cvn: CvnVector[];
  cdolInputs: { source: string; cvn: CvnId; tags: Record<string, string>; input: string }[];
};

const iccMap = (tags: Record<string, string>): Map<string, Buffer> => new Map(Object.entries(tags).map(([t, v]) => [t, H(v)]));

/** Naive single-DES/3DES/AES block operations straight from node:crypto, for the independent paths. */
function ecb(alg: string, key: Buffer, data: Buffer, decrypt = false): Buffer {
  const c = decrypt ? createDecipheriv(alg, key, null) : createCipheriv(alg, key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}
const des = (k: Buffer, b: Buffer, d = false): Buffer => ecb('des-ede3-ecb', Buffer.concat([k, k, k]), b, d);

/** ISO 9797-1 MAC algorithm 3, padding method 2, written out block by block (test helper). */
function naiveRetailMac(key: Buffer, data: Buffer): Buffer {
  const padded = Buffer.concat([data, Buffer.from([0x80]), Buffer.alloc(7 - (data.length % 8))]);
  const kl = key.subarray(0, 8);
  let h: Buffer = Buffer.alloc(8);
  for (let i = 0; i < padded.length; i += 8) {
    const x = Buffer.alloc(8);
    for (let j = 0; j < 8; j++) x[j] = (h[j] as number) ^ (padded[i + j] as number);
    h = des(kl, x);
  }
  return des(kl, des(key.subarray(8, 16), h, true));
}

describe('EMV cryptograms (Book 2 annex A1)', () => {
  it('ICC master key, options A and B (pyemv vectors)', () => {
    for (const v of V.masterKeys) {
      const mk = deriveIccMasterKey(H(v.imk), v.pan, v.psn, v.option);
      if (v.mk) assert.equal(X(mk), v.mk, v.source);
      if (v.kcv) assert.ok(keyCheckValue('tdes', mk).startsWith(v.kcv), v.source);
    }
  });

  it('common session key from an ATC (pyemv)', () => {
    for (const v of V.sessionKeys) assert.equal(X(deriveSessionKeyCommon(H(v.mk), H(v.atc))), v.sk, v.source);
  });

  it('master key -> session key -> ARQC -> ARPC chains (pyemv test_kd_hsm / test_ac_hsm)', () => {
    for (const v of V.chains) {
      const mk = deriveIccMasterKey(H(v.imk), v.pan, v.psn, v.option);
      const sk = deriveSessionKeyCommon(mk, H(v.r));
      assert.ok(keyCheckValue('tdes', sk).startsWith(v.skKcv), v.source);
      const arqc = computeArqc(sk, H(v.data), v.padding);
      assert.equal(X(arqc), v.arqc, v.source);
      if (v.arpc1) assert.equal(X(arpcMethod1(mk, arqc, H(v.arpc1.arc))), v.arpc1.arpc, v.source);
      if (v.arpc1sk) assert.equal(X(arpcMethod1(sk, arqc, H(v.arpc1sk.arc))), v.arpc1sk.arpc, v.source);
      if (v.arpc2) assert.equal(X(arpcMethod2(sk, arqc, H(v.arpc2.csu), H(v.arpc2.prop))), v.arpc2.arpc, v.source);
    }
  });

  it('ARQC and ARPC on given session keys (pyemv ac.py)', () => {
    for (const v of V.cryptograms) {
      const sk = H(v.sk);
      const arqc = v.data !== undefined ? computeArqc(sk, H(v.data), v.padding ?? 'emv') : H(v.arqcIn as string);
      if (v.arqc) assert.equal(X(arqc), v.arqc, v.source);
      if (v.arpc1) assert.equal(X(arpcMethod1(sk, arqc, H(v.arc as string))), v.arpc1, v.source);
      if (v.arpc2) assert.equal(X(arpcMethod2(sk, arqc, H(v.csu as string))), v.arpc2, v.source);
    }
  });

  it('per CVN, from field 55 tags: keys, ARQC and ARPC (pyemv test_cvn_hsm, cvn.py)', () => {
    for (const v of V.cvn) {
      const icc = iccMap(v.tags);
      const p = { imk: H(v.imk), pan: v.pan, psn: v.psn, cvn: v.cvn, icc };
      const { mk, sk } = cvnKeys(p);
      if (v.mkKcv) assert.ok(keyCheckValue('tdes', mk).startsWith(v.mkKcv), `${v.cvn} MK KCV: ${v.source}`);
      if (v.skKcv) assert.ok(keyCheckValue('tdes', sk).startsWith(v.skKcv), `${v.cvn} SK KCV: ${v.source}`);
      const arqc = expectedArqc(p);
      assert.equal(X(arqc), v.arqc, `${v.cvn}: ${v.source}`);
      const arpc = v.arpc.method === 1 ? arpcMethod1(v.cvn === 'mc20' ? sk : mk, arqc, H(v.arpc.arc)) : arpcMethod2(sk, arqc, H(v.arpc.csu));
      assert.equal(X(arpc), v.arpc.value, `${v.cvn} ARPC: ${v.source}`);
      assert.equal(atcFromIcc(icc), H(v.tags['9F36'] as string).readUInt16BE(0));
    }
  });

  it('the data the card signed, read from field 55 by the 9F10 layout (jPOS data builder tests)', () => {
    for (const v of V.cdolInputs) assert.equal(X(arqcInputFromIcc(v.cvn, iccMap(v.tags))), v.input, v.source);
  });

  it('Visa CVN 22 (no public ARQC vector): CVN 18 algorithm over the whole format-2 9F10, checked against a naive MAC', () => {
    // Session key: the common derivation of the pyemv CVN 18 vector (same IMK, PAN, ATC 001C: SK KCV 22C8).
    const tags = { ...(V.cvn.find((c) => c.cvn === 'visa18') as CvnVector).tags, '9F10': '1F22010300000000000000000000000000000000000000000000000000000000' };
    const p = { imk: H('0123456789ABCDEFFEDCBA9876543210'), pan: '1234567890123456', psn: '00', cvn: 'visa22' as const, icc: iccMap(tags) };
    const { sk } = cvnKeys(p);
    assert.ok(keyCheckValue('tdes', sk).startsWith('22C8'));
    const d = Buffer.concat(['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37', '82', '9F36', '9F10'].map((t) => H(tags[t as keyof typeof tags])));
    assert.equal(X(expectedArqc(p)), X(naiveRetailMac(sk, d)));
  });

  it('AES variants (no public vector): master key, session key and CMAC ARQC against node:crypto composed by hand', () => {
    const imk = H('000102030405060708090A0B0C0D0E0F');
    // Y = PAN || PSN left padded to 32 digits: 1234567890123456 || 00.
    const y2 = H('00000000000000123456789012345600');
    const mk = deriveIccMasterKeyAes(imk, '1234567890123456', '00');
    assert.equal(X(mk), X(ecb('aes-128-ecb', imk, y2)));
    const imk256 = Buffer.concat([imk, imk]);
    const mk256 = deriveIccMasterKeyAes(imk256, '1234567890123456', '00');
    const inv = Buffer.from(y2.map((b) => b ^ 0xff));
    assert.equal(X(mk256), X(ecb('aes-256-ecb', imk256, Buffer.concat([y2, inv]))));
    const sk = deriveSessionKeyCommonAes(mk, H('001C'));
    assert.equal(X(sk), X(ecb('aes-128-ecb', mk, H('001C0000000000000000000000000000'))));
    // AES-CMAC itself is checked on RFC 4493 in mac.spec.ts; here: the leftmost 8 bytes are the cryptogram.
    assert.equal(computeArqcAes(H('2B7E151628AED2A6ABF7158809CF4F3C'), H('6BC1BEE22E409F96E93D7E117393172A')).toString('hex'), '070a16b46b4d4144');
  });

  it('Mastercard session key: R = ATC || 00 00 || UN (pyemv CVN 16 SK KCV 2FD5)', () => {
    const mk = deriveIccMasterKey(H('0123456789ABCDEFFEDCBA9876543210'), '1234567890123456', '00', 'a');
    assert.ok(keyCheckValue('tdes', deriveSessionKeyMastercard(mk, H('001C'), H('ABCDEF12'))).startsWith('2FD5'));
  });

  it('reads the CVN a 9F10 declares', () => {
    assert.equal(cvnFromIad(H('06011203A0B800')), 'visa18');
    assert.equal(cvnFromIad(H('06010A03A06010')), 'visa10');
    assert.equal(cvnFromIad(H('1F22010300000000000000000000000000000000000000000000000000000000')), 'visa22');
    assert.equal(cvnFromIad(H('0110A00003220000000000000000000000FF')), 'mc16');
    assert.equal(cvnFromIad(H('0111A00003220000000000000000000322FF')), 'mc17');
    assert.equal(cvnFromIad(H('1501850440B100000000B00000000000000000000000')), undefined, 'Interac CVN 133 is not one of ours');
  });

  describe('tampering and bad input', () => {
    const base = V.cvn.find((c) => c.cvn === 'visa18') as CvnVector;
    const mc = V.cvn.find((c) => c.cvn === 'mc17') as CvnVector;
    const arqcOf = (v: CvnVector, tags: Record<string, string>): string =>
      X(expectedArqc({ imk: H(v.imk), pan: v.pan, psn: v.psn, cvn: v.cvn, icc: iccMap(tags) }));

    it('any change to 9F10 (CVR, counters, IDD) changes the cryptogram', () => {
      assert.notEqual(arqcOf(base, { ...base.tags, '9F10': '06011203A0B801' }), base.arqc, 'Visa CVR');
      assert.notEqual(arqcOf(mc, { ...mc.tags, '9F10': '0111A00003220000000000000000000323FF' }), mc.arqc, 'M/Chip counters');
      assert.notEqual(arqcOf(mc, { ...mc.tags, '9F10': '0111A00103220000000000000000000322FF' }), mc.arqc, 'M/Chip CVR');
    });

    it('a different ATC changes the session key and the cryptogram', () => {
      assert.notEqual(arqcOf(base, { ...base.tags, '9F36': '001D' }), base.arqc);
    });

    it('a 9F10 that declares another CVN is refused (DARI_HSM_BAD_DATA)', () => {
      assert.throws(() => arqcInputFromIcc('visa10', iccMap(base.tags)), (e: DariError) => e.code === 'DARI_HSM_BAD_DATA' && /CVN visa10/.test(e.message));
      assert.throws(() => arqcInputFromIcc('mc16', iccMap(mc.tags)), (e: DariError) => e.code === 'DARI_HSM_BAD_DATA');
      assert.throws(() => arqcInputFromIcc('visa22', iccMap(base.tags)), (e: DariError) => e.code === 'DARI_HSM_BAD_DATA' && /format 2/.test(e.message));
    });

    it('a missing tag is DARI_HSM_MISSING_TAG; a tag of the wrong length is DARI_HSM_BAD_DATA; 9F03 may be absent', () => {
      const { '9F37': _un, ...noUn } = base.tags;
      void _un;
      assert.throws(() => arqcInputFromIcc('visa18', iccMap(noUn)), (e: DariError) => e.code === 'DARI_HSM_MISSING_TAG' && /9F37/.test(e.message));
      assert.throws(() => arqcInputFromIcc('visa18', iccMap({ ...base.tags, '9F02': '00000000400000' })), (e: DariError) => e.code === 'DARI_HSM_BAD_DATA' && /9F02/.test(e.message));
      const { '9F03': _other, ...noOther } = base.tags;
      void _other;
      assert.equal(arqcOf(base, noOther), base.arqc, 'absent 9F03 is zero, as the terminal put it in CDOL1');
    });

    it('bad keys, PANs, PSNs and lengths are coded errors', () => {
      const imk = H('0123456789ABCDEFFEDCBA9876543210');
      const code = (f: () => unknown, c: string): void => assert.throws(f, (e: DariError) => e instanceof DariError && e.code === c);
      code(() => deriveIccMasterKey(imk.subarray(0, 8), '1234567890123456', '00', 'a'), 'DARI_HSM_KEY_INVALID');
      code(() => deriveIccMasterKey(imk, '12345A7890123456', '00', 'a'), 'DARI_HSM_BAD_DATA');
      code(() => deriveIccMasterKey(imk, '1234567890123456', '0', 'a'), 'DARI_HSM_BAD_DATA');
      code(() => deriveSessionKeyCommon(imk, H('001C00')), 'DARI_HSM_BAD_DATA');
      code(() => deriveSessionKeyMastercard(imk, H('001C'), H('ABCDEF')), 'DARI_HSM_BAD_DATA');
      code(() => arpcMethod1(imk, H('00'), H('0000')), 'DARI_HSM_BAD_DATA');
      code(() => arpcMethod2(imk, H('0011223344556677'), H('00000000'), Buffer.alloc(9)), 'DARI_HSM_BAD_DATA');
      code(() => computeArqc(H('0011223344556677'), H('00'), 'emv'), 'DARI_HSM_KEY_INVALID');
      code(() => deriveIccMasterKeyAes(imk.subarray(0, 10), '1234567890123456', '00'), 'DARI_HSM_KEY_INVALID');
      code(() => deriveSessionKeyCommonAes(imk, H('01')), 'DARI_HSM_BAD_DATA');
      code(() => parseIcc(H('9F2608')), 'DARI_HSM_BAD_DATA');
      code(() => parseIcc(H('9F360100' + '9F360100')), 'DARI_HSM_BAD_DATA');
    });
  });
});
