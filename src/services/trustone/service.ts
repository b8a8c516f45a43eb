/**
 * TrustOne card-tap authentication (DESIGN.md section 2, service 4): a participant registers a
 * customer's EMV card for a device, asks Dari for a challenge, has the customer tap the card on
 * the phone (the app runs GENERATE AC with the challenge as the unpredictable number), and sends
 * the card's answer (field-55 data) back. Dari approves only when
 *
 *  - the card is registered to that participant and the PAN sent hashes to it;
 *  - the challenge exists, belongs to the card, has not expired and was never answered before
 *    (consumed atomically whatever the outcome: one challenge, one attempt);
 *  - 9F27 announces an ARQC (bits 8-7 = 10, EMV Book 3 table 15);
 *  - 9F37 is the challenge's unpredictable number and 9F02 / 5F2A its amount and currency;
 *  - the ARQC verifies in the HSM under the registered issuer key (EMV Book 2 A1.4, A1.3, A1.2);
 *  - the ATC (9F36) is above the last one seen for that card (PAN hash and PSN), moved forward by
 *    compare-and-set only after the cryptogram verified, so garbage cannot lock a card out and
 *    two answers with the same ATC cannot both pass (replay, cloned card).
 *
 * The clear PAN: Dari keeps only its keyed hash and masked form. The participant sends the PAN
 * with each verification (it reads it from the card during the same tap; TLS protects it in
 * transit), Dari checks it hashes to the registration, uses it for the ICC key derivation and
 * forgets it. No PAN can be recovered from Dari's storage, sealed or not.
 *
 * Every attempt is journaled in the store (no PAN, no cryptogram), logged (masked PAN only) and
 * counted in dari_trustone_verifications_total{participant,result,reason}.
 */
import { randomBytes } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { DariError, isDariError } from '../../errors';
import { CVN_PROFILES, isCvnId, parseIcc, type CvnId } from '../../security/hsm/emv';
import type { DataKey } from '../../security/data-key';
import type { ArqcVerdict, Hsm } from '../../security/hsm/hsm';
import { maskPan } from '../../security/masking';
import { ParticipantKeys } from './auth';
import { DECLINE_REASONS, type DeclineReason } from './reasons';
import type { Attempt, CardRegistration, Challenge, TrustOneStore } from './store';

