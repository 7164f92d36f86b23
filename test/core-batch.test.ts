/**
 * SPEC.md "Non-blocking and batch operations on Channel<T>" (issue 13's channel methods):
 * `tryPush`, `tryPull`, `pullMany` and `pushAll`, one behaviour per test, including the error
 * and cancellation paths.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, ChannelFullError, pull, push, select } from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

/** Pulls every value that can be pulled now. */
function drainNow<T>(channel: Channel<T>): T[] {
  const values: T[] = [];
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) values.push(value);
  return values;
}

describe('tryPush', () => {
  test('tryPush commits into a buffer with room and returns true', () => {
    const channel = new Channel<number>(2);
    expect(channel.tryPush(1)).toBe(true);
    expect(channel.size).toBe(1);
    expect(channel.pullNowait()).toBe(1);
  });

  test('tryPush returns false on a full buffer, without throwing and without committing', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(channel.tryPush(2)).toBe(false);
    expect(channel.closed).toBe(false);
    expect(drainNow(channel)).toEqual([1]);
  });

  test('tryPush returns false on a closed channel, which closed tells apart from full', () => {
    const channel = new Channel<number>(3);
    channel.close();
    expect(channel.tryPush(1)).toBe(false);
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(0);
  });

  test('tryPush on an unbuffered channel succeeds exactly when a pull waits', async () => {
    const channel = new Channel<string>();
    expect(channel.tryPush('nobody')).toBe(false);
    const pulled = channel.pull();
    expect(channel.tryPush('handed')).toBe(true);
    expect(await pulled).toBe('handed');
    expect(channel.tryPush('again')).toBe(false);
  });

  test('tryPush hands its value to the oldest parked pull', async () => {
    const channel = new Channel<number>(1);
    const first = channel.pull();
    const second = track(channel.pull());
    expect(channel.tryPush(1)).toBe(true);
    expect(await first).toBe(1);
    await flush();
    expect(second.current.status).toBe('pending');
    channel.close();
  });

  test('tryPush commits to a parked select case', async () => {
    const channel = new Channel<number>();
    const selected = select([pull(new Channel<number>()), pull(channel)]);
    expect(channel.tryPush(5)).toBe(true);
    expect(await selected).toMatchObject({ index: 1, value: 5, ok: true });
  });

  test("in 'drop-oldest' mode tryPush on a full buffer returns true and discards the oldest value", () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const value of [1, 2, 3]) expect(channel.tryPush(value)).toBe(true);
    expect(drainNow(channel)).toEqual([2, 3]);
  });

  test("in 'drop-newest' mode tryPush on a full buffer returns true and discards the pushed value", () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const value of [1, 2, 3]) expect(channel.tryPush(value)).toBe(true);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)(
    'in %s mode tryPush on a closed channel returns false',
    (overflow) => {
      const channel = new Channel<number>(1, { overflow });
      channel.close();
      expect(channel.tryPush(1)).toBe(false);
    },
  );
});

describe('tryPull', () => {
  test('tryPull returns the head of the buffer', () => {
    const channel = new Channel<string>(3);
    channel.pushNowait('a');
    channel.pushNowait('b');
    expect(channel.tryPull()).toBe('a');
    expect(channel.size).toBe(1);
  });

  test('tryPull returns undefined on an empty channel, without throwing', () => {
    const channel = new Channel<number>(1);
    expect(channel.tryPull()).toBeUndefined();
    expect(new Channel<number>().tryPull()).toBeUndefined();
  });

  test('tryPull drains a closed channel, then returns undefined', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.close(new Error('gone'));
    expect(channel.tryPull()).toBe(1);
    expect(channel.tryPull()).toBeUndefined();
    expect(channel.tryPull()).toBeUndefined();
  });

  test("tryPull takes a parked pusher's value on an unbuffered channel, and the push resolves", async () => {
    const channel = new Channel<number>();
    const pushed = track(channel.push(7));
    expect(channel.tryPull()).toBe(7);
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
    expect(channel.tryPull()).toBeUndefined();
  });

  test("tryPull on a full buffer moves the oldest parked pusher's value into the freed slot", async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const second = track(channel.push(2));
    const third = track(channel.push(3));
    expect(channel.tryPull()).toBe(1);
    await flush();
    expect(second.current.status).toBe('fulfilled');
    expect(third.current.status).toBe('pending');
    expect(channel.size).toBe(1);
    expect(drainNow(channel)).toEqual([2, 3]);
  });

  test("tryPull takes a parked select push case's value", async () => {
    const channel = new Channel<string>();
    const selected = select([push(channel, 'x'), pull(new Channel<string>())]);
    expect(channel.tryPull()).toBe('x');
    expect(await selected).toMatchObject({ index: 0, ok: true });
  });
});

