import { getEventListeners } from 'node:events';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  pull as pullCase,
  push as pushCase,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
afterEach(() => vi.useRealTimers());

describe('signal listeners are not left behind', () => {
  it('pullMany and pushAll remove their abort listener when they complete', async () => {
    const ac = new AbortController();
    const ch = new Channel<number>(1);
    for (let i = 0; i < 50; i++) {
      const pa = ch.pushAll([1, 2, 3], { signal: ac.signal });
      let n = 0;
      while (n < 3) n += (await ch.pullMany(3, { signal: ac.signal })).length;
      await pa;
    }
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });
  it('broadcast.subscribe signal: listener removed when the subscriber is closed or broadcast closes', async () => {
    const ac = new AbortController();
    const src = new Channel<number>(1);
    const hub = broadcast(src);
    for (let i = 0; i < 20; i++) hub.subscribe({ signal: ac.signal }).close();
    await sleep(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    for (let i = 0; i < 5; i++) hub.subscribe({ signal: ac.signal });
    hub.close();
    await sleep(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });
  it('broadcast.subscribe signal: listener removed when the source closes', async () => {
    const ac = new AbortController();
    const src = new Channel<number>(1);
    const hub = broadcast(src);
    const s = hub.subscribe({ signal: ac.signal });
    src.close();
    await sleep(0);
    expect(s.closed).toBe(true);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });
  it('ticker/after signal: listener removed on close and after firing', async () => {
    const ac = new AbortController();
    ticker(1000, { signal: ac.signal }).close();
    afterMs(1000, { signal: ac.signal }).close();
    const a = afterMs(1, { signal: ac.signal });
    await a.pull();
    await sleep(5);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });
});

describe('ticker schedule after a clock jump (fake timers)', () => {
  it('a long stall does not produce a burst: one tick buffered, next one on the grid', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(100);
    await vi.advanceTimersByTimeAsync(1050); // reader is slow: 10 ticks due, buffer 1
    expect(t.tryPull()).toBe(100);
    expect(t.tryPull()).toBe(undefined);
    await vi.advanceTimersByTimeAsync(50);
    expect(t.tryPull()).toBe(1100);
    t.close();
  });
  it('a callback that runs late (event loop blocked) still delivers and stays on the grid', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(100);
    vi.setSystemTime(250); // the loop was blocked for 250 ms; timer due at 100 not yet run
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(100); // now 350: the late timer fires
    const v1 = t.tryPull();
    expect(v1).toBeDefined();
    // next ticks are due at 400, 500 …
    await vi.advanceTimersByTimeAsync(50); // now 400
    expect(t.tryPull()).toBe(400);
    t.close();
  });
});