export interface TrustOneOptions {
  /** Only verifyArqc is used: the issuer keys stay in the HSM. */
  hsm: Pick<Hsm, 'verifyArqc'>;
  store: TrustOneStore;
  /** The hub's data key: its keyed PAN hash identifies cards. */
  dataKey: DataKey;
  /** Participants of the HTTP API and their HMAC secrets (hex, 16 to 64 bytes). */
  participants: readonly { id: string; secret: string }[];
  /** How long a challenge may be answered (default 120000 ms). */
  challengeTtlMs?: number;
  /** Where dari_trustone_verifications_total is registered (none: counted but not exported). */
  registry?: Registry;
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** One structured entry per verification attempt; never carries a PAN or key. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface RegisterCardRequest {
  deviceId: string;
  /** The card's PAN (12 to 19 digits); kept only as a keyed hash and masked. */
  pan: string;
  /** PAN sequence number (5F34), 2 digits (default "00"). */
  psn?: string;
  /** Id of the issuer master key (IMK-AC) in the HSM. */
  issuerKeyId: string;
  cvn: CvnId;
}

export interface CardView {
  cardId: string;
  deviceId: string;
  maskedPan: string;
  psn: string;
  issuerKeyId: string;
  scheme: 'visa' | 'mastercard';
  cvn: CvnId;
  registeredAt: string;
}

export interface ChallengeRequest {
  cardId: string;
  /** Amount in minor units (0 to 999999999999), as the card will sign it in 9F02. */
  amount: number;
  /** ISO 4217 numeric currency code, 3 digits (5F2A). */
  currency: string;
}

export interface ChallengeView {
  challengeId: string;
  cardId: string;
  /** 9F37 for the GENERATE AC, 8 hex digits. */
  unpredictableNumber: string;
  amount: number;
  currency: string;
  expiresAt: string;
}

export type ArpcRequest = { method: 1; arc: string } | { method: 2; csu: string; prop?: string };

export interface VerificationRequest {
  cardId: string;
  challengeId: string;
  /** The card's PAN, read during the tap: checked against the registration, used, never kept. */
  pan: string;
  /** PAN sequence number, when the reader has it: must be the registered one. */
  psn?: string;
  /** Field-55 data of the GENERATE AC answer (BER-TLV as hex). */
  icc: string;
  /** Ask for an ARPC (method 1: ARC, 4 hex digits; method 2: CSU, 8 hex digits, and up to 8 bytes of proprietary data). */
  arpc?: ArpcRequest;
}

export interface VerificationResult {
  verificationId: string;
  result: 'approved' | 'declined';
  reason?: DeclineReason;
  /** The card's ATC (9F36) when it could be read. */
  atc?: number;
  /** The ARPC (hex), on approval when asked. */
  arpc?: string;
  /** Tag 91 value: ARPC || ARC (method 1) or ARPC || CSU || data (method 2), hex. */
  issuerAuthenticationData?: string;
}

const bad = (field: string, rule: string): DariError => new DariError('DARI_TRUSTONE_INVALID_REQUEST', `${field}: ${rule}`);

function str(v: unknown, field: string, re: RegExp, rule: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw bad(field, rule);
  return v;
}

const ID_RE = /^[\x21-\x7e]{1,128}$/;
const HEX = (n: string): RegExp => new RegExp(`^(?:[0-9A-Fa-f]{2})${n}$`);

/** ISO/IEC 7812-1: 12 to 19 digits. The Luhn digit is not required: issuers' test cards often lack it. */
function checkPan(v: unknown, field: string): string {
  return str(v, field, /^[0-9]{12,19}$/, 'must be 12 to 19 digits');
}

function checkArpc(v: unknown): ArpcRequest | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) throw bad('arpc', 'must be an object {method, arc} or {method, csu, prop}');
  const o = v as Record<string, unknown>;
  if (o.method === 1) return { method: 1, arc: str(o.arc, 'arpc.arc', HEX('{2}'), 'must be 4 hex digits (the ARC, 2 bytes)').toUpperCase() };
  if (o.method === 2) {
    const csu = str(o.csu, 'arpc.csu', HEX('{4}'), 'must be 8 hex digits (the CSU, 4 bytes)').toUpperCase();
    return o.prop === undefined ? { method: 2, csu } : { method: 2, csu, prop: str(o.prop, 'arpc.prop', HEX('{0,8}'), 'must be 0 to 16 hex digits').toUpperCase() };
  }
  throw bad('arpc.method', 'must be 1 or 2 (EMV Book 2 A1.2.1, A1.2.2)');
}

/** n12 amount as the 6 BCD bytes of 9F02. */
function amountBcd(amount: number): Buffer {
  return Buffer.from(String(amount).padStart(12, '0'), 'hex');
}

const toIso = (ms: number): string => new Date(ms).toISOString();

function cardView(c: CardRegistration): CardView {
  return {
    cardId: c.cardId, deviceId: c.deviceId, maskedPan: c.maskedPan, psn: c.psn, issuerKeyId: c.issuerKeyId,
    scheme: c.scheme, cvn: c.cvn, registeredAt: toIso(c.registeredAt),
  };
}

/** Request fields never copied into an answer: card data, PIN, ICC request data, MACs. */
const NOT_ECHOED = new Set(['2', '14', '35', '36', '45', '52', '55', '64', '128']);

