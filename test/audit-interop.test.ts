/**
 * Red-team audit of SPEC "Interop": from, toReadableStream, fromEvent and merge — the cases an
 * outsider would try that interop.test.ts, interop.dom.test.ts and merge.test.ts do not:
 * iterators that throw at every step of their protocol, return() on early close (once, and
 * not after a normal end), stream sources cancelled with the right reason, the capacity
 * option's bound, odd values (undefined, functions, thenables), listener bookkeeping on an
 * EventTarget that counts, and merges of odd inputs.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import {
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  select,
  selectNowait,
  toReadableStream,
} from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

/** The outcome of iterating to the end: the values, and the error if it threw. */
async function settle<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

/** A hand-written iterator that logs every call of its protocol. */
function loggingIterator(values: number[], options: { throwAt?: number; returnThrows?: boolean } = {}) {
  const log: string[] = [];
  let index = 0;
  const iterator: Iterator<number> & Iterable<number> = {
    next() {
      log.push('next');
      if (index === options.throwAt) throw new Error(`next ${index} failed`);
      return index < values.length
        ? { done: false, value: values[index++] as number }
        : { done: true, value: undefined };
    },
    return() {
      log.push('return');
      if (options.returnThrows) throw new Error('return failed');
      return { done: true, value: undefined };
    },
    [Symbol.iterator]() {
      return this;
    },
  };
  return { iterator, log };
}

/** An EventTarget that counts its listeners, per type. */
class CountingTarget extends EventTarget {
  readonly listeners = new Map<string, number>();
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    super.addEventListener(type, listener, options as AddEventListenerOptions);
  }
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: unknown) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener, options as EventListenerOptions);
  }
}

