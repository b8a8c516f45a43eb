/**
 * `dari demo <name>`: guided runs of a Dari service against simulators, printing what happens in
 * plain lines and exiting 0 only when every outcome is the expected one.
 *
 * `dari demo trustone`: registers a simulated card, asks for a challenge, taps (the simulated card
 * computes the ARQC), verifies (approved), replays the same tap (declined: the challenge was
 * already answered) and taps a clone of the card whose ATC lags (declined: ATC not increasing).
 * By default it talks to the hub that `npm start` runs (its TrustOne API on 127.0.0.1:9584, which
 * holds the demo issuer key and participant with `trustone.demo: true`), or to the hub --url names;
 * with --standalone it runs its own TrustOne API on a loopback port (throw-away database, in-memory
 * HSM holding the demo issuer key, TRUSTONE_DEMO in src/sim/card.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataKey } from '../security/data-key';
import { SoftwareHsm } from '../security/hsm/hsm';
import { SqliteTrustOneStore, TrustOneClient, TrustOneHttpServer, TrustOneService, type VerificationResult } from '../services/trustone';
import { luhnCheckDigit } from '../sim/acquirer';
import { SimulatedCard, TRUSTONE_DEMO } from '../sim/card';
import { dispatch, parseOptions, usage, type Io } from './io';
import { request as httpRequest } from 'node:http';
import { inspectQr } from '../codec/emvqr';
import { Iso8583Codec, loadDialect } from '../codec/iso8583';
import { DariError } from '../errors';
import { Link } from '../link';

/** The TrustOne API of the bundled configuration (config/default.yaml, trustone.port). */
const DEFAULT_TRUSTONE_URL = 'http://127.0.0.1:9584';

const QR_HELP = `  dari demo qr [--host H] [--port P] [--metrics-port P] [--partner ID]
                                             overseas QR payments against the npm start hub: a Korean wallet pays an
                                             Indonesian QRIS merchant (quote, then pay), a visitor pays a Korean merchant`;

export const DEMO_HELP = `  dari demo trustone [--url URL | --standalone] [--participant ID --secret HEX]
                                             TrustOne card tap: register, challenge, tap, verify, replay, clone
                                             (against the npm start hub at ${DEFAULT_TRUSTONE_URL} by default)
${QR_HELP}`;

export async function demoCommand(args: string[], io: Io): Promise<number> {
  return dispatch('demo', args, io, `Usage:\n${DEMO_HELP}`, { trustone: trustoneDemo, qr: qrDemo });
}

