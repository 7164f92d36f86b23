/**
 * The docs' claims about web-platform interop, one test per claim: README "Web-platform
 * interop", the Reference's Interop rows, the Semantic details bullets about `from`,
 * `toReadableStream`, `fromEvent` and `merge`, and the TSDoc of src/interop/. Each group names
 * the README line (its first words) it checks. Where a claim says "as a web stream would", the
 * test sets the platform's own `ReadableStream` beside it.
 */
import { Readable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, test, vi } from 'vitest';
import { Channel, ChannelClosedError, from, fromEvent, merge, toReadableStream } from '../src/index.js';
import { flush } from './helpers/track.js';

/** A stream that records what its reader does to it: reads asked for, and the cancel reason. */
function recordingStream(chunks: number) {
  const log = { pulls: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<number>(
    {
      pull(controller) {
        if (log.pulls < chunks) controller.enqueue(log.pulls++);
      },
      cancel(reason) {
        log.cancelled = true;
        log.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { log, stream };
}

/** A synchronous generator that counts its reads and says whether its `finally` ran. */
function countingGenerator() {
  const state = { reads: 0, cleanedUp: false };
  function* numbers() {
    try {
      for (;;) yield state.reads++;
    } finally {
      state.cleanedUp = true;
    }
  }
  return { state, source: numbers() };
}

describe('Reference, from: "An abort, or a close by anyone, stops the pump and releases the source at once"', () => {
  test('closing a from channel runs its generator’s finally before close() returns', async () => {
    const { state, source } = countingGenerator();
    const channel = from(source);
    expect(await channel.pull()).toBe(0);
    channel.close();
    expect(state.cleanedUp).toBe(true);
  });

  test('leaving a using block of a from channel has run its generator’s finally', async () => {
    const { state, source } = countingGenerator();
    {
      using channel = from(source, { capacity: 1 });
      expect(await channel.pull()).toBe(0);
    }
    expect(state.cleanedUp).toBe(true);
  });

  test('aborting the signal of a from channel has run its generator’s finally when abort() returns', async () => {
    const { state, source } = countingGenerator();
    const controller = new AbortController();
    const channel = from(source, { signal: controller.signal });
    expect(await channel.pull()).toBe(0);
    controller.abort();
    expect(state.cleanedUp).toBe(true);
    expect(channel.closed).toBe(true);
  });

  test('closing a from channel cancels its stream before close() returns', async () => {
    const { log, stream } = recordingStream(Infinity);
    const channel = from(stream, { capacity: 1 });
    expect(await channel.pull()).toBe(0);
    channel.close();
    expect(log.cancelled).toBe(true);
  });

  test('a generator that closes its own from channel inside next() is still return()ed, once that next() returns', async () => {
    let channel: Channel<number> | undefined;
    const state = { cleanedUp: 0 };
    function* selfClosing() {
      try {
        yield 1;
        channel?.close(); // the source runs: its return() cannot be called now
        yield 2;
      } finally {
        state.cleanedUp++;
      }
    }
    const opened = from<number>(selfClosing());
    channel = opened;
    expect(await opened.pull()).toBe(1);
    await expect(opened.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(state.cleanedUp).toBe(1);
  });

  test('the stream of a from channel closed with a reason is cancelled with that reason', async () => {
    const { log, stream } = recordingStream(Infinity);
    const channel = from(stream, { capacity: 1 });
    await channel.pull();
    const reason = new Error('consumer failed');
    channel.close(reason);
    await flush();
    expect(log.reason).toBe(reason);
  });

  test('the stream of a from channel closed without a reason is cancelled with undefined', async () => {
    const { log, stream } = recordingStream(Infinity);
    const channel = from(stream, { capacity: 1 });
    await channel.pull();
    channel.close();
    await flush();
    expect(log.cancelled).toBe(true);
    expect(log.reason).toBeUndefined();
  });

  test('a stream that ends is not cancelled, and its channel closes after the chunks', async () => {
    const { log, stream } = recordingStream(3);
    const values: number[] = [];
    // recordingStream(3) never closes itself: close it through a pipe that ends.
    const ending = stream.pipeThrough(new TransformStream<number, number>(), { preventCancel: true });
    const channel = from(ending);
    for (let i = 0; i < 3; i++) values.push(await channel.pull());
    expect(values).toEqual([0, 1, 2]);
    expect(log.cancelled).toBe(false);
  });
});

describe('Reference, from: "A promise in a synchronous iterable is awaited, as `for await` does"', () => {
  test('a promise in a synchronous generator that rejects return()s the generator, as for await does: its finally runs', async () => {
    const failure = new Error('lookup failed');
    const log: string[] = [];
    function* lookups() {
      try {
        yield Promise.resolve('first');
        yield Promise.reject(failure);
        yield Promise.resolve('never');
      } finally {
        log.push('finally');
      }
    }
    const channel = from(lookups());
    expect(await channel.pull()).toBe('first');
    const error = await channel.pull().catch((e: unknown) => e);
    expect((error as Error).cause).toBe(failure);
    expect(log).toEqual(['finally']);
  });

  test('a synchronous iterator whose promise rejects after its channel was closed is return()ed once', async () => {
    let reject!: (error: Error) => void;
    const pending = new Promise<string>((_, no) => {
      reject = no;
    });
    let returns = 0;
    const iterator: IterableIterator<Promise<string>> = {
      [Symbol.iterator]() {
        return this;
      },
      next: () => ({ done: false, value: pending }),
      return: () => {
        returns++;
        return { done: true, value: undefined };
      },
    };
    const channel = from(iterator);
    const pull = channel.pull().catch(() => 'failed');
    await flush();
    channel.close();
    reject(new Error('late'));
    expect(await pull).toBe('failed');
    await flush();
    expect(returns).toBe(1);
  });
});

describe('Semantic details: "An iterator whose `next()` returns a non-object closes the channel with a `TypeError` and is not `return()`ed, as `for await` does"', () => {
  /** An iterator whose next() returns `step`, counting its return() calls. */
  function broken(step: () => unknown) {
    const counts = { returns: 0 };
    const iterable = {
      [Symbol.iterator]: () => ({
        next: step,
        return: () => {
          counts.returns++;
          return { done: true, value: undefined };
        },
      }),
    } as unknown as Iterable<number>;
    return { counts, iterable };
  }

  test('an iterator whose next() returns a non-object is not return()ed, as for await leaves it', async () => {
    const platform = broken(() => 42);
    await expect(
      (async () => {
        for await (const _ of platform.iterable) void _;
      })(),
    ).rejects.toThrow(TypeError);
    const ours = broken(() => 42);
    const channel = from(ours.iterable);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await flush();
    expect(ours.counts.returns).toBe(platform.counts.returns);
    expect(ours.counts.returns).toBe(0);
  });

  test('an iterator whose next() throws is not return()ed, as for await leaves it', async () => {
    const failure = new Error('broken source');
    const fail = () => {
      throw failure;
    };
    const platform = broken(fail);
    await expect(
      (async () => {
        for await (const _ of platform.iterable) void _;
      })(),
    ).rejects.toBe(failure);
    const ours = broken(fail);
    const error = await from(ours.iterable)
      .pull()
      .catch((e: unknown) => e);
    expect((error as Error).cause).toBe(failure);
    await flush();
    expect(ours.counts.returns).toBe(platform.counts.returns);
    expect(ours.counts.returns).toBe(0);
  });
});

describe('TSDoc from: "an async iterable (an async generator, a Node stream)"', () => {
  test('a Node Readable is read in order to its end', async () => {
    const values: string[] = [];
    for await (const value of from<string>(Readable.from(['a', 'b', 'c']))) values.push(value);
    expect(values).toEqual(['a', 'b', 'c']);
  });

  test('closing a from channel of a Node Readable destroys the Readable', async () => {
    const readable = Readable.from(
      (function* () {
        for (let i = 0; ; i++) yield i;
      })(),
    );
    const channel = from<number>(readable);
    expect(await channel.pull()).toBe(0);
    channel.close();
    await flush(); // return() on an async generator resumes it in a microtask
    expect(readable.destroyed).toBe(true);
  });
});

describe('Reference, from: "A channel (`input: true`) fed lazily …"; TSDoc "Labels the channel (default `from`)"', () => {
  test('a from channel is named from unless a name is given', () => {
    const unnamed = from([1]);
    const named = from([1], { name: 'lines' });
    expect(unnamed.name).toBe('from');
    expect(named.name).toBe('lines');
    expect(named.stats().name).toBe('lines');
    unnamed.close();
    named.close();
  });

  test('a from channel is unbuffered by default and has the capacity it is given', () => {
    expect(from([1]).capacity).toBe(0);
    expect(from([1], { capacity: 4 }).capacity).toBe(4);
    expect(from([1], { capacity: Infinity }).capacity).toBe(Infinity);
  });

  test('with capacity 0 the source is read only when a pull asks, one value per pull', async () => {
    const { state, source } = countingGenerator();
    const channel = from(source);
    await flush();
    expect(state.reads).toBe(0);
    expect(await channel.pull()).toBe(0);
    await flush();
    expect(state.reads).toBe(1);
    channel.close();
  });

  test('with capacity 3 exactly three values are read ahead of a consumer that has not pulled', async () => {
    const { state, source } = countingGenerator();
    const channel = from(source, { capacity: 3 });
    await flush(30);
    expect(state.reads).toBe(3);
    expect(channel.size).toBe(3);
    channel.close();
  });
});

describe('Semantic details: "`tryPull()` on an empty capacity-0 `from` channel gets `undefined` without reading the source"', () => {
  test('tryPull on a capacity-0 from channel returns undefined and reads nothing', async () => {
    const { state, source } = countingGenerator();
    const channel = from(source);
    expect(channel.tryPull()).toBeUndefined();
    await flush();
    expect(state.reads).toBe(0);
    channel.close();
  });
});

describe('Semantic details: "One exception: a pull that gives up (abort) while an async source is producing …"', () => {
  test('a value an async source produces for a pull that gave up waits as a parked push for the next pull', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slow() {
      await gate;
      yield 'late';
      yield 'later';
    }
    const channel = from(slow());
    const controller = new AbortController();
    const first = channel.pull({ signal: controller.signal });
    await flush();
    controller.abort(new Error('gave up'));
    await expect(first).rejects.toThrow('gave up');
    release();
    await flush();
    expect(channel.stats().waitingPushers).toBe(1);
    expect(await channel.pull()).toBe('late');
    channel.close();
  });
});

describe('Semantic details: "aborting the `signal` of `from` or `fromEvent` closes the channel _normally_"', () => {
  test('a pull on a from channel whose signal aborted rejects with a ChannelClosedError without a cause', async () => {
    const controller = new AbortController();
    const channel = from([1, 2, 3], { signal: controller.signal });
    controller.abort(new Error('done reading'));
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeUndefined();
  });

  test('a from channel with a signal adds one abort listener and removes it when closed by hand', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const channel = from([1, 2, 3], { signal: controller.signal });
    expect(add.mock.calls.filter(([type]) => type === 'abort')).toHaveLength(1);
    channel.close();
    expect(remove.mock.calls.filter(([type]) => type === 'abort')).toHaveLength(1);
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
  });
});

describe('Reference, from: "Closes when the source ends; closes with the error as reason when it throws"', () => {
  test('for await over a from channel whose stream errors throws the stream’s error itself', async () => {
    const failure = new TypeError('network error');
    // (Not enqueue-then-error in one go: erroring a web stream discards what it had queued.)
    let pulls = 0;
    const stream = new ReadableStream<string>(
      {
        pull(controller) {
          if (pulls++ === 0) controller.enqueue('partial');
          else controller.error(failure);
        },
      },
      { highWaterMark: 0 },
    );
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of from(stream)) received.push(chunk);
    })().catch((e: unknown) => e);
    expect(received).toEqual(['partial']);
    expect(error).toBe(failure);
  });

  test('from locks the stream it reads, as getReader does', () => {
    const stream = new ReadableStream<number>();
    const channel = from(stream);
    expect(stream.locked).toBe(true);
    expect(() => stream.getReader()).toThrow(TypeError);
    channel.close();
  });

  test('a stream from read to its end is unlocked, as for await over the stream leaves it', async () => {
    const stream = new Response('abc').body as ReadableStream<Uint8Array>;
    const channel = from(stream);
    const chunks: Uint8Array[] = [];
    for await (const chunk of channel) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(0);
    expect(stream.locked).toBe(false);
  });

  test('a stream that errored under from is unlocked', async () => {
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.error(new Error('broken'));
      },
    });
    const channel = from(stream);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(stream.locked).toBe(false);
  });

  test('a stream whose from channel was closed is cancelled and unlocked at once', async () => {
    const { log, stream } = recordingStream(Infinity);
    const channel = from(stream, { capacity: 1 });
    await channel.pull();
    channel.close();
    expect(log.cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });

  test('a stream whose chunk is a promise is cancelled with the TypeError that closes the channel, and unlocked', async () => {
    const log = { reason: undefined as unknown };
    const stream = new ReadableStream<unknown>(
      {
        pull(controller) {
          controller.enqueue(Promise.resolve(1));
        },
        cancel(reason) {
          log.reason = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const channel = from(stream);
    const error = await channel.pull().catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(log.reason).toBe((error as Error).cause);
    expect(stream.locked).toBe(false);
  });

  test('a stream given to from with an already aborted signal is cancelled with the reason and unlocked', () => {
    const { log, stream } = recordingStream(Infinity);
    const reason = new Error('gone');
    from(stream, { signal: AbortSignal.abort(reason) });
    expect(log.reason).toBe(reason);
    expect(stream.locked).toBe(false);
  });
});

describe('Reference, toReadableStream: "Pulls from the channel only when the stream wants data"', () => {
  test('with highWaterMark 3 it takes exactly as many values before a read as a web stream’s own source is pulled for', async () => {
    // The platform's rule, with an underlying source that always has a value.
    let nativePulls = 0;
    new ReadableStream<number>(
      {
        pull(controller) {
          controller.enqueue(nativePulls++);
        },
      },
      { highWaterMark: 3 },
    );
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 10; i++) channel.pushNowait(i);
    toReadableStream(channel, { highWaterMark: 3 });
    await flush();
    expect(nativePulls).toBe(3);
    expect(10 - channel.size).toBe(nativePulls);
  });

  test('with the default highWaterMark each read takes exactly one value', async () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const reader = toReadableStream(channel).getReader();
    await flush();
    expect(channel.size).toBe(5);
    expect(await reader.read()).toEqual({ done: false, value: 0 });
    await flush();
    expect(channel.size).toBe(4);
    reader.releaseLock();
  });

  test('a highWaterMark that is not a number is a RangeError naming the option, as documented', () => {
    const channel = new Channel<number>();
    expect(() => toReadableStream(channel, { highWaterMark: '2' as never })).toThrow(RangeError);
    expect(() => toReadableStream(channel, { highWaterMark: Number.NaN })).toThrow(
      'toReadableStream(channel, options): options.highWaterMark must be a finite number ≥ 0, got NaN',
    );
  });

  test('options that are not an object are a TypeError naming toReadableStream', () => {
    const channel = new Channel<number>();
    expect(() => toReadableStream(channel, 2 as never)).toThrow(
      new TypeError('toReadableStream(channel, options): options must be an object, got number'),
    );
  });
});