describe('batch ops x select', () => {
  it("pullMany takes a parked select push case and leaves the select's other cases clean", async () => {
    const ch = new Channel<number>(0);
    const other = new Channel<number>(0);
    const p1 = ch.push(1);
    const s = select([pushCase(ch, 2), pullCase(other)]);
    const p3 = ch.push(3);
    expect(await ch.pullMany(10)).toEqual([1, 2, 3]);
    await p1;
    await p3;
    expect((await s).index).toBe(0);
    expect(other.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
  it('pushAll feeds several parked select pull cases in order, once each', async () => {
    const ch = new Channel<number>(0);
    const x = new Channel<number>(0),
      y = new Channel<number>(0);
    const s1 = select([pullCase(ch), pullCase(x)]);
    const s2 = select([pullCase(ch), pullCase(y)]);
    await ch.pushAll([1, 2]);
    expect((await s1).value).toBe(1);
    expect((await s2).value).toBe(2);
    expect(x.stats().waitingPullers + y.stats().waitingPullers).toBe(0);
  });
  it('a select that includes a pull on a channel a pushAll is parked on wins once; pushAll continues', async () => {
    const ch = new Channel<number>(0);
    const pa = ch.pushAll([1, 2, 3]);
    const r = selectNowait([pullCase(ch)]);
    expect(r?.value).toBe(1);
    await sleep(0); // pushAll parks its next value like a consecutive `await push(v)`
    expect(ch.tryPull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await pa;
  });
  it('a select whose pushAll-parked rival is aborted: pushed count exact', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const pa = ch.pushAll([1, 2, 3, 4, 5], { signal: ac.signal });
    await sleep(0);
    const r = selectNowait([pullCase(ch)]); // takes 1, 3 moves into buffer
    ac.abort(new Error('stop'));
    const e = await pa.catch((x) => x);
    expect(r?.value).toBe(1);
    expect(e.pushed).toBe(3);
    expect(await ch.pullMany(10)).toEqual([2, 3]);
  });
  it('closing inside a pull .then while pushAll is mid-way: pushed is exact, nothing duplicated', async () => {
    const ch = new Channel<number>(0);
    const pa = ch.pushAll([1, 2, 3, 4]);
    const got: number[] = [];
    got.push(await ch.pull());
    got.push(
      await ch.pull().then((v) => {
        ch.close();
        return v;
      }),
    );
    const e = await pa.catch((x) => x);
    expect(got).toEqual([1, 2]);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(2);
  });
  it('re-entrant tryPush from a pullMany .then keeps FIFO', async () => {
    const ch = new Channel<number>(3);
    const p = ch.pullMany(2).then((vs) => {
      ch.tryPush(100);
      return vs;
    });
    await ch.pushAll([1, 2, 3]);
    expect(await p).toEqual([1]);
    expect(await ch.pullMany(10)).toEqual([2, 3, 100]);
  });
});

describe('broadcast x batch', () => {
  it('pushAll into a broadcast source with subscribers of different capacities: everyone gets everything in order', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const subs = [hub.subscribe({ capacity: 0 }), hub.subscribe(), hub.subscribe({ capacity: 7 })];
    const N = 40;
    const pa = src.pushAll(Array.from({ length: N }, (_, i) => i)).then(() => src.close('done'));
    const results = await Promise.all(
      subs.map(async (s, k) => {
        const got: number[] = [];
        try {
          for (;;) {
            if (k === 2) got.push(...(await s.pullMany(5)));
            else got.push(await s.pull());
          }
        } catch (e) {
          return { got, e };
        }
      }),
    );
    await pa;
    for (const r of results) {
      expect(r!.got).toEqual(Array.from({ length: N }, (_, i) => i));
      expect((r!.e as ChannelClosedError).cause).toBe('done');
    }
  });
  it("a subscriber closed from within another subscriber's pull .then during delivery", async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 1 });
    const b = hub.subscribe({ capacity: 1 });
    const pa = a.pull().then((v) => {
      b.close();
      return v;
    });
    await src.pushAll([1, 2, 3]);
    expect(await pa).toBe(1);
    await sleep(0);
    expect(await a.pull()).toBe(2);
    expect(await a.pull()).toBe(3);
  });
  it('subscribing inside a subscriber .then: late subscriber gets only later values', async () => {
    const src = new Channel<number>(10);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 10 });
    let late: Channel<number> | undefined;
    const pa = a.pull().then((v) => {
      late = hub.subscribe({ capacity: 10 });
      return v;
    });
    src.tryPush(1);
    await pa;
    src.tryPush(2);
    src.close();
    await sleep(0);
    const rest: number[] = [];
    for await (const v of late!) rest.push(v);
    expect(rest).toEqual([2]);
  });
  it('hub.close() in the same tick as a source push commit: value reaches subscribers or stays in source', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const a = hub.subscribe({ capacity: 5 });
    await sleep(0);
    const committed = src.tryPush(1);
    hub.close();
    const fromSub = a.tryPull();
    const fromSrc = src.tryPull();
    expect(committed ? fromSub : fromSrc === undefined).toBe(committed ? 1 : true);
  });
  it('broadcast of a ticker with a drop subscriber and a block subscriber (fake timers)', async () => {
    vi.useFakeTimers({ now: 0 });
    const t = ticker(10);
    const hub = broadcast(t);
    const slow = hub.subscribe({ capacity: 1 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await vi.advanceTimersByTimeAsync(100);
    expect(slow.tryPull()).toBe(10); // first tick held; the rest wait in/are dropped by the ticker
    expect(latest.tryPull()).toBeLessThanOrEqual(20);
    hub.close();
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
