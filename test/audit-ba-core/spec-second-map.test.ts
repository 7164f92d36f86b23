/**
 * Audit BA-core: the SPEC's second map, "Non-blocking and batch operations" and "Broadcast and
 * ticker", one test per sentence, as literally as the sentence allows.
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

const flush = async (n = 20) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('tryPush / tryPull', () => {
  it('tryPush: true when committed, false when it would wait, false when closed (check closed)', () => {
    const ch = new Channel<number>(1);
    expect(ch.tryPush(1)).toBe(true);
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.closed).toBe(false);
    ch.close();
    expect(ch.tryPush(3)).toBe(false);
    expect(ch.closed).toBe(true);
  });
  it('tryPush after close with values buffered: false, buffer untouched', () => {
    const ch = new Channel<number>(3);
    ch.tryPush(1);
    ch.close();
    expect(ch.tryPush(2)).toBe(false);
    expect(ch.size).toBe(1);
    expect(ch.tryPull()).toBe(1);
    expect(ch.tryPull()).toBeUndefined();
  });
  it('tryPush on unbuffered succeeds exactly when a puller waits (same rule as pushNowait)', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPush(1)).toBe(false);
    const p = ch.pull();
    expect(ch.tryPush(2)).toBe(true);
    expect(await p).toBe(2);
  });
  it('tryPush in drop modes is true whenever open', () => {
    const a = new Channel<number>(1, { overflow: 'drop-oldest' });
    const b = new Channel<number>(1, { overflow: 'drop-newest' });
    for (let i = 0; i < 3; i++) expect([a.tryPush(i), b.tryPush(i)]).toEqual([true, true]);
    expect([a.tryPull(), b.tryPull()]).toEqual([2, 0]);
  });
  it('tryPull: value now, undefined when empty, undefined when closed and drained', async () => {
    const ch = new Channel<number>();
    expect(ch.tryPull()).toBeUndefined();
    const p = ch.push(4);
    expect(ch.tryPull()).toBe(4);
    await p;
    ch.close();
    expect(ch.tryPull()).toBeUndefined();
  });
});

describe('pullMany', () => {
  it('takes up to max in FIFO order, buffer first then parked pushers (each resolving)', async () => {
    const ch = new Channel<number>(2);
    await ch.pushAll([1, 2]);
    const resolved: number[] = [];
    const pushes = [3, 4, 5].map((v) => ch.push(v).then(() => resolved.push(v)));
    expect(await ch.pullMany(4)).toEqual([1, 2, 3, 4]);
    await flush();
    expect(resolved).toEqual([3, 4, 5]);
    expect(ch.size).toBe(1);
    expect(await ch.pullMany(10)).toEqual([5]);
    await Promise.all(pushes);
  });
  it('max larger than buffered: what is there now', async () => {
    const ch = new Channel<number>(8);
    await ch.pushAll([1, 2, 3]);
    expect(await ch.pullMany(1000)).toEqual([1, 2, 3]);
  });
  it('waits like pull until a value can be taken', async () => {
    const ch = new Channel<number>(4);
    const p = ch.pullMany(3);
    await flush();
    ch.tryPush(9);
    expect(await p).toEqual([9]);
  });
  it('closed and drained: ChannelClosedError (cause = reason); buffered values first', async () => {
    const ch = new Channel<number>(4);
    ch.tryPush(1);
    ch.close('r');
    expect(await ch.pullMany(5)).toEqual([1]);
    const e = (await ch.pullMany(5).catch((x: unknown) => x)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.cause).toBe('r');
  });
  it('aborted before the commit: signal.reason, nothing taken', async () => {
    const ch = new Channel<number>(4);
    const ac = new AbortController();
    const p = ch.pullMany(2, { signal: ac.signal });
    ac.abort('r');
    await expect(p).rejects.toBe('r');
    ch.tryPush(1);
    expect(ch.size).toBe(1);
  });
  it.each([0, -1, 1.5, Number.NaN, Infinity])('max %s is a RangeError', async (max) => {
    await expect(new Channel<number>(1).pullMany(max)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('pushAll', () => {
  it('pushes in order, synchronously while there is room', async () => {
    const ch = new Channel<number>(3);
    const p = ch.pushAll([1, 2, 3]);
    expect(ch.size).toBe(3);
    await p;
    expect(await ch.pullMany(3)).toEqual([1, 2, 3]);
  });
  it('pushAll([]) resolves', async () => {
    await expect(new Channel<number>().pushAll([])).resolves.toBeUndefined();
  });
  it('closed part-way: rejects with ChannelClosedError whose pushed says how many were committed', async () => {
    const ch = new Channel<number>(2);
    const p = ch.pushAll([1, 2, 3, 4]);
    await ch.pull();
    ch.close();
    const e = (await p.catch((x: unknown) => x)) as ChannelClosedError;
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(3);
    expect(await ch.pullMany(9)).toEqual([2, 3]);
  });
  it('aborted part-way: rejects with the reason carrying pushed', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const reason = new Error('stop');
    const p = ch.pushAll([1, 2, 3], { signal: ac.signal });
    ac.abort(reason);
    const e = await p.catch((x: unknown) => x);
    expect(e).toBe(reason);
    expect((e as { pushed: number }).pushed).toBe(1);
  });
  it('an iterable that throws mid-way: rejects with that error, pushed = values committed, these stay', async () => {
    const boom = new Error('boom');
    function* g() {
      yield 1;
      yield 2;
      throw boom;
    }
    const ch = new Channel<number>(1);
    const p = ch.pushAll(g());
    expect(await ch.pull()).toBe(1);
    const e = await p.catch((x: unknown) => x);
    expect(e).toBe(boom);
    expect((e as { pushed: number }).pushed).toBe(2);
    expect(ch.pullNowait()).toBe(2);
  });
  it('the four batch/try methods exist on Channel with their arities', () => {
    const ch = new Channel<number>();
    expect([ch.tryPush.length, ch.tryPull.length, ch.pullMany.length, ch.pushAll.length]).toEqual([1, 0, 2, 2]);
  });
});

describe('broadcast', () => {
  it('every value to every current subscriber, in order; late subscriber only later values', async () => {
    const src = new Channel<number>();
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    await src.push(1);
    const b = hub.subscribe({ capacity: 10 });
    await src.push(2);
    await src.push(3);
    src.close();
    expect(await a.pullMany(10)).toEqual([1, 2, 3]);
    expect(await b.pullMany(10)).toEqual([2, 3]);
  });
  it('subscribe() without options: capacity 1, block', () => {
    const sub = broadcast(new Channel<number>()).subscribe();
    expect(sub.capacity).toBe(1);
    expect(sub.stats().overflow).toBe('block');
  });
  it('with no subscriber it pulls nothing', async () => {
    const src = new Channel<number>(3);
    broadcast(src);
    await src.pushAll([1, 2, 3]);
    await flush();
    expect(src.size).toBe(3);
  });
  it('block subscribers: slowest sets the pace; drop-mode never holds back', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const slow = hub.subscribe({ capacity: 1 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await src.pushAll([1, 2, 3]);
    await flush();
    expect(slow.size).toBe(1);
    expect(src.size).toBe(2);
    expect(latest.tryPull()).toBe(1);
    expect(await slow.pull()).toBe(1);
    await flush();
    expect(latest.tryPull()).toBe(2);
    slow.close();
    await flush();
    expect(src.size).toBe(0);
    expect(latest.tryPull()).toBe(3);
  });
  it('a subscriber leaves when its signal aborts (channel closed)', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const ac = new AbortController();
    const a = hub.subscribe({ signal: ac.signal });
    const b = hub.subscribe({ capacity: 4 });
    ac.abort();
    expect(a.closed).toBe(true);
    await src.pushAll([1, 2]);
    await flush();
    expect(await b.pullMany(4)).toEqual([1, 2]);
  });
  it('source closed with a reason: every subscriber, whatever its overflow, closed with it after its values', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const subs = [
      hub.subscribe({ capacity: 1 }),
      hub.subscribe({ capacity: 1, overflow: 'drop-oldest' }),
      hub.subscribe({ capacity: 1, overflow: 'drop-newest' }),
      hub.subscribe({ capacity: 8 }),
    ];
    await src.pushAll([1, 2, 3]);
    const reason = new Error('R');
    src.close(reason);
    const results = await Promise.all(
      subs.map(async (s) => {
        const got: number[] = [];
        try {
          for await (const v of s) got.push(v);
          return { got, end: 'normal' };
        } catch (e) {
          return { got, end: e };
        }
      }),
    );
    expect(results).toEqual([
      { got: [1, 2, 3], end: reason },
      { got: expect.any(Array), end: reason },
      { got: expect.any(Array), end: reason },
      { got: [1, 2, 3], end: reason },
    ]);
    expect(results[1]!.got.at(-1)).toBe(3);
    expect(results[2]!.got[0]).toBe(1);
    for (const s of subs) expect(s.closed).toBe(true);
  });
  it('broadcast.close() stops pulling and closes subscribers; source stays open', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    await src.pushAll([1, 2]);
    await flush();
    hub.close();
    expect(a.closed).toBe(true);
    expect(src.closed).toBe(false);
    expect(a.pullNowait()).toBe(1);
    expect(src.pullNowait()).toBe(2);
    expect(hub.subscribe().closed).toBe(true);
  });
  it('Broadcast is disposable', () => {
    const src = new Channel<number>();
    let sub: Channel<number> | undefined;
    {
      using hub = broadcast(src);
      sub = hub.subscribe();
    }
    expect(sub.closed).toBe(true);
  });
});

describe('ticker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it.each([0, -1, Number.NaN, Infinity, -Infinity])('ticker(%s) is a RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
  });
  it('capacity 1, Date.now() every ms on start + k·ms, a tick finding the buffer full is dropped', async () => {
    vi.useFakeTimers({ now: 1000 });
    const t = ticker(100);
    expect(t.capacity).toBe(1);
    await vi.advanceTimersByTimeAsync(350);
    expect(t.size).toBe(1);
    expect(t.tryPull()).toBe(1100);
    await vi.advanceTimersByTimeAsync(50);
    expect(t.tryPull()).toBe(1400);
    const p = t.pull();
    await vi.advanceTimersByTimeAsync(100);
    expect(await p).toBe(1500);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('no drift: a late timer does not push the schedule back', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(10);
    vi.setSystemTime(17); // the clock jumps: the next timer fires late by its clock
    await vi.advanceTimersByTimeAsync(10);
    const first = t.tryPull();
    await vi.advanceTimersByTimeAsync(10);
    const second = t.tryPull();
    t.close();
    expect(first).toBeGreaterThanOrEqual(10);
    expect(second! % 10).toBe(0);
  });
  it('aborting the signal clears the timer and closes', async () => {
    vi.useFakeTimers({ now: 0 });
    const ac = new AbortController();
    const t = ticker(10, { signal: ac.signal });
    ac.abort();
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
  it('delays above 2^31-1 ms are chained, not fired at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const big = 2 ** 31 + 5000;
    const a = afterMs(big);
    const t = ticker(big);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect([a.size, t.size]).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(5000);
    expect([a.tryPull(), t.tryPull()]).toEqual([big, big]);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
  it('a channel closed before its timer fires clears the timer', () => {
    vi.useFakeTimers({ now: 0 });
    afterMs(100).close();
    ticker(100).close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('select with timer channels', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('select over a ticker and a data channel', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(10);
    const data = new Channel<string>(1);
    const s = select([pull(t), pull(data)] as const);
    await vi.advanceTimersByTimeAsync(10);
    expect(await s).toEqual({ index: 0, channel: t, value: 10, ok: true });
    data.tryPush('x');
    expect(selectNowait([pull(t), pull(data)])?.value).toBe('x');
    t.close();
  });
  it('a push case into a ticker is a push into a capacity-1 channel', () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(10);
    expect(selectNowait([push(t, 5)])?.index).toBe(0);
    expect(t.tryPull()).toBe(5);
    t.close();
  });
});
