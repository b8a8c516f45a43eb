/**
 * Bad input: every failure is a DariError with a DARI_CODEC_* code, the field and the byte offset,
 * and never the value of a card-data field. Inputs are cut from the golden messages by hand.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import { Iso8583Codec, builtinDialect, compileDialect, type Iso8583Message } from '../../../src/codec/iso8583';
import { FIXTURES } from '../../support/paths';
import { readHexDump } from '../../support/hex';

const ascii = (): Iso8583Codec => new Iso8583Codec(builtinDialect('iso87ascii'));
const binary = (): Iso8583Codec => new Iso8583Codec(builtinDialect('iso87binary'));
const golden = (name: string): Buffer => readHexDump(join(FIXTURES, 'iso8583', 'golden', `${name}.hex`));
const PAN = '4761739001010119';

function expectCode(fn: () => unknown, code: string, field?: number | string, offset?: number): DariError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DariError, `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, `field in: ${e.message}`);
    if (offset !== undefined) assert.equal(e.offset, offset, `offset in: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

/** Field 2 of iso87ascii-0200 starts after MTI (4) + two hex bitmaps (32): offset 36. */
const F2 = 36;

describe('ISO 8583 codec: bad input', () => {
  describe('unpack', () => {
    it('truncated inside the MTI, a bitmap, a prefix and a value', () => {
      const m = golden('iso87ascii-0200');
      expectCode(() => ascii().unpack(m.subarray(0, 3)), 'DARI_CODEC_TRUNCATED', undefined, 0);
      expectCode(() => ascii().unpack(m.subarray(0, 10)), 'DARI_CODEC_TRUNCATED', undefined, 4);
      expectCode(() => ascii().unpack(m.subarray(0, F2 + 1)), 'DARI_CODEC_TRUNCATED', 2, F2);
      const e = expectCode(() => ascii().unpack(m.subarray(0, F2 + 2 + 10)), 'DARI_CODEC_TRUNCATED', 2, F2 + 2);
      assert.ok(!e.message.includes('476173'), 'a truncation error must not carry PAN digits');
    });

    it('truncated at every byte boundary: always TRUNCATED, never another error', () => {
      for (const name of ['iso87ascii-0200', 'iso87binary-0200', 'iso87ebcdic-0200', 'iso93ascii-1100']) {
        const m = golden(name);
        const c = new Iso8583Codec(builtinDialect(name.split('-')[0] as 'iso87ascii'));
        for (let n = 0; n < m.length; n++) expectCode(() => c.unpack(m.subarray(0, n)), 'DARI_CODEC_TRUNCATED');
      }
    });

    it('a declared length above the field maximum (PAN LL = 25, max 19)', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      m.write('25', F2, 'latin1');
      const e = expectCode(() => ascii().unpack(m), 'DARI_CODEC_LENGTH_EXCEEDS_MAX', 2, F2);
      assert.match(e.message, /25.*19/);
    });

    it('a length prefix that is not digits', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      m.write('1x', F2, 'latin1');
      expectCode(() => ascii().unpack(m), 'DARI_CODEC_LENGTH_INVALID', 2, F2 + 1);
    });

    it('non-numeric content in a numeric field names the field and offset, not the card data', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      m.write('X', F2 + 2 + 7, 'latin1'); // 8th PAN digit
      const e = expectCode(() => ascii().unpack(m), 'DARI_CODEC_INVALID_CHARACTER', 2, F2 + 2 + 7);
      assert.ok(!e.message.includes('X') && !e.message.includes('4761'), `card data in: ${e.message}`);
      const m2 = Buffer.from(golden('iso87ascii-0200'));
      const f3 = F2 + 2 + 16;
      m2.write('01A000', f3, 'latin1');
      const e2 = expectCode(() => ascii().unpack(m2), 'DARI_CODEC_INVALID_CHARACTER', 3, f3 + 2);
      assert.match(e2.message, /'A'.*position 3.*class n/);
    });

    it('a BCD nibble above 9 in a numeric field', () => {
      const m = Buffer.from(golden('iso87binary-0200'));
      // MTI(2) + bitmaps(16) + PAN prefix(1) + PAN(8) = field 3 at offset 27
      m[27] = 0x0a;
      expectCode(() => binary().unpack(m), 'DARI_CODEC_INVALID_CHARACTER', 3, 27);
    });

    it('an MTI that is not four digits', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      m.write('02X0', 0, 'latin1');
      expectCode(() => ascii().unpack(m), 'DARI_CODEC_MTI_INVALID', undefined, 2);
    });

    it('a hex bitmap with a non-hex character', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      m.write('G', 9, 'latin1');
      expectCode(() => ascii().unpack(m), 'DARI_CODEC_BITMAP_INVALID', undefined, 9);
    });

    it('a bitmap bit for a field the dialect does not define', () => {
      const c = new Iso8583Codec(compileDialect({
        name: 'tiny', mtiEncoding: 'ascii', bitmapEncoding: 'hex', prefixEncoding: 'ascii',
        encodings: { numeric: 'ascii', text: 'ascii', binary: 'hex', track: 'ascii' },
        fields: { '3': { name: 'Processing code', class: 'n', length: 6 } },
      }));
      // bitmap announces field 3 and field 4
      const m = Buffer.from(`0200${'3000000000000000'}000000000000000100`, 'latin1');
      expectCode(() => c.unpack(m), 'DARI_CODEC_UNKNOWN_FIELD', 4, 26);
    });

    it('a secondary bitmap flagged but empty', () => {
      const m = Buffer.from(`0800${'8220000000000000'}${'0000000000000000'}1126031500000001`, 'latin1');
      expectCode(() => ascii().unpack(m), 'DARI_CODEC_BITMAP_INVALID', undefined, 20);
    });

    it('a wrong bitmap: a bit cleared so the following bytes no longer fit', () => {
      const m = Buffer.from(golden('iso87ascii-0200'));
      // clear field 3 from the first hex digit pair 'F2' -> 'D2' (drops field 3): field 4 then reads field 3's digits,
      // and the message ends with bytes left over or a field that does not parse
      m.write('D', 4, 'latin1');
      assert.throws(() => ascii().unpack(m), (e: unknown) => e instanceof DariError && /^DARI_CODEC_/.test(e.code));
    });

    it('trailing bytes after the last field', () => {
      const m = Buffer.concat([golden('iso87ascii-0210'), Buffer.from('XY')]);
      expectCode(() => ascii().unpack(m), 'DARI_CODEC_TRAILING_BYTES', undefined, m.length - 2);
    });

    it('a malformed BER-TLV in field 55 (item length runs past the field)', () => {
      const msg: Iso8583Message = { mti: '0100', fields: { '55': '9F260801020304' } };
      expectCode(() => ascii().pack(msg), 'DARI_CODEC_TLV_MALFORMED', 55);
      const bytes = Buffer.from(`0100${'0000000000000200'}007${'9F260801020304'}`, 'latin1');
      const e = expectCode(() => ascii().unpack(bytes), 'DARI_CODEC_TLV_MALFORMED', 55, 23);
      assert.ok(!e.message.includes('9F26'), 'TLV errors do not print ICC data');
    });

    it('a pad nibble other than the declared one (track 2 in BCD, odd length)', () => {
      const c = binary();
      const good = c.pack({ mti: '0200', fields: { '35': '4761739001010119D251220' } });
      assert.equal(good[good.length - 1] ?? 0, 0x0f, 'odd track 2 (last digit 0) is right-padded with F');
      const bad = Buffer.from(good);
      bad[bad.length - 1] = 0x00;
      expectCode(() => c.unpack(bad), 'DARI_CODEC_INVALID_CHARACTER', 35, bad.length - 1);
    });

    it('never an exception other than DariError on single-byte corruptions of every golden message', () => {
      for (const name of ['iso87ascii-0200', 'iso87binary-0200', 'iso87ebcdic-0200', 'iso93ascii-1100']) {
        const c = new Iso8583Codec(builtinDialect(name.split('-')[0] as 'iso87ascii'));
        const m = golden(name);
        for (let i = 0; i < m.length; i++) {
          for (const v of [0x00, 0x20, 0x39, 0x7a, 0xff]) {
            const x = Buffer.from(m);
            x[i] = v;
            try {
              c.unpack(x);
            } catch (e) {
              assert.ok(e instanceof DariError && e.code.startsWith('DARI_CODEC_'), `${name} byte ${i}=${v}: ${String(e)}`);
              assert.ok(!String((e as Error).message).includes(PAN), 'no PAN in errors');
            }
          }
        }
      }
    });
  });

  describe('pack', () => {
    it('a fixed-length field with the wrong length', () => {
      expectCode(() => ascii().pack({ mti: '0200', fields: { '4': '100' } }), 'DARI_CODEC_FIXED_LENGTH', 4);
    });

    it('a variable field above its maximum', () => {
      expectCode(() => ascii().pack({ mti: '0200', fields: { '2': '4'.repeat(20) } }), 'DARI_CODEC_LENGTH_EXCEEDS_MAX', 2);
    });

    it('non-numeric PAN: the error names the position, not the PAN', () => {
      const e = expectCode(() => ascii().pack({ mti: '0200', fields: { '2': `${PAN.slice(0, 8)}X${PAN.slice(9)}` } }), 'DARI_CODEC_INVALID_CHARACTER', 2);
      assert.ok(!e.message.includes('47617390') && !e.message.includes("'X'"), e.message);
      assert.match(e.message, /position 9/);
    });

    it('a field the dialect does not define, and a bitmap listed as a field', () => {
      expectCode(() => ascii().pack({ mti: '0200', fields: { '129': 'x' } }), 'DARI_CODEC_UNKNOWN_FIELD', 129);
      expectCode(() => ascii().pack({ mti: '0200', fields: { '1': 'F000000000000000' } }), 'DARI_CODEC_UNKNOWN_FIELD', 1);
      expectCode(() => ascii().pack({ mti: '0200', fields: { abc: 'x' } }), 'DARI_CODEC_UNKNOWN_FIELD');
    });

    it('a value that is not a string, an MTI that is not 4 digits', () => {
      expectCode(() => ascii().pack({ mti: '0200', fields: { '11': 123 as unknown as string } }), 'DARI_CODEC_VALUE_INVALID', 11);
      expectCode(() => ascii().pack({ mti: '200', fields: {} }), 'DARI_CODEC_MTI_INVALID');
      expectCode(() => ascii().pack({ mti: '02a0', fields: {} }), 'DARI_CODEC_MTI_INVALID');
    });

    it('hex fields must be hex', () => {
      expectCode(() => ascii().pack({ mti: '0200', fields: { '52': '0123456789ABCDEG' } }), 'DARI_CODEC_INVALID_CHARACTER', 52);
      expectCode(() => binary().pack({ mti: '0200', fields: { '52': '0123456789ABCDEG' } }), 'DARI_CODEC_INVALID_CHARACTER', 52);
    });
  });

  describe('dialect files', () => {
    const base = {
      name: 'x', mtiEncoding: 'ascii', bitmapEncoding: 'hex', prefixEncoding: 'ascii',
      encodings: { numeric: 'ascii', text: 'ascii', binary: 'hex', track: 'ascii' }, fields: {},
    };
    const bad: Array<[string, unknown, RegExp]> = [
      ['unknown top-level key', { ...base, colour: 'red' }, /colour: unknown key/],
      ['bad encoding', { ...base, mtiEncoding: 'utf16' }, /mtiEncoding: must be one of/],
      ['field 1', { ...base, fields: { '1': { name: 'b', class: 'b', length: 8 } } }, /fields\.1: field numbers/],
      ['length above its prefix', { ...base, fields: { '2': { name: 'PAN', class: 'n', length: 120, prefix: 2 } } }, /fields\.2\.length: 120 does not fit/],
      ['bcd text', { ...base, fields: { '43': { name: 'n', class: 'ans', length: 40, encoding: 'bcd' } } }, /fields\.43\.encoding: bcd cannot carry class ans/],
      ['unknown field key', { ...base, fields: { '3': { name: 'p', class: 'n', length: 6, size: 1 } } }, /fields\.3\.size: unknown key/],
      ['tlv on text', { ...base, fields: { '48': { name: 'p', class: 'ans', length: 99, prefix: 2, tlv: true } } }, /fields\.48\.tlv/],
    ];
    for (const [what, spec, re] of bad) {
      it(`refuses ${what}, naming the key`, () => {
        const e = expectCode(() => compileDialect(spec), 'DARI_CODEC_SPEC_INVALID');
        assert.match(e.message, re);
      });
    }
  });
});

