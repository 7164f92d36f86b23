// biome-ignore-all lint/suspicious/noThenProperty: thenables on purpose (a channel refuses them)
import { Channel, ChannelClosedError, ChannelError } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { abortListeners, rejection, settle, thrown, track } from './helpers.js';

describe('tryPush / tryPull', () => {
  it('tryPush true when committed, false when it would wait, false when closed, never throws', () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(true);
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.closed).toBe(false);
    expect(ch.size).toBe(2);
    ch.close();
    expect(ch.tryPush(4)).toBe(false);
    expect(ch.closed).toBe(true);
    expect(ch.size).toBe(2);
  });
  it('tryPush on unbuffered: true exactly when a puller waits', async () => {
    const ch = new Channel<string>();
    expect(ch.tryPush('a')).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush('b')).toBe(true);
    expect(await p).toBe('b');
  });
  it('tryPush does not overtake a parked push', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.tryPull()).toBe(2);
    await p;
  });
  it('tryPull returns values FIFO then undefined; after close+drain undefined, never throws', () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(ch.tryPull()).toBe(1);
    ch.close(new Error('x'));
    expect(ch.tryPull()).toBe(2);
    expect(ch.tryPull()).toBeUndefined();
    expect(ch.tryPull()).toBeUndefined();
  });
  it('tryPull on unbuffered takes a parked pusher value and resolves the push', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPull()).toBeUndefined();
    const p = track(ch.push(5));
    expect(ch.tryPull()).toBe(5);
    await settle();
    expect(p.outcome.state).toBe('fulfilled');
  });
  it('tryPull moves a parked pusher into the freed slot', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const p = ch.push(2);
    expect(ch.tryPull()).toBe(1);
    expect(ch.size).toBe(1);
    await p;
  });
});

describe('pullMany', () => {
  it('takes up to max in FIFO: buffer first, then parked pushers (each resolving)', async () => {
    const ch = new Channel<number>(2);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const p3 = track(ch.push(3));
    const p4 = track(ch.push(4));
    const p5 = track(ch.push(5));
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await settle();
    expect(p3.outcome.state).toBe('fulfilled');
    expect(p4.outcome.state).toBe('fulfilled');
    // same as 4 pullNowait: p5's value moved into the buffer as slots freed
    expect(p5.outcome.state).toBe('fulfilled');
    expect(ch.pullNowait()).toBe(5);
  });
  it('equals what max consecutive pullNowait would return', async () => {
    const mk = () => {
      const ch = new Channel<number>(3);
      for (const v of [1, 2, 3]) ch.pushNowait(v);
      const ps = [4, 5, 6, 7].map((v) => ch.push(v));
      return { ch, ps };
    };
    const a = mk();
    const b = mk();
    const many = await a.ch.pullMany(5);
    const singles = Array.from({ length: 5 }, () => b.ch.pullNowait());
    expect(many).toEqual(singles);
    expect(a.ch.size).toBe(b.ch.size);
    expect(a.ch.stats().waitingPushers).toBe(b.ch.stats().waitingPushers);
    a.ch.close();
    b.ch.close();
    await Promise.allSettled([...a.ps, ...b.ps]);
  });
  it('parks when empty and is served by the next push with that single value', async () => {
    const ch = new Channel<number>(5);
    const p = ch.pullMany(3);
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(1);
    ch.pushNowait(2);
    expect(await p).toEqual([1]);
    expect(ch.pullNowait()).toBe(2);
  });
  it('on unbuffered takes the parked pushers values', async () => {
    const ch = new Channel<number>();
    const ps = [ch.push(1), ch.push(2), ch.push(3)];
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    await Promise.all(ps.slice(0, 2));
    expect(await ch.pullMany(2)).toEqual([3]);
    await ps[2];
  });
  it('drains after close, then rejects with ChannelClosedError with cause', async () => {
    const ch = new Channel<number>(3);
    ch.pushNowait(1);
    ch.pushNowait(2);
    const reason = new Error('done');
    ch.close(reason);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
    const e = (await rejection(ch.pullMany(10))) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe(reason);
    expect(e.message).toMatch(/^pullMany:/);
  });
  it('parked pullMany rejects on close', async () => {
    const ch = new Channel<number>(3);
    const p = ch.pullMany(3);
    ch.close();
    const e = (await rejection(p)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.message).toMatch(/^pullMany:/);
  });
  it('aborted before commit: rejects with reason, nothing taken, no listener left', async () => {
    const ch = new Channel<number>(3);
    const ac = new AbortController();
    const p = ch.pullMany(3, { signal: ac.signal });
    ac.abort('stop');
    expect(await rejection(p)).toBe('stop');
    expect(abortListeners(ac.signal)).toBe(0);
    expect(ch.stats().waitingPullers).toBe(0);
    ch.pushNowait(1);
    expect(ch.size).toBe(1);
    // already-aborted with a ready value takes nothing
    expect(await rejection(ch.pullMany(3, { signal: AbortSignal.abort('pre') }))).toBe('pre');
    expect(ch.size).toBe(1);
  });
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('max %s is a RangeError', async (max) => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    const e = await rejection(ch.pullMany(max));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toContain('pullMany');
    expect(ch.size).toBe(1);
  });
  it('non-number max is a TypeError', async () => {
    const ch = new Channel<number>(1);
    expect(await rejection(ch.pullMany('2' as unknown as number))).toBeInstanceOf(TypeError);
  });
  it('max larger than available returns what is there; max 1 returns one', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect(await ch.pullMany(1)).toEqual([0]);
    expect(await ch.pullMany(Number.MAX_SAFE_INTEGER)).toEqual([1, 2, 3, 4]);
  });
});

