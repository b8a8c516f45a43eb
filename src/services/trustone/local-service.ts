/** TrustOne as a local service of the hub's pipeline (the ISO 8583 entry point). */
import type { LocalService } from '../../switch/services';
import type { Txn } from '../../switch/txn';
import type { TrustOneService } from './service';

/**
 * TrustOne over ISO 8583: a 0100 with field 55 whose field 48 names a registered card (subelement
 * 01) is a card-tap verification answered by the service (39, 44 the reason, 55 tag 91 the ARPC).
 */
export function trustOneIso8583(service: TrustOneService): LocalService {
  return {
    id: 'trustone',
    accepts: (txn: Txn) => txn.mti.startsWith('010') && txn.fields['55'] !== undefined && (txn.fields['48'] ?? '').startsWith('01'),
    handle: async (txn: Txn) => {
      const a = await service.handleIso8583(txn.participant, txn.fields as Record<string, string>);
      const code = a['39'] ?? '96';
      const fields: Record<string, string> = {};
      for (const k of ['44', '55']) if (a[k] !== undefined) fields[k] = a[k] as string;
      return { code, fields, outcome: code === '00' ? 'approved' : 'declined', detail: a['44'] ? { reason: a['44'] } : {} };
    },
  };
}
