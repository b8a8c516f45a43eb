/**
 * Pending requests ordered by deadline: a binary min-heap whose entries know their own index, so an
 * answered request leaves the queue in O(log n) and the link keeps one timer for all of them.
 *
 * Requests with the link's default timeout arrive in deadline order; pushing such an entry stops at
 * the first comparison (O(1)). Per-request overrides (shorter or longer) are placed correctly.
 */

export interface Deadline {
  /** Monotonic time (ms, `performance.now()`) at which the entry expires. */
  deadline: number;
  /** Position in the heap; -1 when the entry is not queued. Owned by the queue. */
  heapIndex: number;
}

export class DeadlineQueue<T extends Deadline> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The entry with the earliest deadline. */
  peek(): T | undefined {
    return this.heap[0];
  }

  push(entry: T): void {
    const i = this.heap.length;
    this.heap.push(entry);
    entry.heapIndex = i;
    this.up(i);
  }

  /** Remove an entry wherever it is; false if it was not queued. */
  remove(entry: T): boolean {
    const i = entry.heapIndex;
    const heap = this.heap;
    if (i < 0 || i >= heap.length || heap[i] !== entry) return false;
    entry.heapIndex = -1;
    const last = heap.pop() as T;
    if (i < heap.length) {
      heap[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
    return true;
  }

  /** Remove and return the earliest entry if its deadline is at or before `now`. */
  popExpired(now: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.deadline > now) return undefined;
    this.remove(top);
    return top;
  }

  /** Empty the queue, returning its entries (in no particular order). */
  drain(): T[] {
    const all = this.heap.splice(0, this.heap.length);
    for (const e of all) e.heapIndex = -1;
    return all;
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as T;
      if (parent.deadline <= e.deadline) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = e;
    e.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (heap[r] as T).deadline < (heap[l] as T).deadline) c = r;
      const child = heap[c] as T;
      if (child.deadline >= e.deadline) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = e;
    e.heapIndex = i;
  }
}
