/**
 * SQLite journal: the embedded default (one hub process, one file).
 *
 * - WAL mode with `synchronous=FULL`: every commit fsyncs the write-ahead log, so a resolved write
 *   survives a crash or power loss.
 * - Group commit (see common.ts): the writes of one event-loop turn are committed in one IMMEDIATE
 *   transaction on `setImmediate`, one fsync per batch. Each write runs inside its own savepoint, so
 *   a write that fails (e.g. a constraint) is rejected alone and the rest of the batch commits.
 * - Reads go straight to the database when nothing is queued; otherwise they wait for the queued
 *   writes to commit first (read-your-writes without forcing an early batch).
 * - better-sqlite3 is synchronous: a batch blocks the event loop for the length of its commit
 *   (fine for the embedded single-node default; PostgreSQL is the scale-out path).
 * - Several processes may open the same file: the IMMEDIATE transaction takes the write lock before
 *   a batch reads anything, and `busyTimeoutMs` bounds the wait for it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DariError } from '../errors';
import { isDariError } from '../errors';
import type { DedupeHit, SafEntry, TxnRecord } from './journal';
import {
  BatchedJournal,
  coded,
  errorMessage,
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
import { migrateSqlite, MIGRATIONS, sqliteMigrations, type Migration } from './migrations';

export interface SqliteJournalOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /** How long a batch waits for another process holding the write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** @internal Replaces the migration list (tests of the migration runner). */
  migrations?: readonly Migration[];
}

type Stmt = Database.Statement;

interface Statements {
  upsertTxn: Stmt;
  insertEvent: Stmt;
  claimDedupe: Stmt;
  dedupeHolder: Stmt;
  storeAnswer: Stmt;
  pruneDedupe: Stmt;
  safInsert: Stmt;
  safClaim: Stmt;
  safUpdate: Stmt;
  getTxn: Stmt;
  byOriginalKey: Stmt;
  history: Stmt;
  safStats: Stmt;
  safByTxn: Stmt;
}

export class SqliteJournal extends BatchedJournal {
  protected readonly label = 'SQLite journal';
  private readonly options: SqliteJournalOptions;
  private db: Database.Database | null = null;
  private st: Statements | null = null;
  private batchTx: ((ops: QueuedOp[]) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>) | null = null;

  constructor(options: SqliteJournalOptions) {
    super();
    this.options = { ...options };
  }

  /** The database file. */
  get path(): string {
    return this.options.path;
  }

