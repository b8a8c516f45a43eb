/**
 * `dari demo qr` against a hub running the bundled configuration (config/default.yaml with its
 * ports moved to free ones and its data in a temp folder), then `dari report fees` on that hub's
 * journal: both QR payments appear, each with its saving against the card-brand route.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { validateConfig } from '../../src/config/schema';
import { Hub } from '../../src/switch/hub';
import { DARI_BIN, REPO_ROOT } from '../support/paths';

function dari(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [DARI_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('dari demo qr and dari report fees (CLI, against the bundled configuration)', function () {
  this.timeout(60000);
  let dir: string;
  let hub: Hub;
  let configFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dari-demo-qr-'));
    const raw = parse(readFileSync(join(REPO_ROOT, 'config', 'default.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    raw['listener'] = { host: '127.0.0.1', port: 0 };
    raw['metrics'] = { host: '127.0.0.1', port: 0 };
    raw['journal'] = { ...raw['journal'], sqlitePath: join(dir, 'dari.db'), dataKeyFile: join(dir, 'data.key') };
    raw['trustone'] = { ...raw['trustone'], port: 0, sqlitePath: join(dir, 'trustone.db') };
    raw['hsm'] = { storeFile: join(dir, 'hsm.json'), masterKeyFile: join(dir, 'hsm.key') };
    configFile = join(dir, 'dari.yaml');
    writeFileSync(configFile, stringify(raw));
    hub = new Hub(validateConfig(raw), { databaseUrl: '', env: {} });
    await hub.start();
  });

  after(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes an outbound and an inbound QR payment (exit 0), and the fee report shows both with their saving', async () => {
    const r = await dari(['demo', 'qr', '--port', String(hub.ports.listener), '--metrics-port', String(hub.ports.metrics)], dir);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /scanned QRIS code of "Sintas Store"/);
    assert.match(r.out, /payment \(0200 -> pacs\.008 to SIM-ID-SWITCH -> pacs\.002 -> 0210\): 39 = 00/);
    assert.match(r.out, /answered pacs\.002 ACCC/);
    assert.match(r.out, /both QR payments completed as expected/);
    const today = new Date().toISOString().slice(0, 10);
    const rep = await dari(['report', 'fees', '--from', today, '--to', today, '--config', configFile, '--json'], dir);
    assert.equal(rep.code, 0, rep.out + rep.err);
    const rows = (JSON.parse(rep.out) as { rows: Array<Record<string, unknown>> }).rows;
    const out = rows.find((x) => x['participant'] === 'DEMO-ACQ' && x['partner'] === 'SIM-ID-SWITCH');
    const inb = rows.find((x) => x['participant'] === 'SIM-ID-SWITCH' && x['partner'] === 'SIM-DOMESTIC-ACQ');
    assert.ok(out && inb, rep.out);
    for (const row of [out, inb]) assert.ok(Number(row['saving']) > 0, JSON.stringify(row));
  });

  it('refuses a hub address other than this machine and reports a missing hub clearly', async () => {
    const far = await dari(['demo', 'qr', '--host', '10.0.0.1'], dir);
    assert.equal(far.code, 2);
    assert.match(far.err, /^DARI_CLI_USAGE: /);
    const none = await dari(['demo', 'qr', '--port', '1', '--metrics-port', '1'], dir);
    assert.equal(none.code, 2);
    assert.match(none.err, /^DARI_LINK_NOT_READY: /);
  });
});
