// Blind acceptance tests (audit BS-durable) of chanasync/durable: the methods the README lists,
// input validation and values that cannot be stored. Written from SPEC.md, README.md and dist/*.d.ts.
import { describe, expect, it } from 'vitest';
import { durableChannel } from '../../../src/durable/index.js';
import { ChannelClosedError } from '../../../src/index.js';
import { fresh, NS, open, rejection } from './util.js';

/** A thenable, made on purpose: durable channels refuse it (it is not structured-cloneable data). */
// biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
const thenable = () => ({ then() {} });

describe('factory', () => {
  it('creates a client with no I/O and only a name property', async () => {
    const name = fresh('factory');
    const ch = open<number>(name);
    expect(ch.name).toBe(name);
    expect((ch as unknown as { capacity?: unknown }).capacity).toBeUndefined();
    expect((ch as unknown as { size?: unknown }).size).toBeUndefined();
    await ch.close();
  });

  it('validates its arguments with TypeError / RangeError', () => {
    expect(() => durableChannel({} as never, 'x')).toThrow(TypeError);
    expect(() => durableChannel(null as never, 'x')).toThrow(TypeError);
    expect(() => durableChannel(NS.get(NS.idFromName('x')) as never, 'x')).toThrow(TypeError);
    expect(() => durableChannel(NS, '')).toThrow(TypeError);
    expect(() => durableChannel(NS, 42 as never)).toThrow(TypeError);
    expect(() => durableChannel(NS, 'x', 1000 as never)).toThrow(TypeError);
    expect(() => durableChannel(NS, 'x', { capacity: '3' as never })).toThrow(TypeError);
    expect(() => durableChannel(NS, 'x', { capacity: 0 })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { capacity: -1 })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { capacity: 1.5 })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { capacity: Number.NaN })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { sliceMs: 0 })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { leaseMs: -5 })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { leaseMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => durableChannel(NS, 'x', { capacity: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() => durableChannel(NS, 'x', {})).not.toThrow();
  });
});

describe('push / pull', () => {
  it('is FIFO and empties the channel (pull resolves after acknowledgement)', async () => {
    const ch = open<number>(fresh('fifo'));
    for (let i = 0; i < 10; i++) await ch.push(i);
    expect((await ch.stats()).size).toBe(10);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await ch.pull());
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const s = await ch.stats();
    expect(s).toMatchObject({ size: 0, leased: 0, waitingPullers: 0, waitingPushers: 0, closed: false });
    await ch.close();
  });

  it('carries structured-cloneable values, undefined and null included', async () => {
    const ch = open<unknown>(fresh('values'));
    const values: unknown[] = [
      undefined,
      null,
      0,
      -0,
      'text',
      10n,
      new Date(5),
      new Map([[1, 'a']]),
      new Set([1, 2]),
      new Uint8Array([1, 2, 3]),
      { nested: { deep: [1, { x: 'y' }] } },
      [1, undefined, 3],
      /re/g,
    ];
    for (const v of values) await ch.push(v);
    for (const v of values) expect(await ch.pull()).toEqual(v);
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('pullWithId returns the push id as delivery id, attempt 1', async () => {
    const ch = open<string>(fresh('withid'));
    await ch.push('a', { id: 'job-1' });
    await ch.push('b');
    await ch.push('c');
    const a = await ch.pullWithId();
    expect(a).toEqual({ value: 'a', id: 'job-1', attempt: 1 });
    const b = await ch.pullWithId();
    const c = await ch.pullWithId();
    expect(b.value).toBe('b');
    expect(c.value).toBe('c');
    expect(typeof b.id).toBe('string');
    expect(b.id.length).toBeGreaterThan(0);
    expect(b.id).not.toBe(c.id);
    expect(b.attempt).toBe(1);
    await ch.close();
  });

  it('keeps ids exactly (case, spaces, emoji, 256 code units)', async () => {
    const ch = open<number>(fresh('ids'));
    const ids = ['Job 1', 'job 1', ' \u0000x', '😀'.repeat(128), 'a'.repeat(256)];
    for (const [i, id] of ids.entries()) await ch.push(i, { id });
    for (const [i, id] of ids.entries()) expect(await ch.pullWithId()).toEqual({ value: i, id, attempt: 1 });
    await ch.close();
  });

  it('an id is per channel: the same id stores a value in each of two channels', async () => {
    const a = open<number>(fresh('id-a'));
    const b = open<number>(fresh('id-b'));
    await a.push(1, { id: 'same' });
    await b.push(2, { id: 'same' });
    expect(await a.tryPull()).toBe(1);
    expect(await b.tryPull()).toBe(2);
    await a.close();
    await b.close();
  });
});

describe('idempotent push', () => {
  it('a repeated id stores once, the first value is kept', async () => {
    const ch = open<string>(fresh('idem'));
    await ch.push('first', { id: 'k' });
    await ch.push('first', { id: 'k' });
    await ch.push('second', { id: 'k' });
    expect(await ch.tryPush('third', { id: 'k' })).toBe(true);
    expect((await ch.stats()).size).toBe(1);
    expect(await ch.pullWithId()).toEqual({ value: 'first', id: 'k', attempt: 1 });
    // Remembered after consumption too (at least 10 minutes).
    await ch.push('again', { id: 'k' });
    expect(await ch.tryPull()).toBeUndefined();
    await ch.close();
  });

  it('a push whose id is remembered resolves on a full or closed channel', async () => {
    const ch = open<string>(fresh('idem-full'), { capacity: 1 });
    await ch.push('x', { id: 'k1' });
    await expect(ch.push('x', { id: 'k1' })).resolves.toBeUndefined();
    await ch.close();
    await expect(ch.push('x', { id: 'k1' })).resolves.toBeUndefined();
    expect(await ch.tryPush('x', { id: 'k1' })).toBe(true);
    await expect(ch.push('y', { id: 'k2' })).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await ch.pull()).toBe('x');
  });
});

