import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal, SqliteJournal, MIGRATIONS, type Migration } from '../../src/journal';
import { journalContract, rejectsCoded, writeThenKill } from './journal-contract';

const dir = mkdtempSync(join(tmpdir(), 'dari-journal-'));
const fileOf = (store: string): string => join(dir, store, 'journal.db');

describe('SQLite journal', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  journalContract(
    'SQLite',
    (store = 'main') => new SqliteJournal({ path: fileOf(store) }),
    async () => undefined,
  );

  describe('adapter', () => {
    it('creates the folder and uses WAL mode', async () => {
      const path = join(dir, 'nested', 'deeper', 'j.db');
      const j = new SqliteJournal({ path });
      await j.init();
      await j.record({ id: 't1', state: 'received', at: 1, participant: 'P', mti: '0200' });
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.deepEqual(raw.prepare('SELECT txn_id, state, state_at FROM txn_events').all(), [{ txn_id: 't1', state: 'received', state_at: 1 }]);
      } finally {
        raw.close();
        await j.close();
      }
    });

    it('a write whose promise resolved survives SIGKILL of the writing process', async function () {
      this.timeout(20000);
      const path = fileOf('killed');
      const ids = await writeThenKill(`new J.SqliteJournal({ path: ${JSON.stringify(path)} })`, 300);
      const j = new SqliteJournal({ path });
      await j.init();
      try {
        const got = await Promise.all(ids.map((id) => j.get(id)));
        assert.equal(got.filter((r) => r?.state === 'answered').length, 300);
      } finally {
        await j.close();
      }
    });

    it('a file that cannot be opened is DARI_JOURNAL_UNAVAILABLE', async () => {
      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, 'not a folder');
      await rejectsCoded(new SqliteJournal({ path: join(blocker, 'j.db') }).init(), 'DARI_JOURNAL_UNAVAILABLE');
      const garbage = join(dir, 'garbage.db');
      writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
      await rejectsCoded(new SqliteJournal({ path: garbage }).init(), 'DARI_JOURNAL_UNAVAILABLE');
    });

    it('a failing migration is DARI_JOURNAL_MIGRATION_FAILED naming its version, and is not recorded', async () => {
      const path = fileOf('bad-migration');
      const broken: Migration[] = [...MIGRATIONS, { version: 4, name: 'broken', sqlite: ['CREATE TABLE ok4 (a INTEGER)', 'CREATE TABLE nonsense ('], postgres: [] }];
      await rejectsCoded(new SqliteJournal({ path, migrations: broken }).init(), 'DARI_JOURNAL_MIGRATION_FAILED', /migration 4 \(broken\)/);
      const j = new SqliteJournal({ path });
      await j.init();
      try {
        assert.deepEqual(
          (await j.appliedMigrations()).map((m) => m.version),
          [1, 2, 3],
        );
      } finally {
        await j.close();
      }
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal((raw.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'ok4'").get() as { n: number }).n, 0, 'the migration rolled back whole');
      } finally {
        raw.close();
      }
    });

    it('openJournal without a database URL opens SQLite', () => {
      assert.ok(openJournal({ sqlitePath: join(dir, 'open.db') }) instanceof SqliteJournal);
      assert.ok(openJournal({ databaseUrl: '', sqlitePath: join(dir, 'open.db') }) instanceof SqliteJournal);
    });
  });
});