describe('from: iterables and their protocol', () => {
  test('a synchronous iterator whose next() throws closes the channel with that error, after the values before it', async () => {
    const { iterator, log } = loggingIterator([1, 2, 3], { throwAt: 2 });
    const outcome = await settle(from(iterator, { capacity: 4 }));
    expect(outcome.values).toEqual([1, 2]);
    expect((outcome.error as Error).message).toBe('next 2 failed');
    expect(log).not.toContain('return'); // as for-of: an iterator that threw is not return()ed
  });

  test('an iterator that ends normally is not return()ed', async () => {
    const { iterator, log } = loggingIterator([1, 2]);
    expect(await collect(from(iterator))).toEqual([1, 2]);
    await flush(20);
    expect(log.filter((entry) => entry === 'return')).toEqual([]);
  });

  test('closing the channel early calls return() on the source’s iterator exactly once', async () => {
    const { iterator, log } = loggingIterator([1, 2, 3, 4, 5]);
    const channel = from(iterator);
    expect(await channel.pull()).toBe(1);
    channel.close();
    channel.close();
    await flush(20);
    expect(log.filter((entry) => entry === 'return')).toEqual(['return']);
  });

  test('a return() that throws when the channel is closed early is swallowed: nothing is left unhandled', async () => {
    const { iterator, log } = loggingIterator([1, 2, 3], { returnThrows: true });
    const channel = from(iterator);
    await flush(20);
    channel.close();
    await flush(20);
    expect(log).toContain('return');
    expect(channel.closed).toBe(true);
  });

  test('breaking out of a for await over the channel, then closing it, return()s an async generator', async () => {
    const state = { finallyRan: false };
    async function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        state.finallyRan = true;
      }
    }
    const channel = from(numbers(), { capacity: 2 });
    for await (const value of channel) if (value === 3) break;
    expect(channel.closed).toBe(false); // leaving a for await over a channel does not close it
    channel.close();
    await flush(20);
    expect(state.finallyRan).toBe(true);
  });

  test('using closes the channel and releases an async generator source', async () => {
    const state = { finallyRan: false };
    async function* numbers() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        state.finallyRan = true;
      }
    }
    {
      await using channel = from(numbers());
      expect(await channel.pull()).toBe(0);
    }
    await flush(20);
    expect(state.finallyRan).toBe(true);
  });

  test('closing the channel while an async iterator’s next() is pending: return() is called and the late value is never delivered', async () => {
    let resolveNext: ((result: IteratorResult<number>) => void) | undefined;
    const returned = vi.fn(async () => ({ done: true as const, value: undefined }));
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<number>>((resolve) => {
            resolveNext = resolve;
          }),
        return: returned,
      }),
    };
    const channel = from(source, { capacity: 2 });
    await flush();
    channel.close();
    await flush();
    expect(returned).toHaveBeenCalledTimes(1);
    resolveNext?.({ done: false, value: 42 });
    await flush(20);
    expect(channel.size).toBe(0);
    expect(await collect(channel)).toEqual([]);
  });

  test('an async iterator whose next() rejects closes the channel with the rejection reason', async () => {
    const failure = new Error('socket reset');
    let calls = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          calls++;
          if (calls === 3) throw failure;
          return { done: false, value: calls };
        },
      }),
    };
    expect(await settle(from(source, { capacity: 8 }))).toEqual({ values: [1, 2], error: failure });
  });

  test('an iterator whose result’s done getter throws closes the channel with that error', async () => {
    const failure = new Error('done getter');
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () =>
          ({
            get done(): boolean {
              throw failure;
            },
            value: 1,
          }) as IteratorResult<number>,
      }),
    };
    expect(await settle(from(source))).toEqual({ values: [], error: failure });
  });

  test('an iterable whose iterator method throws throws that error from the call', () => {
    const failure = new Error('cannot open');
    const source = {
      [Symbol.iterator](): Iterator<number> {
        throw failure;
      },
    };
    expect(() => from(source)).toThrow(failure);
  });

  test('undefined, null and functions from a source are delivered as values', async () => {
    const fn = () => 1;
    const values = await collect(from([undefined, null, fn, 0, '']));
    expect(values).toEqual([undefined, null, fn, 0, '']);
    expect(values[2]).toBe(fn);
  });

  test('a non-promise thenable in a synchronous iterable is adopted, as for await does', async () => {
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: the point of the test
      then(resolve: (value: number) => void) {
        resolve(5);
      },
    };
    expect(await collect(from([thenable as unknown as number, 6]))).toEqual([5, 6]);
  });

  test('strings, Sets, Maps and typed arrays are iterables like any other', async () => {
    expect(await collect(from('héllo'))).toEqual(['h', 'é', 'l', 'l', 'o']);
    expect(await collect(from(new Set([1, 2, 2, 3])))).toEqual([1, 2, 3]);
    expect(
      await collect(
        from(
          new Map([
            ['a', 1],
            ['b', 2],
          ]),
        ),
      ),
    ).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(await collect(from(new Uint8Array([7, 8])))).toEqual([7, 8]);
  });

  test('an empty source gives a channel that closes without a value', async () => {
    const channel = from([]);
    expect(await collect(channel)).toEqual([]);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a generator’s return value is not delivered', async () => {
    function* withReturn() {
      yield 1;
      return 99;
    }
    expect(await collect(from(withReturn()))).toEqual([1]);
  });

  test('an iterable that is also async iterable is read through Symbol.asyncIterator', async () => {
    const both = {
      *[Symbol.iterator]() {
        yield 'sync';
      },
      async *[Symbol.asyncIterator]() {
        yield 'async';
      },
    };
    expect(await collect(from(both))).toEqual(['async']);
  });
});

