/**
 * Locked FX quotes: a rate and both amounts fixed for a short time, redeemable once.
 *
 * A payment that found its quote expired is re-quoted or declined by the caller; it is never
 * silently converted at another rate (see the cardless ATM checks in the reference notes). So
 * `redeem` distinguishes an unknown quote (DARI_FX_QUOTE_UNKNOWN), an expired one
 * (DARI_FX_QUOTE_EXPIRED) and one already used (DARI_FX_QUOTE_USED).
 *
 * Time: a quote made at `now` expires at `now + ttlMs` and is redeemable while `now < expiresAt`;
 * at `expiresAt` exactly it has expired. Times are epoch milliseconds given by the caller (the
 * pipeline's clock), so tests control them.
 *
 * Memory: quotes live in this process (a hub node redeems the quotes it issued). An entry is kept
 * for a second TTL after it expires, so that a late redeem still hears "expired" or "used" rather
 * than "unknown"; then it is pruned (on every quote, oldest first). At most `maxQuotes` are kept:
 * past that the oldest entry is dropped, even unexpired (its redeem then answers "unknown", and the
 * caller re-quotes), so that no load can grow the book without bound.
 */
import { randomUUID } from 'node:crypto';
import { DariError } from '../errors';
import { convert, type RateTable } from './rates';

export interface QuoteRequest {
  /** Currency the customer pays in and the one the payee receives (ISO 4217 alphabetic or numeric). */
  from: string;
  to: string;
  /** Minor units of `from` (amountSide 'source') or of `to` (amountSide 'target'). */
  amount: bigint;
  /** Which amount is fixed: what the customer pays ('source') or what the payee receives ('target'). */
  amountSide: 'source' | 'target';
  /** Epoch milliseconds. */
  now: number;
}

export interface Quote {
  /** UUID v4 (the form of pacs.008.001.13 AgrdRate/QtId). */
  id: string;
  /** ISO 4217 alphabetic codes. */
  from: string;
  to: string;
  /** Locked rate, spread included, as a decimal string (`to` per `from` major unit). */
  rate: string;
  midRate: string;
  spreadBps: number;
  /** How the rate was found ('direct', 'inverse', 'cross' through `via`, or 'identity'). */
  rateKind: 'identity' | 'direct' | 'inverse' | 'cross';
  via?: string;
  amountSide: 'source' | 'target';
  /** Minor units of `from` and of `to`. */
  sourceAmount: bigint;
  targetAmount: bigint;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
}

export interface QuoteBookOptions {
  rates: RateTable;
  /** Time a quote stays redeemable, in ms (default 60000). */
  ttlMs?: number;
  /** Most quotes kept (default 100000). */
  maxQuotes?: number;
}

interface Entry {
  quote: Quote;
  used: boolean;
}

/** The quote as JSON-ready values (amounts as decimal strings of minor units, times as ISO 8601). */
export function quoteToJson(q: Quote): Record<string, unknown> {
  return {
    id: q.id,
    from: q.from,
    to: q.to,
    rate: q.rate,
    midRate: q.midRate,
    spreadBps: q.spreadBps,
    rateKind: q.rateKind,
    ...(q.via !== undefined ? { via: q.via } : {}),
    amountSide: q.amountSide,
    sourceAmount: q.sourceAmount.toString(),
    targetAmount: q.targetAmount.toString(),
    createdAt: new Date(q.createdAt).toISOString(),
    expiresAt: new Date(q.expiresAt).toISOString(),
  };
}

export class QuoteBook {
  readonly rates: RateTable;
  readonly ttlMs: number;
  readonly maxQuotes: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: QuoteBookOptions) {
    const ttl = options.ttlMs ?? 60_000;
    const max = options.maxQuotes ?? 100_000;
    if (!Number.isSafeInteger(ttl) || ttl < 1) throw new DariError('DARI_FX_CONFIG_INVALID', 'quote ttlMs must be a whole number of milliseconds >= 1');
    if (!Number.isSafeInteger(max) || max < 1) throw new DariError('DARI_FX_CONFIG_INVALID', 'maxQuotes must be a whole number >= 1');
    this.rates = options.rates;
    this.ttlMs = ttl;
    this.maxQuotes = max;
  }

  /** Quotes held (live, expired or used, until pruned). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Lock a rate and both amounts. DARI_FX_NO_RATE, DARI_FX_CURRENCY_UNKNOWN or
   * DARI_FX_AMOUNT_INVALID when it cannot; nothing is stored then.
   */
  quote(req: QuoteRequest): Quote {
    const now = timeOf(req.now);
    if (req.amountSide !== 'source' && req.amountSide !== 'target') {
      throw new DariError('DARI_INTERNAL_ERROR', 'FX quote: amountSide must be "source" or "target"');
    }
    const rate = this.rates.rate(req.from, req.to);
    const other = convert(req.amount, rate, req.amountSide);
    const q: Quote = {
      id: randomUUID(),
      from: rate.from.alpha,
      to: rate.to.alpha,
      rate: rate.rate,
      midRate: rate.midRate,
      spreadBps: rate.spreadBps,
      rateKind: rate.kind,
      amountSide: req.amountSide,
      sourceAmount: req.amountSide === 'source' ? req.amount : other,
      targetAmount: req.amountSide === 'source' ? other : req.amount,
      createdAt: now,
      expiresAt: now + this.ttlMs,
    };
    if (rate.via !== undefined) q.via = rate.via;
    Object.freeze(q);
    this.prune(now);
    this.entries.set(q.id, { quote: q, used: false });
    return q;
  }

  /** Use a quote: it is returned once, while unexpired; every later call is DARI_FX_QUOTE_USED. */
  redeem(id: string, now: number): Quote {
    const at = timeOf(now);
    const e = this.entries.get(id);
    // The id is ours (a UUID) or junk from a peer: show it only when it has the shape of one of ours.
    const shown = /^[0-9a-f-]{36}$/.test(id) ? id : '(not a quote id)';
    if (!e) throw new DariError('DARI_FX_QUOTE_UNKNOWN', `FX quote ${shown} is unknown (never issued here, or pruned)`);
    if (e.used) throw new DariError('DARI_FX_QUOTE_USED', `FX quote ${shown} has already been used`);
    if (at >= e.quote.expiresAt) {
      throw new DariError('DARI_FX_QUOTE_EXPIRED', `FX quote ${shown} expired at ${new Date(e.quote.expiresAt).toISOString()}: re-quote or decline`);
    }
    e.used = true;
    return e.quote;
  }

  /** Drop entries a second TTL past their expiry, then the oldest beyond maxQuotes - 1 (room for one more). */
  private prune(now: number): void {
    for (const [id, e] of this.entries) {
      if (e.quote.expiresAt + this.ttlMs > now) break;
      this.entries.delete(id);
    }
    while (this.entries.size >= this.maxQuotes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

function timeOf(now: number): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new DariError('DARI_INTERNAL_ERROR', 'FX quote: `now` must be epoch milliseconds');
  return Math.floor(now);
}
