/**
 * TrustOneService: registration, challenges and every verification outcome, on a real SQLite store
 * and a SoftwareHsm holding the public test IMK. Cards are simulated (src/sim/card.ts, itself
 * checked against pyemv's vectors in card.spec.ts); the ARPC vectors are pyemv's.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { isDariError } from '../../../src/errors';
import { DataKey } from '../../../src/security/data-key';
import { SoftwareHsm } from '../../../src/security/hsm/hsm';
import type { VerificationRequest } from '../../../src/services/trustone/service';
import { TrustOneService } from '../../../src/services/trustone/service';
import { SimulatedCard } from '../../../src/sim/card';
import { flipByte, harness, tagOf, T0, TEST_IMK, TEST_IMK_HEX, withTag, type Harness } from './harness';

const PAN = '4761739001010119';

async function rejectsCoded(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isDariError(e), `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('TrustOne service', () => {
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.close(); });

  /** Register a simulated card and return it with its id. */
  async function enrol(o: { pan?: string; psn?: string; cvn?: 'visa10' | 'visa18' | 'visa22' | 'mc16' | 'mc17' | 'mc20'; key?: string; participant?: string } = {}) {
    const card = new SimulatedCard({ imk: TEST_IMK, pan: o.pan ?? PAN, psn: o.psn ?? '01', cvn: o.cvn ?? 'visa18' });
    const view = await h.service.registerCard(o.participant ?? 'BANK1', { deviceId: 'phone-1', pan: card.pan, psn: card.psn, issuerKeyId: o.key ?? 'imk-test', cvn: card.cvn });
    return { card, cardId: view.cardId, view };
  }

  async function challengeFor(cardId: string, amount = 50000, currency = '410', participant = 'BANK1') {
    return h.service.issueChallenge(participant, { cardId, amount, currency });
  }

  it('registers a card: masked PAN, scheme from the CVN, nothing of the PAN in the view', async () => {
    const { view } = await enrol({ cvn: 'mc16' });
    assert.match(view.cardId, /^card_[0-9a-f]{24}$/);
    assert.deepEqual({ ...view, cardId: '' }, {
      cardId: '', deviceId: 'phone-1', maskedPan: '476173******0119', psn: '01', issuerKeyId: 'imk-test', scheme: 'mastercard', cvn: 'mc16',
      registeredAt: new Date(T0).toISOString(),
    });
  });

  it('issues a challenge: 4 random bytes of UN, the amount context and an expiry', async () => {
    const { cardId } = await enrol();
    const a = await challengeFor(cardId);
    const b = await challengeFor(cardId);
    assert.match(a.unpredictableNumber, /^[0-9A-F]{8}$/);
    assert.notEqual(a.unpredictableNumber, b.unpredictableNumber);
    assert.notEqual(a.challengeId, b.challengeId);
    assert.equal(a.amount, 50000);
    assert.equal(a.currency, '410');
    assert.equal(a.expiresAt, new Date(T0 + 120_000).toISOString(), 'default time to live 120 s');
  });

  it('approves a genuine tap for every CVN and journals it', async () => {
    for (const [i, cvn] of (['visa10', 'visa18', 'visa22', 'mc16', 'mc17', 'mc20'] as const).entries()) {
      const { card, cardId } = await enrol({ cvn, pan: `47617390010101${10 + i}` });
      const ch = await challengeFor(cardId, 1234, '840');
      const r = await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: card.pan, icc: card.tap({ un: ch.unpredictableNumber, amount: 1234, currency: '840' }) });
      assert.equal(r.result, 'approved', `${cvn}: ${r.reason}`);
      assert.equal(r.atc, 1);
      assert.equal(r.reason, undefined);
    }
    const journal = await h.store.attempts('BANK1', 10);
    assert.equal(journal.length, 6);
    assert.ok(journal.every((a) => a.result === 'approved' && a.channel === 'http' && a.atc === 1));
  });

  it('ARPC method 2 through the service: pyemv Visa CVN 18 vector (ARQC 7A788EA6B8A3E733, CSU 00000000 -> 9AF514C1)', async () => {
    // Source: pyemv tests/test_cvn_hsm.py test_visa_cvn18: PAN 1234567890123456, PSN 00, ATC 001C, UN 52BF4585.
    const card = new SimulatedCard({ imk: TEST_IMK, pan: '1234567890123456', psn: '00', cvn: 'visa18', atc: 0x1b, cvr: '03A0B800' });
    const { cardId } = await h.service.registerCard('BANK1', { deviceId: 'phone-v', pan: card.pan, psn: '00', issuerKeyId: 'imk-test', cvn: 'visa18' });
    await h.store.addChallenge({ challengeId: 'chl-vector', participant: 'BANK1', cardId, un: '52BF4585', amount: 4000, currency: '124', createdAt: T0, expiresAt: T0 + 60_000 });
    const icc = card.tap({ un: '52BF4585', amount: 4000, currency: '124', country: '124', tvr: '8000048000', date: '191105', type: '01' });
    assert.equal(tagOf(icc, '9F26'), '7A788EA6B8A3E733');
    const r = await h.service.verify('BANK1', { cardId, challengeId: 'chl-vector', pan: card.pan, icc, arpc: { method: 2, csu: '00000000' } });
    assert.equal(r.result, 'approved');
    assert.equal(r.atc, 0x1c);
    assert.equal(r.arpc, '9AF514C1');
    assert.equal(r.issuerAuthenticationData, '9AF514C100000000', 'tag 91 value: ARPC || CSU');
  });

  describe('declines, each with its reason', () => {
    it('replayed ATC: a clone that lags the genuine card (ATC_REPLAY)', async () => {
      const { card, cardId } = await enrol();
      const clone = card.clone();
      const ch1 = await challengeFor(cardId);
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch1.challengeId, pan: PAN, icc: card.tap({ un: ch1.unpredictableNumber, amount: 50000, currency: '410' }) })).result, 'approved');
      const ch2 = await challengeFor(cardId);
      const r = await h.service.verify('BANK1', { cardId, challengeId: ch2.challengeId, pan: PAN, icc: clone.tap({ un: ch2.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.deepEqual([r.result, r.reason, r.atc], ['declined', 'ATC_REPLAY', 1]);
      const ch3 = await challengeFor(cardId);
      const ok = await h.service.verify('BANK1', { cardId, challengeId: ch3.challengeId, pan: PAN, icc: card.tap({ un: ch3.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.deepEqual([ok.result, ok.atc], ['approved', 2], 'the genuine card goes on');
    });

    it('the ATC is per card (PAN and PSN), across registrations and devices', async () => {
      const { card, cardId } = await enrol();
      const other = await h.service.registerCard('BANK1', { deviceId: 'phone-2', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' });
      const clone = card.clone();
      const ch1 = await challengeFor(cardId);
      await h.service.verify('BANK1', { cardId, challengeId: ch1.challengeId, pan: PAN, icc: card.tap({ un: ch1.unpredictableNumber, amount: 50000, currency: '410' }) });
      const ch2 = await challengeFor(other.cardId);
      const r = await h.service.verify('BANK1', { cardId: other.cardId, challengeId: ch2.challengeId, pan: PAN, icc: clone.tap({ un: ch2.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.equal(r.reason, 'ATC_REPLAY');
    });

    it('two concurrent answers with the same ATC: exactly one is approved', async () => {
      const { card, cardId } = await enrol();
      const clone = card.clone();
      const [a, b] = [await challengeFor(cardId), await challengeFor(cardId)];
      const reqs: VerificationRequest[] = [
        { cardId, challengeId: a.challengeId, pan: PAN, icc: card.tap({ un: a.unpredictableNumber, amount: 50000, currency: '410' }) },
        { cardId, challengeId: b.challengeId, pan: PAN, icc: clone.tap({ un: b.unpredictableNumber, amount: 50000, currency: '410' }) },
      ];
      const results = await Promise.all(reqs.map((q) => h.service.verify('BANK1', q)));
      assert.deepEqual(results.map((r) => r.result).sort(), ['approved', 'declined']);
      assert.equal(results.find((r) => r.result === 'declined')?.reason, 'ATC_REPLAY');
    });

    it('expired challenge (CHALLENGE_EXPIRED), with a configurable time to live', async () => {
      await h.close();
      h = await harness({ ttlMs: 30_000 });
      const { card, cardId } = await enrol();
      const ch = await challengeFor(cardId);
      assert.equal(ch.expiresAt, new Date(T0 + 30_000).toISOString());
      h.clock.now = T0 + 30_001;
      const r = await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.equal(r.reason, 'CHALLENGE_EXPIRED');
    });

    it('reused challenge: the same tap again (CHALLENGE_USED), and a declined answer uses the challenge up too', async () => {
      const { card, cardId } = await enrol();
      const ch = await challengeFor(cardId);
      const req = { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }) };
      assert.equal((await h.service.verify('BANK1', req)).result, 'approved');
      assert.equal((await h.service.verify('BANK1', req)).reason, 'CHALLENGE_USED');
      const ch2 = await challengeFor(cardId);
      const wrong = await h.service.verify('BANK1', { ...req, challengeId: ch2.challengeId, icc: card.tap({ un: ch2.unpredictableNumber, amount: 1, currency: '410' }) });
      assert.equal(wrong.reason, 'AMOUNT_MISMATCH');
      const retry = await h.service.verify('BANK1', { ...req, challengeId: ch2.challengeId, icc: card.tap({ un: ch2.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.equal(retry.reason, 'CHALLENGE_USED', 'one challenge, one attempt');
    });

    it('wrong amount, wrong currency, another challenge\'s UN (AMOUNT_MISMATCH, CURRENCY_MISMATCH, UN_MISMATCH)', async () => {
      const { card, cardId } = await enrol();
      const cases: Array<[Parameters<SimulatedCard['tap']>[0] | ((un: string) => Parameters<SimulatedCard['tap']>[0]), string]> = [
        [(un) => ({ un, amount: 50001, currency: '410' }), 'AMOUNT_MISMATCH'],
        [(un) => ({ un, amount: 50000, currency: '840' }), 'CURRENCY_MISMATCH'],
        [() => ({ un: '00000000', amount: 50000, currency: '410' }), 'UN_MISMATCH'],
      ];
      for (const [tap, reason] of cases) {
        const ch = await challengeFor(cardId);
        const t = typeof tap === 'function' ? tap(ch.unpredictableNumber) : tap;
        const r = await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap(t) });
        assert.equal(r.reason, reason);
      }
    });

    it('wrong cryptogram, tampered 9F10, tampered signed data (CRYPTOGRAM_MISMATCH); 9F10 of another CVN (BAD_DATA)', async () => {
      const { card, cardId } = await enrol();
      const tamper: Array<[(icc: string) => string, string]> = [
        [(icc) => withTag(icc, '9F26', flipByte(tagOf(icc, '9F26'), 7)), 'CRYPTOGRAM_MISMATCH'],
        [(icc) => withTag(icc, '9F10', flipByte(tagOf(icc, '9F10'), 4)), 'CRYPTOGRAM_MISMATCH'],
        [(icc) => withTag(icc, '95', '8000000000'), 'CRYPTOGRAM_MISMATCH'],
        [(icc) => withTag(icc, '9F10', '06010A03A00000'), 'BAD_DATA'],
      ];
      for (const [change, reason] of tamper) {
        const ch = await challengeFor(cardId);
        const icc = change(card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }));
        const r = await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc });
        assert.equal(r.reason, reason);
      }
    });

    it('a failed cryptogram does not move the ATC (garbage cannot lock the card out)', async () => {
      const { card, cardId } = await enrol();
      const ch = await challengeFor(cardId);
      const forged = withTag(withTag(card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }), '9F36', 'FFFE'), '9F26', '0000000000000000');
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc: forged })).reason, 'CRYPTOGRAM_MISMATCH');
      const ch2 = await challengeFor(cardId);
      const r = await h.service.verify('BANK1', { cardId, challengeId: ch2.challengeId, pan: PAN, icc: card.tap({ un: ch2.unpredictableNumber, amount: 50000, currency: '410' }) });
      assert.deepEqual([r.result, r.atc], ['approved', 2]);
    });

    it('not an ARQC: 9F27 = 40 (TC) or 00 (AAC) (NOT_ARQC)', async () => {
      const { card, cardId } = await enrol();
      for (const cid of ['40', '00']) {
        const ch = await challengeFor(cardId);
        const icc = withTag(card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }), '9F27', cid);
        assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc })).reason, 'NOT_ARQC');
      }
    });

    it('unknown card, another participant\'s card, PAN or PSN that is not the registered card (UNKNOWN_CARD, PAN_MISMATCH)', async () => {
      const { card, cardId } = await enrol();
      const ch = await challengeFor(cardId);
      const icc = card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' });
      assert.equal((await h.service.verify('BANK1', { cardId: 'card_nope', challengeId: ch.challengeId, pan: PAN, icc })).reason, 'UNKNOWN_CARD');
      assert.equal((await h.service.verify('BANK2', { cardId, challengeId: ch.challengeId, pan: PAN, icc })).reason, 'UNKNOWN_CARD');
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: '4761739001010127', icc })).reason, 'PAN_MISMATCH');
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, psn: '02', icc })).reason, 'PAN_MISMATCH');
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc })).result, 'approved', 'none of those used the challenge');
    });

    it('unknown challenge, a challenge of another card (CHALLENGE_UNKNOWN, CHALLENGE_MISMATCH)', async () => {
      const a = await enrol();
      const b = await enrol({ pan: '4761739001010127' });
      const chB = await challengeFor(b.cardId);
      const icc = a.card.tap({ un: chB.unpredictableNumber, amount: 50000, currency: '410' });
      assert.equal((await h.service.verify('BANK1', { cardId: a.cardId, challengeId: 'chl_nope', pan: PAN, icc })).reason, 'CHALLENGE_UNKNOWN');
      assert.equal((await h.service.verify('BANK1', { cardId: a.cardId, challengeId: chB.challengeId, pan: PAN, icc })).reason, 'CHALLENGE_MISMATCH');
    });

    it('a tag missing, field 55 that is not BER-TLV (MISSING_TAG, BAD_DATA)', async () => {
      const { card, cardId } = await enrol();
      for (const tag of ['9F37', '9F36', '9F02', '9F27', '9F26', '9F10', '82']) {
        const ch = await challengeFor(cardId);
        const icc = withTag(card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }), tag, undefined);
        assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc })).reason, 'MISSING_TAG', tag);
      }
      const ch = await challengeFor(cardId);
      assert.equal((await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: PAN, icc: '9F2608AABB' })).reason, 'BAD_DATA');
    });

    it('an issuer key the HSM does not have, or a key that is not an imk-ac (UNKNOWN_KEY)', async () => {
      for (const key of ['imk-gone', 'zpk-test']) {
        const { card, cardId } = await enrol({ key, pan: key === 'imk-gone' ? '4761739001010135' : '4761739001010143' });
        const ch = await challengeFor(cardId);
        const r = await h.service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: card.pan, icc: card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }) });
        assert.equal(r.reason, 'UNKNOWN_KEY', key);
      }
    });
  });

  it('counts every attempt in dari_trustone_verifications_total{participant,result,reason}', async () => {
    const { card, cardId } = await enrol();
    const ch = await challengeFor(cardId);
    const req = { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }) };
    await h.service.verify('BANK1', req);
    await h.service.verify('BANK1', req);
    await h.service.verify('BANK1', req);
    await h.service.verify('BANK1', { ...req, cardId: 'card_nope' });
    const text = await h.registry.metrics();
    assert.match(text, /^dari_trustone_verifications_total\{participant="BANK1",result="approved",reason="none"\} 1$/m);
    assert.match(text, /^dari_trustone_verifications_total\{participant="BANK1",result="declined",reason="CHALLENGE_USED"\} 2$/m);
    assert.match(text, /^dari_trustone_verifications_total\{participant="BANK1",result="declined",reason="UNKNOWN_CARD"\} 1$/m);
    const journal = await h.store.attempts('BANK1', 10);
    assert.deepEqual(journal.map((a) => a.reason ?? 'approved'), ['UNKNOWN_CARD', 'CHALLENGE_USED', 'CHALLENGE_USED', 'approved']);
  });

  it('bad requests are DARI_TRUSTONE_INVALID_REQUEST naming the field, never echoing the value', async () => {
    const base = { deviceId: 'phone-1', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' } as const;
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...base, pan: '47617390010101190000' }, /^pan:/],
      [{ ...base, pan: '4761-7390-0101-0119' }, /^pan:/],
      [{ ...base, pan: 4761739001010119 }, /^pan:/],
      [{ ...base, psn: '1' }, /^psn:/],
      [{ ...base, cvn: 'visa11' }, /^cvn:/],
      [{ ...base, issuerKeyId: 'bad key' }, /^issuerKeyId:/],
      [{ ...base, deviceId: '' }, /^deviceId:/],
    ];
    for (const [req, field] of bad) {
      await rejectsCoded(h.service.registerCard('BANK1', req as never), 'DARI_TRUSTONE_INVALID_REQUEST', field);
    }
    const { cardId } = await enrol();
    await rejectsCoded(h.service.issueChallenge('BANK1', { cardId, amount: 1.5, currency: '410' }), 'DARI_TRUSTONE_INVALID_REQUEST', /^amount:/);
    await rejectsCoded(h.service.issueChallenge('BANK1', { cardId, amount: 1e12, currency: '410' }), 'DARI_TRUSTONE_INVALID_REQUEST', /^amount:/);
    await rejectsCoded(h.service.issueChallenge('BANK1', { cardId, amount: 1, currency: 'KRW' }), 'DARI_TRUSTONE_INVALID_REQUEST', /^currency:/);
    const v = { cardId, challengeId: 'chl_x', pan: PAN, icc: '9F270180' };
    await rejectsCoded(h.service.verify('BANK1', { ...v, icc: 'XYZ' }), 'DARI_TRUSTONE_INVALID_REQUEST', /^icc:/);
    await rejectsCoded(h.service.verify('BANK1', { ...v, arpc: { method: 3 } as never }), 'DARI_TRUSTONE_INVALID_REQUEST', /^arpc\.method:/);
    await rejectsCoded(h.service.verify('BANK1', { ...v, arpc: { method: 1, arc: '30' } }), 'DARI_TRUSTONE_INVALID_REQUEST', /^arpc\.arc:/);
    await rejectsCoded(h.service.verify('BANK1', { ...v, arpc: { method: 2, csu: '0000000' } }), 'DARI_TRUSTONE_INVALID_REQUEST', /^arpc\.csu:/);
    await rejectsCoded(h.service.verify('BANK1', { ...v, pan: '123' }), 'DARI_TRUSTONE_INVALID_REQUEST', /^pan:/);
    assert.deepEqual(await h.store.attempts('BANK1', 10), [], 'a malformed request is not an attempt');
  });

  it('the same card on the same device twice is DARI_TRUSTONE_CARD_EXISTS; a challenge for an unknown card is DARI_TRUSTONE_UNKNOWN_CARD', async () => {
    const { cardId } = await enrol();
    await rejectsCoded(enrol(), 'DARI_TRUSTONE_CARD_EXISTS', new RegExp(cardId));
    await rejectsCoded(challengeFor('card_nope'), 'DARI_TRUSTONE_UNKNOWN_CARD');
    await rejectsCoded(challengeFor(cardId, 1, '410', 'BANK2'), 'DARI_TRUSTONE_UNKNOWN_CARD', /BANK2/);
  });

  it('options are checked: DARI_TRUSTONE_OPTIONS_INVALID', () => {
    const base = { hsm: new SoftwareHsm({ masterKey: Buffer.alloc(32) }), store: h.store, dataKey: new DataKey(Buffer.alloc(32, 1)) };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ participants: [{ id: 'A', secret: '00' }] }, /participants\[0\]\.secret/],
      [{ participants: [{ id: 'A', secret: 'aa'.repeat(16) }, { id: 'A', secret: 'bb'.repeat(16) }] }, /listed twice/],
      [{ participants: [{ id: 'A B', secret: 'aa'.repeat(16) }] }, /participants\[0\]\.id/],
      [{ participants: [], challengeTtlMs: 10 }, /challengeTtlMs/],
      [{ participants: 'A' }, /participants/],
    ];
    for (const [o, message] of bad) {
      assert.throws(() => new TrustOneService({ ...base, ...o } as never), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_OPTIONS_INVALID' && message.test(e.message));
    }
    assert.ok(!JSON.stringify(new TrustOneService({ ...base, participants: [{ id: 'A', secret: 'ab'.repeat(16) }] }).participants).includes('abab'));
  });

  it('no PAN or key in results, errors, log lines or the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dari-trustone-leak-'));
    await h.close();
    h = await harness({ path: join(dir, 'trustone.db') });
    try {
      const seen: string[] = [];
      const { card, cardId, view } = await enrol();
      seen.push(JSON.stringify(view));
      const ch = await challengeFor(cardId);
      const req = { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap({ un: ch.unpredictableNumber, amount: 50000, currency: '410' }), arpc: { method: 2 as const, csu: '00000000' } };
      seen.push(JSON.stringify(await h.service.verify('BANK1', req)));
      seen.push(JSON.stringify(await h.service.verify('BANK1', req)));
      seen.push(JSON.stringify(await h.service.verify('BANK1', { ...req, pan: '4761739001010127' })));
      for (const p of [enrol(), h.service.verify('BANK1', { ...req, pan: `${PAN}0000` })]) {
        await p.then(() => assert.fail('should fail'), (e: unknown) => seen.push(String(e), JSON.stringify(e)));
      }
      seen.push(...h.logs, JSON.stringify(await h.store.attempts('BANK1', 10)));
      await h.close();
      for (const f of readdirSync(dir)) seen.push(readFileSync(join(dir, f)).toString('latin1'));
      const all = seen.join('\n');
      assert.ok(h.logs.length >= 3, 'attempts were logged');
      for (const secret of [PAN, '4761739001010127', TEST_IMK_HEX, TEST_IMK_HEX.toLowerCase()]) assert.ok(!all.includes(secret), `${secret.slice(0, 6)}... leaked`);
      assert.ok(all.includes('476173******0119'), 'the masked PAN is what people see');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a registry the counter stays off prom-client\'s global registry (several services may coexist)', async () => {
    const mk = (): TrustOneService => new TrustOneService({ hsm: h.hsm, store: h.store, dataKey: new DataKey(Buffer.alloc(32, 2)), participants: [] });
    await mk().verify('X', { cardId: 'card_none', challengeId: 'c', pan: PAN, icc: '9F270180' });
    mk();
    assert.equal(register.getSingleMetric('dari_trustone_verifications_total'), undefined);
  });
});
