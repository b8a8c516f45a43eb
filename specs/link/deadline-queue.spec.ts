/** The deadline heap and the recent-keys memory, against naive reference models. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DeadlineQueue, type Deadline } from '../../src/link/deadline-queue';
import { RecentKeys } from '../../src/link/recent-keys';

interface E extends Deadline {
  id: number;
}

describe('link deadline queue', () => {
  it('pops in deadline order whatever the order of pushes and removals (reference: a sorted list)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          fc.record({ op: fc.constant('push' as const), deadline: fc.integer({ min: 0, max: 1000 }) }),
          fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
          fc.record({ op: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 1000 }) }),
        ), { maxLength: 200 }),
        (ops) => {
          const q = new DeadlineQueue<E>();
          let model: E[] = [];
          let id = 0;
          for (const o of ops) {
            if (o.op === 'push') {
              const e: E = { id: id++, deadline: o.deadline, heapIndex: -1 };
              q.push(e);
              model.push(e);
            } else if (o.op === 'remove') {
              if (model.length === 0) continue;
              const e = model[o.pick % model.length] as E;
              assert.equal(q.remove(e), true);
              assert.equal(q.remove(e), false, 'a removed entry is not removed twice');
              model = model.filter((m) => m !== e);
            } else {
              const popped: E[] = [];
              for (let e = q.popExpired(o.now); e !== undefined; e = q.popExpired(o.now)) popped.push(e);
              const expired = model.filter((m) => m.deadline <= o.now);
              assert.deepEqual(popped.map((e) => e.deadline), expired.map((e) => e.deadline).sort((a, b) => a - b));
              assert.deepEqual(new Set(popped), new Set(expired));
              model = model.filter((m) => m.deadline > o.now);
            }
            assert.equal(q.size, model.length);
            const min = model.reduce((m, e) => Math.min(m, e.deadline), Number.POSITIVE_INFINITY);
            assert.equal(q.peek()?.deadline ?? Number.POSITIVE_INFINITY, min);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drain empties the queue and unlinks every entry', () => {
    const q = new DeadlineQueue<E>();
    const es = [3, 1, 2].map((d, i) => ({ id: i, deadline: d, heapIndex: -1 }));
    for (const e of es) q.push(e);
    assert.equal(q.drain().length, 3);
    assert.equal(q.size, 0);
    assert.ok(es.every((e) => e.heapIndex === -1 && !q.remove(e)));
  });
});

describe('link recent keys', () => {
  it('remembers at most `capacity` keys, oldest forgotten first, each taken once', () => {
    const r = new RecentKeys(2, 1000);
    r.add('a', 0);
    r.add('b', 1);
    r.add('c', 2);
    assert.equal(r.size, 2);
    assert.equal(r.take('a', 3), false);
    assert.equal(r.take('b', 3), true);
    assert.equal(r.take('b', 3), false);
    assert.equal(r.take('c', 3), true);
  });

  it('forgets keys older than ttlMs', () => {
    const r = new RecentKeys(10, 100);
    r.add('a', 0);
    assert.equal(r.take('a', 101), false);
    r.add('b', 0);
    assert.equal(r.take('b', 100), true);
  });

  it('capacity 0 remembers nothing', () => {
    const r = new RecentKeys(0, 100);
    r.add('a', 0);
    assert.equal(r.take('a', 0), false);
  });
});
