/**
 * Audit AJ: the JSR-166 TCK's blocking-queue tests (Java), translated to chanasync.
 * Sources (openjdk/jdk, test/jdk/java/util/concurrent/tck/): BlockingQueueTest.java (the shared
 * contract), SynchronousQueueTest.java, ArrayBlockingQueueTest.java,
 * LinkedBlockingQueueTest.java, LinkedTransferQueueTest.java.
 *
 * Mapping: `SynchronousQueue` ≈ `new Channel(0)`, `ArrayBlockingQueue(n)` ≈ `new Channel(n)`,
 * `LinkedBlockingQueue()`/`LinkedTransferQueue()` ≈ `new Channel(Infinity)`; `put`/`take` ≈
 * `push`/`pull`; `offer(e)`/`add(e)` ≈ `tryPush`/`pushNowait` (`IllegalStateException` ≈
 * `ChannelFullError`); `poll()` ≈ `tryPull`/`pullNowait`; timed `offer`/`poll` ≈ `push`/`pull`
 * with `{ signal: AbortSignal.timeout(ms) }` (returning false/null ≈ rejecting with the
 * `TimeoutError`); `Thread.interrupt()` ≈ aborting an `AbortController`, and an interrupt set
 * before the call ≈ an already aborted signal; `drainTo(c, n)` ≈ `pullMany(n)`;
 * `remainingCapacity()` ≈ `capacity - size`; `addAll` ≈ `pushAll`;
 * `hasWaitingConsumer`/`getWaitingConsumerCount` ≈ `stats().waitingPullers`; threads ≈
 * concurrent async functions; latches ≈ polling for a condition. SIZE is 20 as in JSR166TestCase.
 *
 * Not ported: `peek`/`element`/`contains`/`remove(x)`/`clear`/`toArray`/`retainAll`/
 * serialization/`toString`/non-consuming iterators (a channel has no random access or
 * inspection of its buffer), null-element NPE tests turned into "null is an ordinary value".
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { remaining, settle, sleep, tick, track, until } from './util.js';

const SIZE = 20;
const SHORT = 30; // timeoutMillis()
const LONG = 10_000; // LONG_DELAY_MS

const isTimeout = (e: unknown) => expect(e).toMatchObject({ name: 'TimeoutError' });

/** A queue with 0..n-1 pushed (populatedQueue). */
function populated(n: number, capacity: number = n): Channel<number> {
  const q = new Channel<number>(capacity);
  for (let i = 0; i < n; i++) expect(q.tryPush(i)).toBe(true);
  expect(q.size).toBe(n);
  return q;
}

/** The TCK's threadsStarted latch for two tasks: each awaits it once; both go on when both have arrived and `also()` holds. */
function bothStarted(): (also?: () => boolean) => Promise<void> {
  let arrived = 0;
  return (also = () => true) => {
    arrived++;
    return until(() => arrived === 2 && also());
  };
}

/** testPollInExecutor (SynchronousQueueTest, ArrayBlockingQueueTest): a poll that waits gets the value put once both tasks run. */
const pollInExecutor = (capacity: number) => async () => {
  const q = new Channel<number>(capacity);
  const started = bothStarted();
  const a = (async () => {
    expect(q.tryPull()).toBeUndefined();
    await started();
    expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(1);
    expect(q.empty).toBe(true);
  })();
  const b = (async () => {
    await started();
    await q.push(1);
  })();
  await Promise.all([a, b]);
};

const configs: [string, number][] = [
  ['SynchronousQueue (capacity 0)', 0],
  ['ArrayBlockingQueue (capacity SIZE)', SIZE],
  ['LinkedBlockingQueue (capacity Infinity)', Infinity],
];

