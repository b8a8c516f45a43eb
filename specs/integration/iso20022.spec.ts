/**
 * ISO 20022 partner switches end to end over loopback TCP, with the real SQLite journal: a domestic
 * participant's 0200 goes out as a pacs.008, the simulated foreign switch answers pacs.002 and the
 * participant gets its 0210 with the mapped field 39; pending statuses, a silent partner (pacs.028),
 * a payment still unknown after the budget (68, then camt.056), a participant reversal (camt.056),
 * a malformed answer, returns (pacs.004), and inbound pacs.008 routed to a domestic acquirer over
 * ISO 8583 and answered with pacs.002. Every message the hub wrote is checked with xmllint against
 * the XSDs in ../shared/iso20022/xsd.
 */
import { strict as assert } from 'node:assert';
import type { Iso8583Message } from '../../src/codec/iso8583';
import { financial, reversalOf, waitFor } from './harness';
import { setup, xmllint, type Setup } from './iso20022-harness';

/** A 0200 toward the ISO 20022 partner (PAN 476173..., KRW), amount in minor units (KRW has none). */
function payment(amount: number): Iso8583Message {
  // Field 43 (ans 40): name (25) + city (13) + country (2).
  return financial(amount, { extra: { '43': 'Toko Kopi Nusantara'.padEnd(25) + 'Jakarta'.padEnd(13) + 'ID' } });
}

