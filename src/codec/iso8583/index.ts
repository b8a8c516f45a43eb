/** ISO 8583 codec: the public surface. */
export { Iso8583Codec, splitSubfields, type Iso8583Message } from './codec';
export { compileDialect, CARD_DATA_FIELDS, type CompiledDialect, type CompiledField, type DialectJson, type FieldSpecJson } from './spec';
export { BUILTIN_DIALECTS, builtinDialect, loadDialect, dialectFromJson, isBuiltinDialect } from './dialects';
export { decodeTlv, encodeTlv, checkTlv, type TlvItem } from './tlv';
