/**
 * What the two simulators share: resolving dialect and framing options, the ISO 8583:1987 response
 * codes (and their ISO 8583:1993 action-code counterparts for dialects whose field 39 has three
 * digits), message-class helpers and date/time field formatting.
 */
import { Iso8583Codec, loadDialect, type CompiledDialect, type Iso8583Message } from '../codec/iso8583';
import { framingConfig, type FramingConfig, type FramingOptions } from '../transport/framing';

export const DEFAULT_DIALECT = 'iso87ascii';
export const DEFAULT_FRAMING: FramingOptions = { lengthHeader: 'binary2' };

/** A built-in dialect name, a dialect file path, or a compiled dialect. */
export type DialectOption = string | CompiledDialect;

export function resolveCodec(dialect: DialectOption | undefined): Iso8583Codec {
  const d = dialect === undefined ? loadDialect(DEFAULT_DIALECT) : typeof dialect === 'string' ? loadDialect(dialect) : dialect;
  return new Iso8583Codec(d);
}

export function resolveFraming(framing: FramingOptions | FramingConfig | undefined): FramingConfig {
  return framingConfig(framing ?? DEFAULT_FRAMING);
}

/**
 * The ISO 8583:1987 response codes the partner simulator recognises in the last two digits of an
 * amount: 00-44, 51-68, 75, 90-96. Anything else (e.g. 47, 70, 97, 98) is not a 1987 code.
 */
export function isIso87ResponseCode(rc: string): boolean {
  if (!/^[0-9]{2}$/.test(rc)) return false;
  const n = +rc;
  return n <= 44 || (n >= 51 && n <= 68) || n === 75 || (n >= 90 && n <= 96);
}

/** ISO 8583:1993 action codes for the 1987 response codes that have a clear counterpart. */
const ACTION_CODES_1993: Readonly<Record<string, string>> = {
  '00': '000', '01': '107', '02': '108', '03': '109', '04': '200', '05': '100', '06': '909', '07': '202',
  '12': '902', '13': '110', '14': '111', '15': '908', '30': '904', '33': '101', '41': '208', '43': '209',
  '51': '116', '54': '101', '55': '117', '57': '119', '58': '120', '61': '121', '62': '104', '65': '123',
  '68': '911', '75': '106', '91': '907', '94': '913', '96': '909',
};

/**
 * Field 39 as the dialect carries it: the 1987 two-character code as is, or for a dialect whose
 * field 39 is three characters (ISO 8583:1993 action codes) the matching action code: approvals
 * '000' (network management '800', reversals '400'), unmapped declines '100' (do not honour),
 * unmapped system errors (90-96) '909'.
 */
export function responseCodeFor(dialect: CompiledDialect, rc87: string, messageClass: string): string {
  const f = dialect.fields[39];
  if (f === undefined || f.length !== 3) return rc87;
  if (rc87 === '00') return messageClass === '8' ? '800' : messageClass === '4' ? '400' : '000';
  return ACTION_CODES_1993[rc87] ?? (rc87 >= '90' ? '909' : '100');
}

/** True when field 39 means approved / accepted (1987 '00', 1993 '000', '400', '800', ...). */
export function isApprovalCode(rc: string | undefined): boolean {
  return rc === '00' || rc === '000' || rc === '001' || rc === '400' || rc === '800';
}

/** The MTI version digit a dialect speaks: '1' (ISO 8583:1993) when field 39 is a 3-digit action code, else '0'. */
export function mtiVersionOf(dialect: CompiledDialect): string {
  return dialect.fields[39]?.length === 3 ? '1' : '0';
}

/**
 * Response MTI of a request: function digit + 1, origin digit kept without its repeat bit
 * (0200 -> 0210, 0421 -> 0430, 1804 -> 1814, 0422 -> 0432), ISO 8583:1987/1993 4th digit
 * "message origin" (0 acquirer, 2 issuer, 4 other; odd = repeat).
 */
export function answerMti(mti: string): string {
  const fn = mti.charCodeAt(2) - 0x30;
  const origin = (mti.charCodeAt(3) - 0x30) & ~1;
  return `${mti.slice(0, 2)}${fn + 1}${origin}`;
}

/** MTI class digit (2nd): '1' authorization, '2' financial, '4' reversal, '8' network management. */
export function mtiClass(mti: string): string {
  return mti.charAt(1);
}

/** MTI function digit (3rd): even = request/advice/notification, odd = its response. */
export function mtiFunction(mti: string): number {
  return mti.charCodeAt(2) - 0x30;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Field 7: transmission date and time MMDDhhmmss (UTC). */
export function transmissionDateTime(d: Date = new Date()): string {
  return `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
}

/** Local time hhmmss, or YYMMDDhhmmss when `length` is 12 (ISO 8583:1993 field 12). */
export function localTime(d: Date, length = 6): string {
  const t = `${pad2(d.getHours())}${pad2(d.getMinutes())}${pad2(d.getSeconds())}`;
  return length === 12 ? `${pad2(d.getFullYear() % 100)}${pad2(d.getMonth() + 1)}${pad2(d.getDate())}${t}` : t;
}

/** Local date MMDD. */
export function localDate(d: Date): string {
  return `${pad2(d.getMonth() + 1)}${pad2(d.getDate())}`;
}

/** Day of the year, 1..366. */
export function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - start) / 86_400_000) + 1;
}

/** A fresh random STAN, 000001..999999. */
export function randomStan(): string {
  return String(1 + Math.floor(Math.random() * 999_999)).padStart(6, '0');
}

/** A shallow copy of a message (fields object copied). */
export function copyMessage(msg: Iso8583Message): Iso8583Message {
  const out: Iso8583Message = { mti: msg.mti, fields: { ...msg.fields } };
  if (msg.header !== undefined) out.header = msg.header;
  return out;
}

/** Milliseconds between two `process.hrtime.bigint()` readings. */
export function elapsedMs(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}
