/**
 * The hub's data key: protects what the journal must keep about cards. Two subkeys are derived
 * with HKDF-SHA-256: one for the keyed PAN hash (HMAC-SHA-256, so the journal can find a card's
 * transactions without holding the PAN), one for sealing store-and-forward payloads (AES-256-GCM,
 * because a queued reversal must still carry the PAN to the partner after a restart).
 *
 * The key comes from DARI_DATA_KEY (64 hex digits) or a key file; on the embedded default the file
 * is created (mode 0600) on first start. Key material lives in private fields, is never enumerable,
 * and never appears in errors, logs or JSON.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomFillSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DariError } from '../errors';

/** Seals per random IV field: the 32-bit counter's range. */
const IV_COUNTER_LIMIT = 2 ** 32;

export class DataKey {
  readonly #hashKey: Buffer;
  readonly #sealKey: Buffer;
  /** The IVs' random field and the count of seals made under it (see seal). */
  readonly #ivField = randomBytes(8);
  #ivCount = 0;

  constructor(master: Buffer) {
    if (master.length !== 32) throw new DariError('DARI_CONFIG_INVALID', 'data key: must be 32 bytes (64 hex digits)');
    this.#hashKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'dari pan hash v1', 32));
    this.#sealKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'dari saf seal v1', 32));
  }

  /** Keyed hash of a PAN (hex), stable for a given key. */
  panHash(pan: string): string {
    return createHmac('sha256', this.#hashKey).update(pan, 'latin1').digest('hex');
  }

  /**
   * AES-256-GCM: 12-byte IV | 16-byte tag | ciphertext. The IV is built as NIST SP 800-38D 8.2.1
   * describes: a 64-bit field drawn from the CSPRNG, then a 32-bit counter of the seals made under
   * that field; after 2^32 seals a new field is drawn. IVs never repeat within a field, and two
   * fields (other processes, restarts, other instances) collide with probability 2^-64 per pair,
   * so the key is not bound by the 2^32-seal limit of fully random 96-bit IVs (which a hub sealing
   * every forwarded request would reach in days).
   */
  seal(plain: Buffer): Buffer {
    const out = Buffer.allocUnsafe(28 + plain.length);
    if (this.#ivCount === IV_COUNTER_LIMIT) {
      randomFillSync(this.#ivField);
      this.#ivCount = 0;
    }
    this.#ivField.copy(out, 0);
    out.writeUInt32BE(this.#ivCount++, 8);
    const c = createCipheriv('aes-256-gcm', this.#sealKey, out.subarray(0, 12));
    c.update(plain).copy(out, 28); // GCM is a stream mode: as many bytes out as in, final() adds none
    c.final();
    c.getAuthTag().copy(out, 12);
    return out;
  }

  open(sealed: Buffer): Buffer {
    if (sealed.length < 28) throw new DariError('DARI_JOURNAL_UNAVAILABLE', 'sealed payload is too short');
    try {
      const d = createDecipheriv('aes-256-gcm', this.#sealKey, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    } catch {
      throw new DariError('DARI_JOURNAL_UNAVAILABLE', 'sealed payload does not open under this data key (wrong DARI_DATA_KEY?)');
    }
  }

  toJSON(): string {
    return '[DataKey]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[DataKey]';
  }
}

/** DARI_DATA_KEY from the environment, else the key file (created when `create` is true). */
export function loadDataKey(file: string, create: boolean, env: NodeJS.ProcessEnv = process.env): DataKey {
  const fromEnv = env.DARI_DATA_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new DariError('DARI_CONFIG_INVALID', 'DARI_DATA_KEY: must be 64 hex digits');
    return new DataKey(Buffer.from(fromEnv, 'hex'));
  }
  if (!existsSync(file)) {
    if (!create) throw new DariError('DARI_CONFIG_NOT_FOUND', `journal.dataKeyFile: ${file} does not exist and DARI_DATA_KEY is not set`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new DariError('DARI_CONFIG_INVALID', `journal.dataKeyFile: ${file} must hold 64 hex digits`);
  try {
    chmodSync(file, 0o600);
  } catch {
    /* best effort */
  }
  return new DataKey(Buffer.from(text, 'hex'));
}
