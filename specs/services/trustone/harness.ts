/**
 * A TrustOne service on real parts for the specs: SQLite store (in memory unless a file is given),
 * a SoftwareHsm holding the public test issuer key, a data key, a Prometheus registry, a settable
 * clock, and every log entry captured as a JSON line (so specs can grep them for card data).
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { decodeTlv, encodeTlv } from '../../../src/codec/iso8583/tlv';
import { DataKey } from '../../../src/security/data-key';
import { SoftwareHsm } from '../../../src/security/hsm/hsm';
import { SqliteTrustOneStore } from '../../../src/services/trustone/sqlite-store';
import { TrustOneService } from '../../../src/services/trustone/service';

/** EMV test IMK (reference note section 5; pyemv's tests), KCV 08D7. */
export const TEST_IMK_HEX = '0123456789ABCDEFFEDCBA9876543210';
export const TEST_IMK = Buffer.from(TEST_IMK_HEX, 'hex');
export const SECRET = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const DATA_KEY_HEX = '5f'.repeat(32);
export const T0 = Date.UTC(2024, 7, 27, 9, 0, 0);

export interface Harness {
  service: TrustOneService;
  store: SqliteTrustOneStore;
  hsm: SoftwareHsm;
  registry: Registry;
  logs: string[];
  clock: { now: number };
  close: () => Promise<void>;
}

export async function harness(o: { path?: string; ttlMs?: number } = {}): Promise<Harness> {
  const store = new SqliteTrustOneStore({ path: o.path ?? ':memory:' });
  await store.init();
  const hsm = new SoftwareHsm({ masterKey: randomBytes(32) });
  hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: TEST_IMK, id: 'imk-test', kcv: '08D7' });
  hsm.importClearKey({ type: 'zpk', algorithm: 'tdes', key: TEST_IMK, id: 'zpk-test' });
  const registry = new Registry();
  const logs: string[] = [];
  const clock = { now: T0 };
  const service = new TrustOneService({
    hsm, store, dataKey: new DataKey(Buffer.from(DATA_KEY_HEX, 'hex')), registry,
    participants: [{ id: 'BANK1', secret: SECRET }, { id: 'BANK2', secret: SECRET.replace('00', 'ff') }],
    ...(o.ttlMs !== undefined ? { challengeTtlMs: o.ttlMs } : {}),
    now: () => clock.now, log: (e) => logs.push(JSON.stringify(e)),
  });
  return { service, store, hsm, registry, logs, clock, close: () => store.close() };
}

/** Field 55 with one tag's value replaced (or removed when `value` is undefined). */
export function withTag(icc: string, tag: string, value: string | undefined): string {
  const items = decodeTlv(icc).filter((i) => value !== undefined || i.tag !== tag);
  return encodeTlv(value === undefined ? items : items.map((i) => (i.tag === tag ? { tag, value } : i)));
}

export function tagOf(icc: string, tag: string): string {
  const v = decodeTlv(icc).find((i) => i.tag === tag)?.value;
  if (v === undefined) throw new Error(`no tag ${tag}`);
  return v;
}

/** Flip the low bit of the byte at `index` of a hex value. */
export function flipByte(hex: string, index: number): string {
  const b = Buffer.from(hex, 'hex');
  b[index] = (b[index] as number) ^ 0x01;
  return b.toString('hex').toUpperCase();
}
