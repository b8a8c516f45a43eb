/**
 * TrustOne benchmark: one card-tap authentication (challenge, tap, verify), one at a time, at
 * three depths, beside its parts and a bare HTTP baseline, in the same process and run:
 *
 *  - HSM verifyArqc alone (3DES key derivation and MAC, no state);
 *  - the simulated card's tap alone (the same cryptography on the card side, in the loop below);
 *  - the service in process: issueChallenge + tap + verify on a SQLite file (WAL, synchronous=FULL:
 *    four durable writes per authentication: challenge, challenge used, ATC, journal);
 *  - the same over loopback HTTP with signed requests (two round trips per authentication);
 *  - baseline: two unauthenticated GET /health round trips on the same server.
 *
 * Figures are operations per second and the median latency of one operation, median over RUNS
 * interleaved runs (min..max beside it). Run: `npm run bench -- trustone` or
 * `node dist/bench/trustone.bench.js [--quick]`. About 15 s (3 s with --quick).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import * as os from 'node:os';
import { join } from 'node:path';
import { DataKey } from '../src/security/data-key';
import { SoftwareHsm } from '../src/security/hsm/hsm';
import { SqliteTrustOneStore, TrustOneClient, TrustOneHttpServer, TrustOneService } from '../src/services/trustone';
import { SimulatedCard } from '../src/sim/card';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 5;
const SLICE_MS = QUICK ? 150 : 500;

const IMK = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const SECRET = randomBytes(32).toString('hex');

function health(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Candidate { name: string; op: () => Promise<unknown> | unknown; rates: number[]; p50: number[] }

async function slice(c: Candidate): Promise<void> {
  const lat: number[] = [];
  const end = performance.now() + SLICE_MS;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    const s = performance.now();
    await c.op();
    lat.push(performance.now() - s);
    n++;
  }
  c.rates.push(n / ((performance.now() - t0) / 1000));
  lat.sort((a, b) => a - b);
  c.p50.push(lat[lat.length >> 1] as number);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'dari-trustone-bench-'));
  const store = new SqliteTrustOneStore({ path: join(dir, 'trustone.db') });
  await store.init();
  const hsm = new SoftwareHsm({ masterKey: randomBytes(32) });
  hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: IMK, id: 'imk-bench' });
  const service = new TrustOneService({ hsm, store, dataKey: new DataKey(randomBytes(32)), participants: [{ id: 'BANK1', secret: SECRET }] });
  const server = new TrustOneHttpServer(service, { port: 0, pruneIntervalMs: 0 });
  const port = await server.start();
  const client = new TrustOneClient({ url: `http://127.0.0.1:${port}`, participant: 'BANK1', secret: SECRET });

  const card = new SimulatedCard({ imk: IMK, pan: '4761739001010119', psn: '01', cvn: 'visa18' });
  const { cardId } = await service.registerCard('BANK1', { deviceId: 'bench', pan: card.pan, psn: '01', issuerKeyId: 'imk-bench', cvn: 'visa18' });
  const fixedIcc = Buffer.from(new SimulatedCard({ imk: IMK, pan: card.pan, psn: '01', cvn: 'visa18' }).tap({ un: '01020304', amount: 1, currency: '410' }), 'hex');
  const tapData = { un: '01020304', amount: 1, currency: '410' };
  const spare = new SimulatedCard({ imk: IMK, pan: '4761739001010127', cvn: 'visa18' });

  const inProcess = async (): Promise<void> => {
    const ch = await service.issueChallenge('BANK1', { cardId, amount: 1, currency: '410' });
    const r = await service.verify('BANK1', { cardId, challengeId: ch.challengeId, pan: card.pan, icc: card.tap({ un: ch.unpredictableNumber, amount: 1, currency: '410' }) });
    if (r.result !== 'approved') throw new Error(`in-process verification declined: ${r.reason}`);
  };
  const overHttp = async (): Promise<void> => {
    const ch = await client.challenge({ cardId, amount: 1, currency: '410' });
    const r = await client.verify({ cardId, challengeId: ch.challengeId, pan: card.pan, icc: card.tap({ un: ch.unpredictableNumber, amount: 1, currency: '410' }) });
    if (r.result !== 'approved') throw new Error(`HTTP verification declined: ${r.reason}`);
  };
  const candidates: Candidate[] = [
    { name: 'HSM verifyArqc alone', op: () => hsm.verifyArqc({ imkId: 'imk-bench', pan: card.pan, psn: '01', cvn: 'visa18', icc: fixedIcc }), rates: [], p50: [] },
    { name: 'simulated card tap alone', op: () => spare.clone().tap(tapData), rates: [], p50: [] },
    { name: 'service: challenge + tap + verify', op: inProcess, rates: [], p50: [] },
    { name: 'HTTP: challenge + tap + verify (signed)', op: overHttp, rates: [], p50: [] },
    { name: 'baseline: 2 x GET /health', op: async () => { await health(port); await health(port); }, rates: [], p50: [] },
  ];

  for (const c of candidates) await c.op(); // warm-up, and proof that each path works
  for (let run = 0; run < RUNS; run++) {
    for (let i = 0; i < candidates.length; i++) await slice(candidates[(i + run) % candidates.length] as Candidate);
  }
  await server.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`TrustOne bench: node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.release()}; ${RUNS} runs of ${SLICE_MS} ms each, one operation at a time`);
  const base = candidates[candidates.length - 1] as Candidate;
  for (const c of candidates) {
    const rate = median(c.rates);
    const ratio = c === base ? '' : `  (${(median(base.rates) / rate).toFixed(2)} x the baseline's time)`;
    console.log(`${c.name.padEnd(42)} ${rate.toFixed(0).padStart(7)} op/s  [${Math.min(...c.rates).toFixed(0)}..${Math.max(...c.rates).toFixed(0)}]  p50 ${median(c.p50).toFixed(3)} ms${ratio}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
