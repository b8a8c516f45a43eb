/**
 * Prometheus metrics (prom-client), named by the Prometheus conventions (dari_..._total counters,
 * _seconds durations). They subscribe to the hub's diagnostics channels; gauges that describe state
 * (links, SAF) are read on scrape through collect callbacks.
 */
import { subscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TxnEvent } from './events';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface LinkSnapshot {
  link: string;
  partner: string;
  role: string;
  ready: boolean;
  inFlight: number;
  reconnects: number;
}

export interface StateSource {
  links(): LinkSnapshot[];
  saf(): Promise<{ depth: number; oldestAgeMs: number; flagged: number }>;
}

export class HubMetrics {
  readonly registry = new Registry();
  private readonly unsubscribers: Array<() => void> = [];

  readonly transactions = new Counter({ name: 'dari_transactions_total', help: 'Transactions answered, by message type, partner, response code and outcome', labelNames: ['type', 'partner', 'response_code', 'outcome'], registers: [this.registry] });
  readonly hubLatency = new Histogram({ name: 'dari_hub_latency_seconds', help: 'Time a transaction spends inside the hub (total minus the partner wait)', labelNames: ['partner'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly partnerWait = new Histogram({ name: 'dari_partner_wait_seconds', help: 'Time waiting for the partner answer', labelNames: ['partner'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly timeouts = new Counter({ name: 'dari_timeouts_total', help: 'Requests the partner did not answer in time', labelNames: ['partner'], registers: [this.registry] });
  readonly standIn = new Counter({ name: 'dari_stand_in_total', help: 'Requests answered by stand-in because no partner link was ready', labelNames: ['partner'], registers: [this.registry] });
  readonly lateResponses = new Counter({ name: 'dari_late_responses_total', help: 'Responses that arrived after their request timed out', labelNames: ['link'], registers: [this.registry] });
  readonly unmatchedResponses = new Counter({ name: 'dari_unmatched_responses_total', help: 'Responses that matched no pending request (unsolicited or duplicate)', labelNames: ['link'], registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'dari_duplicate_requests_total', help: 'Repeated requests answered with the original answer', labelNames: ['participant'], registers: [this.registry] });
  readonly formatErrors = new Counter({ name: 'dari_format_errors_total', help: 'Messages that failed framing, decoding or validation', labelNames: ['participant', 'code'], registers: [this.registry] });
  readonly refused = new Counter({ name: 'dari_connections_refused_total', help: 'Connections refused by the participant listener', labelNames: ['reason'], registers: [this.registry] });
  readonly partnerMessages = new Counter({ name: 'dari_partner_messages_total', help: 'ISO 20022 messages exchanged with partner switches, by direction and message type', labelNames: ['partner', 'direction', 'type'], registers: [this.registry] });
  readonly partnerProtocolErrors = new Counter({ name: 'dari_partner_protocol_errors_total', help: 'Partner messages refused or matched to nothing (nothing applied)', labelNames: ['partner', 'reason'], registers: [this.registry] });
  readonly safAttempts = new Counter({ name: 'dari_saf_attempts_total', help: 'Store-and-forward delivery attempts by outcome', labelNames: ['partner', 'outcome'], registers: [this.registry] });
  readonly commitSeconds = new Histogram({ name: 'dari_journal_commit_seconds', help: 'Journal group commit duration', buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'dari_journal_batch_size', help: 'Writes per journal group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers: [this.registry] });

  constructor(state: StateSource, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'dari_process_' });
    const links = (): LinkSnapshot[] => state.links();
    new Gauge({
      name: 'dari_link_up', help: 'Link state: 1 when signed on and ready', labelNames: ['link', 'partner', 'role'], registers: [this.registry],
      collect() { this.reset(); for (const l of links()) this.set({ link: l.link, partner: l.partner, role: l.role }, l.ready ? 1 : 0); },
    });
    new Gauge({
      name: 'dari_link_in_flight', help: 'Requests in flight per link', labelNames: ['link', 'partner'], registers: [this.registry],
      collect() { this.reset(); for (const l of links()) this.set({ link: l.link, partner: l.partner }, l.inFlight); },
    });
    new Gauge({
      name: 'dari_link_reconnects', help: 'Reconnections per link since the hub started', labelNames: ['link', 'partner'], registers: [this.registry],
      collect() { this.reset(); for (const l of links()) this.set({ link: l.link, partner: l.partner }, l.reconnects); },
    });
    // The SAF state is read on scrape. prom-client collects every metric of a scrape concurrently,
    // so each SAF gauge collects for itself from one shared read (a gauge set by another metric's
    // collect would report the previous scrape's value).
    type SafState = { depth: number; oldestAgeMs: number; flagged: number };
    let read: Promise<SafState | undefined> | undefined;
    const safState = (): Promise<SafState | undefined> => {
      read ??= state.saf().then((s) => s, () => undefined).finally(() => { read = undefined; });
      return read;
    };
    const safGauge = (name: string, help: string, pick: (s: SafState) => number): void => {
      new Gauge({
        name, help, registers: [this.registry],
        async collect() { const s = await safState(); if (s) this.set(pick(s)); },
      });
    };
    safGauge('dari_saf_depth', 'Reversals waiting in the store-and-forward queue', (s) => s.depth);
    safGauge('dari_saf_oldest_age_seconds', 'Age of the oldest pending store-and-forward entry', (s) => s.oldestAgeMs / 1000);
    safGauge('dari_saf_flagged', 'Store-and-forward entries that ran out of retries (for operators)', (s) => s.flagged);
    new Gauge({
      name: 'dari_saf_scrape_ok', help: '1 when the SAF state could be read on this scrape', registers: [this.registry],
      async collect() { this.set((await safState()) ? 1 : 0); },
    });

    // Label children cached per label set: prom-client hashes the labels on every call otherwise.
    const txnChildren = new Map<string, ReturnType<Counter['labels']>>();
    const hubChildren = new Map<string, ReturnType<Histogram['labels']>>();
    const waitChildren = new Map<string, ReturnType<Histogram['labels']>>();
    this.on('dari:txn', (m) => {
      const e = m as TxnEvent;
      const k = `${e.type}|${e.partner}|${e.code}|${e.outcome}`;
      let c = txnChildren.get(k);
      if (!c) txnChildren.set(k, (c = this.transactions.labels({ type: e.type, partner: e.partner, response_code: e.code, outcome: e.outcome })));
      c.inc();
      if (e.partner !== '') {
        let h = hubChildren.get(e.partner);
        if (!h) hubChildren.set(e.partner, (h = this.hubLatency.labels({ partner: e.partner })));
        h.observe(e.hubSeconds);
        if (e.waitSeconds > 0) {
          let w = waitChildren.get(e.partner);
          if (!w) waitChildren.set(e.partner, (w = this.partnerWait.labels({ partner: e.partner })));
          w.observe(e.waitSeconds);
        }
        if (e.outcome === 'timeout') this.timeouts.inc({ partner: e.partner });
        if (e.outcome === 'stand-in') this.standIn.inc({ partner: e.partner });
      }
    });
    this.on('dari:txn:duplicate', (m) => this.duplicates.inc({ participant: (m as { participant: string }).participant }));
    this.on('dari:txn:format-error', (m) => {
      const e = m as { participant: string; code: string };
      this.formatErrors.inc({ participant: e.participant, code: e.code });
    });
    this.on('dari:listener:refused', (m) => this.refused.inc({ reason: (m as { reason: string }).reason }));
    this.on('dari:saf', (m) => {
      const e = m as { partner: string; outcome: string };
      this.safAttempts.inc({ partner: e.partner, outcome: e.outcome });
    });
    this.on('dari:partner:message', (m) => {
      const e = m as { partner: string; direction: string; type: string };
      this.partnerMessages.inc({ partner: e.partner, direction: e.direction, type: e.type });
    });
    this.on('dari:partner:protocol-error', (m) => {
      const e = m as { partner: string; reason: string };
      this.partnerProtocolErrors.inc({ partner: e.partner, reason: e.reason });
    });
    this.on('dari:journal:commit', (m) => {
      const e = m as { batchSize: number; seconds: number };
      this.commitSeconds.observe(e.seconds);
      this.batchSize.observe(e.batchSize);
    });
    this.on('dari:link:late', (m) => this.lateResponses.inc({ link: String((m as { link?: string }).link ?? '') }));
    this.on('dari:link:unmatched', (m) => this.unmatchedResponses.inc({ link: String((m as { link?: string }).link ?? '') }));
  }

  private on(name: string, fn: (message: unknown) => void): void {
    subscribe(name, fn);
    this.unsubscribers.push(() => {
      // unsubscribe is on the module in Node 20
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('node:diagnostics_channel').unsubscribe(name, fn);
    });
  }

  close(): void {
    for (const u of this.unsubscribers.splice(0)) u();
  }
}
