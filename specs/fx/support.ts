/** Helpers shared by the FX specs. */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { isDariError } from '../../src/errors';
import { FIXTURES } from '../support/paths';

/** The FX fixtures folder. */
export const FX_FIXTURES = join(FIXTURES, 'fx');

/** Assert that `fn` throws a DariError carrying `code` (and a message matching `message`). */
export function throwsCoded(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDariError(e), `expected a DariError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}