/** Field 48 subelements (tag n2, length n2, value), the layout Mastercard uses for its DE 48. */
function subelements(f48: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (let o = 0; o < f48.length;) {
    const m = /^([0-9]{2})([0-9]{2})/.exec(f48.slice(o, o + 4));
    if (!m) return undefined;
    const len = Number(m[2]);
    if (o + 4 + len > f48.length) return undefined;
    out.set(m[1] as string, f48.slice(o + 4, o + 4 + len));
    o += 4 + len;
  }
  return out;
}

/** Field 48 subelement 03 (ARPC request): "1" + ARC (4 hex) or "2" + CSU (8 hex) + data (0-16 hex). */
function arpcFromSubelement(v: string): ArpcRequest | undefined {
  const m1 = /^1([0-9A-Fa-f]{4})$/.exec(v);
  if (m1) return { method: 1, arc: (m1[1] as string).toUpperCase() };
  const m2 = /^2([0-9A-Fa-f]{8})((?:[0-9A-Fa-f]{2}){0,8})$/.exec(v);
  if (m2) return m2[2] === '' ? { method: 2, csu: (m2[1] as string).toUpperCase() } : { method: 2, csu: (m2[1] as string).toUpperCase(), prop: (m2[2] as string).toUpperCase() };
  return undefined;
}

export class TrustOneService {
  readonly store: TrustOneStore;
  readonly participants: ParticipantKeys;
  readonly challengeTtlMs: number;
  readonly now: () => number;
  private readonly hsm: Pick<Hsm, 'verifyArqc'>;
  private readonly dataKey: DataKey;
  private readonly log: (entry: Record<string, unknown>) => void;
  private readonly verifications: Counter<'participant' | 'result' | 'reason'>;

