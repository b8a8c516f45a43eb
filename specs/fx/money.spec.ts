/**
 * Currencies (ISO 4217 codes and exponents), amounts in minor units, and the one rounding rule.
 * Sources: ISO 4217 list one (SIX) for codes and minor units; Council Regulation (EC) No 1103/97
 * art. 5 and evro.si "Rounding rules" (24.785 EUR -> 24.79 EUR) for half up.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { currency, formatAmount, MAX_MINOR, parseAmount } from '../../src/fx';
import { divRound, formatScaled, parseDecimal, scaleRatio } from '../../src/fx/decimal';
import { throwsCoded } from './support';

describe('fx: currencies and amounts', () => {
  it('knows the ISO 4217 numeric code and minor unit of each corridor currency', () => {
    // ISO 4217 list one: alphabetic, numeric, minor unit.
    const expected: Array<[string, string, number]> = [
      ['KRW', '410', 0], ['IDR', '360', 2], ['VND', '704', 0], ['JPY', '392', 0], ['THB', '764', 2],
      ['MYR', '458', 2], ['SGD', '702', 2], ['PHP', '608', 2], ['USD', '840', 2], ['EUR', '978', 2],
      ['KHR', '116', 2], ['LAK', '418', 2],
    ];
    for (const [alpha, numeric, exponent] of expected) {
      assert.deepEqual({ ...currency(alpha) }, { alpha, numeric, exponent }, alpha);
      assert.equal(currency(numeric).alpha, alpha, `numeric ${numeric}`);
    }
  });

  it('an unknown code is DARI_FX_CURRENCY_UNKNOWN, naming the code only when it looks like one', () => {
    throwsCoded(() => currency('XXX'), 'DARI_FX_CURRENCY_UNKNOWN', /"XXX"/);
    throwsCoded(() => currency('999'), 'DARI_FX_CURRENCY_UNKNOWN', /"999"/);
    throwsCoded(() => currency('krw'), 'DARI_FX_CURRENCY_UNKNOWN');
    throwsCoded(() => currency('4761739001010119'), 'DARI_FX_CURRENCY_UNKNOWN', /^(?!.*4761739001010119)/);
  });

  it('parses decimals into minor units by exponent: 0 decimals (KRW) and 2 (IDR)', () => {
    const krw = currency('KRW');
    const idr = currency('IDR');
    assert.equal(parseAmount('12975', krw), 12975n);
    assert.equal(parseAmount('0', krw), 0n);
    assert.equal(parseAmount('150000.00', idr), 15_000_000n);
    assert.equal(parseAmount('150000', idr), 15_000_000n, 'missing decimals are zeros');
    assert.equal(parseAmount('0.5', idr), 50n);
    assert.equal(parseAmount('0.05', idr), 5n);
    assert.equal(parseAmount('999999999999.99', idr), MAX_MINOR);
  });

  it('refuses what is not an amount of the currency, never rounding it (DARI_FX_AMOUNT_INVALID)', () => {
    const krw = currency('KRW');
    const idr = currency('IDR');
    for (const bad of ['12975.5', '12975.0']) throwsCoded(() => parseAmount(bad, krw), 'DARI_FX_AMOUNT_INVALID', /decimals; KRW has 0/);
    throwsCoded(() => parseAmount('1.005', idr), 'DARI_FX_AMOUNT_INVALID', /3 decimals; IDR has 2/);
    for (const bad of ['-1', '+1', '1e3', '1,000', ' 1', '.5', '1.', '', '01', '0x10']) throwsCoded(() => parseAmount(bad, idr), 'DARI_FX_AMOUNT_INVALID');
    throwsCoded(() => parseAmount('1000000000000.00', idr), 'DARI_FX_AMOUNT_INVALID', /above the largest/);
  });

  it('a 3-decimal currency (BHD, ISO 4217 minor unit 3) works the same way', () => {
    const bhd = currency('BHD');
    assert.equal(parseAmount('1.234', bhd), 1_234n);
    assert.equal(formatAmount(1_234n, bhd), '1.234');
    throwsCoded(() => parseAmount('1.2345', bhd), 'DARI_FX_AMOUNT_INVALID', /BHD has 3/);
  });

  it('formats minor units with exactly the currency decimals', () => {
    assert.equal(formatAmount(15_000_000n, currency('IDR')), '150000.00');
    assert.equal(formatAmount(5n, currency('USD')), '0.05');
    assert.equal(formatAmount(0n, currency('USD')), '0.00');
    assert.equal(formatAmount(12975n, currency('KRW')), '12975');
    assert.equal(formatAmount(-252n, currency('THB')), '-2.52');
  });

  it('parseAmount(formatAmount(x)) = x for every amount and currency', () => {
    const codes = ['KRW', 'IDR', 'VND', 'JPY', 'THB', 'MYR', 'SGD', 'PHP', 'USD', 'EUR', 'BHD'];
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MINOR }), fc.constantFrom(...codes), (minor, code) => {
        const cur = currency(code);
        return parseAmount(formatAmount(minor, cur), cur) === minor;
      }),
    );
  });
});

describe('fx: rounding half up', () => {
  it('rounds to the nearest, halves away from zero (1103/97 art. 5: 24.785 -> 24.79)', () => {
    // 24.785 EUR in hundredths: 24785 / 10 = 2478.5 -> 2479
    assert.equal(divRound(24_785n, 10n), 2_479n);
    // 24.784 -> 24.78
    assert.equal(divRound(24_784n, 10n), 2_478n);
    // ties: 0.5 -> 1, 1.5 -> 2, 2.5 -> 3 (banker's rounding would give 0, 2, 2)
    assert.deepEqual([1n, 3n, 5n].map((n) => divRound(n, 2n)), [1n, 2n, 3n]);
    assert.equal(divRound(-5n, 2n), -3n);
    assert.equal(divRound(5n, -2n), -3n);
    assert.equal(divRound(-4n, 2n), -2n);
    assert.equal(divRound(0n, 7n), 0n);
  });

  it('matches the nearest integer everywhere off the halves (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = divRound(n, d);
        // |n - q*d| <= d/2, and exactly d/2 only when q is the one away from zero
        const diff = n - q * d;
        const twice = 2n * (diff < 0n ? -diff : diff);
        if (twice > d) return false;
        if (twice === d) return n >= 0n ? diff < 0n : diff > 0n;
        return true;
      }),
    );
  });

  it('decimal strings in and out', () => {
    assert.deepEqual(parseDecimal('0.0865'), { num: 865n, den: 10_000n });
    assert.deepEqual(parseDecimal('239.640'), { num: 239_640n, den: 1_000n });
    for (const bad of ['-1', '1e-3', '.5', '', '0x1', '1.2.3']) assert.equal(parseDecimal(bad), null, bad);
    // 1 / 239.640 = 0.00417292605575... -> 0.004172926056 at 12 places (the 13th digit is 7)
    assert.equal(scaleRatio({ num: 1_000n, den: 239_640n }, 12), 4_172_926_056n);
    assert.equal(formatScaled(86_500_000_000n, 12), '0.0865');
    assert.equal(formatScaled(1_515_000_000_000n, 12), '1.515');
    assert.equal(formatScaled(3_000_000_000_000n, 12), '3');
  });
});
