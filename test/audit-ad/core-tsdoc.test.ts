/**
 * Audit AD: the TSDoc sentences of the shipped `chanasync` declarations (dist/*.d.ts), each
 * checked at run time against the built package. Grouped by export; each test names the
 * sentence it checks.
 */
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  from,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle, until } from './util.js';

/** Captures what `console.log` printed while `body` ran. */
async function logged(body: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Channel class TSDoc', () => {
  it('@example: 0 1 2 3 4 through a buffered channel named jobs', async () => {
    const lines = await logged(async () => {
      const jobs = new Channel<number>(2, { name: 'jobs' });
      void (async () => {
        for (let i = 0; i < 5; i++) await jobs.push(i);
        jobs.close();
      })();
      for await (const job of jobs) console.log(job);
    });
    expect(lines).toEqual(['0', '1', '2', '3', '4']);
  });

  it('thenables are refused with a TypeError at push time (push, pushNowait, tryPush, pushAll, select push)', async () => {
    const channel = new Channel<unknown>(4);
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this checks
    const thenable = { then: () => undefined };
    await expect(channel.push(Promise.resolve(1))).rejects.toBeInstanceOf(TypeError);
    expect(() => channel.pushNowait(thenable)).toThrow(TypeError);
    expect(() => channel.tryPush(thenable)).toThrow(TypeError);
    expect(() => push(channel, thenable)).toThrow(TypeError);
    const error = await channel.pushAll([1, thenable, 3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { pushed?: number }).pushed).toBe(1);
    expect(channel.size).toBe(1);
  });

  it('constructor @throws: TypeError for non-number capacity, non-object options, non-string name, unknown overflow, non-boolean input', () => {
    expect(() => new Channel('1' as unknown as number)).toThrow(TypeError);
    expect(() => new Channel(1, 'x' as never)).toThrow(TypeError);
    expect(() => new Channel(1, { name: 1 as unknown as string })).toThrow(TypeError);
    expect(() => new Channel(1, { overflow: 'drop' as never })).toThrow(TypeError);
    expect(() => new Channel(1, { input: 1 as unknown as boolean })).toThrow(TypeError);
  });

  it('constructor @throws: RangeError for negative, NaN, fractional capacity and a drop policy with capacity 0', () => {
    expect(() => new Channel(-1)).toThrow(RangeError);
    expect(() => new Channel(Number.NaN)).toThrow(RangeError);
    expect(() => new Channel(1.5)).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    expect(new Channel(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
  });

  it('getters: name, capacity, size (0 unbuffered), closed, full (unbuffered always), empty', async () => {
    const unbuffered = new Channel<number>();
    expect(unbuffered.name).toBeUndefined();
    expect(unbuffered.capacity).toBe(0);
    expect(unbuffered.full).toBe(true);
    expect(unbuffered.empty).toBe(true);
    const waiting = unbuffered.push(1);
    expect(unbuffered.size).toBe(0);
    expect(await unbuffered.pull()).toBe(1);
    await waiting;
    const buffered = new Channel<number>(2, { name: 'b' });
    expect(buffered.name).toBe('b');
    buffered.tryPush(1);
    expect([buffered.size, buffered.full, buffered.empty]).toEqual([1, false, false]);
    buffered.tryPush(2);
    expect(buffered.full).toBe(true);
    buffered.close();
    expect(buffered.closed).toBe(true);
    expect(buffered.size).toBe(2); // buffered values may still be readable
    expect(new Channel(Number.POSITIVE_INFINITY).full).toBe(false);
  });

  it('stats() @example prints 1 0; toJSON() @example prints the stats as JSON', async () => {
    const lines = await logged(() => {
      const jobs = new Channel<number>(4, { name: 'jobs' });
      jobs.tryPush(1);
      const { size, waitingPullers } = jobs.stats();
      console.log(size, waitingPullers);
    });
    expect(lines).toEqual(['1 0']);
    const jobs = new Channel<number>(4, { name: 'jobs' });
    expect(JSON.stringify(jobs)).toBe(
      '{"name":"jobs","capacity":4,"size":0,"closed":false,"overflow":"block","waitingPushers":0,"waitingPullers":0}',
    );
  });

  it('stats(): each parked select case counts as one waiting operation on its channel', async () => {
    const a = new Channel<number>();
    const controller = new AbortController();
    const selecting = select([pull(a), push(a, 1), pull(a)], { signal: controller.signal }).catch(() => 'aborted');
    await settle();
    expect(a.stats().waitingPullers).toBe(2);
    expect(a.stats().waitingPushers).toBe(1);
    controller.abort();
    expect(await selecting).toBe('aborted');
    expect(a.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  it('push @example: first push resolves at once, second waits for room within the timeout', async () => {
    const jobs = new Channel<string>(1);
    await jobs.push('a');
    setTimeout(() => void jobs.pull(), 10);
    await jobs.push('b', { signal: AbortSignal.timeout(5000) });
    expect(jobs.pullNowait()).toBe('b');
  });

  it('push: an already aborted signal is checked first, even on a closed channel; the value is not delivered', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const reason = new Error('stop');
    await expect(channel.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const open = new Channel<number>(1);
    await expect(open.push(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(open.size).toBe(0);
  });

  it('OperationOptions.signal: a non-AbortSignal, or a signal passed as the options, rejects with a TypeError before it starts', async () => {
    const channel = new Channel<number>(1);
    const signal = new AbortController().signal;
    await expect(channel.push(1, { signal: {} as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    await expect(channel.push(1, signal as never)).rejects.toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
    await expect(channel.pull(signal as never)).rejects.toBeInstanceOf(TypeError);
    await expect(channel.pullMany(2, signal as never)).rejects.toBeInstanceOf(TypeError);
    await expect(channel.pushAll([1], signal as never)).rejects.toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
  });

  it('pull @example prints pong', async () => {
    const lines = await logged(async () => {
      const replies = new Channel<string>();
      setTimeout(() => void replies.push('pong'), 10);
      console.log(await replies.pull({ signal: AbortSignal.timeout(5000) }));
    });
    expect(lines).toEqual(['pong']);
  });

  it('pull: a parked pusher value moves into the buffer, keeping FIFO order', async () => {
    const channel = new Channel<number>(2);
    await channel.pushAll([1, 2]);
    const third = channel.push(3);
    expect(await channel.pull()).toBe(1);
    await third; // moved into the buffer: committed
    expect(channel.size).toBe(2);
    expect(await channel.pullMany(5)).toEqual([2, 3]);
  });

  it('pull: ChannelClosedError once closed and drained, with the close reason as cause', async () => {
    const channel = new Channel<number>(1);
    channel.tryPush(1);
    channel.close('bye');
    expect(await channel.pull()).toBe(1);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe('bye');
  });

  it('pushNowait @example: ChannelFullError; drop modes always succeed on an open channel', async () => {
    const lines = await logged(() => {
      const events = new Channel<string>(1);
      events.pushNowait('click');
      try {
        events.pushNowait('scroll');
      } catch (error) {
        console.log((error as Error).name);
      }
    });
    expect(lines).toEqual(['ChannelFullError']);
    const sliding = new Channel<number>(1, { overflow: 'drop-oldest' });
    sliding.pushNowait(1);
    sliding.pushNowait(2);
    expect(sliding.pullNowait()).toBe(2);
    const dropping = new Channel<number>(1, { overflow: 'drop-newest' });
    dropping.pushNowait(1);
    dropping.pushNowait(2);
    expect(dropping.pullNowait()).toBe(1);
    dropping.close();
    expect(() => dropping.pushNowait(3)).toThrow(ChannelClosedError);
  });

  it('pushNowait / pullNowait on an unbuffered channel succeed exactly when the other side waits', async () => {
    const channel = new Channel<number>();
    expect(() => channel.pushNowait(1)).toThrow(ChannelFullError);
    const pulled = channel.pull();
    channel.pushNowait(2);
    expect(await pulled).toBe(2);
    expect(() => channel.pullNowait()).toThrow(ChannelEmptyError);
    const pushed = channel.push(3);
    expect(channel.pullNowait()).toBe(3);
    await pushed;
  });

  it('pullNowait @example prints ChannelEmptyError; closed and drained throws ChannelClosedError', async () => {
    const lines = await logged(() => {
      const events = new Channel<string>(4);
      try {
        console.log(events.pullNowait());
      } catch (error) {
        console.log((error as Error).name);
      }
    });
    expect(lines).toEqual(['ChannelEmptyError']);
    const closed = new Channel<number>(1);
    closed.close();
    expect(() => closed.pullNowait()).toThrow(ChannelClosedError);
  });

  it('tryPush @example and semantics: false when full or closed (never throws), true when committed', async () => {
    const lines = await logged(() => {
      const events = new Channel<string>(16, { name: 'events' });
      if (!events.tryPush('click')) console.log(events.closed ? 'closed' : 'full: dropped');
      events.close();
      if (!events.tryPush('click')) console.log(events.closed ? 'closed' : 'full: dropped');
    });
    expect(lines).toEqual(['closed']);
    const unbuffered = new Channel<number>();
    expect(unbuffered.tryPush(1)).toBe(false);
    const sliding = new Channel<number>(1, { overflow: 'drop-oldest' });
    expect([sliding.tryPush(1), sliding.tryPush(2)]).toEqual([true, true]);
  });

  it('tryPull @example prints 1 2; undefined when empty or closed and drained', async () => {
    const lines = await logged(() => {
      const jobs = new Channel<number>(8);
      jobs.tryPush(1);
      jobs.tryPush(2);
      for (let job = jobs.tryPull(); job !== undefined; job = jobs.tryPull()) console.log(job);
      jobs.close();
      console.log(String(jobs.tryPull()));
    });
    expect(lines).toEqual(['1', '2', 'undefined']);
  });

  it('pullMany @example: [1, 2, 3]; parked pushers resolve as their value is taken', async () => {
    const jobs = new Channel<number>(256);
    await jobs.pushAll([1, 2, 3]);
    expect(await jobs.pullMany(64)).toEqual([1, 2, 3]);
    const small = new Channel<number>(1);
    small.tryPush(1);
    const settled: number[] = [];
    const p2 = small.push(2).then(() => settled.push(2));
    const p3 = small.push(3).then(() => settled.push(3));
    expect(await small.pullMany(10)).toEqual([1, 2, 3]);
    await Promise.all([p2, p3]);
    expect(settled).toEqual([2, 3]);
  });

  it('pullMany: a pull that has to park is served by the next push, with that one value', async () => {
    const channel = new Channel<number>(8);
    const batch = channel.pullMany(10);
    await channel.pushAll([1, 2, 3]);
    expect(await batch).toEqual([1]);
    expect(channel.size).toBe(2);
  });

  it('pullMany @throws (rejects): RangeError for max not a positive integer, TypeError for a non-number', async () => {
    const channel = new Channel<number>(1);
    let threw = false;
    let zero: Promise<unknown> = Promise.resolve();
    try {
      zero = channel.pullMany(0);
    } catch {
      threw = true;
    }
    expect(threw).toBe(false);
    await expect(zero).rejects.toBeInstanceOf(RangeError);
    await expect(channel.pullMany(1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(channel.pullMany(-1)).rejects.toBeInstanceOf(RangeError);
    await expect(channel.pullMany('2' as unknown as number)).rejects.toBeInstanceOf(TypeError);
  });

  it('pullMany: aborted before the commit rejects with signal.reason and takes nothing', async () => {
    const channel = new Channel<number>(2);
    channel.tryPush(1);
    const reason = new Error('no');
    await expect(channel.pullMany(2, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(channel.size).toBe(1);
  });

  it('pushAll @example: size 3; values read lazily one at a time', async () => {
    const results = new Channel<number>(8);
    await results.pushAll([1, 2, 3]);
    expect(results.size).toBe(3);
    const small = new Channel<number>(1);
    let read = 0;
    function* values() {
      for (let i = 0; i < 5; i++) {
        read++;
        yield i;
      }
    }
    const pushing = small.pushAll(values());
    await settle();
    // 0 committed, 1 read and waiting for room: never more than one read ahead.
    expect(read).toBe(2);
    expect(await small.pullMany(5)).toEqual([0, 1]);
    await settle(); // pushAll goes on into the room made
    const buffered = small.size;
    small.close();
    const error = await pushing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    // pushed counts every committed value: the two pulled and what is buffered now.
    expect((error as { pushed?: number }).pushed).toBe(2 + buffered);
  });

  it('pushAll: aborted part-way rejects with signal.reason carrying pushed; a primitive reason rejects as is', async () => {
    const channel = new Channel<number>(2);
    const controller = new AbortController();
    const pushing = channel.pushAll([1, 2, 3, 4], { signal: controller.signal });
    await settle();
    const reason = new Error('enough');
    controller.abort(reason);
    const error = await pushing.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed?: number }).pushed).toBe(2);
    const other = new Channel<number>(1);
    const c2 = new AbortController();
    const p = other.pushAll([1, 2], { signal: c2.signal });
    await settle();
    c2.abort('primitive');
    await expect(p).rejects.toBe('primitive');
  });

  it('pushAll @throws (rejects): TypeError when values is not iterable', async () => {
    const channel = new Channel<number>(1);
    await expect(channel.pushAll(5 as unknown as number[])).rejects.toBeInstanceOf(TypeError);
  });

  it('close @example: buffered values stay readable; idempotent; parked operations fail now', async () => {
    const lines = await logged(async () => {
      const jobs = new Channel<number>(4);
      await jobs.push(1);
      jobs.close();
      for await (const job of jobs) console.log(job);
    });
    expect(lines).toEqual(['1']);
    const channel = new Channel<number>();
    const pusher = channel.push(1).catch((e: unknown) => e);
    const other = new Channel<number>();
    const puller = other.pull().catch((e: unknown) => e);
    channel.close('first');
    channel.close('second');
    other.close();
    expect(await pusher).toBeInstanceOf(ChannelClosedError);
    expect(((await pusher) as Error).cause).toBe('first');
    expect(await puller).toBeInstanceOf(ChannelClosedError);
  });

  it('close: a parked operation whose signal is already aborted (close in an earlier abort listener) rejects with signal.reason', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const pulling = channel.pull({ signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    const reason = new Error('aborted');
    controller.abort(reason);
    expect(await pulling).toBe(reason);
  });

  it('close: detached (setTimeout(channel.close)) is a TypeError before anything changes', () => {
    const channel = new Channel<number>();
    const detached = channel.close;
    expect(() => detached()).toThrow(TypeError);
    expect(channel.closed).toBe(false);
  });

  it('for await ends normally after close(), throws reason after close(reason)', async () => {
    const channel = new Channel<number>(2);
    channel.tryPush(1);
    channel.close(new Error('why'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of channel) seen.push(v);
      })(),
    ).rejects.toThrow('why');
    expect(seen).toEqual([1]);
  });

  it('[Symbol.asyncIterator] @example prints 1 2; several iterators share values; break neither closes nor loses', async () => {
    const lines = await logged(async () => {
      const jobs = new Channel<number>(4);
      void jobs.pushAll([1, 2]).then(() => jobs.close());
      for await (const job of jobs) console.log(job);
    });
    expect(lines).toEqual(['1', '2']);
    const channel = new Channel<number>(4);
    await channel.pushAll([1, 2, 3]);
    for await (const v of channel) {
      expect(v).toBe(1);
      break;
    }
    expect(channel.closed).toBe(false);
    expect(await channel.pullMany(5)).toEqual([2, 3]);
  });

  it("the iterator's return() withdraws the pulls its next() calls left parked (they resolve done)", async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    await settle();
    expect(channel.stats().waitingPullers).toBe(2);
    await iterator.return?.();
    expect(await first).toEqual({ done: true, value: undefined });
    expect(await second).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.tryPush(1)).toBe(false); // nobody took it
  });

  it('[Symbol.asyncDispose] / [Symbol.dispose] @examples close the channel at the end of the block', async () => {
    let outer: Channel<number> | undefined;
    {
      await using jobs = new Channel<number>(4);
      await jobs.push(1);
      outer = jobs;
    }
    expect(outer.closed).toBe(true);
    {
      using jobs = new Channel<number>(4);
      jobs.tryPush(1);
      outer = jobs;
    }
    expect(outer.closed).toBe(true);
  });

  it('Channel.from @example prints a b c; it is the function from', async () => {
    expect(Channel.from).toBe(from);
    const lines = await logged(async () => {
      for await (const letter of Channel.from(['a', 'b', 'c'])) console.log(letter);
    });
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('Channel.prototype.toReadableStream @throws: TypeError for non-object options, RangeError for a bad highWaterMark', () => {
    const channel = new Channel<number>();
    expect(() => channel.toReadableStream('x' as never)).toThrow(TypeError);
    expect(() => channel.toReadableStream({ highWaterMark: -1 })).toThrow(RangeError);
    expect(() => channel.toReadableStream({ highWaterMark: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('errors TSDoc', () => {
  it('ChannelError @example: ChannelFullError pushNowait: channel "jobs" is full', async () => {
    const lines = await logged(() => {
      const jobs = new Channel<number>(0, { name: 'jobs' });
      try {
        jobs.pushNowait(1);
      } catch (error) {
        if (error instanceof ChannelError) console.log(error.name, error.message);
      }
    });
    expect(lines).toEqual(['ChannelFullError pushNowait: channel "jobs" is full']);
  });

  it('ChannelError: message example push: channel "jobs" is closed; channel property is the channel', async () => {
    const jobs = new Channel<number>(1, { name: 'jobs' });
    jobs.close();
    const error = (await jobs.push(1).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.message).toBe('push: channel "jobs" is closed');
    expect(error.channel).toBe(jobs);
    expect(error.name).toBe('ChannelClosedError');
  });

  it('ChannelClosedError @example: "pull: channel is closed" with cause shutting down', async () => {
    const lines: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args));
    const jobs = new Channel<number>(1);
    jobs.close('shutting down');
    try {
      await jobs.pull();
    } catch (error) {
      if (error instanceof ChannelClosedError) console.log(error.message, error.cause);
    }
    spy.mockRestore();
    expect(lines).toEqual([['pull: channel is closed', 'shutting down']]);
  });

  it('ChannelFullError / ChannelEmptyError @examples and names', async () => {
    const lines = await logged(() => {
      const jobs = new Channel<number>(1);
      jobs.pushNowait(1);
      try {
        jobs.pushNowait(2);
      } catch (error) {
        if (error instanceof ChannelFullError) console.log('full: try later');
      }
      const empty = new Channel<number>(1);
      try {
        empty.pullNowait();
      } catch (error) {
        if (error instanceof ChannelEmptyError) console.log('nothing to do');
      }
    });
    expect(lines).toEqual(['full: try later', 'nothing to do']);
    const c = new Channel<number>(1);
    expect(new ChannelFullError('op', 'is full', c).name).toBe('ChannelFullError');
    expect(new ChannelEmptyError('op', 'is empty', c).name).toBe('ChannelEmptyError');
    expect(new ChannelError('op', 'is odd', c).name).toBe('ChannelError');
    expect(new ChannelClosedError('op', 'is closed', c, 'why').cause).toBe('why');
    expect(new ChannelFullError('op', 'is full', c)).toBeInstanceOf(ChannelError);
  });
});

describe('select TSDoc', () => {
  it('pull @example prints 0 order 1 true', async () => {
    const lines = await logged(async () => {
      const orders = new Channel<string>(8);
      const cancellations = new Channel<number>(8);
      await orders.push('order 1');
      const { index, value, ok } = await select([pull(orders), pull(cancellations)]);
      console.log(index, value, ok);
    });
    expect(lines).toEqual(['0 order 1 true']);
  });

  it('push @example prints 0; push(done) on a channel of void', async () => {
    const lines = await logged(async () => {
      const out = new Channel<string>(1);
      const stop = new Channel<void>();
      const { index } = await select([push(out, 'job 1'), pull(stop)]);
      console.log(index);
    });
    expect(lines).toEqual(['0']);
    const done = new Channel<void>(1);
    const result = await select([push(done)]);
    expect(result.index).toBe(0);
    expect(done.size).toBe(1);
  });

  it('pull / push @throws TypeError for a non-Channel (a structural look-alike too)', () => {
    const fake = { name: undefined, pull: async () => 1 } as unknown as Channel<number>;
    expect(() => pull(fake)).toThrow(TypeError);
    expect(() => push(fake, 1)).toThrow(TypeError);
  });

  it('select @example: times out after 100 ms with index 1', async () => {
    const lines = await logged(async () => {
      const replies = new Channel<string>();
      const result = await select([pull(replies), pull(afterMs(100))]);
      if (result.index === 0) console.log('reply', result.value);
      else console.log('timed out');
    });
    expect(lines).toEqual(['timed out']);
  });

  it('select: a pull case on a closed, drained channel is ready with ok false; null entries skipped', async () => {
    const closed = new Channel<number>();
    closed.close();
    const result = await select([null, pull(closed), undefined]);
    expect(result).toEqual({ index: 1, channel: closed, value: undefined, ok: false });
  });

  it('select @throws (rejects) TypeError: not an array, no case left, an entry that is a promise (that pull still waits and takes the next value)', async () => {
    await expect(select('x' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
    const channel = new Channel<number>(1);
    const stray = channel.pull();
    await expect(select([stray as never])).rejects.toBeInstanceOf(TypeError);
    channel.tryPush(7);
    expect(await stray).toBe(7);
    const signal = new AbortController().signal;
    await expect(select([pull(channel)], signal as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('select @throws (rejects) ChannelClosedError for a push case whose channel is closed when called or while it waits', async () => {
    const closed = new Channel<number>();
    closed.close();
    const ready = new Channel<number>(1);
    ready.tryPush(1);
    await expect(select([pull(ready), push(closed, 1)])).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ready.size).toBe(1);
    const later = new Channel<number>();
    const waiting = select([push(later, 1)]).catch((e: unknown) => e);
    await settle();
    later.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
  });

  it('select: signal aborted first rejects with its reason and nothing commits; a select never matches itself', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const selecting = select([push(channel, 1), pull(channel)], { signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    controller.abort('stop');
    expect(await selecting).toBe('stop');
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('selectNowait: the winner among ready cases is chosen uniformly at random; a push case on a drop-mode channel is always ready', () => {
    const a = new Channel<number>(Number.POSITIVE_INFINITY);
    const b = new Channel<number>(Number.POSITIVE_INFINITY);
    const sliding = new Channel<number>(1, { overflow: 'drop-oldest' });
    sliding.tryPush(0);
    const wins = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      a.tryPush(i);
      b.tryPush(i);
      const result = selectNowait([pull(a), pull(b), push(sliding, i)]);
      if (result === undefined) throw new Error('a case was ready');
      wins[result.index] = (wins[result.index] ?? 0) + 1;
      if (result.index !== 0) a.tryPull();
      if (result.index !== 1) b.tryPull();
    }
    // Each of the three ready cases wins about a third of the time (binomial sd ≈ 26).
    for (const count of wins) expect(Math.abs(count - 1000)).toBeLessThan(200);
  });

  it('selectNowait @example prints nothing yet; undefined for all-null; @throws', () => {
    const messages = new Channel<string>(8);
    expect(selectNowait([pull(messages)])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
    expect(() => selectNowait('x' as never)).toThrow(TypeError);
    expect(() => selectNowait([{} as never])).toThrow(TypeError);
    const closed = new Channel<number>();
    closed.close();
    expect(() => selectNowait([push(closed, 1)])).toThrow(ChannelClosedError);
    messages.tryPush('hi');
    expect(selectNowait([pull(messages)])).toEqual({ index: 0, channel: messages, value: 'hi', ok: true });
  });
});

describe('after / ticker TSDoc', () => {
  it('after: capacity 1, named after(ms), receives Date.now() once then closes (value stays readable)', async () => {
    const before = Date.now();
    const timer = afterMs(20);
    expect(timer.capacity).toBe(1);
    expect(timer.name).toBe('after(20)');
    await until(() => timer.closed);
    expect(timer.size).toBe(1);
    const value = await timer.pull();
    expect(value).toBeGreaterThanOrEqual(before);
    await expect(timer.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('after: a negative delay fires at once; Infinity and NaN are RangeErrors; non-number TypeError', async () => {
    const timer = afterMs(-1000);
    expect(typeof (await timer.pull())).toBe('number');
    expect(() => afterMs(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => afterMs(Number.NaN)).toThrow(RangeError);
    expect(() => afterMs('5' as unknown as number)).toThrow(TypeError);
    expect(() => afterMs(5, 'x' as never)).toThrow(TypeError);
    expect(() => afterMs(5, { signal: {} as AbortSignal })).toThrow(TypeError);
  });

  it('after: a signal that aborts first closes the channel at once with no value', async () => {
    const controller = new AbortController();
    const timer = afterMs(50, { signal: controller.signal });
    controller.abort();
    expect(timer.closed).toBe(true);
    await expect(timer.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('ticker: capacity 1, named ticker(ms), ticks; RangeError for non-positive or infinite; already aborted: closed at once', async () => {
    const ticks = ticker(10);
    expect(ticks.capacity).toBe(1);
    expect(ticks.name).toBe('ticker(10)');
    expect(typeof (await ticks.pull())).toBe('number');
    expect(typeof (await ticks.pull())).toBe('number');
    ticks.close();
    expect(() => ticker(0)).toThrow(RangeError);
    expect(() => ticker(-5)).toThrow(RangeError);
    expect(() => ticker(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => ticker('5' as unknown as number)).toThrow(TypeError);
    const aborted = ticker(10, { signal: AbortSignal.abort() });
    expect(aborted.closed).toBe(true);
    await settle();
    expect(aborted.size).toBe(0);
  });
});
