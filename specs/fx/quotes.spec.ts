/**
 * Locked quotes: amounts and rate fixed at quote time, single use, expiry exactly at the boundary,
 * bounded memory. Figures worked by hand from the brief's IDR -> KRW 0.0865 example.
 */
import { strict as assert } from 'node:assert';
import { QuoteBook, quoteToJson, RateTable, type Quote } from '../../src/fx';
import { throwsCoded } from './support';

const T0 = Date.UTC(2024, 5, 12, 10, 30);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function book(options: { ttlMs?: number; maxQuotes?: number } = {}): QuoteBook {
  const rates = new RateTable({ rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865', spreadBps: 30 }, { from: 'USD', to: 'KRW', mid: '1380.50' }], defaultSpreadBps: 50 });
  return new QuoteBook({ rates, ...options });
}

describe('fx: quotes', () => {
  it('locks the rate (spread included) and both amounts, with a UUID v4 id and an expiry', () => {
    const q = book().quote({ from: 'IDR', to: 'KRW', amount: 15_000_000n, amountSide: 'source', now: T0 });
    assert.match(q.id, UUID_V4);
    // 0.0865 x (1 - 30/10000) = 0.0862405; 150000.00 IDR x 0.0862405 = 12936.075 -> 12936 KRW
    assert.deepEqual(
      { ...q, id: 'x' },
      {
        id: 'x', from: 'IDR', to: 'KRW', rate: '0.0862405', midRate: '0.0865', spreadBps: 30, rateKind: 'direct', amountSide: 'source',
        sourceAmount: 15_000_000n, targetAmount: 12_936n, createdAt: T0, expiresAt: T0 + 60_000,
      },
    );
    assert.ok(Object.isFrozen(q));
  });

  it('a target-side quote fixes what the payee receives', () => {
    // 12936 KRW / 0.0862405 = 149999.13... IDR -> 14999913.03... minor -> 14999913 (149999.13 IDR)
    const q = book().quote({ from: 'IDR', to: 'KRW', amount: 12_936n, amountSide: 'target', now: T0 });
    assert.equal(q.targetAmount, 12_936n);
    assert.equal(q.sourceAmount, 14_999_913n);
    // KRW (exponent 0) from USD (2): 100000 KRW / (1380.50 x 0.995 = 1373.5975) = 72.80155... USD -> 7280 cents
    const usd = book().quote({ from: 'USD', to: 'KRW', amount: 100_000n, amountSide: 'target', now: T0 });
    assert.equal(usd.rate, '1373.5975');
    assert.equal(usd.sourceAmount, 7_280n);
  });

  it('ids are unique', () => {
    const b = book();
    const ids = new Set(Array.from({ length: 1000 }, () => b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 }).id));
    assert.equal(ids.size, 1000);
  });

  it('redeem returns the quote once; a second redeem is DARI_FX_QUOTE_USED', () => {
    const b = book();
    const q = b.quote({ from: 'IDR', to: 'KRW', amount: 15_000_000n, amountSide: 'source', now: T0 });
    assert.equal(b.redeem(q.id, T0 + 1), q);
    throwsCoded(() => b.redeem(q.id, T0 + 2), 'DARI_FX_QUOTE_USED', new RegExp(q.id));
    throwsCoded(() => b.redeem(q.id, T0 + 120_000), 'DARI_FX_QUOTE_USED', undefined);
  });

  it('expiry exactly at the boundary: redeemable at expiresAt - 1 ms, expired at expiresAt', () => {
    const b = book({ ttlMs: 30_000 });
    const [early, edge] = [0, 1].map(() => b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 })) as [Quote, Quote];
    assert.equal(edge.expiresAt, T0 + 30_000);
    assert.equal(b.redeem(early.id, T0 + 29_999).id, early.id);
    throwsCoded(() => b.redeem(edge.id, T0 + 30_000), 'DARI_FX_QUOTE_EXPIRED', /re-quote or decline/);
    // An expired quote is not used by the failed attempt: it stays expired, never re-rated.
    throwsCoded(() => b.redeem(edge.id, T0 + 30_001), 'DARI_FX_QUOTE_EXPIRED');
  });

  it('an unknown id is DARI_FX_QUOTE_UNKNOWN; junk ids are not echoed', () => {
    const b = book();
    throwsCoded(() => b.redeem('6f1c2a52-0c1e-4b9e-9a55-2d1b1d2b8c11', T0), 'DARI_FX_QUOTE_UNKNOWN', /6f1c2a52/);
    throwsCoded(() => b.redeem('4761739001010119', T0), 'DARI_FX_QUOTE_UNKNOWN', /not a quote id/);
  });

  it('keeps an expired or used quote for one more TTL, then prunes it (unknown)', () => {
    const b = book({ ttlMs: 1_000 });
    const q = b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 });
    // Quoting later prunes: at T0 + 1999 it is kept (expired at T0 + 1000, kept until T0 + 2000).
    b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 + 1_999 });
    throwsCoded(() => b.redeem(q.id, T0 + 1_999), 'DARI_FX_QUOTE_EXPIRED');
    b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 + 2_000 });
    throwsCoded(() => b.redeem(q.id, T0 + 2_000), 'DARI_FX_QUOTE_UNKNOWN');
    assert.equal(b.size, 2);
  });

  it('never holds more than maxQuotes: the oldest goes first', () => {
    const b = book({ maxQuotes: 3 });
    const qs = Array.from({ length: 5 }, (_, i) => b.quote({ from: 'IDR', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 + i }));
    assert.equal(b.size, 3);
    throwsCoded(() => b.redeem(qs[0]!.id, T0 + 10), 'DARI_FX_QUOTE_UNKNOWN');
    throwsCoded(() => b.redeem(qs[1]!.id, T0 + 10), 'DARI_FX_QUOTE_UNKNOWN');
    assert.equal(b.redeem(qs[2]!.id, T0 + 10).id, qs[2]!.id);
    assert.equal(b.redeem(qs[4]!.id, T0 + 10).id, qs[4]!.id);
  });

  it('nothing is stored when a quote cannot be made', () => {
    const b = book();
    throwsCoded(() => b.quote({ from: 'VND', to: 'KRW', amount: 100n, amountSide: 'source', now: T0 }), 'DARI_FX_NO_RATE');
    throwsCoded(() => b.quote({ from: 'IDR', to: 'KRW', amount: -1n, amountSide: 'source', now: T0 }), 'DARI_FX_AMOUNT_INVALID');
    throwsCoded(() => b.quote({ from: 'IDR', to: 'ABC', amount: 1n, amountSide: 'source', now: T0 }), 'DARI_FX_CURRENCY_UNKNOWN');
    throwsCoded(() => b.quote({ from: 'IDR', to: 'KRW', amount: 1n, amountSide: 'both' as 'source', now: T0 }), 'DARI_INTERNAL_ERROR', /amountSide/);
    throwsCoded(() => b.quote({ from: 'IDR', to: 'KRW', amount: 1n, amountSide: 'source', now: Number.NaN }), 'DARI_INTERNAL_ERROR', /now/);
    assert.equal(b.size, 0);
  });

  it('bad options are DARI_FX_CONFIG_INVALID', () => {
    const rates = new RateTable({ rates: [] });
    throwsCoded(() => new QuoteBook({ rates, ttlMs: 0 }), 'DARI_FX_CONFIG_INVALID', /ttlMs/);
    throwsCoded(() => new QuoteBook({ rates, maxQuotes: 0.5 }), 'DARI_FX_CONFIG_INVALID', /maxQuotes/);
  });

  it('quoteToJson: amounts as decimal strings of minor units, times as ISO 8601', () => {
    const q = book().quote({ from: 'IDR', to: 'KRW', amount: 15_000_000n, amountSide: 'source', now: T0 });
    const j = quoteToJson(q);
    assert.equal(j['sourceAmount'], '15000000');
    assert.equal(j['targetAmount'], '12936');
    assert.equal(j['expiresAt'], '2024-06-12T10:31:00.000Z');
    assert.equal(JSON.parse(JSON.stringify(j))['rate'], '0.0862405');
  });
});
