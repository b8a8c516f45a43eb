/**
 * The journal contract: one suite, run against every adapter (sqlite.spec.ts, postgres.spec.ts).
 *
 * `makeJournal(store)` returns a new, not yet initialised journal on the database named `store`:
 * the same store name gives another instance on the same database (a second hub node, or a reopen
 * after close), a different name gives an independent database (a fresh SQLite file or PostgreSQL
 * schema). `cleanup()` removes every store after the suite.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { isDariError } from '../../src/errors';
import type { JournalAdapter } from '../../src/journal/common';
import type { FeeEntry, SafEntry, TxnRecord } from '../../src/journal/journal';
import { MIGRATIONS } from '../../src/journal/migrations';

export type MakeJournal = (store?: string) => JournalAdapter;

/** Assert that `p` rejects with a DariError carrying `code`. */
export async function rejectsCoded(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isDariError(e), `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

let seq = 0;
/** A unique id per call (tests share a store, so ids and keys must not collide). */
export function uid(prefix: string): string {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

/** The compiled journal module, for child processes. */
export const JOURNAL_MODULE = resolve(__dirname, '..', '..', 'src', 'journal', 'index.js');

/**
 * Run `factory` (a JS expression building a journal from `J`, the journal module) in a child
 * process that records `count` transactions in one turn, prints "committed" once every promise has
 * resolved, then kills itself with SIGKILL (no close, no flush). Resolves with the ids written.
 */
export async function writeThenKill(factory: string, count: number): Promise<string[]> {
  const prefix = uid('killed');
  const source = `
    const J = require(${JSON.stringify(JOURNAL_MODULE)});
    (async () => {
      const j = ${factory};
      await j.init();
      const all = [];
      for (let i = 0; i < ${count}; i++) {
        all.push(j.record({ id: ${JSON.stringify(prefix)} + '-' + i, state: 'answered', at: Date.now(), participant: 'BANK1', mti: '0200', responseCode: '00' }));
      }
      await Promise.all(all);
      process.stdout.write('committed\\n', () => process.kill(process.pid, 'SIGKILL'));
    })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });
  `;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
  assert.equal(signal, 'SIGKILL', `child did not die by SIGKILL: ${err}`);
  assert.equal(out, 'committed\n', err);
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

function fullRecord(id: string, at: number): TxnRecord {
  return {
    id,
    state: 'received',
    at,
    participant: 'BANK1',
    link: 'bank1-a',
    mti: '0200',
    processingCode: '260000',
    stan: '000123',
    rrn: '412345678901',
    terminal: 'TERM0001',
    transmission: '0612103045',
    amount: '150000',
    currency: '360',
    partner: 'ID-QRIS',
    partnerLink: 'qris-1',
    responseCode: '00',
    panMasked: '476173******0119',
    panHash: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
    dedupeKey: 'BANK1|000123|0612103045',
    originalKey: 'orig|000123',
    detail: { answer: { '38': 'A1B2C3', '39': '00' }, fx: { rate: '0.0000634', quote: 'Q-1' }, list: [1, 'two', null, true], nested: { deep: { n: 1.5 } } },
  };
}

function safEntry(txnId: string, nextAt: number, over: Partial<SafEntry> = {}): SafEntry {
  return {
    id: uid('saf'),
    txnId,
    partner: 'VN-NAPAS',
    linkHint: 'napas-1',
    mti: '0420',
    payload: Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x42, 0x00]),
    attempts: 0,
    nextAt,
    createdAt: nextAt - 100,
    status: 'pending',
    ...over,
  };
}

export function journalContract(name: string, makeJournal: MakeJournal, cleanup: () => Promise<void>): void {
  describe(`journal contract: ${name}`, function () {
    const opened: JournalAdapter[] = [];

    /** A new initialised journal on `store`, closed after the test. */
    async function open(store = 'main'): Promise<JournalAdapter> {
      const j = makeJournal(store);
      opened.push(j);
      await j.init();
      return j;
    }

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((j) => j.close()));
    });

    after(async () => {
      await cleanup();
    });

    describe('set-up', () => {
      it('init twice is idempotent: every migration applied once, across instances', async () => {
        const a = await open('migrations');
        await a.init();
        const first = await a.appliedMigrations();
        assert.deepEqual(
          first.map((m) => m.version),
          MIGRATIONS.map((m) => m.version),
        );
        const b = await open('migrations');
        await b.init();
        const again = await b.appliedMigrations();
        assert.deepEqual(again, first, 'a second instance applies nothing and keeps the original applied_at');
      });

      it('writes and reads before init reject with DARI_JOURNAL_UNAVAILABLE', async () => {
        const j = makeJournal('main');
        opened.push(j);
        await rejectsCoded(j.record({ id: uid('t'), state: 'received', at: 1, participant: 'P', mti: '0200' }), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.get('x'), 'DARI_JOURNAL_UNAVAILABLE');
      });
    });

    describe('transactions', () => {
      it('record + get round-trips every field', async () => {
        const j = await open();
        const rec = fullRecord(uid('txn'), 1_718_000_000_123);
        await j.record(rec);
        assert.deepEqual(await j.get(rec.id), rec);
        assert.equal(await j.get(uid('missing')), undefined);
      });

      it('a minimal record comes back without the optional fields', async () => {
        const j = await open();
        const rec: TxnRecord = { id: uid('txn'), state: 'received', at: 5, participant: 'BANK2', mti: '0100' };
        await j.record(rec);
        assert.deepEqual(await j.get(rec.id), rec);
      });

      it('state updates replace the row, keep omitted fields, and keep every state in the history', async () => {
        const j = await open();
        const id = uid('txn');
        const t0 = 1_718_000_000_000;
        await j.record({ id, state: 'received', at: t0, participant: 'BANK1', mti: '0200', stan: '000777', amount: '5000', currency: '704' });
        await j.record({ id, state: 'forwarded', at: t0 + 3, participant: 'BANK1', mti: '0200', partner: 'VN-NAPAS' });
        await j.record({ id, state: 'answered', at: t0 + 250, participant: 'BANK1', mti: '0200', responseCode: '05' });
        const got = await j.get(id);
        assert.deepEqual(got, {
          id,
          state: 'answered',
          at: t0 + 250,
          participant: 'BANK1',
          mti: '0200',
          stan: '000777',
          amount: '5000',
          currency: '704',
          partner: 'VN-NAPAS',
          responseCode: '05',
        });
        assert.deepEqual(await j.history(id), [
          { state: 'received', at: t0 },
          { state: 'forwarded', at: t0 + 3 },
          { state: 'answered', at: t0 + 250 },
        ]);
      });

      it('several states of one transaction in one batch: all kept, the last one wins', async () => {
        const j = await open();
        const id = uid('txn');
        const base = { id, participant: 'BANK1', mti: '0200' };
        await Promise.all([
          j.record({ ...base, state: 'received', at: 10, stan: '000001' }),
          j.record({ ...base, state: 'forwarded', at: 10, partner: 'TH-PP' }),
          j.record({ ...base, state: 'timed_out', at: 20, responseCode: '68' }),
          j.record({ ...base, state: 'late', at: 30 }),
        ]);
        const got = await j.get(id);
        assert.equal(got?.state, 'late');
        assert.equal(got?.at, 30);
        assert.equal(got?.stan, '000001');
        assert.equal(got?.partner, 'TH-PP');
        assert.equal(got?.responseCode, '68');
        assert.deepEqual(
          (await j.history(id)).map((e) => e.state),
          ['received', 'forwarded', 'timed_out', 'late'],
        );
      });

      it('a read issued in the same turn as a write sees it (read-your-writes)', async () => {
        const j = await open();
        const id = uid('txn');
        const w = j.record({ id, state: 'received', at: 1, participant: 'BANK1', mti: '0200' });
        const r = j.get(id);
        await w;
        assert.equal((await r)?.id, id);
      });

      it('findByOriginalKey returns the latest transaction with that key', async () => {
        const j = await open();
        const key = uid('orig');
        const older = uid('txn');
        const newer = uid('txn');
        await j.record({ id: older, state: 'answered', at: 1000, participant: 'BANK1', mti: '0200', originalKey: key });
        await j.record({ id: newer, state: 'received', at: 2000, participant: 'BANK1', mti: '0200', originalKey: key });
        await j.record({ id: uid('txn'), state: 'received', at: 3000, participant: 'BANK1', mti: '0200', originalKey: uid('other') });
        assert.equal((await j.findByOriginalKey(key))?.id, newer);
        // A later state of the older transaction does not make it the latest transaction.
        await j.record({ id: older, state: 'reversed', at: 5000, participant: 'BANK1', mti: '0200' });
        assert.equal((await j.findByOriginalKey(key))?.id, newer);
        assert.equal(await j.findByOriginalKey(uid('nothing')), undefined);
      });
    });

    describe('dedupe', () => {
      it('free -> null; held -> holder without answer; after storeDedupeAnswer -> the answer; after the window -> free', async () => {
        const j = await open();
        const key = uid('dk');
        const now = 1_718_000_000_000;
        const window = 60_000;
        assert.equal(await j.claimDedupe(key, 'T1', window, now), null);
        assert.deepEqual(await j.claimDedupe(key, 'T2', window, now + 10), { txnId: 'T1', answer: null });
        const answer = { '39': '00', '38': 'ABC123', '4': '000000010000' };
        await j.storeDedupeAnswer(key, answer);
        assert.deepEqual(await j.claimDedupe(key, 'T3', window, now + window - 1), { txnId: 'T1', answer });
        assert.equal(await j.claimDedupe(key, 'T4', window, now + window), null, 'the window has ended: the key is free again');
        assert.deepEqual(await j.claimDedupe(key, 'T5', window, now + window + 1), { txnId: 'T4', answer: null });
      });

      it('two journal instances claiming the same keys at once: exactly one wins each key', async () => {
        const a = await open('main');
        const b = await open('main');
        const now = Date.now();
        const keys = Array.from({ length: 25 }, () => uid('race'));
        const claims = await Promise.all(
          keys.flatMap((k) => [a.claimDedupe(k, `A:${k}`, 60_000, now), b.claimDedupe(k, `B:${k}`, 60_000, now)]),
        );
        keys.forEach((k, i) => {
          const ra = claims[2 * i];
          const rb = claims[2 * i + 1];
          const winners = [ra, rb].filter((r) => r === null).length;
          assert.equal(winners, 1, `key ${k}: exactly one claim wins`);
          const loser = ra ?? rb;
          assert.equal(loser?.txnId, ra === null ? `A:${k}` : `B:${k}`, 'the loser is told who holds the key');
          assert.equal(loser?.answer, null);
        });
      });

      it('pruneDedupe deletes expired keys only', async () => {
        const j = await open('prune');
        await j.claimDedupe('old', 'T1', 100, 1000);
        await j.claimDedupe('live', 'T2', 100_000, 1000);
        assert.equal(await j.pruneDedupe(2000), 1);
        assert.deepEqual(await j.claimDedupe('live', 'T3', 100, 2000), { txnId: 'T2', answer: null });
        assert.equal(await j.claimDedupe('old', 'T4', 100, 2000), null);
      });
    });

    describe('begin and complete (the hot path)', () => {
      const sealed = (s: string): Buffer => Buffer.from(`sealed:${s}:\u0000\u00ff`, 'latin1');
      const rec = (over: Partial<TxnRecord> = {}): TxnRecord => ({
        id: uid('txn'),
        state: 'forwarded',
        at: 1_718_000_000_000,
        participant: 'BANK1',
        link: 'bank1-a',
        mti: '0200',
        stan: '000321',
        amount: '2500',
        currency: '360',
        partner: 'ID-QRIS',
        panMasked: '476173******0119',
        originalKey: uid('orig'),
        detail: { outboundStan: '000042' },
        ...over,
      });
      const answerOf = (code: string): Record<string, string> => ({ '39': code, '38': 'AUTH01', '4': '000000002500' });

      it('begin claims the key and records the transaction, its history event and its sealed request in one write', async () => {
        const j = await open('hot-begin');
        const key = uid('dk');
        const t = rec({ dedupeKey: key });
        assert.equal(await j.begin(t, { dedupe: { key, windowMs: 60_000, now: t.at }, sealedRequest: sealed(t.id) }), null);
        assert.deepEqual(await j.get(t.id), t);
        assert.deepEqual(await j.history(t.id), [{ state: 'forwarded', at: t.at }]);
        assert.deepEqual(await j.claimDedupe(key, 'someone-else', 60_000, t.at + 1), { txnId: t.id, answer: null });
        const inFlight = await j.inFlightBefore(t.at + 1, 1000);
        const mine = inFlight.find((x) => x.record.id === t.id);
        assert.deepEqual(mine, { record: t, sealedRequest: sealed(t.id) });
        assert.ok(Buffer.isBuffer(mine?.sealedRequest));
      });

      it('begin without a dedupe key or a sealed request just records', async () => {
        const j = await open('hot-begin');
        const t = rec({ state: 'received' });
        assert.equal(await j.begin(t, {}), null);
        assert.deepEqual(await j.get(t.id), t);
        const mine = (await j.inFlightBefore(t.at + 1, 1000)).find((x) => x.record.id === t.id);
        assert.deepEqual(mine, { record: t, sealedRequest: undefined });
      });

      it('begin on a taken key returns the holder (with its answer once stored) and writes nothing', async () => {
        const j = await open('hot-begin');
        const key = uid('dk');
        const first = rec();
        assert.equal(await j.begin(first, { dedupe: { key, windowMs: 60_000, now: first.at } }), null);
        const second = rec();
        assert.deepEqual(await j.begin(second, { dedupe: { key, windowMs: 60_000, now: first.at + 5 }, sealedRequest: sealed('2') }), { txnId: first.id, answer: null });
        assert.equal(await j.get(second.id), undefined, 'no transaction row');
        assert.deepEqual(await j.history(second.id), [], 'no history event');
        assert.equal((await j.inFlightBefore(first.at + 1000, 1000)).find((x) => x.record.id === second.id), undefined, 'no sealed request');
        assert.equal(await j.findByOriginalKey(second.originalKey!), undefined);

        await j.complete({ ...first, state: 'answered', at: first.at + 10, responseCode: '00' }, { dedupeAnswer: { key, answer: answerOf('00') } });
        const third = rec();
        assert.deepEqual(await j.begin(third, { dedupe: { key, windowMs: 60_000, now: first.at + 20 } }), { txnId: first.id, answer: answerOf('00') });
        assert.equal(await j.get(third.id), undefined);
      });

      it('begins of one key in the same turn: exactly one wins, the others are told who holds it', async () => {
        const j = await open('hot-begin');
        const key = uid('dk');
        const txns = [rec(), rec(), rec()];
        const hits = await Promise.all(txns.map((t) => j.begin(t, { dedupe: { key, windowMs: 60_000, now: t.at }, sealedRequest: sealed(t.id) })));
        assert.deepEqual(hits, [null, { txnId: txns[0]!.id, answer: null }, { txnId: txns[0]!.id, answer: null }]);
        assert.ok(await j.get(txns[0]!.id));
        assert.equal(await j.get(txns[1]!.id), undefined);
        assert.equal(await j.get(txns[2]!.id), undefined);
      });

      it('two journal instances beginning the same keys at once: one transaction per key is recorded', async () => {
        const a = await open('hot-race');
        const b = await open('hot-race');
        const now = Date.now();
        const keys = Array.from({ length: 20 }, () => uid('race'));
        const pairs = keys.map(() => [rec(), rec()] as const);
        const hits = await Promise.all(
          keys.flatMap((key, i) => [
            a.begin(pairs[i]![0], { dedupe: { key, windowMs: 60_000, now }, sealedRequest: sealed('a') }),
            b.begin(pairs[i]![1], { dedupe: { key, windowMs: 60_000, now }, sealedRequest: sealed('b') }),
          ]),
        );
        for (let i = 0; i < keys.length; i++) {
          const [ha, hb] = [hits[2 * i], hits[2 * i + 1]];
          assert.equal([ha, hb].filter((h) => h === null).length, 1, `key ${keys[i]}: exactly one begin wins`);
          const [winner, loser] = ha === null ? pairs[i]! : [pairs[i]![1], pairs[i]![0]];
          assert.equal((ha ?? hb)?.txnId, winner.id);
          assert.ok(await a.get(winner.id));
          assert.equal(await a.get(loser.id), undefined);
        }
      });

      it('complete writes the final record and its history event, stores the answer and clears the sealed request', async () => {
        const j = await open('hot-complete');
        const key = uid('dk');
        const t = rec({ dedupeKey: key });
        await j.begin(t, { dedupe: { key, windowMs: 60_000, now: t.at }, sealedRequest: sealed(t.id) });
        const final: TxnRecord = { ...t, state: 'answered', at: t.at + 40, responseCode: '05', partnerLink: 'qris-2', detail: { outboundStan: '000042', answer: { '39': '05' } } };
        await j.complete(final, { dedupeAnswer: { key, answer: answerOf('05') } });
        assert.deepEqual(await j.get(t.id), final);
        assert.deepEqual(await j.history(t.id), [
          { state: 'forwarded', at: t.at },
          { state: 'answered', at: t.at + 40 },
        ]);
        assert.deepEqual(await j.claimDedupe(key, 'again', 60_000, t.at + 50), { txnId: t.id, answer: answerOf('05') });
        assert.equal((await j.inFlightBefore(t.at + 1_000_000, 1000)).find((x) => x.record.id === t.id), undefined, 'no longer in flight');
        // The sealed request is gone: put the transaction back in flight (record keeps request_sealed as it is).
        await j.record({ ...final, state: 'forwarded', at: t.at + 60 });
        const back = (await j.inFlightBefore(t.at + 1_000_000, 1000)).find((x) => x.record.id === t.id);
        assert.ok(back, 'in flight again');
        assert.equal(back.sealedRequest, undefined, 'complete cleared the sealed request');
      });

      it('a partial final record keeps the fields recorded by begin', async () => {
        const j = await open('hot-complete');
        const t = rec();
        await j.begin(t, { sealedRequest: sealed(t.id) });
        await j.complete({ id: t.id, state: 'answered', at: t.at + 1, participant: t.participant, mti: t.mti, responseCode: '00' }, {});
        assert.deepEqual(await j.get(t.id), { ...t, state: 'answered', at: t.at + 1, responseCode: '00' });
        assert.equal((await j.findByOriginalKey(t.originalKey!))?.id, t.id);
      });

      it('complete stores the dedupe answer only while the transaction holds the key', async () => {
        const j = await open('hot-complete');
        const key = uid('dk');
        const a = rec();
        const b = rec();
        assert.equal(await j.begin(a, { dedupe: { key, windowMs: 100, now: 1000 } }), null);
        // The window of A ends; B takes the key over.
        assert.equal(await j.begin(b, { dedupe: { key, windowMs: 60_000, now: 1100 } }), null);
        await j.complete({ ...a, state: 'answered', at: a.at + 1, responseCode: '00' }, { dedupeAnswer: { key, answer: answerOf('00') } });
        assert.equal((await j.get(a.id))?.state, 'answered', 'the record is written all the same');
        assert.deepEqual(await j.claimDedupe(key, 'C', 60_000, 1200), { txnId: b.id, answer: null }, "A's answer is not stored under B's key");
        await j.complete({ ...b, state: 'answered', at: b.at + 1, responseCode: '51' }, { dedupeAnswer: { key, answer: answerOf('51') } });
        assert.deepEqual(await j.claimDedupe(key, 'C', 60_000, 1300), { txnId: b.id, answer: answerOf('51') });
      });

      it('storeDedupeAnswer with a transaction id stores only while that transaction holds the key', async () => {
        const j = await open('hot-complete');
        const key = uid('dk');
        assert.equal(await j.claimDedupe(key, 'T1', 60_000, 1000), null);
        await j.storeDedupeAnswer(key, answerOf('00'), 'T2');
        assert.deepEqual(await j.claimDedupe(key, 'T3', 60_000, 1001), { txnId: 'T1', answer: null });
        await j.storeDedupeAnswer(key, answerOf('00'), 'T1');
        assert.deepEqual(await j.claimDedupe(key, 'T3', 60_000, 1002), { txnId: 'T1', answer: answerOf('00') });
      });

      it('complete with a reversal enqueues it exactly once, even when called twice', async () => {
        const j = await open('hot-saf');
        const t = rec();
        await j.begin(t, { sealedRequest: sealed(t.id) });
        const reversal = safEntry(t.id, 5_000, { id: `${t.id}:0420` });
        const final: TxnRecord = { ...t, state: 'timed_out', at: t.at + 30_000, responseCode: '68' };
        await j.complete(final, { saf: reversal });
        await j.complete(final, { saf: { ...reversal, attempts: 7 } });
        await Promise.all([j.complete(final, { saf: reversal }), j.complete(final, { saf: reversal })]);
        assert.deepEqual(await j.safByTxn(t.id), [reversal]);
        assert.deepEqual(await j.get(t.id), final);
        assert.deepEqual(
          (await j.history(t.id)).map((e) => e.state),
          ['forwarded', 'timed_out'],
        );
        assert.deepEqual(await j.safStats(5_000), { depth: 1, oldestAgeMs: 100, flagged: 0 });
      });

      it('begin and complete of one transaction in the same turn: the final state wins, nothing left in flight', async () => {
        const j = await open('hot-same-turn');
        const key = uid('dk');
        const t = rec();
        const final: TxnRecord = { ...t, state: 'answered', at: t.at + 1, responseCode: '00' };
        const [hit] = await Promise.all([
          j.begin(t, { dedupe: { key, windowMs: 60_000, now: t.at }, sealedRequest: sealed(t.id) }),
          j.complete(final, { dedupeAnswer: { key, answer: answerOf('00') } }),
        ]);
        assert.equal(hit, null);
        assert.deepEqual(await j.get(t.id), final);
        assert.deepEqual(await j.inFlightBefore(t.at + 1_000_000, 1000), []);
        assert.deepEqual(await j.claimDedupe(key, 'x', 60_000, t.at + 2), { txnId: t.id, answer: answerOf('00') });
      });

      it('refuses card data in begin and complete, and then writes nothing (the key stays free)', async () => {
        const j = await open('hot-guard');
        const key = uid('dk');
        const bad = rec({ detail: { fields: { '35': '4761739001010119=2512' } } });
        await rejectsCoded(j.begin(bad, { dedupe: { key, windowMs: 60_000, now: 1 }, sealedRequest: sealed('x') }), 'DARI_INTERNAL_ERROR', /detail\.fields\.35/);
        assert.equal(await j.get(bad.id), undefined);
        assert.equal(await j.claimDedupe(key, 'T', 60_000, 2), null, 'the key was not claimed');
        await rejectsCoded(j.complete(rec({ panMasked: '4761739001010119' }), {}), 'DARI_INTERNAL_ERROR', /panMasked/);
      });
    });

    describe('inFlightBefore (crash recovery)', () => {
      it('finds transactions begun and not completed before the given time, oldest first, up to the limit', async () => {
        const j = await open('in-flight');
        const base = { participant: 'BANK1', mti: '0200' };
        const at = 7_000_000;
        const e: TxnRecord = { ...base, id: uid('e'), state: 'received', at: at - 500 };
        const a: TxnRecord = { ...base, id: uid('a'), state: 'received', at };
        const b: TxnRecord = { ...base, id: uid('b'), state: 'forwarded', at: at + 1000 };
        const c: TxnRecord = { ...base, id: uid('c'), state: 'forwarded', at: at + 3000 };
        const d: TxnRecord = { ...base, id: uid('d'), state: 'forwarded', at: at + 500 };
        await j.record(e);
        await Promise.all([
          j.begin(b, { sealedRequest: Buffer.from('B') }),
          j.begin(a, { sealedRequest: Buffer.from('A') }),
          j.begin(c, { sealedRequest: Buffer.from('C') }),
          j.begin(d, { sealedRequest: Buffer.from('D') }),
        ]);
        await j.complete({ ...d, state: 'answered', at: at + 600, responseCode: '00' }, {});
        assert.deepEqual(await j.inFlightBefore(at + 2500, 10), [
          { record: e, sealedRequest: undefined },
          { record: a, sealedRequest: Buffer.from('A') },
          { record: b, sealedRequest: Buffer.from('B') },
        ]);
        assert.deepEqual(
          (await j.inFlightBefore(at + 2500, 2)).map((x) => x.record.id),
          [e.id, a.id],
        );
        assert.deepEqual(
          (await j.inFlightBefore(at + 1000, 10)).map((x) => x.record.id),
          [e.id, a.id],
          'strictly before',
        );
        assert.deepEqual(await j.inFlightBefore(at + 2500, 0), []);
        // Timed out, late, reversed: not in flight either.
        await j.complete({ ...b, state: 'timed_out', at: at + 2000 }, { saf: safEntry(b.id, at + 2000) });
        assert.deepEqual(
          (await j.inFlightBefore(at + 2500, 10)).map((x) => x.record.id),
          [e.id, a.id],
        );
      });
    });

    describe('store-and-forward', () => {
      it('enqueue, claim due entries in order, update, stats, by transaction', async () => {
        const j = await open('saf-basic');
        const now = 1_000_000;
        const txn = uid('txn');
        const late = safEntry(txn, now + 60_000);
        const second = safEntry(txn, now - 10);
        const first = safEntry(uid('txn'), now - 500, { linkHint: undefined });
        delete first.linkHint;
        await Promise.all([j.safEnqueue(late), j.safEnqueue(second), j.safEnqueue(first)]);

        assert.deepEqual(await j.safStats(now), { depth: 3, oldestAgeMs: 600, flagged: 0 });
        const claimed = await j.safClaimDue(now, 10, 'node-a', 30_000);
        assert.deepEqual(claimed, [first, second], 'due entries, oldest due first, every field intact');
        assert.ok(Buffer.isBuffer(claimed[0]?.payload));

        await j.safUpdate(second.id, { status: 'done', attempts: 1, nextAt: now, lastResult: '00' });
        await j.safUpdate(first.id, { status: 'pending', attempts: 1, nextAt: now + 5000, lastResult: 'timeout' });
        assert.deepEqual(await j.safStats(now), { depth: 2, oldestAgeMs: 600, flagged: 0 });
        assert.deepEqual(await j.safClaimDue(now + 1000, 10, 'node-a', 30_000), [], 'rescheduled entry is not due yet');

        const again = await j.safClaimDue(now + 5000, 10, 'node-a', 30_000);
        assert.deepEqual(again, [{ ...first, attempts: 1, nextAt: now + 5000, lastResult: 'timeout' }], 'an update releases the lease');

        const byTxn = await j.safByTxn(txn);
        assert.deepEqual(
          byTxn.map((e) => [e.id, e.status]).sort(),
          [
            [late.id, 'pending'],
            [second.id, 'done'],
          ].sort(),
        );
        assert.deepEqual(await j.safByTxn(uid('none')), []);
      });

      it('a claimed entry is not claimed again by another node before its lease ends; it is after', async () => {
        const a = await open('saf-lease');
        const b = await open('saf-lease');
        const now = 2_000_000;
        const e = safEntry(uid('txn'), now);
        await a.safEnqueue(e);
        assert.deepEqual(
          (await a.safClaimDue(now, 10, 'node-a', 1000)).map((x) => x.id),
          [e.id],
        );
        assert.deepEqual(await b.safClaimDue(now + 999, 10, 'node-b', 1000), [], 'leased to node-a');
        assert.deepEqual(await a.safClaimDue(now + 999, 10, 'node-a', 1000), [], 'not even the same node takes it twice');
        assert.deepEqual(
          (await b.safClaimDue(now + 1000, 10, 'node-b', 1000)).map((x) => x.id),
          [e.id],
          'lease expired: another node takes it over',
        );
      });

      it('two nodes claiming at once share the due entries without overlap', async () => {
        const a = await open('saf-race');
        const b = await open('saf-race');
        const now = 3_000_000;
        const entries = Array.from({ length: 40 }, (_, i) => safEntry(uid('txn'), now - i));
        await Promise.all(entries.map((e) => a.safEnqueue(e)));
        const rounds = await Promise.all([
          a.safClaimDue(now, 15, 'node-a', 60_000),
          b.safClaimDue(now, 15, 'node-b', 60_000),
          a.safClaimDue(now, 15, 'node-a', 60_000),
          b.safClaimDue(now, 15, 'node-b', 60_000),
        ]);
        const ids = rounds.flat().map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, 'no entry claimed twice');
        assert.equal(ids.length, 40, 'every due entry claimed');
      });

      it('flagged entries are counted apart from the pending depth', async () => {
        const j = await open('saf-flagged');
        const now = 4_000_000;
        const es = [safEntry(uid('txn'), now - 300), safEntry(uid('txn'), now - 200), safEntry(uid('txn'), now - 100)];
        for (const e of es) await j.safEnqueue(e);
        await j.safUpdate(es[0]!.id, { status: 'flagged', attempts: 10, nextAt: now, lastResult: '91' });
        assert.deepEqual(await j.safStats(now), { depth: 2, oldestAgeMs: 300, flagged: 1 });
        await j.safUpdate(es[1]!.id, { status: 'done', attempts: 1, nextAt: now });
        await j.safUpdate(es[2]!.id, { status: 'done', attempts: 1, nextAt: now });
        assert.deepEqual(await j.safStats(now), { depth: 0, oldestAgeMs: 0, flagged: 1 });
        assert.deepEqual(await j.safClaimDue(now + 10_000_000, 10, 'node-a', 1000), [], 'flagged and done entries are never claimed');
      });

      it('enqueueing the same entry twice keeps one (idempotent retry)', async () => {
        const j = await open('saf-dup');
        const e = safEntry(uid('txn'), 10);
        await Promise.all([j.safEnqueue(e), j.safEnqueue(e)]);
        await j.safEnqueue(e);
        assert.equal((await j.safByTxn(e.txnId)).length, 1);
      });
    });

    describe('durability and group commit', () => {
      it('write, close, reopen: everything is there', async () => {
        const j = makeJournal('durable');
        await j.init();
        const rec = fullRecord(uid('txn'), 42);
        const e = safEntry(rec.id, 100);
        await Promise.all([j.record(rec), j.safEnqueue(e), j.claimDedupe('dur-key', rec.id, 1_000_000, 1)]);
        // Writes issued just before close are flushed by close.
        const last = j.record({ ...rec, state: 'answered', at: 43 });
        await j.close();
        await last;

        const again = await open('durable');
        assert.deepEqual(await again.get(rec.id), { ...rec, state: 'answered', at: 43 });
        assert.deepEqual(await again.safByTxn(rec.id), [e]);
        assert.deepEqual(await again.claimDedupe('dur-key', 'other', 1_000_000, 2), { txnId: rec.id, answer: null });
      });

      it('500 record() calls in one turn are committed in fewer than 10 transactions', async () => {
        const j = await open();
        const commits: number[] = [];
        j.onCommit = (size, seconds) => {
          assert.ok(seconds >= 0);
          commits.push(size);
        };
        const ids = Array.from({ length: 500 }, () => uid('gc'));
        await Promise.all(ids.map((id, i) => j.record({ id, state: 'received', at: i, participant: 'BANK1', mti: '0200' })));
        assert.ok(commits.length < 10, `${commits.length} commits`);
        assert.equal(
          commits.reduce((a, b) => a + b, 0),
          500,
        );
        const sample = await Promise.all([ids[0]!, ids[250]!, ids[499]!].map((id) => j.get(id)));
        assert.ok(sample.every((r) => r !== undefined));
      });

      it('one failing write does not fail the rest of its batch', async () => {
        const j = await open();
        const good1 = uid('txn');
        const good2 = uid('txn');
        const results = await Promise.allSettled([
          j.record({ id: good1, state: 'received', at: 1, participant: 'BANK1', mti: '0200' }),
          j.record({ id: uid('bad'), state: 'received', at: Number.NaN, participant: 'BANK1', mti: '0200' }),
          j.record({ id: good2, state: 'received', at: 1, participant: 'BANK1', mti: '0200' }),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        const bad = results[1] as PromiseRejectedResult;
        assert.ok(isDariError(bad.reason), String(bad.reason));
        assert.ok(await j.get(good1));
        assert.ok(await j.get(good2));
      });
    });

    describe('card data guard', () => {
      const base = (): TxnRecord => ({ id: uid('txn'), state: 'received', at: 1, participant: 'BANK1', mti: '0200' });

      it('refuses a clear PAN anywhere in detail, naming the place but not the value', async () => {
        const j = await open();
        const rec = { ...base(), detail: { answer: { '2': '4761739001010119', '39': '00' } } };
        await rejectsCoded(j.record(rec), 'DARI_INTERNAL_ERROR', /detail\.answer\.2/);
        await assert.rejects(j.record({ ...base(), detail: { note: 'card 4761739001010119 used' } }), (e: Error) => {
          assert.ok(!e.message.includes('4761739001010119'), e.message);
          return true;
        });
        await rejectsCoded(j.record({ ...base(), detail: { list: ['x', { pan: '6011000990139424' }] } }), 'DARI_INTERNAL_ERROR');
        await rejectsCoded(j.record({ ...base(), panMasked: '4761739001010119' }), 'DARI_INTERNAL_ERROR', /panMasked/);
        assert.equal(await j.get(rec.id), undefined, 'nothing was written');
      });

      it('refuses track and PIN block fields (35, 36, 45, 52) even when masked', async () => {
        const j = await open();
        for (const f of ['35', '36', '45', '52']) {
          await rejectsCoded(j.record({ ...base(), detail: { fields: { [f]: '****' } } }), 'DARI_INTERNAL_ERROR', new RegExp(`detail\\.fields\\.${f}`));
        }
      });

      it('accepts masked PANs, hashes, short numbers, non-Luhn digit runs and timestamps', async () => {
        const j = await open();
        const rec = {
          ...base(),
          panMasked: '476173******0119',
          detail: {
            '2': '476173******0119',
            '4': '000000010000',
            '37': '412345678901',
            hash: '4761739001010119a3f0',
            notLuhn: '4761739001010118',
            epochMs: '1718000000000',
            uetr: 'e7b2c4a0-1f3d-4c5e-9a8b-7c6d5e4f3a2b',
          },
        };
        await j.record(rec);
        assert.deepEqual(await j.get(rec.id), rec);
      });

      it('a refused record does not disturb the other writes of its turn', async () => {
        const j = await open();
        const ok = base();
        const [r1, r2] = await Promise.allSettled([j.record({ ...base(), detail: { '35': 'x' } }), j.record(ok)]);
        assert.equal(r1.status, 'rejected');
        assert.equal(r2.status, 'fulfilled');
        assert.ok(await j.get(ok.id));
      });
    });

    describe('fees (recordFees, feeTotals)', () => {
      const DAY = 86_400_000;
      // 2024-06-12T00:00:00Z
      const D = Date.UTC(2024, 5, 12);
      const entry = (over: Partial<FeeEntry> & Pick<FeeEntry, 'at' | 'amount'>): FeeEntry => ({
        txnId: uid('fee'),
        participant: 'BANK1',
        partner: 'ID-QRIS',
        currency: 'KRW',
        participantFee: 0n,
        partnerFee: 0n,
        cardBrandCost: 0n,
        ...over,
      });

      it('groups by participant, partner and currency over [from, to), with the saving', async () => {
        const j = await open('fees-totals');
        const b = entry({ at: D + 3_600_000, amount: 50_000n, participantFee: 250n, partnerFee: 50n, cardBrandCost: 500n });
        await Promise.all([
          j.recordFees(entry({ at: D, amount: 12_975n, participantFee: 65n, partnerFee: 13n, cardBrandCost: 130n })),
          j.recordFees(b),
          j.recordFees(entry({ at: D + 1, partner: 'VN-NAPAS', amount: 1_000n, participantFee: 5n, cardBrandCost: 10n, quoteId: uid('q'), rate: '0.0865' })),
          j.recordFees(entry({ at: D + DAY - 1, participant: 'BANK2', currency: 'IDR', amount: 15_000_000n, participantFee: 7_500n, partnerFee: 1_500n, cardBrandCost: 150_000n })),
          j.recordFees(entry({ at: D + DAY, amount: 7n, participantFee: 1n })), // the next day: outside
          j.recordFees(entry({ at: D - 1, amount: 9n, participantFee: 1n })), // the day before: outside
        ]);
        // Hand-summed: BANK1/ID-QRIS/KRW 12975 + 50000 = 62975, fees 65 + 250 = 315 and 13 + 50 = 63,
        // card 130 + 500 = 630, saving 630 - 315 - 63 = 252.
        assert.deepEqual(await j.feeTotals({ from: D, to: D + DAY }), [
          { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 2, amount: 62_975n, participantFees: 315n, partnerFees: 63n, cardBrandCost: 630n, saving: 252n },
          { participant: 'BANK1', partner: 'VN-NAPAS', currency: 'KRW', count: 1, amount: 1_000n, participantFees: 5n, partnerFees: 0n, cardBrandCost: 10n, saving: 5n },
          { participant: 'BANK2', partner: 'ID-QRIS', currency: 'IDR', count: 1, amount: 15_000_000n, participantFees: 7_500n, partnerFees: 1_500n, cardBrandCost: 150_000n, saving: 141_000n },
        ]);
        assert.deepEqual(await j.feeTotals({ from: D + DAY, to: D + 2 * DAY }), [
          { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 1, amount: 7n, participantFees: 1n, partnerFees: 0n, cardBrandCost: 0n, saving: -1n },
        ]);
        assert.deepEqual(await j.feeTotals({ from: D + 2 * DAY, to: D + 3 * DAY }), []);

        // A later entry of the same transaction replaces it: fees refunded.
        await j.recordFees({ ...b, participantFee: 0n, partnerFee: 0n });
        const [first] = await j.feeTotals({ from: D, to: D + DAY });
        assert.deepEqual(first, { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 2, amount: 62_975n, participantFees: 65n, partnerFees: 13n, cardBrandCost: 630n, saving: 552n });
      });

      it('cardRateBps recomputes each card-brand cost half up from the amount', async () => {
        const j = await open('fees-rate');
        await Promise.all([150n, 149n, 50n].map((amount, i) => j.recordFees(entry({ at: D + i, amount, participantFee: 1n, cardBrandCost: 0n }))));
        const cost = async (bps?: number): Promise<bigint | undefined> => (await j.feeTotals({ from: D, to: D + DAY, ...(bps === undefined ? {} : { cardRateBps: bps }) }))[0]?.cardBrandCost;
        assert.equal(await cost(), 0n, 'the recorded costs');
        // 100 bps: 1.50 -> 2, 1.49 -> 1, 0.50 -> 1 (half up each) = 4
        assert.equal(await cost(100), 4n);
        // 250 bps: 3.75 -> 4, 3.725 -> 4, 1.25 -> 1 = 9
        assert.equal(await cost(250), 9n);
        assert.equal(await cost(0), 0n);
        const [row] = await j.feeTotals({ from: D, to: D + DAY, cardRateBps: 250 });
        assert.equal(row?.saving, 9n - 3n);
        await rejectsCoded(j.feeTotals({ from: D, to: D + DAY, cardRateBps: 10_001 }), 'DARI_INTERNAL_ERROR', /cardRateBps/);
        await rejectsCoded(j.feeTotals({ from: Number.NaN, to: D }), 'DARI_INTERNAL_ERROR', /timestamp/);
      });

      it('amounts beyond 2^53 stay exact, up to the 14-digit maximum and at a 100% card rate', async () => {
        const j = await open('fees-big');
        const max = 99_999_999_999_999n;
        await j.recordFees(entry({ at: D, amount: max, participantFee: max, cardBrandCost: max }));
        await j.recordFees(entry({ at: D, amount: max, partnerFee: 1n, cardBrandCost: max }));
        const [row] = await j.feeTotals({ from: D, to: D + 1, cardRateBps: 10_000 });
        assert.deepEqual(row, { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 2, amount: 2n * max, participantFees: max, partnerFees: 1n, cardBrandCost: 2n * max, saving: max - 1n });
      });

      it('several entries of one transaction in a batch: one row, the last wins', async () => {
        const j = await open('fees-batch');
        const id = uid('fee');
        await Promise.all([1n, 2n, 3n].map((fee) => j.recordFees(entry({ txnId: id, at: D, amount: 100n, participantFee: fee }))));
        const [row] = await j.feeTotals({ from: D, to: D + 1 });
        assert.equal(row?.count, 1);
        assert.equal(row?.participantFees, 3n);
      });

      it('sorts by code unit whatever the database collation', async () => {
        const j = await open('fees-order');
        await Promise.all(['bank-a', 'BANK-Z', 'Bank-m'].map((participant) => j.recordFees(entry({ at: D, amount: 1n, participant }))));
        assert.deepEqual((await j.feeTotals({ from: D, to: D + 1 })).map((r) => r.participant), ['BANK-Z', 'Bank-m', 'bank-a']);
      });

      it('refuses a malformed entry (DARI_INTERNAL_ERROR naming the field), alone in its batch', async () => {
        const j = await open('fees-bad');
        const good = entry({ at: D, amount: 5n });
        const bad: Array<[Partial<FeeEntry> | Record<string, unknown>, RegExp]> = [
          [{ amount: 5 }, /amount must be a bigint/],
          [{ participantFee: -1n }, /participantFee/],
          [{ cardBrandCost: 100_000_000_000_000n }, /cardBrandCost/],
          [{ currency: '410' }, /currency/],
          [{ partner: '' }, /partner must be/],
          [{ rate: '1e-3' }, /rate must be a decimal/],
          [{ at: Number.POSITIVE_INFINITY }, /timestamp/],
        ];
        const results = await Promise.allSettled([...bad.map(([over]) => j.recordFees({ ...entry({ at: D, amount: 5n }), ...over } as FeeEntry)), j.recordFees(good)]);
        for (let i = 0; i < bad.length; i++) {
          const r = results[i]!;
          assert.equal(r.status, 'rejected', `entry ${i}`);
          await rejectsCoded(Promise.reject((r as PromiseRejectedResult).reason), 'DARI_INTERNAL_ERROR', bad[i]![1]);
        }
        assert.equal(results[bad.length]?.status, 'fulfilled');
        assert.deepEqual(
          (await j.feeTotals({ from: D, to: D + 1 })).map((r) => [r.count, r.amount]),
          [[1, 5n]],
          'only the good entry was written',
        );
      });

      it('complete records the fees in the same durable write as the answer (none without the answer)', async () => {
        const j = await open('fees-complete');
        const id = uid('txn');
        const t: TxnRecord = { id, state: 'forwarded', at: D, participant: 'BANK1', mti: '0200', amount: '12975', currency: '410' };
        assert.equal(await j.begin(t, {}), null);
        const fees = entry({ txnId: id, at: D + 5, amount: 12_975n, participantFee: 65n, partnerFee: 13n, cardBrandCost: 130n });
        await j.complete({ ...t, state: 'answered', at: D + 5, responseCode: '00' }, { fees });
        assert.equal((await j.get(id))?.state, 'answered');
        assert.deepEqual(await j.feeTotals({ from: D, to: D + DAY }), [
          { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 1, amount: 12_975n, participantFees: 65n, partnerFees: 13n, cardBrandCost: 130n, saving: 52n },
        ]);
        // A malformed fee entry refuses the whole complete: nothing of it is written.
        const other = uid('txn');
        assert.equal(await j.begin({ ...t, id: other }, {}), null);
        await rejectsCoded(j.complete({ ...t, id: other, state: 'answered', at: D + 6 }, { fees: { ...fees, txnId: other, participantFee: -1n } }), 'DARI_INTERNAL_ERROR', /participantFee/);
        assert.equal((await j.get(other))?.state, 'forwarded');
        assert.equal((await j.feeTotals({ from: D, to: D + DAY }))[0]?.count, 1);
        // A fee entry for another transaction than the one completed is a programming error.
        await rejectsCoded(j.complete({ ...t, id: other, state: 'answered', at: D + 7 }, { fees }), 'DARI_INTERNAL_ERROR', /fees of another transaction/);
      });

      it('survives close and reopen; after close both calls reject with DARI_JOURNAL_UNAVAILABLE', async () => {
        const j = makeJournal('fees-durable');
        await j.init();
        const e = entry({ at: D, amount: 42n, participantFee: 1n, partnerFee: 2n, cardBrandCost: 3n, quoteId: uid('q'), rate: '11.560693641618' });
        const pending = j.recordFees(e);
        await j.close();
        await pending;
        await rejectsCoded(j.recordFees(e), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.feeTotals({ from: D, to: D + 1 }), 'DARI_JOURNAL_UNAVAILABLE');
        const again = await open('fees-durable');
        assert.deepEqual(await again.feeTotals({ from: D, to: D + 1 }), [
          { participant: 'BANK1', partner: 'ID-QRIS', currency: 'KRW', count: 1, amount: 42n, participantFees: 1n, partnerFees: 2n, cardBrandCost: 3n, saving: 0n },
        ]);
      });
    });

    describe('close', () => {
      it('writes and reads after close reject with DARI_JOURNAL_UNAVAILABLE; close is idempotent', async () => {
        const j = await open();
        await j.close();
        await j.close();
        await rejectsCoded(j.record({ id: uid('t'), state: 'received', at: 1, participant: 'P', mti: '0200' }), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.claimDedupe('k', 't', 1, 1), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.safEnqueue(safEntry('t', 1)), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.safUpdate('x', { status: 'done', attempts: 1, nextAt: 1 }), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.get('x'), 'DARI_JOURNAL_UNAVAILABLE');
        const t: TxnRecord = { id: uid('t'), state: 'received', at: 1, participant: 'P', mti: '0200' };
        await rejectsCoded(j.begin(t, { dedupe: { key: uid('k'), windowMs: 1, now: 1 } }), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.complete({ ...t, state: 'answered' }, {}), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.inFlightBefore(10, 10), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.init(), 'DARI_JOURNAL_UNAVAILABLE');
      });
    });
  });
}
