/**
 * The rate table: a mid rate per currency pair and a spread in basis points (per pair, or the
 * table default), from which every conversion rate the hub offers is derived.
 *
 * A rate from->to is the number of `to` major units one `from` major unit buys (IDR->KRW 0.0865:
 * 150000.00 IDR buy 12975 KRW). Rates are decimal strings, held as exact ratios of BigInts, and
 * rounded once (half up, see decimal.ts) to RATE_DECIMALS places: the figure a quote shows is the
 * figure its amounts are computed from.
 *
 * Which rate answers from->to, first match wins:
 *  1. from = to: 1, no spread.
 *  2. the pair from->to as configured (its spread, or the default);
 *  3. the inverse of a configured to->from: 1 / mid, with that pair's spread (a spread is the
 *     hub's margin on a corridor and applies both ways). Configure both directions to give them
 *     different mids;
 *  4. a cross rate through the pivot currency, when one is configured: (from->pivot) x (pivot->to),
 *     each leg found by 1-3; the table's default spread applies once, to the cross rate (the legs'
 *     own spreads are not stacked).
 * Otherwise DARI_FX_NO_RATE.
 *
 * The spread is taken from the rate the customer gets: rate = mid x (1 - spreadBps / 10000), so
 * the source amount always buys less than at mid. A negative spread improves on mid, as Nexus FX
 * providers' rate "improvements" do (docs.nexusglobalpayments.org, Improving rates for larger
 * transactions: improved rate = base x (1 + bps / 10000)).
 */
import { DariError } from '../errors';
import { currency, MAX_MINOR, type Currency } from './currencies';
import { divRound, formatScaled, parseDecimal, type Ratio } from './decimal';

/** Decimal places of every rate the table hands out (mid and applied). */
export const RATE_DECIMALS = 12;
const SCALE = 10n ** BigInt(RATE_DECIMALS);
const BPS = 10_000n;

export interface RatePair {
  /** ISO 4217 alphabetic codes. */
  from: string;
  to: string;
  /** Mid rate as a decimal string ("0.0865"): `to` major units per `from` major unit; at most RATE_DECIMALS decimals. */
  mid: string;
  /** Spread of this pair in basis points (-9999 to 9999); default: the table's defaultSpreadBps. */
  spreadBps?: number;
}

export interface RateTableOptions {
  rates: RatePair[];
  /** Spread of pairs that set none, and of cross rates (default 0). */
  defaultSpreadBps?: number;
  /** Currency through which cross rates are derived (e.g. "USD"); none: no cross rates. */
  pivot?: string;
}

/** A rate ready to convert with: exact figures as decimal strings and the scaled integers behind them. */
export interface AppliedRate {
  from: Currency;
  to: Currency;
  /** How it was found. */
  kind: 'identity' | 'direct' | 'inverse' | 'cross';
  /** The pivot currency of a cross rate. */
  via?: string;
  /** Mid rate, rounded to RATE_DECIMALS, as a decimal string without trailing zeros. */
  midRate: string;
  /** The rate after the spread, rounded to RATE_DECIMALS: what amounts are converted at. */
  rate: string;
  spreadBps: number;
  /** `rate` x 10^RATE_DECIMALS. */
  rateScaled: bigint;
}

interface Leg {
  mid: Ratio;
  spreadBps: number;
  kind: 'direct' | 'inverse';
}

function invalid(key: string, what: string): DariError {
  return new DariError('DARI_FX_CONFIG_INVALID', `${key}: ${what}`);
}

function spreadOf(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -9999 || v > 9999) throw invalid(key, 'must be an integer number of basis points from -9999 to 9999');
  return v;
}

function currencyAt(code: unknown, key: string): Currency {
  if (typeof code !== 'string') throw invalid(key, 'must be an ISO 4217 alphabetic code such as "KRW"');
  try {
    return currency(code);
  } catch (e) {
    throw invalid(key, (e as Error).message);
  }
}

export class RateTable {
  readonly defaultSpreadBps: number;
  readonly pivot: string | undefined;
  /** The configured pairs, validated and frozen, in file order. */
  readonly pairs: readonly Readonly<RatePair>[];
  private readonly legs = new Map<string, Leg>();