describe('tryPush / tryPull / tryPullMany / pullMany', () => {
  it('tryPush answers true while there is room, false when full or closed', async () => {
    const ch = open<number>(fresh('trypush'), { capacity: 2 });
    expect(await ch.tryPush(1)).toBe(true);
    expect(await ch.tryPush(2)).toBe(true);
    expect(await ch.tryPush(3)).toBe(false);
    expect((await ch.stats()).size).toBe(2);
    await ch.close();
    expect(await ch.tryPush(4)).toBe(false);
    expect(await ch.tryPull()).toBe(1);
    expect(await ch.tryPull()).toBe(2);
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('tryPull answers undefined on an empty channel and never waits', async () => {
    const ch = open<number>(fresh('trypull'));
    expect(await ch.tryPull()).toBeUndefined();
    expect((await ch.stats()).waitingPullers).toBe(0);
    await ch.push(7);
    expect(await ch.tryPull()).toBe(7);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0 });
    await ch.close();
  });

  it('pullMany takes up to max in FIFO order; tryPullMany takes what is ready, [] when none', async () => {
    const ch = open<number>(fresh('many'));
    expect(await ch.tryPullMany(5)).toEqual([]);
    for (let i = 1; i <= 5; i++) await ch.push(i);
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pullMany(10)).toEqual([4, 5]);
    for (let i = 6; i <= 8; i++) await ch.push(i);
    expect(await ch.tryPullMany(2)).toEqual([6, 7]);
    expect(await ch.tryPullMany(1000)).toEqual([8]);
    expect(await ch.tryPullMany(3)).toEqual([]);
    expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPullers: 0 });
    await ch.close();
    expect(await ch.tryPullMany(3)).toEqual([]);
  });

  it('pullMany(max) above 1000 is accepted and takes at most 1000', async () => {
    const ch = open<number>(fresh('many-big'));
    await Promise.all(Array.from({ length: 1005 }, (_, i) => ch.push(i)));
    const batch = await ch.pullMany(5000);
    expect(batch.length).toBe(1000);
    expect(batch).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await ch.pullMany(5000)).toEqual([1000, 1001, 1002, 1003, 1004]);
    await ch.close();
  });

  it('pullMany / tryPullMany check max: TypeError for a non-number, RangeError otherwise, naming the method', async () => {
    const ch = open<number>(fresh('many-bad'));
    await ch.push(1);
    for (const [bad, cls] of [
      ['2', TypeError],
      [undefined, TypeError],
      [0, RangeError],
      [-1, RangeError],
      [1.5, RangeError],
      [Number.NaN, RangeError],
      [Number.POSITIVE_INFINITY, RangeError],
    ] as const) {
      const e1 = await rejection(ch.pullMany(bad as never));
      expect(e1).toBeInstanceOf(cls);
      expect(String((e1 as Error).message)).toMatch(/pullMany/);
      const e2 = await rejection(ch.tryPullMany(bad as never));
      expect(e2).toBeInstanceOf(cls);
      expect(String((e2 as Error).message)).toMatch(/tryPullMany/);
    }
    // Nothing was consumed by the refused calls.
    expect(await ch.stats()).toMatchObject({ size: 1, leased: 0, waitingPullers: 0 });
    await ch.close();
  });
});

