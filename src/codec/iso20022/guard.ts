/**
 * The gate every XML input passes, and the only XML parser of the reading side: size bound, UTF-8,
 * no DOCTYPE or entity declaration (XXE, billion laughs), nesting depth bound, and well-formedness
 * (balanced tags, quoted attributes, only the five predefined entities and character references,
 * a well-formed XML declaration and processing-instruction targets, nothing outside the root).
 *
 * It is one pass over tags with sticky regexes that also builds the element tree the typed walk
 * reads (read.ts): checking and parsing are the same work, so it is done once (the tree used to come
 * from a second parse by fast-xml-parser, which cost six to eight times this whole pass). The depth
 * bound is checked before an element is added, so hostile nesting never reaches the recursive walk.
 * Errors give the line, never input text.
 */
import { DariError, type ErrorCode } from '../../errors';

export interface XmlLimits {
  /**
   * Largest accepted document, in bytes (UTF-8).
   * @default 262144 (256 KiB)
   */
  maxBytes: number;
  /**
   * Deepest accepted element nesting (the root element is depth 1). The deepest path the modelled
   * messages use is about 14 levels, envelope included.
   * @default 32
   */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 32 });
/** Upper bound on maxDepth (the reading walk recurses once per level). */
export const MAX_DEPTH_CAP = 200;

/**
 * An element as the gate read it. Names are as written (prefixes are resolved by the reading walk,
 * read.ts); attribute values and text are raw: references are decoded only for the values read.
 */
export interface XmlNode {
  /** Qualified name as written (`pacs:MsgId`). */
  readonly name: string;
  /** The prefix ('' for none) and the local name of `name`. */
  readonly prefix: string;
  readonly local: string;
  /** Attributes in document order as [qualified name, raw value]; null when the element has none. */
  readonly attrs: ReadonlyArray<readonly [string, string]> | null;
  /** Child elements in document order (one shared empty array for an element without any). */
  children: readonly XmlNode[];
  /** The character data of an element without child elements (CDATA content escaped), untrimmed; '' otherwise. */
  text: string;
}

export interface CheckedXml {
  /** The document as text (BOM removed). */
  readonly text: string;
  /** The input bytes when the document was given as bytes (the XSD validator parses them as they are). */
  readonly bytes: Uint8Array | undefined;
  /** Offset in `text` just after the XML declaration (0 without one). */
  readonly declEnd: number;
  /** The top-level elements, in order (XML allows one; see parse.ts for AppHdr + Document), with their trees. */
  readonly elements: readonly XmlNode[];
}

