/**
 * The four validation layers, one coded reason per failure (EMV QRCPS MPM; the rules named beside
 * each case). Payloads are made with the naive helpers in ./helpers (never with buildQr), most by
 * varying one data object of a minimal payload or of a public vector.
 */
import { strict as assert } from 'node:assert';
import { inspectQr, parseQr } from '../../../src/codec/emvqr';
import { base, edit, tlv, vector, withCrc } from './helpers';

function reason(payload: string): { reason: string; field?: string; layer: number; offset?: number } {
  const v = inspectQr(payload);
  assert.equal(v.valid, false, `expected a rejection of ${payload}`);
  if (v.valid) throw new Error('unreachable');
  assert.ok(v.message.length > 0);
  return { reason: v.reason, field: v.field, layer: v.layer, offset: v.offset };
}

function valid(payload: string): void {
  const v = inspectQr(payload);
  assert.ok(v.valid, v.valid ? '' : `${v.reason}: ${v.message}`);
}

const body = (payload: string): string => payload.slice(0, -8);

describe('EMV QR validation', () => {
  it('the minimal payload the other cases vary is valid', () => valid(base()));

  describe('layer 1: CRC (EMV QRCPS MPM 4.7.3)', () => {
    it('a payload without the CRC object, or with a short or non-hex CRC, is DARI_QR_CRC_MISSING', () => {
      for (const p of [body(base()), `${body(base())}6304ABC`, `${body(base())}6304ZZZZ`, '6304', '', 'x'.repeat(300)]) {
        assert.deepEqual(reason(p).reason, 'DARI_QR_CRC_MISSING', p);
      }
      assert.equal(reason(body(base())).layer, 1);
    });

    it('a changed character anywhere is DARI_QR_CRC_MISMATCH', () => {
      const p = base();
      for (let i = 0; i < p.length - 8; i += 7) {
        const c = p[i] === 'A' ? 'B' : 'A';
        assert.equal(reason(p.slice(0, i) + c + p.slice(i + 1)).reason, 'DARI_QR_CRC_MISMATCH');
      }
    });

    it('lowercase CRC digits are accepted on read', () => {
      const p = vector('khqr-individual-khr').payload;
      assert.match(p, /A96B$/);
      valid(p.slice(0, -4) + 'a96b');
    });

    it('a "6304" that ends inside another value is DARI_QR_CRC_MISSING naming that data object', () => {
      // 70 (RFU) of 10 characters swallows "AB6304" and the CRC digits.
      const p = withCrc(`${body(base())}7010AB`);
      assert.deepEqual(reason(p), { reason: 'DARI_QR_CRC_MISSING', field: '70', layer: 1, offset: undefined });
    });
  });

  describe('layer 2: data objects (EMV QRCPS MPM 3.2)', () => {
    it('an id that is not two digits is DARI_QR_TLV_INVALID at its character offset', () => {
      const b = body(base());
      const r = reason(withCrc(`${b}X102ab`));
      assert.equal(r.reason, 'DARI_QR_TLV_INVALID');
      assert.equal(r.offset, b.length);
      assert.equal(r.layer, 2);
    });

    it('a length that is not two digits, or 00, is DARI_QR_TLV_INVALID', () => {
      assert.equal(reason(withCrc(`${body(base())}700Aabc`)).reason, 'DARI_QR_TLV_INVALID');
      assert.deepEqual(reason(base({ '62': '0100' })).reason, 'DARI_QR_TLV_INVALID');
    });

    it('a value running past the payload or its template is DARI_QR_TRUNCATED', () => {
      assert.equal(reason(withCrc(`${body(base())}7`)).reason, 'DARI_QR_TRUNCATED');
      const r = reason(base({ '62': '01A' }));
      assert.deepEqual([r.reason, r.field], ['DARI_QR_TRUNCATED', '62']);
      const t = reason(base({ '26': `${tlv('00', 'COM.EXAMPLE.WWW')}0109ab` }));
      assert.deepEqual([t.reason, t.field], ['DARI_QR_TRUNCATED', '26.01']);
    });

    it('an id twice at one level is DARI_QR_DUPLICATE_ID', () => {
      const top = reason(withCrc(`${body(base())}${tlv('59', 'AGAIN')}`));
      assert.deepEqual([top.reason, top.field, top.layer], ['DARI_QR_DUPLICATE_ID', '59', 2]);
      const r = reason(base({ '26': tlv('00', 'COM.EXAMPLE.WWW') + tlv('01', 'A') + tlv('01', 'B') }));
      assert.deepEqual([r.reason, r.field], ['DARI_QR_DUPLICATE_ID', '26.01']);
    });

    it('lengths count characters: 25 Korean or astral characters fit in 59, 26 do not', () => {
      valid(base({ '59': '나'.repeat(25) }));
      valid(base({ '59': '😀'.repeat(25) }));
      assert.deepEqual(reason(base({ '59': '😀'.repeat(26) })).reason, 'DARI_QR_FIELD_INVALID');
      const p = parseQr(base({ '64': tlv('00', 'th') + tlv('01', 'ร้านกาแฟ') + tlv('02', 'กรุงเทพ') }));
      assert.deepEqual(p.fields['64'], { '00': 'th', '01': 'ร้านกาแฟ', '02': 'กรุงเทพ' });
    });
  });

  describe('layer 3: EMVCo data objects', () => {
    it('00 missing is DARI_QR_MANDATORY_MISSING, 00 not first DARI_QR_ORDER_INVALID', () => {
      assert.deepEqual([reason(base({ '00': null })).reason, reason(base({ '00': null })).field], ['DARI_QR_MANDATORY_MISSING', '00']);
      const b = body(base());
      const swapped = withCrc(b.slice(6, 12) + b.slice(0, 6) + b.slice(12));
      assert.deepEqual([reason(swapped).reason, reason(swapped).layer], ['DARI_QR_ORDER_INVALID', 3]);
    });

    it('00 other than "01" is DARI_QR_PFI_INVALID unless the scheme allows it (DuitNow "02")', () => {
      assert.equal(reason(base({ '00': '02' })).reason, 'DARI_QR_PFI_INVALID');
      const duitnow = vector('duitnow-rhb').payload;
      valid(duitnow);
      assert.equal(reason(edit(duitnow, '000202', '000203')).reason, 'DARI_QR_PFI_INVALID');
    });

    it('01 other than "11" or "12" is DARI_QR_POI_INVALID; absent is allowed (EMVCo: O)', () => {
      for (const poi of ['13', '10', '1A']) assert.equal(reason(base({ '01': poi })).reason, 'DARI_QR_POI_INVALID');
      assert.equal(parseQr(base({ '01': null })).initiation, null);
      assert.equal(parseQr(base({ '01': '12' })).initiation, 'dynamic');
    });

    it('merchant accounts: none, or a template without its GUID, is DARI_QR_MANDATORY_MISSING; a GUID over 32 DARI_QR_FIELD_INVALID', () => {
      assert.deepEqual([reason(base({ '26': null })).reason, reason(base({ '26': null })).field], ['DARI_QR_MANDATORY_MISSING', '02-51']);
      valid(base({ '26': null, '02': '4000123456789012' }));
      assert.deepEqual(reason(base({ '26': tlv('01', '12345') })).field, '26.00');
      assert.equal(reason(base({ '26': tlv('00', 'A'.repeat(33)) })).reason, 'DARI_QR_FIELD_INVALID');
    });

    it('52, 53, 58, 59, 60 are mandatory and checked (MCC 4 digits, ISO 4217, ISO 3166, 25, 15)', () => {
      for (const id of ['52', '53', '58', '59', '60']) assert.deepEqual(reason(base({ [id]: null })).field, id, id);
      for (const [id, v] of [['52', '58A2'], ['52', '581'], ['53', '999'], ['53', 'USD'], ['58', 'XX'], ['58', 'us'], ['59', 'N'.repeat(26)], ['60', 'C'.repeat(16)], ['61', '12345678901']] as const) {
        const r = reason(base({ [id]: v }));
        assert.deepEqual([r.reason, r.field], ['DARI_QR_FIELD_INVALID', id], `${id} = ${v}`);
      }
    });

    it('54: digits, one ".", decimals within the currency exponent, 13 characters at most', () => {
      for (const [amount, currency] of [['1', '840'], ['1.5', '840'], ['1.55', '840'], ['100.', '840'], ['1234567890.12', '840'], ['5000', '410'], ['0.125', '048']] as const) {
        valid(base({ '54': amount, '53': currency }));
      }
      for (const [amount, currency] of [['1.234', '840'], ['1.2.3', '840'], ['.5', '840'], ['1,000', '840'], ['-1', '840'], ['1e3', '840'], ['12345678901234', '840'], ['100.5', '410'], ['1.5', '704'], ['１', '840']] as const) {
        const r = reason(base({ '54': amount, '53': currency }));
        assert.deepEqual([r.reason, r.field], ['DARI_QR_AMOUNT_INVALID', '54'], `${amount} in ${currency}`);
      }
    });

    it('55-57: 01 alone, 02 with 56 (an amount), 03 with 57 (00.01-99.99); anything else DARI_QR_TIP_INVALID', () => {
      valid(base({ '55': '01' }));
      valid(base({ '55': '02', '56': '1.50' }));
      valid(base({ '55': '03', '57': '99.99' }));
      valid(base({ '55': '03', '57': '5' }));
      const tips: Record<string, string>[] = [{ '55': '04' }, { '55': '01', '56': '1' }, { '56': '1' }, { '57': '1' }, { '55': '02' }, { '55': '03' }, { '55': '02', '57': '1' }];
      for (const over of tips) {
        assert.equal(reason(base(over)).reason, 'DARI_QR_TIP_INVALID', JSON.stringify(over));
      }
      const fees: Record<string, string>[] = [{ '55': '02', '56': '1.234' }, { '55': '03', '57': '100' }, { '55': '03', '57': '0.00' }, { '55': '03', '57': '1.234' }, { '55': '03', '57': 'A' }];
      for (const over of fees) {
        assert.equal(reason(base(over)).reason, 'DARI_QR_AMOUNT_INVALID', JSON.stringify(over));
      }
    });

    it('62: labels 25, 09 a set of A/M/E, 10 at most 20, 11 three characters; 50-99 may be templates', () => {
      valid(base({ '62': tlv('01', 'B'.repeat(25)) + tlv('09', 'AME') + tlv('10', 'T'.repeat(20)) + tlv('11', 'ABC') }));
      for (const [sub, v] of [['05', 'R'.repeat(26)], ['09', 'AX'], ['09', 'AA'], ['10', 'T'.repeat(21)], ['11', 'AB']] as const) {
        assert.deepEqual(reason(base({ '62': tlv(sub, v) })).field, `62.${sub}`, `${sub} = ${v}`);
      }
      const p = parseQr(base({ '62': tlv('01', 'BILLNO') + tlv('50', tlv('00', 'TEST') + tlv('01', 'ABC')) + tlv('51', 'plain') }));
      assert.deepEqual(p.fields['62'], { '01': 'BILLNO', '50': { '00': 'TEST', '01': 'ABC' }, '51': 'plain' });
    });

    it('64: 00 (two letters) and 01 (25) mandatory, 02 at most 15', () => {
      valid(base({ '64': tlv('00', 'ZH') + tlv('01', '最佳运输') }));
      assert.deepEqual(reason(base({ '64': tlv('01', 'X') })).field, '64.00');
      assert.deepEqual(reason(base({ '64': tlv('00', 'ko') })).field, '64.01');
      for (const t of [tlv('00', 'k1') + tlv('01', 'X'), tlv('00', 'ko') + tlv('01', '가'.repeat(26)), tlv('00', 'ko') + tlv('01', 'X') + tlv('02', '가'.repeat(16))]) {
        assert.equal(reason(base({ '64': t })).reason, 'DARI_QR_FIELD_INVALID');
      }
    });

    it('80-99 are templates when they hold data objects, strings otherwise; 65-79 are strings', () => {
      const p = parseQr(base({ '82': '7FFC1AC00E99EA2D', '91': tlv('00', 'A011223344998877') + tlv('07', '12345678'), '70': '0102ab' }));
      assert.equal(p.fields['82'], '7FFC1AC00E99EA2D');
      assert.deepEqual(p.fields['91'], { '00': 'A011223344998877', '07': '12345678' });
      assert.equal(p.fields['70'], '0102ab');
    });
  });
});
