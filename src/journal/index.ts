/**
 * The journal: `openJournal` picks the adapter (PostgreSQL when a database URL is given, else the
 * embedded SQLite file), and the types are re-exported from here.
 */
import type { JournalAdapter } from './common';
import { PostgresJournal } from './postgres';
import { SqliteJournal } from './sqlite';

export type { BeginOptions, CompleteOptions, DedupeHit, InFlightTxn, Journal, SafEntry, TxnRecord, TxnState } from './journal';
export type { AppliedMigration, JournalAdapter, SafUpdate, TxnEvent } from './common';
export { assertNoCardData, CARD_DATA_KEYS, looksLikeClearPan, luhnValid } from './common';
export { MIGRATIONS, type Migration } from './migrations';
export { PostgresJournal, type PostgresJournalOptions } from './postgres';
export { SqliteJournal, type SqliteJournalOptions, type SqliteTuning } from './sqlite';

export interface OpenJournalOptions {
  /** PostgreSQL URL (DATABASE_URL); when set (non-empty) the PostgreSQL adapter is used. */
  databaseUrl?: string;
  /** SQLite file, used when no database URL is set. */
  sqlitePath: string;
  /** PostgreSQL schema (default `dari`). */
  schema?: string;
  /** PostgreSQL pool size (default 4). */
  poolSize?: number;
  /** SQLite busy timeout (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Where better-sqlite3 runs (see SqliteJournalOptions.thread; default 'worker'). */
  sqliteThread?: 'worker' | 'inline';
}

/** The journal for this configuration; call `init()` before use. */
export function openJournal(options: OpenJournalOptions): JournalAdapter {
  const url = options.databaseUrl?.trim();
  if (url) {
    return new PostgresJournal({
      connectionString: url,
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
    });
  }
  return new SqliteJournal({
    path: options.sqlitePath,
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
    ...(options.sqliteThread !== undefined ? { thread: options.sqliteThread } : {}),
  });
}
