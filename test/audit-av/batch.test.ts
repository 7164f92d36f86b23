import type { PullChannel, PushChannel } from 'chanasync';
import { Channel, ChannelClosedError, pull as pullCase, push as pushCase, select } from 'chanasync';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('tryPush', () => {
  it('returns true when there is room, false when full, never throws', () => {
    const ch = new Channel<number>(2);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(true);
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.size).toBe(2);
    ch.close();
    expect(ch.tryPush(4)).toBe(false);
    expect(ch.closed).toBe(true);
  });
  it('unbuffered: succeeds exactly when a puller waits', async () => {
    const ch = new Channel<string>();
    expect(ch.tryPush('a')).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush('b')).toBe(true);
    expect(await p).toBe('b');
    expect(ch.tryPush('c')).toBe(false);
  });
  it('delivers to a parked select pull', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const s = select([pullCase(ch), pullCase(other)]);
    expect(ch.tryPush(5)).toBe(true);
    const r = await s;
    expect(r.index).toBe(0);
    expect(r.value).toBe(5);
    expect(other.stats().waitingPullers).toBe(0);
  });
  it('drop-oldest: always true, slides', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4]) expect(ch.tryPush(v)).toBe(true);
    expect(ch.tryPull()).toBe(3);
    expect(ch.tryPull()).toBe(4);
  });
  it('drop-newest: always true, keeps first', () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3, 4]) expect(ch.tryPush(v)).toBe(true);
    expect([ch.tryPull(), ch.tryPull(), ch.tryPull()]).toEqual([1, 2, undefined]);
  });
  it('drop modes on a closed channel return false', () => {
    const a = new Channel<number>(1, { overflow: 'drop-oldest' });
    const b = new Channel<number>(1, { overflow: 'drop-newest' });
    a.close();
    b.close();
    expect(a.tryPush(1)).toBe(false);
    expect(b.tryPush(1)).toBe(false);
  });
  it('Infinity capacity always accepts', () => {
    const ch = new Channel<number>(Infinity);
    for (let i = 0; i < 1000; i++) expect(ch.tryPush(i)).toBe(true);
    expect(ch.size).toBe(1000);
  });
  it('can push undefined', () => {
    const ch = new Channel<undefined>(1);
    expect(ch.tryPush(undefined)).toBe(true);
    expect(ch.size).toBe(1);
    expect(ch.pullNowait()).toBe(undefined);
  });
  it('skips an aborted parked puller? no: a parked puller aborted earlier leaves no trace', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const p = ch.pull({ signal: ac.signal });
    ac.abort(new Error('x'));
    await expect(p).rejects.toThrow('x');
    expect(ch.tryPush(1)).toBe(false);
  });
});

describe('tryPull', () => {
  it('returns values FIFO, undefined when empty or closed+drained, never throws', () => {
    const ch = new Channel<number>(3);
    expect(ch.tryPull()).toBe(undefined);
    ch.tryPush(1);
    ch.tryPush(2);
    ch.close();
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBe(2);
    expect(ch.tryPull()).toBe(undefined);
  });
  it('unbuffered: takes a parked pusher value and resolves it', async () => {
    const ch = new Channel<number>();
    let done = false;
    const p = ch.push(7).then(() => {
      done = true;
    });
    expect(ch.tryPull()).toBe(7);
    await p;
    expect(done).toBe(true);
    expect(ch.tryPull()).toBe(undefined);
  });
  it('buffered full with parked pusher: pusher value moves into buffer, FIFO', async () => {
    const ch = new Channel<number>(1);
    ch.tryPush(1);
    const p = ch.push(2);
    expect(ch.tryPull()).toBe(1);
    await p;
    expect(ch.size).toBe(1);
    expect(ch.tryPull()).toBe(2);
  });
  it('takes from a parked select push case', async () => {
    const ch = new Channel<number>();
    const other = new Channel<number>();
    const s = select([pushCase(ch, 9), pushCase(other, 10)]);
    expect(ch.tryPull()).toBe(9);
    expect((await s).index).toBe(0);
    expect(other.stats().waitingPushers).toBe(0);
  });
  it('after close, parked pushers were rejected; tryPull returns undefined', async () => {
    const ch = new Channel<number>();
    const p = ch.push(1);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPull()).toBe(undefined);
  });
});

