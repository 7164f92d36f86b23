// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
/**
 * Audit BP, mutant A02 (`after`'s "once by at most 2 ms" wait made unlimited: `!again++` →
 * always true; it survived the timer set). The README: with fake timers that leave `Date` real,
 * "a delay under 2 ms fires one hop later, at most 2 fake ms". A clock that does not move with
 * the timers (here a `Date.now` that stands still, the limit of a real clock on a fast fake
 * timer loop) must not keep `after(1)` waiting hop after hop: it fires on the second hop.
 */
import { after, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const NOW = 5_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('after and ticker when the clock stands still while fake timers run', () => {
  it('after(1) fires within 2 fake ms, once, and closes', () => {
    const channel = after(1);
    vi.advanceTimersByTime(2);
    expect(channel.tryPull()).toBe(NOW);
    expect(channel.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after(1.5) fires within 3 fake ms', () => {
    const channel = after(1.5);
    vi.advanceTimersByTime(3);
    expect(channel.tryPull()).toBe(NOW);
    expect(channel.closed).toBe(true);
  });

  it('ticker(1) ticks on every second fake ms at most', () => {
    const ticks = ticker(1);
    try {
      let count = 0;
      for (let step = 0; step < 10; step++) {
        vi.advanceTimersByTime(2);
        if (ticks.tryPull() !== undefined) count++;
      }
      expect(count).toBeGreaterThanOrEqual(5);
    } finally {
      ticks.close();
    }
  });
});
