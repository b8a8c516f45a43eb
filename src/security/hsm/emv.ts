/**
 * EMV application cryptograms (EMV 4.3 Book 2 annex A1, Visa VIS, Mastercard M/Chip), on clear
 * keys: the SoftwareHsm calls these with keys it has unwrapped, and a card simulator calls them to
 * produce what a real card would. Nothing here logs or keeps a key.
 *
 *  - ICC master key: option A (A1.4.1) and option B (A1.4.2, SHA-1 of PAN || PSN for PANs longer
 *    than 16 digits), 3DES; the AES variant derives from PAN || PSN on 16 bytes.
 *  - Session key: EMV common session key derivation (A1.3.1) with R = ATC || 00 x 6, and the
 *    Mastercard variant with R = ATC || 00 00 || UN.
 *  - ARQC: ISO 9797-1 MAC algorithm 3 with padding method 2 ('emv') or 1 ('visa', CVN 10);
 *    AES-CMAC truncated to 8 bytes for AES session keys.
 *  - ARPC: method 1 (A1.2.1) and method 2 (A1.2.2).
 *
 * Per CVN (Visa VIS 1.6 appendix "CVN values"; Mastercard M/Chip 4; restated by pyemv's cvn.py
 * and jPOS's org.jpos.emv.cryptogram):
 *
 * | CVN | 9F10 layout | ICC MK | session key | padding | card-specific data | ARPC |
 * | Visa 10 (0x0A) | 06 DKI CVN CVR(4) | A | none (MK) | method 1 | CVR (4 bytes, with its length byte) | 1, MK |
 * | Visa 18 (0x12) | 06 DKI CVN CVR(4) [IDD] | B (A when PAN <= 16) | common | method 2 | all of 9F10 | 2, SK |
 * | Visa 22 (0x22) | 1F CVN DKI CVR(5) IDD (32 bytes, format 2) | B (A when PAN <= 16) | common | method 2 | all of 9F10 | 2, SK |
 * | MC 16 (0x10) | DKI CVN CVR(6) DAC(2) counters(8) [...] | A | Mastercard (UN) | method 2 | CVR (6) | 1, MK |
 * | MC 17 (0x11) | same | A | Mastercard (UN) | method 2 | CVR (6) + counters (8) | 1, MK |
 * | MC 20 (0x14) | same | A | common | method 2 | CVR (6) | 1, SK |
 *
 * Visa CVN 22 is a 3DES algorithm (VIS 1.6: same ARQC algorithm '2' as CVN 18, with IAD format 2),
 * not AES.
 */
import { createHash } from 'node:crypto';
import { DariError } from '../../errors';
import { decodeTlv, type TlvItem } from '../../codec/iso8583/tlv';
import { retailMac, aesCmac } from './mac';
import { aesEncrypt, oddParity, tdesEncrypt, xor } from './primitives';

export type CvnId = 'visa10' | 'visa18' | 'visa22' | 'mc16' | 'mc17' | 'mc20';
export const CVN_IDS: readonly CvnId[] = ['visa10', 'visa18', 'visa22', 'mc16', 'mc17', 'mc20'];

export interface CvnProfile {
  /** The CVN byte as it appears in 9F10. */
  byte: number;
  scheme: 'visa' | 'mastercard';
  mkOption: 'a' | 'b';
  skd: 'none' | 'common' | 'mastercard';
  padding: 'emv' | 'visa';
  arpcMethod: 1 | 2;
  /** Which key computes the ARPC: the ICC master key or the AC session key. */
  arpcKey: 'mk' | 'sk';
}

export const CVN_PROFILES: Readonly<Record<CvnId, Readonly<CvnProfile>>> = Object.freeze({
  visa10: { byte: 0x0a, scheme: 'visa', mkOption: 'a', skd: 'none', padding: 'visa', arpcMethod: 1, arpcKey: 'mk' },
  visa18: { byte: 0x12, scheme: 'visa', mkOption: 'b', skd: 'common', padding: 'emv', arpcMethod: 2, arpcKey: 'sk' },
  visa22: { byte: 0x22, scheme: 'visa', mkOption: 'b', skd: 'common', padding: 'emv', arpcMethod: 2, arpcKey: 'sk' },
  mc16: { byte: 0x10, scheme: 'mastercard', mkOption: 'a', skd: 'mastercard', padding: 'emv', arpcMethod: 1, arpcKey: 'mk' },
  mc17: { byte: 0x11, scheme: 'mastercard', mkOption: 'a', skd: 'mastercard', padding: 'emv', arpcMethod: 1, arpcKey: 'mk' },
  mc20: { byte: 0x14, scheme: 'mastercard', mkOption: 'a', skd: 'common', padding: 'emv', arpcMethod: 1, arpcKey: 'sk' },
});

