/**
 * Keep-alives: zero-length frames, the decoder reporting them, and the KeepAlivePolicy deciding
 * which to answer, so two peers never ping-pong (jPOS issue #775) and a flood gets bounded answers.
 * Links are simulated in memory: decoder + policy + encoder per side, bytes moved by hand.
 */
import { strict as assert } from 'node:assert';
import { FrameDecoder, FrameEncoder, KeepAlivePolicy, framingConfig, type FrameSink, type FramingOptions, type KeepAliveVerdict } from '../../../src/transport/framing';
import { decodeChunks, hex, naiveFrame, naiveKeepAlive } from './naive';

/** One side of a link as the link layer will wire it: sink -> policy -> encoder. */
class SimLink implements FrameSink {
  readonly decoder: FrameDecoder;
  readonly encoder: FrameEncoder;
  readonly policy: KeepAlivePolicy;
  readonly outbox: Buffer[] = [];
  readonly verdicts: KeepAliveVerdict[] = [];
  messages = 0;
  now = 0;

  constructor(options: FramingOptions) {
    const config = framingConfig(options);
    this.decoder = new FrameDecoder(config, this);
    this.encoder = new FrameEncoder(config);
    this.policy = new KeepAlivePolicy(config);
  }
  frame(): void {
    this.messages++;
    this.policy.messageReceived();
  }
  keepAlive(): void {
    const v = this.policy.received(this.now);
    this.verdicts.push(v);
    if (v === 'answer') this.outbox.push(this.encoder.keepAlive());
  }
  /** The idle timer fired: send a keep-alive of our own. */
  probe(): void {
    this.outbox.push(this.encoder.keepAlive());
    this.policy.probeSent();
  }
  answers(): number {
    return this.verdicts.filter((v) => v === 'answer').length;
  }
}

/** Move bytes between two sides until both are quiet; returns the number of chunks moved. */
function exchange(a: SimLink, b: SimLink, limit = 10_000): number {
  let moved = 0;
  while (a.outbox.length > 0 || b.outbox.length > 0) {
    if (moved >= limit) assert.fail(`still exchanging after ${limit} chunks: a keep-alive ping-pong`);
    const fromA = a.outbox.shift();
    if (fromA !== undefined) { b.decoder.push(fromA); moved++; }
    const fromB = b.outbox.shift();
    if (fromB !== undefined) { a.decoder.push(fromB); moved++; }
  }
  return moved;
}

/** A peer on jPOS CMFChannel defaults: echoes every zero-length frame it receives, no echo tracking. */
class EchoEverythingPeer implements FrameSink {
  readonly decoder = new FrameDecoder({ lengthHeader: 'binary2', keepAlive: 'answer' }, this);
  readonly outbox: Buffer[] = [];
  frame(): void { /* not used */ }
  keepAlive(): void {
    this.outbox.push(naiveKeepAlive('binary2'));
  }
}

const ANSWER: FramingOptions = { lengthHeader: 'binary2', keepAlive: 'answer' };

