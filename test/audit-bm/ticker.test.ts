/**
 * Audit BM: README "ticks are due at start + k·ms, however late a timer fires; a late timer
 * skips ticks, never shifts them", checked with fake timers and a clock that jumps.
 */
import { ticker } from 'chanasync';
import { afterEach, describe, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.useRealTimers();
});

describe('ticker schedule', () => {
  test('a late tick does not shift the next one: due at start + k·ms', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const start = Date.now();
    const ticks = ticker(100);
    vi.advanceTimersByTime(100);
    expect(ticks.tryPull()).toBe(start + 100);
    // the event loop was blocked for 60 ms: the clock moves, the timer has not fired yet
    vi.setSystemTime(Date.now() + 60);
    vi.advanceTimersByTime(100); // fires 60 ms late, at start + 260 by Date.now()
    const late = ticks.tryPull();
    expect(late).toBe(start + 260);
    // the next tick is due at start + 300, 40 ms later, not 100
    vi.advanceTimersByTime(40);
    expect(ticks.tryPull()).toBe(start + 300);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a tick that finds the buffer full is dropped; the buffered one is the oldest', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    const start = Date.now();
    const ticks = ticker(10);
    vi.advanceTimersByTime(55);
    expect(ticks.size).toBe(1);
    expect(ticks.tryPull()).toBe(start + 10);
    expect(ticks.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(5);
    expect(ticks.tryPull()).toBe(start + 60);
    ticks.close();
  });
});
