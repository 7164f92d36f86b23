/**
 * Audit Z: timers under fake timers, combined — a ticker feeding a broadcast, merged with
 * `after` timeouts in a select loop, torn down by a signal: every tick is accounted for and no
 * fake timer is left (vi.getTimerCount() is 0), so `vi.runAllTimers()` returns.
 */

import { after as afterMs, broadcast, Channel, merge, pull, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await Promise.resolve();
};

describe('audit Z: ticker → broadcast → merge → select with after, on fake timers', () => {
  it('ticks arrive in order on every subscriber, timeouts fire only in gaps, and the teardown leaves no timer', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const ticks = ticker(100, { signal });
    const hub = broadcast(ticks);
    const a = hub.subscribe({ capacity: 4, signal });
    const b = hub.subscribe({ capacity: 4, signal });
    const merged = merge(a, b);
    const seen: number[] = [];
    let timeouts = 0;
    const loop = (async () => {
      for (;;) {
        using timeout = afterMs(250, { signal });
        const result = await select([pull(merged), pull(timeout)], { signal });
        if (result.index === 1) timeouts++;
        else if (!result.ok) return 'ended';
        else seen.push(result.value as number);
      }
    })().catch((error: unknown) => error);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(100);
      await flush();
    }
    // Ten ticks, each on both subscribers, in time order; no timeout while ticks come every 100 ms.
    expect(seen.length).toBe(20);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    expect(timeouts).toBe(0);
    // Stop the ticker only: the loop now times out every 250 ms.
    ticks.close();
    await flush();
    // The source ended: the subscribers and the merge end, the loop sees ok: false.
    expect(await loop).toBe('ended');
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort in the middle of the loop rejects it with the reason and clears every timer', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const ticks = ticker(100, { signal });
    const hub = broadcast(ticks);
    const merged = merge(hub.subscribe({ signal }), hub.subscribe({ capacity: 2, overflow: 'drop-oldest', signal }));
    let seen = 0;
    const loop = (async () => {
      for (;;) {
        const result = await select([pull(merged), pull(afterMs(1000, { signal }))], { signal });
        if (result.index === 0 && result.ok) seen++;
      }
    })().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(550);
    expect(seen).toBeGreaterThanOrEqual(8);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const reason = new Error('unmounted');
    controller.abort(reason);
    expect(await loop).toBe(reason);
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
    expect(merged.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  it('after() beyond 2^31-1 ms in a select, then closed by using before it fires: no timer left', async () => {
    const data = new Channel<string>();
    const pending = (async () => {
      using timeout = afterMs(2 ** 32);
      return await select([pull(data), pull(timeout)]);
    })();
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(vi.getTimerCount()).toBe(1);
    await data.push('x');
    expect((await pending).value).toBe('x');
    expect(vi.getTimerCount()).toBe(0);
    const long = afterMs(2 ** 32);
    await vi.advanceTimersByTimeAsync(2 ** 32);
    expect(long.tryPull()).toBeTypeOf('number');
    expect(vi.getTimerCount()).toBe(0);
  });
});
