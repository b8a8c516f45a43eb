/** `dari qr parse|build` driven as a user would: a spawned process, stdin in, stdout/stderr and exit code out. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DARI_BIN, FIXTURES } from '../support/paths';

function dari(args: string[], input = ''): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { input, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const VECTORS: { name: string; payload: string }[] = JSON.parse(readFileSync(join(FIXTURES, 'emvqr', 'payloads.json'), 'utf8'));
const payload = (name: string): string => (VECTORS.find((v) => v.name === name) as { payload: string }).payload;

describe('dari qr (CLI)', () => {
  it('parse prints the verdict of a valid QRIS payload and exits 0', () => {
    // ardfar/parse-qris tests/QrisParserTest.php: BIOLBE, KAB. MALANG, NMID ID1021125405972.
    const r = dari(['qr', 'parse'], `${payload('qris-telkom-tip')}\n`);
    assert.equal(r.code, 0, r.err);
    const v = JSON.parse(r.out);
    assert.deepEqual(
      { valid: v.valid, scheme: v.scheme, country: v.country, currency: v.currency, amount: v.amount, merchantName: v.merchantName, merchantCity: v.merchantCity, initiation: v.initiation },
      { valid: true, scheme: 'QRIS', country: 'ID', currency: '360', amount: null, merchantName: 'BIOLBE', merchantCity: 'KAB. MALANG', initiation: 'static' },
    );
    assert.equal(v.merchantAccount.nmid, 'ID1021125405972');
    assert.ok(r.out.includes('"fields":{"00":"01","01":"11","26":{"00":"ID.CO.TELKOM.WWW","01":"936008980266352075"'), 'data objects print in payload order');
    assert.deepEqual(v.fields['62'], { '05': '114793812', '07': 'A03' });
  });

  it('a well-formed payload of no known scheme is valid with scheme null; Chinese names print as they are', () => {
    const r = dari(['qr', 'parse'], `${payload('emvco-sample-cn')}\n`);
    assert.equal(r.code, 0, r.err);
    const v = JSON.parse(r.out);
    assert.equal(v.scheme, null);
    assert.deepEqual(v.fields['64'], { '00': 'ZH', '01': '最佳运输', '02': '北京' });
  });

  it('a malformed payload prints valid false with the reason and exits 1; one line per payload', () => {
    const r = dari(['qr', 'parse'], `${payload('vietqr-wrong-crc')}\n${payload('khqr-individual-khr')}\n${payload('khqr-order-reversed')}\n`);
    assert.equal(r.code, 1);
    const [a, b, c] = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual([a.valid, a.reason, a.layer], [false, 'DARI_QR_CRC_MISMATCH', 1]);
    assert.equal(typeof a.message, 'string');
    assert.deepEqual([b.valid, b.scheme], [true, 'KHQR']);
    assert.deepEqual([c.valid, c.reason, c.field], [false, 'DARI_QR_ORDER_INVALID', '00']);
  });

  it('card numbers are masked unless --unmasked (VietQR transfer to a card)', () => {
    const p = `${payload('vietqr-transfer-to-card')}\n`;
    const masked = dari(['qr', 'parse'], p);
    assert.equal(masked.code, 0, masked.err);
    assert.ok(!masked.out.includes('9704031101234567'), 'no clear card number');
    assert.equal(JSON.parse(masked.out).merchantAccount.accountNumber, '970403******4567');
    const clear = dari(['qr', 'parse', '--unmasked'], p);
    assert.equal(JSON.parse(clear.out).fields['38']['01']['01'], '9704031101234567');
  });

  it('build turns the parse output back into the payload', () => {
    const p = payload('kr-bccard-static');
    const parsed = dari(['qr', 'parse'], `${p}\n`);
    const built = dari(['qr', 'build'], parsed.out);
    assert.equal(built.code, 0, built.err);
    assert.equal(built.out.trim(), p);
  });

  it('build rejects bad JSON and bad data objects with a coded line, exit 2', () => {
    const r = dari(['qr', 'build'], 'not json\n{"fields":{"00":"01"}}\n');
    assert.equal(r.code, 2);
    const lines = r.err.trim().split('\n');
    assert.match(lines[0] as string, /^DARI_CLI_INPUT: line 1: /);
    assert.match(lines[1] as string, /^DARI_QR_MANDATORY_MISSING: line 2: /);
  });

  it('unknown subcommands and options are usage errors', () => {
    assert.equal(dari(['qr', 'frobnicate']).code, 2);
    const r = dari(['qr', 'parse', '--nope'], '');
    assert.equal(r.code, 2);
    assert.match(r.err, /^DARI_CLI_USAGE/);
    assert.equal(dari(['qr', '--help']).code, 0);
  });
});
