/**
 * Audit H: edge cases of the batch operations, broadcast, ticker and after that the earlier
 * tests leave out — combinations (close with a reason, capacity 0 against buffered, falsy
 * values, re-entrancy, same-turn aborts).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { after as afterMs, broadcast, Channel, ChannelClosedError, pull, select, ticker } from '../../src/index.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function track<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; value?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'resolved', value }),
    (value) => Object.assign(state, { status: 'rejected', value }),
  );
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batch operations', () => {
  test('pullMany returns falsy values (undefined, null, 0, false, "") like any other', async () => {
    const ch = new Channel<unknown>(8);
    for (const v of [undefined, null, 0, false, '']) ch.tryPush(v);
    expect(await ch.pullMany(10)).toEqual([undefined, null, 0, false, '']);
  });

  test('pullMany on an unbuffered channel takes every parked push up to max; each push resolves, the rest stay parked in order', async () => {
    const ch = new Channel<number>(0);
    const pushes = [1, 2, 3, 4].map((v) => track(ch.push(v)));
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    await settle();
    expect(pushes.map((p) => p.status)).toEqual(['resolved', 'resolved', 'resolved', 'pending']);
    expect(ch.pullNowait()).toBe(4);
  });

  test('pullMany after close(reason) returns the buffer, then rejects with ChannelClosedError whose cause is the reason', async () => {
    const ch = new Channel<number>(4);
    ch.tryPush(1);
    ch.tryPush(2);
    const reason = new Error('done');
    ch.close(reason);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
    const error = await ch.pullMany(5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    expect((error as Error).message).toContain('pullMany');
  });

  test('a parked pullMany aborted in the same turn as a push that could serve it gets nothing; the value goes to the buffer', async () => {
    const ch = new Channel<number>(1);
    const controller = new AbortController();
    const reason = new Error('stop');
    // An earlier abort listener pushes while the pullMany is still queued with an aborted signal.
    controller.signal.addEventListener('abort', () => ch.tryPush(7));
    const many = track(ch.pullMany(4, { signal: controller.signal }));
    controller.abort(reason);
    await settle();
    expect(many).toEqual({ status: 'rejected', value: reason });
    expect(ch.tryPull()).toBe(7);
  });

  test('pushAll with falsy values commits them all', async () => {
    const ch = new Channel<unknown>(Infinity);
    await ch.pushAll([undefined, null, 0, false, '']);
    expect(await ch.pullMany(10)).toEqual([undefined, null, 0, false, '']);
  });

  test('pushAll closed with a reason part-way: ChannelClosedError carrying the reason as cause and pushed', async () => {
    const ch = new Channel<number>(1);
    const all = ch.pushAll([1, 2, 3]).catch((e: unknown) => e);
    const reason = { why: 'shutdown' };
    ch.close(reason);
    const error = (await all) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(error.pushed).toBe(1);
    expect(error.message).toContain('push');
    expect(ch.pullNowait()).toBe(1);
  });

  test('pushAll on a drop-oldest channel never waits: all commit, the oldest are dropped', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
  });

  test('pushAll into a pullMany consumer on an unbuffered channel: every value once, in order', async () => {
    const ch = new Channel<number>(0);
    const values = Array.from({ length: 50 }, (_, i) => i);
    const done = ch.pushAll(values).then(() => ch.close());
    const got: number[] = [];
    for (;;) {
      const batch = await ch.pullMany(7).catch(() => undefined);
      if (!batch) break;
      got.push(...batch);
    }
    await done;
    expect(got).toEqual(values);
  });

  test('pushAll whose iterator closes the channel part-way rejects with pushed counting what was committed', async () => {
    const ch = new Channel<number>(Infinity);
    function* values() {
      yield 1;
      yield 2;
      ch.close();
      yield 3;
    }
    const error = (await ch.pushAll(values()).catch((e: unknown) => e)) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });
});

describe('broadcast', () => {
  test('a source closed with a reason: every subscriber drains what it got, then pull rejects with that cause and for await throws it', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4 });
    await source.pushAll([1, 2, 3]);
    const reason = new Error('source ended');
    source.close(reason);
    const seen: number[] = [];
    const thrown = await (async () => {
      for await (const v of a) seen.push(v);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2, 3]);
    expect(thrown).toBe(reason);
    expect(await b.pullMany(5)).toEqual([1, 2, 3]);
    const error = await b.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
  });

  test('the source’s close with a reason reaches a subscriber only after the values a full subscriber still holds back', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 8 });
    await source.pushAll([1, 2, 3]);
    const reason = 'bye';
    source.close(reason);
    expect(fast.closed).toBe(false);
    const got: number[][] = [[], []];
    const drain = async (ch: Channel<number>, into: number[]) => {
      try {
        for (;;) into.push(await ch.pull());
      } catch (error) {
        return error;
      }
    };
    const [e1, e2] = await Promise.all([drain(slow, got[0]!), drain(fast, got[1]!)]);
    expect(got).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect((e1 as Error).cause).toBe(reason);
    expect((e2 as Error).cause).toBe(reason);
  });

  test('an unbuffered block subscriber and a buffered one: both get every value, in order', async () => {
    const source = new Channel<number>(0);
    const hub = broadcast(source);
    const zero = hub.subscribe({ capacity: 0 });
    const big = hub.subscribe({ capacity: Infinity });
    const producer = source.pushAll([1, 2, 3, 4]).then(() => source.close());
    const got: number[] = [];
    for await (const v of zero) got.push(v);
    await producer;
    expect(got).toEqual([1, 2, 3, 4]);
    expect(await big.pullMany(10)).toEqual([1, 2, 3, 4]);
    expect(big.closed).toBe(true);
  });

  test('falsy values are broadcast like any other', async () => {
    const source = new Channel<unknown>(8);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 8 });
    await source.pushAll([undefined, null, 0, false, '']);
    expect(await a.pullMany(10)).toEqual([undefined, null, 0, false, '']);
  });

  test('a subscriber made inside another subscriber’s loop receives only the values pulled after it subscribed', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const first = hub.subscribe({ capacity: 8 });
    await source.pushAll([1, 2]);
    let late: Channel<number> | undefined;
    const got: number[] = [];
    for await (const v of first) {
      got.push(v);
      if (v === 1) {
        late = hub.subscribe({ capacity: 8 });
        await source.pushAll([3, 4]);
        source.close();
      }
    }
    expect(got).toEqual([1, 2, 3, 4]);
    expect(await late!.pullMany(10)).toEqual([3, 4]);
  });

  test('a subscriber that leaves with `using` stops holding the others back', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const steady = hub.subscribe({ capacity: 8 });
    {
      using stuck = hub.subscribe({ capacity: 1 });
      await source.pushAll([1, 2, 3]);
      expect(stuck.size).toBe(1);
      expect(steady.size).toBe(1);
    }
    await settle();
    expect(await steady.pullMany(10)).toEqual([1, 2, 3]);
  });

  test('a subscriber closed with a reason by its reader leaves; the others go on', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 8 });
    await source.pushAll([1, 2, 3]);
    a.close(new Error('reader done'));
    expect(await b.pullMany(10)).toEqual([1, 2, 3]);
    expect(a.pullNowait()).toBe(1);
    expect(() => a.pullNowait()).toThrow(ChannelClosedError);
  });

  test('a subscriber whose signal aborts while its pull waits: the pull rejects with ChannelClosedError and the others go on', async () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const controller = new AbortController();
    const a = hub.subscribe({ capacity: 1, signal: controller.signal });
    const b = hub.subscribe({ capacity: 8 });
    const waiting = a.pull().catch((e: unknown) => e);
    controller.abort();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    await source.pushAll([1, 2]);
    expect(await b.pullMany(10)).toEqual([1, 2]);
  });

  test('broadcast of a ticker: each subscriber gets the ticks, and they close when the ticker is closed', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4 });
    vi.advanceTimersByTime(30);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    const start = Date.now() - 30;
    expect(await a.pullMany(10)).toEqual([start + 10, start + 20, start + 30]);
    expect(await b.pullMany(10)).toEqual([start + 10, start + 20, start + 30]);
    expect(a.closed && b.closed).toBe(true);
  });

  test('broadcast of an after(): every subscriber gets the one value, then is closed', async () => {
    vi.useFakeTimers();
    const t0 = Date.now();
    const hub = broadcast(afterMs(50));
    const a = hub.subscribe();
    const b = hub.subscribe();
    vi.advanceTimersByTime(50);
    expect(await a.pull()).toBe(t0 + 50);
    expect(await b.pull()).toBe(t0 + 50);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(b.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ticker and after', () => {
  test('ticker: a pull waiting when the ticker is closed rejects with ChannelClosedError, and no timer is left', async () => {
    vi.useFakeTimers();
    const ticks = ticker(100);
    const waiting = ticks.pull().catch((e: unknown) => e);
    ticks.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker closed with a reason: a waiting pull’s error has the reason as cause; for await throws it', async () => {
    vi.useFakeTimers();
    const ticks = ticker(100);
    const waiting = ticks.pull().catch((e: unknown) => e);
    const reason = new Error('stop');
    ticks.close(reason);
    const error = await waiting;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker rejects 0, negatives, NaN and Infinity with RangeError, and a numeric string with TypeError', () => {
    for (const ms of [0, -1, -0, Number.NaN, Infinity, -Infinity]) expect(() => ticker(ms)).toThrow(RangeError);
    expect(() => ticker('5' as never)).toThrow(TypeError);
    expect(() => ticker(undefined as never)).toThrow(TypeError);
  });

  test('a fractional period works: ticker(0.5) ticks', async () => {
    vi.useFakeTimers();
    const ticks = ticker(0.5);
    vi.advanceTimersByTime(5);
    expect(ticks.size).toBe(1);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker with a period above 2³¹−1 ms: ticks at exactly start + k·ms, no earlier', () => {
    vi.useFakeTimers();
    const ms = 2 ** 31 + 1000;
    const t0 = Date.now();
    const ticks = ticker(ms);
    vi.advanceTimersByTime(ms - 1);
    expect(ticks.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ticks.tryPull()).toBe(t0 + ms);
    vi.advanceTimersByTime(ms - 1);
    expect(ticks.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ticks.tryPull()).toBe(t0 + 2 * ms);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a ticker’s signal aborted while the ticker waits a long hop clears the hop', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(2 ** 33, { signal: controller.signal });
    vi.advanceTimersByTime(2 ** 31);
    controller.abort();
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('after(ms) fired before its signal aborts: the value stays readable; the abort changes nothing', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const t0 = Date.now();
    const ch = afterMs(10, { signal: controller.signal });
    vi.advanceTimersByTime(10);
    controller.abort();
    expect(ch.closed).toBe(true);
    expect(ch.pullNowait()).toBe(t0 + 10);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after(ms) aborted: a pull waiting on it rejects with ChannelClosedError and never gets a value', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ch = afterMs(10, { signal: controller.signal });
    const waiting = ch.pull().catch((e: unknown) => e);
    controller.abort();
    vi.advanceTimersByTime(100);
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('afterMs(0) fires on the next timer turn; afterMs(-5) too', async () => {
    vi.useFakeTimers();
    const a = afterMs(0);
    const b = afterMs(-5);
    expect(a.size + b.size).toBe(0);
    vi.advanceTimersByTime(0);
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
  });

  test('a select with a timeout: the after case fires with the timestamp and ok true', async () => {
    vi.useFakeTimers();
    const t0 = Date.now();
    const data = new Channel<number>();
    const result = select([pull(data), pull(afterMs(20))]);
    vi.advanceTimersByTime(20);
    expect(await result).toMatchObject({ index: 1, value: t0 + 20, ok: true });
    expect(data.stats().waitingPullers).toBe(0);
  });

  test('on real timers, after and ticker beyond 2³¹−1 ms neither fire at once nor make Node warn of a timeout overflow', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const once = afterMs(2 ** 31 + 5);
    const ticks = ticker(2 ** 31 + 5);
    const far = afterMs(Number.MAX_SAFE_INTEGER);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const seen = { size: [once.size, ticks.size, far.size], closed: [once.closed, ticks.closed, far.closed] };
    // Closed before anything is asserted: a ticker that fired at once would tick every
    // millisecond for ever.
    for (const channel of [once, ticks, far]) channel.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    process.off('warning', onWarning);
    expect(seen).toEqual({ size: [0, 0, 0], closed: [false, false, false] });
    expect(warnings).toEqual([]);
  });

  test('a ticker read slowly on real timers: one tick waits in the buffer, the missed ones are dropped, not delivered in a burst', async () => {
    const ms = 15;
    const t0 = Date.now();
    const ticks = ticker(ms);
    const first = await ticks.pull();
    await new Promise((resolve) => setTimeout(resolve, ms * 4.5)); // a slow reader: several ticks due
    const buffered = ticks.tryPull(); // the one tick that found room
    const next = await ticks.pull();
    ticks.close();
    expect(first).toBeGreaterThanOrEqual(t0 + ms - 1);
    expect(buffered).toBeGreaterThan(first);
    // The next tick is a fresh one on the schedule, at least about a period after the buffered
    // one: the ticks due meanwhile were dropped, not queued.
    expect(next - buffered!).toBeGreaterThanOrEqual(ms - 2);
    expect(ticks.tryPull()).toBeUndefined();
  });
});
