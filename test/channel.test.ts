/**
 * One test per behaviour of SPEC.md's "Channel<T>" and "Errors" sections, in the spec's order,
 * each named as the sentence it checks.
 */
import { describe, expect, test } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  type PullChannel,
  type PushChannel,
} from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

/** Drains a channel with pullNowait until it would wait or is closed and drained. */
function drainNow<T>(channel: Channel<T>): T[] {
  const values: T[] = [];
  for (;;) {
    try {
      values.push(channel.pullNowait());
    } catch {
      return values;
    }
  }
}

describe('constructor', () => {
  test('the default capacity is 0: an unbuffered channel', () => {
    const channel = new Channel<number>();
    expect(channel.capacity).toBe(0);
    expect(channel.stats().overflow).toBe('block');
  });

  test('a positive integer capacity buffers that many values', () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    expect(() => channel.pushNowait(4)).toThrow(ChannelFullError);
    expect(channel.size).toBe(3);
  });

  test('capacity Infinity never fills', () => {
    const channel = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 10_000; i++) channel.pushNowait(i);
    expect(channel.size).toBe(10_000);
    expect(channel.full).toBe(false);
    expect(drainNow(channel)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  test.each([
    [-1, RangeError],
    [Number.NaN, RangeError],
    [1.5, RangeError],
    [Number.NEGATIVE_INFINITY, RangeError],
    ['3', TypeError],
    [null, TypeError],
    [3n, TypeError],
  ])('capacity %s throws %o', (capacity, errorClass) => {
    expect(() => new Channel(capacity as number)).toThrow(errorClass);
  });

  test('the capacity error names the bad value', () => {
    expect(() => new Channel(1.5)).toThrow('capacity must be 0, a positive integer or Infinity, got 1.5');
    expect(() => new Channel('3' as unknown as number)).toThrow(
      'capacity must be 0, a positive integer or Infinity, got string',
    );
  });

  test.each(['drop-oldest', 'drop-newest'] as const)('overflow %s with capacity 0 throws RangeError', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
    expect(() => new Channel(undefined, { overflow })).toThrow(/drop-(oldest|newest) needs capacity ≥ 1/);
  });

  test('an unknown overflow policy throws TypeError', () => {
    expect(() => new Channel(1, { overflow: 'drop' as 'block' })).toThrow(TypeError);
    expect(() => new Channel(1, { overflow: 'drop' as 'block' })).toThrow(
      'new Channel(capacity, options): overflow must be "block", "drop-oldest" or "drop-newest", got drop',
    );
  });

  test('name labels the channel in errors and stats()', async () => {
    const channel = new Channel<number>(0, { name: 'jobs' });
    expect(channel.name).toBe('jobs');
    expect(channel.stats().name).toBe('jobs');
    expect(() => channel.pullNowait()).toThrow(/"jobs"/);
  });
});

describe("overflow 'drop-oldest' and 'drop-newest'", () => {
  test("'drop-oldest' discards the oldest buffered value to make room", async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    channel.pushNowait(4);
    expect(drainNow(channel)).toEqual([3, 4]);
  });

  test("capacity 1 with 'drop-oldest' is a conflated channel: the latest value wins", async () => {
    const channel = new Channel<string>(1, { overflow: 'drop-oldest' });
    for (const value of ['a', 'b', 'c']) await channel.push(value);
    expect(await channel.pull()).toBe('c');
  });

  test("'drop-newest' discards the pushed value when the buffer is full", async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    await channel.push(1);
    await channel.push(2);
    await channel.push(3);
    channel.pushNowait(4);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)(
    'in %s mode push resolves and pushNowait returns without error on a full buffer',
    async (overflow) => {
      const channel = new Channel<number>(1, { overflow });
      channel.pushNowait(1);
      await expect(channel.push(2)).resolves.toBeUndefined();
      expect(() => channel.pushNowait(3)).not.toThrow();
      expect(channel.stats().waitingPushers).toBe(0);
    },
  );

  test('a drop mode hands a value to a parked puller before it would drop anything', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    const pulled = channel.pull();
    channel.pushNowait(7);
    expect(await pulled).toBe(7);
  });
});