/** A built-in TrustOne API for the demo: loopback, port 0, throw-away database, in-memory HSM. */
async function localApi(participant: string, secret: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'dari-trustone-demo-'));
  const store = new SqliteTrustOneStore({ path: join(dir, 'trustone.db') });
  try {
    await store.init();
    const hsm = new SoftwareHsm({ masterKey: randomBytes(32) });
    hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: Buffer.from(TRUSTONE_DEMO.imkHex, 'hex'), id: TRUSTONE_DEMO.issuerKeyId });
    const service = new TrustOneService({ hsm, store, dataKey: new DataKey(randomBytes(32)), participants: [{ id: participant, secret }] });
    const server = new TrustOneHttpServer(service, { port: 0, pruneIntervalMs: 0 });
    const port = await server.start();
    return {
      url: `http://127.0.0.1:${port}`,
      stop: async () => {
        await server.stop();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const outcome = (r: VerificationResult): string => (r.result === 'approved' ? 'approved' : `declined ${r.reason ?? ''}`.trim());

async function trustoneDemo(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { url: { type: 'string' }, standalone: { type: 'boolean' }, participant: { type: 'string' }, secret: { type: 'string' } });
  if ((values.participant === undefined) !== (values.secret === undefined)) throw usage('--participant and --secret go together');
  if (values.standalone && values.url !== undefined) throw usage('--standalone runs its own API: it takes no --url');
  const participant = values.participant ?? TRUSTONE_DEMO.participant;
  const secret = values.secret ?? TRUSTONE_DEMO.secret;
  const api = values.standalone ? await localApi(participant, secret) : { url: values.url ?? DEFAULT_TRUSTONE_URL, stop: async () => undefined };
  try {
    const client = new TrustOneClient({ url: api.url, participant, secret });
    io.out(`TrustOne demo on ${values.standalone ? 'a built-in API at ' : ''}${api.url} as participant ${participant} (issuer key ${TRUSTONE_DEMO.issuerKeyId})`);

    // A fresh test card each run (Visa test BIN, random account, Luhn digit), so that a hub that
    // keeps its database sees a new card with no ATC history.
    const body = `476173${String(randomInt(0, 1e9)).padStart(9, '0')}`;
    const card = new SimulatedCard({ imk: Buffer.from(TRUSTONE_DEMO.imkHex, 'hex'), pan: body + luhnCheckDigit(body), psn: '01', cvn: 'visa18' });
    const clone = card.clone();
    const deviceId = `demo-phone-${randomBytes(3).toString('hex')}`;
    const reg = await client.registerCard({ deviceId, pan: card.pan, psn: card.psn, issuerKeyId: TRUSTONE_DEMO.issuerKeyId, cvn: card.cvn });
    io.out(`1. registered card ${reg.maskedPan} PSN ${reg.psn} (${reg.cvn}) for device ${deviceId} as ${reg.cardId}`);

    const amount = 50000;
    const currency = '410';
    const ch = await client.challenge({ cardId: reg.cardId, amount, currency });
    io.out(`2. challenge ${ch.challengeId}: unpredictable number ${ch.unpredictableNumber}, amount ${ch.amount} (currency ${ch.currency}), expires ${ch.expiresAt}`);

    const icc = card.tap({ un: ch.unpredictableNumber, amount, currency });
    io.out(`3. tap: the simulated card computed its ARQC over the challenge with ATC ${card.atc}`);

    let good = 0;
    const expect = (step: string, r: VerificationResult, wanted: string, extra = ''): void => {
      const ok = outcome(r) === wanted;
      if (ok) good++;
      io.out(`${step}: ${outcome(r)}${extra} (expected ${wanted}: ${ok ? 'ok' : 'UNEXPECTED'})`);
    };
    const tap = { cardId: reg.cardId, challengeId: ch.challengeId, pan: card.pan, psn: card.psn, icc, arpc: { method: 2 as const, csu: '00000000' } };
    const first = await client.verify(tap);
    expect('4. verification', first, 'approved', first.result === 'approved' ? `, ATC ${first.atc ?? '?'}, ARPC ${first.arpc ?? 'none'}` : '');
    expect('5. the same tap replayed', await client.verify(tap), 'declined CHALLENGE_USED');

    const ch2 = await client.challenge({ cardId: reg.cardId, amount, currency });
    const cloned = clone.tap({ un: ch2.unpredictableNumber, amount, currency });
    expect(`6. a clone of the card (copied at ATC ${clone.atc - 1}) on a new challenge, ATC ${clone.atc}`,
      await client.verify({ cardId: reg.cardId, challengeId: ch2.challengeId, pan: card.pan, psn: card.psn, icc: cloned }), 'declined ATC_REPLAY');

    io.out(good === 3 ? 'all 3 outcomes as expected' : `${3 - good} of 3 outcomes NOT as expected`);
    return good === 3 ? 0 : 1;
  } finally {
    await api.stop();
  }
}

// ------------------------------------------------------------------------------------------------
// dari demo qr

/**
 * Public sample payloads (see fixtures/emvqr/payloads.json for the full list and sources):
 * - QRIS, "Sintas Store", Kota Yogyakarta: the static QRIS sample of fixtures/emvqr (qris-static);
 * - BC Card (Korea), "NAISHUSIAT" (나이스샷), Seoul Mapo-gu: copanote/emvmpm EmvMpmCRCTest data1.
 */
const DEMO_QRIS = '00020101021126630016COM.MEMBASUH.WWW0118936000091100004515021004893710810303UMI51440014ID.CO.QRIS.WWW0215ID20200340731930303UKE5204482953033605802ID5912Sintas Store6015Kota Yogyakarta61055500062070703A0163049FB7';
const DEMO_KR = '0002010102111531260004102600041071195812000000026310014D410000001401005091000054085204729953034105802KR5910NAISHUSIAT6013SEOUL MAPO-GU610504086625603091000054080515MQ202000004811006080000000007080000000164240002ko0104나이스샷0206서울 마포구63041331';

function transmissionNow(d = new Date()): { de7: string; de12: string; de13: string } {
  const p = (n: number): string => String(n).padStart(2, '0');
  return { de7: `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`, de12: `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`, de13: `${p(d.getMonth() + 1)}${p(d.getDate())}` };
}

async function qrDemo(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { host: { type: 'string' }, port: { type: 'string' }, 'metrics-port': { type: 'string' }, partner: { type: 'string' } });
  const host = values.host ?? '127.0.0.1';
  const port = Number(values.port ?? 8583);
  const metricsPort = Number(values['metrics-port'] ?? 9583);
  const partner = values.partner ?? 'SIM-ID-SWITCH';
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65535) throw usage('--port and --metrics-port must be TCP ports');
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw usage('dari demo qr talks to a hub on this machine only (--host 127.0.0.1)');
  let ok = true;
  const expect = (what: string, good: boolean): void => {
    if (!good) ok = false;
    io.out(`   ${good ? 'ok' : 'UNEXPECTED'}: ${what}`);
  };

  // 1. Outbound: a Korean wallet customer in Indonesia scans a QRIS code.
  const qr = inspectQr(DEMO_QRIS);
  if (!qr.valid) throw new DariError('DARI_INTERNAL_ERROR', `demo QRIS payload does not parse: ${qr.reason}`);
  io.out(`Overseas QR demo against the hub on ${host}:${port} (participant link, iso87ascii) and its operator endpoint :${metricsPort}`);
  io.out(`1. outbound: scanned ${qr.scheme?.id ?? 'unknown scheme'} code of "${qr.merchantName}", ${qr.merchantCity} (${qr.country}), ${qr.initiation} QR, currency ${qr.currency}`);
  const link = new Link({ role: 'client', id: 'demo-wallet', host, port, codec: new Iso8583Codec(loadDialect('iso87ascii')), framing: { lengthHeader: 'binary2' }, signOn: false, requestTimeoutMs: 15000 }).start();
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new DariError('DARI_LINK_NOT_READY', `no hub listening on ${host}:${port} (start it with npm start)`)), 3000);
      link.once('ready', () => { clearTimeout(t); resolve(); });
    });
    const stan = String(randomInt(1, 999999)).padStart(6, '0');
    const t = transmissionNow();
    const base: Record<string, string> = {
      '3': '000000', '4': '000015000000', '7': t.de7, '11': stan, '12': t.de12, '13': t.de13, '22': '031', '32': '410001',
      '37': `QR${stan}0000`.slice(0, 12), '41': 'WALLET01', '49': '360', '62': encodeURIComponent(DEMO_QRIS), '102': 'WALLET-TOKEN-DEMO',
    };
    const { response: q } = await link.request({ mti: '0100', fields: base });
    io.out(`2. quote (0100 -> 0110): IDR 150,000.00 = KRW ${Number(q.fields['6'] ?? 0).toLocaleString('en-US')} billed, rate field 10 ${q.fields['10'] ?? '-'}, merchant confirmed as "${(q.fields['43'] ?? '').slice(0, 25).trim()}", quote ${q.fields['63'] ?? '-'}`);
    expect('quoted (39 = 00)', q.fields['39'] === '00');
    const stan2 = String((Number(stan) % 999999) + 1).padStart(6, '0');
    const { response: p } = await link.request({ mti: '0200', fields: { ...base, '11': stan2, '37': `QR${stan2}0000`.slice(0, 12), '63': q.fields['63'] ?? '' } });
    io.out(`3. payment (0200 -> pacs.008 to ${partner} -> pacs.002 -> 0210): 39 = ${p.fields['39']}, approval ${p.fields['38'] ?? '-'}, billed KRW ${Number(p.fields['6'] ?? 0).toLocaleString('en-US')}`);
    expect('paid with the quoted amount', p.fields['39'] === '00' && p.fields['6'] === q.fields['6']);
  } finally {
    await link.close();
  }

  // 2. Inbound: an Indonesian visitor in Seoul pays a Korean merchant's QR through the ID switch.
  const kr = inspectQr(DEMO_KR);
  if (!kr.valid) throw new DariError('DARI_INTERNAL_ERROR', `demo Korean payload does not parse: ${kr.reason}`);
  io.out(`4. inbound: a visitor's wallet scanned ${kr.scheme?.id ?? 'unknown scheme'} code of "${kr.merchantName}", ${kr.merchantCity} (${kr.country}); their switch ${partner} sends a pacs.008 for KRW 25,000`);
  const body = {
    amount: '25000', currency: 'KRW', creditorName: kr.merchantName ?? 'Merchant', creditorCity: kr.merchantCity ?? '', creditorCountry: kr.country,
    memberId: '410777', merchantId: kr.merchantAccount?.['merchantNumber'] ?? 'DEMO',
  };
  const res = await postJson(`http://127.0.0.1:${metricsPort}/simulators/${encodeURIComponent(partner)}/payments`, body);
  io.out(`5. the hub routed it to the domestic acquirer (ISO 8583 0200/0210) and answered pacs.002 ${String(res['status'] ?? '?')}${res['reason'] ? ` ${String(res['reason'])}` : ''} (UETR ${String(res['uetr'] ?? '?')})`);
  expect('inbound payment accepted (ACCC)', res['status'] === 'ACCC');
  const today = new Date().toISOString().slice(0, 10);
  io.out(`6. fees and the saving against a card-brand route: npx dari report fees --from ${today} --to ${today}`);
  io.out(ok ? 'both QR payments completed as expected' : 'some outcomes were not as expected');
  return ok ? 0 : 1;
}

function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: 15000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          /* reported below */
        }
        if (res.statusCode !== 200) reject(new DariError('DARI_CLI_INPUT', `${url}: HTTP ${res.statusCode ?? '?'} ${String(parsed['error'] ?? '')}`));
        else resolve(parsed);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => reject(new DariError('DARI_LINK_NOT_READY', `${url}: ${e.message} (is the hub running with its operator endpoint?)`)));
    req.end(data);
  });
}
