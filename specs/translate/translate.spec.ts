/**
 * Translation between ISO 8583 fields and ISO 20022: amounts at the ISO 4217 exponent of each
 * currency, date-times with the year inferred and the acquirer's zone, identifiers, the pacs.002
 * status table of the issue, and the pacs.008 / pacs.028 / camt.056 built for a 0200 (checked with
 * xmllint against ../shared/iso20022/xsd, and read back).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessage } from '../../src/codec/iso20022';
import { isDariError } from '../../src/errors';
import { baseOneRate, conversionRateToDecimal, currencyOf, decimalToConversionRate, decimalToMinor, invertDecimal, minorToDecimal } from '../../src/translate/amounts';
import { isoToLocal, isoToTransmission, localToIso, transmissionToIso } from '../../src/translate/dates';
import { followUpMsgId, txIdOf, txnIdFromTxId, uetrOf } from '../../src/translate/ids';
import { Iso20022Translator } from '../../src/translate/iso20022';
import { StatusMapper, validateStatusTable } from '../../src/translate/status';
import { SHARED } from '../support/paths';

const XSD = join(SHARED, 'iso20022', 'xsd');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isDariError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

function xmllintDocument(xml: string, type: string): void {
  const doc = /<Document[\s>][\s\S]*<\/Document>/.exec(xml)?.[0];
  assert.ok(doc);
  const dir = mkdtempSync(join(tmpdir(), 'dari-translate-'));
  try {
    writeFileSync(join(dir, 'd.xml'), doc);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(XSD, `${type}.xsd`), join(dir, 'd.xml')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${type}: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('translate: amounts (ISO 4217 exponents)', () => {
  it('minor units to decimal strings per currency: IDR 2, KRW 0, VND 0, THB/MYR/SGD/PHP/USD 2', () => {
    assert.equal(minorToDecimal('000000150000', currencyOf('360', '49')), '1500.00');
    assert.equal(minorToDecimal('000000150000', currencyOf('410', '49')), '150000');
    assert.equal(minorToDecimal('000000000005', currencyOf('704', '49')), '5');
    for (const n of ['764', '458', '702', '608', '840']) assert.equal(minorToDecimal('000000000005', currencyOf(n, '49')), '0.05', n);
    assert.equal(minorToDecimal('000000000000', currencyOf('840', '49')), '0.00');
  });

  it('decimal strings back to minor units, refusing more decimals than the currency has', () => {
    assert.equal(decimalToMinor('1500.5', currencyOf('IDR', 'x')), '150050');
    assert.equal(decimalToMinor('0.07', currencyOf('USD', 'x')), '7');
    assert.equal(decimalToMinor('150000', currencyOf('KRW', 'x')), '150000');
    assert.equal(code(() => decimalToMinor('100.5', currencyOf('KRW', 'x'))), 'DARI_TRANSLATE_INVALID');
    assert.equal(code(() => decimalToMinor('1.234', currencyOf('USD', 'x'))), 'DARI_TRANSLATE_INVALID');
    assert.equal(code(() => decimalToMinor('1e3', currencyOf('USD', 'x'))), 'DARI_TRANSLATE_INVALID');
    assert.equal(code(() => currencyOf('999', '49')), 'DARI_TRANSLATE_INVALID');
  });

  it('inverts a rate for XchgRate (1 / 0.01 = 100; 1 / 0.0865 = 11.5606936416 at 10 decimals, half up)', () => {
    assert.equal(invertDecimal('0.01'), '100');
    assert.equal(invertDecimal('0.0865'), '11.5606936416');
    assert.equal(invertDecimal('3'), '0.3333333333');
    assert.equal(invertDecimal('1.5'), '0.6666666667');
    assert.equal(code(() => invertDecimal('0')), 'DARI_TRANSLATE_INVALID');
  });

  it('rates fit ISO 20022 BaseOneRate (totalDigits 11, fractionDigits 10), rounded half up', () => {
    assert.equal(baseOneRate('11.526011560694'), '11.526011561');
    assert.equal(baseOneRate('0.086500000000'), '0.0865');
    assert.equal(baseOneRate('0.123456789049'), '0.123456789');
    assert.equal(baseOneRate('0.12345678905'), '0.1234567891');
    assert.equal(baseOneRate('15960'), '15960');
    assert.equal(baseOneRate('9.99999999999'), '10');
    assert.equal(code(() => baseOneRate('123456789012')), 'DARI_TRANSLATE_INVALID');
  });

  it('ISO 8583 conversion rates (n8, first digit = decimal places) as decimals and back', () => {
    // ISO 8583:1987 fields 9-11: "the leftmost digit denotes the number of positions the decimal point shall be moved from the right".
    assert.equal(conversionRateToDecimal('61234567'), '1.234567');
    assert.equal(conversionRateToDecimal('60086500'), '0.0865');
    assert.equal(conversionRateToDecimal('00001300'), '1300');
    assert.equal(decimalToConversionRate('0.0865'), '40000865');
    assert.equal(conversionRateToDecimal(decimalToConversionRate('1.234567')), '1.234567');
    assert.equal(code(() => conversionRateToDecimal('6123456')), 'DARI_TRANSLATE_INVALID');
  });
});

describe('translate: dates (fields 7, 12, 13)', () => {
  it('field 7 takes the year that puts it closest to now, across a year end', () => {
    assert.equal(transmissionToIso('1231235959', new Date('2027-01-01T00:00:05Z')), '2026-12-31T23:59:59Z');
    assert.equal(transmissionToIso('0101000001', new Date('2026-12-31T23:59:58Z')), '2027-01-01T00:00:01Z');
    assert.equal(transmissionToIso('1126143000', new Date('2026-11-26T14:30:02Z')), '2026-11-26T14:30:00Z');
    assert.equal(isoToTransmission('2026-11-26T23:30:00+09:00'), '1126143000');
    assert.equal(code(() => transmissionToIso('1332000000')), 'DARI_TRANSLATE_INVALID');
    assert.equal(code(() => transmissionToIso('11261430')), 'DARI_TRANSLATE_INVALID');
  });

  it('fields 13/12 in the acquirer zone, written with its offset (IANA names and fixed offsets)', () => {
    const now = new Date('2026-11-26T05:00:00Z');
    assert.equal(localToIso('1126', '121500', 'Asia/Seoul', now), '2026-11-26T12:15:00+09:00');
    assert.equal(localToIso('1126', '121500', 'Asia/Jakarta', now), '2026-11-26T12:15:00+07:00');
    assert.equal(localToIso('1126', '121500', '+05:30', now), '2026-11-26T12:15:00+05:30');
    assert.deepEqual(isoToLocal('2026-11-26T05:15:00Z', 'Asia/Seoul'), { de13: '1126', de12: '141500' });
    assert.equal(code(() => localToIso('1126', '121500', 'Mars/Olympus', now)), 'DARI_CONFIG_INVALID');
  });
});

describe('translate: identifiers', () => {
  const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  it('TxId is the transaction id in 32 hex digits, and leads back to it', () => {
    assert.equal(txIdOf(id), '0193a1b2c3d47e5f8a9b0c1d2e3f4a5b');
    assert.equal(txnIdFromTxId(txIdOf(id)), id);
    assert.equal(txnIdFromTxId(followUpMsgId(id, 'C', 7)), id);
    assert.equal(txnIdFromTxId('E2E-FROM-SOMEONE-ELSE'), undefined);
    assert.ok(followUpMsgId(id, 'S', 123).length <= 35, 'Max35Text');
  });

  it('the UETR is a version 4 UUID (RFC 9562 layout), stable per transaction and different between transactions', () => {
    const u = uetrOf(id);
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(uetrOf(id), u);
    assert.notEqual(uetrOf('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c'), u);
  });
});

describe('translate: pacs.002 status table', () => {
  const m = new StatusMapper();

  it('maps the issue table: ACCC/ACSC 00, AM04 51, AC01/AC03 14, AB05/AB06 68, AB07/AB08 91, FF01 30, AM05/DUPL 94, RR04 05', () => {
    const cases: [string, string | undefined, string][] = [
      ['ACCC', undefined, '00'], ['ACSC', undefined, '00'], ['RJCT', 'AM04', '51'], ['RJCT', 'AC01', '14'], ['RJCT', 'AC03', '14'],
      ['RJCT', 'AB05', '68'], ['RJCT', 'AB06', '68'], ['RJCT', 'AB07', '91'], ['RJCT', 'AB08', '91'], ['RJCT', 'FF01', '30'],
      ['RJCT', 'AM05', '94'], ['RJCT', 'DUPL', '94'], ['RJCT', 'RR04', '05'],
    ];
    for (const [sts, rsn, want] of cases) assert.deepEqual(m.toIso8583(sts, rsn), { final: true, code: want }, `${sts} ${rsn ?? ''}`);
  });

  it('pending statuses (ACSP, ACTC, PDNG, ACWP) are not final; unknown reasons take the default', () => {
    for (const s of ['ACSP', 'ACTC', 'PDNG', 'ACWP']) assert.deepEqual(m.toIso8583(s), { final: false }, s);
    assert.deepEqual(m.toIso8583('RJCT', 'ZZ99'), { final: true, code: '05' });
    assert.deepEqual(m.toIso8583('RJCT'), { final: true, code: '05' });
  });

  it('the reverse direction for inbound payments: 00 ACCC, 51 RJCT AM04, other RJCT MS03', () => {
    assert.deepEqual(m.fromIso8583('00'), { status: 'ACCC' });
    assert.deepEqual(m.fromIso8583('51'), { status: 'RJCT', reason: 'AM04' });
    assert.deepEqual(m.fromIso8583('N7'), { status: 'RJCT', reason: 'MS03' });
  });

  it('a table with a wrong entry is refused naming the key', () => {
    assert.throws(() => validateStatusTable({ toIso8583: { final: { ACCC: '0' }, pending: [], statusDefaults: {}, reasons: {}, default: '05' }, fromIso8583: { default: { status: 'RJCT' } } }, 't.json'),
      /status table t\.json: toIso8583\.final\.ACCC/);
    assert.throws(() => validateStatusTable({ toIso8583: {} }, 't.json'), /DARI_CONFIG_INVALID|toIso8583/);
  });
});

describe('translate: 0200 to pacs.008 (.08 and .13), pacs.028 and camt.056', () => {
  const now = new Date('2026-11-26T03:20:00Z');
  const request = {
    mti: '0200',
    fields: {
      '2': '4761739001010119', '3': '000000', '4': '000000150000', '6': '000000001500', '7': '1126032000', '10': '20000001', '11': '000123',
      '12': '122000', '13': '1126', '22': '051', '28': 'D00000500', '32': '410001', '37': '633012000123', '41': 'TERM0001',
      '42': 'MID000000000042', '43': 'Toko Kopi Nusantara'.padEnd(25) + 'Jakarta'.padEnd(13) + 'ID', '49': '360', '51': '840',
    },
  };
  const translator = (version: 'pacs.008.001.08' | 'pacs.008.001.13'): Iso20022Translator => new Iso20022Translator({
    partnerId: 'ID', paymentVersion: version, hub: { bic: 'DARIKRSE', name: 'Dari' }, partner: { bic: 'SIMSIDJA', memberId: '360001' },
    acquirers: { '410001': { bic: 'KACQKRSE' } }, timeZone: 'Asia/Seoul', header: 'head.001.001.02', envelope: true,
    chargeBearer: 'SLEV', settlementMethod: 'CLRG', status: new StatusMapper(), panToken: () => 'TOKEN0001', now: () => now,
  });
  const txnId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  it('pacs.008.001.08: amounts at their exponents, XchgRate from field 10, ChrgsInf from field 28, AccptncDtTm in the acquirer zone; valid per XSD', () => {
    const { xml, refs } = translator('pacs.008.001.08').payment(request, txnId);
    xmllintDocument(xml, 'pacs.008.001.08');
    const m = parseMessage(xml);
    assert.equal(m.type, 'pacs.008.001.08');
    assert.equal(m.envelope, true);
    if (m.type !== 'pacs.008.001.08') return;
    const tx = m.document.CdtTrfTxInf[0];
    assert.ok(tx);
    assert.deepEqual(tx.IntrBkSttlmAmt, { Ccy: 'IDR', value: '1500.00' });
    assert.deepEqual(tx.InstdAmt, { Ccy: 'USD', value: '15.00' });
    assert.equal(tx.XchgRate, '100');
    assert.deepEqual(tx.ChrgsInf?.[0]?.Amt, { Ccy: 'IDR', value: '5.00' });
    assert.equal(tx.AccptncDtTm, '2026-11-26T12:20:00+09:00');
    assert.equal(tx.PmtId.EndToEndId, '633012000123');
    assert.equal(tx.PmtId.UETR, refs.uetr);
    assert.equal(tx.PmtTpInf?.InstrPrty, 'HIGH', 'field 22 present: point of sale');
    assert.equal(tx.DbtrAgt.FinInstnId.BICFI, 'KACQKRSE');
    assert.equal(tx.DbtrAcct?.Id?.Othr?.Id, 'TOKEN0001', 'the PAN is replaced by its token');
    assert.deepEqual(tx.Cdtr.Id?.OrgId?.Othr?.map((o) => [o.SchmeNm?.Prtry, o.Id]), [['MID', 'MID000000000042'], ['TID', 'TERM0001']]);
    assert.equal(m.document.GrpHdr.CreDtTm, '2026-11-26T03:20:00Z');
    assert.equal(m.header?.MsgDefIdr, 'pacs.008.001.08');
    assert.ok(!xml.includes('4761739001010119'));
  });

  it('pacs.008.001.13: AgrdRate instead of XchgRate, AccptncDtTm under AddtlDtTm; valid per XSD', () => {
    const { xml } = translator('pacs.008.001.13').payment(request, txnId);
    xmllintDocument(xml, 'pacs.008.001.13');
    const m = parseMessage(xml);
    if (m.type !== 'pacs.008.001.13') return assert.fail(m.type);
    const tx = m.document.CdtTrfTxInf[0];
    assert.equal(tx?.XchgRate, undefined);
    assert.deepEqual(tx?.AgrdRate, { UnitCcy: 'USD', QtdCcy: 'IDR', PreAgrdXchgRate: '100' });
    assert.equal(tx?.AddtlDtTm?.AccptncDtTm, '2026-11-26T12:20:00+09:00');
  });

  it('pacs.028 and camt.056 name the original by MsgId, EndToEndId, TxId and UETR; valid per XSD', () => {
    const t = translator('pacs.008.001.08');
    const { refs } = t.payment(request, txnId);
    const status = t.statusRequest(request, refs, 1);
    xmllintDocument(status, 'pacs.028.001.03');
    const s = parseMessage(status);
    if (s.type !== 'pacs.028.001.03') return assert.fail(s.type);
    assert.deepEqual([s.document.TxInf?.[0]?.OrgnlUETR, s.document.TxInf?.[0]?.OrgnlTxId, s.document.TxInf?.[0]?.OrgnlGrpInf?.OrgnlMsgId], [refs.uetr, refs.txId, refs.msgId]);
    const reversal = { mti: '0420', fields: { ...request.fields, '39': '17', '90': `0200000123${request.fields['7']}00000410001${'0'.repeat(11)}` } };
    const { xml } = t.cancellation(reversal, txnId, 1);
    xmllintDocument(xml, 'camt.056.001.08');
    const c = parseMessage(xml);
    if (c.type !== 'camt.056.001.08') return assert.fail(c.type);
    const tx = c.document.Undrlyg[0]?.TxInf?.[0];
    assert.equal(tx?.OrgnlUETR, refs.uetr);
    assert.equal(tx?.CxlRsnInf?.[0]?.Rsn?.Cd, 'CUST');
    assert.deepEqual(tx?.OrgnlIntrBkSttlmAmt, { Ccy: 'IDR', value: '1500.00' });
    assert.equal(tx?.OrgnlGrpInf?.OrgnlCreDtTm, '2026-11-26T03:20:00Z');
  });

  it('a request without an amount or with a bad currency is a coded error, never a message', () => {
    const t = translator('pacs.008.001.08');
    assert.equal(code(() => t.payment({ mti: '0200', fields: { ...request.fields, '49': '999' } }, txnId)), 'DARI_TRANSLATE_INVALID');
    const noAmount: Record<string, string> = { ...request.fields };
    delete noAmount['4'];
    assert.equal(code(() => t.payment({ mti: '0200', fields: noAmount }, txnId)), 'DARI_TRANSLATE_INVALID');
  });

  it('reads the shared pacs.002 sample into a status the gateway can match', () => {
    const t = translator('pacs.008.001.08');
    const items = t.read(require('node:fs').readFileSync(join(SHARED, 'iso20022', 'samples', 'pacs002_status_report_sample.xml')));
    assert.equal(items.length >= 1, true);
    const first = items[0];
    assert.equal(first?.kind, 'status');
  });
});
