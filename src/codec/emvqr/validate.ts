/**
 * Validation layers 3 (EMVCo mandatory data objects and their values, EMV QRCPS MPM 4.x and 5.x)
 * and 4 (the recognised scheme's own rules, src/codec/emvqr/schemes.ts). Layers 1 (CRC) and 2
 * (data object structure) run in parse.ts before these. Every check is a char loop; nothing here
 * allocates unless it throws.
 */
import { DariError, type ErrorCode } from '../../errors';
import { currencyExponent, isCountryCode } from './iso-codes';
import type { FieldRule, SchemeProfile } from './model';
import type { CompiledRule, SchemeFound } from './schemes';
import { charOffset, ID, nodeGet, nodeString, valueAt, type QrNode } from './tlv';

function fail(code: ErrorCode, field: string, message: string): never {
  throw new DariError(code, message, { field });
}

/** Length in characters (code points); `wide` false means the payload is ASCII. */
export function charLength(v: string, wide: boolean): number {
  return charOffset(v, v.length, wide);
}

function isDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}


/**
 * An amount (54, 56; EMV QRCPS MPM 4.7.x): at most 13 characters, digits with at most one "." as
 * decimal mark and a digit before it, and no more decimals than the currency has minor units.
 * "100." is accepted (the mark may be written without decimals); ".5" is not.
 */
function checkAmount(v: string, exponent: number, id: string): void {
  if (v.length > 13) fail('DARI_QR_AMOUNT_INVALID', id, `data object ${id} (amount) is ${v.length} characters; at most 13`);
  let dot = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 && dot < 0 && i > 0) dot = i;
    else if (c < 48 || c > 57) fail('DARI_QR_AMOUNT_INVALID', id, `data object ${id} (amount) is not digits with at most one "." after a digit (character ${i + 1})`);
  }
  if (v.length === 0) fail('DARI_QR_AMOUNT_INVALID', id, `data object ${id} (amount) is empty`);
  if (dot >= 0 && v.length - dot - 1 > exponent) {
    fail('DARI_QR_AMOUNT_INVALID', id, `data object ${id} (amount) has ${v.length - dot - 1} decimals; the currency has ${exponent}`);
  }
}

/** 57 (convenience fee percentage): at most 5 characters, a decimal between 00.01 and 99.99. */
function checkPercentage(v: string): void {
  let dot = -1;
  let ok = v.length > 0 && v.length <= 5;
  for (let i = 0; ok && i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 && dot < 0) dot = i;
    else if (c < 48 || c > 57) ok = false;
  }
  const intDigits = dot < 0 ? v.length : dot;
  const value = ok ? Number(v) : NaN;
  if (!ok || intDigits > 2 || (dot >= 0 && v.length - dot - 1 > 2) || !(value >= 0.01 && value <= 99.99)) {
    fail('DARI_QR_AMOUNT_INVALID', '57', 'data object 57 (convenience fee percentage) is not a percentage between 00.01 and 99.99');
  }
}

function maxChars(v: string, max: number, id: string, what: string, wide: boolean): void {
  const n = charLength(v, wide);
  if (n > max) fail('DARI_QR_FIELD_INVALID', id, `data object ${id} (${what}) is ${n} characters; at most ${max}`);
}

/**
 * Layer 3: the EMVCo mandatory data objects and the formats of the values Dari reads. A recognised scheme may allow another payload format
 * indicator (DuitNow's "02") and leave out 52, 59 and 60 (PromptPay, VietQR transfers).
 */