describe('properties', () => {
  test('capacity returns the capacity given', () => {
    expect(new Channel(5).capacity).toBe(5);
    expect(new Channel(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
  });

  test('size counts the buffered values and is always 0 when unbuffered', async () => {
    const buffered = new Channel<number>(4);
    buffered.pushNowait(1);
    buffered.pushNowait(2);
    expect(buffered.size).toBe(2);
    const unbuffered = new Channel<number>();
    const pushed = unbuffered.push(1);
    expect(unbuffered.size).toBe(0);
    await unbuffered.pull();
    await pushed;
  });

  test('closed is true once close() was called, even with values still buffered', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    expect(channel.closed).toBe(false);
    channel.close();
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(1);
  });

  test('full is size === capacity, and an unbuffered channel is always full', () => {
    const channel = new Channel<number>(1);
    expect(channel.full).toBe(false);
    channel.pushNowait(1);
    expect(channel.full).toBe(true);
    expect(new Channel().full).toBe(true);
  });

  test('empty is size === 0', () => {
    const channel = new Channel<number>(1);
    expect(channel.empty).toBe(true);
    channel.pushNowait(1);
    expect(channel.empty).toBe(false);
  });

  test('name is undefined when none was given', () => {
    expect(new Channel().name).toBeUndefined();
  });

  test('the properties are read-only getters', () => {
    const channel = new Channel<number>(1);
    expect(() => {
      (channel as unknown as { capacity: number }).capacity = 9;
    }).toThrow(TypeError);
  });
});

describe('stats()', () => {
  test('stats() reports name, capacity, size, closed, overflow and the parked operations', async () => {
    const channel = new Channel<number>(1, { name: 'n' });
    channel.pushNowait(1);
    const parked = [track(channel.push(2)), track(channel.push(3))];
    expect(channel.stats()).toEqual({
      name: 'n',
      capacity: 1,
      size: 1,
      closed: false,
      overflow: 'block',
      waitingPushers: 2,
      waitingPullers: 0,
    });
    channel.close();
    await flush();
    expect(parked.map((p) => p.current.status)).toEqual(['rejected', 'rejected']);
    expect(channel.stats()).toMatchObject({ closed: true, size: 1, waitingPushers: 0 });
  });

  test('stats() counts parked pulls', () => {
    const channel = new Channel<number>(3);
    track(channel.pull());
    track(channel.pull());
    expect(channel.stats().waitingPullers).toBe(2);
    channel.close();
  });

  test('stats() returns a copy that later changes do not affect', () => {
    const channel = new Channel<number>(2);
    const before = channel.stats();
    channel.pushNowait(1);
    expect(before.size).toBe(0);
  });
});

describe('push', () => {
  test('push into a buffer with room resolves at once: the value is committed to the buffer', async () => {
    const channel = new Channel<number>(1);
    const pushed = track(channel.push(1));
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
    expect(channel.size).toBe(1);
  });

  test('push resolves once a waiting puller is handed the value', async () => {
    const channel = new Channel<number>(0);
    const pulled = track(channel.pull());
    await channel.push(5);
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 5 });
  });

  test('an unbuffered push waits until a puller takes the value (rendezvous)', async () => {
    const channel = new Channel<number>(0);
    const pushed = track(channel.push(1));
    await flush();
    expect(pushed.current.status).toBe('pending');
    expect(await channel.pull()).toBe(1);
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
  });

  test('a push into a full blocking buffer waits for room', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    const pushed = track(channel.push(2));
    await flush();
    expect(pushed.current.status).toBe('pending');
    expect(await channel.pull()).toBe(1);
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
    expect(channel.size).toBe(1);
  });

  test('push on a closed channel rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.push(1)).rejects.toThrow(ChannelClosedError);
    expect(channel.size).toBe(0);
  });

  test('a parked push rejects with ChannelClosedError when the channel closes, and its value is not delivered', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    const pushed = channel.push(2);
    channel.close();
    await expect(pushed).rejects.toThrow(ChannelClosedError);
    expect(drainNow(channel)).toEqual([1]);
  });

  test('push with an already aborted signal rejects with its reason, even on a closed channel', async () => {
    const reason = new Error('stop');
    const open = new Channel<number>(1);
    await expect(open.push(1, { signal: abortedSignal(reason) })).rejects.toBe(reason);
    expect(open.size).toBe(0);
    const closed = new Channel<number>(1);
    closed.close();
    await expect(closed.push(1, { signal: abortedSignal(reason) })).rejects.toBe(reason);
  });

  test('an aborted parked push rejects with the reason, delivers nothing and leaves no trace', async () => {
    const channel = new Channel<number>(0);
    const controller = new AbortController();
    const pushed = channel.push(1, { signal: controller.signal });
    expect(channel.stats().waitingPushers).toBe(1);
    controller.abort('cancelled');
    await expect(pushed).rejects.toBe('cancelled');
    expect(channel.stats().waitingPushers).toBe(0);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });

  test('parked pushes are served in FIFO order', async () => {
    const channel = new Channel<number>(0);
    const pushes = [channel.push(1), channel.push(2), channel.push(3)];
    expect([await channel.pull(), await channel.pull(), await channel.pull()]).toEqual([1, 2, 3]);
    await Promise.all(pushes);
  });
});

