/**
 * Transaction ids: UUID version 7 (RFC 9562 5.7): 48 bits of Unix milliseconds, then random bits.
 * Time-ordered, so journal inserts append to the right edge of the primary-key B-tree instead of
 * touching a random page per transaction (the disk bytes per transaction drop accordingly).
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.allocUnsafe(16 * 256);
let poolAt = pool.length;

export function uuidv7(now: number = Date.now()): string {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const b = pool.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] as number) & 0x3f); // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
