/**
 * The three CBPR+ samples of ../shared/iso20022/samples (phoughton/iso20022-cbpr-ur, MIT, folder
 * test_files/2026/; see ../shared/iso20022/README.md): envelope + head.001.001.02 + Document, with
 * `head:` and `pacs:` prefixes. Expected values are read from the sample files by eye.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMessage, parseMessage, summarize } from '../../../src/codec/iso20022';
import { SAMPLES_DIR } from './xmllint';

const sample = (name: string): Buffer => readFileSync(join(SAMPLES_DIR, name));
/** The 140-character name placeholder the samples use in every Nm. */
const NM140 = 'Nmx5x7x9x12x15x18x21x24x27x30x33x36x39x42x45x48x51x54x57x60x63x66x69x72x75x78x81x84x87x90x93x96x100x104x108x112x116x120x124x128x132x136x140x';

describe('ISO 20022 CBPR+ samples', () => {
  it('pacs008_credit_transfer_sample.xml', () => {
    const m = parseMessage(sample('pacs008_credit_transfer_sample.xml'));
    assert.equal(m.type, 'pacs.008.001.08');
    if (m.type !== 'pacs.008.001.08') return;
    assert.equal(m.envelope, true);
    assert.equal(m.headerType, 'head.001.001.02');
    assert.deepStrictEqual(m.header, {
      Fr: { FIId: { FinInstnId: { BICFI: 'FNTXDE2X' } } }, To: { FIId: { FinInstnId: { BICFI: 'GLPBES2X' } } },
      BizMsgIdr: 'P008-20260413-5017', MsgDefIdr: 'pacs.008.001.08', BizSvc: 'swift.cbprplus.02', CreDt: '2026-04-13T10:30:00+00:00',
    });
    const d = m.document;
    assert.deepStrictEqual(d.GrpHdr, { MsgId: 'P008-20260413-5017', CreDtTm: '2026-04-13T10:30:00+00:00', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'INDA' } });
    assert.equal(d.CdtTrfTxInf.length, 1);
    const t = d.CdtTrfTxInf[0];
    assert.ok(t);
    assert.deepStrictEqual(t.PmtId, { InstrId: 'IN20260413-5017', EndToEndId: 'E2E-04138234', UETR: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890' });
    assert.deepStrictEqual(t.IntrBkSttlmAmt, { Ccy: 'EUR', value: '750000' }, 'amount kept as a decimal string with its currency');
    assert.deepStrictEqual(t.InstdAmt, { Ccy: 'EUR', value: '750000' });
    assert.equal(t.IntrBkSttlmDt, '2026-04-13');
    assert.equal(t.ChrgBr, 'DEBT');
    assert.deepStrictEqual(t.InstgAgt, { FinInstnId: { BICFI: 'FNTXDE2X' } });
    assert.deepStrictEqual(t.InstdAgt, { FinInstnId: { BICFI: 'GLPBES2X' } });
    assert.deepStrictEqual(t.Dbtr, { Nm: NM140, PstlAdr: { StrtNm: 'StrtNmx10x13x16x19x22x25x28x31x34x37x40x43x46x49x52x55x58x61x64x67x70x', TwnNm: 'TwnNmx8x11x14x17x20x23x26x29x32x35x', Ctry: 'DE' } });
    assert.deepStrictEqual(t.DbtrAcct, { Id: { Othr: { Id: '74829163' } } });
    assert.deepStrictEqual(t.DbtrAgt, { FinInstnId: { BICFI: 'FNTXDE2X' } });
    assert.deepStrictEqual(t.CdtrAgt, { FinInstnId: { BICFI: 'GLPBES2X' } });
    assert.equal(t.Cdtr.PstlAdr?.Ctry, 'ES');
    assert.deepStrictEqual(t.CdtrAcct, { Id: { Othr: { Id: '31597402' } } });
  });

  it('pacs002_status_report_sample.xml', () => {
    const m = parseMessage(sample('pacs002_status_report_sample.xml'));
    assert.equal(m.type, 'pacs.002.001.10');
    if (m.type !== 'pacs.002.001.10') return;
    assert.equal(m.header?.BizMsgIdr, 'P002-20260413-9102');
    assert.deepStrictEqual(m.document, {
      GrpHdr: { MsgId: 'P002-20260413-9102', CreDtTm: '2026-04-13T08:10:00+00:00' },
      TxInfAndSts: [{
        OrgnlGrpInf: { OrgnlMsgId: 'P008-20260412-4410', OrgnlMsgNmId: 'pacs.008.001.08' },
        OrgnlInstrId: 'IN20260412-4410', OrgnlEndToEndId: 'E2E-04127823', OrgnlUETR: 'd4e5f6a7-b8c9-4123-9efa-234567890123',
        TxSts: 'ACSP', InstgAgt: { FinInstnId: { BICFI: 'WDCIUS3X' } }, InstdAgt: { FinInstnId: { BICFI: 'BFTKDE2X' } },
      }],
    });
  });

  it('pacs004_payment_return_sample.xml', () => {
    const m = parseMessage(sample('pacs004_payment_return_sample.xml'));
    assert.equal(m.type, 'pacs.004.001.09');
    if (m.type !== 'pacs.004.001.09') return;
    const d = m.document;
    assert.deepStrictEqual(d.GrpHdr, { MsgId: 'P004-20260413-3390', CreDtTm: '2026-04-13T14:20:00+00:00', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'INDA' } });
    const t = d.TxInf?.[0];
    assert.ok(t);
    assert.equal(t.RtrId, 'RTR20260413-3390');
    assert.deepStrictEqual(t.OrgnlGrpInf, { OrgnlMsgId: 'P008-20260412-1100', OrgnlMsgNmId: 'pacs.008.001.08' });
    assert.equal(t.OrgnlInstrId, 'IN20260412-1100');
    assert.equal(t.OrgnlEndToEndId, 'E2E-04124421');
    assert.equal(t.OrgnlUETR, 'c3d4e5f6-a7b8-4012-9def-123456789012');
    assert.deepStrictEqual(t.RtrdIntrBkSttlmAmt, { Ccy: 'GBP', value: '125000' });
    assert.deepStrictEqual(t.RtrdInstdAmt, { Ccy: 'GBP', value: '125000' });
    assert.equal(t.ChrgBr, 'SHAR');
    assert.deepStrictEqual(t.RtrChain, { Dbtr: { Pty: { Nm: NM140 } }, Cdtr: { Pty: { Nm: NM140 } } });
    assert.deepStrictEqual(t.RtrRsnInf, [{ Orgtr: { Nm: NM140 }, Rsn: { Cd: 'AC04' } }], 'return reason AC04 (closed account)');
    assert.deepStrictEqual(t.OrgnlTxRef, { IntrBkSttlmAmt: { Ccy: 'GBP', value: '125000' }, IntrBkSttlmDt: '2026-04-12', Dbtr: { Pty: { Nm: NM140 } }, Cdtr: { Pty: { Nm: NM140 } } });
  });

  it('summaries name the type, ids, amounts, parties and status', () => {
    const s8 = summarize(parseMessage(sample('pacs008_credit_transfer_sample.xml')));
    assert.deepStrictEqual(s8.transactions[0], {
      instrId: 'IN20260413-5017', endToEndId: 'E2E-04138234', uetr: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890', amount: '750000 EUR',
      instructedAmount: '750000 EUR', settlementDate: '2026-04-13', chargeBearer: 'DEBT',
      debtor: { name: NM140, account: '74829163', agent: 'FNTXDE2X' }, creditor: { name: NM140, account: '31597402', agent: 'GLPBES2X' },
    });
    assert.deepStrictEqual(s8.header, { from: 'FNTXDE2X', to: 'GLPBES2X', bizMsgIdr: 'P008-20260413-5017', msgDefIdr: 'pacs.008.001.08', bizSvc: 'swift.cbprplus.02', creDt: '2026-04-13T10:30:00+00:00' });
    const s2 = summarize(parseMessage(sample('pacs002_status_report_sample.xml')));
    assert.equal(s2.transactions[0]?.status, 'ACSP');
    assert.equal(s2.transactions[0]?.original?.endToEndId, 'E2E-04127823');
    const s4 = summarize(parseMessage(sample('pacs004_payment_return_sample.xml')));
    assert.deepStrictEqual(s4.transactions[0]?.reasons, ['AC04']);
  });

  it('a sample rebuilt from its model reads back the same (prefixes gone, content kept)', () => {
    for (const name of ['pacs008_credit_transfer_sample.xml', 'pacs002_status_report_sample.xml', 'pacs004_payment_return_sample.xml']) {
      const m = parseMessage(sample(name));
      const xml = buildMessage(m.type, m.document as never, { header: m.header, headerType: m.headerType });
      assert.deepStrictEqual(parseMessage(xml), m, name);
    }
  });
});