describe('from: capacity, the bound on reading ahead', () => {
  test.each([0, 1, 3])(
    'with capacity %i and no consumer, the buffer holds capacity values and nothing more is read',
    async (capacity) => {
      let reads = 0;
      function* endless() {
        for (;;) yield reads++;
      }
      const channel = from(endless(), { capacity });
      await flush(30);
      expect(reads).toBe(capacity);
      expect(channel.size).toBe(capacity);
      expect(channel.stats().waitingPushers).toBe(0);
      channel.close();
    },
  );

  test('with capacity Infinity a finite source is read to its end at once and the channel closes', async () => {
    const channel = from([1, 2, 3], { capacity: Infinity });
    await flush(20);
    expect(channel.size).toBe(3);
    expect(channel.closed).toBe(true);
    expect(await collect(channel)).toEqual([1, 2, 3]);
  });

  test('a slow consumer of an endless stream never lets the stream run more than capacity ahead', async () => {
    let produced = 0;
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(produced++);
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream, { capacity: 2 });
    for (let i = 0; i < 10; i++) {
      expect(await channel.pull()).toBe(i);
      await flush(30);
      expect(produced - (i + 1)).toBeLessThanOrEqual(2);
    }
    channel.close();
  });

  test.each([
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
  ])('from with capacity %s is a RangeError naming from(source, options) and reads nothing', (_, capacity) => {
    const { iterator, log } = loggingIterator([1]);
    expect(() => from(iterator, { capacity })).toThrow(RangeError);
    expect(() => from(iterator, { capacity })).toThrow(/^from\(source, options\): capacity/);
    expect(log).toEqual([]);
  });
});

describe('from: ReadableStream sources', () => {
  test('aborting the signal cancels the stream with the signal’s reason and closes the channel normally', async () => {
    let cancelledWith: unknown = 'not cancelled';
    const stream = new ReadableStream<number>({
      pull: (controller) => controller.enqueue(1),
      cancel: (reason) => {
        cancelledWith = reason;
      },
    });
    const controller = new AbortController();
    const channel = from(stream, { signal: controller.signal, capacity: 1 });
    await flush(20);
    const reason = new Error('user left');
    controller.abort(reason);
    await flush(20);
    expect(cancelledWith).toBe(reason);
    expect(await settle(channel)).toEqual({ values: [1] }); // buffered value, then a normal end
  });

  test('a stream that ends closes the channel after its chunks, and the stream is not cancelled', async () => {
    const cancel = vi.fn();
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('a');
        controller.enqueue('b');
        controller.close();
      },
      cancel,
    });
    expect(await collect(from(stream))).toEqual(['a', 'b']);
    expect(cancel).not.toHaveBeenCalled();
  });

  test('from with an already aborted signal cancels the stream with the signal’s reason', async () => {
    let cancelledWith: unknown = 'not cancelled';
    const stream = new ReadableStream<number>({
      cancel: (reason) => {
        cancelledWith = reason;
      },
    });
    const channel = from(stream, { signal: abortedSignal('already') });
    expect(channel.closed).toBe(true);
    await flush(20);
    expect(cancelledWith).toBe('already');
  });

  test('a stream of undefined chunks delivers each undefined as a value', async () => {
    const stream = new ReadableStream<undefined>({
      start(controller) {
        controller.enqueue(undefined);
        controller.enqueue(undefined);
        controller.close();
      },
    });
    expect(await collect(from(stream))).toEqual([undefined, undefined]);
  });

  test('from(toReadableStream(channel)) closed early withdraws the stream’s pull from the channel and leaves it open', async () => {
    const channel = new Channel<number>();
    const copy = from(toReadableStream(channel));
    await flush(20);
    expect(channel.stats().waitingPullers).toBe(0); // capacity 0: nothing is read before a pull
    const pending = copy.pull().catch((error: unknown) => error);
    await flush(20);
    expect(channel.stats().waitingPullers).toBe(1);
    copy.close();
    await flush(20);
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
    expect(await pending).toBeInstanceOf(ChannelClosedError);
  });
});

