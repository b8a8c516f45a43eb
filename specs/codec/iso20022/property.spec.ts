/**
 * Properties (fast-check):
 *  - read(build(x)) = x for documents and headers generated from each message layout (every
 *    modelled element, choice member and repetition can appear; text with markup characters and
 *    non-ASCII; amounts at each currency's exponent);
 *  - mutated messages (characters replaced, deleted or inserted in a built message) and random
 *    text yield a message or a DariError with a DARI_XML_* code, never another exception.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DariError } from '../../../src/errors';
import { buildMessage, parseMessage } from '../../../src/codec/iso20022';
import { CURRENCIES } from '../../../src/codec/iso20022/currencies';
import { HEADER_LAYOUT, MESSAGES } from '../../../src/codec/iso20022/messages';
import type { Node } from '../../../src/codec/iso20022/model';
import type { AppHdr, HeaderType } from '../../../src/codec/iso20022/types';
import { CASES, headerFor } from './documents';

/** Text values: markup characters, quotes, spaces inside, Hangul and an emoji (a surrogate pair); never padded or empty. */
const textArb = fc
  .array(fc.constantFrom('A', 'z', '0', '9', '-', '.', ' ', '&', '<', '>', '"', "'", ']]>', '다', '리', 'é', '☕', '\u{1F4B8}'), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''))
  .filter((s) => s.trim() === s && s !== '');

const amountArb = fc.constantFrom(...CURRENCIES).chain((c) =>
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: c.exponent })).map(([units, decimals]) => {
    const digits = units.toString();
    return { Ccy: c.alpha, value: decimals === 0 ? digits : `${digits}.${'7'.repeat(decimals)}` };
  }));

const cache = new Map<Node, fc.Arbitrary<unknown>>();
function arb(node: Node): fc.Arbitrary<unknown> {
  if (node === 'text') return textArb;
  if (node === 'amount') return amountArb;
  if (node === 'bool') return fc.boolean();
  const hit = cache.get(node);
  if (hit) return hit;
  const member = (c: (typeof node.children)[number]): fc.Arbitrary<unknown> =>
    c.max === 1 ? arb(c.node) : fc.array(arb(c.node), { minLength: 1, maxLength: Math.min(c.max, 2) });
  let out: fc.Arbitrary<unknown>;
  if (node.choice) {
    out = fc.oneof(...node.children.map((c) => member(c).map((v) => ({ [c.name]: v }))));
  } else {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const c of node.children) model[c.name] = member(c);
    out = fc.record(model, { requiredKeys: node.children.filter((c) => c.min === 1).map((c) => c.name), noNullPrototype: true });
  }
  cache.set(node, out);
  return out;
}

function coded(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DariError) || !e.code.startsWith('DARI_XML_')) throw e;
  }
}

describe('ISO 20022 codec properties', () => {
  for (const m of MESSAGES.values()) {
    it(`${m.type}: read(build(x)) = x for generated documents and headers`, () => {
      fc.assert(fc.property(arb(m.layout), arb(HEADER_LAYOUT), fc.constantFrom<HeaderType>('head.001.001.02', 'head.001.001.03'), fc.boolean(), (doc, hdr, headerType, envelope) => {
        const header = { ...(hdr as AppHdr), MsgDefIdr: m.type };
        const bare = buildMessage(m.type, doc as never);
        assert.deepStrictEqual(parseMessage(bare).document, doc);
        const withHeader = parseMessage(buildMessage(m.type, doc as never, { header, headerType, envelope }));
        assert.deepStrictEqual(withHeader, { type: m.type, header, headerType, document: doc, envelope });
      }), { numRuns: 25 });
    });
  }

  it('mutated messages: a message or a coded error, never another exception', () => {
    const seeds = CASES.filter((c) => c.name.endsWith('full')).map((c) => buildMessage(c.type, c.document, { header: headerFor(c.type) }));
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'delete', 'insert'),
      with: fc.constantFrom('<', '>', '&', '"', "'", '/', '=', ':', 'x', ' ', '\u0000', '<!DOCTYPE a>', '&#0;', '&lt;', ']]>', '<![CDATA[', '<?xml?>', '\uD800'),
    });
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ops) => {
      let s = seed;
      for (const op of ops) {
        const i = op.at % s.length;
        s = op.kind === 'delete' ? s.slice(0, i) + s.slice(i + 1) : op.kind === 'insert' ? s.slice(0, i) + op.with + s.slice(i) : s.slice(0, i) + op.with + s.slice(i + 1);
      }
      coded(() => parseMessage(s));
      coded(() => parseMessage(Buffer.from(s, 'utf8')));
    }), { numRuns: 1500 });
  });

  it('random text and bytes: a coded error, never another exception', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => coded(() => parseMessage(s))), { numRuns: 1000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => coded(() => parseMessage(b))), { numRuns: 1000 });
  });
});
