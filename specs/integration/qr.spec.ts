/**
 * Overseas QR payments end to end over loopback: a Korean wallet (participant ACQ) pays an
 * Indonesian merchant's QRIS code through the ISO 20022 partner switch (simulated), with the merchant
 * confirmed by acmt.023/024, an FX quote (KRW billed for the IDR amount), fees journaled; a quote
 * asked first (0100) and redeemed by the payment; an expired quote, a dynamic-QR amount mismatch, a
 * broken QR and an unknown merchant each declined before any payment is sent. Inbound, a visitor's
 * payment to a Korean merchant arrives as pacs.008 and is routed to the domestic acquirer.
 * QRIS payloads: fixtures/emvqr/payloads.json (sources named there).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Iso8583Message } from '../../src/codec/iso8583';
import { FIXTURES } from '../support/paths';
import { financial, sleep } from './harness';
import { setup, xmllint, type Setup } from './iso20022-harness';

interface Sample { name: string; payload: string }
const SAMPLES = JSON.parse(readFileSync(join(FIXTURES, 'emvqr', 'payloads.json'), 'utf8')) as Sample[];
const qr = (name: string): string => {
  const s = SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(`no QR sample ${name}`);
  return s.payload;
};

/** A wallet's QR request: the payload in 62 (percent-encoded), the merchant amount in 4/49, the account token in 102. */
function qrRequest(payload: string, amountMinor: number, o: { mti?: string; quote?: string } = {}): Iso8583Message {
  const m = financial(amountMinor, { ...(o.mti ? { mti: o.mti } : {}) });
  const fields: Record<string, string> = { ...m.fields, '49': '360', '62': encodeURIComponent(payload), '102': 'WALLET-TOKEN-0001' };
  delete fields['2'];
  delete fields['35'];
  if (o.quote) fields['63'] = o.quote;
  return { mti: m.mti, fields };
}

