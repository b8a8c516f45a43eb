/**
 * parseMessage: an ISO 20022 message in any of the three forms partners send
 *  - a bare `Document`;
 *  - `AppHdr` followed by `Document` at the top level (the two parts of an MX file, no wrapper);
 *  - a wrapper element (e.g. `<Envelope xmlns="urn:swift:xsd:envelope">`) holding AppHdr and Document;
 * -> its message type, header and typed document.
 *
 * The type comes from the Document namespace (`urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08`), or,
 * for a Document without namespace, from the header's MsgDefIdr; when both are there they must agree.
 */
import { XMLParser } from 'fast-xml-parser';
import { DariError } from '../../errors';
import { DEFAULT_LIMITS, MAX_DEPTH_CAP, checkXml, type XmlLimits } from './guard';
import { HEADER_LAYOUT, ISO_NAMESPACE_PREFIX, MESSAGES, MESSAGE_TYPES, REPEATING_NAMES, isHeaderType, isMessageType } from './messages';
import { ATTRS, ROOT_SCOPE, TEXT_KEY, childElements, readGroup, resolvePrefix, scopeOf, splitName, type Scope } from './read';
import type { AppHdr, HeaderType, MessageType, ParsedMessage } from './types';

export type ParseOptions = Partial<XmlLimits>;

/**
 * Safe settings (see the reference note, section 7): attributes kept (Ccy, xmlns), every value a
 * string (no number parsing: amounts stay decimal strings, identifiers keep leading zeros), no
 * entity processing by the parser (the gate refuses DOCTYPE; guard.decodeEntities handles the five
 * predefined entities and character references of the values actually read), declarations and
 * processing instructions dropped, prefixes kept (namespaces are resolved by the walk).
 */
const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRS,
  textNodeName: TEXT_KEY,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  trimValues: true,
  jPath: false,
  maxNestedTags: MAX_DEPTH_CAP + 1,
  isArray: (tagName: string) => REPEATING_NAMES.has(splitName(tagName)[1]),
});

/** Options merged with the defaults, checked once. */
export function resolveLimits(opts: ParseOptions = {}): XmlLimits {
  const limits = { ...DEFAULT_LIMITS, ...opts };
  if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 64) {
    throw new DariError('DARI_CONFIG_INVALID', 'iso20022 maxBytes must be an integer of at least 64');
  }
  if (!Number.isInteger(limits.maxDepth) || limits.maxDepth < 4 || limits.maxDepth > MAX_DEPTH_CAP) {
    throw new DariError('DARI_CONFIG_INVALID', `iso20022 maxDepth must be an integer from 4 to ${MAX_DEPTH_CAP}`);
  }
  return limits;
}

/** Parse checked text into the parser's tree; any parser refusal is a malformed document. */
export function parseTree(text: string): Record<string, unknown> {
  try {
    return PARSER.parse(text) as Record<string, unknown>;
  } catch (e) {
    // fast-xml-parser refuses element names such as `constructor` (prototype pollution guard).
    throw new DariError('DARI_XML_MALFORMED', `the XML parser refused the document (${(e as Error).message.slice(0, 120)})`);
  }
}

interface Parts {
  header?: [key: string, value: unknown, scope: Scope];
  document: [key: string, value: unknown, scope: Scope];
  envelope: boolean;
}

const localName = (qname: string): string => splitName(qname)[1];

/** Find AppHdr and Document whatever the form. */
function locateParts(tree: Record<string, unknown>, roots: string[]): Parts {
  const [first, second] = roots;
  if (roots.length === 1 && first !== undefined) {
    const top = tree[first];
    if (localName(first) === 'Document') return { document: [first, top, scopeOf(top, ROOT_SCOPE)], envelope: false };
    if (localName(first) === 'AppHdr') throw new DariError('DARI_XML_UNKNOWN_MESSAGE', 'a business application header without a Document');
    const scope = scopeOf(top, ROOT_SCOPE);
    let header: Parts['header'];
    let document: Parts['document'] | undefined;
    if (typeof top === 'object' && top !== null) {
      for (const key in top) {
        if (key === ATTRS || key === TEXT_KEY) continue;
        const raw = (top as Record<string, unknown>)[key];
        const items = Array.isArray(raw) ? raw : [raw];
        const local = localName(key);
        if (local !== 'AppHdr' && local !== 'Document') continue;
        if (items.length > 1 || (local === 'AppHdr' ? header : document) !== undefined) {
          throw new DariError('DARI_XML_VALUE_INVALID', `/${first}/${local}: occurs more than once in the envelope`);
        }
        if (local === 'AppHdr') header = [key, items[0], scopeOf(items[0], scope)];
        else document = [key, items[0], scopeOf(items[0], scope)];
      }
    }
    if (document === undefined) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `no Document element in the <${localName(first)}> wrapper`);
    return header === undefined ? { document, envelope: true } : { header, document, envelope: true };
  }
  if (roots.length === 2 && first !== undefined && second !== undefined && localName(first) === 'AppHdr' && localName(second) === 'Document') {
    const h = tree[first];
    const d = tree[second];
    return { header: [first, h, scopeOf(h, ROOT_SCOPE)], document: [second, d, scopeOf(d, ROOT_SCOPE)], envelope: false };
  }
  throw new DariError('DARI_XML_MALFORMED', `${roots.length} top-level elements (${roots.map(localName).join(', ')}): a document has one root, or AppHdr followed by Document`);
}

