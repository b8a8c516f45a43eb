/** The shapes the EMV MPM codec reads and writes. */

/** A data object's value: a string, or the data objects of a template by id. */
export type QrValue = string | QrFields;

/** Data objects by their two-digit id ("00".."99"). */
export interface QrFields {
  [id: string]: QrValue;
}

/** A parsed and validated payload. */
export interface ParsedQr {
  /**
   * Every data object, templates nested (26-51, 62, 64, and 80-99 or 62.50-99 when they hold data
   * objects). parseQr makes it on first read (a getter: spreading a ParsedQr does not copy it).
   */
  readonly fields: QrFields;
  /** ID 01: "11" static (reusable), "12" dynamic (one transaction); null when absent. */
  initiation: 'static' | 'dynamic' | null;
  /** ID 52, null only where the recognised scheme omits it. */
  mcc: string | null;
  /** ID 53, ISO 4217 numeric. */
  currency: string;
  /** ID 54 as written, null when the payer keys the amount. */
  amount: string | null;
  /** ID 58, ISO 3166-1 alpha-2. */
  country: string;
  merchantName: string | null;
  merchantCity: string | null;
  /** The national scheme recognised from the merchant account templates, or null. */
  scheme: SchemeProfile | null;
  /**
   * The merchant account the payment goes to: `template` is the data object id it was read from;
   * the other keys are the scheme's names for its sub-objects (acquirer, merchant id, proxy...).
   */
  merchantAccount: Readonly<Record<string, string>> | null;
}

/** A constraint on one data object of a scheme's payloads (checked in validation layer 4). */
export interface FieldRule {
  /** Path of ids; "$" stands for the template the scheme was recognised in: "$.01.00", "99.01". */
  path: string;
  /** The data object must be present. */
  required?: boolean;
  /** Allowed values. */
  oneOf?: readonly string[];
  /** Decimal digits only, with this many digits (after `prefix`). */
  digits?: readonly [min: number, max: number];
  /** Length in characters. */
  length?: readonly [min: number, max: number];
  /** Literal start of the value. */
  prefix?: string;
  /** What the rule enforces, for the error message. */
  why: string;
}

/** How a scheme is recognised: one of `templates` whose sub-object 00 matches. */
export interface SchemeMatch {
  templates: readonly string[];
  /** Sub-object 00 equals one of these (case-insensitive). */
  guid?: readonly string[];
  /** Sub-object 00 starts with one of these (case-insensitive). */
  guidPrefix?: readonly string[];
  /** Sub-object 00 is an account id name@institution instead of a GUID (KHQR). */
  accountId?: boolean;
  /** Merchant account summary: name -> path ("$" = the matched template). */
  account: Readonly<Record<string, string>>;
  /** Rules that hold when the scheme is recognised through this match. */
  rules?: readonly FieldRule[];
}

/** A national QR scheme, declared as data (src/codec/emvqr/schemes.ts). */
export interface SchemeProfile {
  /** Stable id printed by `dari qr parse`: "QRIS", "VIETQR"... */
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2 code ID 58 must carry. */
  country: string;
  /** ISO 4217 numeric codes ID 53 may carry. */
  currencies: readonly string[];
  /** Tried in order; the first that matches a merchant account template wins. */
  match: readonly SchemeMatch[];
  /** Payload format indicator values accepted besides the EMVCo "01". */
  formatIndicators?: readonly string[];
  /** EMVCo-mandatory ids (52, 59, 60) the scheme's real payloads leave out. */
  optional?: readonly string[];
  /** Sub-objects of its templates that are templates themselves ("$.01"). */
  nested?: readonly string[];
  /** Card numbers carried in the payload (masked whenever printed), with the condition under which the path holds one. */
  cardData?: readonly { path: string; when?: { path: string; equals: string } }[];
  /** Rules for every payload of the scheme. */
  rules?: readonly FieldRule[];
  /** Where each rule and identifier comes from. */
  sources: readonly string[];
}
