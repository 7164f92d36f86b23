/**
 * Audit L: chains of derived channels — the programs users write by feeding merge, broadcast,
 * from, toReadableStream, ticker and after to each other. Invariants: every value exactly once
 * per reader, FIFO per input, close propagation with the reason after delivery, and a reader
 * that leaves early releases its upstream and leaves nothing parked anywhere.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  from,
  merge,
  pull,
  push,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

const sleep = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function parked(...channels: Pick<Channel<never>, 'stats'>[]): number[] {
  return channels.flatMap((c) => [c.stats().waitingPushers, c.stats().waitingPullers]);
}

async function collect<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of channel) values.push(v);
  } catch (error) {
    return { values, error };
  }
  return { values, error: undefined };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('closing a merged channel from the consumer side', () => {
  test('close(reason): the value it took stays readable, then pulls reject with that cause; inputs keep the rest and nothing stays parked on them', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>();
    await a.pushAll([1, 2, 3]);
    const bPush = track(b.push(10));
    const merged = merge(a, b);
    await flush();
    const reason = new Error('consumer done');
    merged.close(reason);
    await flush();
    const got: number[] = [];
    for (;;) {
      try {
        got.push(await merged.pull());
      } catch (error) {
        expect(error).toBeInstanceOf(ChannelClosedError);
        expect((error as ChannelClosedError).cause).toBe(reason);
        break;
      }
    }
    expect(got.length).toBeLessThanOrEqual(1);
    // the inputs stay open and keep everything merge did not take
    expect(a.closed).toBe(false);
    expect(b.closed).toBe(false);
    expect(parked(a, b)).toEqual([0, 0, 1, 0]);
    expect(bPush.current.status).toBe(got.includes(10) ? 'fulfilled' : 'pending');
    const rest = [...(await a.pullMany(10)), ...(bPush.current.status === 'pending' ? [await b.pull()] : [])];
    expect([...got, ...rest].sort((x, y) => x - y)).toEqual([1, 2, 3, 10]);
    expect(parked(merged)).toEqual([0, 0]);
  });

  test('a select parked on pull(merged) and another channel ends with ok: false when the merged channel is closed by its consumer', async () => {
    const a = new Channel<number>();
    const other = new Channel<string>();
    const merged = merge(a);
    const result = track(select([pull(merged), pull(other)]));
    await flush();
    expect(parked(a)).toEqual([0, 1]);
    merged.close();
    await flush();
    expect(result.current).toMatchObject({ status: 'fulfilled', value: { index: 0, ok: false, value: undefined } });
    expect(parked(a, merged, other)).toEqual([0, 0, 0, 0, 0, 0]);
    // the input still works for someone else
    const later = track(a.pull());
    await a.push(5);
    await flush();
    expect(later.current).toEqual({ status: 'fulfilled', value: 5 });
  });

  test('await using on a merged channel closes it and releases the inputs', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    {
      await using merged = merge(a, b);
      const p = merged.pull();
      await a.push(1);
      expect(await p).toBe(1);
      expect(parked(a, b)).toEqual([0, 1, 0, 1]);
    }
    expect(parked(a, b)).toEqual([0, 0, 0, 0]);
  });
});

describe('merge and its own inputs in one select', () => {
  test('select over a merged channel and one of its inputs delivers every value exactly once', async () => {
    const a = new Channel<number>(8);
    const b = new Channel<number>(8);
    const merged = merge(a, b);
    const got: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 40; i++) {
        await (i % 2 ? a : b).push(i);
        if (i % 5 === 0) await sleep();
      }
      a.close();
      b.close();
    })();
    for (;;) {
      const r = await select([pull(merged), pull(a)]);
      if (r.index === 0 && !r.ok) break;
      if (r.index === 1 && !r.ok) {
        // a is done; drain the merged channel
        for await (const v of merged) got.push(v);
        break;
      }
      got.push(r.value as number);
    }
    await producer;
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // FIFO per input
    const odd = got.filter((v) => v % 2);
    const even = got.filter((v) => v % 2 === 0);
    expect(odd).toEqual([...odd].sort((x, y) => x - y));
    expect(even).toEqual([...even].sort((x, y) => x - y));
    expect(parked(a, b, merged)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('a select with push(input) and pull(merge(input)) commits exactly one case', async () => {
    for (let round = 0; round < 30; round++) {
      const a = new Channel<number>();
      const merged = merge(a);
      await flush();
      const r = await select([push(a, 7), pull(merged)]);
      // The push case can commit (merge's parked pull takes it); the pull case must then not
      // fire in the same select: exactly one case committed, and the value is still readable.
      expect(r.index).toBe(0);
      expect(merged.tryPull()).toBe(7);
      expect(parked(a, merged)).toEqual([0, 1, 0, 0]);
      merged.close();
      await flush();
      expect(parked(a)).toEqual([0, 0]);
    }
  });

  test('selectNowait([pull(merged), pull(input)]) sees a value waiting in the input', async () => {
    const a = new Channel<number>(2);
    const merged = merge(a);
    await a.push(1);
    await a.push(2);
    await flush();
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = selectNowait([pull(merged), pull(a)]);
      expect(r?.ok).toBe(true);
      seen.push(r?.value as number);
    }
    expect(selectNowait([pull(merged), pull(a)])).toBeUndefined();
    // both cases are ready (the merge took 1 ahead, 2 waits in a): either order is fair
    expect([...seen].sort()).toEqual([1, 2]);
  });
});

describe('pullMany over derived channels', () => {
  test('pullMany(10) on a merged channel whose inputs each hold values takes several values in one call, FIFO per input', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    await a.pushAll([1, 2, 3]);
    await b.pushAll([10, 20, 30]);
    const merged = merge(a, b);
    const batch = await merged.pullMany(10);
    expect(batch.length).toBeGreaterThan(1);
    const rest: number[] = [];
    a.close();
    b.close();
    for await (const v of merged) rest.push(v);
    const all = [...batch, ...rest];
    expect([...all].sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20, 30]);
    expect(all.filter((v) => v < 10)).toEqual([1, 2, 3]);
    expect(all.filter((v) => v >= 10)).toEqual([10, 20, 30]);
  });

  test('pullMany(max) on a merged channel takes at most max values and leaves the rest in the inputs', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    await a.pushAll([1, 2, 3]);
    await b.pushAll([10, 20, 30]);
    const merged = merge(a, b);
    const batch = await merged.pullMany(2);
    expect(batch).toHaveLength(2);
    expect(merged.size + a.size + b.size).toBe(4);
  });

  test('pullMany on a broadcast subscriber after a pushAll into the source takes what the subscriber holds, FIFO', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 3 });
    const other = hub.subscribe({ capacity: 100 });
    const pushing = source.pushAll([1, 2, 3, 4, 5, 6, 7]);
    const got: number[] = [];
    while (got.length < 7) got.push(...(await sub.pullMany(10)));
    await pushing;
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await other.pullMany(100)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    source.close();
    await expect(sub.pullMany(1)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(parked(source, sub, other)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('pushAll into an unbuffered channel whose only reader is a broadcast resolves once every value reached the subscriber', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe({ capacity: 1 });
    const values = Array.from({ length: 20 }, (_, i) => i);
    const pushing = track(source.pushAll(values));
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await sub.pull());
    await flush();
    expect(pushing.current.status).toBe('fulfilled');
    expect(got).toEqual(values);
  });

  test('pushAll into a broadcast source rejects with the pushed count when the source is closed part-way, and subscribers got exactly those', async () => {
    const source = new Channel<number>();
    const sub = broadcast(source).subscribe({ capacity: 2 });
    const pushing = source.pushAll([1, 2, 3, 4, 5, 6]).catch((e: unknown) => e);
    await flush(30);
    source.close();
    const error = (await pushing) as ChannelClosedError & { pushed: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    const { values } = await collect(sub);
    expect(values).toEqual([1, 2, 3, 4, 5, 6].slice(0, error.pushed));
  });
});

describe('broadcast over derived channels, derived channels over broadcast', () => {
  test('broadcast(merge(a, b)): every subscriber gets every value, FIFO per input, then the reason', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const hub = broadcast(merge(a, b));
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 4 });
    const reason = new Error('b failed');
    const producers = (async () => {
      await Promise.all([
        (async () => {
          for (let i = 0; i < 10; i++) await a.push(i);
          a.close();
        })(),
        (async () => {
          for (let i = 100; i < 110; i++) await b.push(i);
        })(),
      ]);
      b.close(reason);
    })();
    const [r1, r2] = await Promise.all([collect(s1), collect(s2)]);
    await producers;
    for (const r of [r1, r2]) {
      expect(r.error).toBe(reason);
      expect(r.values.filter((v) => v < 100)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(r.values.filter((v) => v >= 100)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    }
    expect(r1.values).toEqual(r2.values);
  });

  test('merge of two subscribers of one broadcast delivers each value twice', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const merged = merge(hub.subscribe(), hub.subscribe({ capacity: 3 }));
    const producer = (async () => {
      await source.pushAll([1, 2, 3, 4, 5]);
      source.close();
    })();
    const { values, error } = await collect(merged);
    await producer;
    expect(error).toBeUndefined();
    expect([...values].sort()).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(merged.closed).toBe(true);
  });

  test('broadcast(from(async iterable)): every subscriber gets every value, then the error it threw', async () => {
    const reason = new Error('source failed');
    async function* gen() {
      for (let i = 0; i < 8; i++) {
        await sleep();
        yield i;
      }
      throw reason;
    }
    const hub = broadcast(from(gen()));
    const subs = [hub.subscribe(), hub.subscribe({ capacity: 3 }), hub.subscribe({ capacity: 8 })];
    const results = await Promise.all(subs.map(collect));
    for (const r of results) {
      expect(r.values).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(r.error).toBe(reason);
    }
  });

  test('broadcast(from(iterable)) reads the source at the pace of its slowest subscriber', async () => {
    let read = 0;
    function* gen() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const hub = broadcast(from(gen()));
    const fast = hub.subscribe({ capacity: 50 });
    const slow = hub.subscribe({ capacity: 2 });
    await sleep();
    expect(read).toBeLessThanOrEqual(3);
    expect(fast.size).toBe(slow.size);
    expect(await slow.pull()).toBe(0);
    await sleep();
    const held = fast.size;
    expect(held).toBeLessThanOrEqual(3);
    expect(await fast.pullMany(50)).toEqual(Array.from({ length: held }, (_, i) => i));
  });

  test('closing every subscriber releases a broadcast of a from(generator) source pulling nothing more', async () => {
    let read = 0;
    function* gen() {
      for (;;) {
        read++;
        yield read;
      }
    }
    const source = from(gen());
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 2 });
    expect(await sub.pull()).toBe(1);
    sub.close();
    await sleep();
    const before = read;
    await sleep();
    expect(read).toBe(before);
    expect(parked(source)).toEqual([0, 0]);
    hub.close();
    source.close();
  });

  test('toReadableStream(subscriber) with a signal: aborting ends the stream and the broadcast keeps serving the others', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const controller = new AbortController();
    const left = hub.subscribe({ signal: controller.signal });
    const stays = hub.subscribe({ capacity: 10 });
    const reader = toReadableStream(left).getReader();
    await source.push(1);
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    controller.abort();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    await source.pushAll([2, 3]);
    expect(await stays.pullMany(10)).toEqual([1, 2, 3]);
  });
});

describe('streams in chains', () => {
  test('toReadableStream(merge(a, b)) cancelled mid-way: nothing more is taken and every value not read is still somewhere readable', async () => {
    const a = new Channel<number>(10);
    const b = new Channel<number>(10);
    await a.pushAll([1, 2, 3, 4]);
    await b.pushAll([10, 20, 30, 40]);
    const merged = merge(a, b);
    const reader = toReadableStream(merged).getReader();
    const read: number[] = [];
    for (let i = 0; i < 3; i++) read.push((await reader.read()).value as number);
    await reader.cancel('bye');
    await flush();
    expect(merged.closed).toBe(false);
    a.close();
    b.close();
    const rest = (await collect(merged)).values;
    expect([...read, ...rest].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]);
    expect(parked(a, b, merged)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('from(toReadableStream(ch)): closing the from channel cancels the stream, leaves ch open with its values and nothing parked on it', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3, 4, 5]);
    const copy = from(toReadableStream(ch));
    expect(await copy.pull()).toBe(1);
    copy.close();
    await sleep();
    expect(ch.closed).toBe(false);
    expect(parked(ch)).toEqual([0, 0]);
    expect(await ch.pullMany(10)).toEqual([2, 3, 4, 5]);
  });

  test('from(toReadableStream(ch)) carries close(reason) through as the same reason, after every value', async () => {
    const ch = new Channel<string>();
    const copy = from(toReadableStream(ch), { capacity: 2 });
    const reason = new TypeError('bad');
    const producer = (async () => {
      await ch.pushAll(['a', 'b', 'c']);
      ch.close(reason);
    })();
    const r = await collect(copy);
    await producer;
    expect(r.values).toEqual(['a', 'b', 'c']);
    expect(r.error).toBe(reason);
    await expect(copy.pull()).rejects.toMatchObject({ cause: reason });
  });

  test('from(stream) closed by its consumer with a reason cancels the stream with that reason', async () => {
    const cancel = vi.fn();
    let n = 0;
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(n++);
      },
      cancel,
    });
    const ch = from(stream);
    expect(await ch.pull()).toBe(0);
    const reason = new Error('enough');
    ch.close(reason);
    await sleep();
    expect(cancel).toHaveBeenCalledWith(reason);
    expect(stream.locked).toBe(false);
  });

  test('merge(from(stream), from(generator)) closed by hand after closing its inputs releases both sources', async () => {
    const cancel = vi.fn();
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(1);
      },
      cancel,
    });
    let finished = false;
    function* gen() {
      try {
        for (;;) yield 2;
      } finally {
        finished = true;
      }
    }
    const s = from(stream);
    const g = from(gen());
    const merged = merge(s, g);
    const first = await merged.pullMany(5);
    expect(first.length).toBeGreaterThan(0);
    s.close();
    g.close();
    await sleep();
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(finished).toBe(true);
    const rest = (await collect(merged)).values;
    expect(rest.length).toBeLessThanOrEqual(1);
    expect(merged.closed).toBe(true);
  });
});

describe('timers in chains', () => {
  test('merge(ticker, after): the after value and the ticks arrive, the merge closes once both are closed, and no timer is left', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ticks = ticker(100);
    const once = afterMs(250);
    const merged = merge(ticks, once);
    const got: number[] = [];
    const reading = (async () => {
      for await (const v of merged) got.push(v);
    })();
    await vi.advanceTimersByTimeAsync(450);
    expect(once.closed).toBe(true);
    expect(merged.closed).toBe(false);
    ticks.close();
    await vi.advanceTimersByTimeAsync(0);
    await reading;
    expect(merged.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(got).toContain(1_000_250);
    expect(got.filter((t) => t !== 1_000_250)).toEqual([1_000_100, 1_000_200, 1_000_300, 1_000_400]);
  });

  test('select over pull(merge(ticker)) and pull(after(ms)) in a loop: timeout fires, no timer left', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(30);
    const merged = merge(ticks);
    const timeout = afterMs(100);
    const seen: string[] = [];
    for (;;) {
      const pending = track(select([pull(merged), pull(timeout)]));
      while (pending.current.status === 'pending') await vi.advanceTimersByTimeAsync(5);
      const r = (pending.current as { value: Awaited<ReturnType<typeof select>> }).value;
      if (r.index === 1) {
        seen.push(`timeout@${r.value}`);
        break;
      }
      seen.push(`tick@${r.value}`);
    }
    ticks.close();
    expect(seen).toEqual(['tick@30', 'tick@60', 'tick@90', 'timeout@100']);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('broadcast(ticker): each subscriber sees the same ticks; closing the ticker closes the subscribers and clears the timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(50);
    const hub = broadcast(ticks);
    const s1 = hub.subscribe({ capacity: 10 });
    const s2 = hub.subscribe({ capacity: 10 });
    await vi.advanceTimersByTimeAsync(200);
    ticks.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    const r1 = await collect(s1);
    const r2 = await collect(s2);
    expect(r1.values).toEqual([50, 100, 150, 200]);
    expect(r2.values).toEqual(r1.values);
  });

  test('after(ms) aborted while a pull is parked on merge(after): the merged channel closes, no value, no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const merged = merge(afterMs(1000, { signal: controller.signal }));
    const p = track(merged.pull());
    await vi.advanceTimersByTimeAsync(500);
    controller.abort(new Error('cancelled'));
    await vi.advanceTimersByTimeAsync(0);
    expect(p.current.status).toBe('rejected');
    expect((p.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