export function isCvnId(s: string): s is CvnId {
  return (CVN_IDS as readonly string[]).includes(s);
}

const bad = (message: string): DariError => new DariError('DARI_HSM_BAD_DATA', message);

function checkPanPsn(pan: string, psn: string): void {
  if (!/^\d{8,19}$/.test(pan)) throw bad('PAN must be 8 to 19 digits');
  if (!/^\d{2}$/.test(psn)) throw bad('PAN sequence number (5F34) must be 2 digits');
}

function check3desKey(key: Buffer, what: string): void {
  if (key.length !== 16) throw new DariError('DARI_HSM_KEY_INVALID', `${what} must be a double-length 3DES key (16 bytes), not ${key.length} bytes`);
}

/** EMV Book 2 A1.4.2: the 16 decimal digits taken from SHA-1(PAN || PSN). */
function optionBDigits(pan: string, psn: string): string {
  const digits = pan + psn;
  const digest = createHash('sha1').update(Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex')).digest('hex');
  let y = digest.replace(/[a-f]/g, '').slice(0, 16);
  if (y.length < 16) {
    // Not enough decimal digits: continue with the hex letters a-f decimalised as 0-5, in order.
    const letters = digest.replace(/[0-9]/g, '').replace(/[a-f]/g, (c) => String(c.charCodeAt(0) - 97));
    y += letters.slice(0, 16 - y.length);
  }
  return y;
}

/**
 * ICC master key from the issuer master key (EMV Book 2 A1.4.1 option A, A1.4.2 option B; both
 * 3DES with a double-length IMK). Option A: Y = the rightmost 16 digits of PAN || PSN (zero
 * padded on the left). Option B applies only to PANs longer than 16 digits and falls back to
 * option A otherwise (A1.4.2). MK = 3DES(Y) || 3DES(Y XOR FF..FF), with odd parity.
 */
export function deriveIccMasterKey(imk: Buffer, pan: string, psn: string, option: 'a' | 'b'): Buffer {
  check3desKey(imk, 'issuer master key');
  checkPanPsn(pan, psn);
  const y = option === 'b' && pan.length > 16 ? optionBDigits(pan, psn) : (pan + psn).slice(-16).padStart(16, '0');
  const a = Buffer.from(y, 'hex');
  return oddParity(tdesEncrypt(imk, Buffer.concat([a, xor(a, Buffer.alloc(8, 0xff))])));
}

/**
 * AES ICC master key (EMV Book 2 A1.4.3, "option C"): Y = PAN || PSN, left padded with zeros to
 * 32 digits (16 bytes). A 128-bit master key is AES_IMK(Y); longer ones take the leftmost bytes of
 * AES_IMK(Y) || AES_IMK(Y XOR FF..FF). The master key has the length of the IMK.
 * No public vector with an expected output was found: the specs check it against the AES
 * primitive, composed by hand.
 */
export function deriveIccMasterKeyAes(imk: Buffer, pan: string, psn: string): Buffer {
  if (imk.length !== 16 && imk.length !== 24 && imk.length !== 32) throw new DariError('DARI_HSM_KEY_INVALID', `an AES issuer master key must be 16, 24 or 32 bytes, not ${imk.length}`);
  checkPanPsn(pan, psn);
  const y = Buffer.from((pan + psn).padStart(32, '0'), 'hex');
  if (imk.length === 16) return aesEncrypt(imk, y);
  return aesEncrypt(imk, Buffer.concat([y, xor(y, Buffer.alloc(16, 0xff))])).subarray(0, imk.length);
}

/** EMV common session key derivation (A1.3.1) from an 8-byte diversification value R. */
function commonSkd(mk: Buffer, r: Buffer): Buffer {
  const a = Buffer.from(r);
  a[2] = 0xf0;
  const b = Buffer.from(r);
  b[2] = 0x0f;
  return oddParity(tdesEncrypt(mk, Buffer.concat([a, b])));
}

/**
 * EMV common session key (Book 2 A1.3.1): R = ATC || 00 x 6 from a 2-byte ATC; an 8-byte value is
 * taken as R itself (other diversifications, e.g. secure messaging with R = ARQC).
 */
export function deriveSessionKeyCommon(mk: Buffer, atc: Buffer): Buffer {
  check3desKey(mk, 'ICC master key');
  if (atc.length === 2) return commonSkd(mk, Buffer.concat([atc, Buffer.alloc(6)]));
  if (atc.length === 8) return commonSkd(mk, atc);
  throw bad(`ATC must be 2 bytes (or R 8 bytes), not ${atc.length}`);
}

/** Mastercard session key (M/Chip, CVN 16/17): the common derivation with R = ATC || 00 00 || UN (9F37). */
export function deriveSessionKeyMastercard(mk: Buffer, atc: Buffer, un: Buffer): Buffer {
  check3desKey(mk, 'ICC master key');
  if (atc.length !== 2) throw bad(`ATC must be 2 bytes, not ${atc.length}`);
  if (un.length !== 4) throw bad(`unpredictable number must be 4 bytes, not ${un.length}`);
  return commonSkd(mk, Buffer.concat([atc, Buffer.alloc(2), un]));
}

/** AES common session key (A1.3.1 for AES): SK = AES_MK(ATC || 00 x 14), 128-bit keys. */
export function deriveSessionKeyCommonAes(mk: Buffer, atc: Buffer): Buffer {
  if (mk.length !== 16) throw new DariError('DARI_HSM_KEY_INVALID', `an AES ICC master key for session keys must be 16 bytes, not ${mk.length}`);
  if (atc.length !== 2) throw bad(`ATC must be 2 bytes, not ${atc.length}`);
  return aesEncrypt(mk, Buffer.concat([atc, Buffer.alloc(14)]));
}

/** ARQC / TC / AAC over the transaction data: ISO 9797-1 MAC algorithm 3, 8 bytes. */
export function computeArqc(sk: Buffer, data: Buffer, padding: 'emv' | 'visa'): Buffer {
  check3desKey(sk, 'session key');
  return retailMac(sk, data, padding === 'emv' ? 2 : 1);
}

/** AES application cryptogram: AES-CMAC over the data, leftmost 8 bytes (Book 2 A1.2 for AES). */
export function computeArqcAes(sk: Buffer, data: Buffer): Buffer {
  return aesCmac(sk, data).subarray(0, 8);
}

/** ARPC method 1 (Book 2 A1.2.1): 3DES_K(ARQC XOR (ARC || 00 x 6)), 8 bytes. */
export function arpcMethod1(key: Buffer, arqc: Buffer, arc: Buffer): Buffer {
  check3desKey(key, 'ARPC key');
  if (arqc.length !== 8) throw bad(`ARQC must be 8 bytes, not ${arqc.length}`);
  if (arc.length !== 2) throw bad(`ARC must be 2 bytes, not ${arc.length}`);
  return tdesEncrypt(key, xor(arqc, Buffer.concat([arc, Buffer.alloc(6)])));
}

/** ARPC method 2 (Book 2 A1.2.2): MAC algorithm 3, padding 2, over ARQC || CSU || proprietary data; leftmost 4 bytes. */
export function arpcMethod2(key: Buffer, arqc: Buffer, csu: Buffer, prop: Buffer = Buffer.alloc(0)): Buffer {
  check3desKey(key, 'ARPC key');
  if (arqc.length !== 8) throw bad(`ARQC must be 8 bytes, not ${arqc.length}`);
  if (csu.length !== 4) throw bad(`CSU must be 4 bytes, not ${csu.length}`);
  if (prop.length > 8) throw bad(`proprietary authentication data must be at most 8 bytes, not ${prop.length}`);
  return retailMac(key, Buffer.concat([arqc, csu, prop]), 2).subarray(0, 4);
}

/**
 * The terminal data every CVN here signs, in CDOL1 order (EMV Book 2 A1.2 "minimum set", Book 3
 * table 26 lengths). 9F03 (amount, other) is taken as zero when absent: terminals send it only
 * when non-zero, and CDOL1 then held zeros.
 */
const BASE_TAGS: ReadonlyArray<readonly [string, number]> = [
  ['9F02', 6], ['9F03', 6], ['9F1A', 2], ['95', 5], ['5F2A', 2], ['9A', 3], ['9C', 1], ['9F37', 4], ['82', 2], ['9F36', 2],
];

function tag(icc: Map<string, Buffer>, t: string, len?: number): Buffer {
  const v = icc.get(t);
  if (v === undefined) throw new DariError('DARI_HSM_MISSING_TAG', `field 55 has no tag ${t}`);
  if (len !== undefined && v.length !== len) throw bad(`tag ${t} must be ${len} bytes, not ${v.length}`);
  return v;
}

/**
 * The card-specific part of the cryptogram input, read from 9F10 (issuer application data) by
 * the CVN's layout, after checking that 9F10 declares that CVN.
 */
function iadPart(cvn: CvnId, iad: Buffer): Buffer {
  const p = CVN_PROFILES[cvn];
  if (p.scheme === 'visa') {
    const format2 = cvn === 'visa22';
    // Format 0/1/3: byte 0 = length of the VIS part (06), byte 1 DKI, byte 2 CVN, bytes 3-6 CVR.
    // Format 2 (VIS 1.6): 32 bytes, byte 0 = 1F, byte 1 CVN, byte 2 DKI, bytes 3-7 CVR.
    if (format2 ? iad.length !== 32 || iad[0] !== 0x1f : iad.length < 7 || iad.length > 32 || iad[0] !== 0x06) {
      throw bad(`tag 9F10 is not a Visa IAD format ${format2 ? '2' : '0/1/3'}`);
    }
    if (iad[format2 ? 1 : 2] !== p.byte) throw bad(`tag 9F10 does not declare CVN ${cvn}`);
    return cvn === 'visa10' ? iad.subarray(3, 7) : iad;
  }
  // M/Chip 4 / Advance: byte 0 DKI, byte 1 CVN, bytes 2-7 CVR, 8-9 DAC/IDN, 10-17 counters (18-28 bytes).
  if (iad.length < 18 || iad.length > 32) throw bad('tag 9F10 is not a Mastercard M/Chip IAD (18 to 32 bytes)');
  if (iad[1] !== p.byte) throw bad(`tag 9F10 does not declare CVN ${cvn}`);
  return cvn === 'mc17' ? Buffer.concat([iad.subarray(2, 8), iad.subarray(10, 18)]) : iad.subarray(2, 8);
}

/** The data the card put under its cryptogram: the CDOL1 terminal data, then the CVN's part of 9F10. */
export function arqcInputFromIcc(cvn: CvnId, icc: Map<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [t, len] of BASE_TAGS) parts.push(t === '9F03' && !icc.has(t) ? Buffer.alloc(6) : tag(icc, t, len));
  parts.push(iadPart(cvn, tag(icc, '9F10')));
  return Buffer.concat(parts);
}

