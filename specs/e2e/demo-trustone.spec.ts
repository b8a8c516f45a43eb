/** `dari demo trustone` driven as a user would: a spawned process, its lines and its exit code. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { DataKey } from '../../src/security/data-key';
import { SoftwareHsm } from '../../src/security/hsm/hsm';
import { SqliteTrustOneStore } from '../../src/services/trustone/sqlite-store';
import { TrustOneHttpServer } from '../../src/services/trustone/http';
import { TrustOneService } from '../../src/services/trustone/service';
import { TRUSTONE_DEMO } from '../../src/sim/card';
import { DARI_BIN } from '../support/paths';

/** Spawned asynchronously: the API under test may live in this process and must keep serving. */
function dari(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DARI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

/** A TrustOne API in this process, as a hub would run it; `withKey` false leaves the demo issuer key out of its HSM. */
async function api(participant: string, secret: string, withKey = true) {
  const store = new SqliteTrustOneStore({ path: ':memory:' });
  await store.init();
  const hsm = new SoftwareHsm({ masterKey: randomBytes(32) });
  // The demo IMK is the public EMV test key 0123456789ABCDEF FEDCBA9876543210, KCV 08D7 (pyemv tests).
  if (withKey) hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: Buffer.from(TRUSTONE_DEMO.imkHex, 'hex'), id: TRUSTONE_DEMO.issuerKeyId, kcv: '08D7' });
  const service = new TrustOneService({ hsm, store, dataKey: new DataKey(randomBytes(32)), participants: [{ id: participant, secret }], registry: new Registry() });
  const server = new TrustOneHttpServer(service, { port: 0, pruneIntervalMs: 0 });
  const port = await server.start();
  return { store, port, stop: async () => { await server.stop(); await store.close(); } };
}

describe('dari demo trustone (CLI)', () => {
  it('runs the whole story on its own API and exits 0', async () => {
    const r = await dari(['demo', 'trustone', '--standalone']);
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.trim().split('\n');
    assert.match(lines[1] ?? '', /^1\. registered card 476173\*{6}\d{4} PSN 01 \(visa18\)/);
    assert.match(r.out, /4\. verification: approved, ATC 1, ARPC [0-9A-F]{8} \(expected approved: ok\)/);
    assert.match(r.out, /5\. the same tap replayed: declined CHALLENGE_USED \(expected declined CHALLENGE_USED: ok\)/);
    assert.match(r.out, /6\. a clone of the card .*: declined ATC_REPLAY \(expected declined ATC_REPLAY: ok\)/);
    assert.equal(lines.at(-1), 'all 3 outcomes as expected');
    assert.ok(!/\d{13,}/.test(r.out), 'no full PAN in the output');
    assert.ok(!r.out.includes(TRUSTONE_DEMO.imkHex) && !r.out.includes(TRUSTONE_DEMO.secret), 'no key or secret in the output');
  });

  it('--url: runs against a running API; the API journaled approved, CHALLENGE_USED, ATC_REPLAY', async () => {
    const secret = randomBytes(32).toString('hex');
    const a = await api('BANKX', secret);
    try {
      const r = await dari(['demo', 'trustone', '--url', `http://127.0.0.1:${a.port}`, '--participant', 'BANKX', '--secret', secret]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.ok(!r.out.includes(secret));
      const journal = await a.store.attempts('BANKX', 10);
      assert.deepEqual(journal.map((x) => x.reason ?? x.result).reverse(), ['approved', 'CHALLENGE_USED', 'ATC_REPLAY']);
    } finally {
      await a.stop();
    }
  });

  it('exits 1 when an outcome is not the expected one (the API lacks the demo issuer key)', async () => {
    const a = await api(TRUSTONE_DEMO.participant, TRUSTONE_DEMO.secret, false);
    try {
      const r = await dari(['demo', 'trustone', '--url', `http://127.0.0.1:${a.port}`]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, /4\. verification: declined UNKNOWN_KEY \(expected approved: UNEXPECTED\)/);
      assert.match(r.out, /NOT as expected$/m);
    } finally {
      await a.stop();
    }
  });

  it('bad usage and an unreachable API: one coded line on stderr, exit 2', async () => {
    // A loopback port that nothing listens on: bound on port 0, then closed.
    const probe = createServer();
    const closedPort = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const cases: Array<[string[], RegExp]> = [
      [['demo', 'nope'], /^DARI_CLI_USAGE: /],
      [['demo', 'trustone', '--participant', 'X'], /^DARI_CLI_USAGE: --participant and --secret go together/],
      [['demo', 'trustone', '--bogus'], /^DARI_CLI_USAGE: /],
      [['demo', 'trustone', '--participant', 'X', '--secret', 'abc'], /^DARI_TRUSTONE_OPTIONS_INVALID: /],
      [['demo', 'trustone', '--url', `http://127.0.0.1:${closedPort}`], /^DARI_API_UNREACHABLE: /],
    ];
    for (const [args, err] of cases) {
      const r = await dari(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err.trim(), err);
      assert.equal(r.err.trim().split('\n').length, 1);
    }
  });
});
