/**
 * Card numbers inside QR payloads. Most merchant account data is not card data (a merchant PAN,
 * a proxy, an account id), but some schemes carry a cardholder's card number: VietQR transfers to
 * a card (service code QRIBFTTC) put it in 38.01.01. The scheme profile names such paths; they are
 * masked (first 6 and last 4 digits, PCI DSS 3.4) wherever a parsed payload is printed or logged.
 */
import { maskPan } from '../../security/masking';
import type { ParsedQr, QrFields, QrValue } from './model';

function at(fields: QrFields, path: string, template: string): QrValue | undefined {
  let v: QrValue | undefined = fields;
  for (const p of path.split('.')) {
    if (typeof v !== 'object') return undefined;
    v = v[p === '$' ? template : p];
  }
  return v;
}

/** The paths ("38.01.01") that hold a card number in this payload. */
export function cardDataPaths(qr: ParsedQr): string[] {
  const template = qr.merchantAccount?.template;
  if (!qr.scheme?.cardData || template === undefined) return [];
  const out: string[] = [];
  for (const c of qr.scheme.cardData) {
    if (c.when && at(qr.fields, c.when.path, template) !== c.when.equals) continue;
    if (typeof at(qr.fields, c.path, template) === 'string') out.push(c.path.replace('$', template));
  }
  return out;
}

function maskIn(fields: QrFields, parts: readonly string[]): QrFields {
  const [head, ...rest] = parts as [string, ...string[]];
  const v = fields[head];
  if (v === undefined) return fields;
  return { ...fields, [head]: typeof v === 'string' ? maskPan(v) : maskIn(v, rest) };
}

/** A copy with every card number masked, in `fields` and in `merchantAccount`; the input is not changed. */
export function maskCardData(qr: ParsedQr): ParsedQr {
  const paths = cardDataPaths(qr);
  if (paths.length === 0) return qr;
  let fields = qr.fields;
  const clear = new Set<string>();
  for (const p of paths) {
    clear.add(at(qr.fields, p, '') as string);
    fields = maskIn(fields, p.split('.'));
  }
  const account: Record<string, string> = {};
  for (const [k, v] of Object.entries(qr.merchantAccount ?? {})) account[k] = clear.has(v) ? maskPan(v) : v;
  return { ...qr, fields, merchantAccount: account };
}
