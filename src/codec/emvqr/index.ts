/** EMV merchant-presented QR codec: the public surface. */
export { parseQr, inspectQr, type QrVerdict } from './parse';
export { buildQr } from './build';
export { recogniseScheme, SCHEMES } from './schemes';
export { maskCardData, cardDataPaths } from './mask';
export { crc16Utf8, crc16Bytes, crcHex } from './crc';
export type { ParsedQr, QrFields, QrValue, SchemeProfile, SchemeMatch, FieldRule } from './model';
