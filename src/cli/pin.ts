/**
 * `dari pin encode|decode|translate`: ISO 9564-1 PIN blocks, format 0 (3DES) and format 4 (AES).
 *
 * A key is given in clear (--key HEX with --format, for test keys) or by id from a key store
 * (--zpk ID with --store; the format follows the key: 3DES -> 0, AES -> 4). `decode` prints the
 * PIN masked unless --unmasked; `translate` never sees the PIN outside the HSM code.
 */
import { translatePinBlock, decodePinBlock, encodePinBlock, type PinBlockFormat } from '../security/hsm/pin-block';
import { hexArg, toHex } from '../security/hsm/primitives';
import { openStore } from './keys';
import { dispatch, parseOptions, usage, type Io } from './io';

export const PIN_HELP = `Usage (KEY is --key HEX [--format 0|4] for a clear test key, or --zpk ID --store FILE for a stored ZPK):
  dari pin encode KEY --pin DIGITS --pan DIGITS                        prints the encrypted PIN block
  dari pin decode KEY --block HEX --pan DIGITS [--unmasked]            checks a PIN block; prints the PIN masked (clear with --unmasked)
  dari pin translate FROM TO --block HEX --pan DIGITS                  re-encrypts a PIN block; the PIN is never printed
      FROM = --from-key HEX [--from-format 0|4] | --from-zpk ID;  TO = --to-key HEX [--to-format 0|4] | --to-zpk ID

  --format    0: ISO 9564-1 format 0 under a 3DES key (default); 4: format 4 under an AES key
  --store     key store file (master key: DARI_HSM_MASTER_KEY, else --master-key-file FILE)`;

const KEY_OPTIONS = {
  key: { type: 'string' }, format: { type: 'string' }, zpk: { type: 'string' },
  store: { type: 'string' }, 'master-key-file': { type: 'string' },
  pin: { type: 'string' }, pan: { type: 'string' }, block: { type: 'string' }, unmasked: { type: 'boolean' },
  'from-key': { type: 'string' }, 'from-format': { type: 'string' }, 'from-zpk': { type: 'string' },
  'to-key': { type: 'string' }, 'to-format': { type: 'string' }, 'to-zpk': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseOptions<typeof KEY_OPTIONS>>['values'];

function format(v: string | undefined, name: string): PinBlockFormat {
  if (v === undefined || v === '0') return 0;
  if (v === '4') return 4;
  throw usage(`--${name} must be 0 or 4`);
}

/** A clear key and format from --KEY/--FORMAT, or the key store entry named by --ZPK (kept inside the HSM). */
type KeyRef = { clear: { key: Buffer; format: PinBlockFormat } } | { zpk: string };

function keyRef(values: Values, prefix: '' | 'from-' | 'to-'): KeyRef {
  const key = values[`${prefix}key`];
  const zpk = values[`${prefix}zpk`];
  if ((key === undefined) === (zpk === undefined)) throw usage(`give one of --${prefix}key HEX or --${prefix}zpk ID`);
  if (zpk !== undefined) {
    if (values[`${prefix}format`] !== undefined) throw usage(`--${prefix}format goes with --${prefix}key (a stored ZPK has its own format)`);
    return { zpk };
  }
  return { clear: { key: hexArg(key as string, `--${prefix}key`), format: format(values[`${prefix}format`], `${prefix}format`) } };
}

function pan(values: Values): string {
  if (!values.pan) throw usage('--pan is needed');
  return values.pan;
}

function block(values: Values): Buffer {
  if (!values.block) throw usage('--block is needed');
  return hexArg(values.block, '--block');
}

export async function pinCommand(args: string[], io: Io): Promise<number> {
  return dispatch('pin', args, io, PIN_HELP, { encode, decode, translate });
}

function translate(args: string[], io: Io): number {
  const { values } = parseOptions(args, KEY_OPTIONS);
  const from = keyRef(values, 'from-');
  const to = keyRef(values, 'to-');
  const p = { pinBlock: block(values), pan: pan(values) };
  if ('clear' in from && 'clear' in to) {
    io.out(toHex(translatePinBlock({ from: from.clear, to: to.clear, block: p.pinBlock, pan: p.pan })));
  } else if ('zpk' in from && 'zpk' in to) {
    io.out(toHex(openStore(values, io).translatePin({ fromKeyId: from.zpk, toKeyId: to.zpk, ...p })));
  } else {
    throw usage('translate takes two clear keys or two stored ZPKs');
  }
  return 0;
}

function encode(args: string[], io: Io): number {
  const { values } = parseOptions(args, KEY_OPTIONS);
  const ref = keyRef(values, '');
  if (!values.pin) throw usage('--pin is needed');
  const out = 'clear' in ref
    ? encodePinBlock(ref.clear.key, ref.clear.format, values.pin, pan(values))
    : openStore(values, io).encryptPin({ zpkId: ref.zpk, pin: values.pin, pan: pan(values) });
  io.out(toHex(out));
  return 0;
}

function decode(args: string[], io: Io): number {
  const { values } = parseOptions(args, KEY_OPTIONS);
  const ref = keyRef(values, '');
  if (!('clear' in ref)) throw usage('decode takes a clear test key (--key); a stored ZPK never gives the PIN out');
  const pin = decodePinBlock(ref.clear.key, ref.clear.format, block(values), pan(values));
  io.out(values.unmasked ? pin : '*'.repeat(pin.length));
  return 0;
}
