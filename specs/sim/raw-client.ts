/**
 * A bare test client for the simulator specs: raw socket + framing + codec, recording every byte
 * and every decoded message, so a spec can look at what a peer really put on the wire.
 */
import { connect, type Socket } from 'node:net';
import { Iso8583Codec, loadDialect, type Iso8583Message } from '../../src/codec/iso8583';
import { FrameDecoder, FrameEncoder, framingConfig, type FramingConfig, type FramingOptions } from '../../src/transport/framing';

export interface Received {
  message: Iso8583Message;
  header: Buffer | undefined;
  at: bigint;
}

export class RawClient {
  readonly codec: Iso8583Codec;
  readonly framing: FramingConfig;
  readonly encoder: FrameEncoder;
  readonly received: Received[] = [];
  /** Every byte received, in order. */
  readonly bytes: Buffer[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private readonly decoder: FrameDecoder;
  private readonly socket: Socket;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: Socket, dialect: string, framing: FramingOptions) {
    this.socket = socket;
    this.codec = new Iso8583Codec(loadDialect(dialect));
    this.framing = framingConfig(framing);
    this.encoder = new FrameEncoder(this.framing);
    this.decoder = new FrameDecoder(this.framing, {
      frame: (m, h) => {
        this.received.push({ message: this.codec.unpack(m), header: h === undefined ? undefined : Buffer.from(h), at: process.hrtime.bigint() });
        this.notify();
      },
      keepAlive: () => undefined,
    });
    socket.on('data', (chunk: Buffer) => {
      this.bytes.push(Buffer.from(chunk));
      this.decoder.push(chunk);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.isClosed = true;
      this.notify();
      resolve();
    }));
  }

  static connect(port: number, dialect = 'iso87ascii', framing: FramingOptions = { lengthHeader: 'binary2' }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawClient(s, dialect, framing));
      });
    });
  }

  /** Write one message (with `header` when the link has a fixed header). Returns the write time. */
  send(msg: Iso8583Message, header?: Buffer): bigint {
    this.socket.write(this.encoder.encode(this.codec.pack(msg), header));
    return process.hrtime.bigint();
  }

  /** Write raw bytes. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** All bytes received so far, concatenated. */
  allBytes(): Buffer {
    return Buffer.concat(this.bytes);
  }

  /** Resolve once `n` messages in all have arrived. */
  waitFor(n: number, timeoutMs = 3000): Promise<Received[]> {
    return this.waitUntil(() => this.received.length >= n, timeoutMs, () => `${this.received.length} of ${n} messages within ${timeoutMs} ms`)
      .then(() => this.received.slice(0, n));
  }

  waitForClose(timeoutMs = 3000): Promise<void> {
    return this.waitUntil(() => this.isClosed, timeoutMs, () => `socket still open after ${timeoutMs} ms`);
  }

  private waitUntil(ok: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(t);
        this.waiters.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(why()));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function msSince(t: bigint): number {
  return Number(process.hrtime.bigint() - t) / 1e6;
}

let stan = 100;
/** A minimal 0200 with the given amount (12 digits) and a fresh STAN. */
export function financial(amount: string, extra: Record<string, string> = {}, mti = '0200'): Iso8583Message {
  stan++;
  return {
    mti,
    fields: {
      '2': '4761739001010119',
      '3': '000000',
      '4': amount.padStart(12, '0'),
      '7': '1126031500',
      '11': String(stan).padStart(6, '0'),
      '12': '121500',
      '13': '1126',
      '22': '051',
      '32': '410001',
      '37': `6330120${String(stan).padStart(5, '0')}`,
      '41': 'TERM0001',
      '42': 'DARIACQ00000001',
      '49': '410',
      ...extra,
    },
  };
}

export function signOn(code = '001', extra: Record<string, string> = {}): Iso8583Message {
  stan++;
  return { mti: '0800', fields: { '7': '1126031500', '11': String(stan).padStart(6, '0'), '70': code, ...extra } };
}
