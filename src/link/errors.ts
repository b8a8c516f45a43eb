/**
 * The error every `request` rejects with: a DariError that also says whether the request reached
 * the wire. `sent: false` means nothing was written (safe to answer stand-in or try elsewhere);
 * `sent: true` means the partner may have acted on it (recover by reversal, never by resending).
 */
import { DariError, isDariError, type ErrorCode, type ErrorDetail } from '../errors';

export class LinkError extends DariError {
  /** Whether the request was handed to the socket before it failed. */
  readonly sent: boolean;
  /**
   * Id of the link the request was on, for errors raised once a link took it (timeout, closed):
   * follow-ups such as a reversal prefer that link (`SendOptions.preferLink`).
   */
  link: string | undefined = undefined;

  constructor(code: ErrorCode, message: string, sent: boolean, detail: ErrorDetail = {}) {
    super(code, message, detail);
    this.name = 'LinkError';
    this.sent = sent;
  }

  /** A codec (or any other) error thrown before anything was written, re-issued with `sent: false`. */
  static notSent(e: unknown): LinkError {
    if (e instanceof LinkError) return e;
    if (isDariError(e)) {
      const detail: ErrorDetail = {};
      if (e.field !== undefined) detail.field = e.field;
      if (e.offset !== undefined) detail.offset = e.offset;
      return new LinkError(e.code, e.message, false, detail);
    }
    return new LinkError('DARI_INTERNAL_ERROR', `request could not be prepared: ${e instanceof Error ? e.message : String(e)}`, false);
  }
}
