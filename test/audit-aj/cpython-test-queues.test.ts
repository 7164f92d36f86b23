/**
 * Audit AJ: CPython's asyncio queue tests, translated to chanasync.
 * Source: https://github.com/python/cpython/blob/main/Lib/test/test_asyncio/test_queues.py
 * (the 3.13 version, with `Queue.shutdown`; some tests also from the 3.4 version of the file).
 *
 * Mapping: `asyncio.Queue(maxsize)` ≈ `new Channel(capacity)`, with asyncio's `maxsize=0`
 * ("unbounded") ≈ `Infinity` (chanasync's capacity 0 is a rendezvous); `put`/`get` ≈
 * `push`/`pull`; `put_nowait`/`get_nowait` ≈ `pushNowait`/`pullNowait` (`QueueFull`/`QueueEmpty`
 * ≈ `ChannelFullError`/`ChannelEmptyError`); `qsize()`/`empty()`/`full()`/`maxsize` ≈
 * `size`/`empty`/`full`/`capacity`; `len(q._getters)`/`len(q._putters)` ≈
 * `stats().waitingPullers`/`waitingPushers`; `task.cancel()` ≈ aborting the operation's signal;
 * `asyncio.wait_for(x, t)` ≈ `{ signal: AbortSignal.timeout(t) }`; `await asyncio.sleep(0)` ≈ one
 * macrotask turn; `shutdown()` ≈ `close()` (`QueueShutDown` ≈ `ChannelClosedError`).
 *
 * Not ported: LifoQueue/PriorityQueue (no such order in a channel), `task_done`/`join` (a channel
 * has no unfinished-task count), repr/str/`_format`/generic alias (Python-only).
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, sleep, tick, track, until } from './util.js';

/** A full queue (maxsize 1, holding 1) and a put of `value` parked on it, cancellable through `c`. */
async function parkedPush(value: number) {
  const q = new Channel<number>(1);
  q.pushNowait(1);
  const c = new AbortController();
  const put = track(q.push(value, { signal: c.signal }));
  await tick();
  return { q, c, put };
}

/** An empty queue with two gets parked on it, the first cancellable through `c1`. */
async function twoParkedGets() {
  const q = new Channel<string>(Infinity);
  const c1 = new AbortController();
  const t1 = track(q.pull({ signal: c1.signal }));
  const t2 = track(q.pull());
  await tick();
  return { q, c1, t1, t2 };
}

// Lib/test/test_asyncio/test_queues.py :: QueueBasicTests
describe('test_queues.py QueueBasicTests', () => {
  // test_queues.py QueueBasicTests.test_empty
  it('test_empty', async () => {
    const q = new Channel<number>(Infinity);
    expect(q.empty).toBe(true);
    await q.push(1);
    expect(q.empty).toBe(false);
    expect(await q.pull()).toBe(1);
    expect(q.empty).toBe(true);
  });

  // test_queues.py QueueBasicTests.test_full. The original: an unbounded queue is not full, a
  // maxsize=1 queue holding one item is. Same here; and a rendezvous channel (no asyncio
  // counterpart) is always full (SPEC).
  it('test_full', async () => {
    expect(new Channel(Infinity).full).toBe(false);
    const q = new Channel<number>(1);
    await q.push(1);
    expect(q.full).toBe(true);
    expect(new Channel(0).full).toBe(true);
  });

  // test_queues.py QueueBasicTests.test_order
  it('test_order', async () => {
    const q = new Channel<number>(Infinity);
    for (const i of [1, 3, 2]) await q.push(i);
    const items = [await q.pull(), await q.pull(), await q.pull()];
    expect(items).toEqual([1, 3, 2]);
  });

  // test_queues.py QueueBasicTests.test_maxsize
  it('test_maxsize', async () => {
    const q = new Channel<number>(2);
    expect(q.capacity).toBe(2);
    const haveBeenPut: number[] = [];
    const putter = track(
      (async () => {
        for (let i = 0; i < 3; i++) {
          await q.push(i);
          haveBeenPut.push(i);
        }
        return true;
      })(),
    );
    await settle();
    // The putter is blocked after putting two items.
    expect(haveBeenPut).toEqual([0, 1]);
    expect(await q.pull()).toBe(0);
    // Let the putter resume and put the last item.
    await settle();
    expect(haveBeenPut).toEqual([0, 1, 2]);
    expect(await q.pull()).toBe(1);
    expect(await q.pull()).toBe(2);
    expect(putter.state).toBe('fulfilled');
    expect(putter.value).toBe(true);
  });
});

