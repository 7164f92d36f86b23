// Blind pass over SPEC "Interop": the edges a user hits (falsy reasons, sources that never
// answer, release of the source, option edges).
import { Channel, ChannelClosedError, from, fromEvent, merge, toReadableStream } from 'chanasync';
import { describe, expect, it } from 'vitest';

async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

async function iterate<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown; threw: boolean }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
    return { values, threw: false };
  } catch (error) {
    return { values, error, threw: true };
  }
}

describe('falsy reasons travel unchanged', () => {
  it.each([null, 0, '', false])(
    'a source that throws %j closes the channel so that for await throws it',
    async (reason) => {
      function* gen(): Generator<number> {
        yield 1;
        throw reason;
      }
      const result = await iterate(from(gen(), { capacity: 2 }));
      expect(result.values).toEqual([1]);
      expect(result.threw).toBe(true);
      expect(result.error).toBe(reason);
    },
  );

  it.each([null, 0, ''])('toReadableStream errors with a falsy close reason %j', async (reason) => {
    const channel = new Channel<number>(1);
    channel.close(reason);
    const reader = toReadableStream(channel).getReader();
    const outcome = await reader.read().then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    expect(outcome).toEqual({ ok: false, error: reason });
  });

  it('toReadableStream closes normally after close() without a reason', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const reader = toReadableStream(channel).getReader();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it.each([null, 0])('an input closed with %j ends the merge with that reason', async (reason) => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    a.close(reason);
    const result = await iterate(merge(a, b));
    expect(result.threw).toBe(true);
    expect(result.error).toBe(reason);
    b.close();
  });
});

