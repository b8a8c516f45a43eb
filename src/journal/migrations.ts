/**
 * Versioned journal schema migrations, one list for both databases.
 *
 * Each migration has a version (ascending integers, never reused or edited once released), a name,
 * and its statements for SQLite and for PostgreSQL. The table `schema_migrations(version, name,
 * applied_at)` records what was applied. Each migration runs once, in its own transaction together
 * with its `schema_migrations` row, so it is applied whole or not at all. A failure is reported as
 * DARI_JOURNAL_MIGRATION_FAILED naming the version.
 *
 * Several hub nodes may start together on one PostgreSQL database. Without advisory locks (not in
 * CockroachDB) the migrations are claimed by their unique version: each transaction first inserts
 * its `schema_migrations` row (ON CONFLICT DO NOTHING); a node that finds the row taken waits on the
 * unique key until the other node's transaction ends, then skips the version. The PostgreSQL SQL
 * stays within what CockroachDB and YugabyteDB also run (no PL/pgSQL, no advisory locks, BIGINT
 * epoch milliseconds, TEXT, BYTEA, JSONB).
 */
import type Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import type { AppliedMigration } from './common';
import { coded, errorMessage } from './common';

export interface Migration {
  version: number;
  name: string;
  sqlite: readonly string[];
  /** Statements with `{s}` standing for the quoted schema name. */
  postgres: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'transactions and their state history',
    sqlite: [
      `CREATE TABLE transactions (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        state_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        participant TEXT NOT NULL,
        mti TEXT NOT NULL,
        link TEXT, processing_code TEXT, stan TEXT, rrn TEXT, terminal TEXT, transmission TEXT,
        amount TEXT, currency TEXT, partner TEXT, partner_link TEXT, response_code TEXT,
        pan_masked TEXT, pan_hash TEXT, dedupe_key TEXT, original_key TEXT,
        detail TEXT
      )`,
      `CREATE INDEX transactions_original_key ON transactions (original_key, created_at)`,
      `CREATE TABLE txn_events (
        txn_id TEXT NOT NULL,
        state TEXT NOT NULL,
        state_at INTEGER NOT NULL,
        PRIMARY KEY (txn_id, state_at, state)
      )`,
    ],
    postgres: [
      `CREATE TABLE {s}.transactions (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        state_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        participant TEXT NOT NULL,
        mti TEXT NOT NULL,
        link TEXT, processing_code TEXT, stan TEXT, rrn TEXT, terminal TEXT, transmission TEXT,
        amount TEXT, currency TEXT, partner TEXT, partner_link TEXT, response_code TEXT,
        pan_masked TEXT, pan_hash TEXT, dedupe_key TEXT, original_key TEXT,
        detail JSONB
      )`,
      `CREATE INDEX transactions_original_key ON {s}.transactions (original_key, created_at)`,
      `CREATE TABLE {s}.txn_events (
        txn_id TEXT NOT NULL,
        state TEXT NOT NULL,
        state_at BIGINT NOT NULL,
        PRIMARY KEY (txn_id, state_at, state)
      )`,
    ],
  },
  {
    version: 2,
    name: 'dedupe keys',
    sqlite: [
      `CREATE TABLE dedupe (
        key TEXT PRIMARY KEY,
        txn_id TEXT NOT NULL,
        answer TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      )`,
      `CREATE INDEX dedupe_expires ON dedupe (expires_at)`,
    ],
    postgres: [
      `CREATE TABLE {s}.dedupe (
        key TEXT PRIMARY KEY,
        txn_id TEXT NOT NULL,
        answer JSONB,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      `CREATE INDEX dedupe_expires ON {s}.dedupe (expires_at)`,
    ],
  },
  {
    version: 3,
    name: 'store-and-forward queue with leases',
    sqlite: [
      `CREATE TABLE saf (
        id TEXT PRIMARY KEY,
        txn_id TEXT NOT NULL,
        partner TEXT NOT NULL,
        link_hint TEXT,
        mti TEXT NOT NULL,
        payload BLOB NOT NULL,
        attempts INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        last_result TEXT,
        leased_by TEXT,
        lease_until INTEGER
      )`,
      `CREATE INDEX saf_due ON saf (status, next_at)`,
      `CREATE INDEX saf_txn ON saf (txn_id)`,
    ],
    postgres: [
      `CREATE TABLE {s}.saf (
        id TEXT PRIMARY KEY,
        txn_id TEXT NOT NULL,
        partner TEXT NOT NULL,
        link_hint TEXT,
        mti TEXT NOT NULL,
        payload BYTEA NOT NULL,
        attempts INTEGER NOT NULL,
        next_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        status TEXT NOT NULL,
        last_result TEXT,
        leased_by TEXT,
        lease_until BIGINT
      )`,
      `CREATE INDEX saf_due ON {s}.saf (status, next_at)`,
      `CREATE INDEX saf_txn ON {s}.saf (txn_id)`,
    ],
  },
  {
    version: 4,
    name: 'sealed requests of transactions in flight',
    // The partial index holds only the transactions in flight (a few pages at the right edge, by
    // time): a begin adds an entry, a complete removes it, and crash recovery reads it in order.
    sqlite: [
      `ALTER TABLE transactions ADD COLUMN request_sealed BLOB`,
      `CREATE INDEX transactions_in_flight ON transactions (state_at, id) WHERE state IN ('received', 'forwarded')`,
    ],
    postgres: [
      `ALTER TABLE {s}.transactions ADD COLUMN request_sealed BYTEA`,
      `CREATE INDEX transactions_in_flight ON {s}.transactions (state_at, id) WHERE state IN ('received', 'forwarded')`,
    ],
  },
  {
    version: 5,
    name: 'fees per transaction',
    // Amounts are integer minor units (at most 14 digits, so amount x 10000 fits in 64 bits for the
    // basis-point arithmetic of feeTotals); the rate stays the exact decimal text of the quote.
    // Reports select a date range (fees_charged_at) and settlement one participant's range.
    sqlite: [
      `CREATE TABLE fees (
        txn_id TEXT PRIMARY KEY,
        charged_at INTEGER NOT NULL,
        participant TEXT NOT NULL,
        partner TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount INTEGER NOT NULL,
        participant_fee INTEGER NOT NULL,
        partner_fee INTEGER NOT NULL,
        card_brand_cost INTEGER NOT NULL,
        fx_quote_id TEXT,
        rate TEXT
      )`,
      `CREATE INDEX fees_charged_at ON fees (charged_at)`,
      `CREATE INDEX fees_participant_charged_at ON fees (participant, charged_at)`,
    ],
    postgres: [
      `CREATE TABLE {s}.fees (
        txn_id TEXT PRIMARY KEY,
        charged_at BIGINT NOT NULL,
        participant TEXT NOT NULL,
        partner TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount BIGINT NOT NULL,
        participant_fee BIGINT NOT NULL,
        partner_fee BIGINT NOT NULL,
        card_brand_cost BIGINT NOT NULL,
        fx_quote_id TEXT,
        rate TEXT
      )`,
      `CREATE INDEX fees_charged_at ON {s}.fees (charged_at)`,
      `CREATE INDEX fees_participant_charged_at ON {s}.fees (participant, charged_at)`,
    ],
  },
];

function checkList(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw coded('DARI_JOURNAL_MIGRATION_FAILED', `journal migration ${sorted[i]!.version} is defined twice`);
    }
  }
  return sorted;
}

function failed(m: Migration, e: unknown): Error {
  return coded('DARI_JOURNAL_MIGRATION_FAILED', `journal migration ${m.version} (${m.name}) failed: ${errorMessage(e)}`, e);
}

// ------------------------------------------------------------------------------------------------
// SQLite
// ------------------------------------------------------------------------------------------------

/** Apply pending migrations to a SQLite database; resolves with the versions applied now. */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number[] {
  const list = checkList(migrations);
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
  } catch (e) {
    throw coded('DARI_JOURNAL_MIGRATION_FAILED', `journal migration table could not be created: ${errorMessage(e)}`, e);
  }
  const has = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const mark = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of list) {
    // IMMEDIATE: take the write lock before checking, so two processes never both apply a version.
    const apply = db.transaction(() => {
      if (has.get(m.version) !== undefined) return false;
      for (const sql of m.sqlite) db.exec(sql);
      mark.run(m.version, m.name, now());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m.version);
    } catch (e) {
      throw failed(m, e);
    }
  }
  return applied;
}

export function sqliteMigrations(db: Database.Database): AppliedMigration[] {
  const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<Record<string, unknown>>;
  return rows.map((r) => ({ version: Number(r['version']), name: String(r['name']), appliedAt: Number(r['applied_at']) }));
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL
// ------------------------------------------------------------------------------------------------

/** A schema name is an identifier we quote ourselves: letters, digits, underscore. */
export function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw coded('DARI_JOURNAL_UNAVAILABLE', 'journal schema name must be letters, digits and underscores (at most 63)');
  }
  return `"${schema}"`;
}

/** SQLSTATEs of a lost race on catalog objects created with IF NOT EXISTS by two nodes at once. */
const CATALOG_RACE = new Set(['23505', '42P06', '42P07', '40001', '40P01']);

async function bootstrap(client: PoolClient, s: string): Promise<void> {
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`,
  ];
  for (const sql of statements) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(sql);
        break;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (attempt < 5 && typeof code === 'string' && CATALOG_RACE.has(code)) continue;
        throw coded('DARI_JOURNAL_MIGRATION_FAILED', `journal migration table could not be created: ${errorMessage(e)}`, e);
      }
    }
  }
}

