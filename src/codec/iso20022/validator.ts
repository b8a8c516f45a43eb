/**
 * Runtime XSD validation with libxml2 compiled to WebAssembly (libxml2-wasm: no native build, no JVM).
 *
 * The XSDs are data the operator provides: a folder of `<message>.xsd` files named after the message
 * version (`pacs.008.001.08.xsd`, `head.001.001.02.xsd`, ...), as the ISO 20022 catalogue ships them.
 * A schema is compiled on first use and kept (compiling pacs.008 takes tens of ms; validating a
 * message with it, well under a millisecond). The header and the Document are validated separately,
 * each against its own schema, as the envelope (`urn:swift:xsd:envelope`) has no XSD here.
 *
 * WASM memory is not garbage-collected: every parsed document is disposed after use, and close()
 * disposes the compiled schemas.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DariError } from '../../errors';
import { XML_DECLARATION } from './build';
import { checkTextSize, checkXml, type CheckedXml, type XmlLimits } from './guard';
import { ISO_NAMESPACE_PREFIX, MESSAGE_TYPES, isMessageType } from './messages';
import { headerTypeOf, isRawInput, resolveLimits, type ParseOptions } from './parse';
import { maskIfPan } from './summary';
import type { HeaderType, MessageType } from './types';

type Libxml = typeof import('libxml2-wasm', { with: { 'resolution-mode': 'import' } });
type XsdValidator = import('libxml2-wasm', { with: { 'resolution-mode': 'import' } }).XsdValidator;
type XmlElement = import('libxml2-wasm', { with: { 'resolution-mode': 'import' } }).XmlElement;

export interface SchemaError {
  /** Which part failed: the header or the Document. */
  part: 'AppHdr' | 'Document';
  /** Line in the input (1-based). */
  line: number;
  /** libxml2's message, namespaces shortened, card-number-like values masked. */
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  type: MessageType;
  headerType?: HeaderType;
  envelope: boolean;
  /** The first errors (at most maxErrors), in document order per part. */
  errors: SchemaError[];
}

export interface SchemaValidatorOptions extends ParseOptions {
  /**
   * Errors reported per validation.
   * @default 10
   */
  maxErrors?: number;
}

let libxml: Promise<Libxml> | undefined;
/** libxml2-wasm is ESM-only: loaded once, with a dynamic import (kept as import() by tsc for node16). */
function loadLibxml(): Promise<Libxml> {
  return (libxml ??= import('libxml2-wasm'));
}

/** Wrapper put around `AppHdr` + `Document` given as two top-level elements, on the same line as the text start. */
const WRAPPER = 'DariWrapper';
const WRAPPER_OPEN = Buffer.from(`<${WRAPPER}>`);
const WRAPPER_CLOSE = Buffer.from(`</${WRAPPER}>`);

export class SchemaValidator {
  private readonly compiled = new Map<string, XsdValidator>();
  private closed = false;

  private constructor(
    private readonly lx: Libxml,
    /** The XSD folder. */
    readonly dir: string,
    private readonly limits: XmlLimits,
    private readonly maxErrors: number,
  ) {}

