/**
 * MAC of an ISO 8583 message (field 64, or 128 when a secondary bitmap is present, 192 with a
 * tertiary one: ISO 8583:1987/1993 put the MAC in the last field of the last bitmap).
 *
 * Convention: the MAC covers the packed message bytes from the start of the message (MTI, then
 * bitmaps and fields; the dialect's fixed header, if any, included) up to, not including, the MAC
 * field itself. The MAC field's bitmap bit is set in those bytes: the message is packed with the
 * MAC field present (as zeros while signing). Fields are packed in ascending order, so the MAC
 * field is the last thing in the message, and a received message is checked by MACing all its
 * bytes but the MAC field's. The field holds the first 8 bytes of the MAC (ISO 9797-1 algorithm 3
 * is 8 bytes; AES-CMAC is truncated to 8). Framing (length headers) is outside the MAC.
 */
import { DariError } from '../../errors';
import type { Iso8583Codec, Iso8583Message } from '../../codec/iso8583';
import { encodedSize } from '../../codec/iso8583/spec';
import { macEquals } from './mac';

/** The field that carries the MAC for this message: 64, 128 or 192 by the highest field present. */
export function macFieldFor(m: Iso8583Message): 64 | 128 | 192 {
  let max = 0;
  for (const k in m.fields) if (+k > max) max = +k;
  return max > 128 ? 192 : max > 64 ? 128 : 64;
}

function macFieldBytes(codec: Iso8583Codec, no: number): number {
  const f = codec.dialect.fields[no];
  if (f === undefined || f.clsName !== 'b' || f.length < 8) {
    throw new DariError('DARI_HSM_BAD_DATA', `dialect ${codec.name} has no binary field ${no} of 8 bytes or more for the MAC`);
  }
  return f.prefixBytes + encodedSize(f, f.length);
}

/**
 * Sign a message: returns it with the MAC field filled, and its packed bytes. `mac` computes the
 * MAC over the bytes it is given (e.g. `(d) => hsm.generateMac({ keyId, data: d })`).
 */
export function signIso8583(codec: Iso8583Codec, m: Iso8583Message, mac: (data: Buffer) => Buffer): { message: Iso8583Message; packed: Buffer } {
  const no = macFieldFor(m);
  const size = macFieldBytes(codec, no);
  const len = (codec.dialect.fields[no] as { length: number }).length;
  const zeroed: Iso8583Message = { ...m, fields: { ...m.fields, [no]: '00'.repeat(len) } };
  const draft = codec.pack(zeroed);
  const value = mac(draft.subarray(0, draft.length - size)).subarray(0, 8);
  const message: Iso8583Message = { ...m, fields: { ...m.fields, [no]: value.toString('hex').toUpperCase().padEnd(2 * len, '0') } };
  return { message, packed: codec.pack(message) };
}

/**
 * Check the MAC of a packed message (framing removed). False when the MAC differs or the MAC field
 * is absent. `m`: the message already unpacked from `packed`, when the caller has it.
 */
export function verifyIso8583(codec: Iso8583Codec, packed: Buffer, mac: (data: Buffer) => Buffer, m: Iso8583Message = codec.unpack(packed)): boolean {
  const no = macFieldFor(m);
  const carried = m.fields[no];
  if (carried === undefined) return false;
  const size = macFieldBytes(codec, no);
  const computed = mac(packed.subarray(0, packed.length - size));
  return macEquals(computed.subarray(0, 8), Buffer.from(carried, 'hex').subarray(0, 8));
}
