/**
 * Audit BQ-peers: Effect's own Queue tests (Effect-TS/effect, packages/effect/test/Queue.test.ts,
 * the v3 suite with offerAll / takeAll / takeUpTo / takeBetween / poll / shutdown and the
 * sliding and dropping strategies), translated onto chanasync's batch and non-blocking
 * operations: offerAll → pushAll, takeAll / takeUpTo → pullMany(max), poll → tryPull,
 * offer (unsafe) → tryPush, shutdown → close, interruption → an AbortSignal, sliding →
 * overflow 'drop-oldest', dropping → overflow 'drop-newest'.
 *
 * Where Effect's semantics differ from the SPEC, the expectation follows the SPEC and a
 * comment says so. The recurring ones:
 * - Effect's takeAll / takeUpTo never wait (an empty queue gives []); pullMany waits like pull
 *   for at least one value (SPEC "Non-blocking and batch operations").
 * - Effect's takeAll / takeUpTo leave back-pressured offers where they are; pullMany takes
 *   "buffer first, then parked pushers' values" (SPEC) in the same commit.
 * - Effect's offer / offerAll on a dropping queue return false for a dropped value; in chanasync
 *   "the policy is the commit": push and pushAll resolve.
 * - Effect's shutdown discards the buffer and interrupts; close keeps buffered values readable.
 */
import { Channel, ChannelClosedError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, track } from '../helpers/ported-suites.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Takes everything now buffered (and parked), like Effect's takeAll on a non-empty queue. */
const takeAllNow = <T>(ch: Channel<T>): T[] => {
  const out: T[] = [];
  for (;;) {
    try {
      out.push(ch.pullNowait());
    } catch {
      return out;
    }
  }
};

