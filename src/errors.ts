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
  DARI_LINK_OPTIONS_INVALID: 'link or pool options are inconsistent (the message names the option)',
  DARI_JOURNAL_UNAVAILABLE: 'the journal database cannot be opened or reached',
  DARI_JOURNAL_MIGRATION_FAILED: 'a journal schema migration failed (the message names the version)',
  DARI_CONFIG_INVALID: 'the configuration file is not valid (the message names the key)',
  DARI_CONFIG_NOT_FOUND: 'the configuration file does not exist or cannot be read',
  DARI_SWITCH_INVALID_REQUEST: 'a request lacks a field its message class needs (answered with field 39 = 30)',
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