  /** Validates `options`; errors are DARI_FX_CONFIG_INVALID naming the key under `key` (`fx.rates[1].mid`). */
  constructor(options: RateTableOptions, key = 'fx') {
    this.defaultSpreadBps = options.defaultSpreadBps === undefined ? 0 : spreadOf(options.defaultSpreadBps, `${key}.defaultSpreadBps`);
    this.pivot = options.pivot === undefined ? undefined : currencyAt(options.pivot, `${key}.pivot`).alpha;
    if (!Array.isArray(options.rates)) throw invalid(`${key}.rates`, 'must be a list');
    const pairs: Readonly<RatePair>[] = [];
    options.rates.forEach((p, i) => {
      const k = `${key}.rates[${i}]`;
      const from = currencyAt(p.from, `${k}.from`).alpha;
      const to = currencyAt(p.to, `${k}.to`).alpha;
      if (from === to) throw invalid(`${k}.to`, 'must differ from "from"');
      const mid = typeof p.mid === 'string' ? parseDecimal(p.mid) : null;
      if (!mid || mid.num === 0n) throw invalid(`${k}.mid`, 'must be a positive decimal string such as "0.0865"');
      if (mid.den > SCALE) throw invalid(`${k}.mid`, `has more than ${RATE_DECIMALS} decimals`);
      const name = `${from}->${to}`;
      if (this.legs.has(name)) throw invalid(k, `the pair ${name} is listed twice`);
      const pair: RatePair = { from, to, mid: p.mid };
      if (p.spreadBps !== undefined) pair.spreadBps = spreadOf(p.spreadBps, `${k}.spreadBps`);
      this.legs.set(name, { mid, spreadBps: pair.spreadBps ?? this.defaultSpreadBps, kind: 'direct' });
      pairs.push(Object.freeze(pair));
    });
    this.pairs = Object.freeze(pairs);
  }

  /** The rate from `from` to `to` (codes alphabetic or numeric). DARI_FX_NO_RATE when none can be found. */
  rate(from: string, to: string): AppliedRate {
    const src = currency(from);
    const dst = currency(to);
    if (src.alpha === dst.alpha) return applied(src, dst, { num: 1n, den: 1n }, 0, 'identity');
    const leg = this.leg(src.alpha, dst.alpha);
    if (leg) return applied(src, dst, leg.mid, leg.spreadBps, leg.kind);
    const p = this.pivot;
    if (p !== undefined && src.alpha !== p && dst.alpha !== p) {
      const a = this.leg(src.alpha, p);
      const b = this.leg(p, dst.alpha);
      if (a && b) return applied(src, dst, { num: a.mid.num * b.mid.num, den: a.mid.den * b.mid.den }, this.defaultSpreadBps, 'cross', p);
    }
    throw new DariError(
      'DARI_FX_NO_RATE',
      `no rate for ${src.alpha}->${dst.alpha}: neither pair is configured${p === undefined ? ' and no pivot currency is set' : `, nor both legs through the pivot ${p}`}`,
    );
  }

  private leg(from: string, to: string): Leg | undefined {
    const direct = this.legs.get(`${from}->${to}`);
    if (direct) return direct;
    const back = this.legs.get(`${to}->${from}`);
    return back && { mid: { num: back.mid.den, den: back.mid.num }, spreadBps: back.spreadBps, kind: 'inverse' };
  }
}

function applied(from: Currency, to: Currency, mid: Ratio, spreadBps: number, kind: AppliedRate['kind'], via?: string): AppliedRate {
  // One rounding each, from the exact ratio: mid x SCALE, and mid x (10000 - spread) / 10000 x SCALE.
  const midScaled = divRound(mid.num * SCALE, mid.den);
  const rateScaled = divRound(mid.num * (BPS - BigInt(spreadBps)) * SCALE, mid.den * BPS);
  if (rateScaled <= 0n) {
    throw new DariError('DARI_FX_NO_RATE', `the ${from.alpha}->${to.alpha} rate rounds to zero at ${RATE_DECIMALS} decimals (quote the pair the other way round)`);
  }
  const out: AppliedRate = { from, to, kind, midRate: formatScaled(midScaled, RATE_DECIMALS), rate: formatScaled(rateScaled, RATE_DECIMALS), spreadBps, rateScaled };
  if (via !== undefined) out.via = via;
  return Object.freeze(out);
}

/**
 * Convert with an applied rate, rounding once (half up) to the other currency's minor unit.
 * side 'source': `amount` is in rate.from minor units, returns rate.to minor units
 *   (target = source x rate x 10^(e_to - e_from)).
 * side 'target': `amount` is in rate.to minor units, returns the rate.from minor units that buy it
 *   (source = target / rate x 10^(e_from - e_to)); converting that source back may differ from the
 *   target by the rounding, less than one source minor unit's worth.
 * Amounts must be 0..MAX_MINOR, and so must the result (DARI_FX_AMOUNT_INVALID).
 */
export function convert(amount: bigint, rate: AppliedRate, side: 'source' | 'target'): bigint {
  const [given, other] = side === 'source' ? [rate.from, rate.to] : [rate.to, rate.from];
  if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_MINOR) {
    throw new DariError('DARI_FX_AMOUNT_INVALID', `the ${given.alpha} amount must be a whole number of minor units from 0 to ${MAX_MINOR}`);
  }
  const eFrom = 10n ** BigInt(rate.from.exponent);
  const eTo = 10n ** BigInt(rate.to.exponent);
  const out = side === 'source' ? divRound(amount * rate.rateScaled * eTo, SCALE * eFrom) : divRound(amount * SCALE * eFrom, rate.rateScaled * eTo);
  if (out > MAX_MINOR) throw new DariError('DARI_FX_AMOUNT_INVALID', `the converted amount is above the largest ${other.alpha} amount Dari handles`);
  return out;
}
