/**
 * pacs.002 status and reason <-> ISO 8583 field 39, as a table (status-codes.json, or a partner's
 * own file of the same shape). Pending statuses (ACSP, ACTC, PDNG, ACWP) are not final: the caller
 * keeps the transaction open and asks again (pacs.028) rather than answering the originator.
 */
import { readFileSync } from 'node:fs';
import { DariError } from '../errors';
import DEFAULT_TABLE from './status-codes.json';

export interface StatusTable {
  toIso8583: {
    final: Record<string, string>;
    pending: string[];
    statusDefaults: Record<string, string>;
    reasons: Record<string, string>;
    default: string;
  };
  fromIso8583: Record<string, { status: string; reason?: string }>;
}

export type StatusVerdict =
  | { final: true; code: string }
  | { final: false };

const CODE = /^[0-9A-Z]{2}$/;
const STATUS = /^[A-Z0-9]{4}$/;

function invalid(source: string, what: string): never {
  throw new DariError('DARI_CONFIG_INVALID', `status table ${source}: ${what}`);
}

/** Check a table's shape, naming the first wrong key. */
export function validateStatusTable(raw: unknown, source = '(built-in)'): StatusTable {
  const t = raw as Partial<StatusTable> | null;
  const to = t?.toIso8583;
  const from = t?.fromIso8583;
  if (!to || typeof to !== 'object' || !from || typeof from !== 'object') invalid(source, 'needs toIso8583 and fromIso8583');
  for (const part of ['final', 'statusDefaults', 'reasons'] as const) {
    const m = to[part];
    if (!m || typeof m !== 'object') invalid(source, `toIso8583.${part} must be a mapping`);
    for (const [k, v] of Object.entries(m)) {
      if (!STATUS.test(k) || typeof v !== 'string' || !CODE.test(v)) invalid(source, `toIso8583.${part}.${k} must map a 4-character code to a 2-character field 39`);
    }
  }
  if (!Array.isArray(to.pending) || !to.pending.every((s) => typeof s === 'string' && STATUS.test(s))) invalid(source, 'toIso8583.pending must be a list of 4-character statuses');
  if (typeof to.default !== 'string' || !CODE.test(to.default)) invalid(source, 'toIso8583.default must be a 2-character field 39');
  if (!from.default) invalid(source, 'fromIso8583.default is required');
  for (const [k, v] of Object.entries(from)) {
    if (k !== 'default' && !CODE.test(k)) invalid(source, `fromIso8583.${k}: keys are field 39 values`);
    if (!v || typeof v.status !== 'string' || !STATUS.test(v.status) || (v.reason !== undefined && !STATUS.test(v.reason))) {
      invalid(source, `fromIso8583.${k} must be { status: XXXX, reason?: XXXX } (4-character codes)`);
    }
  }
  return t as StatusTable;
}

export function loadStatusTable(file?: string): StatusTable {
  if (file === undefined) return validateStatusTable(DEFAULT_TABLE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DariError('DARI_CONFIG_NOT_FOUND', `status table ${file}: ${(e as Error).message}`);
  }
  return validateStatusTable(raw, file);
}

export class StatusMapper {
  private readonly pending: ReadonlySet<string>;

  constructor(private readonly table: StatusTable = loadStatusTable()) {
    this.pending = new Set(table.toIso8583.pending);
  }

  /** A pacs.002 TxSts (and its first reason code) as field 39, or not final. */
  toIso8583(status: string, reason?: string): StatusVerdict {
    const t = this.table.toIso8583;
    if (this.pending.has(status)) return { final: false };
    const ok = t.final[status];
    if (ok !== undefined) return { final: true, code: ok };
    const byReason = reason === undefined ? undefined : t.reasons[reason];
    return { final: true, code: byReason ?? t.statusDefaults[status] ?? t.default };
  }

  /** Field 39 from a domestic participant as a pacs.002 status and reason (inbound payments). */
  fromIso8583(code: string): { status: string; reason?: string } {
    const f = this.table.fromIso8583;
    return f[code] ?? (f.default as { status: string; reason?: string });
  }
}
