/**
 * A message link: one TCP (or TLS) connection carrying whole messages, one per frame (ISO 20022
 * partner switches: one UTF-8 XML document per frame behind a 4-byte binary length header). Unlike
 * the ISO 8583 `Link` it does no matching itself: ISO 20022 answers are matched by the ids inside the
 * documents (OrgnlMsgId, OrgnlUETR, OrgnlEndToEndId), which only the gateway above understands.
 *
 * - Role `client` connects and reconnects with exponential backoff and full jitter; role `server`
 *   wraps an accepted socket and ends with it. Ready = connected (no sign-on at this layer).
 * - The frame size is checked before anything is buffered (FrameDecoder); a framing error closes
 *   this connection only, with a `frameError` event, and a client reconnects.
 * - Nothing is ever resent by the link: a message written before a disconnect is the gateway's to
 *   recover (status request, cancellation).
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { DariError } from '../errors';
import { FrameDecoder, FrameEncoder, type FramingOptions } from '../transport/framing';
import { LinkError } from './errors';
import { corkForTurn } from '../transport/cork';

export type MessageLinkState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export interface MessageLinkOptions {
  id: string;
  role: 'client' | 'server';
  /** Client: where to connect. */
  host?: string;
  port?: number;
  /** Server: the accepted socket. */
  socket?: net.Socket;
  /** Client TLS (cert/key/ca); the server side gets a TLS socket already. */
  tls?: tls.ConnectionOptions;
  /** @default { lengthHeader: 'binary4', maxFrameSize: 262144 } */
  framing?: FramingOptions;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** @default 200 */
  reconnectBaseMs?: number;
  /** @default 30000 */
  reconnectMaxMs?: number;
}

export interface MessageLinkEvents {
  state: [state: MessageLinkState];
  /** One whole message (a copy: safe to keep). */
  message: [body: Buffer, link: string];
  frameError: [error: DariError];
}

export const XML_FRAMING: FramingOptions = { lengthHeader: 'binary4', maxFrameSize: 256 * 1024 };

export class MessageLink extends EventEmitter<MessageLinkEvents> {
  readonly id: string;
  /** Messages the layer above has outstanding on this link (maintained by it, read by the pool). */
  inFlight = 0;
  private stateValue: MessageLinkState = 'idle';
  private socket: net.Socket | undefined;
  private readonly encoder: FrameEncoder;
  private readonly framing: FramingOptions;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private connects = 0;
  private readonly turn = { corked: false };

  constructor(private readonly o: MessageLinkOptions) {
    super();
    this.id = o.id;
    this.framing = o.framing ?? XML_FRAMING;
    this.encoder = new FrameEncoder(this.framing);
    if (o.role === 'client' && (o.host === undefined || o.port === undefined)) {
      throw new DariError('DARI_LINK_OPTIONS_INVALID', `link ${o.id}: a client link needs host and port`);
    }
    if (o.role === 'server') {
      if (!o.socket) throw new DariError('DARI_LINK_OPTIONS_INVALID', `link ${o.id}: a server link needs its socket`);
      this.attach(o.socket);
    }
  }

  get state(): MessageLinkState {
    return this.stateValue;
  }

  get ready(): boolean {
    return this.stateValue === 'ready';
  }

  /** Connections made so far (reconnects = connects - 1). */
  get connections(): number {
    return this.connects;
  }

  start(): this {
    if (this.o.role === 'client' && this.stateValue === 'idle') this.connect();
    return this;
  }

  /** Write one message. Throws DARI_LINK_NOT_READY (nothing written) when not connected. */
  send(body: string | Buffer): void {
    const s = this.socket;
    if (!s || this.stateValue !== 'ready') throw new LinkError('DARI_LINK_NOT_READY', `link ${this.id} is not connected`, false);
    // The frame is built in one buffer (length header + UTF-8 body); writes issued in one event-loop
    // turn leave in one socket write (cork now, uncork on the next tick).
    const frame = typeof body === 'string' ? this.encodeString(body) : this.encoder.encode(body);
    corkForTurn(this.turn, s);
    s.write(frame);
  }

  private encodeString(body: string): Buffer {
    return this.encoder.encodeWith(Buffer.byteLength(body, 'utf8'), (target, start) => start + target.write(body, start, 'utf8'));
  }

  /** Test support (simulators): write the first half of a frame, then drop the connection. */
  sendHalfAndClose(body: string): void {
    const s = this.socket;
    if (!s) return;
    const frame = this.encoder.encode(Buffer.from(body, 'utf8'));
    s.write(frame.subarray(0, frame.length >> 1), () => s.destroy());
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.socket;
    this.setState('closed');
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
  }

  private setState(s: MessageLinkState): void {
    if (this.stateValue === s || this.stateValue === 'closed') return;
    this.stateValue = s;
    this.emit('state', s);
  }

  private connect(): void {
    if (this.stateValue === 'closed') return;
    this.setState('connecting');
    const { host, port } = this.o as { host: string; port: number };
    const socket = this.o.tls ? tls.connect({ ...this.o.tls, host, port }) : net.connect({ host, port });
    const timeout = setTimeout(() => socket.destroy(new Error('connect timeout')), this.o.connectTimeoutMs ?? 5000);
    socket.once(this.o.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timeout);
      this.attempt = 0;
    });
    socket.once('close', () => clearTimeout(timeout));
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(this.framing, {
      frame: (message) => this.emit('message', Buffer.from(message), this.id),
      keepAlive: () => undefined,
    });
    const up = (): void => {
      this.connects++;
      this.setState('ready');
    };
    if (this.o.role === 'server') up();
    else socket.once(this.o.tls ? 'secureConnect' : 'connect', up);
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (e) {
        if (e instanceof DariError) this.emit('frameError', e);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined); // 'close' follows and decides what happens next
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (this.stateValue === 'closed') return;
      if (this.o.role === 'server') {
        this.setState('closed');
        return;
      }
      const cap = Math.min(this.o.reconnectMaxMs ?? 30000, (this.o.reconnectBaseMs ?? 200) * 2 ** Math.min(this.attempt++, 30));
      this.setState('backoff');
      this.timer = setTimeout(() => this.connect(), Math.random() * cap); // full jitter
      this.timer.unref();
    });
  }
}

/** Several message links to one partner; new messages go to the ready link with the fewest outstanding. */
export class MessageLinkPool {
  constructor(readonly id: string, readonly links: readonly MessageLink[]) {}

  get ready(): boolean {
    return this.links.some((l) => l.ready);
  }

  /** The link for a new message (or the preferred one when it is ready); undefined when none is ready. */
  pick(prefer?: string): MessageLink | undefined {
    let best: MessageLink | undefined;
    for (const l of this.links) {
      if (!l.ready) continue;
      if (l.id === prefer) return l;
      if (!best || l.inFlight < best.inFlight) best = l;
    }
    return best;
  }

  start(): void {
    for (const l of this.links) l.start();
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l.close()));
  }
}
