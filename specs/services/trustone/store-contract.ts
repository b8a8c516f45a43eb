/**
 * The TrustOneStore contract: one suite, run against every implementation (sqlite-store.spec.ts;
 * a shared-database adapter would run it too). `make(name)` returns a new, not yet initialised
 * store on the database `name`: the same name gives a second instance on the same database (a
 * second hub node), a different name an independent one.
 */
import { strict as assert } from 'node:assert';
import type { CardRegistration, Challenge, TrustOneStore } from '../../../src/services/trustone/store';

let seq = 0;
export const uid = (prefix: string): string => `${prefix}-${process.pid}-${++seq}`;

export function card(over: Partial<CardRegistration> = {}): CardRegistration {
  return {
    cardId: uid('card'), participant: 'BANK1', deviceId: uid('dev'), panHash: 'a'.repeat(64), maskedPan: '476173******0119',
    psn: '01', issuerKeyId: 'imk-1', scheme: 'visa', cvn: 'visa18', registeredAt: 1_700_000_000_000, ...over,
  };
}

export function challenge(cardId: string, over: Partial<Challenge> = {}): Challenge {
  return {
    challengeId: uid('chl'), participant: 'BANK1', cardId, un: '52BF4585', amount: 4000, currency: '124',
    createdAt: 1_700_000_000_000, expiresAt: 1_700_000_120_000, ...over,
  };
}

