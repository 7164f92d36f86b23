/**
 * Audit T: tryPush, tryPull, pullMany and pushAll — boundaries, iterables that misbehave, and
 * interleavings with close, abort, parked pushers and pullers.
 */
import { describe, expect, test } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  ChannelError,
  type PullChannel,
  type PushChannel,
  pull,
  push,
  select,
} from '../../src/index.js';
import { settle, track } from './helpers.js';

describe('tryPush and tryPull', () => {
  test('tryPush returns false on a full channel and on a closed one, never throwing', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.closed).toBe(false);
    ch.close();
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.closed).toBe(true);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
  });

  test('tryPush on a closed drop-mode channel returns false', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.close();
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.size).toBe(0);
  });

  test('tryPush on a full drop-newest channel returns true (the policy is the commit) and drops the value', () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(true);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
  });

  test('tryPush on an unbuffered channel commits to a parked pull, else false', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPush(1)).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush(2)).toBe(true);
    expect(await p).toBe(2);
  });

  test('tryPull on an unbuffered channel takes a parked push and resolves it', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPull()).toBeUndefined();
    const p = track(ch.push(3));
    expect(ch.tryPull()).toBe(3);
    await settle();
    expect(p.status).toBe('resolved');
    expect(ch.tryPull()).toBeUndefined();
  });

  test('tryPull moves the oldest parked push into the freed slot', async () => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    const p = track(ch.push(2));
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    expect(ch.tryPush(3)).toBe(false);
    await settle();
    expect(p.status).toBe('resolved');
    expect(ch.tryPull()).toBe(2);
  });

  test('tryPull skips a parked push whose signal is aborted', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const aborted = track(ch.push(1, { signal: ac.signal }));
    const live = track(ch.push(2));
    // Aborted, but read by a commit before its listener ran: from an earlier listener.
    let inside: number | undefined;
    ac.signal.addEventListener('abort', () => {
      inside = ch.tryPull();
    });
    // Re-register the push's watch last: park a fresh one so its listener is after ours.
    ac.abort('x');
    await settle();
    expect(aborted.status).toBe('rejected');
    expect(live.status).toBe('resolved');
    expect(inside).toBe(2);
  });

  test('tryPush and tryPull refuse to run detached from their channel', () => {
    const ch = new Channel<number>(1);
    const { tryPull, tryPush } = ch;
    expect(() => tryPull.call(undefined as never)).toThrow(TypeError);
    expect(() => tryPush.call({} as never, 1)).toThrow(TypeError);
  });

  test('tryPush refuses a thenable with a TypeError even on a closed channel', () => {
    const ch = new Channel<unknown>(1);
    ch.close();
    expect(() => ch.tryPush(Promise.resolve(1))).toThrow(TypeError);
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    expect(() => ch.tryPush({ then() {} })).toThrow(TypeError);
  });
});

