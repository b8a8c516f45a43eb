/** Matching keys: jPOS QMUX MTI folding plus the key fields (reference note section 3). */
import { strict as assert } from 'node:assert';
import { DEFAULT_KEY_FIELDS, defaultMatchKey, foldMti, keyByFields } from '../../src/link';

describe('link matching key', () => {
  it('folds the function digit (0,1->0 2,3->2 4,5->4 6,7->6; 8, 9 kept) and the repeat in the origin digit', () => {
    const cases: [string, string][] = [
      ['0200', '0200'], ['0210', '0200'], ['0220', '0220'], ['0230', '0220'],
      ['0400', '0400'], ['0410', '0400'], ['0420', '0420'], ['0421', '0420'], ['0430', '0420'],
      ['0800', '0800'], ['0810', '0800'], ['0240', '0240'], ['0250', '0240'], ['0260', '0260'], ['0270', '0260'],
      ['0280', '0280'], ['0290', '0290'], ['0122', '0122'], ['0123', '0122'], ['0124', '0124'], ['0125', '0124'],
      ['0126', '0126'], ['0129', '0129'], ['1200', '1200'], ['1210', '1200'],
    ];
    for (const [mti, folded] of cases) assert.equal(foldMti(mti), folded, mti);
  });

  it('keeps the version and class digits: 0200 vs 0400 vs 1200 stay apart', () => {
    assert.notEqual(foldMti('0200'), foldMti('0400'));
    assert.notEqual(foldMti('0210'), foldMti('0410'));
    assert.notEqual(foldMti('0200'), foldMti('1200'));
  });

  it('leaves a malformed MTI as it is', () => {
    assert.equal(foldMti('02'), '02');
    assert.equal(foldMti('02X0'), '02X0');
  });

  it('default key = folded MTI | 41 | 11 | 7, absent fields empty; a response gets its request\'s key', () => {
    assert.deepEqual(DEFAULT_KEY_FIELDS, ['41', '11', '7']);
    const req = { mti: '0200', fields: { '7': '1126120000', '11': '000123', '41': 'TERM0001', '4': '000000001000' } };
    const resp = { mti: '0210', fields: { '7': '1126120000', '11': '000123', '41': 'TERM0001', '39': '00' } };
    assert.equal(defaultMatchKey(req), '0200|TERM0001|000123|1126120000');
    assert.equal(defaultMatchKey(resp), defaultMatchKey(req));
    // Network management (class 8) matches by STAN alone: an 0810 without 7 and 41 still answers its 0800.
    assert.equal(defaultMatchKey({ mti: '0810', fields: { '11': '000001' } }), '0800|000001');
    assert.equal(defaultMatchKey({ mti: '0810', fields: { '11': '000001', '70': '001' } }), defaultMatchKey({ mti: '0800', fields: { '7': '1126120000', '11': '000001', '41': 'TERM0001', '70': '001' } }));
    const reversal = { mti: '0400', fields: req.fields };
    assert.notEqual(defaultMatchKey(reversal), defaultMatchKey(req));
    assert.equal(defaultMatchKey({ mti: '0430', fields: req.fields }), defaultMatchKey({ mti: '0421', fields: req.fields }));
  });

  it('keyByFields builds a key over any list of fields', () => {
    const k = keyByFields(['42', '41', '11', '37']);
    assert.equal(k({ mti: '0110', fields: { '11': '1', '37': 'R', '41': 'T', '42': 'M' } }), '0100|M|T|1|R');
    assert.equal(keyByFields(['11'])({ mti: '0210', fields: { '11': '000009' } }), '0200|000009');
  });
});