/** Apply pending migrations in `schema`; resolves with the versions this call applied. */
export async function migratePostgres(
  client: PoolClient,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): Promise<number[]> {
  const list = checkList(migrations);
  const s = quoteSchema(schema);
  await bootstrap(client, s);
  const applied: number[] = [];
  for (const m of list) {
    const done = await client.query(`SELECT 1 FROM ${s}.schema_migrations WHERE version = $1`, [m.version]);
    if (done.rowCount) continue;
    try {
      await client.query('BEGIN');
      // Claim the version first: a concurrent node blocks here until this transaction ends.
      const claim = await client.query(
        `INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)
         ON CONFLICT (version) DO NOTHING RETURNING version`,
        [m.version, m.name, now()],
      );
      if (!claim.rowCount) {
        await client.query('ROLLBACK');
        continue;
      }
      for (const sql of m.postgres) await client.query(sql.split('{s}').join(s));
      await client.query('COMMIT');
      applied.push(m.version);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw failed(m, e);
    }
  }
  return applied;
}

export async function postgresMigrations(client: { query: PoolClient['query'] }, schema: string): Promise<AppliedMigration[]> {
  const s = quoteSchema(schema);
  const r = await client.query(`SELECT version, name, applied_at FROM ${s}.schema_migrations ORDER BY version`);
  return (r.rows as Array<Record<string, unknown>>).map((row) => ({
    version: Number(row['version']),
    name: String(row['name']),
    appliedAt: Number(row['applied_at']),
  }));
}
