/**
 * SQLite journal: the embedded default (one hub process, one file).
 *
 * - WAL mode, and a write is reported (its promise resolved) only once the write-ahead log holding
 *   it is synced to disk, so a resolved write survives a crash or power loss. Inline, a log sync
 *   that fails rejects the writes of its batch with DARI_JOURNAL_UNAVAILABLE (committed, durability
 *   unknown) and every later request too: the hub must be restarted. Housekeeping deletes outside
 *   the group commit (pruneDedupe of expired keys) are not waited for: losing one loses nothing.
 * - Where the work runs (`thread`):
 *   'inline' (the hub's default): better-sqlite3 runs the batch's statements and COMMIT on the
 *   caller's thread with `synchronous=NORMAL` (COMMIT writes the log, no fsync), then the log file
 *   is fdatasynced in libuv's thread pool, and only then are the batch's writes reported: the event
 *   loop never blocks on the disk, and nothing is reported written before it is on disk.
 *   'worker': the connection lives in a worker thread (sqlite-worker.ts) with `synchronous=FULL`;
 *   each batch is posted to it and its results posted back (a thread hop each way).
 *   The database code is sqlite-core.ts either way. The event loop keeps the group-commit queue
 *   (common.ts): the writes of one turn form a batch, committed in one IMMEDIATE transaction (one
 *   log sync), with at most one batch in flight; writes arriving meanwhile form the next batch,
 *   started as soon as the previous one is durable, so batches grow with load (as in the PostgreSQL
 *   adapter). A batch runs its writes straight in the transaction; if one fails, the transaction
 *   rolls back and the batch runs again with each write in its own savepoint, so that the failing
 *   write (e.g. a constraint) is rejected alone and the rest of the batch commits.
 * - Checkpoints: a second thread on its own connection copies the WAL into the database file in
 *   small, frequent passes beside the writer, and the writer only finishes the last few frames
 *   between two batches when the WAL starts over (SqliteTuning.checkpointIntervalMs), instead of a
 *   15 ms checkpoint inside a commit every 16 MiB of WAL.
 * - Reads go to the same connection, after the writes queued before them (read-your-writes
 *   without forcing an early batch).
 * - Errors cross the thread boundary as their code and message. A worker that dies (a bug, or
 *   terminated) rejects every request it had with DARI_JOURNAL_UNAVAILABLE (a batch it was
 *   committing may or may not be durable); the next request starts a new worker on the same file.
 *   close() closes the database and ends both threads.
 * - Several processes may open the same file: the IMMEDIATE transaction takes the write lock before
 *   a batch reads anything, and `busyTimeoutMs` bounds the wait for it.
 */
import { closeSync, existsSync, fdatasync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DariError } from '../errors';
import { isDariError } from '../errors';
import type { FeeTotals, InFlightTxn, SafEntry, TxnRecord } from './journal';
import { BatchedJournal, coded, errorMessage, toBuffer, type AppliedMigration, type QueuedOp, type TxnEvent, type WriteOp } from './common';
import type { Migration } from './migrations';
import {
  fromWire,
  SqliteCore,
  SQLITE_DEFAULTS,
  WORKER_MARK,
  type OpResult,
  type ReadRequest,
  type SqliteCoreOptions,
  type SqliteTuning,
  type WireResult,
  type WorkerReply,
  type WorkerRequest,
} from './sqlite-core';

export type { SqliteTuning } from './sqlite-core';

export interface SqliteJournalOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /** How long a batch waits for another process holding the write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Where better-sqlite3 runs: 'worker' (default here; the hub's configuration defaults to 'inline':
   * a worker thread owns the connection and fsyncs each commit, each batch costs a thread hop each
   * way) or 'inline' (statements on the caller's thread, the log's fdatasync in the thread pool).
   * Either way checkpoints run on their own thread.
   */
  thread?: 'worker' | 'inline';
  /** @internal Connection settings (benchmarks); the defaults suit the hub. */
  tuning?: SqliteTuning;
  /** @internal Replaces the migration list (tests of the migration runner). */
  migrations?: readonly Migration[];
}

/** The compiled worker script, next to this file. */
const WORKER_SCRIPT = join(__dirname, 'sqlite-worker.js');

