/**
 * The SQLite journal's database side: one better-sqlite3 connection, the schema migrations, the
 * batch transaction and the reads. It is synchronous and owns no queue: `SqliteJournal` (sqlite.ts)
 * runs it in a worker thread (the default, see sqlite-worker.ts) or inline on the caller's thread.
 *
 * Every error leaving this module is a DariError (coded), so that it crosses a thread boundary as a
 * code and a message.
 *
 * Disk bytes per transaction. In WAL mode every commit appends each page it dirtied (4 KiB) to the
 * log, and a checkpoint later copies each of them back into the database file once. A write that
 * lands on the same few right-edge pages as the others of its batch is almost free; one that lands
 * on a random page costs a page. So:
 *  - rowid tables: new rows append at the right edge, and an update (the final state, the dedupe
 *    answer) rewrites the row where it was put moments before, on a page the batch writes anyway;
 *    keys chosen by the caller go in the primary-key index, time-ordered when the ids are (UUIDv7);
 *  - a transaction update never names an indexed column whose value does not change (SQLite
 *    rewrites the index entry of every column in the SET list, changed or not): `original_key` is
 *    set only when it changes, so a complete does not touch the `transactions_original_key` page
 *    again that the begin of the transaction dirtied;
 *  - the in-flight index is partial (states 'received' and 'forwarded'): a few right-edge pages.
 */
import Database from 'better-sqlite3';
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { DariError, isDariError, type ErrorCode } from '../errors';
import type { DedupeHit, FeeTotals, InFlightTxn, SafEntry, TxnRecord } from './journal';
import {
  coded,
  errorMessage,
  FEE_COLUMNS,
  feeValues,
  rowsToFeeTotals,
  rowToHit,
  rowToInFlight,
  rowToSaf,
  rowToTxn,
  safValues,
  SAF_COLUMNS,
  sortEvents,
  toBuffer,
  toMs,
  TXN_COLUMNS,
  TXN_OPTIONAL,
  txnValues,
  type AppliedMigration,
  type TxnEvent,
  type WriteOp,
} from './common';
import { migrateSqlite, MIGRATIONS, sqliteMigrations, type Migration } from './migrations';

/** Connection settings (the defaults suit the hub; the journal bench compares others). */
export interface SqliteTuning {
  /** Page cache of the connection in KiB (default 32 MiB). */
  cacheSizeKiB?: number;
  /**
   * WAL size (pages) at which it is copied into the database file and starts over (default 4000
   * pages, 16 MiB). Alone, the writer does it itself in the commit that crosses the size (a commit
   * of some 15 ms); with the background checkpointer, see checkpointIntervalMs.
   */
  walAutocheckpointPages?: number;
  /**
   * Worker mode: a second thread with its own connection copies the WAL into the database file
   * every `checkpointIntervalMs` (PASSIVE checkpoints run beside the writer's commits, never
   * blocking them). Once the WAL has reached walAutocheckpointPages, it copies back to back until
   * only a few frames are left, then asks the writer to copy those (between two batches, about a
   * millisecond) so that the WAL starts over at the next write. The writer's own autocheckpoint
   * stays as a safety net at 4 x walAutocheckpointPages. 0 turns it off. Default 5 ms: small,
   * frequent passes spread the write-back (big ones stall the fsyncs of the commits meanwhile).
   */
  checkpointIntervalMs?: number;
  /** Size the WAL file is truncated to after a checkpoint resets it (default 64 MiB). */
  journalSizeLimitBytes?: number;
  /** Page size of a NEW database file (default SQLite's 4096; an existing file keeps its own). */
  pageSize?: number;
}

export interface SqliteCoreOptions {
  path: string;
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
  tuning?: SqliteTuning;
  /** Set when a background checkpointer runs (see SqliteCheckpointer): shared with it. */
  checkpointSignal?: SharedArrayBuffer;
  /**
   * Who makes a commit durable: 'sqlite' (default: `synchronous=FULL`, every COMMIT fsyncs the
   * write-ahead log before it returns) or 'caller' (`synchronous=NORMAL`: COMMIT only writes the
   * log, and the caller fdatasyncs `walFile` before it treats the commit as durable; SQLite itself
   * still syncs the log before each checkpoint and the database file after it).
   */
  walSync?: 'sqlite' | 'caller';
}

