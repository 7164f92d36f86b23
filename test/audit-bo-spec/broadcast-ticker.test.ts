// Blind conformance pass (audit BO-spec): Second map, "Broadcast and ticker" (and after()).

import { after as afterMs, broadcast, Channel, ChannelClosedError, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, ticks } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('broadcast', () => {
  it('delivers every value to every subscriber, in order', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const s1 = b.subscribe();
    const s2 = b.subscribe();
    const c1 = collect(s1);
    const c2 = collect(s2);
    for (let i = 0; i < 20; i++) await src.push(i);
    src.close();
    const [r1, r2] = await Promise.all([c1, c2]);
    const expected = Array.from({ length: 20 }, (_, i) => i);
    expect(r1).toEqual({ values: expected, threw: false });
    expect(r2).toEqual({ values: expected, threw: false });
  });

  it('subscribe() without options gives capacity 1 and block', () => {
    const b = broadcast(new Channel<number>(0));
    const s = b.subscribe();
    expect(s).toBeInstanceOf(Channel);
    expect(s.capacity).toBe(1);
    expect(s.stats().overflow).toBe('block');
    b.close();
  });

  it('subscribe honours capacity and overflow options', () => {
    const b = broadcast(new Channel<number>(0));
    const s = b.subscribe({ capacity: 4, overflow: 'drop-oldest' });
    expect(s.capacity).toBe(4);
    expect(s.stats().overflow).toBe('drop-oldest');
    b.close();
  });

  it('with no subscriber it pulls nothing: values wait in source', async () => {
    const src = new Channel<number>(5);
    for (const v of [1, 2, 3]) src.pushNowait(v);
    const b = broadcast(src);
    await ticks(5);
    expect(src.size).toBe(3);
    const s = b.subscribe({ capacity: 10 });
    await ticks(5);
    expect(await s.pullMany(10)).toEqual([1, 2, 3]);
    b.close();
  });

  it('a subscriber receives only values pulled after it subscribed', async () => {
    const src = new Channel<number>(10);
    const b = broadcast(src);
    const early = b.subscribe({ capacity: 10 });
    src.pushNowait(1);
    src.pushNowait(2);
    await ticks(5);
    expect(src.size).toBe(0);
    const late = b.subscribe({ capacity: 10 });
    src.pushNowait(3);
    await ticks(5);
    expect(await early.pullMany(10)).toEqual([1, 2, 3]);
    expect(await late.pullMany(10)).toEqual([3]);
    b.close();
  });

  it('block subscribers: the slowest sets the pace (no value taken from source without room in all)', async () => {
    // (README: subscribe() starts taking at once, so subscribe both before the source has values)
    const src = new Channel<number>(10);
    const b = broadcast(src);
    const fast = b.subscribe(); // capacity 1, block
    const slow = b.subscribe();
    for (let i = 1; i <= 5; i++) src.pushNowait(i);
    await ticks(5);
    // first value delivered to both; both are full now
    expect(fast.size).toBe(1);
    expect(slow.size).toBe(1);
    expect(src.size).toBe(4);
    expect(fast.pullNowait()).toBe(1);
    await ticks(5);
    // slow is still full: the broadcast must not take value 2 from the source
    expect(src.size).toBe(4);
    expect(fast.tryPull()).toBeUndefined();
    expect(slow.pullNowait()).toBe(1);
    await ticks(5);
    expect(src.size).toBe(3);
    expect(fast.pullNowait()).toBe(2);
    expect(slow.pullNowait()).toBe(2);
    b.close();
  });

  it('a drop-mode subscriber never holds the others back', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const dropper = b.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const reader = b.subscribe();
    const got = collect(reader);
    for (let i = 1; i <= 10; i++) await src.push(i);
    src.close();
    expect((await got).values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await dropper.pull()).toBe(10); // conflated: the latest
    await expect(dropper.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('a subscriber leaves when its channel is closed; the others go on', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const quitter = b.subscribe();
    const stayer = b.subscribe({ capacity: 10 });
    await src.push(1);
    quitter.close();
    await src.push(2);
    await src.push(3);
    await ticks(3);
    expect(await stayer.pullMany(10)).toEqual([1, 2, 3]);
    b.close();
  });

  it('a subscriber leaves when its signal aborts; the others go on', async () => {
    const src = new Channel<number>(0);
    const b = broadcast(src);
    const ac = new AbortController();
    b.subscribe({ signal: ac.signal }); // the quitter
    const stayer = b.subscribe({ capacity: 10 });
    await src.push(1);
    ac.abort();
    // quitter is full (capacity 1 holding 1) and never read: it must not block the stayer
    await src.push(2);
    await src.push(3);
    await ticks(3);
    expect(await stayer.pullMany(10)).toEqual([1, 2, 3]);
    b.close();
  });

  it('source closed and drained: every subscriber gets everything, then is closed with the same reason', async () => {
    const src = new Channel<number>(3);
    const b = broadcast(src);
    const s1 = b.subscribe({ capacity: 10 });
    const s2 = b.subscribe();
    const c2 = collect(s2);
    for (const v of [1, 2, 3]) await src.push(v);
    const reason = new Error('source done');
    src.close(reason);
    const r1 = await collect(s1);
    expect(r1.values).toEqual([1, 2, 3]);
    expect(r1.error).toBe(reason);
    const r2 = await c2;
    expect(r2.values).toEqual([1, 2, 3]);
    expect(r2.error).toBe(reason);
  });

  it('source close() without reason: subscribers end normally', async () => {
    const src = new Channel<number>(1);
    const b = broadcast(src);
    const s = b.subscribe();
    const c = collect(s);
    await src.push(1);
    src.close();
    expect(await c).toEqual({ values: [1], threw: false });
  });

  it('broadcast.close() stops pulling and closes the subscribers; nothing pulled is lost', async () => {
    const src = new Channel<number>(10);
    const b = broadcast(src);
    const s1 = b.subscribe({ capacity: 2 });
    const s2 = b.subscribe({ capacity: 5 });
    for (let i = 1; i <= 6; i++) src.pushNowait(i);
    await ticks(5);
    b.close();
    await ticks(3);
    expect(s1.closed).toBe(true);
    expect(s2.closed).toBe(true);
    const r1 = await collect(s1);
    const r2 = await collect(s2);
    // the broadcast could only have taken what both subscribers had room for
    expect(r1.values).toEqual(r2.values);
    const taken = r1.values.length;
    expect(r1.values).toEqual(Array.from({ length: taken }, (_, i) => i + 1));
    // the rest waits in the source, in order
    const rest: number[] = [];
    while (src.size > 0) rest.push(src.pullNowait());
    expect([...r1.values, ...rest]).toEqual([1, 2, 3, 4, 5, 6]);
    await ticks(3);
    src.pushNowait(7);
    await ticks(3);
    expect(src.size).toBe(1); // no longer pulled
  });

  it('subscribers are independent Channel instances with FIFO each', async () => {
    const src = new Channel<string>(0);
    const b = broadcast(src);
    const subs = [b.subscribe({ capacity: 3 }), b.subscribe({ capacity: 1 }), b.subscribe({ capacity: Infinity })];
    const results = subs.map((s) => collect(s));
    const letters = 'abcdefghij'.split('');
    for (const l of letters) await src.push(l);
    src.close();
    for (const r of await Promise.all(results)) expect(r.values).toEqual(letters);
  });
});

