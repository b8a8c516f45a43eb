/**
 * Recovery over loopback TCP with the real (SQLite) journal: a partner that drops the connection
 * with requests in flight, a hub restarted with reversals still queued, stand-in when no partner
 * link is up, and reversals sent by participants.
 */
import { strict as assert } from 'node:assert';
import type { Iso8583Message } from '../../src/codec/iso8583';
import { financial, PARTNER, reversalOf, sample, TERMINAL, TestHub, waitFor } from './harness';

const TIMEOUT = 400;

function detailOf(row: Record<string, unknown>): Record<string, unknown> {
  const d = row['detail'];
  return (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;
}

describe('integration: recovery', function () {
  this.timeout(15000);
  let t: TestHub | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('partner disconnects mid-frame with requests in flight: each originator gets 68, reversals queued, delivered after reconnect + sign-on, no 0200 resent', async () => {
    // A long request timeout: the 68s must come from the disconnect, not from timers.
    t = await TestHub.start({ links: 1, requestTimeoutMs: 3000 });
    const partner = t.partner;
    const link = await t.participant();
    const a = financial(10098);
    const b = financial(20098);
    const pa = link.request(a);
    const pb = link.request(b);
    await partner.waitUntil(() => partner.count('0200') === 2, 2000);
    partner.disconnectMidFrame();
    const c = financial(30000);
    const t0 = performance.now();
    const answers = await Promise.all([pa, pb, link.request(c)]);
    const took = performance.now() - t0;
    for (const [i, ex] of answers.entries()) {
      assert.equal(ex.response.fields['39'], '68', `request ${i}`);
      assert.equal(ex.response.fields['11'], [a, b, c][i]?.fields['11']);
    }
    assert.ok(took < 1500, `answered ${took.toFixed(0)} ms after the disconnect, well under the 3000 ms timeout`);
    assert.equal(partner.count('0200'), 3);

    const ids: string[] = [];
    for (const r of [a, b, c]) {
      const row = await t.txn(r.fields['11'] as string);
      assert.equal(row['response_code'], '68');
      const saf = await t.journal.safByTxn(String(row['id']));
      assert.equal(saf.length, 1, 'a reversal for each request that had been written');
      assert.equal(saf[0]?.mti, '0420');
      assert.equal(saf[0]?.linkHint, `${PARTNER}#1`, 'queued for the link the request had been written on');
      ids.push(String(row['id']));
    }
    await t.linksReady(5000); // reconnect with backoff, then sign-on
    for (const id of ids) await t.waitSaf(id, 'done');
    for (const r of [a, b, c]) await t.waitState(r.fields['11'] as string, 'reversed');
    assert.equal(partner.count('0200'), 3, 'no financial request is resent');
    assert.equal(partner.count('0420'), 3);
    assert.equal(partner.count('0800'), 2, 'signed on again after the reconnect');
    const first = partner.received.filter((m) => m.mti === '0200').map((m) => m.connection);
    const revs = partner.received.filter((m) => m.mti === '0420');
    const signOn2 = partner.received.filter((m) => m.mti === '0800')[1];
    assert.ok(signOn2 && revs.every((m) => m.connection === signOn2.connection && m.seq > signOn2.seq), 'reversals only after the new sign-on');
    assert.ok(first.every((cn) => cn < (signOn2?.connection ?? 0)));
  });

  it('hub restarted with SAF entries pending: the reversal survives in the journal and is delivered (as 0421) by the next hub', async () => {
    t = await TestHub.start({ requestTimeoutMs: TIMEOUT });
    const partner = t.partner;
    const port = partner.port;
    const link = await t.participant();
    partner.drop(true);
    const req = financial(45000);
    const { response } = await link.request(req);
    assert.equal(response.fields['39'], '68');
    const row = await t.txn(req.fields['11'] as string);
    const id = String(row['id']);
    await waitFor(async () => ((await t?.journal.safByTxn(id)) ?? [])[0]?.attempts !== 0, 3000, () => 'a failed attempt');
    await partner.stop();
    await t.linksDown();
    await t.hub.stop();

    // At rest, between the two hubs: still pending, read from the file itself.
    const [entry] = await t.sql('SELECT status, attempts, mti FROM saf WHERE txn_id = ?', [id]);
    assert.equal(entry?.['status'], 'pending');
    assert.ok(Number(entry?.['attempts']) >= 1);
    const before = partner.received.length;

    partner.normal();
    await partner.start();
    assert.equal(partner.port, port, 'the partner comes back where the hub expects it');
    await t.restart(); // a new Hub on the same SQLite file and data key
    await t.waitSaf(id, 'done');
    await t.waitState(req.fields['11'] as string, 'reversed');
    const after = partner.received.slice(before);
    assert.deepEqual(after.map((m) => m.mti), ['0800', '0421'], 'sign-on, then the repeat of the reversal');
    assert.equal(after[1]?.fields['11'], detailOf(row)['outboundStan']);
    assert.equal(partner.count('0200'), 1, 'the financial request was sent once, by the first hub');
    assert.deepEqual(await t.states(id), ['forwarded', 'timed_out', 'reversed']);
  });

  it('saf.kick() during a delivery in flight resolves only after a whole pass, and saf.stop() waits for it', async () => {
    t = await TestHub.start({ requestTimeoutMs: TIMEOUT });
    const partner = t.partner;
    const link = await t.participant();
    partner.drop(true);
    const req = financial(12000);
    assert.equal((await link.request(req)).response.fields['39'], '68');
    const id = String((await t.txn(req.fields['11'] as string))['id']);
    await partner.waitUntil(() => partner.count('0420') === 1, 2000); // the first attempt is on the wire, unanswered
    await t.hub.saf.kick();
    const [afterKick] = await t.journal.safByTxn(id);
    assert.equal(afterKick?.attempts, 1, 'the attempt in flight was settled before kick() resolved');
    assert.equal(afterKick?.lastResult, 'timeout');
    await partner.waitUntil(() => partner.count('0421') === 1, 2000); // the next attempt is on the wire
    await t.hub.saf.stop();
    const [afterStop] = await t.journal.safByTxn(id);
    assert.equal(afterStop?.attempts, 2, 'stop() waited for the attempt in flight');
  });

  it('stand-in: partner down before the hub connects: an immediate 91, not a timeout, and no reversal', async () => {
    t = await TestHub.start({ partnerUp: false, requestTimeoutMs: 2000 });
    const link = await t.participant();
    const req = financial(10000);
    const t0 = performance.now();
    const { response } = await link.request(req);
    const took = performance.now() - t0;
    assert.equal(response.fields['39'], '91');
    assert.equal(response.fields['11'], req.fields['11']);
    assert.ok(took < 200, `stand-in answered after ${took.toFixed(0)} ms (request timeout 2000)`);
    const row = await t.txn(req.fields['11'] as string);
    assert.equal(row['state'], 'answered');
    assert.equal(row['response_code'], '91');
    assert.equal((await t.journal.safByTxn(String(row['id']))).length, 0, 'nothing was sent: nothing to reverse');
    assert.equal(t.partner.receivedCount, 0);
    const text = await t.metricsText();
    assert.equal(sample(text, 'dari_stand_in_total', { partner: PARTNER }), 1);
    assert.equal(sample(text, 'dari_link_up', { link: `${PARTNER}#1`, role: 'client' }), 0);
  });

  it('stand-in: all partner links go down: immediate 91; approvals again once the partner is back', async () => {
    t = await TestHub.start({ links: 2, requestTimeoutMs: 2000 });
    const link = await t.participant();
    assert.equal((await link.request(financial(10000))).response.fields['39'], '00');
    await t.partner.stop();
    await t.linksDown();
    const t0 = performance.now();
    const { response } = await link.request(financial(10000));
    assert.equal(response.fields['39'], '91');
    assert.ok(performance.now() - t0 < 200);
    await t.partner.start();
    await t.linksReady(8000);
    assert.equal((await link.request(financial(10000))).response.fields['39'], '00');
    assert.equal(t.partner.count('0200'), 2);
  });

  it('two reversals (different STANs) of one approved original while the partner is silent: one reversal reaches the partner', async () => {
    t = await TestHub.start({ requestTimeoutMs: TIMEOUT });
    const partner = t.partner;
    const link = await t.participant();
    const orig = financial(55500);
    assert.equal((await link.request(orig)).response.fields['39'], '00');
    const origRow = await t.txn(orig.fields['11'] as string);
    partner.drop(true);
    const r1 = reversalOf(orig);
    assert.equal((await link.request(r1)).response.fields['39'], '00');
    await partner.waitUntil(() => partner.count('0420') === 1, 2000);
    const r2 = reversalOf(orig); // the terminal gave up on r1 and reversed again, with a new STAN
    assert.equal((await link.request(r2)).response.fields['39'], '00');
    partner.drop(false);
    await t.waitSaf(String(origRow['id']), 'done');
    await t.waitState(orig.fields['11'] as string, 'reversed');
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await t.journal.safByTxn(String(origRow['id']))).length, 1, 'one SAF entry for the original');
    const keys = [...partner.reversals.values()];
    assert.equal(keys.length, 1);
    assert.equal(partner.count('0420'), 1, `one reversal, repeats as 0421 only: ${JSON.stringify(partner.countsByMti())}`);
    const second = await t.txn(r2.fields['11'] as string, '0420');
    assert.equal(second['response_code'], '00');
  });

  it('reversal from the participant: 0430 00, forwarded through the SAF with the hub outbound STAN; repeats idempotent; unknown original -> 25', async () => {
    t = await TestHub.start({ requestTimeoutMs: TIMEOUT });
    const partner = t.partner;
    const link = await t.participant();
    const orig = financial(77700, { extra: { '7': '1126031500' } }); // the reversal's own field 7 (now) differs
    assert.equal((await link.request(orig)).response.fields['39'], '00');
    const origRow = await t.txn(orig.fields['11'] as string);
    const outStan = detailOf(origRow)['outboundStan'] as string;
    assert.equal(partner.received.find((m) => m.mti === '0200' && m.fields['37'] === orig.fields['37'])?.fields['11'], outStan);

    const rev = reversalOf(orig);
    const { response: r } = await link.request(rev);
    assert.equal(r.mti, '0430');
    assert.equal(r.fields['39'], '00');
    assert.equal(r.fields['11'], rev.fields['11']);
    assert.equal(r.fields['90'], rev.fields['90']);

    await t.waitSaf(String(origRow['id']), 'done');
    await t.waitState(orig.fields['11'] as string, 'reversed');
    assert.equal(partner.count('0420'), 1);
    const fwd = partner.received.find((m) => m.mti === '0420') as Iso8583Message;
    assert.equal(fwd.fields['11'], outStan, 'the partner sees the STAN of the 0200 it answered');
    assert.equal(fwd.fields['41'], TERMINAL);
    assert.equal(fwd.fields['4'], orig.fields['4']);
    assert.equal(fwd.fields['90']?.slice(0, 20), `0200${outStan}${orig.fields['7']}`, 'field 90 names the original as the partner saw it');
    const revRow = await t.txn(rev.fields['11'] as string, '0420');
    assert.equal(revRow['state'], 'answered');
    assert.equal(revRow['response_code'], '00');
    assert.deepEqual(detailOf(revRow), { reverses: origRow['id'], forwarded: true });

    // A repeat (0421) of the same reversal: same answer, nothing forwarded twice.
    const { response: r2 } = await link.request({ mti: '0421', fields: { ...rev.fields } });
    assert.equal(r2.mti, '0430');
    assert.deepEqual(r2.fields, r.fields);
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(partner.count('0420') + partner.count('0421'), 1);

    // The original of a timed-out request was reversed by the hub already: acknowledged, not sent again.
    partner.drop(true);
    const lost = financial(88800);
    assert.equal((await link.request(lost)).response.fields['39'], '68');
    partner.drop(false);
    const lostRow = await t.txn(lost.fields['11'] as string);
    await t.waitSaf(String(lostRow['id']), 'done');
    const { response: r3 } = await link.request(reversalOf(lost));
    assert.equal(r3.fields['39'], '00');
    await new Promise((res) => setTimeout(res, 150));
    assert.equal((await t.journal.safByTxn(String(lostRow['id']))).length, 1, 'one reversal for the timed-out original');

    // The original was declined: nothing to undo at the partner, acknowledged locally.
    const declined = financial(66651);
    assert.equal((await link.request(declined)).response.fields['39'], '51');
    const before = partner.count('0420') + partner.count('0421');
    const declinedRev = reversalOf(declined);
    assert.equal((await link.request(declinedRev)).response.fields['39'], '00');
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(partner.count('0420') + partner.count('0421'), before, 'no reversal for a declined original');
    assert.deepEqual(detailOf(await t.txn(declinedRev.fields['11'] as string, '0420')), { reverses: (await t.txn(declined.fields['11'] as string))['id'] });

    // Unknown original: 25, recorded, nothing sent.
    const sentBefore = partner.receivedCount;
    const ghost = reversalOf(financial(12300));
    const { response: r4 } = await link.request(ghost);
    assert.equal(r4.mti, '0430');
    assert.equal(r4.fields['39'], '25');
    const ghostRow = await t.txn(ghost.fields['11'] as string, '0420');
    assert.equal(ghostRow['response_code'], '25');
    assert.equal(ghostRow['state'], 'answered');
    assert.deepEqual(detailOf(ghostRow), { reversal: 'original not found' });
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(partner.receivedCount, sentBefore);
  });
});
