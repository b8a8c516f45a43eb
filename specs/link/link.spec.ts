/**
 * Link over real loopback TCP against a fake partner that frames and builds its messages naively
 * (peer.ts). Every test closes its links and servers in afterEach.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { DariError } from '../../src/errors';
import { Link, LinkError, acceptLink, type LinkOptions } from '../../src/link';
import {
  FRAMING, FakePeer, answer, answerNetwork, codec, eventually, financial, frame2, naiveMessage, naiveParse, sleep, wire,
  type Received,
} from './peer';

describe('link: one connection (loopback TCP)', () => {
  const links: Link[] = [];
  const peers: FakePeer[] = [];
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];

  async function peer(handler?: (m: Received, p: FakePeer) => void): Promise<FakePeer> {
    const p = await FakePeer.start(handler);
    peers.push(p);
    return p;
  }

  function client(p: FakePeer, options: Partial<LinkOptions> = {}): Link {
    const l = new Link({ role: 'client', host: '127.0.0.1', port: p.port, codec, framing: FRAMING, reconnectBaseMs: 20, reconnectMaxMs: 100, ...options });
    links.push(l);
    return l;
  }

  function ready(l: Link): Promise<void> {
    return l.ready ? Promise.resolve() : new Promise((resolve) => l.once('ready', resolve));
  }

  async function rejection(p: Promise<unknown>): Promise<LinkError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof LinkError, `expected a LinkError, got ${String(e)}`);
      return e;
    }
    assert.fail('expected a rejection');
  }

  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
    await Promise.all(peers.splice(0).map((p) => p.stop()));
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  it('sends a request whose bytes are the naive encoding, and resolves with the matched response', async () => {
    const p = await peer((m) => {
      if (m.mti === '0200') m.socket.write(answer(m, '00'));
    });
    const l = client(p).start();
    await ready(l);
    const req = financial('000123');
    const ex = await l.request(req);
    assert.equal(ex.link, `127.0.0.1:${p.port}`);
    assert.equal(ex.response.mti, '0210');
    assert.equal(ex.response.fields['39'], '00');
    assert.equal(ex.response.fields['11'], '000123');
    assert.ok(ex.waitSeconds >= 0 && ex.waitSeconds < 5);
    assert.deepEqual(p.received[0]?.raw, naiveMessage('0200', req.fields));
    assert.equal(l.inFlight, 0);
  });

  it('pipelines 100 requests on one link, answered in reverse order, each matched to its own', async () => {
    const held: Received[] = [];
    const p = await peer((m) => {
      held.push(m);
      if (held.length === 100) for (const r of held.reverse()) r.socket.write(answer(r, '00'));
    });
    const l = client(p).start();
    await ready(l);
    const stans = Array.from({ length: 100 }, (_, i) => String(i + 1).padStart(6, '0'));
    const results = await Promise.all(stans.map((s, i) => l.request(financial(s, { '4': String(1000 + i).padStart(12, '0') }))));
    results.forEach((ex, i) => {
      assert.equal(ex.response.fields['11'], stans[i]);
      assert.equal(ex.response.fields['4'], String(1000 + i).padStart(12, '0'));
    });
    assert.equal(l.stats().responses, 100);
    assert.equal(l.stats().unmatched, 0);
  });

  it('coalesces the frames written in one turn into one socket write', async () => {
    const p = await peer((m) => m.socket.write(answer(m, '00')));
    const l = client(p).start();
    await ready(l);
    const before = l.stats().flushes;
    await Promise.all(Array.from({ length: 10 }, (_, i) => l.request(financial(String(i + 1).padStart(6, '0')))));
    assert.equal(l.stats().flushes - before, 1);
  });

  it('refuses a second request with a pending key (DARI_LINK_DUPLICATE_KEY, sent=false) without writing it', async () => {
    const p = await peer(() => undefined);
    const l = client(p, { requestTimeoutMs: 2000 }).start();
    await ready(l);
    const first = l.request(financial('000777'));
    first.catch(() => undefined);
    const err = await rejection(l.request(financial('000777', { '4': '000000009999' })));
    assert.equal(err.code, 'DARI_LINK_DUPLICATE_KEY');
    assert.equal(err.sent, false);
    await p.until(() => p.received.length >= 1);
    await sleep(50);
    assert.equal(p.received.length, 1);
    assert.equal(p.received[0]?.fields['4'], '000000001000');
    assert.equal(l.inFlight, 1);
  });

  it('folds response MTIs onto requests (0210 -> 0200, 0430 -> 0421) and keeps 0200 and 0400 apart with the same STAN', async () => {
    const held: Received[] = [];
    const p = await peer((m) => {
      held.push(m);
      if (held.length === 3) {
        // Answer in the order 0430 (to 0421), 0410 (to 0400), 0210 (to 0200).
        const by = (mti: string): Received => held.find((h) => h.mti === mti) as Received;
        m.socket.write(Buffer.concat([answer(by('0421'), '00', undefined, '0430'), answer(by('0400'), '00'), answer(by('0200'), '00')]));
      }
    });
    const l = client(p).start();
    await ready(l);
    const auth = l.request(financial('000042'));
    const reversal = l.request({ mti: '0400', fields: { ...financial('000042').fields } });
    const advice = l.request({ mti: '0421', fields: { ...financial('000043').fields } });
    const [a, r, v] = await Promise.all([auth, reversal, advice]);
    assert.equal(a.response.mti, '0210');
    assert.equal(r.response.mti, '0410');
    assert.equal(v.response.mti, '0430');
    assert.equal(v.response.fields['11'], '000043');
  });

  it('times out a request the peer never answers (DARI_LINK_TIMEOUT, sent=true); the later answer is a late event', async () => {
    const held: Received[] = [];
    const p = await peer((m) => held.push(m));
    const l = client(p, { requestTimeoutMs: 100 }).start();
    await ready(l);
    const lates: string[] = [];
    l.on('late', (msg) => lates.push(`${msg.mti}/${msg.fields['11']}`));
    const unmatched: string[] = [];
    l.on('unmatched', (msg) => unmatched.push(msg.mti));
    const started = performance.now();
    const err = await rejection(l.request(financial('000555')));
    const took = performance.now() - started;
    assert.equal(err.code, 'DARI_LINK_TIMEOUT');
    assert.equal(err.sent, true);
    assert.ok(took >= 95 && took < 1000, `timed out after ${took} ms`);
    assert.equal(l.inFlight, 0);
    (held[0] as Received).socket.write(answer(held[0] as Received, '00'));
    await eventually(() => lates.length === 1, 2000, 'late event');
    assert.deepEqual(lates, ['0210/000555']);
    assert.deepEqual(unmatched, []);
  });

  it('honours a per-request timeout shorter and longer than the default', async () => {
    const p = await peer(() => undefined);
    const l = client(p, { requestTimeoutMs: 300 }).start();
    await ready(l);
    const order: string[] = [];
    const track = (name: string, pr: Promise<unknown>): Promise<void> => pr.then(() => undefined, () => { order.push(name); });
    await Promise.all([
      track('default-300', l.request(financial('000001'))),
      track('long-500', l.request(financial('000002'), { timeoutMs: 500 })),
      track('short-60', l.request(financial('000003'), { timeoutMs: 60 })),
    ]);
    assert.deepEqual(order, ['short-60', 'default-300', 'long-500']);
  });

  it('reports an unsolicited response as unmatched, and a second answer to the same request as a duplicate', async () => {
    const p = await peer((m) => {
      if (m.mti === '0200') m.socket.write(Buffer.concat([answer(m, '00'), answer(m, '00')]));
    });
    const l = client(p).start();
    await ready(l);
    const events: string[] = [];
    l.on('unmatched', (msg, reason) => events.push(`${msg.mti}/${msg.fields['11']}/${reason}`));
    p.socket.write(wire('0210', { '11': '999999', '39': '00', '41': 'TERM0001' }));
    await eventually(() => events.length === 1, 2000, 'unmatched event');
    await l.request(financial('000321'));
    await eventually(() => events.length === 2, 2000, 'duplicate event');
    assert.deepEqual(events, ['0210/999999/unknown', '0210/000321/duplicate']);
    assert.equal(l.stats().duplicates, 1);
  });

  it('rejects every request in flight with DARI_LINK_CLOSED (sent=true) when the peer disconnects', async () => {
    const p = await peer((m) => {
      if (m.mti === '0200' && p.count('0200') === 3) m.socket.destroy();
    });
    const l = client(p).start();
    await ready(l);
    const errs = await Promise.all(['000001', '000002', '000003'].map((s) => rejection(l.request(financial(s)))));
    for (const e of errs) {
      assert.equal(e.code, 'DARI_LINK_CLOSED');
      assert.equal(e.sent, true);
    }
    assert.equal(l.inFlight, 0);
  });

  it('reconnects after the partner restarts, replays only the sign-on and never resends a request', async () => {
    const p = await peer();
    const l = client(p, { signOn: true }).start();
    await ready(l);
    assert.equal(p.count('0800', '001'), 1);
    const pendingReq = l.request(financial('000888'));
    await p.until(() => p.count('0200') === 1);
    await p.stop();
    const err = await rejection(pendingReq);
    assert.equal(err.code, 'DARI_LINK_CLOSED');
    assert.equal(err.sent, true);
    assert.equal(l.ready, false);
    await p.restart();
    await eventually(() => l.ready, 3000, 'ready again');
    assert.equal(p.connections, 2);
    assert.equal(p.count('0800', '001'), 2);
    await sleep(50);
    assert.equal(p.count('0200'), 1, 'the financial request was not resent');
    // The sign-on the wire carries: 0800, bitmap with 7, 11 and 70 (secondary bitmap).
    const signOn = p.received.find((m) => m.mti === '0800') as Received;
    assert.deepEqual(signOn.raw, naiveMessage('0800', { '7': signOn.fields['7'] as string, '11': signOn.fields['11'] as string, '70': '001' }));
    assert.match(signOn.fields['7'] as string, /^(0[1-9]|1[0-2])[0-3][0-9][0-2][0-9][0-5][0-9][0-5][0-9]$/);
  });

  it('stays not ready when the sign-on is refused (39 = 91) and retries with backoff', async () => {
    const p = await peer((m) => {
      if (m.mti === '0800') m.socket.write(answer(m, '91'));
    });
    const l = client(p, { signOn: true }).start();
    const failures: string[] = [];
    l.on('signOnFailed', (e) => failures.push(e.code));
    await eventually(() => failures.length >= 2, 3000, 'two sign-on failures');
    assert.equal(l.ready, false);
    assert.deepEqual([...new Set(failures)], ['DARI_LINK_SIGN_ON_FAILED']);
    assert.ok(p.connections >= 2);
    const err = await rejection(l.request(financial('000001')));
    assert.equal(err.code, 'DARI_LINK_NOT_READY');
    assert.equal(err.sent, false);
    assert.equal(p.count('0200'), 0);
  });

  it('signs on with a partner whose 0810 echoes only fields 11 and 70 (network messages match by STAN)', async () => {
    const p = await peer((m) => {
      if (m.mti === '0800') m.socket.write(answer(m, '00', ['11', '70']));
    });
    const l = client(p, { signOn: true }).start();
    await eventually(() => l.ready, 3000, 'ready after a sign-on answered without 7 and 41');
    assert.equal(l.ready, true);
  });

  it('sends an echo test when idle and stays up when it is answered', async () => {
    const p = await peer();
    const l = client(p, { signOn: true, echoIntervalMs: 80, echoTimeoutMs: 200 }).start();
    await ready(l);
    const disconnects: string[] = [];
    l.on('disconnect', (i) => disconnects.push(i.reason));
    await p.until(() => p.count('0800', '301') >= 2, 2000, 'two echo tests');
    assert.equal(l.ready, true);
    assert.deepEqual(disconnects, []);
    assert.equal(p.connections, 1);
  });

  it('closes the connection when an echo test is not answered, then reconnects', async () => {
    const p = await peer((m) => {
      if (m.mti === '0800' && m.fields['70'] === '001') m.socket.write(answer(m, '00'));
    });
    const l = client(p, { signOn: true, echoIntervalMs: 50, echoTimeoutMs: 80 }).start();
    await ready(l);
    const reasons: string[] = [];
    l.on('disconnect', (i) => reasons.push(i.reason));
    await eventually(() => reasons.length >= 1, 2000, 'disconnect');
    assert.equal(reasons[0], 'echo-timeout');
    await eventually(() => p.connections >= 2 && l.ready, 2000, 'reconnect');
  });

  it('closes only its own connection on framing garbage; a link to another partner is unaffected', async () => {
    const bad = await peer((m) => {
      if (m.mti === '0200') m.socket.write(Buffer.from('FFFF0102', 'hex'));
    });
    const good = await peer((m) => m.socket.write(answer(m, '00')));
    const a = client(bad).start();
    const b = client(good).start();
    await Promise.all([ready(a), ready(b)]);
    const frameErrors: string[] = [];
    a.on('frameError', (e) => frameErrors.push(e.code));
    const reasons: string[] = [];
    a.on('disconnect', (i) => reasons.push(i.reason));
    const err = await rejection(a.request(financial('000001')));
    assert.equal(err.code, 'DARI_LINK_CLOSED');
    assert.deepEqual(frameErrors, ['DARI_FRAME_TOO_LARGE']);
    assert.deepEqual(reasons, ['frame-error']);
    assert.equal(a.stats().frameErrors, 1);
    const ex = await b.request(financial('000002'));
    assert.equal(ex.response.fields['39'], '00');
    assert.equal(b.stats().frameErrors, 0);
  });

  it('reports a frame the codec refuses as a formatError with its MTI and a reply, and stays up', async () => {
    const p = await peer((m) => m.socket.write(answer(m, '00')));
    const l = client(p).start();
    await ready(l);
    const seen: { code: string; mti: string | undefined }[] = [];
    l.on('formatError', (e, info) => {
      seen.push({ code: e.code, mti: info.mti });
      info.reply?.({ mti: '0210', fields: { '11': '000001', '39': '30' } });
    });
    // 0200 whose bitmap is not hex.
    p.socket.write(frame2(Buffer.from('0200ZZ00000000000000', 'latin1')));
    await eventually(() => seen.length === 1, 2000, 'formatError');
    assert.deepEqual(seen, [{ code: 'DARI_CODEC_BITMAP_INVALID', mti: '0200' }]);
    await eventually(() => p.count('0210') === 1, 2000, 'the 39 = 30 answer');
    assert.equal(p.received.find((m) => m.mti === '0210')?.fields['39'], '30');
    const ex = await l.request(financial('000002'));
    assert.equal(ex.response.mti, '0210');
    assert.equal(l.stats().formatErrors, 1);
  });

  it('lets either side send requests: the partner\'s 0200 reaches onRequest and the reply goes back on the link', async () => {
    const p = await peer(answerNetwork);
    const l = client(p, {
      onRequest: (msg, reply) => {
        reply({ mti: '0210', fields: { '7': msg.fields['7'] as string, '11': msg.fields['11'] as string, '41': msg.fields['41'] as string, '39': '05' } });
      },
    }).start();
    await ready(l);
    p.socket.write(wire('0200', financial('000654').fields));
    await p.until(() => p.count('0210') === 1);
    const got = p.received.find((m) => m.mti === '0210') as Received;
    assert.deepEqual(got.raw, naiveMessage('0210', { '7': '1126120000', '11': '000654', '39': '05', '41': 'TERM0001' }));
  });

  it('answers the partner\'s echo test itself (0810, 39 = 00, 7/11/70 copied)', async () => {
    const p = await peer(answerNetwork);
    const l = client(p).start();
    await ready(l);
    p.socket.write(wire('0800', { '7': '1126101010', '11': '000017', '70': '301' }));
    await p.until(() => p.count('0810') === 1);
    assert.deepEqual(p.received.find((m) => m.mti === '0810')?.raw, naiveMessage('0810', { '7': '1126101010', '11': '000017', '39': '00', '70': '301' }));
  });

  it('waits for drain when the socket refuses more data, then delivers every queued request', async function () {
    this.timeout(20000);
    // The partner stops reading until 3000 requests of ~1.7 KB each (about 5 MB) were issued.
    let reading = false;
    const p = await peer((m) => m.socket.write(answer(m, '00')));
    const l = client(p, { requestTimeoutMs: 15000, framing: { lengthHeader: 'binary2', maxFrameSize: 4096 } }).start();
    await ready(l);
    p.socket.pause();
    const big = 'X'.repeat(999);
    const all: Promise<unknown>[] = [];
    // Field 48/60 are LLLVAR: built by the production codec here; the wire check is in other tests.
    for (let i = 0; i < 3000; i++) {
      all.push(l.request({ mti: '0200', fields: { ...financial(String(i + 1).padStart(6, '0')).fields, '48': big, '60': big } }));
      if (i % 200 === 199) await sleep(0);
    }
    assert.ok(l.stats().backpressure > 0, 'the socket reported backpressure');
    // The naive peer cannot parse field 48: answer from the STAN only.
    p.handler = () => undefined;
    reading = true;
    p.socket.removeAllListeners('data');
    let buf = Buffer.alloc(0);
    p.socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const out: Buffer[] = [];
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = codec.unpack(buf, 2, 2 + len);
        buf = buf.subarray(2 + len);
        out.push(wire('0210', { '7': msg.fields['7'] as string, '11': msg.fields['11'] as string, '39': '00', '41': msg.fields['41'] as string }));
      }
      if (out.length > 0) p.socket.write(Buffer.concat(out));
    });
    p.socket.resume();
    const results = await Promise.all(all);
    assert.ok(reading);
    assert.equal(results.length, 3000);
    assert.equal(l.stats().responses, 3000);
  });

  it('rejects a request before it is ready with DARI_LINK_NOT_READY (sent=false)', async () => {
    const l = new Link({ role: 'client', host: '127.0.0.1', port: 9, codec, framing: FRAMING });
    links.push(l);
    const err = await rejection(l.request(financial('000001')));
    assert.equal(err.code, 'DARI_LINK_NOT_READY');
    assert.equal(err.sent, false);
    assert.ok(err instanceof DariError);
  });

  it('rejects a message the codec cannot pack with its codec error and sent=false', async () => {
    const p = await peer();
    const l = client(p).start();
    await ready(l);
    const err = await rejection(l.request({ mti: '0200', fields: { '11': 'ABC' } }));
    assert.match(err.code, /^DARI_CODEC_/);
    assert.equal(err.sent, false);
    await sleep(20);
    assert.equal(p.count('0200'), 0);
  });

  it('server role: answers a peer\'s sign-on 0800 with 0810 39 = 00 on the accepted socket', async () => {
    const accepted: Link[] = [];
    const server = net.createServer((socket) => {
      const l = acceptLink(socket, { codec, framing: FRAMING, keyFields: ['41', '11', '7'] });
      accepted.push(l);
      links.push(l);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(sock);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((r) => sock.once('connect', r));
    sock.write(wire('0800', { '7': '1126093000', '11': '000001', '41': 'TERM0009', '70': '001' }));
    await eventually(() => Buffer.concat(chunks).length >= 2, 2000, '0810');
    const got = Buffer.concat(chunks);
    assert.deepEqual(got, wire('0810', { '7': '1126093000', '11': '000001', '39': '00', '41': 'TERM0009', '70': '001' }));
    assert.equal(accepted[0]?.ready, true);
    assert.equal(accepted[0]?.config.role, 'server');
    // The server link can send requests to the peer too; the peer's close ends it without reconnect.
    const req = accepted[0]?.request(financial('000100')) as Promise<unknown>;
    await eventually(() => Buffer.concat(chunks).length > got.length, 2000, 'request from server link');
    const sent = naiveParse(Buffer.concat(chunks).subarray(got.length + 2));
    assert.equal(sent.mti, '0200');
    sock.destroy();
    const err = await rejection(req);
    assert.equal(err.code, 'DARI_LINK_CLOSED');
    await eventually(() => accepted[0]?.state === 'closed', 2000, 'server link closed');
  });
});
