/**
 * Bad input, read and build: every refusal is a DariError with its DARI_XML_* code (never another
 * exception), naming the line or element path and never carrying the offending value. Inputs are
 * the CBPR+ samples of ../shared/iso20022/samples cut or edited by hand, the hostile fixtures of
 * fixtures/iso20022 (sources in its README), and the documents of documents.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import { buildMessage, parseMessage } from '../../../src/codec/iso20022';
import type { Pacs008 } from '../../../src/codec/iso20022/types';
import { FIXTURES } from '../../support/paths';
import { CASES, headerFor } from './documents';
import { SAMPLES_DIR } from './xmllint';

const P008 = readFileSync(join(SAMPLES_DIR, 'pacs008_credit_transfer_sample.xml'), 'utf8');
const P002 = readFileSync(join(SAMPLES_DIR, 'pacs002_status_report_sample.xml'), 'utf8');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, 'iso20022', name));

function expectCode(fn: () => unknown, code: string, match?: RegExp): DariError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DariError, `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (match) assert.match(e.message, match);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

/** The sample with one substring replaced (the replacement must happen). */
function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  assert.notEqual(out, xml, `edit did not apply: ${String(from)}`);
  return out;
}

const pacs008 = (): Pacs008 => JSON.parse(JSON.stringify((CASES[0] as (typeof CASES)[number]).document)) as Pacs008;

