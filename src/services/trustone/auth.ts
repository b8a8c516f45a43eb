/**
 * Participant request signatures for the TrustOne HTTP API.
 *
 *   X-Dari-Participant: <participant id>
 *   X-Dari-Timestamp:   <Unix time in whole seconds, decimal>
 *   X-Dari-Signature:   hex( HMAC-SHA-256( secret, METHOD "\n" PATH "\n" TIMESTAMP "\n" hex(SHA-256(body)) ) )
 *
 * METHOD is upper case; PATH is the request target exactly as sent (path and query string);
 * TIMESTAMP is the header value as sent; the body hash is lower-case hex (of zero bytes for an
 * empty body); the secret is the participant's key as bytes (given in hex). The signature may be
 * sent in either case. The server compares in constant time and accepts a timestamp within the
 * replay window (default +/- 300 s) of its own clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DariError } from '../../errors';

export const HEADER_PARTICIPANT = 'x-dari-participant';
export const HEADER_TIMESTAMP = 'x-dari-timestamp';
export const HEADER_SIGNATURE = 'x-dari-signature';
export const HEADER_IDEMPOTENCY = 'idempotency-key';

export function signingString(method: string, path: string, timestamp: string, body: Buffer): string {
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${createHash('sha256').update(body).digest('hex')}`;
}

export function sign(secret: Buffer, method: string, path: string, timestamp: string, body: Buffer): string {
  return createHmac('sha256', secret).update(signingString(method, path, timestamp, body), 'utf8').digest('hex');
}

/** A participant secret from its hex form: at least 16 bytes (128 bits). */
export function parseSecret(hex: string, what: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2}){16,64}$/.test(hex)) {
    throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', `${what}: the secret must be 32 to 128 hex digits (16 to 64 bytes)`);
  }
  return Buffer.from(hex, 'hex');
}

/** Participant secrets, kept out of enumeration, JSON and inspection. */
export class ParticipantKeys {
  readonly #secrets = new Map<string, Buffer>();

  constructor(participants: readonly { id: string; secret: string }[]) {
    for (const [i, p] of participants.entries()) {
      if (typeof p.id !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(p.id)) {
        throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', `participants[${i}].id: must be 1 to 64 letters, digits, '_', '.' or '-'`);
      }
      if (this.#secrets.has(p.id)) throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', `participants[${i}].id: ${p.id} is listed twice`);
      this.#secrets.set(p.id, parseSecret(p.secret, `participants[${i}].secret`));
    }
  }

  has(id: string): boolean {
    return this.#secrets.has(id);
  }

  /**
   * Check a request: throws DARI_API_UNKNOWN_PARTICIPANT, DARI_API_TIMESTAMP_STALE or
   * DARI_API_SIGNATURE_INVALID. The timestamp is checked before the signature so that a stale
   * replay is named as such.
   */
  verify(r: { participant: string; timestamp: string; signature: string; method: string; path: string; body: Buffer; nowMs: number; windowS: number }): void {
    const secret = this.#secrets.get(r.participant);
    if (!secret) throw new DariError('DARI_API_UNKNOWN_PARTICIPANT', 'X-Dari-Participant names no participant of this API');
    if (!/^[0-9]{1,12}$/.test(r.timestamp)) throw new DariError('DARI_API_TIMESTAMP_STALE', 'X-Dari-Timestamp must be Unix time in whole seconds');
    const skew = Math.abs(r.nowMs / 1000 - Number(r.timestamp));
    if (skew > r.windowS) throw new DariError('DARI_API_TIMESTAMP_STALE', `X-Dari-Timestamp is ${Math.round(skew)} s from the server clock (window ${r.windowS} s)`);
    const expected = createHmac('sha256', secret).update(signingString(r.method, r.path, r.timestamp, r.body), 'utf8').digest();
    const wellFormed = /^[0-9a-fA-F]{64}$/.test(r.signature);
    // Compared in full and in constant time even when the header is not 64 hex digits.
    const same = timingSafeEqual(expected, wellFormed ? Buffer.from(r.signature, 'hex') : Buffer.alloc(32));
    if (!same || !wellFormed) {
      throw new DariError('DARI_API_SIGNATURE_INVALID', 'X-Dari-Signature does not match the request (see the signing rules)');
    }
  }

  toJSON(): string {
    return '[ParticipantKeys]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[ParticipantKeys]';
  }
}
