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
  const timers: Pending[] = [];
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: () => void, delay?: number) => {
    const timer = { fn, delay: delay ?? 0, cleared: false };
    timers.push(timer);
    return timer;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Pending | undefined) => {
    if (timer) timer.cleared = true;
  }) as unknown as typeof clearTimeout;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    set now(value: number) {
      now = value;
    },
    /** The one pending timer (the ticker keeps one at a time). */
    pending(): Pending {
      const live = timers.filter((t) => !t.cleared && !('fired' in t));
      expect(live).toHaveLength(1);
      return live[0] as Pending;
    },
    /** Runs the pending timer at the clock's time `at`. */
    fireAt(at: number): void {
      const timer = this.pending();
      now = at;
      Object.assign(timer, { fired: true });
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
    // The next tick is due at start + 11·ms = start + 111.1, about 10.1 ms from now.
    expect(clock.pending().delay).toBeGreaterThan(ms / 2);
    // A timer run 1 ms later (as a 0 ms timer would) finds nothing due: no tick.
    clock.fireAt(start + 102);
    expect(ticks.tryPull()).toBeUndefined();
    ticks.close();
  });

  test('over a long run with random late timers at epoch clock values, ticks are never closer than a period (minus timer rounding)', () => {
    let seed = 99;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const ms of [10.1, 11.87, 33.3, 16.7, 12.34]) {
      const start = 1_700_000_000_000 + Math.floor(random() * 1_000_000);
      clock = manualClock(start);
      const ticks = ticker(ms);
      let now = start;
      const delivered: number[] = [];
      for (let step = 0; step < 3000; step++) {
        const timer = clock.pending();
        // A timer runs at an integer time no earlier than asked, sometimes late by whole periods.
        const late = random() < 0.2 ? Math.round(Math.floor(random() * 4 + 1) * ms) : 0;
        now = Math.ceil(now + Math.max(1, timer.delay)) + late;
        clock.fireAt(now);
        const tick = ticks.tryPull();
        if (tick !== undefined) delivered.push(tick);
      }
      ticks.close();
      clock.restore();
      clock = undefined;
      let minGap = Number.POSITIVE_INFINITY;
      for (let i = 1; i < delivered.length; i++)
        minGap = Math.min(minGap, (delivered[i] as number) - (delivered[i - 1] as number));
      // Timers run at whole milliseconds, so two ticks can be up to 1 ms closer than a period.
      expect(minGap, `ms ${ms}`).toBeGreaterThanOrEqual(ms - 1);
    }
  });
});