/** Errors of requests that could not be passed to the worker (a value that cannot be cloned). */
const NOT_POSTED = new WeakSet<object>();

/** Where the database code runs: the same requests, inline or in a worker thread. */
interface Backend {
  open(): Promise<void>;
  batch(ops: WriteOp[]): Promise<OpResult[]>;
  read(req: ReadRequest): Promise<unknown>;
  close(): Promise<void>;
  /** The background checkpointer thread, if running. */
  readonly checkpointerWorker: Worker | null;
  /** Whether the next batch may start in the same turn as the previous one settles (see GroupCommit). */
  nextBatchAtOnce(readersWaiting: boolean): boolean;
}

export class SqliteJournal extends BatchedJournal {
  protected readonly label = 'SQLite journal';
  private readonly options: SqliteJournalOptions;
  private backend: Backend | null = null;

  constructor(options: SqliteJournalOptions) {
    super();
    this.options = { ...options };
  }

  /** The database file. */
  get path(): string {
    return this.options.path;
  }

  /** Where better-sqlite3 runs. */
  get thread(): 'worker' | 'inline' {
    return this.options.thread ?? 'worker';
  }

  private coreOptions(): SqliteCoreOptions {
    const o: SqliteCoreOptions = { path: this.options.path };
    if (this.options.busyTimeoutMs !== undefined) o.busyTimeoutMs = this.options.busyTimeoutMs;
    if (this.options.migrations !== undefined) o.migrations = this.options.migrations;
    if (this.options.tuning !== undefined) o.tuning = this.options.tuning;
    return o;
  }

  protected async open(): Promise<void> {
    const backend = this.thread === 'inline' ? new InlineBackend(this.coreOptions()) : new WorkerBackend(this.coreOptions());
    await backend.open();
    this.backend = backend;
  }

  protected async shutdown(): Promise<void> {
    const backend = this.backend;
    this.backend = null;
    await backend?.close();
  }

  protected override nextBatchAtOnce(readersWaiting: boolean): boolean {
    return this.backend?.nextBatchAtOnce(readersWaiting) ?? true;
  }

  private get db(): Backend {
    if (!this.backend) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    return this.backend;
  }

  protected async executeBatch(ops: QueuedOp[]): Promise<void> {
    const started = process.hrtime.bigint();
    const results = await this.db.batch(ops.map(plainOp));
    this.reportCommit(ops.length, started);
    results.forEach((r, i) => {
      const op = ops[i]!;
      if (!r.ok) op.reject(r.error);
      else op.resolve(op.kind === 'safClaimDue' ? reviveSaf(r.value as SafEntry[]) : r.value);
    });
  }

  protected async readTxn(id: string): Promise<TxnRecord | undefined> {
    return (await this.db.read({ name: 'get', id })) as TxnRecord | undefined;
  }

  protected async readByOriginalKey(key: string): Promise<TxnRecord | undefined> {
    return (await this.db.read({ name: 'byOriginalKey', key })) as TxnRecord | undefined;
  }

  protected async readInFlight(before: number, limit: number): Promise<InFlightTxn[]> {
    const rows = (await this.db.read({ name: 'inFlight', before, limit })) as InFlightTxn[];
    for (const r of rows) if (r.sealedRequest !== undefined) r.sealedRequest = toBuffer(r.sealedRequest);
    return rows;
  }

  protected async readSafStats(now: number): Promise<{ depth: number; oldestAgeMs: number; flagged: number }> {
    return (await this.db.read({ name: 'safStats', now })) as { depth: number; oldestAgeMs: number; flagged: number };
  }

  protected async readSafByTxn(txnId: string): Promise<SafEntry[]> {
    return reviveSaf((await this.db.read({ name: 'safByTxn', txnId })) as SafEntry[]);
  }

  protected async readHistory(id: string): Promise<TxnEvent[]> {
    return (await this.db.read({ name: 'history', id })) as TxnEvent[];
  }

  protected async readMigrations(): Promise<AppliedMigration[]> {
    return (await this.db.read({ name: 'migrations' })) as AppliedMigration[];
  }

  protected async readFeeTotals(from: number, to: number, cardRateBps: number | null): Promise<FeeTotals[]> {
    return (await this.db.read({ name: 'feeTotals', from, to, cardRateBps })) as FeeTotals[];
  }

