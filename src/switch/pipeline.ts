/**
 * The pipeline (DESIGN.md section 3): validate -> dedupe -> journal(received) -> route -> translate
 * -> send over the partner's pool -> answer, with stand-in when no partner link is ready, the
 * timeout code plus a queued reversal when the partner does not answer in time, and reversals from
 * participants matched to their original. It never sees a socket: requests come in with a `reply`
 * function, partners are `Sender`s.
 *
 * Rules kept here:
 *  - every request gets exactly one answer, sent only after the journal holds it durably;
 *  - a repeated request within the dedupe window gets the original answer and is never forwarded twice;
 *  - a financial request is never resent: recovery is a reversal through the persistent SAF queue;
 *  - declines are results: field 39 other than 00 is a normal outcome.
 */
import { performance } from 'node:perf_hooks';
import type { CompiledDialect, Iso8583Message } from '../codec/iso8583';
import { DariError } from '../errors';
import type { CompleteOptions, FeeEntry, Journal, SafEntry, TxnRecord } from '../journal/journal';
import { checkFeeEntry } from '../journal/common';
import { responseMti, type Sender } from '../link/types';
import { duplicateChannel, formatErrorChannel, txnChannel, type TxnEvent } from '../metrics/events';
import type { DataKey } from '../security/data-key';
import { maskPan } from '../security/masking';
import type { Router } from './router';
import { uuidv7 } from './ids';
import type { LocalAnswer, LocalService } from './services';
import type { FeeResult, FeeSchedule } from '../fx/fees';
import { adaptFields, txnFromIso8583, type Txn } from './txn';

export interface ParticipantRuntime {
  id: string;
  dialect: CompiledDialect;
}

export interface PartnerRuntime {
  id: string;
  dialect: CompiledDialect;
  sender: Sender;
  standInResponseCode: string;
  timeoutResponseCode: string;
  requestTimeoutMs: number;
}

export interface PipelineOptions {
  journal: Journal;
  dataKey: DataKey;
  router: Router;
  partners: ReadonlyMap<string, PartnerRuntime>;
  dedupeWindowMs: number;
  /** Offered each request before routing (QR payments, TrustOne verifications). */
  services?: readonly LocalService[];
  /** Fee schedule: every approved financial request routed to a partner is charged and journaled. */
  fees?: FeeSchedule;
}

export type Reply = (msg: Iso8583Message) => void;

/** Fields never echoed back, journaled or stored in a dedupe answer: expiry, tracks, PIN block, ICC request data, MACs. */
const NOT_ECHOED = new Set(['14', '35', '36', '45', '52', '55', '64', '128']);
/** Card data removed from stored dedupe answers (restored from the repeated request itself). */
const CARD_FIELDS = new Set(['2', '14', '34', '35', '36', '45', '52', '55']);
/** Fields of the partner's answer that are the hub's own outbound identifiers, not the originator's. */
const OUTBOUND_KEYS = new Set(['2', '7', '11', '32', '33', '41', '42', '90']);
/** Fields a request of each class needs (ISO 8583:1987 mandatory data elements, reduced to what routing and matching use). */
const REQUIRED: Record<string, readonly string[]> = {
  authorization: ['3', '4', '11', '41'],
  financial: ['3', '4', '11', '41'],
  reversal: ['3', '4', '11', '41'],
};

/** ISO 8583:1987 field 39 values the pipeline answers itself. */
const RC = { FORMAT_ERROR: '30', NO_ISSUER: '15', DUPLICATE: '94', ORIGINAL_NOT_FOUND: '25', APPROVED: '00' } as const;

interface Outcome {
  code: string;
  partner: string;
  outcome: string;
  waitSeconds: number;
}

/** What finish() writes and does besides the answer: the final state (default 'answered'), a reversal, fees, the reply. */
interface Finish {
  state?: TxnRecord['state'];
  saf?: SafEntry;
  fees?: FeeEntry;
  reply?: Reply;
}

/** The journal's fee entry of a transaction, charged now with FeeSchedule.compute's figures. */
export function feeEntryOf(txn: Txn, partner: string, f: FeeResult): FeeEntry {
  return {
    txnId: txn.id, at: Date.now(), participant: txn.participant, partner, currency: f.currency, amount: f.amount,
    participantFee: f.participantFee, partnerFee: f.partnerFee, cardBrandCost: f.cardBrandCost,
  };
}

export class Pipeline {
  private readonly inflight = new Map<string, Promise<Iso8583Message>>();
  private stan = Math.floor(Math.random() * 900000);

  constructor(private readonly o: PipelineOptions) {}