export function validateEmv(top: QrNode, scheme: SchemeProfile | null, wide: boolean): void {
  // 00 Payload Format Indicator: mandatory, first, "01".
  const pfi = nodeString(top, 0);
  if (pfi === undefined) fail('DARI_QR_MANDATORY_MISSING', '00', 'data object 00 (payload format indicator) is missing');
  if (top[0] !== 0) fail('DARI_QR_ORDER_INVALID', '00', `data object 00 (payload format indicator) is not first: the payload starts with ${ID[top[0] as number]}`);
  if (pfi !== '01' && !(scheme?.formatIndicators?.includes(pfi) ?? false)) {
    fail('DARI_QR_PFI_INVALID', '00', `data object 00 (payload format indicator) is not "01"${scheme ? ` (${scheme.id} allows ${['01', ...(scheme.formatIndicators ?? [])].join(', ')})` : ''}`);
  }

  // 01 Point of Initiation Method: optional; "11" static or "12" dynamic.
  const poi = nodeString(top, 1);
  if (poi !== undefined && poi !== '11' && poi !== '12') {
    fail('DARI_QR_POI_INVALID', '01', 'data object 01 (point of initiation) is neither "11" (static) nor "12" (dynamic)');
  }

  // 02-51 Merchant Account Information: at least one; templates 26-51 start with a GUID (00, <= 32).
  let accounts = 0;
  for (let i = 0; i < top.length; i += 2) {
    const n = top[i] as number;
    if (n < 2 || n > 51) continue;
    accounts++;
    const v = top[i + 1];
    if (typeof v === 'object') {
      const id = ID[n] as string;
      const guid = nodeString(v, 0);
      if (guid === undefined) fail('DARI_QR_MANDATORY_MISSING', `${id}.00`, `merchant account template ${id} has no globally unique identifier (${id}.00)`);
      maxChars(guid, 32, `${id}.00`, 'globally unique identifier', wide);
    }
  }
  if (accounts === 0) fail('DARI_QR_MANDATORY_MISSING', '02-51', 'no merchant account information (data objects 02-51)');

  const optional = scheme?.optional;
  const mcc = nodeString(top, 52);
  if (mcc === undefined) {
    if (!optional?.includes('52')) fail('DARI_QR_MANDATORY_MISSING', '52', 'data object 52 (merchant category code) is missing');
  } else if (mcc.length !== 4 || !isDigits(mcc)) {
    fail('DARI_QR_FIELD_INVALID', '52', 'data object 52 (merchant category code) is not 4 digits');
  }

  const currency = nodeString(top, 53);
  if (currency === undefined) fail('DARI_QR_MANDATORY_MISSING', '53', 'data object 53 (transaction currency) is missing');
  const exponent = currency.length === 3 ? currencyExponent(currency) : undefined;
  if (exponent === undefined) fail('DARI_QR_FIELD_INVALID', '53', 'data object 53 (transaction currency) is not an ISO 4217 numeric currency code');

  const amount = nodeString(top, 54);
  if (amount !== undefined) checkAmount(amount, exponent, '54');

  // 55 Tip or Convenience Indicator: 01 payer keys a tip, 02 fixed fee in 56, 03 percentage in 57.
  const tip = nodeString(top, 55);
  const fixed = nodeString(top, 56);
  const percent = nodeString(top, 57);
  if (tip !== undefined && tip !== '01' && tip !== '02' && tip !== '03') {
    fail('DARI_QR_TIP_INVALID', '55', 'data object 55 (tip or convenience indicator) is not 01, 02 or 03');
  }
  if ((tip === '02') !== (fixed !== undefined)) {
    fail('DARI_QR_TIP_INVALID', '56', tip === '02' ? 'data object 55 is 02 (fixed convenience fee) but 56 is missing' : 'data object 56 (fixed convenience fee) is present but 55 is not 02');
  }
  if ((tip === '03') !== (percent !== undefined)) {
    fail('DARI_QR_TIP_INVALID', '57', tip === '03' ? 'data object 55 is 03 (percentage convenience fee) but 57 is missing' : 'data object 57 (percentage convenience fee) is present but 55 is not 03');
  }
  if (fixed !== undefined) checkAmount(fixed, exponent, '56');
  if (percent !== undefined) checkPercentage(percent);

  const country = nodeString(top, 58);
  if (country === undefined) fail('DARI_QR_MANDATORY_MISSING', '58', 'data object 58 (country code) is missing');
  if (!isCountryCode(country)) fail('DARI_QR_FIELD_INVALID', '58', 'data object 58 (country code) is not an ISO 3166-1 alpha-2 code');

  const name = nodeString(top, 59);
  if (name === undefined) {
    if (!optional?.includes('59')) fail('DARI_QR_MANDATORY_MISSING', '59', 'data object 59 (merchant name) is missing');
  } else maxChars(name, 25, '59', 'merchant name', wide);
  const city = nodeString(top, 60);
  if (city === undefined) {
    if (!optional?.includes('60')) fail('DARI_QR_MANDATORY_MISSING', '60', 'data object 60 (merchant city) is missing');
  } else maxChars(city, 15, '60', 'merchant city', wide);
  const postal = nodeString(top, 61);
  if (postal !== undefined) maxChars(postal, 10, '61', 'postal code', wide);

  const extra = nodeGet(top, 62);
  if (typeof extra === 'object') checkAdditionalData(extra, wide);
  const lang = nodeGet(top, 64);
  if (typeof lang === 'object') checkLanguageTemplate(lang, wide);
}

const ADDITIONAL_NAMES: readonly string[] = [
  '', 'bill number', 'mobile number', 'store label', 'loyalty number',
  'reference label', 'customer label', 'terminal label', 'purpose of transaction',
];

