/**
 * AcquirerSimulator against PartnerSimulator over real loopback TCP (same dialect and framing on
 * both ends): realistic requests, pacing, concurrency, matching by (41, 11), and the summary.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Iso8583Codec, decodeTlv, loadDialect, type Iso8583Message } from '../../src/codec/iso8583';
import { DariError } from '../../src/errors';
import { AcquirerSimulator, PartnerSimulator, formatSummary, luhnCheckDigit, maskMessage, percentile, type AcquirerAnswer } from '../../src/sim';
import { FIXTURES } from '../support/paths';

function luhnOk(pan: string): boolean {
  return luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}

/** Public QR payloads, each with its source: fixtures/emvqr/payloads.json. */
const QR_SAMPLES = JSON.parse(readFileSync(join(FIXTURES, 'emvqr', 'payloads.json'), 'utf8')) as { name: string; payload: string }[];
function qrSample(name: string): string {
  const s = QR_SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(`no QR sample ${name}`);
  return s.payload;
}

/**
 * Percent-encoding as ECMA-262 encodeURIComponent defines it, byte by byte: UTF-8, then every byte
 * other than A-Z a-z 0-9 - _ . ! ~ * ' ( ) as %XX (uppercase hex). A naive twin of what the
 * simulator must send in field 62.
 */
