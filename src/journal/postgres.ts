/**
 * PostgreSQL journal: used when DATABASE_URL is set; several hub nodes can share one database.
 *
 * - Durability: PostgreSQL's default `synchronous_commit = on`; a write resolves after COMMIT.
 * - Group commit (see common.ts): the writes of one event-loop turn go into one transaction on one
 *   pooled connection, at most one batch in flight per journal instance (writes arriving meanwhile
 *   form the next batch). Inside a batch, records become two multi-row statements (transactions
 *   upsert, txn_events insert), consecutive SAF enqueues one multi-row insert; dedupe claims and
 *   SAF claims/updates are single statements. The three tables are independent, so ops run grouped
 *   by table, each table's ops in queue order (dedupe ops stably sorted by key, and transaction
 *   rows by id, so that concurrent nodes take row locks in the same order).
 * - When a batch fails on an SQL error (a bad op, a deadlock or serialization failure), every op is
 *   retried in its own transaction, so only the bad op is rejected; when the database cannot be
 *   reached the whole batch is rejected with DARI_JOURNAL_UNAVAILABLE. (A connection lost during
 *   COMMIT leaves that batch in doubt: it is rejected, and it may or may not be there.)
 * - Multi-node: dedupe keys are claimed with INSERT ... ON CONFLICT DO UPDATE ... WHERE expired
 *   (atomic take-over of expired keys), SAF entries with FOR UPDATE SKIP LOCKED plus a lease
 *   (`leased_by`, `lease_until`). No advisory locks, LISTEN/NOTIFY or PL/pgSQL, so the SQL also
 *   runs on CockroachDB and YugabyteDB.
 * - Reads use the pool directly when nothing is queued; otherwise they first wait for the queued
 *   writes (read-your-writes).
 */
import { Pool, type PoolClient } from 'pg';
import type { DariError } from '../errors';
import { isDariError } from '../errors';
import type { DedupeHit, SafEntry, TxnRecord } from './journal';
import {
  BatchedJournal,
  coded,
  errorMessage,
  mergeTxn,
  rowToHit,
  rowToSaf,
  rowToTxn,
  safValues,
  SAF_COLUMNS,
  sortEvents,
  toMs,
  TXN_COLUMNS,
  TXN_MERGED_COLUMNS,
  txnValues,
  type AppliedMigration,
  type QueuedOp,
  type TxnEvent,
} from './common';
import { migratePostgres, MIGRATIONS, postgresMigrations, quoteSchema, type Migration } from './migrations';

export interface PostgresJournalOptions {
  /** postgres://user@host:port/db (a password belongs in PGPASSWORD or the URL from the environment). */
  connectionString: string;
  /** Pooled connections (default 4): one carries the write batch, the others serve reads. */
  poolSize?: number;
  /** Schema holding the journal tables (default `dari`); created when missing. */
  schema?: string;
  /** How long to wait for a connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** `application_name` of the connections, as operators see it in pg_stat_activity (default `dari-journal`). */
  applicationName?: string;
  /** @internal Replaces the migration list (tests of the migration runner). */
  migrations?: readonly Migration[];
}

/** Rows per multi-row statement (keeps well under PostgreSQL's 65535 bind parameters). */
const CHUNK = 1000;
/** Attempts of a single-op transaction on deadlock / serialization failure. */
const RETRIES = 5;

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

export class PostgresJournal extends BatchedJournal {
  protected readonly label = 'PostgreSQL journal';
  private readonly options: PostgresJournalOptions;
  private readonly s: string;
  private pool: Pool | null = null;
  private sql: ReturnType<typeof buildSql> | null = null;

  constructor(options: PostgresJournalOptions) {
    super();
    this.options = { ...options };
    this.s = quoteSchema(options.schema ?? 'dari');
  }

  get schema(): string {
    return this.options.schema ?? 'dari';
  }