/** 62 Additional Data Field Template (EMV QRCPS MPM 4.8): 01-08 <= 25, 09 A/M/E, 10 <= 20, 11 three characters. */
function checkAdditionalData(t: QrNode, wide: boolean): void {
  for (let i = 0; i < t.length; i += 2) {
    const n = t[i] as number;
    const v = t[i + 1];
    if (n >= 1 && n <= 8 && typeof v === 'string') maxChars(v, 25, `62.${ID[n]}`, ADDITIONAL_NAMES[n] as string, wide);
  }
  const request = nodeString(t, 9);
  if (request !== undefined) {
    let seen = 0;
    for (let i = 0; i < request.length; i++) {
      const bit = request[i] === 'A' ? 1 : request[i] === 'M' ? 2 : request[i] === 'E' ? 4 : 8;
      if (bit === 8 || seen & bit) fail('DARI_QR_FIELD_INVALID', '62.09', 'data object 62.09 (additional consumer data request) is not a set of A, M, E');
      seen |= bit;
    }
  }
  const tax = nodeString(t, 10);
  if (tax !== undefined) maxChars(tax, 20, '62.10', 'merchant tax id', wide);
  const channel = nodeString(t, 11);
  if (channel !== undefined && charLength(channel, wide) !== 3) fail('DARI_QR_FIELD_INVALID', '62.11', 'data object 62.11 (merchant channel) is not 3 characters');
}

/** 64 Merchant Information - Language Template (EMV QRCPS MPM 4.9): 00 language (2), 01 name (<= 25) mandatory, 02 city (<= 15). */
function checkLanguageTemplate(t: QrNode, wide: boolean): void {
  const lang = nodeString(t, 0);
  if (lang === undefined) fail('DARI_QR_MANDATORY_MISSING', '64.00', 'data object 64.00 (language preference) is missing');
  if (lang.length !== 2 || !isLetter(lang.charCodeAt(0)) || !isLetter(lang.charCodeAt(1))) {
    fail('DARI_QR_FIELD_INVALID', '64.00', 'data object 64.00 (language preference) is not a two-letter ISO 639 code');
  }
  const name = nodeString(t, 1);
  if (name === undefined) fail('DARI_QR_MANDATORY_MISSING', '64.01', 'data object 64.01 (merchant name, alternate language) is missing');
  maxChars(name, 25, '64.01', 'merchant name, alternate language', wide);
  const city = nodeString(t, 2);
  if (city !== undefined) maxChars(city, 15, '64.02', 'merchant city, alternate language', wide);
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The path with "$" resolved, for messages. */
function resolvePath(path: string, template: number): string {
  return path.charCodeAt(0) === 36 ? (ID[template] as string) + path.slice(1) : path;
}

/** Whether the value at the rule's path satisfies it. */
function holds(rule: FieldRule, v: string | QrNode | undefined, wide: boolean): boolean {
  if (v === undefined) return rule.required !== true;
  if (typeof v !== 'string') return !(rule.oneOf || rule.digits || rule.length || rule.prefix !== undefined);
  if (rule.oneOf && !rule.oneOf.includes(v)) return false;
  if (rule.length) {
    const n = charLength(v, wide);
    if (n < rule.length[0] || n > rule.length[1]) return false;
  }
  let body = v;
  if (rule.prefix !== undefined) {
    if (!v.startsWith(rule.prefix)) return false;
    body = v.slice(rule.prefix.length);
  }
  return !rule.digits || (isDigits(body) && body.length >= rule.digits[0] && body.length <= rule.digits[1]);
}

function checkRule(top: QrNode, rule: CompiledRule, template: number, scheme: SchemeProfile, wide: boolean): void {
  if (!holds(rule, valueAt(top, rule.at, template), wide)) {
    const at = resolvePath(rule.path, template);
    fail('DARI_QR_SCHEME_RULE', at, `${scheme.id}: ${rule.why} (data object ${at})`);
  }
}

/** Layer 4: the scheme's country, currency and rules. */
export function validateScheme(top: QrNode, found: SchemeFound, wide: boolean): void {
  const { scheme, template } = found;
  if (nodeString(top, 58) !== scheme.country) {
    fail('DARI_QR_SCHEME_RULE', '58', `${scheme.id}: the country code (58) must be ${scheme.country}`);
  }
  if (!scheme.currencies.includes(nodeString(top, 53) as string)) {
    fail('DARI_QR_SCHEME_RULE', '53', `${scheme.id}: the transaction currency (53) must be ${scheme.currencies.join(' or ')}`);
  }
  for (const r of found.rules) checkRule(top, r, template, scheme, wide);
}
