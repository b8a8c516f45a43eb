/**
 * TrustOne in the hub: the `trustone:` configuration opens the software HSM (master key file
 * created on first start), the store and the participant HTTP API; `dari demo trustone --url`
 * completes against it (approved tap, replay refused, clone refused); and a 0100 with field 55 over
 * a participant's ISO 8583 link is verified by the service through the pipeline (0110 with 39 and the
 * ARPC in 55), a replayed 0100 refused, with the attempt journaled by the hub.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso8583Codec, loadDialect } from '../../src/codec/iso8583';
import { validateConfig } from '../../src/config/schema';
import { Link } from '../../src/link';
import { TrustOneClient } from '../../src/services/trustone';
import { SimulatedCard, TRUSTONE_DEMO } from '../../src/sim/card';
import { Hub } from '../../src/switch/hub';
import { DARI_BIN } from '../support/paths';
import { waitFor } from './harness';

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [DARI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const sub = (tag: string, v: string): string => `${tag}${String(v.length).padStart(2, '0')}${v}`;

describe('integration: TrustOne in the hub (HTTP API, dari demo trustone, ISO 8583 0100)', function () {
  this.timeout(30000);
  let dir: string;
  let hub: Hub;
  const logs: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dari-trustone-'));
    const config = validateConfig({
      listener: { host: '127.0.0.1', port: 0 },
      journal: { sqlitePath: join(dir, 'dari.db'), dataKeyFile: join(dir, 'data.key') },
      participants: [{ id: TRUSTONE_DEMO.participant, dialect: 'iso87ascii', framing: { lengthHeader: 'binary2' }, allow: ['127.0.0.1', '::ffff:127.0.0.1'] }],
      partners: [{ id: 'P', simulator: true, links: 1 }],
      trustone: { port: 0, sqlitePath: join(dir, 'trustone.db'), demo: true },
      hsm: { storeFile: join(dir, 'hsm-keys.json'), masterKeyFile: join(dir, 'hsm-master.key') },
    });
    hub = new Hub(config, { databaseUrl: '', env: {}, metricsServer: false, log: (l) => logs.push(l) });
    await hub.start();
  });

  after(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the HSM (master key file created, key store written with the demo issuer key) and the API', () => {
    assert.ok(hub.ports.trustone > 0);
    assert.ok(existsSync(join(dir, 'hsm-master.key')));
    assert.ok(hub.hsm?.listKeys().some((k) => k.id === TRUSTONE_DEMO.issuerKeyId && k.kcv.startsWith('08D7')));
    assert.ok(logs.some((l) => l.includes('generated an HSM master key')));
  });

  it('dari demo trustone --url completes against the hub: approved, replay refused, clone refused (exit 0)', async () => {
    const r = await run(['demo', 'trustone', '--url', `http://127.0.0.1:${hub.ports.trustone}`]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /verification: approved/);
    assert.match(r.out, /declined CHALLENGE_USED/);
    assert.match(r.out, /declined ATC_REPLAY/);
    assert.match(r.out, /all 3 outcomes as expected/);
  });

  it('a 0100 with field 55 over ISO 8583 is verified through the pipeline (0110 39=00, ARPC in 55); the replay is refused', async () => {
    const client = new TrustOneClient({ url: `http://127.0.0.1:${hub.ports.trustone}`, participant: TRUSTONE_DEMO.participant, secret: TRUSTONE_DEMO.secret });
    const pan = '4761739001010010';
    const card = new SimulatedCard({ imk: Buffer.from(TRUSTONE_DEMO.imkHex, 'hex'), pan, psn: '01', cvn: 'visa18' });
    const reg = await client.registerCard({ deviceId: 'phone-1', pan, psn: '01', issuerKeyId: TRUSTONE_DEMO.issuerKeyId, cvn: 'visa18' });
    const ch = await client.challenge({ cardId: reg.cardId, amount: 0, currency: '410' });
    const icc = card.tap({ un: ch.unpredictableNumber, amount: 0, currency: '410' });
    const link = new Link({ role: 'client', id: 'bank', host: '127.0.0.1', port: hub.ports.listener, codec: new Iso8583Codec(loadDialect('iso87ascii')), framing: { lengthHeader: 'binary2' }, signOn: false, requestTimeoutMs: 10000 }).start();
    try {
      await waitFor(() => link.ready, 3000, () => link.state);
      const req = {
        mti: '0100',
        fields: {
          '2': pan, '3': '000000', '4': '000000000000', '7': '1126120000', '11': '000777', '23': '001', '41': 'APP00001', '49': '410',
          '48': sub('01', reg.cardId) + sub('02', ch.challengeId) + sub('03', '13030'), '55': icc,
        },
      };
      const { response } = await link.request(req);
      assert.equal(response.mti, '0110');
      assert.equal(response.fields['39'], '00', JSON.stringify(response.fields));
      assert.match(response.fields['55'] ?? '', /^91/, 'issuer authentication data (tag 91) carries the ARPC');
      const { response: replay } = await link.request({ ...req, fields: { ...req.fields, '11': '000778' } });
      assert.notEqual(replay.fields['39'], '00');
      assert.equal(replay.fields['44'], 'CHALLENGE_USED');
    } finally {
      await link.close();
    }
  });
});