export function trustOneStoreContract(name: string, make: (db: string) => TrustOneStore): void {
  describe(`TrustOneStore contract: ${name}`, () => {
    let store: TrustOneStore;
    let other: TrustOneStore;
    before(async () => {
      store = make('main');
      other = make('main');
      await store.init();
      await other.init();
    });
    after(async () => {
      await store.close();
      await other.close();
    });

    it('keeps a registration and finds it only for its participant', async () => {
      const c = card();
      assert.deepEqual(await store.addCard(c), { added: true });
      assert.deepEqual(await other.getCard('BANK1', c.cardId), c);
      assert.equal(await store.getCard('BANK2', c.cardId), undefined);
      assert.equal(await store.getCard('BANK1', 'card-none'), undefined);
    });

    it('the same card on the same device for the same participant is not added twice', async () => {
      const c = card();
      await store.addCard(c);
      const again = await store.addCard({ ...c, cardId: uid('card') });
      assert.deepEqual(again, { added: false, existing: c });
      assert.deepEqual(await store.addCard({ ...c, cardId: uid('card'), deviceId: uid('dev') }), { added: true }, 'another device is another registration');
      assert.deepEqual(await store.addCard({ ...c, cardId: uid('card'), psn: '02' }), { added: true }, 'another PSN is another card');
    });

    it('a challenge is consumed once, by whichever instance comes first', async () => {
      const c = card();
      const ch = challenge(c.cardId);
      await store.addChallenge(ch);
      const first = await other.consumeChallenge('BANK1', ch.challengeId, 1_700_000_001_000);
      assert.deepEqual(first, { status: 'consumed', challenge: { ...ch, usedAt: 1_700_000_001_000 } });
      const second = await store.consumeChallenge('BANK1', ch.challengeId, 1_700_000_002_000);
      assert.deepEqual(second, { status: 'used', challenge: { ...ch, usedAt: 1_700_000_001_000 } }, 'the first use time is kept');
    });

    it('concurrent consumers of one challenge: exactly one wins', async () => {
      const ch = challenge(uid('card'));
      await store.addChallenge(ch);
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).consumeChallenge('BANK1', ch.challengeId, 1_700_000_000_500 + i)));
      assert.equal(all.filter((r) => r.status === 'consumed').length, 1);
      assert.equal(all.filter((r) => r.status === 'used').length, 7);
    });

    it('a challenge of another participant, or none, is unknown', async () => {
      const ch = challenge(uid('card'));
      await store.addChallenge(ch);
      assert.deepEqual(await store.consumeChallenge('BANK2', ch.challengeId, 1), { status: 'unknown' });
      assert.deepEqual(await store.consumeChallenge('BANK1', 'chl-none', 1), { status: 'unknown' });
      assert.equal((await store.consumeChallenge('BANK1', ch.challengeId, 2)).status, 'consumed', 'the other participant did not use it up');
    });

    it('the ATC only moves forward: equal or lower values are refused', async () => {
      const key = uid('cardkey');
      assert.deepEqual(await store.advanceAtc(key, 5, 1), { advanced: true });
      assert.deepEqual(await other.advanceAtc(key, 5, 2), { advanced: false, previous: 5 }, 'the same ATC again (replay)');
      assert.deepEqual(await store.advanceAtc(key, 4, 3), { advanced: false, previous: 5 }, 'a lower ATC (clone)');
      assert.deepEqual(await other.advanceAtc(key, 0x0fff, 4), { advanced: true, previous: 5 });
      assert.deepEqual(await store.advanceAtc(key, 6, 5), { advanced: false, previous: 0x0fff });
    });

    it('concurrent advances to the same ATC: exactly one succeeds', async () => {
      const key = uid('cardkey');
      await store.advanceAtc(key, 1, 1);
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).advanceAtc(key, 2, 10 + i)));
      assert.equal(all.filter((r) => r.advanced).length, 1);
    });

    it('journals attempts, newest first, per participant', async () => {
      const participant = uid('P');
      await store.logAttempt({ verificationId: 'v1', at: 1, participant, channel: 'http', cardId: 'c1', challengeId: 'h1', result: 'approved', atc: 7 });
      await other.logAttempt({ verificationId: 'v2', at: 2, participant, channel: 'iso8583', result: 'declined', reason: 'FORMAT_ERROR' });
      await store.logAttempt({ verificationId: 'v3', at: 3, participant: 'someone-else', channel: 'http', result: 'declined', reason: 'UNKNOWN_CARD' });
      assert.deepEqual(await store.attempts(participant, 10), [
        { verificationId: 'v2', at: 2, participant, channel: 'iso8583', result: 'declined', reason: 'FORMAT_ERROR' },
        { verificationId: 'v1', at: 1, participant, channel: 'http', cardId: 'c1', challengeId: 'h1', result: 'approved', atc: 7 },
      ]);
      assert.equal((await store.attempts(participant, 1)).length, 1);
    });

    it('idempotency keys: claimed once, then the fingerprint and the stored answer', async () => {
      const key = uid('idem');
      assert.deepEqual(await store.claimIdempotency('BANK1', key, 'f1', 1), { status: 'claimed' });
      assert.deepEqual(await other.claimIdempotency('BANK1', key, 'f2', 2), { status: 'exists', fingerprint: 'f1' }, 'running: no answer yet');
      assert.deepEqual(await other.claimIdempotency('BANK2', key, 'f2', 2), { status: 'claimed' }, 'keys are per participant');
      await store.completeIdempotency('BANK1', key, { status: 201, body: '{"a":1}' });
      assert.deepEqual(await other.claimIdempotency('BANK1', key, 'f1', 3), { status: 'exists', fingerprint: 'f1', response: { status: 201, body: '{"a":1}' } });
      await store.releaseIdempotency('BANK1', key);
      assert.equal((await store.claimIdempotency('BANK1', key, 'f1', 4)).status, 'exists', 'a completed key is not released');
    });

    it('a released claim can be claimed again', async () => {
      const key = uid('idem');
      await store.claimIdempotency('BANK1', key, 'f1', 1);
      await store.releaseIdempotency('BANK1', key);
      assert.deepEqual(await other.claimIdempotency('BANK1', key, 'f9', 2), { status: 'claimed' });
    });

    it('prune deletes expired challenges and old idempotency keys only', async () => {
      const old = challenge(uid('card'), { expiresAt: 100 });
      const fresh = challenge(uid('card'), { expiresAt: 10_000 });
      await store.addChallenge(old);
      await store.addChallenge(fresh);
      const oldKey = uid('idem');
      const newKey = uid('idem');
      await store.claimIdempotency('BANK1', oldKey, 'f', 100);
      await store.claimIdempotency('BANK1', newKey, 'f', 10_000);
      await store.prune(5_000, 5_000);
      assert.deepEqual(await store.consumeChallenge('BANK1', old.challengeId, 1), { status: 'unknown' });
      assert.equal((await store.consumeChallenge('BANK1', fresh.challengeId, 1)).status, 'consumed');
      assert.deepEqual(await store.claimIdempotency('BANK1', oldKey, 'g', 1), { status: 'claimed' });
      assert.equal((await store.claimIdempotency('BANK1', newKey, 'g', 1)).status, 'exists');
    });

    it('an independent database shares nothing', async () => {
      const c = card();
      await store.addCard(c);
      const alone = make(uid('other-db'));
      await alone.init();
      try {
        assert.equal(await alone.getCard('BANK1', c.cardId), undefined);
      } finally {
        await alone.close();
      }
    });
  });
}
