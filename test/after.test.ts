/**
 * after(ms) (issue 11, item 4; SPEC "Broadcast and ticker", last bullet): a channel closed
 * before its timer fires clears the timer — nothing throws later, nothing keeps a Node process
 * alive (checked in a child process) — and delays beyond 2³¹−1 ms wait as long as they say.
 * The basic behaviour is in select.test.ts.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
// `after` is imported under another name: Biome takes a bare `after(...)` for a test hook.
import { after as afterMs, ChannelClosedError } from '../src/index.js';
import { runInNode } from './helpers/node-script.js';

const LONGEST = 2 ** 31 - 1;

afterEach(() => {
  vi.useRealTimers();
});

describe('after, closed before it fires', () => {
  test('closing an after channel by hand clears its timer', () => {
    vi.useFakeTimers();
    const timer = afterMs(50);
    expect(vi.getTimerCount()).toBe(1);
    timer.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('disposing an after channel (using) clears its timer', () => {
    vi.useFakeTimers();
    const timer = afterMs(50);
    timer[Symbol.dispose]();
    expect(vi.getTimerCount()).toBe(0);
    expect(timer.closed).toBe(true);
  });

  test('closing an after channel stops listening to its signal', () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    afterMs(50, { signal: controller.signal }).close();
    expect(removed).toHaveBeenCalledTimes(1);
  });

  test('a closed after channel throws nothing later: the Node process exits with code 0', async () => {
    const { exit, stderr } = await runInNode(`
      import { after } from './src/index.ts';
      after(20).close();
      { using timer = after(20); }
      setTimeout(() => {}, 200); // outlive the timers
    `);
    expect(stderr).toBe('');
    expect(exit).toBe(0);
  });

  test('a closed after channel does not keep the Node process alive', async () => {
    const { exit, ms } = await runInNode(`
      import { after } from './src/index.ts';
      after(60_000).close();
      { using timer = after(60_000); }
    `);
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });
});

describe('after, long delays', () => {
  test('after(ms) with ms above 2³¹−1 waits that long', () => {
    vi.useFakeTimers({ now: 0 });
    const ms = LONGEST + 1_000;
    const timer = afterMs(ms);
    vi.advanceTimersByTime(LONGEST);
    expect(timer.size).toBe(0);
    expect(timer.closed).toBe(false);
    vi.advanceTimersByTime(999);
    expect(timer.closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timer.closed).toBe(true);
    expect(timer.pullNowait()).toBe(ms);
  });

  test('after(Number.MAX_SAFE_INTEGER) does not fire in a decade', () => {
    vi.useFakeTimers({ now: 0 });
    const timer = afterMs(Number.MAX_SAFE_INTEGER);
    vi.advanceTimersByTime(3_650 * 24 * 3_600_000);
    expect(timer.closed).toBe(false);
    expect(timer.size).toBe(0);
    timer.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('after misuse', () => {
  test('after with a delay that is not a number is a TypeError naming it', () => {
    expect(() => afterMs('5' as unknown as number)).toThrow('after(ms): ms must be a number, got string');
  });

  test('after with a signal that is not an AbortSignal is a TypeError and starts no timer', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    expect(() => afterMs(5, { signal: controller as unknown as AbortSignal })).toThrow(
      'after(ms, options): options.signal must be an AbortSignal, got AbortController',
    );
    expect(vi.getTimerCount()).toBe(0);
  });
});
