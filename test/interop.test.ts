/**
 * SPEC.md "Interop": from, toReadableStream and merge (fromEvent, which needs a DOM, is in
 * interop.dom.test.ts; a Worker response body in worker.test.ts). Error and cancellation paths
 * as well as the happy ones.
 */
import { describe, expect, test } from 'vitest';
import { Channel, ChannelClosedError, ChannelEmptyError, from, merge, toReadableStream } from '../src/index.js';
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

  test.each([0, 1, 4])(
    'with capacity %i it reads at most capacity + 1 values ahead of the consumer',
    async (capacity) => {
      const { state, source } = counter();
      const channel = from(source, { capacity });
      await flush(20);
      expect(state.reads).toBe(capacity + 1);
      for (let pulled = 1; pulled <= 5; pulled++) {
        expect(await channel.pull()).toBe(pulled - 1);
        await flush(20);
        expect(state.reads).toBe(pulled + capacity + 1);
        expect(channel.size).toBe(capacity);
      }
      channel.close();
    },
  );

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

  test('values of a synchronous iterable are pushed as they are', async () => {
    const promise = Promise.resolve(1);
    const channel = from([promise]);
    await flush();
    // pullNowait, because a promise returned by pull() would adopt the pulled promise.
    expect(channel.pullNowait()).toBe(promise);
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

describe('merge', () => {
  test('merge delivers every value of every input exactly once, keeping each input’s order', async () => {
    const inputs = [new Channel<string>(), new Channel<string>(2), new Channel<string>(Infinity)];
    const producers = inputs.map(async (input, n) => {
      for (let i = 0; i < 50; i++) {
        await input.push(`${n}:${i}`);
        if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      input.close();
    });
    const values = await collect(merge(...inputs));
    await Promise.all(producers);
    expect(values).toHaveLength(150);
    for (let n = 0; n < 3; n++) {
      expect(values.filter((v) => v.startsWith(`${n}:`))).toEqual(Array.from({ length: 50 }, (_, i) => `${n}:${i}`));
    }
  });

  test('the merged channel closes once every input is closed and drained', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    a.pushNowait(1);
    a.close();
    const merged = merge(a, b);
    expect(await merged.pull()).toBe(1);
    expect(merged.closed).toBe(false);
    b.pushNowait(2);
    b.close();
    expect(await merged.pull()).toBe(2);
    await expect(merged.pull()).rejects.toThrow(ChannelClosedError);
    expect(merged.closed).toBe(true);
  });

  test('an input closed with a reason closes the merged channel with it; other inputs keep their values', async () => {
    const failing = new Channel<number>(1);
    const healthy = new Channel<number>(3);
    for (const value of [1, 2, 3]) healthy.pushNowait(value);
    const failure = new Error('input failed');
    failing.close(failure);
    const merged = merge(failing, healthy);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of merged) seen.push(value);
      })(),
    ).rejects.toBe(failure);
    expect(seen.length + healthy.size).toBe(3);
    const error = (await merged.pull().catch((e: unknown) => e)) as Error;
    expect(error.cause).toBe(failure);
  });

  test('a slow consumer loses nothing: backpressure reaches the inputs', async () => {
    const input = new Channel<number>(1);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 10; i++) {
        await input.push(i);
        pushed++;
      }
      input.close();
    })();
    const merged = merge(input);
    await flush(20);
    expect(pushed).toBe(1); // one buffered in the input, the next push waits
    const values: number[] = [];
    for (let i = 0; i < 10; i++) {
      values.push(await merged.pull());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await producer;
    expect(values).toEqual([...Array(10).keys()]);
  });

  test('closing the merged channel leaves the inputs open and with their values', async () => {
    const input = new Channel<number>(2);
    input.pushNowait(1);
    const merged = merge(input);
    merged.close();
    await expect(merged.pull()).rejects.toThrow(ChannelClosedError);
    expect(input.closed).toBe(false);
    expect(input.pullNowait()).toBe(1);
  });

  test('an aborted pull on the merged channel takes nothing and leaves no waiter on the inputs', async () => {
    const inputs = [new Channel<number>(), new Channel<number>()];
    const merged = merge(...inputs);
    const controller = new AbortController();
    const pulled = merged.pull({ signal: controller.signal });
    await flush();
    controller.abort('stop');
    await expect(pulled).rejects.toBe('stop');
    for (const input of inputs) expect(input.stats().waitingPullers).toBe(0);
    await expect(merged.pull({ signal: abortedSignal('first') })).rejects.toBe('first');
  });

  test('pullNowait on the merged channel takes a ready value or throws', () => {
    const a = new Channel<number>(1);
    const merged = merge(a);
    expect(() => merged.pullNowait()).toThrow(ChannelEmptyError);
    a.pushNowait(5);
    expect(merged.pullNowait()).toBe(5);
    a.close();
    expect(() => merged.pullNowait()).toThrow(ChannelClosedError);
  });

  test('a value pushed into the merged channel itself is delivered like an input’s', async () => {
    const merged = merge(new Channel<string>());
    const pulled = merged.pull();
    await flush();
    await merged.push('direct');
    expect(await pulled).toBe('direct');
  });

  test('merge of no channel is closed; a non-channel argument is a TypeError', async () => {
    expect(merge().closed).toBe(true);
    expect(() => merge(new Channel<number>(), {} as Channel<number>)).toThrow(/argument 1 is not a Channel/);
  });

  test('a merge of 64 channels delivers every value exactly once', async () => {
    const inputs = Array.from({ length: 64 }, () => new Channel<number>(4));
    const producers = inputs.map(async (input, n) => {
      for (let i = 0; i < 40; i++) await input.push(n * 40 + i);
      input.close();
    });
    const values = await collect(merge(...inputs));
    await Promise.all(producers);
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 64 * 40 }, (_, i) => i));
  });
});
