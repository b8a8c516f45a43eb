/**
 * The hub: assembles configuration, journal, data key, partner link pools (and built-in partner
 * simulators), the participant listeners, the pipeline, the SAF worker and the operator endpoint.
 * `Hub.start()` brings it up in dependency order; `stop()` takes it down in reverse.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Iso8583Codec, loadDialect, type CompiledDialect } from '../codec/iso8583';
import type { HubConfig, MacConfig, ParticipantConfig, PartnerConfig, TlsConfig } from '../config/schema';
import { DariError } from '../errors';
import { openJournal } from '../journal';
import type { JournalAdapter } from '../journal/common';
import type { Journal } from '../journal/journal';
import { LinkPool, acceptLink, type Link, type LinkOptions } from '../link';
import { commitChannel, formatErrorChannel, refusedChannel } from '../metrics/events';
import { MetricsServer } from '../metrics/http';
import { HubMetrics, type LinkSnapshot } from '../metrics/registry';
import { loadDataKey, type DataKey } from '../security/data-key';
import { PartnerSimulator } from '../sim';
import { Iso20022PartnerSimulator } from '../sim/iso20022-partner';
import { MessageLink, MessageLinkPool } from '../link/message-link';
import { Iso20022Translator } from '../translate/iso20022';
import { loadStatusTable, StatusMapper } from '../translate/status';
import { Iso20022Partner } from './iso20022-partner';
import { loadRuntimeValidator } from './xml-validation';
import { QuoteBook, loadFxFile, parseFeeSection, parseFxSection, type FeeSchedule } from '../fx';
import { QrPaymentService } from '../services/qr/service';
import type { LocalService } from './services';
import { openSoftwareHsm, type SoftwareHsm } from '../security/hsm';
import { SqliteTrustOneStore, TrustOneHttpServer, TrustOneService, trustOneIso8583 } from '../services/trustone';
import { TRUSTONE_DEMO } from '../sim/card';
import { Pipeline, type ParticipantRuntime, type PartnerRuntime } from './pipeline';
import { Router } from './router';
import { SafWorker } from './saf';
import { responseMti } from '../link/types';

export interface HubOptions {
  /** PostgreSQL URL; defaults to process.env.DATABASE_URL. An empty string forces SQLite. */
  databaseUrl?: string;
  /** PostgreSQL schema (tests use one per run). */
  schema?: string;
  /** Environment for the data key (DARI_DATA_KEY). */
  env?: NodeJS.ProcessEnv;
  /** Skip the operator HTTP endpoint (tests that run many hubs). */
  metricsServer?: boolean;
  /** Log lines (no card data ever reaches here). */
  log?: (line: string) => void;
  /** @internal Benchmarks: this journal instead of the configured one (the e2e bench's `--journal=none`). */
  journal?: JournalAdapter;
}

interface ParticipantListener {
  server: net.Server;
  participants: Array<ParticipantRuntime & { codec: Iso8583Codec; mac: ((data: Buffer) => Buffer) | undefined }>;
  configs: ParticipantConfig[];
}

export class Hub {
  readonly config: HubConfig;
  journal!: Journal;
  metrics!: HubMetrics;
  pipeline!: Pipeline;
  saf!: SafWorker;
  private dataKey!: DataKey;
  private readonly dialects = new Map<string, CompiledDialect>();
  readonly simulators = new Map<string, PartnerSimulator>();
  readonly iso20022Simulators = new Map<string, Iso20022PartnerSimulator>();
  readonly pools = new Map<string, LinkPool>();
  readonly iso20022Partners = new Map<string, Iso20022Partner>();
  private readonly messagePools = new Map<string, MessageLinkPool>();
  private readonly partnerRuntimes = new Map<string, PartnerRuntime>();
  private readonly listeners: ParticipantListener[] = [];
  private readonly participantLinks = new Set<Link>();
  /** Transactions being handled: `stop()` lets them finish (bounded by the longest partner timeout). */
  private readonly inflight = new Set<Promise<void>>();
  private metricsServer: MetricsServer | undefined;
  /** FX quotes (when rates are configured). */
  quotes: QuoteBook | undefined;
  /** Fee schedule (when configured). */
  fees: FeeSchedule | undefined;
  /** Services added by the embedding code before start() (tests). */
  readonly extraServices: LocalService[] = [];
  /** TrustOne card-tap authentication, when configured. */
  trustone: TrustOneService | undefined;
  private trustoneApi: TrustOneHttpServer | undefined;
  private trustoneStore: SqliteTrustOneStore | undefined;
  hsm: SoftwareHsm | undefined;
  private started = false;
  /** Ports actually bound (useful with port 0). */
  readonly ports = { listener: 0, metrics: 0, trustone: 0, participants: new Map<string, number>() };

