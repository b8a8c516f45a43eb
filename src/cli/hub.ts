/**
 * `dari start`, `dari send`, `dari sim partner|acquirer`: run the hub, talk to it, and simulate
 * its neighbours. Logs are JSON lines on stdout; card data never appears in them.
 */
import { Iso20022PartnerSimulator } from '../sim/iso20022-partner';
import { Iso8583Codec, loadDialect, type Iso8583Message } from '../codec/iso8583';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../config/load';
import { DariError, isDariError } from '../errors';
import { Link, XML_FRAMING } from '../link';
import { transmissionDateTime } from '../link/network';
import { AcquirerSimulator, PartnerSimulator, formatSummary, maskMessage } from '../sim';
import { Hub } from '../switch/hub';
import { framingConfig, type LengthKind } from '../transport/framing';
import { dispatch, parseOptions, usage, type Io } from './io';

const SIM_HELP = `  dari sim partner [--port P] [--host H] [--dialect D] [--frame KIND] [--timeout-hint MS]
                                             an ISO 8583 partner switch simulator
  dari sim partner --iso20022 [--port P] [--host H] [--frame KIND] [--pending-ms MS] [--late-ms MS]
                                             an ISO 20022 partner switch simulator
  dari sim acquirer [--host H] [--port P] [--count N | --duration MS] [--rate TPS] [--connections C]
                    [--concurrency K] [--dialect D] [--frame KIND] [--print]
                                             ATM/POS load against a hub, with latency figures`;

export const HUB_HELP = `  dari start [--config FILE]                 run the hub (default: the bundled config/default.yaml)
  dari send [--host H] [--port P] [--pan PAN] [--amount MINOR] [--proc CODE] [--currency NNN]
            [--terminal ID] [--mti MTI] [--field N=VALUE ...] [--dialect D] [--frame KIND] [--unmasked]
                                             send one request to a hub and print the (masked) answer
${SIM_HELP}`;

const logLine = (io: Io) => (msg: string): void => io.out(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg }));

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (s: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function startCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { config: { type: 'string' } });
  const file = values.config ?? DEFAULT_CONFIG_FILE;
  const config = loadConfig(file);
  const log = logLine(io);
  const hub = new Hub(config, { log });
  log(`dari starting (config ${file})`);
  try {
    await hub.start();
  } catch (e) {
    await hub.stop().catch(() => undefined);
    if (isDariError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new DariError('DARI_CONFIG_INVALID', `a port is already in use (${(e as Error).message}); change listener.port or metrics.port`);
    throw e;
  }
  const where = [
    ...(hub.ports.listener ? [`${config.listener.host}:${hub.ports.listener}`] : []),
    ...[...hub.ports.participants].map(([id, port]) => `${id} ${config.participants.find((p) => p.id === id)?.listen?.host ?? ''}:${port}`),
  ];
  log(`dari ready: participants on ${where.join(', ') || 'no listener'}${hub.ports.metrics ? `, metrics on ${config.metrics.host}:${hub.ports.metrics}` : ''}`);
  const signal = await waitForSignal();
  log(`${signal}: stopping`);
  await hub.stop();
  log('stopped');
  return 0;
}

function framingOf(kind: string | undefined): { lengthHeader: LengthKind } {
  const lengthHeader = (kind ?? 'binary2') as LengthKind;
  framingConfig({ lengthHeader });
  return { lengthHeader };
}

function int(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v) || +v < min) throw usage(`--${name} must be a whole number${min > 0 ? ` >= ${min}` : ''}`);
  return +v;
}

