/**
 * Audit BI-batch: pullMany, pushAll, tryPush, tryPull under close, abort and hostile iterables,
 * judged against SPEC "Non-blocking and batch operations" and the README's "Batches".
 */
import { Channel, ChannelClosedError, ChannelError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, state, thrown, trapSignal } from './util.js';

describe('pullMany: values neither lost, duplicated nor reordered', () => {
  it('(holds) pullMany(max) over a full buffer and parked pushers takes FIFO, refills the buffer from the rest, every pusher resolving', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const pushes = [3, 4, 5, 6].map((v) => ch.push(v));
    const got = await ch.pullMany(3);
    expect(got).toEqual([1, 2, 3]);
    // 4 and 5 moved into the freed slots; 6 still parked
    expect(ch.size).toBe(2);
    expect(ch.stats().waitingPushers).toBe(1);
    const st = await Promise.all(pushes.map((p) => state(p)));
    expect(st.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'pending']);
    ch.close();
    expect((await state(pushes[3]!)).status).toBe('rejected');
    expect(await ch.pullMany(10)).toEqual([4, 5]);
    await expect(ch.pullMany(10)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('(holds) pullMany on a channel closed with a reason returns the buffered rest, then rejects with ChannelClosedError carrying the reason, named pullMany', async () => {
    const ch = new Channel<number>(4);
    await ch.pushAll([1, 2, 3]);
    const reason = new Error('done');
    ch.close(reason);
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await ch.pullMany(2)).toEqual([3]);
    const error = await rejection(ch.pullMany(2));
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(error.message).toMatch(/^pullMany/);
  });

  it('(holds) a parked pullMany failed by close(reason) rejects with ChannelClosedError naming pullMany, cause the reason', async () => {
    const ch = new Channel<number>(3, { name: 'jobs' });
    const pending = ch.pullMany(5);
    const reason = { why: 'shutdown' };
    ch.close(reason);
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(error.message).toMatch(/^pullMany/);
    expect(error.message).toContain('jobs');
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('(holds) several parked pullMany calls are served FIFO, one value each, by a pushAll into an unbuffered channel', async () => {
    const ch = new Channel<number>();
    const a = ch.pullMany(10);
    const b = ch.pullMany(10);
    const all = ch.pushAll([1, 2, 3]);
    expect(await a).toEqual([1]);
    expect(await b).toEqual([2]);
    expect((await state(all)).status).toBe('pending');
    expect(await ch.pullMany(10)).toEqual([3]);
    await all;
  });

  it('(holds) pullMany skips a parked pusher whose signal is already aborted (inside an earlier abort listener): that push rejects with the reason, its value is not taken', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let taken: Promise<number[]> | undefined;
    ac.signal.addEventListener('abort', () => {
      taken = ch.pullMany(5);
    });
    const p1 = ch.push(1, { signal: ac.signal });
    const p2 = ch.push(2);
    const reason = new Error('stop');
    ac.abort(reason);
    expect(await taken).toEqual([2]);
    await expect(p1).rejects.toBe(reason);
    await p2;
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('(holds) a parked pullMany whose signal aborts in an earlier listener that then pushes: the push does not commit to it, the value stays buffered', async () => {
    const ch = new Channel<number>(4);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => {
      ch.tryPush(7);
    });
    const pm = ch.pullMany(3, { signal: ac.signal });
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(pm).rejects.toBe(reason);
    expect(ch.tryPull()).toBe(7);
  });

  it('(holds) pullMany takes a parked select push case and withdraws the select’s other cases', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>();
    await a.push(0);
    const sel = select([push(a, 1), push(b, 2)]);
    expect(await a.pullMany(5)).toEqual([0, 1]);
    expect((await sel).index).toBe(0);
    expect(b.stats().waitingPushers).toBe(0);
  });

  it('(holds) pullMany racing a select pull case on the same buffer: each value goes to exactly one of them', async () => {
    const ch = new Channel<number>(3);
    const sel = select([pull(ch)]);
    await ch.pushAll([1, 2, 3]);
    const rest = await ch.pullMany(10);
    const r = await sel;
    expect([r.value, ...rest]).toEqual([1, 2, 3]);
  });
});

describe('pullMany: bad input', () => {
  it('(holds) max that is 0, negative, fractional, NaN or Infinity is a RangeError naming pullMany(max)', async () => {
    const ch = new Channel<number>(1);
    for (const max of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await rejection(ch.pullMany(max));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain('pullMany(max)');
    }
  });

  it('(holds) max that is not a number (string, bigint, object) is a TypeError naming pullMany(max)', async () => {
    const ch = new Channel<number>(1);
    for (const max of ['3', 3n, { valueOf: () => 3 }, undefined]) {
      const error = await rejection(ch.pullMany(max as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('pullMany');
    }
  });

  it('(holds) a bad max takes nothing from the channel', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    await rejection(ch.pullMany(0));
    expect(ch.size).toBe(2);
  });

  it('(holds) pullMany(max, signal) — a signal in place of the options — is a TypeError naming pullMany and takes nothing', async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    const error = await rejection(ch.pullMany(1, new AbortController().signal as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^pullMany/);
    expect(ch.size).toBe(1);
  });

  it('(holds) an already aborted signal comes first, even with a bad max and a closed channel', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    const reason = new Error('r');
    await expect(ch.pullMany(0, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('pushAll: pushed counts and delivery on every failure path', () => {
  it('(holds) closed while parked: ChannelClosedError named pushAll, cause the reason, pushed = committed; the rest is not delivered and the generator is closed', async () => {
    const ch = new Channel<number>(2);
    let finalized = false;
    function* values() {
      try {
        yield* [1, 2, 3, 4, 5];
      } finally {
        finalized = true;
      }
    }
    const all = ch.pushAll(values());
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(1);
    // 3 moved in; 4 parked (after the microtask pushAll resumes on)
    await flush();
    const reason = new Error('bye');
    ch.close(reason);
    const error = await rejection(all);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toMatch(/^pushAll/);
    expect(error.cause).toBe(reason);
    expect(error.pushed).toBe(3);
    expect(finalized).toBe(true);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });

  it('(holds) aborted while parked: rejects with the reason, pushed = committed, the iterator is returned', async () => {
    const ch = new Channel<string>(1);
    const ac = new AbortController();
    let returned = 0;
    const source = ['a', 'b', 'c'];
    const iterable: Iterable<string> = {
      [Symbol.iterator]() {
        const it = source[Symbol.iterator]();
        return {
          next: () => it.next(),
          return: () => {
            returned++;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const all = ch.pushAll(iterable, { signal: ac.signal });
    const reason = new Error('abort');
    ac.abort(reason);
    const error = await rejection(all);
    expect(error).toBe(reason);
    expect(error.pushed).toBe(1);
    expect(returned).toBe(1);
    expect(ch.tryPull()).toBe('a');
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.stats().waitingPushers).toBe(0);
  });

  it('(holds) an iterator whose next() throws after two values: rejects with that error, pushed 2, the two stay committed', async () => {
    const ch = new Channel<number>(5);
    const boom = new Error('boom');
    function* values() {
      yield 1;
      yield 2;
      throw boom;
    }
    const error = await rejection(ch.pushAll(values()));
    expect(error).toBe(boom);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('(holds) an iterator that throws while pushAll is parked between values reports the count of values committed', async () => {
    const ch = new Channel<number>(1);
    const boom = new Error('boom');
    function* values() {
      yield 1;
      yield 2;
      throw boom;
    }
    const all = ch.pushAll(values());
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    const error = await rejection(all);
    expect(error).toBe(boom);
    expect(error.pushed).toBe(2);
  });

  it('(holds) a thenable mid-way: TypeError naming pushAll, pushed = values before it, nothing after it delivered', async () => {
    const ch = new Channel<unknown>(5);
    const error = await rejection(ch.pushAll([1, 2, Promise.resolve(3), 4]));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^pushAll/);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('(holds) a value whose then getter aborts the pushAll’s own signal stops it before that value', async () => {
    const ch = new Channel<unknown>(5);
    const ac = new AbortController();
    const reason = new Error('from getter');
    const sneaky = {
      // biome-ignore lint/suspicious/noThenProperty: the point of the test
      get then() {
        ac.abort(reason);
        return undefined;
      },
    };
    const error = await rejection(ch.pushAll([1, sneaky, 3], { signal: ac.signal }));
    expect(error).toBe(reason);
    expect(error.pushed).toBe(1);
    expect(await ch.pullMany(5)).toEqual([1]);
  });

  it('(holds) a generator that closes the channel between values: ChannelClosedError, pushed counts what went in before', async () => {
    const ch = new Channel<number>(5);
    function* values() {
      yield 1;
      yield 2;
      ch.close();
      yield 3;
    }
    const error = await rejection(ch.pushAll(values()));
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(2);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('(holds) a generator that aborts the signal and closes the channel between values: the abort reason wins, with the count', async () => {
    const ch = new Channel<number>(5);
    const ac = new AbortController();
    const reason = new Error('abort');
    function* values() {
      yield 1;
      ac.abort(reason);
      ch.close();
      yield 2;
    }
    const error = await rejection(ch.pushAll(values(), { signal: ac.signal }));
    expect(error).toBe(reason);
    expect(error.pushed).toBe(1);
  });

  it('(holds) a generator that pulls from the channel it is pushed into keeps FIFO and loses nothing', async () => {
    const ch = new Channel<number>(1);
    const seen: (number | undefined)[] = [];
    function* values() {
      yield 1;
      seen.push(ch.tryPull());
      yield 2;
      seen.push(ch.tryPull());
      yield 3;
    }
    await ch.pushAll(values());
    expect(seen).toEqual([1, 2]);
    expect(ch.tryPull()).toBe(3);
  });

  it('(holds) an already aborted signal: rejects with the reason carrying pushed 0, reads no value', async () => {
    const ch = new Channel<number>(5);
    let read = 0;
    function* values() {
      read++;
      yield 1;
    }
    const reason = new Error('early');
    const error = await rejection(ch.pushAll(values(), { signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
    expect(read).toBe(0);
  });

  it('(holds) an abort in the same turn as the last value’s commit: pushAll resolves (everything was delivered)', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const all = ch.pushAll([1, 2], { signal: ac.signal });
    expect(ch.tryPull()).toBe(1);
    // pushAll resumes a microtask later, then parks on 2
    await flush();
    expect(ch.tryPull()).toBe(2);
    ac.abort(new Error('late'));
    await expect(all).resolves.toBeUndefined();
  });

  it('(holds) an abort in the same turn as a middle value’s commit stops before the next value, counting the committed one', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const reason = new Error('mid');
    const all = ch.pushAll([1, 2, 3], { signal: ac.signal });
    expect(ch.tryPull()).toBe(1);
    ac.abort(reason);
    const error = await rejection(all);
    expect(error).toBe(reason);
    expect(error.pushed).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('(holds) one reason stopping two pushAll calls at different counts: each caller reads its own pushed', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const ac = new AbortController();
    const pa = a.pushAll([1, 2, 3], { signal: ac.signal });
    const pb = b.pushAll([1, 2, 3], { signal: ac.signal });
    ac.abort();
    const ea = await rejection(pa);
    const eb = await rejection(pb);
    expect([ea.pushed, eb.pushed].sort()).toEqual([1, 2]);
    expect(ea.name).toBe('AbortError');
    expect(eb.name).toBe('AbortError');
  });

  it('(holds) pushAll into a drop-oldest channel never waits: every value counts as committed, the newest stay', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
  });

  it('(holds) pushAll into a full drop-newest channel resolves and keeps the oldest', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });

  it('(holds) pushAll parked, another producer’s push arriving later, and a pullMany: nothing lost or duplicated, each producer’s order kept', async () => {
    const ch = new Channel<number>(1);
    const all = ch.pushAll([1, 2, 3]);
    const other = ch.push(100);
    const got: number[] = [];
    while (got.length < 4) got.push(...(await ch.pullMany(10)));
    await all;
    await other;
    expect([...got].sort((x, y) => x - y)).toEqual([1, 2, 3, 100]);
    expect(got.filter((v) => v < 100)).toEqual([1, 2, 3]);
  });

  it('(holds) a parked pushAll whose signal is aborted inside an earlier listener that closes the channel rejects with the reason (abort first)', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    ac.signal.addEventListener('abort', () => ch.close());
    const all = ch.pushAll([1, 2, 3], { signal: ac.signal });
    const reason = new Error('abort');
    ac.abort(reason);
    const error = await rejection(all);
    expect(error).toBe(reason);
    expect(error.pushed).toBe(1);
  });

  it('(holds) a pull parked with a duck signal whose aborted getter closes the channel while pushAll commits to it: nothing is delivered twice or lost', async () => {
    const ch = new Channel<number>(2);
    const trap = trapSignal(() => ch.close());
    const parked = ch.pull({ signal: trap.signal });
    trap.arm();
    const all = ch.pushAll([1, 2, 3]);
    const p = await state(parked);
    const a = await state(all);
    const rest: number[] = [];
    for (let v = ch.tryPull(); v !== undefined; v = ch.tryPull()) rest.push(v);
    const delivered = [...(p.status === 'fulfilled' ? [p.value] : []), ...rest];
    const pushed = a.status === 'rejected' ? (a.reason as { pushed: number }).pushed : 3;
    expect(delivered).toEqual([1, 2, 3].slice(0, pushed));
  });
});

describe('pushAll: bad input', () => {
  it('(holds) values that are not iterable (null, a number, a plain object) reject with a TypeError naming pushAll(values)', async () => {
    const ch = new Channel<number>(1);
    for (const values of [null, undefined, 42, {}]) {
      const error = await rejection(ch.pushAll(values as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('pushAll(values)');
    }
  });

  it('(holds) an async generator or another channel is refused with a TypeError that says it is async', async () => {
    const ch = new Channel<number>(1);
    async function* gen() {
      yield 1;
    }
    for (const values of [gen(), new Channel<number>()]) {
      const error = await rejection(ch.pushAll(values as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/pushAll.*async/);
    }
    expect(ch.size).toBe(0);
  });

  it('(holds) pushAll([]) resolves on a closed channel; pushAll([1]) there rejects ChannelClosedError with pushed 0', async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
    const error = await rejection(ch.pushAll([1]));
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(0);
  });

  it('(holds) options that are a string or an AbortSignal are a TypeError naming pushAll, nothing read', async () => {
    const ch = new Channel<number>(1);
    let read = 0;
    const values = {
      *[Symbol.iterator]() {
        read++;
        yield 1;
      },
    };
    for (const options of ['x', new AbortController().signal]) {
      const error = await rejection(ch.pushAll(values, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^pushAll/);
    }
    expect(read).toBe(0);
  });

  it('(holds) a ChannelError stand-in is used when a non-DOMException reason already carries another count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('shared');
    const pa = a.pushAll([1, 2, 3], { signal: ac.signal });
    const pb = b.pushAll([1, 2, 3], { signal: ac.signal });
    ac.abort(reason);
    const errors = [await rejection(pa), await rejection(pb)];
    const copy = errors.find((e) => e !== reason);
    expect(copy).toBeInstanceOf(ChannelError);
    expect(copy.cause).toBe(reason);
  });
});

describe('tryPush / tryPull', () => {
  it('(holds) tryPush on a closed channel returns false without throwing, even with a parked nothing', () => {
    const ch = new Channel<number>(1);
    ch.close();
    expect(ch.tryPush(1)).toBe(false);
    expect(ch.size).toBe(0);
  });

  it('(holds) tryPush into an unbuffered channel whose only parked pull is aborted-but-unlistened returns false and cancels that pull', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    let answer: boolean | undefined;
    ac.signal.addEventListener('abort', () => {
      answer = ch.tryPush(1);
    });
    const p = ch.pull({ signal: ac.signal });
    ac.abort('x');
    expect(answer).toBe(false);
    await expect(p).rejects.toBe('x');
  });

  it('(holds) tryPull on a full buffer with a parked pushAll moves its value up, and pushAll goes on synchronously afterwards', async () => {
    const ch = new Channel<number>(1);
    const all = ch.pushAll([1, 2, 3]);
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    await flush();
    expect(ch.tryPull()).toBe(2);
    await flush();
    expect(ch.tryPull()).toBe(3);
    await all;
  });

  it('(holds) tryPull returns undefined on a closed, drained channel with a reason, never throws', () => {
    const ch = new Channel<number>(1);
    ch.close(new Error('x'));
    expect(ch.tryPull()).toBeUndefined();
  });

  it('(holds) tryPush of a thenable throws a TypeError naming tryPush (documented misuse), commits nothing', () => {
    const ch = new Channel<unknown>(1);
    const error = thrown(() => ch.tryPush(Promise.resolve(1)));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^tryPush/);
    expect(ch.size).toBe(0);
  });

  it('(holds) tryPush and tryPull detached from the channel throw a TypeError naming themselves', () => {
    const ch = new Channel<number>(1);
    const { tryPush, tryPull } = ch;
    expect(thrown(() => tryPush.call({} as never, 1)).message).toMatch(/^tryPush/);
    expect(thrown(() => tryPull.call({} as never))).toBeInstanceOf(TypeError);
  });
});
