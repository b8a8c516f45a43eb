/**
 * SchemaValidator (libxml2-wasm) over ../shared/iso20022/xsd: the CBPR+ samples and Dari's own
 * output are valid; broken copies of the samples (edited by hand) give their errors with the line
 * of the input and the part (AppHdr or Document); unusable input and missing schemas are coded.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import { SchemaValidator, buildMessage } from '../../../src/codec/iso20022';
import { FIXTURES } from '../../support/paths';
import { CASES, headerFor } from './documents';
import { SAMPLES_DIR, XSD_DIR } from './xmllint';

const P008 = readFileSync(join(SAMPLES_DIR, 'pacs008_credit_transfer_sample.xml'), 'utf8');

async function expectCode(p: Promise<unknown> | (() => unknown), code: string, re?: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.ok(e instanceof DariError, String(e));
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return;
  }
  assert.fail(`expected ${code}`);
}

describe('SchemaValidator (libxml2-wasm)', () => {
  let v: SchemaValidator;
  before(async () => { v = await SchemaValidator.open(XSD_DIR); });
  after(() => v.close());

  it('the three CBPR+ samples are valid (header and Document each against its XSD)', () => {
    for (const [file, type] of [['pacs008_credit_transfer_sample.xml', 'pacs.008.001.08'], ['pacs002_status_report_sample.xml', 'pacs.002.001.10'], ['pacs004_payment_return_sample.xml', 'pacs.004.001.09']]) {
      assert.deepStrictEqual(v.validate(readFileSync(join(SAMPLES_DIR, file as string))), { valid: true, type, headerType: 'head.001.001.02', envelope: true, errors: [] });
    }
  });

  it("Dari's own output is valid in every form", () => {
    for (const { type, document } of CASES) {
      assert.equal(v.validate(buildMessage(type, document)).valid, true, type);
      assert.equal(v.validate(buildMessage(type, document, { header: headerFor(type), headerType: 'head.001.001.03' })).valid, true, type);
      const r = v.validate(buildMessage(type, document, { header: headerFor(type), envelope: false }));
      assert.deepStrictEqual([r.valid, r.envelope, r.headerType], [true, false, 'head.001.001.02']);
    }
  });

  it('errors carry the input line and the part; namespaces shortened', () => {
    const broken = P008.replace('<pacs:NbOfTxs>1</pacs:NbOfTxs>', '').replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX').replace('<head:BizMsgIdr>P008-20260413-5017</head:BizMsgIdr>', '');
    const r = v.validate(broken);
    assert.equal(r.valid, false);
    assert.deepStrictEqual(r.errors.map((e) => [e.part, e.line]), [['AppHdr', 19], ['Document', 29], ['Document', 42]]);
    assert.match(r.errors[0]?.message ?? '', /^Element 'MsgDefIdr': This element is not expected\. Expected is \( BizMsgIdr \)\.$/);
    assert.match(r.errors[1]?.message ?? '', /^Element 'SttlmInf': This element is not expected\. Expected is one of \( BtchBookg, NbOfTxs \)\.$/);
    assert.match(r.errors[2]?.message ?? '', /^Element 'ChrgBr': \[facet 'enumeration'\] The value 'XXXX' is not an element of the set \{'DEBT', 'CRED', 'SHAR', 'SLEV'\}\.$/);
  });

  it('AppHdr + Document without envelope: lines are those of the input', () => {
    const twoRoots = P008.replace(/<Envelope[^>]*>/, '').replace('</Envelope>', '').replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX');
    const r = v.validate(twoRoots);
    assert.deepStrictEqual([r.valid, r.envelope, r.errors.map((e) => e.line)], [false, false, [42]]);
  });

  it('a card-number-like value quoted by libxml2 is masked', () => {
    const r = v.validate(P008.replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>4761739001010119'));
    assert.equal(r.valid, false);
    assert.ok(r.errors[0]?.message.includes("'476173******0119'"), r.errors[0]?.message);
    assert.ok(!JSON.stringify(r).includes('4761739001010119'));
  });

  it('maxErrors bounds the list', async () => {
    const few = await SchemaValidator.open(XSD_DIR, { maxErrors: 1 });
    try {
      const r = few.validate(P008.replace('<pacs:NbOfTxs>1</pacs:NbOfTxs>', '').replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX'));
      assert.equal(r.errors.length, 1);
    } finally {
      few.close();
    }
  });

  it('unusable input is a coded error, not a verdict', async () => {
    await expectCode(() => v.validate(readFileSync(join(FIXTURES, 'iso20022', 'xxe-external-entity.xml'))), 'DARI_XML_DOCTYPE_REFUSED');
    await expectCode(() => v.validate('<a><b></a>'), 'DARI_XML_MALFORMED');
    await expectCode(() => v.validate(P008.replace(/pacs\.008\.001\.08/g, 'pacs.008.001.09')), 'DARI_XML_UNKNOWN_MESSAGE', /pacs\.008\.001\.09 is not supported/);
    await expectCode(() => v.validate(P008.replace('head.001.001.02">', 'head.001.001.01">')), 'DARI_XML_UNKNOWN_MESSAGE', /AppHdr namespace/);
    await expectCode(() => v.validate('<Envelope xmlns="urn:swift:xsd:envelope"/>'), 'DARI_XML_UNKNOWN_MESSAGE', /no Document/);
  });

  it('missing folder, missing schema file, broken schema: DARI_XML_SCHEMA_UNAVAILABLE', async () => {
    await expectCode(SchemaValidator.open('/nonexistent/xsd'), 'DARI_XML_SCHEMA_UNAVAILABLE', /does not exist/);
    const dir = mkdtempSync(join(tmpdir(), 'dari-xsd-'));
    writeFileSync(join(dir, 'head.001.001.02.xsd'), '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="AppHdr" type="Nope"/></xs:schema>');
    const partial = await SchemaValidator.open(dir);
    try {
      await expectCode(() => partial.validate(P008), 'DARI_XML_SCHEMA_UNAVAILABLE', /head\.001\.001\.02\.xsd does not compile/);
      await expectCode(() => partial.validate(buildMessage('pacs.002.001.10', { GrpHdr: { MsgId: 'A', CreDtTm: '2026-04-13T00:00:00Z' } })), 'DARI_XML_SCHEMA_UNAVAILABLE', /no schema file .*pacs\.002\.001\.10\.xsd/);
    } finally {
      partial.close();
    }
    const closed = await SchemaValidator.open(XSD_DIR);
    closed.close();
    await expectCode(() => closed.validate(P008), 'DARI_XML_SCHEMA_UNAVAILABLE', /closed/);
  });

  it('every parsed document is disposed, valid or not, thrown or not (libxml2-wasm memory diagnostics)', async () => {
    const lx = await import('libxml2-wasm');
    lx.diag.configure({ enabled: true });
    try {
      const fresh = await SchemaValidator.open(XSD_DIR);
      for (let i = 0; i < 20; i++) {
        fresh.validate(P008);
        fresh.validate(P008.replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX'));
        await expectCode(() => fresh.validate(P008.replace(/pacs\.008\.001\.08/g, 'pacs.008.001.09')), 'DARI_XML_UNKNOWN_MESSAGE');
      }
      assert.deepEqual(Object.keys(lx.diag.report() as object), ['XsdValidator'], 'only the two compiled schemas are alive');
      fresh.close();
      assert.deepEqual(lx.diag.report(), {}, 'close() disposes the compiled schemas');
    } finally {
      lx.diag.configure({ enabled: false });
    }
  });
});
