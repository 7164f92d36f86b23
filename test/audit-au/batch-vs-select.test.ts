import { Channel, ChannelClosedError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('tryPush / tryPull against parked select and iterators', () => {
  it('tryPush on unbuffered hands to a parked select pull case', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([pull(b), pull(a)]);
    expect(a.tryPush(5)).toBe(true);
    expect(await p).toEqual({ index: 1, channel: a, value: 5, ok: true });
    expect(b.stats().waitingPullers).toBe(0);
    expect(a.tryPush(6)).toBe(false);
  });
  it('tryPull on unbuffered takes from a parked select push case', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const p = select([push(a, 3), pull(b)]);
    expect(a.tryPull()).toBe(3);
    expect(await p).toEqual({ index: 0, channel: a, value: undefined, ok: true });
    expect(b.stats().waitingPullers).toBe(0);
    expect(a.tryPull()).toBeUndefined();
  });
  it('tryPull moves a parked select push into the buffer in FIFO order', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    const p = select([push(a, 2)]);
    expect(a.tryPull()).toBe(1);
    await p;
    expect(a.size).toBe(1);
    expect(a.tryPull()).toBe(2);
  });
  it('tryPush / tryPull return false / undefined on closed, never throw', () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.close('r');
    expect(a.tryPush(2)).toBe(false);
    expect(a.tryPull()).toBe(1);
    expect(a.tryPull()).toBeUndefined();
  });
  it('tryPush hands value to a parked iterator next()', async () => {
    const a = new Channel<number>();
    const it = a[Symbol.asyncIterator]();
    const n = it.next();
    expect(a.tryPush(1)).toBe(true);
    expect(await n).toEqual({ done: false, value: 1 });
  });
  it('tryPush on drop-newest full: returns true (policy is the commit)', () => {
    const a = new Channel<number>(1, { overflow: 'drop-newest' });
    a.tryPush(1);
    expect(a.tryPush(2)).toBe(true);
    expect(a.tryPull()).toBe(1);
  });
  it('tryPush on unbuffered with only own-type waiters (pushers) returns false', () => {
    const a = new Channel<number>();
    void a.push(1);
    expect(a.tryPush(2)).toBe(false);
    expect(a.stats().waitingPushers).toBe(1);
  });
});

describe('pullMany', () => {
  it('takes buffer then parked pushers (including select push cases) FIFO', async () => {
    const a = new Channel<number>(2);
    a.pushNowait(1);
    a.pushNowait(2);
    const p3 = a.push(3);
    const s4 = select([push(a, 4)]);
    const p5 = a.push(5);
    const got = await a.pullMany(10);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    await p3;
    expect(await s4).toMatchObject({ index: 0, ok: true });
    await p5;
    expect(a.stats().waitingPushers).toBe(0);
  });
  it('pullMany respects max and leaves the rest in order', async () => {
    const a = new Channel<number>(5);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    expect(await a.pullMany(2)).toEqual([0, 1]);
    expect(await a.pullMany(2)).toEqual([2, 3]);
    expect(await a.pullMany(2)).toEqual([4]);
  });
  it('parked pullMany gets a single value from a push (waits like pull)', async () => {
    const a = new Channel<number>();
    const p = a.pullMany(3);
    await tick();
    await a.push(1);
    expect(await p).toEqual([1]);
  });
  it('parked pullMany is FIFO with parked pull and a select pull case', async () => {
    const a = new Channel<number>();
    const m = a.pullMany(3);
    const s = select([pull(a)]);
    const p = a.pull();
    a.pushNowait(1);
    a.pushNowait(2);
    a.pushNowait(3);
    expect(await m).toEqual([1]);
    expect((await s).value).toBe(2);
    expect(await p).toBe(3);
  });
  it('pullMany rejects on closed drained with ChannelClosedError carrying cause', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    a.close('x');
    expect(await a.pullMany(5)).toEqual([1]);
    const e: any = await a.pullMany(5).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('x');
    expect(e.message).toMatch(/pullMany/);
  });
  it('parked pullMany rejects on close', async () => {
    const a = new Channel<number>();
    const p = a.pullMany(5);
    a.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('pullMany aborted takes nothing', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(1);
    await expect(a.pullMany(2, { signal: AbortSignal.abort('r') })).rejects.toBe('r');
    expect(a.size).toBe(1);
    const b = new Channel<number>();
    const ac = new AbortController();
    const p = b.pullMany(2, { signal: ac.signal });
    ac.abort('q');
    await expect(p).rejects.toBe('q');
    expect(b.stats().waitingPullers).toBe(0);
  });
  it.each([0, -1, 1.5, NaN, Infinity])('pullMany(%s) is RangeError naming pullMany and max', async (m) => {
    const a = new Channel<number>(1);
    let e: any;
    try {
      e = await a.pullMany(m).catch((x) => x);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/pullMany/);
    expect(e.message).toMatch(/max/);
  });
  it('pullMany with a non-number max is a TypeError or RangeError', async () => {
    const a = new Channel<number>(1);
    let e: any;
    try {
      e = await a.pullMany('2' as never).catch((x) => x);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toMatch(/max/);
  });
  it('pullMany does not steal from a select push case of a select that also pulls', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([push(a, 1), pull(b)]);
    const got = await a.pullMany(3);
    expect(got).toEqual([1]);
    expect((await s).index).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
  });
});

