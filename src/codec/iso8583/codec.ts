/**
 * ISO 8583 pack and unpack, driven by a compiled dialect.
 *
 * unpack reads from a cursor over the bytes it is given and copies only the field values it turns
 * into strings; every check (lengths against their maximum, content classes, bitmap against the
 * dialect, no trailing bytes) happens in the same single pass. Any input either yields a message or
 * a DariError with a DARI_CODEC_* code, the field number and the byte offset, and never the value
 * of a card-data field.
 *
 * pack writes into a reusable scratch buffer in one pass (validating each character as it writes
 * it) and copies the result out once.
 */
// Imported, not the global: in Node 20 the global `Buffer` is an accessor, called on every use.
import { Buffer } from 'node:buffer';
import { DariError, type ErrorCode } from '../../errors';
import { ASCII_TO_EBCDIC, BCD_PAIR, CLASS_NAMES, CLASS_REGEX, CLASS_TABLES, EBCDIC_TO_ASCII, HEX_VALUE } from './charsets';
import { Cls, Enc, PEnc, type CompiledDialect, type CompiledField, encodedSize } from './spec';
import { checkTlv, upperHexTlvWalk } from './tlv';
import { compileFastUnpack, type FastHost, type FastUnpack } from './fast';


/** A message as the JSON the CLI prints: values are strings exactly as carried; binary as uppercase hex. */
export interface Iso8583Message {
  mti: string;
  fields: Record<string, string>;
  /** The dialect's fixed header, when it has one (text, or uppercase hex for a binary header). */
  header?: string;
}

/**
 * Node's Buffer has direct latin1/hex slice bindings (used by `toString` after argument checks);
 * the hot path calls them directly. Present on every Buffer since Node 0.x, not in @types/node.
 */
type B = Buffer & { latin1Slice(start: number, end: number): string; hexSlice(start: number, end: number): string };

const enum Limits {
  /** Largest message pack will build (the biggest 4-byte framed message we accept is far smaller). */
  MaxPacked = 1 << 24,
}

const UPPER_HEX = /^[0-9A-F]*$/;
/** From this many bytes a binary value given as hex is decoded by Node's native decoder on pack. */
const NATIVE_HEX_MIN_BYTES = 24;
const REGEX_MIN = 24;
const ANY_HEX = /^[0-9A-Fa-f]*$/;

function fail(code: ErrorCode, message: string, field: number | string | undefined, offset: number): never {
  throw new DariError(code, message, field === undefined ? { offset } : { field, offset });
}

function label(f: CompiledField): string {
  return `field ${f.no} (${f.name})`;
}