describe('pull', () => {
  test('pull resolves with the head of the buffer', async () => {
    const channel = new Channel<string>(3);
    channel.pushNowait('a');
    channel.pushNowait('b');
    expect(await channel.pull()).toBe('a');
  });

  test("pulling from a full buffer moves a waiting pusher's value into the buffer, keeping FIFO order", async () => {
    const channel = new Channel<number>(2);
    await channel.push(1);
    await channel.push(2);
    const third = track(channel.push(3));
    expect(await channel.pull()).toBe(1);
    await flush();
    expect(third.current.status).toBe('fulfilled');
    expect(channel.size).toBe(2);
    expect(drainNow(channel)).toEqual([2, 3]);
  });

  test("pull takes a waiting pusher's value on an unbuffered channel", async () => {
    const channel = new Channel<number>(0);
    const pushed = channel.push(9);
    expect(await channel.pull()).toBe(9);
    await pushed;
  });

  test('pull waits when there is no value', async () => {
    const channel = new Channel<number>(2);
    const pulled = track(channel.pull());
    await flush();
    expect(pulled.current.status).toBe('pending');
    channel.pushNowait(4);
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 4 });
  });

  test('pull on a closed, drained channel rejects with ChannelClosedError whose cause is the close reason', async () => {
    const channel = new Channel<number>(1);
    const reason = new Error('upstream failed');
    channel.close(reason);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  test('a ChannelClosedError after close() without a reason has no cause', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const error = (await channel.pull().catch((e: unknown) => e)) as Error;
    expect('cause' in error).toBe(false);
  });

  test('a parked pull rejects with ChannelClosedError when the channel closes', async () => {
    const channel = new Channel<number>(1);
    const pulled = channel.pull();
    channel.close('bye');
    const error = (await pulled.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('bye');
  });

  test('pull with an already aborted signal rejects with its reason and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await expect(channel.pull({ signal: abortedSignal('no') })).rejects.toBe('no');
    expect(channel.size).toBe(1);
    channel.close();
    await expect(channel.pull({ signal: abortedSignal('first') })).rejects.toBe('first');
  });

  test('an aborted parked pull rejects with the reason and consumes nothing', async () => {
    const channel = new Channel<number>(1);
    const controller = new AbortController();
    const pulled = channel.pull({ signal: controller.signal });
    controller.abort('timeout');
    await expect(pulled).rejects.toBe('timeout');
    expect(channel.stats().waitingPullers).toBe(0);
    channel.pushNowait(1);
    expect(channel.size).toBe(1);
  });

  test('parked pulls are served in FIFO order', async () => {
    const channel = new Channel<number>(0);
    const pulls = [channel.pull(), channel.pull(), channel.pull()];
    for (const value of [1, 2, 3]) channel.pushNowait(value);
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
  });

  test('a value committed to a pull is that caller’s even if its signal aborts afterwards', async () => {
    const channel = new Channel<number>(0);
    const controller = new AbortController();
    const pulled = channel.pull({ signal: controller.signal });
    channel.pushNowait(42);
    controller.abort('too late');
    expect(await pulled).toBe(42);
  });

  test('a value committed by a push is delivered even if its signal aborts afterwards', async () => {
    const channel = new Channel<number>(0);
    const controller = new AbortController();
    const pushed = channel.push(42, { signal: controller.signal });
    expect(channel.pullNowait()).toBe(42);
    controller.abort('too late');
    await expect(pushed).resolves.toBeUndefined();
  });
});

