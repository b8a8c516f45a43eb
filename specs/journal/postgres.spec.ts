/**
 * The journal contract on the real PostgreSQL server (DATABASE_URL, default the development/CI
 * server). It FAILS, never skips, when the server cannot be reached. Every run uses its own schemas
 * (dari_test_<pid>_<time>_<store>) and drops them at the end.
 */
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { MIGRATIONS, openJournal, PostgresJournal, type Migration } from '../../src/journal';
import { journalContract, rejectsCoded, uid, writeThenKill } from './journal-contract';

const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BASE = `dari_test_${process.pid}_${Date.now().toString(36)}`;
const schemaOf = (store: string): string => `${BASE}_${store.replace(/[^A-Za-z0-9_]/g, '_')}`;

async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function dropSchemas(): Promise<void> {
  await withClient(async (c) => {
    const r = await c.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${BASE}%`]);
    for (const { nspname } of r.rows) await c.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  });
}

describe('PostgreSQL journal', function () {
  this.timeout(20000);
  let reachable = false;

  before(async () => {
    try {
      await withClient((c) => c.query('SELECT 1'));
      reachable = true;
    } catch (e) {
      throw new Error(`PostgreSQL is required for these tests and is not reachable at ${URL} (${(e as Error).message}); start it or set DATABASE_URL`);
    }
  });

  after(async () => {
    if (reachable) await dropSchemas();
  });

  journalContract('PostgreSQL', (store = 'main') => new PostgresJournal({ connectionString: URL, schema: schemaOf(store), poolSize: 4 }), dropSchemas);

  describe('adapter', () => {
    it('an unreachable server is DARI_JOURNAL_UNAVAILABLE, and the message has no password', async () => {
      const j = new PostgresJournal({ connectionString: 'postgres://dari:sekret@127.0.0.1:1/none', connectTimeoutMs: 2000 });
      await assert.rejects(j.init(), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'DARI_JOURNAL_UNAVAILABLE');
        assert.ok(!e.message.includes('sekret'), e.message);
        return true;
      });
    });

    it('a schema name that is not a plain identifier is refused', () => {
      assert.throws(() => new PostgresJournal({ connectionString: URL, schema: 'x"; DROP TABLE y; --' }), /schema name/);
    });

    it('several nodes starting together on a fresh schema: all succeed, each migration applied once', async () => {
      const schema = schemaOf('startup_race');
      const nodes = Array.from({ length: 4 }, () => new PostgresJournal({ connectionString: URL, schema, poolSize: 2 }));
      try {
        await Promise.all(nodes.map((n) => n.init()));
        const applied = await nodes[0]!.appliedMigrations();
        assert.deepEqual(
          applied.map((m) => m.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    });

    it('a failing migration is DARI_JOURNAL_MIGRATION_FAILED naming its version, and rolls back whole', async () => {
      const schema = schemaOf('bad_migration');
      const broken: Migration[] = [
        ...MIGRATIONS,
        { version: 99, name: 'broken', sqlite: [], postgres: ['CREATE TABLE {s}.ok4 (a INTEGER)', 'CREATE TABLE {s}.nonsense ('] },
      ];
      await rejectsCoded(new PostgresJournal({ connectionString: URL, schema, migrations: broken }).init(), 'DARI_JOURNAL_MIGRATION_FAILED', /migration 99 \(broken\)/);
      const j = new PostgresJournal({ connectionString: URL, schema });
      await j.init();
      try {
        assert.deepEqual(
          (await j.appliedMigrations()).map((m) => m.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await j.close();
      }
      const ok4 = await withClient((c) => c.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, 'ok4']));
      assert.equal(ok4.rowCount, 0);
    });

    it('a journal of schema version 3 is upgraded in place: old rows kept, sealed requests stored and cleared', async () => {
      const schema = schemaOf('upgrade3');
      const old = new PostgresJournal({ connectionString: URL, schema, migrations: MIGRATIONS.filter((m) => m.version <= 3) });
      await old.init();
      const t = { id: uid('old'), state: 'received' as const, at: 10, participant: 'P', mti: '0200', originalKey: 'ok-old' };
      await old.record(t);
      await old.close();
      const j = new PostgresJournal({ connectionString: URL, schema });
      await j.init();
      try {
        assert.deepEqual((await j.appliedMigrations()).map((m) => m.version), MIGRATIONS.map((m) => m.version));
        assert.deepEqual(await j.get(t.id), t);
        assert.deepEqual(await j.inFlightBefore(11, 10), [{ record: t, sealedRequest: undefined }]);
        await j.begin({ ...t, state: 'forwarded', at: 12 }, { sealedRequest: Buffer.from('sealed') });
        const column = async (): Promise<unknown> =>
          (await withClient((c) => c.query(`SELECT request_sealed FROM "${schema}".transactions WHERE id = $1`, [t.id]))).rows[0]?.request_sealed;
        assert.deepEqual(await column(), Buffer.from('sealed'));
        await j.complete({ ...t, state: 'answered', at: 13, responseCode: '00' }, {});
        assert.equal(await column(), null, 'complete set request_sealed to NULL');
      } finally {
        await j.close();
      }
    });

    it('a write whose promise resolved survives SIGKILL of the writing process', async () => {
      const schema = schemaOf('killed');
      const ids = await writeThenKill(`new J.PostgresJournal({ connectionString: ${JSON.stringify(URL)}, schema: ${JSON.stringify(schema)} })`, 300);
      const j = new PostgresJournal({ connectionString: URL, schema });
      await j.init();
      try {
        const got = await Promise.all(ids.map((id) => j.get(id)));
        assert.equal(got.filter((r) => r?.state === 'answered').length, 300);
      } finally {
        await j.close();
      }
    });

    it('a SAF entry locked by one node is skipped by another (FOR UPDATE SKIP LOCKED)', async () => {
      const schema = schemaOf('skip_locked');
      const j = new PostgresJournal({ connectionString: URL, schema });
      await j.init();
      try {
        const ids = [uid('saf'), uid('saf')];
        for (const id of ids) {
          await j.safEnqueue({ id, txnId: 't', partner: 'P', mti: '0420', payload: Buffer.from('x'), attempts: 0, nextAt: 1, createdAt: 1, status: 'pending' });
        }
        await withClient(async (c) => {
          await c.query('BEGIN');
          await c.query(`SELECT id FROM "${schema}".saf WHERE id = $1 FOR UPDATE`, [ids[0]]);
          const claimed = await j.safClaimDue(10, 10, 'node-b', 1000);
          assert.deepEqual(
            claimed.map((e) => e.id),
            [ids[1]],
            'the row locked by another transaction is skipped, not waited for',
          );
          await c.query('ROLLBACK');
        });
      } finally {
        await j.close();
      }
    });

    it('connections killed by the server: writes fail coded at worst, then the journal recovers', async () => {
      const schema = schemaOf('killed_conn');
      const app = `dari-journal-${process.pid}-kill`;
      const j = new PostgresJournal({ connectionString: URL, schema, applicationName: app, poolSize: 2 });
      await j.init();
      try {
        await j.record({ id: uid('t'), state: 'received', at: 1, participant: 'P', mti: '0200' });
        const killed = await withClient((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]));
        assert.ok((killed.rowCount ?? 0) >= 1, 'the journal had a pooled connection to kill');
        const id = uid('t');
        let stored = false;
        for (let attempt = 0; attempt < 3 && !stored; attempt++) {
          try {
            await j.record({ id, state: 'received', at: 2, participant: 'P', mti: '0200' });
            stored = true;
          } catch (e) {
            assert.equal((e as { code?: string }).code, 'DARI_JOURNAL_UNAVAILABLE', String(e));
          }
        }
        assert.ok(stored, 'a write succeeds again on a new connection');
        assert.equal((await j.get(id))?.id, id);
      } finally {
        await j.close();
      }
    });

    it('openJournal with a database URL opens PostgreSQL', () => {
      const j = openJournal({ databaseUrl: URL, sqlitePath: '/nonexistent/unused.db', schema: schemaOf('open') });
      assert.ok(j instanceof PostgresJournal);
      assert.equal(j.schema, schemaOf('open'));
    });
  });
});
