/**
 * Amounts between ISO 8583 (field 4/5/6: minor units as n12, field 49/50/51: ISO 4217 numeric) and
 * ISO 20022 (a decimal string with at most the currency's exponent of decimals, `Ccy` alphabetic).
 * Integer string arithmetic only: no float ever touches money.
 */
import { currencyByAlpha, currencyByNumeric, type Currency } from '../codec/iso20022/currencies';
import { DariError } from '../errors';
import { formatAmount } from '../fx/currencies';

export function currencyOf(code: string, field: string): Currency {
  const c = /^\d{3}$/.test(code) ? currencyByNumeric(code) : currencyByAlpha(code);
  if (!c) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: "${code.slice(0, 3)}" is not an ISO 4217 currency with a minor unit`, { field });
  return c;
}

/** `000000150000` minor units of IDR (exponent 2) -> `1500.00`; of KRW (exponent 0) -> `150000`. */
export function minorToDecimal(minor: string, currency: Currency, field = '4'): string {
  if (!/^\d{1,18}$/.test(minor)) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: an amount is 1 to 18 digits`, { field });
  return formatAmount(BigInt(minor), currency);
}

/** `1500.00` IDR -> `150000` (minor units, no padding); refuses more decimals than the currency has. */
export function decimalToMinor(value: string, currency: Currency, field = '4'): string {
  const m = /^(\d{1,18})(?:\.(\d+))?$/.exec(value);
  if (!m) throw new DariError('DARI_TRANSLATE_INVALID', `${field}: "${value.slice(0, 24)}" is not a decimal amount`, { field });
  const frac = m[2] ?? '';
  if (frac.length > currency.exponent) {
    throw new DariError('DARI_TRANSLATE_INVALID', `${field}: ${currency.alpha} has ${currency.exponent} decimal(s), the amount has ${frac.length}`, { field });
  }
  const minor = ((m[1] as string) + frac.padEnd(currency.exponent, '0')).replace(/^0+(?=\d)/, '');
  return minor;
}

/** Minor units as ISO 8583 n12. */
export function n12(minor: string, field = '4'): string {
  if (minor.length > 12) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: the amount does not fit 12 digits`, { field });
  return minor.padStart(12, '0');
}

/**
 * ISO 8583 conversion rate (fields 9, 10: n8, first digit = number of decimals, e.g. `60086500` =
 * 0.086500) as a decimal string (`0.0865`), and back (at most 7 significant digits).
 */
export function conversionRateToDecimal(rate: string, field = '10'): string {
  if (!/^\d{8}$/.test(rate)) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: a conversion rate is 8 digits`, { field });
  const places = Number(rate[0]);
  const digits = rate.slice(1);
  if (places === 0) return digits.replace(/^0+(?=\d)/, '');
  const int = digits.slice(0, 7 - places).replace(/^0+(?=\d)/, '') || '0';
  const frac = digits.slice(7 - places).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

export function decimalToConversionRate(rate: string, field = '10'): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: "${rate.slice(0, 24)}" is not a decimal rate`, { field });
  const int = (m[1] as string).replace(/^0+(?=\d)/, '');
  let frac = (m[2] ?? '').replace(/0+$/, '');
  const intDigits = int === '0' ? 0 : int.length;
  if (intDigits > 7) throw new DariError('DARI_TRANSLATE_INVALID', `field ${field}: rate ${rate} does not fit 7 digits`, { field });
  frac = frac.slice(0, Math.min(9, 7 - intDigits));
  const digits = `${int === '0' ? '' : int}${frac}`.padStart(7, '0').slice(-7);
  return `${frac.length}${digits}`;
}

/**
 * 1 / rate as a decimal string with at most `places` decimals (half up), trailing zeros dropped.
 * ISO 8583 field 10 converts the transaction amount into the billing amount (billing = amount x
 * rate); ISO 20022 XchgRate converts InstdAmt (billing) into IntrBkSttlmAmt (transaction), and
 * AgrdRate quotes the transaction currency per unit of the billing currency: both are the inverse.
 */
export function invertDecimal(rate: string, places = 10): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new DariError('DARI_TRANSLATE_INVALID', `"${rate.slice(0, 24)}" is not a decimal rate`);
  const frac = m[2] ?? '';
  const num = BigInt((m[1] as string) + frac);
  if (num === 0n) throw new DariError('DARI_TRANSLATE_INVALID', 'a conversion rate of zero has no inverse', { field: '10' });
  // 1 / (num / 10^f) = 10^f / num; scaled by 10^places, plus half a unit for rounding.
  const scaled = (10n ** BigInt(frac.length + places) * 2n + num) / (2n * num);
  const s = scaled.toString().padStart(places + 1, '0');
  const int = s.slice(0, -places);
  const dec = s.slice(-places).replace(/0+$/, '');
  return dec ? `${int}.${dec}` : int;
}

/**
 * A rate as ISO 20022 BaseOneRate (XchgRate, PreAgrdXchgRate): at most 11 digits in all and 10
 * after the point (XSD totalDigits 11, fractionDigits 10), rounded half up, trailing zeros dropped.
 */
export function baseOneRate(rate: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new DariError('DARI_TRANSLATE_INVALID', `"${rate.slice(0, 24)}" is not a decimal rate`);
  const int = (m[1] as string).replace(/^0+(?=\d)/, '');
  const frac = m[2] ?? '';
  const intDigits = int === '0' ? 0 : int.length;
  if (intDigits > 11) throw new DariError('DARI_TRANSLATE_INVALID', `rate ${rate.slice(0, 24)} has more than 11 integer digits`);
  const keep = Math.min(10, 11 - intDigits, frac.length);
  let scaled = BigInt(int + frac.slice(0, keep).padEnd(keep, '0'));
  if (frac.length > keep && (frac.charCodeAt(keep) - 48) >= 5) scaled += 1n;
  const s = scaled.toString().padStart(keep + 1, '0');
  if (keep === 0) return s;
  const dec = s.slice(-keep).replace(/0+$/, '');
  return dec ? `${s.slice(0, -keep)}.${dec}` : s.slice(0, -keep);
}
