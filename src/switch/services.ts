/**
 * Local services: requests the hub answers itself (with whatever partners, quotes and lookups they
 * need) instead of routing them as they are. The pipeline offers each request to the services in
 * order before routing; the first that accepts it owns it. Validation, dedupe, journaling and the
 * answer stay the pipeline's: a service only decides field 39 and the fields it adds.
 */
import type { FeeEntry } from '../journal/journal';
import type { Txn } from './txn';

export interface LocalAnswer {
  /** Field 39. */
  code: string;
  /** Fields added to the answer (the request is echoed as for routed requests). */
  fields?: Record<string, string>;
  /** Partner that carried the transaction, if any (journaled; reversals go there). */
  partner?: string;
  /** For metrics: approved, declined, or a service-specific outcome. */
  outcome?: string;
  /** Seconds spent waiting on partners (excluded from the hub's own latency). */
  waitSeconds?: number;
  /** Journaled with the transaction (never card data). */
  detail?: Record<string, unknown>;
  /** Fees to record in the same durable write as the answer (an approved payment). */
  fees?: FeeEntry;
}

export interface LocalService {
  readonly id: string;
  accepts(txn: Txn): boolean;
  /** Never rejects for business reasons: declines are answers. A rejection is answered 96. */
  handle(txn: Txn): Promise<LocalAnswer>;
}
