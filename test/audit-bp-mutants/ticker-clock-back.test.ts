/**
 * Audit BP, mutant T03 (`ticker`'s `if (early > ON_TIME) due = start = now` removed: a timer
 * that fires far ahead of the clock no longer restarts the schedule; it survived the timer set).
 * The README says that when the clock is set back "the schedule restarts from then": the ticks
 * after it keep one period apart from the tick that found the clock behind. Without the restart
 * the old schedule's phase comes back — the next tick came half a period later.
 *
 * Fake timers with a faked `Date`; `vi.setSystemTime` moves the clock without firing timers.
 */
import { ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const T0 = 1_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ticker after the clock is set back', () => {
  it('restarts its schedule from the tick that found the clock behind: the next ticks are one period apart', () => {
    const ticks = ticker(100);
    try {
      // Set back by 10.5 periods right after the start: the first timer fires with the clock
      // at T0 − 950, a whole 1,050 ms before the tick's point.
      vi.setSystemTime(T0 - 1050);
      vi.advanceTimersByTime(100);
      expect(ticks.tryPull()).toBe(T0 - 950);
      // Half a period later: no tick (the schedule now runs from T0 − 950).
      vi.advanceTimersByTime(50);
      expect(ticks.tryPull()).toBeUndefined();
      vi.advanceTimersByTime(50);
      expect(ticks.tryPull()).toBe(T0 - 850);
      vi.advanceTimersByTime(100);
      expect(ticks.tryPull()).toBe(T0 - 750);
    } finally {
      ticks.close();
    }
  });

  it('(holds) without a clock change the ticks fall on start + k·ms', () => {
    const ticks = ticker(100);
    try {
      vi.advanceTimersByTime(100);
      expect(ticks.tryPull()).toBe(T0 + 100);
      vi.advanceTimersByTime(50);
      expect(ticks.tryPull()).toBeUndefined();
      vi.advanceTimersByTime(50);
      expect(ticks.tryPull()).toBe(T0 + 200);
    } finally {
      ticks.close();
    }
  });
});