describe('pullMany', () => {
  test.each([0, -1, 1.5, NaN, Infinity, -Infinity])('max %s is a RangeError naming pullMany', async (max) => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    const error = await ch.pullMany(max).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/pullMany/);
    expect(ch.size).toBe(1);
  });

  test.each([
    ['a string', '2'],
    ['a bigint', 2n],
    ['null', null],
    ['undefined', undefined],
    ['an object', { valueOf: (): number => 2 }],
  ])('max that is %s is a TypeError (rejected, not thrown)', async (_label, max) => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    const result = ch.pullMany(max as never);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toBeInstanceOf(TypeError);
    expect(ch.size).toBe(1);
  });

  test('max 2**31 and MAX_SAFE_INTEGER take what is there', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(2 ** 31)).toEqual([1, 2, 3]);
    await ch.pushAll([4]);
    expect(await ch.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([4]);
  });

  test('takes buffer first, then parked pushes in order, resolving each taken push, leaving the rest parked', async () => {
    const ch = new Channel<number>(2);
    ch.tryPush(1);
    ch.tryPush(2);
    const pushes = [3, 4, 5, 6].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await settle();
    // 3 and 4 were taken; 5 and 6 moved into the freed slots.
    expect(pushes.map((p) => p.status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
    expect(ch.size).toBe(2);
    expect(await ch.pullMany(10)).toEqual([5, 6]);
  });

  test('on an unbuffered channel takes up to max parked pushes and no more', async () => {
    const ch = new Channel<number>();
    const pushes = [1, 2, 3].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await settle();
    expect(pushes.map((p) => p.status)).toEqual(['resolved', 'resolved', 'pending']);
    expect(ch.stats().waitingPushers).toBe(1);
  });

  test('a parked pullMany is served by one push with that one value', async () => {
    const ch = new Channel<number>(4);
    const batch = ch.pullMany(3);
    ch.tryPush(1);
    ch.tryPush(2);
    expect(await batch).toEqual([1]);
    expect(ch.tryPull()).toBe(2);
  });

  test('parked pullMany and pull are served FIFO among themselves', async () => {
    const ch = new Channel<number>(4);
    const a = ch.pull();
    const b = ch.pullMany(5);
    const c = ch.pull();
    await ch.pushAll([1, 2, 3, 4]);
    expect(await a).toBe(1);
    expect(await b).toEqual([2]);
    expect(await c).toBe(3);
    expect(ch.tryPull()).toBe(4);
  });

  test('closed and drained rejects with ChannelClosedError naming pullMany and carrying the reason', async () => {
    const ch = new Channel<number>(2, { name: 'batch' });
    ch.tryPush(1);
    ch.close('why');
    expect(await ch.pullMany(5)).toEqual([1]);
    const error = await ch.pullMany(5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).message).toBe('pullMany: channel "batch" is closed');
    expect((error as Error).cause).toBe('why');
  });

  test('a parked pullMany failed by close rejects with ChannelClosedError', async () => {
    const ch = new Channel<number>();
    const batch = ch.pullMany(5);
    ch.close(new Error('bye'));
    const error = await batch.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  test('an aborted parked pullMany takes nothing and leaves no waiter', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const batch = ch.pullMany(5, { signal: ac.signal });
    ac.abort('stop');
    await expect(batch).rejects.toBe('stop');
    expect(ch.stats().waitingPullers).toBe(0);
    ch.tryPush(1);
    expect(ch.tryPull()).toBe(1);
  });

  test('an already aborted signal wins over a bad max', async () => {
    const ch = new Channel<number>(2);
    await expect(ch.pullMany(-3, { signal: AbortSignal.abort('first') })).rejects.toBe('first');
  });

  test('pullMany on a channel with a parked select push case takes its value and the select resolves', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const sel = select([push(ch, 10), pull(other)]);
    const batch = await ch.pullMany(3);
    expect(batch).toEqual([10]);
    expect(await sel).toMatchObject({ index: 0, ok: true });
    expect(other.stats().waitingPullers).toBe(0);
  });

  test('a select push case commits into a parked pullMany', async () => {
    const ch = new Channel<number>();
    const batch = ch.pullMany(3);
    const result = await select([push(ch, 42)]);
    expect(result.index).toBe(0);
    expect(await batch).toEqual([42]);
  });

  test('pullMany keeps undefined values (it cannot tell them from nothing via tryPull, but it must not lose them)', async () => {
    const ch = new Channel<undefined>(3);
    ch.pushNowait(undefined);
    ch.pushNowait(undefined);
    expect(await ch.pullMany(5)).toEqual([undefined, undefined]);
  });
});

