/**
 * `dari report fees` as a user runs it: a spawned process against a temporary SQLite journal named
 * by a configuration file, filled beforehand through the Journal API. Totals worked by hand.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJournal } from '../../src/journal';
import type { FeeEntry } from '../../src/journal/journal';
import { DARI_BIN } from '../support/paths';

const dir = mkdtempSync(join(tmpdir(), 'dari-report-'));
const journalPath = join(dir, 'data', 'dari.db');
const config = join(dir, 'hub.yaml');

function dari(args: string[], cwd = dir): { code: number; out: string; err: string } {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
let seq = 0;
const fee = (at: number, over: Partial<FeeEntry>): FeeEntry => ({
  txnId: `t-${++seq}`,
  at,
  participant: 'DEMO-ACQ',
  partner: 'ID-QRIS',
  currency: 'KRW',
  amount: 0n,
  participantFee: 0n,
  partnerFee: 0n,
  cardBrandCost: 0n,
  ...over,
});

describe('dari report fees (CLI)', () => {
  before(async () => {
    // The relative path is resolved from the working folder, as `dari start` does.
    writeFileSync(config, 'journal:\n  sqlitePath: ./data/dari.db\n');
    const j = new SqliteJournal({ path: journalPath });
    await j.init();
    await Promise.all([
      // 2024-06-12: two KRW payments of DEMO-ACQ through ID-QRIS
      j.recordFees(fee(day('2024-06-12'), { amount: 12_936n, participantFee: 200n, partnerFee: 13n, cardBrandCost: 129n, quoteId: 'q1', rate: '0.0862405' })),
      j.recordFees(fee(day('2024-06-12') + 86_399_999, { amount: 50_000n, participantFee: 200n, partnerFee: 50n, cardBrandCost: 500n })),
      // 2024-06-13: a THB payment of BANK2 through TH-PP
      j.recordFees(fee(day('2024-06-13') + 3_600_000, { participant: 'BANK2', partner: 'TH-PP', currency: 'THB', amount: 9_900n, participantFee: 149n, partnerFee: 0n, cardBrandCost: 248n })),
      // outside: the day before and the day after
      j.recordFees(fee(day('2024-06-11') + 86_399_999, { amount: 1n })),
      j.recordFees(fee(day('2024-06-14'), { amount: 1n })),
    ]);
    await j.close();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table per participant, partner and currency, with totals per currency', () => {
    const r = dari(['report', 'fees', '--from', '2024-06-12', '--to', '2024-06-13', '--config', config]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^Fees 2024-06-12 to 2024-06-13 \(UTC, inclusive\); card-brand cost as recorded/);
    assert.match(lines[1]!, /^PARTICIPANT\s+PARTNER\s+CCY\s+COUNT\s+AMOUNT\s+PARTICIPANT FEES\s+PARTNER FEES\s+CARD-BRAND COST\s+SAVING$/);
    // BANK2/TH-PP/THB: 99.00, fees 1.49 and 0.00, card 2.48, saving 2.48 - 1.49 = 0.99
    assert.match(lines[2]!, /^BANK2\s+TH-PP\s+THB\s+1\s+99\.00\s+1\.49\s+0\.00\s+2\.48\s+0\.99$/);
    // DEMO-ACQ/ID-QRIS/KRW: 12936 + 50000 = 62936, 200 + 200 = 400, 13 + 50 = 63, 129 + 500 = 629, saving 629 - 463 = 166
    assert.match(lines[3]!, /^DEMO-ACQ\s+ID-QRIS\s+KRW\s+2\s+62936\s+400\s+63\s+629\s+166$/);
    assert.match(lines[4]!, /^-+( +-+)+$/);
    assert.match(lines[5]!, /^TOTAL\s+KRW\s+2\s+62936\s+400\s+63\s+629\s+166$/);
    assert.match(lines[6]!, /^TOTAL\s+THB\s+1\s+99\.00\s+1\.49\s+0\.00\s+2\.48\s+0\.99$/);
    assert.equal(lines.length, 7);
  });

  it('--json and --card-rate: the card-brand cost recomputed per transaction, half up', () => {
    const r = dari(['report', 'fees', '--from', '2024-06-12', '--to', '2024-06-12', '--config', config, '--card-rate', '1.5%', '--json']);
    assert.equal(r.code, 0, r.err);
    // 1.5% of 12936 = 194.04 -> 194; of 50000 = 750; card 944, saving 944 - 400 - 63 = 481
    assert.deepEqual(JSON.parse(r.out), {
      from: '2024-06-12',
      to: '2024-06-12',
      cardRateBps: 150,
      rows: [{ participant: 'DEMO-ACQ', partner: 'ID-QRIS', currency: 'KRW', count: 2, amount: '62936', participantFees: '400', partnerFees: '63', cardBrandCost: '944', saving: '481' }],
      totals: [{ currency: 'KRW', count: 2, amount: '62936', participantFees: '400', partnerFees: '63', cardBrandCost: '944', saving: '481' }],
    });
    const bps = dari(['report', 'fees', '--from', '2024-06-13', '--to', '2024-06-13', '--config', config, '--card-rate', '100bps', '--json']);
    // 1% of 99.00 THB = 0.99 -> saving 0.99 - 1.49 = -0.50
    assert.deepEqual(JSON.parse(bps.out).rows[0], { participant: 'BANK2', partner: 'TH-PP', currency: 'THB', count: 1, amount: '99.00', participantFees: '1.49', partnerFees: '0.00', cardBrandCost: '0.99', saving: '-0.50' });
  });

  it('a period without fees says so', () => {
    const r = dari(['report', 'fees', '--from', '2023-01-01', '--to', '2023-01-31', '--config', config]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no fees recorded in that period/);
  });

  it('bad dates and options are DARI_CLI_USAGE (exit 2); no journal is DARI_JOURNAL_UNAVAILABLE and none is created', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--from', '2024-02-30', '--to', '2024-03-01'], /^DARI_CLI_USAGE: --from must be a calendar date YYYY-MM-DD/],
      [['--from', '2024-6-1', '--to', '2024-06-30'], /^DARI_CLI_USAGE: --from/],
      [['--from', '2024-06-01', '--to', '06/30/2024'], /^DARI_CLI_USAGE: --to/],
      [['--from', '2024-06-30', '--to', '2024-06-01'], /^DARI_CLI_USAGE: --to 2024-06-01 is before --from 2024-06-30/],
      [['--from', '2024-06-01'], /^DARI_CLI_USAGE: report fees needs/],
      [['--from', '2024-06-01', '--to', '2024-06-30', '--card-rate', '101%'], /^DARI_CLI_USAGE: --card-rate/],
      [['--from', '2024-06-01', '--to', '2024-06-30', '--card-rate', '1.234%'], /^DARI_CLI_USAGE: --card-rate/],
      [['--from', '2024-06-01', '--to', '2024-06-30', '--bogus'], /^DARI_CLI_USAGE/],
    ];
    for (const [args, message] of cases) {
      const r = dari(['report', 'fees', ...args, '--config', config]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err.trim(), message);
    }
    const elsewhere = mkdtempSync(join(tmpdir(), 'dari-report-empty-'));
    try {
      const r = dari(['report', 'fees', '--from', '2024-06-01', '--to', '2024-06-30', '--config', config], elsewhere);
      assert.equal(r.code, 2);
      assert.match(r.err.trim(), /^DARI_JOURNAL_UNAVAILABLE: no journal at \.\/data\/dari\.db/);
      assert.deepEqual(readdirSync(elsewhere), [], 'nothing was created');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    const unknown = dari(['report', 'settlement']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^DARI_CLI_USAGE: unknown report command "settlement" \(fees; see dari report --help\)/);
  });
});
