/**
 * SPEC.md "Interop": from, toReadableStream and merge (fromEvent, which needs a DOM, is in
 * interop.dom.test.ts; a Worker response body in worker.test.ts). Error and cancellation paths
 * as well as the happy ones.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, from, fromEvent, toReadableStream } from '../src/index.js';
import { abortedSignal, flush } from './helpers/track.js';

/** An endless generator that counts its reads and records when it was stopped. */
function counter() {
  const state = { reads: 0, stopped: false };
  async function* numbers() {
    try {
      for (;;) yield state.reads++;
    } finally {
      state.stopped = true;
    }
  }
  return { state, source: numbers() };
}

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

describe('from', () => {
  test('from(iterable) delivers every value, then closes', async () => {
    expect(await collect(from([1, 2, 3]))).toEqual([1, 2, 3]);
    expect(await collect(from('abc'))).toEqual(['a', 'b', 'c']);
  });

  test('from(async iterable) delivers every value, then closes', async () => {
    async function* letters() {
      yield 'x';
      yield 'y';
    }
    const channel = from(letters());
    expect(await collect(channel)).toEqual(['x', 'y']);
    expect(channel.closed).toBe(true);
  });

  test('from(ReadableStream) delivers every chunk, then closes', async () => {
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('a');
        controller.enqueue('b');
        controller.close();
      },
    });
    expect(await collect(from(stream))).toEqual(['a', 'b']);
  });

  test('a source that throws closes the channel with the error, after the values before it', async () => {
    const failure = new Error('source failed');
    async function* failing() {
      yield 1;
      throw failure;
    }
    const channel = from(failing(), { capacity: 4 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of channel) seen.push(value);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual([1]);
    const error = (await channel.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(failure);
  });

  test('a stream that errors closes the channel with its error', async () => {
    const failure = new Error('network');
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.error(failure);
      },
    });
    await expect(collect(from(stream))).rejects.toBe(failure);
  });

  test.each([0, 1, 4])('with capacity %i it reads at most capacity values ahead of the consumer', async (capacity) => {
    const { state, source } = counter();
    const channel = from(source, { capacity });
    await flush(20);
    expect(state.reads).toBe(capacity);
    for (let pulled = 1; pulled <= 5; pulled++) {
      expect(await channel.pull()).toBe(pulled - 1);
      await flush(20);
      expect(state.reads).toBe(pulled + capacity);
      expect(channel.size).toBe(capacity);
    }
    channel.close();
  });

  test('an endless source is fine: closing the channel stops and releases it at once', async () => {
    const { state, source } = counter();
    const channel = from(source);
    for (let i = 0; i < 100; i++) expect(await channel.pull()).toBe(i);
    channel.close();
    await flush(20);
    expect(state.stopped).toBe(true);
    const reads = state.reads;
    await flush(20);
    expect(state.reads).toBe(reads);
  });

  test('an aborted signal stops the pump, releases the source and closes the channel normally', async () => {
    const { state, source } = counter();
    const controller = new AbortController();
    const channel = from(source, { capacity: 2, signal: controller.signal });
    await flush(20);
    controller.abort(new Error('no more'));
    await flush(20);
    expect(state.stopped).toBe(true);
    expect(channel.closed).toBe(true);
    // Buffered values stay readable, then the loop ends without an error.
    expect(await collect(channel)).toEqual([0, 1]);
  });

  test('an already aborted signal reads nothing and gives a closed channel', async () => {
    const { state, source } = counter();
    const channel = from(source, { signal: abortedSignal('stop') });
    await flush(20);
    expect(channel.closed).toBe(true);
    expect(state.reads).toBe(0);
  });

  test('closing the channel cancels the stream reader, even while a read is pending', async () => {
    let cancelledWith: unknown = 'not cancelled';
    const stream = new ReadableStream<number>({
      pull: () => new Promise(() => {}), // never produces
      cancel: (reason) => {
        cancelledWith = reason;
      },
    });
    const channel = from(stream);
    await flush();
    channel.close('consumer done');
    await flush(20);
    expect(cancelledWith).toBe('consumer done');
  });

  test('a promise in a synchronous iterable is awaited, as for await does', async () => {
    expect(await collect(from([Promise.resolve(1), 2, Promise.resolve(3)]))).toEqual([1, 2, 3]);
  });

  test('a rejected promise in a synchronous iterable closes the channel with its reason', async () => {
    const failure = new Error('rejected value');
    const rejected = Promise.reject(failure);
    rejected.catch(() => {});
    await expect(collect(from([1, rejected]))).rejects.toBe(failure);
  });

  test('an async iterator that yields a promise as a value closes the channel with a TypeError', async () => {
    const source: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: Promise.resolve(1) }) }),
    };
    await expect(collect(from(source))).rejects.toThrow(/thenable/);
  });

  test('a source that is none of the three is a TypeError', () => {
    expect(() => from(42 as never)).toThrow(TypeError);
    expect(() => from(null as never)).toThrow(/iterable, an async iterable or a ReadableStream/);
  });
});

