/**
 * Audit Z: user code running inside an operation — a signal's abort listener, a value's `then`
 * getter, an iterator's `next`, a stream's `pull`, `Symbol.iterator` of `pushAll`'s values, a
 * generator's `finally` run by a close — that pushes, pulls, closes or aborts on the same
 * channel. Every value is delivered once or not at all, and nothing is left parked.
 */

import {
  Channel,
  ChannelClosedError,
  ChannelError,
  from,
  pull,
  push,
  select,
  selectNowait,
  toReadableStream,
} from 'chanasync';
import { describe, expect, it } from 'vitest';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

const drainNow = <T>(channel: Channel<T>): T[] => {
  const out: T[] = [];
  for (let v = channel.tryPull(); v !== undefined; v = channel.tryPull()) out.push(v);
  return out;
};

describe("audit Z: pushAll's iterable runs user code", () => {
  it('reads Symbol.iterator once, as for…of does: a getter with side effects runs once', async () => {
    // Was: pushAll read `values[Symbol.iterator]` to check it, then `for…of` read it again, so a
    // getter there ran twice — here it pushed 'pre' twice.
    const channel = new Channel<string | number>(10);
    let reads = 0;
    const values = {
      get [Symbol.iterator]() {
        reads++;
        channel.tryPush('pre');
        return function* () {
          yield 1;
          yield 2;
        };
      },
    };
    await channel.pushAll(values as Iterable<number>);
    expect(reads).toBe(1);
    expect(drainNow(channel)).toEqual(['pre', 1, 2]);
  });

  it('a getter that returns something else on a second read is used once', async () => {
    const channel = new Channel<number>(10);
    let reads = 0;
    const values = {
      get [Symbol.iterator]() {
        reads++;
        return reads === 1
          ? function* () {
              yield 1;
            }
          : function* () {
              yield 666;
            };
      },
    };
    await channel.pushAll(values as Iterable<number>);
    expect(drainNow(channel)).toEqual([1]);
  });

  it('an iterator whose next() closes the channel stops pushAll with ChannelClosedError, pushed counted, return() called', async () => {
    const channel = new Channel<number>(5);
    let returned = 0;
    let i = 0;
    const iterator: IterableIterator<number> = {
      next() {
        i++;
        if (i === 3) channel.close('stop');
        return { done: i > 5, value: i };
      },
      return() {
        returned++;
        return { done: true, value: undefined };
      },
      [Symbol.iterator]() {
        return this;
      },
    };
    const error = await channel.pushAll(iterator).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).cause).toBe('stop');
    expect((error as { pushed: number }).pushed).toBe(2);
    expect(returned).toBe(1);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  it('an iterator whose next() pulls from the same unbuffered channel meets its own values', async () => {
    const channel = new Channel<number>();
    const pulled: Promise<number>[] = [];
    function* values() {
      for (let v = 1; v <= 4; v++) {
        pulled.push(channel.pull());
        yield v;
      }
    }
    await channel.pushAll(values());
    expect(await Promise.all(pulled)).toEqual([1, 2, 3, 4]);
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('an iterator whose next() aborts the pushAll signal stops it before that value', async () => {
    const channel = new Channel<number>(8);
    const controller = new AbortController();
    const reason = new Error('enough');
    function* values() {
      yield 1;
      yield 2;
      controller.abort(reason);
      yield 3;
      yield 4;
    }
    const error = await channel.pushAll(values(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed: number }).pushed).toBe(2);
    expect(drainNow(channel)).toEqual([1, 2]);
  });

  it('two pushAll calls stopped by one abort each read their own count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(3);
    const controller = new AbortController();
    const reason = new Error('stop both');
    const first = a.pushAll([1, 2, 3], { signal: controller.signal }).catch((e: unknown) => e);
    const second = b.pushAll([1, 2, 3, 4, 5], { signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    controller.abort(reason);
    const [e1, e2] = await Promise.all([first, second]);
    const counts = [e1, e2].map((e) => (e as { pushed: number }).pushed);
    expect(counts).toEqual([1, 3]);
    for (const e of [e1, e2]) expect(e === reason || (e instanceof ChannelError && e.cause === reason)).toBe(true);
    expect([a.stats().waitingPushers, b.stats().waitingPushers]).toEqual([0, 0]);
  });
});

describe("audit Z: a value's then getter runs user code during the push", () => {
  it.each(['push', 'pushNowait', 'tryPush', 'pushAll'] as const)(
    '%s: a then getter that closes the channel commits nothing',
    async (method) => {
      const channel = new Channel<object>(2);
      const value = {
        // biome-ignore lint/suspicious/noThenProperty: a then getter is what this test is about
        get then() {
          channel.close();
          return undefined;
        },
      };
      let outcome: unknown;
      try {
        if (method === 'tryPush') outcome = channel.tryPush(value);
        else if (method === 'pushNowait') channel.pushNowait(value);
        else if (method === 'push') await channel.push(value);
        else await channel.pushAll([value]);
        outcome ??= 'committed';
      } catch (error) {
        outcome = error;
      }
      if (method === 'tryPush') expect(outcome).toBe(false);
      else expect(outcome).toBeInstanceOf(ChannelClosedError);
      expect(channel.size).toBe(0);
    },
  );

  it('a then getter that pushes into the same full channel keeps FIFO: its value goes first', async () => {
    const channel = new Channel<unknown>(1);
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then getter is what this test is about
      get then() {
        channel.tryPush('first');
        return undefined;
      },
    };
    const pushing = channel.push(value);
    expect(channel.size).toBe(1);
    expect(await channel.pull()).toBe('first');
    await pushing;
    expect(await channel.pull()).toBe(value);
  });

  it('a select whose push case value changes nothing at select time (the case was checked when built)', async () => {
    const channel = new Channel<unknown>(1);
    let reads = 0;
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then getter is what this test is about
      get then() {
        reads++;
        return undefined;
      },
    };
    const cases = [push(channel, value), pull(new Channel())];
    expect(reads).toBe(1);
    const result = selectNowait(cases);
    expect(result?.index).toBe(0);
    expect(reads).toBe(1);
  });
});

