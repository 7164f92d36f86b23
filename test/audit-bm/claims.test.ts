/**
 * Audit BM: single sentences of the README's Reference, checked as a newcomer reads them.
 */
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
} from 'chanasync';
import { describe, expect, test } from 'vitest';
import { flush, track } from '../helpers/track.js';

describe('names and shapes the Reference states', () => {
  test('after(ms) is "capacity 1, named after(ms)"', () => {
    const timer = afterMs(20);
    expect([timer.capacity, timer.name]).toEqual([1, 'after(20)']);
    timer.close();
  });

  test('ticker(ms) is "capacity 1, named ticker(ms)"', () => {
    const ticks = ticker(20);
    expect([ticks.capacity, ticks.name]).toEqual([1, 'ticker(20)']);
    ticks.close();
  });

  test('merge result is "capacity 1, named merge"', () => {
    const merged = merge(new Channel<number>(1));
    expect([merged.capacity, merged.name]).toEqual([1, 'merge']);
  });

  test('an unnamed channel: name is undefined, messages read "op: channel problem"', async () => {
    const ch = new Channel<number>();
    expect(ch.name).toBeUndefined();
    ch.close();
    const error = (await ch.push(1).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.message).toBe('push: channel is closed');
    expect(error.channel).toBe(ch);
    expect(Object.hasOwn(error, 'cause')).toBe(false);
  });

  test('a named channel: "push: channel "jobs" is closed"', async () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    ch.close();
    const error = (await ch.push(1).catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.message).toBe('push: channel "jobs" is closed');
  });

  test('pushAll and pullMany name themselves when closed while parked', async () => {
    const ch = new Channel<number>(0, { name: 'q' });
    const p = ch.pushAll([1]).catch((e: unknown) => e);
    ch.close();
    expect(((await p) as Error).message).toBe('pushAll: channel "q" is closed');
    const c2 = new Channel<number>(0, { name: 'q' });
    const m = c2.pullMany(3).catch((e: unknown) => e);
    c2.close();
    expect(((await m) as Error).message).toBe('pullMany: channel "q" is closed');
  });

  test('full is size >= capacity; Infinity is never full; unbuffered always full', () => {
    expect(new Channel(0).full).toBe(true);
    expect(new Channel(Infinity).full).toBe(false);
    const one = new Channel<number>(1);
    one.pushNowait(1);
    expect([one.full, one.empty, one.size]).toEqual([true, false, 1]);
  });
});

describe('batches', () => {
  test('pushAll commits synchronously while there is room (size right after the call)', () => {
    const ch = new Channel<number>(4);
    void ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3);
  });

  test('pushAll into an unbuffered channel with two parked pulls commits to both synchronously', async () => {
    const ch = new Channel<number>();
    const a = ch.pull();
    const b = ch.pull();
    const pushing = track(ch.pushAll([1, 2, 3]));
    expect(ch.stats().waitingPullers).toBe(0);
    expect([await a, await b]).toEqual([1, 2]);
    await flush();
    expect(pushing.current.status).toBe('pending');
    expect(ch.pullNowait()).toBe(3);
  });

  test('pullMany on an unbuffered channel with three parked pushers takes max of them in order; the rest stay parked', async () => {
    const ch = new Channel<number>();
    const p = [1, 2, 3].map((v) => track(ch.push(v)));
    await flush();
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await flush();
    expect(p.map((x) => x.current.status)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    expect(ch.stats().waitingPushers).toBe(1);
    expect(ch.pullNowait()).toBe(3);
  });

  test('pushAll with an already aborted signal rejects with the reason, pushed 0', async () => {
    const ch = new Channel<number>(4);
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await ch.pushAll([1, 2], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed?: number }).pushed).toBe(0);
    expect(ch.size).toBe(0);
  });
});

