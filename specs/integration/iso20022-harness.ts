/**
 * A hub with one ISO 20022 partner (an Iso20022PartnerSimulator the test controls, ID-SWITCH, PAN
 * prefix 476173 and QRIS/ID QR payments), one built-in ISO 8583 domestic acquirer (DOMESTIC, field
 * 100 = 410777) and one participant link (ACQ); SQLite journal in a temp folder. And xmllint over
 * what the hub wrote, against ../shared/iso20022/xsd.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Iso8583Codec, loadDialect } from '../../src/codec/iso8583';
import { validateConfig } from '../../src/config/schema';
import { Link } from '../../src/link';
import { Iso20022PartnerSimulator } from '../../src/sim/iso20022-partner';
import { Hub } from '../../src/switch/hub';
import { SHARED } from '../support/paths';
import { waitFor } from './harness';

const XSD = join(SHARED, 'iso20022', 'xsd');
const BUDGET = 900;

/** Split an AppHdr+Document message the way the XSDs want them (one file each) and run xmllint on both. */
export function xmllint(xml: string, type: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'dari-xmllint-'));
  try {
    const doc = /<Document[\s>][\s\S]*<\/Document>/.exec(xml)?.[0];
    const hdr = /<AppHdr[\s>][\s\S]*<\/AppHdr>/.exec(xml)?.[0];
    assert.ok(doc, `${type}: no Document element`);
    const docFile = join(dir, 'doc.xml');
    writeFileSync(docFile, doc);
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(XSD, `${type}.xsd`), docFile], { stdio: 'pipe' });
    if (hdr) {
      const ver = /urn:iso:std:iso:20022:tech:xsd:(head\.001\.001\.0\d)/.exec(hdr)?.[1] ?? 'head.001.001.02';
      const hdrFile = join(dir, 'hdr.xml');
      writeFileSync(hdrFile, hdr);
      execFileSync('xmllint', ['--noout', '--nonet', '--schema', join(XSD, `${ver}.xsd`), hdrFile], { stdio: 'pipe' });
    }
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`${type} fails xmllint: ${err.stderr?.toString() ?? String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Setup {
  hub: Hub;
  sim: Iso20022PartnerSimulator;
  dir: string;
  logs: string[];
  link: Link;
  close: () => Promise<void>;
}

export async function setup(o: { budget?: number; xsdDir?: boolean; qr?: boolean; quoteTtlSeconds?: number } = {}): Promise<Setup> {
  const sim = await new Iso20022PartnerSimulator({ lateMs: (o.budget ?? BUDGET) + 400, pendingMs: 100 }).start();
  const dir = mkdtempSync(join(tmpdir(), 'dari-iso20022-'));
  const config = validateConfig({
    listener: { host: '127.0.0.1', port: 0 },
    journal: { sqlitePath: join(dir, 'dari.db'), dataKeyFile: join(dir, 'data.key') },
    saf: { retryBaseMs: 50, retryMaxMs: 200, pollMs: 50 },
    participants: [{ id: 'ACQ', dialect: 'iso87ascii', framing: { lengthHeader: 'binary2' }, allow: ['127.0.0.1', '::ffff:127.0.0.1'] }],
    partners: [
      {
        id: 'ID-SWITCH', protocol: 'iso20022', endpoints: [{ host: '127.0.0.1', port: sim.port }], links: 2, requestTimeoutMs: o.budget ?? BUDGET,
        iso20022: {
          hub: { bic: 'DARIKRSE', name: 'Dari hub' }, partner: { bic: 'SIMSIDJA', memberId: '360001', name: 'ID switch' },
          acquirers: { '410001': { bic: 'KACQKRSE', name: 'Korean acquirer' } },
          timeZone: 'Asia/Seoul', header: 'head.001.001.02', envelope: true, statusAfterMs: 300, statusIntervalMs: 200,
          ...(o.xsdDir ? { xsdDir: XSD } : {}),
        },
      },
      { id: 'DOMESTIC', simulator: true, dialect: 'iso87ascii', framing: { lengthHeader: 'binary2' }, links: 1, requestTimeoutMs: 2000 },
    ],
    routes: [
      { partner: 'ID-SWITCH', pan: ['476173'] },
      { partner: 'DOMESTIC', receivingInstitutions: ['410777'] },
    ],
    ...(o.qr ? {
      qr: { homeCurrency: '410', partners: { QRIS: 'ID-SWITCH', ID: 'ID-SWITCH' }, verifyMerchants: ['ID-SWITCH'] },
      fx: { quoteTtlSeconds: o.quoteTtlSeconds ?? 60, rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865', spreadBps: 30 }] },
      fees: { cardRateBps: 100, participants: { '*': [{ currency: 'KRW', percentBps: 20, min: '50', max: '5000' }] }, partners: { '*': [{ currency: 'KRW', percentBps: 10 }] } },
    } : {}),
  });
  const logs: string[] = [];
  const hub = new Hub(config, { databaseUrl: '', env: {}, metricsServer: false, log: (l) => logs.push(l) });
  await hub.start();
  await waitFor(() => hub.ready().detail['partnersReadyLinks'] !== undefined
    && (hub.ready().detail['partnersReadyLinks'] as Record<string, number>)['ID-SWITCH'] === 2
    && (hub.ready().detail['partnersReadyLinks'] as Record<string, number>)['DOMESTIC'] === 1, 5000, () => JSON.stringify(hub.ready()));
  const link = new Link({ role: 'client', id: 'acq', host: '127.0.0.1', port: hub.ports.listener, codec: new Iso8583Codec(loadDialect('iso87ascii')), framing: { lengthHeader: 'binary2' }, signOn: false, requestTimeoutMs: 10000 }).start();
  await waitFor(() => link.ready, 3000, () => `participant link ${link.state}`);
  return {
    hub, sim, dir, logs, link,
    close: async () => {
      await link.close();
      await hub.stop();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

