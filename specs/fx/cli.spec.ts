/** `dari fx rates|quote` driven as a user would: a spawned process, stdout/stderr and exit code out. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DARI_BIN } from '../support/paths';
import { FX_FIXTURES } from './support';

function dari(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const CORRIDOR = join(FX_FIXTURES, 'corridor.yaml');

describe('dari fx (CLI)', () => {
  it('fx quote prints the locked quote as JSON: 150000.00 IDR -> 12936 KRW at 0.0862405', () => {
    const r = dari(['fx', 'quote', '--rates', CORRIDOR, '--from', 'IDR', '--to', 'KRW', '--amount', '150000.00']);
    assert.equal(r.code, 0, r.err);
    const q = JSON.parse(r.out);
    // 0.0865 x (1 - 30/10000) = 0.0862405; 150000 x 0.0862405 = 12936.075 -> 12936
    assert.equal(q.rate, '0.0862405');
    assert.equal(q.midRate, '0.0865');
    assert.equal(q.sourceAmount, '15000000');
    assert.equal(q.targetAmount, '12936');
    assert.equal(q.source, '150000.00 IDR');
    assert.equal(q.target, '12936 KRW');
    assert.equal(Date.parse(q.expiresAt) - Date.parse(q.createdAt), 60_000);
    assert.match(q.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });

  it('--side buy fixes the received amount; cross rates go through the pivot', () => {
    // VND -> KRW through USD: (1 / 25340) x 1380.50 = 0.0544790844514601... x 0.995 = 0.0542066890292028...
    // -> 0.054206689029; buying 10000 KRW: 10000 / 0.054206689029 = 184479.0777... VND -> 184479 (exponent 0)
    const r = dari(['fx', 'quote', '--rates', CORRIDOR, '--from', 'vnd', '--to', 'KRW', '--amount', '10000', '--side', 'buy']);
    assert.equal(r.code, 0, r.err);
    const q = JSON.parse(r.out);
    assert.deepEqual([q.rateKind, q.via, q.spreadBps, q.amountSide, q.targetAmount], ['cross', 'USD', 50, 'target', '10000']);
    assert.equal(q.rate, '0.054206689029');
    assert.equal(q.sourceAmount, '184479');
  });

  it('fx rates prints each pair and its inverse, as a table or JSON', () => {
    const t = dari(['fx', 'rates', '--file', CORRIDOR]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^PAIR\s+HOW\s+MID\s+SPREAD bps\s+RATE$/m);
    assert.match(t.out, /^IDR->KRW\s+direct\s+0\.0865\s+30\s+0\.0862405$/m);
    assert.match(t.out, /^KRW->IDR\s+inverse\s+11\.560693641618\s+30\s+11\.526011560694$/m);
    assert.match(t.out, /cross through USD/);
    const j = dari(['fx', 'rates', '--file', CORRIDOR, '--json']);
    const doc = JSON.parse(j.out);
    assert.equal(doc.pivot, 'USD');
    assert.equal(doc.rates.length, 6);
    assert.deepEqual(doc.rates[1], { from: 'KRW', to: 'IDR', kind: 'inverse', midRate: '11.560693641618', spreadBps: 30, rate: '11.526011560694' });
  });

  it('bad input: one coded line on stderr, exit 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['fx', 'quote', '--rates', CORRIDOR, '--from', 'IDR', '--to', 'KRW', '--amount', '150000.001'], /^DARI_FX_AMOUNT_INVALID: amount "150000\.001" has 3 decimals; IDR has 2/],
      [['fx', 'quote', '--rates', CORRIDOR, '--from', 'THB', '--to', 'KRW', '--amount', '1'], /^DARI_FX_NO_RATE: no rate for THB->KRW/],
      [['fx', 'quote', '--rates', CORRIDOR, '--from', 'ABC', '--to', 'KRW', '--amount', '1'], /^DARI_FX_CURRENCY_UNKNOWN/],
      [['fx', 'quote', '--rates', CORRIDOR, '--from', 'IDR', '--to', 'KRW', '--amount', '1', '--side', 'both'], /^DARI_CLI_USAGE: --side/],
      [['fx', 'quote', '--rates', CORRIDOR, '--from', 'IDR'], /^DARI_CLI_USAGE: fx quote needs/],
      [['fx', 'rates', '--file', join(FX_FIXTURES, 'missing.yaml')], /^DARI_CONFIG_NOT_FOUND/],
      [['fx', 'rates', '--file', join(FX_FIXTURES, 'README.md')], /^DARI_FX_CONFIG_INVALID: .*README\.md: /],
      [['fx', 'swap'], /^DARI_CLI_USAGE: unknown fx command "swap"/],
    ];
    for (const [args, message] of cases) {
      const r = dari(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
      assert.match(r.err.trim(), message);
      assert.equal(r.err.trim().split('\n').length, 1);
    }
  });
});