describe('ticker', () => {
  it.each([0, -1, Number.NaN, Infinity, -Infinity])('ms %s is a RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
  });

  it('is a channel of capacity 1 receiving Date.now() every ms', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const t = ticker(100);
    expect(t).toBeInstanceOf(Channel);
    expect(t.capacity).toBe(1);
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(99);
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(t.tryPull()).toBe(start + 100);
    vi.advanceTimersByTime(100);
    expect(t.tryPull()).toBe(start + 200);
    t.close();
  });

  it('a tick that finds the buffer full is dropped (the buffered tick stays)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const t = ticker(100);
    vi.advanceTimersByTime(350);
    expect(t.size).toBe(1);
    expect(t.tryPull()).toBe(start + 100);
    vi.advanceTimersByTime(50);
    expect(t.tryPull()).toBe(start + 400); // schedule kept: due at start + k·ms
    t.close();
  });

  it('does not drift: a late timer does not shift later ticks', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const realSetTimeout = globalThis.setTimeout;
    let first = true;
    // Make only the first timer the ticker arms fire 60 ms late.
    globalThis.setTimeout = ((fn: () => void, delay?: number, ...rest: unknown[]) => {
      const extra = first ? 60 : 0;
      first = false;
      return realSetTimeout(fn, (delay ?? 0) + extra, ...rest);
    }) as typeof setTimeout;
    let t: Channel<number>;
    try {
      t = ticker(100);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(10);
      const v = t.tryPull();
      if (v !== undefined) seen.push(v - start);
    }
    t.close();
    expect(seen.length).toBeGreaterThanOrEqual(8);
    // after the late first tick, ticks fall on multiples of 100 again
    for (const d of seen.slice(1)) expect(d % 100).toBe(0);
  });

  it('closing the channel clears the timer', () => {
    vi.useFakeTimers();
    const before = vi.getTimerCount();
    const t = ticker(100);
    expect(vi.getTimerCount()).toBeGreaterThan(before);
    t.close();
    expect(vi.getTimerCount()).toBe(before);
    vi.advanceTimersByTime(1000);
    expect(t.size).toBe(0);
  });

  it('aborting the signal clears the timer (and closes the channel)', () => {
    vi.useFakeTimers();
    const before = vi.getTimerCount();
    const ac = new AbortController();
    const t = ticker(100, { signal: ac.signal });
    vi.advanceTimersByTime(100);
    expect(t.size).toBe(1);
    ac.abort();
    expect(vi.getTimerCount()).toBe(before);
    vi.advanceTimersByTime(1000);
    expect(t.closed).toBe(true);
    // the tick already buffered stays readable (close loses nothing)
    expect(t.tryPull()).toBeTypeOf('number');
  });

  it('an already aborted signal: no timer, channel closed, no tick', () => {
    vi.useFakeTimers();
    const before = vi.getTimerCount();
    const t = ticker(100, { signal: AbortSignal.abort() });
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(before);
    expect(t.closed).toBe(true);
    expect(t.size).toBe(0);
  });

  it('accepts delays above 2^31-1 ms (chaining timers)', () => {
    vi.useFakeTimers();
    const start = Date.now();
    const ms = 2 ** 31 + 5000;
    const t = ticker(ms);
    vi.advanceTimersByTime(1000);
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(2 ** 31 - 1 - 1000);
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(ms - (2 ** 31 - 1));
    expect(t.tryPull()).toBe(start + ms);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('real timers: ticks arrive and are increasing numbers near Date.now()', async () => {
    const t = ticker(20);
    const values: number[] = [];
    for (let i = 0; i < 3; i++) values.push(await t.pull());
    t.close();
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
    expect(Math.abs(Date.now() - values[2]!)).toBeLessThan(1000);
  });
});

describe('after', () => {
  it('receives Date.now() once after ms and then closes', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const a = afterMs(100);
    vi.advanceTimersByTime(99);
    expect(a.size).toBe(0);
    expect(a.closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(a.closed).toBe(true);
    expect(a.tryPull()).toBe(start + 100);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('signal aborting first: timer cleared, no value, channel closed', () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const a = afterMs(100, { signal: ac.signal });
    vi.advanceTimersByTime(50);
    ac.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(a.closed).toBe(true);
    vi.advanceTimersByTime(100);
    expect(a.size).toBe(0);
  });

  it('closed before its timer fires: the timer is cleared', () => {
    vi.useFakeTimers();
    const a = afterMs(100);
    a.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(200);
    expect(a.size).toBe(0);
  });

  it('accepts delays above 2^31-1 ms', () => {
    vi.useFakeTimers();
    const start = Date.now();
    const ms = 2 ** 31 + 5000;
    const a = afterMs(ms);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(a.size).toBe(0);
    expect(a.closed).toBe(false);
    vi.advanceTimersByTime(ms - (2 ** 31 - 1));
    expect(a.tryPull()).toBe(start + ms);
    expect(a.closed).toBe(true);
  });
});
