/**
 * Routing: which partner gets a request. A route matches when every filter it declares matches
 * (processing code, currency, acquirer country); among matching routes, a field 100 (receiving
 * institution) match wins, then the longest PAN prefix or range match, then declaration order.
 * Nothing matches: the default route, if any.
 */
import type { RouteConfig } from '../config/schema';
import type { Txn } from './txn';

interface PanRule {
  /** Prefix (lo === hi) or range of equal-length bounds. */
  lo: string;
  hi: string;
}

interface CompiledRoute {
  partner: string;
  order: number;
  pan: PanRule[];
  processingCodes: ReadonlySet<string> | null;
  receivingInstitutions: ReadonlySet<string> | null;
  currencies: ReadonlySet<string> | null;
  countries: ReadonlySet<string> | null;
}

const setOrNull = (a: readonly string[]): ReadonlySet<string> | null => (a.length === 0 ? null : new Set(a));

/** Length of the PAN match (0 = no match, -1 = the route has no PAN rule and matches any PAN). */
function panMatch(rules: readonly PanRule[], pan: string | undefined): number {
  if (rules.length === 0) return -1;
  if (pan === undefined) return 0;
  let best = 0;
  for (const r of rules) {
    const n = r.lo.length;
    if (n <= best || pan.length < n) continue;
    const head = pan.slice(0, n);
    if (head >= r.lo && head <= r.hi) best = n;
  }
  return best;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly RouteConfig[], private readonly defaultPartner?: string) {
    this.routes = routes.map((r, order) => ({
      partner: r.partner,
      order,
      pan: r.pan.map((p) => {
        const [lo, hi] = p.split('-') as [string, string | undefined];
        return { lo, hi: hi ?? lo };
      }),
      processingCodes: setOrNull(r.processingCodes),
      receivingInstitutions: setOrNull(r.receivingInstitutions),
      currencies: setOrNull(r.currencies),
      countries: setOrNull(r.countries),
    }));
  }

  /** The partner id for a transaction, or undefined when nothing (not even a default) matches. */
  route(txn: Txn): string | undefined {
    let best: CompiledRoute | undefined;
    let bestScore = -Infinity;
    const type = txn.processingCode?.slice(0, 2);
    for (const r of this.routes) {
      if (r.processingCodes && (type === undefined || !r.processingCodes.has(type))) continue;
      if (r.currencies && (txn.currency === undefined || !r.currencies.has(txn.currency))) continue;
      if (r.countries && (txn.country === undefined || !r.countries.has(txn.country))) continue;
      let score: number;
      if (r.receivingInstitutions) {
        if (txn.receivingInstitution === undefined || !r.receivingInstitutions.has(txn.receivingInstitution)) continue;
        score = 1000 + Math.max(0, panMatch(r.pan, txn.pan));
      } else {
        const m = panMatch(r.pan, txn.pan);
        if (m === 0) continue;
        score = m;
      }
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    return best?.partner ?? this.defaultPartner;
  }
}
