/**
 * A simulated EMV chip card, for the TrustOne demo, tests and benchmarks: it holds a test issuer
 * master key, a PAN, a PSN, a CVN and an application transaction counter, and answers a tap
 * (GENERATE AC asking for an ARQC, EMV Book 3 6.5.5) with the field-55 data a phone app would
 * forward: the terminal data it was given (CDOL1), its own AIP, ATC and issuer application data,
 * and the ARQC over them (computed with the HSM module's expectedArqc, as the card's own chip
 * would from its ICC key).
 *
 * Each tap increments the ATC first, as a card does before computing the cryptogram. `clone()`
 * copies the card as it is now: the copy's ATC lags once the original taps again (the clone case
 * the ATC check catches).
 */
import { encodeTlv, type TlvItem } from '../codec/iso8583/tlv';
import { DariError } from '../errors';
import { CVN_PROFILES, expectedArqc, type CvnId } from '../security/hsm/emv';

export interface SimulatedCardOptions {
  /** Issuer master key for application cryptograms (IMK-AC), 16 bytes. */
  imk: Buffer;
  pan: string;
  /** PAN sequence number (5F34), 2 digits (default "00"). */
  psn?: string;
  cvn: CvnId;
  /** ATC before the first tap (default 0: the first tap uses ATC 1). */
  atc?: number;
  /** Card verification results as the card reports them in 9F10 (default per scheme). */
  cvr?: string;
  /** Application interchange profile, tag 82 (default 1800: SDA not supported, cardholder verification, terminal risk management). */
  aip?: string;
  /** Derivation key index in 9F10 (default 01). */
  dki?: number;
  /** Mastercard only: the 8 bytes of counters in 9F10 that CVN 17 signs (default zeros). */
  counters?: string;
}

/** The terminal (phone app) side of the tap: the CDOL1 data it passes to GENERATE AC. */
export interface TapData {
  /** Unpredictable number (9F37), 8 hex digits: the challenge. */
  un: string;
  /** Amount, authorised (9F02) in minor units. */
  amount: number;
  /** Transaction currency (5F2A), ISO 4217 numeric, 3 digits. */
  currency: string;
  /** Terminal country (9F1A), ISO 3166 numeric (default the currency code). */
  country?: string;
  /** Transaction date (9A) as YYMMDD (default today, UTC). */
  date?: string;
  /** Transaction type (9C), 2 digits (default 00). */
  type?: string;
  /** Terminal verification results (95), 10 hex digits (default 0000000000). */
  tvr?: string;
  /** Amount, other (9F03) in minor units (default 0). */
  otherAmount?: number;
}

const DEFAULT_CVR: Readonly<Record<'visa' | 'mastercard', string>> = { visa: '03A00000', mastercard: 'A00003220000' };

const hexOf = (v: string, bytes: number, what: string): string => {
  if (!new RegExp(`^[0-9A-Fa-f]{${2 * bytes}}$`).test(v)) throw new DariError('DARI_HSM_BAD_DATA', `simulated card: ${what} must be ${2 * bytes} hex digits`);
  return v.toUpperCase();
};

const digits = (v: string, n: number, what: string): string => {
  if (!new RegExp(`^[0-9]{${n}}$`).test(v)) throw new DariError('DARI_HSM_BAD_DATA', `simulated card: ${what} must be ${n} digits`);
  return v;
};

const n12 = (amount: number, what: string): string => {
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > 999_999_999_999) throw new DariError('DARI_HSM_BAD_DATA', `simulated card: ${what} must be 0 to 999999999999`);
  return String(amount).padStart(12, '0');
};

export class SimulatedCard {
  readonly #imk: Buffer;
  readonly pan: string;
  readonly psn: string;
  readonly cvn: CvnId;
  private counter: number;
  private readonly o: SimulatedCardOptions;

  constructor(o: SimulatedCardOptions) {
    if (o.imk.length !== 16) throw new DariError('DARI_HSM_KEY_INVALID', 'simulated card: the issuer master key must be 16 bytes');
    this.#imk = Buffer.from(o.imk);
    if (!/^[0-9]{8,19}$/.test(o.pan)) throw new DariError('DARI_HSM_BAD_DATA', 'simulated card: PAN must be 8 to 19 digits');
    this.pan = o.pan;
    this.psn = digits(o.psn ?? '00', 2, 'PSN');
    this.cvn = o.cvn;
    this.counter = o.atc ?? 0;
    if (!Number.isInteger(this.counter) || this.counter < 0 || this.counter > 0xfffe) throw new DariError('DARI_HSM_BAD_DATA', 'simulated card: atc must be 0 to 65534');
    this.o = { ...o, imk: Buffer.alloc(0) };
  }

