/** ISO 20022 codec: the public surface. The typed model is in ./types, the ISO 4217 table in ./currencies. */
export { parseMessage, checkMessage, type ParseOptions } from './parse';
export { buildMessage, buildDocument, buildHeader, type BuildOptions } from './build';
export { summarize, type MessageSummary, type TransactionSummary, type PartySummary } from './summary';
export { SchemaValidator, type SchemaValidatorOptions, type ValidationResult, type SchemaError } from './validator';
export { DEFAULT_LIMITS, type XmlLimits, type CheckedXml, type XmlNode } from './guard';
export { MESSAGE_TYPES, HEADER_TYPES, isMessageType, isHeaderType } from './messages';
export { CURRENCIES, currencyByAlpha, currencyByNumeric, type Currency } from './currencies';
export type * from './types';
