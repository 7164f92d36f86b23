/**
 * web-platform-tests streams/readable-streams/from.any.js, translated to `from` /
 * `Channel.from`: what ReadableStream.from asserts about reading iterables, async iterables and
 * streams, checked on the channel chanasync makes from them. (Translated, not copied.)
 */
import { Channel, ChannelClosedError, from } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { collect, endlessOnes, flushAsyncEvents, state } from './util.js';

type Factory = () => unknown;

const iterableFactories: [string, Factory][] = [
  ['an array of values', () => ['a', 'b']],
  ['an array of promises', () => [Promise.resolve('a'), Promise.resolve('b')]],
  ['an array iterator', () => ['a', 'b'][Symbol.iterator]()],
  ['a string', () => 'ab'],
  ['a Set', () => new Set(['a', 'b'])],
  ['a Set iterator', () => new Set(['a', 'b'])[Symbol.iterator]()],
  [
    'a sync generator',
    () =>
      (function* () {
        yield 'a';
        yield 'b';
      })(),
  ],
  [
    'an async generator',
    () =>
      (async function* () {
        yield 'a';
        yield 'b';
      })(),
  ],
  [
    'a sync iterable of values',
    () => {
      const chunks = ['a', 'b'];
      const it = {
        next: () => ({ done: chunks.length === 0, value: chunks.shift() }),
        [Symbol.iterator]: () => it,
      };
      return it;
    },
  ],
  [
    'a sync iterable of promises',
    () => {
      const chunks = ['a', 'b'];
      const it = {
        next: () => (chunks.length === 0 ? { done: true } : { done: false, value: Promise.resolve(chunks.shift()) }),
        [Symbol.iterator]: () => it,
      };
      return it;
    },
  ],
  [
    'an async iterable',
    () => {
      const chunks = ['a', 'b'];
      const it = {
        next: () => Promise.resolve({ done: chunks.length === 0, value: chunks.shift() }),
        [Symbol.asyncIterator]: () => it,
      };
      return it;
    },
  ],
  [
    'a ReadableStream',
    () =>
      new ReadableStream({
        start(c) {
          c.enqueue('a');
          c.enqueue('b');
          c.close();
        },
      }),
  ],
  [
    'a ReadableStream async iterator',
    () =>
      new ReadableStream({
        start(c) {
          c.enqueue('a');
          c.enqueue('b');
          c.close();
        },
      })[Symbol.asyncIterator](),
  ],
];

