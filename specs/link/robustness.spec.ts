/** Hostile or careless surroundings: throwing listeners, keep-alives, TPDU replies, close at any time. */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Link, acceptLink } from '../../src/link';
import { FRAMING, FakePeer, answer, codec, eventually, financial, frame2, naiveMessage, sleep, wire } from './peer';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('link robustness', () => {
  const links: Link[] = [];
  const peers: FakePeer[] = [];
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
    await Promise.all(peers.splice(0).map((p) => p.stop()));
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  /** A server whose accepted sockets become server-role links with `framing`; returns a raw client socket. */
  async function serverLink(framing: Parameters<typeof acceptLink>[1]['framing']): Promise<{ sock: net.Socket; data: () => Buffer }> {
    const server = net.createServer((s) => links.push(acceptLink(s, { codec, framing })));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(sock);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((r) => sock.once('connect', r));
    return { sock, data: () => Buffer.concat(chunks) };
  }

  it('a throwing listener becomes a listenerError event; the link keeps matching', async () => {
    const p = await FakePeer.start((m) => {
      if (m.mti === '0200') m.socket.write(Buffer.concat([answer(m, '00'), answer(m, '00')]));
    });
    peers.push(p);
    const l = new Link({ role: 'client', host: '127.0.0.1', port: p.port, codec, framing: FRAMING }).start();
    links.push(l);
    await new Promise<void>((r) => l.once('ready', () => r()));
    const errors: string[] = [];
    l.on('listenerError', (e, source) => errors.push(`${source}: ${(e as Error).message}`));
    l.on('unmatched', () => {
      throw new Error('boom');
    });
    await l.request(financial('000001'));
    await eventually(() => errors.length === 1, 2000, 'listenerError');
    assert.deepEqual(errors, ["'unmatched' listener: boom"]);
    assert.equal((await l.request(financial('000002'))).response.mti, '0210');
    assert.equal(l.ready, true);
  });

  it("answers a peer's keep-alive (zero-length frame) with one of its own when framing says 'answer'", async () => {
    const { sock, data } = await serverLink({ lengthHeader: 'binary2', keepAlive: 'answer' });
    sock.write(hex('00 00'));
    await eventually(() => data().length >= 2, 2000, 'keep-alive answer');
    assert.deepEqual(data(), hex('00 00'));
  });

  it('answers an 0800 that came with a TPDU with the TPDU source and destination swapped', async () => {
    const { sock, data } = await serverLink({ lengthHeader: 'binary2', tpdu: true });
    const msg = naiveMessage('0800', { '7': '1126093000', '11': '000005', '70': '301' });
    sock.write(frame2(Buffer.concat([hex('60 0003 0000'), msg])));
    await eventually(() => data().length >= 7, 2000, '0810');
    const reply = naiveMessage('0810', { '7': '1126093000', '11': '000005', '39': '00', '70': '301' });
    await eventually(() => data().length >= 2 + 5 + reply.length, 2000, 'whole 0810');
    assert.deepEqual(data(), frame2(Buffer.concat([hex('60 0000 0003'), reply])));
  });

  it('close() during backoff stops reconnecting and resolves', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const l = new Link({ role: 'client', host: '127.0.0.1', port, codec, framing: FRAMING, reconnectBaseMs: 10, reconnectMaxMs: 20 }).start();
    await eventually(() => l.stats().disconnects >= 2, 2000, 'refused twice');
    await l.close();
    const n = l.stats().disconnects;
    await sleep(60);
    assert.equal(l.state, 'closed');
    assert.equal(l.stats().disconnects, n);
  });

  it('close() with requests in flight rejects them DARI_LINK_CLOSED (sent=true) and ends the socket', async () => {
    const p = await FakePeer.start((m) => {
      if (m.mti === '0800') m.socket.write(answer(m, '00'));
    });
    peers.push(p);
    const l = new Link({ role: 'client', host: '127.0.0.1', port: p.port, codec, framing: FRAMING }).start();
    await new Promise<void>((r) => l.once('ready', () => r()));
    const r = l.request(financial('000001'));
    await p.until(() => p.count('0200') === 1);
    const closing = l.close();
    await assert.rejects(r, (e: { code: string; sent: boolean }) => e.code === 'DARI_LINK_CLOSED' && e.sent);
    await closing;
    assert.equal(l.state, 'closed');
    await eventually(() => p.sockets.size === 0, 2000, 'peer sees the close');
  });

  it('a 0200 from the peer with no handler is emitted as a request event', async () => {
    const p = await FakePeer.start(() => undefined);
    peers.push(p);
    const l = new Link({ role: 'client', host: '127.0.0.1', port: p.port, codec, framing: FRAMING }).start();
    links.push(l);
    await new Promise<void>((r) => l.once('ready', () => r()));
    l.on('request', (msg, reply, id) => {
      assert.equal(id, l.id);
      reply({ mti: '0210', fields: { '11': msg.fields['11'] ?? '', '39': '12' } });
    });
    p.socket.write(wire('0200', financial('000077').fields));
    await p.until(() => p.count('0210') === 1);
    assert.deepEqual(p.received.find((m) => m.mti === '0210')?.raw, naiveMessage('0210', { '11': '000077', '39': '12' }));
  });
});
