/** Simulators: an acquirer (ATM/POS load) and a partner switch (answers, misbehaviours). */
export {
  PartnerSimulator, reversalKey, responseCodeForAmount,
  type PartnerBehaviour, type PartnerOptions, type ReceivedMessage, type ReversalRecord,
} from './partner';
export {
  AcquirerSimulator, luhnCheckDigit, maskMessage, percentile,
  type AcquirerAnswer, type AcquirerOptions, type AcquirerSummary, type AmountContext, type RunOptions, type TerminalKind,
} from './acquirer';
export { isIso87ResponseCode, responseCodeFor, isApprovalCode } from './common';

import type { AcquirerSummary } from './acquirer';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * A run summary as a few lines for the command line:
 *
 *     sent 1000  answered 998  timed out 2  failed 0  late 0  unmatched 0
 *     1000 tx in 2.01 s: 497.5 tps (3 connections x 4 in flight, rate 500/s)
 *     latency ms: p50 0.41  p99 1.20  p99.9 3.10  max 4.02
 *     response codes: 00 990 (approved 990), 05 8
 */
export function formatSummary(s: AcquirerSummary): string {
  const codes = Object.entries(s.byResponseCode).map(([rc, n]) => `${rc} ${n}`).join(', ');
  const rate = s.rate > 0 ? `rate ${s.rate}/s` : 'unpaced';
  return [
    `sent ${s.sent}  answered ${s.answered}  timed out ${s.timedOut}  failed ${s.failed}  late ${s.late}  unmatched ${s.unmatched}`,
    `${s.sent} tx in ${(s.elapsedMs / 1000).toFixed(2)} s: ${s.tps.toFixed(1)} tps (${s.connections} connection${s.connections === 1 ? '' : 's'} x ${s.concurrency} in flight, ${rate})`,
    `latency ms: p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  p99.9 ${ms(s.p999)}  max ${ms(s.max)}`,
    `response codes: ${codes === '' ? 'none' : codes}${s.answered > 0 ? ` (approved ${s.approved} = ${((100 * s.approved) / s.answered).toFixed(1)}%)` : ''}`,
  ].join('\n');
}
