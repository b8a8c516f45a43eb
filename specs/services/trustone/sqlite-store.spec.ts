import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isDariError } from '../../../src/errors';
import { SqliteTrustOneStore } from '../../../src/services/trustone/sqlite-store';
import { card, trustOneStoreContract } from './store-contract';

const dir = mkdtempSync(join(tmpdir(), 'dari-trustone-store-'));
const fileOf = (db: string): string => join(dir, db, 'trustone.db');
const STORE_MODULE = resolve(__dirname, '..', '..', '..', 'src', 'services', 'trustone', 'sqlite-store.js');

/** Run `count` processes that each try to move the same card's ATC to `atc` at the same moment; resolves with how many succeeded. */
async function raceAdvance(path: string, count: number, atc: number): Promise<number> {
  const startAt = Date.now() + 400;
  const source = `
    const { SqliteTrustOneStore } = require(${JSON.stringify(STORE_MODULE)});
    (async () => {
      const s = new SqliteTrustOneStore({ path: ${JSON.stringify(path)} });
      await s.init();
      while (Date.now() < ${startAt}) { /* spin to the common start */ }
      const r = await s.advanceAtc('race-card', ${atc}, Date.now());
      process.stdout.write(r.advanced ? 'won' : 'lost');
      await s.close();
    })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });
  `;
  const outs = await Promise.all(Array.from({ length: count }, () => new Promise<string>((res, rej) => {
    const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`child exited ${code}: ${err}`))));
  })));
  return outs.filter((o) => o === 'won').length;
}

describe('TrustOne SQLite store', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  trustOneStoreContract('SQLite file', (db) => new SqliteTrustOneStore({ path: fileOf(db) }));

  it('processes racing on one file: only one moves the ATC to a given value', async function () {
    this.timeout(30_000);
    const path = fileOf('race');
    const s = new SqliteTrustOneStore({ path });
    await s.init();
    await s.close();
    assert.equal(await raceAdvance(path, 4, 9), 1);
    assert.equal(await raceAdvance(path, 3, 9), 0, 'the same ATC again: nobody');
  });

  it('survives a reopen: registrations, used challenges and ATCs are on disk', async () => {
    const path = fileOf('reopen');
    const a = new SqliteTrustOneStore({ path });
    await a.init();
    const c = card();
    await a.addCard(c);
    await a.advanceAtc('k', 3, 1);
    await a.close();
    const b = new SqliteTrustOneStore({ path });
    await b.init();
    try {
      assert.deepEqual(await b.getCard(c.participant, c.cardId), c);
      assert.deepEqual(await b.advanceAtc('k', 3, 2), { advanced: false, previous: 3 });
    } finally {
      await b.close();
    }
  });

  it('an in-memory database works for one process', async () => {
    const s = new SqliteTrustOneStore({ path: ':memory:' });
    await s.init();
    const c = card();
    await s.addCard(c);
    assert.deepEqual(await s.getCard(c.participant, c.cardId), c);
    await s.close();
  });

  it('uses WAL mode and records its schema version', async () => {
    const path = fileOf('wal');
    const s = new SqliteTrustOneStore({ path });
    await s.init();
    await s.close();
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 1);
    } finally {
      raw.close();
    }
  });

  it('refuses a database from a newer Dari with DARI_TRUSTONE_STORE_UNAVAILABLE', async () => {
    const path = fileOf('newer');
    const s = new SqliteTrustOneStore({ path });
    await s.init();
    await s.close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    await assert.rejects(new SqliteTrustOneStore({ path }).init(), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_STORE_UNAVAILABLE' && /version 99/.test(e.message));
  });

  it('a file that is not a database, or a store not opened, is DARI_TRUSTONE_STORE_UNAVAILABLE', async () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not an SQLite database, just text long enough to have a header '.repeat(20));
    await assert.rejects(new SqliteTrustOneStore({ path }).init(), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_STORE_UNAVAILABLE');
    await assert.rejects(new SqliteTrustOneStore({ path: fileOf('never') }).getCard('P', 'c'), (e: unknown) => isDariError(e) && e.code === 'DARI_TRUSTONE_STORE_UNAVAILABLE');
  });
});
