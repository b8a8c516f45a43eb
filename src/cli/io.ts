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

export type Subcommand = (args: string[], io: Io) => Promise<number> | number;

/**
 * `dari GROUP SUB ...`, the same for every group: -h, --help and help print `help` on stdout (exit
 * 0); no subcommand prints it on stderr (exit 2); an unknown one is DARI_CLI_USAGE naming the known ones.
 */
export async function dispatch(group: string, args: string[], io: Io, help: string, subs: Readonly<Record<string, Subcommand>>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    io.out(help);
    return 0;
  }
  if (sub === undefined) {
    io.err(help);
    return 2;
  }
  const run = Object.hasOwn(subs, sub) ? subs[sub] : undefined;
  if (run === undefined) throw usage(`unknown ${group} command "${sub.slice(0, 32)}" (${Object.keys(subs).join(', ')}; see dari ${group} --help)`);
  return run(rest, io);
}