  /** Handle one request from a participant. Never throws: every path ends in exactly one reply. */
  async handle(participant: ParticipantRuntime, link: string, msg: Iso8583Message, reply: Reply): Promise<void> {
    const t0 = performance.now();
    const txn = txnFromIso8583(uuidv7(), participant.id, link, msg, t0);
    const missing = (REQUIRED[txn.cls] ?? []).filter((f) => msg.fields[f] === undefined);
    if (missing.length > 0) {
      formatErrorChannel.publish({ participant: participant.id, code: 'DARI_SWITCH_INVALID_REQUEST' });
      const answer = this.answerFrom(txn, RC.FORMAT_ERROR);
      await this.finish(txn, this.baseRecord(txn), answer, { code: RC.FORMAT_ERROR, partner: '', outcome: 'format-error', waitSeconds: 0 }, undefined, { reply });
      return;
    }
    const key = dedupeKey(txn);
    const local = this.inflight.get(key);
    if (local) {
      duplicateChannel.publish({ participant: participant.id });
      reply(await local);
      return;
    }
    let resolveInflight!: (m: Iso8583Message) => void;
    this.inflight.set(key, new Promise((r) => { resolveInflight = r; }));
    try {
      const answer = await this.process(participant, txn, key);
      resolveInflight(answer);
      reply(answer);
    } catch (e) {
      // A journal failure: the answer cannot be made durable. Answer 96 (system malfunction) so the
      // originator does not wait, and let the error surface in logs and metrics.
      const answer = this.answerFrom(txn, '96');
      resolveInflight(answer);
      reply(answer);
      formatErrorChannel.publish({ participant: participant.id, code: e instanceof DariError ? e.code : 'DARI_INTERNAL_ERROR' });
    } finally {
      this.inflight.delete(key);
    }
  }

  private async process(participant: ParticipantRuntime, txn: Txn, key: string): Promise<Iso8583Message> {
    const { journal } = this.o;
    const rec = this.baseRecord(txn);
    rec.dedupeKey = key;
    const dedupe = { key, windowMs: this.o.dedupeWindowMs, now: Date.now() };
    const duplicate = (hit: { answer: Record<string, string> | null }): Iso8583Message => {
      duplicateChannel.publish({ participant: participant.id });
      // The original answer, card data restored from this (identical) request; 94 while the first is still open elsewhere.
      const answer = hit.answer ? this.restoreAnswer(txn, hit.answer) : this.answerFrom(txn, RC.DUPLICATE);
      this.publish(txn, { code: answer.fields['39'] ?? RC.DUPLICATE, partner: '', outcome: 'duplicate', waitSeconds: 0 });
      return answer;
    };
    if (txn.cls === 'reversal') {
      const hit = await journal.begin(rec, { dedupe });
      return hit ? duplicate(hit) : this.reversal(participant, txn, rec, key);
    }

    const service = this.o.services?.find((x) => x.accepts(txn));
    if (service) {
      const hit = await journal.begin(rec, { dedupe });
      if (hit) return duplicate(hit);
      let a: LocalAnswer;
      try {
        a = await service.handle(txn);
      } catch (e) {
        const error = e instanceof DariError ? e.code : 'DARI_INTERNAL_ERROR';
        formatErrorChannel.publish({ participant: participant.id, code: error });
        a = { code: '96', outcome: 'service-error', detail: { service: service.id, error } };
      }
      if (a.partner !== undefined) rec.partner = a.partner;
      rec.detail = { service: service.id, ...a.detail };
      const outcome = a.outcome ?? (a.code === RC.APPROVED ? 'approved' : 'declined');
      return this.finish(txn, rec, this.answerFrom(txn, a.code, a.fields), { code: a.code, partner: a.partner ?? service.id, outcome, waitSeconds: a.waitSeconds ?? 0 }, key, { fees: this.chargeable(txn, a.fees) });
    }
    const partnerId = this.o.router.route(txn);
    // A partner's own inbound payment is never routed back to it (no loops through a default route).
    const partner = partnerId === undefined || partnerId === participant.id ? undefined : this.o.partners.get(partnerId);
    if (partner) rec.partner = partner.id;
    if (!partner || !partner.sender.ready) {
      const hit = await journal.begin(rec, { dedupe });
      if (hit) return duplicate(hit);
      if (!partner) return this.finish(txn, rec, this.answerFrom(txn, RC.NO_ISSUER), { code: RC.NO_ISSUER, partner: '', outcome: 'no-route', waitSeconds: 0 }, key);
      const code = partner.standInResponseCode;
      return this.finish(txn, rec, this.answerFrom(txn, code), { code, partner: partner.id, outcome: 'stand-in', waitSeconds: 0 }, key);
    }
    // Write-ahead: the transaction is durably 'forwarded', with its request sealed, before the partner
    // sees it, so that a hub that dies now leaves what recovery needs to reverse it.
    const outbound = this.outbound(txn, participant, partner);
    rec.state = 'forwarded';
    rec.detail = { outboundStan: outbound.fields['11'] };
    const hit = await journal.begin(rec, { dedupe, sealedRequest: this.o.dataKey.seal(Buffer.from(JSON.stringify(outbound))) });
    if (hit) return duplicate(hit);
    // Only the partner exchange is in the try: a journal failure while answering is not a partner
    // that was never reached (it surfaces as 96 from handle()).
    let ex: Awaited<ReturnType<typeof partner.sender.request>>;
    try {
      ex = await partner.sender.request(outbound, { txnId: txn.id });
    } catch (e) {
      if (!(e instanceof DariError)) throw e;
      const sent = (e as DariError & { sent?: boolean }).sent === true || e.code === 'DARI_LINK_TIMEOUT';
      if (!sent) {
        const code = partner.standInResponseCode;
        return this.finish(txn, rec, this.answerFrom(txn, code), { code, partner: partner.id, outcome: 'stand-in', waitSeconds: 0 }, key);
      }
      // The partner may have acted: answer the timeout code, with a reversal (0420) queued in the same durable write.
      const code = partner.timeoutResponseCode;
      const linkHint = (e as DariError & { link?: string }).link;
      const saf = reversalEntry(this.o.dataKey, txn.id, partner, outbound, code, linkHint);
      const waited = (performance.now() - txn.receivedAt) / 1000;
      return this.finish(txn, rec, this.answerFrom(txn, code), { code, partner: partner.id, outcome: 'timeout', waitSeconds: waited }, key, { state: 'timed_out', saf });
    }
    rec.partnerLink = ex.link;
    const code = ex.response.fields['39'] ?? '96';
    const answer = this.answerFrom(txn, code, adaptFields(ex.response.fields, partner.dialect, participant.dialect).fields);
    const fees = code === RC.APPROVED && txn.cls === 'financial' ? this.fees(txn, partner.id) : undefined;
    return this.finish(txn, rec, answer, { code, partner: partner.id, outcome: code === RC.APPROVED ? 'approved' : 'declined', waitSeconds: ex.waitSeconds }, key, { fees });
  }