describe('toReadableStream', () => {
  test('cancel() withdraws a waiting pull and leaves the channel open', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const read = track(reader.read());
    await flush();
    expect(ch.stats().waitingPullers).toBe(1);
    await reader.cancel();
    await flush();
    expect(ch.stats().waitingPullers).toBe(0);
    expect(ch.closed).toBe(false);
    expect(ch.tryPush(1)).toBe(false);
    expect(read.current).toEqual({ status: 'fulfilled', value: { done: true, value: undefined } });
  });

  test('a value committed to the stream read before cancel() still reaches the reader', async () => {
    const ch = new Channel<number>();
    const reader = toReadableStream(ch).getReader();
    const read = reader.read();
    await flush();
    ch.pushNowait(7);
    void reader.cancel();
    expect(await read).toEqual({ done: false, value: 7 });
  });

  test('after close(reason), the stream errors with the reason once every pulled value was read', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const reason = new Error('broken');
    ch.close(reason);
    const reader = toReadableStream(ch, { highWaterMark: 2 }).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    expect(await reader.read()).toEqual({ done: false, value: 2 });
    await expect(reader.read()).rejects.toBe(reason);
  });

  test('closeOnCancel: true closes the channel on cancel', async () => {
    const ch = new Channel<number>(1);
    const stream = toReadableStream(ch, { closeOnCancel: true });
    await stream.cancel();
    expect(ch.closed).toBe(true);
  });

  test('an already aborted signal: the stream starts closed, the channel keeps its value', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const reader = toReadableStream(ch, { signal: AbortSignal.abort() }).getReader();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(ch.size).toBe(1);
  });
});

describe('merge', () => {
  test('inputs that all have values are served round-robin', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    for (const v of [1, 2, 3]) a.pushNowait(v);
    for (const v of [10, 20, 30]) b.pushNowait(v);
    a.close();
    b.close();
    const out: number[] = [];
    for await (const v of merge(a, b)) out.push(v);
    expect(out).toEqual([1, 10, 2, 20, 3, 30]);
  });

  test('an input closed with a reason: the merged channel ends with that reason, no value of the input lost', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    a.pushNowait(1);
    a.pushNowait(2);
    const reason = new Error('a failed');
    a.close(reason);
    const merged = merge(a, b);
    const out: number[] = [];
    let caught: unknown;
    try {
      for await (const v of merged) out.push(v);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(reason);
    // every value of a either reached the merged consumer or is still in a
    expect([...out, ...(a.tryPull() === undefined ? [] : [-1])].sort()).toEqual([1, 2]);
    expect(b.stats().waitingPullers).toBe(0);
  });

  test('closing the merged channel leaves inputs alone and keeps the value it took readable', async () => {
    const a = new Channel<number>(3);
    a.pushNowait(1);
    a.pushNowait(2);
    const merged = merge(a);
    await flush();
    merged.close();
    expect(a.closed).toBe(false);
    expect(merged.pullNowait()).toBe(1);
    expect(a.pullNowait()).toBe(2);
    expect(a.stats().waitingPullers).toBe(0);
  });

  test('merge() with no channel is closed', () => {
    expect(merge().closed).toBe(true);
  });
});

describe('broadcast', () => {
  test('subscribe after the source closed with a reason, no subscriber before: the subscriber ends with the reason', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    const reason = new Error('feed down');
    source.close(reason);
    await flush();
    const sub = hub.subscribe();
    const error = (await sub.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
  });

  test('subscribe after the source closed with buffered values: the subscriber gets them, then closes', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    source.pushNowait(1);
    source.close();
    const sub = hub.subscribe({ capacity: 4 });
    const out: number[] = [];
    for await (const v of sub) out.push(v);
    expect(out).toEqual([1]);
  });

  test('hub.close() leaves the source open with its values', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const sub = hub.subscribe();
    source.pushNowait(1);
    source.pushNowait(2);
    source.pushNowait(3);
    await flush();
    hub.close();
    const got = sub.tryPull();
    const rest = source.closed ? [] : await source.pullMany(10);
    expect(source.closed).toBe(false);
    expect([got, ...rest]).toEqual([1, 2, 3]);
    expect(source.stats().waitingPullers).toBe(0);
  });
});

