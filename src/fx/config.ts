/**
 * The FX file: rate table (`fx:`) and fee schedule (`fees:`), in YAML or JSON (JSON is read by the
 * same YAML parser). The same two sections can sit in the hub configuration: `parseFxSection` and
 * `parseFeeSection` take a section already parsed from there.
 *
 * A file is read with the YAML "failsafe" schema, in which every scalar is a string: a rate such as
 * 0.0865 never passes through a binary floating-point number, quoted or not. Sections parsed
 * elsewhere (the hub configuration, with numbers) are accepted when every number is a safe integer;
 * a fractional number is refused, because its decimal digits may already be lost.
 *
 * Errors are DARI_FX_CONFIG_INVALID and name the key (`fx.rates[2].mid: ...`).
 */
import { parseDocument } from 'yaml';
import { readConfigText } from '../config/read';
import { DariError } from '../errors';
import { FeeSchedule, type FeeRule, type FeeScheduleOptions } from './fees';
import { RateTable, type RatePair, type RateTableOptions } from './rates';

/** The `fx:` section: the rate table and the quote book settings. */
export interface FxSection {
  rates: RateTable;
  /** How long a quote stays redeemable (`quoteTtlSeconds`, default 60 s). */
  quoteTtlMs: number;
  /** Quotes kept in memory at most (`maxQuotes`, default 100000). */
  maxQuotes: number;
}

export interface FxFile {
  fx?: FxSection;
  fees?: FeeSchedule;
}

type Obj = Record<string, unknown>;

function invalid(key: string, what: string): DariError {
  return new DariError('DARI_FX_CONFIG_INVALID', `${key}: ${what}`);
}

function obj(v: unknown, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(key, 'must be a mapping');
  return v as Obj;
}

function known(o: Obj, key: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw invalid(`${key}.${k}`, `unknown key (known: ${keys.join(', ')})`);
}

/** A scalar as its exact text: strings as they are, safe integers in decimal; anything else refused. */
function text(v: unknown, key: string, what: string): string {
  if (typeof v === 'string' && v !== '') return v.trim();
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'number') throw invalid(key, `must be ${what}; write fractional values in quotes ("0.0865") so that they are read exactly`);
  throw invalid(key, `must be ${what}`);
}

function optText(o: Obj, k: string, key: string, what: string): string | undefined {
  return o[k] === undefined ? undefined : text(o[k], `${key}.${k}`, what);
}

/** An integer field from text or number (range checks belong to the consumer, which names the same key). */
function optInt(o: Obj, k: string, key: string): number | undefined {
  const t = optText(o, k, key, 'an integer');
  if (t === undefined) return undefined;
  if (!/^-?[0-9]{1,9}$/.test(t)) throw invalid(`${key}.${k}`, 'must be an integer');
  return Number(t);
}

function list(v: unknown, key: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(key, 'must be a list');
  return v;
}

/** The `fx:` section (RateTable checks currencies, rates and spreads). */
export function parseFxSection(raw: unknown, key = 'fx'): FxSection {
  const o = obj(raw ?? {}, key);
  known(o, key, ['pivot', 'defaultSpreadBps', 'quoteTtlSeconds', 'maxQuotes', 'rates']);
  const rates = list(o['rates'], `${key}.rates`).map((r, i): RatePair => {
    const k = `${key}.rates[${i}]`;
    const p = obj(r, k);
    known(p, k, ['from', 'to', 'mid', 'spreadBps']);
    const pair: RatePair = {
      from: text(p['from'], `${k}.from`, 'a currency code'),
      to: text(p['to'], `${k}.to`, 'a currency code'),
      mid: text(p['mid'], `${k}.mid`, 'a decimal rate such as "0.0865"'),
    };
    const spread = optInt(p, 'spreadBps', k);
    if (spread !== undefined) pair.spreadBps = spread;
    return pair;
  });
  const options: RateTableOptions = { rates };
  const pivot = optText(o, 'pivot', key, 'a currency code');
  if (pivot !== undefined) options.pivot = pivot;
  const spread = optInt(o, 'defaultSpreadBps', key);
  if (spread !== undefined) options.defaultSpreadBps = spread;
  const ttl = optInt(o, 'quoteTtlSeconds', key) ?? 60;
  if (ttl < 1 || ttl > 86_400) throw invalid(`${key}.quoteTtlSeconds`, 'must be an integer from 1 to 86400');
  const max = optInt(o, 'maxQuotes', key) ?? 100_000;
  if (max < 1 || max > 10_000_000) throw invalid(`${key}.maxQuotes`, 'must be an integer from 1 to 10000000');
  return { rates: new RateTable(options, key), quoteTtlMs: ttl * 1000, maxQuotes: max };
}

function feeRules(v: unknown, key: string): FeeRule[] {
  // One rule may be written without the list around it.
  const rules = Array.isArray(v) ? v : [v];
  return rules.map((r, i) => {
    const k = Array.isArray(v) ? `${key}[${i}]` : key;
    const o = obj(r, k);
    known(o, k, ['currency', 'percentBps', 'fixed', 'min', 'max']);
    const rule: FeeRule = {};
    const cur = optText(o, 'currency', k, 'a currency code');
    if (cur !== undefined) rule.currency = cur;
    const bps = optInt(o, 'percentBps', k);
    if (bps !== undefined) rule.percentBps = bps;
    for (const f of ['fixed', 'min', 'max'] as const) {
      const t = optText(o, f, k, 'an amount such as "0.50"');
      if (t !== undefined) rule[f] = t;
    }
    return rule;
  });
}

function parties(v: unknown, key: string): Record<string, FeeRule[]> {
  const o = obj(v ?? {}, key);
  const out: Record<string, FeeRule[]> = {};
  for (const [id, rules] of Object.entries(o)) out[id] = feeRules(rules, `${key}.${id}`);
  return out;
}

/** The `fees:` section (FeeSchedule checks currencies, amounts and ranges). */
export function parseFeeSection(raw: unknown, key = 'fees'): FeeSchedule {
  const o = obj(raw ?? {}, key);
  known(o, key, ['cardRateBps', 'participants', 'partners']);
  const options: FeeScheduleOptions = { participants: parties(o['participants'], `${key}.participants`), partners: parties(o['partners'], `${key}.partners`) };
  const card = optInt(o, 'cardRateBps', key);
  if (card !== undefined) options.cardRateBps = card;
  return new FeeSchedule(options, key);
}

/** Parse the text of an FX file (YAML or JSON) with sections `fx:` and/or `fees:`. */
export function parseFxFile(source: string, origin: string): FxFile {
  const doc = parseDocument(source, { schema: 'failsafe', uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new DariError('DARI_FX_CONFIG_INVALID', `${origin}: not valid YAML or JSON: ${(doc.errors[0]?.message ?? '').split('\n')[0]}`);
  }
  try {
    const top = obj(doc.toJS() ?? {}, '(top level)');
    for (const k of Object.keys(top)) if (k !== 'fx' && k !== 'fees') throw invalid(k, 'unknown key (known: fx, fees)');
    const out: FxFile = {};
    if (top['fx'] !== undefined) out.fx = parseFxSection(top['fx']);
    if (top['fees'] !== undefined) out.fees = parseFeeSection(top['fees']);
    return out;
  } catch (e) {
    if (e instanceof DariError) throw new DariError(e.code, `${origin}: ${e.message}`);
    throw e;
  }
}

/** Read and parse an FX file; a missing or unreadable file is DARI_CONFIG_NOT_FOUND. */
export function loadFxFile(file: string): FxFile {
  return parseFxFile(readConfigText(file, 'FX file'), file);
}