describe('audit Z: abort listeners that act on the channel', () => {
  it('a listener registered before the operations, pulling during the abort, never takes an aborted push', async () => {
    const channel = new Channel<string>();
    const controller = new AbortController();
    const taken: (string | undefined)[] = [];
    controller.signal.addEventListener('abort', () => {
      taken.push(channel.tryPull());
    });
    const aborted = channel.push('aborted', { signal: controller.signal }).catch((e: unknown) => e);
    const kept = channel.push('kept');
    controller.abort('why');
    expect(taken).toEqual(['kept']);
    expect(await aborted).toBe('why');
    await kept;
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('a listener that closes the channel during the abort: the aborted select rejects with the reason, the other fires ok: false', async () => {
    const channel = new Channel<number>();
    const other = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const aborted = select([pull(channel), pull(other)], { signal: controller.signal }).catch((e: unknown) => e);
    const plain = select([pull(channel), pull(other)]);
    await settle();
    controller.abort('why');
    expect(await aborted).toBe('why');
    expect(await plain).toMatchObject({ index: 0, ok: false });
    expect(other.stats()).toMatchObject({ waitingPullers: 0 });
  });

  it('a listener that pushes into the channel: the value goes to a live puller, not to a pull of the aborted signal', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => {
      void channel.push(42);
    });
    const aborted = channel.pullMany(3, { signal: controller.signal }).catch((e: unknown) => e);
    const live = channel.pull();
    controller.abort('why');
    expect(await aborted).toBe('why');
    expect(await live).toBe(42);
  });
});

describe("audit Z: a source's code runs inside from()", () => {
  it('a stream whose pull() closes the from channel it feeds: the stream is cancelled, nothing is left parked', async () => {
    let channel: Channel<number> | undefined;
    let cancelled: unknown = 'not cancelled';
    let pulls = 0;
    const stream = new ReadableStream<number>(
      {
        pull(controller) {
          pulls++;
          controller.enqueue(pulls);
          if (pulls === 3) channel?.close();
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    channel = from(stream, { capacity: 2 });
    const got: number[] = [];
    for await (const v of channel) got.push(v);
    await settle();
    // What was committed before the close stays readable; nothing arrives after it.
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got).toEqual(got.map((_, i) => i + 1));
    expect(cancelled).toBeUndefined();
    expect(stream.locked).toBe(false);
    expect(channel.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it("a generator's finally, run by close(), pushes into another channel and pulls from the closed one", async () => {
    const log = new Channel<string>(4);
    let source: Channel<number> | undefined;
    let drained: number[] = [];
    function* gen() {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        log.tryPush('finally');
        drained = drainNow(source as Channel<number>);
      }
    }
    source = from(gen(), { capacity: 3 });
    await settle();
    expect(source.size).toBe(3);
    source.close();
    // The finally ran inside close(), and saw the buffer: closing keeps it readable.
    expect(drainNow(log)).toEqual(['finally']);
    expect(drained).toEqual([1, 2, 3]);
    expect(source.size).toBe(0);
  });

  it('toReadableStream: a reader that cancels inside the read of a committed value still gets the value', async () => {
    const channel = new Channel<number>();
    const stream = toReadableStream(channel);
    const reader = stream.getReader();
    const read = reader.read();
    await settle();
    await channel.push(7);
    await reader.cancel();
    expect(await read).toEqual({ done: false, value: 7 });
    expect(channel.stats()).toMatchObject({ waitingPullers: 0 });
    expect(channel.closed).toBe(false);
  });
});

describe('audit Z: toReadableStream with closeOnCancel and an already aborted signal', () => {
  it('closes the channel, as an abort after the call does', async () => {
    // Was: an already aborted signal closed the stream but left the channel open, while the same
    // signal aborting a moment later closed both — a producer waited for ever on the first.
    const early = new Channel<number>(1);
    const stream = toReadableStream(early, { closeOnCancel: true, signal: AbortSignal.abort() });
    expect(await stream.getReader().read()).toEqual({ done: true, value: undefined });
    expect(early.closed).toBe(true);

    const late = new Channel<number>(1);
    const controller = new AbortController();
    const reading = toReadableStream(late, { closeOnCancel: true, signal: controller.signal }).getReader().read();
    controller.abort();
    expect(await reading).toEqual({ done: true, value: undefined });
    expect(late.closed).toBe(true);

    // Without closeOnCancel, both leave the channel open.
    const kept = new Channel<number>(1);
    toReadableStream(kept, { signal: AbortSignal.abort() });
    expect(kept.closed).toBe(false);
  });
});
