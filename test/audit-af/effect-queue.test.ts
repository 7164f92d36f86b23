/**
 * Audit AF: Effect's Queue tests, translated to chanasync.
 * Source: https://github.com/Effect-TS/effect/blob/main/packages/effect/test/Queue.test.ts
 * (the stored version is Effect 4's, with offerAll/takeAll/takeN/end/fail/shutdown).
 *
 * Mapping: `Queue.bounded(n)` ≈ `new Channel(n)`, `unbounded` ≈ `Infinity`, strategy
 * `dropping`/`sliding` ≈ `overflow: 'drop-newest'`/`'drop-oldest'`; `offer` ≈ `push` (its
 * `false` result on a done queue ≈ `tryPush` returning false); `offerAll` ≈ `pushAll`;
 * `take` ≈ `pull`; `takeAll`/`clear` ≈ `pullMany(Number.MAX_SAFE_INTEGER)`; `takeN(n)` ≈
 * `pullMany(n)` where n values are there; `poll` ≈ `tryPull`; `end` ≈ `close()`,
 * `fail(e)` ≈ `close(e)`, `shutdown` ≈ `close()`; fiber interruption ≈ an `AbortSignal`.
 *
 * Deliberate differences, asserted as chanasync's contract and commented where they arise:
 * - `pullMany` takes the buffer *and then the parked pushes' values* in one commit (SPEC),
 *   where Effect's `takeAll` takes only the buffer.
 * - `close()`/`close(e)` fails parked pushes (their values are not delivered; `pushAll`'s error
 *   says how many it committed), where Effect's `end`/`fail` let pending offers drain first.
 * - `close()` keeps the buffer readable, where Effect's `shutdown` discards it.
 * - A drop-mode push reports success (the policy is the commit), where Effect's dropping queue
 *   returns `false` / the dropped suffix.
 */

import { Channel, ChannelClosedError, type ChannelError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, track } from './util.js';

const ALL = Number.MAX_SAFE_INTEGER;
type PushAllError = ChannelError & { pushed: number };

