/**
 * Public EMV merchant-presented QR payloads (fixtures/emvqr/payloads.json; sources in its README):
 * every payload gets the verdict its source states, valid ones with the scheme, country, currency,
 * amount, merchant and merchant account the source gives, invalid ones with the reason code.
 */
import { strict as assert } from 'node:assert';
import { inspectQr, parseQr } from '../../../src/codec/emvqr';
import { DariError } from '../../../src/errors';
import { VECTORS } from './helpers';

describe('EMV QR public vectors', () => {
  it('every vector names its source, and a built one says why', () => {
    assert.ok(VECTORS.length >= 80);
    for (const v of VECTORS) {
      assert.ok(v.source.length > 10 && v.url.startsWith('https://github.com/'), `${v.name} names no source`);
      if (v.built !== undefined) assert.ok(v.built.length > 20, `${v.name}: built without a reason`);
    }
  });

  it('covers every scheme with a valid public payload', () => {
    const schemes = new Set(VECTORS.filter((v) => v.expect.valid && v.built === undefined).map((v) => (v.expect.valid ? v.expect.scheme : null)));
    for (const s of ['QRIS', 'VIETQR', 'PROMPTPAY', 'DUITNOW', 'PAYNOW', 'SGQR', 'QRPH', 'KHQR', 'KR_BCCARD', null]) assert.ok(schemes.has(s), `no public payload for ${s}`);
  });

  for (const v of VECTORS) {
    it(`${v.name}: ${v.expect.valid ? `valid, ${v.expect.scheme ?? 'no scheme'}` : v.expect.reason}`, () => {
      const verdict = inspectQr(v.payload);
      const x = v.expect;
      if (!x.valid) {
        assert.equal(verdict.valid, false, `${v.name} should be rejected`);
        if (verdict.valid) return;
        assert.equal(verdict.reason, x.reason, verdict.message);
        if (x.field !== undefined) assert.equal(verdict.field, x.field, verdict.message);
        assert.throws(() => parseQr(v.payload), (e: unknown) => e instanceof DariError && e.code === x.reason);
        return;
      }
      assert.ok(verdict.valid, verdict.valid ? '' : `${verdict.reason}: ${verdict.message}`);
      if (!verdict.valid) return;
      assert.equal(verdict.scheme?.id ?? null, x.scheme);
      if (x.country !== undefined) assert.equal(verdict.country, x.country);
      if (x.currency !== undefined) assert.equal(verdict.currency, x.currency);
      if (x.amount !== undefined) assert.equal(verdict.amount, x.amount);
      if (x.merchantName !== undefined) assert.equal(verdict.merchantName, x.merchantName);
      if (x.merchantCity !== undefined) assert.equal(verdict.merchantCity, x.merchantCity);
      if (x.initiation !== undefined) assert.equal(verdict.initiation, x.initiation);
      for (const [k, value] of Object.entries(x.account ?? {})) assert.equal(verdict.merchantAccount?.[k], value, `merchantAccount.${k}`);
      for (const [id, value] of Object.entries(x.fields ?? {})) assert.deepEqual(verdict.fields[id], value, `data object ${id}`);
    });
  }
});
