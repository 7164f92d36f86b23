/**
 * web-platform-tests streams/readable-streams/async-iterator.any.js and from.any.js, applied to
 * the channel's own async iterator ("async iteration that behaves like the platform's"), and
 * to `ReadableStream.from(channel)` — the platform reading a channel through that iterator.
 * (Translated, not copied.)
 */
import { Channel } from 'chanasync';
import { describe, expect, test } from 'vitest';
import { collect, flushAsyncEvents, state, until } from './util.js';

describe('streams/readable-streams/async-iterator.any.js (the channel iterator)', () => {
  test("next()'s fulfillment value has the right shape", async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    channel.close();
    const it = channel[Symbol.asyncIterator]();
    for (const result of [await it.next(), await it.next()]) {
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(result).sort()).toEqual(['done', 'value']);
    }
  });

  test('@@asyncIterator returns an object that is its own async iterable (for await over it works)', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.close();
    const it = channel[Symbol.asyncIterator]();
    expect(typeof it.next).toBe('function');
    expect(typeof it.return).toBe('function');
    expect(await collect({ [Symbol.asyncIterator]: () => it })).toEqual([1, 2]);
  });

  test('Async-iterating a closed channel never executes the loop body, but works fine', async () => {
    const channel = new Channel<number>();
    channel.close();
    expect(await collect(channel)).toEqual([]);
  });

  test('Async-iterating an errored (closed with a reason) channel throws the reason', async () => {
    const channel = new Channel<number>();
    channel.close('e');
    await expect(collect(channel)).rejects.toBe('e');
  });

  test('Async-iterating an empty but not closed channel stalls the async function', async () => {
    const channel = new Channel<number>();
    const loop = collect(channel);
    expect(await state(loop)).toBe('pending');
    channel.close();
    expect(await loop).toEqual([]);
  });

  // WPT "Cancellation behavior": break/throw/return cancel the stream. The channel differs on
  // purpose: leaving a for await does not close the channel (SPEC) and loses no value.
  for (const type of ['throw', 'break', 'return'] as const) {
    test(`leaving a for await by ${type} neither closes the channel nor loses a value`, async () => {
      const channel = new Channel<number>(4);
      for (const v of [0, 1, 2]) channel.pushNowait(v);
      const loop = async () => {
        for await (const _ of channel) {
          if (type === 'throw') throw new Error();
          if (type === 'break') break;
          return;
        }
      };
      await loop().catch(() => {});
      expect(channel.closed).toBe(false);
      expect([channel.pullNowait(), channel.pullNowait()]).toEqual([1, 2]);
    });
  }

  test('next() that succeeds; next() that reports the close reason; next() reports it again', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close('e');
    const it = channel[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    await expect(it.next()).rejects.toBe('e');
    // The platform's stream iterator is done after reporting an error once; a channel stays
    // closed with its reason, and each next() reports it (a channel is not consumed by one
    // iterator). Asserted as chanasync documents it: the reason again, or done.
    const third = await it.next().then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(third === 'e' || (third as IteratorResult<number>).done === true).toBe(true);
  });

  test('close() while next() is pending resolves it done', async () => {
    const channel = new Channel<number>();
    const it = channel[Symbol.asyncIterator]();
    const next = it.next();
    await flushAsyncEvents();
    channel.close();
    expect(await next).toEqual({ value: undefined, done: true });
  });

  test('return() while next() is pending: that next() resolves done, a later push stays in the channel', async () => {
    const channel = new Channel<number>(1);
    const it = channel[Symbol.asyncIterator]();
    const next = it.next();
    await flushAsyncEvents();
    const returned = await it.return?.();
    expect(returned?.done).toBe(true);
    expect(await next).toEqual({ value: undefined, done: true });
    channel.pushNowait(5);
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.pullNowait()).toBe(5);
  });

  test('return(value) resolves { value, done: true }, as an async generator does', async () => {
    const it = new Channel<number>()[Symbol.asyncIterator]();
    expect(await it.return?.('r' as never)).toEqual({ value: 'r', done: true });
  });

  test('Calling return() twice: the platform rejects the second; the channel iterator stays usable (documented)', async () => {
    const channel = new Channel<number>(1);
    const it = channel[Symbol.asyncIterator]();
    await it.return?.();
    const second = await it.return?.().then(
      (r) => r,
      (e: unknown) => e,
    );
    expect((second as IteratorResult<number>).done).toBe(true);
    channel.pushNowait(3);
    expect(await it.next()).toEqual({ value: 3, done: false });
  });

  test('several iterators share the values, each value to exactly one', async () => {
    const channel = new Channel<number>();
    const a = collect(channel);
    const b = collect(channel);
    for (let i = 0; i < 20; i++) await channel.push(i);
    channel.close();
    const all = [...(await a), ...(await b)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('streams/readable-streams/from.any.js (ReadableStream.from over a channel)', () => {
  const streamFrom = (ReadableStream as unknown as { from?: <T>(i: AsyncIterable<T>) => ReadableStream<T> }).from;

  test.skipIf(!streamFrom)('ReadableStream.from accepts a channel: values, then done when closed', async () => {
    const channel = new Channel<string>(2);
    channel.pushNowait('a');
    channel.pushNowait('b');
    channel.close();
    const reader = streamFrom!(channel).getReader();
    expect(await reader.read()).toEqual({ value: 'a', done: false });
    expect(await reader.read()).toEqual({ value: 'b', done: false });
    expect(await reader.read()).toEqual({ value: undefined, done: true });
  });

  test.skipIf(!streamFrom)('ReadableStream.from: calls next() after first read() (nothing pulled before)', async () => {
    const channel = new Channel<string>(2);
    channel.pushNowait('a');
    const stream = streamFrom!(channel);
    await flushAsyncEvents();
    // ReadableStream.from's stream has highWaterMark 0: nothing is taken before a read.
    expect(channel.size).toBe(1);
    const reader = stream.getReader();
    expect((await reader.read()).value).toBe('a');
    await reader.cancel();
  });

  test.skipIf(!streamFrom)(
    'ReadableStream.from: cancelling the stream during a read calls return(): the pull is withdrawn, the channel stays open',
    async () => {
      const channel = new Channel<string>();
      const stream = streamFrom!(channel);
      const reader = stream.getReader();
      const read = reader.read();
      await until(() => channel.stats().waitingPullers === 1);
      await reader.cancel('bye');
      expect(await read).toEqual({ value: undefined, done: true });
      await until(() => channel.stats().waitingPullers === 0);
      expect(channel.tryPush('not taken')).toBe(false);
      expect(channel.closed).toBe(false);
    },
  );

  test.skipIf(!streamFrom)(
    'ReadableStream.from: a channel closed with a reason errors the stream with it',
    async () => {
      const channel = new Channel<string>();
      channel.close(new Error('why'));
      const reader = streamFrom!(channel).getReader();
      await expect(reader.read()).rejects.toThrow('why');
    },
  );
});
