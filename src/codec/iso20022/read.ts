/**
 * The reading walk: fast-xml-parser's object tree -> the typed model, driven by a layout.
 *
 * Elements are matched by local name *and* namespace (a prefix is resolved through the xmlns
 * declarations in scope, so `pacs:MsgId` and a default-namespace `MsgId` read the same, and an
 * element of another namespace is foreign). Elements the layout does not model are skipped.
 * Checks made here: occurrence counts, mandatory elements (by path), choices, amounts (ISO 4217
 * decimals), indicators. Values are never copied into error messages.
 */
import { DariError } from '../../errors';
import { checkAmount } from './amount';
import { decodeEntities } from './guard';
import type { Group, Node } from './model';

/** Attributes of an element, grouped under this key by the parser (no element can be named `@`). */
export const ATTRS = '@';
export const TEXT_KEY = '#text';

/** Namespace declarations in scope: a chain, one link per element that declares any. */
export interface Scope {
  readonly parent: Scope | null;
  readonly map: ReadonlyMap<string, string>;
}

export const ROOT_SCOPE: Scope = { parent: null, map: new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]) };

type XmlObject = Record<string, unknown>;

const isObject = (v: unknown): v is XmlObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function attrsOf(v: unknown): Record<string, string> | undefined {
  return isObject(v) ? (v[ATTRS] as Record<string, string> | undefined) : undefined;
}

/** The scope inside element value `v` (its own xmlns declarations added). */
export function scopeOf(v: unknown, scope: Scope): Scope {
  const attrs = attrsOf(v);
  if (attrs === undefined) return scope;
  let map: Map<string, string> | null = null;
  for (const k in attrs) {
    if (k === 'xmlns') (map ??= new Map()).set('', decodeEntities(attrs[k] as string));
    else if (k.startsWith('xmlns:')) (map ??= new Map()).set(k.slice(6), decodeEntities(attrs[k] as string));
  }
  return map === null ? scope : { parent: scope, map };
}

/** The namespace URI of a prefix ('' = default namespace); '' for no namespace, undefined if undeclared. */
export function resolvePrefix(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    const uri = s.map.get(prefix);
    if (uri !== undefined) return uri;
  }
  return prefix === '' ? '' : undefined;
}

export function splitName(qname: string): [prefix: string, local: string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

/** The occurrences of element `local` (namespace `ns`) among the children of `parent`, with their scopes. */
export function childElements(parent: unknown, scope: Scope, ns: string, local: string): Array<[unknown, Scope]> {
  const found: Array<[unknown, Scope]> = [];
  if (!isObject(parent)) return found;
  for (const key in parent) {
    if (key === ATTRS || key === TEXT_KEY) continue;
    const [prefix, name] = splitName(key);
    if (name !== local) continue;
    const v = parent[key];
    for (const item of Array.isArray(v) ? v : [v]) {
      const s = scopeOf(item, scope);
      if (resolvePrefix(s, prefix) === ns) found.push([item, s]);
    }
  }
  return found;
}

const valueInvalid = (path: string, what: string): DariError => new DariError('DARI_XML_VALUE_INVALID', `${path}: ${what}`, { field: path });
const missing = (path: string, what = 'is missing'): DariError => new DariError('DARI_XML_MISSING_ELEMENT', `${path} ${what}`, { field: path });

/** The text of a leaf element, entities decoded; '' when empty. */
function leafText(v: unknown, path: string): string {
  if (typeof v === 'string') return decodeEntities(v);
  if (!isObject(v)) return '';
  for (const k in v) if (k !== ATTRS && k !== TEXT_KEY) throw valueInvalid(path, 'has child elements where the schema has a value');
  const t = v[TEXT_KEY];
  return typeof t === 'string' ? decodeEntities(t) : '';
}

/** A leaf's value, or undefined when the element is empty (an empty element counts as absent). */
function readLeaf(kind: Exclude<Node, Group>, v: unknown, path: string): unknown {
  const text = leafText(v, path);
  if (kind === 'text') return text === '' ? undefined : text;
  if (kind === 'bool') {
    if (text === '') return undefined;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw valueInvalid(path, 'is not an xs:boolean (true, false, 1, 0)');
  }
  const ccy = attrsOf(v)?.Ccy;
  if (ccy === undefined) throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: the amount has no Ccy attribute`, { field: path });
  const Ccy = decodeEntities(ccy);
  checkAmount(text, Ccy, path);
  return { Ccy, value: text };
}

function readNode(node: Node, v: unknown, path: string, scope: Scope, ns: string): unknown {
  return typeof node === 'string' ? readLeaf(node, v, path) : readGroup(node, v, path, scope, ns);
}

/** Read the content of a complex element with layout `g`. `path` is the element's path, for errors. */
export function readGroup(g: Group, v: unknown, path: string, scope: Scope, ns: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isObject(v)) {
    for (const key in v) {
      if (key === ATTRS || key === TEXT_KEY) continue;
      const colon = key.indexOf(':');
      const local = colon === -1 ? key : key.slice(colon + 1);
      const child = g.index.get(local);
      if (child === undefined) continue;
      const prefix = colon === -1 ? '' : key.slice(0, colon);
      const raw = v[key];
      const many = Array.isArray(raw);
      const count = many ? raw.length : 1;
      for (let i = 0; i < count; i++) {
        const item: unknown = many ? raw[i] : raw;
        const s = scopeOf(item, scope);
        if (resolvePrefix(s, prefix) !== ns) continue;
        if (child.max === 1) {
          if (local in out) throw valueInvalid(`${path}/${local}`, 'occurs more than once; the schema allows one');
          const value = readNode(child.node, item, `${path}/${local}`, s, ns);
          if (value !== undefined) out[local] = value;
        } else {
          const list = (out[local] as unknown[] | undefined) ?? (out[local] = []);
          if (list.length === child.max) throw valueInvalid(`${path}/${local}`, `occurs more than ${child.max} times`);
          const value = readNode(child.node, item, `${path}/${local}[${list.length + 1}]`, s, ns);
          if (value !== undefined) list.push(value);
        }
      }
    }
  }
  let present = 0;
  for (const c of g.children) {
    const value = out[c.name];
    if (Array.isArray(value) && value.length === 0) delete out[c.name];
    if (out[c.name] !== undefined) present++;
    else if (c.min === 1) throw missing(`${path}/${c.name}`);
  }
  if (g.choice && present !== 1) {
    const names = g.children.map((c) => c.name).join(', ');
    if (present === 0) throw missing(path, `needs one of ${names}`);
    throw valueInvalid(path, `has more than one of ${names} (a choice)`);
  }
  return out;
}