describe('pullMany', () => {
  it('takes up to max from the buffer in FIFO order in one commit', async () => {
    const ch = new Channel<number>(10);
    for (let i = 1; i <= 5; i++) ch.tryPush(i);
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
    expect(await ch.pullMany(10)).toEqual([4, 5]);
  });
  it('buffer first, then parked pushers, each pusher resolving', async () => {
    const ch = new Channel<number>(2);
    ch.tryPush(1);
    ch.tryPush(2);
    const order: number[] = [];
    const p3 = ch.push(3).then(() => order.push(3));
    const p4 = ch.push(4).then(() => order.push(4));
    const p5 = ch.push(5).then(() => order.push(5));
    const got = await ch.pullMany(4);
    expect(got).toEqual([1, 2, 3, 4]);
    await Promise.all([p3, p4]);
    // 5 moves into the buffer (room freed) or stays parked; either way it is next
    expect(await ch.pull()).toBe(5);
    await p5;
    expect(order).toEqual([3, 4, 5]);
  });
  it('buffer refilled from parked pushers preserves FIFO for next pullMany', async () => {
    const ch = new Channel<number>(2);
    ch.tryPush(1);
    ch.tryPush(2);
    const ps = [3, 4, 5, 6].map((v) => ch.push(v));
    expect(await ch.pullMany(1)).toEqual([1]);
    expect(await ch.pullMany(100)).toEqual([2, 3, 4, 5, 6]);
    await Promise.all(ps);
  });
  it('unbuffered: takes all parked pushers values up to max', async () => {
    const ch = new Channel<number>();
    const ps = [1, 2, 3].map((v) => ch.push(v));
    expect(await ch.pullMany(2)).toEqual([1, 2]);
    expect(await ch.pullMany(2)).toEqual([3]);
    await Promise.all(ps);
  });
  it('waits like pull until one value, then returns what is there', async () => {
    const ch = new Channel<number>(5);
    const p = ch.pullMany(5);
    await tick();
    ch.tryPush(1);
    // a waiting pullMany gets the single value handed over
    const got = await p;
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got[0]).toBe(1);
    const rest = got.length === 1 ? [] : got.slice(1);
    expect(rest).toEqual([]);
  });
  it('waiting pullMany with a pushAll: gets at least first, nothing lost', async () => {
    const ch = new Channel<number>(3);
    const p = ch.pullMany(10);
    await tick();
    const pa = ch.pushAll([1, 2, 3, 4, 5]);
    const first = await p;
    const rest: number[] = [];
    await tick();
    while (rest.length + first.length < 5) rest.push(await ch.pull());
    await pa;
    expect([...first, ...rest]).toEqual([1, 2, 3, 4, 5]);
  });
  it('rejects with ChannelClosedError when closed and drained, with cause', async () => {
    const ch = new Channel<number>(2);
    ch.tryPush(1);
    ch.close('why');
    expect(await ch.pullMany(5)).toEqual([1]);
    const e = await ch.pullMany(5).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('why');
  });
  it('a parked pullMany rejects on close', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pullMany(2);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
  });
  it('aborted before commit: rejects with reason, nothing taken', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const p = ch.pullMany(2, { signal: ac.signal });
    ac.abort('stop');
    await expect(p).rejects.toBe('stop');
    ch.tryPush(1);
    expect(ch.tryPull()).toBe(1);
    expect(ch.stats().waitingPullers).toBe(0);
  });
  it('already aborted signal is checked first even with values available', async () => {
    const ch = new Channel<number>(2);
    ch.tryPush(1);
    await expect(ch.pullMany(2, { signal: AbortSignal.abort('a') })).rejects.toBe('a');
    expect(ch.size).toBe(1);
  });
  it('already aborted signal checked first on a closed channel', async () => {
    const ch = new Channel<number>(2);
    ch.close();
    await expect(ch.pullMany(2, { signal: AbortSignal.abort('a') })).rejects.toBe('a');
  });
  it('abort in the same tick after a commit does not lose the values', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const p = ch.pullMany(2, { signal: ac.signal });
    ch.tryPush(1);
    ac.abort('late');
    expect(await p).toEqual([1]);
  });
  it.each([0, -1, 1.5, NaN])('max %s throws RangeError', async (max) => {
    const ch = new Channel<number>(2);
    let err: unknown;
    try {
      await ch.pullMany(max);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(String((err as Error).message)).toMatch(/pullMany/);
  });
  it('max Infinity? (positive integer required) - either RangeError or drains all', async () => {
    const ch = new Channel<number>(3);
    ch.tryPush(1);
    ch.tryPush(2);
    let res: unknown;
    try {
      res = await ch.pullMany(Infinity);
    } catch (e) {
      res = e;
    }
    expect(res instanceof RangeError || (Array.isArray(res) && res.length === 2)).toBe(true);
  });
  it('carries undefined values', async () => {
    const ch = new Channel<undefined>(3);
    ch.tryPush(undefined);
    ch.tryPush(undefined);
    expect(await ch.pullMany(5)).toEqual([undefined, undefined]);
  });
  it('pullMany with several parked pullMany callers: FIFO among them', async () => {
    const ch = new Channel<number>(10);
    const a = ch.pullMany(10);
    const b = ch.pullMany(10);
    await ch.pushAll([1, 2, 3]);
    const ra = await a;
    const rb = await Promise.race([b, tick().then(() => 'pending')]);
    const all = [...ra, ...(Array.isArray(rb) ? rb : [])];
    const rest: number[] = [];
    while (ch.size) rest.push(ch.tryPull()!);
    expect([...all, ...rest].sort()).toEqual([1, 2, 3]);
    expect(ra[0]).toBe(1);
    ch.close();
  });
  it('drop-oldest channel: pullMany sees the latest window', async () => {
    const ch = new Channel<number>(3, { overflow: 'drop-oldest' });
    for (let i = 1; i <= 6; i++) ch.tryPush(i);
    expect(await ch.pullMany(10)).toEqual([4, 5, 6]);
  });
});

