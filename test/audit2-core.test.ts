/**
 * Second audit round of the core (SPEC "Channel<T>", "select", "Errors", "Interop", and the
 * second map's "Non-blocking and batch operations" and "Broadcast and ticker"): what the first
 * round (audit-core, audit-interop, audit-broadcast, and Go's channel tests in go-channel-tests) did not try — one long-lived
 * signal reused by many timer channels, iterators that misbehave inside `pushAll`, loops that
 * close their own channel, streams cancelled and channels closed in the same tick, batches over
 * merged channels, and misuse of the options argument. One behaviour per test.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import {
  after as afterMs,
  Channel,
  ChannelClosedError,
  from,
  fromEvent,
  merge,
  pull,
  select,
  ticker,
  toReadableStream,
} from '../src/index.js';
import { flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Lets timers and I/O callbacks queued so far run (a macrotask). */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('timer channels sharing one long-lived signal', () => {
  test('after() channels that lost a select in a loop share one abort listener on the signal', async () => {
    const component = new AbortController();
    const data = new Channel<number>(Infinity);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 25; i++) {
        data.pushNowait(i);
        // The timeout idiom: data wins every time, the after() channel stays open until it fires.
        const result = await select([pull(data), pull(afterMs(60_000, { signal: component.signal }))]);
        expect(result).toMatchObject({ index: 0, value: i });
      }
      expect(getEventListeners(component.signal, 'abort')).toHaveLength(1);
      await turn(); // a warning is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
      component.abort(); // closes the 25 after() channels and clears their timers
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  test('fromEvent channels sharing one signal add one abort listener to it; the abort closes each and removes its listener', () => {
    const component = new AbortController();
    const target = new EventTarget();
    const channels = Array.from({ length: 25 }, () => fromEvent(target, 'tick', { signal: component.signal }));
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(target, 'tick')).toHaveLength(25);
    target.dispatchEvent(new Event('tick'));
    expect(channels.every((channel) => channel.size === 1)).toBe(true);
    channels[0]?.close(); // one leaves by hand: its listener goes, the signal's stays for the others
    expect(getEventListeners(target, 'tick')).toHaveLength(24);
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(1);
    component.abort();
    expect(channels.every((channel) => channel.closed)).toBe(true);
    expect(getEventListeners(target, 'tick')).toHaveLength(0);
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
    expect(channels[1]?.tryPull()).toBeInstanceOf(Event); // what was received stays readable
  });

  test('aborting a signal shared by many open after() channels closes them all and clears every timer', async () => {
    vi.useFakeTimers();
    const component = new AbortController();
    const timers = Array.from({ length: 30 }, (_, i) => afterMs(1000 + i, { signal: component.signal }));
    const pulls = timers.map((timer) => track(timer.pull()));
    expect(vi.getTimerCount()).toBe(30);
    component.abort(new Error('unmounted'));
    expect(vi.getTimerCount()).toBe(0);
    expect(timers.every((timer) => timer.closed)).toBe(true);
    await flush();
    for (const outcome of pulls) {
      expect(outcome.current.status).toBe('rejected');
      expect((outcome.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    }
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
  });

  test('after() and ticker() channels that fired or were closed leave no abort listener on a long-lived signal', () => {
    vi.useFakeTimers();
    const component = new AbortController();
    const fired = afterMs(10, { signal: component.signal });
    const closedByHand = afterMs(10, { signal: component.signal });
    const ticks = ticker(5, { signal: component.signal });
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(1);
    closedByHand.close();
    vi.advanceTimersByTime(10);
    expect(fired.pullNowait()).toBeTypeOf('number');
    expect(fired.closed).toBe(true);
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(1); // the ticker's
    ticks.close();
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a select sharing its signal with its after() case and with parked pulls: abort rejects them all with the reason', async () => {
    vi.useFakeTimers();
    const component = new AbortController();
    const data = new Channel<number>();
    const timeout = afterMs(1000, { signal: component.signal });
    const selected = track(select([pull(data), pull(timeout)], { signal: component.signal }));
    const pulled = track(data.pull({ signal: component.signal }));
    const reason = new Error('stop');
    component.abort(reason);
    await flush();
    expect(selected.current).toEqual({ status: 'rejected', reason });
    expect(pulled.current).toEqual({ status: 'rejected', reason });
    expect(timeout.closed).toBe(true);
    expect(data.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
  });

  test('pulls parked on an after() channel, some with its signal and some without: abort settles each exactly once', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const component = new AbortController();
      const timeout = afterMs(60_000, { signal: component.signal });
      const withSignal = [
        track(timeout.pull({ signal: component.signal })),
        track(timeout.pull({ signal: component.signal })),
      ];
      const without = track(timeout.pull());
      const reason = new Error('unmounted');
      component.abort(reason);
      await turn();
      expect(withSignal.map((outcome) => outcome.current)).toEqual([
        { status: 'rejected', reason },
        { status: 'rejected', reason },
      ]);
      expect((without.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
      expect(timeout.stats()).toMatchObject({ closed: true, waitingPullers: 0 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  test('a merge of a ticker, pulled with the ticker’s signal: abort closes both and rejects each pull exactly once', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const component = new AbortController();
      const ticks = ticker(60_000, { signal: component.signal });
      const merged = merge(ticks);
      const first = track(merged.pull({ signal: component.signal }));
      const plain = track(merged.pull());
      const third = track(merged.pull({ signal: component.signal }));
      const reason = new Error('stop');
      component.abort(reason);
      await turn();
      expect(first.current).toEqual({ status: 'rejected', reason });
      expect((plain.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
      expect(third.current).toEqual({ status: 'rejected', reason });
      expect([ticks.closed, merged.closed]).toEqual([true, true]);
      expect(merged.stats().waitingPullers).toBe(0);
      expect(getEventListeners(component.signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  test('a ticker whose signal aborts while a pull waits on it closes: the pull rejects with ChannelClosedError', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(100, { signal: controller.signal });
    const waiting = track(ticks.pull());
    controller.abort();
    await flush();
    expect((waiting.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('pushAll with iterators that misbehave', () => {
  test('an iterator that throws part-way makes pushAll reject with that very error, pushed counting what went in', async () => {
    const channel = new Channel<number>(Infinity);
    const broken = new Error('source broke');
    function* values() {
      yield 1;
      yield 2;
      throw broken;
    }
    const error = await channel.pushAll(values()).catch((e: unknown) => e);
    expect(error).toBe(broken);
    expect((error as { pushed: number }).pushed).toBe(2);
    expect([channel.pullNowait(), channel.pullNowait(), channel.size]).toEqual([1, 2, 0]);
  });

  test('an iterable whose Symbol.iterator getter throws makes pushAll reject (not throw) with that error', async () => {
    const channel = new Channel<number>(1);
    const broken = new Error('getter');
    const iterable = {
      get [Symbol.iterator](): () => Iterator<number> {
        throw broken;
      },
    };
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = channel.pushAll(iterable);
    }).not.toThrow();
    await expect(promise).rejects.toBe(broken);
    expect(channel.size).toBe(0);
  });

  test('a generator given to pushAll runs its finally block once when the signal aborts while pushAll waits for room', async () => {
    const channel = new Channel<number>(1);
    const controller = new AbortController();
    const events: string[] = [];
    function* values() {
      try {
        for (let i = 1; i <= 5; i++) {
          events.push(`read ${i}`);
          yield i;
        }
      } finally {
        events.push('finally');
      }
    }
    const sending = channel.pushAll(values(), { signal: controller.signal });
    await flush();
    const reason = new Error('cancelled');
    controller.abort(reason);
    const error = await sending.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(1);
    expect(events).toEqual(['read 1', 'read 2', 'finally']);
    expect(channel.pullNowait()).toBe(1);
    expect(channel.stats()).toMatchObject({ size: 0, waitingPushers: 0 });
  });

  test('an iterator whose return() throws does not replace the abort reason pushAll rejects with', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    let returned = 0;
    const iterable: Iterable<number> = {
      [Symbol.iterator]() {
        let i = 0;
        return {
          next: () => ({ done: false, value: i++ }),
          return() {
            returned++;
            throw new Error('return() failed');
          },
        };
      },
    };
    const sending = channel.pushAll(iterable, { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await sending.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(0);
    expect(returned).toBe(1);
  });

  test('values an iterator pushes into the same channel while it is read go in before the value it then yields', async () => {
    const channel = new Channel<string>(Infinity);
    function* values() {
      yield 'a';
      channel.pushNowait('side');
      yield 'b';
    }
    await channel.pushAll(values());
    expect([channel.pullNowait(), channel.pullNowait(), channel.pullNowait()]).toEqual(['a', 'side', 'b']);
  });

  test('an iterator that pulls from the same full channel while it is read makes room for its own next value', async () => {
    const channel = new Channel<number>(1);
    const taken: (number | undefined)[] = [];
    function* values() {
      yield 1;
      taken.push(channel.tryPull());
      yield 2;
    }
    await channel.pushAll(values()); // never parks: each read frees the slot the next value needs
    expect(taken).toEqual([1]);
    expect(channel.pullNowait()).toBe(2);
  });
});

describe('batches on drop-mode channels', () => {
  test('pushAll into a drop-oldest channel never waits: it resolves in the same call’s turn with the last values buffered', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-oldest' });
    const sending = track(channel.pushAll([1, 2, 3, 4, 5]));
    await flush(2);
    expect(sending.current).toEqual({ status: 'fulfilled', value: undefined });
    expect(await channel.pullMany(10)).toEqual([4, 5]);
  });

  test('pushAll into a full drop-newest channel resolves and keeps the values that were there', async () => {
    const channel = new Channel<number>(2, { overflow: 'drop-newest' });
    channel.pushNowait(1);
    channel.pushNowait(2);
    await channel.pushAll([3, 4, 5]);
    expect(await channel.pullMany(10)).toEqual([1, 2]);
  });

  test('pushAll into a drop-oldest channel hands its first value to a parked pull before it slides the rest', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-oldest' });
    const waiting = track(channel.pull());
    await channel.pushAll([1, 2, 3]);
    await flush();
    expect(waiting.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(channel.pullNowait()).toBe(3);
  });

  test('pushAll counts dropped values as pushed when the signal aborts part-way through a drop-newest channel', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    const controller = new AbortController();
    function* values() {
      yield 1;
      yield 2; // dropped: the buffer is full
      controller.abort(new Error('stop'));
      yield 3;
    }
    const error = await channel.pushAll(values(), { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as { pushed: number }).pushed).toBe(2);
    expect(channel.pullNowait()).toBe(1);
  });
});

describe('loops that close their own channel', () => {
  test('a for await body that closes the channel with a reason still reads every buffered value, then throws the reason', async () => {
    const channel = new Channel<number>(3);
    for (const value of [1, 2, 3]) channel.pushNowait(value);
    const reason = new Error('done early');
    const seen: number[] = [];
    const ended = await (async () => {
      for await (const value of channel) {
        seen.push(value);
        if (value === 1) channel.close(reason);
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2, 3]);
    expect(ended).toBe(reason);
  });

  test('a for await body that closes the channel still reads the value a parked push had moved into the buffer', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = track(channel.push(2));
    const seen: number[] = [];
    for await (const value of channel) {
      seen.push(value);
      channel.close();
    }
    await flush();
    // The pull that took 1 moved the parked push's value into the buffer before the close.
    expect(seen).toEqual([1, 2]);
    expect(parked.current).toEqual({ status: 'fulfilled', value: undefined });
  });

  test('two next() calls in flight when close(reason) comes: the first gets the value pushed before, the second rejects with the reason', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const first = track(iterator.next());
    const second = track(iterator.next());
    channel.pushNowait(7);
    const reason = new Error('gone');
    channel.close(reason);
    await flush();
    expect(first.current).toEqual({ status: 'fulfilled', value: { done: false, value: 7 } });
    expect(second.current).toEqual({ status: 'rejected', reason });
  });

  test('await using closes channels in reverse order of declaration, after the block’s own work', async () => {
    const order: string[] = [];
    const first = new Channel<number>(1, { name: 'first' });
    const second = new Channel<number>(1, { name: 'second' });
    first.pull().catch(() => order.push('first closed'));
    second.pull().catch(() => order.push('second closed'));
    {
      await using a = first;
      await using b = second;
      order.push(`block ends with ${a.closed}, ${b.closed}`);
    }
    await flush();
    expect(order).toEqual(['block ends with false, false', 'second closed', 'first closed']);
  });
});

describe('batches over merged channels', () => {
  test('pullMany on a merge takes values of several inputs in one call, round-robin, each input in order', async () => {
    const x = new Channel<number>(5);
    const y = new Channel<number>(5);
    for (const value of [1, 2]) x.pushNowait(value);
    for (const value of [10, 20]) y.pushNowait(value);
    const merged = merge(x, y);
    expect(await merged.pullMany(10)).toEqual([1, 10, 2, 20]);
    expect([x.size, y.size, merged.size]).toEqual([0, 0, 0]);
  });

  test('pushAll into a merged channel’s input hands values through the merge to a pullMany parked on it', async () => {
    const input = new Channel<number>();
    const merged = merge(input);
    const batch = track(merged.pullMany(3));
    await input.pushAll([1, 2]).then(() => input.close());
    await flush();
    expect(batch.current).toEqual({ status: 'fulfilled', value: [1] });
    expect(merged.pullNowait()).toBe(2);
    expect(merged.closed).toBe(true);
  });
});

describe('toReadableStream and from under races', () => {
  test('a close with a reason while a stream with highWaterMark 2 has a queued value and a parked pull: the value is read, then the reason', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel, { highWaterMark: 2 }).getReader();
    await turn();
    await channel.push(1); // taken by the stream's parked pull, into its queue
    await turn();
    expect(channel.stats().waitingPullers).toBe(1); // the stream pulls again for its second slot
    const reason = new Error('upstream failed');
    channel.close(reason);
    await turn();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await expect(reader.read()).rejects.toBe(reason);
  });

  test('cancelling a stream in the same tick as its channel closes with a reason leaves nothing parked and nothing unhandled', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = track(reader.read());
    await turn();
    expect(channel.stats().waitingPullers).toBe(1);
    const reason = new Error('closed');
    channel.close(reason);
    const cancelled = track(reader.cancel('bye'));
    await turn();
    expect(read.current).toEqual({ status: 'rejected', reason });
    expect(cancelled.current).toEqual({ status: 'rejected', reason });
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('cancelling a stream and pushing in the same tick: the value goes to the next consumer, not into the cancelled stream', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    void reader.read().catch(() => {});
    await turn();
    const cancelled = reader.cancel();
    const pushed = track(channel.push(5));
    await cancelled;
    await flush();
    expect(pushed.current.status).toBe('pending');
    expect(await channel.pull()).toBe(5);
  });

  test('an async iterator whose return() rejects, released when the channel is closed early, leaves nothing unhandled', async () => {
    let returned = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => ({ done: false, value: i++ }),
          return: async () => {
            returned++;
            throw new Error('return() failed');
          },
        };
      },
    };
    const channel = from(source, { capacity: 1 });
    expect(await channel.pull()).toBe(0);
    channel.close();
    await turn();
    await turn();
    expect(returned).toBe(1);
  });
});

describe('platform consumers of the async iterator', () => {
  // ReadableStream.from(channel) — the platform's own way to turn an async iterable into a
  // stream — calls next() when a read waits and, on cancel, return() without waiting for that
  // next(): return() must withdraw the parked pull, or the next value pushed is committed to a
  // consumer that left.
  test('ReadableStream.from(channel) cancelled while a read waits loses no value pushed afterwards', async () => {
    const channel = new Channel<number>();
    // Node has ReadableStream.from (v20.6); the DOM lib of this TypeScript does not declare it.
    const streamFrom = (ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> }).from;
    const reader = streamFrom(channel).getReader();
    void reader.read();
    await turn();
    await reader.cancel();
    const pushed = channel.tryPush(42);
    await turn();
    // Either the push found no taker, or someone can still pull the value.
    if (pushed) expect(await Promise.race([channel.pull(), turn().then(() => 'lost')])).toBe(42);
    else expect(channel.stats().waitingPullers).toBe(0);
  });
});

describe("the iterator's return() withdraws the pulls its next() calls left parked", () => {
  test('return() while two next() calls wait resolves both as done and leaves no puller behind', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    expect(channel.stats().waitingPullers).toBe(2);
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await first).toEqual({ done: true, value: undefined });
    expect(await second).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.tryPush(1)).toBe(false); // nobody takes it: it was not lost to a consumer that left
  });

  test("return() leaves other iterators' and plain pulls' waits parked, in their order", async () => {
    const channel = new Channel<number>();
    const plain = channel.pull();
    const leaving = channel[Symbol.asyncIterator]();
    const staying = channel[Symbol.asyncIterator]();
    const gone = leaving.next();
    const kept = staying.next();
    await leaving.return?.();
    expect(await gone).toEqual({ done: true, value: undefined });
    await channel.push(1);
    await channel.push(2);
    expect(await plain).toBe(1);
    expect(await kept).toEqual({ done: false, value: 2 });
  });

  test('a value committed to a next() before return() is still delivered to that next()', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const pending = iterator.next();
    expect(channel.tryPush(7)).toBe(true);
    await iterator.return?.();
    expect(await pending).toEqual({ done: false, value: 7 });
  });

  test('return(value) resolves with that value, and the channel stays open and usable', async () => {
    const channel = new Channel<number>(1);
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.return?.('bye')).toEqual({ done: true, value: 'bye' });
    expect(channel.closed).toBe(false);
    await channel.push(3);
    expect(await iterator.next()).toEqual({ done: false, value: 3 });
  });

  test("Node's Readable.from(channel) destroyed while a read waits loses no value pushed afterwards", async () => {
    const { Readable } = await import('node:stream');
    const channel = new Channel<number>();
    const readable = Readable.from(channel);
    readable.on('data', () => {});
    await turn();
    expect(channel.stats().waitingPullers).toBe(1);
    readable.destroy();
    await turn();
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.tryPush(5)).toBe(false); // nobody takes it: no value lost to the destroyed stream
  });
});

describe('options that are not an object', () => {
  // README "Semantic details" (Errors): misuse is reported by the call, naming it, including
  // "an options argument that is not an object".
  test('push, pull, pullMany, pushAll and select reject a number or a string as options with a TypeError naming the call', async () => {
    const channel = new Channel<number>(Infinity);
    channel.pushNowait(1);
    const calls: [string, () => Promise<unknown>][] = [
      ['push', () => channel.push(1, 5 as never)],
      ['pull', () => channel.pull('fast' as never)],
      ['pullMany', () => channel.pullMany(1, 7 as never)],
      ['pushAll', () => channel.pushAll([1], true as never)],
      ['select', () => select([pull(channel)], 3 as never)],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(new RegExp(`^${name}`));
    }
  });
});
