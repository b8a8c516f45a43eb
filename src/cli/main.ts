/** The `dari` command: dispatch to subcommands; errors as one coded line on stderr, exit 2. */
import { isDariError } from '../errors';
import { ISO8583_HELP, iso8583Command } from './iso8583';
import { processIo, usage, type Io } from './io';
import { HUB_HELP, sendCommand, simCommand, startCommand } from './hub';

const HELP = `dari: cross-border payment hub

Commands:
${HUB_HELP}
  dari iso8583 decode|encode|specs    ISO 8583 hex dumps <-> JSON (see dari iso8583 --help)

${ISO8583_HELP}`;

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'iso8583': return await iso8583Command(rest, io);
      case 'start': return await startCommand(rest, io);
      case 'send': return await sendCommand(rest, io);
      case 'sim': return await simCommand(rest, io);
      case '--help': case '-h': case 'help':
        io.out(HELP);
        return 0;
      case undefined:
        io.err(HELP);
        return 2;
      default:
        throw usage(`unknown command "${cmd}" (try dari --help)`);
    }
  } catch (e) {
    if (!isDariError(e)) throw e;
    io.err(e.toLine());
    return 2;
  }
}