describe('streams/readable-streams/from.any.js', () => {
  // WPT: "ReadableStream.from accepts ${label}" — reads a, b, then done; reader.closed resolves.
  for (const [label, factory] of iterableFactories) {
    test(`Channel.from accepts ${label}`, async () => {
      const channel = Channel.from(factory() as Iterable<string>);
      expect(channel).toBeInstanceOf(Channel);
      expect(await channel.pull()).toBe('a');
      expect(await channel.pull()).toBe('b');
      await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
      expect(channel.closed).toBe(true);
    });
  }

  // WPT: "ReadableStream.from throws on invalid iterables; specifically ${label}" (TypeError).
  const badIterables: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['0', 0],
    ['NaN', Number.NaN],
    ['true', true],
    ['{}', {}],
    ['Object.create(null)', Object.create(null)],
    ['a function', () => 42],
    ['a symbol', Symbol()],
    ['an object with a non-callable @@iterator method', { [Symbol.iterator]: 42 }],
    ['an object with a non-callable @@asyncIterator method', { [Symbol.asyncIterator]: 42 }],
  ];
  for (const [label, iterable] of badIterables) {
    test(`from throws on invalid iterables; specifically ${label}`, () => {
      expect(() => from(iterable as Iterable<unknown>)).toThrow(TypeError);
    });
  }

  // WPT: "ReadableStream.from re-throws errors from calling the @@iterator method", and the same
  // for the @@asyncIterator method.
  test.each([
    ['@@iterator', Symbol.iterator],
    ['@@asyncIterator', Symbol.asyncIterator],
  ] as const)('from re-throws errors from calling the %s method', (_name, method) => {
    const theError = new Error('a unique string');
    const iterable = {
      [method]() {
        throw theError;
      },
    } as unknown as Iterable<never> | AsyncIterable<never>;
    expect(() => from(iterable)).toThrow(theError);
  });

  // WPT: "ReadableStream.from ignores @@iterator if @@asyncIterator exists".
  test('from ignores @@iterator if @@asyncIterator exists', () => {
    const theError = new Error('a unique string');
    let syncCalled = false;
    const iterable = {
      [Symbol.iterator]() {
        syncCalled = true;
        return [][Symbol.iterator]();
      },
      [Symbol.asyncIterator](): AsyncIterator<never> {
        throw theError;
      },
    };
    expect(() => from(iterable as AsyncIterable<never>)).toThrow(theError);
    expect(syncCalled).toBe(false);
  });

  // WPT: "ReadableStream.from accepts an empty iterable".
  test('from accepts an empty iterable', async () => {
    const iterable = {
      async next() {
        return { value: undefined, done: true as const };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await collect(channel)).toEqual([]);
  });

  // WPT: "ReadableStream.from: stream errors when next() rejects" — both the read and
  // reader.closed reject with the error. chanasync: the channel closes with the error as its
  // reason; a pull rejects with ChannelClosedError whose cause is it, for await throws it.
  test('from: channel closes with the error when next() rejects', async () => {
    const theError = new Error('a unique string');
    const iterable = {
      async next(): Promise<IteratorResult<never>> {
        throw theError;
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(theError);
    await expect(collect(channel)).rejects.toBe(theError);
  });

  // WPT: "ReadableStream.from: stream stalls when next() never settles".
  test('from: channel stalls when next() never settles', async () => {
    const iterable = {
      next: () => new Promise<IteratorResult<never>>(() => {}),
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    const pulled = channel.pull();
    expect(await state(pulled)).toBe('pending');
    expect(channel.closed).toBe(false);
    channel.close();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // WPT: "ReadableStream.from: calls next() after first read()" — and with no arguments.
  test('from: calls next() after first pull, with no arguments', async () => {
    let nextCalls = 0;
    let nextArgs: unknown[] | undefined;
    const iterable = {
      async next(...args: unknown[]) {
        nextCalls += 1;
        nextArgs = args;
        return { value: 'a', done: false as const };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    await flushAsyncEvents();
    expect(nextCalls).toBe(0);
    expect(await channel.pull()).toBe('a');
    expect(nextCalls).toBe(1);
    expect(nextArgs).toEqual([]);
    channel.close();
  });

  // WPT: "ReadableStream.from: cancelling the returned stream calls and awaits return()".
  // chanasync: closing the channel (its cancel) calls return() at once. WPT passes the cancel
  // reason to return() and awaits it (cancel() is a promise); close() is synchronous and
  // returns nothing to await, and a close without a reason passes none.
  test('from: closing the channel calls return()', async () => {
    let returnCalls = 0;
    let nextCalls = 0;
    let returnArgs: unknown[] | undefined;
    const iterable = {
      async next(): Promise<IteratorResult<never>> {
        nextCalls++;
        return { value: undefined as never, done: false };
      },
      async return(...args: unknown[]) {
        returnCalls += 1;
        returnArgs = args;
        return { done: true as const, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    expect(returnCalls).toBe(0);
    channel.close();
    expect(returnCalls).toBe(1);
    expect(nextCalls).toBe(0);
    // WPT asserts return() receives the cancel reason; chanasync calls it as a break out of
    // for await does, with no argument (README: the iterator's return(); a stream source's
    // reader gets cancel(reason)).
    expect(returnArgs).toEqual([]);
  });

  test('from: aborting the signal calls return() and closes the channel normally', async () => {
    let returnCalls = 0;
    const iterable = {
      async next() {
        return { value: 1, done: false as const };
      },
      async return() {
        returnCalls += 1;
        return { done: true as const, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const controller = new AbortController();
    const channel = from(iterable, { signal: controller.signal });
    expect(await channel.pull()).toBe(1);
    controller.abort(new Error('stop'));
    expect(returnCalls).toBe(1);
    expect(channel.closed).toBe(true);
    // An abort closes the channel normally: for await ends without throwing.
    expect(await collect(channel)).toEqual([]);
  });

  // WPT: "ReadableStream.from: return() is not called when iterator completes normally".
  test('from: return() is not called when iterator completes normally', async () => {
    let nextCalls = 0;
    let returnCalls = 0;
    const iterable = {
      async next() {
        nextCalls += 1;
        return { value: undefined, done: true as const };
      },
      async return() {
        returnCalls += 1;
        return { value: undefined, done: true as const };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(nextCalls).toBe(1);
    await flushAsyncEvents();
    expect(returnCalls).toBe(0);
    channel.close();
    expect(returnCalls).toBe(0);
  });

  // WPT (newer from.any.js): "ReadableStream.from: return() is not called when next() rejects".
  test('from: return() is not called when next() rejects', async () => {
    let returnCalls = 0;
    const iterable = {
      async next(): Promise<IteratorResult<never>> {
        throw new Error('boom');
      },
      async return() {
        returnCalls++;
        return { value: undefined, done: true as const };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    const channel = from(iterable);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await flushAsyncEvents();
    channel.close();
    expect(returnCalls).toBe(0);
  });

  // WPT (newer from.any.js): "ReadableStream.from: stream errors when next() returns a
  // non-object" — a TypeError, and return() is not called.
  for (const [label, result] of [
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'x'],
    ['null', null],
  ] as const) {
    test(`from: channel closes with a TypeError when next() fulfills with ${label}`, async () => {
      let returnCalls = 0;
      const iterable = {
        next: async () => result as unknown as IteratorResult<number>,
        async return() {
          returnCalls++;
          return { value: undefined, done: true as const };
        },
        [Symbol.asyncIterator]: () => iterable,
      };
      const channel = from(iterable);
      const error = await channel.pull().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as Error).cause).toBeInstanceOf(TypeError);
      await flushAsyncEvents();
      expect(returnCalls).toBe(0);
    });
  }

  test('from: a synchronous iterator whose next() returns a non-object closes with a TypeError', async () => {
    const iterable = {
      next: () => 7 as unknown as IteratorResult<number>,
      [Symbol.iterator]: () => iterable,
    };
    const channel = from(iterable);
    const error = await channel.pull().catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  // WPT (newer from.any.js): "ReadableStream.from: reader.read() inside next()" — a read
  // issued by the source's next() itself is served by the following value.
  test('from: a pull issued inside next() gets the following value', async () => {
    let i = 0;
    let inner: Promise<number> | undefined;
    let channel: Channel<number>;
    const iterable = {
      next() {
        i++;
        if (i === 1) inner = channel.pull();
        return Promise.resolve(i > 3 ? { value: undefined, done: true as const } : { value: i, done: false as const });
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    channel = from(iterable as AsyncIterable<number>);
    expect(await channel.pull()).toBe(1);
    expect(await inner).toBe(2);
    expect(await collect(channel)).toEqual([3]);
  });

  // WPT (newer from.any.js): "ReadableStream.from: reader.cancel() inside next()" — the
  // stream cancels, return() is called after next() settles, nothing more is read.
  test('from: closing the channel inside next() releases the source once next() returns', async () => {
    let nextCalls = 0;
    let returnCalls = 0;
    let channel: Channel<string>;
    const iterable = {
      next() {
        nextCalls++;
        channel.close();
        return Promise.resolve({ value: 'a', done: false as const });
      },
      async return() {
        returnCalls++;
        return { value: undefined, done: true as const };
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    channel = from(iterable as AsyncIterable<string>);
    const pulled = channel.pull();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
    await flushAsyncEvents();
    expect(nextCalls).toBe(1);
    expect(returnCalls).toBe(1);
  });

  // WPT (newer from.any.js): "ReadableStream.from: reader.cancel() inside return()".
  test('from: closing the channel again inside return() changes nothing', async () => {
    let returnCalls = 0;
    let channel: Channel<number>;
    const iterable = {
      next: async () => ({ value: 1, done: false as const }),
      return() {
        returnCalls++;
        channel.close(new Error('second'));
        return Promise.resolve({ value: undefined, done: true as const });
      },
      [Symbol.asyncIterator]: () => iterable,
    };
    channel = from(iterable as AsyncIterable<number>);
    channel.close();
    expect(returnCalls).toBe(1);
    await flushAsyncEvents();
    expect(returnCalls).toBe(1);
    // The first close wins: no reason.
    expect(await collect(channel)).toEqual([]);
  });

  // WPT (newer from.any.js): "ReadableStream.from(array), push() to array while reading" — the
  // array is read lazily through its live iterator, so values pushed later are seen.
  test('from(array): values pushed to the array while reading are read', async () => {
    const array = ['a', 'b'];
    const channel = from(array);
    expect(await channel.pull()).toBe('a');
    array.push('c');
    expect(await channel.pull()).toBe('b');
    expect(await channel.pull()).toBe('c');
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // WPT: "accepts an array of promises" — ordering: a later promise that settles first does
  // not overtake an earlier one.
  test('from: an array of promises keeps its order whatever order they settle in', async () => {
    let resolveFirst!: (v: string) => void;
    const first = new Promise<string>((r) => {
      resolveFirst = r;
    });
    const channel = from([first, Promise.resolve('b')], { capacity: 2 });
    const a = channel.pull();
    await flushAsyncEvents();
    expect(await state(a)).toBe('pending');
    resolveFirst('a');
    expect(await a).toBe('a');
    expect(await channel.pull()).toBe('b');
  });

  // WPT (a sync iterable of promises): a promise that rejects closes with its reason.
  test('from: a rejected promise in a sync iterable closes the channel with its reason, after return()', async () => {
    const theError = new Error('rejected');
    let finallyRan = false;
    function* gen() {
      try {
        yield 1;
        yield Promise.reject(theError);
        yield 3;
      } finally {
        finallyRan = true;
      }
    }
    const channel = from(gen());
    expect(await channel.pull()).toBe(1);
    await expect(collect(channel)).rejects.toBe(theError);
    expect(finallyRan).toBe(true);
  });

  // WPT (a string): strings iterate by code points, not UTF-16 units.
  test('from(string) iterates code points', async () => {
    expect(await collect(from('a😀b'))).toEqual(['a', '😀', 'b']);
  });

  // WPT (a ReadableStream): the stream is locked while read and released when done.
  test('from(ReadableStream) locks the stream while reading and unlocks it at the end', async () => {
    const stream = new ReadableStream<string>({
      start(c) {
        c.enqueue('a');
        c.close();
      },
    });
    const channel = from(stream);
    expect(await channel.pull()).toBe('a');
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await flushAsyncEvents();
    expect(stream.locked).toBe(false);
  });

  test('from(ReadableStream): an errored stream closes the channel with its error', async () => {
    const theError = new Error('stream error');
    const stream = new ReadableStream<string>({
      start(c) {
        c.enqueue('a');
        c.error(theError);
      },
    });
    const channel = from(stream);
    // Erroring a stream discards its queue: 'a' is gone, as for a reader.
    await expect(collect(channel)).rejects.toBe(theError);
  });

  test('from(ReadableStream): closing the channel cancels the stream with the close reason', async () => {
    const { stream, reasons } = endlessOnes();
    const channel = from(stream);
    expect(await channel.pull()).toBe(1);
    const reason = new Error('done');
    channel.close(reason);
    await flushAsyncEvents();
    expect(reasons).toEqual([reason]);
    expect(stream.locked).toBe(false);
  });

  test('from(ReadableStream): a locked stream is a TypeError at the call', () => {
    const stream = new ReadableStream();
    const reader = stream.getReader();
    expect(() => from(stream)).toThrow(TypeError);
    reader.releaseLock();
  });

  // WPT (a ReadableStream): a pull-source stream is pulled lazily, never ahead of capacity.
  test('from(ReadableStream) reads no more than capacity ahead', async () => {
    let pulls = 0;
    const stream = new ReadableStream<number>(
      {
        pull(c) {
          pulls++;
          c.enqueue(pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream, { capacity: 2 });
    await flushAsyncEvents();
    expect(channel.size).toBeLessThanOrEqual(2);
    expect(await channel.pull()).toBe(1);
    await flushAsyncEvents();
    expect(channel.size).toBeLessThanOrEqual(2);
    expect(pulls).toBeLessThanOrEqual(4);
    channel.close();
  });
});
