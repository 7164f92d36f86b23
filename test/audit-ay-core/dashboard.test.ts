/**
 * A dashboard: ticker(1000) → broadcast → widgets, each a `for await` with a signal of its own;
 * one widget leaves early; then the ticker's signal stops everything. Fake timers (Date too).
 */
import { broadcast, ticker } from 'chanasync';
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => vi.useRealTimers());

it('widgets receive every tick while subscribed; leaving and stopping end the loops normally', async () => {
  vi.useFakeTimers({ now: 0 });
  const stop = new AbortController();
  const ticks = ticker(1000, { signal: stop.signal });
  const hub = broadcast(ticks);
  const widget = (signal?: AbortSignal, overflow?: 'drop-oldest') => {
    const sub = hub.subscribe({ signal, overflow });
    const seen: number[] = [];
    const done = (async () => {
      for await (const t of sub) seen.push(t);
      return 'ended';
    })();
    return { seen, done, sub };
  };
  const leave = new AbortController();
  const w1 = widget();
  const w2 = widget(leave.signal);
  const w3 = widget(undefined, 'drop-oldest');
  await vi.advanceTimersByTimeAsync(2500);
  leave.abort();
  await vi.advanceTimersByTimeAsync(2000);
  stop.abort();
  expect(await w1.done).toBe('ended');
  expect(await w2.done).toBe('ended');
  expect(await w3.done).toBe('ended');
  expect(w1.seen).toEqual([1000, 2000, 3000, 4000]);
  expect(w2.seen).toEqual([1000, 2000]);
  expect(w3.seen).toEqual([1000, 2000, 3000, 4000]);
  expect(vi.getTimerCount()).toBe(0);
  expect(ticks.closed).toBe(true);
  expect(ticks.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
});
