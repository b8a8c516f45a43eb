/**
 * Fee schedules: what the hub charges a domestic participant and a foreign partner per
 * transaction, and what the same amount would have cost over a card-brand route (for the saving).
 *
 * A rule is a percentage in basis points plus a fixed amount, then bounded by a minimum and a cap:
 *     fee = round_half_up(amount x percentBps / 10000) + fixed, then max(fee, min), then min(fee, max)
 * all in integer minor units of the transaction currency (decimal.ts has the rounding rule). A rule
 * with a fixed amount, a minimum or a cap names its currency and applies to transactions in that
 * currency only; a percentage-only rule may leave the currency out and then applies to any.
 *
 * Which rule applies to party P (a participant id, or a partner id) and currency C: P's first rule
 * for C, else P's first rule without a currency; when P has neither, the same search in the "*"
 * entry (everyone else); when that finds nothing either, the fee is zero.
 *
 * The card-brand cost is amount x cardRateBps / 10000 (default 100 bps: the card brands cost the
 * participants around 1% of each amount, see DESIGN), and the saving is that cost minus the two
 * fees: what the transaction cost less by going switch to switch (negative if it cost more).
 */
import { DariError } from '../errors';
import { currency, MAX_MINOR, parseAmount, type Currency } from './currencies';
import { divRound } from './decimal';

export interface FeeRule {
  /** ISO 4217 alphabetic code; required with fixed, min or max (they are amounts in it). */
  currency?: string;
  /** Percentage of the amount in basis points, 0 to 10000 (default 0). */
  percentBps?: number;
  /** Amounts in major units of `currency` as decimal strings ("0.50"). */
  fixed?: string;
  min?: string;
  max?: string;
}

export interface FeeScheduleOptions {
  /** Card-brand route cost in basis points of the amount, for the saving (default 100 = 1%). */
  cardRateBps?: number;
  /** Rules by participant id; "*" for every participant not listed. */
  participants?: Record<string, FeeRule[]>;
  /** Rules by partner id; "*" for every partner not listed. */
  partners?: Record<string, FeeRule[]>;
}

export interface FeeInput {
  participant: string;
  partner: string;
  /** Currency of `amount` (ISO 4217 alphabetic or numeric); every figure of the result is in it. */
  currency: string;
  /** Minor units. */
  amount: bigint;
  /** Overrides the schedule's card-brand rate. */
  cardRateBps?: number;
}

export interface FeeResult {
  /** ISO 4217 alphabetic code. */
  currency: string;
  amount: bigint;
  participantFee: bigint;
  partnerFee: bigint;
  cardRateBps: number;
  cardBrandCost: bigint;
  /** cardBrandCost - participantFee - partnerFee. */
  saving: bigint;
}

interface Rule {
  currency: string | undefined;
  bps: bigint;
  fixed: bigint;
  min: bigint | undefined;
  max: bigint | undefined;
}

const BPS = 10_000n;

function invalid(key: string, what: string): DariError {
  return new DariError('DARI_FX_CONFIG_INVALID', `${key}: ${what}`);
}

/** Basis points 0..10000 (a fee or a card rate above 100% is a typo). */
function bpsOf(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10_000) throw invalid(key, 'must be an integer number of basis points from 0 to 10000');
  return v;
}

function compile(r: FeeRule, key: string): Rule {
  if (typeof r !== 'object' || r === null) throw invalid(key, 'must be a mapping');
  let cur: Currency | undefined;
  if (r.currency !== undefined) {
    try {
      cur = currency(String(r.currency));
    } catch (e) {
      throw invalid(`${key}.currency`, (e as Error).message);
    }
  }
  const amount = (f: 'fixed' | 'min' | 'max'): bigint | undefined => {
    const v = r[f];
    if (v === undefined) return undefined;
    if (!cur) throw invalid(`${key}.${f}`, 'is an amount: the rule needs a currency');
    try {
      return parseAmount(String(v), cur);
    } catch (e) {
      throw invalid(`${key}.${f}`, (e as Error).message);
    }
  };
  const rule: Rule = { currency: cur?.alpha, bps: BigInt(bpsOf(r.percentBps ?? 0, `${key}.percentBps`)), fixed: amount('fixed') ?? 0n, min: amount('min'), max: amount('max') };
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) throw invalid(key, 'min is above max');
  return rule;
}

function compileParties(v: Record<string, FeeRule[]> | undefined, key: string): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>();
  if (v === undefined) return out;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(key, 'must be a mapping of ids to rule lists');
  for (const [id, rules] of Object.entries(v)) {
    if (!Array.isArray(rules)) throw invalid(`${key}.${id}`, 'must be a list of rules');
    out.set(id, rules.map((r, i) => compile(r, `${key}.${id}[${i}]`)));
  }
  return out;
}

export class FeeSchedule {
  readonly cardRateBps: number;
  private readonly participants: Map<string, Rule[]>;
  private readonly partners: Map<string, Rule[]>;

  /** Validates `options`; errors are DARI_FX_CONFIG_INVALID naming the key under `key` (`fees.partners.X[0].min`). */
  constructor(options: FeeScheduleOptions, key = 'fees') {
    this.cardRateBps = bpsOf(options.cardRateBps ?? 100, `${key}.cardRateBps`);
    this.participants = compileParties(options.participants, `${key}.participants`);
    this.partners = compileParties(options.partners, `${key}.partners`);
  }

  /** Fees of one transaction. DARI_FX_CURRENCY_UNKNOWN / DARI_FX_AMOUNT_INVALID for a bad currency or amount. */
  compute(input: FeeInput): FeeResult {
    const cur = currency(input.currency);
    const amount = input.amount;
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_MINOR) {
      throw new DariError('DARI_FX_AMOUNT_INVALID', `the ${cur.alpha} amount must be a whole number of minor units from 0 to ${MAX_MINOR}`);
    }
    const cardRateBps = input.cardRateBps === undefined ? this.cardRateBps : bpsOf(input.cardRateBps, 'cardRateBps');
    const participantFee = fee(pick(this.participants, input.participant, cur.alpha), amount);
    const partnerFee = fee(pick(this.partners, input.partner, cur.alpha), amount);
    const cardBrandCost = divRound(amount * BigInt(cardRateBps), BPS);
    return Object.freeze({ currency: cur.alpha, amount, participantFee, partnerFee, cardRateBps, cardBrandCost, saving: cardBrandCost - participantFee - partnerFee });
  }
}

function pick(rules: Map<string, Rule[]>, id: string, code: string): Rule | undefined {
  for (const list of [rules.get(id), rules.get('*')]) {
    if (!list) continue;
    const hit = list.find((r) => r.currency === code) ?? list.find((r) => r.currency === undefined);
    if (hit) return hit;
  }
  return undefined;
}

function fee(rule: Rule | undefined, amount: bigint): bigint {
  if (!rule) return 0n;
  let f = divRound(amount * rule.bps, BPS) + rule.fixed;
  if (rule.min !== undefined && f < rule.min) f = rule.min;
  if (rule.max !== undefined && f > rule.max) f = rule.max;
  return f;
}
