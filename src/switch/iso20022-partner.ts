/**
 * An ISO 20022 partner switch behind the same `Sender` contract as an ISO 8583 pool, so the
 * pipeline, the SAF queue and stand-in work unchanged:
 *
 * - a 0100/0200 goes out as a pacs.008; its answer is the pacs.002 naming it (OrgnlUETR, else
 *   OrgnlTxId, else OrgnlMsgId + OrgnlEndToEndId). Pending statuses (ACSP, ACTC, PDNG, ACWP) keep
 *   it open. When no final status has come `statusAfterMs` after sending, a pacs.028 asks for it,
 *   then again every `statusIntervalMs`; still unknown when the budget (`requestTimeoutMs`) ends,
 *   the request fails with DARI_LINK_TIMEOUT (sent), so the pipeline answers the timeout code (68)
 *   and queues the reversal, which this partner carries as a camt.056;
 * - a 0420/0421 (reversal, from the SAF queue) goes out as a camt.056 for the original payment;
 *   camt.029 CNCL acknowledges it, RJCR with NOOR (no original received) too; any other RJCR
 *   leaves the payment standing and is flagged for investigation;
 * - pacs.004 returns are reported (`onReturn`) so the hub applies them to the original transaction;
 * - pacs.008 from the partner are inbound payments (`onInbound`): the hub routes them to a domestic
 *   participant and answers with the pacs.002 this class builds.
 *
 * Every outbound message is validated against its XSD when a validator is configured; every inbound
 * one too, and an invalid or unmatchable one is a protocol error: counted, logged, nothing applied
 * (the transaction it may have been about stays open and is recovered by the status request).
 */
import { performance } from 'node:perf_hooks';
import type { Iso8583Message } from '../codec/iso8583';
import { checkMessage, type CheckedXml } from '../codec/iso20022';
import { DariError, isDariError } from '../errors';
import { LinkError } from '../link/errors';
import type { MessageLink, MessageLinkPool } from '../link/message-link';
import { responseMti, type Exchange, type SendOptions, type Sender } from '../link/types';
import { partnerProtocolChannel, partnerMessageChannel } from '../metrics/events';
import { uuidv7 } from './ids';
import { txIdOf } from '../translate/ids';
import type { Incoming, InboundPayment, Iso20022Translator, PaymentRefs } from '../translate/iso20022';
import type { RuntimeValidator } from './xml-validation';

export interface Iso20022PartnerOptions {
  id: string;
  pool: MessageLinkPool;
  translator: Iso20022Translator;
  /** Budget for a final answer (then: timeout code to the originator, cancellation queued). */
  requestTimeoutMs: number;
  /** Silence after which the first pacs.028 is sent. */
  statusAfterMs: number;
  statusIntervalMs: number;
  /** XSD validation of every message in and out (undefined: off). */
  validate?: RuntimeValidator;
  log?: (line: string) => void;
}

export interface InboundHandling {
  payment: InboundPayment;
  link: string;
}

/** Decides an inbound payment: resolves with field 39 of the domestic answer. */
export type InboundHandler = (inbound: InboundHandling) => Promise<string>;

export interface VerificationResult {
  verified: boolean;
  /** The account holder's name as the partner knows it (for a merchant: its registered name). */
  name: string | undefined;
  reason: string | undefined;
}

export interface ReturnNotice {
  txnId: string | undefined;
  uetr: string | undefined;
  amount: string | undefined;
  currency: string | undefined;
  reason: string | undefined;
}

interface Pending {
  kind: 'payment' | 'cancellation';
  refs: PaymentRefs;
  request: Iso8583Message;
  link: MessageLink;
  sentAt: number;
  resolve: (ex: Exchange) => void;
  reject: (e: LinkError) => void;
  deadline: NodeJS.Timeout;
  status: NodeJS.Timeout | undefined;
  statusRequests: number;
  lastStatus: string | undefined;
}

/** camt.029 rejection reasons that still mean "nothing to cancel": the original never arrived. */
const NOTHING_TO_CANCEL = new Set(['NOOR']);

export class Iso20022Partner implements Sender {
  readonly id: string;
  /** Keyed by UETR (payments) and `C|` + UETR (cancellations). */
  private readonly pending = new Map<string, Pending>();
  /** acmt.023 verifications waiting for their acmt.024, by verification id. */
  private readonly verifications = new Map<string, { resolve: (v: VerificationResult) => void; reject: (e: LinkError) => void; timer: NodeJS.Timeout; link: MessageLink }>();
  private seq = Math.floor(Math.random() * 100);
  onInbound: InboundHandler | undefined;
  onReturn: ((r: ReturnNotice) => void) | undefined;
  onLate: ((refs: Incoming) => void) | undefined;

