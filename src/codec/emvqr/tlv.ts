/**
 * EMV MPM data objects (EMV QRCPS MPM 3.2): ID (2 digits), length (2 digits, "01"-"99"), value.
 * The length counts characters (Unicode code points), not bytes: a Korean merchant name of 4
 * characters has length 04 though it takes 12 UTF-8 bytes. JS strings index UTF-16 code units, so
 * a value is walked code point by code point when the payload holds anything outside ASCII; an
 * all-ASCII payload (the common case, known from the CRC pass) jumps straight to the value's end.
 *
 * Readers work on `s[start, end)` in code unit indexes and throw a DariError with the data
 * object's path and its character offset. They build `QrNode`s: one array per level, ids and
 * values interleaved, sized exactly (a first pass checks and counts the data objects, a second
 * fills the array), looked up by a linear scan. A template holds a handful of data objects, and an
 * object keyed "00".."99" costs more to fill and probe than the whole parse should (V8 keeps "26"
 * as an element and "01" as a named property). The `fields` objects of the public API are made
 * from nodes only when asked for.
 */
import { DariError } from '../../errors';
import type { QrFields } from './model';

/** The data objects of one level: [id, value, id, value, ...], ids 0-99 in payload order. */
export type QrNode = (number | string | QrNode)[];

export function nodeGet(node: QrNode, id: number): string | QrNode | undefined {
  for (let i = 0; i < node.length; i += 2) if (node[i] === id) return node[i + 1] as string | QrNode;
  return undefined;
}

export function nodeString(node: QrNode, id: number): string | undefined {
  const v = nodeGet(node, id);
  return typeof v === 'string' ? v : undefined;
}

/** A path of ids compiled from "$.01.00": -1 stands for the template a scheme was recognised in. */
export function compilePath(path: string): readonly number[] {
  return path.split('.').map((p) => (p === '$' ? -1 : Number(p)));
}

/** The value at a compiled path (-1 = `template`), or undefined. */
export function valueAt(top: QrNode, path: readonly number[], template: number): string | QrNode | undefined {
  let v: string | QrNode | undefined = top;
  for (let i = 0; i < path.length; i++) {
    if (typeof v !== 'object') return undefined;
    const p = path[i] as number;
    v = nodeGet(v, p < 0 ? template : p);
  }
  return v;
}

/** Two-digit ids as strings, by number. */
export const ID: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** The `fields` object of a node (templates nested). */
export function toFields(node: QrNode): QrFields {
  const out: QrFields = {};
  for (let i = 0; i < node.length; i += 2) {
    const v = node[i + 1] as string | QrNode;
    out[ID[node[i] as number] as string] = typeof v === 'string' ? v : toFields(v);
  }
  return out;
}

/** Character (code point) offset of code unit index `i`, for error messages. */
export function charOffset(s: string, i: number, wide: boolean): number {
  if (!wide) return i;
  let n = 0;
  for (let k = 0; k < i; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < i) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
    n++;
  }
  return n;
}

