/**
 * Hub events on node:diagnostics_channel. The hot path publishes plain objects (only when someone
 * subscribes); metrics and logs subscribe. Link-level channels are declared in src/link.
 */
import { channel } from 'node:diagnostics_channel';

/** One finished transaction: { type, participant, partner, code, hubSeconds, waitSeconds, outcome }. */
export const txnChannel = channel('dari:txn');
/** A repeated request answered from the dedupe store: { participant }. */
export const duplicateChannel = channel('dari:txn:duplicate');
/** A request that failed validation or decoding: { participant, code }. */
export const formatErrorChannel = channel('dari:txn:format-error');
/** A connection refused by the participant listener: { reason, address }. */
export const refusedChannel = channel('dari:listener:refused');
/** A SAF delivery attempt: { partner, outcome: 'acknowledged' | 'retry' | 'flagged' }. */
export const safChannel = channel('dari:saf');
/** A journal group commit: { batchSize, seconds }. */
export const commitChannel = channel('dari:journal:commit');

export interface TxnEvent {
  type: string;
  participant: string;
  partner: string;
  code: string;
  /** Time inside the hub (total minus partner wait), seconds. */
  hubSeconds: number;
  /** Time waiting for the partner, seconds (0 for local answers). */
  waitSeconds: number;
  /** approved/declined by the partner, stand-in, timeout, duplicate, local */
  outcome: string;
}

/** A message to or from an ISO 20022 partner: { partner, direction: 'in' | 'out', type } (type: e.g. pacs.008.001.08). */
export const partnerMessageChannel = channel('dari:partner:message');
/** A partner message refused or unmatched (counted, logged, nothing applied): { partner, reason }. */
export const partnerProtocolChannel = channel('dari:partner:protocol-error');
