/**
 * ISO 20022 identifiers for a hub transaction, derived from its id so that a restarted hub (or
 * another node) names the same payment in a status request or a cancellation without a lookup:
 *
 * - TxId and InstrId: the transaction id as 32 lowercase hex digits (Max35Text); a partner's answer
 *   quoting OrgnlTxId leads straight back to the journal record;
 * - MsgId of the pacs.008: the same 32 hex digits; follow-ups add a kind letter and a sequence
 *   (`…S01` status request, `…C01` cancellation), still within 35 characters;
 * - UETR: UUID version 4 layout (RFC 9562: version nibble 4, variant 10), its 122 free bits the
 *   first bits of SHA-256("dari-uetr|" + transaction id): unpredictable to others, unique per
 *   transaction, and recomputable.
 */
import { createHash } from 'node:crypto';

/** The hub transaction id (UUID) as 32 hex digits. */
export function txIdOf(txnId: string): string {
  return txnId.replace(/-/g, '').toLowerCase();
}

/** The transaction id back from a TxId or MsgId this hub wrote (undefined when it is not one of ours). */
export function txnIdFromTxId(txId: string | undefined): string | undefined {
  if (txId === undefined) return undefined;
  const h = txId.slice(0, 32).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return undefined;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** MsgId of a follow-up message: S = status request (pacs.028), C = cancellation (camt.056). */
export function followUpMsgId(txnId: string, kind: 'S' | 'C', seq: number): string {
  return `${txIdOf(txnId)}${kind}${String(seq % 100).padStart(2, '0')}`;
}

export function uetrOf(txnId: string): string {
  const h = createHash('sha256').update(`dari-uetr|${txnId}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x40;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