describe('toReadableStream', () => {
  test('two reads pending at once are served in order by two pushes', async () => {
    const channel = new Channel<string>();
    const reader = toReadableStream(channel).getReader();
    const first = reader.read();
    const second = reader.read();
    await flush();
    await channel.push('a');
    await channel.push('b');
    expect(await first).toEqual({ done: false, value: 'a' });
    expect(await second).toEqual({ done: false, value: 'b' });
  });

  test('a channel of undefined values gives reads of undefined, not the end', async () => {
    const channel = new Channel<undefined>(2);
    channel.pushNowait(undefined);
    channel.close();
    const reader = toReadableStream(channel).getReader();
    expect(await reader.read()).toEqual({ done: false, value: undefined });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  test('a close reason that arrives while a read waits errors that read with the reason', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await flush();
    const failure = new Error('gone');
    channel.close(failure);
    await expect(read).rejects.toBe(failure);
  });

  test('with highWaterMark 0 nothing is pulled before a read: a push waits', async () => {
    const channel = new Channel<number>();
    const stream = toReadableStream(channel);
    await flush(20);
    expect(channel.tryPush(1)).toBe(false);
    const reader = stream.getReader();
    const read = reader.read();
    expect(channel.tryPush(1)).toBe(true);
    expect(await read).toEqual({ done: false, value: 1 });
  });

  test('pipeTo a WritableStream delivers every value in order, then closes the sink', async () => {
    const channel = new Channel<number>(4);
    const written: number[] = [];
    let closed = false;
    const piping = toReadableStream(channel).pipeTo(
      new WritableStream<number>({
        write: (chunk) => {
          written.push(chunk);
        },
        close: () => {
          closed = true;
        },
      }),
    );
    await channel.pushAll([1, 2, 3, 4, 5, 6]);
    channel.close();
    await piping;
    expect(written).toEqual([1, 2, 3, 4, 5, 6]);
    expect(closed).toBe(true);
  });

  test('aborting a pipeTo cancels the stream: the channel stays open and loses no value', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const written: number[] = [];
    const piping = toReadableStream(channel).pipeTo(
      new WritableStream({ write: (chunk) => void written.push(chunk) }),
      {
        signal: controller.signal,
      },
    );
    await channel.push(1);
    await flush(20);
    controller.abort();
    await piping.catch(() => {});
    await flush(20);
    expect(channel.closed).toBe(false);
    expect(channel.stats().waitingPullers).toBe(0);
    const pulled = channel.pull();
    channel.tryPush(2);
    expect(await pulled).toBe(2);
    expect(written).toEqual([1]);
  });

  test.each([
    ['-1', -1],
    ['Infinity', Infinity],
    ['NaN', Number.NaN],
    ['a string', '1'],
  ])('toReadableStream with highWaterMark %s is a RangeError naming the option', (_, highWaterMark) => {
    expect(() => toReadableStream(new Channel(), { highWaterMark: highWaterMark as number })).toThrow(RangeError);
    expect(() => toReadableStream(new Channel(), { highWaterMark: highWaterMark as number })).toThrow(
      /^toReadableStream\(channel, options\): options\.highWaterMark/,
    );
  });
});

describe('fromEvent: listener bookkeeping', () => {
  test('closing the channel removes its one listener', () => {
    const target = new CountingTarget();
    const channel = fromEvent(target, 'ping');
    expect(target.listeners.get('ping')).toBe(1);
    channel.close();
    channel.close();
    expect(target.listeners.get('ping')).toBe(0);
  });

  test('aborting the signal removes the listener and the channel’s abort listener', () => {
    const target = new CountingTarget();
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const channel = fromEvent(target, 'ping', { signal: controller.signal });
    controller.abort();
    expect(channel.closed).toBe(true);
    expect(target.listeners.get('ping')).toBe(0);
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
  });

  test('disposing the channel with using removes the listener', () => {
    const target = new CountingTarget();
    {
      using _events = fromEvent(target, 'ping');
      expect(target.listeners.get('ping')).toBe(1);
    }
    expect(target.listeners.get('ping')).toBe(0);
  });

  test('an already aborted signal adds no listener to the target or the signal', () => {
    const target = new EventTarget();
    const listened = vi.spyOn(target, 'addEventListener');
    const signal = abortedSignal('no');
    const added = vi.spyOn(signal, 'addEventListener');
    const channel = fromEvent(target, 'ping', { signal });
    expect(channel.closed).toBe(true);
    expect(listened).not.toHaveBeenCalled();
    expect(added).not.toHaveBeenCalled();
  });

  test('a capture listener is removed as a capture listener', () => {
    const target = new EventTarget();
    const removed = vi.spyOn(target, 'removeEventListener');
    fromEvent(target, 'ping', { listenerOptions: { capture: true } }).close();
    expect(removed).toHaveBeenCalledTimes(1);
    const options = removed.mock.calls[0]?.[2];
    expect(typeof options === 'object' ? options?.capture : options).toBe(true);
  });

  test('events dispatched after the channel closed are ignored without an error', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'ping', { overflow: 'block', capacity: 1 });
    target.dispatchEvent(new Event('ping'));
    channel.close();
    expect(() => target.dispatchEvent(new Event('ping'))).not.toThrow();
    expect((await collect(channel)).length).toBe(1);
  });

  test('two channels on one target and type each receive every event', () => {
    const target = new EventTarget();
    const a = fromEvent(target, 'ping', { capacity: 4 });
    const b = fromEvent(target, 'ping', { capacity: 4 });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('ping'));
    expect([a.size, b.size]).toEqual([3, 3]);
    a.close();
    target.dispatchEvent(new Event('ping'));
    expect(b.size).toBe(4);
  });
});