describe('pushAll', () => {
  test('resolves once every value is committed, parking as needed, in order', async () => {
    const ch = new Channel<number>(2);
    const all = track(ch.pushAll([1, 2, 3, 4, 5]));
    expect(ch.size).toBe(2);
    await settle();
    expect(all.status).toBe('pending');
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(await ch.pull());
    await settle();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(all.status).toBe('resolved');
  });

  test('on an unbuffered channel it is a rendezvous per value', async () => {
    const ch = new Channel<number>();
    const all = track(ch.pushAll([1, 2]));
    await settle();
    expect(all.status).toBe('pending');
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await settle();
    expect(all.status).toBe('resolved');
  });

  test('pushAll([]) resolves, even on a closed channel', async () => {
    const ch = new Channel<number>();
    ch.close();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
  });

  test('a non-empty pushAll on a closed channel rejects with pushed: 0, naming pushAll', async () => {
    const ch = new Channel<number>(4, { name: 'c' });
    ch.close();
    const error = (await ch.pushAll([1]).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(0);
    expect(error.message).toBe('pushAll: channel "c" is closed');
  });

  test.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 5],
    ['a plain object', { length: 2, 0: 1, 1: 2 }],
    ['an async iterable', { async *[Symbol.asyncIterator]() {} }],
  ])('values that is %s is a TypeError (rejected)', async (_label, values) => {
    const ch = new Channel<number>(4);
    const result = ch.pushAll(values as never);
    expect(result).toBeInstanceOf(Promise);
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/pushAll/);
    expect(ch.size).toBe(0);
  });

  test('a sparse array pushes undefined for its holes, as for…of reads it', async () => {
    const ch = new Channel<number | undefined>(5);
    // biome-ignore lint/suspicious/noSparseArray: the point of the test
    await ch.pushAll([1, , 3]);
    expect(await ch.pullMany(5)).toEqual([1, undefined, 3]);
  });

  test('a string pushes its code points', async () => {
    const ch = new Channel<string>(10);
    await ch.pushAll('a😀b');
    expect(await ch.pullMany(10)).toEqual(['a', '😀', 'b']);
  });

  test('a Set and a Map iterate as for…of does', async () => {
    const ch = new Channel<unknown>(10);
    await ch.pushAll(new Set([1, 2]));
    await ch.pushAll(new Map([['k', 1]]));
    expect(await ch.pullMany(10)).toEqual([1, 2, ['k', 1]]);
  });

  test('an iterable that throws mid-way rejects with that error carrying pushed; earlier values stay', async () => {
    const ch = new Channel<number>(10);
    const boom = new Error('boom');
    function* values() {
      yield 1;
      yield 2;
      throw boom;
    }
    const error = await ch.pushAll(values()).catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  test('an iterable that throws a primitive rejects with it as is', async () => {
    const ch = new Channel<number>(10);
    function* values() {
      yield 1;
      throw 'nope';
    }
    await expect(ch.pushAll(values())).rejects.toBe('nope');
    expect(ch.size).toBe(1);
  });

  test('a generator stopped by close has its finally run and is read no further', async () => {
    const ch = new Channel<number>(1);
    let finallyRan = false;
    let read = 0;
    function* values() {
      try {
        for (let i = 0; i < 10; i++) {
          read++;
          yield i;
        }
      } finally {
        finallyRan = true;
      }
    }
    const all = ch.pushAll(values());
    await settle();
    ch.close();
    const error = (await all.catch((e: unknown) => e)) as ChannelError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(1);
    expect(finallyRan).toBe(true);
    // Lazily: the value that parked was read; nothing after it.
    expect(read).toBe(2);
    expect(ch.pullNowait()).toBe(0);
  });

  test('the values are read lazily: an endless generator is fine on a bounded channel', async () => {
    const ch = new Channel<number>(3);
    let read = 0;
    function* endless() {
      for (let i = 0; ; i++) {
        read++;
        yield i;
      }
    }
    const ac = new AbortController();
    const all = ch.pushAll(endless(), { signal: ac.signal });
    await settle();
    expect(read).toBe(4); // three committed, the fourth parked
    expect(await ch.pullMany(2)).toEqual([0, 1]);
    await settle();
    ac.abort('enough');
    const error = await all.catch((e: unknown) => e);
    expect(error).toBe('enough');
    const got = await ch.pullMany(10);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 2));
  });

  test('abort part-way: the reason carries pushed, the rest is not delivered, the parked push leaves no trace', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('abort');
    const all = ch.pushAll([1, 2, 3, 4], { signal: ac.signal });
    ac.abort(reason);
    const error = await all.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  test('close with parked pushers from a pushAll and a plain push: both fail, buffered values stay', async () => {
    const ch = new Channel<number>(1);
    const all = ch.pushAll([1, 2, 3]);
    const single = ch.push(99);
    ch.close('shutdown');
    const [allError, singleError] = await Promise.all([all.catch((e) => e), single.catch((e) => e)]);
    expect(allError).toBeInstanceOf(ChannelClosedError);
    expect((allError as ChannelError).pushed).toBe(1);
    expect((allError as Error).cause).toBe('shutdown');
    expect(singleError).toBeInstanceOf(ChannelClosedError);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  test('two pushAll interleave as two producers: each keeps its own order', async () => {
    const ch = new Channel<string>(1);
    const a = ch.pushAll(['a1', 'a2', 'a3']);
    const b = ch.pushAll(['b1', 'b2', 'b3']);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await ch.pull());
    await Promise.all([a, b]);
    expect(seen.filter((v) => v[0] === 'a')).toEqual(['a1', 'a2', 'a3']);
    expect(seen.filter((v) => v[0] === 'b')).toEqual(['b1', 'b2', 'b3']);
  });

  test('a thenable among the values stops pushAll with a TypeError carrying pushed', async () => {
    const ch = new Channel<unknown>(10);
    const error = (await ch.pushAll([1, Promise.resolve(2), 3]).catch((e: unknown) => e)) as TypeError & {
      pushed?: number;
    };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.pushed).toBe(1);
    expect(await ch.pullMany(5)).toEqual([1]);
  });

  test('a huge array on an unbounded channel commits synchronously', async () => {
    const ch = new Channel<number>(Infinity);
    const values = Array.from({ length: 200_000 }, (_, i) => i);
    const all = ch.pushAll(values);
    // pushEach runs up to its first await at the call: everything fits.
    expect(ch.size).toBe(200_000);
    await all;
    const back = await ch.pullMany(300_000);
    expect(back.length).toBe(200_000);
    expect(back[199_999]).toBe(199_999);
  });

  test('an array mutated while pushAll waits is read as for…of reads it (live)', async () => {
    const ch = new Channel<number>(1);
    const values = [1, 2];
    const all = ch.pushAll(values);
    values.push(3);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) seen.push(await ch.pull());
    await all;
    expect(seen).toEqual([1, 2, 3]);
  });

  test('a generator that pulls from the same channel while being read loses nothing', async () => {
    const ch = new Channel<number>(2);
    const taken: (number | undefined)[] = [];
    function* values() {
      yield 1;
      yield 2;
      taken.push(ch.tryPull());
      yield 3;
    }
    await ch.pushAll(values());
    expect(taken).toEqual([1]);
    expect(await ch.pullMany(5)).toEqual([2, 3]);
  });

  test('a generator that closes the channel stops pushAll with pushed counted', async () => {
    const ch = new Channel<number>(5);
    function* values() {
      yield 1;
      ch.close();
      yield 2;
    }
    const error = (await ch.pushAll(values()).catch((e: unknown) => e)) as ChannelError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(1);
    expect(ch.tryPull()).toBe(1);
  });
});

