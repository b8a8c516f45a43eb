/**
 * The HSM interface and its software implementation.
 *
 * Callers name keys by id and get back verdicts, cryptograms, PIN blocks and MACs: clear keys and
 * clear PINs never leave a SoftwareHsm. Keys live in a private (#) map; the object has no
 * enumerable state, and JSON.stringify / util.inspect show only the ids, types and KCVs.
 *
 * Persistence: a JSON file of keys sealed with AES-256-GCM under a key-encryption key derived
 * (HKDF-SHA-256) from the 32-byte HSM master key. Each entry's id, type, algorithm and KCV are
 * the GCM associated data, so editing them in the file breaks the entry; the KCV is checked again
 * after opening. The file carries a check value of the KEK so a wrong master key is told apart
 * from a damaged entry. Writes go to a temporary file renamed over the old one (mode 0600).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DariError, isDariError } from '../../errors';
import { arpcMethod1, arpcMethod2, cvnKeys, CVN_PROFILES, expectedArqc, parseIcc, type CvnId } from './emv';
import {
  allowedLengths, checkKeyLength, isKeyAlgorithm, isKeyType, kcvMatches, keyCheckValue, unwrapUnderZmk, wrapUnderZmk,
  type KeyAlgorithm, type KeyInfo, type KeyType,
} from './keys';
import { aesCmac, macEquals, retailMac, type MacPadding } from './mac';
import { decodePinBlock, encodePinBlock, translatePinBlock, type PinBlockFormat } from './pin-block';
import { hexArg, toHex, xor } from './primitives';

export type ArqcFailure = 'CRYPTOGRAM_MISMATCH' | 'MISSING_TAG' | 'NOT_ARQC' | 'UNKNOWN_KEY' | 'BAD_DATA';

export interface ArqcRequest {
  /** Id of an imk-ac (3DES) key. */
  imkId: string;
  pan: string;
  /** PAN sequence number (5F34), 2 digits; "00" when the card has none. */
  psn: string;
  cvn: CvnId;
  /** Field 55 as BER-TLV bytes. */
  icc: Buffer;
  /** Ask for an ARPC (only produced when the ARQC verifies): method 1 with a 2-byte ARC, or method 2 with a 4-byte CSU. */
  arpc?: { method: 1; arc: string } | { method: 2; csu: string; prop?: string };
}

export interface ArqcVerdict {
  ok: boolean;
  reason?: ArqcFailure;
  /** 9F36, or -1 when it could not be read. */
  atc: number;
  /** The card's cryptogram (9F26) as uppercase hex, '' when it could not be read. */
  arqc: string;
  /** Uppercase hex: 8 bytes (method 1) or 4 bytes (method 2). */
  arpc?: string;
}

export interface Hsm {
  listKeys(): KeyInfo[];
  keyInfo(id: string): KeyInfo;
  generateKey(p: { type: KeyType; algorithm: KeyAlgorithm; length?: number; id?: string }): KeyInfo;
  /** Load a key given in clear (test keys, or a ZMK from its components); `kcv`, when given, must match. */
  importClearKey(p: { type: KeyType; algorithm: KeyAlgorithm; key: Buffer; kcv?: string; id?: string }): KeyInfo;
  /** Import a key received encrypted under a ZMK held here. */
  importKey(p: { type: KeyType; algorithm: KeyAlgorithm; wrapped: Buffer; zmkId: string; kcv?: string; id?: string }): KeyInfo;
  exportKey(id: string, zmkId: string): { wrapped: Buffer; kcv: string };
  verifyArqc(req: ArqcRequest): ArqcVerdict;
  /** Build and encrypt a PIN block (format 0 under a 3DES ZPK, format 4 under an AES ZPK). For terminals and simulators. */
  encryptPin(p: { zpkId: string; pin: string; pan: string }): Buffer;
  /** Check a PIN block against an expected PIN without revealing either (simulated issuer PIN check). */
  verifyPin(p: { zpkId: string; pinBlock: Buffer; pan: string; pin: string }): boolean;
  /** Re-encrypt a PIN block from one ZPK to another; the format follows each key (3DES: 0, AES: 4). */
  translatePin(p: { fromKeyId: string; toKeyId: string; pinBlock: Buffer; pan: string }): Buffer;
  /** 3DES/DES MAC key: ISO 9797-1 algorithm 3 (1 with an 8-byte key), 8 bytes; AES MAC key: AES-CMAC, 16 bytes. */
  generateMac(p: { keyId: string; data: Buffer; padding?: MacPadding }): Buffer;
  /** Constant-time check of a received MAC (4 bytes or more; compared on its length). */
  verifyMac(p: { keyId: string; data: Buffer; mac: Buffer; padding?: MacPadding }): boolean;
}