describe('Effect Queue.test.ts: offerAll → pushAll', () => {
  // "bounded - offerAll returns true when there is enough space"
  it('pushAll into a channel with room resolves at once, every value committed', async () => {
    const ch = new Channel<number>(5);
    const p = track(ch.pushAll([1, 2, 3]));
    await Promise.resolve();
    expect(p.state).toBe('fulfilled');
    expect(ch.size).toBe(3);
  });

  // "dropping - with offerAll" (Effect returns false; SPEC: a drop mode's policy is the commit,
  // so pushAll resolves, and the first four are kept).
  it('pushAll into a full drop-newest channel resolves and keeps the oldest values', async () => {
    const ch = new Channel<number>(4, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  // "dropping - with offerAll, check offer returns false" → tryPush on a full drop-newest
  // channel returns true (the drop is the commit), and the buffer is unchanged.
  it('tryPush on a full drop-newest channel returns true and leaves the buffer as it was', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5, 6]);
    expect(ch.tryPush(7)).toBe(true);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  // "dropping - with offerAll, check ordering"
  it('pushAll of 256 values into a drop-newest channel of 128 keeps the first 128 in order', async () => {
    const ch = new Channel<number>(128, { overflow: 'drop-newest' });
    await ch.pushAll(range(1, 256));
    expect(await ch.pullMany(1000)).toEqual(range(1, 128));
  });

  // "dropping - with pending taker"
  it('pushAll into a drop-newest channel with a parked pull hands the first value to it before dropping', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    const taker = ch.pull();
    await ch.pushAll([1, 2, 3, 4]);
    expect(await taker).toBe(1);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });

  // "sliding - with offer"
  it('push into a full drop-oldest channel resolves and keeps the newest values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });

  // "sliding - with offerAll", "sliding - with offerAll and takeAll"
  it('pushAll into a drop-oldest channel keeps the last `capacity` values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(2);
    await ch.pushAll([4, 5, 6]);
    expect(await ch.pullMany(10)).toEqual([5, 6]);
  });

  // "sliding - with enough capacity"
  it('a drop-oldest channel with room drops nothing', async () => {
    const ch = new Channel<number>(100, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });

  // "sliding - with pending taker"
  it('pushAll into a drop-oldest channel with a parked pull: the pull gets the first, the buffer slides over the rest', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    const taker = ch.pull();
    await ch.pushAll([1, 2, 3, 4]);
    expect(await taker).toBe(1);
    expect(await ch.pull()).toBe(3);
    expect(await ch.pull()).toBe(4);
  });

  // "offers are suspended by back pressure"
  it('a push into a full block channel waits', async () => {
    const ch = new Channel<number>(10);
    for (let i = 0; i < 10; i++) await ch.push(1);
    const p = track(ch.push(2));
    await settle();
    expect(p.done).toBe(false);
    expect(ch.stats().waitingPushers).toBe(1);
    ch.close();
    await settle();
    expect(p.error).toBeInstanceOf(ChannelClosedError);
  });

  // "back pressured offers are retrieved"
  it('ten concurrent pushes on a channel of 10 are pulled in the order they were made', async () => {
    const ch = new Channel<number>(10);
    const pushes = range(1, 10).map((n) => ch.push(n));
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await ch.pull());
    await Promise.all(pushes);
    expect(got).toEqual(range(1, 10));
  });

  // "back-pressured offer completes after take"
  it('a parked push resolves once a pull frees a slot, and its value comes after the buffered ones', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const p = track(ch.push(3));
    await settle();
    expect(p.done).toBe(false);
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await p.promise;
    expect(await ch.pull()).toBe(3);
  });

  // "back-pressured offer completes after takeAll" / "... after takeUpTo".
  // Effect's takeAll/takeUpTo(2) give [1, 2] and the offer then completes; pullMany(2) too.
  it('pullMany(2) on a full channel with a parked push takes the buffer and lets the push in', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const p = track(ch.push(3));
    await settle();
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await settle();
    expect(p.state).toBe('fulfilled');
    expect(ch.tryPull()).toBe(3);
  });

  // "takeAll does not return more than the queue size" / "does not return back-pressured
  // offers": Effect leaves the parked offer (5) out of takeAll. SPEC differs on purpose:
  // pullMany takes "buffer first, then parked pushers' values, each parked pusher resolving as
  // its value is taken" — so a large max gets the parked value too, and its push resolves.
  it('pullMany with a large max also takes the values of parked pushes (SPEC, unlike Effect takeAll)', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3, 4]);
    const p = track(ch.push(5));
    await settle();
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    await settle();
    expect(p.state).toBe('fulfilled');
    expect(ch.size).toBe(0);
  });

  // "back-pressured offerAll completes after takeAll": Effect gets [1,2], [3,4], [5]. With
  // pullMany taking parked values too, the batches may be larger; what must hold is the order,
  // no loss, no duplicate, and the pushAll resolving once its last value is committed.
  it('a pushAll parked on a full channel is drained by repeated pullMany in order, and then resolves', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const p = track(ch.pushAll([3, 4, 5]));
    await settle();
    expect(p.done).toBe(false);
    const got: number[] = [];
    while (got.length < 5) {
      const batch = await ch.pullMany(100);
      expect(batch.length).toBeGreaterThan(0);
      got.push(...batch);
      await settle();
    }
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(p.state).toBe('fulfilled');
  });

  // "offerAll with takeAll"
  it('pushAll of ten values into a channel of ten, then pullMany(10), gives them back in order', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll(range(1, 10));
    expect(await ch.pullMany(10)).toEqual(range(1, 10));
  });

  // "offerAll with takeAll and back pressure": takeAll gets the buffered [1, 2]; the pushAll
  // is then interrupted. Here: pullMany(2) takes [1, 2] (max 2 leaves the parked value), the
  // abort stops the pushAll with `pushed` counting what it committed.
  it('an aborted pushAll reports in `pushed` exactly the values a consumer could take', async () => {
    const ch = new Channel<number>(2);
    const controller = new AbortController();
    const p = track(ch.pushAll([1, 2, 3], { signal: controller.signal }));
    await settle();
    expect(ch.size).toBe(2);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    // The parked value 3 moved into the freed slot when pullMany freed it: committed, and it
    // was the last value, so the pushAll already resolved; the abort comes too late to matter.
    controller.abort(new Error('stop'));
    await settle();
    expect(p.state).toBe('fulfilled');
    expect(takeAllNow(ch)).toEqual([3]);
  });

  // "offerAll with takeAll and back pressure + interruption"
  it('a pushAll parked on a full channel and then aborted delivers nothing: pushed is 0', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const controller = new AbortController();
    const p = track(ch.pushAll([3, 4], { signal: controller.signal }));
    await settle();
    controller.abort(new Error('interrupted'));
    await settle();
    expect(p.state).toBe('rejected');
    expect((p.error as Error).message).toBe('interrupted');
    expect((p.error as { pushed: number }).pushed).toBe(0);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.stats().waitingPushers).toBe(0);
  });

  // "offerAll with takeAll and back pressure, check ordering"
  it('pushAll of 128 into a channel of 64: pullMany(64) gets the first 64 in order', async () => {
    const ch = new Channel<number>(64);
    const p = track(ch.pushAll(range(1, 128)));
    await settle();
    expect(await ch.pullMany(64)).toEqual(range(1, 64));
    // The rest follows in order.
    const rest: number[] = [];
    while (rest.length < 64) rest.push(...(await ch.pullMany(1000)));
    expect(rest).toEqual(range(65, 128));
    await p.promise;
  });

  // "offerAll with pending takers"
  it('pushAll with 100 parked pulls serves them in FIFO order and buffers nothing', async () => {
    const ch = new Channel<number>(50);
    const takers = Array.from({ length: 100 }, () => ch.pull());
    await ch.pushAll(range(1, 100));
    expect(await Promise.all(takers)).toEqual(range(1, 100));
    expect(ch.size).toBe(0);
  });

  // "offerAll with pending takers, check ordering"
  it('pushAll of 128 with 64 parked pulls: the pulls get 1..64, the buffer keeps 65..128', async () => {
    const ch = new Channel<number>(256);
    const takers = Array.from({ length: 64 }, () => ch.pull());
    await ch.pushAll(range(1, 128));
    expect(await Promise.all(takers)).toEqual(range(1, 64));
    expect(ch.size).toBe(64);
    expect(await ch.pullMany(1000)).toEqual(range(65, 128));
  });

  // "offerAll with pending takers, check ordering of taker resolution"
  it('with 200 parked pulls, pushAll of 100 serves the first 100 and leaves 100 parked', async () => {
    const ch = new Channel<number>(200);
    const controller = new AbortController();
    const first = Array.from({ length: 100 }, () => ch.pull());
    const second = Array.from({ length: 100 }, () => ch.pull({ signal: controller.signal }).catch(() => 'aborted'));
    await ch.pushAll(range(1, 100));
    expect(await Promise.all(first)).toEqual(range(1, 100));
    expect(ch.stats().waitingPullers).toBe(100);
    controller.abort();
    expect(new Set(await Promise.all(second))).toEqual(new Set(['aborted']));
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // "offerAll with take and back pressure", "offerAll multiple with back pressure"
  it('two pushAll calls parked on a full channel deliver in call order, each in its own order', async () => {
    const ch = new Channel<number>(2);
    const a = ch.pushAll([1, 2, 3]);
    await settle();
    const b = ch.pushAll([4, 5]);
    await settle();
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(await ch.pull());
    await Promise.all([a, b]);
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  // "offerAll with takeAll, check ordering"
  it('push then pushAll of 999 more into a channel of 1000 keeps the order', async () => {
    const ch = new Channel<number>(1000);
    await ch.push(1);
    await ch.pushAll(range(2, 1000));
    expect(await ch.pullMany(1000)).toEqual(range(1, 1000));
  });

  // "offerAll combination of offer, offerAll, take, takeAll": Effect's takeAll gives 1..32
  // and leaves 33..35 to takes. pullMany(32) is the same batch (max = the capacity).
  it('offer, offer, a parked pushAll, then pullMany(32) and three pulls: 1..32, 33, 34, 35', async () => {
    const ch = new Channel<number>(32);
    await ch.push(1);
    await ch.push(2);
    const p = ch.pushAll(range(3, 35));
    await settle();
    expect(await ch.pullMany(32)).toEqual(range(1, 32));
    expect(await ch.pull()).toBe(33);
    expect(await ch.pull()).toBe(34);
    expect(await ch.pull()).toBe(35);
    await p;
  });

  // "parallel takes and sequential offers"
  it('ten parked pulls and ten sequential pushes: the pulls get 1..10 in order', async () => {
    const ch = new Channel<number>(100);
    const takers = Array.from({ length: 10 }, () => ch.pull());
    for (const n of range(1, 10)) await ch.push(n);
    expect(await Promise.all(takers)).toEqual(range(1, 10));
  });

  // "sequential take and offer"
  it('two pulls waiting in one task receive two sequential pushes in order ("don\'t give up :D")', async () => {
    const ch = new Channel<string>(100);
    const both = (async () => (await ch.pull()) + (await ch.pull()))();
    await ch.push("don't ");
    await ch.push('give up :D');
    expect(await both).toBe("don't give up :D");
  });
});

describe('Effect Queue.test.ts: zero-capacity offerAll / takeAll → rendezvous pushAll / pullMany', () => {
  // "zero-capacity takeAll reserves the message before resuming offerAll" and "shutdownUnsafe
  // resumes batch offers with their unaccepted suffix": on a rendezvous channel a pushAll has
  // one value parked at a time, so each pullMany takes that one; a close then reports in
  // `pushed` exactly the values that were taken (Effect returns the unaccepted suffix).
  it('pushAll on a rendezvous channel drained by pullMany then closed: pushed counts exactly the values taken', async () => {
    const ch = new Channel<number>();
    const p = track(ch.pushAll([1, 2, 3, 4]));
    await settle();
    const b1 = await ch.pullMany(10);
    await settle();
    const b2 = await ch.pullMany(10);
    ch.close();
    await settle();
    expect([...b1, ...b2]).toEqual([1, 2]);
    expect(p.state).toBe('rejected');
    expect(p.error).toBeInstanceOf(ChannelClosedError);
    expect((p.error as { pushed: number }).pushed).toBe(2);
  });

  // A pullMany parked before the pushAll is served like a parked pull: one value (README,
  // "Batches"), and the pushAll waits with the next one.
  it('a parked pullMany(3) on a rendezvous channel gets the first value of a pushAll; the pushAll waits with the next', async () => {
    const ch = new Channel<number>();
    const pm = track(ch.pullMany(3));
    const pa = track(ch.pushAll([1, 2, 3, 4]));
    await settle();
    expect(pm.value).toEqual([1]);
    expect(pa.done).toBe(false);
    expect(ch.stats().waitingPushers).toBe(1);
    ch.close();
    await settle();
    expect((pa.error as { pushed: number }).pushed).toBe(1);
  });

  // "offerAll with pending takers" with takeAll-style takers: two parked pullMany each get one
  // value, the buffer fills, the rest of the pushAll waits.
  it('two parked pullMany(5) and a pushAll of five into a channel of 2: [1], [2], buffer [3, 4], 5 waits', async () => {
    const ch = new Channel<number>(2);
    const a = track(ch.pullMany(5));
    const b = track(ch.pullMany(5));
    const pa = track(ch.pushAll([1, 2, 3, 4, 5]));
    await settle();
    expect([a.value, b.value]).toEqual([[1], [2]]);
    expect(ch.size).toBe(2);
    expect(pa.done).toBe(false);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pullMany(5)).toEqual([3, 4, 5]);
    await settle();
    expect(pa.state).toBe('fulfilled');
  });
});

describe('Effect Queue.test.ts: poll → tryPull, unsafeOffer → tryPush', () => {
  // "poll on empty queue"
  it('tryPull on an empty channel returns undefined', () => {
    expect(new Channel<number>(5).tryPull()).toBeUndefined();
  });

  // "poll on queue just emptied"
  it('tryPull on a channel just drained by pullMany returns undefined', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3, 4]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
    expect(ch.tryPull()).toBeUndefined();
  });

  // "multiple polls"
  it('tryPull returns the buffered values in order, then undefined again and again', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2]);
    expect([ch.tryPull(), ch.tryPull(), ch.tryPull(), ch.tryPull()]).toEqual([1, 2, undefined, undefined]);
  });

  // "elements can be enqueued syncroniously when there is space"
  it('tryPush commits synchronously while there is room', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    expect([ch.tryPush(1), ch.tryPush(2), ch.tryPush(3)]).toEqual([true, true, true]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });

  // "rts - handles falsy values"
  it('falsy values other than undefined go through tryPush / tryPull / pullMany unchanged', async () => {
    const ch = new Channel<unknown>(10);
    for (const v of [0, '', false, null, Number.NaN, -0]) expect(ch.tryPush(v)).toBe(true);
    expect(ch.tryPull()).toBe(0);
    expect(ch.tryPull()).toBe('');
    const rest = await ch.pullMany(10);
    expect(rest.slice(0, 2)).toEqual([false, null]);
    expect(Number.isNaN(rest[2])).toBe(true);
    expect(Object.is(rest[3], -0)).toBe(true);
  });
});