describe('the PushChannel and PullChannel views', () => {
  test('batch and try methods work through the directional views', async () => {
    const ch = new Channel<number>(3);
    const producer: PushChannel<number> = ch;
    const consumer: PullChannel<number> = ch;
    expect(producer.tryPush(1)).toBe(true);
    await producer.pushAll([2, 3]);
    expect(producer.tryPush(4)).toBe(false);
    expect(consumer.tryPull()).toBe(1);
    expect(await consumer.pullMany(5)).toEqual([2, 3]);
    expect(consumer.tryPull()).toBeUndefined();
    producer.close();
    await expect(consumer.pullMany(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('pushAll: abort and close at each point', () => {
  test('abort in the same turn as a parked value is taken: pushed counts it, the next value is not delivered', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const all = ch.pushAll([1, 2, 3], { signal: ac.signal });
    expect(ch.tryPull()).toBe(1);
    ac.abort('stop');
    const error = await all.catch((e: unknown) => e);
    expect(error).toBe('stop');
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });

  test('abort in the same turn as the last value is taken: pushAll resolves', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const all = ch.pushAll([1], { signal: ac.signal });
    expect(ch.tryPull()).toBe(1);
    ac.abort('late');
    await expect(all).resolves.toBeUndefined();
  });

  test('close in the same turn as a parked value is taken: pushed counts it, the rest is refused', async () => {
    const ch = new Channel<number>();
    const all = ch.pushAll([1, 2, 3]);
    expect(ch.tryPull()).toBe(1);
    ch.close('bye');
    const error = (await all.catch((e: unknown) => e)) as ChannelError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(1);
    expect(error.cause).toBe('bye');
  });

  test('abort and close while parked between two values: the abort reason wins', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const all = ch.pushAll([1, 2, 3], { signal: ac.signal });
    // 1 buffered, 2 parked. Take 1 (2 moves up), then abort and close in the same turn.
    expect(ch.tryPull()).toBe(1);
    ac.abort('abort first');
    ch.close();
    const error = await all.catch((e: unknown) => e);
    expect(error).toBe('abort first');
    expect((error as unknown as { pushed?: number }).pushed).toBeUndefined(); // a primitive carries nothing
    expect(ch.tryPull()).toBe(2);
  });

  test('an abort reason object gets pushed; two pushAll sharing it each learn their own count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('shared');
    const first = a.pushAll([1, 2, 3], { signal: ac.signal });
    const second = b.pushAll([1, 2, 3], { signal: ac.signal });
    ac.abort(reason);
    const [e1, e2] = (await Promise.all([first.catch((e) => e), second.catch((e) => e)])) as [
      Error & { pushed: number },
      Error & { pushed: number },
    ];
    const counts = [e1, e2].map((e) => e.pushed).sort();
    expect(counts).toEqual([1, 2]);
    // One of them is the reason itself, the other a ChannelError whose cause is the reason.
    expect([e1, e2].filter((e) => e === reason)).toHaveLength(1);
    const wrapped = [e1, e2].find((e) => e !== reason) as Error;
    expect(wrapped).toBeInstanceOf(ChannelError);
    expect(wrapped.cause).toBe(reason);
    expect(wrapped.message).toMatch(/pushAll/);
  });

  test('a Symbol.iterator getter that throws rejects with that error as is', async () => {
    const ch = new Channel<number>(2);
    const boom = new Error('getter');
    const values = {
      get [Symbol.iterator]() {
        throw boom;
      },
    };
    await expect(ch.pushAll(values as never)).rejects.toBe(boom);
  });

  test('an iterator whose next() returns a non-object rejects with a TypeError and commits nothing more', async () => {
    const ch = new Channel<number>(5);
    let calls = 0;
    const values = {
      [Symbol.iterator]: () => ({
        next: () => (++calls === 1 ? { done: false, value: 1 } : 42),
      }),
    };
    const error = (await ch.pushAll(values as never).catch((e: unknown) => e)) as TypeError & { pushed?: number };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.pushed).toBe(1);
    expect(await ch.pullMany(5)).toEqual([1]);
  });

  test('a return() that throws while pushAll is stopped by close does not replace the close error', async () => {
    const ch = new Channel<number>(1);
    let i = 0;
    const values = {
      [Symbol.iterator]: () => ({
        next: () => ({ done: false, value: i++ }),
        return: () => {
          throw new Error('return failed');
        },
      }),
    };
    const all = ch.pushAll(values as never);
    ch.close();
    const error = await all.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelError).pushed).toBe(1);
  });

  test('an iterable that throws after a park carries the count of everything committed, the parked value included', async () => {
    const ch = new Channel<number>(1);
    const boom = new Error('late');
    function* values() {
      yield 1;
      yield 2; // parks
      throw boom;
    }
    const all = ch.pushAll(values());
    expect(ch.tryPull()).toBe(1);
    const error = await all.catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect(ch.tryPull()).toBe(2);
  });

  test('pushAll into drop modes never waits: drop-oldest keeps the last values, drop-newest the first', async () => {
    const sliding = new Channel<number>(2, { overflow: 'drop-oldest' });
    const dropping = new Channel<number>(2, { overflow: 'drop-newest' });
    await sliding.pushAll([1, 2, 3, 4, 5]);
    await dropping.pushAll([1, 2, 3, 4, 5]);
    expect(await sliding.pullMany(5)).toEqual([4, 5]);
    expect(await dropping.pullMany(5)).toEqual([1, 2]);
  });
});

