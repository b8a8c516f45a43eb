/**
 * The reading walk: the gate's element tree (guard.ts) -> the typed model, driven by a layout.
 *
 * Elements are matched by local name *and* namespace (a prefix is resolved through the xmlns
 * declarations in scope, so `pacs:MsgId` and a default-namespace `MsgId` read the same, and an
 * element of another namespace is foreign). Elements the layout does not model are skipped.
 * Checks made here: occurrence counts, mandatory elements (by path), choices, amounts (ISO 4217
 * decimals), indicators. Values are never copied into error messages.
 */
import { DariError } from '../../errors';
import { amountProblem } from './amount';
import { decodeEntities, type XmlNode } from './guard';
import type { Group, Node } from './model';
import { pathOf, type At } from './path';

/** Namespace declarations in scope: a chain with one link per xmlns attribute, innermost first. */
export interface Scope {
  readonly parent: Scope | null;
  /** The declared prefix ('' for the default namespace) and its URI ('' undeclares the default). */
  readonly prefix: string;
  readonly uri: string;
}

export const ROOT_SCOPE: Scope = { parent: null, prefix: 'xml', uri: 'http://www.w3.org/XML/1998/namespace' };

/** The scope inside element `el` (its own xmlns declarations added). */
export function scopeOf(el: XmlNode, scope: Scope): Scope {
  if (el.attrs === null) return scope;
  let s = scope;
  for (const [name, value] of el.attrs) {
    if (name === 'xmlns') s = { parent: s, prefix: '', uri: decodeEntities(value) };
    else if (name.startsWith('xmlns:')) s = { parent: s, prefix: name.slice(6), uri: decodeEntities(value) };
  }
  return s;
}

/** The namespace URI of a prefix ('' = default namespace); '' for no namespace, undefined if undeclared. */
export function resolvePrefix(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | null = scope; s !== null; s = s.parent) if (s.prefix === prefix) return s.uri;
  return prefix === '' ? '' : undefined;
}

/** The occurrences of element `local` (namespace `ns`) among the children of `parent`, with their scopes. */
export function childElements(parent: XmlNode, scope: Scope, ns: string, local: string): Array<[XmlNode, Scope]> {
  const found: Array<[XmlNode, Scope]> = [];
  for (const c of parent.children) {
    if (c.local !== local) continue;
    const s = scopeOf(c, scope);
    if (resolvePrefix(s, c.prefix) === ns) found.push([c, s]);
  }
  return found;
}

function valueInvalid(at: At, what: string): DariError {
  const path = pathOf(at);
  return new DariError('DARI_XML_VALUE_INVALID', `${path}: ${what}`, { field: path });
}

function missing(at: At, what = 'is missing'): DariError {
  const path = pathOf(at);
  return new DariError('DARI_XML_MISSING_ELEMENT', `${path} ${what}`, { field: path });
}

/** The text of a leaf element, entities decoded; '' when empty. */
function leafText(el: XmlNode, at: At): string {
  if (el.children.length > 0) throw valueInvalid(at, 'has child elements where the schema has a value');
  return decodeEntities(el.text.trim());
}

/** A leaf's value, or undefined when the element is empty (an empty element counts as absent). */
function readLeaf(kind: Exclude<Node, Group>, el: XmlNode, at: At): unknown {
  const text = leafText(el, at);
  if (kind === 'text') return text === '' ? undefined : text;
  if (kind === 'bool') {
    if (text === '') return undefined;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw valueInvalid(at, 'is not an xs:boolean (true, false, 1, 0)');
  }
  const ccy = el.attrs?.find(([name]) => name === 'Ccy')?.[1];
  if (ccy === undefined) {
    const path = pathOf(at);
    throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: the amount has no Ccy attribute`, { field: path });
  }
  const Ccy = decodeEntities(ccy);
  const problem = amountProblem(text, Ccy);
  if (problem !== undefined) {
    const path = pathOf(at);
    throw new DariError('DARI_XML_AMOUNT_INVALID', `${path}: ${problem}`, { field: path });
  }
  return { Ccy, value: text };
}

function readNode(node: Node, el: XmlNode, at: At, scope: Scope, ns: string): unknown {
  return typeof node === 'string' ? readLeaf(node, el, at) : readGroup(node, el, at, scope, ns);
}

/** Read the content of a complex element `el` with layout `g`. `at` is where the element is, for errors. */
export function readGroup(g: Group, el: XmlNode, at: At, scope: Scope, ns: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of el.children) {
    const local = c.local;
    const child = g.index.get(local);
    if (child === undefined) continue;
    const s = c.attrs === null ? scope : scopeOf(c, scope);
    if (resolvePrefix(s, c.prefix) !== ns) continue;
    if (child.max === 1) {
      if (local in out) throw valueInvalid({ up: at, name: local, index: 0 }, 'occurs more than once; the schema allows one');
      const value = readNode(child.node, c, { up: at, name: local, index: 0 }, s, ns);
      if (value !== undefined) out[local] = value;
    } else {
      const list = (out[local] as unknown[] | undefined) ?? (out[local] = []);
      if (list.length === child.max) throw valueInvalid({ up: at, name: local, index: 0 }, `occurs more than ${child.max} times`);
      const value = readNode(child.node, c, { up: at, name: local, index: list.length + 1 }, s, ns);
      if (value !== undefined) list.push(value);
    }
  }
  let present = 0;
  for (const c of g.children) {
    const value = out[c.name];
    if (Array.isArray(value) && value.length === 0) delete out[c.name];
    if (out[c.name] !== undefined) present++;
    else if (c.min === 1) throw missing({ up: at, name: c.name, index: 0 });
  }
  if (g.choice && present !== 1) {
    const names = g.children.map((c) => c.name).join(', ');
    if (present === 0) throw missing(at, `needs one of ${names}`);
    throw valueInvalid(at, `has more than one of ${names} (a choice)`);
  }
  return out;
}
