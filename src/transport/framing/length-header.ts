/**
 * The length header in front of every frame: read (validating its encoding) and write.
 * Byte layouts from the reference note, section 2 (jPOS channel classes, moov-io network/*.go).
 */
import { DariError } from '../../errors';

export type LengthKind = 'binary2' | 'ascii4' | 'bcd2' | 'binary4';

/** Bytes each length header takes on the wire. */
export const LENGTH_HEADER_SIZE: Readonly<Record<LengthKind, number>> = Object.freeze({ binary2: 2, ascii4: 4, bcd2: 2, binary4: 4 });

/** Largest value each length header can declare. */
export const LENGTH_HEADER_MAX: Readonly<Record<LengthKind, number>> = Object.freeze({ binary2: 0xffff, ascii4: 9999, bcd2: 9999, binary4: 0xffffffff });

export function isLengthKind(v: unknown): v is LengthKind {
  return v === 'binary2' || v === 'ascii4' || v === 'bcd2' || v === 'binary4';
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * The length declared by the header at `buf[at, at + size)`. `streamOffset` is the stream position
 * of `buf[at]`, for the error. Throws DARI_FRAME_LENGTH_INVALID when the bytes are not valid in the
 * header's encoding.
 */
export function readLength(kind: LengthKind, buf: Buffer, at: number, streamOffset: number): number {
  switch (kind) {
    case 'binary2':
      // PostChannel / NACChannel: `LL LL`, big-endian.
      return ((buf[at] as number) << 8) | (buf[at + 1] as number);
    case 'binary4':
      // RawChannel: 4-byte big-endian; unsigned, so 0xFFFFFFFF reads as 4294967295, not -1.
      return buf.readUInt32BE(at);
    case 'ascii4': {
      // ASCIIChannel: '0''1''1''5' = 115.
      let v = 0;
      for (let i = 0; i < 4; i++) {
        const c = buf[at + i] as number;
        if (c < 0x30 || c > 0x39) {
          throw new DariError('DARI_FRAME_LENGTH_INVALID', `ascii4 length header byte ${i + 1} is ${hex(c)}, not an ASCII digit`, { offset: streamOffset + i });
        }
        v = v * 10 + (c - 0x30);
      }
      return v;
    }
    case 'bcd2': {
      // NCCChannel / BCDChannel: `01 15` = 115, one decimal digit per nibble.
      let v = 0;
      for (let i = 0; i < 2; i++) {
        const b = buf[at + i] as number;
        const hi = b >> 4;
        const lo = b & 0x0f;
        if (hi > 9 || lo > 9) {
          throw new DariError('DARI_FRAME_LENGTH_INVALID', `bcd2 length header byte ${i + 1} is ${hex(b)}, a nibble above 9`, { offset: streamOffset + i });
        }
        v = v * 100 + hi * 10 + lo;
      }
      return v;
    }
  }
}

/** Write `value` (already checked against LENGTH_HEADER_MAX) as the header at `buf[at]`. */
export function writeLength(kind: LengthKind, buf: Buffer, at: number, value: number): void {
  switch (kind) {
    case 'binary2':
      buf[at] = value >>> 8;
      buf[at + 1] = value & 0xff;
      return;
    case 'binary4':
      buf.writeUInt32BE(value, at);
      return;
    case 'ascii4':
      for (let i = 3; i >= 0; i--) {
        buf[at + i] = 0x30 + (value % 10);
        value = Math.floor(value / 10);
      }
      return;
    case 'bcd2': {
      const hi = Math.floor(value / 100);
      const lo = value % 100;
      buf[at] = (Math.floor(hi / 10) << 4) | (hi % 10);
      buf[at + 1] = (Math.floor(lo / 10) << 4) | (lo % 10);
      return;
    }
  }
}
