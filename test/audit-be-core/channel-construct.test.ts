/**
 * Audit BE-core: `new Channel(capacity, options)`, its getters and `stats()` (SPEC "`Channel<T>`").
 */
import { Channel } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';

describe('constructor capacity', () => {
  it('defaults to 0: an unbuffered rendezvous channel', () => {
    const ch = new Channel<number>();
    expect(ch.capacity).toBe(0);
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.closed).toBe(false);
  });

  it('accepts a positive integer and Infinity', () => {
    expect(new Channel(3).capacity).toBe(3);
    const unbounded = new Channel<number>(Infinity);
    expect(unbounded.capacity).toBe(Infinity);
    for (let i = 0; i < 10_000; i++) unbounded.pushNowait(i);
    expect(unbounded.size).toBe(10_000);
    expect(unbounded.full).toBe(false);
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['fractional', 1.5],
    ['-Infinity', -Infinity],
  ])('a %s capacity is a RangeError from the constructor', (_label, capacity) => {
    const error = thrown(() => new Channel(capacity));
    expect(error).toBeInstanceOf(RangeError);
    expect(String((error as Error).message)).toMatch(/capacity|Channel/i);
  });

  it.each([
    ['string', '3'],
    ['bigint', 3n],
    ['object', {}],
    ['null', null],
    ['boolean', true],
  ])('a %s capacity is a TypeError from the constructor', (_label, capacity) => {
    const error = thrown(() => new Channel(capacity as never));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('undefined capacity means the default 0', () => {
    expect(new Channel(undefined).capacity).toBe(0);
  });
});

describe('overflow policy', () => {
  it('defaults to block', () => {
    expect(new Channel(2).stats().overflow).toBe('block');
  });

  it.each(['drop-oldest', 'drop-newest'] as const)('%s with capacity 0 is a RangeError', (overflow) => {
    expect(thrown(() => new Channel(0, { overflow }))).toBeInstanceOf(RangeError);
    expect(thrown(() => new Channel(undefined, { overflow }))).toBeInstanceOf(RangeError);
  });

  it('an unknown policy is refused', () => {
    const error = thrown(() => new Channel(1, { overflow: 'drop-all' as never }));
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('drop-oldest keeps a sliding window; capacity 1 is a conflated channel (latest wins)', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (let i = 1; i <= 5; i++) ch.pushNowait(i);
    expect(ch.size).toBe(2);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([4, 5]);

    const latest = new Channel<string>(1, { overflow: 'drop-oldest' });
    await latest.push('a');
    await latest.push('b');
    expect(latest.tryPush('c')).toBe(true);
    expect(latest.pullNowait()).toBe('c');
    expect(latest.size).toBe(0);
  });

  it('drop-newest discards the pushed value on a full buffer, without error', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.push(1);
    await ch.push(2);
    await expect(ch.push(3)).resolves.toBeUndefined();
    expect(() => ch.pushNowait(4)).not.toThrow();
    expect(ch.tryPush(5)).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('a drop-mode push never waits: push resolves on a full buffer', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.pushNowait(1);
    let resolved = false;
    void ch.push(2).then(() => {
      resolved = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(true);
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('a drop mode hands the value to a parked puller before it would drop anything', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-newest' });
    const p = ch.pull();
    ch.pushNowait(1);
    ch.pushNowait(2); // buffered (room: the first went to the puller)
    ch.pushNowait(3); // dropped
    expect(await p).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('drop modes reject a push on a closed channel like any channel', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.close();
    await expect(ch.push(1)).rejects.toMatchObject({ name: 'ChannelClosedError' });
    expect(ch.tryPush(1)).toBe(false);
  });
});

describe('name and getters', () => {
  it('name labels the channel and is returned by the getter and stats()', () => {
    const ch = new Channel<number>(2, { name: 'jobs' });
    expect(ch.name).toBe('jobs');
    expect(ch.stats().name).toBe('jobs');
  });

  it('a non-string name is refused with a TypeError', () => {
    expect(thrown(() => new Channel(1, { name: 42 as never }))).toBeInstanceOf(TypeError);
  });

  it('size, full and empty follow the buffer', () => {
    const ch = new Channel<number>(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([0, false, true]);
    ch.pushNowait(1);
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
    ch.pushNowait(2);
    expect([ch.size, ch.full, ch.empty]).toEqual([2, true, false]);
    ch.pullNowait();
    expect([ch.size, ch.full, ch.empty]).toEqual([1, false, false]);
  });

  it('an unbuffered channel is always full, size 0, even with a parked pusher', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    await Promise.resolve();
    expect(ch.size).toBe(0);
    expect(ch.full).toBe(true);
    expect(ch.empty).toBe(true);
    expect(ch.pullNowait()).toBe(1);
    await p;
  });

  it('closed is true as soon as close() is called, even with values still buffered', () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(1);
  });

  it('the getters are read-only', () => {
    const ch = new Channel<number>(2);
    expect(() => {
      (ch as { capacity: number }).capacity = 5;
    }).toThrow(TypeError);
    expect(ch.capacity).toBe(2);
  });
});

describe('stats()', () => {
  it('has exactly the SPEC fields', () => {
    const ch = new Channel<number>(3, { name: 'n', overflow: 'drop-newest' });
    ch.pushNowait(1);
    expect(ch.stats()).toEqual({
      name: 'n',
      capacity: 3,
      size: 1,
      closed: false,
      overflow: 'drop-newest',
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });

  it('counts parked pushers and pullers, and forgets them once they leave', async () => {
    const a = new Channel<number>();
    const ac = new AbortController();
    const p1 = a.push(1, { signal: ac.signal });
    const p2 = a.push(2);
    expect(a.stats().waitingPushers).toBe(2);
    ac.abort();
    await expect(p1).rejects.toBeDefined();
    expect(a.stats().waitingPushers).toBe(1);
    expect(a.pullNowait()).toBe(2);
    await p2;
    expect(a.stats().waitingPushers).toBe(0);

    const b = new Channel<number>(1);
    const q1 = b.pull();
    const q2 = b.pull();
    expect(b.stats().waitingPullers).toBe(2);
    b.pushNowait(1);
    b.pushNowait(2);
    expect(b.stats().waitingPullers).toBe(0);
    expect([await q1, await q2]).toEqual([1, 2]);
  });

  it('returns a copy, not a live view', () => {
    const ch = new Channel<number>(2);
    const before = ch.stats();
    ch.pushNowait(1);
    expect(before.size).toBe(0);
    expect(ch.stats().size).toBe(1);
  });
});