  /** A validator over the XSD folder `dir` (checked to exist; schemas are compiled on first use). */
  static async open(dir: string, opts: SchemaValidatorOptions = {}): Promise<SchemaValidator> {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', `the XSD folder ${dir} does not exist`);
    }
    const maxErrors = opts.maxErrors ?? 10;
    if (!Number.isInteger(maxErrors) || maxErrors < 1) throw new DariError('DARI_CONFIG_INVALID', 'iso20022 maxErrors must be a positive integer');
    return new SchemaValidator(await loadLibxml(), dir, resolveLimits(opts), maxErrors);
  }

  /** The compiled schema of a message or header version. */
  private schema(name: string): XsdValidator {
    if (this.closed) throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', 'the schema validator is closed');
    const cached = this.compiled.get(name);
    if (cached !== undefined) return cached;
    const file = join(this.dir, `${name}.xsd`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', `no schema file ${file} for ${name}`);
    }
    let xsd;
    try {
      xsd = this.lx.XmlDocument.fromBuffer(bytes, { url: file });
    } catch (e) {
      throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', `${file} is not an XML schema: ${firstLine(e)}`);
    }
    try {
      const v = this.lx.XsdValidator.fromDoc(xsd);
      this.compiled.set(name, v);
      return v;
    } catch (e) {
      throw new DariError('DARI_XML_SCHEMA_UNAVAILABLE', `${file} does not compile: ${firstLine(e)}`);
    } finally {
      xsd.dispose();
    }
  }

  /**
   * Validate a message (bare Document, AppHdr + Document, or an envelope) against its XSDs: text,
   * bytes, or the result of checkMessage (the gate then is not run again). Invalid messages give
   * `valid: false` and the errors; input that cannot be validated at all (refused by the gate, not
   * XML, unknown message, missing schema) throws a DariError.
   */
  validate(xml: string | Uint8Array | CheckedXml): ValidationResult {
    const checked = isRawInput(xml) ? checkXml(xml, this.limits) : xml;
    return this.run(checked.text, checked.bytes, checked.declEnd, checked.elements.length > 1);
  }

  /**
   * Validate a message this process built with buildMessage, with the gate cut to what such text
   * can need: the size bound, and no markup declaration at all (the builder writes no `<!`, so no
   * DOCTYPE, entity, comment or CDATA can be there). Well-formedness is left to libxml2, and the
   * XSDs apply as to any message. Anything else must go through validate().
   */
  validateBuilt(xml: string): ValidationResult {
    checkTextSize(xml, this.limits.maxBytes);
    if (xml.includes('<!')) throw new DariError('DARI_XML_DOCTYPE_REFUSED', 'a markup declaration in a message said to be built by Dari (validate it with validate())');
    // buildMessage writes its declaration (ending in a line break) and then one root, or AppHdr and
    // Document side by side.
    const declared = xml.startsWith(XML_DECLARATION);
    return this.run(xml, undefined, declared ? XML_DECLARATION.length - 1 : 0, xml.startsWith('<AppHdr', declared ? XML_DECLARATION.length : 0));
  }

  /**
   * libxml2 parses the UTF-8 bytes (the input's own when it came as bytes); AppHdr and Document side
   * by side are wrapped in one element that starts where the XML declaration was, so no line moves.
   */
  private run(text: string, bytes: Uint8Array | undefined, declEnd: number, twoRoots: boolean): ValidationResult {
    let input: Uint8Array;
    if (!twoRoots) input = bytes ?? Buffer.from(text, 'utf8');
    else if (bytes === undefined) input = Buffer.from(`<${WRAPPER}>${text.slice(declEnd)}</${WRAPPER}>`, 'utf8');
    else {
      // The declaration is ASCII, so its end in the bytes is declEnd, after a BOM if there is one.
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      input = Buffer.concat([WRAPPER_OPEN, bytes.subarray(declEnd + bom), WRAPPER_CLOSE]);
    }
    let doc;
    try {
      doc = this.lx.XmlDocument.fromBuffer(input);
    } catch (e) {
      const line = (e as { details?: Array<{ line: number }> }).details?.[0]?.line;
      throw new DariError('DARI_XML_MALFORMED', `${line ? `line ${line}: ` : ''}${firstLine(e)}`);
    }
    try {
      const root = doc.root;
      let header: XmlElement | undefined;
      let document: XmlElement | undefined;
      if (root.name === 'Document') document = root;
      else {
        for (let n = root.firstChild; n !== null; n = n.next) {
          if (!(n instanceof this.lx.XmlElement)) continue;
          if (n.name === 'AppHdr' && header === undefined) header = n;
          else if (n.name === 'Document' && document === undefined) document = n;
        }
      }
      if (document === undefined) throw new DariError('DARI_XML_UNKNOWN_MESSAGE', root.name === 'AppHdr' ? 'a business application header without a Document' : 'no Document element');
      const result: ValidationResult = { valid: true, type: this.typeOf(document, header), envelope: root !== document && root.name !== WRAPPER, errors: [] };
      if (header !== undefined) {
        const ht = headerTypeOf(header.namespaceUri);
        result.headerType = ht;
        this.check(ht, header, 'AppHdr', result);
      }
      this.check(result.type, document, 'Document', result);
      return result;
    } finally {
      doc.dispose();
    }
  }

  /** The message type: the Document namespace, or the header's MsgDefIdr for a Document without one. */
  private typeOf(document: XmlElement, header: XmlElement | undefined): MessageType {
    const ns = document.namespaceUri;
    let t = ns.startsWith(ISO_NAMESPACE_PREFIX) ? ns.slice(ISO_NAMESPACE_PREFIX.length) : '';
    if (ns === '' && header !== undefined) {
      for (let n = header.firstChild; n !== null; n = n.next) if (n instanceof this.lx.XmlElement && n.name === 'MsgDefIdr') t = n.content.trim();
    }
    if (!isMessageType(t)) {
      throw new DariError('DARI_XML_UNKNOWN_MESSAGE', t !== ''
        ? `${t.slice(0, 40)} is not supported (supported: ${MESSAGE_TYPES.join(', ')})`
        : ns ? `Document namespace "${ns.slice(0, 80)}" is not an ISO 20022 message` : 'the Document has no namespace and no header names a supported message');
    }
    return t;
  }

  private check(schema: string, elem: XmlElement, part: SchemaError['part'], result: ValidationResult): void {
    const v = this.schema(schema);
    try {
      v.validate(elem);
    } catch (e) {
      const details = (e as { details?: Array<{ message: string; line: number }> }).details;
      if (details === undefined) throw e;
      result.valid = false;
      for (const d of details) {
        if (result.errors.length >= this.maxErrors) break;
        result.errors.push({ part, line: d.line, message: cleanMessage(d.message) });
      }
    }
  }

  /**
   * Compile these schemas now (message or header versions, e.g. `pacs.008.001.08`), so that a
   * missing or broken XSD is found at start and the first message does not pay the compilation.
   */
  preload(names: readonly string[]): void {
    for (const n of names) this.schema(n);
  }

  /** Dispose the compiled schemas (WASM memory). */
  close(): void {
    this.closed = true;
    for (const v of this.compiled.values()) v.dispose();
    this.compiled.clear();
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 200) ?? '';
}

/** `Element '{urn:...}SttlmInf': ...` -> `Element 'SttlmInf': ...`; quoted card-number-like values masked. */
function cleanMessage(m: string): string {
  return m.replace(/\{[a-z][a-z0-9+.-]*:[^}']*\}/g, '').replace(/'([^']*)'/g, (_x, v: string) => `'${maskIfPan(v)}'`).trim();
}
