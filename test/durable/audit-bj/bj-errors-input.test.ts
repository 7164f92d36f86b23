/**
 * Auditor BJ — durable: errors crossing the boundary keep class and message; bad input gets a
 * clear error naming the function, and nothing is lost or stored.
 */
import { ChannelClosedError } from 'chanasync';
import { durableChannel } from 'chanasync/durable';
import { describe, expect, it } from 'vitest';
import { freshName, ns, rejection, within } from './bj-helpers.js';

describe('close reasons cross the boundary', () => {
  const cases: [string, () => unknown, (cause: unknown) => void][] = [
    [
      'a TypeError keeps its class and message',
      () => new TypeError('bad job'),
      (c) => {
        expect(c).toBeInstanceOf(TypeError);
        expect((c as Error).message).toBe('bad job');
      },
    ],
    [
      'an AbortError DOMException (signal.reason) keeps its name',
      () => AbortSignal.abort().reason,
      (c) => {
        expect((c as Error).name).toBe('AbortError');
      },
    ],
    ['a string reason arrives as that string', () => 'maintenance', (c) => expect(c).toBe('maintenance')],
    [
      'a plain-data reason arrives equal',
      () => ({ code: 503, retry: true }),
      (c) => expect(c).toEqual({ code: 503, retry: true }),
    ],
  ];
  for (const [title, make, check] of cases) {
    it(`close(reason): ${title}, for a pull of another client`, async () => {
      const name = freshName('bj-reason');
      await durableChannel<number>(ns(), name).close(make());
      const error = await rejection(durableChannel<number>(ns(), name).pull());
      expect(error).toBeInstanceOf(ChannelClosedError);
      check(error.cause);
    });
  }

  it('async iteration over a channel closed with a reason throws that reason after the buffered values', async () => {
    const name = freshName('bj-iter-reason');
    const ch = durableChannel<number>(ns(), name);
    await ch.push(1);
    await ch.close(new RangeError('stop'));
    const got: number[] = [];
    let thrown: unknown;
    try {
      for await (const v of durableChannel<number>(ns(), name)) got.push(v);
    } catch (error) {
      thrown = error;
    }
    expect(got).toEqual([1]);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as Error).message).toBe('stop');
  });

  it('a close reason that cannot be stored (a function) is kept as an Error whose message mentions it; the close still happens', async () => {
    const name = freshName('bj-reason-fn');
    const ch = durableChannel<number>(ns(), name);
    await ch.close(() => 1);
    expect((await ch.stats()).closed).toBe(true);
    const error = await rejection(ch.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('bad values: a TypeError naming the operation, nothing stored', () => {
  const bad: [string, () => unknown][] = [
    ['a function', () => () => 1],
    ['an object with a nested function', () => ({ run: () => 1 })],
    ['a Symbol', () => Symbol('s')],
    ['an instance of a user class', () => new (class Job {})()],
    ['an object with a null prototype', () => Object.create(null)],
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case is about
    ['a thenable', () => ({ then() {} })],
    ['a ReadableStream', () => new ReadableStream()],
  ];
  for (const [what, make] of bad) {
    it(`push of ${what} rejects with a TypeError naming push and stores nothing`, async () => {
      const ch = durableChannel<unknown>(ns(), freshName('bj-bad'));
      await ch.push('before');
      const error = await within(rejection(ch.push(make())), 5000, 'bad push');
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/push/);
      await ch.push('after');
      expect(await ch.pullMany(10)).toEqual(['before', 'after']);
    });
  }

  it('tryPush of a function on a channel with room rejects with a TypeError naming tryPush and stores nothing', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bj-bad-try'));
    const error = await rejection(ch.tryPush(() => 1));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/tryPush/);
    expect(await ch.stats()).toMatchObject({ size: 0 });
  });

  it('a value too large for storage (3 MiB) rejects at once with a TypeError even on a full channel, and the waiting order is kept', async () => {
    const name = freshName('bj-huge');
    const ch = durableChannel<string>(ns(), name, { capacity: 1 });
    await ch.push('x');
    const error = await within(rejection(ch.push('y'.repeat(3 * 1024 * 1024))), 5000, 'huge push on full channel');
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/push/);
    expect(await ch.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(await ch.pull()).toBe('x');
    expect(await ch.tryPull()).toBeUndefined();
  });

  it('a value just under the storage limit (1.5 MiB string) is stored and read back intact', async () => {
    const ch = durableChannel<string>(ns(), freshName('bj-big'));
    const big = 'z'.repeat(1.5 * 1024 * 1024);
    await ch.push(big);
    expect((await ch.pull()).length).toBe(big.length);
  });

  it('structured-cloneable values round-trip: Date, Map, Set, bigint, typed array, nested arrays, undefined fields', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bj-clone'));
    const value = {
      d: new Date(5),
      m: new Map([[1, 'a']]),
      s: new Set([1, 2]),
      b: 10n ** 20n,
      u8: new Uint8Array([1, 2, 3]),
      nested: [[1], [2, [3]]],
      u: undefined,
      neg0: -0,
      nan: Number.NaN,
    };
    await ch.push(value);
    expect(await ch.pull()).toEqual(value);
  });

  it('undefined and null are values that can be pushed and pulled', async () => {
    const ch = durableChannel<unknown>(ns(), freshName('bj-undef'));
    await ch.push(undefined);
    await ch.push(null);
    expect(await ch.pull()).toBeUndefined();
    expect(await ch.pull()).toBeNull();
  });
});

