/**
 * One gate pass for reading and validation (checkMessage), the cut-down gate for messages Dari
 * built (SchemaValidator.validateBuilt), and the element tree the gate builds for the reader.
 *
 * Inputs: the CBPR+ samples of ../shared/iso20022/samples (edited by hand where a case needs it),
 * the hostile fixtures of fixtures/iso20022, and the documents of documents.ts. The rules checked
 * come from XML 1.0 (fifth edition): 2.5 comments and 2.6 processing instructions are not character
 * data, 2.7 CDATA sections are, production 16 (PI target), production 23 (XMLDecl); from Namespaces
 * in XML 1.0 (third edition) 2.3: namespace names are compared as strings, without normalisation;
 * and from the XSDs (BICFIDec2014Identifier pattern) for the schema errors the builder lets through.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import { SchemaValidator, buildMessage, checkMessage, parseMessage } from '../../../src/codec/iso20022';
import type { Pacs002, Pacs008 } from '../../../src/codec/iso20022/types';
import { FIXTURES } from '../../support/paths';
import { CASES, headerFor } from './documents';
import { SAMPLES_DIR, XSD_DIR } from './xmllint';

const SAMPLES = ['pacs008_credit_transfer_sample.xml', 'pacs002_status_report_sample.xml', 'pacs004_payment_return_sample.xml'];
const P002 = readFileSync(join(SAMPLES_DIR, 'pacs002_status_report_sample.xml'), 'utf8');
const P008 = readFileSync(join(SAMPLES_DIR, 'pacs008_credit_transfer_sample.xml'), 'utf8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function expectCode(fn: () => unknown, code: string, re?: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DariError, `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

function edit(xml: string, from: string | RegExp, to: string): string {
  const out = xml.replace(from, to);
  assert.notEqual(out, xml, `edit did not apply: ${String(from)}`);
  return out;
}

const msgIdOf = (xml: string): string => (parseMessage(xml).document as Pacs002).GrpHdr.MsgId;

describe('ISO 20022 codec: one gate pass, and the cut-down gate for built messages', () => {
  let v: SchemaValidator;
  before(async () => { v = await SchemaValidator.open(XSD_DIR); });
  after(() => v.close());

  describe('checkMessage: read and validate from one gate pass', () => {
    it('the samples read and validate from checkMessage exactly as from their bytes', () => {
      for (const file of SAMPLES) {
        const bytes = readFileSync(join(SAMPLES_DIR, file));
        const checked = checkMessage(bytes);
        assert.deepStrictEqual(parseMessage(checked), parseMessage(bytes), file);
        assert.deepStrictEqual(v.validate(checked), v.validate(bytes), file);
        assert.equal(v.validate(checked).valid, true, file);
      }
    });

    it('AppHdr + Document side by side, as bytes with a BOM: the errors keep the lines of the input', () => {
      const twoRoots = edit(edit(P008.replace(/<Envelope[^>]*>/, ''), '</Envelope>', ''), '<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX');
      const fromText = v.validate(twoRoots);
      assert.deepStrictEqual([fromText.valid, fromText.envelope, fromText.errors.map((e) => [e.part, e.line])], [false, false, [['Document', 42]]]);
      for (const input of [Buffer.from(twoRoots), Buffer.concat([BOM, Buffer.from(twoRoots)])]) {
        assert.deepStrictEqual(v.validate(checkMessage(input)), fromText);
        assert.deepStrictEqual(v.validate(input), fromText);
      }
    });

    it('the limits apply when checking; refusals are the same coded errors as parseMessage gives', () => {
      expectCode(() => checkMessage(P008, { maxBytes: 1000 }), 'DARI_XML_TOO_LARGE');
      expectCode(() => checkMessage(readFileSync(join(FIXTURES, 'iso20022', 'billion-laughs.xml'))), 'DARI_XML_DOCTYPE_REFUSED');
      expectCode(() => checkMessage(P008, { maxDepth: 6 }), 'DARI_XML_TOO_DEEP', /line 45/);
    });
  });

  describe('validateBuilt: the cut-down gate for what buildMessage wrote', () => {
    it("gives validate()'s verdict for every document in every form", () => {
      for (const { type, document } of CASES) {
        for (const xml of [
          buildMessage(type, document),
          buildMessage(type, document, { header: headerFor(type) }),
          buildMessage(type, document, { header: headerFor(type), headerType: 'head.001.001.03', envelope: false }),
        ]) {
          const r = v.validateBuilt(xml);
          assert.deepStrictEqual(r, v.validate(xml), type);
          assert.equal(r.valid, true, `${type}: ${JSON.stringify(r.errors)}`);
        }
      }
    });

    it('still applies the XSDs: a BIC the builder lets through fails its pattern, in the part and on the line it is', () => {
      const { type, document } = CASES[0] as (typeof CASES)[number];
      const bad = JSON.parse(JSON.stringify(document)) as Pacs008;
      bad.GrpHdr.InstgAgt = { FinInstnId: { BICFI: 'NOTABIC' } };
      const header = { ...headerFor(type), Fr: { FIId: { FinInstnId: { BICFI: 'NOTABIC' } } } };
      for (const envelope of [true, false]) {
        const r = v.validateBuilt(buildMessage(type, bad, { header, envelope }));
        assert.equal(r.valid, false);
        assert.deepStrictEqual(r.errors.map((e) => [e.part, e.line]), [['AppHdr', 2], ['Document', 2]]);
        assert.match(r.errors[0]?.message ?? '', /^Element 'BICFI': \[facet 'pattern'\] The value 'NOTABIC' is not accepted by the pattern/);
      }
    });

    it('refuses any markup declaration, bounds the size, and leaves well-formedness to libxml2', async () => {
      expectCode(() => v.validateBuilt(readFileSync(join(FIXTURES, 'iso20022', 'xxe-external-entity.xml'), 'utf8')), 'DARI_XML_DOCTYPE_REFUSED', /markup declaration/);
      expectCode(() => v.validateBuilt(edit(P002, '<Envelope', '<!-- a comment --><Envelope')), 'DARI_XML_DOCTYPE_REFUSED');
      const { type, document } = CASES[0] as (typeof CASES)[number];
      const built = buildMessage(type, document, { header: headerFor(type) });
      expectCode(() => v.validateBuilt(built.replace('</Envelope>', '')), 'DARI_XML_MALFORMED');
      const small = await SchemaValidator.open(XSD_DIR, { maxBytes: 1000 });
      try {
        expectCode(() => small.validateBuilt(built), 'DARI_XML_TOO_LARGE', /1000 bytes/);
      } finally {
        small.close();
      }
    });
  });

  describe('the element tree the gate builds', () => {
    it('comments and processing instructions inside a value are not part of it (XML 1.0 2.5, 2.6)', () => {
      assert.equal(msgIdOf(edit(P002, '<pacs:MsgId>P002-20260413-9102', '<pacs:MsgId>P002-<!-- day -->20260413-<?dari note?>9102')), 'P002-20260413-9102');
    });

    it('CDATA sections are character data, markup characters included (XML 1.0 2.7)', () => {
      assert.equal(msgIdOf(edit(P002, '<pacs:MsgId>P002-20260413-9102', '<pacs:MsgId><![CDATA[P002-20260413-9102]]>')), 'P002-20260413-9102');
      assert.equal(msgIdOf(edit(P002, '<pacs:MsgId>P002-20260413-9102', '<pacs:MsgId>P002 <![CDATA[<&>]]> &lt;9102')), 'P002 <&> <9102');
    });

    it('a namespace name is compared as written: surrounding spaces make it another namespace (Namespaces in XML 2.3)', () => {
      expectCode(() => parseMessage(edit(P002, 'xmlns:pacs="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"', 'xmlns:pacs=" urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"')), 'DARI_XML_UNKNOWN_MESSAGE', /is not an ISO 20022 message/);
    });

    it('the XML declaration follows production 23; anything else starting <?xml is refused', () => {
      for (const decl of ['<?xml version="1.0"?>', "<?xml version='1.0' encoding='utf-8' standalone='yes'?>", '<?xml version="1.0"  encoding="UTF-8" ?>']) {
        assert.equal(msgIdOf(edit(P002, '<?xml version="1.0" encoding="UTF-8"?>', decl)), 'P002-20260413-9102', decl);
      }
      for (const decl of ['<?xml encoding="UTF-8" version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"standalone="yes"?>', '<?xml version=1.0?>', '<?xml version="1.0" standalone="maybe"?>', '<?xml version="2.0"?>']) {
        expectCode(() => parseMessage(edit(P002, '<?xml version="1.0" encoding="UTF-8"?>', decl)), 'DARI_XML_MALFORMED', /line 1: a malformed XML declaration/);
      }
    });

    it('a processing instruction needs a target name (production 16)', () => {
      assert.equal(msgIdOf(edit(P002, '<Envelope', '<?dari-note hello?>\n<Envelope')), 'P002-20260413-9102');
      expectCode(() => parseMessage(edit(P002, '<Envelope', '<?1note hello?>\n<Envelope')), 'DARI_XML_MALFORMED', /line 2: a processing instruction without a valid target name/);
      expectCode(() => parseMessage(edit(P002, '<Envelope', '<?dari"note?>\n<Envelope')), 'DARI_XML_MALFORMED', /line 2: a processing instruction without a valid target name/);
    });

    it('attribute names that are Object.prototype members are refused like element names', () => {
      expectCode(() => parseMessage(edit(P002, '<pacs:TxSts>', '<pacs:TxSts __proto__="x">')), 'DARI_XML_MALFORMED', /line 37: the XML parser refused the document \(attribute name "__proto__" is reserved\)/);
    });
  });
});
