import { Channel, ChannelClosedError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, track } from './helpers.js';

type Pushed = { pushed?: unknown };

describe('re-entrancy from user code during an operation', () => {
  it('a value whose then-getter closes the channel is not delivered by push', async () => {
    const ch = new Channel<object>(2);
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
      get then() {
        ch.close();
        return undefined;
      },
    };
    const e = await ch.push(value).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(ch.size).toBe(0);
  });

  it('a value whose then-getter fills the buffer makes pushNowait throw full, without losing either value', () => {
    const ch = new Channel<unknown>(1);
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
      get then() {
        ch.pushNowait('other');
        return undefined;
      },
    };
    expect(() => ch.pushNowait(value)).toThrow(ChannelFullError);
    expect(ch.pullNowait()).toBe('other');
    expect(ch.size).toBe(0);
  });

  it('a value whose then-getter takes the parked puller leaves the push parked, not lost', async () => {
    const ch = new Channel<unknown>();
    const puller = ch.pull();
    let once = true;
    const value = {
      // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
      get then() {
        if (once) {
          once = false;
          ch.pushNowait('first');
        }
        return undefined;
      },
    };
    const p = track(ch.push(value));
    expect(await puller).toBe('first');
    await flush();
    expect(p.state.status).toBe('pending');
    expect(await ch.pull()).toBe(value);
  });

  it('a then-getter that closes the channel during pushAll stops it with the right pushed count', async () => {
    const ch = new Channel<unknown>(5);
    const bad = {
      // biome-ignore lint/suspicious/noThenProperty: a then property is what this test is about
      get then() {
        ch.close();
        return undefined;
      },
    };
    const e = await ch.pushAll([1, 2, bad, 4]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Pushed).pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('a generator that aborts the pushAll signal after a commit stops before the next value', async () => {
    const ch = new Channel<number>(5);
    const c = new AbortController();
    function* gen() {
      yield 1;
      c.abort('mid');
      yield 2;
      yield 3;
    }
    const e = await ch.pushAll(gen(), { signal: c.signal }).catch((x: unknown) => x);
    expect(e).toBe('mid');
    expect(await ch.pullMany(5)).toEqual([1]);
  });

  it('a generator that fills the channel from inside makes pushAll wait, order preserved', async () => {
    const ch = new Channel<string>(2);
    function* gen() {
      yield 'a';
      ch.pushNowait('x');
      yield 'b';
      yield 'c';
    }
    const p = ch.pushAll(gen());
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await ch.pull());
    await p;
    expect(got).toEqual(['a', 'x', 'b', 'c']);
  });

  it('a consumer that pushes back into the channel from its loop body keeps every value once', async () => {
    const ch = new Channel<number>(4);
    const order: number[] = [];
    ch.pushNowait(1);
    ch.pushNowait(2);
    for await (const v of ch) {
      order.push(v);
      if (v < 10) ch.pushNowait(v + 10);
      if (order.length === 4) break;
    }
    expect(order).toEqual([1, 2, 11, 12]);
    expect(ch.size).toBe(0);
  });

  it('closing the channel inside a for-await body ends the loop after the buffer drains', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    const got: number[] = [];
    for await (const v of ch) {
      got.push(v);
      if (v === 1) ch.close();
    }
    expect(got).toEqual([1, 2, 3]);
  });

  it('close(reason) right after return(), before the withdrawn next() settles, leaves it done', async () => {
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const n = it1.next();
    const r = it1.return?.();
    ch.close(new Error('r'));
    await r;
    expect(await n).toMatchObject({ done: true });
  });

  it('return() right after close(reason): the parked next() was failed first and throws the reason', async () => {
    // README is silent on this order; close came first, so the reason reaches the next().
    const ch = new Channel<number>();
    const it1 = ch[Symbol.asyncIterator]();
    const n = it1.next();
    const reason = new Error('r');
    ch.close(reason);
    await it1.return?.();
    await expect(n).rejects.toBe(reason);
  });
});

