/**
 * Fee schedules: percentage + fixed, minimum, cap, rule choice, card-brand cost and saving.
 * Public vector: senangPay's sample calculation (guide.senangpay.my, "Sample calculation of payment
 * received"): FPX 1.5 % with a minimum of RM 1.00 -> RM 50.00 pays RM 1.00 (0.75 is below the
 * minimum), RM 99.00 pays RM 1.485; card 2.5 % of RM 99.00 = RM 2.475. Dari rounds each fee to the
 * sen, half up (1.485 -> 1.49, 2.475 -> 2.48). The rest is worked by hand beside each assertion.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { FeeSchedule, loadFxFile } from '../../src/fx';
import { FX_FIXTURES, throwsCoded } from './support';

describe('fx: fees', () => {
  it('senangPay FPX: 1.5% with a RM 1.00 minimum; card route 2.5%', () => {
    const s = new FeeSchedule({ cardRateBps: 250, participants: { MERCHANT: [{ currency: 'MYR', percentBps: 150, min: '1.00' }] } });
    const small = s.compute({ participant: 'MERCHANT', partner: 'NONE', currency: 'MYR', amount: 5_000n });
    // 1.5% of RM 50.00 = RM 0.75 -> the minimum, RM 1.00
    assert.equal(small.participantFee, 100n);
    const big = s.compute({ participant: 'MERCHANT', partner: 'NONE', currency: 'MYR', amount: 9_900n });
    // 1.5% of RM 99.00 = RM 1.485 = 148.5 sen -> 149 sen (half up)
    assert.equal(big.participantFee, 149n);
    // 2.5% of RM 99.00 = RM 2.475 = 247.5 sen -> 248; saving 248 - 149 - 0 = 99
    assert.equal(big.cardBrandCost, 248n);
    assert.equal(big.saving, 99n);
    assert.equal(big.partnerFee, 0n, 'a party without rules pays nothing');
  });

  it('percentage + fixed, then the minimum, then the cap (KRW, exponent 0)', () => {
    const rule = (over: object) => new FeeSchedule({ participants: { BANK1: [{ currency: 'KRW', percentBps: 50, fixed: '100', ...over }] } });
    const fee = (s: FeeSchedule, amount: bigint): bigint => s.compute({ participant: 'BANK1', partner: 'P', currency: 'KRW', amount }).participantFee;
    // 0.50% of 12975 = 64.875 -> 65; + 100 = 165
    assert.equal(fee(rule({}), 12_975n), 165n);
    assert.equal(fee(rule({ max: '150' }), 12_975n), 150n);
    assert.equal(fee(rule({ min: '200' }), 12_975n), 200n);
    assert.equal(fee(rule({ min: '165', max: '165' }), 12_975n), 165n);
    // 0.50% of 1000000 = 5000 + 100 = 5100, capped at 5000
    assert.equal(fee(rule({ min: '200', max: '5000' }), 1_000_000n), 5_000n);
    // 0.50% of 0 = 0 + 100 = 100 -> min 200
    assert.equal(fee(rule({ min: '200' }), 0n), 200n);
  });

  it('fixed amounts in a 2-decimal currency are minor units: "0.30" THB = 30 satang', () => {
    const s = new FeeSchedule({ partners: { 'TH-PP': [{ currency: 'THB', percentBps: 25, fixed: '0.30' }] } });
    // 0.25% of 1000.00 THB = 2.50 THB = 250 satang; + 30 = 280
    assert.equal(s.compute({ participant: 'B', partner: 'TH-PP', currency: 'THB', amount: 100_000n }).partnerFee, 280n);
    // 0.25% of 0.02 THB = 0.005 satang -> 0; + 30 = 30
    assert.equal(s.compute({ participant: 'B', partner: 'TH-PP', currency: 'THB', amount: 2n }).partnerFee, 30n);
    // 0.25% of 2.00 THB = 0.5 satang -> 1 (half up); + 30 = 31
    assert.equal(s.compute({ participant: 'B', partner: 'TH-PP', currency: 'THB', amount: 200n }).partnerFee, 31n);
  });

  it('rule choice: the party rule for the currency, its currency-less rule, then "*", else none', () => {
    const s = new FeeSchedule({
      participants: {
        BANK1: [{ percentBps: 25 }, { currency: 'KRW', percentBps: 20 }],
        BANK2: [{ currency: 'IDR', percentBps: 40 }],
        '*': [{ currency: 'KRW', percentBps: 30 }],
      },
    });
    const fee = (participant: string, currency: string): bigint => s.compute({ participant, partner: 'P', currency, amount: 100_000n }).participantFee;
    assert.equal(fee('BANK1', 'KRW'), 200n, 'BANK1 KRW rule (0.20% of 100000), though listed second');
    assert.equal(fee('BANK1', 'VND'), 250n, 'BANK1 any-currency rule');
    assert.equal(fee('BANK2', 'KRW'), 300n, 'BANK2 has nothing for KRW: the "*" rule');
    assert.equal(fee('OTHER', 'KRW'), 300n, '"*" rule');
    assert.equal(fee('OTHER', 'VND'), 0n, 'no rule anywhere: no fee');
  });

  it('card-brand cost defaults to 100 bps (1%); a call may override it; the saving can be negative', () => {
    const s = new FeeSchedule({ participants: { B: [{ currency: 'KRW', percentBps: 20 }] }, partners: { P: [{ currency: 'KRW', percentBps: 10 }] } });
    const r = s.compute({ participant: 'B', partner: 'P', currency: '410', amount: 12_975n });
    // 1% of 12975 = 129.75 -> 130; fees 0.20% = 25.95 -> 26 and 0.10% = 12.975 -> 13; saving 130 - 26 - 13 = 91
    assert.deepEqual({ ...r }, { currency: 'KRW', amount: 12_975n, participantFee: 26n, partnerFee: 13n, cardRateBps: 100, cardBrandCost: 130n, saving: 91n });
    const cheapCard = s.compute({ participant: 'B', partner: 'P', currency: 'KRW', amount: 12_975n, cardRateBps: 20 });
    // 0.20% of 12975 = 25.95 -> 26; saving 26 - 26 - 13 = -13
    assert.equal(cheapCard.cardBrandCost, 26n);
    assert.equal(cheapCard.saving, -13n);
  });

  it('the corridor fixture: DEMO-ACQ pays 0.20% + 100 KRW (min 200, max 5000), ID-QRIS 0.10%', () => {
    const fees = loadFxFile(join(FX_FIXTURES, 'corridor.yaml')).fees!;
    const r = fees.compute({ participant: 'DEMO-ACQ', partner: 'ID-QRIS', currency: 'KRW', amount: 12_936n });
    // 0.20% of 12936 = 25.872 -> 26 + 100 = 126 -> min 200; 0.10% = 12.936 -> 13; card 129.36 -> 129; saving 129 - 213 = -84
    assert.deepEqual([r.participantFee, r.partnerFee, r.cardBrandCost, r.saving], [200n, 13n, 129n, -84n]);
    const other = fees.compute({ participant: 'BANK9', partner: 'ID-QRIS', currency: 'IDR', amount: 15_000_000n });
    // "*" 0.30% of 150000.00 IDR = 450.00 IDR = 45000 minor; ID-QRIS has no IDR rule: 0; card 1% = 150000 minor
    assert.deepEqual([other.participantFee, other.partnerFee, other.cardBrandCost, other.saving], [45_000n, 0n, 150_000n, 105_000n]);
  });

  it('bad input is coded: unknown currency, bad amount, bad card rate', () => {
    const s = new FeeSchedule({});
    throwsCoded(() => s.compute({ participant: 'B', partner: 'P', currency: 'XYZ', amount: 1n }), 'DARI_FX_CURRENCY_UNKNOWN');
    throwsCoded(() => s.compute({ participant: 'B', partner: 'P', currency: 'KRW', amount: -5n }), 'DARI_FX_AMOUNT_INVALID');
    throwsCoded(() => s.compute({ participant: 'B', partner: 'P', currency: 'KRW', amount: 5 as unknown as bigint }), 'DARI_FX_AMOUNT_INVALID');
    throwsCoded(() => s.compute({ participant: 'B', partner: 'P', currency: 'KRW', amount: 5n, cardRateBps: 10_001 }), 'DARI_FX_CONFIG_INVALID', /cardRateBps/);
  });

  it('bad schedules are DARI_FX_CONFIG_INVALID naming the key', () => {
    const bad: Array<[object, RegExp]> = [
      [{ cardRateBps: -1 }, /^fees\.cardRateBps/],
      [{ participants: { B: [{ percentBps: 10_001 }] } }, /^fees\.participants\.B\[0\]\.percentBps/],
      [{ participants: { B: [{ fixed: '1' }] } }, /^fees\.participants\.B\[0\]\.fixed: is an amount: the rule needs a currency/],
      [{ partners: { P: [{ currency: 'KRW', min: '0.5' }] } }, /^fees\.partners\.P\[0\]\.min: amount "0\.5" has 1 decimals; KRW has 0/],
      [{ partners: { P: [{ currency: 'KRW', min: '10', max: '5' }] } }, /^fees\.partners\.P\[0\]: min is above max/],
      [{ partners: { P: [{ currency: 'XYZ' }] } }, /^fees\.partners\.P\[0\]\.currency/],
      [{ partners: { P: { percentBps: 1 } } }, /^fees\.partners\.P: must be a list/],
      [{ partners: [] }, /^fees\.partners: must be a mapping/],
    ];
    for (const [options, message] of bad) throwsCoded(() => new FeeSchedule(options as never), 'DARI_FX_CONFIG_INVALID', message);
  });
});
