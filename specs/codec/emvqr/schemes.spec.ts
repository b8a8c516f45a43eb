/**
 * National scheme profiles (src/codec/emvqr/schemes.ts): recognition, the EMVCo allowances each
 * declares, its rules (validation layer 4, DARI_QR_SCHEME_RULE) and card data masking. Broken
 * payloads are public vectors with one same-length edit and the CRC computed again (./helpers edit).
 */
import { strict as assert } from 'node:assert';
import { cardDataPaths, inspectQr, maskCardData, parseQr, recogniseScheme, SCHEMES } from '../../../src/codec/emvqr';
import { base, edit, tlv, vector } from './helpers';

function rule(payload: string): { reason: string; field?: string; message: string; layer: number } {
  const v = inspectQr(payload);
  assert.equal(v.valid, false, 'expected a rejection');
  if (v.valid) throw new Error('unreachable');
  return { reason: v.reason, field: v.field, message: v.message, layer: v.layer };
}

describe('EMV QR national schemes', () => {
  it('every profile names its sources, country and currencies', () => {
    for (const s of SCHEMES) {
      assert.ok(s.sources.length > 0 && /^[A-Z]{2}$/.test(s.country) && s.currencies.every((c) => /^\d{3}$/.test(c)), s.id);
      assert.ok(s.match.length > 0, s.id);
    }
  });

  it('recogniseScheme works on the fields object, GUIDs case-insensitively', () => {
    assert.equal(recogniseScheme(parseQr(vector('qris-telkom-tip').payload))?.id, 'QRIS');
    assert.equal(recogniseScheme({ fields: { '51': { '00': 'id.co.qris.www' } } })?.id, 'QRIS');
    assert.equal(recogniseScheme({ fields: { '29': { '00': 'A000000677010111' } } })?.id, 'PROMPTPAY');
    assert.equal(recogniseScheme({ fields: { '26': { '00': 'A000000677010111' } } }), null, 'PromptPay is recognised in 29 only');
    assert.equal(recogniseScheme({ fields: { '30': { '00': 'shop@bank' } } })?.id, 'KHQR');
    assert.equal(recogniseScheme({ fields: { '30': { '00': 'shop@bank@x' } } }), null);
    assert.equal(recogniseScheme({ fields: { '40': { '00': 'D4100000014010' } } })?.id, 'KR_BCCARD');
    assert.equal(recogniseScheme({ fields: { '26': { '00': 'COM.EXAMPLE.WWW' } } }), null);
  });

  it('a payload with several recognised templates takes the scheme listed first (PayNow before SGQR)', () => {
    const p = parseQr(vector('paynow-sgqr').payload);
    assert.equal(p.scheme?.id, 'PAYNOW');
    assert.equal(p.merchantAccount?.template, '26');
  });

  it('the scheme fixes country (58) and currency (53)', () => {
    const qris = vector('qris-telkom-tip').payload;
    assert.deepEqual(rule(edit(qris, '5802ID', '5802MY')).field, '58');
    assert.deepEqual(rule(edit(qris, '5303360', '5303458')).field, '53');
    const khqr = vector('khqr-individual-usd').payload;
    const r = rule(edit(khqr, '5303840', '5303978'));
    assert.deepEqual([r.reason, r.field, r.layer], ['DARI_QR_SCHEME_RULE', '53', 4]);
    assert.match(r.message, /^KHQR: /);
  });

  it('QRIS: the NMID (51.02) is "ID" and 13 digits', () => {
    const qris = vector('qris-telkom-tip').payload;
    assert.deepEqual(rule(edit(qris, 'ID1021125405972', 'XX1021125405972')).field, '51.02');
    assert.deepEqual(rule(edit(qris, 'ID1021125405972', 'ID10211254059A2')).field, '51.02');
  });

  it('VietQR: 01 present, 38.01 a template with a 6-digit BIN and an account, a known service code', () => {
    const vn = vector('vietqr-qrpush').payload;
    assert.deepEqual(rule(edit(vn, '0006970403', '000697040A')).field, '38.01.00');
    assert.deepEqual(rule(edit(vn, 'QRPUSH', 'QRPULL')).field, '38.02');
    const notTemplate = base({ '38': tlv('00', 'A000000727') + tlv('01', 'ABCD') + tlv('02', 'QRPUSH'), '53': '704', '58': 'VN' });
    const r = rule(notTemplate);
    assert.deepEqual([r.reason, r.field], ['DARI_QR_TLV_INVALID', '38.01']);
    assert.match(r.message, /VIETQR carries data objects in 38\.01/);
  });

  it('PromptPay: proxies are 0066 + 9 digits, 13 or 15 digits; a bill payment names its biller', () => {
    assert.deepEqual(rule(edit(vector('promptpay-mobile').payload, '0066801234567', '0067801234567')).field, '29.01');
    assert.deepEqual(rule(edit(vector('promptpay-national-id').payload, '1111111111111', '111111111111A')).field, '29.02');
    const bill = base({ '30': tlv('00', 'A000000677010112') + tlv('02', 'REF1'), '53': '764', '58': 'TH' });
    assert.deepEqual(rule(bill).field, '30.01');
  });

  it('DuitNow: the participant id (01) is 6 digits', () => {
    assert.deepEqual(rule(edit(vector('duitnow-rhb').payload, '0106564160', '010656416A')).field, '26.01');
  });

  it('PayNow: proxy type 0 or 2, amount editable 0 or 1, expiry digits', () => {
    const sg = vector('paynow-sgqr').payload;
    assert.deepEqual(rule(edit(sg, '0101202', '0101502')).field, '26.01');
    assert.deepEqual(rule(edit(sg, '030110408', '030120408')).field, '26.03');
    assert.deepEqual(rule(edit(sg, '20211231', '2021123X')).field, '26.04');
  });

  it('SGQR: the postal code (51.03) is 6 digits', () => {
    assert.deepEqual(rule(edit(vector('sgqr-nets-soba').payload, '0306079027', '030607902A')).field, '51.03');
  });

  it('QR Ph: the BIC (01) is 8 or 11 characters', () => {
    const ph = base({ '28': tlv('00', 'ph.ppmi.p2m') + tlv('01', 'GXCHPH'), '53': '608', '58': 'PH' });
    assert.deepEqual(rule(ph).field, '28.01');
  });

  it('KHQR: timestamps in 99 are 13 digits', () => {
    assert.deepEqual(rule(edit(vector('khqr-individual-khr').payload, '1625713467827', '162571346782A')).field, '99.00');
  });

  it('Korea (BC Card): the UnionPay account (15) is 31 characters', () => {
    const kr = (unionPay: string): string => base({ '15': unionPay, '26': tlv('00', 'D4100000014010') + tlv('05', '100005408'), '53': '410', '58': 'KR' });
    assert.equal(parseQr(kr('2600041026000410711958120000000')).scheme?.id, 'KR_BCCARD');
    assert.deepEqual(rule(kr('260004102600041071195812000000')).field, '15');
  });

  it('card numbers: VietQR QRIBFTTC masks 38.01.01 (fields and merchant account); others are left alone', () => {
    const card = parseQr(vector('vietqr-transfer-to-card').payload);
    assert.deepEqual(cardDataPaths(card), ['38.01.01']);
    const masked = maskCardData(card);
    assert.equal(masked.merchantAccount?.accountNumber, '970403******4567');
    assert.deepEqual(masked.fields['38'], { '00': 'A000000727', '01': { '00': '970403', '01': '970403******4567' }, '02': 'QRIBFTTC' });
    assert.equal(card.merchantAccount?.accountNumber, '9704031101234567', 'the input is not changed');
    const push = parseQr(vector('vietqr-qrpush').payload);
    assert.deepEqual(cardDataPaths(push), []);
    assert.equal(maskCardData(push), push);
  });
});
