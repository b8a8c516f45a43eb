/**
 * A bounded memory of recently settled keys (timed out, or answered), to tell a late response from
 * an unmatched one, and a duplicate response from an unsolicited one. At most `capacity` keys, each
 * forgotten after `ttlMs` (jPOS QMUX keeps unhandled messages 120 s). A Map keeps insertion order,
 * so the oldest key is always the first one: adding and evicting are O(1).
 */
export class RecentKeys {
  private readonly keys = new Map<string, number>();

  constructor(readonly capacity: number, readonly ttlMs: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** Remember `key` as settled at monotonic time `now`. */
  add(key: string, now: number): void {
    if (this.capacity === 0) return;
    const keys = this.keys;
    if (keys.has(key)) keys.delete(key);
    keys.set(key, now);
    if (keys.size > this.capacity) {
      const oldest = keys.keys().next();
      if (oldest.done !== true) keys.delete(oldest.value);
    }
  }

  /** True (and the key forgotten) if `key` settled within the last `ttlMs`. */
  take(key: string, now: number): boolean {
    const at = this.keys.get(key);
    if (at === undefined) return false;
    this.keys.delete(key);
    return now - at <= this.ttlMs;
  }

  clear(): void {
    this.keys.clear();
  }
}
