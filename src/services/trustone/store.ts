/**
 * What TrustOne keeps, behind one small interface so that a shared database (PostgreSQL, for
 * several hub nodes) can replace the embedded SQLite file without touching the service.
 *
 * Nothing here holds a clear PAN: a card is its keyed PAN hash (DataKey.panHash) plus the masked
 * PAN for people. Every operation that decides something once (consuming a challenge, moving a
 * card's ATC forward, claiming an idempotency key) is a single atomic compare-and-set in the
 * database, so two nodes or two concurrent requests cannot both win.
 */
import type { CvnId } from '../../security/hsm/emv';

export interface CardRegistration {
  cardId: string;
  participant: string;
  deviceId: string;
  /** Keyed hash of the PAN (hex): the card's identity without the PAN. */
  panHash: string;
  /** First 6 and last 4 digits (PCI DSS 3.4). */
  maskedPan: string;
  /** PAN sequence number (5F34), 2 digits. */
  psn: string;
  /** Id of the issuer master key (IMK-AC) in the HSM. */
  issuerKeyId: string;
  scheme: 'visa' | 'mastercard';
  cvn: CvnId;
  registeredAt: number;
}

export interface Challenge {
  challengeId: string;
  participant: string;
  cardId: string;
  /** Unpredictable number (9F37), 8 hex digits. */
  un: string;
  /** Amount, authorised (9F02) in minor units. */
  amount: number;
  /** ISO 4217 numeric currency (5F2A), 3 digits. */
  currency: string;
  createdAt: number;
  expiresAt: number;
  /** When the challenge was answered (consumed), if it was. */
  usedAt?: number;
}

/** The outcome of consuming a challenge: it did not exist (for this participant), it was already used, or this call used it. */
export type ConsumeResult =
  | { status: 'unknown' }
  | { status: 'used'; challenge: Challenge }
  | { status: 'consumed'; challenge: Challenge };

export type AttemptResult = 'approved' | 'declined';

/** One verification attempt, as journaled (no PAN, no cryptogram, no key). */
export interface Attempt {
  verificationId: string;
  at: number;
  participant: string;
  channel: 'http' | 'iso8583';
  cardId?: string;
  challengeId?: string;
  result: AttemptResult;
  /** Decline reason (see reasons.ts); absent when approved. */
  reason?: string;
  atc?: number;
}

/** A stored API answer, replayed for a repeated Idempotency-Key. */
export interface StoredResponse {
  status: number;
  body: string;
}

export type IdempotencyClaim =
  | { status: 'claimed' }
  /** The key exists: its request fingerprint, and its answer once the first request finished. */
  | { status: 'exists'; fingerprint: string; response?: StoredResponse };

export interface TrustOneStore {
  /** Open the database and apply the schema (idempotent). */
  init(): Promise<void>;
  close(): Promise<void>;

  /** Add a registration; when (participant, deviceId, panHash, psn) is already registered, return that one and add nothing. */
  addCard(card: CardRegistration): Promise<{ added: true } | { added: false; existing: CardRegistration }>;
  getCard(participant: string, cardId: string): Promise<CardRegistration | undefined>;

  addChallenge(challenge: Challenge): Promise<void>;
  /** Mark the challenge used at `at` unless it already was (compare-and-set). */
  consumeChallenge(participant: string, challengeId: string, at: number): Promise<ConsumeResult>;

  /**
   * Move the last ATC seen for a card (`cardKey` = PAN hash and PSN) to `atc` only if `atc` is
   * greater (compare-and-set). `advanced` is false when it is not; `previous` is the value before.
   */
  advanceAtc(cardKey: string, atc: number, at: number): Promise<{ advanced: boolean; previous?: number }>;

  logAttempt(attempt: Attempt): Promise<void>;
  /** The newest attempts of a participant, newest first. */
  attempts(participant: string, limit: number): Promise<Attempt[]>;

  /** Claim an Idempotency-Key for a participant with the request fingerprint, unless it exists. */
  claimIdempotency(participant: string, key: string, fingerprint: string, at: number): Promise<IdempotencyClaim>;
  /** Record the answer of a claimed key. */
  completeIdempotency(participant: string, key: string, response: StoredResponse): Promise<void>;
  /** Drop a claim whose request failed inside Dari, so that a retry runs again. */
  releaseIdempotency(participant: string, key: string): Promise<void>;

  /** Delete challenges that expired before `challengesBefore` and idempotency keys created before `idempotencyBefore`. */
  prune(challengesBefore: number, idempotencyBefore: number): Promise<void>;
}
