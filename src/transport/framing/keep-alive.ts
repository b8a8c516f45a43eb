/**
 * Whether to answer a zero-length frame (a keep-alive or poll) with one of our own.
 *
 * jPOS ASCII/CS/VAP/BASE24TCP/CMF channels echo a received zero length. If both ends echo, one
 * keep-alive ping-pongs at socket speed for the life of the link (jPOS issue #775: one core pinned
 * on each peer). Two guards, both here:
 *  1. Echo tracking: after we send a keep-alive of our own (`probeSent`), the next keep-alive we
 *     receive is taken as its echo and swallowed, never answered (jPOS PR #547 "only reply
 *     keep-alive if expecting it").
 *  2. A cap: at most `maxKeepAliveAnswers` answers in a row (no message frame in between) within
 *     one `keepAliveWindowMs`, so a peer that echoes our answers, or floods zero-length frames, gets
 *     a bounded number of answers per window instead of an endless stream.
 *
 * The policy sees no socket and reads no clock: the link passes its monotonic time. Use:
 *
 *     decoder sink keepAlive()  -> if (policy.received(now) === 'answer') write(encoder.keepAlive())
 *     decoder sink frame(...)   -> policy.messageReceived()
 *     idle timer fires          -> write(encoder.keepAlive()); policy.probeSent()
 */
import { framingConfig, type FramingConfig, type FramingOptions } from './options';

/**
 * What the link should do with a received keep-alive:
 * - `answer`: send one zero-length frame back;
 * - `echo`: it answers a keep-alive we sent; swallow it;
 * - `capped`: too many answered in a row; swallow it (worth a metric: the peer may be echoing us);
 * - `ignore`: the link is configured with `keepAlive: 'ignore'`.
 */
export type KeepAliveVerdict = 'answer' | 'echo' | 'capped' | 'ignore';

export class KeepAlivePolicy {
  private readonly answer: boolean;
  private readonly maxAnswers: number;
  private readonly windowMs: number;
  private awaitingEcho = false;
  private answered = 0;
  private windowStart = Number.NEGATIVE_INFINITY;

  constructor(options: FramingOptions | FramingConfig) {
    const c = framingConfig(options);
    this.answer = c.keepAlive === 'answer';
    this.maxAnswers = c.maxKeepAliveAnswers;
    this.windowMs = c.keepAliveWindowMs;
  }

  /** A keep-alive arrived at monotonic time `nowMs`: answer it or not. */
  received(nowMs: number): KeepAliveVerdict {
    if (!this.answer) return 'ignore';
    if (this.awaitingEcho) {
      this.awaitingEcho = false;
      return 'echo';
    }
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.answered = 0;
    }
    if (this.answered >= this.maxAnswers) return 'capped';
    this.answered++;
    return 'answer';
  }

  /**
   * We sent a keep-alive of our own (not an answer): the next one received is taken as its echo.
   * A peer that never echoes costs at most one of its own keep-alives left unanswered per probe.
   */
  probeSent(): void {
    this.awaitingEcho = true;
  }

  /** A message frame arrived: the run of keep-alives is over. */
  messageReceived(): void {
    this.answered = 0;
  }
}
