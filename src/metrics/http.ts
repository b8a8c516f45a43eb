/**
 * The operator endpoint (default 127.0.0.1:9583): GET /metrics (Prometheus text exposition),
 * /health (the process answers), /ready (the hub can serve: listener up, journal open; the body
 * lists each partner's ready links), and for the demo only, POST /simulators/<partner>/payments: make a
 * built-in ISO 20022 partner simulator (`simulator: true`) originate an inbound pacs.008 to the hub
 * (`dari demo qr` uses it; partners that are not built-in simulators are not reachable this way).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ReadinessSource {
  ready(): { ready: boolean; detail: Record<string, unknown> };
  /** Originate an inbound payment from a built-in simulator; undefined when there is no such simulator. */
  simulatePayment?(partner: string, body: unknown): Promise<unknown> | undefined;
}

const MAX_BODY = 16 * 1024;

export class MetricsServer {
  private server: Server | undefined;

  constructor(private readonly registry: Registry, private readonly readiness: ReadinessSource) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const sim = /^\/simulators\/([A-Za-z0-9_.-]{1,32})\/payments$/.exec(path);
      if (sim && req.method === 'POST') {
        this.simulate(sim[1] as string, req, res);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
        );
      } else if (path === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      } else if (path === '/ready') {
        const r = this.readiness.ready();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ready: r.ready, ...r.detail })}\n`);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health, /ready\n');
      }
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  private simulate(partner: string, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        json(413, { error: 'body too large' });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json(400, { error: 'body is not JSON' });
        return;
      }
      const p = this.readiness.simulatePayment?.(partner, body);
      if (!p) {
        json(404, { error: `no built-in ISO 20022 simulator for partner ${partner}` });
        return;
      }
      p.then((r) => json(200, r), (e: Error) => json(502, { error: e.message }));
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