  /** The ATC of the last tap (0 before any). */
  get atc(): number {
    return this.counter;
  }

  /** Issuer application data (9F10) in the layout of the card's CVN (see emv.ts). */
  private iad(): string {
    const p = CVN_PROFILES[this.cvn];
    const dki = (this.o.dki ?? 1).toString(16).padStart(2, '0').toUpperCase();
    const cvn = p.byte.toString(16).padStart(2, '0').toUpperCase();
    if (p.scheme === 'mastercard') {
      // M/Chip: DKI, CVN, CVR (6), DAC/IDN (2), counters (8).
      return `${dki}${cvn}${hexOf(this.o.cvr ?? DEFAULT_CVR.mastercard, 6, 'CVR')}0000${hexOf(this.o.counters ?? '00'.repeat(8), 8, 'counters')}`;
    }
    if (this.cvn === 'visa22') {
      // VIS 1.6 format 2: 1F, CVN, DKI, CVR (5), then issuer discretionary data to 32 bytes.
      return `1F${cvn}${dki}${hexOf(this.o.cvr ?? '03A0000000', 5, 'CVR')}${'00'.repeat(24)}`;
    }
    // VIS format 0/1/3: 06, DKI, CVN, CVR (4).
    return `06${dki}${cvn}${hexOf(this.o.cvr ?? DEFAULT_CVR.visa, 4, 'CVR')}`;
  }

  /** Answer a tap: field-55 data (BER-TLV, uppercase hex) with an ARQC over `t`. */
  tap(t: TapData): string {
    if (this.counter >= 0xffff) throw new DariError('DARI_HSM_BAD_DATA', 'simulated card: the ATC is exhausted');
    const now = new Date();
    const terminal: TlvItem[] = [
      { tag: '9F02', value: n12(t.amount, 'amount') },
      { tag: '9F03', value: n12(t.otherAmount ?? 0, 'other amount') },
      { tag: '9F1A', value: `0${digits(t.country ?? t.currency, 3, 'country')}` },
      { tag: '95', value: hexOf(t.tvr ?? '0000000000', 5, 'TVR') },
      { tag: '5F2A', value: `0${digits(t.currency, 3, 'currency')}` },
      { tag: '9A', value: digits(t.date ?? now.toISOString().slice(2, 10).replace(/-/g, ''), 6, 'date') },
      { tag: '9C', value: digits(t.type ?? '00', 2, 'transaction type') },
      { tag: '9F37', value: hexOf(t.un, 4, 'unpredictable number') },
    ];
    this.counter += 1;
    const card: TlvItem[] = [
      { tag: '82', value: hexOf(this.o.aip ?? '1800', 2, 'AIP') },
      { tag: '9F36', value: this.counter.toString(16).padStart(4, '0').toUpperCase() },
      { tag: '9F10', value: this.iad() },
      { tag: '5F34', value: this.psn },
    ];
    const icc = new Map<string, Buffer>([...terminal, ...card].map((i) => [i.tag, Buffer.from(i.value, 'hex')]));
    const arqc = expectedArqc({ imk: this.#imk, pan: this.pan, psn: this.psn, cvn: this.cvn, icc });
    return encodeTlv([
      { tag: '9F26', value: arqc.toString('hex') },
      { tag: '9F27', value: '80' },
      ...card,
      ...terminal,
    ]);
  }

  /** A second card with the same key, PAN and current ATC. */
  clone(): SimulatedCard {
    return new SimulatedCard({ ...this.o, imk: this.#imk, atc: this.counter });
  }

  toJSON(): Record<string, unknown> {
    return { cvn: this.cvn, psn: this.psn, atc: this.counter };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SimulatedCard(${this.cvn}, ATC ${this.counter})`;
  }
}

/**
 * The demo issuer: the issuer master key of the public test vectors (EMV test IMK
 * 0123456789ABCDEF FEDCBA9876543210, KCV 08D7, as used by pyemv's tests), never a real key. A hub
 * that runs `dari demo trustone --url` must hold it in its HSM under `issuerKeyId`.
 */
export const TRUSTONE_DEMO = Object.freeze({
  issuerKeyId: 'trustone-demo-imk',
  imkHex: '0123456789ABCDEFFEDCBA9876543210',
  participant: 'DEMOBANK',
  /** Demo participant secret (hex): public, for the bundled demo configuration only. */
  secret: '64617269207472757374206f6e652064656d6f207365637265742031',
});
