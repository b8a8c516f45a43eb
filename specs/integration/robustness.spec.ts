/**
 * Bad peers over loopback TCP: malformed frames, unknown source addresses, and a participant that
 * pipelines 100 requests in one write. One bad connection never affects another.
 */
import { strict as assert } from 'node:assert';
import type { Iso8583Message } from '../../src/codec/iso8583';
import { financial, PARTICIPANT, rawFrame, rawPack, sample, sleep, TERMINAL, TestHub } from './harness';

describe('integration: robustness', function () {
  this.timeout(15000);
  let t: TestHub | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('malformed frames: a broken field with a readable MTI is answered 30 with the salvaged 11/41; broken framing closes only that connection', async () => {
    t = await TestHub.start();
    const good = await t.participant();
    const approve = async (): Promise<void> => {
      const { response } = await good.request(financial(10000));
      assert.equal(response.fields['39'], '00');
    };
    await approve();

    // (a) MTI readable, field 49 broken (a character outside class an), after 11 and 41.
    const raw = await t.raw();
    const req = financial(10000);
    const body = rawPack({ mti: '0200', fields: { '3': '000000', '4': '000000010000', '7': req.fields['7'] as string, '11': req.fields['11'] as string, '41': TERMINAL, '49': '410' } });
    assert.equal(body.subarray(-3).toString(), '410');
    body.write('4@0', body.length - 3, 'latin1');
    raw.sendBytes(rawFrame(body));
    const [answer] = await raw.waitFor(1);
    assert.equal(answer?.mti, '0210');
    assert.equal(answer?.fields['39'], '30');
    assert.equal(answer?.fields['11'], req.fields['11']);
    assert.equal(answer?.fields['41'], TERMINAL);
    assert.equal(answer?.fields['7'], req.fields['7']);
    assert.equal(t.partner.count('0200'), 1, 'nothing forwarded');
    // The connection stays up: a good request on it is switched.
    const next = financial(10000);
    raw.send(next);
    assert.equal((await raw.answerTo(next.fields['11'] as string)).fields['39'], '00');

    // (a') well-formed but missing a field its class needs: 30 from the pipeline, journaled.
    const noAmount = financial(10000);
    delete noAmount.fields['4'];
    raw.send(noAmount);
    const a2 = await raw.answerTo(noAmount.fields['11'] as string);
    assert.equal(a2.fields['39'], '30');
    const row = await t.txn(noAmount.fields['11'] as string);
    assert.equal(row['response_code'], '30');
    assert.equal(t.partner.count('0200'), 2, 'the invalid request is not forwarded');

    // (b) declared length above the maximum frame size: that connection is closed.
    const flood = await t.raw();
    const during = good.request(financial(10000));
    flood.sendBytes(Buffer.from([0xff, 0xff, 0x30, 0x32, 0x30, 0x30]));
    await flood.waitForClose(2000);
    assert.equal(flood.answers.length, 0);
    assert.equal((await during).response.fields['39'], '00');

    // (c) a frame whose first bytes are not an MTI: nothing can be answered, the connection is closed.
    const garbage = await t.raw();
    garbage.sendBytes(rawFrame(Buffer.from('\u0001\u0002garbage that is not ISO 8583', 'latin1')));
    await garbage.waitForClose(2000);
    assert.equal(garbage.answers.length, 0);

    // The other participant connection kept working throughout.
    await approve();
    assert.equal(raw.isClosed, false, 'the connection with a readable bad message stays up');
    const text = await t.metricsText();
    assert.equal(sample(text, 'dari_format_errors_total', { participant: PARTICIPANT, code: 'DARI_CODEC_INVALID_CHARACTER' }), 1);
    assert.equal(sample(text, 'dari_format_errors_total', { participant: PARTICIPANT, code: 'DARI_FRAME_TOO_LARGE' }), 1);
    assert.equal(sample(text, 'dari_format_errors_total', { participant: PARTICIPANT, code: 'DARI_SWITCH_INVALID_REQUEST' }), 1);
    assert.equal(t.partner.count('0200'), 4, 'only the four good requests were forwarded');
  });

  it('unknown peer: a source address no participant allows is closed by the hub and counted', async () => {
    t = await TestHub.start({ allow: ['127.0.0.2'] });
    const stranger = await t.raw(); // from 127.0.0.1
    stranger.send(financial(10000));
    await stranger.waitForClose(2000);
    assert.equal(stranger.answers.length, 0);
    assert.equal(t.partner.count('0200'), 0);
    const text = await t.metricsText();
    assert.equal(sample(text, 'dari_connections_refused_total', { reason: 'unknown-peer' }), 1);

    // The allowed address is served (positive control).
    const known = await t.raw('127.0.0.2');
    const req = financial(10000);
    known.send(req);
    assert.equal((await known.answerTo(req.fields['11'] as string)).fields['39'], '00');
    assert.equal(sample(await t.metricsText(), 'dari_connections_refused_total', { reason: 'unknown-peer' }), 1);
  });

  it('100 requests pipelined in one write on a raw socket: all answered, each matched by field 11', async () => {
    t = await TestHub.start({ links: 2 });
    const raw = await t.raw();
    const reqs: Iso8583Message[] = [];
    for (let i = 0; i < 100; i++) reqs.push(financial(i % 10 === 3 ? 10051 : 10000 + i * 100));
    raw.send(...reqs);
    const answers = await raw.waitFor(100, 10000);
    await sleep(50);
    assert.equal(raw.answers.length, 100, 'exactly one answer per request');
    const byStan = new Map(answers.map((a) => [a.fields['11'], a]));
    assert.equal(byStan.size, 100);
    for (const [i, r] of reqs.entries()) {
      const a = byStan.get(r.fields['11']);
      assert.ok(a, `answer to request ${i}`);
      assert.equal(a.mti, '0210');
      assert.equal(a.fields['39'], i % 10 === 3 ? '51' : '00');
      assert.equal(a.fields['4'], r.fields['4']);
      assert.equal(a.fields['37'], r.fields['37']);
    }
    assert.equal(t.partner.count('0200'), 100);
    const rows = await t.sql<{ n: number }>("SELECT COUNT(*) AS n FROM {s}transactions WHERE participant = ? AND state = 'answered'", [PARTICIPANT]);
    assert.equal(Number(rows[0]?.n), 100);
    const outStans = new Set(t.partnerGot('0200').map((m) => m.fields['11']));
    assert.equal(outStans.size, 100, 'distinct outbound STANs');
  });

  it('100 requests in flight at once on a Link participant', async () => {
    t = await TestHub.start({ links: 2 });
    const link = await t.participant();
    const reqs = Array.from({ length: 100 }, () => financial(10000));
    const answers = await Promise.all(reqs.map((r) => link.request(r)));
    for (const [i, ex] of answers.entries()) {
      assert.equal(ex.response.fields['39'], '00');
      assert.equal(ex.response.fields['11'], reqs[i]?.fields['11']);
    }
    assert.equal(t.partner.count('0200'), 100);
  });
});

describe('integration: graceful stop', function () {
  this.timeout(15000);

  it('stop() lets a transaction in flight finish: the participant still gets its answer', async () => {
    const t = await TestHub.start();
    try {
      const p = await t.participant();
      t.partner.delay(300);
      const pending = p.request(financial(10000));
      await sleep(50); // the request is with the partner now
      const stopping = t.hub.stop();
      const { response } = await pending;
      assert.equal(response.fields['39'], '00');
      await stopping;
    } finally {
      await t.close();
    }
  });
});