describe('Effect Queue.test.ts: takeUpTo / takeBetween / takeN → pullMany', () => {
  // "should return the specified number of elements from a non-empty queue"
  it('pullMany(2) on a channel holding two values takes both', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2]);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
  });

  // "should return an empty collection from an empty queue": Effect's takeUpTo never waits.
  // SPEC: pullMany "waits like pull until at least one value can be taken".
  it('pullMany on an empty channel waits for a value instead of returning []', async () => {
    const ch = new Channel<number>(100);
    const p = track(ch.pullMany(2));
    await settle();
    expect(p.done).toBe(false);
    await ch.push(7);
    expect(await p.promise).toEqual([7]);
  });

  // "should leave behind elements if necessary"
  it('pullMany(2) on four values takes two and leaves two', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2, 3, 4]);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(ch.size).toBe(2);
  });

  // "should handle not enough items"
  it('pullMany(10) on four values takes the four', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2, 3, 4]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3, 4]);
  });

  // "should handle taking up to 0 items", "... -1 items", "... Number.POSITIVE_INFINITY
  // items": Effect returns [] / [] / everything. SPEC: max must be a positive integer
  // (RangeError); README: pullMany(Infinity) is a RangeError too. Nothing is consumed.
  it.each([0, -1, 1.5, Number.POSITIVE_INFINITY, Number.NaN])(
    'pullMany(%s) rejects with RangeError and takes nothing',
    async (max) => {
      const ch = new Channel<number>(100);
      await ch.pushAll([1, 2, 3, 4]);
      await expect(ch.pullMany(max)).rejects.toBeInstanceOf(RangeError);
      expect(ch.size).toBe(4);
    },
  );

  // "multiple take up to calls", "consecutive take up to calls"
  it('consecutive pullMany(2) calls take consecutive pairs', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2]);
    const a = await ch.pullMany(2);
    await ch.pushAll([3, 4]);
    const b = await ch.pullMany(2);
    await ch.pushAll([5, 6, 7, 8]);
    expect([a, b, await ch.pullMany(2), await ch.pullMany(2)]).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
  });

  // "takeBetween returns immediately if there is enough elements" (min 2, max 5 on 3 values)
  it('pullMany(5) with three values buffered resolves with the three', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(5)).toEqual([1, 2, 3]);
  });

  // "takeBetween returns elements in the correct order": a producer pushes one by one while a
  // consumer collects with pullMany until it has six.
  it('a consumer collecting with pullMany from a one-by-one producer gets the values in order', async () => {
    const values = [-10, -7, -4, -1, 5, 10];
    const ch = new Channel<number>(100);
    const producer = (async () => {
      for (const v of values) await ch.push(v);
    })();
    const got: number[] = [];
    while (got.length < values.length) got.push(...(await ch.pullMany(values.length - got.length)));
    await producer;
    expect(got).toEqual(values);
  });

  // "takeN" (new suite): takeN(2) twice on four values offered by a forked offerAll.
  it('pullMany(2) twice while a pushAll of four runs concurrently: [1, 2] then [3, 4]', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    const p = ch.pushAll([1, 2, 3, 4]);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await ch.pullMany(2)).toEqual([3, 4]);
    await p;
  });

  // "takeN blocks until the required number of elements is available": the nearest
  // equivalent is a pullMany on an unbuffered channel fed by a producer that never stops; the
  // batch is never larger than max and never empty.
  it('pullMany(5) on a rendezvous channel fed by parked pushes takes at most five of them, in order', async () => {
    const ch = new Channel<number>(0);
    const pushes = range(1, 8).map((n) => ch.push(n));
    const batch = await ch.pullMany(5);
    expect(batch).toEqual([1, 2, 3, 4, 5]);
    expect(ch.stats().waitingPushers).toBe(3);
    expect(await ch.pullMany(5)).toEqual([6, 7, 8]);
    await Promise.all(pushes);
  });
});

