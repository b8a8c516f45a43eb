/** The `dari` command: dispatch to subcommands; errors as one coded line on stderr, exit 2. */
import { isDariError } from '../errors';
import { maskPansIn } from '../security/masking';
import { ISO8583_HELP, iso8583Command } from './iso8583';
import { processIo, usage, type Io } from './io';
import { HUB_HELP, sendCommand, simCommand, startCommand } from './hub';
import { emvCommand } from './emv';
import { pinCommand } from './pin';
import { keysCommand } from './keys';
import { fxCommand } from './fx';
import { reportCommand } from './report';
import { DEMO_HELP, demoCommand } from './demo';
import { qrCommand } from './qr';
import { iso20022Command } from './iso20022';

const HELP = `dari: cross-border payment hub

Commands:
${HUB_HELP}
  dari iso8583 decode|encode|specs    ISO 8583 hex dumps <-> JSON (see dari iso8583 --help)
  dari iso20022 validate|decode FILE  XSD-check an ISO 20022 message, or print its summary (see dari iso20022 --help)
  dari emv mk|sk|arqc|arpc            EMV key derivation, ARQC and ARPC on test keys (see dari emv --help)
  dari pin encode|decode|translate    ISO 9564 PIN blocks, formats 0 and 4 (see dari pin --help)
  dari keys generate|import|export|kcv|list   software-HSM key store (see dari keys --help)
  dari fx rates|quote                 FX rate table and locked quotes from an FX file (see dari fx --help)
  dari report fees                    fees per participant and partner, saving vs card brands (see dari report --help)
  dari qr parse|build                 EMV merchant QR payloads <-> JSON verdict, national schemes (see dari qr --help)
${DEMO_HELP}

${ISO8583_HELP}`;

export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'iso8583': return await iso8583Command(rest, io);
      case 'iso20022': return await iso20022Command(rest, io);
      case 'start': return await startCommand(rest, io);
      case 'demo': return await demoCommand(rest, io);
      case 'send': return await sendCommand(rest, io);
      case 'sim': return await simCommand(rest, io);
      case 'emv': return await emvCommand(rest, io);
      case 'pin': return await pinCommand(rest, io);
      case 'keys': return await keysCommand(rest, io);
      case 'fx': return await fxCommand(rest, io);
      case 'report': return await reportCommand(rest, io);
      case 'qr': return await qrCommand(rest, io);
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
    // A mistyped argument can be a card number: never echo one in clear.
    io.err(maskPansIn(e.toLine()));
    return 2;
  }
}
