/**
 * A model of the proposed journal hot path, for the e2e bench's `--journal=log` only: every write
 * is one JSON line appended to a log file, written and fdatasynced per group commit (the journal's
 * own GroupCommit: what queued up while the previous sync ran goes in the next one) into a
 * preallocated file used as a ring (so that a sync never has to flush a size change, as SQLite's
 * reused WAL file), and the dedupe claims are held in memory.
 * Reads find nothing (no tables are derived from the log here). It measures what the hub would cost
 * with that hot path, durable writes included; it is not a journal a hub could run on.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GroupCommit, type QueuedOp, type WriteOp } from '../../src/journal/common';
import type { BeginOptions, CompleteOptions, DedupeHit, FeeEntry, SafEntry, TxnRecord } from '../../src/journal/journal';
import { NullJournal } from './null-journal';

/** What is queued for each write: its content is never read (the write's line is, see `lines`). */
const QUEUED: WriteOp = { kind: 'record', txn: {} as TxnRecord };

/** Size of the preallocated log file. */
const RING_BYTES = 64 << 20;


export class LogJournal extends NullJournal {
  private fd = -1;
  private at = 0;
  private readonly claims = new Map<string, string>();
  /**
   * Each write's line, serialized when it is queued, in queue order: a batch of n ops (GroupCommit
   * hands them over in the order they were pushed, one batch at a time) owns the first n lines.
   */
  private lines: string[] = [];
  private readonly gc = new GroupCommit((ops) => this.commit(ops), () => true);

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

  override async close(): Promise<void> {
    await this.gc.drain();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  override begin(txn: TxnRecord, options: BeginOptions): Promise<DedupeHit | null> {
    if (options.dedupe) {
      const holder = this.claims.get(options.dedupe.key);
      if (holder !== undefined) return Promise.resolve({ txnId: holder, answer: null });
      this.claims.set(options.dedupe.key, txn.id);
      if (this.claims.size > 100_000) this.claims.delete(this.claims.keys().next().value as string);
    }
    const sealed = options.sealedRequest ? Buffer.from(options.sealedRequest).toString('base64') : undefined;
    return this.write({ k: 'b', txn, sealed }).then(() => null);
  }

  override complete(txn: TxnRecord, options: CompleteOptions): Promise<void> {
    return this.write({ k: 'c', txn, answer: options.dedupeAnswer, saf: options.saf && { ...options.saf, payload: undefined }, fees: options.fees && stringifyFees(options.fees) });
  }

  override record(txn: TxnRecord): Promise<void> {
    return this.write({ k: 'r', txn });
  }

  override safEnqueue(entry: SafEntry): Promise<void> {
    return this.write({ k: 's', id: entry.id });
  }

  private write(line: unknown): Promise<void> {
    this.lines.push(JSON.stringify(line));
    return new Promise((resolve, reject) => this.gc.push({ ...QUEUED, resolve: resolve as (v: unknown) => void, reject }));
  }

  /** One batch: its lines written at the ring's position and fdatasynced, then every op settled. */
  private commit(ops: QueuedOp[]): Promise<void> {
    const buf = Buffer.from(`${this.lines.splice(0, ops.length).join('\n')}\n`);
    if (this.at + buf.length > RING_BYTES) this.at = 0;
    const at = this.at;
    this.at += buf.length;
    return new Promise<void>((resolve, reject) => {
      write(this.fd, buf, 0, buf.length, at, (e) => (e ? reject(e) : fdatasync(this.fd, (s) => (s ? reject(s) : resolve()))));
    }).then(() => {
      for (const op of ops) op.resolve(undefined);
    });
  }
}

function stringifyFees(f: FeeEntry): Record<string, unknown> {
  return { ...f, amount: String(f.amount), participantFee: String(f.participantFee), partnerFee: String(f.partnerFee), cardBrandCost: String(f.cardBrandCost) };
}
