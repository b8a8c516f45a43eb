/**
 * The journal: one interface, two adapters (SQLite embedded default, PostgreSQL when DATABASE_URL is
 * set), one shared test suite. It holds every transaction's states, the dedupe answers, the
 * store-and-forward (SAF) queue of reversals, and the fees charged per transaction.
 *
 * Durability contract: a promise returned by a write resolves only once the write is durable
 * (committed with fsync). Writes issued in the same event-loop turn are committed together in one
 * transaction (group commit), so durability costs one fsync per batch, not per transaction.
 *
 * Card data: the journal never receives track data, PIN blocks, CVV or clear field 55 card tags;
 * the PAN arrives only as `panMasked` + `panHash` (a keyed hash). SAF payloads, which must carry the
 * PAN to the partner, are stored encrypted (`payload` is opaque ciphertext produced by the caller).
 */

/** The states a transaction goes through, in journal order. */
export type TxnState =
  | 'received' // request accepted from the originator
  | 'forwarded' // sent to the partner
  | 'answered' // final answer known (from the partner, stand-in, dedupe or local decision)
  | 'timed_out' // no answer in time: originator answered with the timeout code, reversal queued
  | 'late' // a response arrived after the timeout (recorded, reversal already queued)
  | 'reversed'; // the reversal was acknowledged by the partner

export interface TxnRecord {
  /** Hub-wide unique id (ULID/UUID) of the transaction. */
  id: string;
  state: TxnState;
  /** Epoch milliseconds of this state change. */
  at: number;
  /** Originating participant and link ids. */
  participant: string;
  link?: string;
  /** Request MTI as received, e.g. "0200". */
  mti: string;
  processingCode?: string;
  /** Field 11, 37, 41, 7 (MMDDhhmmss) as carried. */
  stan?: string;
  rrn?: string;
  terminal?: string;
  transmission?: string;
  /** Amount in minor units as a decimal string, with the ISO 4217 numeric currency. */
  amount?: string;
  currency?: string;
  /** Partner the transaction was routed to, and the link used. */
  partner?: string;
  partnerLink?: string;
  /** Field 39 of the final answer. */
  responseCode?: string;
  /** First 6 / last 4 PAN and an HMAC-SHA-256 of the PAN under the hub's data key (hex). */
  panMasked?: string;
  panHash?: string;
  /** Dedupe key (see switch/dedupe); unique per window. */
  dedupeKey?: string;
  /** Matching key of the original for reversals (field 90 based). */
  originalKey?: string;
  /** Free-form JSON detail (no card data), e.g. the masked answer fields. */
  detail?: Record<string, unknown>;
}

/** One reversal (or advice) waiting to be delivered to a partner. */
export interface SafEntry {
  id: string;
  /** The transaction it reverses. */
  txnId: string;
  partner: string;
  /** The link the original went out on (a reversal prefers it). */
  linkHint?: string;
  /** MTI of the first attempt (0420); repeats are sent as 0421 (flag-retransmission). */
  mti: string;
  /** Opaque, encrypted message payload (the caller encrypts and decrypts). */
  payload: Buffer;
  attempts: number;
  /** Epoch ms when the next attempt is due. */
  nextAt: number;
  createdAt: number;
  status: 'pending' | 'done' | 'flagged';
  /** Last outcome, for operators (response code, "timeout", "link down"). */
  lastResult?: string;
}

/** What `begin` writes besides the transaction record. */
export interface BeginOptions {
  /** Claim this dedupe key for the transaction (atomic, unique across nodes). */
  dedupe?: { key: string; windowMs: number; now: number };
  /**
   * The outbound request, sealed with the data key (it carries the PAN): kept while the transaction
   * is in flight so that a restarted hub can queue its reversal; cleared by `complete`.
   */
  sealedRequest?: Buffer;
}

/** What `complete` writes besides the final transaction record. */
export interface CompleteOptions {
  /** The answer stored under the transaction's dedupe key (card data removed). */
  dedupeAnswer?: { key: string; answer: Record<string, string> };
  /** A reversal to queue in the same durable write (timeouts). */
  saf?: SafEntry;
  /**
   * The transaction's fees (an approved financial transaction), recorded in the same durable write
   * as its answer, so that a hub that stops right after answering never loses them (a separate
   * recordFees after the answer could be lost that way). A malformed entry rejects the whole write.
   */
  fees?: FeeEntry;
}

/** A transaction left in flight (state 'received' or 'forwarded'), with its sealed request if any. */
export interface InFlightTxn {
  record: TxnRecord;
  sealedRequest: Buffer | undefined;
}

export interface DedupeHit {
  txnId: string;
  /** The stored answer (the exact message fields sent back, card data masked out), or null while in flight. */
  answer: Record<string, string> | null;
}

/**
 * The fees of one transaction, for settlement and `dari report fees`. One row per transaction: a
 * later entry for the same `txnId` replaces the earlier one (a retried write is harmless; a
 * correction, e.g. fees refunded on a reversal, is recorded again with the new figures).
 * Every amount is in minor units of `currency` (see src/fx: amounts and rounding).
 */