/** The outcome of one write of a batch: its value, or its own (coded) error. */
export type OpResult = { ok: true; value: unknown } | { ok: false; error: DariError };

/** A read (or a housekeeping write outside the group commit, e.g. pruneDedupe) by name. */
export type ReadRequest =
  | { name: 'get'; id: string }
  | { name: 'byOriginalKey'; key: string }
  | { name: 'inFlight'; before: number; limit: number }
  | { name: 'safStats'; now: number }
  | { name: 'safByTxn'; txnId: string }
  | { name: 'history'; id: string }
  | { name: 'migrations' }
  | { name: 'feeTotals'; from: number; to: number; cardRateBps: number | null }
  | { name: 'pruneDedupe'; now: number };

// ------------------------------------------------------------------------------------------------
// Worker thread protocol (sqlite.ts <-> sqlite-worker.ts)

/** workerData.mark of the journal's worker thread. */
export const WORKER_MARK = 'dari-sqlite-journal';

/** A coded error as it crosses the thread boundary. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export type WireResult = { ok: true; value: unknown } | { ok: false; error: WireError };

export type WorkerRequest =
  | { t: 'open'; id: number; options: SqliteCoreOptions }
  | { t: 'batch'; id: number; ops: WriteOp[] }
  | { t: 'read'; id: number; req: ReadRequest }
  | { t: 'close'; id: number }
  /** Checkpointer thread: start copying the WAL of `path` (see SqliteCheckpointer). */
  | { t: 'checkpoint'; id: number; path: string; intervalMs: number; targetFrames: number; signal: SharedArrayBuffer; busyTimeoutMs?: number }
  /** Tests: block for `afterMs`, then die of an uncaught exception (requests queued behind it are never served). */
  | { t: 'crash'; id: number; afterMs: number };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export function toWire(e: unknown): WireError {
  if (isDariError(e)) return { code: e.code, message: e.message };
  return { code: 'DARI_INTERNAL_ERROR', message: `SQLite journal worker: ${e instanceof Error ? e.message : String(e)}` };
}

export function fromWire(w: WireError): DariError {
  return new DariError(w.code, w.message);
}

// ------------------------------------------------------------------------------------------------

type Stmt = Database.Statement;

/** What a write does to `request_sealed`: leave it, set it, or clear it. */
type Sealed = 'keep' | Buffer | null;

export const SQLITE_DEFAULTS: Required<Omit<SqliteTuning, 'pageSize'>> = {
  cacheSizeKiB: 32 * 1024,
  walAutocheckpointPages: 4000,
  journalSizeLimitBytes: 64 * 1024 * 1024,
  checkpointIntervalMs: 5,
};

export class SqliteCore {
  private readonly st: ReturnType<typeof prepare>;
  private readonly batchTx: (ops: readonly WriteOp[]) => OpResult[];
  private closed = false;
  private signal: Int32Array | null = null;
  /**
   * The `original_key` of the transactions in flight that this connection wrote, by id, so that an
   * update needs no read to know whether that indexed column changes (see the header). A
   * transaction is begun and completed by the hub that holds it, so the entry is there when its
   * answer is written, and it goes with that write; when it is not there (another process wrote
   * the row, a later write, or the map was cleared), the row is read.
   */
  private readonly originalKeys = new Map<string, string | null>();
  /** With walSync 'caller': the write-ahead log the caller must fdatasync after each batch. */
  walFile: string | null = null;

