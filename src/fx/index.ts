/** FX rates, locked quotes and fee schedules: the public surface of src/fx. */
export { MAX_MINOR, currency, formatAmount, parseAmount, type Currency } from './currencies';
export { RATE_DECIMALS, RateTable, convert, type AppliedRate, type RatePair, type RateTableOptions } from './rates';
export { QuoteBook, quoteToJson, type Quote, type QuoteBookOptions, type QuoteRequest } from './quotes';
export { FeeSchedule, type FeeInput, type FeeResult, type FeeRule, type FeeScheduleOptions } from './fees';
export { loadFxFile, parseFeeSection, parseFxFile, parseFxSection, type FxFile, type FxSection } from './config';
