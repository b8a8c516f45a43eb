/**
 * buildMessage: typed model -> ISO 20022 XML (UTF-8 text, compact, default namespaces, no prefixes).
 *
 * The walk follows the layout, so elements come out in XSD sequence order whatever the order of
 * the object's keys. It refuses (coded errors naming the element path) what would not make a valid
 * message: a missing mandatory element, a field the message version does not define, an empty or
 * space-padded text, a character XML cannot carry, a bad amount. Every message Dari builds is also
 * validated against its XSD in the specs (xmllint) and may be at run time (SchemaValidator).
 */
import { DariError } from '../../errors';
import { amountProblem } from './amount';
import { FORBIDDEN_CHAR } from './guard';
import { ENVELOPE_NAMESPACE, HEADER_LAYOUT, ISO_NAMESPACE_PREFIX, MESSAGES, isHeaderType } from './messages';
import type { Child, Group } from './model';
import { documentRoot, pathOf, type At } from './path';
import type { AppHdr, DocumentByType, HeaderType, MessageType } from './types';

export interface BuildOptions {
  /** A business application header to put before the Document; its MsgDefIdr must be the message type. */
  header?: AppHdr;
  /**
   * The header version.
   * @default 'head.001.001.02' (CBPR+)
   */
  headerType?: HeaderType;
  /**
   * Wrap AppHdr and Document in `<Envelope xmlns="urn:swift:xsd:envelope">`. Without an envelope a
   * header is written as a second top-level element before the Document (the MX file form).
   * @default true when a header is given
   */
  envelope?: boolean;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const NEEDS_ESCAPE = /[&<>\r]/;

function valueInvalid(at: At, what: string): DariError {
  const path = pathOf(at);
  return new DariError('DARI_XML_VALUE_INVALID', `${path}: ${what}`, { field: path });
}

function missingElement(at: At, what: string): DariError {
  const path = pathOf(at);
  return new DariError('DARI_XML_MISSING_ELEMENT', `${path} ${what}`, { field: path });
}

function escapeText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;') : s;
}

function textValue(v: unknown, up: At, c: Child, index: number): string {
  if (typeof v !== 'string') throw valueInvalid({ up, name: c.name, index }, `must be a string, not ${v === null ? 'null' : typeof v}`);
  if (v === '') throw valueInvalid({ up, name: c.name, index }, 'is empty (leave the element out instead)');
  if (v.trim() !== v) throw valueInvalid({ up, name: c.name, index }, 'starts or ends with white space');
  if (FORBIDDEN_CHAR.test(v)) throw valueInvalid({ up, name: c.name, index }, 'has a character XML cannot carry (control character or unpaired surrogate)');
  return escapeText(v);
}

/** Element `c` (occurrence `index`, 0 when it cannot repeat) of the group at `up`, with value `v`. */
function element(c: Child, v: unknown, up: At, index: number): string {
  const node = c.node;
  if (node === 'text') return c.open + textValue(v, up, c, index) + c.close;
  if (node === 'bool') {
    if (typeof v !== 'boolean') throw valueInvalid({ up, name: c.name, index }, 'must be a boolean');
    return c.open + (v ? 'true' : 'false') + c.close;
  }
  if (node === 'amount') {
    const a = v as { Ccy?: unknown; value?: unknown } | null;
    if (typeof a !== 'object' || a === null || typeof a.Ccy !== 'string' || typeof a.value !== 'string') {
      const path = pathOf({ up, name: c.name, index });
      throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: an amount is { Ccy: 'EUR', value: '10.50' } (strings)`, { field: path });
    }
    // Only an ISO 4217 code (three capitals) passes, so Ccy needs no escaping.
    const problem = amountProblem(a.value, a.Ccy);
    if (problem !== undefined) {
      const path = pathOf({ up, name: c.name, index });
      throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: ${problem}`, { field: path });
    }
    return `<${c.name} Ccy="${a.Ccy}">${a.value}${c.close}`;
  }
  return c.open + writeGroup(node, v, { up, name: c.name, index }) + c.close;
}