function percentEncoded(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('sim: AcquirerSimulator', () => {
  let partner: PartnerSimulator;
  let acquirer: AcquirerSimulator | undefined;

  beforeEach(async () => {
    partner = new PartnerSimulator({ timeoutHintMs: 200, lateByMs: 100 });
    await partner.start();
  });

  afterEach(async () => {
    await acquirer?.close();
    acquirer = undefined;
    await partner.stop();
  });

  it('gets answers for N requests over 3 connections at a bounded rate, and counts them', async () => {
    const answers: AcquirerAnswer[] = [];
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 3, concurrency: 2, rate: 300, onAnswer: (a) => answers.push(a) });
    const s = await acquirer.run({ count: 60 });
    assert.equal(s.sent, 60);
    assert.equal(s.answered, 60);
    assert.equal(s.timedOut, 0);
    assert.equal(s.failed, 0);
    assert.equal(s.unmatched, 0);
    assert.deepEqual(s.byResponseCode, { '00': 60 });
    assert.equal(s.approved, 60);
    // 60 slots at 300/s: the last one starts 59/300 s after the first.
    assert.ok(s.elapsedMs >= 190, `elapsed ${s.elapsedMs} ms`);
    assert.ok(s.tps <= 330, `tps ${s.tps}`);
    assert.ok(s.p50 > 0 && s.p50 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max);
    assert.equal(answers.length, 60);
    // The partner saw them all from the 3 terminals, STANs unique per terminal. The senders share
    // one pool of send slots, so a terminal whose answers come back sooner sends more: not 20 each
    // (that assertion failed about one run in four on a loaded box).
    assert.equal(partner.count('0200'), 60);
    const byTerminal = new Map<string, string[]>();
    for (const r of partner.received) {
      const t = r.fields['41'] ?? '';
      byTerminal.set(t, [...(byTerminal.get(t) ?? []), r.fields['11'] ?? '']);
    }
    assert.deepEqual([...byTerminal.keys()].sort(), ['ATM00001', 'ATM00003', 'POS00002']);
    assert.equal([...byTerminal.values()].reduce((n, stans) => n + stans.length, 0), 60);
    for (const [t, stans] of byTerminal) {
      assert.ok(stans.length >= 2, `${t} sent ${stans.length} (each terminal's 2 senders start with a slot)`);
      assert.equal(new Set(stans).size, stans.length, `${t} STANs unique`);
    }
    assert.deepEqual(acquirer.terminalIds, ['ATM00001', 'POS00002', 'ATM00003']);
  });

  it('counts response codes, timeouts (98), and late answers (97)', async () => {
    const tails = ['05', '51', '47', '98', '00', '97'];
    acquirer = new AcquirerSimulator({
      port: partner.port, connections: 3, concurrency: 4, timeoutMs: 200,
      amount: ({ seq }) => `100${tails[(seq - 1) % tails.length]}`,
    });
    const s = await acquirer.run({ count: 24, lingerMs: 250 });
    assert.equal(s.sent, 24);
    assert.equal(s.answered, 16);
    assert.equal(s.timedOut, 8, '98 never answered, 97 answered after the timeout');
    assert.deepEqual(s.byResponseCode, { '00': 8, '05': 4, '51': 4 });
    assert.equal(s.approved, 8);
    // The 97s arrive 300 ms after being sent, 100 ms after their timeout: lingering catches them.
    assert.equal(s.late, 4);
    assert.equal(s.unmatched, 0);
    assert.equal(acquirer.lateAnswers, 4);
  });

  it('keeps at most `concurrency` requests in flight per connection', async () => {
    partner.delay(100);
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 1, concurrency: 2 });
    let maxInFlight = 0;
    let inFlight = 0;
    partner.on('request', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => inFlight--, 100);
    });
    const s = await acquirer.run({ count: 6 });
    assert.equal(s.answered, 6);
    assert.equal(maxInFlight, 2);
    assert.ok(s.elapsedMs >= 290, `three rounds of 100 ms, took ${s.elapsedMs}`);
    assert.ok(s.p50 >= 95);
  });

  it('runs for a duration at a rate', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 2, concurrency: 2, rate: 100 });
    const s = await acquirer.run({ durationMs: 300 });
    assert.ok(s.sent >= 28 && s.sent <= 30, `sent ${s.sent}`);
    assert.equal(s.answered, s.sent);
  });

  it('signs on first when asked, and fails with DARI_LINK_SIGN_ON_FAILED when refused', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 2, signOn: true });
    const s = await acquirer.run({ count: 4 });
    assert.equal(s.answered, 4);
    assert.deepEqual(partner.received.slice(0, 2).map((r) => [r.mti, r.fields['70']]), [['0800', '001'], ['0800', '001']]);
    await acquirer.close();
    partner.refuseSignOn();
    acquirer = new AcquirerSimulator({ port: partner.port, signOn: true });
    await assert.rejects(acquirer.connect(), (e: unknown) => e instanceof DariError && e.code === 'DARI_LINK_SIGN_ON_FAILED' && /39 = 91/.test(e.message));
  });

  it('STANs wrap from 999999 to 000001', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, firstStan: 999_998 });
    await acquirer.run({ count: 4 });
    assert.deepEqual(partner.received.map((r) => r.fields['11']), ['999998', '999999', '000001', '000002']);
  });

  it('counts duplicate and unsolicited responses as unmatched, not as answers', async () => {
    partner.duplicateResponses();
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 1 });
    const s = await acquirer.run({ count: 5, lingerMs: 50 });
    assert.equal(s.answered, 5);
    assert.equal(s.unmatched, 5);
    partner.duplicateResponses(false).unsolicited();
    const t = await acquirer.run({ count: 5, lingerMs: 50 });
    assert.equal(t.answered, 5);
    assert.equal(t.unmatched, 5);
    assert.equal(acquirer.unmatchedResponses, 10);
  });

  it('counts requests lost with their connection as failed', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 1, timeoutMs: 2000 });
    partner.drop();
    partner.once('request', () => setImmediate(() => partner.closeAll()));
    const s = await acquirer.run({ count: 3 });
    assert.equal(s.sent, 1);
    assert.equal(s.failed, 1);
    assert.equal(acquirer.openConnections, 0);
  });

  it('builds realistic 0200s: cash withdrawal at ATMs, purchase at POS, valid PANs, EMV data', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 2 });
    const atm = acquirer.buildRequestFor(0);
    const pos = acquirer.buildRequestFor(1);
    const codec = new Iso8583Codec(loadDialect('iso87ascii'));
    for (const m of [atm, pos]) {
      assert.equal(m.mti, '0200');
      for (const k of ['2', '3', '4', '7', '11', '12', '13', '14', '18', '22', '25', '32', '35', '37', '41', '42', '43', '49', '55']) assert.ok(m.fields[k] !== undefined, `field ${k}`);
      assert.ok(luhnOk(m.fields['2'] ?? ''));
      assert.ok(m.fields['35']?.startsWith(`${m.fields['2']}=`));
      assert.equal(m.fields['37']?.slice(-6), m.fields['11']);
      assert.equal(m.fields['43']?.length, 40);
      const tags = decodeTlv(m.fields['55'] ?? '').map((t) => t.tag);
      for (const tag of ['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A']) assert.ok(tags.includes(tag), `tag ${tag}`);
      assert.deepEqual(codec.unpack(codec.pack(m)), m);
    }
    assert.equal(atm.fields['3'], '011000');
    assert.equal(atm.fields['18'], '6011');
    assert.match(atm.fields['52'] ?? '', /^[0-9A-F]{16}$/);
    assert.equal(pos.fields['3'], '000000');
    assert.equal(pos.fields['52'], undefined);
    const amountTag = decodeTlv(atm.fields['55'] ?? '').find((t) => t.tag === '9F02');
    assert.equal(amountTag?.value, atm.fields['4']);
    // Card data masked for printing.
    const masked = maskMessage(atm);
    assert.match(masked.fields['2'] ?? '', /^476173\*{6}[0-9]{4}$/);
    assert.ok(!(masked.fields['35'] ?? '').includes(atm.fields['2'] ?? 'x'));
    assert.match(masked.fields['52'] ?? '', /^\*+$/);
  });

  it('speaks iso87binary over binary2 + TPDU with the partner (track 2 separator D)', async () => {
    await partner.stop();
    const framing = { lengthHeader: 'binary2' as const, tpdu: true };
    partner = new PartnerSimulator({ dialect: 'iso87binary', framing });
    await partner.start();
    acquirer = new AcquirerSimulator({ port: partner.port, dialect: 'iso87binary', framing, connections: 3, concurrency: 3, signOn: true, amount: ({ seq }) => (seq % 2 === 0 ? 20_005 : 20_000) });
    const s = await acquirer.run({ count: 30 });
    assert.equal(s.answered, 30);
    assert.deepEqual(s.byResponseCode, { '00': 15, '05': 15 });
    const req = partner.received.find((r) => r.mti === '0200') as Iso8583Message;
    assert.match(req.fields['35'] ?? '', /^[0-9]+D[0-9]+$/);
  });

  it('speaks iso93ascii over ascii4 (1200 / 1804, action codes)', async () => {
    await partner.stop();
    const framing = { lengthHeader: 'ascii4' as const };
    partner = new PartnerSimulator({ dialect: 'iso93ascii', framing });
    await partner.start();
    acquirer = new AcquirerSimulator({ port: partner.port, dialect: 'iso93ascii', framing, connections: 1, signOn: true, amount: ({ seq }) => (seq % 2 === 0 ? 20_051 : 20_000) });
    const s = await acquirer.run({ count: 4 });
    assert.deepEqual(s.byResponseCode, { '000': 2, '116': 2 });
    assert.equal(s.approved, 2);
    assert.deepEqual(partner.countsByMti(), { '1200': 4, '1804': 1 });
  });

  it('formatSummary and percentile', async () => {
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 1, amount: ({ seq }) => (seq === 1 ? 105 : 100) });
    const s = await acquirer.run({ count: 3 });
    const text = formatSummary(s);
    assert.match(text, /^sent 3 {2}answered 3 {2}timed out 0/);
    assert.match(text, /tps/);
    assert.match(text, /p50 [0-9.]+ {2}p99 [0-9.]+ {2}p99\.9 [0-9.]+/);
    assert.match(text, /response codes: 00 2, 05 1 \(approved 2 = 66\.7%\)/);
    assert.equal(percentile([], 0.5), 0);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
    assert.equal(percentile(Array.from({ length: 1000 }, (_, i) => i + 1), 0.999), 999);
  });

  it('qr: builds outbound QR payment 0200s (3, 4, 22, 49, 62 percent-encoded, 102), with no card fields', () => {
    const payload = qrSample('qris-static');
    acquirer = new AcquirerSimulator({ port: partner.port, connections: 2, qr: { payload, currency: '360', amountMinor: 15_000_000 } });
    const codec = new Iso8583Codec(loadDialect('iso87ascii'));
    const sent = [acquirer.buildRequestFor(0), acquirer.buildRequestFor(1), acquirer.buildRequestFor(0)];
    for (const m of sent) {
      assert.equal(m.mti, '0200');
      assert.deepEqual(Object.keys(m.fields).sort((a, b) => +a - +b), ['3', '4', '7', '11', '12', '13', '22', '32', '37', '41', '49', '62', '102']);
      assert.equal(m.fields['3'], '000000', 'a purchase (src/services/qr takes processing codes 00xxxx), ATM connection or not');
      assert.equal(m.fields['4'], '000015000000');
      assert.equal(m.fields['22'], '031', 'ISO 8583:1987 field 22: PAN entry mode 03 = bar code');
      assert.equal(m.fields['49'], '360');
      // The one character of this QRIS payload outside A-Z a-z 0-9 - _ . ! ~ * ' ( ) is the space (3 of them).
      assert.equal(m.fields['62'], payload.replaceAll(' ', '%20'));
      assert.equal(decodeURIComponent(m.fields['62'] ?? ''), payload);
      assert.equal(m.fields['37']?.slice(-6), m.fields['11']);
      assert.deepEqual(codec.unpack(codec.pack(m)), m);
    }
    assert.deepEqual(sent.map((m) => [m.fields['41'], m.fields['102']]), [['ATM00001', 'DARI-WALLET-00001'], ['POS00002', 'DARI-WALLET-00002'], ['ATM00001', 'DARI-WALLET-00001']]);
    assert.deepEqual(sent.map((m) => m.fields['11']), ['000001', '000001', '000002']);
  });

  it('qr: a non-ASCII payload (EMVCo sample, Chinese merchant name) travels as UTF-8 percent-encoded; amount from the amount option', () => {
    const payload = qrSample('emvco-sample-cn');
    acquirer = new AcquirerSimulator({ port: partner.port, terminals: 'pos', amount: ({ seq }) => 2372 + seq, qr: { payload, currency: '156' } });
    const m = acquirer.buildRequestFor(0);
    assert.equal(m.fields['62'], percentEncoded(payload));
    assert.ok(m.fields['62']?.includes('64200002ZH0104%E6%9C%80%E4%BD%B3%E8%BF%90%E8%BE%93'), 'ID 64 name 最佳运输 in UTF-8 hex');
    assert.equal(m.fields['4'], '000000002373');
    assert.equal(m.fields['49'], '156');
  });

  it('qr: the requests reach the switch over loopback, are matched and counted; no PAN, track or ICC data on the wire', async () => {
    const payload = qrSample('qris-static');
    const answers: AcquirerAnswer[] = [];
    acquirer = new AcquirerSimulator({
      port: partner.port, connections: 2, concurrency: 2, qr: { payload, currency: '360' },
      amount: ({ seq }) => (seq % 4 === 0 ? 15_000_051 : 15_000_000), onAnswer: (a) => answers.push(a),
    });
    const s = await acquirer.run({ count: 8 });
    assert.equal(s.answered, 8);
    assert.deepEqual(s.byResponseCode, { '00': 6, '51': 2 }, 'the partner simulator answers by the amount\'s last two digits');
    assert.equal(partner.count('0200'), 8);
    for (const r of partner.received) {
      for (const k of ['2', '14', '35', '45', '52', '55']) assert.equal(r.fields[k], undefined, `field ${k} on the wire`);
      assert.equal(r.fields['62'], payload.replaceAll(' ', '%20'));
      assert.match(r.fields['102'] ?? '', /^DARI-WALLET-0000[12]$/);
    }
    assert.equal(answers.length, 8);
  });

  it('qr: rejects options a QR payment request cannot carry', () => {
    const payload = qrSample('qris-static');
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload: '', currency: '360' } }), /qr\.payload is empty/);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload, currency: 'IDR' } }), /qr\.currency/);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload, currency: '360', amountMinor: 0 } }), /qr\.amountMinor/);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload, currency: '360', amountMinor: 1.5 } }), /qr\.amountMinor/);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload, currency: '360', amountMinor: 10 ** 12 } }), /qr\.amountMinor/);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload: '\ud800', currency: '360' } }), /lone surrogate/);
    // iso87ascii field 62 is ans..999: 4 Khmer payloads percent-encode to far more (each Khmer letter is 9 characters).
    const khmer = qrSample('khqr-khmer-names').repeat(4);
    assert.throws(() => new AcquirerSimulator({ port: 1, qr: { payload: khmer, currency: '116' } }), (e: unknown) => e instanceof RangeError && /field 62 holds 999/.test(e.message));
  });

  it('rejects bad options', () => {
    assert.throws(() => new AcquirerSimulator({ port: 0 }), RangeError);
    assert.throws(() => new AcquirerSimulator({ port: 1, connections: 0 }), RangeError);
    assert.throws(() => new AcquirerSimulator({ port: 1, rate: -1 }), RangeError);
    assert.throws(() => new AcquirerSimulator({ port: 1, terminalIds: ['SHORT'] }), RangeError);
  });
});