interface Held {
  readonly info: KeyInfo;
  readonly key: Buffer;
  /** The sealed form written to the store file. */
  readonly sealed: string;
}

interface StoreEntry {
  id: string;
  type: KeyType;
  algorithm: KeyAlgorithm;
  kcv: string;
  /** base64 of IV (12) | GCM tag (16) | ciphertext. */
  sealed: string;
}

interface StoreFile {
  format: 'dari-hsm-keystore';
  version: 1;
  /** First 8 bytes of HMAC-SHA-256(KEK, "dari hsm kek check"), hex: tells a wrong master key from a damaged entry. */
  kekCheck: string;
  keys: StoreEntry[];
}

const FORMAT = 'dari-hsm-keystore';
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function aad(info: Pick<KeyInfo, 'id' | 'type' | 'algorithm' | 'kcv'>): Buffer {
  return Buffer.from(`${FORMAT}/1|${info.id}|${info.type}|${info.algorithm}|${info.kcv}`, 'utf8');
}

function storeError(message: string): DariError {
  return new DariError('DARI_HSM_STORE_INVALID', message);
}

export interface SoftwareHsmOptions {
  /** 32 bytes. The HSM keeps only a key derived from it. */
  masterKey: Buffer;
  /** Key store file; keys are kept in memory only when absent. Read at construction when it exists. */
  storeFile?: string;
}

export class SoftwareHsm implements Hsm {
  readonly #kek: Buffer;
  readonly #keys = new Map<string, Held>();
  readonly #file: string | undefined;

