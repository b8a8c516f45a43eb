/**
 * buildQr: data objects (the `fields` shape parseQr returns) to a payload with lengths in
 * characters and the CRC appended, ids ascending at every level. Checked by mirroring every
 * public vector already written in that order (build(parse(p)) = p, byte for byte), and against
 * the naive helpers for the rest.
 */
import { strict as assert } from 'node:assert';
import { buildQr, parseQr, type QrFields } from '../../../src/codec/emvqr';
import { DariError } from '../../../src/errors';
import { naiveCrc, VECTORS } from './helpers';

/** Whether every level of the payload lists its ids in ascending order (a naive walk, code points). */
function ascending(payload: string): boolean {
  const walk = (cps: string[], nested: (id: number) => boolean): boolean => {
    let last = -1;
    for (let i = 0; i < cps.length;) {
      const id = Number(cps.slice(i, i + 2).join(''));
      const len = Number(cps.slice(i + 2, i + 4).join(''));
      if (id <= last) return false;
      last = id;
      const value = cps.slice(i + 4, i + 4 + len);
      if (nested(id) && !walk(value, () => false)) return false;
      i += 4 + len;
    }
    return true;
  };
  return walk([...payload], (id) => (id >= 26 && id <= 51) || id === 62 || id === 64);
}

function fails(input: unknown, code: string): void {
  assert.throws(() => buildQr(input as { fields: QrFields }), (e: unknown) => e instanceof DariError && e.code === code, JSON.stringify(input));
}

const MINIMAL: QrFields = {
  '00': '01', '01': '11', '26': { '00': 'COM.EXAMPLE.WWW', '01': '12345' }, '52': '5812', '53': '840', '58': 'US', '59': 'EXAMPLE SHOP', '60': 'SPRINGFIELD',
};

describe('EMV QR build', () => {
  it('mirrors the public vectors written in ascending id order: build(parse(p)) = p', () => {
    let mirrored = 0;
    for (const v of VECTORS) {
      if (!v.expect.valid || !ascending(v.payload)) continue;
      assert.equal(buildQr({ fields: parseQr(v.payload).fields }), v.payload, v.name);
      mirrored++;
    }
    assert.ok(mirrored >= 15, `only ${mirrored} vectors mirrored`);
  });

  it('rebuilds the others in ascending order with the same data objects (PromptPay writes 58 before 53)', () => {
    const p = VECTORS.find((v) => v.name === 'promptpay-mobile')?.payload as string;
    const rebuilt = buildQr({ fields: parseQr(p).fields });
    assert.equal(rebuilt.slice(0, -4), '00020101021129370016A00000067701011101130066801234567530376458' + '02TH6304');
    assert.equal(rebuilt.slice(-4), naiveCrc(rebuilt.slice(0, -4)));
    const { '63': _a, ...got } = parseQr(rebuilt).fields;
    const { '63': _b, ...want } = parseQr(p).fields;
    assert.deepEqual(got, want);
  });

  it('counts lengths in characters and replaces any 63 given', () => {
    const out = buildQr({ fields: { ...MINIMAL, '63': 'FFFF', '64': { '00': 'ko', '01': '나이스샷', '02': '서울 마포구' } } });
    assert.ok(out.includes('64240002ko0104나이스샷0206서울 마포구6304'), out);
    assert.equal(out.slice(-4), naiveCrc(out.slice(0, -4)));
  });

  it('input that is not {fields: {...}} with two-digit ids and 1-99 character values is DARI_QR_BUILD_INVALID', () => {
    for (const bad of [null, 42, {}, { fields: null }, { fields: [] }, { fields: 'x' }]) fails(bad, 'DARI_QR_BUILD_INVALID');
    for (const [id, value] of [['A1', 'x'], ['100', 'x'], ['1', 'x'], ['70', ''], ['70', 'x'.repeat(100)], ['70', 7], ['70', ['a']], ['62', { '01': 'x'.repeat(90), '02': 'y'.repeat(10) }]] as const) {
      fails({ fields: { ...MINIMAL, [id]: value } }, 'DARI_QR_BUILD_INVALID');
    }
  });

  it('refuses to build what Dari would reject, with the validation reason', () => {
    const { '59': _name, ...noName } = MINIMAL;
    fails({ fields: noName }, 'DARI_QR_MANDATORY_MISSING');
    fails({ fields: { ...MINIMAL, '54': '1.234' } }, 'DARI_QR_AMOUNT_INVALID');
    fails({ fields: { ...MINIMAL, '00': '02' } }, 'DARI_QR_PFI_INVALID');
  });
});
