/**
 * Audit AJ: ArrayBlockingQueueTest's `populatedQueue` (test/jdk/java/util/concurrent/tck/
 * ArrayBlockingQueueTest.java) first adds and removes a random number of elements "so that the
 * circular array wraps", then runs every test on that queue. The same idea here: channels whose
 * buffer has wrapped (and grown or shrunk while wrapped) must keep FIFO order, size,
 * remainingCapacity and drainTo (pullMany) semantics. Checked against a plain array model, over
 * random operation sequences with a fixed-seed generator.
 */

import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { remaining } from './util.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** populatedQueue(size, min, max): capacity in [min, max], head shifted so the ring wraps. */
function populatedQueue(size: number, capacity: number, shift: number): Channel<number> {
  const q = new Channel<number>(capacity);
  for (let i = 0; i < shift; i++) q.pushNowait(42);
  for (let i = 0; i < shift; i++) expect(q.pullNowait()).toBe(42);
  for (let i = 0; i < size; i++) expect(q.tryPush(i)).toBe(true);
  expect(q.empty).toBe(size === 0);
  expect(remaining(q)).toBe(capacity - size);
  expect(q.size).toBe(size);
  return q;
}

describe('ArrayBlockingQueueTest.java populatedQueue (wrapped circular buffer)', () => {
  // ArrayBlockingQueueTest.populatedQueue + testRemainingCapacity, for every shift of a small ring
  it.each([1, 2, 3, 7, 8, 9, 16, 20, 33])('testRemainingCapacity after every wrap shift (capacity %i)', (cap) => {
    for (let shift = 0; shift <= cap; shift++) {
      for (let size = 0; size <= cap; size++) {
        const q = populatedQueue(size, cap, shift);
        const got: number[] = [];
        for (let v = q.tryPull(); v !== undefined; v = q.tryPull()) got.push(v);
        expect(got).toEqual(Array.from({ length: size }, (_, i) => i));
      }
    }
  });

  // testDrainToN on wrapped queues: pullMany(n) takes min(n, size) from the head, in order.
  it('testDrainToN on wrapped queues', async () => {
    for (const cap of [4, 8, 13, 20]) {
      for (let shift = 0; shift < cap; shift += 3) {
        for (let n = 1; n <= cap + 1; n++) {
          const q = populatedQueue(cap, cap, shift);
          const l = await q.pullMany(n);
          const k = Math.min(n, cap);
          expect(l).toEqual(Array.from({ length: k }, (_, j) => j));
          expect(q.size).toBe(cap - k);
          expect(remaining(q)).toBe(k);
        }
      }
    }
  });

  // Random operation sequences against an array model (bounded and unbounded channels), growing
  // to thousands of values and back so that the unbounded buffer grows and shrinks while wrapped.
  it.each([
    [1, 3],
    [5, 11],
    [64, 17],
    [Infinity, 23],
    [Infinity, 29],
  ])('model check: capacity %s, seed %i', async (cap, seed) => {
    const rand = rng(seed);
    const q = new Channel<number>(cap);
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 4_000; step++) {
      const op = rand(6);
      // phases: grow for a while, then shrink, so big rings wrap, grow and halve
      const growing = Math.floor(step / 700) % 2 === 0;
      if (op <= (growing ? 3 : 1)) {
        const burst = 1 + rand(growing ? 40 : 3);
        for (let b = 0; b < burst; b++) {
          const ok = q.tryPush(next);
          expect(ok).toBe(model.length < cap);
          if (ok) model.push(next);
          next++;
        }
      } else if (op === 4) {
        const v = q.tryPull();
        expect(v).toBe(model.shift());
      } else {
        if (model.length === 0) continue;
        const n = 1 + rand(growing ? 5 : 60);
        const l = await q.pullMany(n);
        expect(l).toEqual(model.splice(0, n));
      }
      expect(q.size).toBe(model.length);
      expect(q.empty).toBe(model.length === 0);
      expect(q.full).toBe(model.length === cap);
    }
    q.close();
    const rest: number[] = [];
    for await (const v of q) rest.push(v);
    expect(rest).toEqual(model);
  });
});
