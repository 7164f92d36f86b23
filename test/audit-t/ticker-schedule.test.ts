/**
 * Audit T: the ticker's schedule at epoch-sized clock values. Ticks are due at start + k·ms; a
 * timer that runs late skips the ticks it missed and the next one stays on the schedule. With
 * `Date.now()` around 1.7e12 the subtraction `now - due` loses digits (an ulp there is 2.4e-4
 * ms), so when a late timer runs exactly on a schedule point the count of missed periods came
 * out one short and the next tick was due *now*: a second tick followed 1 ms later.
 *
 * The timers and the clock are driven by hand (a ticker keeps the `setTimeout` that was global
 * when it was made, and reads `Date.now()` at each tick), so the late timer is exact.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ticker } from '../../src/index.js';

interface Pending {
  fn: () => void;
  delay: number;
  cleared: boolean;
}

function manualClock(start: number) {
  let now = start;
  /** Timers set and neither run nor cleared. */
  const timers = new Set<Pending>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: () => void, delay?: number) => {
    const timer = { fn, delay: delay ?? 0, cleared: false };
    timers.add(timer);
    return timer;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Pending | undefined) => {
    if (timer) timers.delete(timer);
  }) as unknown as typeof clearTimeout;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    /** The one pending timer (the ticker keeps one at a time). */
    pending(): Pending {
      if (timers.size !== 1) throw new Error(`expected one pending timer, found ${timers.size}`);
      return timers.values().next().value as Pending;
    },
    /** Runs the pending timer at the clock's time `at`. */
    fireAt(at: number): void {
      const timer = this.pending();
      now = at;
      timers.delete(timer);
      timer.fn();
    },
    restore(): void {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
      vi.restoreAllMocks();
    },
  };
}

let clock: ReturnType<typeof manualClock> | undefined;
afterEach(() => {
  clock?.restore();
  clock = undefined;
});

describe('ticker schedule at epoch-sized clock values', () => {
  test('a timer late by whole periods, landing on a schedule point, gives one tick, and the next is a period later', () => {
    const start = 1_700_000_000_000;
    clock = manualClock(start);
    const ms = 10.1;
    const ticks = ticker(ms);
    expect(clock.pending().delay).toBe(ms);
    // The event loop was blocked: the first timer runs at start + 101 = start + 10·ms, a point of
    // the schedule, nine periods late.
    clock.fireAt(start + 101);
    expect(ticks.tryPull()).toBe(start + 101);
    // The next tick is due at start + 11·ms = start + 111.1, about 10.1 ms from now (it was due
    // at once: a timer of 0 ms, and a second tick at start + 102).
    expect(clock.pending().delay).toBeCloseTo(ms, 3);
    clock.fireAt(start + 112);
    expect(ticks.tryPull()).toBe(start + 112);
    ticks.close();
  });

  test('over a long run with random late timers at epoch clock values, no point of the schedule is ticked twice', () => {
    let seed = 99;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    // Periods in hundredths of a millisecond, so that the schedule can be checked exactly.
    for (const hundredths of [1010, 1187, 3330, 1670, 1234]) {
      const ms = hundredths / 100;
      const start = 1_700_000_000_000 + Math.floor(random() * 1_000_000);
      clock = manualClock(start);
      const ticks = ticker(ms);
      let now = start;
      const points: number[] = [];
      for (let step = 0; step < 3000; step++) {
        const timer = clock.pending();
        // A timer runs at an integer time no earlier than asked, sometimes late by whole periods
        // (then on a point of the schedule whenever start + k·ms is a whole millisecond).
        const late = random() < 0.2 ? Math.floor(random() * 4 + 1) * hundredths : 0;
        now = Math.ceil(now + Math.max(1, timer.delay)) + (late % 100 === 0 ? late / 100 : Math.round(late / 100));
        clock.fireAt(now);
        const tick = ticks.tryPull();
        // The point of the schedule this tick is for: the last start + k·ms at or before it.
        if (tick !== undefined) points.push(Math.floor(((tick - start) * 100) / hundredths));
      }
      ticks.close();
      clock.restore();
      clock = undefined;
      for (let i = 1; i < points.length; i++) {
        expect(
          points[i],
          `ms ${ms}: tick ${i} is for point ${points[i]}, the one before for ${points[i - 1]}`,
        ).toBeGreaterThan(points[i - 1] as number);
      }
    }
  });
});

describe('ticker does not drift over a long run', () => {
  test.each([1000 / 60, 10.1, 33.3])(
    'ticker(%s) with on-time timers for a simulated hour stays on start + k·ms',
    (ms) => {
      const start = 1_764_000_000_000;
      clock = manualClock(start);
      const ticks = ticker(ms);
      let now = start;
      let last = 0;
      let count = 0;
      while (now < start + 3_600_000) {
        // Node runs a timer at a whole millisecond, no earlier than its delay (at least 1 ms).
        now = Math.ceil(now + Math.max(1, clock.pending().delay));
        clock.fireAt(now);
        const tick = ticks.tryPull();
        if (tick !== undefined) {
          last = tick;
          count++;
        }
      }
      ticks.close();
      // The count-th tick is due at start + count·ms and runs at the first whole millisecond
      // from then: never a period (or more) behind the schedule.
      const due = start + count * ms;
      expect(last - due, `tick ${count}`).toBeGreaterThanOrEqual(0);
      expect(last - due, `tick ${count}`).toBeLessThan(1);
    },
    30_000,
  );
});
