import { strict as assert } from 'node:assert';
import { maskField, maskPan, maskTlvHex, maskTrack } from '../../src/security/masking';

describe('card data masking', () => {
  it('PAN: first 6 and last 4 (PCI DSS 3.4)', () => {
    assert.equal(maskPan('4761739001010119'), '476173******0119');
    assert.equal(maskPan('6011000990139424123'), '601100*********4123');
    assert.equal(maskPan('123456789012'), '************', 'a short value is masked whole');
  });

  it('track 2 and track 1: PAN masked, everything after the separator masked', () => {
    assert.equal(maskTrack('4761739001010119=25122011143878089'), '476173******0119=*****************');
    assert.equal(maskTrack('4761739001010119D2512201'), '476173******0119D*******');
    assert.equal(maskTrack('B4761739001010119^CARDHOLDER/TEST^2512201'), 'B476173******0119^***********************');
  });

  it('by field number: 2, 14, 35, 52 masked; others untouched', () => {
    assert.equal(maskField(14, '2512'), '****');
    assert.equal(maskField(52, '0123456789ABCDEF'), '****************');
    assert.equal(maskField(4, '000000010000'), '000000010000');
  });

  it('field 55: PAN (5A) and track 2 equivalent (57) masked inside the TLV, other tags kept', () => {
    const icc = '5A084761739001010119' + '5711' + '4761739001010119D2512201114387808F' + '9F2701' + '80';
    const masked = maskTlvHex(icc);
    assert.equal(masked.length, icc.length);
    assert.ok(!masked.includes('4761739001010119'), masked);
    assert.ok(masked.startsWith('5A08476173******0119'), masked);
    assert.ok(masked.endsWith('9F270180'), masked);
  });

  it('field 55 that does not parse is masked whole', () => {
    assert.equal(maskTlvHex('5A10476173'), '**********');
  });
});
