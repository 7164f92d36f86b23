/** Deterministic probes: second-map ops combined with select, signals, close and iteration. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  after,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelError,
  merge,
  pull,
  push,
  select,
  ticker,
} from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

const drain = <T>(ch: Channel<T>) => {
  const out: T[] = [];
  for (;;) {
    try {
      out.push(ch.pullNowait());
    } catch {
      return out;
    }
  }
};

describe('capacity 0 with pushAll / pullMany', () => {
  test('pushAll into two parked pullMany and a parked select', async () => {
    const ch = new Channel<number>(0);
    const other = new Channel<number>(0);
    const m1 = track(ch.pullMany(5));
    const s = track(select([pull(other), pull(ch)]));
    const m2 = track(ch.pullMany(5));
    const all = track(ch.pushAll([1, 2, 3, 4]));
    await flush();
    expect(m1.current).toEqual({ status: 'fulfilled', value: [1] });
    expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 1, value: 2, ok: true } });
    expect(m2.current).toEqual({ status: 'fulfilled', value: [3] });
    expect(all.current.status).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(other.stats().waitingPullers).toBe(0);
    const m3 = track(ch.pullMany(5));
    await flush();
    expect(m3.current).toEqual({ status: 'fulfilled', value: [4] });
    expect(all.current).toEqual({ status: 'fulfilled', value: undefined });
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test('pullMany takes one value from each of two parked pushAll calls (FIFO of parked pushers)', async () => {
    const ch = new Channel<string>(0);
    const a = track(ch.pushAll(['a1', 'a2']));
    const b = track(ch.pushAll(['b1', 'b2']));
    expect(await ch.pullMany(10)).toEqual(['a1', 'b1']);
    await flush();
    expect(await ch.pullMany(10)).toEqual(['a2', 'b2']);
    await flush();
    expect(a.current.status).toBe('fulfilled');
    expect(b.current.status).toBe('fulfilled');
  });

  test('pushAll into unbuffered with a parked select push case on same channel: no self-match concerns; select push case and pushAll both parked, pullMany takes in FIFO', async () => {
    const ch = new Channel<number>(0);
    const s = track(select([push(ch, 100)]));
    const all = track(ch.pushAll([1, 2]));
    expect(await ch.pullMany(5)).toEqual([100, 1]);
    await flush();
    expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 0 } });
    expect(await ch.pullMany(5)).toEqual([2]);
    await flush();
    expect(all.current.status).toBe('fulfilled');
  });

  test('close during a parked pushAll on capacity 0 reports pushed', async () => {
    const ch = new Channel<number>(0);
    const p = ch.pushAll([1, 2, 3]);
    expect(ch.tryPull()).toBe(1);
    await flush();
    ch.close('why');
    const e = (await p.catch((x) => x)) as ChannelClosedError & { pushed: number };
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect(e.pushed).toBe(1);
    expect(e.cause).toBe('why');
  });
});

describe('one signal shared by many operations', () => {
  test("abort in the same tick as a commit to a parked pullMany: the value is the pullMany's", async () => {
    const ch = new Channel<number>(0);
    const c = new AbortController();
    const m = track(ch.pullMany(3, { signal: c.signal }));
    const p = track(ch.pull({ signal: c.signal }));
    expect(ch.tryPush(7)).toBe(true);
    c.abort('R');
    await flush();
    expect(m.current).toEqual({ status: 'fulfilled', value: [7] });
    expect(p.current).toEqual({ status: 'rejected', reason: 'R' });
  });

  test('abort then commit in same tick: the aborted parked pullMany is skipped', async () => {
    const ch = new Channel<number>(0);
    const c = new AbortController();
    const m = track(ch.pullMany(3, { signal: c.signal }));
    const later = track(ch.pull());
    c.abort('R');
    expect(ch.tryPush(7)).toBe(true);
    await flush();
    expect(m.current).toEqual({ status: 'rejected', reason: 'R' });
    expect(later.current).toEqual({ status: 'fulfilled', value: 7 });
  });

  test('shared signal: two pushAll with different counts, a pullMany and a select all reject', async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const e = new Channel<number>(0);
    const c = new AbortController();
    const reason = new Error('stop');
    const pa = a.pushAll([1, 2, 3], { signal: c.signal }).catch((x) => x);
    const pb = b.pushAll([1, 2, 3, 4], { signal: c.signal }).catch((x) => x);
    const pm = e.pullMany(4, { signal: c.signal }).catch((x) => x);
    const ps = select([pull(e), push(a, 9)], { signal: c.signal }).catch((x) => x);
    c.abort(reason);
    const [ra, rb, rm, rs] = await Promise.all([pa, pb, pm, ps]);
    expect(rm).toBe(reason);
    expect(rs).toBe(reason);
    const errs = [ra, rb] as { pushed: number; cause?: unknown }[];
    const counts = errs.map((x) => x.pushed).sort();
    expect(counts).toEqual([1, 2]);
    for (const x of errs)
      expect((x as unknown) === reason || (x instanceof ChannelError && x.cause === reason)).toBe(true);
    expect(drain(a)).toEqual([1]);
    expect(drain(b)).toEqual([1, 2]);
    expect(a.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
    expect(e.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  test("after() sharing the select's signal: abort rejects the select with the reason (not ok:false)", async () => {
    const data = new Channel<number>();
    const c = new AbortController();
    const t = after(10_000, { signal: c.signal });
    const s = track(select([pull(data), pull(t)], { signal: c.signal }));
    c.abort('R');
    await flush();
    expect(s.current).toEqual({ status: 'rejected', reason: 'R' });
    expect(t.closed).toBe(true);
    expect(data.stats().waitingPullers).toBe(0);
  });

  test('after() created AFTER the select parks, sharing the signal (its listener runs later)', async () => {
    const data = new Channel<number>();
    const c = new AbortController();
    const t = new Channel<number>(1);
    const s = track(select([pull(data), pull(t)], { signal: c.signal }));
    // biome-ignore lint/suspicious/noDuplicateTestHooks: chanasync's after(), not a test hook
    const t2 = after(10_000, { signal: c.signal });
    const s2 = track(select([pull(t2)], { signal: c.signal }));
    c.abort('R');
    await flush();
    expect(s.current).toEqual({ status: 'rejected', reason: 'R' });
    expect(s2.current).toEqual({ status: 'rejected', reason: 'R' });
  });
});

describe('merge with reasons', () => {
  test('inputs closing with different reasons: merged gets the first reason after the values', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    const m = merge(a, b);
    a.pushNowait(1);
    b.pushNowait(10);
    b.pushNowait(11);
    a.close('ra');
    b.close('rb');
    await flush();
    const got: number[] = [];
    let thrown: unknown;
    try {
      for await (const v of m) got.push(v);
    } catch (e) {
      thrown = e;
    }
    // The merged channel ends with 'ra' once a is drained; b keeps values it still has.
    expect(got).toContain(1);
    expect(thrown).toBe('ra');
    const left = drain(b);
    expect([...got.filter((v) => v >= 10), ...left].sort()).toEqual([10, 11]);
  });

  test('b closes with reason while merged full; a closes later normally', async () => {
    const a = new Channel<number>(3);
    const b = new Channel<number>(3);
    const m = merge(a, b);
    a.pushNowait(1); // into merged slot
    a.pushNowait(2);
    b.close('rb');
    a.close();
    await flush();
    const got: number[] = [];
    let thrown: unknown = 'none';
    try {
      for await (const v of m) got.push(v);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe('rb');
    expect([...got, ...drain(a)]).toEqual([1, 2]);
  });

  test('a merge pulled with pullMany when inputs refill', async () => {
    const a = new Channel<number>(5);
    const b = new Channel<number>(5);
    const m = merge(a, b);
    a.pushAll([1, 2, 3]);
    b.pushAll([10, 20]);
    await flush();
    const got = await m.pullMany(10);
    expect(got.length).toBeGreaterThan(1);
    const rest: number[] = [...got];
    while (m.tryPull() !== undefined || a.size + b.size > 0) {}
    expect(rest.filter((v) => v < 10)).toEqual([1, 2, 3].slice(0, rest.filter((v) => v < 10).length));
  });
});

describe('ticker under fake timers', () => {
  afterEach(() => vi.useRealTimers());
  test('using ticker clears its timer; one tick buffered, later dropped', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let t!: Channel<number>;
    {
      using tk = ticker(100);
      t = tk;
      vi.advanceTimersByTime(350);
      expect(tk.size).toBe(1);
      expect(tk.tryPull()).toBe(1_000_100);
      vi.advanceTimersByTime(100);
      expect(tk.tryPull()).toBe(1_000_400);
      expect(vi.getTimerCount()).toBe(1);
    }
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('for await over ticker with break inside using', async () => {
    vi.useFakeTimers({ now: 0 });
    const seen: number[] = [];
    {
      using tk = ticker(10);
      const loop = (async () => {
        for await (const v of tk) {
          seen.push(v);
          if (seen.length === 3) break;
        }
      })();
      await vi.advanceTimersByTimeAsync(35);
      await loop;
      expect(tk.closed).toBe(false);
    }
    expect(seen).toEqual([10, 20, 30]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker as a broadcast source with a select over subscribers', async () => {
    vi.useFakeTimers({ now: 0 });
    const tk = ticker(10);
    const hub = broadcast(tk);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await vi.advanceTimersByTimeAsync(10);
    expect(s1.tryPull()).toBe(10);
    await vi.advanceTimersByTimeAsync(30);
    // s1 holds 20, tk holds 30 (next tick dropped), s2 holds latest (30)
    expect(s1.tryPull()).toBe(20);
    expect(s1.tryPull()).toBe(30);
    expect(s2.tryPull()).toBe(30);
    tk.close('stop');
    await flush();
    expect(s1.closed).toBe(true);
    expect(s2.closed).toBe(true);
    await expect(s1.pull()).rejects.toMatchObject({ cause: 'stop' });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('after under fake timers with select and shared signal', async () => {
    vi.useFakeTimers({ now: 0 });
    const c = new AbortController();
    const data = new Channel<number>();
    const res: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const s = select([pull(data), pull(after(50, { signal: c.signal }))]);
      if (i === 1) data.tryPush(5);
      await vi.advanceTimersByTimeAsync(i === 1 ? 0 : 50);
      res.push(await s);
    }
    c.abort();
    await flush();
    expect(res.map((r) => (r as { index: number }).index)).toEqual([1, 0, 1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('broadcast: source close and subscriber leaving in the same tick', () => {
  test('source closed with reason and a full subscriber closed in the same tick', async () => {
    const src = new Channel<number>(4);
    const hub = broadcast(src);
    const s1 = hub.subscribe({ capacity: 1 });
    const s2 = hub.subscribe({ capacity: 3 });
    src.pushAll([1, 2, 3]);
    await flush();
    // s1 full with [1]; src holds 2,3
    s1.close();
    src.close('end');
    await flush();
    expect(drain(s2)).toEqual([1, 2, 3]);
    expect(s2.closed).toBe(true);
    await expect(s2.pull()).rejects.toMatchObject({ cause: 'end' });
    expect(drain(s1)).toEqual([1]);
  });

  test('subscriber leaves by signal at the same tick a value arrives', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const c = new AbortController();
    const s1 = hub.subscribe({ capacity: 0, signal: c.signal });
    const s2 = hub.subscribe({ capacity: 1 });
    const p1 = track(s1.pull());
    await flush();
    expect(src.tryPush(1)).toBe(true);
    c.abort();
    await flush();
    expect(p1.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(s2.tryPull()).toBe(1);
    expect(src.tryPush(2)).toBe(true);
    expect(s2.tryPull()).toBe(2);
  });

  test('select over two cap-0 subscribers: winning one, other keeps value beyond capacity', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const s1 = hub.subscribe({ capacity: 0 });
    const s2 = hub.subscribe({ capacity: 0 });
    const s = track(select([pull(s1), pull(s2)]));
    await flush();
    expect(src.tryPush(1)).toBe(true);
    await flush();
    expect(s.current.status).toBe('fulfilled');
    const won = (s.current as { value: { index: number } }).value.index;
    const other = won === 0 ? s2 : s1;
    expect(other.tryPull()).toBe(1);
    expect(src.tryPush(2)).toBe(false);
    const p1 = track(s1.pull());
    const p2 = track(s2.pull());
    await flush();
    expect(src.tryPush(2)).toBe(true);
    await flush();
    expect([p1.current, p2.current]).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  test('iteration over subscriber ends by throwing the source reason after all values', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const s1 = hub.subscribe({ capacity: 2 });
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of s1) got.push(v);
    })().catch((e) => e);
    await src.pushAll([1, 2, 3, 4, 5]);
    src.close('R');
    expect(await loop).toBe('R');
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });

  test('hub.close() with a pushAll parked on the source: source keeps the values not taken', async () => {
    const src = new Channel<number>(0);
    const hub = broadcast(src);
    const s1 = hub.subscribe({ capacity: 1 });
    const all = track(src.pushAll([1, 2, 3, 4]));
    await flush();
    // s1 holds 1; 2 waits in the source. Draining s1 synchronously lets 2 through (its parked
    // push); 3 is pushed only when pushAll carries on.
    expect(drain(s1)).toEqual([1, 2]);
    await flush();
    expect(s1.size).toBe(1); // 3
    hub.close();
    await flush();
    expect(s1.closed).toBe(true);
    expect(drain(s1)).toEqual([3]);
    expect(all.current.status).toBe('pending'); // 4 parked in the source, not taken by the closed hub
    expect(src.tryPull()).toBe(4);
    await flush();
    expect(all.current.status).toBe('fulfilled');
    expect(src.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
});