describe('ISO 8583 codec: regressions', () => {
  it('field keys must be canonical decimals: "02" or " 2" would be written out of bitmap order', () => {
    const c = new Iso8583Codec(builtinDialect('iso87ascii'));
    for (const key of ['02', ' 2', '2 ', '+2', '2.0', '']) {
      assert.throws(() => c.pack({ mti: '0200', fields: { '3': '000000', [key]: '4761739001010119' } }), (e: unknown) => e instanceof DariError && e.code === 'DARI_CODEC_UNKNOWN_FIELD', JSON.stringify(key));
    }
  });
});

describe('ISO 8583 codec: long-value fast paths', () => {
  it('a bad character deep inside a long text field (regex path) is still named by position and offset', () => {
    const c = new Iso8583Codec(builtinDialect('iso87ascii'));
    const name = 'DARI TEST ATM 1        SEOUL        KR  ';
    const good = c.pack({ mti: '0200', fields: { '43': name } });
    const bad = Buffer.from(good);
    const at = bad.length - 40 + 29;
    bad[at] = 0x07;
    const e = expectCode(() => c.unpack(bad), 'DARI_CODEC_INVALID_CHARACTER', 43, at);
    assert.match(e.message, /byte 0x07 at position 30/);
  });

  it('lowercase hex in a hex-encoded field decodes to uppercase; a non-hex digit deep inside is named', () => {
    const c = new Iso8583Codec(builtinDialect('iso87ascii'));
    const icc = '9F2608C1A2B3C4D5E6F708';
    const wire = Buffer.from(`0100${'0000000000000200'}011${icc.toLowerCase()}`, 'latin1');
    assert.equal(c.unpack(wire).fields['55'], icc);
    wire[wire.length - 3] = 0x67; // 'g'
    expectCode(() => c.unpack(wire), 'DARI_CODEC_INVALID_CHARACTER', 55, wire.length - 3);
  });

  it('pack of a long binary value (native hex path): lowercase accepted, a bad digit or a character above U+007F named by position', () => {
    const c = new Iso8583Codec(builtinDialect('iso87binary'));
    const icc = '9F26088E1B3A6C2D4F50719F10120110A04001220000000000000000000000FF';
    const packed = c.pack({ mti: '0200', fields: { '55': icc } });
    assert.deepEqual(c.pack({ mti: '0200', fields: { '55': icc.toLowerCase() } }), packed);
    assert.equal(c.unpack(packed).fields['55'], icc);
    const at = (i: number, ch: string): string => icc.slice(0, i) + ch + icc.slice(i + 1);
    // 'G' at position 11; U+0663 and U+0163 have a hex digit ('c') as their low byte; U+00E9 is latin1 but not hex.
    for (const [value, position] of [[at(10, 'G'), 11], [at(37, '\u0663'), 38], [at(20, '\u0163'), 21], [at(63, '\u00e9'), 64]] as const) {
      const e = expectCode(() => c.pack({ mti: '0200', fields: { '55': value } }), 'DARI_CODEC_INVALID_CHARACTER', 55);
      assert.match(e.message, new RegExp(`character at position ${position} is not a hex digit`));
    }
  });
});
