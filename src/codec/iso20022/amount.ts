/**
 * Amount checks, on reading and on building. The XSD (ActiveCurrencyAndAmount_SimpleType) allows
 * any decimal >= 0 with up to 5 fraction and 18 total digits; the currency's minor unit (ISO 4217)
 * is a business rule the XSD cannot express, so a schema-valid `<InstdAmt Ccy="KRW">100.5</InstdAmt>`
 * is refused here (CBPR+ and most market practices state it; pacs.002 reason AM12/CH20 otherwise).
 */
import { currencyByAlpha } from './currencies';

/** xs:decimal in ISO form: digits, optional fraction, no sign, no exponent. */
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** What is wrong with `value` as an amount in currency `ccy`, or undefined when it is valid. */
export function amountProblem(value: string, ccy: string): string | undefined {
  const currency = currencyByAlpha(ccy);
  if (currency === undefined) return `currency ${/^[A-Z]{3}$/.test(ccy) ? ccy : '(not 3 letters)'} is not an ISO 4217 currency with a minor unit`;
  const m = DECIMAL.exec(value);
  if (m === null) return "the amount is not a decimal number (digits, optional '.' and decimals)";
  const decimals = m[2]?.length ?? 0;
  if (decimals > currency.exponent) return `${decimals} decimal(s), ${ccy} allows ${currency.exponent} (ISO 4217)`;
  const significant = (m[1] as string).replace(/^0+(?=.)/, '').length + decimals;
  if (significant > 18) return 'more than 18 digits (the XSD totalDigits)';
  return undefined;
}