  private constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.st = prepare(db);
    const one = db.transaction((op: WriteOp) => this.apply(op));
    const isolated = db.transaction((ops: readonly WriteOp[]) =>
      ops.map((op): OpResult => {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a failing op rolls back alone.
          return { ok: true, value: one(op) };
        } catch (error) {
          this.originalKeys.clear(); // what the rolled-back op remembered
          return { ok: false, error: isDariError(error) ? error : coded('DARI_INTERNAL_ERROR', `SQLite journal ${op.kind} failed: ${errorMessage(error)}`, error) };
        }
      }),
    );
    // The fast path: every op straight in the batch transaction (no savepoint statements around
    // each). Ops almost never fail; when one does, the whole transaction rolls back (nothing of it
    // is kept) and the batch runs again with a savepoint per op, so that only that op is rejected.
    const fast = db.transaction((ops: readonly WriteOp[]) =>
      ops.map((op): OpResult => {
        try {
          return { ok: true, value: this.apply(op) };
        } catch (error) {
          throw new OpFailed(error);
        }
      }),
    );
    // IMMEDIATE: take the write lock before the batch reads anything (another process may write).
    this.batchTx = (ops) => {
      try {
        try {
          return fast.immediate(ops);
        } catch (e) {
          if (!(e instanceof OpFailed)) throw e;
          this.originalKeys.clear();
          return isolated.immediate(ops);
        }
      } catch (e) {
        // A transaction rolled back whole: what its writes remembered (original keys) goes too,
        // so the map only ever holds keys of committed rows.
        this.originalKeys.clear();
        throw e;
      }
    };
  }

  /** Open (creating the folder), set WAL + synchronous=FULL, run pending migrations. Throws coded errors. */
  static open(options: SqliteCoreOptions): SqliteCore {
    const { path } = options;
    const tuning = { ...SQLITE_DEFAULTS, ...options.tuning };
    let db: Database.Database;
    let callerSyncs = false;
    try {
      if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (e) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal cannot open ${path}: ${errorMessage(e)}`, e);
    }
    try {
      if (options.tuning?.pageSize !== undefined) db.pragma(`page_size = ${Math.trunc(options.tuning.pageSize)}`);
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      // Durability is the contract: every commit fsyncs the WAL before it returns, here or (walSync
      // 'caller', WAL files only) by the caller before it reports the commit.
      callerSyncs = options.walSync === 'caller' && mode === 'wal';
      db.pragma(callerSyncs ? 'synchronous = NORMAL' : 'synchronous = FULL');
      db.pragma('foreign_keys = OFF');
      db.pragma(`cache_size = ${-Math.trunc(tuning.cacheSizeKiB)}`);
      db.pragma('temp_store = MEMORY');
      const autocheckpoint = Math.trunc(tuning.walAutocheckpointPages) * (options.checkpointSignal ? 4 : 1);
      db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
      db.pragma(`journal_size_limit = ${Math.trunc(tuning.journalSizeLimitBytes)}`);
    } catch (e) {
      db.close();
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal cannot use ${path}: ${errorMessage(e)}`, e);
    }
    try {
      migrateSqlite(db, options.migrations ?? MIGRATIONS);
      const core = new SqliteCore(db, path);
      if (options.checkpointSignal) core.signal = new Int32Array(options.checkpointSignal);
      // SQLite names the log after the real file (symbolic links resolved): sync that one.
      if (callerSyncs) core.walFile = `${realpathSync(db.name)}-wal`;
      return core;
    } catch (e) {
      db.close();
      if (isDariError(e)) throw e;
      throw coded('DARI_JOURNAL_MIGRATION_FAILED', `SQLite journal schema is not usable: ${errorMessage(e)}`, e);
    }
  }

  /**
   * Commit `ops` in one IMMEDIATE transaction (each op in its own savepoint) and return one result
   * per op. Throws DARI_JOURNAL_UNAVAILABLE when the transaction itself fails (nothing committed).
   */
  batch(ops: readonly WriteOp[]): OpResult[] {
    if (this.closed) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    try {
      return this.batchTx(ops);
    } catch (e) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal commit failed: ${errorMessage(e)}`, e);
    }
  }

  /** One read; throws a coded error (DARI_JOURNAL_UNAVAILABLE when the database fails). */
  read(req: ReadRequest): unknown {
    if (this.closed) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    try {
      return this.readUnchecked(req);
    } catch (e) {
      if (isDariError(e)) throw e;
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal read failed: ${errorMessage(e)}`, e);
    }
  }

  /**
   * Between two batches: when the background checkpointer asks (it has copied all but the last few
   * WAL frames), copy those, so that the WAL starts over at the next write. Never throws.
   */
  finishCheckpoint(): void {
    const signal = this.signal;
    if (!signal || this.closed || Atomics.load(signal, 0) !== CHECKPOINT_ASKED) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy or failing: the checkpointer asks again, and the writer's autocheckpoint bounds the WAL
    }
    Atomics.store(signal, 0, CHECKPOINT_DONE);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** The database file. */
  get file(): string {
    return this.path;
  }

  // ---------------------------------------------------------------------------------------------

  private readUnchecked(req: ReadRequest): unknown {
    const st = this.st;
    switch (req.name) {
      case 'get': {
        const row = st.getTxn.get(req.id) as Record<string, unknown> | undefined;
        return row ? rowToTxn(row) : undefined;
      }
      case 'byOriginalKey': {
        const row = st.byOriginalKey.get(req.key) as Record<string, unknown> | undefined;
        return row ? rowToTxn(row) : undefined;
      }
      case 'inFlight':
        return (st.inFlight.all(toMs(req.before), Math.trunc(req.limit)) as Array<Record<string, unknown>>).map(rowToInFlight) satisfies InFlightTxn[];
      case 'safStats': {
        const r = st.safStats.get() as Record<string, unknown>;
        const depth = Number(r['depth'] ?? 0);
        const oldest = r['oldest'];
        return {
          depth,
          oldestAgeMs: depth > 0 && oldest !== null && oldest !== undefined ? Math.max(0, req.now - Number(oldest)) : 0,
          flagged: Number(r['flagged'] ?? 0),
        };
      }
      case 'safByTxn':
        return (st.safByTxn.all(req.txnId) as Array<Record<string, unknown>>).map(rowToSaf) satisfies SafEntry[];
      case 'history': {
        const rows = st.history.all(req.id) as Array<Record<string, unknown>>;
        return sortEvents(rows.map((r) => ({ state: String(r['state']) as TxnEvent['state'], at: Number(r['state_at']) }))) satisfies TxnEvent[];
      }
      case 'migrations':
        return sqliteMigrations(this.db) satisfies AppliedMigration[];
      case 'feeTotals': {
        const rows = req.cardRateBps === null ? st.feeTotals.all(req.from, req.to) : st.feeTotalsAtRate.all({ from: req.from, to: req.to, bps: BigInt(req.cardRateBps) });
        return rowsToFeeTotals(rows as Array<Record<string, unknown>>) satisfies FeeTotals[];
      }
      case 'pruneDedupe':
        return st.pruneDedupe.run(toMs(req.now)).changes;
    }
  }

  /** One write inside the batch transaction. */
  private apply(op: WriteOp): unknown {
    const st = this.st;
    switch (op.kind) {
      case 'record':
        this.writeTxn(op.txn, 'keep');
        return undefined;
      case 'begin': {
        if (op.dedupe) {
          const hit = this.claim(op.dedupe.key, op.txn.id, toMs(op.dedupe.now), toMs(op.dedupe.now + op.dedupe.windowMs));
          if (hit) return hit; // the key is taken: nothing else is written
        }
        this.writeTxn(op.txn, op.sealedRequest === undefined ? 'keep' : toBuffer(op.sealedRequest));
        return null;
      }
      case 'complete':
        this.writeTxn(op.txn, null);
        // Its last write as a rule: later ones (a reversal's outcome) read the row again.
        this.originalKeys.delete(op.txn.id);
        if (op.dedupeAnswer) st.storeAnswerOf.run(JSON.stringify(op.dedupeAnswer.answer), op.dedupeAnswer.key, op.txn.id);
        if (op.saf) st.safInsert.run(safValues(op.saf));
        if (op.fees) st.feesUpsert.run(feeValues(op.fees));
        return undefined;
      case 'claimDedupe':
        return this.claim(op.key, op.txnId, toMs(op.now), toMs(op.now + op.windowMs));
      case 'storeDedupeAnswer':
        if (op.txnId === undefined) st.storeAnswer.run(JSON.stringify(op.answer), op.key);
        else st.storeAnswerOf.run(JSON.stringify(op.answer), op.key, op.txnId);
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
      case 'recordFees':
        st.feesUpsert.run(feeValues(op.entry));
        return undefined;
    }
  }

  /**
   * Insert or update a transaction (later fields win, omitted fields keep their value) and add its
   * history event. An update names `original_key` only when it changes (see the header).
   */
  private writeTxn(t: TxnRecord, sealed: Sealed): void {
    const st = this.st;
    const values = txnValues(t);
    const keys = this.originalKeys;
    let known = keys.get(t.id);
    if (known === undefined) {
      // Not written by this connection lately: a new transaction (the usual case, a begin) is
      // inserted at once; an existing one is looked up.
      if (st.insertTxn.run(values, sealed === 'keep' ? null : sealed).changes === 1) {
        if (keys.size >= ORIGINAL_KEYS_MAX) keys.clear();
        keys.set(t.id, t.originalKey ?? null);
        st.insertEvent.run(t.id, t.state, toMs(t.at));
        return;
      }
      const current = st.txnOriginalKey.get(t.id) as { original_key: string | null } | undefined;
      if (current === undefined) throw coded('DARI_INTERNAL_ERROR', 'SQLite journal found neither a free transaction id nor its row');
      known = current.original_key;
    }
    const setKey = t.originalKey !== undefined && t.originalKey !== known;
    if (setKey) keys.set(t.id, t.originalKey!);
    // values: id, state, state_at, created_at, participant, mti, ...optional, detail
    const params: Array<string | number | Buffer | null> = [values[1]!, values[2]!, values[4]!, values[5]!];
    for (let i = 0; i < TXN_OPTIONAL.length; i++) if (TXN_OPTIONAL[i]![1] !== 'original_key') params.push(values[6 + i]!);
    params.push(values[values.length - 1]!);
    if (setKey) params.push(t.originalKey!);
    if (sealed !== 'keep') params.push(sealed);
    params.push(t.id);
    st.updateTxn(setKey, sealed !== 'keep').run(params);
    st.insertEvent.run(t.id, t.state, toMs(t.at));
  }

  private claim(key: string, txnId: string, now: number, expiresAt: number): DedupeHit | null {
    // Free, or expired: take it (insert, or take over the expired row). Otherwise report the holder.
    const taken = this.st.claimDedupe.get(key, txnId, now, expiresAt);
    if (taken !== undefined) return null;
    const holder = this.st.dedupeHolder.get(key) as Record<string, unknown> | undefined;
    if (!holder) throw coded('DARI_INTERNAL_ERROR', 'SQLite journal dedupe claim found neither a free key nor a holder');
    return rowToHit(holder);
  }
}