export async function sendCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    host: { type: 'string' }, port: { type: 'string' }, pan: { type: 'string' }, amount: { type: 'string' }, proc: { type: 'string' },
    currency: { type: 'string' }, terminal: { type: 'string' }, mti: { type: 'string' }, field: { type: 'string', multiple: true },
    dialect: { type: 'string' }, frame: { type: 'string' }, timeout: { type: 'string' }, unmasked: { type: 'boolean' },
  });
  const dialect = loadDialect(values.dialect ?? 'iso87ascii');
  const now = new Date();
  const stan = String(Math.floor(Math.random() * 999999) + 1).padStart(6, '0');
  const fields: Record<string, string> = {
    '2': values.pan ?? '4761739001010119',
    '3': values.proc ?? '000000',
    '4': String(int(values.amount, 'amount', 10000)).padStart(12, '0'),
    '7': transmissionDateTime(now),
    '11': stan,
    '12': now.toISOString().slice(11, 19).replace(/:/g, ''),
    '13': now.toISOString().slice(5, 10).replace('-', ''),
    '37': `${now.toISOString().slice(2, 4)}${stan}00000`.slice(0, 12),
    '41': (values.terminal ?? 'DARISEND').padEnd(8).slice(0, 8),
    '49': values.currency ?? '410',
  };
  for (const f of values.field ?? []) {
    const m = /^([0-9]{1,3})=(.*)$/.exec(f);
    if (!m) throw usage(`--field takes N=VALUE, got "${f.slice(0, 20)}"`);
    fields[m[1] as string] = m[2] as string;
  }
  const msg: Iso8583Message = { mti: values.mti ?? '0200', fields };
  const codec = new Iso8583Codec(dialect);
  codec.pack(msg); // validate before connecting: a bad field is a usage error, not a network one
  const link = new Link({
    role: 'client', id: 'dari-send', host: values.host ?? '127.0.0.1', port: int(values.port, 'port', 8583, 1), codec,
    framing: framingOf(values.frame), requestTimeoutMs: int(values.timeout, 'timeout', 10000, 1), reconnectBaseMs: 60000, reconnectMaxMs: 60000, connectTimeoutMs: 5000,
  });
  try {
    link.start();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new DariError('DARI_LINK_NOT_READY', `no connection to ${link.config.host}:${link.config.port} within 5 s`)), 5000);
      link.once('ready', () => { clearTimeout(t); resolve(); });
      link.once('disconnect', (info) => {
        if (!info.connected) {
          clearTimeout(t);
          reject(new DariError('DARI_LINK_NOT_READY', `cannot connect to ${link.config.host}:${link.config.port} (${info.error?.message ?? info.reason})`));
        }
      });
    });
    const ex = await link.request(msg);
    const shown = values.unmasked ? ex.response : maskMessage(ex.response);
    io.out(JSON.stringify(shown));
    return 0;
  } catch (e) {
    if (!isDariError(e)) throw e;
    io.err(e.toLine());
    return 1;
  } finally {
    await link.close();
  }
}

export async function simCommand(args: string[], io: Io): Promise<number> {
  return dispatch('sim', args, io, `Usage:\n${SIM_HELP}`, { partner: simPartner, acquirer: simAcquirer });
}

async function simPartner(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    port: { type: 'string' }, host: { type: 'string' }, dialect: { type: 'string' }, frame: { type: 'string' }, 'timeout-hint': { type: 'string' },
    iso20022: { type: 'boolean' }, 'pending-ms': { type: 'string' }, 'late-ms': { type: 'string' },
  });
  if (values.iso20022) {
    if (values.dialect !== undefined) throw usage('--dialect is for ISO 8583 simulators (an ISO 20022 partner speaks XML)');
    const sim = new Iso20022PartnerSimulator({
      host: values.host ?? '127.0.0.1', port: int(values.port, 'port', 0), ...(values.frame !== undefined ? { framing: { ...XML_FRAMING, ...framingOf(values.frame) } } : {}),
      pendingMs: int(values['pending-ms'], 'pending-ms', 300, 1), lateMs: int(values['late-ms'], 'late-ms', 6000, 1),
    });
    await sim.start();
    const log = logLine(io);
    log(`ISO 20022 partner simulator listening on ${values.host ?? '127.0.0.1'}:${sim.port} (one XML message per frame, 4-byte length header)`);
    await waitForSignal();
    await sim.stop();
    log(`stopped after ${sim.receivedCount} messages`);
    return 0;
  }
  const sim = new PartnerSimulator({
    host: values.host ?? '127.0.0.1', port: int(values.port, 'port', 0), dialect: loadDialect(values.dialect ?? 'iso87ascii'),
    framing: framingOf(values.frame), timeoutHintMs: int(values['timeout-hint'], 'timeout-hint', 5000, 1),
  });
  await sim.start();
  const log = logLine(io);
  log(`partner simulator listening on ${values.host ?? '127.0.0.1'}:${sim.port}`);
  await waitForSignal();
  await sim.stop();
  log(`stopped after ${sim.receivedCount} requests`);
  return 0;
}

async function simAcquirer(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    host: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' },
    connections: { type: 'string' }, concurrency: { type: 'string' }, dialect: { type: 'string' }, frame: { type: 'string' }, print: { type: 'boolean' },
  });
  const sim = new AcquirerSimulator({
    host: values.host ?? '127.0.0.1', port: int(values.port, 'port', 8583, 1), dialect: loadDialect(values.dialect ?? 'iso87ascii'),
    framing: framingOf(values.frame), connections: int(values.connections, 'connections', 1, 1), concurrency: int(values.concurrency, 'concurrency', 1, 1),
    rate: int(values.rate, 'rate', 0),
    ...(values.print ? { onAnswer: (a: { response?: Iso8583Message }) => { if (a.response) io.out(JSON.stringify(maskMessage(a.response))); } } : {}),
  } as ConstructorParameters<typeof AcquirerSimulator>[0]);
  await sim.connect();
  const summary = await sim.run(values.duration !== undefined ? { durationMs: int(values.duration, 'duration', 1000, 1) } : { count: int(values.count, 'count', 100, 1) });
  await sim.close();
  io.out(formatSummary(summary));
  return summary.answered === summary.sent ? 0 : 1;
}
