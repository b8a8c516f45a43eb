/**
 * A model of the proposed journal hot path, for the e2e bench's `--journal=log` only: every write
 * is one JSON line appended to a log file, written and fdatasynced per group commit (what queued
 * up while the previous sync ran goes in the next one) into a preallocated file used as a ring
 * (so that a sync never has to flush a size change, as SQLite's reused WAL file), and the dedupe
 * claims are held in memory.
 * Reads find nothing (no tables are derived from the log here). It measures what the hub would cost
 * with that hot path, durable writes included; it is not a journal a hub could run on.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BeginOptions, CompleteOptions, DedupeHit, FeeEntry, SafEntry, TxnRecord } from '../../src/journal/journal';
import { NullJournal } from './null-journal';

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

/** Size of the preallocated log file. */
const RING_BYTES = 64 << 20;

export class LogJournal extends NullJournal {
  private fd = -1;
  private at = 0;
  private lines: string[] = [];
  private waiters: Waiter[] = [];
  private busy = false;
  private scheduled = false;
  private readonly claims = new Map<string, string>();

  constructor(private readonly dir: string) {
    super();
  }

  override init(): Promise<void> {
    this.fd = openSync(join(this.dir, 'hot.log'), 'w+');
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < RING_BYTES / zeros.length; i++) writeSync(this.fd, zeros, 0, zeros.length, i * zeros.length);
    fdatasyncSync(this.fd);
    return Promise.resolve();
  }

  override close(): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    return Promise.resolve();
  }

  override begin(txn: TxnRecord, options: BeginOptions): Promise<DedupeHit | null> {
    if (options.dedupe) {
      const holder = this.claims.get(options.dedupe.key);
      if (holder !== undefined) return Promise.resolve({ txnId: holder, answer: null });
      this.claims.set(options.dedupe.key, txn.id);
      if (this.claims.size > 100_000) this.claims.delete(this.claims.keys().next().value as string);
    }
    const sealed = options.sealedRequest ? Buffer.from(options.sealedRequest).toString('base64') : undefined;
    return this.append({ k: 'b', txn, sealed }).then(() => null);
  }

  override complete(txn: TxnRecord, options: CompleteOptions): Promise<void> {
    return this.append({ k: 'c', txn, answer: options.dedupeAnswer, saf: options.saf && { ...options.saf, payload: undefined }, fees: options.fees && stringifyFees(options.fees) });
  }

  override record(txn: TxnRecord): Promise<void> {
    return this.append({ k: 'r', txn });
  }

  override safEnqueue(entry: SafEntry): Promise<void> {
    return this.append({ k: 's', id: entry.id });
  }

  private append(entry: unknown): Promise<void> {
    this.lines.push(JSON.stringify(entry));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.busy || this.lines.length === 0) return;
    this.busy = true;
    const buf = Buffer.from(`${this.lines.join('\n')}\n`);
    const waiters = this.waiters;
    this.lines = [];
    this.waiters = [];
    const done = (e: unknown): void => {
      this.busy = false;
      for (const w of waiters) (e ? w.reject(e) : w.resolve());
      if (this.lines.length > 0) this.flush();
    };
    if (this.at + buf.length > RING_BYTES) this.at = 0;
    const at = this.at;
    this.at += buf.length;
    write(this.fd, buf, 0, buf.length, at, (e) => (e ? done(e) : fdatasync(this.fd, done)));
  }
}

function stringifyFees(f: FeeEntry): Record<string, unknown> {
  return { ...f, amount: String(f.amount), participantFee: String(f.participantFee), partnerFee: String(f.partnerFee), cardBrandCost: String(f.cardBrandCost) };
}