describe('bad arguments: errors naming the function, before any I/O', () => {
  it('durableChannel with an empty or non-string name throws a TypeError naming durableChannel', () => {
    for (const name of ['', 42, null, undefined, {}]) {
      let error: unknown;
      try {
        durableChannel(ns(), name as string);
      } catch (e) {
        error = e;
      }
      expect(error, String(name)).toBeInstanceOf(TypeError);
      expect((error as Error).message, String(name)).toMatch(/durableChannel/);
    }
  });

  it('durableChannel with a bad capacity throws a RangeError (0, -1, 1.5, NaN) or a TypeError (a string)', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => durableChannel(ns(), 'x', { capacity }), String(capacity)).toThrow(RangeError);
    }
    expect(() => durableChannel(ns(), 'x', { capacity: '3' as unknown as number })).toThrow(TypeError);
  });

  it('durableChannel with a stub in place of a namespace throws a TypeError', () => {
    const stub = (ns() as unknown as { get(id: unknown): unknown; idFromName(n: string): unknown }).get(
      ns().idFromName('x'),
    );
    expect(() => durableChannel(stub as never, 'x')).toThrow(TypeError);
  });

  it('pullMany(0), pullMany(-2), pullMany(1.5) reject with a RangeError naming pullMany; pullMany("3") a TypeError; nothing taken', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-many-bad'));
    await ch.push(1);
    for (const max of [0, -2, 1.5]) {
      const error = await rejection(ch.pullMany(max));
      expect(error, String(max)).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(/pullMany/);
    }
    expect(await rejection(ch.pullMany('3' as unknown as number))).toBeInstanceOf(TypeError);
    expect(await ch.stats()).toMatchObject({ size: 1, leased: 0 });
  });

  it('a push id that is empty, longer than 256, or has a lone surrogate is a TypeError naming push; nothing stored', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-bad-id'));
    for (const id of ['', 'a'.repeat(257), 'x\uD800y']) {
      const error = await rejection(ch.push(1, { id }));
      expect(error, JSON.stringify(id)).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/push/);
    }
    expect(await ch.stats()).toMatchObject({ size: 0 });
    await ch.push(2, { id: 'a'.repeat(256) });
    expect(await ch.pullWithId()).toMatchObject({ value: 2, id: 'a'.repeat(256) });
  });

  it('an AbortSignal passed in place of the options is refused with a TypeError naming pull', async () => {
    const ch = durableChannel<number>(ns(), freshName('bj-signal-opt'));
    const error = await rejection(ch.pull(AbortSignal.timeout(100) as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/pull/);
  });

  it('channel names are exact: names differing only in case or trailing space are different channels', async () => {
    const base = freshName('bj-Name');
    await durableChannel<string>(ns(), base).push('upper');
    expect(await durableChannel<string>(ns(), base.toLowerCase()).tryPull()).toBeUndefined();
    expect(await durableChannel<string>(ns(), `${base} `).tryPull()).toBeUndefined();
    expect(await durableChannel<string>(ns(), base).pull()).toBe('upper');
  });

  it('a channel name with a lone surrogate is refused with a TypeError (it would collide after UTF-8 encoding) or keeps its own channel', async () => {
    const base = freshName('bj-sur');
    let refused = false;
    try {
      const a = durableChannel<string>(ns(), `${base}\uD800`);
      await a.push('lone');
    } catch (error) {
      refused = true;
      expect(error).toBeInstanceOf(TypeError);
    }
    if (!refused) {
      // If accepted, it must not be the same channel as the U+FFFD spelling.
      expect(await durableChannel<string>(ns(), `${base}\uFFFD`).tryPull()).toBeUndefined();
    }
  });
});