describe('Reference, toReadableStream: "Closes when the channel is closed and drained; after `close(reason)` it errors with the reason"', () => {
  test('a stream of a channel already closed and drained is done at the first read', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(await toReadableStream(channel).getReader().read()).toEqual({ done: true, value: undefined });
  });

  test('a stream of a channel closed with buffered values gives them, then is done', async () => {
    const channel = new Channel<string>(2);
    channel.pushNowait('a');
    channel.pushNowait('b');
    channel.close();
    const chunks: string[] = [];
    for await (const chunk of toReadableStream(channel)) chunks.push(chunk);
    expect(chunks).toEqual(['a', 'b']);
  });

  test('the stream’s closed promise rejects with the close reason itself, as a web stream’s error does', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const reason = new Error('producer failed');
    const read = reader.read();
    channel.close(reason);
    await expect(read).rejects.toBe(reason);
    await expect(reader.closed).rejects.toBe(reason);
  });

  test('a channel closed with null errors its stream with null (any reason other than undefined is a reason)', async () => {
    const channel = new Channel<number>();
    channel.close(null);
    const outcome = await toReadableStream(channel)
      .getReader()
      .read()
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    expect(outcome).toBeNull();
  });
});

describe('Reference, toReadableStream: "`cancel()` withdraws a waiting pull (nothing consumed) and leaves the channel open"', () => {
  test('cancelling a stream with a read waiting leaves no pull parked on the channel', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    const read = reader.read();
    await flush();
    expect(channel.stats().waitingPullers).toBe(1);
    await reader.cancel();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.closed).toBe(false);
  });

  test('after one stream of a channel is cancelled, another consumer receives every later value', async () => {
    const channel = new Channel<number>();
    const reader = toReadableStream(channel).getReader();
    void reader.read();
    await reader.cancel();
    const other = toReadableStream(channel).getReader();
    const reads = [other.read(), other.read()];
    await channel.push(1);
    await channel.push(2);
    expect((await Promise.all(reads)).map((r) => r.value)).toEqual([1, 2]);
  });

  test('with highWaterMark 2 a cancel loses exactly the two values the stream had queued', async () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    const stream = toReadableStream(channel, { highWaterMark: 2 });
    await flush();
    await stream.cancel();
    expect(channel.size).toBe(3);
    expect(channel.pullNowait()).toBe(2);
  });
});

