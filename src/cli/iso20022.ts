/**
 * `dari iso20022 validate|decode FILE`: check an ISO 20022 message against its XSDs (and Dari's
 * business rules: currency decimals, header/Document agreement), or print its transaction summary.
 * FILE `-` reads standard input. Exit codes: 0 valid, 1 invalid (the first errors on stdout, one
 * coded line on stderr), 2 unusable input or usage (one coded line on stderr).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DariError, isDariError } from '../errors';
import { DEFAULT_LIMITS, SchemaValidator, checkMessage, parseMessage, summarize } from '../codec/iso20022';
import { dispatch, parseOptions, usage, type Io } from './io';

/** ../shared/iso20022/xsd beside the repository (compiled file: dist/src/cli/iso20022.js). */
const SHARED_XSD = join(resolve(__dirname, '..', '..', '..'), '..', 'shared', 'iso20022', 'xsd');

export const ISO20022_HELP = `Usage:
  dari iso20022 validate FILE [--xsd DIR]   XSD-validate a message (bare Document, AppHdr + Document, or envelope)
  dari iso20022 decode FILE                 print its transaction summary as JSON

  FILE   an XML file, or - for standard input (at most ${DEFAULT_LIMITS.maxBytes} bytes)
  --xsd  folder of <message>.xsd files (pacs.008.001.08.xsd, head.001.001.02.xsd, ...);
         default ../shared/iso20022/xsd beside the repository when it exists
  exit   0 valid, 1 invalid (first errors listed), 2 unusable input (not XML, unknown message, no schema)`;

/** The input bytes, bounded: one byte over the limit is enough for the gate to refuse it. */
async function readInput(file: string, io: Io): Promise<Buffer> {
  const limit = DEFAULT_LIMITS.maxBytes + 1;
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of io.stdin) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(b);
      size += b.length;
      if (size >= limit) break;
    }
    return Buffer.concat(chunks).subarray(0, limit);
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw usage(`${file} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof DariError) throw e;
    throw usage(`cannot read ${file}`);
  }
  if (size >= limit) throw new DariError('DARI_XML_TOO_LARGE', `${file} is ${size} bytes, above the maximum of ${DEFAULT_LIMITS.maxBytes}`);
  return readFileSync(file);
}

function fileArg(positionals: string[], cmd: string): string {
  const [file, extra] = positionals;
  if (file === undefined) throw usage(`${cmd} needs a FILE (or - for standard input)`);
  if (extra !== undefined) throw usage(`${cmd} takes one FILE`);
  return file;
}

async function validate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { xsd: { type: 'string' } }, true);
  const file = fileArg(positionals, 'validate');
  const dir = values.xsd ?? (existsSync(SHARED_XSD) ? SHARED_XSD : undefined);
  if (dir === undefined) throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', 'no XSD folder: give --xsd DIR');
  const input = await readInput(file, io);
  const validator = await SchemaValidator.open(dir);
  try {
    const checked = checkMessage(input); // one XML check for the XSD validation and the business rules
    const r = validator.validate(checked);
    const label = `${r.type}${r.headerType ? ` (AppHdr ${r.headerType}${r.envelope ? ', in an envelope' : ''})` : ''}`;
    if (!r.valid) {
      for (const e of r.errors) io.out(`line ${e.line} ${e.part}: ${e.message}`);
      const first = r.errors[0];
      io.err(`DARI_XML_SCHEMA_INVALID: ${label} does not validate against its XSD${first ? ` (first error: line ${first.line}, ${first.part})` : ''}`);
      return 1;
    }
    try {
      parseMessage(checked); // business rules the XSD cannot state (ISO 4217 decimals, MsgDefIdr vs namespace)
    } catch (e) {
      if (!isDariError(e)) throw e;
      io.err(`${e.code}: ${label}: ${e.message}`);
      return 1;
    }
    io.out(`OK ${label}`);
    return 0;
  } finally {
    validator.close();
  }
}

async function decode(args: string[], io: Io): Promise<number> {
  const { positionals } = parseOptions(args, {}, true);
  const input = await readInput(fileArg(positionals, 'decode'), io);
  io.out(JSON.stringify(summarize(parseMessage(input)), null, 2));
  return 0;
}

export async function iso20022Command(args: string[], io: Io): Promise<number> {
  return dispatch('iso20022', args, io, ISO20022_HELP, { validate, decode });
}
