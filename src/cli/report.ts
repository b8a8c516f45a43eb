/**
 * `dari report fees`: the fees the hub charged per participant, partner and currency over a period,
 * and what the same amounts would have cost over a card-brand route.
 *
 * It opens the journal the hub would open with the same configuration: PostgreSQL when
 * DATABASE_URL is set, otherwise the SQLite file of `journal.sqlitePath` (relative to the current
 * folder, as for `dari start`). Dates are UTC calendar days, both inclusive: --from 2024-06-01
 * --to 2024-06-30 covers 2024-06-01T00:00:00Z up to, not including, 2024-07-01T00:00:00Z.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import { DariError } from '../errors';
import { currencyByAlpha } from '../codec/iso20022/currencies';
import { formatAmount } from '../fx';
import { openJournal } from '../journal';
import type { FeeTotals } from '../journal/journal';
import { dispatch, parseOptions, usage, type Io } from './io';

export const REPORT_HELP = `  dari report fees --from YYYY-MM-DD --to YYYY-MM-DD [--config FILE] [--card-rate 1%] [--json]
                                             fees per participant and partner (UTC days, inclusive) and the
                                             saving against a card-brand route (--card-rate: recompute it)`;

const DAY_MS = 86_400_000;

/** A UTC calendar day as epoch ms of its midnight; DARI_CLI_USAGE for anything but a real YYYY-MM-DD. */
function utcDay(text: string, option: string): number {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  const at = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : Number.NaN;
  if (!m || new Date(at).toISOString().slice(0, 10) !== text) throw usage(`--${option} must be a calendar date YYYY-MM-DD (UTC), got "${text.slice(0, 20)}"`);
  return at;
}

/** "1%", "0.75%" or "100bps" as basis points (0 to 10000). */
function cardRate(text: string): number {
  let bps: number | undefined;
  const pct = /^([0-9]{1,3})(?:\.([0-9]{1,2}))?%$/.exec(text);
  if (pct) bps = Number(pct[1]) * 100 + Number((pct[2] ?? '').padEnd(2, '0'));
  const b = /^([0-9]{1,5})bps$/.exec(text);
  if (b) bps = Number(b[1]);
  if (bps === undefined || bps > 10_000) throw usage(`--card-rate must be a percentage such as 1% or 0.75%, or basis points such as 100bps (at most 100%), got "${text.slice(0, 20)}"`);
  return bps;
}

const FIGURES = ['amount', 'participantFees', 'partnerFees', 'cardBrandCost', 'saving'] as const;

/** Minor units in major units of the currency ("629.75"); a currency Dari does not know stays in minor units. */
function money(v: bigint, code: string): string {
  const cur = currencyByAlpha(code);
  return cur ? formatAmount(v, cur) : v.toString();
}

function totalsByCurrency(rows: FeeTotals[]): Array<Omit<FeeTotals, 'participant' | 'partner'>> {
  const out = new Map<string, Omit<FeeTotals, 'participant' | 'partner'>>();
  for (const r of rows) {
    const t = out.get(r.currency) ?? { currency: r.currency, count: 0, amount: 0n, participantFees: 0n, partnerFees: 0n, cardBrandCost: 0n, saving: 0n };
    t.count += r.count;
    for (const f of FIGURES) t[f] += r[f];
    out.set(r.currency, t);
  }
  return [...out.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

function table(rows: FeeTotals[], io: Io): void {
  const head = ['PARTICIPANT', 'PARTNER', 'CCY', 'COUNT', 'AMOUNT', 'PARTICIPANT FEES', 'PARTNER FEES', 'CARD-BRAND COST', 'SAVING'];
  const line = (r: Omit<FeeTotals, 'participant' | 'partner'>, who: [string, string]): string[] => [
    ...who, r.currency, String(r.count), ...FIGURES.map((f) => money(r[f], r.currency)),
  ];
  const body = rows.map((r) => line(r, [r.participant, r.partner]));
  const totals = totalsByCurrency(rows).map((t) => line(t, ['TOTAL', '']));
  const widths = head.map((h, i) => Math.max(h.length, ...[...body, ...totals].map((c) => c[i]!.length)));
  const fmt = (c: string[]): string => c.map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  io.out(fmt(head));
  for (const c of body) io.out(fmt(c));
  if (totals.length > 0) io.out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of totals) io.out(fmt(c));
}

async function fees(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    from: { type: 'string' }, to: { type: 'string' }, config: { type: 'string' }, 'card-rate': { type: 'string' }, json: { type: 'boolean' },
  });
  if (values.from === undefined || values.to === undefined) throw usage('report fees needs --from YYYY-MM-DD --to YYYY-MM-DD');
  const from = utcDay(values.from, 'from');
  const to = utcDay(values.to, 'to') + DAY_MS;
  if (to <= from) throw usage(`--to ${values.to} is before --from ${values.from}`);
  const rateBps = values['card-rate'] === undefined ? undefined : cardRate(values['card-rate']);
  const config = loadConfig(values.config ?? DEFAULT_CONFIG_FILE);
  const databaseUrl = process.env['DATABASE_URL'] ?? '';
  const sqlitePath = config.journal.sqlitePath;
  // A report never creates a journal: with no file, the hub has not run with this configuration.
  if (!databaseUrl.trim() && !existsSync(sqlitePath)) throw new DariError('DARI_JOURNAL_UNAVAILABLE', `no journal at ${sqlitePath} (journal.sqlitePath): has the hub run with this configuration?`);
  const journal = openJournal({ databaseUrl, sqlitePath, sqliteThread: 'inline' });
  let rows: FeeTotals[];
  try {
    await journal.init();
    rows = await journal.feeTotals({ from, to, ...(rateBps === undefined ? {} : { cardRateBps: rateBps }) });
  } finally {
    await journal.close();
  }
  const cardRoute = rateBps === undefined ? 'card-brand cost as recorded' : `card-brand cost recomputed at ${Math.trunc(rateBps / 100)}.${String(rateBps % 100).padStart(2, '0')}%`;
  if (values.json) {
    const figures = (r: Omit<FeeTotals, 'participant' | 'partner'>): Record<string, string> => Object.fromEntries(FIGURES.map((f) => [f, money(r[f], r.currency)]));
    io.out(
      JSON.stringify({
        from: values.from,
        to: values.to,
        cardRateBps: rateBps ?? null,
        rows: rows.map((r) => ({ participant: r.participant, partner: r.partner, currency: r.currency, count: r.count, ...figures(r) })),
        totals: totalsByCurrency(rows).map((t) => ({ currency: t.currency, count: t.count, ...figures(t) })),
      }),
    );
    return 0;
  }
  io.out(`Fees ${values.from} to ${values.to} (UTC, inclusive); ${cardRoute}; saving = card-brand cost - fees`);
  if (rows.length === 0) io.out('no fees recorded in that period');
  else table(rows, io);
  return 0;
}

export async function reportCommand(args: string[], io: Io): Promise<number> {
  return dispatch('report', args, io, `Usage:\n${REPORT_HELP}`, { fees });
}
