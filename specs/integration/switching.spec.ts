/**
 * The switching core end to end, over loopback TCP with the real journal, once on SQLite and once
 * on PostgreSQL (which must be reachable: these tests fail, never skip, without it):
 * approval, decline, partner silence and late answers with reversal through the SAF, duplicates,
 * and no card data at rest.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Iso8583Message } from '../../src/codec/iso8583';
import { loadDataKey } from '../../src/security/data-key';
import {
  financial, PAN, PARTNER, PG_URL, pgQuery, TERMINAL, TestHub, TRACK2, waitFor, type JournalKind,
} from './harness';

const TIMEOUT = 400;
/** What the originator may wait for a timeout answer beyond the request timeout (journal commits, scheduling). */
const MARGIN = 300;

function detailOf(row: Record<string, unknown>): Record<string, unknown> {
  const d = row['detail'];
  return (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;
}

function sameAnswer(a: Iso8583Message, b: Iso8583Message): void {
  assert.equal(a.mti, b.mti);
  assert.deepEqual(a.fields, b.fields);
}

for (const kind of ['sqlite', 'postgres'] as JournalKind[]) {
  describe(`integration: switching core (${kind} journal)`, function () {
    this.timeout(15000);
    let t: TestHub | undefined;

    if (kind === 'postgres') {
      before(async () => {
        try {
          await pgQuery('SELECT 1');
        } catch (e) {
          throw new Error(`PostgreSQL is required and is not reachable at ${PG_URL} (${(e as Error).message}); start it or set DATABASE_URL`);
        }
      });
    }

    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('approval over a Link participant: 0210 39=00 with 38, echoing the participant 11/41/7, not the hub outbound STAN', async () => {
      t = await TestHub.start({ journal: kind, builtinSimulator: true });
      const link = await t.participant();
      const req = financial(10000);
      const { response: a } = await link.request(req);
      assert.equal(a.mti, '0210');
      assert.equal(a.fields['39'], '00');
      assert.match(a.fields['38'] ?? '', /^[0-9A-Z ]{6}$/);
      for (const f of ['11', '41', '7', '37', '4', '49']) assert.equal(a.fields[f], req.fields[f], `field ${f} echoed`);
      assert.equal(a.fields['35'], undefined, 'track 2 is never echoed');

      const sent = t.partnerGot('0200');
      assert.equal(sent.length, 1);
      const out = sent[0] as Iso8583Message;
      assert.notEqual(out.fields['11'], req.fields['11'], 'the partner sees the hub outbound STAN');
      assert.equal(out.fields['41'], TERMINAL);
      assert.equal(out.fields['2'], PAN, 'the partner needs the PAN');

      const row = await t.txn(req.fields['11'] as string);
      assert.equal(row['state'], 'answered');
      assert.equal(row['response_code'], '00');
      assert.equal(row['partner'], PARTNER);
      assert.equal(row['partner_link'], `${PARTNER}#1`);
      assert.equal(row['pan_masked'], '476173******0119');
      assert.match(String(row['pan_hash']), /^[0-9a-f]{64}$/);
      assert.equal(row['amount'], '000000010000');
      assert.equal(detailOf(row)['outboundStan'], out.fields['11']);
      assert.deepEqual(await t.states(String(row['id'])), ['forwarded', 'answered']);
    });

    it('approval over an independent raw-socket participant (hand-built iso87ascii frame)', async () => {
      t = await TestHub.start({ journal: kind });
      const raw = await t.raw();
      const req = financial(25000);
      raw.send(req);
      const a = await raw.answerTo(req.fields['11'] as string);
      assert.equal(a.mti, '0210');
      assert.equal(a.fields['39'], '00');
      assert.ok(a.fields['38']);
      for (const f of ['11', '41', '7', '37']) assert.equal(a.fields[f], req.fields[f]);
      assert.equal(t.partner.count('0200'), 1);
      assert.notEqual(t.partnerGot('0200')[0]?.fields['11'], req.fields['11']);
      const row = await t.txn(req.fields['11'] as string);
      assert.equal(row['state'], 'answered');
      assert.equal(row['response_code'], '00');
    });

    it('decline: amount ending in 51 is answered 51 (a result, not an error), no approval code', async () => {
      t = await TestHub.start({ journal: kind });
      const link = await t.participant();
      const req = financial(10051);
      const { response: a } = await link.request(req);
      assert.equal(a.mti, '0210');
      assert.equal(a.fields['39'], '51');
      assert.equal(a.fields['38'], undefined);
      assert.equal(a.fields['11'], req.fields['11']);
      assert.equal(t.partner.count('0200'), 1);
      const row = await t.txn(req.fields['11'] as string);
      assert.equal(row['state'], 'answered');
      assert.equal(row['response_code'], '51');
      assert.equal((await t.journal.safByTxn(String(row['id']))).length, 0, 'no reversal for a decline');
    });

    it('partner silent (amount ...98): 68 within the timeout, 0420 queued in the SAF and delivered, state reversed', async () => {
      t = await TestHub.start({ journal: kind, requestTimeoutMs: TIMEOUT });
      const link = await t.participant();
      const req = financial(10098);
      const t0 = performance.now();
      const { response: a } = await link.request(req);
      const took = performance.now() - t0;
      assert.equal(a.fields['39'], '68');
      assert.equal(a.fields['11'], req.fields['11']);
      assert.ok(took >= TIMEOUT - 5 && took < TIMEOUT + MARGIN, `answered 68 after ${took.toFixed(0)} ms (timeout ${TIMEOUT})`);

      const row = await t.txn(req.fields['11'] as string);
      assert.ok(['timed_out', 'reversed'].includes(String(row['state'])), String(row['state']));
      assert.equal(row['response_code'], '68');
      const id = String(row['id']);
      const saf = await t.journal.safByTxn(id);
      assert.equal(saf.length, 1);
      assert.equal(saf[0]?.mti, '0420');
      assert.equal(saf[0]?.partner, PARTNER);
      assert.equal(saf[0]?.payload.indexOf(PAN), -1, 'the SAF payload is sealed');

      await t.waitSaf(id, 'done');
      await t.waitState(req.fields['11'] as string, 'reversed');
      const outStan = detailOf(row)['outboundStan'] as string;
      assert.equal(t.partner.count('0420'), 1);
      assert.equal(t.partner.count('0200'), 1, 'the financial request is never resent');
      const rev = t.partnerGot('0420')[0] as Iso8583Message;
      assert.equal(rev.fields['11'], outStan);
      assert.equal(rev.fields['4'], req.fields['4']);
      assert.equal(rev.fields['90']?.slice(0, 20), `0200${outStan}${req.fields['7']}`);
      assert.equal(t.partner.reversals.size, 1);
      assert.deepEqual(await t.states(id), ['forwarded', 'timed_out', 'reversed']);
    });

    it('partner silent for everything: the reversal is retried as 0421 until the partner answers again', async () => {
      t = await TestHub.start({ journal: kind, requestTimeoutMs: TIMEOUT });
      const link = await t.participant();
      t.partner.drop(true);
      const req = financial(20000);
      const { response: a } = await link.request(req);
      assert.equal(a.fields['39'], '68');
      const row = await t.txn(req.fields['11'] as string);
      const id = String(row['id']);
      // The first attempt (0420) goes unanswered too: the entry stays pending with attempts counted.
      await waitFor(async () => {
        const e = (await t?.journal.safByTxn(id)) ?? [];
        return e.length === 1 && e[0]?.status === 'pending' && (e[0]?.attempts ?? 0) >= 1;
      }, 4000, () => 'SAF entry pending after a failed attempt');
      assert.equal(t.partner.count('0420'), 1);
      assert.equal((await t.txn(req.fields['11'] as string))['state'], 'timed_out');

      t.partner.drop(false);
      await t.waitSaf(id, 'done', 5000);
      await t.waitState(req.fields['11'] as string, 'reversed');
      assert.ok(t.partner.count('0421') >= 1, `repeats go as 0421: ${JSON.stringify(t.partner.countsByMti())}`);
      assert.equal(t.partner.count('0420'), 1, 'only the first attempt is an 0420');
      assert.equal(t.partner.count('0200'), 1);
      const recs = [...t.partner.reversals.values()];
      assert.equal(recs.length, 1, 'every attempt is filed under the same original');
      assert.equal(recs[0]?.last.mti, '0421');
    });

    it('the reversal of a timed-out request is tied to the link that carried it (SAF link hint) and goes out on that connection', async () => {
      const h = (t = await TestHub.start({ journal: kind, links: 2, requestTimeoutMs: TIMEOUT }));
      const link = await h.participant();
      for (let i = 0; i < 2; i++) {
        const req = financial(10098 + i * 1000);
        assert.equal((await link.request(req)).response.fields['39'], '68');
        const row = await h.txn(req.fields['11'] as string);
        const [entry] = await h.journal.safByTxn(String(row['id']));
        const out = h.partner.received.find((m) => m.mti === '0200' && m.fields['37'] === req.fields['37']);
        assert.ok(entry && out);
        assert.match(entry.linkHint ?? '(none)', new RegExp(`^${PARTNER}#[12]$`), 'the SAF entry names the link the 0200 went out on');
        await h.waitSaf(String(row['id']), 'done');
        const rev = h.partner.received.find((m) => m.mti === '0420' && m.fields['11'] === out.fields['11']);
        assert.equal(rev?.connection, out.connection, 'the reversal goes out on the connection of the original');
      }
      const hints = new Set<string>();
      for (const m of h.partnerGot('0200')) hints.add(String(m.connection));
      assert.equal(hints.size, 2, 'both links were used');
    });

    it('late response (amount ...97): 68, the late 0210 is counted, the reversal is delivered', async () => {
      t = await TestHub.start({ journal: kind, requestTimeoutMs: TIMEOUT });
      const link = await t.participant();
      const pool = t.hub.pools.get(PARTNER);
      let late = 0;
      for (const l of pool?.links ?? []) l.on('late', () => late++);
      const req = financial(10097);
      const { response: a } = await link.request(req);
      assert.equal(a.fields['39'], '68');
      const row = await t.txn(req.fields['11'] as string);
      await waitFor(() => late === 1, 3000, () => `late responses: ${late}`);
      const text = await t.metricsText();
      assert.match(text, new RegExp(`^dari_late_responses_total\\{link="${PARTNER}#1"\\} 1$`, 'm'));
      await t.waitSaf(String(row['id']), 'done');
      await t.waitState(req.fields['11'] as string, 'reversed');
      assert.equal(t.partner.count('0420'), 1);
      assert.equal(t.partner.count('0200'), 1);
    });

    it('duplicate after the answer (also as 0201): the same answer, the partner saw the request once', async () => {
      t = await TestHub.start({ journal: kind });
      const link = await t.participant();
      const req = financial(10000);
      const { response: first } = await link.request(req);
      assert.equal(first.fields['39'], '00');
      const { response: again } = await link.request(req);
      sameAnswer(again, first);
      const { response: repeat } = await link.request({ mti: '0201', fields: { ...req.fields } });
      sameAnswer(repeat, first);
      assert.equal(t.partner.count('0200'), 1);
      assert.equal(t.partner.count('0201'), 0);
      assert.equal((await t.txnRows(req.fields['11'] as string)).length, 1, 'one transaction row');
      assert.equal((await t.txnRows(req.fields['11'] as string, '0201')).length, 0);
      assert.match(await t.metricsText(), /^dari_duplicate_requests_total\{participant="ACQ"\} 2$/m);
    });

    it('fees: an approved 0200 gets one fee row, written with its answer; a repeat adds none, a decline and a timeout none', async () => {
      t = await TestHub.start({
        journal: kind,
        fees: { cardRateBps: 100, participants: { '*': [{ currency: 'KRW', percentBps: 20 }] }, partners: { '*': [{ currency: 'KRW', percentBps: 10 }] } },
      });
      const link = await t.participant();
      const from = Date.now() - 1000;
      const req = financial(10000);
      const { response: first } = await link.request(req);
      assert.equal(first.fields['39'], '00');
      // The answer is sent only once its write is durable, and the fees are in that write.
      const totals = async (): Promise<unknown> => t!.journal.feeTotals({ from, to: Date.now() + 1000 });
      // 10,000 KRW: participant fee 20 bps = 20, partner fee 10 bps = 10, card-brand route 1% = 100.
      const one = [{ participant: 'ACQ', partner: PARTNER, currency: 'KRW', count: 1, amount: 10000n, participantFees: 20n, partnerFees: 10n, cardBrandCost: 100n, saving: 70n }];
      assert.deepEqual(await totals(), one);
      sameAnswer((await link.request(req)).response, first);
      assert.equal((await link.request(financial(10051))).response.fields['39'], '51');
      assert.equal((await link.request(financial(10098))).response.fields['39'], '68');
      assert.deepEqual(await totals(), one, 'no fees for a repeat, a decline or a timeout');
    });

    it('duplicate while the first is still in flight: both get the same answer, the partner saw it once', async () => {
      t = await TestHub.start({ journal: kind });
      t.partner.delay(250);
      const raw = await t.raw();
      const req = financial(10000);
      raw.send(req);
      await t.partner.waitForRequests(2); // sign-on + the 0200
      raw.send(req);
      const [a1, a2] = await raw.waitFor(2, 3000);
      assert.ok(a1 && a2);
      assert.equal(a1.fields['39'], '00');
      sameAnswer(a2, a1);
      assert.equal(a1.fields['11'], req.fields['11']);
      assert.equal(t.partner.count('0200'), 1);
      assert.equal((await t.txnRows(req.fields['11'] as string)).length, 1);
    });

    it('card data at rest: no clear PAN or track 2 in the journal (PAN only masked + hash, SAF payload sealed)', async () => {
      t = await TestHub.start({ journal: kind, requestTimeoutMs: TIMEOUT });
      const link = await t.participant();
      await link.request(financial(10000));
      await link.request(financial(10051));
      const timedOut = financial(10098);
      await link.request(timedOut);
      const row = await t.txn(timedOut.fields['11'] as string);
      await t.waitSaf(String(row['id']), 'done');
      // a second reversal left pending (partner silent) so that a live payload is at rest too
      t.partner.drop(true);
      const pendingReq = financial(30000);
      await link.request(pendingReq);
      const pendingRow = await t.txn(pendingReq.fields['11'] as string);
      const saf = await t.journal.safByTxn(String(pendingRow['id']));
      assert.equal(saf.length, 1);
      // The sealed payload does carry the PAN for the partner, under the data key only.
      const opened = loadDataKey(t.config.journal.dataKeyFile, false, {}).open(saf[0]?.payload as Buffer).toString('utf8');
      assert.ok(opened.includes(PAN), 'the reversal must carry the PAN to the partner');
      assert.ok(!opened.includes('=27122011758912345'), 'but never track 2');

      const masked = Buffer.from('476173******0119');
      const needles = [Buffer.from(PAN), Buffer.from(TRACK2), Buffer.from(TRACK2.slice(PAN.length + 1))];
      if (kind === 'sqlite') {
        const scan = (): void => {
          let sawMasked = false;
          for (const f of readdirSync(t?.dir as string)) {
            const bytes = readFileSync(join(t?.dir as string, f));
            for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds card data (${n.length} bytes)`);
            if (bytes.indexOf(masked) >= 0) sawMasked = true;
          }
          assert.ok(sawMasked, 'the masked PAN is stored (the scan looks at the right files)');
        };
        scan(); // live: database + write-ahead log
        await t.hub.stop(); // checkpointed into the database file
        scan();
      } else {
        let text = '';
        for (const table of ['transactions', 'txn_events', 'dedupe', 'saf', 'schema_migrations']) {
          const rows = await t.sql<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM {s}${table} x`);
          text += rows.map((r) => r.j).join('\n');
        }
        const payloads = await t.sql<{ payload: Buffer }>('SELECT payload FROM {s}saf');
        assert.ok(payloads.length >= 2);
        for (const p of payloads) assert.equal(p.payload.indexOf(PAN), -1, 'SAF payload is sealed');
        for (const n of needles) assert.ok(!text.includes(n.toString()), 'PostgreSQL rows hold card data');
        assert.ok(text.includes(masked.toString()), 'the masked PAN is stored');
      }
      for (const line of t.logs) assert.ok(!line.includes(PAN), `log line with a PAN: ${line}`);
    });
  });
}
