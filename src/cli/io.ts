/** Small I/O helpers shared by the `dari` subcommands. */
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DariError } from '../errors';

export interface Io {
  stdin: NodeJS.ReadableStream;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo = (): Io => ({
  stdin: process.stdin,
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});

/** Non-empty input lines, trimmed. */
export async function* inputLines(stdin: NodeJS.ReadableStream): AsyncGenerator<{ no: number; text: string }> {
  const rl = createInterface({ input: stdin, crlfDelay: Infinity });
  let no = 0;
  for await (const raw of rl) {
    no++;
    const text = raw.trim();
    if (text !== '') yield { no, text };
  }
}

/** node:util parseArgs, with its errors turned into DARI_CLI_USAGE. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new DariError('DARI_CLI_USAGE', (e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function usage(message: string): DariError {
  return new DariError('DARI_CLI_USAGE', message);
}