describe('pushAll', () => {
  it('pushes in order and resolves when all are committed', async () => {
    const ch = new Channel<number>(10);
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
  });
  it('accepts any iterable (generator, Set) and reads it lazily', async () => {
    const ch = new Channel<number>(2);
    const read: number[] = [];
    function* gen() {
      for (let i = 0; i < 5; i++) {
        read.push(i);
        yield i;
      }
    }
    const p = track(ch.pushAll(gen()));
    await settle();
    // it cannot have read more than capacity + the one it waits with
    expect(read.length).toBeLessThanOrEqual(3);
    const got: number[] = [];
    while (got.length < 5) got.push(await ch.pull());
    expect(got).toEqual([0, 1, 2, 3, 4]);
    await p.promise;
    await ch.pushAll(new Set([7, 8]));
    expect(await ch.pullMany(5)).toEqual([7, 8]);
  });
  it('waits for room like consecutive pushes; unbuffered is a rendezvous per value', async () => {
    const ch = new Channel<number>();
    const p = track(ch.pushAll([1, 2, 3]));
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    await settle();
    expect(p.outcome.state).toBe('pending');
    expect(await ch.pull()).toBe(3);
    await p.promise;
  });
  it('close part-way: rejects with ChannelClosedError carrying pushed; rest not delivered', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pushAll([1, 2, 3, 4]);
    expect(await ch.pull()).toBe(1);
    ch.close();
    const e = (await rejection(p)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(3);
    expect(e.message).toMatch(/^pushAll:/);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });
  it('abort part-way: rejects with reason carrying pushed; rest not delivered', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const p = ch.pushAll([1, 2, 3], { signal: ac.signal });
    await settle();
    const reason = new Error('abort');
    ac.abort(reason);
    const e = (await rejection(p)) as Error & { pushed?: number };
    expect(e).toBe(reason);
    expect(e.pushed).toBe(1);
    expect(abortListeners(ac.signal)).toBe(0);
    expect(ch.stats().waitingPushers).toBe(0);
    expect(ch.pullNowait()).toBe(1);
    expect(() => ch.pullNowait()).toThrow();
  });
  it('already aborted: rejects with reason, pushed 0, nothing committed', async () => {
    const ch = new Channel<number>(5);
    const reason = new Error('pre');
    const e = (await rejection(ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) }))) as Error & {
      pushed?: number;
    };
    expect(e).toBe(reason);
    expect(e.pushed).toBe(0);
    expect(ch.size).toBe(0);
  });
  it('closed at the call: ChannelClosedError with pushed 0', async () => {
    const ch = new Channel<number>(5);
    ch.close();
    const e = (await rejection(ch.pushAll([1]))) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(0);
  });
  it('a primitive abort reason is rejected as is', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pushAll([1], { signal: ac.signal });
    ac.abort('plain');
    expect(await rejection(p)).toBe('plain');
  });
  it('not iterable is a TypeError', async () => {
    const ch = new Channel<number>(5);
    expect(await rejection(ch.pushAll(5 as unknown as number[]))).toBeInstanceOf(TypeError);
  });
  it('drop-mode pushAll never waits', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
  });
  it('two pushAll calls are not interleaved within a value? (FIFO per producer)', async () => {
    const ch = new Channel<number>(1);
    const a = ch.pushAll([1, 2, 3]);
    const b = ch.pushAll([10, 20, 30]);
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push(await ch.pull());
    await Promise.all([a, b]);
    expect(got.filter((v) => v < 10)).toEqual([1, 2, 3]);
    expect(got.filter((v) => v >= 10)).toEqual([10, 20, 30]);
    expect(got.sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20, 30]);
  });
  it('a shared abort reason stopping two pushAll calls gives each its own count', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    ch.pushNowait(0);
    const a = ch.pushAll([1, 2], { signal: ac.signal });
    const b = ch.pushAll([3], { signal: ac.signal });
    expect(ch.pullNowait()).toBe(0); // 1 moves in
    ac.abort(new DOMException('stop', 'AbortError'));
    const ea = (await rejection(a)) as Error & { pushed?: number };
    const eb = (await rejection(b)) as Error & { pushed?: number };
    expect(ea.name).toBe('AbortError');
    expect(eb.name).toBe('AbortError');
    expect(ea.pushed).toBe(1);
    expect(eb.pushed).toBe(0);
  });
  it('pushAll([]) resolves', async () => {
    const ch = new Channel<number>();
    await expect(ch.pushAll([])).resolves.toBeUndefined();
  });
  it('a non-DOMException reason shared by two pushAll calls: the later gets a ChannelError with cause', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    ch.pushNowait(0);
    const a = ch.pushAll([1, 2], { signal: ac.signal });
    const b = ch.pushAll([3], { signal: ac.signal });
    ch.pullNowait();
    const reason = new Error('shared');
    ac.abort(reason);
    const ea = (await rejection(a)) as Error & { pushed?: number };
    const eb = (await rejection(b)) as Error & { pushed?: number };
    const errors = [ea, eb];
    expect(errors.filter((e) => e === reason)).toHaveLength(1);
    const other = errors.find((e) => e !== reason)!;
    expect(other).toBeInstanceOf(ChannelError);
    expect(other.cause).toBe(reason);
    expect(ea.pushed).toBe(1);
    expect(eb.pushed).toBe(0);
  });
});

describe('thenables', () => {
  it('push/pushNowait/tryPush of a promise is a TypeError, commits nothing', async () => {
    const ch = new Channel<unknown>(5);
    expect(await rejection(ch.push(Promise.resolve(1)))).toBeInstanceOf(TypeError);
    expect(thrown(() => ch.pushNowait({ then() {} }))).toBeInstanceOf(TypeError);
    expect(thrown(() => ch.tryPush({ then() {} }))).toBeInstanceOf(TypeError);
    expect(ch.size).toBe(0);
  });
});
