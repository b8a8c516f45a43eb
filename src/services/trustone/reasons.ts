/**
 * Why a TrustOne verification was declined: one stable code per check, the same over HTTP (the
 * `reason` of the answer), ISO 8583 (field 44, with field 39 from the table below), the attempt
 * journal and the `reason` label of dari_trustone_verifications_total.
 *
 * Field 39 (ISO 8583:1987 response codes): the closest standard meaning, so that a participant
 * that only reads field 39 still does the right thing; field 44 (additional response data,
 * ans..25) carries the exact reason. 54 ("expired card") is deliberately not used for an expired
 * challenge: the card is fine, the customer only has to tap again.
 */
export const DECLINE_REASONS = {
  UNKNOWN_CARD: { rc: '14', meaning: 'no registration with that card id for this participant' },
  PAN_MISMATCH: { rc: '14', meaning: 'the PAN sent does not hash to the registered card' },
  CHALLENGE_UNKNOWN: { rc: '12', meaning: 'no challenge with that id for this participant' },
  CHALLENGE_MISMATCH: { rc: '12', meaning: 'the challenge was issued for another card' },
  CHALLENGE_EXPIRED: { rc: '12', meaning: 'the challenge expired before it was answered' },
  CHALLENGE_USED: { rc: '94', meaning: 'the challenge was already answered (a replayed tap)' },
  NOT_ARQC: { rc: '05', meaning: 'the cryptogram information data (9F27) does not announce an ARQC' },
  UN_MISMATCH: { rc: '12', meaning: 'the unpredictable number (9F37) is not the challenge\'s' },
  AMOUNT_MISMATCH: { rc: '13', meaning: 'the amount (9F02) is not the challenge\'s' },
  CURRENCY_MISMATCH: { rc: '13', meaning: 'the currency (5F2A) is not the challenge\'s' },
  MISSING_TAG: { rc: '30', meaning: 'field 55 lacks a tag the check or the cryptogram version needs' },
  BAD_DATA: { rc: '30', meaning: 'field 55 is not valid for the registered CVN (TLV, lengths, 9F10 layout)' },
  CRYPTOGRAM_MISMATCH: { rc: '05', meaning: 'the ARQC (9F26) does not verify under the issuer key' },
  ATC_REPLAY: { rc: '59', meaning: 'the ATC (9F36) is not above the last one seen for the card (replay or clone)' },
  UNKNOWN_KEY: { rc: '96', meaning: 'the HSM has no 3DES issuer master key (imk-ac) with the registered id' },
  INVALID_TRANSACTION: { rc: '12', meaning: 'ISO 8583: not an account verification (field 3 type 00, field 4 zero)' },
  FORMAT_ERROR: { rc: '30', meaning: 'ISO 8583: field 2, 48 or 55 is missing or malformed' },
} as const;

export type DeclineReason = keyof typeof DECLINE_REASONS;
