/**
 * The store-and-forward worker: delivers queued reversals to partners until they are acknowledged
 * (0430), retrying with exponential backoff and jitter; the first attempt goes as 0420, repeats as
 * 0421 (jPOS SAF flag-retransmissions). Entries are claimed with a lease so that several hub nodes
 * sharing one database never send the same entry at once. When the retry budget runs out the entry
 * is flagged for operators and counted. The queue lives in the journal, so it survives restarts.
 */
import type { Iso8583Message } from '../codec/iso8583';
import { DariError } from '../errors';
import type { Journal, SafEntry } from '../journal/journal';
import { safChannel } from '../metrics/events';
import type { DataKey } from '../security/data-key';
import { reversalEntry, type PartnerRuntime } from './pipeline';

export interface SafOptions {
  journal: Journal;
  dataKey: DataKey;
  partners: ReadonlyMap<string, PartnerRuntime>;
  nodeId: string;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  pollMs: number;
}

/** Response codes of an 0430 that mean "try again later" rather than "acknowledged". */
const RETRY_CODES = new Set(['91', '96']);

export class SafWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private busy: Promise<void> = Promise.resolve();
  /** Epoch ms of the last dedupe prune (housekeeping, once a minute). */
  private prunedAt = 0;

  constructor(private readonly o: SafOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Run one pass now, after the pass in progress if any (tests, and after a link comes up). */
  kick(): Promise<void> {
    if (this.stopped) return this.busy;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
    return this.busy;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, ms);
    this.timer.unref();
  }

  /**
   * Chain a pass after the one in progress, so that `busy` always covers every pass started
   * (a pass started while another runs would otherwise return at once, and `stop()` would not wait
   * for the delivery in flight).
   */
  private run(): void {
    this.busy = this.busy.then(() => (this.stopped ? undefined : this.pass())).finally(() => this.schedule(this.o.pollMs));
  }

  private async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.recover();
      if (Date.now() - this.prunedAt >= 60_000) {
        this.prunedAt = Date.now();
        await this.o.journal.pruneDedupe(this.prunedAt);
      }
      const lease = 2 * Math.max(...[...this.o.partners.values()].map((p) => p.requestTimeoutMs), 1000);
      const due = await this.o.journal.safClaimDue(Date.now(), 64, this.o.nodeId, lease);
      await Promise.all(due.map((e) => this.deliver(e)));
    } catch {
      // journal unavailable: try again next pass
    } finally {
      this.running = false;
    }
  }

  /**
   * Crash recovery: a transaction still 'forwarded' long after the longest partner timeout belongs
   * to a hub that died between forwarding and answering. The partner may have acted, so it is
   * reversed from its sealed request, exactly as a timeout would have been; one still 'received'
   * never reached a partner and is closed as abandoned (96).
   */
  private async recover(): Promise<void> {
    const { journal } = this.o;
    const longest = Math.max(1000, ...[...this.o.partners.values()].map((p) => p.requestTimeoutMs));
    const stale = await journal.inFlightBefore(Date.now() - longest - 2000, 64);
    for (const { record, sealedRequest } of stale) {
      const partner = record.partner === undefined ? undefined : this.o.partners.get(record.partner);
      const at = Date.now();
      if (record.state === 'forwarded' && partner && sealedRequest) {
        const outbound = JSON.parse(this.o.dataKey.open(sealedRequest).toString('utf8')) as Iso8583Message;
        const saf = reversalEntry(this.o.dataKey, record.id, partner, outbound, partner.timeoutResponseCode, record.partnerLink);
        await journal.complete({ ...record, state: 'timed_out', at, responseCode: partner.timeoutResponseCode, detail: { ...record.detail, recovered: true } }, { saf });
        safChannel.publish({ partner: partner.id, outcome: 'recovered' });
      } else {
        await journal.complete({ ...record, state: 'answered', at, responseCode: '96', detail: { ...record.detail, abandoned: true } }, {});
      }
    }
  }

  private backoff(attempts: number): number {
    const cap = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** Math.min(attempts, 30));
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  private async deliver(e: SafEntry): Promise<void> {
    const { journal } = this.o;
    const partner = this.o.partners.get(e.partner);
    const retry = async (result: string, attempted: boolean): Promise<void> => {
      const attempts = e.attempts + (attempted ? 1 : 0);
      if (attempted && attempts >= this.o.maxAttempts) {
        await journal.safUpdate(e.id, { status: 'flagged', attempts, nextAt: Date.now(), lastResult: result });
        safChannel.publish({ partner: e.partner, outcome: 'flagged' });
        return;
      }
      await journal.safUpdate(e.id, { status: 'pending', attempts, nextAt: Date.now() + this.backoff(attempts), lastResult: result });
      safChannel.publish({ partner: e.partner, outcome: 'retry' });
    };
    if (!partner || !partner.sender.ready) return retry('link down', false);
    const msg = JSON.parse(this.o.dataKey.open(e.payload).toString('utf8')) as Iso8583Message;
    // ISO 8583:1987 4.1.2.4: a repeat of an advice is sent with function digit 1 (0421).
    msg.mti = e.attempts > 0 ? `${msg.mti.slice(0, 3)}1` : msg.mti;
    try {
      const ex = await partner.sender.request(msg, { txnId: e.txnId, ...(e.linkHint ? { preferLink: e.linkHint } : {}) });
      const code = ex.response.fields['39'] ?? '00';
      if (RETRY_CODES.has(code)) return await retry(`answered ${code}`, true);
      if (ex.investigate !== undefined) {
        // The partner settled the question the other way (e.g. refused to cancel): a person decides.
        await journal.safUpdate(e.id, { status: 'flagged', attempts: e.attempts + 1, nextAt: Date.now(), lastResult: ex.investigate });
        safChannel.publish({ partner: e.partner, outcome: 'flagged' });
        return;
      }
      await journal.safUpdate(e.id, { status: 'done', attempts: e.attempts + 1, nextAt: Date.now(), lastResult: `answered ${code}` });
      const original = await journal.get(e.txnId);
      if (original) await journal.record({ ...original, state: 'reversed', at: Date.now() });
      safChannel.publish({ partner: e.partner, outcome: 'acknowledged' });
    } catch (err) {
      if (!(err instanceof DariError)) throw err;
      const sent = (err as DariError & { sent?: boolean }).sent === true || err.code === 'DARI_LINK_TIMEOUT';
      await retry(err.code === 'DARI_LINK_TIMEOUT' ? 'timeout' : err.code, sent);
    }
  }
}