describe('toReadableStream', () => {
  test.each([0, 2])(
    'the stream pulls only when asked: 3 reads take 3 + highWaterMark (%i) values',
    async (highWaterMark) => {
      const channel = new Channel<number>(Infinity);
      for (let i = 0; i < 20; i++) channel.pushNowait(i);
      const reader = toReadableStream(channel, { highWaterMark }).getReader();
      await flush(20);
      expect(channel.size).toBe(20 - highWaterMark);
      for (let i = 0; i < 3; i++) expect((await reader.read()).value).toBe(i);
      await flush(20);
      expect(channel.size).toBe(20 - 3 - highWaterMark);
    },
  );

  test('the stream closes when the channel is closed and drained', async () => {
    const channel = new Channel<string>(2);
    channel.pushNowait('a');
    channel.pushNowait('b');
    channel.close();
    expect(await collect(toReadableStream(channel))).toEqual(['a', 'b']);
  });

  test('a parked read ends when the channel closes', async () => {
    const channel = new Channel<string>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    channel.close();
    expect(await read).toEqual({ done: true, value: undefined });
  });

  test('the stream errors with the close reason', async () => {
    const channel = new Channel<string>(1);
    channel.pushNowait('last');
    const failure = new Error('upstream failed');
    channel.close(failure);
    const reader = toReadableStream(channel).getReader();
    expect((await reader.read()).value).toBe('last');
    await expect(reader.read()).rejects.toBe(failure);
  });

  test('cancelling stops pulling, consumes nothing and does not close the channel', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await flush();
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel('not interested');
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
    const pulled = channel.pull();
    channel.pushNowait(7);
    expect(await pulled).toBe(7);
  });

  test('it works as a Response body, with text encoded by a TextEncoderStream', async () => {
    const lines = new Channel<string>(2);
    void (async () => {
      for (const line of ['one\n', 'two\n']) await lines.push(line);
      lines.close();
    })();
    const response = new Response(toReadableStream(lines).pipeThrough(new TextEncoderStream()));
    expect(await response.text()).toBe('one\ntwo\n');
  });

  test('toReadableStream then from round-trips every value in order', async () => {
    const source = new Channel<number>();
    void (async () => {
      for (let i = 0; i < 100; i++) await source.push(i);
      source.close();
    })();
    expect(await collect(from(toReadableStream(source)))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('toReadableStream keeps every value', () => {
  test('with highWaterMark 4, close(reason) leaves every value the stream pulled readable before the error', async () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 1; i <= 6; i++) channel.pushNowait(i);
    const reader = toReadableStream(channel, { highWaterMark: 4 }).getReader();
    await flush(20);
    expect(channel.size).toBe(2); // the stream pulled 4 ahead
    const failure = new Error('producer failed');
    channel.close(failure);
    const values: number[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1)); // a slow reader
      values.push((await reader.read()).value as number);
    }
    expect(values).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(reader.read()).rejects.toBe(failure);
  });

  test('with highWaterMark 4, close() leaves every value the stream pulled readable, then the stream ends', async () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 1; i <= 6; i++) channel.pushNowait(i);
    const stream = toReadableStream(channel, { highWaterMark: 4 });
    await flush(20);
    channel.close();
    expect(await collect(stream)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('a value committed to a pending read is not lost when the reader cancels in the same tick', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await flush();
    channel.pushNowait(7); // commits to the stream's parked pull
    const cancelled = reader.cancel('done');
    expect(await read).toEqual({ done: false, value: 7 });
    await cancelled;
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a pending read gets a value pushed later, through the stream’s parked pull', async () => {
    const channel = new Channel<string>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await flush();
    expect(channel.stats().waitingPullers).toBe(1);
    await channel.push('late');
    expect(await read).toEqual({ done: false, value: 'late' });
  });
});