describe('releasing the source', () => {
  it('closing a from() channel calls return() at once on an async iterator whose next() never answers', async () => {
    let returned = 0;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        return {
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: async () => {
            returned++;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const channel = from(iterable, { capacity: 1 });
    await settle();
    channel.close();
    await settle();
    expect(returned).toBe(1);
  });

  it('aborting a from() channel cancels a stream that never answers', async () => {
    let cancelReason: unknown = 'not called';
    const stream = new ReadableStream<number>(
      {
        pull: () => new Promise(() => {}),
        cancel(reason) {
          cancelReason = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const controller = new AbortController();
    const channel = from(stream, { capacity: 1, signal: controller.signal });
    await settle();
    controller.abort();
    await settle();
    expect(channel.closed).toBe(true);
    expect(cancelReason).not.toBe('not called');
  });

  it('a from() channel closed before its source was read never opens the iterator', async () => {
    let opened = false;
    const iterable: Iterable<number> = {
      [Symbol.iterator]() {
        opened = true;
        return [1, 2][Symbol.iterator]();
      },
    };
    const channel = from(iterable);
    channel.close();
    await settle();
    // Opening it is allowed only if it is closed again; values must not be read.
    expect(channel.size).toBe(0);
    void opened;
  });

  it('a return() that throws on close does not throw out of close() nor reject unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const iterable: Iterable<number> = {
        [Symbol.iterator]() {
          let i = 0;
          return {
            next: () => ({ done: false, value: i++ }),
            return() {
              throw new Error('return failed');
            },
          };
        },
      };
      const channel = from(iterable, { capacity: 1 });
      await settle();
      expect(() => channel.close()).not.toThrow();
      await settle(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('the values a from() channel buffered stay readable after the channel is closed', async () => {
    const channel = from([1, 2, 3, 4], { capacity: 2 });
    await settle();
    channel.close();
    const result = await iterate(channel);
    expect(result.values).toEqual([1, 2].slice(0, result.values.length));
    expect(result.threw).toBe(false);
  });
});

describe('from() and the abort at every stage', () => {
  it('abort while a capacity-0 pull waits on a slow async source rejects no value and closes normally', async () => {
    const controller = new AbortController();
    let resolveNext: ((value: IteratorResult<number>) => void) | undefined;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        return {
          next: () =>
            new Promise<IteratorResult<number>>((resolve) => {
              resolveNext = resolve;
            }),
          return: async () => ({ done: true, value: undefined }),
        };
      },
    };
    const channel = from(iterable, { signal: controller.signal });
    const pending = channel.pull().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await settle();
    controller.abort(new Error('abort reason'));
    const outcome = await pending;
    expect(outcome).toHaveProperty('error');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(ChannelClosedError);
    // A value that arrives after the abort is not delivered.
    resolveNext?.({ done: false, value: 42 });
    await settle();
    expect(channel.size).toBe(0);
  });

  it('abort after the source ended changes nothing', async () => {
    const controller = new AbortController();
    const channel = from([1], { capacity: 1, signal: controller.signal });
    const result = await iterate(channel);
    controller.abort();
    expect(result).toEqual({ values: [1], threw: false });
  });

  it('a ReadableStream source already errored closes the channel with its error', async () => {
    const boom = new Error('errored');
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.error(boom);
      },
    });
    const result = await iterate(from(stream));
    expect(result.error).toBe(boom);
  });

  it('a locked stream is refused with a TypeError and stays usable by its owner', () => {
    const stream = new ReadableStream<number>();
    const reader = stream.getReader();
    expect(() => from(stream)).toThrow(TypeError);
    reader.releaseLock();
  });
});

describe('toReadableStream options', () => {
  it('highWaterMark 1 pre-pulls one value and a cancel loses only that one', async () => {
    const channel = new Channel<number>(3);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    const stream = toReadableStream(channel, { highWaterMark: 1 });
    await settle();
    await stream.cancel();
    await settle();
    expect(channel.size).toBe(2);
    expect(channel.closed).toBe(false);
    expect(channel.pullNowait()).toBe(2);
  });

  it('closeOnCancel: true closes the channel when the stream is cancelled', async () => {
    const channel = new Channel<number>();
    const stream = toReadableStream(channel, { closeOnCancel: true });
    await stream.cancel();
    expect(channel.closed).toBe(true);
  });

  it('an aborted signal closes the stream normally and leaves the channel open', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const reader = toReadableStream(channel, { signal: controller.signal }).getReader();
    const read = reader.read();
    await settle();
    controller.abort();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.closed).toBe(false);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  it('two streams over one channel share its values, none twice', async () => {
    const channel = from([1, 2, 3, 4, 5, 6]);
    const a = toReadableStream(channel).getReader();
    const b = toReadableStream(channel).getReader();
    const seen: number[] = [];
    for (;;) {
      const [x, y] = await Promise.all([a.read(), b.read()]);
      if (!x.done) seen.push(x.value);
      if (!y.done) seen.push(y.value);
      if (x.done && y.done) break;
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('fromEvent options', () => {
  it('capacity 0 with a drop mode is refused as a Channel would be', () => {
    expect(() => fromEvent(new EventTarget(), 'x', { capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
  });

  it("capacity 0 with 'block' hands each event to a waiting pull and keeps others in line", async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x', { capacity: 0, overflow: 'block' });
    const first = new Event('x');
    const second = new Event('x');
    target.dispatchEvent(first);
    target.dispatchEvent(second);
    expect(await channel.pull()).toBe(first);
    expect(await channel.pull()).toBe(second);
    channel.close();
  });

  it('an unbounded fromEvent keeps every event', () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x', { capacity: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 100; i++) target.dispatchEvent(new Event('x'));
    expect(channel.size).toBe(100);
    channel.close();
  });

  it('other event types do not reach the channel', () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x');
    target.dispatchEvent(new Event('y'));
    expect(channel.size).toBe(0);
    channel.close();
  });

  it('listenerOptions.once closes the channel after one event, which stays readable', async () => {
    const target = new EventTarget();
    const channel = fromEvent(target, 'x', { listenerOptions: { once: true } });
    const event = new Event('x');
    target.dispatchEvent(event);
    target.dispatchEvent(new Event('x'));
    expect(channel.closed).toBe(true);
    const result = await iterate(channel);
    expect(result.values).toEqual([event]);
  });
});

describe('merge edges', () => {
  it('an input that is already closed and drained does not hold the merge open', async () => {
    const a = new Channel<number>();
    a.close();
    const b = from([1, 2]);
    const result = await iterate(merge(a, b));
    expect(result).toEqual({ values: [1, 2], threw: false });
  });

  it('a merge of merges keeps each input order and closes', async () => {
    const inner = merge(from([1, 2, 3]), from([10, 20]));
    const outer = merge(inner, from([100, 200]));
    const result = await iterate(outer);
    expect(result.values.filter((v) => v < 10)).toEqual([1, 2, 3]);
    expect(result.values.filter((v) => v >= 10 && v < 100)).toEqual([10, 20]);
    expect(result.values.filter((v) => v >= 100)).toEqual([100, 200]);
  });

  it('a merge drains a buffered input before it reports closed', async () => {
    const a = new Channel<number>(5);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    a.close();
    const merged = merge(a);
    expect(merged.closed).toBe(false);
    const result = await iterate(merged);
    expect(result.values).toEqual([0, 1, 2, 3, 4]);
    expect(merged.closed).toBe(true);
  });
});
