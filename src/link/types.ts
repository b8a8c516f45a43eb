/**
 * The send contract shared by Link -> LinkPool -> Router (undici's Client -> Pool -> Agent idea):
 * anything that can carry an ISO 8583 request to a peer and bring back its matched response.
 * The pipeline only ever sees this interface, never a socket.
 */
import type { Iso8583Message } from '../codec/iso8583';

export interface SendOptions {
  /** Per-request timeout in ms (monotonic clock); defaults to the link's `requestTimeoutMs`. */
  timeoutMs?: number;
  /** For follow-ups (reversals): prefer this link id when it is ready. */
  preferLink?: string;
  /**
   * The hub transaction the request belongs to (for a reversal: the transaction it reverses).
   * ISO 8583 links ignore it; ISO 20022 partners derive their message and transaction ids from it,
   * so that a status request or a cancellation names the original even after a restart.
   */
  txnId?: string;
}

export interface Exchange {
  /** The matched response. */
  response: Iso8583Message;
  /** Id of the link that carried it. */
  link: string;
  /** Seconds between the request being written and its response being read (the partner's share). */
  waitSeconds: number;
  /**
   * Set when the partner's answer settles nothing and needs a person (an ISO 20022 cancellation
   * the partner refused: the payment stands): the SAF entry is flagged with this text for operators.
   */
  investigate?: string;
}

export interface Sender {
  /**
   * Send a request and resolve with its matched response. Rejects with a DariError:
   * DARI_LINK_TIMEOUT (no response in time: the partner may have acted), DARI_LINK_NOT_READY (no
   * ready link: nothing was sent), DARI_LINK_DUPLICATE_KEY (a request with this key is pending:
   * nothing was sent), DARI_LINK_CLOSED (the link dropped after the request was written: the
   * partner may have acted). `err.sent` tells whether the request reached the wire.
   */
  request(msg: Iso8583Message, options?: SendOptions): Promise<Exchange>;
  /** True when at least one link is signed on and can take a request now. */
  readonly ready: boolean;
}

/**
 * Response MTI for a request MTI (ISO 8583:1987 4.1.2): the function digit (3rd) + 1, the origin
 * digit (4th) kept with its repeat bit cleared: 0200 -> 0210, 0420/0421 -> 0430, 0422 -> 0432,
 * 1804 -> 1814.
 */
export function responseMti(mti: string): string {
  const fn = mti.charCodeAt(2) - 0x30;
  const origin = mti.charCodeAt(3) - 0x30;
  return `${mti.slice(0, 2)}${fn + 1}${origin & ~1}`;
}

/** An MTI is a response when its function digit (3rd) is odd: x1x0, x3x0, x5x0, x7x0. */
export function isResponseMti(mti: string): boolean {
  return ((mti.charCodeAt(2) - 0x30) & 1) === 1;
}
