/**
 * `dari qr parse|build`: EMV merchant-presented QR payloads in, a JSON verdict out, and back.
 * One payload (or one JSON object) per line. Card numbers a scheme carries (VietQR transfers to a
 * card) are masked unless --unmasked.
 */
import { DariError, isDariError } from '../errors';
import { buildQr, inspectQr, maskCardData, type ParsedQr, type QrFields } from '../codec/emvqr';
import { inputLines, dispatch, parseOptions, type Io } from './io';

export const QR_HELP = `Usage:
  dari qr parse [--unmasked]   QR payloads on stdin (one per line) -> one JSON verdict per line
  dari qr build                JSON on stdin ({"fields": {...}} as parse prints it) -> payloads with their CRC

  parse prints {"valid": true, "scheme": "QRIS"|null, "country", "currency", "amount", "merchantName",
  "merchantCity", "initiation": "static"|"dynamic", "merchantAccount": {...}, "fields": {...}} and exits 0,
  or {"valid": false, "reason": "DARI_QR_...", "message", "layer": 1-4, "field"?, "offset"?} and exits 1.
  --unmasked  print card numbers in clear (VietQR QRIBFTTC beneficiary cards)`;

/** JSON of data objects with ids in payload order (a plain object would list "26" before "00"). */
function fieldsJson(fields: QrFields): string {
  const parts: string[] = [];
  for (const id of Object.keys(fields).sort()) {
    const v = fields[id] as QrFields[string];
    parts.push(`${JSON.stringify(id)}:${typeof v === 'string' ? JSON.stringify(v) : fieldsJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The printed form of a valid payload. */
function presentQr(qr: ParsedQr): string {
  const head = JSON.stringify({
    valid: true,
    scheme: qr.scheme?.id ?? null,
    country: qr.country,
    currency: qr.currency,
    amount: qr.amount,
    merchantName: qr.merchantName,
    merchantCity: qr.merchantCity,
    initiation: qr.initiation,
    mcc: qr.mcc,
    merchantAccount: qr.merchantAccount,
  });
  return `${head.slice(0, -1)},"fields":${fieldsJson(qr.fields)}}`;
}

async function parse(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { unmasked: { type: 'boolean' } });
  let invalid = 0;
  for await (const { text } of inputLines(io.stdin)) {
    const verdict = inspectQr(text);
    if (verdict.valid) {
      const { valid: _, ...qr } = verdict;
      io.out(presentQr(values.unmasked ? qr : maskCardData(qr)));
    } else {
      invalid++;
      io.out(JSON.stringify(verdict));
    }
  }
  return invalid > 0 ? 1 : 0;
}

async function build(args: string[], io: Io): Promise<number> {
  parseOptions(args, {});
  let failed = 0;
  for await (const { no, text } of inputLines(io.stdin)) {
    try {
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (e) {
        throw new DariError('DARI_CLI_INPUT', `line ${no}: not JSON (${(e as Error).message})`);
      }
      io.out(buildQr(input as { fields: QrFields }));
    } catch (e) {
      if (!isDariError(e)) throw e;
      failed++;
      io.err(`${e.code}: line ${no}: ${e.message.replace(/^line \d+: /, '')}`);
    }
  }
  return failed > 0 ? 2 : 0;
}

export async function qrCommand(args: string[], io: Io): Promise<number> {
  return dispatch('qr', args, io, QR_HELP, { parse, build });
}
