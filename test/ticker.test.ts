/**
 * ticker(ms) (SPEC "Broadcast and ticker"): Go's time.Ticker — capacity 1, ticks due at
 * start + k·ms without drift (fake timers, and one real short run), dropped ticks for a slow
 * reader, the timer cleared on close and abort (a child Node process exits promptly and
 * cleanly), long periods, and misuse.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ChannelClosedError, ticker } from '../src/index.js';
import { runInNode } from './helpers/node-script.js';
import { abortedSignal, flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ticker ticks', () => {
  test('a ticker receives Date.now() every ms, due at start + k·ms', () => {
    vi.useFakeTimers({ now: 1_000 });
    const ticks = ticker(100);
    expect(ticks.capacity).toBe(1);
    const values: number[] = [];
    for (let k = 1; k <= 3; k++) {
      vi.advanceTimersByTime(100);
      values.push(ticks.pullNowait());
    }
    expect(values).toEqual([1_100, 1_200, 1_300]);
    ticks.close();
  });

  test('a pull waiting on a ticker receives the tick', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(50);
    const pulled = track(ticks.pull());
    vi.advanceTimersByTime(50);
    await flush();
    expect(pulled.current).toEqual({ status: 'fulfilled', value: 50 });
    ticks.close();
  });

  test('a timer that fires late does not shift the later ticks: no drift', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(100);
    const values: number[] = [];
    for (let k = 1; k <= 5; k++) {
      // The event loop was busy: the clock moves on 30 ms while the timer stays due at its
      // time (fake timers keep timers relative), so the timer runs 30 ms late.
      vi.setSystemTime(Date.now() + 30);
      vi.advanceTimersToNextTimer();
      values.push(ticks.pullNowait());
    }
    // Each tick fired late by 30 ms, yet is the tick due at k·100 (a drifting ticker would
    // schedule from each late tick and be 30 ms later every time).
    expect(values).toEqual([130, 230, 330, 430, 530]);
    ticks.close();
  });

  test('a tick that finds the buffer full is dropped; the next comes on schedule', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(100);
    vi.advanceTimersByTime(450); // ticks at 100, 200, 300, 400: only the first fits
    expect(ticks.size).toBe(1);
    expect(ticks.pullNowait()).toBe(100);
    vi.advanceTimersByTime(50);
    expect(ticks.pullNowait()).toBe(500);
    ticks.close();
  });

  test('a timer that fires very late skips the missed ticks instead of delivering them in a burst', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(100);
    vi.setSystemTime(250); // blocked: the timer due at 100 runs at 350, 2.5 periods late
    vi.advanceTimersToNextTimer();
    expect(ticks.pullNowait()).toBe(350);
    vi.advanceTimersToNextTimer();
    expect(Date.now()).toBe(400); // the next tick due on the schedule, not 450
    expect(ticks.pullNowait()).toBe(400);
    ticks.close();
  });

  test('when the clock is set back, the schedule starts afresh instead of waiting for the old one', () => {
    vi.useFakeTimers({ now: 10_000 });
    const ticks = ticker(100);
    vi.setSystemTime(5_000); // an hour-like jump back, in small
    vi.advanceTimersByTime(100);
    vi.advanceTimersByTime(100);
    expect(ticks.size).toBe(1);
    expect(ticks.pullNowait()).toBeLessThanOrEqual(5_200);
    ticks.close();
  });

  test('a period above 2³¹−1 ms waits that long', () => {
    vi.useFakeTimers({ now: 0 });
    const period = 2 ** 31 + 500;
    const ticks = ticker(period);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ticks.size).toBe(0);
    vi.advanceTimersByTime(501);
    expect(ticks.pullNowait()).toBe(period);
    ticks.close();
  });

  test('a real ticker of 20 ms delivers each tick no earlier than it is due, and keeps ticking', async () => {
    const started = Date.now();
    const ticks = ticker(20);
    const values: number[] = [];
    for (let k = 0; k < 8; k++) values.push(await ticks.pull());
    ticks.close();
    for (let k = 0; k < values.length; k++) {
      expect(values[k]! - started).toBeGreaterThanOrEqual((k + 1) * 20 - 1); // due at start + (k+1)·20
      if (k > 0) expect(values[k]!).toBeGreaterThan(values[k - 1]!);
    }
    // Timing on a shared machine varies; a ticker that stalled or fell a period behind per tick would not finish.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('ticker stops', () => {
  test('closing a ticker clears its timer', () => {
    vi.useFakeTimers();
    const ticks = ticker(100);
    vi.advanceTimersByTime(100);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(ticks.pullNowait()).toBeTypeOf('number'); // the buffered tick stays readable
    expect(() => ticks.pullNowait()).toThrow(ChannelClosedError);
  });

  test('aborting the signal clears the timer and closes the ticker', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(100, { signal: controller.signal });
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(ticks.closed).toBe(true);
  });

  test('an already aborted signal gives a closed ticker and starts no timer', () => {
    vi.useFakeTimers();
    const ticks = ticker(100, { signal: abortedSignal('no') });
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('closing a ticker stops listening to its signal', () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    ticker(100, { signal: controller.signal }).close();
    expect(removed).toHaveBeenCalledTimes(1);
  });

  test('a closed ticker neither throws later nor keeps the Node process alive', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { ticker } from './src/index.ts';
      const ticks = ticker(10);
      await ticks.pull();
      ticks.close();
      { using slow = ticker(60_000); }
      const controller = new AbortController();
      ticker(10, { signal: controller.signal });
      controller.abort();
    `);
    expect(stderr).toBe('');
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });
});

describe('ticker misuse', () => {
  test.each([0, -5, Number.NaN, Infinity])('ticker(%d) is a RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
    expect(() => ticker(ms)).toThrow(/ticker\(ms\): ms must be a positive finite number/);
  });

  test('ticker of something that is not a number is a TypeError naming it', () => {
    expect(() => ticker('5' as unknown as number)).toThrow('ticker(ms): ms must be a number, got string');
  });

  test('ticker with a signal that is not an AbortSignal is a TypeError and starts no timer', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    expect(() => ticker(5, { signal: controller as unknown as AbortSignal })).toThrow(
      'ticker(ms, options): options.signal must be an AbortSignal, got AbortController',
    );
    expect(vi.getTimerCount()).toBe(0);
  });
});
