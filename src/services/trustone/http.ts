/**
 * The TrustOne participant API: JSON over HTTP (or HTTPS with `tls`), on its own port.
 *
 *   GET  /health             no authentication; {"status":"ok"}
 *   POST /v1/cards           register a card            -> 201 card
 *   POST /v1/challenges      issue a challenge           -> 201 challenge
 *   POST /v1/verifications   verify a card's answer      -> 200 {result, reason?, atc?, arpc?, ...}
 *
 * Each POST is signed by its participant (auth.ts); a request whose timestamp is outside the
 * replay window is refused. An `Idempotency-Key` header (1 to 255 printable characters) makes a
 * POST safe to retry: the same key with the same method, path and body gets the stored answer
 * (with `Idempotent-Replayed: true`), the same key with anything else is 409; keys are kept for
 * `idempotencyTtlMs`. Errors are `{"error":{"code":"DARI_...","message":"..."}}` with the HTTP
 * status of the table below; a verification that is declined is not an error (200, with the
 * reason), except for an unknown card (404, as for a challenge).
 *
 * Bodies are read up to `maxBodyBytes` (a larger Content-Length is refused before reading).
 * Nothing a participant sends is echoed or logged: the log line of a request holds its method,
 * path, participant, status, error code and duration only.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DariError, isDariError, type ErrorCode } from '../../errors';
import { HEADER_IDEMPOTENCY, HEADER_PARTICIPANT, HEADER_SIGNATURE, HEADER_TIMESTAMP } from './auth';
import type { TrustOneService } from './service';

export interface TrustOneHttpOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 9584; 0 picks a free one, see `port` after start). */
  port?: number;
  /** Serve HTTPS with these options (key, cert, and ca / requestCert for client certificates). */
  tls?: HttpsServerOptions;
  /** Accepted distance between X-Dari-Timestamp and the server clock, in seconds (default 300). */
  replayWindowS?: number;
  /** Largest request body in bytes (default 65536). */
  maxBodyBytes?: number;
  /** How long an Idempotency-Key is remembered (default 24 h). */
  idempotencyTtlMs?: number;
  /** How often expired challenges and idempotency keys are deleted (default 60000 ms; 0: never). */
  pruneIntervalMs?: number;
  /** Time allowed to receive a whole request (default 15000 ms; bounds slow clients). */
  requestTimeoutMs?: number;
  /** One structured entry per request. */
  log?: (entry: Record<string, unknown>) => void;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  DARI_API_SIGNATURE_MISSING: 401,
  DARI_API_UNKNOWN_PARTICIPANT: 401,
  DARI_API_SIGNATURE_INVALID: 401,
  DARI_API_TIMESTAMP_STALE: 401,
  DARI_API_MALFORMED_BODY: 400,
  DARI_TRUSTONE_INVALID_REQUEST: 400,
  DARI_API_NOT_FOUND: 404,
  DARI_TRUSTONE_UNKNOWN_CARD: 404,
  DARI_API_METHOD_NOT_ALLOWED: 405,
  DARI_API_IDEMPOTENCY_CONFLICT: 409,
  DARI_TRUSTONE_CARD_EXISTS: 409,
  DARI_API_BODY_TOO_LARGE: 413,
  DARI_TRUSTONE_STORE_UNAVAILABLE: 503,
};

