/**
 * Message layouts as data: which elements a message has, in XSD sequence order, how often each may
 * occur, and what kind of value each holds. The reader and the builder are one generic walk over a
 * layout; a message version is a layout, not code.
 *
 * A layout lists only the modelled elements (see types.ts), in the order of the XSD `xs:sequence`;
 * specs/codec/iso20022/layout.spec.ts checks every layout against the XSDs (names, order, minOccurs,
 * maxOccurs, choices).
 */

/** A leaf: a text value, an amount (`Ccy` attribute + decimal), or an xs:boolean indicator. */
export type Leaf = 'text' | 'amount' | 'bool';

/** A complex element: its children in XSD order. A choice has exactly one child present. */
export interface Group {
  readonly kind: 'group';
  readonly choice: boolean;
  readonly children: readonly Child[];
  readonly index: ReadonlyMap<string, Child>;
}

export type Node = Leaf | Group;

export interface Child {
  readonly name: string;
  /** `<name>` and `</name>`, made once for the builder. */
  readonly open: string;
  readonly close: string;
  readonly node: Node;
  /** minOccurs: 0 or 1 (inside a choice, 0: the choice itself says one must be there). */
  readonly min: 0 | 1;
  /** maxOccurs (Infinity for unbounded). */
  readonly max: number;
}

/** An occurrence spec in a layout literal; a bare Node means 0..1. */
export interface Occurs {
  readonly node: Node;
  readonly min: 0 | 1;
  readonly max: number;
}

export const TEXT: Leaf = 'text';
export const AMOUNT: Leaf = 'amount';
export const BOOL: Leaf = 'bool';

/** Exactly once (minOccurs 1). */
export const req = (node: Node): Occurs => ({ node, min: 1, max: 1 });
/** 0..max (max defaults to unbounded). */
export const list = (node: Node, max = Infinity): Occurs => ({ node, min: 0, max });
/** 1..max (max defaults to unbounded). */
export const list1 = (node: Node, max = Infinity): Occurs => ({ node, min: 1, max });

function group(choice: boolean, spec: Readonly<Record<string, Node | Occurs>>): Group {
  // Object literal keys keep their insertion order (no integer keys here): that order is the XSD's.
  const children: Child[] = Object.entries(spec).map(([name, s]) => ({
    name, open: `<${name}>`, close: `</${name}>`,
    ...(typeof s === 'string' || 'kind' in s ? { node: s, min: 0, max: 1 } : { node: s.node, min: choice ? 0 : s.min, max: s.max }),
  }));
  return Object.freeze({ kind: 'group', choice, children: Object.freeze(children), index: new Map(children.map((c) => [c.name, c])) });
}

/** An xs:sequence (in XSD order). */
export const seq = (spec: Readonly<Record<string, Node | Occurs>>): Group => group(false, spec);
/** An xs:choice: exactly one member. */
export const choice = (spec: Readonly<Record<string, Node | Occurs>>): Group => group(true, spec);