  constructor(options: SoftwareHsmOptions) {
    if (!Buffer.isBuffer(options.masterKey) || options.masterKey.length !== 32) {
      throw new DariError('DARI_HSM_MASTER_KEY', 'the HSM master key must be 32 bytes (64 hex digits)');
    }
    this.#kek = Buffer.from(hkdfSync('sha256', options.masterKey, Buffer.alloc(0), 'dari hsm key store v1', 32));
    this.#file = options.storeFile;
    if (this.#file !== undefined && existsSync(this.#file)) this.#load(this.#file);
  }

  // --- key store ---------------------------------------------------------------------------

  #kekCheck(): string {
    return createHmac('sha256', this.#kek).update('dari hsm kek check').digest().subarray(0, 8).toString('hex');
  }

  #seal(info: KeyInfo, key: Buffer): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#kek, iv);
    c.setAAD(aad(info));
    const body = Buffer.concat([c.update(key), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  #load(file: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw storeError(`${file}: cannot be read as JSON (${(e as NodeJS.ErrnoException).code ?? 'syntax error'})`);
    }
    const d = doc as Partial<StoreFile>;
    if (typeof d !== 'object' || d === null || d.format !== FORMAT || d.version !== 1 || typeof d.kekCheck !== 'string' || !Array.isArray(d.keys)) {
      throw storeError(`${file}: not a Dari HSM key store (format ${FORMAT}, version 1)`);
    }
    const check = Buffer.from(this.#kekCheck(), 'hex');
    const stored = Buffer.from(d.kekCheck, 'hex');
    if (stored.length !== check.length || !timingSafeEqual(stored, check)) {
      throw new DariError('DARI_HSM_MASTER_KEY', `${file}: the HSM master key does not open this key store (wrong DARI_HSM_MASTER_KEY?)`);
    }
    d.keys.forEach((e, i) => this.#openEntry(file, i, e));
  }

  #openEntry(file: string, i: number, e: unknown): void {
    const x = e as Partial<StoreEntry>;
    const where = `${file}: keys[${i}]`;
    if (typeof x !== 'object' || x === null || typeof x.id !== 'string' || !ID_RE.test(x.id) || typeof x.type !== 'string'
      || typeof x.algorithm !== 'string' || typeof x.kcv !== 'string' || typeof x.sealed !== 'string') {
      throw storeError(`${where}: not a key entry (id, type, algorithm, kcv, sealed)`);
    }
    if (!isKeyType(x.type) || !isKeyAlgorithm(x.algorithm)) throw storeError(`${where}: unknown key type or algorithm`);
    if (this.#keys.has(x.id)) throw storeError(`${where}: duplicate key id ${x.id}`);
    const raw = Buffer.from(x.sealed, 'base64');
    const partial = { id: x.id, type: x.type, algorithm: x.algorithm, kcv: x.kcv };
    let key: Buffer;
    try {
      const d = createDecipheriv('aes-256-gcm', this.#kek, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      d.setAAD(aad(partial));
      key = Buffer.concat([d.update(raw.subarray(28)), d.final()]);
    } catch {
      throw storeError(`${where} (${x.id}): fails its integrity check (entry edited or damaged)`);
    }
    if (!allowedLengths(partial.type, partial.algorithm).includes(key.length) || keyCheckValue(partial.algorithm, key) !== partial.kcv) {
      throw storeError(`${where} (${x.id}): key does not match its recorded length or KCV`);
    }
    this.#keys.set(x.id, { info: Object.freeze({ ...partial, length: key.length }), key, sealed: x.sealed });
  }

  #save(): void {
    const file = this.#file;
    if (file === undefined) return;
    const doc: StoreFile = {
      format: FORMAT,
      version: 1,
      kekCheck: this.#kekCheck(),
      keys: [...this.#keys.values()].map((h) => ({ id: h.info.id, type: h.info.type, algorithm: h.info.algorithm, kcv: h.info.kcv, sealed: h.sealed })),
    };
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
      chmodSync(file, 0o600);
    } catch (e) {
      throw storeError(`${file}: cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  #add(type: KeyType, algorithm: KeyAlgorithm, key: Buffer, id: string | undefined, declaredKcv: string | undefined): KeyInfo {
    checkKeyLength(type, algorithm, key.length);
    const kcv = keyCheckValue(algorithm, key);
    if (declaredKcv !== undefined && !kcvMatches(kcv, declaredKcv)) {
      throw new DariError('DARI_HSM_KCV_MISMATCH', `the key's check value is not the declared one (computed ${kcv})`);
    }
    const keyId = id ?? `${type}-${algorithm}-${kcv}`;
    if (!ID_RE.test(keyId)) throw new DariError('DARI_HSM_BAD_DATA', 'a key id is 1 to 64 characters: letters, digits, ".", "_", "-"');
    if (this.#keys.has(keyId)) throw new DariError('DARI_HSM_BAD_DATA', `key id ${keyId} is already in use`);
    const info: KeyInfo = Object.freeze({ id: keyId, type, algorithm, length: key.length, kcv });
    this.#keys.set(keyId, { info, key: Buffer.from(key), sealed: this.#seal(info, key) });
    try {
      this.#save();
    } catch (e) {
      this.#keys.delete(keyId);
      throw e;
    }
    return info;
  }

  #held(id: string, type: KeyType): Held {
    const h = this.#keys.get(id);
    if (h === undefined) throw new DariError('DARI_HSM_KEY_UNKNOWN', `no key with id ${id}`);
    if (h.info.type !== type) throw new DariError('DARI_HSM_KEY_USAGE', `key ${id} is a ${h.info.type} key, not a ${type} key`);
    return h;
  }

  listKeys(): KeyInfo[] {
    return [...this.#keys.values()].map((h) => h.info);
  }

  keyInfo(id: string): KeyInfo {
    const h = this.#keys.get(id);
    if (h === undefined) throw new DariError('DARI_HSM_KEY_UNKNOWN', `no key with id ${id}`);
    return h.info;
  }

  generateKey(p: { type: KeyType; algorithm: KeyAlgorithm; length?: number; id?: string }): KeyInfo {
    const lengths = allowedLengths(p.type, p.algorithm);
    const length = p.length ?? (lengths.includes(16) ? 16 : (lengths[0] as number));
    checkKeyLength(p.type, p.algorithm, length);
    return this.#add(p.type, p.algorithm, randomBytes(length), p.id, undefined);
  }

  importClearKey(p: { type: KeyType; algorithm: KeyAlgorithm; key: Buffer; kcv?: string; id?: string }): KeyInfo {
    return this.#add(p.type, p.algorithm, p.key, p.id, p.kcv);
  }

  importKey(p: { type: KeyType; algorithm: KeyAlgorithm; wrapped: Buffer; zmkId: string; kcv?: string; id?: string }): KeyInfo {
    const zmk = this.#held(p.zmkId, 'zmk');
    const key = unwrapUnderZmk(zmk.key, zmk.info.algorithm, p.wrapped, p.algorithm);
    return this.#add(p.type, p.algorithm, key, p.id, p.kcv);
  }

  exportKey(id: string, zmkId: string): { wrapped: Buffer; kcv: string } {
    const h = this.#keys.get(id);
    if (h === undefined) throw new DariError('DARI_HSM_KEY_UNKNOWN', `no key with id ${id}`);
    const zmk = this.#held(zmkId, 'zmk');
    return { wrapped: wrapUnderZmk(zmk.key, zmk.info.algorithm, h.key, h.info.algorithm), kcv: h.info.kcv };
  }

  // --- EMV ---------------------------------------------------------------------------------

  verifyArqc(req: ArqcRequest): ArqcVerdict {
    let icc: Map<string, Buffer>;
    try {
      icc = parseIcc(req.icc);
    } catch {
      return { ok: false, reason: 'BAD_DATA', atc: -1, arqc: '' };
    }
    const atcBytes = icc.get('9F36');
    const atc = atcBytes?.length === 2 ? atcBytes.readUInt16BE(0) : -1;
    const card = icc.get('9F26');
    const arqc = card?.length === 8 ? toHex(card) : '';
    const fail = (reason: ArqcFailure): ArqcVerdict => ({ ok: false, reason, atc, arqc });
    if (card === undefined) return fail('MISSING_TAG');
    if (card.length !== 8) return fail('BAD_DATA');
    const cid = icc.get('9F27');
    if (cid === undefined) return fail('MISSING_TAG');
    // EMV Book 3 table 15: bits 8-7 of the cryptogram information data give the type; 10 = ARQC.
    if (cid.length !== 1 || ((cid[0] as number) & 0xc0) !== 0x80) return fail('NOT_ARQC');
    const h = this.#keys.get(req.imkId);
    if (h === undefined) return fail('UNKNOWN_KEY');
    if (h.info.type !== 'imk-ac' || h.info.algorithm !== 'tdes') {
      throw new DariError('DARI_HSM_KEY_USAGE', `key ${req.imkId} is not a 3DES imk-ac key`);
    }
    const p = { imk: h.key, pan: req.pan, psn: req.psn, cvn: req.cvn, icc };
    try {
      if (!macEquals(expectedArqc(p), card)) return fail('CRYPTOGRAM_MISMATCH');
      if (req.arpc === undefined) return { ok: true, atc, arqc };
      const keys = cvnKeys(p);
      const key = CVN_PROFILES[req.cvn].arpcKey === 'mk' ? keys.mk : keys.sk;
      const arpc = req.arpc.method === 1
        ? arpcMethod1(key, card, hexArg(req.arpc.arc, 'ARC', 2))
        : arpcMethod2(key, card, hexArg(req.arpc.csu, 'CSU', 4), hexArg(req.arpc.prop ?? '', 'proprietary authentication data'));
      return { ok: true, atc, arqc, arpc: toHex(arpc) };
    } catch (e) {
      if (isDariError(e) && e.code === 'DARI_HSM_MISSING_TAG') return fail('MISSING_TAG');
      if (isDariError(e) && e.code === 'DARI_HSM_BAD_DATA') return fail('BAD_DATA');
      throw e;
    }
  }

  // --- PIN -----------------------------------------------------------------------------------

  #pinKey(id: string): { key: Buffer; format: PinBlockFormat } {
    const h = this.#held(id, 'zpk');
    return { key: h.key, format: h.info.algorithm === 'tdes' ? 0 : 4 };
  }

  encryptPin(p: { zpkId: string; pin: string; pan: string }): Buffer {
    const k = this.#pinKey(p.zpkId);
    return encodePinBlock(k.key, k.format, p.pin, p.pan);
  }

  verifyPin(p: { zpkId: string; pinBlock: Buffer; pan: string; pin: string }): boolean {
    const k = this.#pinKey(p.zpkId);
    const pin = decodePinBlock(k.key, k.format, p.pinBlock, p.pan);
    const a = Buffer.from(pin.padEnd(12, 'F'));
    const b = Buffer.from(p.pin.padEnd(12, 'F'));
    return a.length === b.length && timingSafeEqual(a, b);
  }

  translatePin(p: { fromKeyId: string; toKeyId: string; pinBlock: Buffer; pan: string }): Buffer {
    return translatePinBlock({ from: this.#pinKey(p.fromKeyId), to: this.#pinKey(p.toKeyId), block: p.pinBlock, pan: p.pan });
  }

  // --- MAC -----------------------------------------------------------------------------------

  generateMac(p: { keyId: string; data: Buffer; padding?: MacPadding }): Buffer {
    const h = this.#held(p.keyId, 'mac');
    return h.info.algorithm === 'aes' ? aesCmac(h.key, p.data) : retailMac(h.key, p.data, p.padding ?? 1);
  }

  verifyMac(p: { keyId: string; data: Buffer; mac: Buffer; padding?: MacPadding }): boolean {
    return macEquals(this.generateMac(p), p.mac);
  }

  // --- what printing shows -------------------------------------------------------------------

  toJSON(): { hsm: 'software'; keys: KeyInfo[] } {
    return { hsm: 'software', keys: this.listKeys() };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SoftwareHsm { keys: [${this.listKeys().map((k) => `${k.id} ${k.type} ${k.algorithm} KCV ${k.kcv}`).join(', ')}] }`;
  }
}

/** XOR key components (two or more, same length) into one key: how a ZMK is loaded by key custodians. */
export function combineComponents(components: readonly Buffer[]): Buffer {
  if (components.length < 2) throw new DariError('DARI_HSM_BAD_DATA', 'a key from components needs at least 2 components');
  return components.slice(1).reduce((acc, c) => xor(acc, c), components[0] as Buffer);
}

export interface OpenHsmOptions {
  /** Key store file (e.g. data/hsm-keys.json). */
  storeFile: string;
  /** Where the master key is kept when DARI_HSM_MASTER_KEY is not set (e.g. data/hsm-master.key). */
  masterKeyFile: string;
  /** Create the master key file (mode 0600) when it is missing, as `npm start` does on the embedded default. */
  create: boolean;
  env?: NodeJS.ProcessEnv;
  /** Told once when a master key file is generated (production must set DARI_HSM_MASTER_KEY instead). */
  warn?: (message: string) => void;
}

/**
 * A SoftwareHsm with its master key from DARI_HSM_MASTER_KEY (64 hex digits), else from the key
 * file, which is generated on first use when `create` is set (same pattern as the data key).
 */
export function openSoftwareHsm(o: OpenHsmOptions): SoftwareHsm {
  const env = o.env ?? process.env;
  const fromEnv = env.DARI_HSM_MASTER_KEY;
  let hex: string;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new DariError('DARI_HSM_MASTER_KEY', 'DARI_HSM_MASTER_KEY must be 64 hex digits');
    hex = fromEnv;
  } else {
    if (!existsSync(o.masterKeyFile)) {
      if (!o.create) throw new DariError('DARI_HSM_MASTER_KEY', `DARI_HSM_MASTER_KEY is not set and ${o.masterKeyFile} does not exist`);
      mkdirSync(dirname(o.masterKeyFile), { recursive: true });
      writeFileSync(o.masterKeyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      o.warn?.(`DARI_HSM_MASTER_KEY is not set: generated an HSM master key in ${o.masterKeyFile} (development only; production must set DARI_HSM_MASTER_KEY)`);
    }
    hex = readFileSync(o.masterKeyFile, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new DariError('DARI_HSM_MASTER_KEY', `${o.masterKeyFile} must hold 64 hex digits`);
  }
  return new SoftwareHsm({ masterKey: Buffer.from(hex, 'hex'), storeFile: o.storeFile });
}