/** Describe a bad byte without revealing card data. */
function badByte(f: CompiledField, byte: number): string {
  if (f.sensitive) return 'a character';
  if (byte >= 0x21 && byte <= 0x7e) return `'${String.fromCharCode(byte)}'`;
  return `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

function asBuffer(input: Uint8Array): B {
  return (Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)) as B;
}

export class Iso8583Codec {
  readonly dialect: CompiledDialect;
  private scratch: Buffer = Buffer.allocUnsafe(4096);
  /** Field numbers of the message being packed, in order (reused). */
  private readonly nos = new Int32Array(193);
  /** The message being unpacked as one latin1 string, when the dialect has character or hex fields. */
  private text = '';
  private textStart = 0;
  /** Whether any field is carried as ASCII characters or ASCII hex (then one latin1 view serves them all). */
  private readonly asciiFields: boolean;
  /** The dialect compiled to a specialised accept-only unpacker (see fast.ts); null if unavailable. */
  private readonly fast: FastUnpack | null;

  constructor(dialect: CompiledDialect) {
    this.dialect = dialect;
    this.asciiFields = dialect.fields.some((f) => f !== undefined && (f.enc === Enc.ASCII || f.enc === Enc.HEX));
    this.fast = compileFastUnpack(dialect, this as unknown as FastHost);
  }

  get name(): string {
    return this.dialect.name;
  }

  // ------------------------------------------------------------------------------------------------
  // unpack

  /**
   * Decode one message from `input[start, end)`. The whole range must be exactly one message.
   * Offsets in errors are relative to `start`.
   */
  unpack(input: Uint8Array, start = 0, end = input.length): Iso8583Message {
    const fast = this.fast;
    if (fast !== null) {
      // The fast path only answers for inputs it proves valid; anything else (including its own
      // exceptions) goes to the generic path, which gives the message or the precise error.
      let m: Iso8583Message | null = null;
      try {
        m = fast(asBuffer(input), start, end);
      } catch {
        m = null;
      }
      if (m !== null) return m;
    }
    return this.unpackInto(input, start, end, {}, true);
  }

  /** The generic unpacker alone (no specialised fast path): the reference the fast path is tested against. */
  unpackGeneric(input: Uint8Array, start = 0, end = input.length): Iso8583Message {
    return this.unpackInto(input, start, end, {}, true);
  }

  /** The specialised fast path alone: the message, or null where it defers to the generic path (tests). */
  unpackFastOnly(input: Uint8Array, start = 0, end = input.length): Iso8583Message | null {
    return this.fast === null ? null : this.fast(asBuffer(input), start, end);
  }

  /**
   * What can be read of a message that does not decode: the MTI and the fields before the first
   * bad one (to answer a format error with the originator's key fields). Never throws.
   */
  salvage(input: Uint8Array, start = 0, end = input.length): { mti: string | undefined; fields: Record<string, string>; error: DariError | undefined } {
    const fields: Record<string, string> = {};
    try {
      const m = this.unpackInto(input, start, end, fields, false);
      return { mti: m.mti, fields: m.fields, error: undefined };
    } catch (e) {
      const error = e instanceof DariError ? e : new DariError('DARI_INTERNAL_ERROR', String(e));
      return { mti: this.peekMti(asBuffer(input), start, end), fields, error };
    }
  }

  /** The MTI when the first bytes after the header are four digits in the dialect's encoding. */
  peekMti(buf: Buffer, start: number, end: number): string | undefined {
    const d = this.dialect;
    const o = start + d.headerLength;
    if (d.mtiEnc === Enc.BCD) {
      if (end - o < 2) return undefined;
      const m = (BCD_PAIR[buf[o] as number] as string) + (BCD_PAIR[buf[o + 1] as number] as string);
      return m.length === 4 ? m : undefined;
    }
    if (end - o < 4) return undefined;
    let m = '';
    for (let i = 0; i < 4; i++) {
      const c = d.mtiEnc === Enc.EBCDIC ? (EBCDIC_TO_ASCII[buf[o + i] as number] as number) : (buf[o + i] as number);
      if (c < 0x30 || c > 0x39) return undefined;
      m += String.fromCharCode(c);
    }
    return m;
  }

  /** `presize`: give the fields object its final element capacity first (one allocation instead of several). */
  private unpackInto(input: Uint8Array, start: number, end: number, fields: Record<string, string>, presize: boolean): Iso8583Message {
    const buf = asBuffer(input);
    const d = this.dialect;
    let o = start;
    let header: string | undefined;
    if (d.headerLength > 0) {
      if (end - o < d.headerLength) fail('DARI_CODEC_TRUNCATED', `message ends inside the ${d.headerLength}-byte header`, undefined, end - start);
      header = this.readHeader(buf, o, start);
      o += d.headerLength;
    }
    // MTI
    let mti: string;
    if (d.mtiEnc === Enc.BCD) {
      if (end - o < 2) fail('DARI_CODEC_TRUNCATED', 'message ends inside the MTI', undefined, o - start);
      const a = BCD_PAIR[buf[o] as number] as string;
      const b = BCD_PAIR[buf[o + 1] as number] as string;
      if (a === '' || b === '') fail('DARI_CODEC_MTI_INVALID', 'MTI is not 4 BCD digits', undefined, o - start);
      mti = a + b;
      o += 2;
    } else {
      if (end - o < 4) fail('DARI_CODEC_TRUNCATED', 'message ends inside the MTI', undefined, o - start);
      let m = '';
      for (let i = 0; i < 4; i++) {
        let c = buf[o + i] as number;
        if (d.mtiEnc === Enc.EBCDIC) c = EBCDIC_TO_ASCII[c] as number;
        if (c < 0x30 || c > 0x39) fail('DARI_CODEC_MTI_INVALID', `MTI character ${i + 1} is not a digit`, undefined, o + i - start);
        m += String.fromCharCode(c);
      }
      mti = m;
      o += 4;
    }
    // Bitmaps: up to three, 64 bits each, held as six 32-bit words.
    const words = [0, 0, 0, 0, 0, 0];
    let nbm = 1;
    for (let bm = 0; bm < nbm; bm++) {
      const bmStart = o;
      if (d.bitmapHex) {
        if (end - o < 16) fail('DARI_CODEC_TRUNCATED', `message ends inside bitmap ${bm + 1}`, undefined, o - start);
        for (let w = 0; w < 2; w++) {
          let v = 0;
          for (let i = 0; i < 8; i++) {
            let c = buf[o++] as number;
            if (d.bitmapEbcdic) c = EBCDIC_TO_ASCII[c] as number;
            const h = HEX_VALUE[c] as number;
            if (h === 255) fail('DARI_CODEC_BITMAP_INVALID', `bitmap ${bm + 1} character ${w * 8 + i + 1} is not a hex digit`, undefined, o - 1 - start);
            v = (v << 4) | h;
          }
          words[bm * 2 + w] = v;
        }
      } else {
        if (end - o < 8) fail('DARI_CODEC_TRUNCATED', `message ends inside bitmap ${bm + 1}`, undefined, o - start);
        words[bm * 2] = buf.readInt32BE(o);
        words[bm * 2 + 1] = buf.readInt32BE(o + 4);
        o += 8;
      }
      if (bm > 0 && words[bm * 2] === 0 && words[bm * 2 + 1] === 0) {
        fail('DARI_CODEC_BITMAP_INVALID', `bitmap ${bm + 1} is flagged but announces no field`, undefined, bmStart - start);
      }
      // Bit 1 flags the secondary bitmap; in a tertiary dialect bit 65 flags the third.
      if (bm === 0 && ((words[0] as number) & 0x80000000) !== 0) nbm = 2;
      if (bm === 1 && d.tertiary && ((words[2] as number) & 0x80000000) !== 0) nbm = 3;
    }
    if (presize) {
      for (let w = nbm * 2 - 1; w >= 0; w--) {
        const bits = words[w] as number;
        if (bits !== 0) {
          const highest = w * 32 + Math.clz32(bits & -bits) + 1;
          if (highest > 1) fields[highest] = '';
          break;
        }
      }
    }
    if (this.asciiFields) {
      this.text = buf.latin1Slice(start, end);
      this.textStart = start;
    }
    for (let w = 0; w < nbm * 2; w++) {
      let bits = words[w] as number;
      while (bits !== 0) {
        const z = Math.clz32(bits);
        bits ^= 0x80000000 >>> z;
        const no = w * 32 + z + 1;
        if (no === 1 || (no === 65 && d.tertiary)) continue;
        const f = d.fields[no];
        if (f === undefined) fail('DARI_CODEC_UNKNOWN_FIELD', `bitmap announces field ${no}, which dialect ${d.name} does not define`, no, o - start);
        o = this.readField(buf, o, end, start, f, fields);
      }
    }
    if (o !== end) fail('DARI_CODEC_TRAILING_BYTES', `${end - o} byte(s) after the last field`, undefined, o - start);
    const msg: Iso8583Message = header === undefined ? { mti, fields } : { mti, fields, header };
    return msg;
  }

  private readHeader(buf: B, o: number, start: number): string {
    const d = this.dialect;
    const n = d.headerLength;
    if (d.headerEnc === Enc.BINARY) return buf.hexSlice(o, o + n).toUpperCase();
    let s = '';
    for (let i = 0; i < n; i++) {
      let c = buf[o + i] as number;
      if (d.headerEnc === Enc.EBCDIC) c = EBCDIC_TO_ASCII[c] as number;
      if (c < 0x20 || c > 0x7e) fail('DARI_CODEC_HEADER_INVALID', `header byte ${i + 1} is not a printable character`, undefined, o + i - start);
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** Read the length prefix at `o`; returns the declared length. */
  private readPrefix(buf: B, o: number, end: number, start: number, f: CompiledField): number {
    if (end - o < f.prefixBytes) fail('DARI_CODEC_TRUNCATED', `message ends inside the length prefix of ${label(f)}`, f.no, o - start);
    let len = 0;
    switch (f.penc) {
      case PEnc.ASCII:
      case PEnc.EBCDIC: {
        // One digit per byte: '0'-'9' are 0x30-0x39 in ASCII, 0xF0-0xF9 in EBCDIC.
        const zero = f.penc === PEnc.ASCII ? 0x30 : 0xf0;
        for (let i = 0; i < f.prefixBytes; i++) {
          const c = (buf[o + i] as number) - zero;
          if (c < 0 || c > 9) fail('DARI_CODEC_LENGTH_INVALID', `length prefix of ${label(f)} is not ${f.prefixDigits} ${f.penc === PEnc.ASCII ? 'ASCII' : 'EBCDIC'} digits`, f.no, o + i - start);
          len = len * 10 + c;
        }
        return len;
      }
      case PEnc.BCD:
        for (let i = 0; i < f.prefixBytes; i++) {
          const b = buf[o + i] as number;
          const hi = b >> 4;
          const lo = b & 15;
          if (hi > 9 || lo > 9) fail('DARI_CODEC_LENGTH_INVALID', `length prefix of ${label(f)} is not BCD`, f.no, o + i - start);
          len = len * 100 + hi * 10 + lo;
        }
        return len;
      default:
        for (let i = 0; i < f.prefixBytes; i++) len = len * 256 + (buf[o + i] as number);
        return len;
    }
  }

  private readField(buf: B, o: number, end: number, start: number, f: CompiledField, out: Record<string, string>): number {
    const fieldStart = o;
    let units = f.length;
    let size: number;
    if (f.prefixDigits > 0) {
      const declared = this.readPrefix(buf, o, end, start, f);
      o += f.prefixBytes;
      if (f.countsBytes) {
        size = declared;
        units = this.unitsFromBytes(f, declared);
        if (units < 0) fail('DARI_CODEC_LENGTH_INVALID', `${label(f)} declares ${declared} bytes, which is not a whole number of units`, f.no, fieldStart - start);
      } else {
        units = declared;
        size = encodedSize(f, units);
      }
      if (units > f.length) fail('DARI_CODEC_LENGTH_EXCEEDS_MAX', `${label(f)} declares length ${units}, above its maximum ${f.length}`, f.no, fieldStart - start);
    } else {
      size = encodedSize(f, units);
    }
    if (end - o < size) fail('DARI_CODEC_TRUNCATED', `message ends inside ${label(f)}: ${size} byte(s) needed, ${end - o} left`, f.no, o - start);
    let value: string;
    switch (f.enc) {
      case Enc.ASCII: value = this.readChars(buf, o, size, f, start, false); break;
      case Enc.EBCDIC: value = this.readChars(buf, o, size, f, start, true); break;
      case Enc.BCD: value = this.readBcd(buf, o, units, f, start); break;
      case Enc.BINARY: value = buf.hexSlice(o, o + size).toUpperCase(); break;
      default: value = this.readHex(buf, o, size, f, start); break;
    }
    if (f.tlv) {
      const hex = f.enc === Enc.HEX;
      const bad = checkTlv(buf, o, o + size, hex);
      if (bad >= 0) fail('DARI_CODEC_TLV_MALFORMED', `${label(f)}: TLV item at byte ${bad} of the value is incomplete or malformed`, f.no, o + (hex ? 2 * bad : bad) - start);
    }
    if (f.subfields !== null) checkSubfields(f, value, o - start);
    out[f.no] = value;
    return o + size;
  }

  private unitsFromBytes(f: CompiledField, bytes: number): number {
    switch (f.enc) {
      case Enc.BCD: return f.cls === Cls.XN ? (bytes - 1) * 2 : bytes * 2;
      case Enc.HEX: return bytes % 2 === 0 ? bytes / 2 : -1;
      default: return f.cls === Cls.XN ? bytes - 1 : bytes;
    }
  }

  private readChars(buf: B, o: number, size: number, f: CompiledField, start: number, ebcdic: boolean): string {
    const table = CLASS_TABLES[f.cls] as Uint8Array;
    let i = 0;
    if (f.cls === Cls.XN) {
      const s = ebcdic ? (EBCDIC_TO_ASCII[buf[o] as number] as number) : (buf[o] as number);
      if (s !== 0x43 && s !== 0x44) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: sign is not C or D`, f.no, o - start);
      i = 1;
    }
    if (!ebcdic) {
      const from = o - this.textStart;
      const value = this.text.slice(from, from + size);
      // Long values: one compiled regular expression per class beats a byte loop; short ones: the loop.
      if (size >= REGEX_MIN && i === 0 && (CLASS_REGEX[f.cls] as RegExp).test(value)) return value;
      for (; i < size; i++) {
        const c = buf[o + i] as number;
        if (table[c] === 0) this.badChar(f, c, i, o + i - start);
      }
      return value;
    }
    let s = i === 1 ? String.fromCharCode(EBCDIC_TO_ASCII[buf[o] as number] as number) : '';
    for (; i < size; i++) {
      const c = EBCDIC_TO_ASCII[buf[o + i] as number] as number;
      if (c === 0 || table[c] === 0) this.badChar(f, c === 0 ? (buf[o + i] as number) : c, i, o + i - start);
      s += String.fromCharCode(c);
    }
    return s;
  }

  private badChar(f: CompiledField, c: number, pos: number, offset: number): never {
    fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: ${badByte(f, c)} at position ${pos + 1} is not allowed in class ${CLASS_NAMES[f.cls]}`, f.no, offset);
  }

  private readBcd(buf: B, o: number, units: number, f: CompiledField, start: number): string {
    let s = '';
    let p = o;
    if (f.cls === Cls.XN) {
      const sign = buf[p] as number;
      if (sign !== 0x43 && sign !== 0x44) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: sign is not C or D`, f.no, p - start);
      s = sign === 0x43 ? 'C' : 'D';
      p++;
    }
    const track = f.cls === Cls.Z;
    const odd = (units & 1) === 1;
    const bytes = (units + 1) >> 1;
    for (let i = 0; i < bytes; i++) {
      const b = buf[p + i] as number;
      const pair = BCD_PAIR[b] as string;
      const firstIsPad = odd && !f.padRight && i === 0;
      const lastIsPad = odd && f.padRight && i === bytes - 1;
      if (pair !== '' && !firstIsPad && !lastIsPad) {
        s += pair;
        continue;
      }
      const hi = b >> 4;
      const lo = b & 15;
      if (firstIsPad) {
        if (hi !== f.padNibble) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: pad nibble is not ${f.padNibble.toString(16).toUpperCase()}`, f.no, p + i - start);
        s += this.bcdDigit(f, lo, track, 2 * i + 2, p + i - start);
      } else if (lastIsPad) {
        if (lo !== f.padNibble) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: pad nibble is not ${f.padNibble.toString(16).toUpperCase()}`, f.no, p + i - start);
        s += this.bcdDigit(f, hi, track, 2 * i + 1, p + i - start);
      } else {
        s += this.bcdDigit(f, hi, track, 2 * i + 1, p + i - start) + this.bcdDigit(f, lo, track, 2 * i + 2, p + i - start);
      }
    }
    return s;
  }

  private bcdDigit(f: CompiledField, nibble: number, track: boolean, pos: number, offset: number): string {
    if (nibble <= 9) return String.fromCharCode(0x30 + nibble);
    if (track && nibble === 0xd) return 'D';
    fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: ${f.sensitive ? 'a nibble' : `nibble ${nibble.toString(16).toUpperCase()}`} at digit ${pos} is not a decimal digit`, f.no, offset);
  }

  private readHex(buf: B, o: number, size: number, f: CompiledField, start: number): string {
    const from = o - this.textStart;
    const s = this.text.slice(from, from + size);
    // Irregexp checks long runs several times faster than a byte loop; the loop only names the culprit.
    if (UPPER_HEX.test(s)) return s;
    if (ANY_HEX.test(s)) return s.toUpperCase();
    for (let i = 0; i < size; i++) {
      const c = buf[o + i] as number;
      if (HEX_VALUE[c] === 255) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: ${badByte(f, c)} at position ${i + 1} is not a hex digit`, f.no, o + i - start);
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------------
  // pack

  /** Encode a message. Returns a new Buffer holding exactly the message. */
  pack(msg: Iso8583Message): Buffer {
    const n = this.packScratch(msg);
    const out = Buffer.allocUnsafe(n);
    this.scratch.copy(out, 0, 0, n);
    return out;
  }

  /** Encode into `target` at `offset` (for writers that reserve a frame header). Returns the bytes written. */
  packInto(msg: Iso8583Message, target: Buffer, offset: number): number {
    const n = this.packScratch(msg);
    if (target.length - offset < n) throw new RangeError(`target has ${target.length - offset} bytes left, message needs ${n}`);
    this.scratch.copy(target, offset, 0, n);
    return n;
  }

  private ensure(need: number): void {
    if (need <= this.scratch.length) return;
    if (need > Limits.MaxPacked) fail('DARI_CODEC_LENGTH_EXCEEDS_MAX', `message would exceed ${Limits.MaxPacked} bytes`, undefined, 0);
    let size = this.scratch.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.scratch.copy(next);
    this.scratch = next;
  }

  private packScratch(msg: Iso8583Message): number {
    if (typeof msg !== 'object' || msg === null) fail('DARI_CODEC_VALUE_INVALID', 'message must be an object with mti and fields', undefined, 0);
    const d = this.dialect;
    const fields = msg.fields;
    if (typeof fields !== 'object' || fields === null) fail('DARI_CODEC_VALUE_INVALID', 'fields must be an object keyed by field number', undefined, 0);
    // One pass over the keys: canonical field numbers (for-in lists integer keys in ascending
    // order), bitmap words, and the list the writer walks.
    const words = [0, 0, 0, 0, 0, 0];
    const nos = this.nos;
    let count = 0;
    let maxNo = 0;
    // Object.keys: the message's own keys (integer keys ascending, then the others), cheaper than
    // for-in, which also walks the prototype chain: fields a prototype supplies are not the
    // message's and are not packed.
    const keys = Object.keys(fields);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      const no = fieldNumber(key);
      if (no < 2 || no > d.maxField || (no === 65 && d.tertiary)) {
        if (key === '1' || (key === '65' && d.tertiary)) fail('DARI_CODEC_UNKNOWN_FIELD', `field ${key} is a bitmap: bitmaps are derived from the fields present, do not list them`, no, 0);
        fail('DARI_CODEC_UNKNOWN_FIELD', `field ${/^[0-9]{1,4}$/.test(key) ? key : JSON.stringify(key.slice(0, 12))} is not a data element number of dialect ${d.name} (write field numbers as plain decimals: "2", not "02")`, no > 0 ? no : undefined, 0);
      }
      if (d.fields[no] === undefined) fail('DARI_CODEC_UNKNOWN_FIELD', `dialect ${d.name} does not define field ${no}`, no, 0);
      const w = (no - 1) >> 5;
      words[w] = (words[w] as number) | (0x80000000 >>> ((no - 1) & 31));
      nos[count++] = no;
      if (no > maxNo) maxNo = no;
    }
    let nbm = 1;
    if (maxNo > 64) {
      nbm = 2;
      words[0] = (words[0] as number) | 0x80000000;
    }
    if (maxNo > 128) {
      nbm = 3;
      words[2] = (words[2] as number) | 0x80000000;
    }
    let o = 0;
    this.ensure(d.headerLength + 4 + 16 * nbm + 64);
    const s = this.scratch;
    if (d.headerLength > 0) o = this.writeHeader(msg.header, o);
    o = this.writeMti(msg.mti, o);
    for (let bm = 0; bm < nbm; bm++) {
      for (let w = 0; w < 2; w++) {
        const v = words[bm * 2 + w] as number;
        if (d.bitmapHex) {
          for (let i = 7; i >= 0; i--) {
            const h = (v >>> (i * 4)) & 15;
            let c = h < 10 ? 0x30 + h : 0x37 + h;
            if (d.bitmapEbcdic) c = ASCII_TO_EBCDIC[c] as number;
            s[o++] = c;
          }
        } else {
          s.writeInt32BE(v | 0, o);
          o += 4;
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const no = nos[i] as number;
      const f = d.fields[no] as CompiledField;
      const v = fields[no];
      if (typeof v !== 'string') fail('DARI_CODEC_VALUE_INVALID', `${label(f)} must be a string`, f.no, o);
      o = this.writeField(f, v, o);
    }
    return o;
  }

  private writeHeader(h: string | undefined, o: number): number {
    const d = this.dialect;
    if (typeof h !== 'string') fail('DARI_CODEC_HEADER_INVALID', `dialect ${d.name} needs a ${d.headerLength}-byte header`, undefined, 0);
    const s = this.scratch;
    if (d.headerEnc === Enc.BINARY) {
      if (h.length !== d.headerLength * 2) fail('DARI_CODEC_HEADER_INVALID', `header must be ${d.headerLength * 2} hex digits`, undefined, 0);
      for (let i = 0; i < d.headerLength; i++) {
        const hv = HEX_VALUE[h.charCodeAt(2 * i) & 0xff] as number;
        const lv = HEX_VALUE[h.charCodeAt(2 * i + 1) & 0xff] as number;
        if (hv === 255 || lv === 255 || h.charCodeAt(2 * i) > 255 || h.charCodeAt(2 * i + 1) > 255) fail('DARI_CODEC_HEADER_INVALID', 'header is not hex', undefined, 0);
        s[o++] = (hv << 4) | lv;
      }
      return o;
    }
    if (h.length !== d.headerLength) fail('DARI_CODEC_HEADER_INVALID', `header must be ${d.headerLength} characters`, undefined, 0);
    for (let i = 0; i < h.length; i++) {
      let c = h.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) fail('DARI_CODEC_HEADER_INVALID', `header character ${i + 1} is not printable`, undefined, i);
      if (d.headerEnc === Enc.EBCDIC) c = ASCII_TO_EBCDIC[c] as number;
      s[o++] = c;
    }
    return o;
  }

  private writeMti(mti: unknown, o: number): number {
    if (typeof mti !== 'string' || mti.length !== 4) fail('DARI_CODEC_MTI_INVALID', 'MTI must be a string of 4 digits', undefined, o);
    const s = this.scratch;
    const d = this.dialect;
    for (let i = 0; i < 4; i++) {
      const c = mti.charCodeAt(i);
      if (c < 0x30 || c > 0x39) fail('DARI_CODEC_MTI_INVALID', `MTI character ${i + 1} is not a digit`, undefined, o);
    }
    if (d.mtiEnc === Enc.BCD) {
      s[o] = ((mti.charCodeAt(0) - 0x30) << 4) | (mti.charCodeAt(1) - 0x30);
      s[o + 1] = ((mti.charCodeAt(2) - 0x30) << 4) | (mti.charCodeAt(3) - 0x30);
      return o + 2;
    }
    for (let i = 0; i < 4; i++) {
      const c = mti.charCodeAt(i);
      s[o + i] = d.mtiEnc === Enc.EBCDIC ? (ASCII_TO_EBCDIC[c] as number) : c;
    }
    return o + 4;
  }

  private writeField(f: CompiledField, v: string, o: number): number {
    // Value units (digits, characters, bytes of a binary value).
    let units: number;
    if (f.cls === Cls.B) {
      if ((v.length & 1) === 1) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: hex value has an odd number of digits`, f.no, o);
      units = v.length >> 1;
    } else {
      units = f.cls === Cls.XN ? v.length - 1 : v.length;
    }
    if (f.prefixDigits === 0) {
      if (units !== f.length) fail('DARI_CODEC_FIXED_LENGTH', `${label(f)} is fixed at ${f.length}, value has ${units < 0 ? 0 : units}`, f.no, o);
    } else if (units > f.length) {
      fail('DARI_CODEC_LENGTH_EXCEEDS_MAX', `${label(f)} has length ${units}, above its maximum ${f.length}`, f.no, o);
    }
    if (units < 0) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: x+n value needs a C or D sign`, f.no, o);
    const size = encodedSize(f, units);
    this.ensure(o + f.prefixBytes + size + 8);
    const s = this.scratch;
    const fieldStart = o;
    if (f.prefixDigits > 0) o = this.writePrefix(f, f.countsBytes ? size : units, o);
    switch (f.enc) {
      case Enc.ASCII:
      case Enc.EBCDIC: {
        const table = CLASS_TABLES[f.cls] as Uint8Array;
        const ebcdic = f.enc === Enc.EBCDIC;
        let i = 0;
        if (f.cls === Cls.XN) {
          const c = v.charCodeAt(0);
          if (c !== 0x43 && c !== 0x44) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: sign is not C or D`, f.no, fieldStart);
          s[o] = ebcdic ? (ASCII_TO_EBCDIC[c] as number) : c;
          i = 1;
        }
        const n = v.length;
        if (!ebcdic) {
          // A character above U+00FF reads past the table (undefined), so one compare covers both.
          for (; i < n; i++) {
            const c = v.charCodeAt(i);
            if (table[c] !== 1) this.badChar(f, c > 255 ? 0x3f : c, i, fieldStart);
            s[o + i] = c;
          }
          break;
        }
        for (; i < n; i++) {
          const c = v.charCodeAt(i);
          if (c > 255 || table[c] === 0 || ASCII_TO_EBCDIC[c] === 0) this.badChar(f, c > 255 ? 0x3f : c, i, fieldStart);
          s[o + i] = ASCII_TO_EBCDIC[c] as number;
        }
        break;
      }
      case Enc.BCD:
        this.writeBcd(f, v, o, fieldStart);
        break;
      case Enc.BINARY:
        // A longer value: Node's native hex decoder. It stops at the first pair that is not hex (a
        // short count: the loop below then names the bad digit), but it reads a character above
        // U+00FF by its low byte, so it is given only values that are all ASCII (as many UTF-8
        // bytes as characters).
        if (size >= NATIVE_HEX_MIN_BYTES && Buffer.byteLength(v, 'utf8') === v.length && s.write(v, o, size, 'hex') === size) break;
        for (let i = 0; i < size; i++) {
          const h = v.charCodeAt(2 * i);
          const l = v.charCodeAt(2 * i + 1);
          const hv = h > 255 ? 255 : (HEX_VALUE[h] as number);
          const lv = l > 255 ? 255 : (HEX_VALUE[l] as number);
          if (hv === 255 || lv === 255) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: character at position ${hv === 255 ? 2 * i + 1 : 2 * i + 2} is not a hex digit`, f.no, fieldStart);
          s[o + i] = (hv << 4) | lv;
        }
        break;
      default:
        // Hex as characters: an uppercase value (the common case) is checked by one regex run and
        // copied natively; anything else goes through the byte loop that uppercases and names the culprit.
        if (UPPER_HEX.test(v)) {
          s.write(v, o, size, 'latin1');
          break;
        }
        for (let i = 0; i < size; i++) {
          const c = v.charCodeAt(i);
          if (c > 255 || HEX_VALUE[c] === 255) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: character at position ${i + 1} is not a hex digit`, f.no, fieldStart);
          s[o + i] = c >= 0x61 ? c - 0x20 : c;
        }
        break;
    }
    // Hex as characters: the scratch now holds uppercase digits only, so the quick walk of the
    // item structure comes first (the full check only to name a malformed item).
    if (f.tlv && !(f.enc === Enc.HEX && (size & 1) === 0 && upperHexTlvWalk(s, o, o + size))) {
      const bad = checkTlv(s, o, o + size, f.enc === Enc.HEX);
      if (bad >= 0) fail('DARI_CODEC_TLV_MALFORMED', `${label(f)}: TLV item at byte ${bad} of the value is incomplete or malformed`, f.no, fieldStart);
    }
    if (f.subfields !== null) checkSubfields(f, v, fieldStart);
    return o + size;
  }

  private writePrefix(f: CompiledField, len: number, o: number): number {
    const s = this.scratch;
    const n = f.prefixBytes;
    switch (f.penc) {
      case PEnc.ASCII:
      case PEnc.EBCDIC: {
        const base = f.penc === PEnc.ASCII ? 0x30 : 0xf0;
        let x = len;
        for (let i = n - 1; i >= 0; i--) {
          s[o + i] = base + (x % 10);
          x = Math.floor(x / 10);
        }
        break;
      }
      case PEnc.BCD: {
        let x = len;
        for (let i = n - 1; i >= 0; i--) {
          const lo = x % 10;
          x = Math.floor(x / 10);
          const hi = x % 10;
          x = Math.floor(x / 10);
          s[o + i] = (hi << 4) | lo;
        }
        break;
      }
      default: {
        let x = len;
        for (let i = n - 1; i >= 0; i--) {
          s[o + i] = x & 0xff;
          x = Math.floor(x / 256);
        }
      }
    }
    return o + n;
  }

  private writeBcd(f: CompiledField, v: string, o: number, fieldStart: number): void {
    const s = this.scratch;
    let i = 0;
    if (f.cls === Cls.XN) {
      const c = v.charCodeAt(0);
      if (c !== 0x43 && c !== 0x44) fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: sign is not C or D`, f.no, fieldStart);
      s[o++] = c;
      i = 1;
    }
    const digits = v.length - i;
    const track = f.cls === Cls.Z;
    const odd = (digits & 1) === 1;
    // Pad nibble first (left pad) or last (right pad) for an odd number of digits.
    let k = i;
    let bad = -1;
    if (odd && !f.padRight) {
      const lo = bcdNibble(v.charCodeAt(k++), track);
      if (lo < 0) bad = k - 1;
      s[o++] = (f.padNibble << 4) | (lo & 15);
    }
    const pairsEnd = odd && f.padRight ? v.length - 1 : v.length;
    for (; k < pairsEnd; k += 2) {
      const hi = bcdNibble(v.charCodeAt(k), track);
      const lo = bcdNibble(v.charCodeAt(k + 1), track);
      if ((hi | lo) < 0 && bad < 0) bad = hi < 0 ? k : k + 1;
      s[o++] = ((hi & 15) << 4) | (lo & 15);
    }
    if (odd && f.padRight) {
      const hi = bcdNibble(v.charCodeAt(k), track);
      if (hi < 0 && bad < 0) bad = k;
      s[o++] = ((hi & 15) << 4) | f.padNibble;
    }
    if (bad >= 0) {
      const c = v.charCodeAt(bad);
      fail('DARI_CODEC_INVALID_CHARACTER', `${label(f)}: ${f.sensitive ? 'a character' : `'${c < 0x7f && c > 0x20 ? String.fromCharCode(c) : '?'}'`} at position ${bad + 1} is not a decimal digit`, f.no, fieldStart);
    }
  }
}

