/**
 * LinkPool over real loopback TCP: least-in-flight choice, preferLink, readiness, NOT_READY at once.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { LinkError, LinkPool, type Exchange, type LinkOptions } from '../../src/link';
import { FRAMING, FakePeer, answer, codec, eventually, financial, type Received } from './peer';

/** A port nothing listens on (listen, note the port, close). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('link pool (loopback TCP)', () => {
  const pools: LinkPool[] = [];
  const peers: FakePeer[] = [];

  function options(id: string, port: number, extra: Partial<LinkOptions> = {}): LinkOptions {
    return { role: 'client', id, host: '127.0.0.1', port, codec, framing: FRAMING, reconnectBaseMs: 50, reconnectMaxMs: 200, ...extra };
  }

  function pool(links: LinkOptions[]): LinkPool {
    const p = new LinkPool({ id: 'partner', links }).start();
    pools.push(p);
    return p;
  }

  async function holdingPeer(): Promise<{ peer: FakePeer; held: Received[] }> {
    const held: Received[] = [];
    const peer = await FakePeer.start((m) => {
      if (m.mti === '0800') m.socket.write(answer(m, '00'));
      else held.push(m);
    });
    peers.push(peer);
    return { peer, held };
  }

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  it('sends each new request to the ready link with the fewest in flight, and honours preferLink', async () => {
    const a = await holdingPeer();
    const b = await holdingPeer();
    const p = pool([options('a', a.peer.port, { signOn: true }), options('b', b.peer.port, { signOn: true })]);
    await eventually(() => p.links.every((l) => l.ready), 3000, 'both links ready');
    const results: Promise<Exchange>[] = [];
    results.push(p.request(financial('000001'))); // a: 0, b: 0 -> either; say X
    results.push(p.request(financial('000002'))); // the other one (0 in flight)
    assert.deepEqual(p.status().map((s) => s.inFlight), [1, 1]);
    results.push(p.request(financial('000003'), { preferLink: 'a' })); // a: 2, b: 1
    results.push(p.request(financial('000004'), { preferLink: 'a' })); // a: 3, b: 1 (preferred even if busier)
    assert.deepEqual(p.status().map((s) => s.inFlight), [3, 1]);
    results.push(p.request(financial('000005'))); // least in flight: b
    results.push(p.request(financial('000006'))); // b: 2 < 3
    assert.deepEqual(p.status().map((s) => s.inFlight), [3, 3]);
    assert.equal(p.inFlight, 6);
    await eventually(() => a.held.length + b.held.length === 6, 2000, 'six requests on the wire');
    for (const m of [...a.held, ...b.held]) m.socket.write(answer(m, '00'));
    const ex = await Promise.all(results);
    const via = Object.fromEntries(ex.map((e) => [e.response.fields['11'], e.link]));
    assert.equal(via['000003'], 'a');
    assert.equal(via['000004'], 'a');
    assert.equal(via['000005'], 'b');
    assert.equal(via['000006'], 'b');
    assert.notEqual(via['000001'], via['000002']);
    assert.equal(a.held.length, 3);
    assert.equal(b.held.length, 3);
  });

  it('is ready when any link is ready; a preferLink that is down falls back to a ready link', async () => {
    const live = await holdingPeer();
    const p = pool([options('down', await deadPort()), options('up', live.peer.port)]);
    await eventually(() => p.ready, 3000, 'pool ready');
    const byLink = new Map(p.status().map((s) => [s.id, s]));
    assert.equal(byLink.get('down')?.ready, false);
    assert.equal(byLink.get('up')?.ready, true);
    const r = p.request(financial('000010'), { preferLink: 'down' });
    await eventually(() => live.held.length === 1, 2000, 'request on the live link');
    (live.held[0] as Received).socket.write(answer(live.held[0] as Received, '00'));
    assert.equal((await r).link, 'up');
  });

  it('rejects at once with DARI_LINK_NOT_READY (sent=false) when no link is ready', async () => {
    const p = pool([options('x', await deadPort()), options('y', await deadPort())]);
    const started = performance.now();
    let err: unknown;
    try {
      await p.request(financial('000001'));
    } catch (e) {
      err = e;
    }
    assert.ok(performance.now() - started < 50, 'rejected immediately');
    assert.ok(err instanceof LinkError);
    assert.equal(err.code, 'DARI_LINK_NOT_READY');
    assert.equal(err.sent, false);
    assert.equal(p.ready, false);
    assert.ok(p.status().every((s) => !s.ready && s.inFlight === 0));
  });

  it('maxInFlight 1 (one outstanding request per connection): busy links are skipped; all busy -> NOT_READY', async () => {
    const a = await holdingPeer();
    const b = await holdingPeer();
    const p = pool([options('a', a.peer.port, { maxInFlight: 1 }), options('b', b.peer.port, { maxInFlight: 1 })]);
    await eventually(() => p.links.every((l) => l.ready), 3000, 'both ready');
    const r1 = p.request(financial('000001'));
    const r2 = p.request(financial('000002'), { preferLink: 'a' }); // a is busy: goes to b
    await assert.rejects(p.request(financial('000003')), (e: LinkError) => e.code === 'DARI_LINK_NOT_READY' && !e.sent);
    await eventually(() => a.held.length === 1 && b.held.length === 1, 2000, 'one on each link');
    (a.held[0] as Received).socket.write(answer(a.held[0] as Received, '00'));
    (b.held[0] as Received).socket.write(answer(b.held[0] as Received, '00'));
    const [e1, e2] = await Promise.all([r1, r2]);
    assert.notEqual(e1.link, e2.link);
    assert.equal(p.inFlight, 0);
  });

  it('forwards link state changes and closes every link', async () => {
    const live = await holdingPeer();
    const p = new LinkPool({ links: [options('one', live.peer.port)] });
    pools.push(p);
    const seen: string[] = [];
    p.on('state', (id, state) => seen.push(`${id}:${state}`));
    p.start();
    await eventually(() => p.ready, 3000, 'ready');
    await p.close();
    assert.deepEqual(seen, ['one:connecting', 'one:ready', 'one:closed']);
    assert.equal(p.ready, false);
  });

  it('validates its options: at least one link, unique ids', () => {
    assert.throws(() => new LinkPool({ links: [] }), (e: LinkError) => e.code === 'DARI_LINK_OPTIONS_INVALID' && /links/.test(e.message));
    assert.throws(() => new LinkPool({ links: [options('same', 1), options('same', 2)] }), (e: LinkError) => e.code === 'DARI_LINK_OPTIONS_INVALID' && /same/.test(e.message));
  });
});
