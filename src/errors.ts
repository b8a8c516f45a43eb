/**
 * One error type for the whole hub, with stable codes (DARI_<AREA>_<WHAT>).
 *
 * Callers match on `code`. Messages name the field and byte offset where there is one and never
 * carry card data: codec errors describe *what* is wrong and *where*, never the offending value.
 * The catalogue below is the single source of truth; the README's error table is checked against it
 * by specs/errors.spec.ts in both directions.
 */

export const ERROR_CATALOGUE = {
  // --- ISO 8583 codec -----------------------------------------------------------------------
  DARI_CODEC_TRUNCATED: 'the message ends before a field, bitmap, MTI or header is complete',
  DARI_CODEC_TRAILING_BYTES: 'bytes remain after the last field the bitmap announces',
  DARI_CODEC_MTI_INVALID: 'the message type indicator is not 4 decimal digits',
  DARI_CODEC_BITMAP_INVALID: 'a bitmap is not valid hex, or a secondary/tertiary bitmap is flagged but empty',
  DARI_CODEC_UNKNOWN_FIELD: 'a field is present (bitmap bit or JSON key) that the dialect does not define',
  DARI_CODEC_LENGTH_INVALID: 'a length prefix is not made of digits in its declared encoding',
  DARI_CODEC_LENGTH_EXCEEDS_MAX: 'a declared or supplied length is above the field maximum',
  DARI_CODEC_FIXED_LENGTH: 'a fixed-length field value does not have exactly its declared length',
  DARI_CODEC_INVALID_CHARACTER: 'a character is outside the field content class (n, a, an, ans, z, x+n, b)',
  DARI_CODEC_TLV_MALFORMED: 'a BER-TLV field does not parse as a sequence of complete tag-length-value items',
  DARI_CODEC_SUBFIELD_INVALID: 'a composite field does not match its positional subfield layout',
  DARI_CODEC_HEADER_INVALID: 'the fixed message header does not have the length or encoding the dialect declares',
  DARI_CODEC_VALUE_INVALID: 'a JSON message is not of the expected shape (mti and fields as strings)',
  DARI_CODEC_SPEC_INVALID: 'a dialect file is not a valid dialect (the message names the key)',
  DARI_CODEC_SPEC_UNKNOWN: 'no built-in dialect has that name and no such file exists',
  // --- framing -----------------------------------------------------------------------------
  DARI_FRAME_TOO_LARGE: 'a peer declared a frame length above the link maximum (checked before buffering)',
  DARI_FRAME_LENGTH_INVALID: 'a length header is not valid in its encoding (non-digit ASCII, bad BCD nibble)',
  DARI_FRAME_HEADER_INVALID: 'a frame is shorter than its fixed header, or its trailer byte is wrong',
  DARI_FRAME_TRUNCATED: 'the stream ended in the middle of a frame',
  DARI_FRAME_OPTIONS_INVALID: 'framing options are inconsistent (the message names the option)',
  // --- links, journal, switch, configuration --------------------------------------------------
  DARI_LINK_TIMEOUT: 'no response arrived within the request timeout (the partner may have acted: a reversal is queued)',
  DARI_LINK_NOT_READY: 'no signed-on link can take the request; nothing was sent',
  DARI_LINK_DUPLICATE_KEY: 'a request with the same matching key is already pending on the link; nothing was sent',
  DARI_LINK_CLOSED: 'the link closed while the request was pending (the partner may have acted)',
  DARI_LINK_SIGN_ON_FAILED: 'the peer refused or did not answer the sign-on (0800, field 70 = 001)',
  DARI_LINK_MAC_INVALID: 'a message on a link that requires a MAC (field 64/128) has none or a wrong one; it is not applied',
  DARI_LINK_OPTIONS_INVALID: 'link or pool options are inconsistent (the message names the option)',
  DARI_JOURNAL_UNAVAILABLE: 'the journal database cannot be opened or reached',
  DARI_JOURNAL_MIGRATION_FAILED: 'a journal schema migration failed (the message names the version)',
  DARI_CONFIG_INVALID: 'the configuration file is not valid (the message names the key)',
  DARI_CONFIG_NOT_FOUND: 'the configuration file does not exist or cannot be read',
  DARI_SWITCH_INVALID_REQUEST: 'a request lacks a field its message class needs (answered with field 39 = 30)',
  // --- software HSM: key store, PIN blocks, MACs, EMV cryptograms (never carries key or PIN values)
  DARI_HSM_KEY_INVALID: 'a key has the wrong length or algorithm for the operation',
  DARI_HSM_KEY_UNKNOWN: 'no key with that id is in the key store',
  DARI_HSM_KEY_USAGE: 'the key type does not allow the operation (e.g. a ZPK used as an issuer master key)',
  DARI_HSM_KCV_MISMATCH: 'a key does not have the key check value it was declared with',
  DARI_HSM_BAD_DATA: 'an input to a cryptographic operation is malformed (length, digits, hex, field 55 TLV)',
  DARI_HSM_MISSING_TAG: 'field 55 lacks a tag the cryptogram version needs',
  DARI_HSM_PIN_INVALID: 'a PIN or PIN block is not valid (length, digits, format, or not a PIN block for this PAN)',
  DARI_HSM_MASTER_KEY: 'the HSM master key (DARI_HSM_MASTER_KEY or key file) is missing, malformed or does not open the key store',
  DARI_HSM_STORE_INVALID: 'the key store file cannot be read or written, or is not a key store',
  // --- TrustOne card-tap authentication and the participant HTTP API (never carries a PAN or key)
  DARI_TRUSTONE_INVALID_REQUEST: 'a TrustOne request field is missing or not valid (the message names the field)',
  DARI_TRUSTONE_UNKNOWN_CARD: 'no card registration with that id for this participant',
  DARI_TRUSTONE_CARD_EXISTS: 'that card (PAN and sequence number) is already registered on that device for this participant',
  DARI_TRUSTONE_STORE_UNAVAILABLE: 'the TrustOne database cannot be opened, migrated or written',
  DARI_TRUSTONE_OPTIONS_INVALID: 'TrustOne service or API options are not valid (the message names the option)',
  DARI_API_SIGNATURE_MISSING: 'a participant API request lacks X-Dari-Participant, X-Dari-Timestamp or X-Dari-Signature',
  DARI_API_UNKNOWN_PARTICIPANT: 'X-Dari-Participant names no participant of the API',
  DARI_API_SIGNATURE_INVALID: 'X-Dari-Signature is not the HMAC-SHA-256 of the request under the participant secret',
  DARI_API_TIMESTAMP_STALE: 'X-Dari-Timestamp is not epoch seconds within the replay window of the server clock',
  DARI_API_BODY_TOO_LARGE: 'the request body is larger than the API accepts',
  DARI_API_MALFORMED_BODY: 'the request body is not a JSON object',
  DARI_API_NOT_FOUND: 'no API endpoint has that path',
  DARI_API_METHOD_NOT_ALLOWED: 'the endpoint does not accept that HTTP method',
  DARI_API_IDEMPOTENCY_CONFLICT: 'the Idempotency-Key was used with another request, or its first request is still running',
  DARI_API_UNREACHABLE: 'the API server could not be reached or did not answer with JSON (client side)',
  // --- translation and ISO 20022 partners -----------------------------------------------------
  DARI_TRANSLATE_INVALID: 'a field cannot be translated (bad date, amount or currency for the target format; the message names the field)',
  DARI_TRANSLATE_UNMAPPED: 'a request has no ISO 20022 equivalent for this partner (the message names the MTI or processing code)',
  DARI_PARTNER_PROTOCOL: 'a partner answered with a message that cannot be matched or is not valid for the exchange (counted, logged, nothing applied)',
  // --- FX rates, quotes and fees --------------------------------------------------------------
  DARI_FX_CONFIG_INVALID: 'an FX rate table or fee schedule is not valid (the message names the key)',
  DARI_FX_CURRENCY_UNKNOWN: "a currency code is not in Dari's ISO 4217 table",
  DARI_FX_AMOUNT_INVALID: 'an amount is not a decimal of its currency (sign, too many decimals) or is out of range',
  DARI_FX_NO_RATE: 'no rate is configured for the currency pair, its inverse, or both legs through the pivot',
  DARI_FX_QUOTE_UNKNOWN: 'no FX quote has that id on this node (never issued, or pruned)',
  DARI_FX_QUOTE_EXPIRED: 'the FX quote has expired: re-quote or decline, never re-rate silently',
  DARI_FX_QUOTE_USED: 'the FX quote has already been used',
  // --- ISO 20022 XML codec and schema validation (the message names the element path or line) ---
  DARI_XML_MALFORMED: 'the input is not well-formed UTF-8 XML (the message gives the line)',
  DARI_XML_DOCTYPE_REFUSED: 'the input has a DOCTYPE or entity declaration (refused: XXE and entity expansion)',
  DARI_XML_TOO_LARGE: 'the input is larger than the configured maximum document size',
  DARI_XML_TOO_DEEP: 'elements are nested deeper than the configured maximum depth',
  DARI_XML_UNKNOWN_MESSAGE: 'no supported message: the Document namespace or header MsgDefIdr names another message or version',
  DARI_XML_NAMESPACE_MISMATCH: 'the header MsgDefIdr and the Document namespace name different messages',
  DARI_XML_MISSING_ELEMENT: 'a mandatory element is missing (the message names its path)',
  DARI_XML_AMOUNT_INVALID: 'an amount is not a decimal, has an unknown currency, or more decimals than its currency allows',
  DARI_XML_VALUE_INVALID: 'an element repeats more often than the schema allows, or a document to build has a field or value the message version does not define',
  DARI_XML_SCHEMA_INVALID: 'the message does not validate against its XSD (the message gives the first errors with lines)',
  DARI_XML_SCHEMA_UNAVAILABLE: 'the XSD folder or the schema file for the message is missing or cannot be compiled',
  // --- EMV merchant-presented QR (layer 1 CRC, 2 structure, 3 EMVCo rules, 4 scheme rules) ---
  DARI_QR_CRC_MISSING: 'the payload does not end with the CRC data object (6304 and 4 hex digits), or that object is not the last one',
  DARI_QR_CRC_MISMATCH: 'the CRC does not match the payload (damaged, or edited after the CRC was computed)',
  DARI_QR_TRUNCATED: 'a data object id, length or value runs past the end of the payload or of its template',
  DARI_QR_TLV_INVALID: 'a data object id or length is not two digits, or a length is 00',
  DARI_QR_DUPLICATE_ID: 'the same data object id appears twice at one level',
  DARI_QR_ORDER_INVALID: 'the payload format indicator (00) is not the first data object',
  DARI_QR_MANDATORY_MISSING: 'a mandatory data object is missing (00, a merchant account 02-51, 52, 53, 58, 59, 60, a template GUID)',
  DARI_QR_PFI_INVALID: 'the payload format indicator (00) is not "01" (or a value the recognised scheme allows)',
  DARI_QR_POI_INVALID: 'the point of initiation (01) is neither "11" (static) nor "12" (dynamic)',
  DARI_QR_AMOUNT_INVALID: 'an amount (54, 56) or fee percentage (57) is malformed or has more decimals than the currency',
  DARI_QR_TIP_INVALID: 'the tip or convenience indicator (55) is not 01-03, or 56/57 do not match it',
  DARI_QR_FIELD_INVALID: 'a data object breaks its EMVCo format or maximum length (the message names the id)',
  DARI_QR_SCHEME_RULE: 'the payload breaks a rule of its national scheme (the message names the scheme and the rule)',
  DARI_QR_BUILD_INVALID: 'data objects to build are not of the expected shape (two-digit ids, string or template values of 1-99 characters)',
  // --- command line ------------------------------------------------------------------------
  DARI_CLI_USAGE: 'the command line is not valid (unknown command or option, missing value)',
  DARI_CLI_INPUT: 'an input line is not valid hex or JSON',
  // --- anything else -----------------------------------------------------------------------
  DARI_INTERNAL_ERROR: 'an unexpected failure inside Dari (a bug: please report it with the command that caused it)',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  /** ISO 8583 data element number (or "48.2" for a subfield) the error is about. */
  field?: number | string;
  /** Byte offset in the input where the problem was found. */
  offset?: number;
}

export class DariError extends Error {
  readonly code: ErrorCode;
  readonly field: number | string | undefined;
  readonly offset: number | undefined;

  constructor(code: ErrorCode, message: string, detail: ErrorDetail = {}) {
    super(message);
    this.name = 'DariError';
    this.code = code;
    this.field = detail.field;
    this.offset = detail.offset;
  }

  /** One line, as printed on stderr by the CLI: `CODE: message`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }

  toJSON(): { code: ErrorCode; message: string; field?: number | string; offset?: number } {
    const out: { code: ErrorCode; message: string; field?: number | string; offset?: number } = {
      code: this.code,
      message: this.message,
    };
    if (this.field !== undefined) out.field = this.field;
    if (this.offset !== undefined) out.offset = this.offset;
    return out;
  }
}

export function isDariError(e: unknown): e is DariError {
  return e instanceof DariError;
}
