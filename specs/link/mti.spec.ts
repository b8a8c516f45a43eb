import { strict as assert } from 'node:assert';
import { isResponseMti, responseMti } from '../../src/link/types';

describe('MTI response rules (ISO 8583:1987 4.1.2)', () => {
  it('function digit + 1, origin kept, repeat folded', () => {
    for (const [req, resp] of [['0100', '0110'], ['0200', '0210'], ['0201', '0210'], ['0420', '0430'], ['0421', '0430'], ['0422', '0432'], ['0800', '0810'], ['1804', '1814'], ['1200', '1210']]) {
      assert.equal(responseMti(req as string), resp, req);
    }
  });
  it('responses have an odd function digit', () => {
    assert.ok(isResponseMti('0210') && isResponseMti('0430') && isResponseMti('1814'));
    assert.ok(!isResponseMti('0200') && !isResponseMti('0421') && !isResponseMti('0800'));
  });
});
