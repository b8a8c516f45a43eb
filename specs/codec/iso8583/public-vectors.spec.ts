/**
 * Public, independent ISO 8583 test vectors.
 *
 * Each pair in fixtures/iso8583/public is a message published by someone else (another codec's tests
 * or docs, a mailing list, a Q&A post) together with the field values that source states for it:
 * NAME.hex holds the bytes ('#' comments allowed), NAME.json holds { source, dialect, message }.
 * `dialect` is a built-in name or a dialect file under fixtures/iso8583/public/dialects (for sources
 * whose layout is not a built-in).
 * For every pair, decoding the bytes must give the stated message and encoding the stated message
 * must give the bytes back, byte for byte.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Iso8583Codec, builtinDialect, isBuiltinDialect, loadDialect, type CompiledDialect, type Iso8583Message,
} from '../../../src/codec/iso8583';
import { readHexDump } from '../../support/hex';
import { FIXTURES } from '../../support/paths';

const DIR = join(FIXTURES, 'iso8583', 'public');

interface Vector {
  name: string;
  source: string;
  dialect: string;
  message: Iso8583Message;
  bytes: Buffer;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readVector(name: string): Vector {
  const bytes = readHexDump(join(DIR, `${name}.hex`));
  assert.ok(bytes.length > 0, `${name}.hex is empty`);
  const doc: unknown = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
  assert.ok(isRecord(doc), `${name}.json is not an object`);
  const { source, dialect, message } = doc;
  assert.ok(typeof source === 'string' && source.length > 0, `${name}.json names no source`);
  assert.ok(typeof dialect === 'string' && dialect.length > 0, `${name}.json names no dialect`);
  assert.ok(isRecord(message) && typeof message.mti === 'string' && isRecord(message.fields), `${name}.json has no message`);
  for (const [k, v] of Object.entries(message.fields)) assert.equal(typeof v, 'string', `${name}.json field ${k} is not a string`);
  return { name, source, dialect, message: message as unknown as Iso8583Message, bytes };
}

const dialects = new Map<string, CompiledDialect>();
function dialectFor(v: Vector): CompiledDialect {
  let d = dialects.get(v.dialect);
  if (d === undefined) {
    d = isBuiltinDialect(v.dialect) ? builtinDialect(v.dialect) : loadDialect(join(DIR, v.dialect));
    dialects.set(v.dialect, d);
  }
  return d;
}

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.hex'))
  .map((f) => f.slice(0, -'.hex'.length))
  .sort();
const vectors = names.map(readVector);

describe('ISO 8583 public test vectors (fixtures/iso8583/public)', () => {
  it('every .json vector has its .hex and the set covers the built-in dialects', () => {
    const jsons = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
    assert.deepEqual(jsons, names, 'each NAME.hex needs a NAME.json and the other way round');
    assert.ok(vectors.length >= 6, `only ${vectors.length} vectors`);
    const used = new Set(vectors.map((v) => v.dialect));
    for (const b of ['iso87ascii', 'iso87binary', 'iso93ascii']) assert.ok(used.has(b), `no vector uses ${b}`);
  });

  for (const v of vectors) {
    describe(`${v.name} (${v.dialect})`, () => {
      it('decodes to the values the source states', () => {
        const codec = new Iso8583Codec(dialectFor(v));
        assert.deepEqual(codec.unpack(v.bytes), v.message);
      });

      it('encodes back to the same bytes', () => {
        const codec = new Iso8583Codec(dialectFor(v));
        assert.equal(codec.pack(v.message).toString('hex').toUpperCase(), v.bytes.toString('hex').toUpperCase());
      });
    });
  }
});
