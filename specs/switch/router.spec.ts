import { strict as assert } from 'node:assert';
import { Router } from '../../src/switch/router';
import { txnFromIso8583 } from '../../src/switch/txn';
import type { RouteConfig } from '../../src/config/schema';

const route = (partner: string, r: Partial<RouteConfig>): RouteConfig => ({
  partner, pan: [], processingCodes: [], receivingInstitutions: [], currencies: [], countries: [], ...r,
});
const txn = (fields: Record<string, string>) => txnFromIso8583('t', 'P', 'L', { mti: '0200', fields }, 0);

describe('router', () => {
  const router = new Router([
    route('VISA-ISH', { pan: ['4'] }),
    route('ID-QRIS', { pan: ['476173'] }),
    route('MC-RANGE', { pan: ['510000-559999'] }),
    route('CASH-ONLY', { pan: ['9'], processingCodes: ['01'] }),
    route('BY-INST', { receivingInstitutions: ['360001'] }),
    route('IDR', { pan: ['6'], currencies: ['360'] }),
  ], 'DEFAULT');

  it('longest PAN prefix wins', () => {
    assert.equal(router.route(txn({ '2': '4761739001010119' })), 'ID-QRIS');
    assert.equal(router.route(txn({ '2': '4111111111111111' })), 'VISA-ISH');
  });

  it('a range matches on its bounds and inside, not outside', () => {
    assert.equal(router.route(txn({ '2': '5100000000000000' })), 'MC-RANGE');
    assert.equal(router.route(txn({ '2': '5599990000000000' })), 'MC-RANGE');
    assert.equal(router.route(txn({ '2': '5600000000000000' })), 'DEFAULT');
  });

  it('processing code and currency filters', () => {
    assert.equal(router.route(txn({ '2': '9000000000000000', '3': '011000' })), 'CASH-ONLY');
    assert.equal(router.route(txn({ '2': '9000000000000000', '3': '001000' })), 'DEFAULT');
    assert.equal(router.route(txn({ '2': '6000000000000000', '49': '360' })), 'IDR');
    assert.equal(router.route(txn({ '2': '6000000000000000', '49': '410' })), 'DEFAULT');
  });

  it('field 100 outranks any PAN match', () => {
    assert.equal(router.route(txn({ '2': '4761739001010119', '100': '360001' })), 'BY-INST');
  });

  it('nothing matches and no default: undefined', () => {
    assert.equal(new Router([route('A', { pan: ['4'] })]).route(txn({ '2': '5000000000000000' })), undefined);
  });
});
