/**
 * Audit BE-core: `pushNowait`/`pullNowait`, `tryPush`/`tryPull`, `pullMany`, `pushAll`
 * (SPEC "Non-blocking operations" and second map "Non-blocking and batch operations").
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { flush, rejection, thrown, watch } from './helpers.js';

describe('pushNowait / pullNowait', () => {
  it('pushNowait commits into the buffer or throws ChannelFullError', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    expect(thrown(() => ch.pushNowait(2))).toBeInstanceOf(ChannelFullError);
    expect(ch.size).toBe(1);
  });

  it('unbuffered pushNowait succeeds exactly when a puller is waiting', async () => {
    const ch = new Channel<number>();
    expect(thrown(() => ch.pushNowait(1))).toBeInstanceOf(ChannelFullError);
    const p = ch.pull();
    ch.pushNowait(2);
    expect(await p).toBe(2);
    expect(thrown(() => ch.pushNowait(3))).toBeInstanceOf(ChannelFullError);
  });

  it('unbuffered pullNowait succeeds exactly when a pusher is waiting, and resolves that push', async () => {
    const ch = new Channel<number>();
    expect(thrown(() => ch.pullNowait())).toBeInstanceOf(ChannelEmptyError);
    const p = watch(ch.push(9));
    expect(ch.pullNowait()).toBe(9);
    await flush();
    expect(p.current.status).toBe('fulfilled');
  });

  it('pullNowait throws ChannelEmptyError when open and empty, ChannelClosedError when closed and drained', () => {
    const ch = new Channel<number>(1);
    expect(thrown(() => ch.pullNowait())).toBeInstanceOf(ChannelEmptyError);
    ch.pushNowait(1);
    ch.close();
    expect(ch.pullNowait()).toBe(1);
    expect(thrown(() => ch.pullNowait())).toBeInstanceOf(ChannelClosedError);
  });

  it('pushNowait on a closed channel throws ChannelClosedError even when there is room', () => {
    const ch = new Channel<number>(3);
    ch.close();
    expect(thrown(() => ch.pushNowait(1))).toBeInstanceOf(ChannelClosedError);
  });

  it('pushNowait on a closed full channel throws ChannelClosedError, not ChannelFullError', () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    ch.close();
    expect(thrown(() => ch.pushNowait(2))).toBeInstanceOf(ChannelClosedError);
    const u = new Channel<number>();
    u.close();
    expect(thrown(() => u.pushNowait(2))).toBeInstanceOf(ChannelClosedError);
  });

  it('pullNowait skips a parked pusher whose signal was aborted in the same tick', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.push(1, { signal: ac.signal });
    const q = ch.push(2);
    ac.abort('x');
    expect(ch.pullNowait()).toBe(2);
    await expect(p).rejects.toBe('x');
    await q;
  });
});

describe('tryPush / tryPull', () => {
  it('tryPush returns true on commit, false when it would wait or the channel is closed; never throws', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.closed).toBe(false);
    ch.close();
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.closed).toBe(true);
    expect(ch.pullNowait()).toBe(1);
  });

  it('tryPush on an unbuffered channel succeeds exactly when a puller waits', async () => {
    const ch = new Channel<string>();
    expect(ch.tryPush('a')).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush('b')).toBe(true);
    expect(await p).toBe('b');
  });

  it('tryPull returns the next value, or undefined when empty or closed and drained', async () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPull()).toBeUndefined();
    ch.pushNowait(1);
    ch.close();
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
    expect(() => ch.tryPull()).not.toThrow();
  });

  it('tryPull on an unbuffered channel takes a waiting pusher’s value and resolves that push', async () => {
    const ch = new Channel<number>();
    const p = watch(ch.push(4));
    expect(ch.tryPull()).toBe(4);
    await flush();
    expect(p.current.status).toBe('fulfilled');
    expect(ch.tryPull()).toBeUndefined();
  });

  it('tryPull moves a parked pusher into the freed slot (same commit rules as pullNowait)', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = watch(ch.push(2));
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    expect(ch.tryPush(3)).toBe(false);
    await flush();
    expect(p.current.status).toBe('fulfilled');
    expect(ch.tryPull()).toBe(2);
  });
});

describe('pullMany', () => {
  it('takes up to max values in FIFO order in one commit: buffer first, then parked pushers', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const p3 = watch(ch.push(3));
    const p4 = watch(ch.push(4));
    const p5 = watch(ch.push(5));
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await flush();
    expect(p3.current.status).toBe('fulfilled');
    expect(p4.current.status).toBe('fulfilled');
    // 5 moved into the freed buffer and its push resolved too
    expect(ch.pullNowait()).toBe(5);
    await flush();
    expect(p5.current.status).toBe('fulfilled');
  });

  it('returns fewer than max when fewer are there, without waiting for more', async () => {
    const ch = new Channel<number>(5);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });

  it('unbuffered: takes the values of parked pushers, each resolving', async () => {
    const ch = new Channel<number>();
    const pushes = [1, 2, 3].map((v) => watch(ch.push(v)));
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await flush();
    expect(pushes.map((p) => p.current.status)).toEqual(['fulfilled', 'fulfilled', 'pending']);
    expect(ch.pullNowait()).toBe(3);
  });

  it('waits like pull until at least one value can be taken', async () => {
    const ch = new Channel<number>(3);
    const batch = watch(ch.pullMany(3));
    await flush();
    expect(batch.current.status).toBe('pending');
    ch.pushNowait(1);
    await flush();
    expect(batch.current).toEqual({ status: 'fulfilled', value: [1] });
  });

  it('on a closed channel returns what is buffered, then rejects with ChannelClosedError', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.close('r');
    expect(await ch.pullMany(5)).toEqual([1, 2]);
    const error = (await rejection(ch.pullMany(5))) as Error;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe('r');
  });

  it('a parked pullMany rejects with ChannelClosedError when the channel closes', async () => {
    const ch = new Channel<number>();
    const p = ch.pullMany(3);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('aborted before the commit: rejects with signal.reason, nothing taken, no waiter or listener left', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    await expect(ch.pullMany(2, { signal: AbortSignal.abort('pre') })).rejects.toBe('pre');
    expect(ch.size).toBe(1);
    ch.pullNowait();
    const ac = new AbortController();
    const p = ch.pullMany(2, { signal: ac.signal });
    ac.abort('mid');
    await expect(p).rejects.toBe('mid');
    expect(ch.stats().waitingPullers).toBe(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    ch.pushNowait(5);
    expect(ch.size).toBe(1);
  });

  it.each([
    [0, RangeError],
    [-1, RangeError],
    [1.5, RangeError],
    [Number.NaN, RangeError],
    [Infinity, RangeError],
    ['2', TypeError],
  ] as const)('max = %s is refused with %s naming pullMany', async (max, Kind) => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const error = (await rejection(ch.pullMany(max as never))) as Error;
    expect(error).toBeInstanceOf(Kind);
    expect(error.message).toContain('pullMany');
    expect(ch.size).toBe(1);
  });
});

describe('pushAll', () => {
  it('pushes the values in order, committing synchronously while there is room', async () => {
    const ch = new Channel<number>(3);
    const p = ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3); // no promise per value: all stored in the call
    await p;
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
  });

  it('waits for room like consecutive pushes and resolves once all are committed', async () => {
    const ch = new Channel<number>(1);
    const p = watch(ch.pushAll([1, 2, 3]));
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await ch.pull());
    await flush();
    expect(got).toEqual([1, 2, 3]);
    expect(p.current.status).toBe('fulfilled');
  });

  it('interleaves with another producer as consecutive pushes would (its own values stay in order)', async () => {
    const ch = new Channel<string>(1);
    const a = ch.pushAll(['a1', 'a2', 'a3']);
    const b = ch.pushAll(['b1', 'b2', 'b3']);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(await ch.pull());
    await Promise.all([a, b]);
    expect(got.filter((v) => v.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(got.filter((v) => v.startsWith('b'))).toEqual(['b1', 'b2', 'b3']);
  });

  it('aborted part-way: rejects with the reason, pushed says how many were committed, the rest not delivered', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const reason = new Error('enough');
    const p = ch.pushAll([1, 2, 3, 4, 5], { signal: ac.signal });
    expect(await ch.pull()).toBe(1); // frees a slot: 3 moves in
    ac.abort(reason);
    const error = (await rejection(p)) as Error & { pushed?: number };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(3);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });

  it('closed part-way: rejects with ChannelClosedError whose pushed counts the committed values', async () => {
    const ch = new Channel<number>();
    const p = ch.pushAll([1, 2, 3]);
    expect(await ch.pull()).toBe(1);
    ch.close();
    const error = (await rejection(p)) as ChannelClosedError & { pushed?: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(typeof error.pushed).toBe('number');
    expect(error.pushed).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('on an already closed channel: ChannelClosedError with pushed 0', async () => {
    const ch = new Channel<number>(5);
    ch.close();
    const error = (await rejection(ch.pushAll([1, 2]))) as ChannelClosedError & { pushed?: number };
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.pushed).toBe(0);
    expect(ch.size).toBe(0);
  });

  it('an already aborted signal rejects with the reason, pushed 0, nothing committed', async () => {
    const ch = new Channel<number>(5);
    const reason = new Error('pre');
    const error = (await rejection(ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) }))) as Error & {
      pushed?: number;
    };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
    expect(ch.size).toBe(0);
  });

  it('two pushAll stopped by one shared abort reason each get their own pushed count', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const ac = new AbortController();
    const pa = ch(a.pushAll([1, 2, 3], { signal: ac.signal }));
    const pb = ch(b.pushAll([1, 2, 3], { signal: ac.signal }));
    ac.abort();
    const ea = (await pa) as { pushed?: number; name?: string };
    const eb = (await pb) as { pushed?: number; name?: string };
    expect([ea.pushed, eb.pushed]).toEqual([1, 2]);
    expect(ea.name).toBe('AbortError');
    expect(eb.name).toBe('AbortError');
    function ch(p: Promise<void>) {
      return rejection(p);
    }
  });

  it('a generator source is read lazily and closed (finally runs) when pushAll stops part-way', async () => {
    const read: number[] = [];
    let finalized = false;
    function* gen() {
      try {
        for (let i = 1; i <= 100; i++) {
          read.push(i);
          yield i;
        }
      } finally {
        finalized = true;
      }
    }
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const p = ch.pushAll(gen(), { signal: ac.signal });
    const reason = new Error('stop');
    ac.abort(reason);
    const error = (await rejection(p)) as Error & { pushed?: number };
    expect(read.length).toBeLessThanOrEqual(3);
    expect(finalized).toBe(true);
    expect(error).toBe(reason);
    expect(error.pushed).toBe(2);
    expect(ch.size).toBe(2);
  });

  it('pushAll([]) resolves, also on a closed channel', async () => {
    const ch = new Channel<number>();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
    ch.close();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
  });

  it('a non-iterable is a TypeError naming pushAll', async () => {
    const ch = new Channel<number>(1);
    const error = (await rejection(ch.pushAll(42 as never))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('pushAll');
  });

  it('on a drop-oldest channel keeps the latest values without waiting', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    await expect(ch.pullMany(5)).resolves.toEqual([4, 5]);
  });

  it('hands values to parked pullers first, in order', async () => {
    const ch = new Channel<number>();
    const q1 = ch.pull();
    const q2 = ch.pull();
    const p = watch(ch.pushAll([1, 2, 3]));
    expect([await q1, await q2]).toEqual([1, 2]);
    await flush();
    expect(p.current.status).toBe('pending');
    expect(ch.pullNowait()).toBe(3);
    await flush();
    expect(p.current.status).toBe('fulfilled');
  });
});
