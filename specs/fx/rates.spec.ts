/**
 * Rate table: direct, inverse and cross rates, spreads, conversion with exponents 0 and 2.
 * Every expected figure is worked by hand beside it (12-decimal rates, half up, see decimal.ts),
 * from the brief's example, the ECB reference rates of 22 May 2013 (fixtures/fx), the euro
 * changeover examples of evro.si and the Nexus rate-improvement example.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { convert, loadFxFile, RateTable } from '../../src/fx';
import { FX_FIXTURES, throwsCoded } from './support';

const ecb = (): RateTable => loadFxFile(join(FX_FIXTURES, 'ecb-2013-05-22.yaml')).fx!.rates;

describe('fx: rates', () => {
  describe('direct pairs', () => {
    it('150000.00 IDR x 0.0865 = 12975 KRW (exponent 2 -> 0)', () => {
      const t = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }] });
      const r = t.rate('IDR', 'KRW');
      assert.equal(r.kind, 'direct');
      assert.equal(r.midRate, '0.0865');
      assert.equal(r.rate, '0.0865');
      // 15000000 minor IDR = 150000.00; x 0.0865 = 12975.00 KRW, no rounding
      assert.equal(convert(15_000_000n, r, 'source'), 12_975n);
      // and back from the target side: 12975 / 0.0865 = 150000.00 exactly
      assert.equal(convert(12_975n, r, 'target'), 15_000_000n);
      assert.equal(t.rate('360', '410').rate, '0.0865', 'numeric codes (ISO 8583 field 49) work too');
    });

    it('a spread is taken from the customer: 0.0865 x (1 - 30/10000) = 0.0862405', () => {
      const t = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865', spreadBps: 30 }], defaultSpreadBps: 50 });
      const r = t.rate('IDR', 'KRW');
      assert.equal(r.spreadBps, 30, 'the pair spread wins over the default');
      assert.equal(r.midRate, '0.0865');
      assert.equal(r.rate, '0.0862405');
      // 150000.00 x 0.0862405 = 12936.075 -> 12936 KRW
      assert.equal(convert(15_000_000n, r, 'source'), 12_936n);
    });

    it('the table default spread applies to pairs that set none', () => {
      const r = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }], defaultSpreadBps: 50 }).rate('IDR', 'KRW');
      // 0.0865 x 0.995 = 0.0860675
      assert.equal(r.rate, '0.0860675');
      assert.equal(r.spreadBps, 50);
    });

    it('a negative spread improves the rate as Nexus FXP improvements do: 1.5000 x (1 + 100/10000) = 1.5150', () => {
      // docs.nexusglobalpayments.org, Improving rates for larger transactions (EUR>SGD base 1.500, 100 bps)
      const improved = new RateTable({ rates: [{ from: 'EUR', to: 'SGD', mid: '1.5000', spreadBps: -100 }] }).rate('EUR', 'SGD');
      assert.equal(improved.rate, '1.515');
      // 10000.00 EUR -> 15150.00 SGD: "1% greater than it would have been with the base rate"
      assert.equal(convert(1_000_000n, improved, 'source'), 1_515_000n);
      const spread = new RateTable({ rates: [{ from: 'EUR', to: 'SGD', mid: '1.5000', spreadBps: 100 }] }).rate('EUR', 'SGD');
      // 1.5000 x 0.99 = 1.485
      assert.equal(spread.rate, '1.485');
    });

    it('the same currency converts at 1 with no spread', () => {
      const r = new RateTable({ rates: [], defaultSpreadBps: 50 }).rate('KRW', 'KRW');
      assert.deepEqual([r.kind, r.rate, r.spreadBps], ['identity', '1', 0]);
      assert.equal(convert(12_975n, r, 'source'), 12_975n);
    });
  });

  describe('inverse pairs (only one direction configured)', () => {
    it('reproduces the euro changeover examples: 500 SIT / 239.640 = 2.0864... -> 2.09 EUR; 1000 SIT -> 4.17 EUR', () => {
      // evro.si "Rounding rules": EUR -> SIT central rate 239.640; SIT had 2 decimals like THB,
      // so the table states the same rate for EUR -> THB and converts THB -> EUR by its inverse.
      const r = new RateTable({ rates: [{ from: 'EUR', to: 'THB', mid: '239.640' }] }).rate('THB', 'EUR');
      assert.equal(r.kind, 'inverse');
      // 1 / 239.640 = 0.00417292605575... -> 0.004172926056
      assert.equal(r.rate, '0.004172926056');
      // 500.00 x 0.004172926056 = 2.086463028 -> 2.09 (209 cents)
      assert.equal(convert(50_000n, r, 'source'), 209n);
      // 1000.00 x 0.004172926056 = 4.172926056 -> 4.17
      assert.equal(convert(100_000n, r, 'source'), 417n);
    });

    it('KRW -> IDR from IDR -> KRW 0.0865: 1 / 0.0865 = 11.560693641618..., 12975 KRW -> 150000.00 IDR', () => {
      const t = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865', spreadBps: 30 }] });
      const mid = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }] }).rate('KRW', 'IDR');
      // 11.5606936416184971... -> 11.560693641618
      assert.equal(mid.rate, '11.560693641618');
      // 12975 x 11.560693641618 = 149999.99999999355 IDR -> 14999999.999999355 minor -> 15000000
      assert.equal(convert(12_975n, mid, 'source'), 15_000_000n);
      // the pair's spread applies both ways: (1 / 0.0865) x 0.997 = 9970 / 865 = 11.5260115606936416... -> 11.526011560694
      const spread = t.rate('KRW', 'IDR');
      assert.equal(spread.spreadBps, 30);
      assert.equal(spread.rate, '11.526011560694');
    });

    it('both directions configured: each keeps its own mid', () => {
      const t = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }, { from: 'KRW', to: 'IDR', mid: '11.5' }] });
      assert.equal(t.rate('KRW', 'IDR').rate, '11.5');
      assert.equal(t.rate('KRW', 'IDR').kind, 'direct');
    });
  });

  describe('cross rates through the pivot (ECB reference rates, 22 May 2013)', () => {
    it('IDR -> KRW = 1440.76 / 12619.13 = 0.11417268860848...; 150000.00 IDR -> 17126 KRW', () => {
      const r = ecb().rate('IDR', 'KRW');
      assert.deepEqual([r.kind, r.via], ['cross', 'EUR']);
      assert.equal(r.rate, '0.114172688608');
      // 150000 x 0.114172688608 = 17125.9032912 -> 17126
      assert.equal(convert(15_000_000n, r, 'source'), 17_126n);
      // buying 17126 KRW: 17126 / 0.114172688608 = 150000.8470397... IDR -> 15000084.70397 minor -> 15000085
      assert.equal(convert(17_126n, r, 'target'), 15_000_085n);
    });

    it('KRW -> IDR = 12619.13 / 1440.76 = 8.75866209500541...; 1000 KRW -> 8758.66 IDR (exponent 0 -> 2)', () => {
      const r = ecb().rate('KRW', 'IDR');
      assert.equal(r.rate, '8.758662095005');
      // 1000 x 8.758662095005 = 8758.662095005 -> 875866.2095005 minor -> 875866
      assert.equal(convert(1_000n, r, 'source'), 875_866n);
    });

    it('USD <-> JPY: 133.26 / 1.2923 = 103.11847094327942...; 1.2923 / 133.26 = 0.00969758367101...', () => {
      const t = ecb();
      const toJpy = t.rate('USD', 'JPY');
      assert.equal(toJpy.rate, '103.118470943279');
      // 100.00 USD x 103.118470943279 = 10311.8470943279 -> 10312 JPY
      assert.equal(convert(10_000n, toJpy, 'source'), 10_312n);
      const toUsd = t.rate('JPY', 'USD');
      assert.equal(toUsd.rate, '0.009697583671');
      // 10000 JPY x 0.009697583671 = 96.97583671 USD -> 9697.583671 cents -> 9698
      assert.equal(convert(10_000n, toUsd, 'source'), 9_698n);
    });

    it('a configured pair beats the cross rate; the default spread applies once to a cross rate', () => {
      const t = new RateTable({
        pivot: 'EUR',
        defaultSpreadBps: 50,
        rates: [
          { from: 'EUR', to: 'IDR', mid: '12619.13', spreadBps: 10 },
          { from: 'EUR', to: 'KRW', mid: '1440.76', spreadBps: 10 },
          { from: 'THB', to: 'KRW', mid: '37.4' },
        ],
      });
      assert.equal(t.rate('THB', 'KRW').kind, 'direct');
      const cross = t.rate('IDR', 'KRW');
      assert.equal(cross.spreadBps, 50);
      // 0.114172688608485688 x 0.995 = 0.1136018251654432... -> 0.113601825165; mid unchanged
      assert.equal(cross.midRate, '0.114172688608');
      assert.equal(cross.rate, '0.113601825165');
      // 150000 x 0.113601825165 = 17040.27377475 -> 17040
      assert.equal(convert(15_000_000n, cross, 'source'), 17_040n);
    });

    it('the JSON twin of the fixture gives the same table', () => {
      const yaml = ecb();
      const json = loadFxFile(join(FX_FIXTURES, 'ecb-2013-05-22.json')).fx!.rates;
      for (const [a, b] of [['IDR', 'KRW'], ['USD', 'JPY'], ['PHP', 'SGD'], ['EUR', 'THB']] as const) assert.deepEqual(json.rate(a, b), yaml.rate(a, b));
    });
  });

  describe('conversion rounding', () => {
    it('halves round up in the converted amount; just below half rounds down', () => {
      const r = new RateTable({ rates: [{ from: 'THB', to: 'USD', mid: '0.025' }] }).rate('THB', 'USD');
      // 1.00 THB x 0.025 = 0.025 USD = 2.5 cents -> 3 (banker's rounding would give 2)
      assert.equal(convert(100n, r, 'source'), 3n);
      // 0.99 THB x 0.025 = 2.475 cents -> 2
      assert.equal(convert(99n, r, 'source'), 2n);
      // 1.01 THB -> 2.525 cents -> 3
      assert.equal(convert(101n, r, 'source'), 3n);
      assert.equal(convert(0n, r, 'source'), 0n);
    });

    it('refuses amounts outside 0..MAX_MINOR and results above it (DARI_FX_AMOUNT_INVALID)', () => {
      const r = new RateTable({ rates: [{ from: 'KRW', to: 'VND', mid: '18.4' }] }).rate('KRW', 'VND');
      throwsCoded(() => convert(-1n, r, 'source'), 'DARI_FX_AMOUNT_INVALID', /KRW amount/);
      throwsCoded(() => convert(100_000_000_000_000n, r, 'source'), 'DARI_FX_AMOUNT_INVALID');
      throwsCoded(() => convert(1.5 as unknown as bigint, r, 'source'), 'DARI_FX_AMOUNT_INVALID');
      // 10^13 KRW x 18.4 = 1.84 x 10^14 VND: above the 14-digit maximum
      throwsCoded(() => convert(10_000_000_000_000n, r, 'source'), 'DARI_FX_AMOUNT_INVALID', /above the largest VND amount/);
    });
  });

  describe('errors', () => {
    it('no rate for the pair, its inverse or both pivot legs: DARI_FX_NO_RATE', () => {
      const t = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }] });
      throwsCoded(() => t.rate('VND', 'KRW'), 'DARI_FX_NO_RATE', /VND->KRW.*no pivot/);
      const p = new RateTable({ pivot: 'USD', rates: [{ from: 'USD', to: 'KRW', mid: '1380.50' }] });
      throwsCoded(() => p.rate('VND', 'KRW'), 'DARI_FX_NO_RATE', /through the pivot USD/);
      throwsCoded(() => t.rate('IDR', 'XXX'), 'DARI_FX_CURRENCY_UNKNOWN');
    });

    it('a rate that rounds to zero at 12 decimals is DARI_FX_NO_RATE', () => {
      const t = new RateTable({ rates: [{ from: 'VND', to: 'KRW', mid: '1000000000000000' }] });
      throwsCoded(() => t.rate('KRW', 'VND'), 'DARI_FX_NO_RATE', /rounds to zero/);
    });

    it('bad tables are DARI_FX_CONFIG_INVALID naming the key', () => {
      const bad: Array<[object, RegExp]> = [
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '0' }] }, /^fx\.rates\[0\]\.mid: must be a positive decimal/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '-1' }] }, /^fx\.rates\[0\]\.mid/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: 0.0865 }] }, /^fx\.rates\[0\]\.mid/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0000000000001' }] }, /more than 12 decimals/],
        [{ rates: [{ from: 'IDR', to: 'XYZ', mid: '1' }] }, /^fx\.rates\[0\]\.to: currency "XYZ"/],
        [{ rates: [{ from: 'IDR', to: 'IDR', mid: '1' }] }, /^fx\.rates\[0\]\.to: must differ/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '1' }, { from: 'IDR', to: 'KRW', mid: '2' }] }, /^fx\.rates\[1\]: the pair IDR->KRW is listed twice/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '1', spreadBps: 10000 }] }, /^fx\.rates\[0\]\.spreadBps/],
        [{ rates: [{ from: 'IDR', to: 'KRW', mid: '1', spreadBps: 1.5 }] }, /^fx\.rates\[0\]\.spreadBps/],
        [{ rates: [], defaultSpreadBps: -10000 }, /^fx\.defaultSpreadBps/],
        [{ rates: [], pivot: 'ABC' }, /^fx\.pivot/],
        [{ rates: 'none' }, /^fx\.rates: must be a list/],
      ];
      for (const [options, message] of bad) throwsCoded(() => new RateTable(options as never), 'DARI_FX_CONFIG_INVALID', message);
    });
  });
});