// Lib/test/test_asyncio/test_queues.py :: QueueGetTests
describe('test_queues.py QueueGetTests', () => {
  // test_queues.py QueueGetTests.test_blocking_get
  it('test_blocking_get', async () => {
    const q = new Channel<number>(Infinity);
    q.pushNowait(1);
    expect(await q.pull()).toBe(1);
  });

  // test_queues.py QueueGetTests.test_get_with_putters. The original appends a bare future to
  // `q._putters` (an internal); here a real parked push: getting the buffered item moves the
  // parked putter's value in and resolves it.
  it('test_get_with_putters', async () => {
    const q = new Channel<number>(1);
    await q.push(1);
    const putter = track(q.push(2));
    await tick();
    expect(putter.done).toBe(false);
    expect(await q.pull()).toBe(1);
    await tick();
    expect(putter.state).toBe('fulfilled');
    expect(putter.value).toBeUndefined();
    expect(q.size).toBe(1);
    expect(q.pullNowait()).toBe(2);
  });

  // test_queues.py QueueGetTests.test_blocking_get_wait
  it('test_blocking_get_wait', async () => {
    const q = new Channel<number>(Infinity);
    let finished = false;
    let started = false;
    const getter = (async () => {
      started = true;
      const res = await q.pull();
      finished = true;
      return res;
    })();
    await until(() => started);
    expect(finished).toBe(false);
    const timer = setTimeout(() => q.pushNowait(1), 10);
    const res = await getter;
    clearTimeout(timer);
    expect(finished).toBe(true);
    expect(res).toBe(1);
  });

  // test_queues.py QueueGetTests.test_nonblocking_get
  it('test_nonblocking_get', () => {
    const q = new Channel<number>(Infinity);
    q.pushNowait(1);
    expect(q.pullNowait()).toBe(1);
  });

  // test_queues.py QueueGetTests.test_nonblocking_get_exception
  it('test_nonblocking_get_exception', () => {
    const q = new Channel<number>(Infinity);
    expect(() => q.pullNowait()).toThrow(ChannelEmptyError);
    // and the never-throwing variant
    expect(q.tryPull()).toBeUndefined();
  });

  // test_queues.py (3.4) QueueGetTests.test_get_cancelled: a get under wait_for(…, 0.051) whose
  // value arrives at 0.01 returns the value, and the timeout does not fire afterwards.
  it('test_get_cancelled', async () => {
    const q = new Channel<number>(Infinity);
    const get = track(q.pull({ signal: AbortSignal.timeout(5_000) }));
    await sleep(10);
    q.pushNowait(1);
    expect(await get.promise).toBe(1);
    expect(q.stats().waitingPullers).toBe(0);
  });

  // test_queues.py QueueGetTests.test_get_cancelled_race
  it('test_get_cancelled_race', async () => {
    const { q, c1, t1, t2 } = await twoParkedGets();
    c1.abort();
    await settle();
    expect(t1.state).toBe('rejected');
    await q.push('a');
    await tick();
    expect(await t2.promise).toBe('a');
  });

  // Same race, at the very last moment: the cancellation comes in the same turn as the put,
  // before it (the abort listener has run), so the put must skip the cancelled getter.
  it('test_get_cancelled_race (abort in the same turn as the put)', async () => {
    const { q, c1, t1, t2 } = await twoParkedGets();
    c1.abort();
    q.pushNowait('a');
    await settle();
    expect(t1.state).toBe('rejected');
    expect(t1.error).toBe(c1.signal.reason);
    expect(t2.value).toBe('a');
    expect(q.size).toBe(0);
  });

  // test_queues.py QueueGetTests.test_get_with_waiting_putters
  it('test_get_with_waiting_putters', async () => {
    const q = new Channel<string>(1);
    const pa = q.push('a');
    const pb = q.push('b');
    expect(await q.pull()).toBe('a');
    expect(await q.pull()).toBe('b');
    await Promise.all([pa, pb]);
  });

  // test_queues.py QueueGetTests.test_why_are_getters_waiting: producer/consumer over a
  // maxsize=1 queue finish (no getter left waiting for ever).
  it('test_why_are_getters_waiting', async () => {
    const q = new Channel<number>(1);
    const n = 5;
    const got: number[] = [];
    await Promise.all([
      (async () => {
        for (let i = 0; i < n; i++) await q.push(i);
      })(),
      (async () => {
        for (let i = 0; i < n; i++) got.push(await q.pull());
      })(),
    ]);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0, size: 0 });
  });

  // test_queues.py QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters
  it('test_cancelled_getters_not_being_held_in_self_getters', async () => {
    const q = new Channel<number>(5);
    await expect(q.pull({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(q.stats().waitingPullers).toBe(0);
  });

  // Same, for many timed-out getters at once and one with an already-aborted signal.
  it('test_cancelled_getters_not_being_held_in_self_getters (many, and pre-aborted)', async () => {
    const q = new Channel<number>(5);
    const signal = AbortSignal.timeout(30);
    const gets = Array.from({ length: 20 }, () => q.pull({ signal }));
    expect(q.stats().waitingPullers).toBe(20);
    const results = await Promise.allSettled(gets);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(q.stats().waitingPullers).toBe(0);
    await expect(q.pull({ signal })).rejects.toBe(signal.reason);
    expect(q.stats().waitingPullers).toBe(0);
    // The channel still works: a later value goes to a later getter.
    q.pushNowait(9);
    expect(await q.pull()).toBe(9);
  });
});

// test_queues.py QueueGetTests.test_why_are_getters_waiting / QueuePutTests.test_why_are_putters_waiting,
// scaled up with the batch operations: several producers (pushAll) and consumers (pullMany) over
// small buffers finish, every value is delivered exactly once, and each consumer sees each
// producer's values in order.
describe('test_queues.py test_why_are_*_waiting (batches, many tasks)', () => {
  it.each([0, 1, 3, Infinity])('producers pushAll, consumers pullMany (capacity %s)', async (capacity) => {
    const q = new Channel<[number, number]>(capacity);
    const P = 4;
    const N = 250;
    const producers = Array.from({ length: P }, (_, p) =>
      q.pushAll(Array.from({ length: N }, (_, i): [number, number] => [p, i])),
    );
    let taken = 0;
    const consumers = Array.from({ length: 3 }, async (_, c) => {
      const got: [number, number][] = [];
      while (taken < P * N) {
        const batch = await q.pullMany(1 + c * 5).catch(() => [] as [number, number][]);
        taken += batch.length;
        got.push(...batch);
      }
      return got;
    });
    await Promise.all(producers);
    await until(() => taken === P * N);
    q.close();
    const all = await Promise.all(consumers);
    for (const got of all) {
      for (let p = 0; p < P; p++) {
        const mine = got.filter(([pp]) => pp === p).map(([, i]) => i);
        expect([...mine].sort((a, b) => a - b)).toEqual(mine);
      }
    }
    const flat = all.flat().map(([p, i]) => p * N + i);
    expect(flat.sort((a, b) => a - b)).toEqual(Array.from({ length: P * N }, (_, k) => k));
  });
});

// Lib/test/test_asyncio/test_queues.py :: QueuePutTests
describe('test_queues.py QueuePutTests', () => {
  // test_queues.py QueuePutTests.test_blocking_put
  it('test_blocking_put', async () => {
    const q = new Channel<number>(Infinity);
    await q.push(1); // no maxsize, won't block
    expect(await q.pull()).toBe(1);
  });

  // test_queues.py QueuePutTests.test_blocking_put_wait
  it('test_blocking_put_wait', async () => {
    const q = new Channel<number>(1);
    let started = false;
    let finished = false;
    const timer = setTimeout(() => q.pullNowait(), 10);
    const putter = (async () => {
      started = true;
      await q.push(1);
      await q.push(2);
      finished = true;
    })();
    await until(() => started);
    expect(finished).toBe(false);
    await putter;
    clearTimeout(timer);
    expect(finished).toBe(true);
    expect(q.pullNowait()).toBe(2);
  });

  // test_queues.py QueuePutTests.test_nonblocking_put
  it('test_nonblocking_put', () => {
    const q = new Channel<number>(Infinity);
    q.pushNowait(1);
    expect(q.pullNowait()).toBe(1);
  });

  // test_queues.py QueuePutTests.test_get_cancel_drop_one_pending_reader: the reader parked,
  // two values put, then the reader cancelled. The original asserts that the reader, or its
  // retry, gets 1 ("if we get 2, it means 1 got dropped"). In chanasync the put commits 1 to the
  // parked reader synchronously, so the later abort changes nothing: the reader gets 1.
  it('test_get_cancel_drop_one_pending_reader', async () => {
    const q = new Channel<number>(Infinity);
    const c = new AbortController();
    const reader = track(q.pull({ signal: c.signal }));
    await tick();
    q.pushNowait(1);
    q.pushNowait(2);
    c.abort();
    let result: number;
    try {
      result = await reader.promise;
    } catch {
      result = await q.pull();
    }
    expect(result).toBe(1);
    expect(reader.state).toBe('fulfilled');
    expect(q.pullNowait()).toBe(2);
  });

  // test_queues.py QueuePutTests.test_get_cancel_drop_many_pending_readers
  it('test_get_cancel_drop_many_pending_readers', async () => {
    const q = new Channel<number>(Infinity);
    const c1 = new AbortController();
    const r1 = track(q.pull({ signal: c1.signal }));
    const r2 = track(q.pull());
    const r3 = track(q.pull());
    await tick();
    q.pushNowait(1);
    q.pushNowait(2);
    c1.abort();
    await settle();
    // chanasync: r1 had been given 1 before the abort (committed values are never taken back),
    // so it does not reject as the original's reader1 does; r2 gets 2 and r3 waits. The
    // original's point — no value lost — holds: {r1, r2} received {1, 2}.
    expect(r1.state).toBe('fulfilled');
    expect(new Set([r1.value, r2.value])).toEqual(new Set([1, 2]));
    expect(r3.done).toBe(false);
    q.pushNowait(3);
    expect(await r3.promise).toBe(3);
  });

  // Variant where the cancel comes before the puts (the original's intent: a cancelled reader
  // must not swallow a value): r2 and r3 get 1 and 2.
  it('test_get_cancel_drop_many_pending_readers (cancelled before the puts)', async () => {
    const q = new Channel<number>(Infinity);
    const c1 = new AbortController();
    const r1 = track(q.pull({ signal: c1.signal }));
    const r2 = track(q.pull());
    const r3 = track(q.pull());
    await tick();
    c1.abort();
    q.pushNowait(1);
    q.pushNowait(2);
    await settle();
    expect(r1.state).toBe('rejected');
    expect([r2.value, r3.value]).toEqual([1, 2]);
  });

  // test_queues.py QueuePutTests.test_put_cancel_drop: cap 1 holding 1; writer of 2 parks; get
  // takes 1 (and moves 2 into the buffer: the writer's put is committed); cancelling the writer
  // afterwards changes nothing, and 2 is in the queue exactly once.
  it('test_put_cancel_drop', async () => {
    const { q, c, put: writer } = await parkedPush(2);
    expect(q.pullNowait()).toBe(1);
    c.abort();
    try {
      await writer.promise;
    } catch {
      await q.push(2);
    }
    expect(writer.state).toBe('fulfilled');
    expect(q.pullNowait()).toBe(2);
    expect(q.size).toBe(0);
  });

  // test_queues.py QueuePutTests.test_nonblocking_put_exception
  it('test_nonblocking_put_exception', () => {
    const q = new Channel<number>(1);
    q.pushNowait(1);
    expect(() => q.pushNowait(2)).toThrow(ChannelFullError);
    expect(q.tryPush(2)).toBe(false);
  });

  // test_queues.py QueuePutTests.test_float_maxsize. Deliberate difference: asyncio accepts
  // maxsize=1.3 (two items fit, then full); chanasync's capacity must be an integer (SPEC:
  // RangeError for a fractional capacity).
  it('test_float_maxsize (contract: a fractional capacity is a RangeError)', () => {
    expect(() => new Channel(1.3)).toThrow(RangeError);
  });

  // test_queues.py QueuePutTests.test_put_cancelled
  it('test_put_cancelled', async () => {
    const q = new Channel<number>(Infinity);
    const t = track(
      (async () => {
        await q.push(1);
        return true;
      })(),
    );
    expect(await q.pull()).toBe(1);
    await tick();
    expect(t.value).toBe(true);
  });

  // test_queues.py QueuePutTests.test_put_cancelled_race
  it('test_put_cancelled_race', async () => {
    const q = new Channel<string>(1);
    const cx = new AbortController();
    const putA = track(q.push('a'));
    const putB = track(q.push('b'));
    const putC = track(q.push('X', { signal: cx.signal }));
    await tick();
    expect(putA.done).toBe(true);
    expect(putB.done).toBe(false);
    cx.abort();
    await settle();
    expect(putC.state).toBe('rejected');
    expect(q.pullNowait()).toBe('a');
    await tick();
    expect(q.pullNowait()).toBe('b');
    await putB.promise;
    expect(q.size).toBe(0);
    expect(q.stats().waitingPushers).toBe(0);
  });

  // The same race at the last moment: the middle putter is cancelled in the same turn as the
  // get that would have moved it into the buffer, before it: the get skips it.
  it('test_put_cancelled_race (cancel in the same turn as the get)', async () => {
    const q = new Channel<string>(1);
    const cb = new AbortController();
    q.pushNowait('a');
    const putB = track(q.push('b', { signal: cb.signal }));
    const putC = track(q.push('c'));
    await tick();
    cb.abort();
    expect(q.pullNowait()).toBe('a');
    await settle();
    expect(putB.state).toBe('rejected');
    expect(putC.state).toBe('fulfilled');
    expect(q.pullNowait()).toBe('c');
    expect(() => q.pullNowait()).toThrow(ChannelEmptyError);
  });

  // test_queues.py QueuePutTests.test_put_with_waiting_getters
  it('test_put_with_waiting_getters', async () => {
    const q = new Channel<string>(Infinity);
    const t = q.pull();
    await tick();
    await q.push('a');
    expect(await t).toBe('a');
    expect(q.size).toBe(0);
  });

  // test_queues.py QueuePutTests.test_why_are_putters_waiting: maxsize 2, four putters, one getter
  // that drains what is there (qsize) with get_nowait after a turn. All putters complete.
  it('test_why_are_putters_waiting', async () => {
    const q = new Channel<number>(2);
    const got: number[] = [];
    const getter = (async () => {
      await tick();
      const n = q.size;
      for (let i = 0; i < n; i++) got.push(q.pullNowait());
    })();
    const putters = [0, 1, 2, 3].map((i) => q.push(i));
    await Promise.all([getter, ...putters]);
    expect(got).toEqual([0, 1]);
    // each get moved the oldest parked putter in: the remaining two are buffered, in order.
    expect(q.size).toBe(2);
    expect([q.pullNowait(), q.pullNowait()]).toEqual([2, 3]);
  });

  // test_queues.py QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters
  it('test_cancelled_puts_not_being_held_in_self_putters', async () => {
    const { q, c, put } = await parkedPush(1);
    expect(q.stats().waitingPushers).toBe(1);
    c.abort();
    await expect(put.promise).rejects.toBe(c.signal.reason);
    expect(q.stats().waitingPushers).toBe(0);
    expect(q.size).toBe(1);
  });

  // test_queues.py QueuePutTests.test_cancelled_put_silence_value_error_exception. The original:
  // get_nowait has already removed the putter, then cancel; asyncio's put then raises
  // CancelledError (its value was nevertheless put: the get committed it). chanasync's contract
  // (SPEC: a committed value is never taken back): the push resolves, the value is in the
  // channel once, and nothing throws.
  it('test_cancelled_put_silence_value_error_exception (contract: the put resolves)', async () => {
    const { q, c, put } = await parkedPush(7);
    expect(q.pullNowait()).toBe(1);
    c.abort();
    await settle();
    expect(put.state).toBe('fulfilled');
    expect(q.pullNowait()).toBe(7);
    expect(q.size).toBe(0);
  });
});

// Lib/test/test_asyncio/test_queues.py :: _QueueShutdownTestMixin (QueueShutdownTests)
describe('test_queues.py QueueShutdownTests', () => {
  const isClosedError = (e: unknown) => expect(e).toBeInstanceOf(ChannelClosedError);

  // test_queues.py _QueueShutdownTestMixin.test_shutdown_empty
  it('test_shutdown_empty', async () => {
    const q = new Channel<string>(Infinity);
    const get = track(q.pull());
    await tick();
    q.close();
    expect(q.size).toBe(0);
    await settle();
    expect(get.state).toBe('rejected');
    isClosedError(get.error);
    await expect(q.push('data')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pushNowait('data')).toThrow(ChannelClosedError);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pullNowait()).toThrow(ChannelClosedError);
  });

  // test_queues.py _QueueShutdownTestMixin.test_shutdown_nonempty (graceful shutdown ≈ close).
  it('test_shutdown_nonempty', async () => {
    const q = new Channel<string>(1);
    q.pushNowait('data');
    const put = track(q.push('data2'));
    await tick();
    expect(put.done).toBe(false);
    q.close();
    expect(q.size).toBe(1);
    await settle();
    expect(put.state).toBe('rejected');
    isClosedError(put.error);
    expect(await q.pull()).toBe('data');
    await expect(q.push('data')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pushNowait('data')).toThrow(ChannelClosedError);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pullNowait()).toThrow(ChannelClosedError);
    // data2 was never added
    expect(q.size).toBe(0);
  });

  // test_queues.py _QueueShutdownTestMixin.test_shutdown_immediate. Deliberate difference:
  // asyncio's shutdown(immediate=True) drops the buffered items (qsize 0, get raises at once);
  // chanasync's close() always keeps them readable (SPEC: "nothing is ever lost"). There is no
  // immediate mode; a consumer that wants it stops pulling.
  it('test_shutdown_immediate (contract: close keeps the buffer readable)', async () => {
    const q = new Channel<string>(Infinity);
    q.pushNowait('data');
    q.close();
    expect(q.size).toBe(1);
    await expect(q.push('data')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pushNowait('data')).toThrow(ChannelClosedError);
    expect(q.pullNowait()).toBe('data');
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => q.pullNowait()).toThrow(ChannelClosedError);
  });

  // test_queues.py _QueueShutdownTestMixin.test_shutdown_immediate_with_unfinished. Same
  // difference; with one of two items already taken, the other stays readable after close.
  it('test_shutdown_immediate_with_unfinished (contract: close keeps the buffer readable)', async () => {
    const q = new Channel<string>(Infinity);
    q.pushNowait('data');
    q.pushNowait('data');
    expect(await q.pull()).toBe('data');
    q.close();
    expect(q.size).toBe(1);
    await expect(q.push('data')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await q.pull()).toBe('data');
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // shutdown(immediate=False) with several waiting getters and putters at once (an extension of
  // test_shutdown_empty/nonempty): every parked putter fails and adds nothing, every parked
  // getter fails, the buffer is intact, the reason is the errors' cause.
  it('test_shutdown_nonempty (many parked putters and getters, with a reason)', async () => {
    const q = new Channel<number>(2);
    q.pushNowait(1);
    q.pushNowait(2);
    const puts = [3, 4, 5].map((v) => track(q.push(v)));
    const q2 = new Channel<number>(Infinity);
    const gets = [0, 1, 2].map(() => track(q2.pull()));
    await tick();
    const reason = new Error('shutdown');
    q.close(reason);
    q2.close(reason);
    await settle();
    for (const t of [...puts, ...gets]) {
      expect(t.state).toBe('rejected');
      expect(t.error).toBeInstanceOf(ChannelClosedError);
      expect((t.error as Error).cause).toBe(reason);
    }
    expect(q.size).toBe(2);
    expect(await q.pullMany(10)).toEqual([1, 2]);
    await expect(q.pull()).rejects.toMatchObject({ cause: reason });
  });

  // test_shutdown_* also assert that shutdown is sticky; close() is idempotent and the first
  // reason stays.
  it('test_shutdown_* (shutdown twice: the first reason stays)', async () => {
    const q = new Channel<number>(Infinity);
    q.close('first');
    q.close('second');
    await expect(q.pull()).rejects.toMatchObject({ cause: 'first' });
  });
});