  protected mapReadError(e: unknown): DariError {
    if (isDariError(e)) return e;
    return coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal read failed: ${errorMessage(e)}`, e);
  }

  /** Delete dedupe keys whose window ended at or before `now` (they could be taken over anyway). */
  pruneDedupe(now: number): Promise<number> {
    return this.read(async () => (await this.db.read({ name: 'pruneDedupe', now })) as number);
  }

  /** @internal Tests: the worker thread (null inline or when none is running). */
  get worker(): Worker | null {
    return this.backend instanceof WorkerBackend ? this.backend.current : null;
  }

  /** @internal Tests: the background checkpointer thread (null when off or not running). */
  get checkpointerWorker(): Worker | null {
    return this.backend?.checkpointerWorker ?? null;
  }

  /**
   * @internal Tests: make the worker block for `afterMs` and then die of an uncaught exception;
   * requests posted meanwhile are queued behind it and never served.
   */
  crashWorkerForTest(afterMs: number): void {
    if (!(this.backend instanceof WorkerBackend)) throw coded('DARI_INTERNAL_ERROR', 'SQLite journal: no worker thread to crash');
    this.backend.crash(afterMs);
  }
}

/** A write op without its promise callbacks (they cannot cross a thread boundary). */
function plainOp(op: QueuedOp): WriteOp {
  const { resolve: _resolve, reject: _reject, ...plain } = op;
  return plain as WriteOp;
}

/** SAF payloads come back from a worker as Uint8Array: Buffers again (no copy). */
function reviveSaf(entries: SafEntry[]): SafEntry[] {
  for (const e of entries) e.payload = toBuffer(e.payload);
  return entries;
}

// ------------------------------------------------------------------------------------------------

class InlineBackend implements Backend {
  private core: SqliteCore | null = null;
  private readonly options: SqliteCoreOptions;
  private readonly checkpointer: BackgroundCheckpointer | null;
  /**
   * The write-ahead log, opened to make commits durable (fdatasync in libuv's thread pool). The
   * file stays the same while the connection is open: SQLite truncates and rewrites it, and
   * removes it only when the last connection closes.
   */
  private wal: number | null = null;
  /**
   * Set when a log sync failed: the batch is committed but may never reach the disk (and Linux may
   * drop the unwritten pages and report the next sync as a success), so nothing more is written or
   * read on this connection; the hub must be restarted (recovery then reads what the disk holds).
   */
  private broken: DariError | null = null;

  constructor(options: SqliteCoreOptions) {
    this.checkpointer = BackgroundCheckpointer.for(options);
    const o: SqliteCoreOptions = { ...options, walSync: 'caller' };
    this.options = this.checkpointer ? { ...o, checkpointSignal: this.checkpointer.signal } : o;
  }

  get checkpointerWorker(): Worker | null {
    return this.checkpointer?.worker ?? null;
  }

  /**
   * A batch that ended in its log sync (an I/O callback) is followed at once by the next, unless
   * reads waited for it: a COMMIT here makes its writes visible before their sync, so the next
   * batch starts a turn later, after those reads (see read()). Without a log (':memory:') commits
   * are synchronous and keep the turn boundary.
   */
  nextBatchAtOnce(readersWaiting: boolean): boolean {
    return this.wal !== null && !readersWaiting;
  }

  async open(): Promise<void> {
    const core = SqliteCore.open(this.options);
    if (core.walFile !== null) {
      try {
        this.wal = openSync(core.walFile, 'r+');
      } catch (e) {
        core.close();
        throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal cannot open its log ${core.walFile}: ${errorMessage(e)}`, e);
      }
    }
    this.core = core;
    this.checkpointer?.start();
  }

  /**
   * The batch's statements and COMMIT run here on the event loop (no fsync: synchronous=NORMAL);
   * the fdatasync of the log that makes them durable runs in the thread pool, so the event loop
   * keeps serving sockets meanwhile. The results are delivered after it: nothing of the batch is
   * reported written before it is on disk.
   */
  async batch(ops: WriteOp[]): Promise<OpResult[]> {
    const core = this.live();
    const results = core.batch(ops);
    const wal = this.wal;
    if (wal !== null) {
      await new Promise<void>((resolve, reject) => {
        fdatasync(wal, (e) => {
          if (!e) return resolve();
          this.broken = coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal could not sync its log (${e.code ?? e.message}): it stops here; restart the hub`, e);
          reject(this.broken);
        });
      });
    }
    // After the results are delivered, as the worker does after its reply.
    if (this.checkpointer) setImmediate(() => core.finishCheckpoint());
    return results;
  }

  /**
   * Synchronous, so it runs between batches: the journal's queue makes a read wait for the writes
   * queued before it, and then starts the next batch only a turn later (nextBatchAtOnce), so a
   * read never sees a COMMIT whose log sync is still running.
   */
  async read(req: ReadRequest): Promise<unknown> {
    return this.live().read(req);
  }

  async close(): Promise<void> {
    const core = this.core;
    this.core = null;
    await this.checkpointer?.close();
    core?.close();
    if (this.wal !== null) closeSync(this.wal);
    this.wal = null;
  }

  private live(): SqliteCore {
    if (this.broken) throw this.broken;
    if (!this.core) throw coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');
    return this.core;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: DariError) => void;
  what: WorkerRequest['t'];
}

/** One worker thread and the requests it has been given. */
class WorkerThread {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  /** Set once the thread is gone (crashed, or closed). */
  dead: DariError | null = null;
  private closing = false;

  constructor(onDeath: (t: WorkerThread) => void) {
    this.worker = new Worker(WORKER_SCRIPT, { workerData: { mark: WORKER_MARK } });
    // Idle, the thread does not keep the process alive; with a request pending it does.
    this.worker.unref();
    this.worker.on('message', (m: WorkerReply) => this.reply(m));
    this.worker.on('error', (e) => this.die(`crashed: ${errorMessage(e)}`, onDeath));
    this.worker.on('exit', (code) => this.die(this.closing ? 'closed' : `exited (code ${code})`, onDeath));
  }

  request(r: DistributiveOmit<Exclude<WorkerRequest, { t: 'crash' }>, 'id'>): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.seq;
    const msg = { ...r, id } as WorkerRequest;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(msg);
      } catch (e) {
        // e.g. a value that cannot be cloned (a function in `detail`)
        const err = coded('DARI_INTERNAL_ERROR', `SQLite journal cannot pass a ${r.t} to its worker thread: ${errorMessage(e)}`, e);
        NOT_POSTED.add(err);
        reject(err);
        return;
      }
      if (r.t === 'close') this.closing = true;
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, what: r.t });
    });
  }

  crash(afterMs: number): void {
    this.worker.postMessage({ t: 'crash', id: ++this.seq, afterMs } satisfies WorkerRequest);
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private reply(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.value);
    else p.reject(fromWire(m.error));
  }

  private die(why: string, onDeath: (t: WorkerThread) => void): void {
    if (this.dead) return;
    this.dead = coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal worker thread ${why}`);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.reject(
        coded(
          'DARI_JOURNAL_UNAVAILABLE',
          p.what === 'batch'
            ? `SQLite journal worker thread ${why} while committing a batch: it may or may not be durable`
            : `SQLite journal worker thread ${why} before answering a ${p.what}`,
        ),
      );
    }
    onDeath(this);
  }
}

class WorkerBackend implements Backend {
  private thread: WorkerThread | null = null;
  private starting: Promise<WorkerThread> | null = null;
  private closed = false;
  private readonly options: SqliteCoreOptions;
  private readonly checkpointer: BackgroundCheckpointer | null;

  /** The worker orders reads and writes itself: the next batch may always start at once. */
  nextBatchAtOnce(): boolean {
    return true;
  }

  constructor(options: SqliteCoreOptions) {
    this.checkpointer = BackgroundCheckpointer.for(options);
    this.options = this.checkpointer ? { ...options, checkpointSignal: this.checkpointer.signal } : options;
  }

  get current(): Worker | null {
    return this.thread && !this.thread.dead ? this.thread.worker : null;
  }

  async open(): Promise<void> {
    await this.live();
  }

  async batch(ops: WriteOp[]): Promise<OpResult[]> {
    const thread = await this.live();
    let wire: WireResult[];
    try {
      wire = (await thread.request({ t: 'batch', ops })) as WireResult[];
    } catch (e) {
      // A value that cannot cross to the worker: run the ops one by one, so that only it fails.
      if (isDariError(e) && NOT_POSTED.has(e)) {
        if (ops.length === 1) return [{ ok: false, error: e }];
        const out: OpResult[] = [];
        for (const op of ops) out.push(...(await this.batch([op])));
        return out;
      }
      throw e;
    }
    return wire.map((r): OpResult => (r.ok ? r : { ok: false, error: fromWire(r.error) }));
  }

  async read(req: ReadRequest): Promise<unknown> {
    return (await this.live()).request({ t: 'read', req });
  }

  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread ?? (await this.starting?.catch(() => null)) ?? null;
    this.thread = null;
    await this.checkpointer?.close();
    if (!thread) return;
    if (!thread.dead) await thread.request({ t: 'close' }).catch(() => undefined);
    await thread.terminate();
  }

  get checkpointerWorker(): Worker | null {
    return this.checkpointer?.worker ?? null;
  }

  crash(afterMs: number): void {
    this.thread?.crash(afterMs);
  }

  /** The running thread, or a new one (after a crash) once it has opened the database. */
  private live(): Promise<WorkerThread> {
    if (this.closed) return Promise.reject(coded('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed'));
    if (this.thread && !this.thread.dead) return Promise.resolve(this.thread);
    if (!this.starting) {
      this.starting = this.start().finally(() => {
        this.starting = null;
      });
    }
    return this.starting;
  }

  private async start(): Promise<WorkerThread> {
    if (!existsSync(WORKER_SCRIPT)) {
      throw coded('DARI_JOURNAL_UNAVAILABLE', `SQLite journal worker script ${WORKER_SCRIPT} is missing (run the compiled build, or use thread: 'inline')`);
    }
    const thread = new WorkerThread((t) => {
      if (this.thread === t) this.thread = null;
    });
    try {
      await thread.request({ t: 'open', options: this.options });
    } catch (e) {
      await thread.terminate().catch(() => undefined);
      throw e;
    }
    this.thread = thread;
    this.checkpointer?.start();
    return thread;
  }
}

/**
 * The background checkpointer thread of a database file (see SqliteTuning.checkpointIntervalMs),
 * started once the writer has opened (and migrated) the file. Losing it is not an outage: the
 * writer's own autocheckpoint still bounds the WAL.
 */
class BackgroundCheckpointer {
  readonly signal = new SharedArrayBuffer(4);
  private thread: WorkerThread | null = null;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly intervalMs: number,
    private readonly targetFrames: number,
    private readonly busyTimeoutMs: number | undefined,
  ) {}

  /** The checkpointer for these options, or null (turned off, or not a plain file). */
  static for(options: SqliteCoreOptions): BackgroundCheckpointer | null {
    const { path } = options;
    const intervalMs = options.tuning?.checkpointIntervalMs ?? SQLITE_DEFAULTS.checkpointIntervalMs;
    if (!(intervalMs > 0) || path === ':memory:' || path.startsWith('file:') || !existsSync(WORKER_SCRIPT)) return null;
    const targetFrames = Math.trunc(options.tuning?.walAutocheckpointPages ?? SQLITE_DEFAULTS.walAutocheckpointPages);
    return new BackgroundCheckpointer(path, intervalMs, targetFrames, options.busyTimeoutMs);
  }

  get worker(): Worker | null {
    return this.thread && !this.thread.dead ? this.thread.worker : null;
  }

  start(): void {
    if (this.thread || this.closed) return;
    const t = new WorkerThread((dead) => {
      if (this.thread === dead) this.thread = null;
    });
    this.thread = t;
    const request: DistributiveOmit<Extract<WorkerRequest, { t: 'checkpoint' }>, 'id'> = {
      t: 'checkpoint',
      path: this.path,
      intervalMs: this.intervalMs,
      targetFrames: this.targetFrames,
      signal: this.signal,
    };
    if (this.busyTimeoutMs !== undefined) request.busyTimeoutMs = this.busyTimeoutMs;
    t.request(request).catch(() => {
      if (this.thread === t) this.thread = null;
      void t.terminate();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const t = this.thread;
    this.thread = null;
    if (!t) return;
    if (!t.dead) await t.request({ t: 'close' }).catch(() => undefined);
    await t.terminate();
  }
}