/** The header namespace, or a coded error. */
function headerTypeOf(scopeNs: string | undefined): HeaderType {
  const t = scopeNs?.startsWith(ISO_NAMESPACE_PREFIX) ? scopeNs.slice(ISO_NAMESPACE_PREFIX.length) : '';
  if (!isHeaderType(t)) {
    throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `AppHdr namespace ${scopeNs ? `"${scopeNs.slice(0, 80)}"` : '(none)'} is not head.001.001.02 or head.001.001.03`);
  }
  return t;
}

/** Read an ISO 20022 message (see the module comment). Bad input throws a DariError (DARI_XML_*). */
export function parseMessage(xml: string | Uint8Array, opts?: ParseOptions): ParsedMessage {
  const checked = checkXml(xml, resolveLimits(opts));
  const tree = parseTree(checked.text);
  const parts = locateParts(tree, checked.roots);

  let header: AppHdr | undefined;
  let headerType: HeaderType | undefined;
  if (parts.header !== undefined) {
    const [hKey, value, hScope] = parts.header;
    headerType = headerTypeOf(resolvePrefix(hScope, splitName(hKey)[0]));
    header = readGroup(HEADER_LAYOUT, value, '/AppHdr', hScope, ISO_NAMESPACE_PREFIX + headerType) as unknown as AppHdr;
  }

  const [docKey, docValue, docScope] = parts.document;
  const docNs = resolvePrefix(docScope, splitName(docKey)[0]);
  let type: MessageType;
  if (docNs !== undefined && docNs.startsWith(ISO_NAMESPACE_PREFIX)) {
    const t = docNs.slice(ISO_NAMESPACE_PREFIX.length);
    if (!isMessageType(t)) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `${t.slice(0, 40)} is not supported (supported: ${MESSAGE_TYPES.join(', ')})`);
    type = t;
  } else if (docNs === '' && header !== undefined && isMessageType(header.MsgDefIdr)) {
    type = header.MsgDefIdr;
  } else {
    throw new DariError('DARI_XML_UNKNOWN_MESSAGE', docNs ? `Document namespace "${docNs.slice(0, 80)}" is not an ISO 20022 message` : 'the Document has no namespace and no header names a supported message');
  }
  if (header !== undefined && header.MsgDefIdr !== type) {
    throw new DariError('DARI_XML_NAMESPACE_MISMATCH', `AppHdr/MsgDefIdr says ${header.MsgDefIdr.slice(0, 40)} but the Document is ${type}`);
  }

  const layout = MESSAGES.get(type);
  if (layout === undefined) throw new DariError('DARI_INTERNAL_ERROR', `no layout for ${type}`);
  const ns = docNs ?? '';
  const roots = childElements(docValue, docScope, ns, layout.root);
  const rootPath = `/Document/${layout.root}`;
  if (roots.length === 0) throw new DariError('DARI_XML_MISSING_ELEMENT', `${rootPath} is missing (${type})`, { field: rootPath });
  if (roots.length > 1) throw new DariError('DARI_XML_VALUE_INVALID', `${rootPath}: occurs more than once`, { field: rootPath });
  const [rootValue, rootScope] = roots[0] as [unknown, Scope];
  const document = readGroup(layout.layout, rootValue, rootPath, rootScope, ns);
  const out = { type, document, envelope: parts.envelope } as unknown as ParsedMessage;
  if (header !== undefined) {
    out.header = header;
    out.headerType = headerType;
  }
  return out;
}

