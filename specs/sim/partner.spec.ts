/**
 * PartnerSimulator over real loopback TCP: default answers (field 39 from the amount, 98 never,
 * 97 late, sign-on, reversals), and every misbehaviour mode.
 */
import { strict as assert } from 'node:assert';
import { decodeTlv } from '../../src/codec/iso8583';
import { DariError } from '../../src/errors';
import { FrameDecoder } from '../../src/transport/framing';
import { PartnerSimulator, reversalKey, responseCodeForAmount } from '../../src/sim';
import { RawClient, financial, msSince, signOn, sleep } from './raw-client';

describe('sim: PartnerSimulator', () => {
  let partner: PartnerSimulator;
  const clients: RawClient[] = [];
  const client = async (dialect?: string, framing?: Parameters<typeof RawClient.connect>[2]): Promise<RawClient> => {
    const c = await RawClient.connect(partner.port, dialect, framing);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    partner = new PartnerSimulator({ timeoutHintMs: 150, lateByMs: 100 });
    await partner.start();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await partner.stop();
  });

  describe('default answers', () => {
    it('listens on a free loopback port', () => {
      assert.ok(partner.port > 0);
      assert.deepEqual(partner.address(), { host: '127.0.0.1', port: partner.port });
    });

    it('answers sign-on 0800 with 0810, 39 = 00, copying 7, 11, 70 and 41', async () => {
      const c = await client();
      const req = signOn('001', { '41': 'TERM0001' });
      c.send(req);
      const [r] = await c.waitFor(1);
      assert.equal(r?.message.mti, '0810');
      assert.deepEqual(r?.message.fields, { '7': req.fields['7'], '11': req.fields['11'], '39': '00', '41': 'TERM0001', '70': '001' });
    });

    it('answers field 39 from the last two digits of the amount when they are a 1987 code', async () => {
      const c = await client();
      const cases: [string, string][] = [['1005', '05'], ['25051', '51'], ['1047', '00'], ['50000', '00'], ['1091', '91'], ['1075', '75'], ['1070', '00'], ['1045', '00'], ['1044', '44']];
      for (const [amount] of cases) c.send(financial(amount));
      const got = await c.waitFor(cases.length);
      cases.forEach(([amount, rc], i) => {
        const m = got[i]?.message;
        assert.equal(m?.mti, '0210');
        assert.equal(m?.fields['4'], amount.padStart(12, '0'));
        assert.equal(m?.fields['39'], rc, `amount ${amount}`);
        assert.equal(m?.fields['38'] !== undefined, rc === '00', `approval code only on approvals (amount ${amount})`);
      });
    });

    it('echoes what a switch echoes (2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49) and never echoes what it should not (22 stays, 35/52/14 are not sent back)', async () => {
      const c = await client();
      const req = financial('12300', { '14': '2812', '35': '4761739001010119=28122011234567890', '52': '0123456789ABCDEF' });
      c.send(req);
      const [r] = await c.waitFor(1);
      const f = r?.message.fields ?? {};
      for (const k of ['2', '3', '4', '7', '11', '12', '13', '32', '37', '41', '42', '49']) assert.equal(f[k], req.fields[k], `field ${k}`);
      for (const k of ['14', '35', '52']) assert.equal(f[k], undefined, `field ${k} is not echoed`);
      assert.match(f['38'] ?? '', /^[0-9]{6}$/);
      assert.equal(f['39'], '00');
    });

    it('answers 0100 with 0110 and a repeat 0201 with 0210', async () => {
      const c = await client();
      c.send(financial('100', {}, '0100'));
      c.send(financial('105', {}, '0201'));
      const got = await c.waitFor(2);
      assert.deepEqual(got.map((g) => [g.message.mti, g.message.fields['39']]), [['0110', '00'], ['0210', '05']]);
    });

    it('adds tag 91 (issuer authentication data) to field 55 on approvals of chip requests', async () => {
      const c = await client();
      c.send(financial('100', { '55': '9F2608C1A2B3C4D5E6F7089F270180' }));
      const [r] = await c.waitFor(1);
      const items = decodeTlv(r?.message.fields['55'] ?? '');
      assert.equal(items.length, 1);
      assert.equal(items[0]?.tag, '91');
      assert.equal(items[0]?.value.length, 20);
      assert.ok(items[0]?.value.endsWith('3030'));
    });

    it('never answers amounts ending in 98 (and keeps answering the others)', async () => {
      const c = await client();
      c.send(financial('10098'));
      const t = c.send(financial('10000'));
      const [r] = await c.waitFor(1);
      assert.equal(r?.message.fields['4'], '000000010000');
      await sleep(400);
      assert.equal(c.received.length, 1);
      // Silent for the whole wait (a Node timer may fire up to a millisecond early by hrtime).
      assert.ok(msSince(t) >= 395, `waited ${msSince(t)} ms`);
      assert.equal(partner.count('0200'), 2);
    });

    it('answers amounts ending in 97 after timeoutHintMs + lateByMs (approved)', async () => {
      const c = await client();
      const t = c.send(financial('10097'));
      c.send(financial('10000'));
      const got = await c.waitFor(2, 2000);
      assert.equal(got[0]?.message.fields['4'], '000000010000', 'the prompt answer overtakes the late one');
      assert.equal(got[1]?.message.fields['4'], '000000010097');
      assert.equal(got[1]?.message.fields['39'], '00');
      const late = Number((got[1]?.at ?? 0n) - t) / 1e6;
      assert.ok(late >= 245, `answered after ${late} ms, expected >= 250`);
      assert.ok(late < 1500, `answered after ${late} ms`);
    });

    it('answers reversals 0420/0421 with 0430 and 0400 with 0410, 39 = 00, filed by key (idempotent)', async () => {
      const c = await client();
      const orig = financial('50000');
      const f90 = `0200${orig.fields['11']}${orig.fields['7']}${'410001'.padStart(11, '0')}${'0'.repeat(11)}`;
      const rev = financial('50000', { '11': '900001', '90': f90 }, '0420');
      c.send(rev);
      c.send({ ...rev, mti: '0421' });
      c.send(financial('700', { '11': '900002' }, '0400'));
      const got = await c.waitFor(3);
      assert.deepEqual(got.map((g) => [g.message.mti, g.message.fields['39']]), [['0430', '00'], ['0430', '00'], ['0410', '00']]);
      assert.equal(got[0]?.message.fields['90'], f90);
      assert.equal(partner.reversals.size, 2);
      const r = partner.reversals.get(reversalKey(rev));
      assert.equal(r?.count, 2);
      assert.equal(r?.first.mti, '0420');
      assert.equal(r?.last.mti, '0421');
    });

    it('acknowledges advices (0220 -> 0230, 00) and answers unknown classes with 12', async () => {
      const c = await client();
      c.send(financial('10005', {}, '0220'));
      c.send(financial('100', {}, '0300'));
      const got = await c.waitFor(2);
      assert.deepEqual(got.map((g) => [g.message.mti, g.message.fields['39']]), [['0230', '00'], ['0310', '12']]);
    });

    it('records every request in order, with a count by MTI', async () => {
      const a = await client();
      const b = await client();
      a.send(signOn());
      await a.waitFor(1);
      b.send(financial('100'));
      await b.waitFor(1);
      a.send(financial('10098'));
      b.send(financial('200', {}, '0100'));
      await partner.waitForRequests(4);
      assert.deepEqual(partner.received.map((r) => r.mti), ['0800', '0200', '0200', '0100']);
      assert.deepEqual(partner.received.map((r) => r.seq), [1, 2, 3, 4]);
      assert.notEqual(partner.received[0]?.connection, partner.received[1]?.connection);
      assert.deepEqual(partner.countsByMti(), { '0100': 1, '0200': 2, '0800': 1 });
      assert.equal(partner.receivedCount, 4);
      partner.clearReceived();
      assert.equal(partner.receivedCount, 0);
      assert.equal(partner.received.length, 0);
    });

    it('counts an undecodable message as a protocol error and keeps the connection', async () => {
      const c = await client();
      const errors: unknown[] = [];
      partner.on('protocolError', (e) => errors.push(e));
      c.sendRaw(Buffer.from([0x00, 0x04, 0x41, 0x42, 0x43, 0x44]));
      c.send(financial('100'));
      await c.waitFor(1);
      assert.equal(partner.protocolErrors, 1);
      assert.ok(errors[0] instanceof DariError);
    });

    it('responseCodeForAmount', () => {
      assert.equal(responseCodeForAmount('000000000005'), '05');
      assert.equal(responseCodeForAmount('000000000047'), '00');
      assert.equal(responseCodeForAmount('000000000068'), '68');
      assert.equal(responseCodeForAmount('000000000069'), '00');
      assert.equal(responseCodeForAmount('000000000096'), '96');
      assert.equal(responseCodeForAmount(undefined), '00');
    });
  });

  describe('modes', () => {
    it('drop: reads and records, never answers', async () => {
      const c = await client();
      partner.drop();
      c.send(signOn());
      c.send(financial('100'));
      await partner.waitForRequests(2);
      await sleep(200);
      assert.equal(c.received.length, 0);
      assert.equal(partner.answersSent, 0);
      partner.drop(false);
      c.send(financial('100'));
      await c.waitFor(1);
    });

    it('delay(ms): every answer comes at least ms later', async () => {
      const c = await client();
      partner.delay(200);
      const t1 = c.send(signOn());
      c.send(financial('105'));
      const got = await c.waitFor(2);
      for (const g of got) assert.ok(Number(g.at - t1) / 1e6 >= 195, 'answer delayed');
      assert.deepEqual(got.map((g) => g.message.mti), ['0810', '0210']);
      partner.delay(0);
      const t2 = c.send(financial('100'));
      await c.waitFor(3);
      assert.ok(msSince(t2) < 195, "no longer delayed");
    });

    it('disconnectMidFrame: leaves a partial frame, then closes (one shot)', async () => {
      const c = await client();
      partner.disconnectMidFrame();
      c.send(financial('100'));
      await c.waitForClose();
      assert.equal(c.received.length, 0, 'no whole frame arrived');
      const bytes = c.allBytes();
      assert.ok(bytes.length > 2, `${bytes.length} bytes arrived`);
      const declared = bytes.readUInt16BE(0);
      assert.ok(bytes.length - 2 < declared, `only part of the ${declared}-byte frame arrived`);
      assert.ok(bytes.length >= Math.floor((declared + 2) / 2));
      const d = new FrameDecoder({ lengthHeader: 'binary2' }, { frame: () => assert.fail('no frame'), keepAlive: () => undefined });
      d.push(bytes);
      assert.throws(() => d.end(), (e: unknown) => e instanceof DariError && e.code === 'DARI_FRAME_TRUNCATED');
      assert.equal(partner.behaviour.disconnectMidFrame, false);
      // The next connection is answered normally.
      const c2 = await client();
      c2.send(financial('100'));
      await c2.waitFor(1);
    });

    it('duplicateResponses: every answer twice', async () => {
      const c = await client();
      partner.duplicateResponses();
      const req = financial('151');
      c.send(req);
      const got = await c.waitFor(2);
      assert.deepEqual(got[0]?.message, got[1]?.message);
      assert.equal(got[0]?.message.fields['11'], req.fields['11']);
      assert.equal(got[0]?.message.fields['39'], '51');
      assert.equal(partner.answersSent, 2);
    });

    it('unsolicited: a response nobody asked for before each answer, and sendUnsolicited() at once', async () => {
      const c = await client();
      partner.unsolicited();
      const req = financial('100');
      c.send(req);
      const got = await c.waitFor(2);
      assert.equal(got[0]?.message.mti, '0210');
      assert.notEqual(got[0]?.message.fields['11'], req.fields['11']);
      assert.equal(got[0]?.message.fields['41'], 'TERM0001');
      assert.equal(got[1]?.message.fields['11'], req.fields['11']);
      partner.unsolicited(false);
      const sent = partner.sendUnsolicited();
      assert.equal(sent.length, 1);
      const third = await c.waitFor(3);
      assert.deepEqual(third[2]?.message, sent[0]);
      assert.equal(partner.unsolicitedSent.length, 2);
    });

    it('refuseSignOn: 0810 with 39 = 91; echo tests still accepted', async () => {
      const c = await client();
      partner.refuseSignOn();
      c.send(signOn('001'));
      c.send(signOn('301'));
      const got = await c.waitFor(2);
      assert.deepEqual(got.map((g) => [g.message.fields['70'], g.message.fields['39']]), [['001', '91'], ['301', '00']]);
      partner.normal();
      c.send(signOn('001'));
      const again = await c.waitFor(3);
      assert.equal(again[2]?.message.fields['39'], '00');
    });

    it('closeAll(): drops every connection, keeps listening', async () => {
      const a = await client();
      const b = await client();
      await partner.waitUntil(() => partner.connectionCount === 2);
      partner.closeAll();
      await Promise.all([a.waitForClose(), b.waitForClose()]);
      assert.equal(partner.connectionCount, 0);
      const c = await client();
      c.send(signOn());
      await c.waitFor(1);
    });

    it('closeAll() drops answers still waiting', async () => {
      const c = await client();
      partner.delay(150);
      c.send(financial('100'));
      await partner.waitForRequests(1);
      partner.closeAll();
      await c.waitForClose();
      await sleep(250);
      assert.equal(partner.answersSent, 0);
    });

    it('stop() then start() comes back on the same port', async () => {
      const port = partner.port;
      const a = await client();
      a.send(signOn());
      await a.waitFor(1);
      await partner.stop();
      await a.waitForClose();
      assert.equal(partner.listening, false);
      await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
      await partner.start();
      assert.equal(partner.port, port);
      const b = await client();
      b.send(financial('105'));
      const [r] = await b.waitFor(1);
      assert.equal(r?.message.fields['39'], '05');
      // And once more, right away.
      await partner.stop();
      await partner.start();
      assert.equal(partner.port, port);
    });
  });

  describe('other dialects and framings', () => {
    it('iso87binary over binary2 + TPDU: answers with the TPDU swapped', async () => {
      await partner.stop();
      partner = new PartnerSimulator({ dialect: 'iso87binary', framing: { lengthHeader: 'binary2', tpdu: true } });
      await partner.start();
      const c = await client('iso87binary', { lengthHeader: 'binary2', tpdu: true });
      c.send(financial('10013', { '35': '4761739001010119D28122011234567890' }), Buffer.from('6000030000', 'hex'));
      const [r] = await c.waitFor(1);
      assert.equal(r?.header?.toString('hex'), '6000000003');
      assert.equal(r?.message.fields['39'], '13');
    });

    it('iso93ascii over ascii4: 1200 -> 1210 with 1993 action codes', async () => {
      await partner.stop();
      partner = new PartnerSimulator({ dialect: 'iso93ascii', framing: { lengthHeader: 'ascii4' } });
      await partner.start();
      const c = await client('iso93ascii', { lengthHeader: 'ascii4' });
      const base = (amount: string, stan: string): { mti: string; fields: Record<string, string> } => ({
        mti: '1200', fields: { '2': '4761739001010119', '3': '000000', '4': amount, '11': stan, '41': 'TERM0001' },
      });
      c.send(base('000000010000', '000001'));
      c.send(base('000000010051', '000002'));
      c.send({ mti: '1804', fields: { '11': '000003', '24': '801' } });
      const got = await c.waitFor(3);
      assert.deepEqual(got.map((g) => [g.message.mti, g.message.fields['39']]), [['1210', '000'], ['1210', '116'], ['1814', '800']]);
    });
  });
});