describe('pushNowait', () => {
  test('pushNowait commits into a buffer with room', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(channel.size).toBe(1);
  });

  test('pushNowait throws ChannelFullError when it would have to wait', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(() => channel.pushNowait(2)).toThrow(ChannelFullError);
    expect(drainNow(channel)).toEqual([1]);
  });

  test('pushNowait throws ChannelClosedError on a closed channel', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(() => channel.pushNowait(1)).toThrow(ChannelClosedError);
  });

  test('pushNowait on an unbuffered channel succeeds exactly when a puller is waiting', async () => {
    const channel = new Channel<number>(0);
    expect(() => channel.pushNowait(1)).toThrow(ChannelFullError);
    const pulled = channel.pull();
    channel.pushNowait(2);
    expect(await pulled).toBe(2);
    expect(() => channel.pushNowait(3)).toThrow(ChannelFullError);
  });
});

describe('pullNowait', () => {
  test('pullNowait returns the head of the buffer', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(channel.pullNowait()).toBe(1);
  });

  test('pullNowait throws ChannelEmptyError when it would have to wait', () => {
    expect(() => new Channel<number>(1).pullNowait()).toThrow(ChannelEmptyError);
  });

  test('pullNowait throws ChannelClosedError once the channel is closed and drained', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close();
    expect(channel.pullNowait()).toBe(1);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('pullNowait on an unbuffered channel succeeds exactly when a pusher is waiting', async () => {
    const channel = new Channel<number>(0);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
    const pushed = channel.push(5);
    expect(channel.pullNowait()).toBe(5);
    await pushed;
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
  });
});

describe('close', () => {
  test('close is idempotent: a later call does nothing', async () => {
    const channel = new Channel<number>(1);
    channel.close('first');
    channel.close('second');
    const error = (await channel.pull().catch((e: unknown) => e)) as Error;
    expect(error.cause).toBe('first');
  });

  test('values already in the buffer stay readable after close; pulls reject only once it is drained', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    await expect(channel.pull()).rejects.toThrow(ChannelClosedError);
  });

  test('close rejects every parked pusher, and their values are not added', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const pushes = [channel.push(1), channel.push(2)].map(track);
    channel.close();
    await flush();
    for (const pushed of pushes) {
      expect(pushed.current.status).toBe('rejected');
      expect((pushed.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(drainNow(channel)).toEqual([0]);
  });

  test('close rejects every parked puller', async () => {
    const channel = new Channel<number>(0);
    const pulls = [channel.pull(), channel.pull()].map(track);
    channel.close();
    await flush();
    expect(pulls.map((p) => p.current.status)).toEqual(['rejected', 'rejected']);
  });

  test('for await ends normally after close()', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  test('for await throws the reason after close(reason)', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    const reason = new Error('broken');
    channel.close(reason);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of channel) seen.push(value);
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual([1]);
  });

  test('a for await loop parked on an empty channel ends when it closes, or throws the reason', async () => {
    const plain = new Channel<number>();
    const ended = (async () => {
      for await (const _ of plain) throw new Error('no value expected');
      return 'ended';
    })();
    await flush();
    plain.close();
    expect(await ended).toBe('ended');

    const failing = new Channel<number>();
    const thrown = (async () => {
      for await (const _ of failing) throw new Error('no value expected');
    })();
    await flush();
    failing.close('reason');
    await expect(thrown).rejects.toBe('reason');
  });
});