describe('Effect Queue.test.ts: shutdown → close', () => {
  // "shutdown with take fiber"
  it('a pull parked on an empty channel rejects with ChannelClosedError on close', async () => {
    const ch = new Channel<number>(3);
    const p = track(ch.pull());
    await settle();
    ch.close();
    await settle();
    expect(p.error).toBeInstanceOf(ChannelClosedError);
  });

  // "shutdown with offer fiber"
  it('a push parked on a full channel rejects with ChannelClosedError on close, and its value is not added', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 1]);
    const p = track(ch.push(9));
    await settle();
    ch.close();
    await settle();
    expect(p.error).toBeInstanceOf(ChannelClosedError);
    expect(await ch.pullMany(10)).toEqual([1, 1]);
  });

  // "shutdown with offer"
  it('push, pushAll and tryPush after close fail (reject / reject with pushed 0 / false)', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(ch.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
    const error = (await ch.pushAll([1, 2]).catch((e: unknown) => e)) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(0);
    expect(ch.tryPush(1)).toBe(false);
  });

  // "shutdown with take", "shutdown with takeAll", "shutdown with takeUpTo"
  it('pull and pullMany on a closed, drained channel reject with ChannelClosedError; tryPull gives undefined', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(ch.pullMany(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPull()).toBeUndefined();
  });

  // "interrupt allows draining" (new suite) and "fail drains buffered values before failing
  // takers": close keeps the buffer; pullMany drains it, then rejects with the cause.
  it('after close(reason) pullMany drains the buffer and then rejects with the reason as cause', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4, 5]);
    ch.close('boom');
    expect(ch.tryPush(6)).toBe(false);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await ch.pullMany(10)).toEqual([3, 4, 5]);
    const error = (await ch.pullMany(10).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('boom');
  });

  // "shutdown race condition with offer": a producer looping on push ends with a failure.
  it('a producer looping on push ends with ChannelClosedError once the channel is closed', async () => {
    const ch = new Channel<number>(2);
    const producer = (async () => {
      for (;;) await ch.push(1);
    })();
    await settle();
    ch.close();
    await expect(producer).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // "shutdown race condition with take": a consumer looping on pull ends too, after the buffer.
  it('a consumer looping on pull ends with ChannelClosedError once the channel is closed and drained', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 1]);
    let taken = 0;
    const consumer = (async () => {
      for (;;) {
        await ch.pull();
        taken++;
      }
    })();
    ch.close();
    await expect(consumer).rejects.toBeInstanceOf(ChannelClosedError);
    expect(taken).toBe(2);
  });

  // "isShutdown indicates shutdown status"
  it('closed is false until close(), whatever is pushed or pulled, and true after', async () => {
    const ch = new Channel<number>(5);
    const seen = [ch.closed];
    await ch.push(1);
    seen.push(ch.closed);
    await ch.pullMany(10);
    seen.push(ch.closed);
    ch.close();
    seen.push(ch.closed);
    expect(seen).toEqual([false, false, false, true]);
  });

  // "take interruption", "offer interruption", "take can be interrupted without losing offers"
  it('an aborted pull leaves no waiter and swallows nothing; an aborted push adds nothing', async () => {
    const ch = new Channel<number>(2);
    const c1 = new AbortController();
    const pull = track(ch.pull({ signal: c1.signal }));
    await settle();
    c1.abort();
    await settle();
    expect(pull.state).toBe('rejected');
    expect(ch.stats().waitingPullers).toBe(0);
    await ch.pushAll([1, 1]);
    const c2 = new AbortController();
    const push = track(ch.push(1, { signal: c2.signal }));
    await settle();
    c2.abort();
    await settle();
    expect(push.state).toBe('rejected');
    expect(ch.size).toBe(2);
    expect(ch.stats().waitingPushers).toBe(0);
    const live = ch.pull();
    expect(await live).toBe(1);
  });
});
