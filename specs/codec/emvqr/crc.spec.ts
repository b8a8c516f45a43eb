/**
 * The EMV MPM CRC (EMV QRCPS MPM 4.7.3): CRC-16/CCITT-FALSE over the UTF-8 bytes.
 * Vectors: the catalogue check value of "123456789" (0x29B1), KUPIEACEH/go-qris
 * internal/usecases/crc16_ccitt_test.go ("HELLO" 49D6, "abcdef" 34ED, "" FFFF), and
 * copanote/emvmpm EmvMpmCRCTest.java (two Korean payloads, CRC over UTF-8: 1331 and 5C76).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { crc16Bytes, crc16Utf8, crcHex } from '../../../src/codec/emvqr';
import { naiveCrc } from './helpers';

const hex = (s: string): string => crcHex(crc16Utf8(s) & 0xffff);

describe('EMV QR CRC-16/CCITT-FALSE', () => {
  it('check value: "123456789" gives 29B1', () => {
    assert.equal(hex('123456789'), '29B1');
    assert.equal(crc16Bytes(Buffer.from('123456789')), 0x29b1);
  });

  it('go-qris vectors: HELLO 49D6, abcdef 34ED, empty FFFF', () => {
    assert.equal(hex('HELLO'), '49D6');
    assert.equal(hex('abcdef'), '34ED');
    assert.equal(hex(''), 'FFFF');
  });

  it('runs over UTF-8 bytes: the copanote/emvmpm Korean payloads', () => {
    const data1 = '0002010102111531260004102600041071195812000000026310014D410000001401005091000054085204729953034105802KR5910NAISHUSIAT6013SEOUL MAPO-GU610504086625603091000054080515MQ202000004811006080000000007080000000164240002ko0104나이스샷0206서울 마포구6304';
    const data2 = '0002010102121531260004102600041071195812000000026310014D4100000014010050910000540852047299530341054062569805802KR5910NAISHUSIAT6013SEOUL MAPO-GU610504086625603091000054080515MQ202200012703306081000445207080000000164240002ko0104나이스샷0206서울 마포구6304';
    assert.equal(hex(data1), '1331');
    assert.equal(hex(data2), '5C76');
  });

  it('flags non-ASCII input (bit 16) and only then', () => {
    assert.equal(crc16Utf8('ABC') >> 16, 0);
    assert.equal(crc16Utf8('나') >> 16, 1);
    assert.equal(crc16Utf8('AB나', 2) >> 16, 0, 'only the first `end` code units count');
  });

  it('equals a bitwise CRC over Buffer.from(s, "utf8") for any string, astral and lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      assert.equal(hex(s), naiveCrc(s));
    }), { numRuns: 2000 });
    assert.equal(hex('\ud800x'), naiveCrc('\ud800x'), 'a lone surrogate is U+FFFD, as Buffer and TextEncoder encode it');
  });
});