/** A BCD nibble for a digit (or the track separator '=' / 'D' in track data); -1 when invalid. */
function bcdNibble(c: number, track: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (track && (c === 0x3d || c === 0x44)) return 0xd;
  return -1;
}

/** A canonical field number ("2", "55", "128"); 0 for anything else ("02", " 2", "2a", ""). */
function fieldNumber(key: string): number {
  const n = key.length;
  if (n === 0 || n > 3) return 0;
  let no = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9 || (i === 0 && c === 0)) return 0;
    no = no * 10 + c;
  }
  return no;
}

/** Check a composite value against its positional subfields; throws DARI_CODEC_SUBFIELD_INVALID. */
function checkSubfields(f: CompiledField, value: string, offset: number): void {
  const subs = f.subfields as NonNullable<CompiledField['subfields']>;
  let p = 0;
  for (const sf of subs) {
    const len = sf.rest ? Math.min(value.length - p, sf.length) : sf.length;
    if (p + len > value.length) {
      fail('DARI_CODEC_SUBFIELD_INVALID', `${label(f)}: subfield ${f.no}.${sf.id} (${sf.name}) needs ${len} characters, ${value.length - p} left`, `${f.no}.${sf.id}`, offset);
    }
    const table = CLASS_TABLES[sf.cls] as Uint8Array;
    for (let i = p; i < p + len; i++) {
      const c = value.charCodeAt(i);
      if (c > 255 || table[c] === 0) {
        fail('DARI_CODEC_SUBFIELD_INVALID', `${label(f)}: subfield ${f.no}.${sf.id} (${sf.name}) position ${i - p + 1} is not class ${CLASS_NAMES[sf.cls]}`, `${f.no}.${sf.id}`, offset);
      }
    }
    p += len;
  }
  if (p !== value.length) {
    fail('DARI_CODEC_SUBFIELD_INVALID', `${label(f)}: ${value.length - p} character(s) after the last subfield`, f.no, offset);
  }
}

/** Split a composite value into its positional subfields (for display). */
export function splitSubfields(f: CompiledField, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  for (const sf of f.subfields ?? []) {
    const len = sf.rest ? Math.min(value.length - p, sf.length) : sf.length;
    out[sf.id] = value.slice(p, p + len);
    p += len;
  }
  return out;
}
