/**
 * Every layout (the modelled elements of a message, in src/codec/iso20022/messages.ts) agrees with
 * its XSD in ../shared/iso20022/xsd: each element exists in its parent's complex type, in the XSD
 * sequence order, with the XSD's minOccurs/maxOccurs, choices are choices, amounts are
 * currency-and-amount types, indicators are xs:boolean, and no mandatory XSD element is left out.
 * Read and build then cannot drift from the standard.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { HEADER_LAYOUT, HEADER_TYPES, MESSAGES } from '../../../src/codec/iso20022/messages';
import type { Group } from '../../../src/codec/iso20022/model';
import { XSD_DIR } from './xmllint';

interface XsdChild {
  name: string;
  type: string;
  min: number;
  max: number;
  inChoice: boolean;
}
interface Xsd {
  complex: Map<string, { children: XsdChild[]; choice: boolean; simpleContent: boolean }>;
  simpleBase: Map<string, string>;
  rootType: string;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function readXsd(file: string): Xsd {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' });
  const tree = parser.parse(readFileSync(file, 'utf8')) as OrderedNode[];
  const tag = (n: OrderedNode): string => Object.keys(n).find((k) => k !== ':@') as string;
  const kids = (n: OrderedNode): OrderedNode[] => (n[tag(n)] as OrderedNode[]) ?? [];
  const schema = tree.find((n) => tag(n) === 'xs:schema') as OrderedNode;
  const xsd: Xsd = { complex: new Map(), simpleBase: new Map(), rootType: '' };
  for (const def of kids(schema)) {
    const attrs = def[':@'] ?? {};
    if (tag(def) === 'xs:element') xsd.rootType = attrs.type as string;
    if (tag(def) === 'xs:simpleType') {
      const r = kids(def).find((k) => tag(k) === 'xs:restriction');
      xsd.simpleBase.set(attrs.name as string, (r?.[':@']?.base as string) ?? '');
    }
    if (tag(def) !== 'xs:complexType') continue;
    const children: XsdChild[] = [];
    let choice = false;
    let simpleContent = false;
    const walk = (n: OrderedNode, inChoice: boolean): void => {
      for (const k of kids(n)) {
        const t = tag(k);
        const a = k[':@'] ?? {};
        if (t === 'xs:element') {
          children.push({ name: a.name as string, type: a.type as string, min: Number(a.minOccurs ?? '1'), max: a.maxOccurs === 'unbounded' ? Infinity : Number(a.maxOccurs ?? '1'), inChoice });
        } else if (t === 'xs:sequence') walk(k, inChoice);
        else if (t === 'xs:choice') {
          if (n === def) choice = true;
          walk(k, true);
        } else if (t === 'xs:simpleContent') simpleContent = true;
      }
    };
    walk(def, false);
    xsd.complex.set(attrs.name as string, { children, choice, simpleContent });
  }
  return xsd;
}

/** Compare a layout group with XSD complex type `typeName`; collects problems as "path: what". */
function compare(xsd: Xsd, g: Group, typeName: string, path: string, problems: string[], seen: Set<string>): void {
  const key = `${typeName}:${g.children.map((c) => c.name).join(',')}`;
  if (seen.has(key)) return;
  seen.add(key);
  const t = xsd.complex.get(typeName);
  if (t === undefined) {
    problems.push(`${path}: XSD type ${typeName} is not a complex type`);
    return;
  }
  if (g.choice !== t.choice) problems.push(`${path}: layout choice=${g.choice}, XSD ${typeName} choice=${t.choice}`);
  let last = -1;
  for (const c of g.children) {
    const i = t.children.findIndex((x) => x.name === c.name);
    const p = `${path}/${c.name}`;
    if (i === -1) {
      problems.push(`${p}: not an element of ${typeName}`);
      continue;
    }
    if (i <= last) problems.push(`${p}: out of XSD sequence order in ${typeName}`);
    last = i;
    const x = t.children[i] as XsdChild;
    const xsdMin = x.inChoice ? 0 : x.min;
    if (c.min !== xsdMin) problems.push(`${p}: minOccurs ${c.min}, XSD ${xsdMin}`);
    if (c.max !== x.max) problems.push(`${p}: maxOccurs ${c.max}, XSD ${x.max}`);
    const complex = xsd.complex.get(x.type);
    if (typeof c.node !== 'string') {
      compare(xsd, c.node, x.type, p, problems, seen);
    } else if (c.node === 'amount') {
      if (!complex?.simpleContent || !/CurrencyAndAmount$/.test(x.type)) problems.push(`${p}: amount, XSD type ${x.type}`);
    } else if (complex !== undefined) {
      problems.push(`${p}: leaf ${c.node}, XSD type ${x.type} is complex`);
    } else {
      const isBool = xsd.simpleBase.get(x.type) === 'xs:boolean';
      if ((c.node === 'bool') !== isBool) problems.push(`${p}: leaf ${c.node}, XSD base ${xsd.simpleBase.get(x.type)}`);
    }
  }
  for (const x of t.children) {
    if (x.min >= 1 && !x.inChoice && !g.index.has(x.name)) problems.push(`${path}/${x.name}: mandatory in ${typeName} but not modelled`);
  }
}

describe('ISO 20022 layouts agree with the XSDs', () => {
  for (const m of MESSAGES.values()) {
    it(`${m.type} (${m.root})`, () => {
      const xsd = readXsd(join(XSD_DIR, `${m.type}.xsd`));
      const doc = xsd.complex.get(xsd.rootType);
      const root = doc?.children.find((c) => c.name === m.root);
      assert.ok(root, `${m.root} is the child of Document in ${m.type}.xsd`);
      const problems: string[] = [];
      compare(xsd, m.layout, root.type, `/Document/${m.root}`, problems, new Set());
      assert.deepEqual(problems, []);
    });
  }
  for (const h of HEADER_TYPES) {
    it(`${h} (AppHdr)`, () => {
      const xsd = readXsd(join(XSD_DIR, `${h}.xsd`));
      const problems: string[] = [];
      compare(xsd, HEADER_LAYOUT, xsd.rootType, '/AppHdr', problems, new Set());
      assert.deepEqual(problems, []);
    });
  }

  it('the check itself catches a wrong order, a wrong cardinality and an unknown element', () => {
    const xsd = readXsd(join(XSD_DIR, 'pacs.002.001.10.xsd'));
    const layout = MESSAGES.get('pacs.002.001.10')?.layout as Group;
    const grpHdr = layout.children[0]?.node as Group;
    const swapped = { ...grpHdr, children: [grpHdr.children[1], grpHdr.children[0], ...grpHdr.children.slice(2)] } as Group;
    const problems: string[] = [];
    compare(xsd, swapped, 'GroupHeader91', '/GrpHdr', problems, new Set());
    assert.ok(problems.some((p) => /CreDtTm: out of XSD sequence order|MsgId: out of XSD sequence order/.test(p)), problems.join('\n'));
    const wrong = { ...grpHdr, children: [{ ...(grpHdr.children[0] as Group['children'][number]), max: 2 }, ...grpHdr.children.slice(1), { name: 'Nope', node: 'text', min: 0, max: 1 }] } as Group;
    const p2: string[] = [];
    compare(xsd, wrong, 'GroupHeader91', '/GrpHdr', p2, new Set());
    assert.ok(p2.includes('/GrpHdr/MsgId: maxOccurs 2, XSD 1') && p2.includes('/GrpHdr/Nope: not an element of GroupHeader91'), p2.join('\n'));
  });
});