describe('pushAll', () => {
  it('delivers in order to a parked iterator and parked selects', async () => {
    const a = new Channel<number>();
    const got: number[] = [];
    const r = (async () => {
      for await (const v of a) got.push(v);
    })();
    await a.pushAll([1, 2, 3, 4]);
    a.close();
    await r;
    expect(got).toEqual([1, 2, 3, 4]);
  });
  it('pushAll hands its first value to a parked select pull case, cleaning other cases', async () => {
    const a = new Channel<number>(0);
    const b = new Channel<number>();
    const s = select([pull(b), pull(a)]);
    const p = a.pushAll([1, 2]);
    expect(await s).toMatchObject({ index: 1, value: 1 });
    expect(b.stats().waitingPullers).toBe(0);
    expect(await a.pull()).toBe(2);
    await p;
  });
  it('close part-way: rejects with pushed count, rest not delivered', async () => {
    const a = new Channel<number>(2);
    const p = a.pushAll([1, 2, 3, 4]);
    await tick();
    a.close('stop');
    const e: any = await p.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(2);
    expect(e.cause).toBe('stop');
    expect(await a.pullMany(10)).toEqual([1, 2]);
  });
  it('abort part-way: rejects with signal.reason having pushed count', async () => {
    const a = new Channel<number>(1);
    const ac = new AbortController();
    const reason = new Error('abort');
    const p = a.pushAll([1, 2, 3], { signal: ac.signal });
    await tick();
    ac.abort(reason);
    const e: any = await p.catch((x) => x);
    expect(e).toBe(reason);
    expect(e.pushed).toBe(1);
    expect(a.stats().waitingPushers).toBe(0);
    expect(a.pullNowait()).toBe(1);
  });
  it('abort with a primitive reason: rejects (pushed cannot be attached)', async () => {
    const a = new Channel<number>(1);
    const ac = new AbortController();
    const p = a.pushAll([1, 2, 3], { signal: ac.signal });
    await tick();
    ac.abort('str');
    const e: any = await p.catch((x) => x);
    // SPEC: "the error's pushed property (a number) says how many values were committed"
    expect(typeof e === 'object' && e !== null ? e.pushed : e).toBeDefined();
  });
  it('already-closed channel: pushed 0', async () => {
    const a = new Channel<number>(5);
    a.close();
    const e: any = await a.pushAll([1]).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(0);
  });
  it('pushAll of an empty iterable resolves even on a closed channel?', async () => {
    const a = new Channel<number>(5);
    await expect(a.pushAll([])).resolves.toBeUndefined();
  });
  it('pushAll interleaves FIFO with another parked pusher', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(0);
    const p1 = a.pushAll([1, 2]);
    const p2 = a.push(100);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await a.pull());
    await Promise.all([p1, p2]);
    // pushAll is a single producer; its first parked value is ahead of 100
    expect(got[0]).toBe(0);
    expect(got[1]).toBe(1);
    expect(got.slice().sort((x, y) => x - y)).toEqual([0, 1, 2, 100]);
  });
  it('pushAll with a generator that throws: rejects with that error, prior values delivered', async () => {
    const a = new Channel<number>(5);
    function* g() {
      yield 1;
      throw new Error('gen');
    }
    await expect(a.pushAll(g())).rejects.toThrow('gen');
    expect(a.tryPull()).toBe(1);
  });
  it('pushAll on a non-iterable is a TypeError naming pushAll', async () => {
    const a = new Channel<number>(5);
    let e: any;
    try {
      e = await a.pushAll(5 as never).catch((x) => x);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/pushAll/);
  });
});

describe('batch operations commit exactly one case of a select', () => {
  it('pullMany takes only one of two push cases of the same parked select', async () => {
    const a = new Channel<number>();
    const s = select([push(a, 1), push(a, 2)]);
    const p3 = a.push(3);
    const got = await a.pullMany(5);
    const r = await s;
    expect(got).toEqual([r.index + 1, 3]); // either case may win, exactly one commits
    await p3;
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
  it('pullMany on a buffered channel moves one select push case into the buffer and takes it', async () => {
    const a = new Channel<number>(1);
    a.pushNowait(0);
    const s = select([push(a, 1), push(a, 2)]);
    const got = await a.pullMany(5);
    expect(got).toEqual([0, (await s).index + 1]);
    expect(a.size).toBe(0);
    expect(a.stats().waitingPushers).toBe(0);
  });
  it('tryPull on a second channel of an already-won select finds nothing', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const s = select([push(a, 1), push(b, 2)]);
    expect(a.tryPull()).toBe(1);
    expect(b.tryPull()).toBeUndefined();
    expect((await s).index).toBe(0);
  });
  it('pushAll feeds a select with duplicate pull cases once, then the next puller', async () => {
    const a = new Channel<number>();
    const s = select([pull(a), pull(a)]);
    const q = a.pull();
    await a.pushAll([1, 2]);
    expect((await s).value).toBe(1);
    expect(await q).toBe(2);
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});