  constructor(private readonly o: Iso20022PartnerOptions) {
    this.id = o.id;
    for (const l of o.pool.links) l.on('message', (body, link) => this.receive(body, link));
  }

  get ready(): boolean {
    return this.o.pool.ready;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request(msg: Iso8583Message, options: SendOptions = {}): Promise<Exchange> {
    const fn = msg.mti[1];
    if (fn === '4') return this.cancellation(msg, options);
    if (fn === '1' || fn === '2') return this.payment(msg, options);
    return Promise.reject(new LinkError('DARI_TRANSLATE_UNMAPPED', `partner ${this.id} speaks ISO 20022: MTI ${msg.mti} has no equivalent`, false));
  }

  private payment(msg: Iso8583Message, options: SendOptions): Promise<Exchange> {
    const txnId = options.txnId ?? uuidv7();
    let out: { xml: string; refs: PaymentRefs };
    try {
      out = this.o.translator.payment(msg, txnId);
      this.checkOutbound(out.xml, out.refs.type);
    } catch (e) {
      return Promise.reject(LinkError.notSent(e));
    }
    return this.send('payment', out.refs.uetr, out.xml, out.refs, msg, options);
  }

  private cancellation(msg: Iso8583Message, options: SendOptions): Promise<Exchange> {
    if (options.txnId === undefined) {
      return Promise.reject(new LinkError('DARI_TRANSLATE_UNMAPPED', `partner ${this.id}: a cancellation needs the original transaction id`, false));
    }
    let out: { xml: string; refs: PaymentRefs };
    try {
      out = this.o.translator.cancellation(msg, options.txnId, this.nextSeq());
      this.checkOutbound(out.xml, out.refs.type);
    } catch (e) {
      return Promise.reject(LinkError.notSent(e));
    }
    return this.send('cancellation', `C|${out.refs.uetr}`, out.xml, out.refs, msg, options);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 100;
    return this.seq;
  }

  private checkOutbound(xml: string, type: string): void {
    const errors = this.o.validate?.outbound(xml) ?? [];
    if (errors.length > 0) throw new DariError('DARI_XML_SCHEMA_INVALID', `outbound ${type} fails its schema: ${errors.slice(0, 3).join('; ')}`);
  }

  private send(kind: Pending['kind'], key: string, xml: string, refs: PaymentRefs, request: Iso8583Message, options: SendOptions): Promise<Exchange> {
    if (this.pending.has(key)) {
      return Promise.reject(new LinkError('DARI_LINK_DUPLICATE_KEY', `partner ${this.id}: ${kind} ${refs.uetr} is already pending`, false));
    }
    const link = this.o.pool.pick(options.preferLink);
    if (!link) return Promise.reject(new LinkError('DARI_LINK_NOT_READY', `partner ${this.id}: no connected link`, false));
    return new Promise<Exchange>((resolve, reject) => {
      const budget = options.timeoutMs ?? this.o.requestTimeoutMs;
      const p: Pending = {
        kind, refs, request, link, sentAt: performance.now(), resolve, reject, statusRequests: 0, lastStatus: undefined,
        deadline: setTimeout(() => this.expire(key), budget),
        status: kind === 'payment' && this.o.statusAfterMs < budget ? setTimeout(() => this.askStatus(key), this.o.statusAfterMs) : undefined,
      };
      this.pending.set(key, p);
      try {
        link.send(xml);
      } catch (e) {
        this.settle(key);
        reject(LinkError.notSent(e));
        return;
      }
      link.inFlight++;
      if (partnerMessageChannel.hasSubscribers) partnerMessageChannel.publish({ partner: this.id, direction: 'out', type: refs.type });
    });
  }

  /** Remove a pending entry and its timers; undefined when it was already settled. */
  private settle(key: string): Pending | undefined {
    const p = this.pending.get(key);
    if (!p) return undefined;
    this.pending.delete(key);
    clearTimeout(p.deadline);
    if (p.status) clearTimeout(p.status);
    p.link.inFlight = Math.max(0, p.link.inFlight - 1);
    return p;
  }

  private expire(key: string): void {
    const p = this.settle(key);
    if (!p) return;
    const what = p.kind === 'payment' ? `no final status for payment ${p.refs.uetr}` : `no answer to cancellation of ${p.refs.uetr}`;
    const detail = p.statusRequests > 0 ? ` after ${p.statusRequests} status request(s)${p.lastStatus ? `, last status ${p.lastStatus}` : ''}` : '';
    const err = new LinkError('DARI_LINK_TIMEOUT', `partner ${this.id}: ${what}${detail}`, true);
    err.link = p.link.id;
    p.reject(err);
  }

  /**
   * Ask the partner to confirm an account before paying it (acmt.023 -> acmt.024). Rejects with
   * DARI_LINK_NOT_READY (nothing sent) or DARI_LINK_TIMEOUT (no report in time); nothing is paid
   * either way, so the caller may decline or go on without the check.
   */
  verify(v: { account: string; scheme?: string; name?: string; agentMemberId?: string }, timeoutMs = this.o.requestTimeoutMs): Promise<VerificationResult> {
    const id = `V${txIdOf(uuidv7())}`.slice(0, 35);
    let xml: string;
    try {
      xml = this.o.translator.verification({ id, ...v });
      this.checkOutbound(xml, 'acmt.023.001.03');
    } catch (e) {
      return Promise.reject(LinkError.notSent(e));
    }
    const link = this.o.pool.pick();
    if (!link) return Promise.reject(new LinkError('DARI_LINK_NOT_READY', `partner ${this.id}: no connected link`, false));
    return new Promise<VerificationResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.verifications.delete(id);
        link.inFlight = Math.max(0, link.inFlight - 1);
        const err = new LinkError('DARI_LINK_TIMEOUT', `partner ${this.id}: no acmt.024 for verification ${id}`, true);
        err.link = link.id;
        reject(err);
      }, timeoutMs);
      this.verifications.set(id, { resolve, reject, timer, link });
      try {
        link.send(xml);
      } catch (e) {
        clearTimeout(timer);
        this.verifications.delete(id);
        reject(LinkError.notSent(e));
        return;
      }
      link.inFlight++;
      if (partnerMessageChannel.hasSubscribers) partnerMessageChannel.publish({ partner: this.id, direction: 'out', type: 'acmt.023.001.03' });
    });
  }

  private onVerification(msg: Extract<Incoming, { kind: 'verification' }>): void {
    const v = this.verifications.get(msg.id);
    if (!v) {
      this.protocolError('unmatched', `acmt.024 for ${msg.id} matches no pending verification`);
      return;
    }
    this.verifications.delete(msg.id);
    clearTimeout(v.timer);
    v.link.inFlight = Math.max(0, v.link.inFlight - 1);
    v.resolve({ verified: msg.verified, name: msg.name, reason: msg.reason });
  }

  /** pacs.028 for a payment without a final status; repeats every statusIntervalMs until the budget ends. */
  private askStatus(key: string): void {
    const p = this.pending.get(key);
    if (!p) return;
    p.statusRequests++;
    p.status = setTimeout(() => this.askStatus(key), this.o.statusIntervalMs);
    const link = this.o.pool.pick(p.link.id);
    if (!link) return;
    try {
      const xml = this.o.translator.statusRequest(p.request, p.refs, this.nextSeq());
      this.checkOutbound(xml, 'pacs.028.001.03');
      link.send(xml);
      if (partnerMessageChannel.hasSubscribers) partnerMessageChannel.publish({ partner: this.id, direction: 'out', type: 'pacs.028.001.03' });
    } catch (e) {
      this.o.log?.(`partner ${this.id}: status request not sent: ${isDariError(e) ? e.toLine() : String(e)}`);
    }
  }

  private protocolError(reason: string, detail: string): void {
    partnerProtocolChannel.publish({ partner: this.id, reason });
    this.o.log?.(`partner ${this.id}: DARI_PARTNER_PROTOCOL: ${detail}`);
  }

  private receive(body: Buffer, linkId: string): void {
    let items: Incoming[];
    try {
      // One gate pass (and its element tree) serves both the reading and the XSD validation.
      const checked: CheckedXml = checkMessage(body);
      items = this.o.translator.read(checked);
      const type = items[0]?.type ?? 'unknown';
      const errors = this.o.validate?.inbound(checked) ?? [];
      if (errors.length > 0) throw new DariError('DARI_XML_SCHEMA_INVALID', `${type} fails its schema: ${errors.slice(0, 3).join('; ')}`);
    } catch (e) {
      this.protocolError(isDariError(e) ? e.code : 'DARI_INTERNAL_ERROR', isDariError(e) ? e.toLine() : String(e));
      return;
    }
    for (const msg of items) {
      if (partnerMessageChannel.hasSubscribers) partnerMessageChannel.publish({ partner: this.id, direction: 'in', type: msg.type });
      switch (msg.kind) {
        case 'status': this.onStatus(msg); break;
        case 'resolution': this.onResolution(msg); break;
        case 'return':
          this.onReturn?.({ txnId: msg.txnId, uetr: msg.uetr, amount: msg.amount, currency: msg.currency, reason: msg.reason });
          break;
        case 'payment': void this.onPayment(msg.payment, linkId); break;
        case 'verification': this.onVerification(msg); break;
        default:
          this.protocolError('unexpected', `${msg.type} is not expected from a partner`);
      }
    }
  }

  /** The pending entry an answer names: by its UETR, else by the UETR derived from its transaction id (a hash: only when needed). */
  private find(prefix: string, m: { uetr?: string | undefined; txnId?: string | undefined }): [string, Pending] | undefined {
    if (m.uetr !== undefined) {
      const p = this.pending.get(prefix + m.uetr);
      if (p) return [prefix + m.uetr, p];
    }
    if (m.txnId === undefined) return undefined;
    const key = prefix + this.o.translator.uetrOf(m.txnId);
    const p = this.pending.get(key);
    return p ? [key, p] : undefined;
  }

  private onStatus(msg: Extract<Incoming, { kind: 'status' }>): void {
    const hit = this.find('', msg);
    if (!hit) {
      if (this.onLate) this.onLate(msg);
      else this.protocolError('unmatched', `pacs.002 for ${msg.uetr ?? msg.txnId ?? 'an unknown payment'} matches nothing pending (late or unknown)`);
      return;
    }
    const [key, p] = hit;
    const verdict = this.o.translator.status.toIso8583(msg.status, msg.reason);
    if (!verdict.final) {
      p.lastStatus = msg.status;
      return;
    }
    this.settle(key);
    const fields: Record<string, string> = { '39': verdict.code };
    if (verdict.code === '00' && msg.reference !== undefined) fields['38'] = approvalCode(msg.reference);
    p.resolve({ response: { mti: responseMti(p.request.mti), fields }, link: p.link.id, waitSeconds: (performance.now() - p.sentAt) / 1000 });
  }

  private onResolution(msg: Extract<Incoming, { kind: 'resolution' }>): void {
    const hit = this.find('C|', msg);
    if (!hit) {
      this.protocolError('unmatched', `camt.029 for ${msg.uetr ?? msg.txnId ?? 'an unknown payment'} matches no pending cancellation`);
      return;
    }
    const [key, p] = hit;
    if (msg.status === 'PDCR') return; // pending cancellation request: keep waiting
    this.settle(key);
    const ex: Exchange = { response: { mti: responseMti(p.request.mti), fields: { '39': '00' } }, link: p.link.id, waitSeconds: (performance.now() - p.sentAt) / 1000 };
    if (msg.status !== 'CNCL' && !(msg.reason !== undefined && NOTHING_TO_CANCEL.has(msg.reason))) {
      ex.investigate = `cancellation refused by ${this.id}: ${msg.status}${msg.reason ? ` ${msg.reason}` : ''} (the payment stands)`;
    }
    p.resolve(ex);
  }

  /** An inbound pacs.008: decided by the hub (a domestic participant), answered with a pacs.002. */
  private async onPayment(payment: InboundPayment, link: string): Promise<void> {
    let code = '91';
    try {
      code = this.onInbound ? await this.onInbound({ payment, link }) : '91';
    } catch (e) {
      this.o.log?.(`partner ${this.id}: inbound payment failed: ${isDariError(e) ? e.toLine() : String(e)}`);
      code = '96';
    }
    try {
      const xml = this.o.translator.statusReport(payment, code);
      this.checkOutbound(xml, 'pacs.002.001.10');
      const l = this.o.pool.pick(link);
      if (!l) throw new DariError('DARI_LINK_NOT_READY', `no connected link to answer ${payment.uetr ?? payment.msgId}`);
      l.send(xml);
      if (partnerMessageChannel.hasSubscribers) partnerMessageChannel.publish({ partner: this.id, direction: 'out', type: 'pacs.002.001.10' });
    } catch (e) {
      this.o.log?.(`partner ${this.id}: status report not sent: ${isDariError(e) ? e.toLine() : String(e)}`);
    }
  }

  /** Reject everything pending (hub stop): nothing more will be read. */
  close(): void {
    for (const [id, v] of this.verifications) {
      clearTimeout(v.timer);
      v.reject(new LinkError('DARI_LINK_CLOSED', `partner ${this.id}: closed while verification ${id} was pending`, true));
    }
    this.verifications.clear();
    for (const key of [...this.pending.keys()]) {
      const p = this.settle(key);
      if (!p) continue;
      const err = new LinkError('DARI_LINK_CLOSED', `partner ${this.id}: closed while ${p.kind} ${p.refs.uetr} was pending`, true);
      err.link = p.link.id;
      p.reject(err);
    }
  }
}

/** Field 38 (an6) from the partner's reference: its last six letters or digits. */
function approvalCode(ref: string): string {
  const clean = ref.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return clean.slice(-6).padStart(6, '0');
}
