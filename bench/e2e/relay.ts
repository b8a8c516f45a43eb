/**
 * The bare relay baseline: what a switch costs when it does nothing but move frames.
 *
 * Downstream (acquirer) connections in, a fixed pool of upstream connections to the partner out.
 * Frames are cut by the 2-byte binary length header and forwarded as they are (header included):
 * no decoding, no journal, no matching fields. Each downstream frame goes to the next upstream
 * connection (round robin) and its downstream socket is queued on that connection's FIFO; the
 * partner simulator answers each connection in order, so the n-th answer on an upstream connection
 * belongs to the n-th request sent on it. Writes issued in one event-loop turn are corked into one
 * writev per socket, as the hub's links do.
 */
import net from 'node:net';

/** Cuts a binary2-framed byte stream into frames (views of the chunks; a split frame is joined once). */
export class FrameSplitter {
  private tail: Buffer | undefined;

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let buf = chunk;
    if (this.tail !== undefined) {
      buf = Buffer.concat([this.tail, chunk]);
      this.tail = undefined;
    }
    let off = 0;
    const n = buf.length;
    while (n - off >= 2) {
      const end = off + 2 + (((buf[off] as number) << 8) | (buf[off + 1] as number));
      if (end > n) break;
      onFrame(buf.subarray(off, end));
      off = end;
    }
    if (off < n) this.tail = buf.subarray(off);
  }
}

function corkedWriter(socket: net.Socket): (frame: Buffer) => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  return (frame) => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(frame);
  };
}

interface Upstream {
  socket: net.Socket;
  write: (frame: Buffer) => void;
  /** Downstream writers waiting for an answer on this connection, oldest first (from `head`). */
  fifo: Array<((frame: Buffer) => void) | undefined>;
  head: number;
}

export interface RelayStats {
  requests: number;
  responses: number;
  downstream: number;
}

export class Relay {
  private server: net.Server | undefined;
  private readonly upstreams: Upstream[] = [];
  private rr = 0;
  private readonly downstream = new Set<net.Socket>();
  readonly stats: RelayStats = { requests: 0, responses: 0, downstream: 0 };

  constructor(private readonly partner: { host: string; port: number }, private readonly poolSize: number) {}

  async start(host = '127.0.0.1', port = 0): Promise<number> {
    for (let i = 0; i < this.poolSize; i++) this.upstreams.push(await this.openUpstream());
    const server = net.createServer({ noDelay: true }, (s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  private openUpstream(): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.partner.host, port: this.partner.port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const up: Upstream = { socket, write: corkedWriter(socket), fifo: [], head: 0 };
        const splitter = new FrameSplitter();
        socket.on('data', (chunk: Buffer) =>
          splitter.push(chunk, (frame) => {
            const w = up.fifo[up.head];
            up.fifo[up.head++] = undefined;
            if (up.head > 4096 && up.head * 2 > up.fifo.length) {
              up.fifo = up.fifo.slice(up.head);
              up.head = 0;
            }
            this.stats.responses++;
            if (w !== undefined) w(frame);
          }),
        );
        socket.on('error', () => undefined);
        resolve(up);
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.downstream.add(socket);
    this.stats.downstream++;
    const write = corkedWriter(socket);
    const splitter = new FrameSplitter();
    socket.on('data', (chunk: Buffer) =>
      splitter.push(chunk, (frame) => {
        const up = this.upstreams[this.rr] as Upstream;
        this.rr = this.rr + 1 === this.upstreams.length ? 0 : this.rr + 1;
        up.fifo.push(write);
        this.stats.requests++;
        up.write(frame);
      }),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => this.downstream.delete(socket));
  }

  async stop(): Promise<void> {
    for (const s of this.downstream) s.destroy();
    for (const u of this.upstreams) u.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