/** Code unit index `n` characters after `i`, or -1 when that passes `end`. */
function skipChars(s: string, i: number, n: number, end: number): number {
  while (n-- > 0) {
    if (i >= end) return -1;
    const c = s.charCodeAt(i++);
    if (c >= 0xd800 && c <= 0xdbff && i < end) {
      const d = s.charCodeAt(i);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return i;
}

/** Two ASCII digits at `i` as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** "data object 62.05", "data object 59". */
function objectName(path: string, id: number): string {
  return `data object ${path === '' ? '' : `${path}.`}${ID[id]}`;
}

function fieldName(path: string, id: number): string {
  return path === '' ? (ID[id] as string) : `${path}.${ID[id]}`;
}

/** How the values of a level are read: which ids are templates. */
export const enum Nesting {
  /** Every value is a string (MAI and language templates, nested templates). */
  None,
  /** The top level: 26-51 and 64 are templates, 62 is one with 50-99 templates inside, 80-99 are when they hold data objects. */
  Payload,
  /** Inside 62: 50-99 are templates when they hold data objects. */
  AdditionalData,
}

/**
 * The data objects of `s[start, end)`. `path` names the enclosing template in errors ("" at the
 * top level).
 */
export function readLevel(s: string, start: number, end: number, wide: boolean, path: string, nesting: Nesting): QrNode {
  // Pass 1: check every data object and count them. Ids seen are bits in four words (id / 25).
  let seen0 = 0;
  let seen1 = 0;
  let seen2 = 0;
  let seen3 = 0;
  let count = 0;
  for (let i = start; i < end;) {
    if (end - i < 4) {
      throw new DariError('DARI_QR_TRUNCATED', `${path === '' ? 'the payload' : `data object ${path}`} ends inside a data object's id or length (character ${charOffset(s, i, wide)})`, { field: path === '' ? undefined : path, offset: charOffset(s, i, wide) });
    }
    const id = twoDigits(s, i);
    if (id < 0) {
      throw new DariError('DARI_QR_TLV_INVALID', `${path === '' ? 'payload' : `data object ${path}`}: the id at character ${charOffset(s, i, wide)} is not two digits`, { field: path === '' ? undefined : path, offset: charOffset(s, i, wide) });
    }
    const len = twoDigits(s, i + 2);
    if (len <= 0) {
      throw new DariError('DARI_QR_TLV_INVALID', `${objectName(path, id)} at character ${charOffset(s, i, wide)}: the length is ${len < 0 ? 'not two digits' : '00 (values are 01-99 characters)'}`, { field: fieldName(path, id), offset: charOffset(s, i, wide) });
    }
    const vEnd = wide ? skipChars(s, i + 4, len, end) : i + 4 + len <= end ? i + 4 + len : -1;
    if (vEnd < 0) {
      throw new DariError('DARI_QR_TRUNCATED', `${objectName(path, id)} at character ${charOffset(s, i, wide)}: its length ${len} runs past the end of ${path === '' ? 'the payload' : `template ${path}`}`, { field: fieldName(path, id), offset: charOffset(s, i, wide) });
    }
    const bit = 1 << id % 25;
    const word = (id / 25) | 0;
    const was = word === 0 ? seen0 : word === 1 ? seen1 : word === 2 ? seen2 : seen3;
    if (was & bit) {
      throw new DariError('DARI_QR_DUPLICATE_ID', `${objectName(path, id)} appears twice (character ${charOffset(s, i, wide)})`, { field: fieldName(path, id), offset: charOffset(s, i, wide) });
    }
    if (word === 0) seen0 |= bit;
    else if (word === 1) seen1 |= bit;
    else if (word === 2) seen2 |= bit;
    else seen3 |= bit;
    count++;
    i = vEnd;
  }
  // Pass 2: fill the node; templates are read (and checked) recursively.
  const node: QrNode = new Array(count * 2);
  for (let i = start, k = 0; i < end; k += 2) {
    const id = twoDigits(s, i);
    const len = twoDigits(s, i + 2);
    const vStart = i + 4;
    const vEnd = wide ? skipChars(s, vStart, len, end) : vStart + len;
    const template = nesting === Nesting.Payload
      ? (id >= 26 && id <= 51) || id === 62 || id === 64 || (id >= 80 && isTemplate(s, vStart, vEnd, wide))
      : nesting === Nesting.AdditionalData && id >= 50 && isTemplate(s, vStart, vEnd, wide);
    node[k] = id;
    node[k + 1] = template
      ? readLevel(s, vStart, vEnd, wide, fieldName(path, id), nesting === Nesting.Payload && id === 62 ? Nesting.AdditionalData : Nesting.None)
      : s.substring(vStart, vEnd);
    i = vEnd;
  }
  return node;
}

/**
 * Whether `s[start, end)` is a complete run of data objects with distinct ids. For the ids that
 * are templates only when their value holds data objects (80-99, 62.50-99): DuitNow's 82, for
 * one, carries a bare hash. Allocates nothing.
 */
function isTemplate(s: string, start: number, end: number, wide: boolean): boolean {
  let seen0 = 0;
  let seen1 = 0;
  let seen2 = 0;
  let seen3 = 0;
  let i = start;
  while (i < end) {
    if (end - i < 4) return false;
    const id = twoDigits(s, i);
    const len = twoDigits(s, i + 2);
    if (id < 0 || len <= 0) return false;
    const bit = 1 << id % 25;
    const word = (id / 25) | 0;
    const was = word === 0 ? seen0 : word === 1 ? seen1 : word === 2 ? seen2 : seen3;
    if (was & bit) return false;
    if (word === 0) seen0 |= bit;
    else if (word === 1) seen1 |= bit;
    else if (word === 2) seen2 |= bit;
    else seen3 |= bit;
    i = wide ? skipChars(s, i + 4, len, end) : i + 4 + len <= end ? i + 4 + len : -1;
    if (i < 0) return false;
  }
  return true;
}

/** Two decimal digits. */
export function isId(k: string): boolean {
  if (k.length !== 2) return false;
  const a = k.charCodeAt(0);
  const b = k.charCodeAt(1);
  return a >= 48 && a <= 57 && b >= 48 && b <= 57;
}

/** The node of a `fields` object (keys that are not two-digit ids are left out). */
export function fromFields(fields: QrFields): QrNode {
  const node: QrNode = [];
  for (const k of Object.keys(fields).sort()) {
    const v = fields[k];
    if (!isId(k) || v === undefined) continue;
    node.push(Number(k), typeof v === 'string' ? v : fromFields(v));
  }
  return node;
}
