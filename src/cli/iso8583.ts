/**
 * `dari iso8583 decode|encode|specs`: hex dumps in, JSON out and back, one message per line.
 * Card data (PAN, tracks, PIN block, expiry, card data tags in field 55) is masked unless --unmasked.
 */
import { DariError, isDariError } from '../errors';
import { BUILTIN_DIALECTS, Iso8583Codec, builtinDialect, decodeTlv, loadDialect, splitSubfields, type Iso8583Message } from '../codec/iso8583';
import { maskField, maskTlvHex, maskTlvItems } from '../security/masking';
import { inputLines, dispatch, parseOptions, usage, type Io } from './io';

export const ISO8583_HELP = `Usage:
  dari iso8583 decode --spec NAME|FILE [--frame KIND] [--unmasked] [--tlv]   hex dumps on stdin -> JSON lines
  dari iso8583 encode --spec NAME|FILE [--frame KIND]                        JSON lines on stdin -> hex dumps
  dari iso8583 specs [--show NAME]                                           list built-in dialects (or print one as JSON)

  --spec      a built-in dialect (${BUILTIN_DIALECTS.join(', ')}) or a dialect JSON file
  --frame     the dump includes a length header: ${'FRAME_KINDS'}
  --unmasked  print card data in clear (PAN, tracks, PIN block, expiry, field 55 card tags)
  --tlv       add the decoded tag list of TLV fields (field 55) and the subfields of composite fields`;

function hexLine(text: string, lineNo: number): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(compact)) {
    throw new DariError('DARI_CLI_INPUT', `line ${lineNo}: not a hex dump (need an even number of hex digits; spaces allowed)`);
  }
  return Buffer.from(compact, 'hex');
}

/** The printed form of a decoded message. */
export function presentMessage(codec: Iso8583Codec, m: Iso8583Message, unmasked: boolean, detail: boolean): Record<string, unknown> {
  const fields: Record<string, string> = {};
  for (const k in m.fields) {
    const v = m.fields[k] as string;
    const f = codec.dialect.fields[+k];
    fields[k] = unmasked ? v : f?.tlv ? maskTlvHex(v) : maskField(+k, v);
  }
  const out: Record<string, unknown> = { mti: m.mti };
  if (m.header !== undefined) out.header = m.header;
  out.fields = fields;
  if (detail) {
    const tlv: Record<string, unknown> = {};
    const sub: Record<string, unknown> = {};
    for (const k in fields) {
      const f = codec.dialect.fields[+k];
      if (f?.tlv) {
        const items = decodeTlv(m.fields[k] as string, +k);
        tlv[k] = unmasked ? items : maskTlvItems(items);
      }
      if (f?.subfields) sub[k] = splitSubfields(f, fields[k] as string);
    }
    if (Object.keys(tlv).length > 0) out.tlv = tlv;
    if (Object.keys(sub).length > 0) out.subfields = sub;
  }
  return out;
}

async function decode(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    spec: { type: 'string' }, frame: { type: 'string' }, unmasked: { type: 'boolean' }, tlv: { type: 'boolean' },
  });
  if (!values.spec) throw usage('decode needs --spec NAME|FILE');
  const codec = new Iso8583Codec(loadDialect(values.spec));
  const unframe = values.frame ? frameStripper(values.frame) : null;
  let failed = 0;
  for await (const { no, text } of inputLines(io.stdin)) {
    try {
      let bytes = hexLine(text, no);
      if (unframe) bytes = unframe(bytes, no);
      const m = codec.unpack(bytes);
      io.out(JSON.stringify(presentMessage(codec, m, values.unmasked === true, values.tlv === true)));
    } catch (e) {
      if (!isDariError(e)) throw e;
      failed++;
      io.err(`${e.code}: line ${no}: ${e.message.replace(/^line \d+: /, '')}${e.offset !== undefined && !/offset/.test(e.message) ? ` (byte offset ${e.offset})` : ''}`);
    }
  }
  return failed > 0 ? 2 : 0;
}

async function encode(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { spec: { type: 'string' }, frame: { type: 'string' } });
  if (!values.spec) throw usage('encode needs --spec NAME|FILE');
  const codec = new Iso8583Codec(loadDialect(values.spec));
  const frame = values.frame ? frameAdder(values.frame) : null;
  let failed = 0;
  for await (const { no, text } of inputLines(io.stdin)) {
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new DariError('DARI_CLI_INPUT', `line ${no}: not JSON (${(e as Error).message})`);
      }
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Iso8583Message).mti !== 'string') {
        throw new DariError('DARI_CODEC_VALUE_INVALID', `line ${no}: expected {"mti": "0200", "fields": {"2": "..."}}`);
      }
      let bytes = codec.pack(parsed as Iso8583Message);
      if (frame) bytes = frame(bytes);
      io.out(bytes.toString('hex').toUpperCase());
    } catch (e) {
      if (!isDariError(e)) throw e;
      failed++;
      io.err(`${e.code}: line ${no}: ${e.message.replace(/^line \d+: /, '')}`);
    }
  }
  return failed > 0 ? 2 : 0;
}

function specs(args: string[], io: Io): number {
  const { values } = parseOptions(args, { show: { type: 'string' } });
  if (values.show !== undefined) {
    io.out(JSON.stringify(loadDialect(values.show).json, null, 2));
    return 0;
  }
  for (const name of BUILTIN_DIALECTS) io.out(`${name.padEnd(12)} ${builtinDialect(name).description}`);
  return 0;
}

// Framing for --frame: filled in from the transport layer.
let frameStripper: (kind: string) => (bytes: Buffer, line: number) => Buffer = (kind) => {
  throw usage(`unknown --frame ${kind}`);
};
let frameAdder: (kind: string) => (bytes: Buffer) => Buffer = (kind) => {
  throw usage(`unknown --frame ${kind}`);
};
export function setFraming(strip: typeof frameStripper, add: typeof frameAdder): void {
  frameStripper = strip;
  frameAdder = add;
}

export async function iso8583Command(args: string[], io: Io): Promise<number> {
  return dispatch('iso8583', args, io, ISO8583_HELP, { decode, encode, specs });
}