  constructor(config: HubConfig, private readonly options: HubOptions = {}) {
    this.config = config;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private dialect(name: string): CompiledDialect {
    let d = this.dialects.get(name);
    if (!d) {
      d = loadDialect(name);
      this.dialects.set(name, d);
    }
    return d;
  }

  async start(): Promise<this> {
    const c = this.config;
    const env = this.options.env ?? process.env;
    const databaseUrl = this.options.databaseUrl ?? env.DATABASE_URL ?? '';
    this.dataKey = loadDataKey(c.journal.dataKeyFile, true, env);
    const journal = this.options.journal
      ?? openJournal({ databaseUrl, sqlitePath: c.journal.sqlitePath, sqliteThread: c.journal.sqliteThread, ...(this.options.schema ? { schema: this.options.schema } : {}) });
    journal.onCommit = (batchSize, seconds) => {
      if (commitChannel.hasSubscribers) commitChannel.publish({ batchSize, seconds });
    };
    await journal.init();
    this.journal = journal;
    this.log(`journal: ${this.options.journal ? 'given by the caller' : databaseUrl ? 'PostgreSQL' : `SQLite ${c.journal.sqlitePath}`}`);

    this.metrics = new HubMetrics({ links: () => this.linkSnapshots(), saf: () => journal.safStats(Date.now()) });
    if (c.trustone) await this.startTrustOne(env);

    for (const p of c.partners) await this.startPartner(p);
    this.pipeline = new Pipeline({
      journal, dataKey: this.dataKey, router: new Router(c.routes, c.defaultRoute), partners: this.partnerRuntimes,
      dedupeWindowMs: c.journal.dedupeWindowSeconds * 1000, services: this.services(), ...(this.fees ? { fees: this.fees } : {}),
    });
    this.saf = new SafWorker({ journal, dataKey: this.dataKey, partners: this.partnerRuntimes, nodeId: c.node.id, ...c.saf });
    this.saf.start();

    await this.startListeners();
    if (this.options.metricsServer !== false) {
      this.metricsServer = new MetricsServer(this.metrics.registry, this);
      this.ports.metrics = await this.metricsServer.listen(c.metrics.host, c.metrics.port);
      this.log(`metrics: http://${c.metrics.host}:${this.ports.metrics}/metrics`);
    }
    this.started = true;
    return this;
  }

  private async startPartner(p: PartnerConfig): Promise<void> {
    if (p.protocol === 'iso20022') return this.startIso20022Partner(p);
    const dialect = this.dialect(p.dialect);
    let endpoints = p.endpoints;
    if (p.simulator) {
      const sim = new PartnerSimulator({ dialect, framing: p.framing, timeoutHintMs: p.requestTimeoutMs });
      await sim.start();
      this.simulators.set(p.id, sim);
      endpoints = [{ host: '127.0.0.1', port: sim.port }];
      this.log(`partner ${p.id}: built-in simulator on 127.0.0.1:${sim.port}`);
    }
    const codec = new Iso8583Codec(dialect);
    const mac = this.macFor(p.mac, `partners ${p.id}`);
    const links: LinkOptions[] = [];
    for (let i = 0; i < p.links; i++) {
      const ep = endpoints[i % endpoints.length] as { host: string; port: number };
      const o: LinkOptions = {
        role: 'client', id: `${p.id}#${i + 1}`, host: ep.host, port: ep.port, codec, framing: p.framing,
        requestTimeoutMs: p.requestTimeoutMs, signOn: p.signOn, echoIntervalMs: p.echoIntervalMs, ...(mac ? { mac } : {}),
      };
      if (p.tls) o.tls = tlsOptions(p.tls);
      links.push(o);
    }
    const pool = new LinkPool({ id: p.id, links });
    pool.on('state', (link, state) => {
      this.log(`link ${link}: ${state}`);
      if (state === 'ready') void this.saf?.kick();
    });
    for (const l of pool.links) l.on('late', (m) => this.log(`link ${l.id}: late response ${m.mti} STAN ${m.fields['11'] ?? '?'} (reversal already queued)`));
    pool.start();
    this.pools.set(p.id, pool);
    this.partnerRuntimes.set(p.id, {
      id: p.id, dialect, sender: pool, standInResponseCode: p.standInResponseCode, timeoutResponseCode: p.timeoutResponseCode,
      requestTimeoutMs: p.requestTimeoutMs,
    });
  }

  /**
   * An ISO 20022 partner: message links (one XML document per frame), the translator and the
   * gateway that makes them a `Sender`. Its inbound pacs.008 enter the pipeline as requests from a
   * participant named after the partner (routed like any request, e.g. by field 100 to a domestic
   * acquirer), and its returns (pacs.004) are applied to the original transaction in the journal.
   */
  private async startIso20022Partner(p: PartnerConfig): Promise<void> {
    const x = p.iso20022;
    if (!x) throw new DariError('DARI_CONFIG_INVALID', `partners ${p.id}: iso20022 settings missing`);
    let endpoints = p.endpoints;
    if (p.simulator) {
      const agent = (a: typeof x.hub) => ({ FinInstnId: { ...(a.bic ? { BICFI: a.bic } : {}), ...(a.memberId ? { ClrSysMmbId: { MmbId: a.memberId } } : {}), ...(a.name ? { Nm: a.name } : {}) } });
      const sim = new Iso20022PartnerSimulator({ framing: p.framing, self: agent(x.partner), hub: agent(x.hub), lateMs: p.requestTimeoutMs + 1000 });
      await sim.start();
      this.iso20022Simulators.set(p.id, sim);
      endpoints = [{ host: '127.0.0.1', port: sim.port }];
      this.log(`partner ${p.id}: built-in ISO 20022 simulator on 127.0.0.1:${sim.port}`);
    }
    const links: MessageLink[] = [];
    for (let i = 0; i < p.links; i++) {
      const ep = endpoints[i % endpoints.length] as { host: string; port: number };
      links.push(new MessageLink({ id: `${p.id}#${i + 1}`, role: 'client', host: ep.host, port: ep.port, framing: p.framing, ...(p.tls ? { tls: tlsOptions(p.tls) } : {}) }));
    }
    const pool = new MessageLinkPool(p.id, links);
    for (const l of links) {
      l.on('state', (state) => {
        this.log(`link ${l.id}: ${state}`);
        if (state === 'ready') void this.saf?.kick();
      });
      l.on('frameError', (e) => this.log(`link ${l.id}: ${e.code}: ${e.message} (connection closed)`));
    }
    const validate = x.xsdDir === undefined ? undefined : await loadRuntimeValidator(x.xsdDir, [
      x.paymentVersion, 'pacs.002.001.10', 'pacs.028.001.03', 'pacs.004.001.09', 'camt.056.001.08', 'camt.029.001.09', 'acmt.023.001.03', 'acmt.024.001.03',
      ...(x.header === 'none' ? [] : [x.header]),
    ]);
    const translator = new Iso20022Translator({
      partnerId: p.id, paymentVersion: x.paymentVersion, hub: x.hub, partner: x.partner, acquirers: x.acquirers, timeZone: x.timeZone,
      header: x.header, envelope: x.envelope, chargeBearer: x.chargeBearer, settlementMethod: x.settlementMethod,
      status: new StatusMapper(loadStatusTable(x.statusTable)),
      panToken: (pan) => this.dataKey.panHash(pan).slice(0, 34),
    });
    const gateway = new Iso20022Partner({
      id: p.id, pool, translator, requestTimeoutMs: p.requestTimeoutMs, statusAfterMs: x.statusAfterMs, statusIntervalMs: x.statusIntervalMs,
      ...(validate ? { validate } : {}), log: (line) => this.log(line),
    });
    const canonical = this.dialect('iso87ascii');
    const origin: ParticipantRuntime = { id: p.id, dialect: canonical };
    gateway.onInbound = ({ payment, link }) => new Promise<string>((resolve) => {
      const request = translator.inboundRequest(payment);
      const h = this.pipeline.handle(origin, link, request, (answer) => resolve(answer.fields['39'] ?? '96'));
      this.inflight.add(h);
      void h.finally(() => this.inflight.delete(h));
    });
    gateway.onReturn = (r) => void this.applyReturn(p.id, r);
    gateway.onLate = (m) => this.log(`partner ${p.id}: late ${m.type} for ${m.kind === 'status' ? `${m.uetr ?? '?'} (${m.status})` : '?'}: the timeout answer and its cancellation stand`);
    pool.start();
    this.messagePools.set(p.id, pool);
    this.iso20022Partners.set(p.id, gateway);
    this.partnerRuntimes.set(p.id, {
      id: p.id, dialect: canonical, sender: gateway, standInResponseCode: p.standInResponseCode, timeoutResponseCode: p.timeoutResponseCode,
      requestTimeoutMs: p.requestTimeoutMs,
    });
  }

  /** FX quotes and fee schedules from `fxFile` or the inline `fx:`/`fees:` sections. */
  private fxSetup(): { quotes: QuoteBook | undefined; fees: FeeSchedule | undefined } {
    const c = this.config;
    const file = c.fxFile === undefined ? undefined : loadFxFile(c.fxFile);
    const fx = file ? file.fx : c.fx === undefined ? undefined : parseFxSection(c.fx, 'fx');
    const fees = file ? file.fees : c.fees === undefined ? undefined : parseFeeSection(c.fees, 'fees');
    return { quotes: fx ? new QuoteBook({ rates: fx.rates, ttlMs: fx.quoteTtlMs, maxQuotes: fx.maxQuotes }) : undefined, fees };
  }

  /** The local services the configuration turns on (QR payments need FX rates). */
  private services(): LocalService[] {
    const out: LocalService[] = [];
    const { quotes, fees } = this.fxSetup();
    this.quotes = quotes;
    this.fees = fees;
    const q = this.config.qr;
    if (q) {
      if (!quotes) throw new DariError('DARI_CONFIG_INVALID', 'qr: QR payments need FX rates (an fx: section or fxFile)');
      out.push(new QrPaymentService({
        homeCurrency: q.homeCurrency, partners: q.partners, verifyMerchants: q.verifyMerchants, runtimes: this.partnerRuntimes,
        gateways: this.iso20022Partners, quotes, fees,
      }));
      this.log(`services: overseas QR payments (${Object.entries(q.partners).map(([k, v]) => `${k} -> ${v}`).join(', ')})`);
    }
    if (this.trustone) out.push(trustOneIso8583(this.trustone));
    return [...out, ...this.extraServices];
  }

  /**
   * The software HSM (master key from DARI_HSM_MASTER_KEY, else `hsm.masterKeyFile`, created on
   * first start), opened once when TrustOne or a link MAC needs it.
   */
  private openHsm(env: NodeJS.ProcessEnv = this.options.env ?? process.env): SoftwareHsm {
    if (!this.hsm) {
      const h = this.config.hsm;
      this.hsm = openSoftwareHsm({ storeFile: h.storeFile, masterKeyFile: h.masterKeyFile, create: true, env, warn: (m) => this.log(`hsm: ${m}`) });
    }
    return this.hsm;
  }

  /** The MAC function of a link (field 64/128), computed in the HSM with the configured key. */
  private macFor(m: MacConfig | undefined, who: string): ((data: Buffer) => Buffer) | undefined {
    if (!m) return undefined;
    const hsm = this.openHsm();
    const info = hsm.keyInfo(m.keyId);
    if (info.type !== 'mac') throw new DariError('DARI_CONFIG_INVALID', `${who}.mac.keyId: key ${m.keyId} is a ${info.type} key, not a MAC key`);
    return (data) => hsm.generateMac({ keyId: m.keyId, data, padding: m.padding });
  }

  /**
   * TrustOne: the software HSM (master key from DARI_HSM_MASTER_KEY, else a key file created on
   * first start), its store, the service and the participant HTTP API. With `demo: true` the public
   * demo participant and the public EMV test issuer key are loaded (never in production).
   */
  private async startTrustOne(env: NodeJS.ProcessEnv): Promise<void> {
    const t = this.config.trustone;
    if (!t) return;
    const hsm = this.openHsm(env);
    const participants = t.participants.map((p) => ({ id: p.id, secret: trustOneSecret(p, env) }));
    if (t.demo) {
      if (!participants.some((p) => p.id === TRUSTONE_DEMO.participant)) participants.push({ id: TRUSTONE_DEMO.participant, secret: TRUSTONE_DEMO.secret });
      if (!hsm.listKeys().some((k) => k.id === TRUSTONE_DEMO.issuerKeyId)) {
        hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: Buffer.from(TRUSTONE_DEMO.imkHex, 'hex'), id: TRUSTONE_DEMO.issuerKeyId, kcv: '08D7' });
      }
      this.log(`trustone: demo participant ${TRUSTONE_DEMO.participant} and the public EMV test issuer key loaded (demo: true; never in production)`);
    }
    const store = new SqliteTrustOneStore({ path: t.sqlitePath });
    await store.init();
    this.trustoneStore = store;
    this.trustone = new TrustOneService({ hsm, store, dataKey: this.dataKey, participants, challengeTtlMs: t.challengeTtlMs, registry: this.metrics.registry });
    this.trustoneApi = new TrustOneHttpServer(this.trustone, {
      host: t.host, port: t.port, replayWindowS: t.replayWindowSeconds,
      ...(t.tls ? { tls: { ...tlsOptions(t.tls), requestCert: t.tls.requestCert, rejectUnauthorized: t.tls.requestCert } } : {}),
    });
    this.ports.trustone = await this.trustoneApi.start();
    this.log(`trustone: participant API on ${t.tls ? 'https' : 'http'}://${t.host}:${this.ports.trustone}`);
  }

  /** A pacs.004 from a partner: the original payment is marked returned (state reversed) with the return's detail. */
  private async applyReturn(partner: string, r: { txnId: string | undefined; uetr: string | undefined; amount: string | undefined; currency: string | undefined; reason: string | undefined }): Promise<void> {
    const original = r.txnId === undefined ? undefined : await this.journal.get(r.txnId);
    if (!original || original.partner !== partner) {
      this.log(`partner ${partner}: DARI_PARTNER_PROTOCOL: pacs.004 for ${r.uetr ?? r.txnId ?? 'an unknown payment'} names no payment sent to it`);
      return;
    }
    await this.journal.record({ ...original, state: 'reversed', at: Date.now(), detail: { ...original.detail, returned: { amount: r.amount, currency: r.currency, reason: r.reason } } });
    this.log(`partner ${partner}: payment ${original.id} returned (${r.amount ?? '?'} ${r.currency ?? ''}, reason ${r.reason ?? 'none'})`);
  }

  private async startListeners(): Promise<void> {
    const c = this.config;
    const shared = c.participants.filter((p) => !p.listen);
    if (shared.length > 0) {
      this.ports.listener = await this.listen(shared, c.listener.host, c.listener.port);
      this.log(`participants: listening on ${c.listener.host}:${this.ports.listener} (${shared.map((p) => p.id).join(', ')})`);
    }
    for (const p of c.participants.filter((x) => x.listen)) {
      const l = p.listen as { host: string; port: number };
      const port = await this.listen([p], l.host, l.port, p.tls);
      this.ports.participants.set(p.id, port);
      this.log(`participant ${p.id}: listening on ${l.host}:${port}${p.tls ? ' (TLS)' : ''}`);
    }
  }

  private async listen(configs: ParticipantConfig[], host: string, port: number, tlsConfig?: TlsConfig): Promise<number> {
    // One codec per participant, shared by its connections (pack and unpack are synchronous).
    const participants = configs.map((p) => {
      const dialect = this.dialect(p.dialect);
      return { id: p.id, dialect, codec: new Iso8583Codec(dialect), mac: this.macFor(p.mac, `participants ${p.id}`) };
    });
    const onSocket = (socket: net.Socket): void => this.accept(socket, configs, participants);
    const server = tlsConfig
      ? tls.createServer({ ...tlsOptions(tlsConfig), requestCert: tlsConfig.requestCert, rejectUnauthorized: tlsConfig.requestCert }, onSocket)
      : net.createServer(onSocket);
    server.on('error', (e) => this.log(`listener error: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listeners.push({ server, participants, configs });
    return (server.address() as net.AddressInfo).port;
  }

  /** A new participant connection: identify by source address, refuse unknown peers. */
  private accept(socket: net.Socket, configs: ParticipantConfig[], participants: Array<ParticipantRuntime & { codec: Iso8583Codec; mac: ((data: Buffer) => Buffer) | undefined }>): void {
    const addr = socket.remoteAddress ?? '';
    const idx = configs.findIndex((p) => p.allow.includes(addr));
    const cfg = configs[idx];
    const participant = participants[idx];
    if (!cfg || !participant) {
      refusedChannel.publish({ reason: 'unknown-peer', address: addr });
      this.log(`refused connection from ${addr}: no participant allows this address`);
      socket.destroy();
      return;
    }
    const link = acceptLink(socket, {
      id: `${cfg.id}@${addr}:${socket.remotePort ?? 0}`, codec: participant.codec, framing: cfg.framing, ...(participant.mac ? { mac: participant.mac } : {}),
      onRequest: (msg, reply, linkId) => {
        const p = this.pipeline.handle(participant, linkId, msg, reply);
        this.inflight.add(p);
        void p.finally(() => this.inflight.delete(p));
      },
    });
    link.on('formatError', (err, info) => {
      formatErrorChannel.publish({ participant: cfg.id, code: err.code });
      this.log(`participant ${cfg.id}: ${err.code}: ${err.message}`);
      // ISO 8583:1987 field 39 = 30 (format error) where the MTI is readable; otherwise nothing can
      // be answered, and the connection is closed (DESIGN.md section 6).
      // 63 (security violation) for a missing or wrong MAC, 30 (format error) otherwise.
      if (info.reply && info.mti) info.reply({ mti: responseMti(info.mti), fields: { ...info.fields, '39': err.code === 'DARI_LINK_MAC_INVALID' ? '63' : '30' } });
      else {
        this.log(`participant ${cfg.id}: no request MTI to answer (connection closed)`);
        void link.close();
      }
    });
    link.on('frameError', (err) => {
      formatErrorChannel.publish({ participant: cfg.id, code: err.code });
      this.log(`participant ${cfg.id}: ${err.code}: ${err.message} (connection closed)`);
    });
    link.on('disconnect', () => this.participantLinks.delete(link));
    this.participantLinks.add(link);
  }

  /**
   * Demo support: a built-in ISO 20022 simulator originates an inbound payment (pacs.008) to this
   * hub; resolves with the hub's pacs.002 status. Undefined when the partner has no built-in simulator.
   */
  simulatePayment(partner: string, body: unknown): Promise<unknown> | undefined {
    const sim = this.iso20022Simulators.get(partner);
    if (!sim) return undefined;
    const b = (body ?? {}) as Record<string, unknown>;
    const s = (k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
    const amount = s('amount');
    const currency = s('currency');
    const creditorName = s('creditorName');
    const memberId = s('memberId');
    if (!amount || !currency || !creditorName || !memberId) return Promise.reject(new Error('amount, currency, creditorName and memberId are required'));
    return sim.sendPayment({
      amount, currency, creditorName, memberId,
      ...(s('creditorCity') ? { creditorCity: s('creditorCity') as string } : {}),
      ...(s('creditorCountry') ? { creditorCountry: s('creditorCountry') as string } : {}),
      ...(s('merchantId') ? { merchantId: s('merchantId') as string } : {}),
    });
  }

  linkSnapshots(): LinkSnapshot[] {
    const out: LinkSnapshot[] = [];
    for (const [partner, pool] of this.pools) {
      for (const l of pool.links) {
        const s = l.stats();
        out.push({ link: l.id, partner, role: 'client', ready: l.ready, inFlight: s.inFlight, reconnects: Math.max(0, s.connects - 1) });
      }
    }
    for (const [partner, pool] of this.messagePools) {
      for (const l of pool.links) out.push({ link: l.id, partner, role: 'client', ready: l.ready, inFlight: l.inFlight, reconnects: Math.max(0, l.connections - 1) });
    }
    for (const l of this.participantLinks) {
      const s = l.stats();
      out.push({ link: l.id, partner: '', role: 'server', ready: l.ready, inFlight: s.inFlight, reconnects: 0 });
    }
    return out;
  }

  ready(): { ready: boolean; detail: Record<string, unknown> } {
    const partners: Record<string, number> = {};
    for (const [id, pool] of this.pools) partners[id] = pool.links.filter((l) => l.ready).length;
    for (const [id, pool] of this.messagePools) partners[id] = pool.links.filter((l) => l.ready).length;
    return { ready: this.started && this.listeners.every((l) => l.server.listening), detail: { partnersReadyLinks: partners } };
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const l of this.listeners.splice(0)) l.server.close();
    // Drain: every request already read gets its answer (a timeout answer at worst) before the links close.
    if (this.inflight.size > 0) {
      const bound = Math.max(1000, ...this.config.partners.map((p) => p.requestTimeoutMs)) + 1000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inflight]),
        new Promise((resolve) => { timer = setTimeout(resolve, bound); }),
      ]);
      clearTimeout(timer);
    }
    await Promise.all([...this.participantLinks].map((l) => l.close()));
    this.participantLinks.clear();
    await this.saf?.stop();
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
    for (const g of this.iso20022Partners.values()) g.close();
    this.iso20022Partners.clear();
    await Promise.all([...this.messagePools.values()].map((p) => p.close()));
    this.messagePools.clear();
    await Promise.all([...this.simulators.values()].map((s) => s.stop()));
    this.simulators.clear();
    await Promise.all([...this.iso20022Simulators.values()].map((s) => s.stop()));
    this.iso20022Simulators.clear();
    await this.trustoneApi?.stop();
    await this.trustoneStore?.close();
    await this.metricsServer?.close();
    this.metrics?.close();
    await this.journal?.close();
  }
}

/** A TrustOne API participant's secret: DARI_TRUSTONE_SECRET_<ID> (upper case, other characters as _), else its file. */
function trustOneSecret(p: { id: string; secretFile?: string }, env: NodeJS.ProcessEnv): string {
  const name = `DARI_TRUSTONE_SECRET_${p.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const v = env[name] ?? (p.secretFile !== undefined ? readSecret(p.secretFile) : undefined);
  if (v === undefined || !/^([0-9a-fA-F]{2}){16,64}$/.test(v.trim())) {
    throw new DariError('DARI_CONFIG_INVALID', `trustone.participants ${p.id}: set ${name} (or secretFile) to 32 to 128 hex digits`);
  }
  return v.trim();
}

function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new DariError('DARI_CONFIG_NOT_FOUND', `trustone: cannot read secret file ${file}`);
  }
}

function tlsOptions(t: TlsConfig): tls.SecureContextOptions {
  const read = (f: string | undefined): Buffer | undefined => {
    if (f === undefined) return undefined;
    try {
      return readFileSync(f);
    } catch {
      throw new DariError('DARI_CONFIG_NOT_FOUND', `tls: cannot read ${f}`);
    }
  };
  const o: tls.SecureContextOptions = {};
  const cert = read(t.cert);
  const key = read(t.key);
  const ca = read(t.ca);
  if (cert) o.cert = cert;
  if (key) o.key = key;
  if (ca) o.ca = ca;
  return o;
}
