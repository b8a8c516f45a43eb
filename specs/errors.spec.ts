import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DariError, ERROR_CATALOGUE } from '../src/errors';
import { REPO_ROOT } from './support/paths';

describe('error catalogue', () => {
  it('every code follows DARI_<AREA>_<WHAT>', () => {
    for (const code of Object.keys(ERROR_CATALOGUE)) assert.match(code, /^DARI_[A-Z0-9]+(_[A-Z0-9]+)+$/);
  });

  it('the README error table lists exactly the catalogue, in both directions', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(DARI_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    for (const code of Object.keys(ERROR_CATALOGUE)) assert.ok(documented.has(code), `${code} is not documented in README.md`);
    for (const code of documented) assert.ok(code !== undefined && code in ERROR_CATALOGUE, `${code} is documented but not in the catalogue`);
  });

  it('serialises code, field and offset, and prints one line', () => {
    const e = new DariError('DARI_CODEC_TRUNCATED', 'message ends inside field 4', { field: 4, offset: 27 });
    assert.deepEqual(e.toJSON(), { code: 'DARI_CODEC_TRUNCATED', message: 'message ends inside field 4', field: 4, offset: 27 });
    assert.equal(e.toLine(), 'DARI_CODEC_TRUNCATED: message ends inside field 4');
  });
});
