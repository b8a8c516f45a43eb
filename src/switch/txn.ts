/**
 * The canonical transaction: what every dialect maps to and from (DESIGN.md section 3). Identifiers,
 * amount, parties and routing data are lifted out of the source message once; the source fields stay
 * attached so that an 8583-to-8583 route carries every field the target dialect also defines.
 */
import type { CompiledDialect, Iso8583Message } from '../codec/iso8583';
import { Enc } from '../codec/iso8583/spec';

export type MessageClass = 'authorization' | 'financial' | 'file' | 'reversal' | 'reconciliation' | 'administrative' | 'fee' | 'network' | 'other';

/** ISO 8583:1987 4.1.2: the second MTI digit is the message class. */
const CLASSES: Record<string, MessageClass> = {
  '1': 'authorization', '2': 'financial', '3': 'file', '4': 'reversal', '5': 'reconciliation', '6': 'administrative', '7': 'fee', '8': 'network',
};

export function messageClass(mti: string): MessageClass {
  return CLASSES[mti[1] ?? ''] ?? 'other';
}

export interface Txn {
  /** Hub-wide id (UUIDv4). */
  readonly id: string;
  readonly participant: string;
  readonly link: string;
  readonly mti: string;
  readonly cls: MessageClass;
  /** Field 2; kept in memory only (the journal gets the masked form and a keyed hash). */
  readonly pan: string | undefined;
  readonly processingCode: string | undefined;
  /** Field 4, minor units as carried (12 digits); field 49. */
  readonly amount: string | undefined;
  readonly currency: string | undefined;
  readonly stan: string | undefined;
  readonly rrn: string | undefined;
  readonly terminal: string | undefined;
  readonly transmission: string | undefined;
  readonly acquirer: string | undefined;
  readonly receivingInstitution: string | undefined;
  readonly country: string | undefined;
  /** Field 90 of a reversal: original MTI, STAN, transmission date/time, acquirer, forwarder. */
  readonly originalData: string | undefined;
  /** The request as received, in the participant's dialect. */
  readonly fields: Readonly<Record<string, string>>;
  /** performance.now() when the request was read. */
  readonly receivedAt: number;
}

export function txnFromIso8583(id: string, participant: string, link: string, msg: Iso8583Message, receivedAt: number): Txn {
  const f = msg.fields;
  return {
    id, participant, link, mti: msg.mti, cls: messageClass(msg.mti),
    pan: f['2'], processingCode: f['3'], amount: f['4'], currency: f['49'], stan: f['11'], rrn: f['37'],
    terminal: f['41'], transmission: f['7'], acquirer: f['32'], receivingInstitution: f['100'], country: f['19'],
    originalData: f['90'], fields: f, receivedAt,
  };
}

/**
 * Carry fields from one ISO 8583 dialect to another: keep what the target defines, and rewrite the
 * track 2/3 separator for the target's encoding ('=' in character encodings, nibble 'D' in BCD).
 * Returns the fields and the numbers of those the target does not define (dropped).
 */
export function adaptFields(fields: Readonly<Record<string, string>>, from: CompiledDialect, to: CompiledDialect): { fields: Record<string, string>; dropped: number[] } {
  const out: Record<string, string> = {};
  const dropped: number[] = [];
  const same = from === to;
  for (const k in fields) {
    const v = fields[k] as string;
    if (same) {
      out[k] = v;
      continue;
    }
    const target = to.fields[+k];
    if (target === undefined) {
      dropped.push(+k);
      continue;
    }
    if (target.clsName === 'z') {
      const bcd = target.enc === Enc.BCD;
      out[k] = bcd ? v.replace('=', 'D') : v.replace('D', '=');
    } else {
      out[k] = v;
    }
  }
  return { fields: out, dropped };
}