  /**
   * Fees of an approved financial transaction, journaled with its answer (one durable write). What
   * FeeSchedule.compute refuses (an unknown currency, an amount out of range) is not charged.
   */
  private fees(txn: Txn, partner: string): FeeEntry | undefined {
    const fees = this.o.fees;
    if (!fees || txn.currency === undefined || txn.amount === undefined || !/^\d+$/.test(txn.amount)) return undefined;
    let f: FeeResult;
    try {
      f = fees.compute({ participant: txn.participant, partner, currency: txn.currency, amount: BigInt(txn.amount) });
    } catch {
      return undefined;
    }
    return this.chargeable(txn, feeEntryOf(txn, partner, f));
  }

  /**
   * A fee entry the journal will take (checkFeeEntry), or undefined: a malformed one (a fee schedule
   * that yields an amount out of range) is dropped and counted, so that it never rejects the answer.
   */
  private chargeable(txn: Txn, entry: FeeEntry | undefined): FeeEntry | undefined {
    if (entry === undefined) return undefined;
    try {
      checkFeeEntry(entry);
      return entry;
    } catch (e) {
      formatErrorChannel.publish({ participant: txn.participant, code: e instanceof DariError ? e.code : 'DARI_INTERNAL_ERROR' });
      return undefined;
    }
  }

