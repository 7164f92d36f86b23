/**
 * `ticker` and `after` under vitest's fake timers (which fake `Date` too): the schedule
 * start + k·ms, dropped ticks, delays past 2^31−1 ms, and no timer left behind.
 */

import { after, merge, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

async function collect(channel: AsyncIterable<number>, into: number[]) {
  for await (const value of channel) into.push(value);
}

describe('ticker under fake timers', () => {
  it('a ticker of 1000/60 ms delivers one tick per period over a minute, each on or after its point of the schedule', async () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 1000 / 60;
    const ticks = ticker(ms);
    const values: number[] = [];
    const loop = collect(ticks, values);
    for (let i = 0; i < 600; i++) await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(10); // 3600·ms is 60000.00000000001 in doubles (and see BN-2)
    ticks.close();
    await loop;
    expect(values.length).toBe(3600);
    expect(values.filter((value, k) => value < (k + 1) * ms - 1e-9 || value >= (k + 2) * ms)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  // BN-2: float noise puts some points of the schedule a hair (2.8e-14 ms) after the integer
  // millisecond the fake clock fires at; the ticker then asks for a hop of 2.8e-14 ms, which
  // @sinonjs/fake-timers reads by its leading digit (2 ms), up to 9 ms.
  it('BN-2: under fake timers, every tick of ticker(1000/60) arrives within 1 ms of its point of the schedule', async () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 1000 / 60;
    const ticks = ticker(ms);
    const values: number[] = [];
    const loop = collect(ticks, values);
    for (let i = 0; i < 100; i++) await vi.advanceTimersByTimeAsync(100);
    ticks.close();
    await loop;
    expect(values.length).toBe(600);
    const late = values
      .map((value, k) => ({ k: k + 1, due: (k + 1) * ms, value }))
      .filter(({ due, value }) => value - due > 1);
    expect(late.slice(0, 3)).toEqual([]);
  });

  it('a period above 2^31−1 ms ticks exactly at start + k·ms and closing leaves no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 2 ** 31 + 10;
    const ticks = ticker(ms);
    const values: number[] = [];
    const loop = collect(ticks, values);
    for (let i = 0; i < 7; i++) await vi.advanceTimersByTimeAsync(2 ** 30);
    ticks.close();
    await loop;
    expect(values).toEqual([ms, 2 * ms, 3 * ms]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a timer that fires 30 ms late delivers then, and the next tick stays on the schedule', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(100);
    const values: number[] = [];
    const loop = collect(ticks, values);
    await vi.advanceTimersByTimeAsync(100);
    vi.setSystemTime(130); // the clock jumps; the fake timers keep their delays, so the next fires late
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(70);
    await vi.advanceTimersByTimeAsync(100);
    ticks.close();
    await loop;
    expect(values).toEqual([100, 230, 300, 400]);
  });

  it('a slow reader finds the oldest tick waiting, the ticks after it dropped, and the next one on schedule', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    await vi.advanceTimersByTimeAsync(55);
    expect(ticks.size).toBe(1);
    expect(ticks.pullNowait()).toBe(10);
    await vi.advanceTimersByTimeAsync(5);
    expect(ticks.pullNowait()).toBe(60);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a merge of a ticker and an after interleaves by time and closes once the ticker is closed, leaving no timer', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    const timeout = after(35);
    const both = merge(ticks, timeout);
    const values: number[] = [];
    const loop = collect(both, values);
    for (let i = 0; i < 6; i++) await vi.advanceTimersByTimeAsync(10);
    ticks.close();
    await vi.advanceTimersByTimeAsync(10);
    await loop;
    expect(values).toEqual([10, 20, 30, 35, 40, 50, 60]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