describe('stats', () => {
  it('has exactly the documented fields', async () => {
    const name = fresh('stats');
    const ch = open<number>(name, { capacity: 3 });
    await ch.push(1);
    await ch.push(2);
    expect(await ch.stats()).toEqual({
      name,
      capacity: 3,
      size: 2,
      leased: 0,
      closed: false,
      waitingPushers: 0,
      waitingPullers: 0,
    });
    await ch.close('bye');
    expect(await ch.stats()).toMatchObject({ closed: true, size: 2 });
  });

  it('a default channel is unbounded (capacity Infinity)', async () => {
    const ch = open<number>(fresh('stats-inf'));
    expect((await ch.stats()).capacity).toBe(Number.POSITIVE_INFINITY);
    await ch.close();
  });
});

describe('capacity is fixed by the first operation', () => {
  it('a client asking for a different capacity gets RangeError from every operation, naming it', async () => {
    const name = fresh('cap');
    const a = open<number>(name, { capacity: 2 });
    await a.push(1);
    const b = open<number>(name, { capacity: 5 });
    const e = await rejection(b.push(2));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/push/);
    expect((e as Error).message).toMatch(/2/);
    expect((e as Error).message).toMatch(/5/);
    await expect(b.pull()).rejects.toBeInstanceOf(RangeError);
    await expect(b.tryPull()).rejects.toBeInstanceOf(RangeError);
    await expect(b.tryPush(3)).rejects.toBeInstanceOf(RangeError);
    await expect(b.stats()).rejects.toBeInstanceOf(RangeError);
    await expect(b.close()).rejects.toBeInstanceOf(RangeError);
    // A client without a capacity accepts the channel's.
    const c = open<number>(name);
    expect((await c.stats()).capacity).toBe(2);
    expect(await c.stats()).toMatchObject({ size: 1, closed: false });
    await a.close();
  });

  it('stats() of a client without capacity creates an unbounded channel; a bounded client then fails', async () => {
    const name = fresh('cap-first');
    const consumer = open<number>(name);
    expect((await consumer.stats()).capacity).toBe(Number.POSITIVE_INFINITY);
    const producer = open<number>(name, { capacity: 10 });
    await expect(producer.push(1)).rejects.toBeInstanceOf(RangeError);
    await consumer.close();
  });
});

