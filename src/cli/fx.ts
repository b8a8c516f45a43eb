/**
 * `dari fx rates|quote`: look at an FX file's rate table and lock a quote from it, as the hub would.
 * The quote lives only as long as the command (it shows the figures; it is not redeemable later).
 */
import { currency, formatAmount, loadFxFile, parseAmount, QuoteBook, quoteToJson, type RateTable } from '../fx';
import { dispatch, parseOptions, usage, type Io } from './io';

export const FX_HELP = `  dari fx rates --file FILE [--json]          the rate table of an FX file (each pair and its inverse)
  dari fx quote --rates FILE --from CCY --to CCY --amount DECIMAL [--side sell|buy]
                                             lock a quote and print it as JSON (--side sell: the amount
                                             is what is paid in --from; buy: what is received in --to)`;

function ratesOf(file: string): { rates: RateTable; ttlMs: number; maxQuotes: number } {
  const fx = loadFxFile(file).fx;
  if (!fx) throw usage(`${file} has no fx: section (rates)`);
  return { rates: fx.rates, ttlMs: fx.quoteTtlMs, maxQuotes: fx.maxQuotes };
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
}

async function rates(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, { file: { type: 'string' }, json: { type: 'boolean' } });
  if (!values.file) throw usage('fx rates needs --file FILE');
  const { rates: table } = ratesOf(values.file);
  const rows = table.pairs.flatMap((p) => [table.rate(p.from, p.to), table.rate(p.to, p.from)]);
  if (values.json) {
    io.out(
      JSON.stringify({
        pivot: table.pivot ?? null,
        defaultSpreadBps: table.defaultSpreadBps,
        rates: rows.map((r) => ({ from: r.from.alpha, to: r.to.alpha, kind: r.kind, midRate: r.midRate, spreadBps: r.spreadBps, rate: r.rate })),
      }),
    );
    return 0;
  }
  const head = ['PAIR', 'HOW', 'MID', 'SPREAD bps', 'RATE'];
  const cells = rows.map((r) => [`${r.from.alpha}->${r.to.alpha}`, r.kind, r.midRate, String(r.spreadBps), r.rate]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  io.out(pad(head, widths));
  for (const c of cells) io.out(pad(c, widths));
  io.out(
    `default spread ${table.defaultSpreadBps} bps; ${table.pivot ? `other pairs cross through ${table.pivot} at the default spread` : 'no pivot currency: no cross rates'}`,
  );
  return 0;
}

async function quote(args: string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    rates: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, amount: { type: 'string' }, side: { type: 'string' },
  });
  if (!values.rates || !values.from || !values.to || values.amount === undefined) throw usage('fx quote needs --rates FILE --from CCY --to CCY --amount DECIMAL');
  const side = values.side ?? 'sell';
  if (side !== 'sell' && side !== 'buy') throw usage('--side must be sell (the amount is paid in --from) or buy (the amount is received in --to)');
  const from = currency(values.from.toUpperCase());
  const to = currency(values.to.toUpperCase());
  const amountSide = side === 'sell' ? 'source' : 'target';
  const amount = parseAmount(values.amount, side === 'sell' ? from : to);
  const { rates: table, ttlMs, maxQuotes } = ratesOf(values.rates);
  const q = new QuoteBook({ rates: table, ttlMs, maxQuotes }).quote({ from: from.alpha, to: to.alpha, amount, amountSide, now: Date.now() });
  io.out(JSON.stringify({ ...quoteToJson(q), source: `${formatAmount(q.sourceAmount, from)} ${from.alpha}`, target: `${formatAmount(q.targetAmount, to)} ${to.alpha}` }));
  return 0;
}

export async function fxCommand(args: string[], io: Io): Promise<number> {
  return dispatch('fx', args, io, `Usage:\n${FX_HELP}`, { rates, quote });
}
