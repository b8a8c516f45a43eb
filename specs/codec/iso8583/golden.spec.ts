/**
 * Golden messages for every built-in dialect: decode(hex) gives the JSON twin, encode(JSON) gives
 * the hex back byte for byte. The hex dumps are written field by field by
 * fixtures/iso8583/golden/make_golden.py, which lays out each field by hand and never calls Dari.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DIALECTS, Iso8583Codec, builtinDialect, type Iso8583Message } from '../../../src/codec/iso8583';
import { FIXTURES } from '../../support/paths';
import { readHexDump } from '../../support/hex';

const DIR = join(FIXTURES, 'iso8583', 'golden');

describe('ISO 8583 golden messages', () => {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

  it('cover every built-in dialect', () => {
    for (const d of BUILTIN_DIALECTS) assert.ok(names.some((n) => n.startsWith(`${d}-`)), `no golden message for ${d}`);
  });

  for (const name of names) {
    const twin = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { dialect: string; message: Iso8583Message };
    const hex = readHexDump(join(DIR, `${name}.hex`));
    const codec = (): Iso8583Codec => new Iso8583Codec(builtinDialect(twin.dialect as (typeof BUILTIN_DIALECTS)[number]));

    it(`${name}: decode gives the JSON twin`, () => {
      assert.deepEqual(codec().unpack(hex), twin.message);
    });

    it(`${name}: encode gives the hex back byte for byte`, () => {
      assert.equal(codec().pack(twin.message).toString('hex').toUpperCase(), hex.toString('hex').toUpperCase());
    });

    it(`${name}: decodes the same from a Uint8Array view inside a larger buffer`, () => {
      const big = Buffer.alloc(hex.length + 7, 0xee);
      hex.copy(big, 3);
      const view = new Uint8Array(big.buffer, big.byteOffset, big.length);
      assert.deepEqual(codec().unpack(view, 3, 3 + hex.length), twin.message);
    });
  }
});