describe('pushAll', () => {
  it('pushes in order without waiting while there is room', async () => {
    const ch = new Channel<number>(5);
    await ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3);
    expect(await ch.pullMany(5)).toEqual([1, 2, 3]);
  });
  it('empty iterable resolves', async () => {
    const ch = new Channel<number>();
    await ch.pushAll([]);
    expect(ch.size).toBe(0);
  });
  it('empty iterable on a closed channel: resolves or rejects with pushed 0', async () => {
    const ch = new Channel<number>();
    ch.close();
    const r = await ch.pushAll([]).then(
      () => 'ok',
      (e) => e,
    );
    if (r !== 'ok') expect((r as { pushed: number }).pushed).toBe(0);
  });
  it('waits for room and keeps order across consumers', async () => {
    const ch = new Channel<number>(2);
    const vals = Array.from({ length: 20 }, (_, i) => i);
    const pa = ch.pushAll(vals);
    const got: number[] = [];
    while (got.length < 20) got.push(...(await ch.pullMany(3)));
    await pa;
    expect(got).toEqual(vals);
  });
  it('unbuffered rendezvous with a consumer', async () => {
    const ch = new Channel<number>();
    const pa = ch.pushAll([1, 2, 3]);
    const got = [await ch.pull(), await ch.pull(), await ch.pull()];
    await pa;
    expect(got).toEqual([1, 2, 3]);
  });
  it('close part-way: rejects ChannelClosedError with pushed count', async () => {
    const ch = new Channel<number>(2);
    const pa = ch.pushAll([1, 2, 3, 4]);
    await tick();
    ch.close('bye');
    const e = await pa.catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(2);
    expect(await ch.pullMany(10)).toEqual([1, 2]);
  });
  it('abort part-way: rejects with reason, pushed on the error', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const reason = new Error('stop');
    const pa = ch.pushAll([1, 2, 3], { signal: ac.signal });
    await tick();
    ac.abort(reason);
    const e = await pa.catch((x) => x);
    expect(e).toBe(reason);
    expect(e.pushed).toBe(1);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBe(undefined);
  });
  it('abort with a primitive reason: still rejects (pushed cannot be attached to a string)', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const pa = ch.pushAll([1, 2, 3], { signal: ac.signal });
    await tick();
    ac.abort('str');
    const e = await pa.catch((x) => x);
    // report what happens
    expect(e === 'str' || (e && (e as any).pushed === 1)).toBe(true);
  });
  it('already aborted: rejects, nothing pushed, pushed 0', async () => {
    const ch = new Channel<number>(5);
    const reason = new Error('pre');
    const e = await ch.pushAll([1, 2], { signal: AbortSignal.abort(reason) }).catch((x) => x);
    expect(e).toBe(reason);
    expect((e as any).pushed).toBe(0);
    expect(ch.size).toBe(0);
  });
  it('closed at call: ChannelClosedError with pushed 0', async () => {
    const ch = new Channel<number>(5);
    ch.close();
    const e = await ch.pushAll([1, 2]).catch((x) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(0);
  });
  it('consumes a generator lazily: not more than committed+1 values pulled from the iterable', async () => {
    const ch = new Channel<number>(1);
    let produced = 0;
    function* gen() {
      for (let i = 0; i < 100; i++) {
        produced++;
        yield i;
      }
    }
    const pa = ch.pushAll(gen());
    await tick();
    expect(produced).toBeLessThanOrEqual(2);
    ch.close();
    const e = await pa.catch((x) => x);
    expect(e.pushed).toBe(1);
  });
  it('an iterable that throws: rejects with that error, earlier values committed', async () => {
    const ch = new Channel<number>(5);
    const boom = new Error('boom');
    function* gen() {
      yield 1;
      yield 2;
      throw boom;
    }
    const e = await ch.pushAll(gen()).catch((x) => x);
    expect(e).toBe(boom);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });
  it('generator return() is called when pushAll stops early (close)', async () => {
    const ch = new Channel<number>(1);
    let finalized = false;
    function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const pa = ch.pushAll(gen());
    await tick();
    ch.close();
    await pa.catch(() => {});
    expect(finalized).toBe(true);
  });
  it('drop-oldest: never waits, keeps the last capacity values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([4, 5]);
  });
  it('drop-newest: never waits, keeps the first capacity values', async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    await ch.pushAll([1, 2, 3, 4, 5]);
    expect(await ch.pullMany(5)).toEqual([1, 2]);
  });
  it('drop-mode with a parked puller: first value goes to the puller', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    const p = ch.pull();
    await ch.pushAll([1, 2, 3]);
    expect(await p).toBe(1);
    expect(ch.tryPull()).toBe(3);
  });
  it('two concurrent pushAll: each keeps its own order, nothing lost', async () => {
    const ch = new Channel<number>(1);
    const a = ch.pushAll([1, 2, 3]);
    const b = ch.pushAll([10, 20, 30]);
    const got: number[] = [];
    while (got.length < 6) got.push(await ch.pull());
    await Promise.all([a, b]);
    expect(got.filter((x) => x < 10)).toEqual([1, 2, 3]);
    expect(got.filter((x) => x >= 10)).toEqual([10, 20, 30]);
  });
  it('pushAll parked then abort in same tick as a pull commit: pushed counts it', async () => {
    const ch = new Channel<number>();
    const ac = new AbortController();
    const pa = ch.pushAll([1, 2, 3], { signal: ac.signal });
    const v = ch.tryPull();
    ac.abort(new Error('x'));
    const e = await pa.catch((x) => x);
    expect(v).toBe(1);
    expect(e.pushed).toBe(1);
    expect(ch.tryPull()).toBe(undefined);
  });
  it('pushAll to a select pull waiter', async () => {
    const ch = new Channel<number>();
    const s = select([pullCase(ch)]);
    const pa = ch.pushAll([1, 2]);
    expect((await s).value).toBe(1);
    expect(await ch.pull()).toBe(2);
    await pa;
  });
  it('a string is iterable: pushes characters', async () => {
    const ch = new Channel<string>(5);
    await ch.pushAll('abc');
    expect(await ch.pullMany(5)).toEqual(['a', 'b', 'c']);
  });
  it('non-iterable throws TypeError naming pushAll', async () => {
    const ch = new Channel<number>(5);
    const e = await (async () => ch.pushAll(5 as any))().catch((x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/pushAll/);
  });
});

describe('views', () => {
  it('PushChannel has tryPush and pushAll; PullChannel has tryPull and pullMany', async () => {
    const ch = new Channel<number>(4);
    const w: PushChannel<number> = ch;
    const r: PullChannel<number> = ch;
    expect(w.tryPush(1)).toBe(true);
    await w.pushAll([2, 3]);
    expect(r.tryPull()).toBe(1);
    expect(await r.pullMany(5)).toEqual([2, 3]);
  });
  // README "Semantic details" documents it: methods are not bound; a detached one throws TypeError.
  it('a detached tryPush throws a TypeError and commits nothing (documented)', () => {
    const ch = new Channel<number>(4);
    const { tryPush } = ch as PushChannel<number>;
    expect(() => tryPush(1)).toThrow(TypeError);
    expect(ch.size).toBe(0);
  });
});