describe('bad input rejects (never throws synchronously) with errors naming the method', () => {
  it('options that are not objects', async () => {
    const ch = open<number>(fresh('opts'));
    const signal = new AbortController().signal;
    const calls: [string, () => Promise<unknown>][] = [
      ['push', () => ch.push(1, signal as never)],
      ['push', () => ch.push(1, 'key' as never)],
      ['pull', () => ch.pull(signal as never)],
      ['pullWithId', () => ch.pullWithId(signal as never)],
      ['pullMany', () => ch.pullMany(2, signal as never)],
      ['tryPush', () => ch.tryPush(1, 'key' as never)],
    ];
    for (const [method, call] of calls) {
      let p!: Promise<unknown>;
      expect(() => {
        p = call();
      }).not.toThrow();
      const e = await rejection(p);
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toContain(method);
    }
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPullers: 0, waitingPushers: 0 });
    await ch.close();
  });

  it('bad ids: empty, too long, lone surrogate, not a string', async () => {
    const ch = open<number>(fresh('badid'));
    for (const id of ['', 'a'.repeat(257), 'x\uD800y', 42]) {
      const e = await rejection(ch.push(1, { id: id as never }));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/push/);
      const e2 = await rejection(ch.tryPush(1, { id: id as never }));
      expect(e2).toBeInstanceOf(TypeError);
      expect((e2 as Error).message).toMatch(/tryPush/);
    }
    expect((await ch.stats()).size).toBe(0);
    await ch.close();
  });

  it('a bad signal option is a TypeError', async () => {
    const ch = open<number>(fresh('badsignal'));
    await expect(ch.push(1, { signal: 'x' as never })).rejects.toBeInstanceOf(TypeError);
    await expect(ch.pull({ signal: {} as never })).rejects.toBeInstanceOf(TypeError);
    expect(await ch.stats()).toMatchObject({ size: 0, waitingPullers: 0 });
    await ch.close();
  });

  it('methods taken off the client reject with a TypeError naming them', async () => {
    const ch = open<number>(fresh('detached'));
    const { push, pull, tryPull, stats, close } = ch;
    for (const [name, call] of [
      ['push', () => push(1)],
      ['pull', () => pull()],
      ['tryPull', () => tryPull()],
      ['stats', () => stats()],
      ['close', () => close()],
    ] as const) {
      const e = await rejection(call() as Promise<unknown>);
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toContain(name);
    }
    expect((await ch.stats()).closed).toBe(false);
    await ch.close();
  });
});

describe('values that cannot be stored', () => {
  class Point {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  const refused: [string, () => unknown][] = [
    ['a function', () => () => 1],
    ['a nested function', () => ({ f() {} })],
    ['a symbol', () => Symbol('s')],
    ['a class instance', () => new Point(1, 2)],
    ['a null-prototype object', () => Object.create(null)],
    ['a thenable', thenable],
    ['a ReadableStream', () => new ReadableStream()],
    ['a Response with a body', () => new Response('body')],
    ['a value too large for storage (3 MB)', () => 'x'.repeat(3 * 1024 * 1024)],
  ];
  for (const [what, make] of refused) {
    it(`${what}: push and tryPush reject with TypeError naming the method, nothing stored`, async () => {
      const ch = open<unknown>(fresh('refused'));
      const e = await rejection(ch.push(make()));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/push/);
      const e2 = await rejection(ch.tryPush(make()));
      expect(e2).toBeInstanceOf(TypeError);
      expect((e2 as Error).message).toMatch(/tryPush/);
      expect(await ch.stats()).toMatchObject({ size: 0, leased: 0, waitingPushers: 0 });
      // The channel still works.
      await ch.push('ok');
      expect(await ch.pull()).toBe('ok');
      await ch.close();
    });
  }

  it('a value that cannot be stored is a TypeError at once even on a full channel', async () => {
    const ch = open<unknown>(fresh('refused-full'), { capacity: 1 });
    await ch.push(1);
    await expect(ch.push('x'.repeat(3 * 1024 * 1024))).rejects.toBeInstanceOf(TypeError);
    await expect(ch.push(thenable())).rejects.toBeInstanceOf(TypeError);
    expect(await ch.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    await ch.close();
  });

  it('a thenable is refused even on a closed channel', async () => {
    const ch = open<unknown>(fresh('refused-closed'));
    await ch.close();
    await expect(ch.push(thenable())).rejects.toBeInstanceOf(TypeError);
    await expect(ch.tryPush(thenable())).rejects.toBeInstanceOf(TypeError);
  });
});

describe('out of scope / not a Channel', () => {
  it('has no pushAll, pushNowait, pullNowait; await using is a TypeError that closes nothing', async () => {
    const ch = open<number>(fresh('scope'));
    expect((ch as unknown as Record<string, unknown>).pushAll).toBeUndefined();
    expect((ch as unknown as Record<string, unknown>).pushNowait).toBeUndefined();
    expect((ch as unknown as Record<string, unknown>).pullNowait).toBeUndefined();
    let threw: unknown;
    try {
      await using _x = ch as never;
    } catch (error) {
      threw = error;
    }
    expect(threw).toBeInstanceOf(TypeError);
    expect((await ch.stats()).closed).toBe(false);
    await ch.close();
  });
});