  constructor(o: TrustOneOptions) {
    const ttl = o.challengeTtlMs ?? 120_000;
    if (!Number.isSafeInteger(ttl) || ttl < 1000 || ttl > 3_600_000) {
      throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', 'challengeTtlMs: must be a whole number of milliseconds from 1000 to 3600000');
    }
    if (!Array.isArray(o.participants)) throw new DariError('DARI_TRUSTONE_OPTIONS_INVALID', 'participants: must be a list of {id, secret}');
    this.hsm = o.hsm;
    this.store = o.store;
    this.dataKey = o.dataKey;
    this.participants = new ParticipantKeys(o.participants);
    this.challengeTtlMs = ttl;
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => undefined);
    this.verifications = new Counter({
      name: 'dari_trustone_verifications_total',
      help: 'TrustOne card-tap verifications, by participant, result and decline reason ("none" when approved)',
      labelNames: ['participant', 'result', 'reason'],
      registers: o.registry ? [o.registry] : [],
    });
  }

  async registerCard(participant: string, req: RegisterCardRequest): Promise<CardView> {
    const r = (req ?? {}) as unknown as Record<string, unknown>;
    const deviceId = str(r.deviceId, 'deviceId', ID_RE, 'must be 1 to 128 printable ASCII characters');
    const pan = checkPan(r.pan, 'pan');
    const psn = r.psn === undefined ? '00' : str(r.psn, 'psn', /^[0-9]{2}$/, 'must be 2 digits (5F34)');
    const issuerKeyId = str(r.issuerKeyId, 'issuerKeyId', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an HSM key id: 1 to 64 letters, digits, ".", "_" or "-"');
    if (typeof r.cvn !== 'string' || !isCvnId(r.cvn)) throw bad('cvn', 'must be one of visa10, visa18, visa22, mc16, mc17, mc20');
    const cvn = r.cvn;
    const card: CardRegistration = {
      cardId: `card_${randomBytes(12).toString('hex')}`, participant, deviceId, panHash: this.dataKey.panHash(pan), maskedPan: maskPan(pan),
      psn, issuerKeyId, scheme: CVN_PROFILES[cvn].scheme, cvn, registeredAt: this.now(),
    };
    const added = await this.store.addCard(card);
    if (!added.added) {
      throw new DariError('DARI_TRUSTONE_CARD_EXISTS', `card ${added.existing.maskedPan} (PSN ${psn}) is already registered on that device as ${added.existing.cardId}`);
    }
    return cardView(card);
  }

  private async requireCard(participant: string, cardId: string): Promise<CardRegistration> {
    const card = await this.store.getCard(participant, cardId);
    if (!card) throw new DariError('DARI_TRUSTONE_UNKNOWN_CARD', `that card id is not registered for ${participant}`);
    return card;
  }

  async issueChallenge(participant: string, req: ChallengeRequest): Promise<ChallengeView> {
    const r = (req ?? {}) as unknown as Record<string, unknown>;
    const cardId = str(r.cardId, 'cardId', ID_RE, 'must be a card id');
    if (typeof r.amount !== 'number' || !Number.isSafeInteger(r.amount) || r.amount < 0 || r.amount > 999_999_999_999) {
      throw bad('amount', 'must be a whole number of minor units from 0 to 999999999999 (9F02, n12)');
    }
    const currency = str(r.currency, 'currency', /^[0-9]{3}$/, 'must be an ISO 4217 numeric code, 3 digits (5F2A)');
    await this.requireCard(participant, cardId);
    const at = this.now();
    const challenge: Challenge = {
      challengeId: `chl_${randomBytes(12).toString('hex')}`, participant, cardId,
      // EMV Book 4 (terminal unpredictable number): 4 bytes from a cryptographic generator.
      un: randomBytes(4).toString('hex').toUpperCase(), amount: r.amount, currency, createdAt: at, expiresAt: at + this.challengeTtlMs,
    };
    await this.store.addChallenge(challenge);
    return {
      challengeId: challenge.challengeId, cardId, unpredictableNumber: challenge.un, amount: challenge.amount, currency,
      expiresAt: toIso(challenge.expiresAt),
    };
  }

  /**
   * Verify a card's answer to a challenge. A malformed request throws DARI_TRUSTONE_INVALID_REQUEST;
   * every other outcome, decline included, is a result (journaled and counted).
   */
  async verify(participant: string, req: VerificationRequest, channel: Attempt['channel'] = 'http'): Promise<VerificationResult> {
    const r = (req ?? {}) as unknown as Record<string, unknown>;
    const cardId = str(r.cardId, 'cardId', ID_RE, 'must be a card id');
    const challengeId = str(r.challengeId, 'challengeId', ID_RE, 'must be a challenge id');
    const pan = checkPan(r.pan, 'pan');
    const psn = r.psn === undefined ? undefined : str(r.psn, 'psn', /^[0-9]{2}$/, 'must be 2 digits (5F34)');
    const icc = Buffer.from(str(r.icc, 'icc', /^(?:[0-9A-Fa-f]{2}){1,1024}$/, 'must be the field-55 bytes as hex (at most 1024 bytes)'), 'hex');
    const arpc = checkArpc(r.arpc);

    const attempt: Attempt = { verificationId: `vrf_${randomBytes(12).toString('hex')}`, at: this.now(), participant, channel, cardId, challengeId, result: 'declined' };
    const card = await this.store.getCard(participant, cardId);
    const outcome = card ? await this.check(card, { challengeId, pan, psn, icc, arpc }, attempt) : { reason: 'UNKNOWN_CARD' as const };
    if (outcome.reason === undefined) attempt.result = 'approved';
    else attempt.reason = outcome.reason;
    await this.store.logAttempt(attempt);
    this.verifications.inc({ participant, result: attempt.result, reason: attempt.reason ?? 'none' });
    this.log({
      event: 'trustone.verification', participant, channel, verificationId: attempt.verificationId, cardId, challengeId,
      ...(card ? { maskedPan: card.maskedPan } : {}), result: attempt.result, ...(attempt.reason ? { reason: attempt.reason } : {}),
      ...(attempt.atc !== undefined ? { atc: attempt.atc } : {}),
    });
    const result: VerificationResult = { verificationId: attempt.verificationId, result: attempt.result };
    if (outcome.reason !== undefined) result.reason = outcome.reason;
    if (attempt.atc !== undefined) result.atc = attempt.atc;
    if (outcome.reason === undefined && outcome.arpc) {
      result.arpc = outcome.arpc;
      result.issuerAuthenticationData = result.arpc + (arpc?.method === 1 ? arpc.arc : arpc?.method === 2 ? arpc.csu + (arpc.prop ?? '') : '');
    }
    return result;
  }

  /** The checks, in the order the module comment gives; sets attempt.atc once the ATC is known. */
  private async check(card: CardRegistration, v: { challengeId: string; pan: string; psn: string | undefined; icc: Buffer; arpc: ArpcRequest | undefined }, attempt: Attempt): Promise<{ reason?: DeclineReason; arpc?: string }> {
    if (this.dataKey.panHash(v.pan) !== card.panHash || (v.psn !== undefined && v.psn !== card.psn)) return { reason: 'PAN_MISMATCH' };
    const consumed = await this.store.consumeChallenge(card.participant, v.challengeId, attempt.at);
    if (consumed.status === 'unknown') return { reason: 'CHALLENGE_UNKNOWN' };
    if (consumed.status === 'used') return { reason: 'CHALLENGE_USED' };
    const ch = consumed.challenge;
    if (ch.cardId !== card.cardId) return { reason: 'CHALLENGE_MISMATCH' };
    if (attempt.at > ch.expiresAt) return { reason: 'CHALLENGE_EXPIRED' };

    let tags: Map<string, Buffer>;
    try {
      tags = parseIcc(v.icc);
    } catch (e) {
      if (isDariError(e)) return { reason: 'BAD_DATA' };
      throw e;
    }
    const atc = tags.get('9F36');
    const cid = tags.get('9F27');
    const un = tags.get('9F37');
    const amount = tags.get('9F02');
    const currency = tags.get('5F2A');
    if (!atc || !cid || !un || !amount || !currency) return { reason: 'MISSING_TAG' };
    if (atc.length !== 2) return { reason: 'BAD_DATA' };
    const atcValue = atc.readUInt16BE(0);
    attempt.atc = atcValue;
    // EMV Book 3 table 15: CID bits 8-7 = 10 is an ARQC (00 AAC, 01 TC).
    if (cid.length !== 1 || ((cid[0] as number) & 0xc0) !== 0x80) return { reason: 'NOT_ARQC' };
    if (un.toString('hex').toUpperCase() !== ch.un) return { reason: 'UN_MISMATCH' };
    if (!amount.equals(amountBcd(ch.amount))) return { reason: 'AMOUNT_MISMATCH' };
    if (currency.toString('hex') !== `0${ch.currency}`) return { reason: 'CURRENCY_MISMATCH' };

    let verdict: ArqcVerdict;
    try {
      verdict = this.hsm.verifyArqc({ imkId: card.issuerKeyId, pan: v.pan, psn: card.psn, cvn: card.cvn, icc: v.icc, ...(v.arpc ? { arpc: v.arpc } : {}) });
    } catch (e) {
      // The registered id names a key that is not a 3DES issuer master key: as good as none.
      if (isDariError(e) && e.code === 'DARI_HSM_KEY_USAGE') return { reason: 'UNKNOWN_KEY' };
      throw e;
    }
    if (!verdict.ok) return { reason: verdict.reason ?? 'CRYPTOGRAM_MISMATCH' };

    const moved = await this.store.advanceAtc(`${card.panHash}.${card.psn}`, atcValue, attempt.at);
    if (!moved.advanced) return { reason: 'ATC_REPLAY' };
    return verdict.arpc ? { arpc: verdict.arpc } : {};
  }

  /**
   * ISO 8583 entry point (a local service route of the hub): a 0100 account verification
   * answered with the fields of the 0110.
   *
   * Request: 3 = processing code, transaction type 00 (account verification is an authorisation
   * request with a zero amount); 4 = zero when present (the amount being authenticated is 9F02
   * inside field 55, checked against the challenge); 2 = PAN; 23 = PSN (n3, optional); 55 = the
   * card's field-55 data; 48 = subelements (tag n2, length n2, value): 01 card id, 02 challenge
   * id, 03 ARPC request ("1" + ARC hex, or "2" + CSU hex + optional data hex).
   *
   * Answer: the request's fields except card data (2, 14, 35, 36, 45, 52, 55, 64, 128); 39 from
   * the reason table (00 approved); 44 = the decline reason; 55 = tag 91 when an ARPC was asked
   * and the verification approved.
   */
  async handleIso8583(participant: string, fields: Record<string, string>): Promise<Record<string, string>> {
    const answer: Record<string, string> = {};
    for (const k of Object.keys(fields)) if (!NOT_ECHOED.has(k)) answer[k] = fields[k] as string;
    const refuse = async (reason: 'INVALID_TRANSACTION' | 'FORMAT_ERROR', ids: Map<string, string> | undefined): Promise<Record<string, string>> => {
      const attempt: Attempt = { verificationId: `vrf_${randomBytes(12).toString('hex')}`, at: this.now(), participant, channel: 'iso8583', result: 'declined', reason };
      const cardId = ids?.get('01');
      const challengeId = ids?.get('02');
      if (cardId !== undefined) attempt.cardId = cardId;
      if (challengeId !== undefined) attempt.challengeId = challengeId;
      await this.store.logAttempt(attempt);
      this.verifications.inc({ participant, result: 'declined', reason });
      this.log({ event: 'trustone.verification', participant, channel: 'iso8583', verificationId: attempt.verificationId, result: 'declined', reason });
      return { ...answer, '39': DECLINE_REASONS[reason].rc, '44': reason };
    };
    const f48 = fields['48'];
    const ids = f48 === undefined ? undefined : subelements(f48);
    const f3 = fields['3'];
    const f4 = fields['4'];
    if (f3 === undefined || !/^00[0-9]{4}$/.test(f3) || (f4 !== undefined && !/^0+$/.test(f4))) return refuse('INVALID_TRANSACTION', ids);
    const cardId = ids?.get('01');
    const challengeId = ids?.get('02');
    const arpcSub = ids?.get('03');
    const arpc = arpcSub === undefined ? undefined : arpcFromSubelement(arpcSub);
    const f23 = fields['23'];
    const pan = fields['2'];
    const icc = fields['55'];
    if (cardId === undefined || challengeId === undefined || (arpcSub !== undefined && arpc === undefined) || pan === undefined || icc === undefined
      || (f23 !== undefined && !/^[0-9]{3}$/.test(f23))) {
      return refuse('FORMAT_ERROR', ids);
    }
    let result: VerificationResult;
    try {
      result = await this.verify(participant, {
        cardId, challengeId, pan, icc, ...(f23 !== undefined ? { psn: f23.slice(1) } : {}), ...(arpc ? { arpc } : {}),
      }, 'iso8583');
    } catch (e) {
      if (isDariError(e) && e.code === 'DARI_TRUSTONE_INVALID_REQUEST') return refuse('FORMAT_ERROR', ids);
      throw e;
    }
    if (result.reason !== undefined) return { ...answer, '39': DECLINE_REASONS[result.reason].rc, '44': result.reason };
    const out: Record<string, string> = { ...answer, '39': '00' };
    if (result.issuerAuthenticationData !== undefined) {
      out['55'] = `91${(result.issuerAuthenticationData.length / 2).toString(16).padStart(2, '0').toUpperCase()}${result.issuerAuthenticationData}`;
    }
    return out;
  }

  /** Housekeeping: forget challenges an hour after they expired and idempotency keys older than `idempotencyTtlMs`. */
  async prune(idempotencyTtlMs: number): Promise<void> {
    const now = this.now();
    await this.store.prune(now - 3_600_000, now - idempotencyTtlMs);
  }
}
