/**
 * What the two journal adapters share: the card data guard, the group-commit queue, the write
 * operations it carries, row <-> record mapping, and the life cycle (init / close / coded errors).
 *
 * Group commit. Every write (record, begin, complete, claimDedupe, storeDedupeAnswer, safEnqueue,
 * safClaimDue, safUpdate, recordFees) is pushed onto one queue. The first push of an event-loop turn schedules
 * a flush with `setImmediate`; the flush takes everything queued so far and commits it in ONE
 * database transaction, then settles every promise of the batch (so a promise resolves only once
 * its write is durable). While a batch is committing (PostgreSQL; SQLite in its worker thread, or
 * inline while its log sync runs), new writes queue for the next batch, which is committed as soon
 * as the running one ends (inline SQLite: a turn later when reads waited for it): there is at most one batch in flight per journal instance, so batches grow
 * with load and the fsync cost per write falls as the load rises.
 *
 * Reads (get, findByOriginalKey, inFlightBefore, safStats, safByTxn, history, feeTotals) go straight to the
 * database when nothing is queued or in flight. Otherwise they first wait until every write queued
 * before them is committed (read-your-writes), without forcing an early, smaller batch.
 */
import { DariError, type ErrorCode } from '../errors';
import { MAX_MINOR } from '../fx/currencies';
import { luhnValid } from '../security/masking';
import type { BeginOptions, CompleteOptions, DedupeHit, FeeEntry, FeeTotals, FeeTotalsQuery, InFlightTxn, Journal, SafEntry, TxnRecord, TxnState } from './journal';

// ------------------------------------------------------------------------------------------------
// Public extras (additive to the Journal interface)
// ------------------------------------------------------------------------------------------------

/** One state change of a transaction, as kept in `txn_events`. */
export interface TxnEvent {
  state: TxnState;
  at: number;
}

/** A migration version applied to the database. */
export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: number;
}

