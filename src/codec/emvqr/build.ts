/**
 * Build a payload from data objects (the `fields` shape parseQr returns): ids in ascending order at
 * every level (so 00 comes first), lengths in characters, templates from nested objects, and the
 * CRC appended as data object 63 (any 63 in the input is replaced). The result is parsed back
 * before it is returned, so build never emits a payload Dari would reject: it throws the
 * DARI_QR_* reason instead.
 */
import { DariError } from '../../errors';
import { crc16Utf8, crcHex } from './crc';
import type { QrFields } from './model';
import { parseQr } from './parse';
import { isId } from './tlv';
import { charLength } from './validate';

function invalid(message: string, field?: string): never {
  throw new DariError('DARI_QR_BUILD_INVALID', message, { field });
}

function encode(fields: Record<string, unknown>, path: string, top: boolean): string {
  let out = '';
  for (const id of Object.keys(fields).sort()) {
    const at = path === '' ? id : `${path}.${id}`;
    if (!isId(id)) invalid(`data object "${at}": ids are two digits`, at);
    if (top && id === '63') continue;
    const v = fields[id];
    let value: string;
    if (typeof v === 'string') value = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) value = encode(v as Record<string, unknown>, at, false);
    else invalid(`data object ${at}: a value is a string, or an object of data objects for a template`, at);
    const n = charLength(value, true);
    if (n < 1 || n > 99) invalid(`data object ${at} would be ${n} characters; values are 1-99`, at);
    out += id + (n < 10 ? `0${n}` : String(n)) + value;
  }
  return out;
}

/** The payload for `input.fields`, CRC included. */
export function buildQr(input: { fields: QrFields }): string {
  if (typeof input !== 'object' || input === null || typeof input.fields !== 'object' || input.fields === null || Array.isArray(input.fields)) {
    invalid('expected {"fields": {"00": "01", ...}}');
  }
  const body = `${encode(input.fields, '', true)}6304`;
  const payload = body + crcHex(crc16Utf8(body) & 0xffff);
  parseQr(payload);
  return payload;
}
