/**
 * PostgreSQL journal: used when DATABASE_URL is set; several hub nodes can share one database.
 *
 * - Durability: PostgreSQL's default `synchronous_commit = on`; a write resolves after COMMIT.
 * - Group commit (see common.ts): the writes of one event-loop turn go into one transaction on one
 *   pooled connection, at most one batch in flight per journal instance (writes arriving meanwhile
 *   form the next batch). Inside a batch, ops run grouped by table: first the dedupe keys (claims
 *   of claimDedupe and begin in one multi-row INSERT ... ON CONFLICT, then one SELECT for the
 *   holders of the keys taken; answers of storeDedupeAnswer and complete in one multi-row UPDATE;
 *   a key with several ops in the batch runs them one by one, in queue order), then the
 *   transactions (records, begins whose key was free, completes: merged per id, one multi-row
 *   upsert per kind of request_sealed change, one txn_events insert), then SAF (consecutive
 *   enqueues and completes' reversals in one multi-row insert; claims/updates single statements),
 *   then fees (one multi-row upsert; several entries of one transaction in a batch: the last wins).
 *   Keys and transaction rows go in sorted order, so that concurrent nodes take row locks in the
 *   same order.
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
import type { DedupeHit, FeeEntry, FeeTotals, InFlightTxn, SafEntry, TxnRecord } from './journal';
import {
  BatchedJournal,
  coded,
  errorMessage,
  FEE_COLUMNS,
  feeValues,
  mergeTxn,
  rowsToFeeTotals,
  rowToHit,
  rowToInFlight,
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

/** What a write does to `request_sealed`: leave it, set it, or clear it (null). */
type Sealed = 'keep' | Buffer | null;

