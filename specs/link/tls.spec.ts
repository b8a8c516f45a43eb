/**
 * A TLS link with client certificates over loopback: certificates made by the openssl command line
 * in a temporary directory (Node has no certificate builder). Skipped when openssl is missing.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { Link, acceptLink, type DisconnectInfo } from '../../src/link';
import { FRAMING, codec, eventually, financial } from './peer';

function makeCert(dir: string, name: string, cn: string, san?: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`];
  if (san !== undefined) args.push('-addext', `subjectAltName=${san}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

describe('link over TLS with client certificates', () => {
  let dir = '';
  let server: { key: Buffer; cert: Buffer };
  let clientCert: { key: Buffer; cert: Buffer };
  let tlsServer: tls.Server | undefined;
  const links: Link[] = [];
  const peers: string[] = [];

  before(function () {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'dari-link-tls-'));
    server = makeCert(dir, 'server', 'localhost', 'IP:127.0.0.1,DNS:localhost');
    clientCert = makeCert(dir, 'client', 'dari-client');
  });

  beforeEach(async () => {
    tlsServer = tls.createServer({ key: server.key, cert: server.cert, ca: [clientCert.cert], requestCert: true, rejectUnauthorized: true }, (socket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      peers.push(String(cn));
      links.push(acceptLink(socket, {
        codec, framing: FRAMING,
        onRequest: (msg, reply) => reply({ mti: '0210', fields: { '7': msg.fields['7'] ?? '', '11': msg.fields['11'] ?? '', '41': msg.fields['41'] ?? '', '39': '00' } }),
      }));
    });
    tlsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => tlsServer?.listen(0, '127.0.0.1', r));
  });

  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.close()));
    await new Promise<void>((r) => (tlsServer ? tlsServer.close(() => r()) : r()));
    peers.length = 0;
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const port = (): number => (tlsServer?.address() as { port: number }).port;

  it('signs on and exchanges a request over TLS presenting a client certificate', async () => {
    const l = new Link({
      role: 'client', host: '127.0.0.1', port: port(), codec, framing: FRAMING, signOn: true,
      tls: { ca: [server.cert], cert: clientCert.cert, key: clientCert.key },
    }).start();
    links.push(l);
    await eventually(() => l.ready, 5000, 'ready over TLS');
    const ex = await l.request(financial('000314'));
    assert.equal(ex.response.fields['39'], '00');
    assert.deepEqual(peers, ['dari-client']);
  });

  it('a client without a certificate never gets a working link', async () => {
    const l = new Link({
      role: 'client', host: '127.0.0.1', port: port(), codec, framing: FRAMING, signOn: true, signOnTimeoutMs: 500,
      reconnectBaseMs: 50, reconnectMaxMs: 100, tls: { ca: [server.cert] },
    });
    links.push(l);
    const disconnects: DisconnectInfo[] = [];
    l.on('disconnect', (i) => disconnects.push(i));
    l.start();
    await eventually(() => disconnects.length >= 2, 5000, 'refused twice');
    assert.equal(l.ready, false);
    assert.deepEqual(peers, []);
    assert.ok(disconnects.every((d) => d.rejected <= 1));
  });
});
