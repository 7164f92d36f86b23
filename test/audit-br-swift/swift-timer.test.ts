// Audit BR-peers-f: behaviour checked by apple/swift-async-algorithms'
// Tests/AsyncAlgorithmsTests/TestTimer.swift (AsyncTimerSequence under the validation test
// clock), ported onto chanasync's `ticker(ms)` under vitest fake timers (which fake Date too).
// One Swift "step" = 1 ms here.
import { Channel, pull, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Reads every tick that arrives within `steps` ms, as the peer's `validate` diagram does. */
async function ticksWithin(ch: Channel<number>, steps: number): Promise<number[]> {
  const start = Date.now();
  const seen: number[] = [];
  const reader = (async () => {
    try {
      for await (const t of ch) seen.push(t - start);
    } catch {
      // closed: done
    }
  })();
  for (let i = 0; i < steps; i++) await vi.advanceTimersByTimeAsync(1);
  ch.close();
  await vi.advanceTimersByTimeAsync(0);
  await reader;
  return seen;
}

describe('swift TestTimer ported', () => {
  // test_tick1: "xxxxxxx" — a tick every step.
  it('ticker(1) ticks once per ms, on schedule', async () => {
    const t = ticker(1);
    expect(await ticksWithin(t, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(vi.getTimerCount()).toBe(0);
  });

  // test_tick2: "-x-x-x-".
  it('ticker(2) ticks at 2, 4, 6', async () => {
    const t = ticker(2);
    expect(await ticksWithin(t, 7)).toEqual([2, 4, 6]);
    expect(vi.getTimerCount()).toBe(0);
  });

  // test_tick3: "--x--x-".
  it('ticker(3) ticks at 3, 6', async () => {
    const t = ticker(3);
    expect(await ticksWithin(t, 7)).toEqual([3, 6]);
  });

  // test_tick2_event_skew3: a consumer that takes 3 steps per tick of a 2-step timer. Swift's
  // timer is demand-driven; chanasync's ticker is Go's (SPEC: "a tick that finds the buffer full
  // is dropped", "ticks are due at start + k·ms"): every value received is a point of the
  // schedule, values increase, and the slow reader gets about one tick per 3 ms.
  it('a slow consumer of ticker(2): ticks stay on the schedule, the excess is dropped', async () => {
    const start = Date.now();
    const t = ticker(2);
    const got: number[] = [];
    const reader = (async () => {
      for await (const v of t) {
        got.push(v - start);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    for (let i = 0; i < 30; i++) await vi.advanceTimersByTimeAsync(1);
    t.close();
    await vi.advanceTimersByTimeAsync(10);
    await reader;
    for (const v of got) expect(v % 2).toBe(0);
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1] ?? Number.NaN);
    expect(got.length).toBeGreaterThanOrEqual(8);
    expect(got.length).toBeLessThanOrEqual(11);
    expect(vi.getTimerCount()).toBe(0);
  });

  // The validation diagrams end with "[;|]": the sequence finishes when the test stops it.
  // chanasync: closing the ticker clears its timer; a tick already buffered stays readable
  // (README "Closing a timer channel is closing a channel").
  it('closing a ticker clears its timer and keeps a buffered tick readable', async () => {
    const t = ticker(5);
    await vi.advanceTimersByTimeAsync(5);
    expect(t.size).toBe(1);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(typeof t.pullNowait()).toBe('number');
    expect(t.tryPull()).toBeUndefined();
  });

  // A cancelled timer task (Swift: cancellation ends AsyncTimerSequence) ≈ the signal aborting.
  it('aborting the signal closes the ticker and clears its timer', async () => {
    const ac = new AbortController();
    const t = ticker(5, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(3);
    ac.abort();
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  // A ticker inside select with a data channel: the data wins when ready, the tick otherwise.
  it('a ticker case in a select loop fires on schedule and leaves no waiters', async () => {
    const start = Date.now();
    const t = ticker(4);
    const data = new Channel<string>();
    const seen: (string | number)[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        const r = await select([pull(data), pull(t)]);
        seen.push(r.index === 0 ? (r.value as string) : (r.value as number) - start);
      }
    })();
    await vi.advanceTimersByTimeAsync(4);
    await vi.advanceTimersByTimeAsync(1);
    await data.push('d');
    await vi.advanceTimersByTimeAsync(3);
    await loop;
    expect(seen).toEqual([4, 'd', 8]);
    expect(data.stats().waitingPullers).toBe(0);
    t.close();
  });

  it('ticker(0) and a negative period are RangeErrors', () => {
    expect(() => ticker(0)).toThrow(RangeError);
    expect(() => ticker(-1)).toThrow(RangeError);
    expect(() => ticker(Number.NaN)).toThrow(RangeError);
  });
});
