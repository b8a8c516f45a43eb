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
import { DariError } from '../../errors';
import { DEFAULT_LIMITS, MAX_DEPTH_CAP, checkXml, type CheckedXml, type XmlLimits, type XmlNode } from './guard';
import { HEADER_LAYOUT, ISO_NAMESPACE_PREFIX, MESSAGES, MESSAGE_TYPES, isHeaderType, isMessageType } from './messages';
import { documentRoot } from './path';
import { ROOT_SCOPE, childElements, readGroup, resolvePrefix, scopeOf, type Scope } from './read';
import type { AppHdr, HeaderType, MessageType, ParsedMessage } from './types';

export type ParseOptions = Partial<XmlLimits>;

/** Options merged with the defaults, checked once. */
export function resolveLimits(opts?: ParseOptions): XmlLimits {
  if (opts === undefined) return DEFAULT_LIMITS;
  const limits = { ...DEFAULT_LIMITS, ...opts };
  if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 64) {
    throw new DariError('DARI_CONFIG_INVALID', 'iso20022 maxBytes must be an integer of at least 64');
  }
  if (!Number.isInteger(limits.maxDepth) || limits.maxDepth < 4 || limits.maxDepth > MAX_DEPTH_CAP) {
    throw new DariError('DARI_CONFIG_INVALID', `iso20022 maxDepth must be an integer from 4 to ${MAX_DEPTH_CAP}`);
  }
  return limits;
}

/**
 * The gate alone (size, UTF-8, DOCTYPE, depth, well-formedness; see guard.ts) with the element tree
 * it builds. Give its result to parseMessage and to SchemaValidator.validate: a message that is both
 * read and validated is then checked and tokenized once.
 */
export function checkMessage(xml: string | Uint8Array, opts?: ParseOptions): CheckedXml {
  return checkXml(xml, resolveLimits(opts));
}

/** Input given to parseMessage or SchemaValidator.validate as text or bytes, not yet checked. */
export const isRawInput = (xml: string | Uint8Array | CheckedXml): xml is string | Uint8Array => typeof xml === 'string' || xml instanceof Uint8Array;

type Part = [el: XmlNode, scope: Scope];

interface Parts {
  header?: Part;
  document: Part;
  envelope: boolean;
}

/** Find AppHdr and Document whatever the form. */
function locateParts(roots: readonly XmlNode[]): Parts {
  const [first, second] = roots;
  if (roots.length === 1 && first !== undefined) {
    if (first.local === 'Document') return { document: [first, scopeOf(first, ROOT_SCOPE)], envelope: false };
    if (first.local === 'AppHdr') throw new DariError('DARI_XML_UNKNOWN_MESSAGE', 'a business application header without a Document');
    const scope = scopeOf(first, ROOT_SCOPE);
    let header: Part | undefined;
    let document: Part | undefined;
    for (const c of first.children) {
      if (c.local !== 'AppHdr' && c.local !== 'Document') continue;
      if ((c.local === 'AppHdr' ? header : document) !== undefined) {
        throw new DariError('DARI_XML_VALUE_INVALID', `/${first.name}/${c.local}: occurs more than once in the envelope`);
      }
      if (c.local === 'AppHdr') header = [c, scopeOf(c, scope)];
      else document = [c, scopeOf(c, scope)];
    }
    if (document === undefined) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `no Document element in the <${first.local}> wrapper`);
    return header === undefined ? { document, envelope: true } : { header, document, envelope: true };
  }
  if (roots.length === 2 && first !== undefined && second !== undefined && first.local === 'AppHdr' && second.local === 'Document') {
    return { header: [first, scopeOf(first, ROOT_SCOPE)], document: [second, scopeOf(second, ROOT_SCOPE)], envelope: false };
  }
  throw new DariError('DARI_XML_MALFORMED', `${roots.length} top-level elements (${roots.map((r) => r.local).join(', ')}): a document has one root, or AppHdr followed by Document`);
}

/** The header namespace, or a coded error. */
export function headerTypeOf(scopeNs: string | undefined): HeaderType {
  const t = scopeNs?.startsWith(ISO_NAMESPACE_PREFIX) ? scopeNs.slice(ISO_NAMESPACE_PREFIX.length) : '';
  if (!isHeaderType(t)) {
    throw new DariError('DARI_XML_UNKNOWN_MESSAGE', `AppHdr namespace ${scopeNs ? `"${scopeNs.slice(0, 80)}"` : '(none)'} is not head.001.001.02 or head.001.001.03`);
  }
  return t;
}

/**
 * Read an ISO 20022 message (see the module comment): text or bytes, or the result of checkMessage
 * (then `opts` is not used: the limits applied when it was checked). Bad input throws a DariError
 * (DARI_XML_*).
 */
export function parseMessage(xml: string | Uint8Array | CheckedXml, opts?: ParseOptions): ParsedMessage {
  const checked = isRawInput(xml) ? checkXml(xml, resolveLimits(opts)) : xml;
  const parts = locateParts(checked.elements);

  let header: AppHdr | undefined;
  let headerType: HeaderType | undefined;
  if (parts.header !== undefined) {
    const [hEl, hScope] = parts.header;
    headerType = headerTypeOf(resolvePrefix(hScope, hEl.prefix));
    header = readGroup(HEADER_LAYOUT, hEl, { up: null, name: 'AppHdr', index: 0 }, hScope, ISO_NAMESPACE_PREFIX + headerType) as unknown as AppHdr;
  }

  const [docEl, docScope] = parts.document;
  const docNs = resolvePrefix(docScope, docEl.prefix);
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
  const roots = childElements(docEl, docScope, ns, layout.root);
  const rootPath = `/Document/${layout.root}`;
  if (roots.length === 0) throw new DariError('DARI_XML_MISSING_ELEMENT', `${rootPath} is missing (${type})`, { field: rootPath });
  if (roots.length > 1) throw new DariError('DARI_XML_VALUE_INVALID', `${rootPath}: occurs more than once`, { field: rootPath });
  const [rootEl, rootScope] = roots[0] as Part;
  const document = readGroup(layout.layout, rootEl, documentRoot(layout.root), rootScope, ns);
  const out = { type, document, envelope: parts.envelope } as unknown as ParsedMessage;
  if (header !== undefined) {
    out.header = header;
    out.headerType = headerType;
  }
  return out;
}