describe('ISO 20022 codec: bad input', () => {
  describe('malformed XML: DARI_XML_MALFORMED with the line', () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['empty input', '', /no root element/],
      ['not XML', 'hello', /line 1: text outside the root element/],
      ['mismatched end tag', edit(P008, '</pacs:MsgId>', '</pacs:MsgID>'), /line 26: end tag <\/pacs:MsgID> does not close <pacs:MsgId>/],
      ['unclosed element (truncated)', P008.slice(0, P008.indexOf('<pacs:CdtTrfTxInf>')), /ends inside <pacs:FIToFICstmrCdtTrf>/],
      ['a bare &', edit(P008, 'E2E-04138234', 'E2E & 1'), /line 36: a bare '&'/],
      ['an undeclared entity', edit(P008, 'E2E-04138234', 'E2E&nbsp;1'), /undeclared entity/],
      ['a character reference to U+0000', edit(P008, 'E2E-04138234', 'E2E&#0;'), /character reference/],
      ['text after the root', `${P008}\ntrailing`, /text outside the root element/],
      ['unquoted attribute', edit(P008, 'Ccy="EUR"', 'Ccy=EUR'), /malformed start tag/],
      ['repeated attribute', edit(P008, 'Ccy="EUR"', 'Ccy="EUR" Ccy="USD"'), /attribute repeated/],
      ['a control character', edit(P008, 'E2E-04138234', 'E2E\u0007'), /line 36: a character XML 1.0 does not allow/],
      ['a second XML declaration', edit(P008, '<pacs:Document', '<?xml version="1.0"?><pacs:Document'), /XML declaration that is not at the start/],
      ['a declared non-UTF-8 encoding', edit(P008, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'), /not supported \(ISO 20022 messages are UTF-8\)/],
      ['bytes that are not UTF-8', Buffer.concat([Buffer.from(P008.slice(0, 200)), Buffer.from([0xff, 0xfe]), Buffer.from(P008.slice(200))]), /not valid UTF-8/],
      ['three top-level elements', '<AppHdr/><Document/><Document/>', /3 top-level elements/],
      ['an element name that is an Object.prototype member', '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"><constructor/></Document>', /parser refused/],
    ];
    for (const [what, input, re] of cases) it(what, () => expectCode(() => parseMessage(input), 'DARI_XML_MALFORMED', re));

    it('a sample cut at any point: always a coded error, never another exception', () => {
      for (let n = 0; n < P008.length - 12; n += 3) {
        try {
          parseMessage(P008.slice(0, n));
          assert.fail(`a cut at ${n} was accepted`);
        } catch (e) {
          assert.ok(e instanceof DariError && e.code.startsWith('DARI_XML_'), `cut at ${n}: ${String(e)}`);
        }
      }
    });
  });

  describe('DOCTYPE and entities: DARI_XML_DOCTYPE_REFUSED, nothing expanded or fetched', () => {
    for (const name of ['xxe-external-entity.xml', 'xxe-parameter-entity.xml', 'billion-laughs.xml', 'entity-in-envelope.xml']) {
      it(name, () => {
        const started = Date.now();
        const e = expectCode(() => parseMessage(fixture(name)), 'DARI_XML_DOCTYPE_REFUSED', /line [23]: DOCTYPE and entity declarations are refused/);
        assert.ok(!/root:|lol/.test(e.message), 'no entity content in the error');
        assert.ok(Date.now() - started < 1000, 'refused before any expansion');
      });
    }
  });

  describe('size and depth bounds', () => {
    it('a document above maxBytes: DARI_XML_TOO_LARGE (string and Buffer, default 256 KiB)', () => {
      expectCode(() => parseMessage(P008, { maxBytes: 1000 }), 'DARI_XML_TOO_LARGE', /1000 bytes/);
      expectCode(() => parseMessage(Buffer.from(P008), { maxBytes: 1000 }), 'DARI_XML_TOO_LARGE', /above the maximum of 1000/);
      const padded = edit(P008, '<Envelope', `<!--${'x'.repeat(256 * 1024)}--><Envelope`);
      expectCode(() => parseMessage(padded), 'DARI_XML_TOO_LARGE');
      expectCode(() => parseMessage(Buffer.from(padded)), 'DARI_XML_TOO_LARGE');
      // multi-byte characters count as their UTF-8 bytes
      expectCode(() => parseMessage(`<Document>${'다'.repeat(400)}</Document>`, { maxBytes: 1000 }), 'DARI_XML_TOO_LARGE');
      assert.equal(parseMessage(P008, { maxBytes: Buffer.byteLength(P008) }).type, 'pacs.008.001.08');
    });

    it('nesting deeper than maxDepth: DARI_XML_TOO_DEEP, even 100 000 levels (no recursion reached)', () => {
      expectCode(() => parseMessage(P008, { maxDepth: 6 }), 'DARI_XML_TOO_DEEP', /line 45: elements nested deeper than 6 levels/);
      const deep = edit(P002, '<pacs:TxSts>ACSP</pacs:TxSts>', `<pacs:TxSts>ACSP</pacs:TxSts>${'<pacs:X>'.repeat(40)}${'</pacs:X>'.repeat(40)}`);
      expectCode(() => parseMessage(deep), 'DARI_XML_TOO_DEEP', /deeper than 32 levels/);
      const hostile = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10">${'<a>'.repeat(100000)}${'</a>'.repeat(100000)}</Document>`;
      expectCode(() => parseMessage(hostile, { maxBytes: 1 << 20 }), 'DARI_XML_TOO_DEEP');
    });

    it('limits that make no sense are a configuration error', () => {
      expectCode(() => parseMessage(P008, { maxBytes: 0 }), 'DARI_CONFIG_INVALID', /maxBytes/);
      expectCode(() => parseMessage(P008, { maxDepth: 1000 }), 'DARI_CONFIG_INVALID', /maxDepth/);
    });
  });

  describe('message identification', () => {
    it('an unsupported version or a foreign namespace: DARI_XML_UNKNOWN_MESSAGE', () => {
      const v09 = P008.replace(/pacs\.008\.001\.08/g, 'pacs.008.001.09');
      expectCode(() => parseMessage(v09), 'DARI_XML_UNKNOWN_MESSAGE', /pacs\.008\.001\.09 is not supported/);
      expectCode(() => parseMessage(edit(P008, 'xmlns:pacs="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', 'xmlns:pacs="urn:example:payments"')), 'DARI_XML_UNKNOWN_MESSAGE', /"urn:example:payments" is not an ISO 20022 message/);
      expectCode(() => parseMessage(edit(P008, 'head.001.001.02">', 'head.001.001.01">')), 'DARI_XML_UNKNOWN_MESSAGE', /AppHdr namespace .* is not head.001.001.02/);
      expectCode(() => parseMessage('<Envelope xmlns="urn:swift:xsd:envelope"><AppHdr/></Envelope>'), 'DARI_XML_UNKNOWN_MESSAGE', /no Document element/);
      expectCode(() => parseMessage('<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"/>'), 'DARI_XML_UNKNOWN_MESSAGE', /without a Document/);
      expectCode(() => parseMessage('<Document><FIToFIPmtStsRpt/></Document>'), 'DARI_XML_UNKNOWN_MESSAGE', /no namespace/);
    });

    it('an undeclared prefix is not the ISO namespace: DARI_XML_UNKNOWN_MESSAGE', () => {
      expectCode(() => parseMessage(edit(P008, ' xmlns:pacs="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', '')), 'DARI_XML_UNKNOWN_MESSAGE');
    });

    it('header MsgDefIdr and Document namespace disagree: DARI_XML_NAMESPACE_MISMATCH (read and build)', () => {
      expectCode(() => parseMessage(edit(P008, '<head:MsgDefIdr>pacs.008.001.08<', '<head:MsgDefIdr>pacs.008.001.13<')), 'DARI_XML_NAMESPACE_MISMATCH', /MsgDefIdr says pacs.008.001.13 but the Document is pacs.008.001.08/);
      expectCode(() => buildMessage('pacs.008.001.08', pacs008(), { header: headerFor('pacs.002.001.10') }), 'DARI_XML_NAMESPACE_MISMATCH');
    });

    it('a Document without namespace takes its type from the header', () => {
      const { type, document } = CASES[1] as (typeof CASES)[number];
      const built = buildMessage(type, document, { header: headerFor(type, false), envelope: false });
      const m = parseMessage(edit(built, `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:${type}">`, '<Document>'));
      assert.equal(m.type, type);
      assert.deepStrictEqual(m.document, document);
      // in an envelope, an unprefixed Document is in the envelope's default namespace: not a message
      const enveloped = P008.replace(' xmlns:pacs="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"', '').replace(/pacs:/g, '');
      expectCode(() => parseMessage(enveloped), 'DARI_XML_UNKNOWN_MESSAGE', /"urn:swift:xsd:envelope" is not an ISO 20022 message/);
    });

    it('elements of another namespace are foreign: a mandatory one in the wrong namespace is missing', () => {
      const foreign = edit(P002, '<pacs:MsgId>P002-20260413-9102</pacs:MsgId>', '<x:MsgId xmlns:x="urn:example">P002-20260413-9102</x:MsgId>');
      expectCode(() => parseMessage(foreign), 'DARI_XML_MISSING_ELEMENT', /^\/Document\/FIToFIPmtStsRpt\/GrpHdr\/MsgId is missing$/);
    });

    it('a Document whose root element is another message: DARI_XML_MISSING_ELEMENT', () => {
      expectCode(() => parseMessage(P002.replace(/FIToFIPmtStsRpt/g, 'FIToFIPmtStsReq')), 'DARI_XML_MISSING_ELEMENT', /\/Document\/FIToFIPmtStsRpt is missing/);
    });
  });

  describe('amounts: DARI_XML_AMOUNT_INVALID (ISO 4217 decimals), read and build', () => {
    const read = (ccy: string, value: string): string => edit(P008, '<pacs:IntrBkSttlmAmt Ccy="EUR">750000<', `<pacs:IntrBkSttlmAmt Ccy="${ccy}">${value}<`);
    it('KRW 100.5 (KRW has no decimals)', () => {
      const e = expectCode(() => parseMessage(read('KRW', '100.5')), 'DARI_XML_AMOUNT_INVALID', /CdtTrfTxInf\[1\]\/IntrBkSttlmAmt: 1 decimal\(s\), KRW allows 0/);
      assert.ok(!e.message.includes('100.5'), 'the value is not in the message');
    });
    it('USD 1.234 (USD has 2)', () => expectCode(() => parseMessage(read('USD', '1.234')), 'DARI_XML_AMOUNT_INVALID', /3 decimal\(s\), USD allows 2/));
    it('JPY, VND 0; BHD 3; IDR 2 are accepted at their exponent', () => {
      for (const [ccy, v] of [['JPY', '100'], ['VND', '2500000'], ['BHD', '1.125'], ['IDR', '1250000.50'], ['KRW', '0']]) {
        assert.equal(parseMessage(read(ccy as string, v as string)).type, 'pacs.008.001.08', `${ccy} ${v}`);
      }
    });
    it('not a decimal, negative, unknown currency, no Ccy, more than 18 digits', () => {
      expectCode(() => parseMessage(read('EUR', '1,000.00')), 'DARI_XML_AMOUNT_INVALID', /not a decimal/);
      expectCode(() => parseMessage(read('EUR', '-5')), 'DARI_XML_AMOUNT_INVALID', /not a decimal/);
      expectCode(() => parseMessage(read('EUR', '')), 'DARI_XML_AMOUNT_INVALID', /not a decimal/);
      expectCode(() => parseMessage(read('XYZ', '10')), 'DARI_XML_AMOUNT_INVALID', /XYZ is not an ISO 4217 currency/);
      expectCode(() => parseMessage(read('XAU', '10')), 'DARI_XML_AMOUNT_INVALID', /XAU is not an ISO 4217 currency with a minor unit/);
      expectCode(() => parseMessage(read('KRW', '1234567890123456789')), 'DARI_XML_AMOUNT_INVALID', /18 digits/);
      expectCode(() => parseMessage(edit(P008, '<pacs:InstdAmt Ccy="EUR">', '<pacs:InstdAmt>')), 'DARI_XML_AMOUNT_INVALID', /InstdAmt: the amount has no Ccy attribute/);
    });
    it('building refuses the same amounts', () => {
      for (const [Ccy, value, re] of [['KRW', '100.5', /KRW allows 0/], ['USD', '1.234', /USD allows 2/], ['EUR', '1e3', /not a decimal/], ['ABC', '1', /not an ISO 4217/]] as const) {
        const d = pacs008();
        (d.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).InstdAmt = { Ccy, value };
        expectCode(() => buildMessage('pacs.008.001.08', d), 'DARI_XML_AMOUNT_INVALID', re);
      }
      const d = pacs008();
      (d.CdtTrfTxInf[0] as unknown as Record<string, unknown>).InstdAmt = '107500';
      expectCode(() => buildMessage('pacs.008.001.08', d), 'DARI_XML_AMOUNT_INVALID', /an amount is \{ Ccy/);
    });
  });

  describe('missing mandatory elements: DARI_XML_MISSING_ELEMENT with the path', () => {
    it('reading', () => {
      expectCode(() => parseMessage(edit(P008, /<pacs:EndToEndId>[^<]*<\/pacs:EndToEndId>/, '')), 'DARI_XML_MISSING_ELEMENT', /^\/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\[1\]\/PmtId\/EndToEndId is missing$/);
      expectCode(() => parseMessage(edit(P008, /<pacs:GrpHdr>[\s\S]*<\/pacs:GrpHdr>/, '')), 'DARI_XML_MISSING_ELEMENT', /\/FIToFICstmrCdtTrf\/GrpHdr is missing/);
      expectCode(() => parseMessage(edit(P008, /<pacs:CdtTrfTxInf>[\s\S]*<\/pacs:CdtTrfTxInf>/, '')), 'DARI_XML_MISSING_ELEMENT', /CdtTrfTxInf is missing/);
      expectCode(() => parseMessage(edit(P008, /<head:BizMsgIdr>[^<]*<\/head:BizMsgIdr>/, '')), 'DARI_XML_MISSING_ELEMENT', /^\/AppHdr\/BizMsgIdr is missing$/);
      expectCode(() => parseMessage(edit(P008, '<pacs:EndToEndId>E2E-04138234</pacs:EndToEndId>', '<pacs:EndToEndId/>')), 'DARI_XML_MISSING_ELEMENT', /EndToEndId is missing/);
      // a choice with no member: DbtrAcct/Id (AccountIdentification4Choice) emptied
      expectCode(() => parseMessage(edit(P008, /<pacs:Othr>\s*<pacs:Id>74829163<\/pacs:Id>\s*<\/pacs:Othr>/, '')), 'DARI_XML_MISSING_ELEMENT', /DbtrAcct\/Id needs one of IBAN, Othr/);
    });
    it('building', () => {
      const d = pacs008();
      delete (d.CdtTrfTxInf[0] as Partial<Pacs008['CdtTrfTxInf'][number]>).DbtrAgt;
      expectCode(() => buildMessage('pacs.008.001.08', d), 'DARI_XML_MISSING_ELEMENT', /^\/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\[1\]\/DbtrAgt is missing$/);
      expectCode(() => buildMessage('pacs.008.001.08', { ...pacs008(), CdtTrfTxInf: [] }), 'DARI_XML_MISSING_ELEMENT', /CdtTrfTxInf is missing \(at least one\)/);
      const noId = pacs008();
      (noId.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).CdtrAcct = { Ccy: 'EUR' };
      expectCode(() => buildMessage('pacs.008.001.08', noId), 'DARI_XML_MISSING_ELEMENT', /CdtrAcct\/Id is missing/);
      expectCode(() => buildMessage('pacs.008.001.08', pacs008(), { envelope: true }), 'DARI_XML_MISSING_ELEMENT', /AppHdr is missing/);
    });
  });

  describe('values: DARI_XML_VALUE_INVALID', () => {
    it('reading: an element repeated where the schema allows one, a non-boolean indicator, a value with child elements', () => {
      expectCode(() => parseMessage(edit(P002, '<pacs:MsgId>P002-20260413-9102</pacs:MsgId>', '<pacs:MsgId>A</pacs:MsgId><pacs:MsgId>B</pacs:MsgId>')), 'DARI_XML_VALUE_INVALID', /GrpHdr\/MsgId: occurs more than once/);
      expectCode(() => parseMessage(edit(P008, '<pacs:NbOfTxs>1</pacs:NbOfTxs>', '<pacs:BtchBookg>yes</pacs:BtchBookg><pacs:NbOfTxs>1</pacs:NbOfTxs>')), 'DARI_XML_VALUE_INVALID', /BtchBookg: is not an xs:boolean/);
      expectCode(() => parseMessage(edit(P008, '<pacs:ChrgBr>DEBT</pacs:ChrgBr>', '<pacs:ChrgBr><pacs:Cd>DEBT</pacs:Cd></pacs:ChrgBr>')), 'DARI_XML_VALUE_INVALID', /ChrgBr: has child elements/);
      expectCode(() => parseMessage(edit(P008, '<pacs:Othr>\n\t\t\t\t\t\t\t<pacs:Id>74829163</pacs:Id>', '<pacs:IBAN>DE89370400440532013000</pacs:IBAN><pacs:Othr>\n\t\t\t\t\t\t\t<pacs:Id>74829163</pacs:Id>')), 'DARI_XML_VALUE_INVALID', /DbtrAcct\/Id: has more than one of IBAN, Othr/);
    });

    it('building: a field the version does not define, wrong types, empty or padded text, both members of a choice', () => {
      const v13only = pacs008();
      (v13only.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).AgrdRate = { PreAgrdXchgRate: '1.5' };
      expectCode(() => buildMessage('pacs.008.001.08', v13only), 'DARI_XML_VALUE_INVALID', /CdtTrfTxInf\[1\]\/AgrdRate: is not an element of this message version/);
      const typo = { ...pacs008(), GrpHdr: { ...pacs008().GrpHdr, MsgID: 'x' } };
      expectCode(() => buildMessage('pacs.008.001.08', typo), 'DARI_XML_VALUE_INVALID', /GrpHdr\/MsgID: is not an element/);
      const bad = (mutate: (d: Pacs008) => void, re: RegExp): void => {
        const d = pacs008();
        mutate(d);
        const e = expectCode(() => buildMessage('pacs.008.001.08', d), 'DARI_XML_VALUE_INVALID', re);
        assert.ok(!e.message.includes('SECRET'), 'no value in the message');
      };
      bad((d) => { d.GrpHdr.MsgId = ''; }, /MsgId: is empty/);
      bad((d) => { d.GrpHdr.MsgId = ' SECRET'; }, /MsgId: starts or ends with white space/);
      bad((d) => { d.GrpHdr.MsgId = 'SECRET\u0001'; }, /MsgId: has a character XML cannot carry/);
      bad((d) => { (d.GrpHdr as unknown as Record<string, unknown>).MsgId = 42; }, /MsgId: must be a string, not number/);
      bad((d) => { (d.GrpHdr as unknown as Record<string, unknown>).BtchBookg = 'true'; }, /BtchBookg: must be a boolean/);
      bad((d) => { (d as unknown as Record<string, unknown>).CdtTrfTxInf = (d.CdtTrfTxInf[0]); }, /CdtTrfTxInf: repeats: it must be an array/);
      bad((d) => { (d.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).CdtrAcct = { Id: { IBAN: 'DE89370400440532013000', Othr: { Id: '1' } } }; }, /CdtrAcct\/Id: has more than one of IBAN, Othr/);
      bad((d) => { (d.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).Cdtr.PstlAdr = { AdrLine: ['1', '2', '3', '4', '5', '6', '7', '8'] }; }, /AdrLine: 8 occurrences, the schema allows 7/);
      bad((d) => { (d as unknown as Record<string, unknown>).GrpHdr = null; }, /GrpHdr: must be an object/);
    });

    it('an unknown message type or header version: DARI_XML_UNKNOWN_MESSAGE', () => {
      expectCode(() => buildMessage('pacs.008.001.09' as 'pacs.008.001.08', pacs008()), 'DARI_XML_UNKNOWN_MESSAGE');
      expectCode(() => buildMessage('pacs.008.001.08', pacs008(), { header: headerFor('pacs.008.001.08'), headerType: 'head.001.001.01' as 'head.001.001.02' }), 'DARI_XML_UNKNOWN_MESSAGE');
    });
  });

  it('elements Dari does not model are skipped, whatever they hold', () => {
    const extra = edit(P008, '<pacs:ChrgBr>DEBT</pacs:ChrgBr>', '<pacs:ChrgBr>DEBT</pacs:ChrgBr><pacs:MndtRltdInf><pacs:MndtId>X</pacs:MndtId><pacs:Deep><pacs:Deeper/></pacs:Deep></pacs:MndtRltdInf><pacs:SplmtryData><pacs:Envlp><any:Thing xmlns:any="urn:x">42</any:Thing></pacs:Envlp></pacs:SplmtryData>');
    const m = parseMessage(extra);
    assert.equal(m.type, 'pacs.008.001.08');
    assert.deepStrictEqual(m.document, parseMessage(P008).document);
  });
});
