/**
 * `dari keys generate|import|export|kcv|list`: manage a software-HSM key store file.
 *
 * No command prints a clear key: `generate` prints the new key's id and KCV, `export` prints the
 * key encrypted under a ZMK. Test keys whose value must be known are loaded with `import --clear`
 * (the caller already holds them). The master key comes from DARI_HSM_MASTER_KEY, else from
 * --master-key-file (created on first use, with a warning: development only).
 */
import { DariError } from '../errors';
import { combineComponents, keyCheckValue, openSoftwareHsm, type SoftwareHsm } from '../security/hsm';
import { isKeyAlgorithm, isKeyType, KEY_ALGORITHMS, KEY_TYPES, type KeyAlgorithm, type KeyInfo, type KeyType } from '../security/hsm/keys';
import { hexArg, toHex } from '../security/hsm/primitives';
import { dispatch, parseOptions, usage, type Io } from './io';

export const KEYS_HELP = `Usage (key store commands need --store FILE; the master key is DARI_HSM_MASTER_KEY, else --master-key-file FILE):
  dari keys generate --type TYPE --alg tdes|aes [--length BYTES] [--id ID]      new random key; prints "ID TYPE ALG LENGTH KCV"
  dari keys import --type TYPE --alg tdes|aes (--clear HEX | --component HEX --component HEX [...] | --wrapped HEX --zmk ID)
                   [--kcv HEX] [--id ID]                                      load a key; --kcv must match when given
  dari keys export --id ID --zmk ID                                             prints "WRAPPED KCV" (3DES ECB or RFC 3394 AES key wrap)
  dari keys kcv --id ID | dari keys kcv --key HEX --alg tdes|aes                prints the key check value
  dari keys list                                                                one line per key: ID TYPE ALG LENGTH KCV

  TYPE        ${KEY_TYPES.join(', ')} (issuer master key for cryptograms, zone PIN key, zone master key, MAC key)
  KCV         3DES: first 3 bytes of E(K, 0x00 x 8); AES: first 5 bytes of AES-CMAC(K, 0x00 x 16) (ANSI X9.24-1 annex A)`;

const STORE_OPTIONS = { store: { type: 'string' }, 'master-key-file': { type: 'string' } } as const;

/** Open the key store named by --store, with the master key from the environment or --master-key-file. */
export function openStore(values: { store?: string | undefined; 'master-key-file'?: string | undefined }, io: Io): SoftwareHsm {
  if (!values.store) throw usage('this command needs --store FILE (a key store)');
  const fromEnv = process.env.DARI_HSM_MASTER_KEY;
  const file = values['master-key-file'];
  if ((fromEnv === undefined || fromEnv === '') && !file) {
    throw new DariError('DARI_HSM_MASTER_KEY', 'set DARI_HSM_MASTER_KEY (64 hex digits) or give --master-key-file FILE');
  }
  return openSoftwareHsm({ storeFile: values.store, masterKeyFile: file ?? '', create: file !== undefined, warn: (m) => io.err(`warning: ${m}`) });
}

function keyType(v: string | undefined): KeyType {
  if (v === undefined || !isKeyType(v)) throw usage(`--type must be one of ${KEY_TYPES.join(', ')}`);
  return v;
}

function keyAlgorithm(v: string | undefined): KeyAlgorithm {
  if (v === undefined || !isKeyAlgorithm(v)) throw usage(`--alg must be one of ${KEY_ALGORITHMS.join(', ')}`);
  return v;
}

const line = (k: KeyInfo): string => `${k.id} ${k.type} ${k.algorithm} ${k.length} ${k.kcv}`;

function generate(args: string[], io: Io): number {
  const { values } = parseOptions(args, { ...STORE_OPTIONS, type: { type: 'string' }, alg: { type: 'string' }, length: { type: 'string' }, id: { type: 'string' } });
  const type = keyType(values.type);
  const algorithm = keyAlgorithm(values.alg);
  if (values.length !== undefined && !/^\d{1,2}$/.test(values.length)) throw usage('--length is a number of bytes');
  const hsm = openStore(values, io);
  const p: Parameters<SoftwareHsm['generateKey']>[0] = { type, algorithm };
  if (values.length !== undefined) p.length = Number(values.length);
  if (values.id !== undefined) p.id = values.id;
  io.out(line(hsm.generateKey(p)));
  return 0;
}

function importKey(args: string[], io: Io): number {
  const { values } = parseOptions(args, {
    ...STORE_OPTIONS, type: { type: 'string' }, alg: { type: 'string' }, clear: { type: 'string' },
    component: { type: 'string', multiple: true }, wrapped: { type: 'string' }, zmk: { type: 'string' },
    kcv: { type: 'string' }, id: { type: 'string' },
  });
  const type = keyType(values.type);
  const algorithm = keyAlgorithm(values.alg);
  const sources = [values.clear !== undefined, values.component !== undefined, values.wrapped !== undefined].filter(Boolean).length;
  if (sources !== 1) throw usage('import needs exactly one of --clear HEX, --component HEX (two or more), --wrapped HEX --zmk ID');
  const hsm = openStore(values, io);
  const extra: { kcv?: string; id?: string } = {};
  if (values.kcv !== undefined) extra.kcv = values.kcv;
  if (values.id !== undefined) extra.id = values.id;
  let info: KeyInfo;
  if (values.wrapped !== undefined) {
    if (!values.zmk) throw usage('--wrapped needs --zmk ID');
    info = hsm.importKey({ type, algorithm, wrapped: hexArg(values.wrapped, '--wrapped'), zmkId: values.zmk, ...extra });
  } else {
    const key = values.clear !== undefined
      ? hexArg(values.clear, '--clear')
      : combineComponents((values.component ?? []).map((c, i) => hexArg(c, `--component ${i + 1}`)));
    info = hsm.importClearKey({ type, algorithm, key, ...extra });
  }
  io.out(line(info));
  return 0;
}

function exportKey(args: string[], io: Io): number {
  const { values } = parseOptions(args, { ...STORE_OPTIONS, id: { type: 'string' }, zmk: { type: 'string' } });
  if (!values.id || !values.zmk) throw usage('export needs --id ID --zmk ID');
  const { wrapped, kcv } = openStore(values, io).exportKey(values.id, values.zmk);
  io.out(`${toHex(wrapped)} ${kcv}`);
  return 0;
}

function kcv(args: string[], io: Io): number {
  const { values } = parseOptions(args, { ...STORE_OPTIONS, id: { type: 'string' }, key: { type: 'string' }, alg: { type: 'string' } });
  if (values.key !== undefined) {
    const algorithm = keyAlgorithm(values.alg);
    const key = hexArg(values.key, '--key', algorithm === 'aes' ? [16, 24, 32] : [8, 16, 24]);
    io.out(keyCheckValue(algorithm, key));
    return 0;
  }
  if (!values.id) throw usage('kcv needs --id ID (with --store) or --key HEX --alg tdes|aes');
  io.out(openStore(values, io).keyInfo(values.id).kcv);
  return 0;
}

function list(args: string[], io: Io): number {
  const { values } = parseOptions(args, STORE_OPTIONS);
  for (const k of openStore(values, io).listKeys()) io.out(line(k));
  return 0;
}

export async function keysCommand(args: string[], io: Io): Promise<number> {
  return dispatch('keys', args, io, KEYS_HELP, { generate, import: importKey, export: exportKey, kcv, list });
}