describe('capacities and values', () => {
  it('huge integer capacities are accepted without preallocation', async () => {
    const big = new Channel<number>(2 ** 40);
    big.pushNowait(1);
    expect(big.full).toBe(false);
    expect(await big.pull()).toBe(1);
    const huge = new Channel<number>(Number.MAX_VALUE);
    expect(huge.capacity).toBe(Number.MAX_VALUE);
    huge.pushNowait(2);
    expect(huge.pullNowait()).toBe(2);
  });

  it('capacity -0 reads as unbuffered', () => {
    const ch = new Channel<number>(-0);
    expect(Object.is(ch.capacity, 0) || ch.capacity === 0).toBe(true);
    expect(ch.full).toBe(true);
  });

  it('pullMany with a huge max returns only what is there', async () => {
    const ch = new Channel<number>(Infinity);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await ch.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([1, 2]);
  });

  it('pullMany takes a large batch in one call', async () => {
    const ch = new Channel<number>(Infinity);
    const n = 100_000;
    await ch.pushAll(Array.from({ length: n }, (_, i) => i));
    const batch = await ch.pullMany(n);
    expect(batch.length).toBe(n);
    expect(batch[0]).toBe(0);
    expect(batch[n - 1]).toBe(n - 1);
    expect(ch.size).toBe(0);
  });

  it('capacity 1 drop-oldest is a conflated channel: latest wins, also through push and pushAll', async () => {
    const ch = new Channel<{ x: number }>(1, { overflow: 'drop-oldest' });
    await ch.push({ x: 1 });
    await ch.pushAll([{ x: 2 }, { x: 3 }]);
    ch.tryPush({ x: 4 });
    expect(await ch.pull()).toEqual({ x: 4 });
    expect(ch.empty).toBe(true);
  });

  it('full is true for a full drop-mode channel, false for Infinity', () => {
    const d = new Channel<number>(1, { overflow: 'drop-newest' });
    d.pushNowait(1);
    expect(d.full).toBe(true);
    d.pushNowait(2);
    expect(d.size).toBe(1);
    expect(new Channel(Infinity).full).toBe(false);
  });

  it('pushAll accepts any sync iterable (Set, string, Map values)', async () => {
    const ch = new Channel<string>(10);
    await ch.pushAll(new Set(['a', 'b']));
    await ch.pushAll('cd');
    await ch.pushAll(new Map([[1, 'e']]).values());
    expect(await ch.pullMany(10)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('pushAll refuses an async iterable (a channel) with TypeError', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    await expect(a.pushAll(b as never)).rejects.toThrow(TypeError);
  });

  it('null options are read as no options', async () => {
    const ch = new Channel<number>(1, null as never);
    expect(ch.capacity).toBe(1);
    await ch.push(1, null as never);
    expect(await ch.pull(null as never)).toBe(1);
  });
});

describe('drop modes with every operation', () => {
  it('pullMany on drop-newest after overflow returns the oldest values', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    ch.pushNowait(6);
    await ch.push(7);
    expect(ch.tryPush(8)).toBe(true);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });

  it('a parked pullMany on a drop channel is served by the first push', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    const p = ch.pullMany(5);
    await ch.pushAll([1, 2, 3, 4]);
    expect(await p).toEqual([1]);
    expect(await ch.pullMany(5)).toEqual([3, 4]);
  });

  it('pushAll into a drop channel with a signal aborted part-way by the generator', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    const c = new AbortController();
    function* gen() {
      yield 1;
      yield 2;
      yield 3;
      c.abort(new Error('stop'));
      yield 4;
    }
    const e = await ch.pushAll(gen(), { signal: c.signal }).catch((x: unknown) => x);
    expect((e as Error).message).toBe('stop');
    expect((e as Pushed).pushed).toBe(3);
    expect(await ch.pullMany(5)).toEqual([2, 3]);
  });

  it('stats never shows waiting pushers on a drop channel', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const ps = [1, 2, 3].map((v) => ch.push(v));
    expect(ch.stats().waitingPushers).toBe(0);
    await Promise.all(ps);
  });

  it('close on a full drop channel keeps its buffered values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3]);
    ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([2, 3]);
  });
});

describe('signals combined', () => {
  it('AbortSignal.any cancels a parked pullMany and pushAll', async () => {
    const ch = new Channel<number>();
    const c = new AbortController();
    const signal = AbortSignal.any([c.signal]);
    const a = ch.pullMany(2, { signal });
    const b = new Channel<number>().pushAll([1, 2], { signal });
    c.abort('both');
    await expect(a).rejects.toBe('both');
    const eb = await b.catch((x: unknown) => x);
    expect(eb === 'both' || (eb as Error).cause === 'both').toBe(true);
  });

  it('a pushAll on an unbuffered channel, aborted while its first value is parked, has pushed 0 and delivers nothing', async () => {
    const ch = new Channel<object>();
    const c = new AbortController();
    const reason = new Error('x');
    const p = ch.pushAll([{ a: 1 }], { signal: c.signal });
    c.abort(reason);
    const e = await p.catch((x: unknown) => x);
    expect(e).toBe(reason);
    expect((e as Pushed).pushed).toBe(0);
    expect(ch.tryPull()).toBeUndefined();
  });
});