  protected async open(): Promise<void> {
    const { path } = this.options;
    let db: Database.Database;
    try {
      if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: this.options.busyTimeoutMs ?? 5000 });
    } catch (e) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal cannot open ${path}: ${errorMessage(e)}`, e);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = OFF');
    } catch (e) {
      db.close();
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal cannot use ${path}: ${errorMessage(e)}`, e);
    }
    try {
      migrateSqlite(db, this.options.migrations ?? MIGRATIONS);
      this.st = prepare(db);
    } catch (e) {
      db.close();
      if (isDariError(e)) throw e;
      throw coded('DARI_JOURNAL_MIGRATION_FAILED', `SQLite journal schema is not usable: ${errorMessage(e)}`, e);
    }
    this.db = db;
    const one = db.transaction((op: QueuedOp) => this.apply(op));
    this.batchTx = db.transaction((ops: QueuedOp[]) =>
      ops.map((op) => {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a failing op rolls back alone.
          return { ok: true as const, value: one(op) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  protected async shutdown(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.st = null;
    this.batchTx = null;
    db?.close();
  }

  protected executeBatch(ops: QueuedOp[]): void {
    const tx = this.batchTx;
    if (!tx) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    const started = process.hrtime.bigint();
    let results: ReturnType<typeof tx>;
    try {
      results = (tx as unknown as { immediate: typeof tx }).immediate(ops);
    } catch (e) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal commit failed: ${errorMessage(e)}`, e);
    }
    this.reportCommit(ops.length, started);
    results.forEach((r, i) => {
      const op = ops[i]!;
      if (r.ok) op.resolve(r.value);
      else op.reject(isDariError(r.error) ? r.error : coded('DARI_INTERNAL_ERROR', `SQLite journal ${op.kind} failed: ${errorMessage(r.error)}`, r.error));
    });
  }

  /** One write inside the batch transaction. */
  private apply(op: QueuedOp): unknown {
    const st = this.st!;
    switch (op.kind) {
      case 'record': {
        const v = txnValues(op.txn);
        st.upsertTxn.run(v);
        st.insertEvent.run(op.txn.id, op.txn.state, toMs(op.txn.at));
        return undefined;
      }
      case 'claimDedupe':
        return claim(st, op.key, op.txnId, toMs(op.now), toMs(op.now + op.windowMs));
      case 'storeDedupeAnswer':
        st.storeAnswer.run(JSON.stringify(op.answer), op.key);
        return undefined;
      case 'safEnqueue':
        st.safInsert.run(safValues(op.entry));
        return undefined;
      case 'safClaimDue': {
        const now = toMs(op.now);
        const rows = st.safClaim.all(op.node, toMs(op.now + op.leaseMs), now, now, op.limit) as Array<Record<string, unknown>>;
        return rows.map(rowToSaf).sort((a, b) => a.nextAt - b.nextAt || (a.id < b.id ? -1 : 1));
      }
      case 'safUpdate':
        st.safUpdate.run(op.update.status, Math.trunc(op.update.attempts), toMs(op.update.nextAt), op.update.lastResult ?? null, op.id);
        return undefined;
    }
  }

  private get stmts(): Statements {
    if (!this.st) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    return this.st;
  }

  protected readTxn(id: string): TxnRecord | undefined {
    const row = this.stmts.getTxn.get(id) as Record<string, unknown> | undefined;
    return row ? rowToTxn(row) : undefined;
  }

  protected readByOriginalKey(key: string): TxnRecord | undefined {
    const row = this.stmts.byOriginalKey.get(key) as Record<string, unknown> | undefined;
    return row ? rowToTxn(row) : undefined;
  }

  protected readSafStats(now: number): { depth: number; oldestAgeMs: number; flagged: number } {
    const r = this.stmts.safStats.get() as Record<string, unknown>;
    const depth = Number(r['depth'] ?? 0);
    const oldest = r['oldest'];
    return {
      depth,
      oldestAgeMs: depth > 0 && oldest !== null && oldest !== undefined ? Math.max(0, now - Number(oldest)) : 0,
      flagged: Number(r['flagged'] ?? 0),
    };
  }

  protected readSafByTxn(txnId: string): SafEntry[] {
    return (this.stmts.safByTxn.all(txnId) as Array<Record<string, unknown>>).map(rowToSaf);
  }

  protected readHistory(id: string): TxnEvent[] {
    const rows = this.stmts.history.all(id) as Array<Record<string, unknown>>;
    return sortEvents(rows.map((r) => ({ state: String(r['state']) as TxnEvent['state'], at: Number(r['state_at']) })));
  }

  protected readMigrations(): AppliedMigration[] {
    if (!this.db) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    return sqliteMigrations(this.db);
  }

  protected mapReadError(e: unknown): DariError {
    if (isDariError(e)) return e;
    return coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal read failed: ${errorMessage(e)}`, e);
  }

  /** Delete dedupe keys whose window ended at or before `now` (they could be taken over anyway). */
  pruneDedupe(now: number): Promise<number> {
    return this.read(() => this.stmts.pruneDedupe.run(toMs(now)).changes);
  }
}

function claim(st: Statements, key: string, txnId: string, now: number, expiresAt: number): DedupeHit | null {
  // Free, or expired: take it (insert, or take over the expired row). Otherwise report the holder.
  const taken = st.claimDedupe.get(key, txnId, now, expiresAt);
  if (taken !== undefined) return null;
  const holder = st.dedupeHolder.get(key) as Record<string, unknown> | undefined;
  if (!holder) throw coded('DARI_INTERNAL_ERROR', 'SQLite journal dedupe claim found neither a free key nor a holder');
  return rowToHit(holder);
}

function prepare(db: Database.Database): Statements {
  const txnCols = TXN_COLUMNS.join(', ');
  const merged = TXN_MERGED_COLUMNS.map((c) => `${c} = COALESCE(excluded.${c}, transactions.${c})`).join(', ');
  return {
    upsertTxn: db.prepare(
      `INSERT INTO transactions (${txnCols}) VALUES (${TXN_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, state_at = excluded.state_at,
         participant = excluded.participant, mti = excluded.mti, ${merged}`,
    ),
    insertEvent: db.prepare('INSERT INTO txn_events (txn_id, state, state_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    claimDedupe: db.prepare(
      `INSERT INTO dedupe (key, txn_id, answer, created_at, expires_at) VALUES (?, ?, NULL, ?, ?)
       ON CONFLICT (key) DO UPDATE SET txn_id = excluded.txn_id, answer = NULL,
         created_at = excluded.created_at, expires_at = excluded.expires_at
       WHERE dedupe.expires_at <= excluded.created_at
       RETURNING key`,
    ),
    dedupeHolder: db.prepare('SELECT txn_id, answer FROM dedupe WHERE key = ?'),
    storeAnswer: db.prepare('UPDATE dedupe SET answer = ? WHERE key = ?'),
    pruneDedupe: db.prepare('DELETE FROM dedupe WHERE expires_at <= ?'),
    safInsert: db.prepare(`INSERT INTO saf (${SAF_COLUMNS.join(', ')}) VALUES (${SAF_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`),
    safClaim: db.prepare(
      `UPDATE saf SET leased_by = ?, lease_until = ?
       WHERE id IN (
         SELECT id FROM saf
         WHERE status = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY next_at, id LIMIT ?)
       RETURNING ${SAF_COLUMNS.join(', ')}`,
    ),
    safUpdate: db.prepare(
      `UPDATE saf SET status = ?, attempts = ?, next_at = ?, last_result = ?, leased_by = NULL, lease_until = NULL WHERE id = ?`,
    ),
    getTxn: db.prepare(`SELECT ${txnCols} FROM transactions WHERE id = ?`),
    byOriginalKey: db.prepare(
      `SELECT ${txnCols} FROM transactions WHERE original_key = ? ORDER BY created_at DESC, state_at DESC, id DESC LIMIT 1`,
    ),
    history: db.prepare('SELECT state, state_at FROM txn_events WHERE txn_id = ?'),
    safStats: db.prepare(
      `SELECT (SELECT COUNT(*) FROM saf WHERE status = 'pending') AS depth,
              (SELECT MIN(created_at) FROM saf WHERE status = 'pending') AS oldest,
              (SELECT COUNT(*) FROM saf WHERE status = 'flagged') AS flagged`,
    ),
    safByTxn: db.prepare(`SELECT ${SAF_COLUMNS.join(', ')} FROM saf WHERE txn_id = ? ORDER BY created_at, id`),
  };
}