describe('Effect packages/effect/test/Queue.test.ts', () => {
  it('asEnqueue converts to write-only interface', async () => {
    const queue = new Channel<number>(10);
    const enqueue: import('chanasync').PushChannel<number> = queue;
    await enqueue.push(1);
    expect(queue.size).toBe(1);
  });

  it('asDequeue converts to read-only interface', async () => {
    const queue = new Channel<number>(10);
    await queue.push(42);
    const dequeue: import('chanasync').PullChannel<number> = queue;
    expect(await dequeue.pull()).toBe(42);
  });

  // Effect: takeAll gives [1, 2], then the offerAll resumes and [3, 4] follow. chanasync's
  // pullMany also takes the parked push's value (3) in the same commit (SPEC "pullMany").
  it('bounded offerAll waits until capacity is released', async () => {
    const queue = new Channel<number>(2);
    const fiber = track(queue.pushAll([1, 2, 3, 4]));
    await settle();
    expect(fiber.state).toBe('pending');
    expect(await queue.pullMany(ALL)).toEqual([1, 2, 3]);
    await settle();
    expect(fiber.state).toBe('fulfilled'); // 4 fitted into the freed buffer
    expect(await queue.pullMany(ALL)).toEqual([4]);
  });

  it('resuming a blocked producer does not enqueue its message twice', async () => {
    const queue = new Channel<number>(1);
    await queue.push(0);
    const producer = (async () => {
      await queue.push(1);
      return queue.pull();
    })();
    const first = await queue.pull();
    const second = await producer;
    expect([first, second]).toEqual([0, 1]);
    expect(queue.size).toBe(0); // clear() == []
    queue.close();
  });

  for (const method of ['offer', 'offerAll'] as const) {
    for (const take of ['take', 'takeAll', 'clear'] as const) {
      it(`zero-capacity ${take} reserves the message before resuming ${method}`, async () => {
        const queue = new Channel<number>(0);
        const producer = track(
          (async () => {
            if (method === 'offer') await queue.push(1);
            else await queue.pushAll([1]);
            return queue.pull();
          })(),
        );
        await settle();
        const first = take === 'take' ? [await queue.pull()] : await queue.pullMany(ALL);
        await settle();
        expect({ first, producer: producer.state }).toEqual({ first: [1], producer: 'pending' });
        queue.close();
        await settle();
        expect(producer.error).toBeInstanceOf(ChannelClosedError); // it never got its own value
      });
    }

    it(`resuming ${method} can shut down the queue without defecting the consumer`, async () => {
      const queue = new Channel<number>(1);
      await queue.push(0);
      const producer = (async () => {
        if (method === 'offer') await queue.push(1);
        else await queue.pushAll([1]);
        queue.close();
      })();
      expect(await queue.pull()).toBe(0);
      await producer;
      // the 1 was committed (moved into the buffer) before the close: still readable
      expect(await queue.pull()).toBe(1);
      await expect(queue.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    });

    it(`resuming ${method} does not overfill the queue with reentrant offers`, async () => {
      const queue = new Channel<number>(2);
      await queue.pushAll([0, 1]);
      void (async () => {
        if (method === 'offer') await queue.push(2);
        else await queue.pushAll([2]);
        await queue.push(3);
      })().catch(() => {});
      void queue.push(4).catch(() => {});
      await settle();
      // chanasync: the buffer, then the parked pushes in their order (Effect: only [0, 1]).
      const first = await queue.pullMany(ALL);
      expect(first).toEqual([0, 1, 2, 4]);
      let maxSize = 0;
      for (let i = 0; i < 5; i++) {
        maxSize = Math.max(maxSize, queue.size);
        await settle(1);
      }
      expect(maxSize).toBeLessThanOrEqual(2);
      expect(await queue.pullMany(ALL)).toEqual([3]);
      queue.close();
    });
  }

  it('takeN', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    void queue.pushAll([1, 2, 3, 4]);
    expect(await queue.pullMany(2)).toEqual([1, 2]);
    expect(await queue.pullMany(2)).toEqual([3, 4]);
  });

  it('takeN ending at an offerAll boundary keeps the next message', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    await queue.pushAll([1, 2]);
    await queue.pushAll([3]);
    expect(await queue.pullMany(2)).toEqual([1, 2]);
    expect(queue.size).toBe(1);
    expect(await queue.pull()).toBe(3);
  });

  // Effect floors 1.9 to 1 and reads NaN as 0. chanasync: `max` must be a positive integer
  // (SPEC: RangeError), checked before anything is taken.
  it('takeN and takeBetween normalize element counts before waiting (contract: RangeError)', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    queue.pushNowait(1);
    await expect(queue.pullMany(1.9)).rejects.toBeInstanceOf(RangeError);
    await expect(queue.pullMany(Number.NaN)).rejects.toBeInstanceOf(RangeError);
    await expect(queue.pullMany(0)).rejects.toBeInstanceOf(RangeError);
    expect(await queue.pullMany(ALL)).toEqual([1]); // nothing was taken by the refusals
  });

  it('collect does not duplicate messages', async () => {
    const queue = new Channel<{ id: number }>(10);
    await queue.push({ id: 0 });
    queue.close();
    const result: { id: number }[] = [];
    for await (const v of queue) result.push(v);
    expect(result).toEqual([{ id: 0 }]);
  });

  // Effect's dropping queue returns the dropped suffix [3, 4] and `offer(5)` returns false.
  // chanasync: a drop-mode push succeeds (SPEC: "the policy is the commit"), so pushAll resolves
  // and tryPush returns true; the dropped values are simply gone.
  it('offer dropping (contract: a drop is a success)', async () => {
    const queue = new Channel<number>(2, { overflow: 'drop-newest' });
    await expect(queue.pushAll([1, 2, 3, 4])).resolves.toBeUndefined();
    expect(queue.tryPush(5)).toBe(true);
    expect(await queue.pullMany(ALL)).toEqual([1, 2]);
  });

  it('offer sliding', async () => {
    const queue = new Channel<number>(2, { overflow: 'drop-oldest' });
    await expect(queue.pushAll([1, 2, 3, 4])).resolves.toBeUndefined();
    expect(queue.tryPush(5)).toBe(true);
    expect(await queue.pullMany(ALL)).toEqual([4, 5]);
  });

  it('offerAll can be interrupted', async () => {
    const queue = new Channel<number>(2);
    const fiber = new AbortController();
    const offering = queue.pushAll([1, 2, 3, 4], { signal: fiber.signal });
    await settle();
    fiber.abort();
    const error = (await offering.catch((e: unknown) => e)) as PushAllError;
    expect(error).toMatchObject({ name: 'AbortError', pushed: 2 });
    expect(await queue.pullMany(ALL)).toEqual([1, 2]);
    await queue.push(5);
    expect(await queue.pullMany(ALL)).toEqual([5]);
  });

  it('take can be interrupted without losing offers', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    const fiber = new AbortController();
    const interrupted = queue.pull({ signal: fiber.signal });
    await settle();
    fiber.abort();
    await expect(interrupted).rejects.toMatchObject({ name: 'AbortError' });
    const live = queue.pull();
    await settle();
    await queue.push(1);
    expect(await live).toBe(1);
  });

  it('done completes takes', async () => {
    const queue = new Channel<number>(2);
    const fiber = track(queue.pullMany(ALL));
    await settle();
    queue.close();
    await settle();
    expect(fiber.error).toBeInstanceOf(ChannelClosedError);
  });

  // Effect's `end` lets the pending offers drain (1..9 all arrive). chanasync's close() fails
  // the parked pushes: what was committed arrives, each pushAll says how much that was, and
  // nothing is delivered that its producer was told failed.
  it('end (contract: close fails parked pushes)', async () => {
    const queue = new Channel<number>(2);
    const a = queue.pushAll([1, 2, 3, 4]).catch((e: PushAllError) => e);
    const b = queue.pushAll([5, 6, 7, 8]).catch((e: PushAllError) => e);
    const c = queue.push(9).catch((e: unknown) => e);
    await settle();
    queue.close();
    const items: number[] = [];
    for await (const v of queue) items.push(v);
    expect(items).toEqual([1, 2]);
    expect(await a).toMatchObject({ name: 'ChannelClosedError', pushed: 2 });
    expect(await b).toMatchObject({ name: 'ChannelClosedError', pushed: 0 });
    expect(await c).toBeInstanceOf(ChannelClosedError);
    expect(queue.tryPush(10)).toBe(false);
  });

  it('end with take', async () => {
    const queue = new Channel<number>(2);
    const a = queue.pushAll([1, 2]);
    const c = queue.push(3).catch((e: unknown) => e);
    // the consumer takes before the end: every value offered is delivered
    expect(await queue.pull()).toBe(1);
    expect(await queue.pull()).toBe(2);
    expect(await queue.pull()).toBe(3);
    queue.close();
    await a;
    expect(await c).toBeUndefined();
    await expect(queue.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(queue.tryPush(10)).toBe(false);
  });

  it('interrupt allows draining', async () => {
    const queue = new Channel<number>(10);
    await queue.pushAll([1, 2, 3, 4, 5]);
    queue.close();
    expect(queue.tryPush(6)).toBe(false);
    await expect(queue.push(6)).rejects.toBeInstanceOf(ChannelClosedError);
    for (let i = 1; i <= 5; i++) expect(await queue.pull()).toBe(i);
    await expect(queue.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('poll returns Option for non-blocking take', async () => {
    const queue = new Channel<number>(10);
    expect(queue.tryPull()).toBeUndefined();
    await queue.push(42);
    expect(queue.tryPull()).toBe(42);
    expect(queue.tryPull()).toBeUndefined();
  });

  // Effect: fail(q, "boom") lets 1..5 drain, then takes fail with "boom". chanasync: the values
  // committed before close("boom") drain (1, 2), parked pushes are failed, then the reason.
  it('fail drains buffered values before failing takers', async () => {
    const queue = new Channel<number>(2);
    const a = queue.pushAll([1, 2, 3, 4]).catch((e: PushAllError) => e);
    const b = queue.push(5).catch((e: unknown) => e);
    await settle();
    queue.close('boom');
    expect(await queue.pullMany(ALL)).toEqual([1, 2]);
    await expect(queue.pullMany(ALL)).rejects.toMatchObject({ name: 'ChannelClosedError', cause: 'boom' });
    expect(await a).toMatchObject({ pushed: 2, cause: 'boom' });
    expect(await b).toBeInstanceOf(ChannelClosedError);
    expect(queue.tryPush(6)).toBe(false);
  });

  // Effect's shutdown interrupts the stream and discards everything. chanasync's close() keeps
  // the committed values readable and ends the stream normally after them.
  it('shutdown (contract: buffered values stay readable)', async () => {
    const queue = new Channel<number>(2);
    const a = queue.pushAll([1, 2, 3, 4]).catch((e: PushAllError) => e.pushed);
    const b = queue.pushAll([5, 6, 7, 8]).catch((e: PushAllError) => e.pushed);
    await settle();
    queue.close();
    const items: number[] = [];
    for await (const v of queue) items.push(v);
    expect(items).toEqual([1, 2]);
    expect([await a, await b]).toEqual([2, 0]);
    expect(queue.tryPush(10)).toBe(false);
  });

  it('shutdownUnsafe interrupts waiting takers synchronously', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    const taker = track(queue.pull());
    await settle();
    queue.close();
    // unlinked synchronously; the promise settles a few microtasks later (README: "a rejection
    // caused by an abort or a close reaches your code two microtasks later")
    expect(queue.stats().waitingPullers).toBe(0);
    await settle(1);
    expect(taker.error).toBeInstanceOf(ChannelClosedError);
  });

  it('shutdownUnsafe clears buffered messages and settles pending offers synchronously (contract: keeps buffer)', async () => {
    const queue = new Channel<number>(1);
    queue.pushNowait(1);
    const offerer = track(queue.push(2));
    await settle();
    queue.close();
    expect(queue.stats().waitingPushers).toBe(0);
    expect(queue.size).toBe(1); // Effect: 0
    await settle(1);
    expect(offerer.error).toBeInstanceOf(ChannelClosedError); // Effect: succeed(false)
  });

  it('shutdownUnsafe resumes batch offers with their unaccepted suffix', async () => {
    const queue = new Channel<number>(1);
    const producer = queue.pushAll([1, 2, 3]).catch((e: PushAllError) => e);
    expect(await queue.pull()).toBe(1);
    queue.close();
    const error = await producer;
    // Effect returns the suffix [3]; chanasync says how many were committed: 1 and 2.
    expect(error).toMatchObject({ name: 'ChannelClosedError', pushed: 2 });
    expect(queue.pullNowait()).toBe(2);
  });

  it('shutdownUnsafe returns true and preserves an existing failure', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    queue.pushNowait(1);
    queue.close('boom');
    queue.close(); // idempotent: the first reason stays
    expect(queue.pullNowait()).toBe(1);
    await expect(queue.pull()).rejects.toMatchObject({ cause: 'boom' });
  });

  it('shutdownUnsafe returns false when already shut down', async () => {
    const queue = new Channel<number>(Number.POSITIVE_INFINITY);
    expect(queue.close()).toBeUndefined();
    expect(queue.close()).toBeUndefined();
    expect(queue.closed).toBe(true);
  });

  // Effect: nothing offered is dropped (1..5 then "boom"). chanasync's counterpart: nothing is
  // dropped *silently* — each value is either delivered or its push was rejected.
  it('fail doesnt drop items', async () => {
    const queue = new Channel<number>(2);
    const offered = [1, 2, 3, 4, 5];
    const a = queue.pushAll(offered.slice(0, 4)).then(
      () => 4,
      (e: PushAllError) => e.pushed,
    );
    const b = queue.push(5).then(
      () => 1,
      () => 0,
    );
    await settle();
    queue.close('boom');
    const items: number[] = [];
    const error = await (async () => {
      for await (const v of queue) items.push(v);
    })().catch((e: unknown) => e);
    expect(error).toBe('boom');
    const committedA = await a;
    const committedB = await b;
    expect(items).toEqual([...offered.slice(0, committedA), ...(committedB ? [5] : [])]);
  });

  it('bounded 0 capacity', async () => {
    const queue = new Channel<number>(0);
    void queue.push(1);
    expect(await queue.pull()).toBe(1);
    const fiber = queue.pull();
    await queue.push(2);
    expect(await fiber).toBe(2);
  });

  // Effect: the batch gets 1 and the earlier taker 2. chanasync serves parked pulls first-in
  // first-out (SPEC): the waiting pull gets 1, the later pullMany the 2.
  it('zero-capacity takeAll consumes buffered messages before pending offers (contract: FIFO pullers)', async () => {
    const queue = new Channel<number>(0);
    const waiting = queue.pull();
    const producer = queue.pushAll([1, 2]);
    const batch = await queue.pullMany(ALL);
    expect(await waiting).toBe(1);
    expect(batch).toEqual([2]);
    await producer;
  });

  // Effect's end lets the remaining 2 and 3 drain. chanasync's close fails the parked rest.
  it('zero-capacity offerAll drains in order and completes a closing queue (contract)', async () => {
    const queue = new Channel<number>(0);
    const producer = queue.pushAll([1, 2, 3]).catch((e: PushAllError) => e);
    await settle();
    expect(await queue.pullMany(ALL)).toEqual([1]);
    await settle();
    expect(queue.tryPull()).toBe(2); // the next parked value, taken before the end
    queue.close();
    expect(await producer).toMatchObject({ name: 'ChannelClosedError', pushed: 2 });
    expect(queue.tryPull()).toBeUndefined();
  });
});