describe('fromEvent: overflow', () => {
  test("with overflow 'drop-newest' the first events are kept", () => {
    const target = new EventTarget();
    const channel = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect([channel.pullNowait().detail, channel.pullNowait().detail]).toEqual([0, 1]);
    expect(channel.size).toBe(0);
  });

  test("with capacity 0 and 'block' every event waits for a pull, in order", async () => {
    const target = new EventTarget();
    const channel = fromEvent<CustomEvent<number>>(target, 'n', { capacity: 0, overflow: 'block' });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect(channel.stats().waitingPushers).toBe(3);
    const details = [];
    for (let i = 0; i < 3; i++) details.push((await channel.pull()).detail);
    expect(details).toEqual([0, 1, 2]);
  });

  test("closing a 'block' channel discards the events still waiting to be pushed, without an unhandled rejection", async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'n', { capacity: 1, overflow: 'block' });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new Event('n'));
    channel.close();
    await flush(20);
    expect(channel.size).toBe(1);
    expect((await collect(channel)).length).toBe(1);
  });

  test('the default capacity 0 with the default drop-oldest is refused: capacity 0 needs block', () => {
    expect(() => fromEvent(new EventTarget(), 'n', { capacity: 0 })).toThrow(RangeError);
    expect(() => fromEvent(new EventTarget(), 'n', { capacity: 0 })).toThrow(/^fromEvent\(target, type, options\)/);
  });

  test('a for await over fromEvent ends normally when the signal aborts with a reason', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channel = fromEvent(target, 'n', { signal: controller.signal });
    const iterating = settle(channel);
    target.dispatchEvent(new Event('n'));
    await flush();
    controller.abort(new Error('stop'));
    const outcome = await iterating;
    expect(outcome.error).toBeUndefined();
    expect(outcome.values.length).toBe(1);
  });
});

