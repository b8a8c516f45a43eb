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
import { parseOptions, usage, type Io } from './io';

/** The TrustOne API of the bundled configuration (config/default.yaml, trustone.port). */
export const DEFAULT_TRUSTONE_URL = 'http://127.0.0.1:9584';

export const DEMO_HELP = `  dari demo trustone [--url URL | --standalone] [--participant ID --secret HEX]
                                             TrustOne card tap: register, challenge, tap, verify, replay, clone
                                             (against the npm start hub at ${DEFAULT_TRUSTONE_URL} by default)`;

export async function demoCommand(args: string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  switch (name) {
    case 'trustone': return trustoneDemo(rest, io);
    default: throw usage(`dari demo: unknown demo ${name === undefined ? '(none given)' : `"${name.slice(0, 32)}"`} (available: trustone)`);
  }
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