describe('operations with platform signals', () => {
  test('AbortSignal.timeout rejects a parked pull with a TimeoutError and leaves no trace', async () => {
    const ch = new Channel<number>();
    const error = await ch.pull({ signal: AbortSignal.timeout(5) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  test('AbortSignal.any: aborting any source cancels a parked pullMany', async () => {
    const ch = new Channel<number>();
    const a = new AbortController();
    const b = new AbortController();
    const batch = ch.pullMany(3, { signal: AbortSignal.any([a.signal, b.signal]) });
    b.abort('b');
    await expect(batch).rejects.toBe('b');
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('commits during the abort dispatch of the operation’s own signal', () => {
  test('a push from an earlier abort listener does not go to a parked pullMany being aborted', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => {
      ch.tryPush(1);
    });
    const batch = ch.pullMany(5, { signal: ac.signal });
    ac.abort('stop');
    await expect(batch).rejects.toBe('stop');
    expect(ch.tryPull()).toBe(1);
  });

  test('a pull from an earlier abort listener does not take the parked value of a pushAll being aborted', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let taken: number | undefined = -1;
    ac.signal.addEventListener('abort', () => {
      taken = ch.tryPull();
    });
    const all = ch.pushAll([1, 2], { signal: ac.signal });
    ac.abort(new Error('stop'));
    const error = (await all.catch((e: unknown) => e)) as Error & { pushed: number };
    expect(taken).toBeUndefined();
    expect(error.message).toBe('stop');
    expect(error.pushed).toBe(0);
  });

  test('a select whose signal aborts is not committed by an earlier listener’s push', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let accepted: boolean | undefined;
    ac.signal.addEventListener('abort', () => {
      accepted = ch.tryPush(1);
    });
    const sel = select([pull(ch), pull(new Channel<number>())], { signal: ac.signal });
    ac.abort('stop');
    await expect(sel).rejects.toBe('stop');
    expect(accepted).toBe(false);
    expect(ch.stats().waitingPullers).toBe(0);
  });
});
