/** ticker/after under fake timers: using, select, shared signals, pullMany, broadcast. */
import { afterEach, expect, test, vi } from 'vitest';
import { after, broadcast, Channel, ChannelClosedError, pull, select, ticker } from '../../src/index.js';
import { flush, track } from '../helpers/track.js';

afterEach(() => vi.useRealTimers());

test('signal shared by a ticker and a select waiting on it: the select rejects with the reason, timer cleared', async () => {
  vi.useFakeTimers({ now: 0 });
  const c = new AbortController();
  const tk = ticker(100, { signal: c.signal });
  const data = new Channel<number>();
  const s = track(select([pull(tk), pull(data)], { signal: c.signal }));
  const p = track(tk.pull({ signal: c.signal }));
  await flush();
  c.abort('R');
  await flush();
  expect(s.current).toEqual({ status: 'rejected', reason: 'R' });
  expect(p.current).toEqual({ status: 'rejected', reason: 'R' });
  expect(tk.closed).toBe(true);
  expect(vi.getTimerCount()).toBe(0);
  expect(data.stats().waitingPullers).toBe(0);
});

test('ticker closed by using while a pull and a pullMany are parked on it', async () => {
  vi.useFakeTimers({ now: 0 });
  let p!: { current: unknown };
  let q!: { current: unknown };
  {
    using tk = ticker(50);
    p = track(tk.pull());
    q = track(tk.pullMany(3));
    vi.advanceTimersByTime(50);
    await flush();
  }
  await flush();
  expect(p.current).toEqual({ status: 'fulfilled', value: 50 });
  expect((q.current as { status: string; reason: unknown }).status).toBe('rejected');
  expect((q.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
  expect(vi.getTimerCount()).toBe(0);
});

test('a 1000/60 ms ticker read by an always-waiting reader ticks once per period for a minute', async () => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  const tk = ticker(1000 / 60);
  const seen: number[] = [];
  const loop = (async () => {
    for await (const v of tk) seen.push(v);
  })();
  for (let i = 0; i < 600; i++) await vi.advanceTimersByTimeAsync(100);
  tk.close();
  await loop;
  expect(seen.length).toBe(3600);
  for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThan(0);
  expect(vi.getTimerCount()).toBe(0);
});

test('ticker as a broadcast source: subscriber leaving mid-stream and ticker closed with using', async () => {
  vi.useFakeTimers({ now: 0 });
  const got: number[] = [];
  {
    using tk = ticker(10);
    using hub = broadcast(tk);
    const c = new AbortController();
    const fast = hub.subscribe({ capacity: 4, signal: c.signal });
    const slow = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await vi.advanceTimersByTimeAsync(30);
    got.push(...(await fast.pullMany(10)));
    c.abort();
    await vi.advanceTimersByTimeAsync(30);
    expect(fast.closed).toBe(true);
    expect(slow.tryPull()).toBe(60);
    void hub;
  }
  expect(got).toEqual([10, 20, 30]);
  expect(vi.getTimerCount()).toBe(0);
});

test('after(ms) with a signal aborted in the same tick as it fires', async () => {
  vi.useFakeTimers({ now: 0 });
  const c = new AbortController();
  const t = after(100, { signal: c.signal });
  const s = track(select([pull(t)], { signal: c.signal }));
  vi.advanceTimersByTime(100); // fires: the value is committed to the parked select
  c.abort('late');
  await flush();
  expect(s.current).toMatchObject({ status: 'fulfilled', value: { index: 0, value: 100, ok: true } });
  expect(vi.getTimerCount()).toBe(0);
});

test('after(ms) closes right after its value: pullMany gets [value] then the channel ends', async () => {
  vi.useFakeTimers({ now: 5 });
  const t = after(10);
  vi.advanceTimersByTime(10);
  expect(await t.pullMany(5)).toEqual([15]);
  await expect(t.pullMany(5)).rejects.toBeInstanceOf(ChannelClosedError);
  const it = t[Symbol.asyncIterator]();
  expect(await it.next()).toEqual({ done: true, value: undefined });
});

test('ticker pushAll / tryPush by a user into a ticker channel', async () => {
  vi.useFakeTimers({ now: 0 });
  const tk = ticker(10);
  expect(tk.tryPush(-1)).toBe(true);
  vi.advanceTimersByTime(10); // tick dropped: buffer full
  expect(tk.tryPull()).toBe(-1);
  vi.advanceTimersByTime(10);
  expect(tk.tryPull()).toBe(20);
  tk.close();
  expect(vi.getTimerCount()).toBe(0);
});

test('broadcast(after(ms)) with a stuck capacity-0 subscriber: the timestamp waits, then reaches both, then both end', async () => {
  vi.useFakeTimers({ now: 1000 });
  const t = after(100);
  const hub = broadcast(t);
  const a = hub.subscribe({ capacity: 1 });
  const b = hub.subscribe({ capacity: 0 });
  vi.advanceTimersByTime(100);
  await flush();
  expect(t.closed).toBe(true);
  expect(a.size).toBe(0); // b has no room: nothing taken
  const pb = track(b.pull());
  await flush();
  expect(pb.current).toEqual({ status: 'fulfilled', value: 1100 });
  expect(a.tryPull()).toBe(1100);
  expect([a.closed, b.closed]).toEqual([true, true]);
  expect(vi.getTimerCount()).toBe(0);
});

test('select over a ticker subscriber and an after timeout, both under fake timers, with one signal', async () => {
  vi.useFakeTimers({ now: 0 });
  const c = new AbortController();
  const tk = ticker(30, { signal: c.signal });
  const hub = broadcast(tk);
  const sub = hub.subscribe({ capacity: 0, signal: c.signal });
  const results: unknown[] = [];
  const loop = (async () => {
    for (;;) {
      const r = await select([pull(sub), pull(after(50, { signal: c.signal }))], { signal: c.signal }).catch((e) => e);
      results.push(
        r instanceof Error || typeof r === 'string'
          ? `rej ${String(r)}`
          : [(r as { index: number }).index, (r as { value: unknown }).value],
      );
      if (typeof r === 'string') return;
    }
  })();
  await vi.advanceTimersByTimeAsync(95);
  c.abort('stop');
  await loop;
  expect(results).toEqual([[0, 30], [0, 60], [0, 90], 'rej stop']);
  expect(vi.getTimerCount()).toBe(0);
  expect([tk.closed, sub.closed]).toEqual([true, true]);
});