/** The application transaction counter (9F36) as a number. */
export function atcFromIcc(icc: Map<string, Buffer>): number {
  return tag(icc, '9F36', 2).readUInt16BE(0);
}

/** The CVN that a 9F10 value declares, when it is one of ours (Visa formats 0/1/3 and 2, M/Chip). */
export function cvnFromIad(iad: Buffer): CvnId | undefined {
  const byte = iad[0] === 0x06 ? iad[2] : iad[0] === 0x1f && iad.length === 32 ? iad[1] : iad.length >= 18 ? iad[1] : undefined;
  const scheme = iad[0] === 0x06 || iad[0] === 0x1f ? 'visa' : 'mastercard';
  return CVN_IDS.find((c) => CVN_PROFILES[c].byte === byte && CVN_PROFILES[c].scheme === scheme);
}

/**
 * Field 55 (BER-TLV) as a tag -> value map, primitive tags at any depth. A tag present twice is
 * refused: two readings of the same transaction must not disagree.
 */
export function parseIcc(tlv: Buffer): Map<string, Buffer> {
  let items: TlvItem[];
  try {
    items = decodeTlv(tlv, 55);
  } catch (e) {
    throw bad(`field 55 is not valid BER-TLV${e instanceof DariError && e.offset !== undefined ? ` (byte ${e.offset})` : ''}`);
  }
  const map = new Map<string, Buffer>();
  const walk = (list: TlvItem[]): void => {
    for (const it of list) {
      if (it.children) walk(it.children);
      else if (!(it.value === '' && (it.tag === '00' || it.tag === 'FF'))) {
        if (map.has(it.tag)) throw bad(`field 55 has tag ${it.tag} twice`);
        map.set(it.tag, Buffer.from(it.value, 'hex'));
      }
    }
  };
  walk(items);
  return map;
}

/** The ICC master key and AC session key a CVN uses for this transaction. */
export function cvnKeys(p: { imk: Buffer; pan: string; psn: string; cvn: CvnId; icc: Map<string, Buffer> }): { mk: Buffer; sk: Buffer } {
  const prof = CVN_PROFILES[p.cvn];
  const mk = deriveIccMasterKey(p.imk, p.pan, p.psn, prof.mkOption);
  const atc = tag(p.icc, '9F36', 2);
  const sk = prof.skd === 'none' ? mk
    : prof.skd === 'common' ? deriveSessionKeyCommon(mk, atc)
      : deriveSessionKeyMastercard(mk, atc, tag(p.icc, '9F37', 4));
  return { mk, sk };
}

/** The ARQC the card should have produced (also what a simulated card computes). */
export function expectedArqc(p: { imk: Buffer; pan: string; psn: string; cvn: CvnId; icc: Map<string, Buffer> }): Buffer {
  const data = arqcInputFromIcc(p.cvn, p.icc);
  return computeArqc(cvnKeys(p).sk, data, CVN_PROFILES[p.cvn].padding);
}
