/**
 * The gate every XML input passes before any parser sees it: size bound, UTF-8, no DOCTYPE or entity
 * declaration (XXE, billion laughs), nesting depth bound, and well-formedness (balanced tags, quoted
 * attributes, only the five predefined entities and character references, nothing outside the root).
 *
 * It is one pass over tags with sticky regexes. fast-xml-parser is lenient (it accepts unclosed tags
 * and recurses without a depth bound), so this pass is what makes "malformed" a coded error and keeps
 * hostile nesting from reaching a recursive walk. Errors give the line, never input text.
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
/** Upper bound on maxDepth (the parser's own nesting cap sits above it). */
export const MAX_DEPTH_CAP = 200;

export interface CheckedXml {
  /** The document as text: BOM removed, CDATA sections rewritten as escaped text. */
  text: string;
  /** Qualified names of the top-level elements, in order (XML allows one; see parse.ts for AppHdr + Document). */
  roots: string[];
}

const NAME = '[A-Za-z_\\u00C0-\\uFFFF][-.\\w:\\u00B7\\u00C0-\\uFFFF]*';
const START_TAG = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`, 'y');
const END_TAG = new RegExp(`</(${NAME})\\s*>`, 'y');
const ATTR_NAME = new RegExp(`(${NAME})\\s*=`, 'g');
const REFERENCE = /&(?:#([0-9]+)|#x([0-9a-fA-F]+)|lt|gt|amp|quot|apos);/y;
/** Characters XML 1.0 forbids anywhere (section 2.2), and unpaired surrogates. */
export const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_DECL = /<\?xml(?=[\s?])(?:[^?]*?\sencoding\s*=\s*["']([^"']*)["'])?[^?]*\?>/y;

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

/** Every `&` in text[from, to) starts a predefined entity or a valid character reference. */
function checkReferences(text: string, from: number, to: number): void {
  for (let i = text.indexOf('&', from); i !== -1 && i < to; i = text.indexOf('&', i + 1)) {
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
}

const escapeCdata = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Decode, bound and check an XML document; throws a DariError (DARI_XML_*) when it is refused. */
export function checkXml(input: string | Uint8Array, limits: XmlLimits): CheckedXml {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > limits.maxBytes || (input.length * 3 > limits.maxBytes && Buffer.byteLength(input, 'utf8') > limits.maxBytes)) {
      throw new DariError('DARI_XML_TOO_LARGE', `the document is larger than ${limits.maxBytes} bytes`);
    }
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
  if (decl !== null) {
    const enc = decl[1];
    if (enc !== undefined && !/^utf-?8$/i.test(enc)) fail('DARI_XML_MALFORMED', text, 0, `encoding "${enc.slice(0, 20)}" is not supported (ISO 20022 messages are UTF-8)`);
    pos = XML_DECL.lastIndex;
  }

  const stack: string[] = [];
  const roots: string[] = [];
  let cdata: Array<[number, number, string]> | null = null;
  for (;;) {
    const lt = text.indexOf('<', pos);
    const end = lt === -1 ? text.length : lt;
    if (end > pos) {
      if (stack.length === 0) {
        if (/\S/.test(text.slice(pos, end))) fail('DARI_XML_MALFORMED', text, pos, 'text outside the root element');
      } else {
        checkReferences(text, pos, end);
        const cd = text.indexOf(']]>', pos);
        if (cd !== -1 && cd < end) fail('DARI_XML_MALFORMED', text, cd, "']]>' in text (write ]]&gt;)");
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
        (cdata ??= []).push([lt, close + 3, escapeCdata(text.slice(lt + 9, close))]);
        pos = close + 3;
      } else if (/^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/.test(text.slice(lt, lt + 12))) {
        fail('DARI_XML_DOCTYPE_REFUSED', text, lt, 'DOCTYPE and entity declarations are refused (XXE, entity expansion)');
      } else {
        fail('DARI_XML_MALFORMED', text, lt, "a markup declaration that is not a comment or CDATA section");
      }
    } else if (c === 0x3f /* ? */) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) fail('DARI_XML_MALFORMED', text, lt, 'unterminated processing instruction');
      if (/^<\?xml[\s?]/i.test(text.slice(lt, lt + 6))) fail('DARI_XML_MALFORMED', text, lt, 'an XML declaration that is not at the start of the document');
      pos = close + 2;
    } else if (c === 0x2f /* / */) {
      END_TAG.lastIndex = lt;
      const m = END_TAG.exec(text);
      if (m === null) fail('DARI_XML_MALFORMED', text, lt, 'a malformed end tag');
      const open = stack.pop();
      if (open !== m[1]) fail('DARI_XML_MALFORMED', text, lt, open === undefined ? `end tag </${m[1]}> without a start tag` : `end tag </${m[1]}> does not close <${open}>`);
      pos = END_TAG.lastIndex;
    } else {
      START_TAG.lastIndex = lt;
      const m = START_TAG.exec(text);
      if (m === null) fail('DARI_XML_MALFORMED', text, lt, 'a malformed start tag (name, attribute quoting or "<" in a value)');
      const name = m[1] as string;
      const attrs = m[2] as string;
      if (attrs.length > 0) {
        checkReferences(text, lt, START_TAG.lastIndex);
        if (attrs.indexOf('=') !== attrs.lastIndexOf('=')) {
          const names = [...attrs.matchAll(ATTR_NAME)].map((a) => a[1]);
          if (new Set(names).size !== names.length) fail('DARI_XML_MALFORMED', text, lt, `an attribute repeated on <${name}>`);
        }
      }
      if (stack.length === 0) roots.push(name);
      if (stack.length + 1 > limits.maxDepth) fail('DARI_XML_TOO_DEEP', text, lt, `elements nested deeper than ${limits.maxDepth} levels`);
      if (m[3] !== '/') stack.push(name);
      pos = START_TAG.lastIndex;
    }
  }
  if (stack.length > 0) fail('DARI_XML_MALFORMED', text, text.length, `the document ends inside <${stack[stack.length - 1]}>`);
  if (roots.length === 0) fail('DARI_XML_MALFORMED', text, 0, 'no root element');
  if (cdata !== null) {
    let out = '';
    let at = 0;
    for (const [from, to, escaped] of cdata) {
      out += text.slice(at, from) + escaped;
      at = to;
    }
    text = out + text.slice(at);
  }
  return { text, roots };
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