export interface FeeEntry {
  txnId: string;
  /** Epoch milliseconds when the fees were charged; reports select by it. */
  at: number;
  participant: string;
  partner: string;
  /** ISO 4217 alphabetic code ("KRW") of the amount and of every fee. */
  currency: string;
  /** 0 to 99999999999999 (14 digits) each. */
  amount: bigint;
  participantFee: bigint;
  partnerFee: bigint;
  /** What the amount would have cost over a card-brand route. */
  cardBrandCost: bigint;
  /** The FX quote the transaction used and its locked rate (decimal string), when it converted. */
  quoteId?: string;
  rate?: string;
}

/** Fee totals of the entries with `from <= at < to` (epoch ms). */
export interface FeeTotalsQuery {
  from: number;
  to: number;
  /**
   * Recompute each entry's card-brand cost at this rate (basis points, half up per entry) instead
   * of the cost recorded with it.
   */
  cardRateBps?: number;
}

/** One group of fee entries: same participant, partner and currency. */
export interface FeeTotals {
  participant: string;
  partner: string;
  currency: string;
  count: number;
  amount: bigint;
  participantFees: bigint;
  partnerFees: bigint;
  cardBrandCost: bigint;
  /** cardBrandCost - participantFees - partnerFees (negative when the fees exceed the card route). */
  saving: bigint;
}

export interface Journal {
  /** Open, run pending migrations (versioned, each once). */
  init(): Promise<void>;
  /** Record a transaction state (insert or update by id). Resolves when durable. */
  record(txn: TxnRecord): Promise<void>;
  /**
   * The hot path's first write, durable before the request is forwarded: claim the dedupe key and
   * record the transaction (with its sealed request) in one operation. Returns the earlier holder
   * when the key is taken, and then writes nothing.
   */
  begin(txn: TxnRecord, options: BeginOptions): Promise<DedupeHit | null>;
  /**
   * The hot path's last write, durable before the answer is sent: the final record, the dedupe
   * answer and (on a timeout) the reversal, in one operation; the sealed request is cleared.
   */
  complete(txn: TxnRecord, options: CompleteOptions): Promise<void>;
  /**
   * Crash recovery: transactions still 'received' or 'forwarded' whose last state change is older
   * than `before` (epoch ms), oldest first.
   */
  inFlightBefore(before: number, limit: number): Promise<InFlightTxn[]>;
  /** A transaction by id. */
  get(id: string): Promise<TxnRecord | undefined>;
  /** Find the latest transaction with this original key (reversal matching). */
  findByOriginalKey(key: string): Promise<TxnRecord | undefined>;

  /**
   * Claim a dedupe key for a transaction. Returns null when the key was free (now taken by txnId,
   * for `windowMs`), or the earlier holder with its stored answer. Atomic across hub nodes sharing
   * the database (unique key).
   */
  claimDedupe(key: string, txnId: string, windowMs: number, now: number): Promise<DedupeHit | null>;
  /** Store the answer of the transaction holding the key (only while `txnId` holds it). Resolves when durable. */
  storeDedupeAnswer(key: string, answer: Record<string, string>, txnId?: string): Promise<void>;

  /** Delete dedupe keys whose window has passed; returns how many. */
  pruneDedupe(now: number): Promise<number>;

  /** Enqueue a SAF entry. Resolves when durable. */
  safEnqueue(entry: SafEntry): Promise<void>;
  /**
   * Claim up to `limit` pending entries due at `now`, leasing them to `node` for `leaseMs`
   * (PostgreSQL: FOR UPDATE SKIP LOCKED), so two nodes never send the same entry at once.
   */
  safClaimDue(now: number, limit: number, node: string, leaseMs: number): Promise<SafEntry[]>;
  /** After an attempt: done (acknowledged), pending again at `nextAt`, or flagged for operators. */
  safUpdate(id: string, update: { status: SafEntry['status']; attempts: number; nextAt: number; lastResult?: string }): Promise<void>;
  /** Depth (pending entries) and the age in ms of the oldest pending entry (0 when empty). */
  safStats(now: number): Promise<{ depth: number; oldestAgeMs: number; flagged: number }>;
  /** Every SAF entry of a transaction (for tests and operators). */
  safByTxn(txnId: string): Promise<SafEntry[]>;

  /** Record (or replace) the fees of a transaction. Resolves when durable (group commit, like every write). */
  recordFees(entry: FeeEntry): Promise<void>;
  /** Totals per participant, partner and currency, sorted by them (by code unit). */
  feeTotals(query: FeeTotalsQuery): Promise<FeeTotals[]>;

  /** Commit statistics for metrics: called with each batch's size and commit seconds. */
  onCommit?: (batchSize: number, seconds: number) => void;

  /** Flush pending writes and close. */
  close(): Promise<void>;
}
