/** The diagnostics_channel events a link publishes: plain objects, no message contents. */
import { strict as assert } from 'node:assert';
import dc from 'node:diagnostics_channel';
import { LINK_CHANNEL_NAMES, Link } from '../../src/link';
import { FRAMING, FakePeer, answer, codec, eventually, financial, type Received } from './peer';

describe('link diagnostics channels', () => {
  const seen: { channel: string; payload: Record<string, unknown> }[] = [];
  const subscriptions: [string, (m: unknown) => void][] = [];
  let peer: FakePeer | undefined;
  let link: Link | undefined;

  before(() => {
    for (const name of Object.values(LINK_CHANNEL_NAMES)) {
      const fn = (m: unknown): void => {
        seen.push({ channel: name, payload: m as Record<string, unknown> });
      };
      dc.subscribe(name, fn);
      subscriptions.push([name, fn]);
    }
  });

  after(async () => {
    for (const [name, fn] of subscriptions) dc.unsubscribe(name, fn);
    await link?.close();
    await peer?.stop();
  });

  it('publishes state, request, response, timeout, late, unmatched, sign-on and frame-error payloads', async () => {
    const held: Received[] = [];
    peer = await FakePeer.start((m) => {
      if (m.mti === '0800') m.socket.write(answer(m, '00'));
      else if (m.fields['11'] === '000001') m.socket.write(answer(m, '00'));
      else held.push(m);
    });
    link = new Link({ role: 'client', id: 'diag', host: '127.0.0.1', port: peer.port, codec, framing: FRAMING, signOn: true, requestTimeoutMs: 60 }).start();
    await new Promise<void>((r) => link?.once('ready', () => r()));
    await link.request(financial('000001'));
    await assert.rejects(link.request(financial('000002')));
    (held[0] as Received).socket.write(Buffer.concat([answer(held[0] as Received, '00'), answer(held[0] as Received, '00')]));
    await eventually(() => seen.some((s) => s.channel === 'dari:link:unmatched'), 2000, 'unmatched');
    const l = link;
    (held[0] as Received).socket.write(Buffer.from('FFFF', 'hex'));
    await eventually(() => l.state === 'backoff' || l.state === 'connecting' || l.stats().frameErrors === 1, 2000, 'frame error');
    await eventually(() => seen.some((s) => s.channel === 'dari:link:frame-error'), 2000, 'frame-error');

    const mine = seen.filter((s) => s.payload['link'] === 'diag');
    const first = (channel: string): Record<string, unknown> | undefined => mine.find((s) => s.channel === channel)?.payload;
    assert.deepEqual(mine.filter((s) => s.channel === 'dari:link:state').slice(0, 3).map((s) => s.payload['state']), ['connecting', 'signing-on', 'ready']);
    assert.deepEqual(first('dari:link:sign-on'), { link: 'diag', ok: true, responseCode: '00' });
    const request = mine.filter((s) => s.channel === 'dari:link:request').map((s) => s.payload);
    assert.equal(request[0]?.['mti'], '0800');
    assert.equal(request[0]?.['internal'], true);
    assert.deepEqual(request[1], { link: 'diag', key: '0200|TERM0001|000001|1126120000', mti: '0200', inFlight: 1, internal: false });
    const response = mine.filter((s) => s.channel === 'dari:link:response').map((s) => s.payload);
    assert.equal(response[1]?.['mti'], '0210');
    assert.equal(typeof response[1]?.['waitSeconds'], 'number');
    assert.deepEqual(first('dari:link:timeout'), { link: 'diag', key: '0200|TERM0001|000002|1126120000', mti: '0200', timeoutMs: 60, sent: true });
    assert.deepEqual(first('dari:link:late'), { link: 'diag', key: '0200|TERM0001|000002|1126120000', mti: '0210' });
    assert.deepEqual(first('dari:link:unmatched'), { link: 'diag', key: '0200|TERM0001|000002|1126120000', mti: '0210', reason: 'duplicate' });
    assert.equal(first('dari:link:frame-error')?.['code'], 'DARI_FRAME_TOO_LARGE');
    const closed = mine.find((s) => s.channel === 'dari:link:state' && s.payload['previous'] === 'ready');
    assert.equal(closed?.payload['reason'], 'frame-error');
    // Plain objects only, never a message.
    for (const s of mine) for (const v of Object.values(s.payload)) assert.ok(v === undefined || ['string', 'number', 'boolean'].includes(typeof v), `${s.channel} carries only scalars`);
  });
});