  /** Reversal (0400/0420/0421) from a participant: match the original, forward through the SAF, acknowledge. */
  private async reversal(participant: ParticipantRuntime, txn: Txn, rec: TxnRecord, key: string): Promise<Iso8583Message> {
    const original = await this.o.journal.findByOriginalKey(originalKeyFromReversal(txn));
    if (!original) {
      rec.detail = { reversal: 'original not found' };
      return this.finish(txn, rec, this.answerFrom(txn, RC.ORIGINAL_NOT_FOUND), { code: RC.ORIGINAL_NOT_FOUND, partner: '', outcome: 'local', waitSeconds: 0 }, key);
    }
    rec.partner = original.partner;
    rec.detail = { reverses: original.id };
    const partner = original.partner === undefined ? undefined : this.o.partners.get(original.partner);
    // A reversal forwarded earlier (by the timeout path, or for an earlier reversal from the
    // participant) and not yet acknowledged leaves the original 'answered': look in the SAF too.
    const alreadyQueued = original.state === 'timed_out' || original.state === 'late' || original.state === 'reversed'
      || (await this.o.journal.safByTxn(original.id)).length > 0;
    // Approved, or still with the partner (it may yet approve): either way the partner may have acted.
    const acted = (original.responseCode === RC.APPROVED && original.state === 'answered') || original.state === 'forwarded';
    let saf: SafEntry | undefined;
    if (partner && acted && !alreadyQueued) {
      const outbound = this.outbound(txn, participant, partner);
      const stan = (original.detail as { outboundStan?: string } | undefined)?.outboundStan;
      if (stan !== undefined) outbound.fields['11'] = stan;
      saf = reversalEntry(this.o.dataKey, original.id, partner, outbound, txn.fields['39'] ?? '17', original.partnerLink, partnerOriginalData(txn.originalData, original, stan));
      rec.detail = { reverses: original.id, forwarded: true };
    }
    return this.finish(txn, rec, this.answerFrom(txn, RC.APPROVED), { code: RC.APPROVED, partner: original.partner ?? '', outcome: 'local', waitSeconds: 0 }, key, { saf });
  }

  /** The request in the partner's dialect, with the hub's own STAN for the outbound leg. */
  private outbound(txn: Txn, participant: ParticipantRuntime, partner: PartnerRuntime): Iso8583Message {
    const { fields } = adaptFields(txn.fields, participant.dialect, partner.dialect);
    this.stan = this.stan >= 999999 ? 1 : this.stan + 1;
    fields['11'] = String(this.stan).padStart(6, '0');
    return { mti: txn.mti, fields };
  }

  private baseRecord(txn: Txn): TxnRecord {
    const rec: TxnRecord = { id: txn.id, state: 'received', at: Date.now(), participant: txn.participant, link: txn.link, mti: txn.mti, originalKey: originalKeyOf(txn) };
    if (txn.processingCode !== undefined) rec.processingCode = txn.processingCode;
    if (txn.stan !== undefined) rec.stan = txn.stan;
    if (txn.rrn !== undefined) rec.rrn = txn.rrn;
    if (txn.terminal !== undefined) rec.terminal = txn.terminal;
    if (txn.transmission !== undefined) rec.transmission = txn.transmission;
    if (txn.amount !== undefined) rec.amount = txn.amount;
    if (txn.currency !== undefined) rec.currency = txn.currency;
    if (txn.pan !== undefined) {
      rec.panMasked = maskPan(txn.pan);
      rec.panHash = this.o.dataKey.panHash(txn.pan);
    }
    return rec;
  }

  /**
   * The answer: the request echoed (without card-sensitive fields), overlaid with the partner's
   * answer fields, and field 39. Field numbers are integer keys, which enumerate in ascending order
   * whatever the insertion order (ECMAScript OrdinaryOwnPropertyKeys), so no re-sorting is needed.
   */
  private answerFrom(txn: Txn, code: string, partnerFields?: Record<string, string>): Iso8583Message {
    const fields: Record<string, string> = {};
    for (const k in txn.fields) if (!NOT_ECHOED.has(k)) fields[k] = txn.fields[k] as string;
    if (partnerFields) for (const k in partnerFields) if (!OUTBOUND_KEYS.has(k)) fields[k] = partnerFields[k] as string;
    fields['39'] = code;
    return { mti: responseMti(txn.mti), fields };
  }

  /** A stored dedupe answer (card data removed) rebuilt for a repeated request. */
  private restoreAnswer(txn: Txn, stored: Record<string, string>): Iso8583Message {
    const fields: Record<string, string> = { ...stored };
    for (const k of CARD_FIELDS) if (txn.fields[k] !== undefined && !NOT_ECHOED.has(k)) fields[k] = txn.fields[k] as string;
    return { mti: responseMti(txn.mti), fields };
  }

  /** Journal the final state, the dedupe answer, any reversal and any fees in one durable write, then hand back the answer. */
  private async finish(txn: Txn, rec: TxnRecord, answer: Iso8583Message, out: Outcome, key: string | undefined, more: Finish = {}): Promise<Iso8583Message> {
    rec.state = more.state ?? 'answered';
    rec.at = Date.now();
    rec.responseCode = out.code;
    const options: CompleteOptions = {};
    if (key !== undefined) {
      const stored: Record<string, string> = {};
      for (const k in answer.fields) if (!CARD_FIELDS.has(k)) stored[k] = answer.fields[k] as string;
      options.dedupeAnswer = { key, answer: stored };
    }
    if (more.saf) options.saf = more.saf;
    if (more.fees) options.fees = more.fees;
    await this.o.journal.complete(rec, options);
    this.publish(txn, out);
    if (more.reply) more.reply(answer);
    return answer;
  }

