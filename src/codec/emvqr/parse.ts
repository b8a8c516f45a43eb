/**
 * Parse and validate an EMV merchant-presented QR payload, in four layers, each failure a coded
 * DariError (DARI_QR_*):
 *   1. CRC: the payload ends with 6304 and four hex digits, and they match the CRC of everything
 *      before them (UTF-8 bytes). Hex digits are accepted in either case on read (the spec's
 *      example is uppercase but nothing in it forbids lowercase; AbrahamOsmondE/emvqr-parser, for
 *      one, compares case-insensitively) and always written uppercase.
 *   2. Structure: data objects with two-digit ids and lengths in characters, no value running past
 *      its template, no id twice at one level, the CRC object last. Lengths counted in UTF-8 bytes
 *      fail here (or, if the CRC was computed over a re-encoded payload, in layer 1).
 *   3. EMVCo: mandatory ids and their formats (validate.ts), with the allowances of the scheme.
 *   4. The recognised scheme's own rules (schemes.ts).
 * Order is free except 00 first and 63 last (PromptPay writes 58 before 53, the EMVCo sample 64
 * before 54): data objects are looked up by id, never by position.
 */
import { DariError, isDariError } from '../../errors';
import { crc16Utf8 } from './crc';
import type { ParsedQr, QrFields, SchemeProfile } from './model';
import { findScheme, type SchemeFound } from './schemes';
import { compilePath, ID, Nesting, nodeGet, readLevel, toFields, valueAt, type QrNode } from './tlv';
import { validateEmv, validateScheme } from './validate';

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Layer 1. Returns whether the payload holds non-ASCII characters. */
function checkCrc(s: string): boolean {
  const n = s.length;
  let given = -1;
  if (n >= 8 && s.charCodeAt(n - 8) === 54 && s.charCodeAt(n - 7) === 51 && s.charCodeAt(n - 6) === 48 && s.charCodeAt(n - 5) === 52) {
    const a = hexValue(s.charCodeAt(n - 4));
    const b = hexValue(s.charCodeAt(n - 3));
    const c = hexValue(s.charCodeAt(n - 2));
    const d = hexValue(s.charCodeAt(n - 1));
    if ((a | b | c | d) >= 0) given = (a << 12) | (b << 8) | (c << 4) | d;
  }
  if (given < 0) {
    throw new DariError('DARI_QR_CRC_MISSING', 'the payload does not end with the CRC data object (6304 and 4 hex digits)', { field: '63' });
  }
  const crc = crc16Utf8(s, n - 4);
  if ((crc & 0xffff) !== given) {
    throw new DariError('DARI_QR_CRC_MISMATCH', 'the CRC (63) does not match the payload: it is damaged, or was edited after the CRC was computed', { field: '63' });
  }
  return crc > 0xffff;
}

/** Layer 2: every data object, templates read as such; the CRC object must come last. */
function readPayload(s: string, wide: boolean): QrNode {
  const top = readLevel(s, 0, s.length, wide, '', Nesting.Payload);
  const last = top[top.length - 2] as number;
  if (last !== 63) {
    throw new DariError('DARI_QR_CRC_MISSING', `the CRC data object (63) is not the last data object: the final "6304" lies inside the value of data object ${ID[last]}`, { field: ID[last] });
  }
  return top;
}

/** The sub-objects a scheme declares as templates ("$.01" in VietQR's 38), read as such. */
function readNested(top: QrNode, scheme: SchemeProfile, template: number, wide: boolean): void {
  if (!scheme.nested) return;
  for (const path of scheme.nested) {
    const dot = path.lastIndexOf('.');
    const parent = valueAt(top, compilePath(path.slice(0, dot)), template);
    if (typeof parent !== 'object') continue;
    const id = Number(path.slice(dot + 1));
    let k = 0;
    while (k < parent.length && parent[k] !== id) k += 2;
    const v = parent[k + 1];
    if (typeof v !== 'string') continue;
    const at = `${ID[template]}${path.slice(1)}`;
    try {
      parent[k + 1] = readLevel(v, 0, v.length, wide, at, Nesting.None);
    } catch (e) {
      if (!isDariError(e)) throw e;
      throw new DariError(e.code, `${scheme.id} carries data objects in ${at}: ${e.message} (character offsets within ${at})`, { field: e.field ?? at });
    }
  }
}

