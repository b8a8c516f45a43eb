/**
 * Test helpers for the link specs (not a spec itself):
 *  - `naiveMessage` / `naiveParse`: ISO 8583:1987 all-ASCII messages (the `iso87ascii` dialect)
 *    built and read by string arithmetic, for the few fixed-length fields the specs use, so that
 *    expected wire bytes never come from the production codec or framer;
 *  - `frame2`: a 2-byte big-endian length header (jPOS PostChannel) in front of a message;
 *  - `FakePeer`: a loopback TCP partner (`net.createServer().listen(0, '127.0.0.1')`) that reads
 *    those frames, records every message and answers through a test-supplied handler.
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Iso8583Codec, builtinDialect } from '../../src/codec/iso8583';

/** ISO 8583:1987 fixed lengths (n / an / ans) of the fields the specs use. */
const FIXED: Readonly<Record<number, number>> = {
  3: 6, 4: 12, 7: 10, 11: 6, 12: 6, 37: 12, 38: 6, 39: 2, 41: 8, 42: 15, 70: 3,
};

export type Fields = Record<string, string>;

export interface NaiveMessage {
  mti: string;
  fields: Fields;
}

/** `mti` + hex bitmap(s) + field values in order; only the FIXED fields, padded by the caller. */
export function naiveMessage(mti: string, fields: Fields): Buffer {
  const numbers = Object.keys(fields).map(Number).sort((a, b) => a - b);
  const secondary = numbers.some((n) => n > 64);
  const bits = new Array<number>(secondary ? 128 : 64).fill(0);
  if (secondary) bits[0] = 1;
  let data = '';
  for (const n of numbers) {
    const len = FIXED[n];
    const v = fields[String(n)] as string;
    assert.ok(len !== undefined, `naive helper has no layout for field ${n}`);
    assert.equal(v.length, len, `field ${n} must be ${len} characters`);
    bits[n - 1] = 1;
    data += v;
  }
  let bitmap = '';
  for (let i = 0; i < bits.length; i += 4) {
    bitmap += ((bits[i] as number) * 8 + (bits[i + 1] as number) * 4 + (bits[i + 2] as number) * 2 + (bits[i + 3] as number)).toString(16).toUpperCase();
  }
  return Buffer.from(mti + bitmap + data, 'latin1');
}

/** The inverse of `naiveMessage`. */
export function naiveParse(buf: Buffer): NaiveMessage {
  const s = buf.toString('latin1');
  const mti = s.slice(0, 4);
  let at = 4;
  const bit = (bm: string, i: number): boolean => ((parseInt(bm.charAt(i >> 2), 16) >> (3 - (i & 3))) & 1) === 1;
  let bitmap = s.slice(at, at + 16);
  at += 16;
  if (bit(bitmap, 0)) {
    bitmap += s.slice(at, at + 16);
    at += 16;
  }
  const fields: Fields = {};
  for (let n = 2; n <= bitmap.length * 4; n++) {
    if (!bit(bitmap, n - 1)) continue;
    const len = FIXED[n];
    assert.ok(len !== undefined, `naive helper has no layout for field ${n}`);
    fields[String(n)] = s.slice(at, at + len);
    at += len;
  }
  assert.equal(at, s.length, 'trailing bytes after the last field');
  return { mti, fields };
}

/** 2-byte big-endian length + body. */
export function frame2(body: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(body.length, 0);
  return Buffer.concat([h, body]);
}

/** A framed naive message. */
export function wire(mti: string, fields: Fields): Buffer {
  return frame2(naiveMessage(mti, fields));
}

/** The response MTI, by hand: third digit + 1. */
export function respMti(mti: string): string {
  return `${mti.slice(0, 2)}${Number(mti.charAt(2)) + 1}0`;
}

/** A response to `req` copying `copy` fields and setting 39. */
export function answer(req: NaiveMessage, rc = '00', copy: readonly string[] = ['7', '11', '41', '70', '3', '4'], mti = respMti(req.mti)): Buffer {
  const fields: Fields = {};
  for (const n of copy) {
    const v = req.fields[n];
    if (v !== undefined) fields[n] = v;
  }
  fields['39'] = rc;
  return wire(mti, fields);
}

export const codec = new Iso8583Codec(builtinDialect('iso87ascii'));
export const FRAMING = Object.freeze({ lengthHeader: 'binary2' as const });

export interface Received extends NaiveMessage {
  socket: net.Socket;
  raw: Buffer;
}

export type PeerHandler = (msg: Received, peer: FakePeer) => void;

/** The default partner: answers 0800 with 0810 39 = 00, leaves everything else unanswered. */
export const answerNetwork: PeerHandler = (m) => {
  if (m.mti === '0800') m.socket.write(answer(m, '00'));
};

export class FakePeer {
  readonly received: Received[] = [];
  readonly sockets = new Set<net.Socket>();
  /** Connections accepted, in order. */
  connections = 0;
  handler: PeerHandler;
  private server: net.Server;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  port = 0;

  constructor(handler: PeerHandler = answerNetwork) {
    this.handler = handler;
    this.server = this.makeServer();
  }

  static async start(handler?: PeerHandler, port = 0): Promise<FakePeer> {
    const p = new FakePeer(handler);
    await p.listen(port);
    return p;
  }

  private makeServer(): net.Server {
    return net.createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2) {
          const len = buf.readUInt16BE(0);
          if (buf.length < 2 + len) break;
          const raw = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          if (len === 0) continue;
          const m: Received = { ...naiveParse(raw), socket, raw: Buffer.from(raw) };
          this.received.push(m);
          this.handler(m, this);
        }
        this.check();
      });
      this.check();
    });
  }

  listen(port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stop listening and drop every connection (a partner crash). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listen again on the same port (a partner restart). */
  async restart(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  /** Resolves when `pred` holds (checked after every chunk and connection), or fails after `ms`. */
  until(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`peer: timed out waiting for ${what}`));
      }, ms);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.pred());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  /** Messages received with this MTI (and field 70, when given). */
  count(mti: string, f70?: string): number {
    return this.received.filter((m) => m.mti === mti && (f70 === undefined || m.fields['70'] === f70)).length;
  }

  /** The single connected socket (fails if there is not exactly one). */
  get socket(): net.Socket {
    assert.equal(this.sockets.size, 1, 'expected exactly one connection');
    return [...this.sockets][0] as net.Socket;
  }
}

/** Resolve when `pred` holds, polling every 5 ms; fail after `ms`. */
export async function eventually(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A 0200 with the given STAN (and terminal, time, amount). */
export function financial(stan: string, extra: Fields = {}): { mti: string; fields: Fields } {
  return { mti: '0200', fields: { '3': '000000', '4': '000000001000', '7': '1126120000', '11': stan, '41': 'TERM0001', ...extra } };
}
