/**
 * Currencies for FX and fees, on the ISO 4217 table the ISO 20022 codec keeps
 * (src/codec/iso20022/currencies.ts: alphabetic code, numeric code, minor unit).
 *
 * Amounts are integers of minor units everywhere in Dari (bigint in FX and fee math, decimal
 * strings on the wire): 150000.00 IDR is 15000000 minor units (exponent 2), 12975 KRW is 12975
 * (exponent 0). ISO 4217 gives IDR an exponent of 2 although rupiah cents are not used in
 * practice, and KRW, VND and JPY an exponent of 0.
 */
import { currencyByAlpha, currencyByNumeric, type Currency } from '../codec/iso20022/currencies';
import { DariError } from '../errors';

export type { Currency } from '../codec/iso20022/currencies';

/**
 * The currency with this alphabetic ("KRW") or numeric ("410", as ISO 8583 field 49 carries it)
 * code. Throws DARI_FX_CURRENCY_UNKNOWN for any other code.
 */
export function currency(code: string): Currency {
  const c = currencyByAlpha(code) ?? currencyByNumeric(code);
  if (!c) {
    const shown = /^[A-Za-z0-9]{1,3}$/.test(code) ? `"${code}"` : 'a value that is not a currency code';
    throw new DariError('DARI_FX_CURRENCY_UNKNOWN', `currency ${shown} is not an ISO 4217 code with a minor unit (alphabetic "KRW" or numeric "410")`);
  }
  return c;
}

/**
 * The largest amount Dari handles, in minor units (14 digits). ISO 8583 amounts are n12, so every
 * amount a message can carry fits, with room for conversions into currencies of a smaller unit; and
 * amount x 10000 (a basis-point product) stays below 2^63, which the journal's SQL relies on.
 */
export const MAX_MINOR = 99_999_999_999_999n;

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * "150000.00" in `cur` as minor units (15000000n for IDR). Fewer decimals than the exponent are
 * padded ("150000" IDR = 15000000n); more are refused (DARI_FX_AMOUNT_INVALID), never rounded, as
 * are signs, exponents, separators and amounts above MAX_MINOR.
 */
export function parseAmount(text: string, cur: Currency): bigint {
  const m = DECIMAL.exec(text);
  if (!m) throw new DariError('DARI_FX_AMOUNT_INVALID', `amount "${text.slice(0, 24)}" is not a decimal number of ${cur.alpha} (digits, optionally "." and up to ${cur.exponent} decimals)`);
  const frac = m[2] ?? '';
  if (frac.length > cur.exponent) {
    throw new DariError('DARI_FX_AMOUNT_INVALID', `amount "${text}" has ${frac.length} decimals; ${cur.alpha} has ${cur.exponent} (ISO 4217 minor unit)`);
  }
  const minor = BigInt(m[1]! + frac.padEnd(cur.exponent, '0'));
  if (minor > MAX_MINOR) throw new DariError('DARI_FX_AMOUNT_INVALID', `amount "${text}" ${cur.alpha} is above the largest amount Dari handles (${formatAmount(MAX_MINOR, cur)})`);
  return minor;
}

/** Minor units as a decimal in major units with exactly the currency's decimals: 15000000n IDR -> "150000.00". */
export function formatAmount(minor: bigint, cur: Currency): string {
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString().padStart(cur.exponent + 1, '0');
  if (cur.exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -cur.exponent)}.${digits.slice(-cur.exponent)}`;
}
