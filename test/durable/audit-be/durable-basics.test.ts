/**
 * Audit BE, durable: push/pull, FIFO, ids, idempotence, capacity, try*, pullMany, stats and
 * iteration (SPEC "Durable channels on Cloudflare"; README "Semantic details" where it is silent).
 */
import { env } from 'cloudflare:workers';
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { channel, fresh, rejection, sleep, track, until } from './helpers.js';

describe('push and pull', () => {
  it('values come out in FIFO order, each once', async () => {
    const ch = channel<number>(fresh('fifo'));
    for (let i = 0; i < 20; i++) await ch.push(i);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await ch.pull());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await ch.tryPull()).toBeUndefined();
    const stats = await ch.stats();
    expect(stats.size).toBe(0);
    expect(stats.leased).toBe(0);
  });

  it('pushes started together without awaiting are stored in call order', async () => {
    const ch = channel<number>(fresh('together'));
    await Promise.all(Array.from({ length: 30 }, (_, i) => ch.push(i)));
    expect(await ch.pullMany(100)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('two clients of one name see one channel', async () => {
    const name = fresh('two-clients');
    const a = channel<string>(name);
    const b = channel<string>(name);
    await a.push('from a');
    await b.push('from b');
    expect(await b.pull()).toBe('from a');
    expect(await a.pull()).toBe('from b');
  });

  it('structured-cloneable values arrive as clones (Map, Date, nested, undefined, bigint)', async () => {
    const ch = channel<unknown>(fresh('clones'));
    const values = [new Map([[1, { a: [1] }]]), new Date(5), { n: 1n, nested: { deep: [null] } }, undefined, 'x'];
    for (const v of values) await ch.push(v);
    const got: unknown[] = [];
    for (let i = 0; i < values.length; i++) got.push(await ch.pull());
    expect(got).toEqual(values);
  });

  it('pullWithId returns the push id as the delivery id, attempt 1 when nothing failed', async () => {
    const ch = channel<string>(fresh('ids'));
    await ch.push('a', { id: 'job-a' });
    await ch.push('b');
    const first = await ch.pullWithId();
    expect(first).toEqual({ value: 'a', id: 'job-a', attempt: 1 });
    const second = await ch.pullWithId();
    expect(second.value).toBe('b');
    expect(typeof second.id).toBe('string');
    expect(second.id.length).toBeGreaterThan(0);
    expect(second.attempt).toBe(1);
  });
});

describe('idempotent push', () => {
  it('a push repeated with the same id is stored once', async () => {
    const ch = channel<string>(fresh('idem'));
    await ch.push('once', { id: 'k1' });
    await ch.push('once', { id: 'k1' });
    await ch.push('twice?', { id: 'k1' });
    expect((await ch.stats()).size).toBe(1);
    expect(await ch.pullWithId()).toMatchObject({ value: 'once', id: 'k1' });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('a retry after the value was consumed is still stored once (ids remembered)', async () => {
    const ch = channel<string>(fresh('idem-late'));
    await ch.push('v', { id: 'late' });
    expect(await ch.pull()).toBe('v');
    await ch.push('v', { id: 'late' });
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('the same id pushed concurrently is stored once', async () => {
    const ch = channel<string>(fresh('idem-concurrent'));
    await Promise.all([ch.push('v', { id: 'same' }), ch.push('v', { id: 'same' }), ch.push('v', { id: 'same' })]);
    expect((await ch.stats()).size).toBe(1);
  });

  it('different ids with equal values are distinct values', async () => {
    const ch = channel<string>(fresh('idem-distinct'));
    await ch.push('v', { id: 'a' });
    await ch.push('v', { id: 'b' });
    expect(await ch.pullMany(10)).toEqual(['v', 'v']);
  });

  it('tryPush with a remembered id answers true and stores nothing more', async () => {
    const ch = channel<string>(fresh('idem-try'));
    expect(await ch.tryPush('v', { id: 'try' })).toBe(true);
    expect(await ch.tryPush('v', { id: 'try' })).toBe(true);
    expect((await ch.stats()).size).toBe(1);
  });
});

describe('capacity', () => {
  it('is fixed by the first call; a client asking for another number gets a RangeError', async () => {
    const name = fresh('cap');
    const first = channel<number>(name, { capacity: 2 });
    await first.push(1);
    const other = channel<number>(name, { capacity: 3 });
    expect(await rejection(other.push(2))).toBeInstanceOf(RangeError);
    expect(await rejection(other.pull())).toBeInstanceOf(RangeError);
    const plain = channel<number>(name);
    expect((await plain.stats()).capacity).toBe(2);
    await plain.push(2);
    expect(await plain.tryPush(3)).toBe(false);
    expect(await plain.pullMany(10)).toEqual([1, 2]);
  });

  it('a new channel without capacity is unbounded', async () => {
    const ch = channel<number>(fresh('unbounded'));
    for (let i = 0; i < 50; i++) expect(await ch.tryPush(i)).toBe(true);
    expect((await ch.stats()).capacity).toBe(Infinity);
  });

  it('bad capacities are refused at the client (0: no rendezvous for stored values)', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => channel(fresh('bad-cap'), { capacity })).toThrow(RangeError);
    }
    expect(() => channel(fresh('bad-cap'), { capacity: '3' as unknown as number })).toThrow(TypeError);
    expect(() => durableChannel(env.CHANNELS, '')).toThrow(TypeError);
  });

  it('a push on a full channel waits for room, keeping FIFO among waiting pushes', async () => {
    const ch = channel<string>(fresh('full'), { capacity: 1 });
    await ch.push('a');
    expect(await ch.tryPush('x')).toBe(false);
    const b = track(ch.push('b'));
    await until(async () => (await ch.stats()).waitingPushers === 1, 5000, 'b waits');
    const c = track(ch.push('c'));
    await until(async () => (await ch.stats()).waitingPushers === 2, 5000, 'c waits');
    await sleep(50);
    expect(b.settled).toBe(false);
    expect(c.settled).toBe(false);
    expect(await ch.pull()).toBe('a');
    await b.promise;
    expect(c.settled).toBe(false);
    expect(await ch.pull()).toBe('b');
    await c.promise;
    expect(await ch.pull()).toBe('c');
  });
});

describe('non-blocking and batch operations', () => {
  it('tryPull answers undefined on an empty channel and the value when one is there', async () => {
    const ch = channel<number>(fresh('trypull'));
    expect(await ch.tryPull()).toBeUndefined();
    await ch.push(7);
    expect(await ch.tryPull()).toBe(7);
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('pullMany takes up to max in FIFO order and waits for at least one', async () => {
    const ch = channel<number>(fresh('many'));
    const waiting = ch.pullMany(3);
    await sleep(30);
    await ch.push(1);
    expect(await waiting).toEqual([1]);
    for (let i = 2; i <= 6; i++) await ch.push(i);
    expect(await ch.pullMany(3)).toEqual([2, 3, 4]);
    expect(await ch.pullMany(3)).toEqual([5, 6]);
  });

  it('pullMany refuses a max that is not a positive integer', async () => {
    const ch = channel<number>(fresh('many-bad'));
    await expect(ch.pullMany(0)).rejects.toBeInstanceOf(RangeError);
    await expect(ch.pullMany(1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(ch.pullMany(-2)).rejects.toBeInstanceOf(RangeError);
  });

  it('stats reports the documented fields', async () => {
    const name = fresh('stats');
    const ch = channel<number>(name, { capacity: 5 });
    await ch.push(1);
    await ch.push(2);
    expect(await ch.stats()).toEqual({
      name,
      capacity: 5,
      size: 2,
      leased: 0,
      closed: false,
      waitingPushers: 0,
      waitingPullers: 0,
    });
  });
});

describe('iteration', () => {
  it('for await yields in order and ends after close and drain', async () => {
    const ch = channel<number>(fresh('iter'));
    for (const v of [1, 2, 3]) await ch.push(v);
    await ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, 2, 3]);
  });

  it('for await throws the close reason after the values', async () => {
    const ch = channel<number>(fresh('iter-reason'));
    await ch.push(1);
    await ch.close(new Error('finished'));
    const got: number[] = [];
    const error = await rejection(
      (async () => {
        for await (const v of ch) got.push(v);
      })(),
    );
    expect(got).toEqual([1]);
    expect((error as Error).message).toBe('finished');
  });

  it('leaving a loop early consumes nothing more and does not close the channel', async () => {
    const ch = channel<number>(fresh('iter-break'));
    for (const v of [1, 2, 3, 4]) await ch.push(v);
    for await (const v of ch) {
      if (v === 2) break;
    }
    expect((await ch.stats()).closed).toBe(false);
    expect(await ch.pullMany(10)).toEqual([3, 4]);
  });
});

describe('errors', () => {
  it('a value that cannot be cloned rejects its push with a TypeError and stores nothing; other values are kept', async () => {
    const ch = channel<unknown>(fresh('uncloneable'));
    await ch.push(1);
    expect(await rejection(ch.push(() => 1))).toBeInstanceOf(TypeError);
    expect(await rejection(ch.push({ f: Symbol('s') }))).toBeInstanceOf(TypeError);
    await ch.push(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  it('ChannelClosedError from a durable channel is chanasync’s class', async () => {
    const ch = channel<number>(fresh('closed-class'));
    await ch.close();
    const error = await rejection(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).name).toBe('ChannelClosedError');
  });
});
