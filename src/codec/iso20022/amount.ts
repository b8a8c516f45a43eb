/**
 * Amount checks, on reading and on building. The XSD (ActiveCurrencyAndAmount_SimpleType) allows
 * any decimal >= 0 with up to 5 fraction and 18 total digits; the currency's minor unit (ISO 4217)
 * is a business rule the XSD cannot express, so a schema-valid `<InstdAmt Ccy="KRW">100.5</InstdAmt>`
 * is refused here (CBPR+ and most market practices state it; pacs.002 reason AM12/CH20 otherwise).
 */
import { DariError } from '../../errors';
import { currencyByAlpha } from './currencies';

/** xs:decimal in ISO form: digits, optional fraction, no sign, no exponent. */
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Throws DARI_XML_AMOUNT_INVALID unless `value` is a valid amount in currency `ccy`. `path` names the element. */
export function checkAmount(value: string, ccy: string, path: string): void {
  const currency = currencyByAlpha(ccy);
  if (currency === undefined) {
    throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: currency ${/^[A-Z]{3}$/.test(ccy) ? ccy : '(not 3 letters)'} is not an ISO 4217 currency with a minor unit`, { field: path });
  }
  const m = DECIMAL.exec(value);
  if (m === null) throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: the amount is not a decimal number (digits, optional '.' and decimals)`, { field: path });
  const decimals = m[2]?.length ?? 0;
  if (decimals > currency.exponent) {
    throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: ${decimals} decimal(s), ${ccy} allows ${currency.exponent} (ISO 4217)`, { field: path });
  }
  const significant = (m[1] as string).replace(/^0+(?=.)/, '').length + decimals;
  if (significant > 18) throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: more than 18 digits (the XSD totalDigits)`, { field: path });
}
