/**
 * Link MACs in the hub: `participants[].mac.keyId` names a MAC key in the hub's software HSM (key
 * store and master key file from `hsm:`); a participant that signs gets its answer signed, one that
 * does not is answered 63 (security violation) and nothing is routed.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Iso8583Codec, loadDialect } from '../../src/codec/iso8583';
import { validateConfig } from '../../src/config/schema';
import { Link } from '../../src/link';
import { openSoftwareHsm, SoftwareHsm } from '../../src/security/hsm';
import { Hub } from '../../src/switch/hub';
import { financial, waitFor } from './harness';

describe('integration: MAC on participant links (field 64)', function () {
  this.timeout(20000);
  let dir: string;
  let hub: Hub;
  const key = randomBytes(16);
  const links: Link[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dari-mac-'));
    const hsmFiles = { storeFile: join(dir, 'hsm.json'), masterKeyFile: join(dir, 'hsm.key') };
    // The operator loads the zone MAC key into the hub's key store (as `dari keys import` does).
    openSoftwareHsm({ ...hsmFiles, create: true, env: {} }).importClearKey({ type: 'mac', algorithm: 'tdes', key, id: 'acq-mac' });
    hub = new Hub(validateConfig({
      listener: { host: '127.0.0.1', port: 0 },
      journal: { sqlitePath: join(dir, 'dari.db'), dataKeyFile: join(dir, 'data.key') },
      hsm: hsmFiles,
      participants: [{ id: 'ACQ', allow: ['127.0.0.1', '::ffff:127.0.0.1'], mac: { keyId: 'acq-mac' } }],
      partners: [{ id: 'P', simulator: true, links: 1 }],
      defaultRoute: 'P',
    }), { databaseUrl: '', env: {}, metricsServer: false });
    await hub.start();
    await waitFor(() => hub.pools.get('P')?.links.every((l) => l.ready) ?? false, 5000, () => 'partner links');
  });

  after(async () => {
    await Promise.all(links.map((l) => l.close()));
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function participant(mac?: (d: Buffer) => Buffer): Promise<Link> {
    const l = new Link({ role: 'client', host: '127.0.0.1', port: hub.ports.listener, codec: new Iso8583Codec(loadDialect('iso87ascii')), framing: { lengthHeader: 'binary2' }, signOn: false, requestTimeoutMs: 5000, ...(mac ? { mac } : {}) }).start();
    links.push(l);
    await waitFor(() => l.ready, 3000, () => l.state);
    return l;
  }

  it('a signed 0200 is routed and its 0210 comes back signed', async () => {
    const own = new SoftwareHsm({ masterKey: randomBytes(32) });
    own.importClearKey({ type: 'mac', algorithm: 'tdes', key, id: 'k' });
    const l = await participant((d) => own.generateMac({ keyId: 'k', data: d }));
    const { response } = await l.request(financial(10000));
    assert.equal(response.fields['39'], '00');
    assert.match(response.fields['64'] ?? '', /^[0-9A-F]{16}$/);
  });

  it('an unsigned 0200 is answered 63 and never reaches the partner', async () => {
    const before = hub.simulators.get('P')?.receivedCount ?? 0;
    const l = await participant();
    const { response } = await l.request(financial(10000));
    assert.equal(response.fields['39'], '63');
    assert.equal(hub.simulators.get('P')?.receivedCount ?? 0, before, 'nothing routed');
  });
});
