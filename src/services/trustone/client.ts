/**
 * A participant's client for the TrustOne API: signs each request (auth.ts) and turns coded error
 * answers back into DariErrors. Used by `dari demo trustone` and the specs; a participant's own
 * implementation needs only the signing rules in auth.ts.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DariError, ERROR_CATALOGUE, type ErrorCode } from '../../errors';
import { HEADER_IDEMPOTENCY, HEADER_PARTICIPANT, HEADER_SIGNATURE, HEADER_TIMESTAMP, parseSecret, sign } from './auth';
import type { CardView, ChallengeRequest, ChallengeView, RegisterCardRequest, VerificationRequest, VerificationResult } from './service';

export interface TrustOneClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9584 */
  url: string;
  participant: string;
  /** The participant secret, hex. */
  secret: string;
  /** Per-request timeout (default 10000 ms). */
  timeoutMs?: number;
  /** Extra TLS options for https URLs (ca, cert, key). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
}

export interface SendOptions {
  idempotencyKey?: string;
  /** Override the signed timestamp (epoch seconds), e.g. to test the replay window. */
  timestamp?: string;
  /** Send this signature instead of the computed one. */
  signature?: string;
  /** Leave these authentication headers out. */
  omit?: readonly ('participant' | 'timestamp' | 'signature')[];
  /** Send these bytes as the body instead of JSON.stringify(body). */
  rawBody?: Buffer;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class TrustOneClient {
  readonly #secret: Buffer;
  private readonly base: URL;

  constructor(private readonly o: TrustOneClientOptions) {
    try {
      this.base = new URL(o.url);
    } catch {
      throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', 'url: not a valid URL');
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', 'url: must be http:// or https://');
    this.#secret = parseSecret(o.secret, 'secret');
  }

  /** One signed request; any HTTP status is returned, not thrown. */
  send(method: string, path: string, body?: unknown, opts: SendOptions = {}): Promise<ApiResponse> {
    const raw = opts.rawBody ?? (body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8'));
    const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
    const omit = new Set(opts.omit ?? []);
    const url = new URL(path, this.base);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': raw.length };
    if (!omit.has('participant')) headers[HEADER_PARTICIPANT] = this.o.participant;
    if (!omit.has('timestamp')) headers[HEADER_TIMESTAMP] = timestamp;
    if (!omit.has('signature')) headers[HEADER_SIGNATURE] = opts.signature ?? sign(this.#secret, method, url.pathname + url.search, timestamp, raw);
    if (opts.idempotencyKey !== undefined) {
      // node:http refuses control characters in headers; say so with a code rather than a TypeError.
      if (!/^[\x20-\x7e]*$/.test(opts.idempotencyKey)) return Promise.reject(new DariError('DARI_TRUSTONE_INVALID_REQUEST', 'Idempotency-Key: must be printable ASCII'));
      headers[HEADER_IDEMPOTENCY] = opts.idempotencyKey;
    }
    const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const where = this.base.host;
    return new Promise((resolve, reject) => {
      const req = doRequest(url, { method, headers, timeout: this.o.timeoutMs ?? 10_000, ...(this.o.tls ?? {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            reject(new DariError('DARI_API_UNREACHABLE', `${where} answered ${res.statusCode} without JSON`));
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', (e) => reject(new DariError('DARI_API_UNREACHABLE', `${where}: ${e.message}`)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.o.timeoutMs ?? 10_000} ms`)));
      req.on('error', (e) => reject(new DariError('DARI_API_UNREACHABLE', `${where}: ${e.message}`)));
      req.end(raw);
    });
  }

  /** A request whose non-2xx answer becomes the server's coded DariError. */
  async call<T>(method: string, path: string, body?: unknown, opts?: SendOptions): Promise<T> {
    const r = await this.send(method, path, body, opts);
    if (r.status >= 200 && r.status < 300) return r.body as T;
    const err = (r.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof err?.code === 'string' && err.code in ERROR_CATALOGUE ? (err.code as ErrorCode) : 'DARI_API_UNREACHABLE';
    throw new DariError(code, typeof err?.message === 'string' ? err.message : `HTTP ${r.status}`);
  }

  registerCard(req: RegisterCardRequest, opts?: SendOptions): Promise<CardView> {
    return this.call('POST', '/v1/cards', req, opts);
  }

  challenge(req: ChallengeRequest, opts?: SendOptions): Promise<ChallengeView> {
    return this.call('POST', '/v1/challenges', req, opts);
  }

  verify(req: VerificationRequest, opts?: SendOptions): Promise<VerificationResult> {
    return this.call('POST', '/v1/verifications', req, opts);
  }

  toJSON(): string {
    return '[TrustOneClient]';
  }
}
