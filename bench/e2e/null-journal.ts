/**
 * A journal that keeps nothing, for the e2e bench's `--journal=none` only: every write resolves at
 * once (no dedupe hit, nothing in flight, an empty SAF), every read finds nothing. It measures the
 * hub without its durable journal, to tell the journal's share of the latency from the rest of the
 * process. Never a hub's journal: nothing it is told survives anything.
 */
import type { AppliedMigration, JournalAdapter, TxnEvent } from '../../src/journal/common';
import type { BeginOptions, CompleteOptions, DedupeHit, FeeTotals, InFlightTxn, SafEntry, TxnRecord } from '../../src/journal/journal';

const done = Promise.resolve();

export class NullJournal implements JournalAdapter {
  onCommit?: (batchSize: number, seconds: number) => void;
  init(): Promise<void> { return done; }
  close(): Promise<void> { return done; }
  record(_txn: TxnRecord): Promise<void> { return done; }
  begin(_txn: TxnRecord, _options: BeginOptions): Promise<DedupeHit | null> { return Promise.resolve(null); }
  complete(_txn: TxnRecord, _options: CompleteOptions): Promise<void> { return done; }
  inFlightBefore(): Promise<InFlightTxn[]> { return Promise.resolve([]); }
  get(): Promise<TxnRecord | undefined> { return Promise.resolve(undefined); }
  findByOriginalKey(): Promise<TxnRecord | undefined> { return Promise.resolve(undefined); }
  claimDedupe(): Promise<DedupeHit | null> { return Promise.resolve(null); }
  storeDedupeAnswer(): Promise<void> { return done; }
  pruneDedupe(): Promise<number> { return Promise.resolve(0); }
  safEnqueue(_entry: SafEntry): Promise<void> { return done; }
  safClaimDue(): Promise<SafEntry[]> { return Promise.resolve([]); }
  safUpdate(): Promise<void> { return done; }
  safStats(): Promise<{ depth: number; oldestAgeMs: number; flagged: number }> { return Promise.resolve({ depth: 0, oldestAgeMs: 0, flagged: 0 }); }
  safByTxn(): Promise<SafEntry[]> { return Promise.resolve([]); }
  recordFees(): Promise<void> { return done; }
  feeTotals(): Promise<FeeTotals[]> { return Promise.resolve([]); }
  history(): Promise<TxnEvent[]> { return Promise.resolve([]); }
  appliedMigrations(): Promise<AppliedMigration[]> { return Promise.resolve([]); }
}