type Handler = (participant: string, body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>;

interface Answer {
  status: number;
  body: string;
  replayed?: boolean;
  /** Close the connection after answering (node:http then ends the socket: the rest of an oversized body is never read). */
  close?: boolean;
}

const errorBody = (code: ErrorCode, message: string): string => JSON.stringify({ error: { code, message } });

function num(v: number | undefined, dflt: number, name: string, min: number, max: number): number {
  const n = v ?? dflt;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', `${name}: must be a whole number from ${min} to ${max}`);
  return n;
}

export class TrustOneHttpServer {
  private readonly server: Server;
  private readonly routes: ReadonlyMap<string, Handler>;
  private readonly o: Required<Omit<TrustOneHttpOptions, 'tls' | 'log'>> & { log: (entry: Record<string, unknown>) => void };
  private pruneTimer: NodeJS.Timeout | undefined;
  private boundPort = 0;

  constructor(private readonly service: TrustOneService, options: TrustOneHttpOptions = {}) {
    this.o = Object.freeze({
      host: options.host ?? '127.0.0.1',
      port: num(options.port, 9584, 'port', 0, 65535),
      replayWindowS: num(options.replayWindowS, 300, 'replayWindowS', 1, 3600),
      maxBodyBytes: num(options.maxBodyBytes, 65536, 'maxBodyBytes', 1024, 16 * 1024 * 1024),
      idempotencyTtlMs: num(options.idempotencyTtlMs, 86_400_000, 'idempotencyTtlMs', 60_000, 30 * 86_400_000),
      pruneIntervalMs: num(options.pruneIntervalMs, 60_000, 'pruneIntervalMs', 0, 86_400_000),
      requestTimeoutMs: num(options.requestTimeoutMs, 15_000, 'requestTimeoutMs', 1000, 600_000),
      log: options.log ?? (() => undefined),
    });
    this.routes = new Map<string, Handler>([
      ['/v1/cards', async (p, b) => ({ status: 201, body: await service.registerCard(p, b as never) })],
      ['/v1/challenges', async (p, b) => ({ status: 201, body: await service.issueChallenge(p, b as never) })],
      ['/v1/verifications', async (p, b) => {
        const result = await service.verify(p, b as never);
        if (result.reason === 'UNKNOWN_CARD') throw new DariError('DARI_TRUSTONE_UNKNOWN_CARD', `that card id is not registered for ${p} (verification ${result.verificationId})`);
        return { status: 200, body: result };
      }],
    ]);
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    this.server = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest);
    this.server.requestTimeout = this.o.requestTimeoutMs;
    this.server.headersTimeout = Math.min(this.o.requestTimeoutMs, 10_000);
  }

  /** The bound port (after start). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    if (this.o.pruneIntervalMs > 0) {
      this.pruneTimer = setInterval(() => {
        this.service.prune(this.o.idempotencyTtlMs).catch((e: unknown) => this.o.log({ event: 'trustone.prune', error: isDariError(e) ? e.code : 'DARI_INTERNAL_ERROR' }));
      }, this.o.pruneIntervalMs);
      this.pruneTimer.unref();
    }
    return this.boundPort;
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const path = target.split('?', 1)[0] as string;
    let answer: Answer;
    try {
      answer = await this.answer(req, method, target, path);
    } catch (e) {
      answer = this.failure(e);
    }
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(answer.body),
      ...(answer.replayed ? { 'idempotent-replayed': 'true' } : {}),
      ...(answer.close ? { connection: 'close' } : {}),
    });
    res.end(answer.body);
    const code = answer.status >= 400 ? (/"code":"(DARI_[A-Z0-9_]+)"/.exec(answer.body)?.[1] ?? '') : '';
    // Only values Dari knows are logged: a path or participant header it does not know could hold anything.
    const participant = req.headers[HEADER_PARTICIPANT];
    this.o.log({
      event: 'trustone.http', method, path: path === '/health' || this.routes.has(path) ? path : '(unknown)', status: answer.status,
      ...(typeof participant === 'string' && this.service.participants.has(participant) ? { participant } : {}),
      ...(code ? { code } : {}), ms: Number(process.hrtime.bigint() - started) / 1e6,
    });
  }

  private failure(e: unknown): Answer {
    if (isDariError(e)) return { status: STATUS[e.code] ?? 500, body: errorBody(e.code, e.message) };
    this.o.log({ event: 'trustone.http.error', error: e instanceof Error ? e.name : typeof e });
    return { status: 500, body: errorBody('DARI_INTERNAL_ERROR', 'unexpected failure inside Dari') };
  }

  private async answer(req: IncomingMessage, method: string, target: string, path: string): Promise<Answer> {
    if (path === '/health') {
      if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(req, 'GET');
      req.resume();
      return { status: 200, body: JSON.stringify({ status: 'ok' }) };
    }
    const handler = this.routes.get(path);
    if (!handler) {
      req.resume();
      throw new DariError('DARI_API_NOT_FOUND', 'no such endpoint (POST /v1/cards, /v1/challenges, /v1/verifications; GET /health)');
    }
    if (method !== 'POST') return this.notAllowed(req, 'POST');

    const body = await this.readBody(req);
    if (body === undefined) {
      return { status: 413, body: errorBody('DARI_API_BODY_TOO_LARGE', `the body is larger than ${this.o.maxBodyBytes} bytes`), close: true };
    }
    const participant = req.headers[HEADER_PARTICIPANT];
    const timestamp = req.headers[HEADER_TIMESTAMP];
    const signature = req.headers[HEADER_SIGNATURE];
    if (typeof participant !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
      throw new DariError('DARI_API_SIGNATURE_MISSING', 'X-Dari-Participant, X-Dari-Timestamp and X-Dari-Signature are required');
    }
    this.service.participants.verify({ participant, timestamp, signature, method, path: target, body, nowMs: this.service.now(), windowS: this.o.replayWindowS });

    const key = req.headers[HEADER_IDEMPOTENCY];
    if (key === undefined) return this.run(handler, participant, body);
    if (typeof key !== 'string' || !/^[\x20-\x7e]{1,255}$/.test(key)) {
      throw new DariError('DARI_TRUSTONE_INVALID_REQUEST', 'Idempotency-Key: must be 1 to 255 printable ASCII characters');
    }
    const fingerprint = createHash('sha256').update(`${method}\n${target}\n`).update(body).digest('hex');
    const { store } = this.service;
    const claim = await store.claimIdempotency(participant, key, fingerprint, this.service.now());
    if (claim.status === 'exists') {
      if (claim.fingerprint !== fingerprint) throw new DariError('DARI_API_IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with another request (method, path or body)');
      if (!claim.response) throw new DariError('DARI_API_IDEMPOTENCY_CONFLICT', 'the first request with this Idempotency-Key is still running; retry later');
      return { ...claim.response, replayed: true };
    }
    let answer: Answer;
    try {
      answer = await this.run(handler, participant, body);
    } catch (e) {
      answer = this.failure(e);
    }
    // A failure inside Dari (5xx) is not an answer to the request: release the key for a retry.
    if (answer.status >= 500) await store.releaseIdempotency(participant, key);
    else await store.completeIdempotency(participant, key, { status: answer.status, body: answer.body });
    return answer;
  }

  private async run(handler: Handler, participant: string, raw: Buffer): Promise<Answer> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      // The parser's message quotes the input, which may hold a PAN: never pass it on.
      throw new DariError('DARI_API_MALFORMED_BODY', 'the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DariError('DARI_API_MALFORMED_BODY', 'the body must be a JSON object');
    const out = await handler(participant, parsed as Record<string, unknown>);
    return { status: out.status, body: JSON.stringify(out.body) };
  }

  private notAllowed(req: IncomingMessage, allow: string): never {
    req.resume();
    throw new DariError('DARI_API_METHOD_NOT_ALLOWED', `${String(req.method).slice(0, 16)} is not allowed here (use ${allow})`);
  }

  /** The body, or undefined when it is larger than maxBodyBytes (declared or sent). */
  private readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const max = this.o.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (c: Buffer): void => {
        size += c.length;
        if (size > max) {
          req.off('data', onData);
          resolve(undefined);
          return;
        }
        chunks.push(c);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', reject);
    });
  }
}