// test/jdk/java/util/concurrent/tck/BlockingQueueTest.java, run for each implementation as the
// TCK does (SynchronousQueueTest.Fair, ArrayBlockingQueueTest.Fair, LinkedBlockingQueueTest.Unbounded…)
describe.each(configs)('BlockingQueueTest.java — %s', (_label, capacity) => {
  // BlockingQueueTest.testOfferNull / testPutNull / testTimedOfferNull. Deliberate difference:
  // Java queues refuse null (NPE); a channel carries any value, null and undefined included.
  it('testPutNull (contract: null and undefined are ordinary values)', async () => {
    const q = new Channel<null | undefined>(capacity);
    const got = track(q.pullMany(2));
    const p1 = q.push(null);
    await p1;
    expect(await got.promise).toEqual([null]);
    const g2 = q.pull();
    await q.push(undefined);
    expect(await g2).toBeUndefined();
  });

  // BlockingQueueTest.testAddAllNullElements: same difference, for addAll ≈ pushAll.
  it('testAddAllNullElements (contract: pushAll carries null)', async () => {
    const q = new Channel<number | null>(capacity);
    const vals = [null, 1, null];
    const all = q.pushAll(vals);
    const got: (number | null)[] = [];
    for (let i = 0; i < 3; i++) got.push(await q.pull());
    await all;
    expect(got).toEqual(vals);
  });

  // BlockingQueueTest.testDrainToNonPositiveMaxElements. Difference: drainTo(c, n) returns 0 for
  // n <= 0; pullMany(max) refuses a non-positive max with a RangeError (SPEC), taking nothing.
  it('testDrainToNonPositiveMaxElements (contract: RangeError, nothing taken)', async () => {
    const q = new Channel<number>(capacity);
    for (const n of [0, -1, -42, -(2 ** 31)]) await expect(q.pullMany(n)).rejects.toBeInstanceOf(RangeError);
    if (capacity > 0) {
      const one = 1;
      q.pushNowait(one);
      for (const n of [0, -1, -42, -(2 ** 31)]) await expect(q.pullMany(n)).rejects.toBeInstanceOf(RangeError);
      expect(q.size).toBe(1);
      expect(q.tryPull()).toBe(one);
    }
    expect(q.stats().waitingPullers).toBe(0);
  });

  // BlockingQueueTest.testTimedPollWithOffer
  it('testTimedPollWithOffer', async () => {
    const q = new Channel<number>(capacity);
    const zero = 0;
    const interrupt = new AbortController();
    let phase = 0;
    const t = (async () => {
      const start = Date.now();
      await expect(q.pull({ signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
      phase = 1;
      expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(zero);
      // interrupted before waiting
      const pre = new AbortController();
      pre.abort();
      await expect(q.pull({ signal: AbortSignal.any([pre.signal, AbortSignal.timeout(LONG)]) })).rejects.toBe(
        pre.signal.reason,
      );
      phase = 2;
      await expect(
        q.pull({ signal: AbortSignal.any([interrupt.signal, AbortSignal.timeout(LONG)]) }),
      ).rejects.toSatisfy((e: unknown) => e === interrupt.signal.reason);
    })();
    await until(() => phase === 1);
    const start = Date.now();
    await q.push(zero, { signal: AbortSignal.timeout(LONG) });
    expect(Date.now() - start).toBeLessThan(LONG);
    await until(() => phase === 2 && q.stats().waitingPullers === 1);
    interrupt.abort();
    await t;
    expect(q.stats().waitingPullers).toBe(0);
  });

  // BlockingQueueTest.testTakeFromEmptyBlocksInterruptibly
  it('testTakeFromEmptyBlocksInterruptibly', async () => {
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    const take = track(q.pull({ signal: c.signal }));
    await settle();
    expect(take.done).toBe(false);
    expect(q.stats().waitingPullers).toBe(1);
    c.abort();
    await settle();
    expect(take.state).toBe('rejected');
    expect(take.error).toBe(c.signal.reason);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // BlockingQueueTest.testTakeFromEmptyAfterInterrupt; also with a value available: the already
  // aborted signal is checked first (SPEC), nothing is consumed.
  it('testTakeFromEmptyAfterInterrupt', async () => {
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    c.abort(new Error('interrupted'));
    await expect(q.pull({ signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    const pusher = track(q.push(5));
    await tick();
    await expect(q.pull({ signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    await expect(q.pullMany(3, { signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    expect(await q.pull()).toBe(5);
    await pusher.promise;
  });

  // BlockingQueueTest.testTimedPollFromEmptyBlocksInterruptibly
  it('testTimedPollFromEmptyBlocksInterruptibly', async () => {
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    const poll = track(q.pull({ signal: AbortSignal.any([c.signal, AbortSignal.timeout(2 * LONG)]) }));
    await settle();
    expect(poll.done).toBe(false);
    c.abort();
    await settle();
    expect(poll.state).toBe('rejected');
    expect(poll.error).toBe(c.signal.reason);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // BlockingQueueTest.testTimedPollFromEmptyAfterInterrupt
  it('testTimedPollFromEmptyAfterInterrupt', async () => {
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    c.abort();
    await expect(q.pull({ signal: AbortSignal.any([c.signal, AbortSignal.timeout(2 * LONG)]) })).rejects.toSatisfy(
      (e: unknown) => e === c.signal.reason,
    );
    expect(q.stats().waitingPullers).toBe(0);
  });

  // (SynchronousQueue/ArrayBlockingQueue/LinkedBlockingQueue Fair variants) fairness: waiting
  // takers are served in arrival order.
  it('Fair: takers are served FIFO', async () => {
    const q = new Channel<number>(capacity);
    const takers = Array.from({ length: 5 }, () => track(q.pull()));
    await tick();
    for (let i = 0; i < 5; i++) q.pushNowait(i);
    await settle();
    expect(takers.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
  });

  // Fair variants: a cancelled taker in the middle is skipped, the others keep their order.
  it('Fair: a cancelled taker loses its place, the others keep theirs', async () => {
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    const t0 = track(q.pull());
    const t1 = track(q.pull({ signal: c.signal }));
    const t2 = track(q.pull());
    await tick();
    c.abort();
    q.pushNowait(10);
    q.pushNowait(11);
    await settle();
    expect([t0.value, t2.value]).toEqual([10, 11]);
    expect(t1.state).toBe('rejected');
  });
});

// test/jdk/java/util/concurrent/tck/SynchronousQueueTest.java
describe('SynchronousQueueTest.java', () => {
  // SynchronousQueueTest.testEmptyFull
  it('testEmptyFull', () => {
    const q = new Channel<number>(0);
    expect(q.empty).toBe(true);
    expect(q.full).toBe(true);
    expect(q.size).toBe(0);
    expect(remaining(q)).toBe(0);
    expect(q.tryPush(0)).toBe(false);
  });

  // SynchronousQueueTest.testOffer
  it('testOffer', () => {
    const q = new Channel<number>(0);
    expect(q.tryPush(1)).toBe(false);
    expect(q.stats().waitingPushers).toBe(0);
  });

  // SynchronousQueueTest.testAdd
  it('testAdd', () => {
    const q = new Channel<number>(0);
    expect(remaining(q)).toBe(0);
    expect(() => q.pushNowait(1)).toThrow(ChannelFullError);
  });

  // SynchronousQueueTest.testAddAll_ISE. Difference: addAll throws at once with no taker;
  // pushAll waits for takers (it is a blocking push). With a timeout it rejects having pushed 0.
  it('testAddAll_ISE (contract: pushAll waits; timed, it rejects with pushed 0)', async () => {
    const q = new Channel<number>(0);
    const err = await q.pushAll([1], { signal: AbortSignal.timeout(SHORT) }).catch((e: unknown) => e);
    isTimeout(err);
    expect((err as { pushed?: number }).pushed).toBe(0);
    expect(q.stats().waitingPushers).toBe(0);
    expect(q.tryPull()).toBeUndefined();
  });

  // SynchronousQueueTest.testBlockingPut
  it('testBlockingPut', async () => {
    const q = new Channel<number>(0);
    const pre = new AbortController();
    pre.abort();
    await expect(q.push(99, { signal: pre.signal })).rejects.toBe(pre.signal.reason);
    const c = new AbortController();
    const put = track(q.push(99, { signal: c.signal }));
    await settle();
    expect(put.done).toBe(false);
    c.abort();
    await settle();
    expect(put.error).toBe(c.signal.reason);
    expect(remaining(q)).toBe(0);
    // the interrupted put delivered nothing
    expect(() => q.pullNowait()).toThrow(ChannelEmptyError);
  });

  // SynchronousQueueTest.testPutWithTake
  it('testPutWithTake', async () => {
    const q = new Channel<number>(0);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      stage = 1;
      await q.push(1);
      const pre = new AbortController();
      pre.abort();
      await expect(q.push(99, { signal: pre.signal })).rejects.toBe(pre.signal.reason);
      stage = 2;
      await expect(q.push(99, { signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    })();
    await until(() => stage === 1);
    expect(remaining(q)).toBe(0);
    expect(await q.pull()).toBe(1);
    await until(() => stage === 2 && q.stats().waitingPushers === 1);
    c.abort();
    await t;
    expect(remaining(q)).toBe(0);
    expect(q.tryPull()).toBeUndefined();
  });

  // SynchronousQueueTest.testTimedOffer
  it('testTimedOffer', async () => {
    const q = new Channel<number>(0);
    const start = Date.now();
    await expect(q.push(0, { signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    const c = new AbortController();
    const put = track(q.push(2, { signal: AbortSignal.any([c.signal, AbortSignal.timeout(2 * LONG)]) }));
    await settle();
    c.abort();
    await settle();
    expect(put.error).toBe(c.signal.reason);
    // neither value is there for a later taker
    expect(q.tryPull()).toBeUndefined();
  });

  // SynchronousQueueTest.testPoll
  it('testPoll', () => {
    const q = new Channel<number>(0);
    expect(q.tryPull()).toBeUndefined();
    expect(() => q.pullNowait()).toThrow(ChannelEmptyError);
  });

  // SynchronousQueueTest.testTimedPoll0: a zero timeout with no putter times out; with a parked
  // putter it succeeds at once (the value is committed synchronously, before the timer).
  it('testTimedPoll0', async () => {
    const q = new Channel<number>(0);
    await expect(q.pull({ signal: AbortSignal.timeout(0) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const put = q.push(7);
    await tick();
    expect(await q.pull({ signal: AbortSignal.timeout(0) })).toBe(7);
    await put;
  });

  // SynchronousQueueTest.testTimedPoll
  it('testTimedPoll', async () => {
    const q = new Channel<number>(0);
    const start = Date.now();
    await expect(q.pull({ signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // SynchronousQueueTest.testTimedPollWithOffer
  it('testTimedPollWithOffer', async () => {
    const q = new Channel<number>(0);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      await expect(q.pull({ signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
      stage = 1;
      expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(0);
      stage = 2;
      await expect(q.pull({ signal: AbortSignal.any([c.signal, AbortSignal.timeout(LONG)]) })).rejects.toSatisfy(
        (e: unknown) => e === c.signal.reason,
      );
    })();
    await until(() => stage === 1);
    await q.push(0, { signal: AbortSignal.timeout(LONG) });
    await until(() => stage === 2 && q.stats().waitingPullers === 1);
    c.abort();
    await t;
  });

  // SynchronousQueueTest.testIterator: "iterator does not traverse any elements". A channel's
  // iterator consumes; over a closed empty rendezvous channel it yields nothing.
  it('testIterator (closed and empty: nothing to iterate)', async () => {
    const q = new Channel<number>(0);
    q.close();
    const seen: number[] = [];
    for await (const v of q) seen.push(v);
    expect(seen).toEqual([]);
  });

  // SynchronousQueueTest.testOfferInExecutor
  it('testOfferInExecutor', async () => {
    const q = new Channel<number>(0);
    const started = bothStarted();
    const a = (async () => {
      expect(q.tryPush(1)).toBe(false);
      await started(() => q.stats().waitingPullers === 1);
      expect(q.tryPush(1)).toBe(true);
      expect(remaining(q)).toBe(0);
    })();
    const b = (async () => {
      await started();
      expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(1);
    })();
    await Promise.all([a, b]);
  });

  // SynchronousQueueTest.testPollInExecutor
  it('testPollInExecutor', pollInExecutor(0));

  // SynchronousQueueTest.testDrainTo. Difference: drainTo of an empty queue returns 0 at once;
  // pullMany waits for a value (SPEC). Timed, it rejects having taken nothing.
  it('testDrainTo (contract: pullMany waits; timed out, nothing taken)', async () => {
    const q = new Channel<number>(0);
    await expect(q.pullMany(SIZE, { signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(q.size).toBe(0);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // SynchronousQueueTest.testDrainToWithActivePut
  it('testDrainToWithActivePut', async () => {
    const q = new Channel<number>(0);
    const put = track(q.push(1));
    await tick();
    const l = await q.pullMany(SIZE);
    expect(l).toEqual([1]);
    await settle();
    expect(put.state).toBe('fulfilled');
  });

  // SynchronousQueueTest.testDrainToWithActivePut, with the drain waiting first: the put hands
  // its value to the parked pullMany.
  it('testDrainToWithActivePut (drain parked before the put)', async () => {
    const q = new Channel<number>(0);
    const drain = track(q.pullMany(SIZE));
    await tick();
    await q.push(1);
    await settle();
    expect(drain.value).toEqual([1]);
  });

  // SynchronousQueueTest.testDrainToN
  it('testDrainToN', async () => {
    const q = new Channel<number>(0);
    const t1 = track(q.push(1));
    const t2 = track(q.push(2));
    await tick();
    const l: number[] = [];
    l.push(...(await q.pullMany(1)));
    expect(l.length).toBe(1);
    l.push(...(await q.pullMany(1)));
    expect(l).toEqual([1, 2]); // FIFO among parked putters
    await settle();
    expect(t1.state).toBe('fulfilled');
    expect(t2.state).toBe('fulfilled');
  });

  // SynchronousQueueTest.testDrainToN with n above the number of putters: all of them, in order,
  // each putter resolved; later putters are not waited for.
  it('testDrainToN (n above the parked putters)', async () => {
    const q = new Channel<number>(0);
    const puts = [1, 2, 3].map((v) => track(q.push(v)));
    await tick();
    expect(await q.pullMany(SIZE)).toEqual([1, 2, 3]);
    await settle();
    expect(puts.every((p) => p.state === 'fulfilled')).toBe(true);
    expect(q.stats().waitingPushers).toBe(0);
  });

  // SynchronousQueueTest.testDrainToN: a putter interrupted at the last moment (aborted in the
  // same turn, before the drain) is skipped, its value not taken.
  it('testDrainToN (a putter cancelled just before the drain is skipped)', async () => {
    const q = new Channel<number>(0);
    const c = new AbortController();
    const p1 = track(q.push(1));
    const p2 = track(q.push(2, { signal: c.signal }));
    const p3 = track(q.push(3));
    await tick();
    c.abort();
    expect(await q.pullMany(SIZE)).toEqual([1, 3]);
    await settle();
    expect([p1.state, p2.state, p3.state]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  // SynchronousQueueTest.testDrainToN: a parked select with a push case is a putter too; the drain
  // takes its value and the select reports that case.
  it('testDrainToN (a parked select push case is drained like a putter)', async () => {
    const q = new Channel<number>(0);
    const other = new Channel<number>(0);
    const sel = track(select([push(other, 0), push(q, 42)]));
    const p = track(q.push(43));
    await tick();
    expect(await q.pullMany(SIZE)).toEqual([42, 43]);
    await settle();
    expect(sel.value).toMatchObject({ index: 1 });
    expect(p.state).toBe('fulfilled');
    expect(other.stats().waitingPushers).toBe(0);
  });

  // SynchronousQueue Fair: putters are served FIFO.
  it('Fair: putters are served FIFO', async () => {
    const q = new Channel<number>(0);
    const puts = [0, 1, 2, 3, 4].map((v) => track(q.push(v)));
    await tick();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await q.pull());
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await settle();
    expect(puts.every((p) => p.state === 'fulfilled')).toBe(true);
  });

  // Rendezvous: put returns only once a taker has the value (SynchronousQueue's definition).
  it('put returns only after a take (rendezvous)', async () => {
    const q = new Channel<number>(0);
    const put = track(q.push(1));
    await settle();
    expect(put.done).toBe(false);
    expect(q.size).toBe(0);
    const v = await q.pull();
    await settle();
    expect(v).toBe(1);
    expect(put.state).toBe('fulfilled');
  });
});

// test/jdk/java/util/concurrent/tck/ArrayBlockingQueueTest.java
describe('ArrayBlockingQueueTest.java', () => {
  // ArrayBlockingQueueTest.testConstructor1
  it('testConstructor1', () => {
    expect(remaining(new Channel(SIZE))).toBe(SIZE);
  });

  // ArrayBlockingQueueTest.testConstructor_nonPositiveCapacity. Difference: 0 is a valid capacity
  // (a rendezvous channel, Java's SynchronousQueue); negative ones are RangeErrors.
  it('testConstructor_nonPositiveCapacity (contract: 0 is rendezvous, negative is RangeError)', () => {
    expect(new Channel(0).capacity).toBe(0);
    for (const i of [-1, -(2 ** 31)]) expect(() => new Channel(i)).toThrow(RangeError);
  });

  // ArrayBlockingQueueTest.testConstructor7 (a queue built from a collection yields it in order)
  // ≈ Channel.from(iterable, { capacity }).
  it('testConstructor7', async () => {
    const ints = Array.from({ length: SIZE }, (_, i) => i);
    const q = Channel.from(ints, { capacity: SIZE });
    const got: number[] = [];
    for await (const v of q) got.push(v);
    expect(got).toEqual(ints);
  });

  // ArrayBlockingQueueTest.testEmptyFull
  it('testEmptyFull', () => {
    const q = new Channel<number>(2);
    expect(q.empty).toBe(true);
    expect(remaining(q)).toBe(2);
    q.pushNowait(1);
    expect(q.empty).toBe(false);
    expect(q.tryPush(2)).toBe(true);
    expect(q.empty).toBe(false);
    expect(q.full).toBe(true);
    expect(remaining(q)).toBe(0);
    expect(q.tryPush(3)).toBe(false);
  });

  // ArrayBlockingQueueTest.testRemainingCapacity
  it('testRemainingCapacity', () => {
    const size = 7;
    const cap = 2 * size;
    const q = populated(size, cap);
    const spare = remaining(q);
    for (let i = 0; i < size; i++) {
      expect(remaining(q)).toBe(spare + i);
      expect(q.size + remaining(q)).toBe(cap);
      expect(q.pullNowait()).toBe(i);
    }
    for (let i = 0; i < size; i++) {
      expect(remaining(q)).toBe(cap - i);
      expect(q.size + remaining(q)).toBe(cap);
      q.pushNowait(i);
    }
  });

  // ArrayBlockingQueueTest.testOffer
  it('testOffer', () => {
    const q = new Channel<number>(1);
    expect(q.tryPush(0)).toBe(true);
    expect(q.tryPush(1)).toBe(false);
  });

  // ArrayBlockingQueueTest.testAdd
  it('testAdd', () => {
    const q = new Channel<number>(SIZE);
    for (let i = 0; i < SIZE; i++) q.pushNowait(i);
    expect(remaining(q)).toBe(0);
    expect(() => q.pushNowait(SIZE)).toThrow(ChannelFullError);
  });

  // ArrayBlockingQueueTest.testAddAll_insufficientSpace. Difference: addAll throws
  // IllegalStateException; pushAll waits for room. Timed out, it says how many went in.
  it('testAddAll_insufficientSpace (contract: pushAll waits; timed out, pushed counts)', async () => {
    const size = 5;
    const q = new Channel<number>(size);
    await q.pushAll(Array.from({ length: size }, (_, i) => i)); // just fits
    expect(remaining(q)).toBe(0);
    expect(q.size).toBe(size);
    const q2 = new Channel<number>(size);
    const err = await q2
      .pushAll(
        Array.from({ length: size + 1 }, () => 42),
        { signal: AbortSignal.timeout(SHORT) },
      )
      .catch((e: unknown) => e);
    isTimeout(err);
    expect((err as { pushed?: number }).pushed).toBe(size);
    expect(q2.size).toBe(size);
    expect(q2.stats().waitingPushers).toBe(0);
  });

  // ArrayBlockingQueueTest.testAddAll3: a failure part-way leaves the earlier values added. Here,
  // a close part-way: pushed says how many, those stay readable, the rest were not delivered.
  it('testAddAll3 (contract: close part-way; pushed counts, the rest not delivered)', async () => {
    const q = new Channel<number>(3);
    const all = q.pushAll([0, 1, 2, 3, 4]).catch((e: unknown) => e);
    await tick();
    q.close();
    const err = await all;
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as { pushed?: number }).pushed).toBe(3);
    expect(await q.pullMany(10)).toEqual([0, 1, 2]);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // ArrayBlockingQueueTest.testAddAll5
  it('testAddAll5', async () => {
    const q = new Channel<number>(SIZE);
    await q.pushAll([]);
    expect(q.size).toBe(0);
    const ints = Array.from({ length: SIZE }, (_, i) => i);
    await q.pushAll(ints);
    for (let i = 0; i < SIZE; i++) expect(q.tryPull()).toBe(ints[i]);
  });

  // ArrayBlockingQueueTest.testPut
  it('testPut', async () => {
    const q = new Channel<number>(SIZE);
    for (let i = 0; i < SIZE; i++) {
      await q.push(i);
      expect(q.size).toBe(i + 1);
    }
    expect(remaining(q)).toBe(0);
  });

  // ArrayBlockingQueueTest.testBlockingPut
  it('testBlockingPut', async () => {
    const q = new Channel<number>(SIZE);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      for (let i = 0; i < SIZE; i++) await q.push(i);
      expect(q.size).toBe(SIZE);
      expect(remaining(q)).toBe(0);
      const pre = new AbortController();
      pre.abort();
      await expect(q.push(99, { signal: pre.signal })).rejects.toBe(pre.signal.reason);
      stage = 1;
      await expect(q.push(99, { signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    })();
    await until(() => stage === 1 && q.stats().waitingPushers === 1);
    c.abort();
    await t;
    expect(q.size).toBe(SIZE);
    expect(remaining(q)).toBe(0);
    expect(await q.pullMany(SIZE + 5)).toEqual(Array.from({ length: SIZE }, (_, i) => i));
  });

  // ArrayBlockingQueueTest.testPutWithTake
  it('testPutWithTake', async () => {
    const capacity = 2;
    const q = new Channel<number>(capacity);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      for (let i = 0; i < capacity; i++) await q.push(i);
      stage = 1;
      await q.push(86);
      const pre = new AbortController();
      pre.abort();
      await expect(q.push(99, { signal: pre.signal })).rejects.toBe(pre.signal.reason);
      stage = 2;
      await expect(q.push(99, { signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    })();
    await until(() => stage === 1);
    expect(remaining(q)).toBe(0);
    expect(await q.pull()).toBe(0);
    await until(() => stage === 2 && q.stats().waitingPushers === 1);
    c.abort();
    await t;
    expect(remaining(q)).toBe(0);
    expect(await q.pullMany(5)).toEqual([1, 86]);
  });

  // ArrayBlockingQueueTest.testTimedOffer
  it('testTimedOffer', async () => {
    const q = new Channel<object>(2);
    await q.push({});
    await q.push({});
    const start = Date.now();
    const late = {};
    await expect(q.push(late, { signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    const c = new AbortController();
    const put = track(q.push({}, { signal: AbortSignal.any([c.signal, AbortSignal.timeout(2 * LONG)]) }));
    await settle();
    c.abort();
    await settle();
    expect(put.error).toBe(c.signal.reason);
    const rest = await q.pullMany(10);
    expect(rest.length).toBe(2);
    expect(rest).not.toContain(late);
  });

  // ArrayBlockingQueueTest.testTake
  it('testTake', async () => {
    const q = populated(SIZE);
    for (let i = 0; i < SIZE; i++) expect(await q.pull()).toBe(i);
  });

  // ArrayBlockingQueueTest.testBlockingTake
  it('testBlockingTake', async () => {
    const q = populated(SIZE);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      for (let i = 0; i < SIZE; i++) expect(await q.pull()).toBe(i);
      const pre = new AbortController();
      pre.abort();
      await expect(q.pull({ signal: pre.signal })).rejects.toBe(pre.signal.reason);
      stage = 1;
      await expect(q.pull({ signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    })();
    await until(() => stage === 1 && q.stats().waitingPullers === 1);
    c.abort();
    await t;
  });

  // ArrayBlockingQueueTest.testPoll
  it('testPoll', () => {
    const q = populated(SIZE);
    for (let i = 0; i < SIZE; i++) expect(q.tryPull()).toBe(i);
    expect(q.tryPull()).toBeUndefined();
  });

  // ArrayBlockingQueueTest.testTimedPoll0
  it('testTimedPoll0', async () => {
    const q = populated(SIZE);
    for (let i = 0; i < SIZE; i++) expect(await q.pull({ signal: AbortSignal.timeout(0) })).toBe(i);
    await expect(q.pull({ signal: AbortSignal.timeout(0) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  // ArrayBlockingQueueTest.testTimedPoll
  it('testTimedPoll', async () => {
    const q = populated(SIZE);
    for (let i = 0; i < SIZE; i++) expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(i);
    const start = Date.now();
    await expect(q.pull({ signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    expect(q.empty).toBe(true);
  });

  // ArrayBlockingQueueTest.testInterruptedTimedPoll
  it('testInterruptedTimedPoll', async () => {
    const q = populated(SIZE);
    const c = new AbortController();
    let stage = 0;
    const t = (async () => {
      for (let i = 0; i < SIZE; i++) expect(await q.pull({ signal: AbortSignal.timeout(LONG) })).toBe(i);
      stage = 1;
      await expect(q.pull({ signal: AbortSignal.any([c.signal, AbortSignal.timeout(LONG)]) })).rejects.toSatisfy(
        (e: unknown) => e === c.signal.reason,
      );
    })();
    await until(() => stage === 1 && q.stats().waitingPullers === 1);
    c.abort();
    await t;
    expect(q.empty).toBe(true);
  });

  // LinkedTransferQueueTest.testTimedPollAfterInterrupt / ArrayBlockingQueue's: Java's LTQ still
  // returns available elements with the interrupt flag set (ABQ throws). chanasync: an already
  // aborted signal is checked first (SPEC), whatever is available: the poll rejects, nothing taken.
  it('testTimedPollAfterInterrupt (contract: aborted first, nothing taken)', async () => {
    const q = populated(SIZE);
    const c = new AbortController();
    c.abort();
    await expect(q.pull({ signal: c.signal })).rejects.toSatisfy((e: unknown) => e === c.signal.reason);
    expect(q.size).toBe(SIZE);
  });

  // ArrayBlockingQueueTest.testIteratorOrdering
  it('testIteratorOrdering', async () => {
    const q = new Channel<number>(3);
    q.pushNowait(1);
    q.pushNowait(2);
    q.pushNowait(3);
    expect(remaining(q)).toBe(0);
    q.close();
    let k = 0;
    for await (const n of q) expect(n).toBe(++k);
    expect(k).toBe(3);
  });

  // ArrayBlockingQueueTest.testWeaklyConsistentIteration: removing elements while iterating does
  // not break the iterator. With a consuming iterator, pulls beside a loop share the values:
  // each value exactly once.
  it('testWeaklyConsistentIteration', async () => {
    const q = new Channel<number>(3);
    q.pushNowait(1);
    q.pushNowait(2);
    q.pushNowait(3);
    q.close();
    const fromLoop: number[] = [];
    const outside: number[] = [];
    for await (const v of q) {
      fromLoop.push(v);
      const other = q.tryPull();
      if (other !== undefined) outside.push(other);
    }
    expect([...fromLoop, ...outside].sort()).toEqual([1, 2, 3]);
    expect(q.size).toBe(0);
  });

  // ArrayBlockingQueueTest.testOfferInExecutor
  it('testOfferInExecutor', async () => {
    const q = new Channel<number>(2);
    q.pushNowait(0);
    q.pushNowait(0);
    const started = bothStarted();
    const a = (async () => {
      expect(q.tryPush(1)).toBe(false);
      await started();
      await q.push(1, { signal: AbortSignal.timeout(LONG) });
      expect(remaining(q)).toBe(0);
    })();
    const b = (async () => {
      await started();
      expect(await q.pull()).toBe(0);
    })();
    await Promise.all([a, b]);
    expect(await q.pullMany(5)).toEqual([0, 1]);
  });

  // ArrayBlockingQueueTest.testPollInExecutor
  it('testPollInExecutor', pollInExecutor(2));

  // ArrayBlockingQueueTest.testDrainTo
  it('testDrainTo', async () => {
    const q = populated(SIZE);
    const l = await q.pullMany(Number.MAX_SAFE_INTEGER);
    expect(q.size).toBe(0);
    expect(l).toEqual(Array.from({ length: SIZE }, (_, i) => i));
    q.pushNowait(0);
    q.pushNowait(1);
    expect(q.empty).toBe(false);
    expect(await q.pullMany(SIZE)).toEqual([0, 1]);
    expect(q.size).toBe(0);
  });

  // ArrayBlockingQueueTest.testDrainToWithActivePut: drainTo of a full queue unblocks a waiting
  // put. pullMany takes the buffer and then the parked putter's value, in one commit.
  it('testDrainToWithActivePut', async () => {
    const q = populated(SIZE);
    const put = track(q.push(SIZE + 1));
    await tick();
    const l = await q.pullMany(Number.MAX_SAFE_INTEGER);
    expect(l.length).toBeGreaterThanOrEqual(SIZE);
    for (let i = 0; i < SIZE; i++) expect(l[i]).toBe(i);
    await settle();
    expect(put.state).toBe('fulfilled');
    expect(q.size + l.length).toBe(SIZE + 1);
    expect(l[SIZE]).toBe(SIZE + 1);
  });

  // ArrayBlockingQueueTest.testDrainToN: drainTo(c, i) takes min(i, size) from the head.
  it('testDrainToN', async () => {
    const q = new Channel<number>(SIZE * 2);
    for (let i = 1; i < SIZE + 2; i++) {
      for (let j = 0; j < SIZE; j++) expect(q.tryPush(j)).toBe(true);
      const l = await q.pullMany(i);
      const k = Math.min(i, SIZE);
      expect(l.length).toBe(k);
      expect(q.size).toBe(SIZE - k);
      for (let j = 0; j < k; j++) expect(l[j]).toBe(j);
      while (q.tryPull() !== undefined) {}
    }
  });

  // drainTo(c, n) on a full queue with several parked putters and n below the buffer size: the
  // freed slots are refilled from the parked putters at once, oldest first (README "Ordering":
  // a later offer cannot overtake them).
  it('testDrainToN (full with parked putters: freed slots refilled in order)', async () => {
    const q = populated(4, 4);
    const puts = [4, 5, 6].map((v) => track(q.push(v)));
    await tick();
    expect(await q.pullMany(2)).toEqual([0, 1]);
    // 4 and 5 moved in, 6 still waits
    expect(q.size).toBe(4);
    expect(q.tryPush(99)).toBe(false);
    await settle();
    expect(puts.map((p) => p.state)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    expect(await q.pullMany(10)).toEqual([2, 3, 4, 5, 6]);
    await settle();
    expect(puts[2]?.state).toBe('fulfilled');
  });

  // drainTo(c, n) on a full queue with parked putters, n above the buffer: buffer then putters.
  it('testDrainToN (full with parked putters: buffer first, then putters)', async () => {
    const q = populated(2, 2);
    const puts = [2, 3, 4].map((v) => track(q.push(v)));
    await tick();
    expect(await q.pullMany(4)).toEqual([0, 1, 2, 3]);
    expect(q.size).toBe(1); // 4 moved into the freed buffer
    await settle();
    expect(puts.every((p) => p.state === 'fulfilled')).toBe(true);
    expect(q.pullNowait()).toBe(4);
  });

  // testDrainTo after close: the buffer still drains; then ChannelClosedError.
  it('testDrainTo (closed: buffer drains, then ChannelClosedError)', async () => {
    const q = populated(3, 5);
    q.close();
    expect(await q.pullMany(2)).toEqual([0, 1]);
    expect(await q.pullMany(2)).toEqual([2]);
    await expect(q.pullMany(2)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // A drain interrupted while waiting takes nothing; a later put goes to the next taker.
  it('testDrainTo (interrupted while waiting: nothing taken)', async () => {
    const q = new Channel<number>(2);
    const c = new AbortController();
    const d = track(q.pullMany(5, { signal: c.signal }));
    const next = track(q.pull());
    await tick();
    c.abort();
    q.pushNowait(1);
    await settle();
    expect(d.error).toBe(c.signal.reason);
    expect(next.value).toBe(1);
  });

  // ArrayBlockingQueue Fair: putters blocked on a full queue are served FIFO, and a non-blocking
  // offer cannot overtake them.
  it('Fair: blocked putters are served FIFO, offer cannot overtake', async () => {
    const q = populated(1, 1);
    const puts = [1, 2, 3].map((v) => track(q.push(v)));
    await tick();
    expect(q.pullNowait()).toBe(0);
    expect(q.tryPush(100)).toBe(false);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await q.pull());
    expect(got).toEqual([1, 2, 3]);
    await settle();
    expect(puts.every((p) => p.state === 'fulfilled')).toBe(true);
  });
});

// test/jdk/java/util/concurrent/tck/LinkedBlockingQueueTest.java
describe('LinkedBlockingQueueTest.java', () => {
  // LinkedBlockingQueueTest.testConstructor1 (bounded) and the unbounded default.
  it('testConstructor1', () => {
    expect(remaining(new Channel(SIZE))).toBe(SIZE);
    // remainingCapacity() is Integer.MAX_VALUE for an unbounded queue ≈ Infinity
    expect(remaining(new Channel(Infinity))).toBe(Infinity);
  });

  // LinkedBlockingQueueTest.testEmptyFull
  it('testEmptyFull', () => {
    const q = new Channel<number>(2);
    expect(q.empty).toBe(true);
    expect(remaining(q)).toBe(2);
    q.pushNowait(1);
    expect(q.empty).toBe(false);
    q.pushNowait(2);
    expect(q.empty).toBe(false);
    expect(remaining(q)).toBe(0);
    expect(q.tryPush(3)).toBe(false);
  });

  // LinkedBlockingQueueTest (Unbounded): offer never fails, full is never true.
  it('testOffer (unbounded)', () => {
    const q = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) expect(q.tryPush(i)).toBe(true);
    expect(q.full).toBe(false);
    expect(q.size).toBe(10_000);
    expect(remaining(q)).toBe(Infinity);
  });

  // LinkedBlockingQueueTest.testPut (unbounded): put resolves without a taker.
  it('testPut (unbounded)', async () => {
    const q = new Channel<number>(Infinity);
    for (let i = 0; i < SIZE; i++) await q.push(i);
    expect(q.size).toBe(SIZE);
    expect(q.stats().waitingPushers).toBe(0);
  });

  // LinkedBlockingQueueTest.testTakeFromEmpty / testBlockingTake on an unbounded queue
  it('testBlockingTake (unbounded)', async () => {
    const q = populated(SIZE, Infinity);
    const c = new AbortController();
    for (let i = 0; i < SIZE; i++) expect(await q.pull()).toBe(i);
    const take = track(q.pull({ signal: c.signal }));
    await settle();
    expect(take.done).toBe(false);
    c.abort();
    await settle();
    expect(take.error).toBe(c.signal.reason);
  });

  // LinkedBlockingQueueTest.testDrainToN (unbounded)
  it('testDrainToN (unbounded)', async () => {
    const q = new Channel<number>(Infinity);
    for (let i = 1; i < SIZE + 2; i++) {
      for (let j = 0; j < SIZE; j++) q.pushNowait(j);
      const l = await q.pullMany(i);
      const k = Math.min(i, SIZE);
      expect(l).toEqual(Array.from({ length: k }, (_, j) => j));
      expect(q.size).toBe(SIZE - k);
      while (q.tryPull() !== undefined) {}
    }
  });

  // LinkedBlockingQueueTest.testPollInExecutor (unbounded), with several takers and putters
  // interleaved: every value taken once, each taker's values in push order.
  it('testPollInExecutor (many)', async () => {
    const q = new Channel<number>(Infinity);
    const takers = [0, 1, 2].map(async () => {
      const got: number[] = [];
      for (let i = 0; i < 100; i++) got.push(await q.pull({ signal: AbortSignal.timeout(LONG) }));
      return got;
    });
    for (let i = 0; i < 300; i++) {
      await q.push(i);
      if (i % 7 === 0) await tick();
    }
    const all = await Promise.all(takers);
    for (const got of all) expect([...got].sort((a, b) => a - b)).toEqual(got);
    expect(all.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

// Timed offer and interruption, beyond one implementation (BlockingQueueTest.java and the
// testTimedOffer of each implementation): the cases where a timed offer succeeds at once.
describe('BlockingQueueTest.java timed offer (immediate cases)', () => {
  // LinkedBlockingQueueTest.testTimedOffer (unbounded): a timed offer never waits, even with a
  // zero timeout: it commits synchronously, before the timer could fire.
  it('testTimedOffer (unbounded, zero timeout: commits)', async () => {
    const q = new Channel<number>(Infinity);
    for (let i = 0; i < SIZE; i++) await q.push(i, { signal: AbortSignal.timeout(0) });
    expect(q.size).toBe(SIZE);
  });

  // SynchronousQueueTest.testOfferInExecutor with a zero timeout: a taker is waiting, so the
  // timed offer hands the value over at once.
  it('testOfferInExecutor (rendezvous, taker waiting, zero timeout: commits)', async () => {
    const q = new Channel<number>(0);
    const take = track(q.pull());
    await tick();
    await q.push(1, { signal: AbortSignal.timeout(0) });
    expect(await take.promise).toBe(1);
  });

  // ArrayBlockingQueueTest.testTimedOffer with the interrupt set before the call and room in the
  // queue: ABQ's offer(e, t, unit) throws InterruptedException (lockInterruptibly); chanasync's
  // aborted-first rule agrees: rejected, nothing added.
  it('testTimedOffer (interrupted before the call, room available: nothing added)', async () => {
    const q = new Channel<number>(2);
    const pre = new AbortController();
    pre.abort();
    await expect(q.push(1, { signal: pre.signal })).rejects.toBe(pre.signal.reason);
    const err = await q.pushAll([1, 2], { signal: pre.signal }).catch((e: unknown) => e);
    expect(err).toBe(pre.signal.reason);
    expect((err as { pushed?: number }).pushed).toBe(0);
    expect(q.size).toBe(0);
  });

  // addAll (≈ pushAll) with takers waiting on a rendezvous channel: every waiting taker gets its
  // value at the call; the batch completes without waiting for more.
  it('testAddAll (rendezvous, as many waiting takers as values)', async () => {
    const q = new Channel<number>(0);
    const takers = [0, 1, 2].map(() => track(q.pull()));
    await tick();
    const all = track(q.pushAll([1, 2, 3]));
    await tick();
    expect(all.state).toBe('fulfilled');
    await tick();
    expect(takers.map((t) => t.value)).toEqual([1, 2, 3]);
  });

  // A waiting drain (pullMany) fails when the queue is closed (Java queues have no close: the
  // counterpart of asyncio's shutdown waking its getters).
  it('drainTo waiting when the channel closes rejects with ChannelClosedError', async () => {
    const q = new Channel<number>(4);
    const d = track(q.pullMany(4));
    await tick();
    q.close('bye');
    await tick();
    await tick();
    expect(d.error).toBeInstanceOf(ChannelClosedError);
    expect((d.error as Error).cause).toBe('bye');
  });
});

// test/jdk/java/util/concurrent/tck/LinkedTransferQueueTest.java. `transfer(e)` (put and wait
// until consumed) ≈ `push` on a rendezvous channel; `tryTransfer(e)` ≈ `tryPush` on it. Difference
// on purpose: LTQ counts a transferring element in `size()` (it sits in the queue); a channel of
// capacity 0 never buffers, so `size` stays 0 and the waiting transfer shows in
// `stats().waitingPushers`.
describe('LinkedTransferQueueTest.java', () => {
  // LinkedTransferQueueTest.testWaitingConsumer
  it('testWaitingConsumer', async () => {
    const q = new Channel<number>(Infinity);
    expect(q.stats().waitingPullers).toBe(0);
    const t = track(q.pull({ signal: AbortSignal.timeout(LONG) }));
    await until(() => q.stats().waitingPullers === 1);
    expect(q.tryPush(1)).toBe(true);
    expect(q.stats().waitingPullers).toBe(0);
    expect(await t.promise).toBe(1);
    expect(q.size).toBe(0);
  });

  // LinkedTransferQueueTest.testTransfer2: transfer waits until a poll occurs; the poll returns it.
  it('testTransfer2 (contract: size stays 0, the transfer waits in waitingPushers)', async () => {
    const q = new Channel<number>(0);
    const t = track(q.push(5));
    await until(() => q.stats().waitingPushers === 1);
    expect(q.size).toBe(0);
    expect(t.done).toBe(false);
    expect(q.tryPull()).toBe(5);
    await settle();
    expect(t.state).toBe('fulfilled');
    expect(q.stats().waitingPushers).toBe(0);
  });

  // LinkedTransferQueueTest.testTransfer3: transfers complete in FIFO order; the second is
  // interrupted while waiting and its element is gone.
  it('testTransfer3', async () => {
    const q = new Channel<number>(0);
    const c = new AbortController();
    const first = track(q.push(4));
    const second = track(q.push(5, { signal: c.signal }));
    await until(() => q.stats().waitingPushers === 2);
    expect(q.tryPull()).toBe(4);
    await settle();
    expect(first.state).toBe('fulfilled');
    expect(q.stats().waitingPushers).toBe(1);
    c.abort();
    await settle();
    expect(second.error).toBe(c.signal.reason);
    expect(q.tryPull()).toBeUndefined();
  });

  // LinkedTransferQueueTest.testTransfer4: an offer made while a transfer waits does not overtake
  // it. Here transfer ≈ push on an unbounded queue would not wait; with the rendezvous mapping a
  // tryPush fails (no taker) and the transferred element comes first.
  it('testTransfer4', async () => {
    const q = new Channel<number>(0);
    const t = track(q.push(4));
    await until(() => q.stats().waitingPushers === 1);
    expect(q.tryPush(3)).toBe(false);
    expect(q.tryPull()).toBe(4);
    await settle();
    expect(t.state).toBe('fulfilled');
  });

  // LinkedTransferQueueTest.testTransfer5: transfer waits until a take; the take returns it.
  it('testTransfer5', async () => {
    const q = new Channel<number>(0);
    const t = track(q.push(4));
    await until(() => q.stats().waitingPushers === 1);
    expect(await q.pull()).toBe(4);
    await settle();
    expect(t.state).toBe('fulfilled');
    expect(q.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0, size: 0 });
  });

  // LinkedTransferQueueTest.testTryTransfer2
  it('testTryTransfer2', () => {
    const q = new Channel<object>(0);
    expect(q.tryPush({})).toBe(false);
    expect(q.stats().waitingPullers).toBe(0);
    expect(q.stats().waitingPushers).toBe(0);
    expect(q.size).toBe(0);
  });

  // LinkedTransferQueueTest.testTryTransfer3 (a consumer in a timed poll)
  it('testTryTransfer3', async () => {
    const hot = {};
    const q = new Channel<object>(0);
    const poll = track(q.pull({ signal: AbortSignal.timeout(LONG) }));
    await until(() => q.stats().waitingPullers === 1);
    expect(q.size).toBe(0);
    expect(q.tryPush(hot)).toBe(true);
    expect(await poll.promise).toBe(hot);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // LinkedTransferQueueTest.testTryTransfer4 (a consumer in take)
  it('testTryTransfer4', async () => {
    const hot = {};
    const q = new Channel<object>(0);
    const take = track(q.pull());
    await until(() => q.stats().waitingPullers === 1);
    q.pushNowait(hot);
    expect(await take.promise).toBe(hot);
  });

  // LinkedTransferQueueTest.testTryTransfer5 (timed tryTransfer, interrupted before and while)
  it('testTryTransfer5', async () => {
    const q = new Channel<object>(0);
    const pre = new AbortController();
    pre.abort();
    await expect(q.push({}, { signal: AbortSignal.any([pre.signal, AbortSignal.timeout(LONG)]) })).rejects.toBe(
      pre.signal.reason,
    );
    const c = new AbortController();
    const t = track(q.push({}, { signal: AbortSignal.any([c.signal, AbortSignal.timeout(LONG)]) }));
    await until(() => q.stats().waitingPushers === 1);
    c.abort();
    await settle();
    expect(t.error).toBe(c.signal.reason);
    expect(q.stats().waitingPushers).toBe(0);
    expect(q.tryPull()).toBeUndefined();
  });

  // LinkedTransferQueueTest.testTryTransfer6 (gives up after the timeout)
  it('testTryTransfer6', async () => {
    const q = new Channel<object>(0);
    const start = Date.now();
    await expect(q.push({}, { signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    expect(q.tryPull()).toBeUndefined();
    expect(q.stats().waitingPushers).toBe(0);
  });

  // LinkedTransferQueueTest.testTryTransfer7: a timed transfer waits for the elements already in
  // to be taken first. A buffered channel commits to the buffer, not to a taker, so the closest
  // meaning: a push parked behind a full buffer is delivered after the buffered value.
  it('testTryTransfer7 (a parked push comes after what is buffered)', async () => {
    const q = new Channel<number>(1);
    expect(q.tryPush(4)).toBe(true);
    const t = track(q.push(5, { signal: AbortSignal.timeout(LONG) }));
    await until(() => q.stats().waitingPushers === 1);
    expect(q.tryPull()).toBe(4);
    expect(q.tryPull()).toBe(5);
    await settle();
    expect(t.state).toBe('fulfilled');
    expect(q.empty).toBe(true);
  });

  // LinkedTransferQueueTest.testTryTransfer8: the timed transfer times out, leaving the queue as
  // it was (the buffered element only).
  it('testTryTransfer8', async () => {
    const q = new Channel<number>(1);
    expect(q.tryPush(4)).toBe(true);
    expect(q.size).toBe(1);
    const start = Date.now();
    await expect(q.push(5, { signal: AbortSignal.timeout(SHORT) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(SHORT - 5);
    expect(q.size).toBe(1);
    expect(q.tryPull()).toBe(4);
    expect(q.tryPull()).toBeUndefined();
  });

  // LinkedTransferQueueTest.testTimedPoll0 (unbounded, elements available)
  it('testTimedPoll0', async () => {
    const q = populated(SIZE, Infinity);
    for (let i = 0; i < SIZE; i++) expect(await q.pull({ signal: AbortSignal.timeout(0) })).toBe(i);
    await expect(q.pull({ signal: AbortSignal.timeout(0) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  // LinkedTransferQueueTest.testDrainTo (unbounded)
  it('testDrainTo', async () => {
    const q = populated(SIZE, Infinity);
    expect(await q.pullMany(SIZE * 2)).toEqual(Array.from({ length: SIZE }, (_, i) => i));
    q.pushNowait(0);
    q.pushNowait(1);
    expect(await q.pullMany(SIZE)).toEqual([0, 1]);
    expect(q.size).toBe(0);
  });

  // LinkedTransferQueueTest.testOfferInExecutor
  it('testOfferInExecutor', async () => {
    const q = new Channel<number>(Infinity);
    const take = track(q.pull());
    await q.push(1, { signal: AbortSignal.timeout(LONG) });
    expect(await take.promise).toBe(1);
    expect(q.empty).toBe(true);
    await sleep(1);
  });
});