/** The Journal plus the operator/test helpers both adapters offer. */
export interface JournalAdapter extends Journal {
  /** Every recorded state change of a transaction, oldest first. */
  history(id: string): Promise<TxnEvent[]>;
  /** The migrations applied to the database, by version. */
  appliedMigrations(): Promise<AppliedMigration[]>;
  /** Delete dedupe keys whose window ended before `now`; resolves with the number deleted. */
  pruneDedupe(now: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------
// Card data guard
// ------------------------------------------------------------------------------------------------

/** ISO 8583 fields that are card data and must never reach the journal: tracks 2, 3, 1 and the PIN block. */
export const CARD_DATA_KEYS: ReadonlySet<string> = new Set(['35', '36', '45', '52']);

/** Luhn (mod 10) check (security/masking.ts), kept exported here for the journal's users. */
export { luhnValid };

const DIGIT_RUN = /[0-9]{13,}/g;
const ALNUM = /[A-Za-z0-9]/;

/**
 * True when `s` holds what looks like a clear PAN: a run of 13 to 19 decimal digits that passes the
 * Luhn check. To keep false alarms rare the run must stand alone (no letter or digit right before
 * it; after it only a non-alphanumeric character or the track 2 separator 'D'), and runs starting
 * with 0 or 1 are ignored (ISO/IEC 7812 major industry identifiers 0 and 1 are not payment cards on
 * the networks Dari serves, and every epoch-millisecond timestamp up to 2033 starts with 1).
 */
export function looksLikeClearPan(s: string): boolean {
  for (const m of s.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const at = m.index ?? 0;
    if (run.length > 19) continue;
    if (run[0] === '0' || run[0] === '1') continue;
    const before = at > 0 ? s[at - 1] : undefined;
    const after = s[at + run.length];
    if (before !== undefined && ALNUM.test(before)) continue;
    if (after !== undefined && ALNUM.test(after) && after !== 'D' && after !== 'd') continue;
    if (luhnValid(run)) return true;
  }
  return false;
}

/** Where card data sits in `value` ("detail.fields.35"), or null when there is none. Never the value itself. */
export function findCardData(value: unknown, path: string, seen: Set<object> = new Set()): string | null {
  if (typeof value === 'string') return looksLikeClearPan(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (seen.has(value)) return null;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findCardData(value[i], `${path}[${i}]`, seen);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = `${path}.${k}`;
    if (CARD_DATA_KEYS.has(k)) return p;
    const hit = findCardData(v, p, seen);
    if (hit) return hit;
  }
  return null;
}

/**
 * The journal's card data guard (defence in depth: callers mask before they record). Refuses a
 * record whose `detail` has a key "35", "36", "45" or "52" at any depth (track 2, track 3, track 1,
 * PIN block), or any string that looks like a clear PAN (see looksLikeClearPan), and a `panMasked`
 * that is a clear PAN. Throws DARI_INTERNAL_ERROR (handing card data to the journal is a bug in
 * the caller) naming the path, never the value.
 */
export function assertNoCardData(txn: TxnRecord): void {
  let where: string | null = null;
  if (typeof txn.panMasked === 'string' && looksLikeClearPan(txn.panMasked)) where = 'panMasked';
  if (!where && txn.detail !== undefined) where = findCardData(txn.detail, 'detail');
  if (where) {
    throw new DariError(
      'DARI_INTERNAL_ERROR',
      `journal refused transaction ${txn.id}: ${where} looks like card data (clear PAN, track or PIN block); mask it before recording`,
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Write operations and the group-commit queue
// ------------------------------------------------------------------------------------------------

export interface SafUpdate {
  status: SafEntry['status'];
  attempts: number;
  nextAt: number;
  lastResult?: string;
}

export type WriteOp =
  | { kind: 'record'; txn: TxnRecord }
  | { kind: 'begin'; txn: TxnRecord; dedupe?: BeginOptions['dedupe']; sealedRequest?: Buffer }
  | { kind: 'complete'; txn: TxnRecord; dedupeAnswer?: CompleteOptions['dedupeAnswer']; saf?: SafEntry; fees?: FeeEntry }
  | { kind: 'claimDedupe'; key: string; txnId: string; windowMs: number; now: number }
  | { kind: 'storeDedupeAnswer'; key: string; answer: Record<string, string>; txnId?: string }
  | { kind: 'safEnqueue'; entry: SafEntry }
  | { kind: 'safClaimDue'; now: number; limit: number; node: string; leaseMs: number }
  | { kind: 'safUpdate'; id: string; update: SafUpdate }
  | { kind: 'recordFees'; entry: FeeEntry };

export type QueuedOp = WriteOp & { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * The group-commit queue. `execute` receives every op queued since the last flush and must settle
 * each of them (resolve with its result or reject); if it throws, every op of the batch is rejected.
 */
export class GroupCommit {
  private queue: QueuedOp[] = [];
  /** Waiting for the writes queued so far (they go with the next batch). */
  private waiters: Array<() => void> = [];
  /** Waiting for the batch in flight (its writes' waiters, and settled() calls made meanwhile). */
  private runningWaiters: Array<() => void> = [];
  private scheduled = false;
  private running: Promise<void> | null = null;

  /**
   * `execute`: commits a batch. `nextBatchAtOnce(readersWaiting)`: when a commit ends, whether to
   * commit what queued up meanwhile right away (those writes come from earlier turns) instead of a
   * turn later; true for commits that end in an I/O callback (a worker's reply, a database socket).
   * A synchronous commit keeps the turn boundary, or a loop of awaited writes would never yield to
   * I/O. `readersWaiting`: someone waited for this batch (settled(): a read); a store whose COMMIT
   * makes writes visible before they are durable keeps the turn boundary then, so that the readers
   * run before the next COMMIT.
   */
  constructor(
    private readonly execute: (ops: QueuedOp[]) => void | Promise<void>,
    private readonly nextBatchAtOnce: (readersWaiting: boolean) => boolean,
  ) {}

  push(op: QueuedOp): void {
    this.queue.push(op);
    this.schedule();
  }

  /** True when nothing is queued or committing. */
  get idle(): boolean {
    return this.queue.length === 0 && this.running === null;
  }

  /** Resolves once every write queued so far has been committed (or has failed). Never rejects. */
  settled(): Promise<void> {
    if (this.queue.length > 0) return new Promise((res) => this.waiters.push(res));
    if (this.running) return new Promise((res) => this.runningWaiters.push(res));
    return Promise.resolve();
  }

  /** Waits until the queue is empty and nothing is in flight. */
  async drain(): Promise<void> {
    while (!this.idle) await this.settled();
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running || this.queue.length === 0) return;
    const ops = this.queue;
    this.runningWaiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    const run = async (): Promise<void> => {
      try {
        await this.execute(ops);
      } catch (e) {
        for (const op of ops) op.reject(e);
      }
    };
    this.running = run().then(() => {
      this.running = null;
      const waiters = this.runningWaiters;
      this.runningWaiters = [];
      for (const w of waiters) w();
      // What queued up meanwhile is from earlier turns: commit it now rather than a turn later
      // (when the event loop is busy, a turn can take milliseconds).
      if (this.queue.length > 0) {
        if (this.nextBatchAtOnce(waiters.length > 0)) this.flush();
        else this.schedule();
      }
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Rows
// ------------------------------------------------------------------------------------------------

/** TxnRecord optional fields and their column names (the same in both databases). */
export const TXN_OPTIONAL: ReadonlyArray<readonly [keyof TxnRecord, string]> = [
  ['link', 'link'],
  ['processingCode', 'processing_code'],
  ['stan', 'stan'],
  ['rrn', 'rrn'],
  ['terminal', 'terminal'],
  ['transmission', 'transmission'],
  ['amount', 'amount'],
  ['currency', 'currency'],
  ['partner', 'partner'],
  ['partnerLink', 'partner_link'],
  ['responseCode', 'response_code'],
  ['panMasked', 'pan_masked'],
  ['panHash', 'pan_hash'],
  ['dedupeKey', 'dedupe_key'],
  ['originalKey', 'original_key'],
];

/** Columns of `transactions`, in insert order. */
export const TXN_COLUMNS: readonly string[] = [
  'id',
  'state',
  'state_at',
  'created_at',
  'participant',
  'mti',
  ...TXN_OPTIONAL.map(([, c]) => c),
  'detail',
];

/** Columns that keep their stored value when an update leaves them out. */
export const TXN_MERGED_COLUMNS: readonly string[] = [...TXN_OPTIONAL.map(([, c]) => c), 'detail'];

/** Column values of a record, in TXN_COLUMNS order (absent fields as null, detail as JSON text). */
export function txnValues(t: TxnRecord, createdAt: number = t.at): Array<string | number | null> {
  const out: Array<string | number | null> = [t.id, t.state, toMs(t.at), toMs(createdAt), t.participant, t.mti];
  for (const [field] of TXN_OPTIONAL) {
    const v = t[field];
    out.push(v === undefined || v === null ? null : String(v));
  }
  out.push(t.detail === undefined ? null : JSON.stringify(t.detail));
  return out;
}

/** Later fields win; fields the later record leaves out keep their earlier value (as the SQL upsert does). */
export function mergeTxn(prev: TxnRecord, next: TxnRecord): TxnRecord {
  const out: Record<string, unknown> = { ...prev };
  for (const [k, v] of Object.entries(next)) if (v !== undefined) out[k] = v;
  return out as unknown as TxnRecord;
}

export function rowToTxn(row: Record<string, unknown>): TxnRecord {
  const t: Record<string, unknown> = {
    id: String(row['id']),
    state: String(row['state']) as TxnState,
    at: Number(row['state_at']),
    participant: String(row['participant']),
    mti: String(row['mti']),
  };
  for (const [field, col] of TXN_OPTIONAL) {
    const v = row[col];
    if (v !== null && v !== undefined) t[field] = String(v);
  }
  const detail = row['detail'];
  if (detail !== null && detail !== undefined) t['detail'] = typeof detail === 'string' ? JSON.parse(detail) : detail;
  return t as unknown as TxnRecord;
}

export function rowToSaf(row: Record<string, unknown>): SafEntry {
  const e: SafEntry = {
    id: String(row['id']),
    txnId: String(row['txn_id']),
    partner: String(row['partner']),
    mti: String(row['mti']),
    payload: toBuffer(row['payload']),
    attempts: Number(row['attempts']),
    nextAt: Number(row['next_at']),
    createdAt: Number(row['created_at']),
    status: String(row['status']) as SafEntry['status'],
  };
  if (row['link_hint'] !== null && row['link_hint'] !== undefined) e.linkHint = String(row['link_hint']);
  if (row['last_result'] !== null && row['last_result'] !== undefined) e.lastResult = String(row['last_result']);
  return e;
}

/** Column values of a SAF entry: id, txn_id, partner, link_hint, mti, payload, attempts, next_at, created_at, status, last_result. */
export const SAF_COLUMNS: readonly string[] = [
  'id',
  'txn_id',
  'partner',
  'link_hint',
  'mti',
  'payload',
  'attempts',
  'next_at',
  'created_at',
  'status',
  'last_result',
];

export function safValues(e: SafEntry): Array<string | number | Buffer | null> {
  return [
    e.id,
    e.txnId,
    e.partner,
    e.linkHint ?? null,
    e.mti,
    Buffer.from(e.payload),
    Math.trunc(e.attempts),
    toMs(e.nextAt),
    toMs(e.createdAt),
    e.status,
    e.lastResult ?? null,
  ];
}

export function rowToHit(row: Record<string, unknown>): DedupeHit {
  const a = row['answer'];
  return {
    txnId: String(row['txn_id']),
    answer: a === null || a === undefined ? null : typeof a === 'string' ? JSON.parse(a) : (a as Record<string, string>),
  };
}

const STATE_ORDER: Record<TxnState, number> = { received: 0, forwarded: 1, answered: 2, timed_out: 3, late: 4, reversed: 5 };

/** History order: by time, then (same millisecond) by the life-cycle order of the states. */
export function sortEvents(events: TxnEvent[]): TxnEvent[] {
  return events.sort((a, b) => a.at - b.at || (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9));
}

/** Epoch milliseconds as an integer (the columns are integers). */
export function toMs(n: number): number {
  if (!Number.isFinite(n)) throw new DariError('DARI_INTERNAL_ERROR', 'journal: a timestamp is not a finite number');
  return Math.floor(n);
}

/** A Buffer over the bytes of `v` (a Uint8Array arriving from a worker thread is wrapped, not copied). */
export function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.alloc(0);
}

/** A `transactions` row with its `request_sealed` column as an in-flight transaction. */
export function rowToInFlight(row: Record<string, unknown>): InFlightTxn {
  const sealed = row['request_sealed'];
  return { record: rowToTxn(row), sealedRequest: sealed === null || sealed === undefined ? undefined : toBuffer(sealed) };
}

/** Columns of `fees`, in insert order (see feeValues). */
export const FEE_COLUMNS: readonly string[] = [
  'txn_id',
  'charged_at',
  'participant',
  'partner',
  'currency',
  'amount',
  'participant_fee',
  'partner_fee',
  'card_brand_cost',
  'fx_quote_id',
  'rate',
];

/**
 * Refuse a malformed fee entry before it is queued (a caller bug: DARI_INTERNAL_ERROR naming the
 * field). Amounts must be bigints of 0 to 14 digits (MAX_MINOR: amount x 10000 stays below 2^63 in SQL); the currency an ISO 4217 alphabetic code.
 */
export function checkFeeEntry(e: FeeEntry): void {
  const bad = (what: string): never => {
    throw new DariError('DARI_INTERNAL_ERROR', `journal refused the fees of transaction ${typeof e?.txnId === 'string' ? e.txnId : '?'}: ${what}`);
  };
  if (typeof e !== 'object' || e === null) bad('not an object');
  for (const k of ['txnId', 'participant', 'partner'] as const) if (typeof e[k] !== 'string' || e[k] === '') bad(`${k} must be a non-empty string`);
  if (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency)) bad('currency must be an ISO 4217 alphabetic code');
  for (const k of ['amount', 'participantFee', 'partnerFee', 'cardBrandCost'] as const) {
    const v = e[k];
    if (typeof v !== 'bigint' || v < 0n || v > MAX_MINOR) bad(`${k} must be a bigint of minor units from 0 to ${MAX_MINOR}`);
  }
  if (e.quoteId !== undefined && (typeof e.quoteId !== 'string' || e.quoteId === '')) bad('quoteId must be a non-empty string');
  if (e.rate !== undefined && (typeof e.rate !== 'string' || !/^[0-9]+(\.[0-9]+)?$/.test(e.rate))) bad('rate must be a decimal string');
  toMs(e.at);
}

/** Column values of a fee entry, in FEE_COLUMNS order. */
export function feeValues(e: FeeEntry): Array<string | number | bigint | null> {
  return [
    e.txnId,
    toMs(e.at),
    e.participant,
    e.partner,
    e.currency,
    e.amount,
    e.participantFee,
    e.partnerFee,
    e.cardBrandCost,
    e.quoteId ?? null,
    e.rate ?? null,
  ];
}

/** A checked basis-point rate for feeTotals (0 to 10000), or null to use the recorded costs. */
export function cardRateOf(q: FeeTotalsQuery): number | null {
  const r = q.cardRateBps;
  if (r === undefined) return null;
  if (!Number.isInteger(r) || r < 0 || r > 10_000) throw new DariError('DARI_INTERNAL_ERROR', 'journal feeTotals: cardRateBps must be an integer from 0 to 10000');
  return r;
}

/** An integer column as a bigint, whichever way the driver delivers it (bigint, number or numeric text). */
function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
  throw new DariError('DARI_INTERNAL_ERROR', 'journal: a fee total is not an integer');
}

/**
 * Rows of the grouped fee query (participant, partner, currency, n, amount, participant_fees,
 * partner_fees, card_brand_cost) as FeeTotals, sorted by code unit (the databases' collations differ).
 */
export function rowsToFeeTotals(rows: Array<Record<string, unknown>>): FeeTotals[] {
  const out = rows.map((r): FeeTotals => {
    const participantFees = big(r['participant_fees']);
    const partnerFees = big(r['partner_fees']);
    const cardBrandCost = big(r['card_brand_cost']);
    return {
      participant: String(r['participant']),
      partner: String(r['partner']),
      currency: String(r['currency']),
      count: Number(big(r['n'])),
      amount: big(r['amount']),
      participantFees,
      partnerFees,
      cardBrandCost,
      saving: cardBrandCost - participantFees - partnerFees,
    };
  });
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.participant, b.participant) || cmp(a.partner, b.partner) || cmp(a.currency, b.currency));
}

/** The states `inFlightBefore` looks for (a transaction the hub had not finished). */
export const IN_FLIGHT_STATES: readonly TxnState[] = ['received', 'forwarded'];

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function coded(code: ErrorCode, message: string, cause?: unknown): DariError {
  const err = new DariError(code, message);
  if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, enumerable: false });
  return err;
}

// ------------------------------------------------------------------------------------------------
// Life cycle shared by both adapters
// ------------------------------------------------------------------------------------------------

type Phase = 'new' | 'opening' | 'open' | 'closing' | 'closed';

export abstract class BatchedJournal implements JournalAdapter {
  onCommit?: (batchSize: number, seconds: number) => void;

  protected phase: Phase = 'new';
  private opening: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private readonly reads = new Set<Promise<unknown>>();
  private readonly gc = new GroupCommit(
    (ops) => this.executeBatch(ops),
    (readersWaiting) => this.nextBatchAtOnce(readersWaiting),
  );

  /**
   * When a batch ends, whether to start the next one in the same turn (see GroupCommit): yes by
   * default (a commit that ends in an I/O callback). `readersWaiting`: reads waited for that batch.
   */
  protected nextBatchAtOnce(_readersWaiting: boolean): boolean {
    return true;
  }

  /** Short name for messages ("SQLite journal"). */
  protected abstract readonly label: string;
  protected abstract open(): Promise<void>;
  protected abstract shutdown(): Promise<void>;
  /** Commit the batch in one transaction and settle every op. */
  protected abstract executeBatch(ops: QueuedOp[]): void | Promise<void>;
  protected abstract readTxn(id: string): Promise<TxnRecord | undefined> | TxnRecord | undefined;
  protected abstract readByOriginalKey(key: string): Promise<TxnRecord | undefined> | TxnRecord | undefined;
  protected abstract readInFlight(before: number, limit: number): Promise<InFlightTxn[]> | InFlightTxn[];
  protected abstract readSafStats(now: number): Promise<{ depth: number; oldestAgeMs: number; flagged: number }> | { depth: number; oldestAgeMs: number; flagged: number };
  protected abstract readSafByTxn(txnId: string): Promise<SafEntry[]> | SafEntry[];
  protected abstract readHistory(id: string): Promise<TxnEvent[]> | TxnEvent[];
  protected abstract readMigrations(): Promise<AppliedMigration[]> | AppliedMigration[];
  /** Grouped fee totals of `from <= charged_at < to`; `cardRateBps` null: the recorded card-brand costs. */
  protected abstract readFeeTotals(from: number, to: number, cardRateBps: number | null): Promise<FeeTotals[]> | FeeTotals[];
  protected abstract mapReadError(e: unknown): DariError;

  /** Open the database and run pending migrations. Calling it again (or concurrently) is harmless. */
  init(): Promise<void> {
    if (this.phase === 'closing' || this.phase === 'closed') {
      return Promise.reject(coded('DARI_JOURNAL_UNAVAILABLE', `${this.label} is closed`));
    }
    if (!this.opening) {
      this.phase = 'opening';
      this.opening = this.open().then(
        () => {
          this.phase = 'open';
        },
        (e) => {
          this.phase = 'new';
          this.opening = null;
          throw e;
        },
      );
    }
    return this.opening;
  }

  record(txn: TxnRecord): Promise<void> {
    try {
      assertNoCardData(txn);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write({ kind: 'record', txn });
  }

  begin(txn: TxnRecord, options: BeginOptions = {}): Promise<DedupeHit | null> {
    try {
      assertNoCardData(txn);
    } catch (e) {
      return Promise.reject(e);
    }
    const op: WriteOp = { kind: 'begin', txn };
    if (options.dedupe) op.dedupe = { key: options.dedupe.key, windowMs: options.dedupe.windowMs, now: options.dedupe.now };
    if (options.sealedRequest !== undefined) op.sealedRequest = options.sealedRequest;
    return this.write(op);
  }

  complete(txn: TxnRecord, options: CompleteOptions = {}): Promise<void> {
    try {
      assertNoCardData(txn);
      if (options.fees) {
        checkFeeEntry(options.fees);
        if (options.fees.txnId !== txn.id) throw coded('DARI_INTERNAL_ERROR', 'journal complete: fees of another transaction');
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const op: WriteOp = { kind: 'complete', txn };
    if (options.dedupeAnswer) op.dedupeAnswer = options.dedupeAnswer;
    if (options.saf) op.saf = options.saf;
    if (options.fees) op.fees = options.fees;
    return this.write(op);
  }

  inFlightBefore(before: number, limit: number): Promise<InFlightTxn[]> {
    if (!(limit > 0)) return this.read(() => []);
    let at: number;
    try {
      at = toMs(before);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.read(() => this.readInFlight(at, Math.trunc(limit)));
  }

  get(id: string): Promise<TxnRecord | undefined> {
    return this.read(() => this.readTxn(id));
  }

  findByOriginalKey(key: string): Promise<TxnRecord | undefined> {
    return this.read(() => this.readByOriginalKey(key));
  }

  claimDedupe(key: string, txnId: string, windowMs: number, now: number): Promise<DedupeHit | null> {
    return this.write({ kind: 'claimDedupe', key, txnId, windowMs, now });
  }

  storeDedupeAnswer(key: string, answer: Record<string, string>, txnId?: string): Promise<void> {
    return this.write(txnId === undefined ? { kind: 'storeDedupeAnswer', key, answer } : { kind: 'storeDedupeAnswer', key, answer, txnId });
  }

  safEnqueue(entry: SafEntry): Promise<void> {
    return this.write({ kind: 'safEnqueue', entry });
  }

  safClaimDue(now: number, limit: number, node: string, leaseMs: number): Promise<SafEntry[]> {
    if (limit <= 0) return this.read(() => []);
    return this.write({ kind: 'safClaimDue', now, limit: Math.trunc(limit), node, leaseMs });
  }

  safUpdate(id: string, update: SafUpdate): Promise<void> {
    return this.write({ kind: 'safUpdate', id, update });
  }

  safStats(now: number): Promise<{ depth: number; oldestAgeMs: number; flagged: number }> {
    return this.read(() => this.readSafStats(now));
  }

  safByTxn(txnId: string): Promise<SafEntry[]> {
    return this.read(() => this.readSafByTxn(txnId));
  }

  recordFees(entry: FeeEntry): Promise<void> {
    try {
      checkFeeEntry(entry);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.write({ kind: 'recordFees', entry });
  }

  feeTotals(query: FeeTotalsQuery): Promise<FeeTotals[]> {
    let from: number;
    let to: number;
    let rate: number | null;
    try {
      from = toMs(query.from);
      to = toMs(query.to);
      rate = cardRateOf(query);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.read(() => this.readFeeTotals(from, to, rate));
  }

  history(id: string): Promise<TxnEvent[]> {
    return this.read(() => this.readHistory(id));
  }

  appliedMigrations(): Promise<AppliedMigration[]> {
    return this.read(() => this.readMigrations());
  }

  abstract pruneDedupe(now: number): Promise<number>;

  /** Commit what is queued, wait for running reads, then close the database. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const wasOpen = this.phase === 'open' || this.phase === 'opening';
    this.phase = 'closing';
    this.closing = (async () => {
      if (wasOpen) {
        await this.opening?.catch(() => undefined);
        await this.gc.drain();
        await Promise.allSettled([...this.reads]);
        await this.shutdown();
      }
      this.phase = 'closed';
    })();
    return this.closing;
  }

  protected unavailable(): DariError {
    const why = this.phase === 'new' || this.phase === 'opening' ? 'is not initialised (call init() first)' : 'is closed';
    return coded('DARI_JOURNAL_UNAVAILABLE', `${this.label} ${why}`);
  }

  protected write<T>(op: WriteOp): Promise<T> {
    if (this.phase !== 'open') return Promise.reject(this.unavailable());
    return new Promise<T>((resolve, reject) => {
      this.gc.push({ ...op, resolve: resolve as (v: unknown) => void, reject } as QueuedOp);
    });
  }

  protected read<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.phase !== 'open') return Promise.reject(this.unavailable());
    const p = (async () => {
      if (!this.gc.idle) await this.gc.settled();
      try {
        return await fn();
      } catch (e) {
        throw this.mapReadError(e);
      }
    })();
    this.reads.add(p);
    const forget = (): void => {
      this.reads.delete(p);
    };
    p.then(forget, forget);
    return p;
  }

  /** Report one committed transaction to onCommit (a throwing listener never breaks the journal). */
  protected reportCommit(batchSize: number, startedNs: bigint): void {
    this.reportCommitSeconds(batchSize, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  protected reportCommitSeconds(batchSize: number, seconds: number): void {
    try {
      this.onCommit?.(batchSize, seconds);
    } catch {
      /* metrics must not break the journal */
    }
  }
}
