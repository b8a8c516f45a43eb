/**
 * `dari emv mk|sk|arqc|arpc`: EMV Book 2 annex A1 computations on clear test keys, for payment
 * engineers checking a card or a host. Output is uppercase hex; the PAN is never printed.
 */
import {
  arpcMethod1, arpcMethod2, computeArqc, computeArqcAes, deriveIccMasterKey, deriveIccMasterKeyAes,
  deriveSessionKeyCommon, deriveSessionKeyCommonAes, deriveSessionKeyMastercard, expectedArqc, isCvnId,
  parseIcc, type CvnId,
} from '../security/hsm/emv';
import { macEquals } from '../security/hsm/mac';
import { hexArg, toHex } from '../security/hsm/primitives';
import { dispatch, parseOptions, usage, type Io } from './io';

export const EMV_HELP = `Usage (keys and data as hex; output uppercase hex):
  dari emv mk --imk HEX --pan DIGITS --psn NN --option a|b [--aes]    ICC master key (Book 2 A1.4.1 / A1.4.2; --aes: AES variant)
  dari emv sk --mk HEX --atc HEX [--un HEX] [--aes]                   session key: EMV common (A1.3.1), or Mastercard with --un
  dari emv arqc --sk HEX --data HEX [--padding emv|visa] [--aes]      cryptogram over data (ISO 9797-1 alg 3; --aes: AES-CMAC)
  dari emv arqc --imk HEX --pan DIGITS --psn NN --cvn CVN --icc TLVHEX [--verify HEX]
                                                                      the ARQC a card of that CVN computes over field 55;
                                                                      with --verify, exit 0 when it matches, 1 when not
  dari emv arpc --key HEX --arqc HEX (--arc HEX | --csu HEX [--prop HEX])   ARPC method 1 (--arc) or method 2 (--csu)

  CVN         10, 18, 22 (Visa) or 16, 17, 20 (Mastercard)`;

const CVN_BY_NUMBER: Readonly<Record<string, CvnId>> = { 10: 'visa10', 18: 'visa18', 22: 'visa22', 16: 'mc16', 17: 'mc17', 20: 'mc20' };

function required(v: string | undefined, name: string, sub: string): string {
  if (v === undefined || v === '') throw usage(`emv ${sub} needs --${name}`);
  return v;
}

function mk(args: string[], io: Io): number {
  const { values } = parseOptions(args, { imk: { type: 'string' }, pan: { type: 'string' }, psn: { type: 'string' }, option: { type: 'string' }, aes: { type: 'boolean' } });
  const imk = hexArg(required(values.imk, 'imk', 'mk'), '--imk');
  const pan = required(values.pan, 'pan', 'mk');
  const psn = values.psn ?? '00';
  if (values.aes) {
    io.out(toHex(deriveIccMasterKeyAes(imk, pan, psn)));
    return 0;
  }
  const option = values.option ?? 'a';
  if (option !== 'a' && option !== 'b') throw usage('--option must be a or b');
  io.out(toHex(deriveIccMasterKey(imk, pan, psn, option)));
  return 0;
}

function sk(args: string[], io: Io): number {
  const { values } = parseOptions(args, { mk: { type: 'string' }, atc: { type: 'string' }, un: { type: 'string' }, aes: { type: 'boolean' } });
  const key = hexArg(required(values.mk, 'mk', 'sk'), '--mk');
  const atc = hexArg(required(values.atc, 'atc', 'sk'), '--atc');
  if (values.aes) {
    if (values.un !== undefined) throw usage('--un does not apply with --aes');
    io.out(toHex(deriveSessionKeyCommonAes(key, atc)));
  } else {
    io.out(toHex(values.un !== undefined ? deriveSessionKeyMastercard(key, atc, hexArg(values.un, '--un')) : deriveSessionKeyCommon(key, atc)));
  }
  return 0;
}

function arqc(args: string[], io: Io): number {
  const { values } = parseOptions(args, {
    sk: { type: 'string' }, data: { type: 'string' }, padding: { type: 'string' }, aes: { type: 'boolean' },
    imk: { type: 'string' }, pan: { type: 'string' }, psn: { type: 'string' }, cvn: { type: 'string' }, icc: { type: 'string' },
    verify: { type: 'string' },
  });
  let out: Buffer;
  if (values.sk !== undefined) {
    if (values.imk !== undefined || values.icc !== undefined) throw usage('give either --sk and --data, or --imk, --pan, --cvn and --icc');
    const key = hexArg(values.sk, '--sk');
    const data = hexArg(required(values.data, 'data', 'arqc'), '--data');
    if (values.aes) {
      out = computeArqcAes(key, data);
    } else {
      const padding = values.padding ?? 'emv';
      if (padding !== 'emv' && padding !== 'visa') throw usage('--padding must be emv or visa');
      out = computeArqc(key, data, padding);
    }
  } else {
    const imk = hexArg(required(values.imk, 'imk', 'arqc'), '--imk');
    const pan = required(values.pan, 'pan', 'arqc');
    const cvnArg = required(values.cvn, 'cvn', 'arqc');
    const cvn = CVN_BY_NUMBER[cvnArg] ?? (isCvnId(cvnArg) ? cvnArg : undefined);
    if (cvn === undefined) throw usage('--cvn must be 10, 18, 22, 16, 17 or 20');
    const icc = parseIcc(hexArg(required(values.icc, 'icc', 'arqc'), '--icc'));
    out = expectedArqc({ imk, pan, psn: values.psn ?? '00', cvn, icc });
  }
  io.out(toHex(out));
  if (values.verify === undefined) return 0;
  if (macEquals(out, hexArg(values.verify, '--verify', 8))) return 0;
  io.err('ARQC does not match --verify');
  return 1;
}

function arpc(args: string[], io: Io): number {
  const { values } = parseOptions(args, { key: { type: 'string' }, arqc: { type: 'string' }, arc: { type: 'string' }, csu: { type: 'string' }, prop: { type: 'string' } });
  const key = hexArg(required(values.key, 'key', 'arpc'), '--key');
  const cryptogram = hexArg(required(values.arqc, 'arqc', 'arpc'), '--arqc');
  if ((values.arc === undefined) === (values.csu === undefined)) throw usage('emv arpc needs --arc (method 1) or --csu (method 2)');
  if (values.arc !== undefined) {
    if (values.prop !== undefined) throw usage('--prop goes with --csu (method 2)');
    io.out(toHex(arpcMethod1(key, cryptogram, hexArg(values.arc, '--arc'))));
  } else {
    io.out(toHex(arpcMethod2(key, cryptogram, hexArg(values.csu as string, '--csu'), hexArg(values.prop ?? '', '--prop'))));
  }
  return 0;
}

export async function emvCommand(args: string[], io: Io): Promise<number> {
  return dispatch('emv', args, io, EMV_HELP, { mk, sk, arqc, arpc });
}
