/**
 * Network management messages (ISO 8583:1987 message class 8) the link sends and answers itself:
 *
 *   0800 field 70 = 001  sign-on      (we send it on connect when `signOn` is set; we answer the peer's)
 *   0800 field 70 = 002  sign-off     (answered)
 *   0800 field 70 = 301  echo test    (we send it when the link is idle; we answer the peer's)
 *
 * Our requests carry field 7 (transmission date and time, MMDDhhmmss in GMT, ISO 8583:1987 DE 7),
 * field 11 (STAN, 6 digits) and field 70; the answer 0810 copies 7, 11, 70 and the key fields and
 * sets field 39: 00 for the three codes above, 12 (invalid transaction) for any other network
 * management code, e.g. a key change the link cannot act on by itself.
 */
import type { Iso8583Message } from '../codec/iso8583';
import { Enc, type CompiledDialect } from '../codec/iso8583/spec';
import { EBCDIC_TO_ASCII } from '../codec/iso8583/charsets';
import { responseMti } from './types';

export const SIGN_ON = '001';
export const SIGN_OFF = '002';
export const ECHO_TEST = '301';

/** Network management codes the link answers with 39 = 00. */
const ANSWERED_CODES: ReadonlySet<string> = new Set([SIGN_ON, SIGN_OFF, ECHO_TEST]);

/** Field 7, MMDDhhmmss in GMT. */
export function transmissionDateTime(date: Date = new Date()): string {
  const p = (n: number): string => (n < 10 ? `0${n}` : String(n));
  return p(date.getUTCMonth() + 1) + p(date.getUTCDate()) + p(date.getUTCHours()) + p(date.getUTCMinutes()) + p(date.getUTCSeconds());
}

/** STANs 000001..999999, wrapping; starts at a random point so two runs do not reuse the same ones at once. */
export class StanCounter {
  private n: number;

  constructor(start: number = 1 + Math.floor(Math.random() * 999_999)) {
    this.n = start - 1;
  }

  next(): string {
    this.n = this.n >= 999_999 ? 1 : this.n + 1;
    return String(this.n).padStart(6, '0');
  }
}

/** An 0800 with field 70 = `code`, fields 7 and 11 generated, plus `extra` (e.g. field 33). */
export function networkRequest(code: string, stan: string, extra: Readonly<Record<string, string>>): Iso8583Message {
  return { mti: '0800', fields: { ...extra, '7': transmissionDateTime(), '11': stan, '70': code } };
}

/** A network management request from the peer: 0800 (or its repeat 0801). */
export function isNetworkRequest(mti: string): boolean {
  return mti.length === 4 && mti.charCodeAt(1) === 0x38 && mti.charCodeAt(2) === 0x30 && (mti.charCodeAt(3) === 0x30 || mti.charCodeAt(3) === 0x31);
}

/** The link's own answer to a network management request. */
export function networkResponse(request: Iso8583Message, keyFields: readonly string[]): Iso8583Message {
  const fields: Record<string, string> = {};
  const src = request.fields;
  for (const n of ['7', '11', '70', ...keyFields]) {
    const v = src[n];
    if (v !== undefined) fields[n] = v;
  }
  const code = src['70'];
  fields['39'] = code !== undefined && ANSWERED_CODES.has(code) ? '00' : '12';
  return { mti: responseMti(request.mti), fields };
}

/**
 * The MTI at the start of a frame body, read as the dialect encodes it, or undefined when those
 * bytes are not an MTI. Used to report a frame the codec refused (the switch answers 39 = 30 when
 * the MTI is readable, reference note / DESIGN section 6).
 */
export function peekMti(dialect: CompiledDialect, body: Uint8Array): string | undefined {
  const o = dialect.headerLength;
  if (dialect.mtiEnc === Enc.BCD) {
    if (body.length < o + 2) return undefined;
    let s = '';
    for (let i = 0; i < 2; i++) {
      const b = body[o + i] as number;
      const hi = b >> 4;
      const lo = b & 15;
      if (hi > 9 || lo > 9) return undefined;
      s += String(hi) + String(lo);
    }
    return s;
  }
  if (body.length < o + 4) return undefined;
  let s = '';
  for (let i = 0; i < 4; i++) {
    let c = body[o + i] as number;
    if (dialect.mtiEnc === Enc.EBCDIC) c = EBCDIC_TO_ASCII[c] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}