function summary(top: QrNode, found: SchemeFound | null): Record<string, string> | null {
  if (found) {
    const out: Record<string, string> = { template: ID[found.template] as string };
    for (const a of found.account) {
      const v = valueAt(top, a.at, found.template);
      if (typeof v === 'string') out[a.name] = v;
    }
    return out;
  }
  for (let i = 0; i < top.length; i += 2) {
    const n = top[i] as number;
    if (n < 2 || n > 51) continue;
    const v = top[i + 1] as string | QrNode;
    const template = ID[n] as string;
    if (typeof v === 'string') return { template, value: v };
    const guid = nodeGet(v, 0);
    return typeof guid === 'string' ? { template, guid } : { template };
  }
  return null;
}

function str(top: QrNode, id: number): string | null {
  const v = nodeGet(top, id);
  return typeof v === 'string' ? v : null;
}

/**
 * A valid payload. `fields` (an object per template) is made from the parsed data objects the first
 * time it is read: routing needs the summary, not the object, and building it costs more than the
 * parse. It is a getter, so spreading a ParsedQr does not copy it; JSON.stringify does (toJSON).
 */
class Parsed implements ParsedQr {
  readonly #top: QrNode;
  #fields: QrFields | undefined;

  constructor(
    top: QrNode,
    readonly initiation: 'static' | 'dynamic' | null,
    readonly mcc: string | null,
    readonly currency: string,
    readonly amount: string | null,
    readonly country: string,
    readonly merchantName: string | null,
    readonly merchantCity: string | null,
    readonly scheme: SchemeProfile | null,
    readonly merchantAccount: Readonly<Record<string, string>> | null,
  ) {
    this.#top = top;
  }

  get fields(): QrFields {
    return (this.#fields ??= toFields(this.#top));
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), fields: this.fields };
  }
}

/** Parse and validate a payload; throws a DariError with a DARI_QR_* code when it is not valid. */
export function parseQr(payload: string): ParsedQr {
  const wide = checkCrc(payload);
  const top = readPayload(payload, wide);
  const found = findScheme(top);
  if (found) readNested(top, found.scheme, found.template, wide);
  validateEmv(top, found?.scheme ?? null, wide);
  if (found) validateScheme(top, found, wide);
  const poi = str(top, 1);
  return new Parsed(
    top,
    poi === '11' ? 'static' : poi === '12' ? 'dynamic' : null,
    str(top, 52),
    str(top, 53) as string,
    str(top, 54),
    str(top, 58) as string,
    str(top, 59),
    str(top, 60),
    found?.scheme ?? null,
    summary(top, found),
  );
}

/** Which validation layer a DARI_QR_* code belongs to. */
const LAYER: Readonly<Record<string, 1 | 2 | 3 | 4>> = {
  DARI_QR_CRC_MISSING: 1, DARI_QR_CRC_MISMATCH: 1,
  DARI_QR_TRUNCATED: 2, DARI_QR_TLV_INVALID: 2, DARI_QR_DUPLICATE_ID: 2,
  DARI_QR_SCHEME_RULE: 4,
};

export type QrVerdict =
  | ({ valid: true } & ParsedQr)
  | { valid: false; reason: string; message: string; layer: 1 | 2 | 3 | 4; field?: string; offset?: number };

/** parseQr as a verdict: the parsed payload, or the reason it is not valid. Never throws for bad input. */
export function inspectQr(payload: string): QrVerdict {
  try {
    const qr = parseQr(payload);
    return { valid: true, ...qr, fields: qr.fields };
  } catch (e) {
    if (!isDariError(e) || !e.code.startsWith('DARI_QR_')) throw e;
    const out: QrVerdict = { valid: false, reason: e.code, message: e.message, layer: LAYER[e.code] ?? 3 };
    if (e.field !== undefined) out.field = String(e.field);
    if (e.offset !== undefined) out.offset = e.offset;
    return out;
  }
}
