/**
 * Audit AD: `ticker`'s TSDoc sentence on clocks that do not follow the timers — "fake timers
 * fake `setTimeout` but leave `Date` real (… vitest's `toFake: ['setTimeout']`) — the timers set
 * the pace: a timer that fires more than half a period early by the clock ticks at once" — and
 * `after` under the same fake timers.
 */
import { after as afterMs, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

describe("fake setTimeout, real Date (vi.useFakeTimers({ toFake: ['setTimeout'] }))", () => {
  it('ticker: each advance of one period ticks, though Date.now() did not move', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ticks = ticker(10_000);
    expect(ticks.size).toBe(0);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      expect(ticks.size).toBe(1);
      seen.push(ticks.pullNowait());
    }
    expect(seen.every((value) => typeof value === 'number')).toBe(true);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0); // closing cleared the timer
  });

  it('after: fires once its delay is advanced, then closes; closing first clears the timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timer = afterMs(60_000);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(timer.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(timer.size).toBe(1);
    expect(timer.closed).toBe(true);
    const cleared = afterMs(60_000);
    cleared.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
