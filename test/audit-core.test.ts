/**
 * Red-team audit of the core (SPEC "Channel<T>", "select" with `after`, "Errors", and the second
 * map's "Non-blocking and batch operations"): the tests an outside tester would write from the
 * contract and from what Go and web-platform programmers expect — edge values, misuse,
 * re-entrancy, ordering, counting every value, cleanup. One behaviour per test.
 */
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  select,
  selectNowait,
} from '../src/index.js';
import { abortedSignal, flush, thrown, track } from './helpers/track.js';

/** Whether calling `run` threw synchronously (a function that returns a promise must not). */
function throwsSynchronously(run: () => unknown): boolean {
  try {
    const result = run();
    if (result instanceof Promise) result.catch(() => {});
    return false;
  } catch {
    return true;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('new Channel(capacity, options)', () => {
  test('a bigint capacity is a TypeError that names the constructor and says capacity', () => {
    const error = thrown(() => new Channel(1n as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^new Channel\(capacity, options\): capacity .*got bigint/);
  });

  test('a symbol capacity is a TypeError that names the constructor and says capacity', () => {
    const error = thrown(() => new Channel(Symbol('three') as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^new Channel\(capacity, options\): capacity .*got symbol/);
  });

  test('a capacity object is refused without calling its valueOf', () => {
    const toNumber = vi.fn(() => 2);
    expect(() => new Channel({ valueOf: toNumber } as never)).toThrow(TypeError);
    expect(toNumber).not.toHaveBeenCalled();
  });

  test('capacity -0 makes an unbuffered channel whose capacity reads 0', () => {
    const channel = new Channel(-0);
    expect(Object.is(channel.capacity, 0)).toBe(true);
    expect(Object.is(channel.stats().capacity, 0)).toBe(true);
  });

  test('a huge integer capacity buffers like any other', async () => {
    const channel = new Channel<number>(Number.MAX_SAFE_INTEGER);
    await channel.pushAll([1, 2, 3]);
    expect(channel.size).toBe(3);
    expect(channel.full).toBe(false);
  });

  test("'drop-oldest' with capacity Infinity never drops", () => {
    const channel = new Channel<number>(Infinity, { overflow: 'drop-oldest' });
    for (let i = 0; i < 5000; i++) channel.pushNowait(i);
    expect(channel.size).toBe(5000);
    expect(channel.pullNowait()).toBe(0);
  });

  test('NaN, negative, fractional capacities and a drop mode with capacity 0 are RangeErrors', () => {
    for (const capacity of [Number.NaN, -1, 1.5, -Infinity]) expect(() => new Channel(capacity)).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
  });
});

describe('properties and stats()', () => {
  test('an unbounded channel is never full', async () => {
    const channel = new Channel<number>(Infinity);
    await channel.pushAll(Array.from({ length: 10_000 }, (_, i) => i));
    expect(channel.full).toBe(false);
    expect(channel.size).toBe(10_000);
  });

  test('stats() counts a select case on each channel it waits on, and nothing once it resolved', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const selecting = select([pull(a), pull(b), push(b, 1)]);
    expect([a.stats().waitingPullers, b.stats().waitingPullers, b.stats().waitingPushers]).toEqual([1, 1, 1]);
    a.pushNowait(5);
    expect(await selecting).toMatchObject({ index: 0, value: 5, ok: true });
    expect([a.stats().waitingPullers, b.stats().waitingPullers, b.stats().waitingPushers]).toEqual([0, 0, 0]);
  });
});

describe('push and pull', () => {
  test('push resolves with undefined', async () => {
    const channel = new Channel<number>(1);
    expect(await channel.push(1)).toBeUndefined();
  });

  test('undefined is a value like any other: pull resolves with it and the buffer counts it', async () => {
    const channel = new Channel<undefined>(2);
    await channel.push(undefined);
    expect(channel.size).toBe(1);
    await expect(channel.pull()).resolves.toBeUndefined();
    expect(channel.size).toBe(0);
  });

  test('a function that is not a thenable travels as is, the same reference', async () => {
    const channel = new Channel<() => number>();
    const handler = () => 42;
    const pulled = channel.pull();
    await channel.push(handler);
    expect(await pulled).toBe(handler);
  });

  test('push and pull return promises even for misuse: a bad signal rejects, never throws', async () => {
    const channel = new Channel<number>(1);
    const bad = { signal: new AbortController() as unknown as AbortSignal };
    expect(throwsSynchronously(() => channel.push(1, bad))).toBe(false);
    expect(throwsSynchronously(() => channel.pull(bad))).toBe(false);
    await expect(channel.push(1, bad)).rejects.toThrow(/^push: options\.signal is not an AbortSignal/);
    await expect(channel.pull(bad)).rejects.toThrow(/^pull: options\.signal is not an AbortSignal/);
    expect(channel.size).toBe(0);
  });

  test('a signal-like object without removeEventListener is refused up front, so no later commit throws half-way', async () => {
    const channel = new Channel<number>();
    const fake = { aborted: false, reason: undefined, addEventListener() {} } as unknown as AbortSignal;
    const pushed = track(channel.push(1, { signal: fake }));
    await flush();
    expect(pushed.current.status).toBe('rejected');
    expect((pushed.current as { reason: unknown }).reason).toBeInstanceOf(TypeError);
    expect(channel.stats().waitingPushers).toBe(0);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('an aborted push to a closed channel rejects with the abort reason, not ChannelClosedError', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const reason = new Error('stop');
    await expect(channel.push(1, { signal: abortedSignal(reason) })).rejects.toBe(reason);
  });

  test('an aborted pull on a closed channel that still has values rejects with the reason and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(7);
    channel.close();
    const reason = new Error('stop');
    await expect(channel.pull({ signal: abortedSignal(reason) })).rejects.toBe(reason);
    expect(channel.pullNowait()).toBe(7);
  });

  test('a pull continuation that pushes into the same unbuffered channel hands the value to the next parked pull', async () => {
    const channel = new Channel<string>();
    const received: string[] = [];
    const first = channel.pull().then((value) => {
      received.push(value);
      return channel.push(`${value}+echo`);
    });
    const second = channel.pull().then((value) => received.push(value));
    await channel.push('hi');
    await Promise.all([first, second]);
    expect(received).toEqual(['hi', 'hi+echo']);
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('many producers and consumers on a capacity-1 channel lose, duplicate and reorder nothing per producer', async () => {
    const channel = new Channel<[number, number]>(1);
    const producers = Array.from({ length: 5 }, (_, p) =>
      (async () => {
        for (let i = 0; i < 200; i++) await channel.push([p, i]);
      })(),
    );
    const seen: [number, number][] = [];
    const consumers = Array.from({ length: 3 }, () =>
      (async () => {
        for await (const value of channel) seen.push(value);
      })(),
    );
    await Promise.all(producers);
    channel.close();
    await Promise.all(consumers);
    expect(seen.length).toBe(1000);
    for (let p = 0; p < 5; p++) {
      expect(seen.filter(([q]) => q === p).map(([, i]) => i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    }
  });
});

describe('pushNowait, pullNowait, tryPush, tryPull', () => {
  test('the ChannelFullError of pushNowait names the operation and the channel and carries it', () => {
    const channel = new Channel<number>(0, { name: 'jobs' });
    const error = thrown(() => channel.pushNowait(1)) as ChannelFullError;
    expect(error).toBeInstanceOf(ChannelFullError);
    expect(error.message).toBe('pushNowait: channel "jobs" is full');
    expect(error.channel).toBe(channel);
  });

  test('pullNowait on a closed channel returns the buffered values in order, then throws ChannelClosedError with the reason as cause', () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const reason = new Error('done');
    channel.close(reason);
    expect([channel.pullNowait(), channel.pullNowait()]).toEqual([1, 2]);
    const error = thrown(() => channel.pullNowait()) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(error.message).toBe('pullNowait: channel is closed');
  });

  test('pushNowait of a thenable on a closed channel is a TypeError: misuse is reported before state', () => {
    const channel = new Channel<unknown>(1);
    channel.close();
    expect(() => channel.pushNowait(Promise.resolve(1))).toThrow(TypeError);
  });

  test('tryPush on a closed drop-oldest channel returns false and drops nothing', () => {
    const channel = new Channel<number>(1, { overflow: 'drop-oldest' });
    channel.pushNowait(1);
    channel.close();
    expect(channel.tryPush(2)).toBe(false);
    expect(channel.pullNowait()).toBe(1);
  });

  test('tryPush on a full channel with parked pushes returns false and keeps their order', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = channel.push(2);
    expect(channel.tryPush(3)).toBe(false);
    expect([channel.tryPull(), channel.tryPull(), channel.tryPull()]).toEqual([1, 2, undefined]);
    await parked;
  });

  test('tryPull consumes a buffered undefined value and returns undefined (pullNowait tells them apart)', () => {
    const channel = new Channel<number | undefined>(2);
    channel.pushNowait(undefined);
    channel.pushNowait(5);
    expect(channel.tryPull()).toBeUndefined();
    expect(channel.size).toBe(1);
    expect(channel.tryPull()).toBe(5);
  });

  test('tryPull on a closed, drained channel keeps returning undefined and never throws', () => {
    const channel = new Channel<number>(1);
    channel.close(new Error('gone'));
    for (let i = 0; i < 3; i++) expect(channel.tryPull()).toBeUndefined();
  });

  test('tryPush and tryPull on an unbuffered channel skip a parked partner whose signal is already aborted', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const reason = new Error('gone');
    const seen: unknown[] = [];
    // The first abort listener runs before the core's: the parked pull is aborted but still queued.
    controller.signal.addEventListener('abort', () => seen.push(channel.tryPush(1)));
    const pulling = track(channel.pull({ signal: controller.signal }));
    controller.abort(reason);
    await flush();
    expect(seen).toEqual([false]);
    expect(pulling.current).toEqual({ status: 'rejected', reason });
  });
});

describe('pullMany(max)', () => {
  test('a bigint max rejects with a TypeError naming pullMany, and does not throw', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(throwsSynchronously(() => channel.pullMany(2n as never))).toBe(false);
    await expect(channel.pullMany(2n as never)).rejects.toThrow(TypeError);
    await expect(channel.pullMany(2n as never)).rejects.toThrow(/^pullMany\(max\): max must be a positive integer/);
    expect(channel.size).toBe(1);
  });

  test('a symbol max rejects with a TypeError naming pullMany, and does not throw', async () => {
    const channel = new Channel<number>(1);
    expect(throwsSynchronously(() => channel.pullMany(Symbol() as never))).toBe(false);
    await expect(channel.pullMany(Symbol() as never)).rejects.toThrow(/^pullMany\(max\): .*got symbol/);
  });

  test('an object max is refused without calling its valueOf', async () => {
    const channel = new Channel<number>(1);
    const toNumber = vi.fn(() => 1);
    await expect(channel.pullMany({ valueOf: toNumber } as never)).rejects.toThrow(TypeError);
    expect(toNumber).not.toHaveBeenCalled();
  });

  test('0, negative, fractional, NaN and Infinity are RangeErrors that take nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    for (const max of [0, -1, 1.5, Number.NaN, Infinity, -Infinity]) {
      await expect(channel.pullMany(max)).rejects.toThrow(RangeError);
    }
    expect(channel.size).toBe(1);
  });

  test('a non-number max is a TypeError that takes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    for (const max of ['2', null, undefined, true])
      await expect(channel.pullMany(max as never)).rejects.toThrow(TypeError);
    expect(channel.size).toBe(1);
  });

  test('an already aborted signal is checked before max: it rejects with the reason', async () => {
    const reason = new Error('stop');
    await expect(new Channel(1).pullMany(0, { signal: abortedSignal(reason) })).rejects.toBe(reason);
  });

  test('a huge max takes everything there is, in order', async () => {
    const channel = new Channel<number>(Infinity);
    await channel.pushAll([1, 2, 3]);
    expect(await channel.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([1, 2, 3]);
  });

  test('max 1 takes one value and leaves the parked pushes parked, in order', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const second = track(channel.push(2));
    const third = track(channel.push(3));
    expect(await channel.pullMany(1)).toEqual([1]);
    await flush();
    expect(second.current.status).toBe('fulfilled');
    expect(third.current.status).toBe('pending');
    expect(channel.stats()).toMatchObject({ size: 1, waitingPushers: 1 });
    expect(await channel.pullMany(5)).toEqual([2, 3]);
  });

  test('on a full buffer with parked pushes it resolves exactly the pushes whose values it took', async () => {
    const channel = new Channel<number>(2);
    await channel.pushAll([1, 2]);
    const parked = [3, 4, 5, 6].map((value) => track(channel.push(value)));
    expect(await channel.pullMany(4)).toEqual([1, 2, 3, 4]);
    await flush();
    // 3 and 4 were taken; 5 and 6 moved into the freed slots, which also resolves their pushes.
    expect(parked.map((outcome) => outcome.current.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(channel.stats()).toMatchObject({ size: 2, waitingPushers: 0 });
    expect(await channel.pullMany(4)).toEqual([5, 6]);
  });

  test('values it took stay taken when the channel closes right after the call', async () => {
    const channel = new Channel<number>(3);
    await channel.pushAll([1, 2]);
    const taking = channel.pullMany(5);
    channel.close(new Error('late'));
    expect(await taking).toEqual([1, 2]);
  });

  test('on a closed, drained channel it rejects with ChannelClosedError naming pullMany, the reason as cause', async () => {
    const channel = new Channel<number>(1, { name: 'batches' });
    const reason = new Error('end');
    channel.close(reason);
    const error = (await channel.pullMany(3).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pullMany: channel "batches" is closed');
    expect(error.cause).toBe(reason);
  });

  test('a parked pullMany that close() fails rejects with a ChannelClosedError naming pullMany, as at the call', async () => {
    const channel = new Channel<number>(0, { name: 'batches' });
    const taking = channel.pullMany(3);
    channel.close();
    const error = (await taking.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pullMany: channel "batches" is closed');
  });

  test('a parked pullMany with a signal leaves no abort listener once served', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const taking = channel.pullMany(3, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    channel.pushNowait(1);
    expect(await taking).toEqual([1]);
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  test('each call returns a new array', async () => {
    const channel = new Channel<number>(4);
    await channel.pushAll([1, 2]);
    const first = await channel.pullMany(1);
    const second = await channel.pullMany(1);
    expect(first).not.toBe(second);
    expect([first, second]).toEqual([[1], [2]]);
  });
});

describe('pushAll(values)', () => {
  test('pushAll returns a promise for any misuse of values: null, a number, an object without an iterator', async () => {
    const channel = new Channel<number>(4);
    for (const values of [null, undefined, 5, {}]) {
      expect(throwsSynchronously(() => channel.pushAll(values as never))).toBe(false);
      await expect(channel.pushAll(values as never)).rejects.toThrow(/^pushAll\(values\): values is not iterable/);
    }
    expect(channel.size).toBe(0);
  });

  test('an iterable whose [Symbol.iterator]() throws makes pushAll reject with that error', async () => {
    const failure = new Error('no iterator today');
    const values = {
      [Symbol.iterator](): Iterator<number> {
        throw failure;
      },
    };
    const error = await new Channel<number>(4).pushAll(values).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect((error as { pushed?: number }).pushed).toBe(0);
  });

  test('pushAll resolves with undefined and delivers undefined values', async () => {
    const channel = new Channel<undefined | number>(4);
    expect(await channel.pushAll([undefined, 1, undefined])).toBeUndefined();
    expect([channel.pullNowait(), channel.pullNowait(), channel.pullNowait()]).toEqual([undefined, 1, undefined]);
  });

  test('an iterator that closes the channel part-way makes pushAll reject, pushed counting what went in, and it is returned', async () => {
    const channel = new Channel<number>(10);
    let returned = false;
    function* values() {
      try {
        yield 1;
        yield 2;
        channel.close();
        yield 3;
        yield 4;
      } finally {
        returned = true;
      }
    }
    const error = (await channel.pushAll(values()).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pushAll: channel is closed');
    expect(error.pushed).toBe(2);
    expect(returned).toBe(true);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
  });

  test('an iterator that aborts the signal part-way makes pushAll reject with the reason, pushed counting what went in', async () => {
    const channel = new Channel<number>(10);
    const controller = new AbortController();
    const reason = new Error('enough');
    function* values() {
      yield 1;
      controller.abort(reason);
      yield 2;
    }
    const error = await channel.pushAll(values(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(1);
    expect(await channel.pullMany(10)).toEqual([1]);
  });

  test('a pushAll parked on a full channel that close() fails rejects with a ChannelClosedError naming pushAll, with the reason and pushed', async () => {
    const channel = new Channel<number>(1, { name: 'out' });
    const pushing = channel.pushAll([1, 2, 3]);
    channel.close(new Error('bye'));
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('pushAll: channel "out" is closed');
    expect((error.cause as Error).message).toBe('bye');
    expect(error.pushed).toBe(1);
  });

  test('close reads no further value from a parked pushAll’s iterator and returns it', async () => {
    const channel = new Channel<number>(1);
    const read: number[] = [];
    let returned = false;
    const values = {
      [Symbol.iterator]: () => {
        let next = 0;
        return {
          next: () => {
            read.push(next);
            return { done: false, value: next++ };
          },
          return: () => {
            returned = true;
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    const pushing = channel.pushAll(values);
    // 0 went into the buffer, 1 was read and waits for room.
    channel.close();
    await pushing.catch(() => {});
    expect(read).toEqual([0, 1]);
    expect(returned).toBe(true);
  });

  test('on an unbuffered channel it hands one value to each parked pull, then parks with the next', async () => {
    const channel = new Channel<number>();
    const pulls = [channel.pull(), channel.pull(), channel.pull()];
    const pushing = track(channel.pushAll([1, 2, 3, 4, 5]));
    expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 1 });
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
    channel.close();
    await flush();
    expect(pushing.current.status).toBe('rejected');
    expect((pushing.current as { reason: ChannelClosedError }).reason.pushed).toBe(3);
  });

  test('two pushAll calls racing on a capacity-1 channel each keep their order and lose nothing', async () => {
    const channel = new Channel<string>(1);
    const a = channel.pushAll(['a1', 'a2', 'a3', 'a4']);
    const b = channel.pushAll(['b1', 'b2', 'b3', 'b4']);
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const value of channel) seen.push(value);
    })();
    await Promise.all([a, b]);
    channel.close();
    await consuming;
    expect(seen.length).toBe(8);
    expect(seen.filter((v) => v.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(seen.filter((v) => v.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  test("on a full 'drop-newest' channel it resolves and the values beyond the buffer are dropped", async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    await channel.pushAll([1, 2, 3, 4]);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
  });

  test('an empty iterable resolves even on a closed channel: no push was made', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.pushAll([])).resolves.toBeUndefined();
  });

  test('a pushAll parked with a signal leaves no abort listener once it finished', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pushing = channel.pushAll([1, 2], { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    expect(await channel.pullMany(1)).toEqual([1]);
    await flush();
    expect(await channel.pullMany(1)).toEqual([2]);
    await pushing;
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  test('pushAll with an already aborted signal rejects with the reason itself, which says pushed: 0', async () => {
    const reason = new Error('stop');
    const error = await new Channel<number>(1).pushAll([1], { signal: abortedSignal(reason) }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((reason as Error & { pushed?: number }).pushed).toBe(0);
  });

  test('several pushAll calls stopped by one already aborted signal all reject with its reason, pushed: 0', async () => {
    const reason = new Error('stop');
    const signal = abortedSignal(reason);
    const channel = new Channel<number>(4);
    const errors = await Promise.all([
      channel.pushAll([1, 2], { signal }).catch((e: unknown) => e),
      channel.pushAll([3], { signal }).catch((e: unknown) => e),
    ]);
    expect(errors).toEqual([reason, reason]);
    expect((reason as Error & { pushed?: number }).pushed).toBe(0);
    expect(channel.size).toBe(0);
  });
});

describe('close(reason)', () => {
  test('a second close(reason) keeps the first reason', async () => {
    const channel = new Channel<number>();
    const first = new Error('first');
    channel.close(first);
    channel.close(new Error('second'));
    const error = (await channel.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.cause).toBe(first);
  });

  test('close(null) is a reason: pulls carry cause null and for await throws null', async () => {
    const channel = new Channel<number>();
    channel.close(null);
    const error = (await channel.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect('cause' in error && error.cause === null).toBe(true);
    const iterating = (async () => {
      for await (const _ of channel) throw new Error('no value expected');
    })();
    await expect(iterating).rejects.toBeNull();
  });

  test('close(false) and close(0) make for await throw that value', async () => {
    for (const reason of [false, 0, '']) {
      const channel = new Channel<number>();
      channel.close(reason);
      const iterating = (async () => {
        for await (const _ of channel) throw new Error('no value expected');
      })();
      await expect(iterating).rejects.toBe(reason);
    }
  });

  test('close() fails every parked pull with ChannelClosedError and leaves none parked', async () => {
    const channel = new Channel<number>();
    const pulls = Array.from({ length: 5 }, () => track(channel.pull()));
    channel.close();
    await flush();
    for (const outcome of pulls) {
      expect(outcome.current.status).toBe('rejected');
      expect((outcome.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0, closed: true });
  });

  test('a close from inside a pull continuation fails the operations parked after it', async () => {
    const channel = new Channel<number>();
    const first = channel.pull().then((value) => {
      channel.close();
      return value;
    });
    const second = track(channel.pull());
    channel.pushNowait(1);
    expect(await first).toBe(1);
    await flush();
    expect(second.current.status).toBe('rejected');
  });

  test('close() from an abort listener of a parked pull’s signal fails that pull with the abort reason or ChannelClosedError, never both', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const pulling = track(channel.pull({ signal: controller.signal }));
    controller.abort(new Error('stop'));
    await flush();
    expect(pulling.current.status).toBe('rejected');
    expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe('iteration and disposal', () => {
  test('next() called twice without awaiting delivers the values in order', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await second).toEqual({ done: false, value: 2 });
  });

  test('after close(reason), a drained iterator throws the reason again on every next()', async () => {
    const channel = new Channel<number>();
    const reason = new Error('broken');
    channel.close(reason);
    const iterator = channel[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBe(reason);
    await expect(iterator.next()).rejects.toBe(reason);
  });

  test('a finished iterator keeps answering done', async () => {
    const channel = new Channel<number>();
    channel.close();
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  test('a consumer that throws inside for await leaves the channel open and every other value readable', async () => {
    const channel = new Channel<number>(3);
    await channel.pushAll([1, 2, 3]);
    await expect(
      (async () => {
        for await (const value of channel) if (value === 1) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(channel.closed).toBe(false);
    expect(await channel.pullMany(5)).toEqual([2, 3]);
  });

  test('[Symbol.asyncDispose]() returns a promise of undefined and is idempotent', async () => {
    const channel = new Channel<number>();
    expect(await channel[Symbol.asyncDispose]()).toBeUndefined();
    expect(await channel[Symbol.asyncDispose]()).toBeUndefined();
    expect(channel.closed).toBe(true);
  });

  test('disposal fails the parked operations with a ChannelClosedError without cause', async () => {
    const channel = new Channel<number>();
    const pulling = channel.pull();
    {
      using _ = channel;
    }
    const error = (await pulling.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect('cause' in error).toBe(false);
  });
});

describe('select', () => {
  test('holes in the cases array are skipped like null entries', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(3);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const result = await select([, pull(channel)]);
    expect(result).toMatchObject({ index: 1, value: 3, ok: true });
  });

  test('an array-like that is not an array rejects with a TypeError, and does not throw', async () => {
    const channel = new Channel<number>(1);
    const cases = { length: 1, 0: pull(channel) } as never;
    expect(throwsSynchronously(() => select(cases))).toBe(false);
    await expect(select(cases)).rejects.toThrow(/^select\(cases\): cases must be an array/);
  });

  test('a plain object shaped like a case is refused with a TypeError naming its index', async () => {
    const channel = new Channel<number>(1);
    const forged = { kind: 'pull', channel } as never;
    await expect(select([pull(channel), forged])).rejects.toThrow(/^select\(cases\): case 1 is not a case/);
    expect(() => selectNowait([forged])).toThrow(/^selectNowait\(cases\): case 0 is not a case/);
  });

  test('an already aborted signal beats a list with no case: it rejects with the reason', async () => {
    const reason = new Error('stop');
    await expect(select([null], { signal: abortedSignal(reason) })).rejects.toBe(reason);
  });

  test('a parked multi-case select whose push case is closed rejects with a ChannelClosedError naming select', async () => {
    const out = new Channel<number>(0, { name: 'out' });
    const selecting = select([push(out, 1), pull(new Channel<number>())]);
    out.close();
    const error = (await selecting.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('select push: channel "out" is closed');
  });

  test('a parked one-case push select that close() fails rejects with a ChannelClosedError naming select', async () => {
    const out = new Channel<number>(0, { name: 'out' });
    const selecting = select([push(out, 1)]);
    out.close(new Error('bye'));
    const error = (await selecting.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toBe('select push: channel "out" is closed');
    expect((error.cause as Error).message).toBe('bye');
  });

  test('a push case carrying undefined delivers undefined', async () => {
    const channel = new Channel<undefined>();
    const pulled = channel.pull();
    expect(await select([push(channel, undefined)])).toMatchObject({ index: 0, value: undefined, ok: true });
    expect(await pulled).toBeUndefined();
  });

  test('a pushAll into a channel a select waits on gives the select its first value and buffers the rest', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>();
    const selecting = select([pull(a), pull(b)]);
    await a.pushAll([1, 2, 3]);
    expect(await selecting).toMatchObject({ index: 0, value: 1 });
    expect(await a.pullMany(5)).toEqual([2, 3]);
    expect(b.stats().waitingPullers).toBe(0);
  });

  test('a pullMany on a channel where a select parked a push case takes that value and resolves the select', async () => {
    const channel = new Channel<string>();
    const other = new Channel<string>();
    const selecting = select([push(channel, 'x'), pull(other)]);
    expect(await channel.pullMany(3)).toEqual(['x']);
    expect(await selecting).toMatchObject({ index: 0, ok: true, value: undefined });
    expect(other.stats().waitingPullers).toBe(0);
  });

  test('a multi-case select with a signal leaves no abort listener once it committed', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const controller = new AbortController();
    const selecting = select([pull(a), pull(b)], { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort').length).toBe(1);
    b.pushNowait(2);
    await selecting;
    expect(getEventListeners(controller.signal, 'abort').length).toBe(0);
  });

  test('selectNowait that finds nothing ready leaves no waiter', () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    b.pushNowait(1);
    expect(selectNowait([pull(a), push(b, 2)])).toBeUndefined();
    expect(a.stats().waitingPullers + b.stats().waitingPushers).toBe(0);
  });

  test('a select whose cases all lost to an abort commits nothing even if both channels get values right after', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    const controller = new AbortController();
    const selecting = track(select([pull(a), pull(b)], { signal: controller.signal }));
    controller.abort(new Error('stop'));
    a.pushNowait(1);
    b.pushNowait(2);
    await flush();
    expect(selecting.current.status).toBe('rejected');
    expect([a.size, b.size]).toEqual([1, 1]);
  });
});

describe('after(ms)', () => {
  test('after(0) delivers a timestamp taken when it fired, then the channel is closed and drained', async () => {
    const before = Date.now();
    const channel = afterMs(0);
    const value = await channel.pull();
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(Date.now());
    expect(channel.closed).toBe(true);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('the value stays readable after the channel closed itself', async () => {
    vi.useFakeTimers({ now: 1000 });
    const channel = afterMs(50);
    vi.advanceTimersByTime(50);
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe(1050);
  });

  test('after is a capacity-1 channel named after(ms)', () => {
    vi.useFakeTimers();
    const channel = afterMs(25);
    expect([channel.capacity, channel.name, channel.closed]).toEqual([1, 'after(25)', false]);
    channel.close();
  });

  test('a signal that aborts first clears the timer and a pull case on it fires with ok false', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const selecting = select([pull(afterMs(100, { signal: controller.signal }))]);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(await selecting).toMatchObject({ index: 0, ok: false, value: undefined });
  });

  test('NaN and infinite delays are RangeErrors (a negative one fires at once); a bigint is a TypeError', () => {
    for (const ms of [-Infinity, Number.NaN, Infinity]) expect(() => afterMs(ms)).toThrow(RangeError);
    expect(() => afterMs(1n as never)).toThrow(TypeError);
  });
});

describe('errors', () => {
  test('ChannelError itself has the name ChannelError and is an Error', () => {
    const error = new ChannelError('push', 'is closed', new Channel());
    expect(error.name).toBe('ChannelError');
    expect(error).toBeInstanceOf(Error);
  });

  test('an error’s stack and string form start with its class name', () => {
    const channel = new Channel<number>(0, { name: 'q' });
    const error = thrown(() => channel.pullNowait()) as Error;
    expect(String(error)).toBe('ChannelEmptyError: pullNowait: channel "q" is empty');
    expect(error.stack?.split('\n')[0]).toBe('ChannelEmptyError: pullNowait: channel "q" is empty');
  });

  test('a ChannelClosedError from a push names push and the channel and carries the close reason', async () => {
    const channel = new Channel<number>(1, { name: 'jobs' });
    const reason = { code: 42 };
    channel.close(reason);
    const error = (await channel.push(1).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.name).toBe('ChannelClosedError');
    expect(error.message).toBe('push: channel "jobs" is closed');
    expect(error.channel).toBe(channel);
    expect(error.cause).toBe(reason);
  });

  test('a parked push failed by close names push, not another operation', async () => {
    const channel = new Channel<number>(0, { name: 'jobs' });
    const pushing = channel.push(1);
    channel.close();
    await expect(pushing).rejects.toThrow(/^push: channel "jobs" is closed$/);
  });

  test('a parked pull failed by close names pull', async () => {
    const channel = new Channel<number>(0, { name: 'jobs' });
    const pulling = channel.pull();
    channel.close();
    await expect(pulling).rejects.toThrow(/^pull: channel "jobs" is closed$/);
  });

  test('an error whose channel has parked operations can be logged as JSON, with the channel’s stats and no value', async () => {
    const channel = new Channel<{ secret: string }>(1, { name: 'jobs' });
    channel.pushNowait({ secret: 'buffered' });
    const parked = channel.push({ secret: 'parked' }).catch(() => {});
    const error = thrown(() => channel.pushNowait({ secret: 'refused' })) as ChannelFullError;
    const json = JSON.stringify({ error });
    expect(JSON.parse(json)).toEqual({
      error: {
        channel: {
          name: 'jobs',
          capacity: 1,
          size: 1,
          closed: false,
          overflow: 'block',
          waitingPushers: 1,
          waitingPullers: 0,
        },
      },
    });
    expect(json).not.toContain('secret');
    channel.close();
    await parked;
  });

  test('a channel stringifies as its stats, with an unbounded capacity as null', () => {
    const channel = new Channel<number>(Infinity);
    channel.pushNowait(1);
    expect(JSON.parse(JSON.stringify(channel))).toEqual({
      capacity: null,
      size: 1,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });
});

describe('conservation under concurrency, aborts and close (property)', () => {
  type Step =
    | {
        op: 'push' | 'pull' | 'pullMany' | 'pushAll' | 'selectPush' | 'selectPull' | 'selectBoth';
        abortable: boolean;
        n: number;
      }
    | { op: 'tryPush' | 'tryPull' | 'abort' | 'flush' | 'pushNowait' | 'pullNowait' | 'close' };

  const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      op: fc.constantFrom(
        'push',
        'pull',
        'pullMany',
        'pushAll',
        'selectPush',
        'selectPull',
        'selectBoth',
      ) as fc.Arbitrary<'push' | 'pull' | 'pullMany' | 'pushAll' | 'selectPush' | 'selectPull' | 'selectBoth'>,
      abortable: fc.boolean(),
      n: fc.integer({ min: 1, max: 4 }),
    }),
    fc.record({
      op: fc.constantFrom('tryPush', 'tryPull', 'abort', 'flush', 'pushNowait', 'pullNowait') as fc.Arbitrary<
        'tryPush' | 'tryPull' | 'abort' | 'flush' | 'pushNowait' | 'pullNowait'
      >,
    }),
  );
  /** The steps, with a close part-way now and then (about one step in thirty). */
  const stepsArbitrary: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: stepArbitrary, weight: 30 },
    { arbitrary: fc.constant<Step>({ op: 'close' }), weight: 1 },
  );

  test('every value whose push committed is received exactly once, and no other value is ever received', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 2, 5, Infinity),
        fc.array(stepsArbitrary, { maxLength: 40 }),
        async (capacity, steps) => {
          const channel = new Channel<number>(capacity);
          const other = new Channel<number>();
          const committed: number[] = [];
          const received: number[] = [];
          const settling: Promise<unknown>[] = [];
          const controllers: AbortController[] = [];
          let next = 0;
          const signal = (abortable: boolean) => {
            if (!abortable) return undefined;
            const controller = new AbortController();
            controllers.push(controller);
            return controller.signal;
          };
          for (const step of steps) {
            switch (step.op) {
              case 'push': {
                const value = next++;
                settling.push(
                  channel.push(value, { signal: signal(step.abortable) }).then(() => committed.push(value)),
                );
                break;
              }
              case 'pushAll': {
                const values = Array.from({ length: step.n }, () => next++);
                settling.push(
                  channel.pushAll(values, { signal: signal(step.abortable) }).then(
                    () => committed.push(...values),
                    (error: { pushed?: number }) => committed.push(...values.slice(0, error.pushed)),
                  ),
                );
                break;
              }
              case 'selectPush': {
                const value = next++;
                settling.push(
                  select([push(channel, value), pull(other)], { signal: signal(step.abortable) }).then((result) => {
                    if (result.index === 0) committed.push(value);
                  }),
                );
                break;
              }
              case 'selectBoth': {
                // A push case and a pull case on the same channel: it must never meet itself.
                const value = next++;
                settling.push(
                  select([push(channel, value), pull(channel)], { signal: signal(step.abortable) }).then((result) => {
                    if (result.index === 0) committed.push(value);
                    else if (result.ok) received.push(result.value as number);
                  }),
                );
                break;
              }
              case 'close':
                channel.close();
                break;
              case 'tryPush': {
                const value = next++;
                if (channel.tryPush(value)) committed.push(value);
                break;
              }
              case 'pushNowait': {
                const value = next++;
                try {
                  channel.pushNowait(value);
                  committed.push(value);
                } catch (error) {
                  expect(error).toBeInstanceOf(channel.closed ? ChannelClosedError : ChannelFullError);
                }
                break;
              }
              case 'pull':
                settling.push(channel.pull({ signal: signal(step.abortable) }).then((value) => received.push(value)));
                break;
              case 'pullMany':
                settling.push(
                  channel.pullMany(step.n, { signal: signal(step.abortable) }).then((values) => {
                    expect(values.length).toBeGreaterThan(0);
                    expect(values.length).toBeLessThanOrEqual(step.n);
                    received.push(...values);
                  }),
                );
                break;
              case 'selectPull':
                settling.push(
                  select([pull(channel), pull(other)], { signal: signal(step.abortable) }).then((result) => {
                    if (result.index === 0 && result.ok) received.push(result.value as number);
                  }),
                );
                break;
              case 'tryPull': {
                const value = channel.tryPull();
                if (value !== undefined) received.push(value);
                break;
              }
              case 'pullNowait':
                try {
                  received.push(channel.pullNowait());
                } catch (error) {
                  expect(error).toBeInstanceOf(channel.closed ? ChannelClosedError : ChannelEmptyError);
                }
                break;
              case 'abort':
                controllers.shift()?.abort(new Error('aborted'));
                break;
              case 'flush':
                await flush(3);
                break;
            }
          }
          await flush();
          channel.close();
          other.close();
          for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) received.push(value);
          await Promise.allSettled(settling);
          expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0, waitingPullers: 0 });
          expect([...received].sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('more edges', () => {
  test('an object whose then is not a function travels as a value', async () => {
    const channel = new Channel<{ then: number }>(1);
    // biome-ignore lint/suspicious/noThenProperty: a then that is not a function is the point
    const value = { then: 5 };
    await channel.push(value);
    expect(await channel.pull()).toBe(value);
  });

  test('an after channel that lost a select keeps its timer until it fires; closing it clears the timer', async () => {
    vi.useFakeTimers();
    const replies = new Channel<string>(1);
    replies.pushNowait('fast');
    const timeout = afterMs(60_000);
    const result = await select([pull(replies), pull(timeout)]);
    expect(result.index).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    timeout.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('pullMany and for await consumers sharing a channel each get distinct values, all of them', async () => {
    const channel = new Channel<number>(3);
    const seen: number[] = [];
    const iterating = (async () => {
      for await (const value of channel) seen.push(value);
    })();
    const batching = (async () => {
      for (;;) {
        const batch = await channel.pullMany(4).catch(() => undefined);
        if (batch === undefined) return;
        seen.push(...batch);
      }
    })();
    for (let i = 0; i < 200; i += 10) await channel.pushAll(Array.from({ length: 10 }, (_, k) => i + k));
    channel.close();
    await Promise.all([iterating, batching]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  test('a select with a thousand null entries and one ready case commits that case at its index', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const cases = Array.from({ length: 1001 }, (_, i) => (i === 1000 ? pull(channel) : null));
    expect(await select(cases)).toMatchObject({ index: 1000, value: 1, ok: true });
  });

  test('a pull case on a closed channel with a value beats nothing: it takes the value with ok true, then fires ok false', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close();
    expect(selectNowait([pull(channel)])).toMatchObject({ value: 1, ok: true });
    expect(selectNowait([pull(channel)])).toMatchObject({ value: undefined, ok: false });
  });

  test('a pull case and a push case on the same buffered channel with room and a value: one commits, never both', async () => {
    for (let i = 0; i < 50; i++) {
      const channel = new Channel<number>(2);
      channel.pushNowait(1);
      const result = await select([pull(channel), push(channel, 2)]);
      expect(channel.size).toBe(result.index === 0 ? 0 : 2);
    }
  });
});

describe('FIFO across kinds of parked operations', () => {
  test('parked pull, pullMany, select and iterator are served in the order they parked', async () => {
    const channel = new Channel<number>();
    const a = channel.pull();
    const b = channel.pullMany(5);
    const c = select([pull(channel), pull(new Channel<number>())]);
    const d = channel[Symbol.asyncIterator]().next();
    await channel.pushAll([1, 2, 3, 4]);
    expect(await a).toBe(1);
    expect(await b).toEqual([2]);
    expect(await c).toMatchObject({ index: 0, value: 3 });
    expect(await d).toEqual({ done: false, value: 4 });
  });

  test('parked push, select push case and pushAll are taken in the order they parked', async () => {
    const channel = new Channel<number>();
    const first = channel.push(1);
    const second = select([push(channel, 2), pull(new Channel<number>())]);
    const rest = channel.pushAll([3, 4]);
    expect(await channel.pullMany(10)).toEqual([1, 2, 3]);
    await Promise.all([first, second]);
    expect(await channel.pull()).toBe(4);
    await rest;
  });
});

describe('a commit is final even when the batch learns of it late', () => {
  test('a pushAll value taken while parked is counted in pushed even if the signal aborts before pushAll resumes', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const reason = new Error('late abort');
    const pushing = channel.pushAll([1, 2, 3], { signal: controller.signal });
    expect(channel.pullNowait()).toBe(1);
    controller.abort(reason);
    const error = await pushing.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(1);
    expect(channel.stats().waitingPushers).toBe(0);
  });

  test('a pushAll value taken while parked is counted in pushed even if the channel closes before pushAll resumes', async () => {
    const channel = new Channel<number>();
    const pushing = channel.pushAll([1, 2, 3]);
    expect(channel.pullNowait()).toBe(1);
    channel.close();
    const error = (await pushing.catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(1);
  });

  test('a parked pullMany served by a push keeps its value even if its signal aborts in the same turn', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const taking = channel.pullMany(3, { signal: controller.signal });
    channel.pushNowait(7);
    controller.abort();
    expect(await taking).toEqual([7]);
  });
});

describe('one signal for a select and the channels it waits on', () => {
  test('a select sharing its signal with its after() case rejects with the reason when the signal aborts, not with ok false', async () => {
    const controller = new AbortController();
    const replies = new Channel<string>();
    const timeout = afterMs(60_000, { signal: controller.signal });
    const selecting = track(select([pull(replies), pull(timeout)], { signal: controller.signal }));
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await flush();
    expect(selecting.current).toEqual({ status: 'rejected', reason });
    expect(replies.stats().waitingPullers).toBe(0);
  });

  test('a one-case select sharing its signal with its after() channel rejects with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const timeout = afterMs(60_000, { signal: controller.signal });
    const selecting = track(select([pull(timeout)], { signal: controller.signal }));
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await flush();
    expect(selecting.current).toEqual({ status: 'rejected', reason });
  });

  test('a pull whose channel an earlier listener of its own aborted signal closes rejects with the abort reason', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const pulling = track(channel.pull({ signal: controller.signal }));
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(pulling.current).toEqual({ status: 'rejected', reason });
  });

  test('a select push case whose channel an earlier listener of the select’s aborted signal closes rejects with the abort reason', async () => {
    const out = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => out.close());
    const selecting = track(select([push(out, 1), pull(new Channel<number>())], { signal: controller.signal }));
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(selecting.current).toEqual({ status: 'rejected', reason });
  });

  test('a pushAll whose channel an earlier listener of its own aborted signal closes rejects with the abort reason', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const pushing = channel.pushAll([1, 2], { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await pushing.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(0);
  });
});