describe("the SPEC's spellings: Channel.from(source) and channel.toReadableStream()", () => {
  test('Channel.from is the function from, a static member that is not enumerable', () => {
    expect(Channel.from).toBe(from);
    expect(Object.keys(Channel)).not.toContain('from');
    expect(Object.keys(Channel.prototype)).not.toContain('toReadableStream');
    expect(typeof new Channel<number>().toReadableStream).toBe('function');
    expect([from.name, toReadableStream.name, Channel.from.name, new Channel<number>().toReadableStream.name]).toEqual([
      'from',
      'toReadableStream',
      'from',
      'toReadableStream',
    ]);
  });

  test('Channel.from reads lazily, never more than capacity ahead, and closes when the source ends', async () => {
    let read = 0;
    function* numbers() {
      for (let i = 0; i < 5; i++) {
        read++;
        yield i;
      }
    }
    const channel = Channel.from(numbers(), { capacity: 2 });
    await flush();
    expect(read).toBe(2);
    const values: number[] = [];
    for await (const value of channel) values.push(value);
    expect(values).toEqual([0, 1, 2, 3, 4]);
    expect(channel.closed).toBe(true);
  });

  test('Channel.from closes the channel with the error a source throws, after the values before it', async () => {
    const failure = new Error('source broke');
    async function* failing() {
      yield 1;
      throw failure;
    }
    const channel = Channel.from(failing());
    expect(await channel.pull()).toBe(1);
    await expect(channel.pull()).rejects.toMatchObject({ cause: failure });
  });

  test('channel.toReadableStream() pulls only for a pending read, then closes once the channel is closed and drained', async () => {
    const channel = new Channel<number>(4);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const reader = channel.toReadableStream().getReader();
    await flush();
    expect(channel.size).toBe(2); // highWaterMark 0: nothing taken before a read
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    channel.close();
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  test('channel.toReadableStream() errors with the close reason, and cancelling it leaves the channel open', async () => {
    const failing = new Channel<number>(1);
    const reason = new Error('closed with a reason');
    failing.close(reason);
    await expect(failing.toReadableStream().getReader().read()).rejects.toBe(reason);
    const open = new Channel<number>(1);
    const reader = open.toReadableStream().getReader();
    const pending = reader.read();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(open.closed).toBe(false);
    expect(open.tryPush(7)).toBe(true);
    expect(open.tryPull()).toBe(7); // the cancelled stream took nothing
  });
});

describe('misuse is a TypeError or RangeError at the call', () => {
  test('toReadableStream of something that is not a channel throws at the call', () => {
    expect(() => toReadableStream({} as Channel<number>)).toThrow(
      'toReadableStream(channel, options): channel is not a chanasync Channel, got Object',
    );
    expect(() => toReadableStream(null as unknown as Channel<number>)).toThrow(TypeError);
  });

  test('toReadableStream with a bad highWaterMark is a RangeError naming the option', () => {
    const channel = new Channel<number>();
    expect(() => toReadableStream(channel, { highWaterMark: -1 })).toThrow(RangeError);
    expect(() => toReadableStream(channel, { highWaterMark: Number.NaN })).toThrow(/options\.highWaterMark/);
    expect(() => toReadableStream(channel, { highWaterMark: Infinity })).toThrow(RangeError);
  });

  test('from with a signal that is not an AbortSignal throws and leaves the stream unlocked', () => {
    const stream = new ReadableStream<number>();
    const controller = new AbortController();
    expect(() => from(stream, { signal: controller as unknown as AbortSignal })).toThrow(
      'from(source, options): options.signal must be an AbortSignal, got AbortController',
    );
    expect(stream.locked).toBe(false);
  });

  test('from with a bad capacity throws and leaves the stream unlocked', () => {
    const stream = new ReadableStream<number>();
    expect(() => from(stream, { capacity: -1 })).toThrow(RangeError);
    expect(() => from(stream, { capacity: -1 })).toThrow(/^from\(source, options\): capacity must be/);
    expect(() => from(stream, { capacity: '2' as unknown as number })).toThrow(TypeError);
    expect(stream.locked).toBe(false);
  });

  test('from with options that are not an object, or a name that is not a string, is a TypeError', () => {
    expect(() => from([1], 5 as never)).toThrow('from(source, options): options must be an object, got number');
    expect(() => from([1], { name: 5 as unknown as string })).toThrow('from(source, options): name must be a string');
  });

  test('from a stream that is already locked is a TypeError', () => {
    const stream = new ReadableStream<number>();
    stream.getReader();
    expect(() => from(stream)).toThrow('from(source, options): the stream is locked to another reader');
  });

  test('from a source that is none of the three is a TypeError naming it', () => {
    expect(() => from(42 as never)).toThrow(
      'from(source, options): source must be an iterable, an async iterable or a ReadableStream, got number',
    );
  });

  test('an iterator whose next() returns something other than an object closes the channel with a TypeError', async () => {
    const source = { [Symbol.iterator]: () => ({ next: () => 42 }) } as unknown as Iterable<number>;
    const channel = from(source);
    await expect(collect(channel)).rejects.toThrow(/next\(\) returned number, not an object/);
    expect(channel.closed).toBe(true);
  });

  test('an iterable whose iterator method returns something other than an object is a TypeError at the call', () => {
    const source = { [Symbol.iterator]: () => null } as unknown as Iterable<number>;
    expect(() => from(source)).toThrow(/iterator method returned null/);
  });
});

describe('fromEvent misuse', () => {
  test('fromEvent of null is a TypeError naming the target', () => {
    expect(() => fromEvent(null as unknown as EventTarget, 'x')).toThrow(
      'fromEvent(target, type, options): target is not an EventTarget, got null',
    );
  });

  test('fromEvent with a type that is not a string is a TypeError naming the type', () => {
    expect(() => fromEvent(new EventTarget(), 5 as unknown as string)).toThrow(
      'fromEvent(target, type, options): type must be a string, got number',
    );
  });

  test('fromEvent with a bad signal, capacity or overflow throws and adds no listener', () => {
    let added = 0;
    const target = new EventTarget();
    const add = target.addEventListener.bind(target);
    target.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => {
      added++;
      add(...args);
    };
    const controller = new AbortController();
    expect(() => fromEvent(target, 'x', { signal: controller as unknown as AbortSignal })).toThrow(
      /options\.signal must be an AbortSignal, got AbortController/,
    );
    expect(() => fromEvent(target, 'x', { capacity: 1.5 })).toThrow(RangeError);
    expect(() => fromEvent(target, 'x', { capacity: 0 })).toThrow(
      /^fromEvent\(target, type, options\): overflow drop-oldest needs capacity/,
    );
    expect(() => fromEvent(target, 'x', { overflow: 'latest' as never })).toThrow(TypeError);
    expect(added).toBe(0);
  });
});
