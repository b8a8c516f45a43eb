/**
 * TrustOneService.handleIso8583: a 0100 account verification answered with the 0110 fields.
 * ARPC vectors: pyemv tests/test_cvn_hsm.py (Visa CVN 10, ARC 3030) and the reference note's
 * Mastercard CVN 16 row (ARC 0010), both on PAN 1234567890123456, PSN 00, test IMK.
 */
import { strict as assert } from 'node:assert';
import { SimulatedCard } from '../../../src/sim/card';
import { harness, T0, TEST_IMK, withTag, type Harness } from './harness';

/** Field 48 subelements: tag n2, length n2, value. */
const se = (tag: string, value: string): string => `${tag}${String(value.length).padStart(2, '0')}${value}`;

describe('TrustOne ISO 8583 entry point', () => {
  let h: Harness;
  beforeEach(async () => { h = await harness(); });
  afterEach(async () => { await h.close(); });

  async function vectorCard(cvn: 'visa10' | 'mc16', cvr: string, un: string, amount: number) {
    const card = new SimulatedCard({ imk: TEST_IMK, pan: '1234567890123456', psn: '00', cvn, atc: 0x1b, cvr });
    const { cardId } = await h.service.registerCard('BANK1', { deviceId: `phone-${cvn}`, pan: card.pan, psn: '00', issuerKeyId: 'imk-test', cvn });
    await h.store.addChallenge({ challengeId: `chl-${cvn}`, participant: 'BANK1', cardId, un, amount, currency: '124', createdAt: T0, expiresAt: T0 + 60_000 });
    return { card, cardId, challengeId: `chl-${cvn}` };
  }

  const request = (pan: string, f48: string, icc: string, extra: Record<string, string> = {}): Record<string, string> => ({
    '2': pan, '3': '000000', '4': '000000000000', '7': '0827090000', '11': '000123', '23': '000', '41': 'PHONE001', '48': f48, '55': icc, ...extra,
  });

  it('approves with the ARPC in field 55 as tag 91: Visa CVN 10, ARPC method 1, ARC 3030 -> 28993816AFAE4AEB', async () => {
    const v = await vectorCard('visa10', '03A06010', '52BF4585', 4000);
    const icc = v.card.tap({ un: '52BF4585', amount: 4000, currency: '124', country: '124', tvr: '8000048000', date: '191105', type: '01' });
    const answer = await h.service.handleIso8583('BANK1', request(v.card.pan, se('01', v.cardId) + se('02', v.challengeId) + se('03', '13030'), icc));
    assert.equal(answer['39'], '00');
    assert.equal(answer['55'], '910A28993816AFAE4AEB3030', 'tag 91, length 10: ARPC || ARC');
    assert.equal(answer['44'], undefined);
    assert.equal(answer['2'], undefined, 'the PAN is not echoed');
    assert.deepEqual([answer['3'], answer['11'], answer['41'], answer['7']], ['000000', '000123', 'PHONE001', '0827090000'], 'key fields echoed');
    const [attempt] = await h.store.attempts('BANK1', 1);
    assert.deepEqual([attempt?.channel, attempt?.result, attempt?.atc], ['iso8583', 'approved', 0x1c]);
  });

  it('Mastercard CVN 16, ARPC method 1 under the ICC master key, ARC 0010 -> 73F6BBF389A6586C', async () => {
    const v = await vectorCard('mc16', 'A00003220000', 'ABCDEF12', 9999);
    const icc = v.card.tap({ un: 'ABCDEF12', amount: 9999, currency: '124', country: '124', tvr: '8000000000', date: '209906', type: '00' });
    const answer = await h.service.handleIso8583('BANK1', request(v.card.pan, se('01', v.cardId) + se('02', v.challengeId) + se('03', '10010'), icc));
    assert.equal(answer['39'], '00');
    assert.equal(answer['55'], '910A73F6BBF389A6586C0010');
  });

  it('no ARPC asked: approved without field 55', async () => {
    const v = await vectorCard('visa10', '03A06010', '52BF4585', 4000);
    const icc = v.card.tap({ un: '52BF4585', amount: 4000, currency: '124' });
    const answer = await h.service.handleIso8583('BANK1', request(v.card.pan, se('01', v.cardId) + se('02', v.challengeId), icc));
    assert.deepEqual([answer['39'], answer['55']], ['00', undefined]);
  });

  it('declines carry field 39 from the reason table and the reason in field 44', async () => {
    const card = new SimulatedCard({ imk: TEST_IMK, pan: '4761739001010119', psn: '01', cvn: 'visa18' });
    const { cardId } = await h.service.registerCard('BANK1', { deviceId: 'phone', pan: card.pan, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' });
    const clone = card.clone();
    const next = async (who: SimulatedCard, change: (icc: string) => string = (x) => x) => {
      const ch = await h.service.issueChallenge('BANK1', { cardId, amount: 0, currency: '410' });
      return { f48: se('01', cardId) + se('02', ch.challengeId), icc: change(who.tap({ un: ch.unpredictableNumber, amount: 0, currency: '410' })) };
    };
    const ask = (t: { f48: string; icc: string }, extra: Record<string, string> = {}) => h.service.handleIso8583('BANK1', request(card.pan, t.f48, t.icc, { '23': '001', ...extra }));

    const first = await next(card);
    assert.equal((await ask(first))['39'], '00');
    const replay = await ask(first);
    assert.deepEqual([replay['39'], replay['44']], ['94', 'CHALLENGE_USED']);
    const cloned = await ask(await next(clone));
    assert.deepEqual([cloned['39'], cloned['44']], ['59', 'ATC_REPLAY']);
    const forged = await ask(await next(card, (icc) => withTag(icc, '9F26', '0000000000000000')));
    assert.deepEqual([forged['39'], forged['44']], ['05', 'CRYPTOGRAM_MISMATCH']);
    const tc = await ask(await next(card, (icc) => withTag(icc, '9F27', '40')));
    assert.deepEqual([tc['39'], tc['44']], ['05', 'NOT_ARQC']);
    const psn = await ask(await next(card), { '23': '002' });
    assert.deepEqual([psn['39'], psn['44']], ['14', 'PAN_MISMATCH']);
    const unknown = await h.service.handleIso8583('BANK1', request(card.pan, se('01', 'card_nope') + se('02', 'chl_nope'), first.icc));
    assert.deepEqual([unknown['39'], unknown['44']], ['14', 'UNKNOWN_CARD']);
  });

  it('not an account verification: field 3 type other than 00, or a non-zero field 4 (12 INVALID_TRANSACTION)', async () => {
    for (const extra of [{ '3': '010000' }, { '4': '000000010000' }, { '3': '' }] as Record<string, string>[]) {
      const a = await h.service.handleIso8583('BANK1', request('4761739001010119', se('01', 'c') + se('02', 'h'), '9F270180', extra));
      assert.deepEqual([a['39'], a['44']], ['12', 'INVALID_TRANSACTION'], JSON.stringify(extra));
    }
  });

  it('missing or malformed fields 2, 23, 48, 55 (30 FORMAT_ERROR), journaled and counted', async () => {
    const ok48 = se('01', 'card_x') + se('02', 'chl_x');
    const cases: Record<string, string | undefined>[] = [
      { '48': undefined },
      { '48': '01' },
      { '48': '0199abc' },
      { '48': se('01', 'card_x') },
      { '48': ok48 + se('03', '3ABCD') },
      { '55': undefined },
      { '55': 'ZZ' },
      { '2': undefined },
      { '2': '12' },
      { '23': '1' },
    ];
    for (const c of cases) {
      const fields = request('4761739001010119', ok48, '9F270180');
      for (const [k, v] of Object.entries(c)) if (v === undefined) delete fields[k]; else fields[k] = v;
      const a = await h.service.handleIso8583('BANK1', fields);
      assert.deepEqual([a['39'], a['44']], ['30', 'FORMAT_ERROR'], JSON.stringify(c));
      assert.equal(a['2'], undefined);
    }
    assert.equal((await h.store.attempts('BANK1', 100)).filter((x) => x.reason === 'FORMAT_ERROR').length, cases.length);
    assert.match(await h.registry.metrics(), new RegExp(`reason="FORMAT_ERROR"\\} ${cases.length}$`, 'm'));
  });
});
