import { after as afterMs, ticker } from 'chanasync';
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => vi.useRealTimers());

it('ticker with synchronous vi.advanceTimersByTime: one tick buffered, values on the grid', () => {
  vi.useFakeTimers({ now: 0 });
  const t = ticker(100);
  vi.advanceTimersByTime(350);
  expect(t.tryPull()).toBe(100);
  expect(t.tryPull()).toBe(undefined);
  vi.advanceTimersByTime(50);
  expect(t.tryPull()).toBe(400);
  t.close();
  expect(vi.getTimerCount()).toBe(0);
});

it('ticker with only setTimeout faked (Date real): still ticks every period', () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const t = ticker(1000);
  let n = 0;
  for (let i = 0; i < 5; i++) {
    vi.advanceTimersByTime(1000);
    if (t.tryPull() !== undefined) n++;
  }
  expect(n).toBe(5);
  t.close();
  expect(vi.getTimerCount()).toBe(0);
});

it('after with only setTimeout faked (Date real) fires when the fake clock reaches ms', () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const a = afterMs(60_000);
  vi.advanceTimersByTime(59_999);
  expect(a.size).toBe(0);
  vi.advanceTimersByTime(1);
  expect(a.tryPull()).toBeTypeOf('number');
  expect(a.closed).toBe(true);
});

it('after(2**31) with synchronous fake timers: not at once, exactly at the time', () => {
  vi.useFakeTimers({ now: 0 });
  const a = afterMs(2 ** 31);
  vi.advanceTimersByTime(2 ** 31 - 1);
  expect(a.size).toBe(0);
  vi.advanceTimersByTime(1);
  expect(a.tryPull()).toBe(2 ** 31);
});
