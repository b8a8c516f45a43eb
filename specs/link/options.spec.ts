/** Link options: defaults, validation once (DARI_LINK_OPTIONS_INVALID naming the option), frozen. */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { DariError } from '../../src/errors';
import { LINK_DEFAULTS, Link, linkConfig, type LinkOptions } from '../../src/link';
import { FRAMING, codec } from './peer';

const base: LinkOptions = { role: 'client', host: '127.0.0.1', port: 8583, codec, framing: FRAMING };

function invalid(options: unknown, option: string): void {
  assert.throws(() => linkConfig(options as LinkOptions), (e: unknown) => {
    assert.ok(e instanceof DariError);
    assert.equal(e.code, 'DARI_LINK_OPTIONS_INVALID');
    assert.ok(e.message.includes(option), `message names ${option}: ${e.message}`);
    return true;
  });
}

describe('link options', () => {
  it('defaults, resolved and frozen', () => {
    const c = linkConfig(base);
    assert.equal(c.requestTimeoutMs, 30_000);
    assert.equal(c.connectTimeoutMs, 10_000);
    assert.equal(c.signOn, false);
    assert.equal(c.echoIntervalMs, 0);
    assert.equal(c.reconnectBaseMs, 500);
    assert.equal(c.reconnectMaxMs, 30_000);
    assert.equal(c.maxInFlight, 0);
    assert.deepEqual(c.keyFields, ['41', '11', '7']);
    assert.equal(c.framing.lengthHeader, 'binary2');
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.keyFields));
    assert.ok(Object.isFrozen(LINK_DEFAULTS));
    assert.equal(new Link(base).id, '127.0.0.1:8583');
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown option (a typo)', { requestTimeout: 5 }, 'requestTimeout'],
    ['role missing', { role: undefined }, 'role'],
    ['client without host', { host: undefined }, 'host'],
    ['client with a bad port', { port: 70000 }, 'port'],
    ['client with a socket', { socket: new net.Socket() }, 'socket'],
    ['codec not a codec', { codec: {} }, 'codec'],
    ['framing invalid', { framing: { lengthHeader: 'binary3' } }, 'framing'],
    ['requestTimeoutMs zero', { requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    ['requestTimeoutMs not a number', { requestTimeoutMs: '100' }, 'requestTimeoutMs'],
    ['echoIntervalMs negative', { echoIntervalMs: -1 }, 'echoIntervalMs'],
    ['reconnectMaxMs below reconnectBaseMs', { reconnectBaseMs: 1000, reconnectMaxMs: 10 }, 'reconnectMaxMs'],
    ['signOn not a boolean', { signOn: 'yes' }, 'signOn'],
    ['keyFields empty', { keyFields: [] }, 'keyFields'],
    ['keyFields not field numbers', { keyFields: ['41', 'x'] }, 'keyFields'],
    ['matchKey not a function', { matchKey: 'mti' }, 'matchKey'],
    ['networkFields setting a generated field', { networkFields: { '11': '000001' } }, 'networkFields'],
    ['maxInFlight fractional', { maxInFlight: 1.5 }, 'maxInFlight'],
    ['onRequest not a function', { onRequest: 1 }, 'onRequest'],
  ];
  for (const [name, patch, option] of cases) {
    it(`${name}: DARI_LINK_OPTIONS_INVALID naming ${option}`, () => invalid({ ...base, ...patch }, option));
  }

  it('server role needs the accepted socket and refuses client-only options', () => {
    const { host: _h, port: _p, ...rest } = base;
    invalid({ ...rest, role: 'server' }, 'socket');
    const socket = new net.Socket();
    invalid({ ...rest, role: 'server', socket, host: 'x' }, 'host');
    invalid({ ...rest, role: 'server', socket, signOn: true }, 'signOn');
    assert.equal(linkConfig({ ...rest, role: 'server', socket }).role, 'server');
    socket.destroy();
  });

  it('a per-request timeoutMs that is not a positive number is refused before anything is written', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const l = new Link({ ...base, port: (server.address() as net.AddressInfo).port }).start();
    try {
      await new Promise<void>((r) => l.once('ready', () => r()));
      await assert.rejects(l.request({ mti: '0200', fields: { '11': '000001' } }, { timeoutMs: -5 }),
        (e: DariError & { sent?: boolean }) => e.code === 'DARI_LINK_OPTIONS_INVALID' && e.sent === false);
    } finally {
      await l.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