  protected async open(): Promise<void> {
    const pool = new Pool({
      connectionString: this.options.connectionString,
      max: Math.max(1, this.options.poolSize ?? 4),
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30000,
      application_name: this.options.applicationName ?? 'dari-journal',
    });
    // An idle connection dropped by the server: the next query reports it, coded.
    pool.on('error', () => undefined);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw coded('DARI_JOURNAL_UNAVAILABLE', `PostgreSQL journal cannot connect to ${describeUrl(this.options.connectionString)}: ${errorMessage(e)}`, e);
    }
    try {
      await migratePostgres(client, this.schema, this.options.migrations ?? MIGRATIONS);
    } catch (e) {
      client.release(true);
      await pool.end().catch(() => undefined);
      if (isDariError(e)) throw e;
      throw coded('DARI_JOURNAL_MIGRATION_FAILED', `PostgreSQL journal migrations failed: ${errorMessage(e)}`, e);
    }
    client.release();
    this.pool = pool;
    this.sql = buildSql(this.s);
  }

  protected async shutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  // ---------------------------------------------------------------------------------------------
  // Batches
  // ---------------------------------------------------------------------------------------------

  protected async executeBatch(ops: QueuedOp[]): Promise<void> {
    try {
      const results = await this.transaction(ops);
      ops.forEach((op, i) => {
        const r = results[i]!;
        if (r.ok) op.resolve(r.value);
        else op.reject(r.error);
      });
      return;
    } catch (e) {
      if (isConnectionError(e) || ops.length === 1) {
        if (ops.length === 1 && !isConnectionError(e)) return this.executeAlone(ops[0]!, e);
        const err = this.unavailableError(e);
        for (const op of ops) op.reject(err);
        return;
      }
    }
    // An SQL error somewhere in the batch: isolate it, one transaction per op.
    for (const op of ops) await this.executeAlone(op);
  }

  private async executeAlone(op: QueuedOp, firstError?: unknown): Promise<void> {
    let last = firstError;
    for (let attempt = firstError === undefined ? 1 : 2; attempt <= RETRIES; attempt++) {
      try {
        const [r] = await this.transaction([op]);
        if (r!.ok) op.resolve(r!.value);
        else op.reject(r!.error);
        return;
      } catch (e) {
        last = e;
        if (isConnectionError(e)) break;
        if (!isRetryable(e)) break;
      }
    }
    if (last !== undefined && isConnectionError(last)) op.reject(this.unavailableError(last));
    else if (last !== undefined && isRetryable(last)) op.reject(coded('DARI_JOURNAL_UNAVAILABLE', `PostgreSQL journal ${op.kind} kept conflicting: ${errorMessage(last)}`, last));
    else op.reject(isDariError(last) ? last : coded('DARI_INTERNAL_ERROR', `PostgreSQL journal ${op.kind} failed: ${errorMessage(last)}`, last));
  }

  /** BEGIN, every op, COMMIT; throws when the transaction did not commit. */
  private async transaction(ops: QueuedOp[]): Promise<Result[]> {
    const pool = this.pool;
    if (!pool) throw coded('DARI_JOURNAL_UNAVAILABLE', 'PostgreSQL journal is closed');
    const started = process.hrtime.bigint();
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const results = await this.applyBatch(client, ops);
      await client.query('COMMIT');
      this.reportCommit(ops.length, started);
      return results;
    } catch (e) {
      if (isConnectionError(e)) broken = e instanceof Error ? e : new Error(String(e));
      else await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release(broken);
    }
  }

  private async applyBatch(c: PoolClient, ops: QueuedOp[]): Promise<Result[]> {
    const sql = this.sql!;
    const results: Result[] = ops.map(() => ({ ok: true, value: undefined }));

    // 1. transactions + txn_events
    const merged = new Map<string, { txn: TxnRecord; createdAt: number }>();
    const events = new Map<string, [string, string, number]>();
    for (const op of ops) {
      if (op.kind !== 'record') continue;
      const t = op.txn;
      const prev = merged.get(t.id);
      merged.set(t.id, prev ? { txn: mergeTxn(prev.txn, t), createdAt: prev.createdAt } : { txn: t, createdAt: t.at });
      const at = toMs(t.at);
      events.set(`${t.id}\u0000${at}\u0000${t.state}`, [t.id, t.state, at]);
    }
    if (merged.size > 0) {
      const rows = [...merged.values()].sort((a, b) => (a.txn.id < b.txn.id ? -1 : a.txn.id > b.txn.id ? 1 : 0));
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK).map((r) => txnValues(r.txn, r.createdAt));
        const { text, params } = valuesList(chunk);
        await c.query(sql.upsertTxn(text), params);
      }
      const ev = [...events.values()];
      for (let i = 0; i < ev.length; i += CHUNK) {
        const { text, params } = valuesList(ev.slice(i, i + CHUNK));
        await c.query(sql.insertEvents(text), params);
      }
    }

    // 2. dedupe: stable order by key (same-key ops keep their order)
    const dedupe = ops
      .map((op, i) => ({ op, i }))
      .filter(({ op }) => op.kind === 'claimDedupe' || op.kind === 'storeDedupeAnswer')
      .sort((a, b) => {
        const ka = (a.op as { key: string }).key;
        const kb = (b.op as { key: string }).key;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });
    for (const { op, i } of dedupe) {
      if (op.kind === 'claimDedupe') {
        results[i] = { ok: true, value: await this.claim(c, op.key, op.txnId, toMs(op.now), toMs(op.now + op.windowMs)) };
      } else if (op.kind === 'storeDedupeAnswer') {
        await c.query(sql.storeAnswer, [op.key, JSON.stringify(op.answer)]);
      }
    }

    // 3. SAF, in queue order; consecutive enqueues in one statement
    let pending: SafEntry[] = [];
    const flushEnqueues = async (): Promise<void> => {
      for (let i = 0; i < pending.length; i += CHUNK) {
        const { text, params } = valuesList(pending.slice(i, i + CHUNK).map(safValues));
        await c.query(sql.safInsert(text), params);
      }
      pending = [];
    };
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.kind === 'safEnqueue') {
        pending.push(op.entry);
        continue;
      }
      if (op.kind !== 'safClaimDue' && op.kind !== 'safUpdate') continue;
      await flushEnqueues();
      if (op.kind === 'safClaimDue') {
        const now = toMs(op.now);
        const r = await c.query(sql.safClaim, [op.node, toMs(op.now + op.leaseMs), now, op.limit]);
        const entries = (r.rows as Array<Record<string, unknown>>).map(rowToSaf);
        results[i] = { ok: true, value: entries.sort((a, b) => a.nextAt - b.nextAt || (a.id < b.id ? -1 : 1)) };
      } else {
        const u = op.update;
        await c.query(sql.safUpdate, [u.status, Math.trunc(u.attempts), toMs(u.nextAt), u.lastResult ?? null, op.id]);
      }
    }
    await flushEnqueues();
    return results;
  }

  private async claim(c: PoolClient, key: string, txnId: string, now: number, expiresAt: number): Promise<DedupeHit | null> {
    const sql = this.sql!;
    for (let attempt = 0; attempt < 3; attempt++) {
      // Free or expired: ours (inserted, or the expired row taken over atomically).
      const taken = await c.query(sql.claimDedupe, [key, txnId, now, expiresAt]);
      if (taken.rowCount) return null;
      // Held: the unique key made us wait for the holder's transaction; read what it committed.
      const holder = await c.query(sql.dedupeHolder, [key]);
      const row = holder.rows[0] as Record<string, unknown> | undefined;
      if (row) return rowToHit(row);
      // The holder's row vanished in between (pruned): claim again.
    }
    throw coded('DARI_INTERNAL_ERROR', 'PostgreSQL journal dedupe claim found neither a free key nor a holder');
  }

  // ---------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------

  private get db(): Pool {
    if (!this.pool) throw coded('DARI_JOURNAL_UNAVAILABLE', 'PostgreSQL journal is closed');
    return this.pool;
  }

  protected async readTxn(id: string): Promise<TxnRecord | undefined> {
    const r = await this.db.query(this.sql!.getTxn, [id]);
    const row = r.rows[0] as Record<string, unknown> | undefined;
    return row ? rowToTxn(row) : undefined;
  }

  protected async readByOriginalKey(key: string): Promise<TxnRecord | undefined> {
    const r = await this.db.query(this.sql!.byOriginalKey, [key]);
    const row = r.rows[0] as Record<string, unknown> | undefined;
    return row ? rowToTxn(row) : undefined;
  }

  protected async readSafStats(now: number): Promise<{ depth: number; oldestAgeMs: number; flagged: number }> {
    const r = await this.db.query(this.sql!.safStats);
    const row = (r.rows[0] ?? {}) as Record<string, unknown>;
    const depth = Number(row['depth'] ?? 0);
    const oldest = row['oldest'];
    return {
      depth,
      oldestAgeMs: depth > 0 && oldest !== null && oldest !== undefined ? Math.max(0, now - Number(oldest)) : 0,
      flagged: Number(row['flagged'] ?? 0),
    };
  }

  protected async readSafByTxn(txnId: string): Promise<SafEntry[]> {
    const r = await this.db.query(this.sql!.safByTxn, [txnId]);
    return (r.rows as Array<Record<string, unknown>>).map(rowToSaf);
  }

  protected async readHistory(id: string): Promise<TxnEvent[]> {
    const r = await this.db.query(this.sql!.history, [id]);
    return sortEvents(
      (r.rows as Array<Record<string, unknown>>).map((row) => ({ state: String(row['state']) as TxnEvent['state'], at: Number(row['state_at']) })),
    );
  }

  protected readMigrations(): Promise<AppliedMigration[]> {
    return postgresMigrations(this.db, this.schema);
  }

  protected mapReadError(e: unknown): DariError {
    if (isDariError(e)) return e;
    if (isConnectionError(e)) return this.unavailableError(e);
    return coded('DARI_INTERNAL_ERROR', `PostgreSQL journal read failed: ${errorMessage(e)}`, e);
  }

  /** Delete dedupe keys whose window ended at or before `now`; resolves with the number deleted. */
  pruneDedupe(now: number): Promise<number> {
    return this.read(async () => (await this.db.query(this.sql!.pruneDedupe, [toMs(now)])).rowCount ?? 0);
  }

  private unavailableError(e: unknown): DariError {
    if (isDariError(e)) return e;
    return coded('DARI_JOURNAL_UNAVAILABLE', `PostgreSQL journal cannot reach ${describeUrl(this.options.connectionString)}: ${errorMessage(e)}`, e);
  }
}

