/**
 * The TrustOne participant API over real loopback HTTP (127.0.0.1, port 0): the whole flow with a
 * simulated card, the signature rules (checked with a naive signer written here from the
 * documented rules, not with the production one), the replay window, idempotency keys, the coded
 * errors with their HTTP statuses, HTTPS, and no card data or secret in any answer or log line.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDariError } from '../../../src/errors';
import { TrustOneClient } from '../../../src/services/trustone/client';
import { TrustOneHttpServer } from '../../../src/services/trustone/http';
import { SimulatedCard } from '../../../src/sim/card';
import { harness, SECRET, TEST_IMK, TEST_IMK_HEX, type Harness } from './harness';

const PAN = '4761739001010119';

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

/** A plain HTTP request, with the headers given and nothing else. */
function raw(port: number, method: string, path: string, body: Buffer | string, headers: Record<string, string>, chunked = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request({ host: '127.0.0.1', port, method, path, headers: chunked ? headers : { ...headers, 'content-length': String(b.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (chunked) {
      for (let o = 0; o < b.length; o += 8192) req.write(b.subarray(o, o + 8192));
      req.end();
    } else req.end(b);
  });
}

/** The signing rules as the README states them, written independently of src/services/trustone/auth.ts. */
function naiveHeaders(participant: string, secretHex: string, method: string, path: string, body: string, ts = String(Math.floor(Date.now() / 1000))): Record<string, string> {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const mac = createHmac('sha256', Buffer.from(secretHex, 'hex')).update([method, path, ts, bodyHash].join('\n')).digest('hex');
  return { 'content-type': 'application/json', 'X-Dari-Participant': participant, 'X-Dari-Timestamp': ts, 'X-Dari-Signature': mac };
}

describe('TrustOne HTTP API', () => {
  let h: Harness;
  let server: TrustOneHttpServer;
  let port = 0;
  let client: TrustOneClient;
  const httpLogs: string[] = [];
  const answers: string[] = [];
  const serviceLogs: string[] = [];

  beforeEach(async () => {
    h = await harness();
    h.clock.now = Date.now();
    server = new TrustOneHttpServer(h.service, { port: 0, maxBodyBytes: 4096, pruneIntervalMs: 0, log: (e) => httpLogs.push(JSON.stringify(e)) });
    port = await server.start();
    client = new TrustOneClient({ url: `http://127.0.0.1:${port}`, participant: 'BANK1', secret: SECRET });
  });
  afterEach(async () => {
    serviceLogs.push(...h.logs);
    await server.stop();
    await h.close();
  });

  async function send(method: string, path: string, body?: unknown, opts?: Parameters<TrustOneClient['send']>[3]) {
    const r = await client.send(method, path, body, opts);
    answers.push(JSON.stringify(r.body));
    return r;
  }

  async function enrol(pan = PAN) {
    const card = new SimulatedCard({ imk: TEST_IMK, pan, psn: '01', cvn: 'visa18' });
    const r = await send('POST', '/v1/cards', { deviceId: 'phone-1', pan, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return { card, cardId: (r.body as { cardId: string }).cardId };
  }

  it('GET /health needs no signature', async () => {
    const r = await raw(port, 'GET', '/health', '', {});
    assert.deepEqual([r.status, r.json], [200, { status: 'ok' }]);
    assert.match(String(r.headers['content-type']), /^application\/json/);
  });

  it('the whole flow over loopback: register, challenge, tap, verify (ARPC), replay refused', async () => {
    const { card, cardId } = await enrol();
    const ch = await send('POST', '/v1/challenges', { cardId, amount: 50000, currency: '410' });
    assert.equal(ch.status, 201);
    const c = ch.body as { challengeId: string; unpredictableNumber: string; expiresAt: string };
    const tap = { cardId, challengeId: c.challengeId, pan: PAN, psn: '01', icc: card.tap({ un: c.unpredictableNumber, amount: 50000, currency: '410' }), arpc: { method: 2, csu: '00000000' } };
    const ok = await send('POST', '/v1/verifications', tap);
    assert.equal(ok.status, 200);
    const okBody = ok.body as Record<string, unknown>;
    assert.deepEqual([okBody.result, okBody.atc, okBody.reason], ['approved', 1, undefined]);
    assert.match(String(okBody.arpc), /^[0-9A-F]{8}$/);
    assert.match(String(okBody.verificationId), /^vrf_/);
    const again = await send('POST', '/v1/verifications', tap);
    assert.deepEqual([again.status, (again.body as Record<string, unknown>).result, (again.body as Record<string, unknown>).reason], [200, 'declined', 'CHALLENGE_USED']);
  });

  it('accepts a request signed by a naive implementation of the documented rules (signature in either case)', async () => {
    const body = JSON.stringify({ deviceId: 'phone-naive', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' });
    const headers = naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', body);
    const r = await raw(port, 'POST', '/v1/cards', body, headers);
    assert.equal(r.status, 201, r.text);
    const body2 = JSON.stringify({ deviceId: 'phone-naive-2', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' });
    const h2 = naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', body2);
    h2['X-Dari-Signature'] = (h2['X-Dari-Signature'] as string).toUpperCase();
    assert.equal((await raw(port, 'POST', '/v1/cards', body2, h2)).status, 201);
  });

  it('signature cases: bad, over another body, missing headers, unknown participant (401, coded)', async () => {
    const body = JSON.stringify({ cardId: 'card_x', amount: 1, currency: '410' });
    const good = naiveHeaders('BANK1', SECRET, 'POST', '/v1/challenges', body);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ ...good, 'X-Dari-Signature': '00'.repeat(32) }, body, 'DARI_API_SIGNATURE_INVALID'],
      [{ ...good, 'X-Dari-Signature': 'zz' }, body, 'DARI_API_SIGNATURE_INVALID'],
      [naiveHeaders('BANK1', SECRET.replace('00', 'ff'), 'POST', '/v1/challenges', body), body, 'DARI_API_SIGNATURE_INVALID'],
      [good, body.replace('"amount":1', '"amount":2'), 'DARI_API_SIGNATURE_INVALID'],
      [naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', body), body, 'DARI_API_SIGNATURE_INVALID'],
      [{ ...good, 'X-Dari-Participant': 'BANK9' }, body, 'DARI_API_UNKNOWN_PARTICIPANT'],
    ];
    for (const name of ['X-Dari-Participant', 'X-Dari-Timestamp', 'X-Dari-Signature']) {
      const hs = { ...good };
      delete hs[name];
      cases.push([hs, body, 'DARI_API_SIGNATURE_MISSING']);
    }
    for (const [headers, b, code] of cases) {
      const r = await raw(port, 'POST', '/v1/challenges', b, headers);
      assert.deepEqual([r.status, r.json?.error?.code], [401, code], JSON.stringify(headers));
      assert.equal(typeof r.json.error.message, 'string');
    }
  });

  it('the replay window: stale or future timestamps (401 DARI_API_TIMESTAMP_STALE), inside the window accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ cardId: 'card_x', amount: 1, currency: '410' });
    for (const ts of [String(now - 400), String(now + 400), 'yesterday', '']) {
      const r = await raw(port, 'POST', '/v1/challenges', body, naiveHeaders('BANK1', SECRET, 'POST', '/v1/challenges', body, ts));
      assert.deepEqual([r.status, r.json?.error?.code], [401, 'DARI_API_TIMESTAMP_STALE'], ts);
    }
    const inside = await raw(port, 'POST', '/v1/challenges', body, naiveHeaders('BANK1', SECRET, 'POST', '/v1/challenges', body, String(now - 250)));
    assert.deepEqual([inside.status, inside.json?.error?.code], [404, 'DARI_TRUSTONE_UNKNOWN_CARD'], 'authenticated: the card is what is wrong');
  });

  it('a narrower replay window is configurable', async () => {
    await server.stop();
    server = new TrustOneHttpServer(h.service, { port: 0, replayWindowS: 10, pruneIntervalMs: 0 });
    port = await server.start();
    const body = '{}';
    const ts = String(Math.floor(Date.now() / 1000) - 30);
    const r = await raw(port, 'POST', '/v1/cards', body, naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', body, ts));
    assert.equal(r.json?.error?.code, 'DARI_API_TIMESTAMP_STALE');
  });

  it('Idempotency-Key: same body gets the stored answer, a different body or path is 409', async () => {
    const reg = { deviceId: 'phone-idem', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' };
    const first = await send('POST', '/v1/cards', reg, { idempotencyKey: 'reg-1' });
    assert.equal(first.status, 201);
    const replay = await send('POST', '/v1/cards', reg, { idempotencyKey: 'reg-1' });
    assert.deepEqual([replay.status, replay.body], [201, first.body], 'the original answer, not a second registration (that would be 409)');
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const other = await send('POST', '/v1/cards', { ...reg, deviceId: 'phone-other' }, { idempotencyKey: 'reg-1' });
    assert.deepEqual([other.status, (other.body as any).error.code], [409, 'DARI_API_IDEMPOTENCY_CONFLICT']);
    const elsewhere = await send('POST', '/v1/challenges', reg, { idempotencyKey: 'reg-1' });
    assert.deepEqual([elsewhere.status, (elsewhere.body as any).error.code], [409, 'DARI_API_IDEMPOTENCY_CONFLICT']);
    const again = await send('POST', '/v1/cards', reg);
    assert.deepEqual([again.status, (again.body as any).error.code], [409, 'DARI_TRUSTONE_CARD_EXISTS'], 'without the key it is a second registration');
  });

  it('Idempotency-Key on a verification: a retried request gets the approval back, not CHALLENGE_USED', async () => {
    const { card, cardId } = await enrol();
    const ch = (await send('POST', '/v1/challenges', { cardId, amount: 1, currency: '410' })).body as { challengeId: string; unpredictableNumber: string };
    const tap = { cardId, challengeId: ch.challengeId, pan: PAN, icc: card.tap({ un: ch.unpredictableNumber, amount: 1, currency: '410' }) };
    const a = await send('POST', '/v1/verifications', tap, { idempotencyKey: 'tap-1' });
    const b = await send('POST', '/v1/verifications', tap, { idempotencyKey: 'tap-1' });
    assert.equal((a.body as any).result, 'approved');
    assert.deepEqual(b.body, a.body);
    assert.equal((await h.store.attempts('BANK1', 10)).length, 1, 'verified once');
    const bad = await send('POST', '/v1/verifications', tap, { idempotencyKey: 'k'.repeat(256) });
    assert.deepEqual([bad.status, (bad.body as any).error.code], [400, 'DARI_TRUSTONE_INVALID_REQUEST'], 'the server bounds the key');
    await assert.rejects(client.send('POST', '/v1/verifications', tap, { idempotencyKey: '\u0001' }), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_INVALID_REQUEST');
  });

  it('malformed bodies (400) never echo what was sent', async () => {
    const cases: Array<[string, string]> = [
      [`{"pan":"${PAN}",`, 'DARI_API_MALFORMED_BODY'],
      [`["${PAN}"]`, 'DARI_API_MALFORMED_BODY'],
      ['', 'DARI_API_MALFORMED_BODY'],
      [JSON.stringify({ deviceId: 'd', pan: `${PAN}99999`, issuerKeyId: 'imk-test', cvn: 'visa18' }), 'DARI_TRUSTONE_INVALID_REQUEST'],
    ];
    for (const [body, code] of cases) {
      const r = await raw(port, 'POST', '/v1/cards', body, naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', body));
      assert.deepEqual([r.status, r.json?.error?.code], [400, code], body);
      assert.ok(!r.text.includes(PAN.slice(6)), r.text);
    }
  });

  it('a body above the limit is 413, whether declared or streamed', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(5000) });
    const declared = await raw(port, 'POST', '/v1/cards', big, naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', big));
    assert.deepEqual([declared.status, declared.json?.error?.code], [413, 'DARI_API_BODY_TOO_LARGE']);
    const streamed = await raw(port, 'POST', '/v1/cards', Buffer.from(big), { ...naiveHeaders('BANK1', SECRET, 'POST', '/v1/cards', big), 'transfer-encoding': 'chunked' }, true);
    assert.deepEqual([streamed.status, streamed.json?.error?.code], [413, 'DARI_API_BODY_TOO_LARGE']);
    assert.equal((await raw(port, 'GET', '/health', '', {})).status, 200, 'the server is fine afterwards');
  });

  it('unknown path (404), wrong method (405), unknown card on challenge and verification (404, journaled)', async () => {
    assert.deepEqual(await send('POST', '/v1/nothing', {}).then((r) => [r.status, (r.body as any).error.code]), [404, 'DARI_API_NOT_FOUND']);
    assert.deepEqual(await send('GET', '/v1/cards').then((r) => [r.status, (r.body as any).error.code]), [405, 'DARI_API_METHOD_NOT_ALLOWED']);
    assert.deepEqual(await send('POST', '/health', {}).then((r) => [r.status, (r.body as any).error.code]), [405, 'DARI_API_METHOD_NOT_ALLOWED']);
    assert.deepEqual(await send('POST', '/v1/challenges', { cardId: 'card_none', amount: 1, currency: '410' }).then((r) => [r.status, (r.body as any).error.code]), [404, 'DARI_TRUSTONE_UNKNOWN_CARD']);
    const v = await send('POST', '/v1/verifications', { cardId: 'card_none', challengeId: 'chl_none', pan: PAN, icc: '9F270180' });
    assert.deepEqual([v.status, (v.body as any).error.code], [404, 'DARI_TRUSTONE_UNKNOWN_CARD']);
    const [attempt] = await h.store.attempts('BANK1', 1);
    assert.deepEqual([attempt?.result, attempt?.reason], ['declined', 'UNKNOWN_CARD']);
  });

  it('a path or participant header that holds a PAN is neither echoed nor logged', async () => {
    const r1 = await send('POST', `/v1/cards/${PAN}`, {});
    assert.deepEqual([r1.status, (r1.body as any).error.code], [404, 'DARI_API_NOT_FOUND']);
    const body = '{}';
    const r2 = await raw(port, 'POST', '/v1/cards', body, naiveHeaders(PAN, SECRET, 'POST', '/v1/cards', body));
    assert.deepEqual([r2.status, r2.json?.error?.code], [401, 'DARI_API_UNKNOWN_PARTICIPANT']);
    answers.push(r2.text);
    assert.ok(!JSON.stringify(r1.body).includes(PAN) && !r2.text.includes(PAN));
    assert.ok(!httpLogs.join('\n').includes(PAN));
  });

  it('concurrent requests with one Idempotency-Key: one registration, every answer the original or 409', async () => {
    const reg = { deviceId: 'phone-race', pan: PAN, psn: '01', issuerKeyId: 'imk-test', cvn: 'visa18' };
    const all = await Promise.all(Array.from({ length: 6 }, () => send('POST', '/v1/cards', reg, { idempotencyKey: 'race-1' })));
    const created = all.filter((r) => r.status === 201);
    assert.ok(created.length >= 1);
    assert.ok(created.every((r) => JSON.stringify(r.body) === JSON.stringify(created[0]?.body)), 'one registration, replayed');
    assert.ok(all.every((r) => r.status === 201 || (r.status === 409 && (r.body as any).error.code === 'DARI_API_IDEMPOTENCY_CONFLICT')));
  });

  it('a store that fails answers 503 DARI_TRUSTONE_STORE_UNAVAILABLE, and the server goes on', async () => {
    await h.store.close();
    const r = await send('POST', '/v1/cards', { deviceId: 'd', pan: PAN, issuerKeyId: 'imk-test', cvn: 'visa18' }, { idempotencyKey: 'down-1' });
    assert.deepEqual([r.status, (r.body as any).error.code], [503, 'DARI_TRUSTONE_STORE_UNAVAILABLE']);
    await h.store.init();
    const again = await send('POST', '/v1/cards', { deviceId: 'd', pan: PAN, issuerKeyId: 'imk-test', cvn: 'visa18' }, { idempotencyKey: 'down-1' });
    assert.equal(again.status, 201, 'the server serves again once the store is back');
  });

  it('the client turns coded answers into DariErrors, and an unreachable server into DARI_API_UNREACHABLE', async () => {
    await assert.rejects(client.challenge({ cardId: 'card_none', amount: 1, currency: '410' }), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_UNKNOWN_CARD');
    const closed = new TrustOneHttpServer(h.service, { port: 0, pruneIntervalMs: 0 });
    const deadPort = await closed.start();
    await closed.stop();
    const gone = new TrustOneClient({ url: `http://127.0.0.1:${deadPort}`, participant: 'BANK1', secret: SECRET });
    await assert.rejects(gone.registerCard({ deviceId: 'd', pan: PAN, issuerKeyId: 'imk-test', cvn: 'visa18' }), (e: unknown) => isDariError(e) && e.code === 'DARI_API_UNREACHABLE');
    assert.throws(() => new TrustOneClient({ url: 'not a url', participant: 'P', secret: SECRET }), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_OPTIONS_INVALID');
  });

  it('options are checked: DARI_TRUSTONE_OPTIONS_INVALID', () => {
    for (const o of [{ port: -1 }, { replayWindowS: 0 }, { maxBodyBytes: 10 }, { requestTimeoutMs: 1.5 }]) {
      assert.throws(() => new TrustOneHttpServer(h.service, o), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_OPTIONS_INVALID', JSON.stringify(o));
    }
  });

  it('no PAN, participant secret or key in any answer or log line of the tests above', () => {
    const all = [...answers, ...httpLogs, ...serviceLogs].join('\n');
    assert.ok(answers.length > 10 && httpLogs.length > 10 && serviceLogs.length > 3, 'runs after the tests above');
    for (const secret of [PAN, SECRET, TEST_IMK_HEX, TEST_IMK_HEX.toLowerCase()]) assert.ok(!all.includes(secret), `${secret.slice(0, 6)}... leaked`);
  });

  describe('over HTTPS', () => {
    let dir = '';
    before(function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'dari-trustone-tls-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
        '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    });
    after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

    it('serves the same API with TLS options', async () => {
      const cert = readFileSync(join(dir, 'c.pem'));
      const tlsServer = new TrustOneHttpServer(h.service, { port: 0, pruneIntervalMs: 0, tls: { key: readFileSync(join(dir, 'k.pem')), cert } });
      const tlsPort = await tlsServer.start();
      try {
        const c = new TrustOneClient({ url: `https://127.0.0.1:${tlsPort}`, participant: 'BANK1', secret: SECRET, tls: { ca: cert } });
        const card = await c.registerCard({ deviceId: 'phone-tls', pan: PAN, issuerKeyId: 'imk-test', cvn: 'mc16' });
        assert.equal(card.maskedPan, '476173******0119');
        const plain = new TrustOneClient({ url: `http://127.0.0.1:${tlsPort}`, participant: 'BANK1', secret: SECRET });
        await assert.rejects(plain.registerCard({ deviceId: 'x', pan: PAN, issuerKeyId: 'imk-test', cvn: 'mc16' }), (e: unknown) => isDariError(e) && e.code === 'DARI_API_UNREACHABLE');
      } finally {
        await tlsServer.stop();
      }
    });
  });
});