const NAME = '[A-Za-z_\\u00C0-\\uFFFF][-.\\w:\\u00B7\\u00C0-\\uFFFF]*';
const START_TAG = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`, 'y');
const END_TAG = new RegExp(`</(${NAME})\\s*>`, 'y');
/** A processing instruction's target: a name, then white space or the end of the instruction (XML 1.0 production 16). */
const PI_TARGET = new RegExp(`<\\?${NAME}(?:[ \\t\\r\\n]|\\?>)`, 'y');
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const REFERENCE = /&(?:#([0-9]+)|#x([0-9a-fA-F]+)|lt|gt|amp|quot|apos);/y;
/** Characters XML 1.0 forbids anywhere (section 2.2), and unpaired surrogates. */
export const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * XML 1.0 production 23 (XMLDecl): version, then optional encoding and standalone, in that order;
 * white space is S (production 3: ASCII only, so the declaration is ASCII through and through).
 */
const XML_DECL = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][-\w.]*)"|'([A-Za-z][-\w.]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>/y;
/** Comments, processing instructions and CDATA sections inside an element's text (already checked). */
const TEXT_MARKUP = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>/g;
/**
 * Names that are members of every JavaScript object: refused as element and attribute names (as
 * fast-xml-parser, the parser before this one, did), so that no consumer keying objects by element
 * names can be led into Object.prototype. No ISO 20022 element or attribute has these names.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const NO_CHILDREN: readonly XmlNode[] = Object.freeze([]);

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function fail(code: ErrorCode, text: string, offset: number, what: string): never {
  throw new DariError(code, `line ${lineOf(text, offset)}: ${what}`, { offset });
}

function validCodePoint(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Every `&` in text[first, to) (`first` is the first one) starts a predefined entity or a valid
 * character reference. Returns the position of the next `&` at or after `to` (-1: none), so the
 * caller never searches the same text twice.
 */
function checkReferences(text: string, first: number, to: number): number {
  let i = first;
  for (; i !== -1 && i < to; i = text.indexOf('&', i + 1)) {
    REFERENCE.lastIndex = i;
    const m = REFERENCE.exec(text);
    if (m === null || REFERENCE.lastIndex > to) {
      const named = /^&[A-Za-z_][-.\w]*;/.test(text.slice(i, Math.min(to, i + 64)));
      fail('DARI_XML_MALFORMED', text, i, named ? 'reference to an undeclared entity (only &lt; &gt; &amp; &quot; &apos; exist here)' : "a bare '&' (write &amp;)");
    }
    const dec = m[1];
    const hex = m[2];
    if ((dec !== undefined || hex !== undefined) && !validCodePoint(dec !== undefined ? Number(dec) : parseInt(hex as string, 16))) {
      fail('DARI_XML_MALFORMED', text, i, 'a character reference to a character XML does not allow');
    }
  }
  return i;
}

const escapeCdata = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The character data of checked element content holding comments, PIs or CDATA sections. */
const stripMarkup = (content: string): string => content.replace(TEXT_MARKUP, (_m, cdata?: string) => (cdata === undefined ? '' : escapeCdata(cdata)));

function parseAttributes(text: string, lt: number, name: string, attrs: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(attrs); m !== null; m = ATTRIBUTE.exec(attrs)) {
    const attr = m[1] as string;
    if (RESERVED_NAMES.has(attr)) fail('DARI_XML_MALFORMED', text, lt, `the XML parser refused the document (attribute name "${attr}" is reserved)`);
    for (const [seen] of out) if (seen === attr) fail('DARI_XML_MALFORMED', text, lt, `an attribute repeated on <${name}>`);
    out.push([attr, m[2] ?? m[3] ?? '']);
  }
  return out;
}

/** DARI_XML_TOO_LARGE when text is above `maxBytes` in UTF-8 (counted only when it could be). */
export function checkTextSize(text: string, maxBytes: number): void {
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw new DariError('DARI_XML_TOO_LARGE', `the document is larger than ${maxBytes} bytes`);
  }
}

/**
 * Decode, bound and check an XML document, and build its element tree in the same pass; throws a
 * DariError (DARI_XML_*) when it is refused.
 */
export function checkXml(input: string | Uint8Array, limits: XmlLimits): CheckedXml {
  let text: string;
  if (typeof input === 'string') {
    checkTextSize(input, limits.maxBytes);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.length > limits.maxBytes) throw new DariError('DARI_XML_TOO_LARGE', `the document is ${input.length} bytes, above the maximum of ${limits.maxBytes}`);
    try {
      text = UTF8.decode(input);
    } catch {
      throw new DariError('DARI_XML_MALFORMED', 'the document is not valid UTF-8 (ISO 20022 messages are UTF-8)');
    }
  }
  const bad = FORBIDDEN_CHAR.exec(text);
  if (bad !== null) fail('DARI_XML_MALFORMED', text, bad.index, 'a character XML 1.0 does not allow (control character or unpaired surrogate)');

  let pos = 0;
  XML_DECL.lastIndex = 0;
  const decl = XML_DECL.exec(text);
  if (decl === null && /^<\?xml[\s?]/.test(text.slice(0, 6))) fail('DARI_XML_MALFORMED', text, 0, 'a malformed XML declaration');
  if (decl !== null) {
    const enc = decl[1] ?? decl[2];
    if (enc !== undefined && !/^utf-?8$/i.test(enc)) fail('DARI_XML_MALFORMED', text, 0, `encoding "${enc.slice(0, 20)}" is not supported (ISO 20022 messages are UTF-8)`);
    pos = XML_DECL.lastIndex;
  }
  const declEnd = pos;

  const stack: XmlNode[] = [];
  /** Where the content of each open element starts. */
  const starts: number[] = [];
  const elements: XmlNode[] = [];
  // Next '&' and ']]>' at or after the scan position, each searched once (not once per text run).
  let amp = text.indexOf('&');
  let cdataEnd = text.indexOf(']]>');
  /** Start of the last comment, PI or CDATA section: an element's text is plain when it starts after it. */
  let lastMarkup = -1;
  for (;;) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? text.length : lt;
    if (end > pos) {
      if (stack.length === 0) {
        if (/\S/.test(text.slice(pos, end))) fail('DARI_XML_MALFORMED', text, pos, 'text outside the root element');
      } else {
        if (amp !== -1 && amp < pos) amp = text.indexOf('&', pos);
        if (amp !== -1 && amp < end) amp = checkReferences(text, amp, end);
        if (cdataEnd !== -1 && cdataEnd < pos) cdataEnd = text.indexOf(']]>', pos);
        if (cdataEnd !== -1 && cdataEnd < end) fail('DARI_XML_MALFORMED', text, cdataEnd, "']]>' in text (write ]]&gt;)");
      }
    }
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const close = text.indexOf('-->', lt + 4);
        if (close === -1) fail('DARI_XML_MALFORMED', text, lt, 'unterminated comment');
        pos = close + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        if (stack.length === 0) fail('DARI_XML_MALFORMED', text, lt, 'CDATA outside the root element');
        const close = text.indexOf(']]>', lt + 9);
        if (close === -1) fail('DARI_XML_MALFORMED', text, lt, 'unterminated CDATA section');
        pos = close + 3;
      } else if (/^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/.test(text.slice(lt, lt + 12))) {
        fail('DARI_XML_DOCTYPE_REFUSED', text, lt, 'DOCTYPE and entity declarations are refused (XXE, entity expansion)');
      } else {
        fail('DARI_XML_MALFORMED', text, lt, "a markup declaration that is not a comment or CDATA section");
      }
      lastMarkup = lt;
    } else if (c === 0x3f /* ? */) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) fail('DARI_XML_MALFORMED', text, lt, 'unterminated processing instruction');
      PI_TARGET.lastIndex = lt;
      if (!PI_TARGET.test(text)) fail('DARI_XML_MALFORMED', text, lt, 'a processing instruction without a valid target name');
      if (/^<\?xml[\s?]/i.test(text.slice(lt, lt + 6))) fail('DARI_XML_MALFORMED', text, lt, 'an XML declaration that is not at the start of the document');
      pos = close + 2;
      lastMarkup = lt;
    } else if (c === 0x2f /* / */) {
      END_TAG.lastIndex = lt;
      const m = END_TAG.exec(text);
      if (m === null) fail('DARI_XML_MALFORMED', text, lt, 'a malformed end tag');
      const open = stack.pop();
      if (open === undefined) fail('DARI_XML_MALFORMED', text, lt, `end tag </${m[1]}> without a start tag`);
      if (open.name !== m[1]) fail('DARI_XML_MALFORMED', text, lt, `end tag </${m[1]}> does not close <${open.name}>`);
      const start = starts.pop() as number;
      if (open.children === NO_CHILDREN && lt > start) open.text = lastMarkup >= start ? stripMarkup(text.slice(start, lt)) : text.slice(start, lt);
      pos = END_TAG.lastIndex;
    } else {
      START_TAG.lastIndex = lt;
      const m = START_TAG.exec(text);
      if (m === null) fail('DARI_XML_MALFORMED', text, lt, 'a malformed start tag (name, attribute quoting or "<" in a value)');
      const name = m[1] as string;
      if (RESERVED_NAMES.has(name)) fail('DARI_XML_MALFORMED', text, lt, `the XML parser refused the document (element name "${name}" is reserved)`);
      const rawAttrs = m[2] as string;
      let attrs: Array<[string, string]> | null = null;
      if (rawAttrs.length > 0) {
        if (amp !== -1 && amp < lt) amp = text.indexOf('&', lt);
        if (amp !== -1 && amp < START_TAG.lastIndex) amp = checkReferences(text, amp, START_TAG.lastIndex);
        attrs = parseAttributes(text, lt, name, rawAttrs);
      }
      if (stack.length + 1 > limits.maxDepth) fail('DARI_XML_TOO_DEEP', text, lt, `elements nested deeper than ${limits.maxDepth} levels`);
      const colon = name.indexOf(':');
      const node: XmlNode = {
        name, prefix: colon === -1 ? '' : name.slice(0, colon), local: colon === -1 ? name : name.slice(colon + 1),
        attrs, children: NO_CHILDREN, text: '',
      };
      const parent = stack[stack.length - 1];
      if (parent === undefined) elements.push(node);
      else if (parent.children === NO_CHILDREN) parent.children = [node];
      else (parent.children as XmlNode[]).push(node);
      pos = START_TAG.lastIndex;
      if (m[3] !== '/') {
        stack.push(node);
        starts.push(pos);
      }
    }
  }
  if (stack.length > 0) fail('DARI_XML_MALFORMED', text, text.length, `the document ends inside <${stack[stack.length - 1]?.name}>`);
  if (elements.length === 0) fail('DARI_XML_MALFORMED', text, 0, 'no root element');
  return { text, bytes: typeof input === 'string' ? undefined : input, declEnd, elements };
}

/** Replace the five predefined entities and character references (the gate has checked them). */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (_m, dec?: string, hex?: string, named?: string) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return named === 'lt' ? '<' : named === 'gt' ? '>' : named === 'amp' ? '&' : named === 'quot' ? '"' : "'";
  });
}
