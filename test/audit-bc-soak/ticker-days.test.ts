/**
 * Audit BC-soak, finding BC-S3: a ticker with a fractional period — `ticker(1000 / 60)`, a 60 Hz
 * frame clock in a Worker — delivers two ticks for one point of its schedule, 1 ms apart, once it
 * has run for about five days. `ticker.ts` finds the next point as
 * `floor((now - start) / ms + 1e-9) + 1`; the `1e-9` is there so that a timer running exactly on a
 * point counts that point although the division rounds a hair below it. Past 2²⁴ periods the
 * slack is below half an ulp of the quotient and vanishes: on such a point the count comes out
 * one short, the next tick is due at the very point just delivered, a 0 ms timer fires a turn
 * later and ticks again. For 1000/60 ms, every point on a whole millisecond (every third tick)
 * is affected from day 5.1 to 6.3, 10.3 to 12.6, 20.3 to 25.6, … whenever its timer runs on time.
 *
 * The test drives the ticker with a clock of its own — `Date.now` and `setTimeout` replaced
 * before the ticker is made (it keeps the `setTimeout` it was made with) — and runs its timers
 * one by one, each firing at the first whole millisecond at or after the time it asked for, as
 * Node's do. The ticker's schedule depends only on `start`, `now` and `ms`, so starting the run
 * days after `start` (one late timer, which the ticker handles by skipping points) reaches the
 * same state as running all the days.
 */
import { ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';

const START = 1_700_000_000_000;

/**
 * Makes `ticker(ms)` at {@link START} on a clock of its own, jumps `days` ahead (one late timer),
 * then runs `count` timers, pulling every tick; returns the ticks' offsets from `START`.
 */
function runTicker(ms: number, days: number, count: number): number[] {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const realNow = Date.now;
  const timers = new Map<number, { callback: () => void; at: number }>();
  let nextId = 0;
  let now = START;
  globalThis.setTimeout = ((callback: () => void, delay = 0) => {
    timers.set(++nextId, { callback, at: now + Math.max(1, Math.ceil(delay)) });
    return nextId;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number) => {
    timers.delete(id);
  }) as unknown as typeof clearTimeout;
  Date.now = () => now;
  const ticks: number[] = [];
  try {
    const ticks$ = ticker(ms);
    try {
      // The first timer runs late, `days` later (between two points: a plain late timer).
      const first = [...timers.entries()][0] as [number, { callback: () => void; at: number }];
      timers.delete(first[0]);
      now = START + Math.floor(days * 86_400_000) + 0.5 * ms;
      now = Math.ceil(now);
      first[1].callback();
      for (let i = 0; i < count; i++) {
        const tick = ticks$.tryPull();
        if (tick !== undefined) ticks.push(tick - START);
        const [id, timer] = [...timers.entries()][0] as [number, { callback: () => void; at: number }];
        timers.delete(id);
        now = Math.max(now, timer.at);
        timer.callback();
      }
      const last = ticks$.tryPull();
      if (last !== undefined) ticks.push(last - START);
    } finally {
      ticks$.close();
    }
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
    Date.now = realNow;
  }
  return ticks;
}

/**
 * The gaps between consecutive ticks, in ms — from the second tick on: the first is the late
 * timer's (the jump), whose gap to the next point is less than a period.
 */
function gaps(ticks: number[]): number[] {
  const onSchedule = ticks.slice(1);
  return onSchedule.slice(1).map((tick, i) => tick - (onSchedule[i] as number));
}

describe('a ticker that has run for days', () => {
  it('ticker(1000 / 60) after 5.5 days still delivers one tick per point: no two ticks 1 ms apart', () => {
    const ticks = runTicker(1000 / 60, 5.5, 60);
    expect(ticks.length).toBeGreaterThan(30);
    // Each gap is a period, rounded to whole milliseconds by the timers: 16 or 17 ms.
    expect(gaps(ticks).filter((gap) => gap < 10)).toEqual([]);
  });

  it('ticker(1000 / 30) after 11 days still delivers one tick per point', () => {
    const ticks = runTicker(1000 / 30, 11, 60);
    expect(gaps(ticks).filter((gap) => gap < 20)).toEqual([]);
  });

  it('(holds) ticker(1000 / 60) in its first day delivers one tick per point', () => {
    const ticks = runTicker(1000 / 60, 0.5, 60);
    expect(ticks.length).toBeGreaterThan(30);
    expect(gaps(ticks).filter((gap) => gap < 10)).toEqual([]);
  });

  it('(holds) ticker(1000 / 60) after 8 days (a stretch where the division rounds up) delivers one tick per point', () => {
    const ticks = runTicker(1000 / 60, 8, 60);
    expect(gaps(ticks).filter((gap) => gap < 10)).toEqual([]);
  });

  it('(holds) a whole-millisecond period, ticker(16), after 5.5 days delivers one tick per point', () => {
    const ticks = runTicker(16, 5.5, 60);
    expect(ticks.length).toBeGreaterThan(30);
    expect(gaps(ticks).filter((gap) => gap !== 16)).toEqual([]);
  });
});