  private publish(txn: Txn, out: Outcome): void {
    if (!txnChannel.hasSubscribers) return;
    const total = (performance.now() - txn.receivedAt) / 1000;
    const ev: TxnEvent = {
      type: txn.mti, participant: txn.participant, partner: out.partner, code: out.code,
      hubSeconds: Math.max(0, total - out.waitSeconds), waitSeconds: out.waitSeconds, outcome: out.outcome,
    };
    txnChannel.publish(ev);
  }
}

/** Repeat detection: same participant, MTI (repeats 0201/0421 fold onto 0200/0420), terminal, STAN, transmission time, RRN. */
export function dedupeKey(txn: Txn): string {
  const mti = txn.mti.slice(0, 3) + '0';
  return `${txn.participant}|${mti}|${txn.terminal ?? ''}|${txn.stan ?? ''}|${txn.transmission ?? ''}|${txn.rrn ?? ''}`;
}

/** The key under which a later reversal finds this transaction. */
function originalKeyOf(txn: Txn): string {
  return `${txn.participant}|${txn.mti.slice(0, 3)}0|${txn.terminal ?? ''}|${txn.stan ?? ''}|${txn.transmission ?? ''}`;
}

/**
 * The original's key from a reversal: field 90 (ISO 8583:1987: original MTI n4, STAN n6,
 * transmission date/time n10, acquirer n11, forwarder n11); without it, the reversal's own STAN
 * and transmission time against a 0200.
 */
function originalKeyFromReversal(txn: Txn): string {
  const de90 = txn.originalData;
  if (de90 !== undefined && de90.length >= 20) {
    return `${txn.participant}|${de90.slice(0, 3)}0|${txn.terminal ?? ''}|${de90.slice(4, 10)}|${de90.slice(10, 20)}`;
  }
  return `${txn.participant}|0200|${txn.terminal ?? ''}|${txn.stan ?? ''}|${txn.transmission ?? ''}`;
}

/**
 * Field 90 toward the partner for a participant's reversal: the original as the partner saw it.
 * The hub forwarded the original with its own STAN and everything else (MTI, 7, 32, 33) unchanged,
 * so the participant's field 90 with the STAN replaced by the outbound one; without field 90, the
 * original's journaled MTI, STAN and transmission time.
 */
function partnerOriginalData(de90: string | undefined, original: TxnRecord, outboundStan: string | undefined): string {
  const stan = (outboundStan ?? original.stan ?? '').padStart(6, '0');
  if (de90 !== undefined && de90.length >= 20) return (de90.slice(0, 4) + stan + de90.slice(10)).padEnd(42, '0');
  return (original.mti + stan + (original.transmission ?? '').padStart(10, '0')).padEnd(42, '0');
}

/**
 * The SAF entry reversing `original` (an outbound request as the partner saw it): an 0420 with the
 * reason in 39 and field 90, sealed with the data key because it carries the PAN. One per
 * transaction: the id is derived from it, so a second enqueue (a concurrent reversal, another hub
 * node, recovery) inserts nothing.
 */
export function reversalEntry(dataKey: DataKey, txnId: string, partner: PartnerRuntime, original: Iso8583Message, reasonCode: string, linkHint?: string, de90?: string): SafEntry {
  const fields: Record<string, string> = {};
  for (const k in original.fields) if (!NOT_ECHOED.has(k)) fields[k] = original.fields[k] as string;
  if (partner.dialect.fields[39]) fields['39'] = reasonCode;
  if (partner.dialect.fields[90]) fields['90'] = de90 ?? originalDataElements(original);
  const now = Date.now();
  return {
    id: `${txnId}:0420`, txnId, partner: partner.id, ...(linkHint ? { linkHint } : {}), mti: '0420',
    payload: dataKey.seal(Buffer.from(JSON.stringify({ mti: '0420', fields }))),
    attempts: 0, nextAt: now, createdAt: now, status: 'pending',
  };
}

/** Field 90 for a reversal of `original` (42 digits). */
function originalDataElements(original: Iso8583Message): string {
  const f = original.fields;
  return original.mti + (f['11'] ?? '').padStart(6, '0') + (f['7'] ?? '').padStart(10, '0')
    + (f['32'] ?? '').padStart(11, '0').slice(-11) + (f['33'] ?? '').padStart(11, '0').slice(-11);
}