describe('iteration', () => {
  test('iteration yields values until the channel is closed and drained', async () => {
    const channel = new Channel<number>(0);
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await channel.push(i);
      channel.close();
    })();
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    await producer;
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  test('several iterators may run at once and each value goes to exactly one of them', async () => {
    const channel = new Channel<number>(4);
    const consume = async () => {
      const seen: number[] = [];
      for await (const value of channel) seen.push(value);
      return seen;
    };
    const consumers = [consume(), consume(), consume()];
    for (let i = 0; i < 300; i++) await channel.push(i);
    channel.close();
    const results = await Promise.all(consumers);
    expect(results.every((seen) => seen.length > 0)).toBe(true);
    expect(results.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const seen of results) expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  test('leaving a for await loop early does not close the channel and loses no value', async () => {
    const channel = new Channel<number>(5);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    for await (const value of channel) {
      if (value === 1) break;
    }
    expect(channel.closed).toBe(false);
    try {
      for await (const value of channel) {
        if (value === 2) throw new Error('leave');
      }
    } catch {}
    const rest: number[] = [];
    channel.close();
    for await (const value of channel) rest.push(value);
    expect(rest).toEqual([3, 4]);
  });

  test('the iterator is its own async iterable', () => {
    const iterator = new Channel<number>()[Symbol.asyncIterator]();
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator);
  });
});

describe('disposal', () => {
  test('await using closes the channel at the end of the block', async () => {
    let escaped: Channel<number> | undefined;
    {
      await using channel = new Channel<number>(1);
      escaped = channel;
      expect(channel.closed).toBe(false);
    }
    expect(escaped?.closed).toBe(true);
  });

  test('using closes the channel at the end of the block', () => {
    let escaped: Channel<number> | undefined;
    {
      using channel = new Channel<number>(1);
      escaped = channel;
    }
    expect(escaped?.closed).toBe(true);
  });

  test('disposal keeps buffered values readable', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    await channel[Symbol.asyncDispose]();
    expect(channel.pullNowait()).toBe(1);
  });
});

describe('type views', () => {
  test('Channel<T> satisfies PushChannel<T> and PullChannel<T>', async () => {
    const channel = new Channel<number>(1);
    const producer = async (out: PushChannel<number>) => {
      await out.push(1);
      out.close();
      // @ts-expect-error a PushChannel cannot pull
      out.pull;
    };
    const consumer = async (input: PullChannel<number>) => {
      const seen: number[] = [];
      for await (const value of input) seen.push(value);
      // @ts-expect-error a PullChannel cannot push
      input.push;
      return seen;
    };
    await producer(channel);
    expect(await consumer(channel)).toEqual([1]);
  });
});

describe('errors', () => {
  test('ChannelClosedError, ChannelFullError and ChannelEmptyError extend ChannelError and Error', () => {
    for (const ErrorClass of [ChannelClosedError, ChannelFullError, ChannelEmptyError]) {
      expect(ErrorClass.prototype).toBeInstanceOf(ChannelError);
      expect(ErrorClass.prototype).toBeInstanceOf(Error);
    }
  });

  test('each error has name equal to its class name', () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const full = catchError(() => channel.pushNowait(2));
    expect(full.name).toBe('ChannelFullError');
    channel.pullNowait();
    const empty = catchError(() => channel.pullNowait());
    expect(empty.name).toBe('ChannelEmptyError');
    channel.close();
    const closed = catchError(() => channel.pullNowait());
    expect(closed.name).toBe('ChannelClosedError');
    expect(new ChannelError('push', 'is odd', channel).name).toBe('ChannelError');
  });

  test('the message names the channel and the operation, and channel is the channel', async () => {
    const channel = new Channel<number>(1, { name: 'orders' });
    channel.pushNowait(1);
    const full = catchError(() => channel.pushNowait(2));
    expect(full.message).toBe('pushNowait: channel "orders" is full');
    expect(full.channel).toBe(channel);
    channel.pullNowait();
    expect(catchError(() => channel.pullNowait()).message).toBe('pullNowait: channel "orders" is empty');
    channel.close();
    const pushed = (await channel.push(1).catch((e: unknown) => e)) as ChannelError;
    expect(pushed.message).toBe('push: channel "orders" is closed');
    expect(pushed.channel).toBe(channel);
    const pulled = (await channel.pull().catch((e: unknown) => e)) as ChannelError;
    expect(pulled.message).toBe('pull: channel "orders" is closed');
  });

  test('the message of an unnamed channel says just "channel"', () => {
    const channel = new Channel<number>(1);
    expect(catchError(() => channel.pullNowait()).message).toBe('pullNowait: channel is empty');
  });
});

function catchError(run: () => unknown): ChannelError {
  try {
    run();
  } catch (error) {
    return error as ChannelError;
  }
  throw new Error('expected an error');
}