describe('integration: ISO 20022 partner switch (pacs.008 / pacs.002 / pacs.028 / camt.056 / pacs.004)', function () {
  this.timeout(20000);
  let s: Setup | undefined;

  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('0200 in, pacs.008 out, pacs.002 ACCC back, 0210 with 39 = 00 and 38; the pacs.008 carries the mapped fields and passes its XSD', async () => {
    s = await setup();
    const req = payment(150000);
    const { response } = await s.link.request(req);
    assert.equal(response.mti, '0210');
    assert.equal(response.fields['39'], '00');
    assert.match(response.fields['38'] ?? '', /^[0-9A-Z]{6}$/);
    assert.equal(response.fields['11'], req.fields['11']);
    const sent = s.sim.raw.filter((r) => r.type === 'pacs.008.001.08');
    assert.equal(sent.length, 1);
    const xml = sent[0]?.xml ?? '';
    xmllint(xml, 'pacs.008.001.08');
    assert.match(xml, /<IntrBkSttlmAmt Ccy="KRW">150000<\/IntrBkSttlmAmt>/, 'KRW has exponent 0: no decimals');
    assert.match(xml, new RegExp(`<EndToEndId>${req.fields['37']}</EndToEndId>`), 'EndToEndId from the RRN');
    assert.match(xml, /<UETR>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}<\/UETR>/);
    assert.match(xml, /<BICFI>KACQKRSE<\/BICFI>/, 'debtor agent from the acquirer table (field 32)');
    assert.match(xml, /<Nm>Toko Kopi Nusantara<\/Nm>/, 'creditor name from field 43');
    assert.match(xml, /<TwnNm>Jakarta<\/TwnNm>/);
    assert.match(xml, /<AccptncDtTm>\d{4}-11-26T12:15:00\+09:00<\/AccptncDtTm>/, 'fields 13/12 in the acquirer zone (Asia/Seoul)');
    assert.ok(!xml.includes(req.fields['2'] as string), 'the PAN never leaves the hub');
  });

  it('declines map by reason: RJCT AM04 -> 51, RJCT AC01 -> 14, RJCT AB08 -> 91', async () => {
    s = await setup();
    for (const [amount, code] of [[150051, '51'], [150014, '14'], [150091, '91']] as const) {
      const { response } = await s.link.request(payment(amount));
      assert.equal(response.fields['39'], code, `amount ${amount}`);
    }
  });

  it('a pending status (ACSP) keeps the payment open until the final ACCC', async () => {
    s = await setup();
    const { response } = await s.link.request(payment(150096));
    assert.equal(response.fields['39'], '00');
  });

  it('a silent partner: after statusAfterMs a pacs.028 asks, and its answer settles the payment (00)', async () => {
    s = await setup();
    const { response } = await s.link.request(payment(150098));
    assert.equal(response.fields['39'], '00');
    assert.ok(s.sim.count('pacs.028') >= 1, 'a status request was sent');
    const req = s.sim.raw.find((r) => r.type === 'pacs.028.001.03');
    assert.ok(req);
    xmllint(req.xml, 'pacs.028.001.03');
  });

  it('a malformed pacs.002 is refused and logged; the status request still settles the payment', async () => {
    s = await setup();
    const { response } = await s.link.request(payment(150095));
    assert.equal(response.fields['39'], '00');
    assert.ok(s.logs.some((l) => l.includes('DARI_PARTNER_PROTOCOL') && l.includes('DARI_XML')), s.logs.join('\n'));
    const text = await s.hub.metrics.registry.metrics();
    assert.match(text, /dari_partner_protocol_errors_total\{partner="ID-SWITCH",reason="DARI_XML_MALFORMED"\} 1/);
    assert.match(text, /dari_partner_messages_total\{partner="ID-SWITCH",direction="out",type="pacs.028.001.03"\} [1-9]/);
  });

  it('unknown after the budget: 68 to the originator, then a camt.056 through the SAF, acknowledged by camt.029', async () => {
    s = await setup();
    const req = payment(150099);
    const { response } = await s.link.request(req);
    assert.equal(response.fields['39'], '68');
    const hub = s.hub;
    await waitFor(() => s?.sim.count('camt.056') === 1, 5000, () => `camt.056 received: ${s?.sim.count('camt.056')}`);
    const c = s.sim.raw.find((r) => r.type === 'camt.056.001.08');
    assert.ok(c);
    xmllint(c.xml, 'camt.056.001.08');
    assert.match(c.xml, /<Cd>TECH<\/Cd>/, 'a timeout cancels for a technical reason');
    await waitFor(async () => (await hub.journal.safStats(Date.now())).depth === 0, 5000, () => 'SAF entry still pending');
    const rows = await hub.journal.safByTxn((await hub.journal.findByOriginalKey(`ACQ|0200|${req.fields['41']}|${req.fields['11']}|${req.fields['7']}`))?.id ?? '');
    assert.equal(rows[0]?.status, 'done');
  });

  it('a participant reversal of an approved payment becomes a camt.056 naming the original UETR', async () => {
    s = await setup();
    const req = payment(150000);
    const { response } = await s.link.request(req);
    assert.equal(response.fields['39'], '00');
    const uetr = s.sim.raw.find((r) => r.type === 'pacs.008.001.08')?.xml.match(/<UETR>([^<]+)<\/UETR>/)?.[1];
    const { response: rev } = await s.link.request(reversalOf(req));
    assert.equal(rev.mti, '0430');
    assert.equal(rev.fields['39'], '00');
    await waitFor(() => s?.sim.count('camt.056') === 1, 5000, () => 'no camt.056');
    const c = s.sim.raw.find((r) => r.type === 'camt.056.001.08');
    assert.ok(c && uetr);
    assert.ok(c.xml.includes(`<OrgnlUETR>${uetr}</OrgnlUETR>`));
    assert.match(c.xml, /<Cd>CUST<\/Cd>/, 'field 39 = 17 (customer cancellation) is CUST');
    await waitFor(() => [...(s?.sim.payments.values() ?? [])].some((p) => p.cancelled), 3000, () => 'payment not cancelled at the partner');
  });

  it('a refused cancellation is flagged for investigation, not retried', async () => {
    s = await setup();
    s.sim.behaviour.refuseCancellation = true;
    const req = payment(150000);
    await s.link.request(req);
    await s.link.request(reversalOf(req));
    const hub = s.hub;
    await waitFor(async () => (await hub.journal.safStats(Date.now())).flagged === 1, 5000, () => 'not flagged');
  });

  it('a pacs.004 return is applied to the original payment (state reversed, with the return detail)', async () => {
    s = await setup();
    const req = payment(150000);
    await s.link.request(req);
    const uetr = [...s.sim.payments.keys()][0] as string;
    assert.ok(s.sim.sendReturn(uetr, 'AC04'));
    const hub = s.hub;
    const original = await hub.journal.findByOriginalKey(`ACQ|0200|${req.fields['41']}|${req.fields['11']}|${req.fields['7']}`);
    assert.ok(original);
    await waitFor(async () => (await hub.journal.get(original.id))?.state === 'reversed', 3000, () => 'not reversed');
    const after = await hub.journal.get(original.id);
    assert.deepEqual((after?.detail as { returned?: unknown }).returned, { amount: '150000', currency: 'KRW', reason: 'AC04' });
  });

  it('an inbound pacs.008 goes to the domestic acquirer as a 0200 and is answered with pacs.002 (ACCC; AM04 for 51); a re-sent one is not paid twice', async () => {
    s = await setup();
    const domestic = s.hub.simulators.get('DOMESTIC');
    assert.ok(domestic);
    const ok = await s.sim.sendPayment({ amount: '25000.00', currency: 'IDR', creditorName: 'Seoul Coffee', creditorCity: 'Seoul', creditorCountry: 'KR', memberId: '410777', merchantId: 'MID000000000042' });
    assert.equal(ok.status, 'ACCC');
    const got = domestic.received.filter((m) => m.mti === '0200');
    assert.equal(got.length, 1);
    assert.equal(got[0]?.fields['4'], '000002500000');
    assert.equal(got[0]?.fields['49'], '360');
    assert.equal(got[0]?.fields['100'], '410777');
    assert.equal(got[0]?.fields['42']?.trim(), 'MID000000000042');
    const report = s.sim.raw.filter((r) => r.type === 'pacs.002.001.10');
    assert.ok(report.length >= 1);
    xmllint(report[0]?.xml ?? '', 'pacs.002.001.10');
    const declined = await s.sim.sendPayment({ amount: '25000.51', currency: 'IDR', creditorName: 'Seoul Coffee', memberId: '410777' });
    assert.deepEqual([declined.status, declined.reason], ['RJCT', 'AM04']);
    // The same pacs.008 again (same MsgId, UETR, EndToEndId): the dedupe answers, the acquirer sees nothing new.
    const again = await s.sim.sendPayment({ amount: '25000.00', currency: 'IDR', creditorName: 'Seoul Coffee', memberId: '410777', uetr: ok.uetr, msgId: 'REPEAT-1', endToEndId: 'E2E-REPEAT' });
    const twice = await s.sim.sendPayment({ amount: '25000.00', currency: 'IDR', creditorName: 'Seoul Coffee', memberId: '410777', uetr: ok.uetr, msgId: 'REPEAT-1', endToEndId: 'E2E-REPEAT' });
    assert.equal(again.status, 'ACCC');
    assert.equal(twice.status, 'ACCC');
    assert.equal(domestic.received.filter((m) => m.mti === '0200').length, 3, 'the repeat was answered from the journal');
  });

  it('with runtime validation on (xsdDir), the same payment flows, and an inbound message failing its XSD is refused', async () => {
    s = await setup({ xsdDir: true });
    const { response } = await s.link.request(payment(150000));
    assert.equal(response.fields['39'], '00');
    s.sim.behaviour.schemaInvalidNext = true;
    const { response: again } = await s.link.request(payment(150000));
    assert.equal(again.fields['39'], '00', 'settled by the status request after the invalid pacs.002 was refused');
    assert.ok(s.logs.some((l) => l.includes('DARI_XML_SCHEMA_INVALID')), s.logs.join('\n'));
    assert.ok(s.sim.count('pacs.028') >= 1);
  });

  it('a partner that disconnects mid-message loses nothing: the link reconnects and the status request settles the payment', async () => {
    s = await setup();
    s.sim.behaviour.disconnectMidFrame = true;
    const { response } = await s.link.request(payment(150000));
    assert.equal(response.fields['39'], '00');
  });
});