describe('from', () => {
  test('from(iterable) with capacity 0 reads the source only when a pull asks', async () => {
    const read: number[] = [];
    function* source() {
      for (let i = 1; i <= 3; i++) {
        read.push(i);
        yield i;
      }
    }
    const ch = from(source());
    await flush(20);
    expect(read).toEqual([]);
    expect(await ch.pull()).toBe(1);
    await flush(20);
    expect(read).toEqual([1]);
    ch.close();
  });

  test('from() with a throwing source closes with the error as reason after the values before it', async () => {
    const failure = new Error('boom');
    function* source() {
      yield 1;
      throw failure;
    }
    const out: number[] = [];
    let caught: unknown;
    try {
      for await (const v of from(source(), { capacity: 4 })) out.push(v);
    } catch (error) {
      caught = error;
    }
    expect(out).toEqual([1]);
    expect(caught).toBe(failure);
  });

  test('from() with a signal aborted: channel closes normally and the iterator is returned', async () => {
    let returned = false;
    const iterable = {
      [Symbol.iterator]() {
        let i = 0;
        return {
          next: () => ({ value: i++, done: false }),
          return: () => {
            returned = true;
            return { value: undefined, done: true };
          },
        };
      },
    };
    const controller = new AbortController();
    const ch = from(iterable, { capacity: 2, signal: controller.signal });
    await flush(20);
    controller.abort(new Error('stop'));
    await flush(20);
    expect(ch.closed).toBe(true);
    expect(returned).toBe(true);
    const out: unknown[] = [];
    for await (const v of ch) out.push(v);
    expect(out).toEqual([0, 1]);
  });
});

describe('cancellation', () => {
  test('an aborted parked operation leaves the channel at once (synchronously inside abort())', () => {
    const ch = new Channel<number>();
    const other = new Channel<number>(1);
    other.pushNowait(0);
    const controller = new AbortController();
    void ch.pull({ signal: controller.signal }).catch(() => {});
    void ch.pullMany(3, { signal: controller.signal }).catch(() => {});
    void other.pushAll([1, 2], { signal: controller.signal }).catch(() => {});
    expect([ch.stats().waitingPullers, other.stats().waitingPushers]).toEqual([2, 1]);
    controller.abort();
    expect([ch.stats().waitingPullers, other.stats().waitingPushers]).toEqual([0, 0]);
    expect(other.size).toBe(1);
  });

  test('AbortSignal.timeout rejects a pull with a TimeoutError DOMException', async () => {
    const ch = new Channel<string>();
    const keepAlive = setTimeout(() => {}, 1000);
    const error = await ch.pull({ signal: AbortSignal.timeout(10) }).catch((e: unknown) => e);
    clearTimeout(keepAlive);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(ch.stats().waitingPullers).toBe(0);
  });
});

describe('nowait calls against parked selects and batches', () => {
  test('pullNowait on an unbuffered channel takes a parked select push case; the select resolves with that index', async () => {
    const ch = new Channel<string>();
    const other = new Channel<string>();
    const selecting = select([pull(other), push(ch, 'from select')]);
    await flush();
    expect(ch.pullNowait()).toBe('from select');
    const result = await selecting;
    expect(result.index).toBe(1);
    expect(other.stats().waitingPullers).toBe(0);
  });

  test('pushNowait on an unbuffered channel feeds a parked select pull case', async () => {
    const ch = new Channel<number>();
    const selecting = select([pull(new Channel<number>()), pull(ch)]);
    await flush();
    ch.pushNowait(4);
    expect(await selecting).toMatchObject({ index: 1, value: 4, ok: true });
  });

  test('tryPull on an unbuffered channel takes from a parked pushAll, in order', async () => {
    const ch = new Channel<number>();
    const pushing = ch.pushAll([1, 2, 3]);
    await flush();
    const got = [ch.tryPull()];
    await flush();
    got.push(ch.tryPull());
    await flush();
    got.push(ch.tryPull());
    await pushing;
    expect(got).toEqual([1, 2, 3]);
  });

  test('selectNowait of an empty list or of only null entries returns undefined; select rejects with TypeError', async () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
    await expect(select([null, undefined])).rejects.toBeInstanceOf(TypeError);
  });
});