describe('merge: odd inputs', () => {
  test('a channel given twice is read once per value, and the merge closes when it does', async () => {
    const a = new Channel<number>(4);
    const merged = merge(a, a);
    await a.pushAll([1, 2, 3]);
    a.close();
    expect(await collect(merged)).toEqual([1, 2, 3]);
  });

  test('a merge of channels that are already closed and drained is closed at once', () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    a.close();
    b.close();
    expect(merge(a, b).closed).toBe(true);
  });

  test('an input already closed with a reason closes the merge with it at once', () => {
    const a = new Channel<number>(1);
    const failure = new Error('a failed');
    a.close(failure);
    const merged = merge(a, new Channel<number>());
    expect(merged.closed).toBe(true);
    try {
      merged.pullNowait();
      expect.unreachable();
    } catch (error) {
      expect((error as ChannelClosedError).cause).toBe(failure);
    }
  });

  test('undefined values from the inputs are delivered as values', async () => {
    const a = new Channel<undefined>(2);
    a.pushNowait(undefined);
    a.pushNowait(undefined);
    a.close();
    expect(await collect(merge(a))).toEqual([undefined, undefined]);
  });

  test('from channels as inputs: every value of every source arrives, each source in order', async () => {
    async function* letters() {
      yield* ['a', 'b', 'c'];
    }
    const all = await collect(merge(from([1, 2, 3, 4]), from(letters()), from(new Set([10, 20]))));
    expect(all.filter((v) => typeof v === 'number' && v < 10)).toEqual([1, 2, 3, 4]);
    expect(all.filter((v) => typeof v === 'string')).toEqual(['a', 'b', 'c']);
    expect(all.filter((v) => typeof v === 'number' && v >= 10)).toEqual([10, 20]);
  });

  test('select over a merged channel and another channel commits exactly one case; the other value stays', async () => {
    const a = new Channel<number>(1);
    const other = new Channel<string>(1);
    const merged = merge(a);
    a.pushNowait(1);
    other.pushNowait('x');
    const result = selectNowait([pull(merged), pull(other)]);
    expect(result).toBeDefined();
    const rest = result?.index === 0 ? other.pullNowait() : merged.pullNowait();
    expect([result?.value, rest].sort()).toEqual([1, 'x'].sort());
  });

  test('an aborted select on a merged channel takes nothing from the inputs', async () => {
    const a = new Channel<number>();
    const merged = merge(a);
    const controller = new AbortController();
    const selecting = track(select([pull(merged)], { signal: controller.signal }));
    await flush();
    controller.abort(new Error('no'));
    await flush();
    expect(selecting.current.status).toBe('rejected');
    const pushed = track(a.push(5)); // the merged channel's buffer of one takes it
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
    expect(await merged.pull()).toBe(5);
  });

  test('merge of something that is not a chanasync channel is a TypeError naming its position', () => {
    expect(() => merge(new Channel(), { pull: () => Promise.resolve(1) } as never)).toThrow(
      'merge(...channels): argument 1 is not a chanasync Channel',
    );
  });
});

describe('from and toReadableStream under random schedules', () => {
  test('a consumer that stops at a random point has received a prefix of the source, in order, and at most capacity more values were read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(3),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom('sync' as const, 'async' as const, 'stream' as const),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 10 }),
        async (capacity, stopAfter, kind, delays) => {
          let reads = 0;
          let released = false;
          function* sync() {
            try {
              for (;;) yield reads++;
            } finally {
              released = true;
            }
          }
          async function* asynchronous() {
            try {
              for (;;) {
                await flush(1);
                yield reads++;
              }
            } finally {
              released = true;
            }
          }
          const stream = new ReadableStream<number>(
            {
              pull: (controller) => controller.enqueue(reads++),
              cancel: () => {
                released = true;
              },
            },
            { highWaterMark: 0 },
          );
          const source = kind === 'sync' ? sync() : kind === 'async' ? asynchronous() : stream;
          if (kind !== 'stream') {
            // A generator never started (capacity 0, no pull) runs no finally on return():
            // watch return() itself.
            const generator = source as Generator<number> | AsyncGenerator<number>;
            const giveBack = generator.return.bind(generator) as (value: unknown) => unknown;
            generator.return = ((value: unknown) => {
              released = true;
              return giveBack(value);
            }) as typeof generator.return;
          }
          const channel = from(source, { capacity });
          const got: number[] = [];
          for (let i = 0; i < stopAfter; i++) {
            await flush(delays[i % delays.length]);
            got.push(await channel.pull());
          }
          await flush(10);
          expect(reads - got.length).toBeLessThanOrEqual(capacity);
          channel.close();
          const rest = await collect(channel); // what was buffered stays readable
          await flush(20);
          expect([...got, ...rest]).toEqual(Array.from({ length: got.length + rest.length }, (_, i) => i));
          expect(rest.length).toBeLessThanOrEqual(capacity);
          expect(released).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });

  test('toReadableStream then from with random capacities and highWaterMarks delivers every value once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(3),
        fc.nat(3),
        fc.nat(3),
        fc.integer({ min: 0, max: 40 }),
        async (inner, highWaterMark, outer, total) => {
          const channel = new Channel<number>(inner);
          const copy = from(toReadableStream(channel, { highWaterMark }), { capacity: outer });
          const producing = (async () => {
            for (let i = 0; i < total; i++) await channel.push(i);
            channel.close();
          })();
          expect(await collect(copy)).toEqual(Array.from({ length: total }, (_, i) => i));
          await producing;
        },
      ),
      { numRuns: 100 },
    );
  });
});
