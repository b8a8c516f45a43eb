/**
 * A hub process killed (SIGKILL) while a request is with the partner: no answer reached the
 * originator and the partner may have approved. A new hub on the same journal and data key must
 * find the transaction left 'forwarded' and reverse it (0420 with field 90 naming the original as
 * the partner saw it), exactly as a timeout would have.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso8583Codec, builtinDialect } from '../../src/codec/iso8583';
import { validateConfig } from '../../src/config/schema';
import { Link } from '../../src/link';
import { PartnerSimulator } from '../../src/sim';
import { Hub } from '../../src/switch/hub';
import { DARI_BIN } from '../support/paths';
import { financial, waitFor } from './harness';

describe('integration: crash recovery', function () {
  this.timeout(30000);
  let child: ChildProcess | undefined;
  let partner: PartnerSimulator | undefined;
  let hub: Hub | undefined;
  let link: Link | undefined;

  after(async () => {
    child?.kill('SIGKILL');
    await link?.close();
    await hub?.stop();
    await partner?.stop();
  });

  it('a transaction in flight when the hub is killed is reversed by the next hub', async () => {
    partner = new PartnerSimulator({ timeoutHintMs: 1000 });
    await partner.start();
    const dir = mkdtempSync(join(tmpdir(), 'dari-crash-'));
    const cfg = {
      node: { id: 'crash' },
      listener: { host: '127.0.0.1', port: 0 },
      metrics: { host: '127.0.0.1', port: 0 },
      journal: { sqlitePath: join(dir, 'dari.db'), dataKeyFile: join(dir, 'data.key') },
      saf: { retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 50, pollMs: 50 },
      participants: [{ id: 'ACQ', allow: ['127.0.0.1'], listen: { host: '127.0.0.1', port: 0 } }],
      partners: [{ id: 'P', endpoints: [{ host: '127.0.0.1', port: partner.port }], links: 1, requestTimeoutMs: 1000, echoIntervalMs: 0 }],
      defaultRoute: 'P',
    };
    const yaml = join(dir, 'hub.yaml');
    writeFileSync(yaml, JSON.stringify(cfg)); // JSON is YAML
    child = spawn(process.execPath, [DARI_BIN, 'start', '--config', yaml], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    await waitFor(() => /participant ACQ: listening on 127\.0\.0\.1:(\d+)/.test(out) && /link P#1: ready/.test(out), 10000, () => `hub did not start: ${out}`);
    const port = Number(/participant ACQ: listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    partner.drop(true); // holds the 0200: the hub will be killed before any answer

    link = new Link({ role: 'client', host: '127.0.0.1', port, codec: new Iso8583Codec(builtinDialect('iso87ascii')), framing: { lengthHeader: 'binary2' }, requestTimeoutMs: 10000 });
    link.start();
    await new Promise<void>((r) => link?.once('ready', () => r()));
    const request = financial(10000);
    const pending = link.request(request).catch((e: Error) => e);
    await waitFor(() => partner?.count('0200') === 1, 5000, () => 'the partner never got the 0200');
    const outboundStan = partner.received.find((m) => m.mti === '0200')?.fields['11'];

    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    child = undefined;
    assert.ok((await pending) instanceof Error, 'the originator got no answer from the killed hub');

    // The partner is healthy again; a new hub starts on the same journal and key.
    partner.drop(false);
    hub = new Hub(validateConfig(cfg), { databaseUrl: '', env: {}, metricsServer: false });
    await hub.start();
    await waitFor(() => (partner?.count('0420') ?? 0) + (partner?.count('0421') ?? 0) >= 1, 15000, () => `no reversal reached the partner (got ${JSON.stringify(partner?.countsByMti())})`);
    const rev = partner.received.find((m) => m.mti === '0420' || m.mti === '0421');
    assert.equal(rev?.fields['90']?.slice(0, 4), '0200', 'field 90 names the original MTI');
    assert.equal(rev?.fields['90']?.slice(4, 10), outboundStan, 'field 90 carries the STAN the partner saw');
    assert.equal(rev?.fields['2'], request.fields['2'], 'the reversal carries the PAN (unsealed from the journal)');
    assert.equal(partner.count('0200'), 1, 'the financial request was never resent');
  });
});
