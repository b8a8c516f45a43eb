/** Network management messages the link builds and answers; the MTI of a frame the codec refuses. */
import { strict as assert } from 'node:assert';
import { builtinDialect } from '../../src/codec/iso8583';
import { StanCounter, isNetworkRequest, networkRequest, networkResponse, peekMti, transmissionDateTime } from '../../src/link/network';

describe('link network management', () => {
  it('field 7 is MMDDhhmmss in GMT', () => {
    assert.equal(transmissionDateTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5))), '0102030405');
    assert.equal(transmissionDateTime(new Date(Date.UTC(2025, 11, 31, 23, 59, 59))), '1231235959');
  });

  it('STANs are 6 digits and wrap from 999999 to 000001', () => {
    const s = new StanCounter(999_998);
    assert.deepEqual([s.next(), s.next(), s.next()], ['999998', '999999', '000001']);
  });

  it('an 0800 carries 7, 11, 70 and the configured extra fields', () => {
    const m = networkRequest('001', '000042', { '33': '12345' });
    assert.equal(m.mti, '0800');
    assert.deepEqual(Object.keys(m.fields).sort(), ['11', '33', '7', '70']);
    assert.equal(m.fields['70'], '001');
    assert.equal(m.fields['11'], '000042');
  });

  it('answers sign-on, sign-off and echo with 39 = 00, anything else with 12, copying 7, 11, 70 and key fields', () => {
    const req = { mti: '0800', fields: { '7': '1126093000', '11': '000001', '41': 'TERM0009', '70': '301', '33': '123' } };
    assert.deepEqual(networkResponse(req, ['41', '11', '7']), { mti: '0810', fields: { '7': '1126093000', '11': '000001', '70': '301', '41': 'TERM0009', '39': '00' } });
    assert.equal(networkResponse({ mti: '0800', fields: { '11': '000002', '70': '161' } }, []).fields['39'], '12');
    assert.equal(networkResponse({ mti: '0801', fields: { '11': '000002', '70': '002' } }, []).mti, '0810');
  });

  it('isNetworkRequest: 0800 and its repeat 0801, not 0810 or 0820', () => {
    assert.deepEqual(['0800', '0801', '0810', '0820', '0200'].map(isNetworkRequest), [true, true, false, false, false]);
  });

  it('peekMti reads the MTI in the dialect\'s encoding, or undefined', () => {
    assert.equal(peekMti(builtinDialect('iso87ascii'), Buffer.from('0200ZZ', 'latin1')), '0200');
    assert.equal(peekMti(builtinDialect('iso87ascii'), Buffer.from('02', 'latin1')), undefined);
    assert.equal(peekMti(builtinDialect('iso87ascii'), Buffer.from('02A0', 'latin1')), undefined);
    assert.equal(peekMti(builtinDialect('iso87binary'), Buffer.from([0x02, 0x00, 0xff])), '0200');
    assert.equal(peekMti(builtinDialect('iso87binary'), Buffer.from([0x0a, 0x00])), undefined);
    assert.equal(peekMti(builtinDialect('iso87ebcdic'), Buffer.from([0xf0, 0xf2, 0xf0, 0xf0])), '0200');
  });
});
