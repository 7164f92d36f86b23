/**
 * `after` and `ticker` as an outsider reads the SPEC: Go's `time.After` delivers a time no
 * earlier than the call plus the delay.
 */
import { mock } from 'node:test';
import { afterEach, expect, test, vi } from 'vitest';
import { after as afterMs, ticker } from '../../src/index.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.useRealTimers();
  mock.timers.reset();
});

test('after(ms) never delivers a time before the call plus ms (Node fires timers up to a millisecond early by Date.now())', async () => {
  const early: number[] = [];
  for (let i = 0; i < 400; i++) {
    const start = Date.now();
    const value = await afterMs(2).pull();
    if (value < start + 2) early.push(value - start);
  }
  expect(early).toEqual([]);
});

test("a ticker made on real timers and closed under node:test's mock timers never ticks again (its clearTimeout is the one it was made with)", async () => {
  const ticks = ticker(5);
  mock.timers.enable({ apis: ['setTimeout'] });
  ticks.close();
  mock.timers.reset();
  await sleep(40);
  expect(ticks.size).toBe(0);
  expect(ticks.tryPull()).toBeUndefined();
});

test('after and ticker made on real timers and closed under fake timers that do not clear native timers stay silent', async () => {
  const ticks = ticker(5);
  const once = afterMs(5);
  vi.useFakeTimers({ shouldClearNativeTimers: false });
  ticks.close();
  once.close();
  vi.useRealTimers();
  await sleep(40);
  expect([ticks.size, once.size]).toEqual([0, 0]);
});