describe('transport/framing keep-alive', () => {
  it("keepAlive: 'ignore' swallows zero-length frames; the policy never answers", () => {
    assert.deepEqual(decodeChunks({ lengthHeader: 'ascii4' }, [hex('30 30 30 30 30 30 30 30')]), { items: [] });
    const p = new KeepAlivePolicy({ lengthHeader: 'ascii4' });
    assert.equal(p.received(0), 'ignore');
  });

  it("keepAlive: 'answer' answers a peer's keep-alive exactly once", () => {
    const us = new SimLink(ANSWER);
    us.decoder.push(naiveKeepAlive('binary2'));
    assert.deepEqual(us.verdicts, ['answer']);
    assert.deepEqual(us.outbox, [hex('00 00')]);
  });

  it('the echo of our own keep-alive is swallowed, not answered', () => {
    const us = new SimLink(ANSWER);
    us.probe();
    us.outbox.length = 0;
    us.decoder.push(hex('00 00'));
    assert.deepEqual(us.verdicts, ['echo']);
    assert.equal(us.outbox.length, 0);
    us.decoder.push(hex('00 00'));
    assert.deepEqual(us.verdicts, ['echo', 'answer'], 'only one echo is expected per probe');
  });

  it("two Dari links both in 'answer' mode: one probe, one answer, then silence (no ping-pong)", () => {
    const a = new SimLink(ANSWER);
    const b = new SimLink(ANSWER);
    a.probe();
    assert.equal(exchange(a, b), 2);
    assert.deepEqual(b.verdicts, ['answer']);
    assert.deepEqual(a.verdicts, ['echo']);
  });

  it('a peer that echoes everything (jPOS CMFChannel defaults): our probe ends after its echo', () => {
    const us = new SimLink(ANSWER);
    const peer = new EchoEverythingPeer();
    us.probe();
    let steps = 0;
    while ((us.outbox.length > 0 || peer.outbox.length > 0) && steps++ < 1000) {
      const o = us.outbox.shift();
      if (o !== undefined) peer.decoder.push(o);
      const p = peer.outbox.shift();
      if (p !== undefined) us.decoder.push(p);
    }
    assert.deepEqual(us.verdicts, ['echo']);
  });

  it("a peer that echoes everything and probes us: bounded answers per window, not an endless loop", () => {
    const us = new SimLink(ANSWER);
    const peer = new EchoEverythingPeer();
    const run = (): void => {
      let steps = 0;
      while ((us.outbox.length > 0 || peer.outbox.length > 0) && steps++ < 1000) {
        const p = peer.outbox.shift();
        if (p !== undefined) us.decoder.push(p);
        const o = us.outbox.shift();
        if (o !== undefined) peer.decoder.push(o);
      }
      assert.ok(steps < 1000, 'ping-pong did not stop');
    };
    peer.outbox.push(naiveKeepAlive('binary2'));
    run();
    assert.deepEqual(us.verdicts, ['answer', 'answer', 'answer', 'capped']);
    // 30 s later the peer polls again: answered again, bounded again.
    us.now += 30_000;
    peer.outbox.push(naiveKeepAlive('binary2'));
    run();
    assert.equal(us.answers(), 6);
  });

  it('a storm of 10 000 zero-length frames in one chunk gets at most maxKeepAliveAnswers answers', () => {
    const us = new SimLink({ ...ANSWER, maxKeepAliveAnswers: 2 });
    us.decoder.push(Buffer.alloc(20_000));
    assert.equal(us.verdicts.length, 10_000);
    assert.equal(us.answers(), 2);
    assert.equal(us.outbox.length, 2);
  });

  it('the same storm fed byte by byte gives the same answers', () => {
    const us = new SimLink({ ...ANSWER, maxKeepAliveAnswers: 2 });
    for (let i = 0; i < 20_000; i++) us.decoder.push(Buffer.alloc(1));
    assert.equal(us.verdicts.length, 10_000);
    assert.equal(us.answers(), 2);
  });

  it('a message frame ends the run: the next keep-alive is answered again', () => {
    const us = new SimLink({ ...ANSWER, maxKeepAliveAnswers: 1 });
    us.decoder.push(Buffer.concat([hex('00 00 00 00'), naiveFrame({ kind: 'binary2' }, hex('AA')), hex('00 00')]));
    assert.deepEqual(us.verdicts, ['answer', 'capped', 'answer']);
    assert.equal(us.messages, 1);
  });

  it('a new window starts a new run, so a quiet link polled every few seconds is always answered', () => {
    const us = new SimLink(ANSWER);
    for (let i = 0; i < 20; i++) {
      us.now = i * 5_000;
      us.decoder.push(hex('00 00'));
    }
    assert.equal(us.answers(), 20);
    const p = new KeepAlivePolicy({ ...ANSWER, keepAliveWindowMs: 100 });
    assert.deepEqual([0, 10, 20, 30, 99, 100].map((t) => p.received(t)), ['answer', 'answer', 'answer', 'capped', 'capped', 'answer']);
  });
});
