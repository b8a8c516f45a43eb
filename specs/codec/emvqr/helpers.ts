/**
 * Test helpers for the EMV QR specs, written apart from the codec so the specs do not check the
 * codec against itself: a bitwise CRC-16/CCITT-FALSE over Buffer.from(s, 'utf8'), data objects
 * built with [...value].length, and the public vectors of fixtures/emvqr/payloads.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from '../../support/paths';

/** CRC-16/CCITT-FALSE, one bit at a time, over the UTF-8 bytes. */
export function naiveCrc(s: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(s, 'utf8')) {
    crc ^= byte << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** One data object: id, length in characters (code points), value. */
export function tlv(id: string, value: string): string {
  return id + String([...value].length).padStart(2, '0') + value;
}

/** `body` + "6304" + its CRC. */
export function withCrc(body: string): string {
  return `${body}6304${naiveCrc(`${body}6304`)}`;
}

export interface PublicVector {
  name: string;
  payload: string;
  source: string;
  url: string;
  note?: string;
  built?: string;
  expect:
    | {
        valid: true;
        scheme: string | null;
        country?: string;
        currency?: string;
        amount?: string | null;
        merchantName?: string;
        merchantCity?: string;
        initiation?: 'static' | 'dynamic';
        account?: Record<string, string>;
        fields?: Record<string, unknown>;
      }
    | { valid: false; reason: string; field?: string };
}

export const VECTORS: readonly PublicVector[] = JSON.parse(readFileSync(join(FIXTURES, 'emvqr', 'payloads.json'), 'utf8'));

export function vector(name: string): PublicVector {
  const v = VECTORS.find((x) => x.name === name);
  if (!v) throw new Error(`no public vector ${name}`);
  return v;
}

/** A minimal valid payload's data objects (EMVCo mandatory ids), to vary one thing at a time. */
export function base(over: Record<string, string | null> = {}): string {
  const objects: Record<string, string | null> = {
    '00': '01',
    '01': '11',
    '26': tlv('00', 'COM.EXAMPLE.WWW') + tlv('01', '12345'),
    '52': '5812',
    '53': '840',
    '58': 'US',
    '59': 'EXAMPLE SHOP',
    '60': 'SPRINGFIELD',
    ...over,
  };
  let body = '';
  for (const id of Object.keys(objects).sort()) {
    const v = objects[id];
    if (v !== null && v !== undefined) body += tlv(id, v);
  }
  return withCrc(body);
}

/** A public payload with one same-length edit, its CRC computed again. */
export function edit(payload: string, from: string, to: string): string {
  if ([...from].length !== [...to].length) throw new Error('edit must keep the length');
  const at = payload.indexOf(from);
  if (at < 0 || payload.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" must occur once`);
  const body = payload.slice(0, -8);
  return withCrc(body.slice(0, at) + to + body.slice(at + from.length));
}
