/**
 * Every builder's output, for every message type and form (bare Document; AppHdr head.001.001.02
 * and .03 in the SWIFT envelope; AppHdr + Document without envelope), validates with xmllint
 * against the ISO XSDs (header and Document separately), and reads back to the same model.
 * Inputs: the hand-written documents of documents.ts (sources named there).
 */
import { strict as assert } from 'node:assert';
import { buildMessage, parseMessage } from '../../../src/codec/iso20022';
import type { HeaderType } from '../../../src/codec/iso20022/types';
import { CASES, headerFor } from './documents';
import { requireXmllint, splitParts, xmllint } from './xmllint';

describe('ISO 20022 builders: XSD-valid output (xmllint), read(build(x)) = x', () => {
  before(requireXmllint);

  for (const { name, type, document } of CASES) {
    describe(name, () => {
      it('bare Document', () => {
        const xml = buildMessage(type, document);
        assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:' + type + '">'));
        const r = xmllint(splitParts(xml).document, type);
        assert.ok(r.ok, r.output);
        const back = parseMessage(xml);
        assert.equal(back.type, type);
        assert.equal(back.envelope, false);
        assert.equal(back.header, undefined);
        assert.deepStrictEqual(back.document, document);
      });

      for (const headerType of ['head.001.001.02', 'head.001.001.03'] as HeaderType[]) {
        it(`AppHdr ${headerType} in an envelope`, () => {
          const header = headerFor(type);
          const xml = buildMessage(type, document, { header, headerType });
          assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Envelope xmlns="urn:swift:xsd:envelope"><AppHdr /);
          const parts = splitParts(xml);
          const h = xmllint(parts.header as string, headerType);
          assert.ok(h.ok, h.output);
          const d = xmllint(parts.document, type);
          assert.ok(d.ok, d.output);
          const back = parseMessage(Buffer.from(xml, 'utf8'));
          assert.deepStrictEqual(back, { type, header, headerType, document, envelope: true });
        });
      }

      it('AppHdr + Document without envelope', () => {
        const header = headerFor(type, false);
        const xml = buildMessage(type, document, { header, envelope: false });
        assert.match(xml, /^<\?xml[^>]*>\n<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">/);
        const parts = splitParts(xml);
        assert.ok(xmllint(parts.header as string, 'head.001.001.02').ok);
        assert.ok(xmllint(parts.document, type).ok);
        assert.deepStrictEqual(parseMessage(xml), { type, header, headerType: 'head.001.001.02', document, envelope: false });
      });
    });
  }

  it('writes elements in XSD order whatever the key order of the model', () => {
    const { type, document } = CASES[0] as (typeof CASES)[number];
    const reversed = JSON.parse(JSON.stringify(document), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v);
    assert.equal(buildMessage(type, reversed), buildMessage(type, document));
  });

  it('escapes text: & < > and CR survive the round trip; the XML is UTF-8 text', () => {
    const { type, document } = CASES[1] as (typeof CASES)[number];
    const doc = JSON.parse(JSON.stringify(document));
    doc.CdtTrfTxInf[0].Cdtr.Nm = 'A&B <Kopi> "Kita" \'Jkt\'\r\nCafé 다리 ☕';
    const xml = buildMessage(type, doc);
    assert.ok(xml.includes('A&amp;B &lt;Kopi&gt; "Kita" \'Jkt\'&#13;\nCafé 다리 ☕'));
    assert.ok(xmllint(splitParts(xml).document, type).ok);
    assert.deepStrictEqual(parseMessage(Buffer.from(xml, 'utf8')).document, doc);
  });
});