describe('Reference, toReadableStream: "or, with `closeOnCancel: true`, closes it"', () => {
  test('cancelling a closeOnCancel stream closes the channel; what it buffered stays readable', async () => {
    const channel = new Channel<string>(4);
    channel.pushNowait('kept');
    const stream = toReadableStream(channel, { closeOnCancel: true, highWaterMark: 0 });
    await stream.cancel();
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe('kept');
  });

  test('after a closeOnCancel stream is cancelled, the producer’s next push rejects with ChannelClosedError', async () => {
    const channel = new Channel<string>(1);
    channel.pushNowait('filled');
    const parked = channel.push('waiting');
    await toReadableStream(channel, { closeOnCancel: true }).cancel();
    await expect(parked).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(channel.push('next')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('a closeOnCancel stream closes its channel without a reason: the cancel reason is not passed on', async () => {
    const channel = new Channel<string>(1);
    await toReadableStream(channel, { closeOnCancel: true }).cancel(new Error('client left'));
    const error = await channel.push('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBeUndefined();
    const values: string[] = [];
    for await (const value of channel) values.push(value); // ends normally, no throw
    expect(values).toEqual([]);
  });

  test('cancelling a closeOnCancel stream with a read waiting consumes nothing and closes the channel', async () => {
    const channel = new Channel<string>();
    const reader = toReadableStream(channel, { closeOnCancel: true }).getReader();
    const read = reader.read();
    await flush();
    await reader.cancel();
    expect(await read).toEqual({ done: true, value: undefined });
    expect(channel.closed).toBe(true);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('without closeOnCancel a cancelled stream leaves the producer’s parked push waiting', async () => {
    const channel = new Channel<string>(1);
    channel.pushNowait('filled');
    let settled = false;
    const parked = channel.push('waiting').finally(() => {
      settled = true;
    });
    await toReadableStream(channel).cancel();
    await flush();
    expect(settled).toBe(false);
    expect(channel.pullNowait()).toBe('filled');
    await parked;
    expect(channel.pullNowait()).toBe('waiting');
  });
});

describe('Semantic details, Interop: "the SPEC’s spellings are the same functions attached to `Channel` and `Channel.prototype` (not enumerable …)"', () => {
  test('channel.toReadableStream is a writable, configurable, non-enumerable prototype member', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Channel.prototype, 'toReadableStream');
    expect(descriptor).toMatchObject({ enumerable: false, writable: true, configurable: true });
    expect(typeof descriptor?.value).toBe('function');
    expect((descriptor?.value as (() => unknown) | undefined)?.name).toBe('toReadableStream');
  });

  test('Channel.from and from are one function', () => {
    expect(Channel.from).toBe(from);
    expect(Object.getOwnPropertyDescriptor(Channel, 'from')?.enumerable).toBe(false);
  });

  test('Channel.from does not use this: detached, or called on a subclass, it gives the same channel', async () => {
    class Named<T> extends Channel<T> {}
    const { from: detached } = Channel;
    const fromSubclass = Named.from([1, 2]);
    expect(fromSubclass).not.toBeInstanceOf(Named);
    expect(fromSubclass.name).toBe('from');
    expect(await detached(['a']).pull()).toBe('a');
  });

  test('Channel.from with a map function as its second argument, as Array.from takes, is a TypeError naming options', () => {
    expect(() => Channel.from([1, 2], ((x: number) => x * 2) as never)).toThrow(
      new TypeError('from(source, options): options must be an object, got function'),
    );
  });

  test('channel.toReadableStream(options) takes the same options as toReadableStream(channel, options)', async () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 5; i++) channel.pushNowait(i);
    channel.toReadableStream({ highWaterMark: 2 });
    await flush();
    expect(channel.size).toBe(3);
    expect(() => channel.toReadableStream({ highWaterMark: -1 })).toThrow(RangeError);
  });
});

describe('Reference, fromEvent: "Events into a channel (`input: true`), default capacity 1 with `drop-oldest`"', () => {
  test('a fromEvent channel is named after its event type', () => {
    const events = fromEvent(new EventTarget(), 'tick');
    expect(events.name).toBe('fromEvent(tick)');
    expect(events.stats()).toMatchObject({ name: 'fromEvent(tick)', capacity: 1, overflow: 'drop-oldest' });
    events.close();
  });

  test('a target with addEventListener but no removeEventListener is a TypeError at the call', () => {
    const target = { addEventListener() {} };
    expect(() => fromEvent(target as never, 'x')).toThrow(
      new TypeError('fromEvent(target, type, options): target is not an EventTarget, got Object'),
    );
  });

  test('listenerOptions are handed to addEventListener, and capture to removeEventListener', () => {
    const target = new EventTarget();
    const add = vi.spyOn(target, 'addEventListener');
    const remove = vi.spyOn(target, 'removeEventListener');
    const options = { capture: true, passive: true };
    const events = fromEvent(target, 'tick', { listenerOptions: options });
    expect(add.mock.calls[0]?.[2]).toEqual(options);
    events.close();
    expect(remove.mock.calls[0]?.[1]).toBe(add.mock.calls[0]?.[1]);
    expect((remove.mock.calls[0]?.[2] as { capture?: boolean } | undefined)?.capture).toBe(true);
  });

  test("aborting the signal of a 'block' fromEvent channel keeps the buffered events and discards those beyond", async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent<CustomEvent<number>>(target, 'n', {
      capacity: 2,
      overflow: 'block',
      signal: controller.signal,
    });
    for (let i = 0; i < 5; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect(events.stats().waitingPushers).toBe(3);
    controller.abort();
    const details: number[] = [];
    for await (const event of events) details.push(event.detail);
    expect(details).toEqual([0, 1]);
  });

  test("with overflow 'drop-newest' a full fromEvent channel keeps the first event", async () => {
    const target = new EventTarget();
    const events = fromEvent<CustomEvent<number>>(target, 'n', { overflow: 'drop-newest' });
    for (let i = 0; i < 3; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    expect((await events.pull()).detail).toBe(0);
    events.close();
  });
});

describe('Semantic details: "`fromEvent(port, \'message\')` … Closing the channel removes its listener and leaves the port open"', () => {
  test('a port whose fromEvent channel was closed still delivers messages to its other listeners', async () => {
    const { port1, port2 } = new MessageChannel();
    const messages = fromEvent(port2 as unknown as EventTarget, 'message', { capacity: 4, overflow: 'block' });
    port1.postMessage('first');
    expect(((await messages.pull()) as MessageEvent).data).toBe('first');
    messages.close();
    const later = new Promise<unknown>((resolve) => {
      port2.once('message', resolve);
    });
    port1.postMessage('second');
    expect(await later).toBe('second');
    expect(messages.size).toBe(0);
    port1.close();
  });
});

describe('Reference, merge: "The result is a real channel (capacity 1, named `merge`)"', () => {
  test('a merged channel has capacity 1, the name merge and the block policy', () => {
    const merged = merge(new Channel<number>(), new Channel<number>());
    expect(merged).toBeInstanceOf(Channel);
    expect(merged.stats()).toMatchObject({ name: 'merge', capacity: 1, overflow: 'block' });
    merged.close();
  });

  test('a bad argument after a good one is refused before the merge waits on any input', () => {
    const good = new Channel<number>();
    expect(() => merge(good, [1, 2] as never)).toThrow(
      new TypeError('merge(...channels): argument 1 is not a chanasync Channel, got Array'),
    );
    expect(good.stats().waitingPullers).toBe(0);
  });
});

describe('Semantic details, merge: "when none has, the first input to receive one wins"', () => {
  test('with every input empty, the value pushed first, into any input, comes out first', async () => {
    const a = new Channel<string>(2);
    const b = new Channel<string>(2);
    const merged = merge(a, b);
    b.pushNowait('b1');
    a.pushNowait('a1');
    expect(await merged.pull()).toBe('b1');
    expect(await merged.pull()).toBe('a1');
    merged.close();
  });
});

describe('Semantic details, merge: "`stats()` (and so `JSON.stringify`) brings it up to date the same way"', () => {
  test('stats().closed of a full merged channel turns true when its inputs close, as closed does', () => {
    const a = new Channel<number>(1);
    const merged = merge(a);
    a.pushNowait(1); // taken into the merged channel at once: it is full now
    a.close();
    expect(merged.stats().closed).toBe(true);
    expect(JSON.parse(JSON.stringify(merged.stats())).closed).toBe(true);
    expect(merged.pullNowait()).toBe(1);
  });

  test('an input closed with a reason delivers its buffered values through the merge, then the merge throws the reason', async () => {
    const failing = new Channel<number>(3);
    failing.pushNowait(1);
    failing.pushNowait(2);
    const failure = new Error('input failed');
    failing.close(failure);
    const idle = new Channel<number>();
    const values: number[] = [];
    const thrown = await (async () => {
      for await (const value of merge(failing, idle)) values.push(value);
    })().catch((e: unknown) => e);
    expect(values).toEqual([1, 2]);
    expect(thrown).toBe(failure);
    expect(idle.stats().waitingPullers).toBe(0);
  });

  test('a full merged channel whose other input fails gives the value it took, then throws the reason (TSDoc: "after the value already taken")', async () => {
    const healthy = new Channel<string>(2);
    const failing = new Channel<string>(1);
    const merged = merge(healthy, failing);
    healthy.pushNowait('taken'); // into the merged channel at once: it is full
    healthy.pushNowait('left');
    const failure = new Error('input failed');
    failing.close(failure);
    expect(merged.closed).toBe(true);
    const values: string[] = [];
    const thrown = await (async () => {
      for await (const value of merged) values.push(value);
    })().catch((e: unknown) => e);
    expect(values).toEqual(['taken']);
    expect(thrown).toBe(failure);
    expect(healthy.pullNowait()).toBe('left');
  });

  test('an input closed with null closes the merged channel with null: for await throws null', async () => {
    const a = new Channel<number>(1);
    const merged = merge(a, new Channel<number>());
    a.close(null);
    const thrown = await (async () => {
      for await (const _ of merged) void _;
    })().then(
      () => 'ended',
      (error: unknown) => error,
    );
    expect(thrown).toBeNull();
  });
});