/** A dedupe op of a batch: a claim, or an answer (stored only while `txnId` holds the key, unless null). */
interface DedupeOp {
  i: number;
  key: string;
  claim?: { txnId: string; now: number; expiresAt: number };
  answer?: { json: string; txnId: string | null };
}

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
    const results: Result[] = ops.map((op) => ({ ok: true, value: op.kind === 'begin' ? null : undefined }));

    // 1. dedupe: claims (claimDedupe, begin) and answers (storeDedupeAnswer, complete). A begin
    //    whose key is taken writes nothing else. Keys with one op in the batch (the usual case)
    //    go into one multi-row statement per kind, in key order; a key with several ops runs them
    //    one by one, in queue order (ops on different keys commute).
    const refused = new Set<number>();
    const dedupe: DedupeOp[] = [];
    ops.forEach((op, i) => {
      if (op.kind === 'claimDedupe') dedupe.push({ i, key: op.key, claim: { txnId: op.txnId, now: toMs(op.now), expiresAt: toMs(op.now + op.windowMs) } });
      else if (op.kind === 'begin' && op.dedupe) {
        const d = op.dedupe;
        dedupe.push({ i, key: d.key, claim: { txnId: op.txn.id, now: toMs(d.now), expiresAt: toMs(d.now + d.windowMs) } });
      } else if (op.kind === 'storeDedupeAnswer') dedupe.push({ i, key: op.key, answer: { json: JSON.stringify(op.answer), txnId: op.txnId ?? null } });
      else if (op.kind === 'complete' && op.dedupeAnswer) {
        dedupe.push({ i, key: op.dedupeAnswer.key, answer: { json: JSON.stringify(op.dedupeAnswer.answer), txnId: op.txn.id } });
      }
    });
    dedupe.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
    const perKey = new Map<string, number>();
    for (const d of dedupe) perKey.set(d.key, (perKey.get(d.key) ?? 0) + 1);
    const settle = (d: DedupeOp, hit: DedupeHit | null): void => {
      const op = ops[d.i]!;
      if (op.kind === 'claimDedupe') results[d.i] = { ok: true, value: hit };
      else if (hit) {
        results[d.i] = { ok: true, value: hit };
        refused.add(d.i);
      }
    };
    const claims = dedupe.filter((d) => d.claim && perKey.get(d.key) === 1);
    for (let k = 0; k < claims.length; k += CHUNK) {
      const chunk = claims.slice(k, k + CHUNK);
      const { text, params } = valuesList(chunk.map((d) => [d.key, d.claim!.txnId, null, d.claim!.now, d.claim!.expiresAt]));
      const taken = new Set((await c.query(sql.claimMany(text), params)).rows.map((r: { key: string }) => r.key));
      const held = chunk.filter((d) => !taken.has(d.key));
      const holders = new Map<string, DedupeHit>();
      if (held.length > 0) {
        const r = await c.query(sql.dedupeHolders, [held.map((d) => d.key)]);
        for (const row of r.rows as Array<Record<string, unknown>>) holders.set(String(row['key']), rowToHit(row));
      }
      for (const d of chunk) {
        if (taken.has(d.key)) settle(d, null);
        // The holder's row vanished in between (pruned): claim it alone.
        else settle(d, holders.get(d.key) ?? (await this.claim(c, d.key, d.claim!.txnId, d.claim!.now, d.claim!.expiresAt)));
      }
    }
    const answers = dedupe.filter((d) => d.answer && perKey.get(d.key) === 1);
    for (let k = 0; k < answers.length; k += CHUNK) {
      const { text, params } = valuesList(
        answers.slice(k, k + CHUNK).map((d) => [d.key, d.answer!.json, d.answer!.txnId]),
        ['text', 'jsonb', 'text'],
      );
      await c.query(sql.storeAnswers(text), params);
    }
    for (const d of dedupe) {
      if (perKey.get(d.key) === 1) continue;
      if (d.claim) settle(d, await this.claim(c, d.key, d.claim.txnId, d.claim.now, d.claim.expiresAt));
      else if (d.answer) {
        if (d.answer.txnId === null) await c.query(sql.storeAnswer, [d.key, d.answer.json]);
        else await c.query(sql.storeAnswerOf, [d.key, d.answer.json, d.answer.txnId]);
      }
    }

    // 2. transactions + txn_events (record, begin, complete); later states of a transaction in the
    //    batch merge into one row. `sealed`: what the row does to request_sealed.
    const merged = new Map<string, { txn: TxnRecord; createdAt: number; sealed: Sealed }>();
    const events = new Map<string, [string, string, number]>();
    ops.forEach((op, i) => {
      if (op.kind !== 'record' && op.kind !== 'begin' && op.kind !== 'complete') return;
      if (refused.has(i)) return;
      const t = op.txn;
      const sealed: Sealed = op.kind === 'complete' ? null : op.kind === 'begin' && op.sealedRequest !== undefined ? Buffer.from(op.sealedRequest) : 'keep';
      const prev = merged.get(t.id);
      merged.set(
        t.id,
        prev
          ? { txn: mergeTxn(prev.txn, t), createdAt: prev.createdAt, sealed: sealed === 'keep' ? prev.sealed : sealed }
          : { txn: t, createdAt: t.at, sealed },
      );
      const at = toMs(t.at);
      events.set(`${t.id}\u0000${at}\u0000${t.state}`, [t.id, t.state, at]);
    });
    if (merged.size > 0) {
      const rows = [...merged.values()].sort((a, b) => (a.txn.id < b.txn.id ? -1 : a.txn.id > b.txn.id ? 1 : 0));
      const keep = rows.filter((r) => r.sealed === 'keep');
      const write = rows.filter((r) => r.sealed !== 'keep');
      for (let i = 0; i < keep.length; i += CHUNK) {
        const { text, params } = valuesList(keep.slice(i, i + CHUNK).map((r) => txnValues(r.txn, r.createdAt)));
        await c.query(sql.upsertTxn(text), params);
      }
      for (let i = 0; i < write.length; i += CHUNK) {
        const { text, params } = valuesList(write.slice(i, i + CHUNK).map((r) => [...txnValues(r.txn, r.createdAt), r.sealed as Buffer | null]));
        await c.query(sql.upsertTxnSealed(text), params);
      }
      const ev = [...events.values()];
      for (let i = 0; i < ev.length; i += CHUNK) {
        const { text, params } = valuesList(ev.slice(i, i + CHUNK));
        await c.query(sql.insertEvents(text), params);
      }
    }

    // 3. SAF, in queue order; consecutive enqueues (and the reversals of completes) in one statement
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
      if (op.kind === 'complete') {
        if (op.saf) pending.push(op.saf);
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

    // 4. fees: one row per transaction, the batch's last entry of each wins (a multi-row upsert may
    //    not touch a row twice), in key order like the transactions.
    const fees = new Map<string, FeeEntry>();
    for (const op of ops) {
      if (op.kind === 'recordFees') fees.set(op.entry.txnId, op.entry);
      else if (op.kind === 'complete' && op.fees) fees.set(op.fees.txnId, op.fees);
    }
    const feeRows = [...fees.values()].sort((a, b) => (a.txnId < b.txnId ? -1 : a.txnId > b.txnId ? 1 : 0));
    for (let i = 0; i < feeRows.length; i += CHUNK) {
      const { text, params } = valuesList(feeRows.slice(i, i + CHUNK).map(feeValues));
      await c.query(sql.feesUpsert(text), params);
    }
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

  protected async readInFlight(before: number, limit: number): Promise<InFlightTxn[]> {
    const r = await this.db.query(this.sql!.inFlight, [before, limit]);
    return (r.rows as Array<Record<string, unknown>>).map(rowToInFlight);
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

  protected async readFeeTotals(from: number, to: number, cardRateBps: number | null): Promise<FeeTotals[]> {
    const sql = this.sql!;
    const r = cardRateBps === null ? await this.db.query(sql.feeTotals, [from, to]) : await this.db.query(sql.feeTotalsAtRate, [from, to, cardRateBps]);
    return rowsToFeeTotals(r.rows as Array<Record<string, unknown>>);
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
    upsertTxnSealed: (values: string) =>
      `INSERT INTO ${s}.transactions AS t (${txnCols}, request_sealed) VALUES ${values}
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, state_at = EXCLUDED.state_at,
         participant = EXCLUDED.participant, mti = EXCLUDED.mti, ${merged}, request_sealed = EXCLUDED.request_sealed`,
    insertEvents: (values: string) => `INSERT INTO ${s}.txn_events (txn_id, state, state_at) VALUES ${values} ON CONFLICT DO NOTHING`,
    claimDedupe: `INSERT INTO ${s}.dedupe AS d (key, txn_id, answer, created_at, expires_at) VALUES ($1, $2, NULL, $3, $4)
       ON CONFLICT (key) DO UPDATE SET txn_id = EXCLUDED.txn_id, answer = NULL,
         created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE d.expires_at <= EXCLUDED.created_at
       RETURNING key`,
    dedupeHolder: `SELECT txn_id, answer FROM ${s}.dedupe WHERE key = $1`,
    claimMany: (values: string) =>
      `INSERT INTO ${s}.dedupe AS d (key, txn_id, answer, created_at, expires_at) VALUES ${values}
       ON CONFLICT (key) DO UPDATE SET txn_id = EXCLUDED.txn_id, answer = NULL,
         created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE d.expires_at <= EXCLUDED.created_at
       RETURNING key`,
    dedupeHolders: `SELECT key, txn_id, answer FROM ${s}.dedupe WHERE key = ANY($1::text[])`,
    storeAnswers: (values: string) =>
      `UPDATE ${s}.dedupe AS d SET answer = v.answer FROM (VALUES ${values}) AS v (key, answer, txn_id)
       WHERE d.key = v.key AND (v.txn_id IS NULL OR d.txn_id = v.txn_id)`,
    storeAnswer: `UPDATE ${s}.dedupe SET answer = $2 WHERE key = $1`,
    storeAnswerOf: `UPDATE ${s}.dedupe SET answer = $2 WHERE key = $1 AND txn_id = $3`,
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
    inFlight: `SELECT ${txnCols}, request_sealed FROM ${s}.transactions
       WHERE state IN ('received', 'forwarded') AND state_at < $1
       ORDER BY state_at, id LIMIT $2`,
    history: `SELECT state, state_at FROM ${s}.txn_events WHERE txn_id = $1`,
    safStats: `SELECT (SELECT COUNT(*) FROM ${s}.saf WHERE status = 'pending') AS depth,
              (SELECT MIN(created_at) FROM ${s}.saf WHERE status = 'pending') AS oldest,
              (SELECT COUNT(*) FROM ${s}.saf WHERE status = 'flagged') AS flagged`,
    safByTxn: `SELECT ${safCols} FROM ${s}.saf WHERE txn_id = $1 ORDER BY created_at, id`,
    feesUpsert: (values: string) =>
      `INSERT INTO ${s}.fees (${FEE_COLUMNS.join(', ')}) VALUES ${values}
       ON CONFLICT (txn_id) DO UPDATE SET ${FEE_COLUMNS.slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    // SUM(bigint) is numeric (exact, delivered as text); COUNT is bigint (text).
    feeTotals: feeTotalsSql(s, 'card_brand_cost'),
    // Half up per entry in integer arithmetic: (amount x bps + 5000) / 10000, amounts being >= 0.
    feeTotalsAtRate: feeTotalsSql(s, '(amount * $3::bigint + 5000) / 10000'),
  };
}

function feeTotalsSql(s: string, cardCost: string): string {
  return `SELECT participant, partner, currency, COUNT(*) AS n, SUM(amount) AS amount, SUM(participant_fee) AS participant_fees,
            SUM(partner_fee) AS partner_fees, SUM(${cardCost}) AS card_brand_cost
          FROM ${s}.fees WHERE charged_at >= $1 AND charged_at < $2
          GROUP BY participant, partner, currency`;
}

/** `($1, $2), ($3, $4)` and the flat parameter list for a multi-row VALUES (with `casts`: `$1::text`). */
function valuesList(rows: ReadonlyArray<ReadonlyArray<unknown>>, casts?: readonly string[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const marks: string[] = [];
    for (let i = 0; i < row.length; i++) {
      params.push(row[i]);
      marks.push(casts?.[i] ? `$${params.length}::${casts[i]}` : `$${params.length}`);
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