/** Entries kept in SqliteCore.originalKeys before it starts over (far more than can be in flight). */
const ORIGINAL_KEYS_MAX = 100_000;

/** An op of the fast batch path threw: the batch is run again with a savepoint per op. */
class OpFailed extends Error {
  constructor(readonly error: unknown) {
    super('a journal write failed');
  }
}

function prepare(db: Database.Database) {
  const txnCols = TXN_COLUMNS.join(', ');
  const kept = [...TXN_OPTIONAL.map(([, c]) => c).filter((c) => c !== 'original_key'), 'detail'];
  const updates = new Map<string, Stmt>();
  const updateTxn = (setKey: boolean, setSealed: boolean): Stmt => {
    const name = `${setKey ? 'k' : ''}${setSealed ? 's' : ''}`;
    let s = updates.get(name);
    if (!s) {
      const set = ['state = ?', 'state_at = ?', 'participant = ?', 'mti = ?', ...kept.map((c) => `${c} = COALESCE(?, ${c})`)];
      if (setKey) set.push('original_key = ?');
      if (setSealed) set.push('request_sealed = ?');
      s = db.prepare(`UPDATE transactions SET ${set.join(', ')} WHERE id = ?`);
      updates.set(name, s);
    }
    return s;
  };
  return {
    txnOriginalKey: db.prepare('SELECT original_key FROM transactions WHERE id = ?'),
    insertTxn: db.prepare(`INSERT INTO transactions (${txnCols}, request_sealed) VALUES (${TXN_COLUMNS.map(() => '?').join(', ')}, ?) ON CONFLICT (id) DO NOTHING`),
    updateTxn,
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
    storeAnswerOf: db.prepare('UPDATE dedupe SET answer = ? WHERE key = ? AND txn_id = ?'),
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
    inFlight: db.prepare(
      `SELECT ${txnCols}, request_sealed FROM transactions
       WHERE state IN ('received', 'forwarded') AND state_at < ?
       ORDER BY state_at, id LIMIT ?`,
    ),
    history: db.prepare('SELECT state, state_at FROM txn_events WHERE txn_id = ?'),
    safStats: db.prepare(
      `SELECT (SELECT COUNT(*) FROM saf WHERE status = 'pending') AS depth,
              (SELECT MIN(created_at) FROM saf WHERE status = 'pending') AS oldest,
              (SELECT COUNT(*) FROM saf WHERE status = 'flagged') AS flagged`,
    ),
    safByTxn: db.prepare(`SELECT ${SAF_COLUMNS.join(', ')} FROM saf WHERE txn_id = ? ORDER BY created_at, id`),
    feesUpsert: db.prepare(
      `INSERT INTO fees (${FEE_COLUMNS.join(', ')}) VALUES (${FEE_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (txn_id) DO UPDATE SET ${FEE_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    // Sums as 64-bit integers (safeIntegers: bigint, never a double); SUM raises on overflow.
    feeTotals: db.prepare(feeTotalsSql('card_brand_cost', '?', '?')).safeIntegers(true),
    // Half up per entry in integer arithmetic: (amount x bps + 5000) / 10000, amounts being >= 0.
    // @bps is bound as a bigint: a JS number binds as REAL, and the division would not truncate.
    feeTotalsAtRate: db.prepare(feeTotalsSql('(amount * @bps + 5000) / 10000', '@from', '@to')).safeIntegers(true),
  };
}

function feeTotalsSql(cardCost: string, from: string, to: string): string {
  return `SELECT participant, partner, currency, COUNT(*) AS n, SUM(amount) AS amount, SUM(participant_fee) AS participant_fees,
            SUM(partner_fee) AS partner_fees, SUM(${cardCost}) AS card_brand_cost
          FROM fees WHERE charged_at >= ${from} AND charged_at < ${to}
          GROUP BY participant, partner, currency`;
}

/** Checkpoint signal values (Int32 0 of the shared buffer). */
const CHECKPOINT_IDLE = 0;
const CHECKPOINT_ASKED = 1;
const CHECKPOINT_DONE = 2;
/** The fewest WAL frames the checkpointer tries to leave to the writer when the WAL starts over. */
const RESIDUAL_FRAMES = 32;

/**
 * The background checkpointer's connection (its own thread): PASSIVE checkpoints copy the WAL
 * frames committed so far into the database file (and fsync it) without taking the write lock,
 * beside the writer's commits. The WAL can only start over when a write transaction begins with
 * every frame copied, which a checkpointer running beside a busy writer never sees; so once the WAL
 * has reached `targetFrames` it copies back to back until only a few frames are left, then asks
 * the writer (shared signal) to copy those between two batches (SqliteCore.finishCheckpoint).
 */
export class SqliteCheckpointer {
  private readonly db: Database.Database;
  private readonly signal: Int32Array;
  private closed = false;
  private askedAt = 0;
  private catchUpPasses = 0;

  constructor(
    path: string,
    private readonly targetFrames: number,
    signal: SharedArrayBuffer,
    busyTimeoutMs = 5000,
  ) {
    this.signal = new Int32Array(signal);
    try {
      this.db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });
      this.db.pragma('synchronous = FULL');
      // Never checkpoint on close: the writer does the last one.
      this.db.pragma('wal_autocheckpoint = 0');
    } catch (e) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal checkpointer cannot open ${path}: ${errorMessage(e)}`, e);
    }
  }

  /** One step; returns the delay (ms) before the next (0: at once). Busy or failing passes are retried later. */
  step(intervalMs: number): number {
    if (this.closed) return intervalMs;
    const state = Atomics.load(this.signal, 0);
    if (state === CHECKPOINT_ASKED) {
      // Waiting for the writer; it may be idle (then a normal pass finishes the job).
      if (Date.now() - this.askedAt < 1000) return Math.min(intervalMs, 10);
      Atomics.compareExchange(this.signal, 0, CHECKPOINT_ASKED, CHECKPOINT_IDLE);
    } else if (state === CHECKPOINT_DONE) {
      Atomics.store(this.signal, 0, CHECKPOINT_IDLE);
      return intervalMs;
    }
    let frames: number;
    let copied: number;
    try {
      const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      frames = r?.log ?? 0;
      copied = r?.checkpointed ?? 0;
    } catch {
      return intervalMs;
    }
    if (frames < this.targetFrames) {
      this.catchUpPasses = 0;
      return intervalMs;
    }
    // Catching up: what is left is what the writer committed during the last pass (its pages must
    // be written and the database file fsynced by the writer, a millisecond per few dozen pages).
    if (frames - copied > Math.max(RESIDUAL_FRAMES, this.targetFrames / 16) && ++this.catchUpPasses < 5) return 0;
    this.catchUpPasses = 0;
    this.askedAt = Date.now();
    Atomics.store(this.signal, 0, CHECKPOINT_ASKED);
    return Math.min(intervalMs, 10);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