describe('pullMany', () => {
  test('pullMany takes up to max buffered values in FIFO order, in one commit', async () => {
    const channel = new Channel<number>(5);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const batch = channel.pullMany(3);
    expect(channel.size).toBe(2); // taken at the call, not later
    expect(await batch).toEqual([0, 1, 2]);
    expect(drainNow(channel)).toEqual([3, 4]);
  });

  test('pullMany takes fewer than max when fewer are available, without waiting for more', async () => {
    const channel = new Channel<number>(5);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
  });

  test('pullMany takes the buffer first, then the parked pushers in order, each pusher resolving', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const pushes = [3, 4, 5].map((value) => track(channel.push(value)));
    const batch = channel.pullMany(4);
    await flush();
    expect(await batch).toEqual([1, 2, 3, 4]);
    // Every parked push committed: 3 and 4 were taken, 5 moved into the freed buffer.
    expect(pushes.map((pushed) => pushed.current.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(channel.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(drainNow(channel)).toEqual([5]);
  });

  test('pullMany on an unbuffered channel takes the parked pushers’ values, leaving those beyond max parked', async () => {
    const channel = new Channel<string>();
    const pushes = ['a', 'b', 'c'].map((value) => track(channel.push(value)));
    expect(await channel.pullMany(2)).toEqual(['a', 'b']);
    await flush();
    expect(pushes.map((pushed) => pushed.current.status)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    expect(channel.tryPull()).toBe('c');
  });

  test('pullMany takes one value from a select parked with two push cases on the channel: the other case is withdrawn', async () => {
    const channel = new Channel<string>();
    const selected = select([push(channel, 'A'), push(channel, 'B')]);
    const plain = channel.push('C');
    const batch = await channel.pullMany(5);
    expect(batch).toHaveLength(2);
    expect(['A', 'B']).toContain(batch[0]);
    expect(batch[1]).toBe('C');
    expect((await selected).index).toBe(batch[0] === 'A' ? 0 : 1);
    await plain;
    expect(channel.stats().waitingPushers).toBe(0);
  });

  test('a parked pullMany is served by the next push, with that one value', async () => {
    const channel = new Channel<number>(4);
    const batch = channel.pullMany(5);
    expect(channel.stats().waitingPullers).toBe(1);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await batch).toEqual([1]);
    expect(drainNow(channel)).toEqual([2]);
  });

  test('a parked pullMany settles in the same microtask as a parked pull served by the same push', async () => {
    const pulled = new Channel<number>();
    const batched = new Channel<number>();
    const order: string[] = [];
    const one = pulled.pull().then(() => order.push('pull'));
    const many = batched.pullMany(8).then(() => order.push('pullMany'));
    batched.pushNowait(1);
    pulled.pushNowait(1);
    void Promise.resolve().then(() => order.push('tick 1'));
    await Promise.all([one, many]);
    // pushed second, the pull's reaction would run after the batch's if the batch took longer.
    expect(order).toEqual(['pullMany', 'pull', 'tick 1']);
  });

  test('producers awaiting each push into a consumer of batches settle into batches without parking', async () => {
    // W7's shape: 64 producers, capacity 64, one consumer of pullMany(64). A parked pullMany
    // that settled a microtask late let the producers fill the buffer first, and from then on
    // every push parked (a promise and a waiter per value); now no push parks after the start.
    const producers = 64;
    const perProducer = 50;
    const channel = new Channel<number>(64);
    const resolved = channel.push(0);
    await channel.pull();
    let parked = 0;
    const batches: number[] = [];
    const consumer = (async () => {
      let taken = 0;
      let sum = 0;
      while (taken < producers * perProducer) {
        const values = await channel.pullMany(64);
        batches.push(values.length);
        for (const value of values) sum += value;
        taken += values.length;
      }
      return sum;
    })();
    const running: Promise<void>[] = [];
    for (let p = 0; p < producers; p++) {
      running.push(
        (async () => {
          for (let i = 0; i < perProducer; i++) {
            const pushed = channel.push(p * perProducer + i);
            if (pushed !== resolved) parked++;
            await pushed;
          }
        })(),
      );
    }
    await Promise.all(running);
    const n = producers * perProducer;
    expect(await consumer).toBe((n * (n - 1)) / 2);
    expect(parked).toBe(0);
    expect(batches.slice(2).every((size) => size === 64)).toBe(true);
  });

  test('a parked pullMany waits its turn among parked pulls (FIFO)', async () => {
    const channel = new Channel<number>();
    const first = channel.pull();
    const batch = channel.pullMany(3);
    const last = channel.pull();
    for (const value of [1, 2, 3]) channel.pushNowait(value);
    expect([await first, await batch, await last]).toEqual([1, [2], 3]);
  });

  test('pullMany with an already aborted signal rejects with its reason and takes nothing', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    await expect(channel.pullMany(2, { signal: abortedSignal('no') })).rejects.toBe('no');
    expect(channel.size).toBe(1);
    channel.close();
    await expect(channel.pullMany(2, { signal: abortedSignal('first') })).rejects.toBe('first');
    expect(channel.size).toBe(1);
  });

  test('a parked pullMany aborted before the commit rejects with the reason and takes nothing', async () => {
    const channel = new Channel<number>(1);
    const controller = new AbortController();
    const batch = channel.pullMany(3, { signal: controller.signal });
    controller.abort('timeout');
    await expect(batch).rejects.toBe('timeout');
    expect(channel.stats().waitingPullers).toBe(0);
    channel.pushNowait(1);
    expect(channel.size).toBe(1);
  });

  test('pullMany on a closed channel returns the values left, then rejects with ChannelClosedError once drained', async () => {
    const channel = new Channel<number>(3, { name: 'batch' });
    for (const value of [1, 2, 3]) channel.pushNowait(value);
    const reason = new Error('done');
    channel.close(reason);
    expect(await channel.pullMany(2)).toEqual([1, 2]);
    expect(await channel.pullMany(2)).toEqual([3]);
    const error = (await channel.pullMany(2).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pullMany: channel "batch" is closed');
    expect(error.cause).toBe(reason);
  });

  test('a parked pullMany rejects with ChannelClosedError when the channel closes', async () => {
    const channel = new Channel<number>();
    const batch = channel.pullMany(2);
    channel.close('bye');
    const error = (await batch.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('bye');
  });
});

describe('pushAll', () => {
  test('pushAll commits synchronously while there is room, before its first await', async () => {
    const channel = new Channel<number>(5);
    const pushing = track(channel.pushAll([1, 2, 3, 4, 5, 6, 7, 8]));
    // Right after the call: the buffer is full and the sixth value waits as one parked push.
    expect(channel.stats()).toMatchObject({ size: 5, waitingPushers: 1 });
    expect(await channel.pullMany(8)).toEqual([1, 2, 3, 4, 5, 6]);
    await flush();
    expect(channel.size).toBe(2);
    expect(pushing.current.status).toBe('fulfilled');
    expect(drainNow(channel)).toEqual([7, 8]);
  });

  test('pushAll creates no promise per value while there is room: 100k values settle within a few microtasks', async () => {
    const channel = new Channel<number>(Number.POSITIVE_INFINITY);
    const values = Array.from({ length: 100_000 }, (_, i) => i);
    const pushing = track(channel.pushAll(values));
    // An await (or a promise) per value would need at least one microtask turn per value.
    await flush(5);
    expect(pushing.current.status).toBe('fulfilled');
    expect(channel.size).toBe(100_000);
  });

  test('pushAll hands values to parked pulls, then waits as consecutive pushes would', async () => {
    const channel = new Channel<string>();
    const pulls = [channel.pull(), channel.pull()];
    const pushing = track(channel.pushAll(['a', 'b', 'c', 'd']));
    expect(await Promise.all(pulls)).toEqual(['a', 'b']);
    expect(channel.stats().waitingPushers).toBe(1);
    expect(await channel.pull()).toBe('c');
    expect(await channel.pull()).toBe('d');
    await flush();
    expect(pushing.current.status).toBe('fulfilled');
  });

  test('pushAll keeps FIFO order with another producer parked before it', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const other = channel.push(1);
    const pushing = channel.pushAll([2, 3]);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push(await channel.pull());
    await Promise.all([other, pushing]);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  test('pushAll of nothing resolves without touching the channel', async () => {
    const channel = new Channel<number>();
    await expect(channel.pushAll([])).resolves.toBeUndefined();
    expect(channel.stats().waitingPushers).toBe(0);
  });

  test('pushAll aborted part-way rejects with the reason, pushed counts the committed values, the rest are not delivered', async () => {
    const channel = new Channel<number>(2);
    const controller = new AbortController();
    const reason = new Error('stop');
    const pushing = channel.pushAll([1, 2, 3, 4, 5], { signal: controller.signal });
    controller.abort(reason);
    const error = await pushing.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect(channel.stats()).toMatchObject({ size: 2, waitingPushers: 0 });
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  test('pushAll closed part-way rejects with ChannelClosedError, pushed counts the committed values, the rest are not delivered', async () => {
    const channel = new Channel<number>(2);
    const pushing = channel.pushAll([1, 2, 3, 4, 5]);
    expect(channel.pullNowait()).toBe(1); // frees a slot: 3 commits
    await flush();
    channel.close();
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(3);
    expect(drainNow(channel)).toEqual([2, 3]);
  });

  test('pushAll on a closed channel rejects with ChannelClosedError and pushed 0', async () => {
    const channel = new Channel<number>(2, { name: 'out' });
    channel.close();
    const error = (await channel.pushAll([1]).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pushAll: channel "out" is closed');
    expect(error.pushed).toBe(0);
  });

  test('pushAll with an already aborted signal rejects with its reason and reads no value', async () => {
    let read = 0;
    function* values() {
      for (;;) yield read++;
    }
    const channel = new Channel<number>(2);
    await expect(channel.pushAll(values(), { signal: abortedSignal('no') })).rejects.toBe('no');
    expect(read).toBe(0);
    expect(channel.size).toBe(0);
  });

  test('pushAll reads the values lazily, one at a time, and closes the iterator when it stops', async () => {
    let read = 0;
    let finished = false;
    function* endless() {
      try {
        for (;;) yield read++;
      } finally {
        finished = true;
      }
    }
    const channel = new Channel<number>(2);
    const controller = new AbortController();
    const pushing = channel.pushAll(endless(), { signal: controller.signal });
    // Two values committed and a third waiting to be: no value is read ahead.
    expect(read).toBe(3);
    expect(channel.pullNowait()).toBe(0);
    await flush();
    expect(read).toBe(4);
    controller.abort(new Error('enough'));
    const error = (await pushing.catch((e: unknown) => e)) as { pushed?: number };
    expect(error.pushed).toBe(3);
    expect(finished).toBe(true);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  test('an iterator that throws makes pushAll reject with its error, pushed counting the values before it', async () => {
    const failure = new Error('source failed');
    function* failing() {
      yield 1;
      yield 2;
      throw failure;
    }
    const channel = new Channel<number>(5);
    const error = await channel.pushAll(failing()).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  test('a primitive abort reason rejects pushAll as is', async () => {
    const channel = new Channel<number>(1);
    const controller = new AbortController();
    const pushing = channel.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort('plain string');
    await expect(pushing).rejects.toBe('plain string');
    expect(drainNow(channel)).toEqual([1]);
  });

  test('two pushAll calls sharing one signal, both aborted part-way, each report their own pushed count', async () => {
    // One AbortController for all of a component's work is the everyday case (issue 11 item 9),
    // and its reason is one object: the count must not be one call's for both.
    const controller = new AbortController();
    const first = new Channel<number>(1);
    const second = new Channel<number>(3);
    const pushedBy = (promise: Promise<void>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error as { pushed?: number }).pushed,
      );
    const counts = Promise.all([
      pushedBy(first.pushAll([1, 2, 3], { signal: controller.signal })),
      pushedBy(second.pushAll([1, 2, 3, 4, 5], { signal: controller.signal })),
    ]);
    controller.abort();
    expect(await counts).toEqual([1, 3]);
  });

  test('a pushAll parked on a full channel is failed by close() like a parked push', async () => {
    const channel = new Channel<number>();
    const pushing = channel.pushAll([1, 2]);
    expect(channel.stats().waitingPushers).toBe(1);
    channel.close();
    await expect(pushing).rejects.toThrow(ChannelClosedError);
    expect(() => channel.pushNowait(1)).toThrow(ChannelClosedError);
    expect(() => new Channel<number>().pushNowait(1)).toThrow(ChannelFullError);
  });
});