/** The children of a complex element, in layout (XSD) order. */
function writeGroup(g: Group, obj: unknown, at: At): string {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw valueInvalid(at, 'must be an object');
  const o = obj as Record<string, unknown>;
  for (const k in o) {
    if (o[k] !== undefined && !g.index.has(k)) throw valueInvalid({ up: at, name: k, index: 0 }, 'is not an element of this message version (or not modelled)');
  }
  let out = '';
  let present = 0;
  for (const c of g.children) {
    const v = o[c.name];
    if (c.max === 1) {
      if (v === undefined) {
        if (c.min === 1) throw missingElement({ up: at, name: c.name, index: 0 }, 'is missing');
        continue;
      }
      present++;
      out += element(c, v, at, 0);
      continue;
    }
    if (v === undefined || (Array.isArray(v) && v.length === 0)) {
      if (c.min === 1) throw missingElement({ up: at, name: c.name, index: 0 }, 'is missing (at least one)');
      continue;
    }
    if (!Array.isArray(v)) throw valueInvalid({ up: at, name: c.name, index: 0 }, 'repeats: it must be an array');
    if (v.length > c.max) throw valueInvalid({ up: at, name: c.name, index: 0 }, `${v.length} occurrences, the schema allows ${c.max}`);
    present++;
    for (let i = 0; i < v.length; i++) out += element(c, v[i], at, i + 1);
  }
  if (g.choice && present !== 1) {
    const names = g.children.map((c) => c.name).join(', ');
    if (present === 0) throw missingElement(at, `needs one of ${names}`);
    throw valueInvalid(at, `has more than one of ${names} (a choice)`);
  }
  return out;
}

/** `<Document xmlns="...">` with the message root element, without XML declaration. */
export function buildDocument<T extends MessageType>(type: T, document: DocumentByType[T]): string {
  const m = MESSAGES.get(type);
  if (m === undefined) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `${String(type).slice(0, 40)} is not a supported message type`);
  return `<Document xmlns="${m.namespace}"><${m.root}>${writeGroup(m.layout, document, documentRoot(m.root))}</${m.root}></Document>`;
}

/** `<AppHdr xmlns="...">`, without XML declaration. */
export function buildHeader(header: AppHdr, headerType: HeaderType = 'head.001.001.02'): string {
  if (!isHeaderType(headerType)) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `${String(headerType).slice(0, 40)} is not head.001.001.02 or head.001.001.03`);
  return `<AppHdr xmlns="${ISO_NAMESPACE_PREFIX}${headerType}">${writeGroup(HEADER_LAYOUT, header, { up: null, name: 'AppHdr', index: 0 })}</AppHdr>`;
}

/** Build a message (see BuildOptions for header and envelope). Bad input throws a DariError (DARI_XML_*). */
export function buildMessage<T extends MessageType>(type: T, document: DocumentByType[T], opts: BuildOptions = {}): string {
  const { header } = opts;
  if (header === undefined) {
    if (opts.envelope === true) throw new DariError('DARI_XML_MISSING_ELEMENT', '/AppHdr is missing (an envelope holds a header and a Document)', { field: '/AppHdr' });
    return XML_DECLARATION + buildDocument(type, document);
  }
  if (header.MsgDefIdr !== type) {
    throw new DariError('DARI_XML_NAMESPACE_MISMATCH', `AppHdr/MsgDefIdr is ${String(header.MsgDefIdr).slice(0, 40)} but the message is ${type}`);
  }
  const body = buildHeader(header, opts.headerType) + buildDocument(type, document);
  return XML_DECLARATION + (opts.envelope === false ? body : `<Envelope xmlns="${ENVELOPE_NAMESPACE}">${body}</Envelope>`);
}
