/** The software HSM: key store, PIN blocks, MACs and EMV cryptograms (see each module for the standard it follows). */
export { SoftwareHsm, openSoftwareHsm, combineComponents, type Hsm, type ArqcRequest, type ArqcVerdict, type ArqcFailure, type SoftwareHsmOptions, type OpenHsmOptions } from './hsm';
export * from './emv';
export { keyCheckValue, wrapUnderZmk, unwrapUnderZmk, isKeyType, isKeyAlgorithm, KEY_TYPES, KEY_ALGORITHMS, type KeyInfo, type KeyType, type KeyAlgorithm } from './keys';
export { retailMac, aesCmac, padIso9797, macEquals, type MacPadding } from './mac';
export { encodePinBlock, decodePinBlock, translatePinBlock, clearPinBlock0, readClearPinBlock0, type PinBlockFormat } from './pin-block';
export { signIso8583, verifyIso8583, macFieldFor } from './iso8583-mac';