// -----------------------------------------------------------------------------------------------

function buildSql(s: string) {
  const txnCols = TXN_COLUMNS.join(', ');
  const merged = TXN_MERGED_COLUMNS.map((c) => `${c} = COALESCE(EXCLUDED.${c}, t.${c})`).join(', ');
  const safCols = SAF_COLUMNS.join(', ');
  return {
    upsertTxn: (values: string) =>
      `INSERT INTO ${s}.transactions AS t (${txnCols}) VALUES ${values}
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, state_at = EXCLUDED.state_at,
         participant = EXCLUDED.participant, mti = EXCLUDED.mti, ${merged}`,
    insertEvents: (values: string) => `INSERT INTO ${s}.txn_events (txn_id, state, state_at) VALUES ${values} ON CONFLICT DO NOTHING`,
    claimDedupe: `INSERT INTO ${s}.dedupe AS d (key, txn_id, answer, created_at, expires_at) VALUES ($1, $2, NULL, $3, $4)
       ON CONFLICT (key) DO UPDATE SET txn_id = EXCLUDED.txn_id, answer = NULL,
         created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE d.expires_at <= EXCLUDED.created_at
       RETURNING key`,
    dedupeHolder: `SELECT txn_id, answer FROM ${s}.dedupe WHERE key = $1`,
    storeAnswer: `UPDATE ${s}.dedupe SET answer = $2 WHERE key = $1`,
    pruneDedupe: `DELETE FROM ${s}.dedupe WHERE expires_at <= $1`,
    safInsert: (values: string) => `INSERT INTO ${s}.saf (${safCols}) VALUES ${values} ON CONFLICT (id) DO NOTHING`,
    safClaim: `UPDATE ${s}.saf SET leased_by = $1, lease_until = $2
       WHERE id IN (
         SELECT id FROM ${s}.saf
         WHERE status = 'pending' AND next_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
         ORDER BY next_at, id LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING ${safCols}`,
    safUpdate: `UPDATE ${s}.saf SET status = $1, attempts = $2, next_at = $3, last_result = $4, leased_by = NULL, lease_until = NULL WHERE id = $5`,
    getTxn: `SELECT ${txnCols} FROM ${s}.transactions WHERE id = $1`,
    byOriginalKey: `SELECT ${txnCols} FROM ${s}.transactions WHERE original_key = $1 ORDER BY created_at DESC, state_at DESC, id DESC LIMIT 1`,
    history: `SELECT state, state_at FROM ${s}.txn_events WHERE txn_id = $1`,
    safStats: `SELECT (SELECT COUNT(*) FROM ${s}.saf WHERE status = 'pending') AS depth,
              (SELECT MIN(created_at) FROM ${s}.saf WHERE status = 'pending') AS oldest,
              (SELECT COUNT(*) FROM ${s}.saf WHERE status = 'flagged') AS flagged`,
    safByTxn: `SELECT ${safCols} FROM ${s}.saf WHERE txn_id = $1 ORDER BY created_at, id`,
  };
}

/** `($1, $2), ($3, $4)` and the flat parameter list for a multi-row VALUES. */
function valuesList(rows: ReadonlyArray<ReadonlyArray<unknown>>): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const marks: string[] = [];
    for (const v of row) {
      params.push(v);
      marks.push(`$${params.length}`);
    }
    tuples.push(`(${marks.join(', ')})`);
  }
  return { text: tuples.join(', '), params };
}

/**
 * Connection-level failures: a socket error (ECONNREFUSED, ECONNRESET, ...), the pool's connect
 * timeout or a terminated connection, or SQLSTATE classes 08 (connection), 53 (resources) and 57
 * (operator intervention, e.g. the server shutting down).
 */
export function isConnectionError(e: unknown): boolean {
  if (isDariError(e)) return e.code === 'DARI_JOURNAL_UNAVAILABLE';
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('53') || code.startsWith('57');
  if (typeof code === 'string' && code.startsWith('E')) return true;
  return /connection terminated|timeout exceeded when trying to connect|connection error|not queryable|connection ended|ECONN/i.test(errorMessage(e));
}

/** Deadlock or serialization failure: the same transaction may succeed when run again. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'the configured database';
  }
}