describe('integration: overseas QR payments (outbound through an ISO 20022 partner, FX, fees)', function () {
  this.timeout(20000);
  let s: Setup | undefined;

  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('a static QRIS code: merchant confirmed (acmt.023/024), quoted, paid (pacs.008 with XchgRate), answered with 6/51/10/43/63; fees journaled', async () => {
    s = await setup({ qr: true });
    s.sim.merchants.set('ID2020034073193', 'SINTAS STORE YOGYA');
    // 150,000.00 IDR at 0.0865 KRW/IDR mid, 30 bps spread: KRW per IDR 0.0865 / (1 - 0.003) ~ 0.08676;
    // billed = 15,000,000 minor IDR / 100 * 0.08676... ~ 13,014 KRW.
    const { response } = await s.link.request(qrRequest(qr('qris-static'), 15_000_000));
    assert.equal(response.fields['39'], '00', JSON.stringify(response.fields));
    assert.equal(response.fields['51'], '410');
    const billed = Number(response.fields['6']);
    assert.ok(billed > 12_975 && billed < 13_100, `billed ${billed} KRW`);
    assert.match(response.fields['10'] ?? '', /^\d{8}$/);
    assert.equal(response.fields['43']?.slice(0, 25).trim(), 'SINTAS STORE YOGYA', 'the name the merchant\'s switch confirmed');
    assert.equal(response.fields['43']?.slice(38, 40), 'ID');
    assert.match(response.fields['63'] ?? '', /^[0-9a-f-]{36}$/);
    const verify = s.sim.raw.find((r) => r.type === 'acmt.023.001.03');
    assert.ok(verify);
    xmllint(verify.xml, 'acmt.023.001.03');
    assert.ok(verify.xml.includes('<Id>ID2020034073193</Id>'), 'the QRIS NMID is the account checked');
    const pay = s.sim.raw.find((r) => r.type === 'pacs.008.001.08');
    assert.ok(pay);
    xmllint(pay.xml, 'pacs.008.001.08');
    assert.match(pay.xml, /<IntrBkSttlmAmt Ccy="IDR">150000\.00<\/IntrBkSttlmAmt>/);
    assert.ok(pay.xml.includes(`<InstdAmt Ccy="KRW">${billed}</InstdAmt>`), 'InstdAmt = what the customer is billed');
    assert.match(pay.xml, /<XchgRate>\d+(\.\d+)?<\/XchgRate>/);
    assert.ok(pay.xml.includes(`QUOTE ${response.fields['63']}`), 'the quote id travels with a .08 payment');
    const hub = s.hub;
    const totals = await hub.journal.feeTotals({ from: Date.now() - 60_000, to: Date.now() + 60_000 });
    assert.equal(totals.length, 1);
    assert.equal(totals[0]?.currency, 'KRW');
    assert.equal(totals[0]?.count, 1);
    assert.equal(totals[0]?.amount, BigInt(billed));
    assert.ok((totals[0]?.saving ?? 0n) > 0n, 'cheaper than the card-brand route');
  });

  it('quote first (0100 -> 0110 with the quote), then the payment redeems it: same billed amount, the quote id in the pacs.008', async () => {
    s = await setup({ qr: true });
    const { response: q } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000, { mti: '0100' }));
    assert.equal(q.mti, '0110');
    assert.equal(q.fields['39'], '00');
    assert.equal(s.sim.count('pacs.008'), 0, 'a quote pays nothing');
    const { response: p } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000, { quote: q.fields['63'] as string }));
    assert.equal(p.fields['39'], '00');
    assert.equal(p.fields['6'], q.fields['6']);
    assert.equal(p.fields['63'], q.fields['63']);
    const { response: again } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000, { quote: q.fields['63'] as string }));
    assert.deepEqual([again.fields['39'], again.fields['44']], ['05', 'DARI_FX_QUOTE_USED'], 'a quote pays once');
  });

  it('an expired quote is declined (05, DARI_FX_QUOTE_EXPIRED), never silently re-rated; nothing is paid', async () => {
    s = await setup({ qr: true, quoteTtlSeconds: 1 });
    const { response: q } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000, { mti: '0100' }));
    await sleep(1100);
    const { response } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000, { quote: q.fields['63'] as string }));
    assert.deepEqual([response.fields['39'], response.fields['44']], ['05', 'DARI_FX_QUOTE_EXPIRED']);
    assert.equal(s.sim.count('pacs.008'), 0);
  });

  it('a dynamic QR whose amount differs from the wallet\'s is declined 13 before anything is sent', async () => {
    s = await setup({ qr: true });
    // qris-dynamic-fixed-fee carries 54 = 1337 (IDR): 133,700 minor units.
    const { response } = await s.link.request(qrRequest(qr('qris-dynamic-fixed-fee'), 133_701));
    assert.equal(response.fields['39'], '13');
    assert.equal(s.sim.received.length, 0);
    const { response: ok } = await s.link.request(qrRequest(qr('qris-dynamic-fixed-fee'), 133_700));
    assert.equal(ok.fields['39'], '00');
  });

  it('a broken QR is declined 30 with its DARI_QR_ reason; an unknown merchant 14 after acmt.024 BE23', async () => {
    s = await setup({ qr: true });
    const { response: bad } = await s.link.request(qrRequest(qr('qris-dynamic-published-crc-wrong'), 133_700));
    assert.deepEqual([bad.fields['39'], bad.fields['44']], ['30', 'DARI_QR_CRC_MISMATCH']);
    s.sim.unknownAccounts.add('ID2020034073193');
    const { response: unknown } = await s.link.request(qrRequest(qr('qris-static'), 5_000_000));
    assert.equal(unknown.fields['39'], '14');
    assert.equal(s.sim.count('pacs.008'), 0);
  });

  it('a declined QR payment (RJCT AM04) answers 51 and journals no fee', async () => {
    s = await setup({ qr: true });
    const { response } = await s.link.request(qrRequest(qr('qris-static'), 5_000_051));
    assert.equal(response.fields['39'], '51');
    const hub = s.hub;
    assert.deepEqual(await hub.journal.feeTotals({ from: Date.now() - 60_000, to: Date.now() + 60_000 }), []);
  });
});
