/**
 * `dari iso20022` driven as a user would: a spawned process, file or stdin in, stdout/stderr and
 * exit code out. Inputs: the CBPR+ samples of ../shared/iso20022/samples (edited by hand for the
 * invalid cases) and the hostile fixtures of fixtures/iso20022.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMessage, parseMessage } from '../../src/codec/iso20022';
import type { Pacs008 } from '../../src/codec/iso20022/types';
import { DARI_BIN, FIXTURES, SHARED } from '../support/paths';

const SAMPLES = join(SHARED, 'iso20022', 'samples');
const XSD = join(SHARED, 'iso20022', 'xsd');
const P008 = join(SAMPLES, 'pacs008_credit_transfer_sample.xml');

function dari(args: string[], input = ''): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { input, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dari-cli20022-')), name);
  writeFileSync(file, text);
  return file;
}

function oneCodedLine(err: string, re: RegExp): void {
  const lines = err.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${err}`);
  assert.match(lines[0] ?? '', re);
  assert.ok(!/\n\s+at /.test(err), 'no stack trace');
}

describe('dari iso20022 (CLI)', () => {
  it('validate: a valid enveloped message, default XSD folder, exit 0 and one OK line', () => {
    const r = dari(['iso20022', 'validate', P008]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), 'OK pacs.008.001.08 (AppHdr head.001.001.02, in an envelope)');
    assert.equal(r.err, '');
  });

  it('validate: --xsd DIR, a bare Document on stdin', () => {
    const m = parseMessage(readFileSync(join(SAMPLES, 'pacs002_status_report_sample.xml')));
    const r = dari(['iso20022', 'validate', '-', '--xsd', XSD], buildMessage(m.type, m.document as never));
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), 'OK pacs.002.001.10');
  });

  it('validate: schema errors, exit 1, the errors with lines on stdout and one coded line on stderr', () => {
    const broken = readFileSync(P008, 'utf8').replace('<pacs:NbOfTxs>1</pacs:NbOfTxs>', '').replace('<pacs:ChrgBr>DEBT', '<pacs:ChrgBr>XXXX');
    const r = dari(['iso20022', 'validate', tempFile('broken.xml', broken)]);
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(r.out.trim().split('\n').map((l) => l.replace(/:.*$/, '')), ['line 29 Document', 'line 42 Document']);
    assert.match(r.out, /Element 'SttlmInf': This element is not expected\. Expected is one of \( BtchBookg, NbOfTxs \)/);
    oneCodedLine(r.err, /^DARI_XML_SCHEMA_INVALID: pacs\.008\.001\.08 \(AppHdr head\.001\.001\.02, in an envelope\) does not validate against its XSD \(first error: line 29, Document\)$/);
  });

  it('validate: schema-valid but too many decimals for the currency (KRW 100.5), exit 1', () => {
    const krw = readFileSync(P008, 'utf8').replace('<pacs:IntrBkSttlmAmt Ccy="EUR">750000<', '<pacs:IntrBkSttlmAmt Ccy="KRW">100.5<');
    const r = dari(['iso20022', 'validate', '-'], krw);
    assert.equal(r.code, 1);
    oneCodedLine(r.err, /^DARI_XML_AMOUNT_INVALID: pacs\.008\.001\.08 .*IntrBkSttlmAmt: 1 decimal\(s\), KRW allows 0/);
  });

  describe('unusable input: exit 2, one coded line', () => {
    const cases: Array<[string, string[], string, RegExp]> = [
      ['not XML', ['iso20022', 'validate', '-'], 'hello', /^DARI_XML_MALFORMED: line 1: text outside the root element$/],
      ['XXE attempt', ['iso20022', 'validate', join(FIXTURES, 'iso20022', 'xxe-external-entity.xml')], '', /^DARI_XML_DOCTYPE_REFUSED: line 2: /],
      ['billion laughs (decode)', ['iso20022', 'decode', join(FIXTURES, 'iso20022', 'billion-laughs.xml')], '', /^DARI_XML_DOCTYPE_REFUSED: /],
      ['unknown message', ['iso20022', 'validate', '-'], '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08"/>', /^DARI_XML_UNKNOWN_MESSAGE: pacs\.009\.001\.08 is not supported \(supported: pacs\.008\.001\.08, /],
      ['no schema folder', ['iso20022', 'validate', P008, '--xsd', '/nonexistent/xsd'], '', /^DARI_XML_SCHEMA_UNAVAILABLE: the XSD folder \/nonexistent\/xsd does not exist$/],
      ['no FILE', ['iso20022', 'validate'], '', /^DARI_CLI_USAGE: validate needs a FILE/],
      ['a file that does not exist', ['iso20022', 'decode', '/nonexistent/m.xml'], '', /^DARI_CLI_USAGE: cannot read \/nonexistent\/m\.xml$/],
      ['a folder instead of a file', ['iso20022', 'validate', FIXTURES], '', /^DARI_CLI_USAGE: .* is not a file$/],
      ['unknown subcommand', ['iso20022', 'frobnicate'], '', /^DARI_CLI_USAGE: unknown iso20022 command "frobnicate"/],
      ['decode: missing element', ['iso20022', 'decode', '-'], readFileSync(P008, 'utf8').replace(/<pacs:EndToEndId>[^<]*<\/pacs:EndToEndId>/, ''), /^DARI_XML_MISSING_ELEMENT: \/Document\/FIToFICstmrCdtTrf\/CdtTrfTxInf\[1\]\/PmtId\/EndToEndId is missing$/],
    ];
    for (const [what, args, input, re] of cases) {
      it(what, () => {
        const r = dari(args, input);
        assert.equal(r.code, 2, `exit code for ${what}: ${r.out} ${r.err}`);
        oneCodedLine(r.err, re);
      });
    }
  });

  it('decode: the transaction summary as JSON (file and stdin)', () => {
    const r = dari(['iso20022', 'decode', P008]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.type, 'pacs.008.001.08');
    assert.equal(s.msgId, 'P008-20260413-5017');
    assert.deepEqual(s.header, { from: 'FNTXDE2X', to: 'GLPBES2X', bizMsgIdr: 'P008-20260413-5017', msgDefIdr: 'pacs.008.001.08', bizSvc: 'swift.cbprplus.02', creDt: '2026-04-13T10:30:00+00:00' });
    assert.equal(s.transactions[0].amount, '750000 EUR');
    assert.equal(s.transactions[0].uetr, 'a1b2c3d4-e5f6-4890-abcd-ef1234567890');
    assert.deepEqual(s.transactions[0].debtor, { name: s.transactions[0].debtor.name, account: '74829163', agent: 'FNTXDE2X' });
    const st = dari(['iso20022', 'decode', '-'], readFileSync(join(SAMPLES, 'pacs002_status_report_sample.xml'), 'utf8'));
    assert.equal(JSON.parse(st.out).transactions[0].status, 'ACSP');
  });

  it('decode: an account id that is a card number is masked', () => {
    const m = parseMessage(readFileSync(P008));
    const doc = m.document as Pacs008;
    (doc.CdtTrfTxInf[0] as Pacs008['CdtTrfTxInf'][number]).DbtrAcct = { Id: { Othr: { Id: '4761739001010119' } } };
    const r = dari(['iso20022', 'decode', '-'], buildMessage('pacs.008.001.08', doc));
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).transactions[0].debtor.account, '476173******0119');
    assert.ok(!r.out.includes('4761739001010119'));
  });

  it('--help lists both commands; dari --help mentions iso20022', () => {
    assert.match(dari(['iso20022', '--help']).out, /dari iso20022 validate FILE \[--xsd DIR\][\s\S]*dari iso20022 decode FILE/);
    assert.match(dari(['--help']).out, /dari iso20022 validate\|decode FILE/);
  });
});
