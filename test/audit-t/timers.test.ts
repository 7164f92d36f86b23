/**
 * Audit T: ticker and after — argument checks, the schedule (no drift, dropped ticks), long
 * delays, and that no timer is left behind once a timer channel is closed or aborted.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { after as afterMs, Channel, ChannelClosedError, pull, select, ticker } from '../../src/index.js';
import { settle, timerLedger, track } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ticker arguments', () => {
  test.each([0, -1, -0, NaN, Infinity, -Infinity])('ticker(%s) is a RangeError naming ticker', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
    expect(() => ticker(ms)).toThrow(/ticker/);
  });

  test.each([
    ['a string', '10'],
    ['a bigint', 10n],
    ['undefined', undefined],
    ['null', null],
  ])('ticker(ms) with ms %s is a TypeError', (_label, ms) => {
    expect(() => ticker(ms as never)).toThrow(TypeError);
  });

  test('ticker(ms, signal) is a TypeError: options, not the signal', () => {
    const ledger = timerLedger();
    try {
      expect(() => ticker(10, AbortSignal.abort() as never)).toThrow(TypeError);
      expect(ledger.pending()).toBe(0);
    } finally {
      ledger.restore();
    }
  });

  test('a bad ticker call leaves no timer', () => {
    const ledger = timerLedger();
    try {
      expect(() => ticker(10, { signal: {} as never })).toThrow(TypeError);
      expect(() => afterMs(10, { signal: {} as never })).toThrow(TypeError);
      expect(ledger.pending()).toBe(0);
    } finally {
      ledger.restore();
    }
  });
});

describe('after arguments', () => {
  test.each([NaN, Infinity, -Infinity])('afterMs(%s) is a RangeError naming after', (ms) => {
    expect(() => afterMs(ms)).toThrow(RangeError);
    expect(() => afterMs(ms)).toThrow(/after/);
  });

  test.each([
    ['a string', '5'],
    ['undefined', undefined],
    ['an object', { valueOf: (): number => 5 }],
  ])('afterMs(ms) with ms %s is a TypeError', (_label, ms) => {
    expect(() => afterMs(ms as never)).toThrow(TypeError);
  });

  test('afterMs(ms) with a negative or zero delay fires on the next timer turn, not synchronously', async () => {
    for (const ms of [0, -5, -0, 0.3]) {
      const ch = afterMs(ms);
      expect(ch.size).toBe(0);
      const v = await ch.pull();
      expect(typeof v).toBe('number');
      expect(ch.closed).toBe(true);
    }
  });
});

describe('ticker schedule (fake timers)', () => {
  test('ticks at start + k·ms with the time as value; a slow reader finds one tick and the rest dropped', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    using ticks = ticker(100);
    expect(ticks.capacity).toBe(1);
    vi.advanceTimersByTime(100);
    expect(ticks.tryPull()).toBe(1_000_100);
    vi.advanceTimersByTime(350); // 200, 300, 400 due: 200 kept, 300 and 400 dropped
    expect(ticks.size).toBe(1);
    expect(ticks.tryPull()).toBe(1_000_200);
    expect(ticks.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(50); // 500
    expect(ticks.tryPull()).toBe(1_000_500);
  });

  test('a parked pull receives the tick directly', async () => {
    vi.useFakeTimers({ now: 0 });
    using ticks = ticker(10);
    const p = ticks.pull();
    vi.advanceTimersByTime(10);
    expect(await p).toBe(10);
  });

  test('a late timer does not shift the schedule (no drift)', async () => {
    vi.useFakeTimers({ now: 0 });
    using ticks = ticker(100);
    // Block the "event loop": move the clock without running timers, then run them.
    vi.setSystemTime(250);
    vi.advanceTimersByTime(100); // the 100 timer runs at clock 350
    const first = ticks.tryPull() as number;
    expect(first).toBeGreaterThanOrEqual(350);
    // The next tick is still due on the grid (k·100), not at first + 100.
    vi.advanceTimersToNextTimer();
    const second = ticks.tryPull() as number;
    expect(second % 100).toBe(0);
  });

  test('closing the ticker clears its timer: no fake timer is left', () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    expect(vi.getTimerCount()).toBe(1);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(ticks.tryPull()).toBeUndefined();
  });

  test('aborting the signal closes the ticker, clears its timer and rejects a parked pull', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const ticks = ticker(10, { signal: ac.signal });
    const p = track(ticks.pull());
    ac.abort('stop');
    await settle();
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(p.status).toBe('rejected');
    expect(p.reason).toBeInstanceOf(ChannelClosedError);
  });

  test('a tick already buffered stays readable after close', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    vi.advanceTimersByTime(10);
    ticks.close();
    expect(ticks.tryPull()).toBe(10);
    expect(() => ticks.pullNowait()).toThrow(ChannelClosedError);
  });

  test('a ticker with an already aborted signal is closed at once and leaves no timer', () => {
    vi.useFakeTimers();
    const ticks = ticker(10, { signal: AbortSignal.abort() });
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a period above 2**31−1 ms ticks at that period, not at once', () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 2 ** 31 + 1000;
    using ticks = ticker(ms);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ticks.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(ticks.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(ticks.tryPull()).toBe(ms);
    vi.advanceTimersByTime(ms);
    expect(ticks.tryPull()).toBe(2 * ms);
  });

  test('a fractional period keeps to the schedule on average', () => {
    vi.useFakeTimers({ now: 0 });
    using ticks = ticker(2.5);
    let count = 0;
    for (let t = 0; t < 1000; t++) {
      vi.advanceTimersByTime(1);
      if (ticks.tryPull() !== undefined) count++;
    }
    // 1000 ms / 2.5 ms = 400 ticks (the reader takes each at once).
    expect(count).toBeGreaterThanOrEqual(395);
    expect(count).toBeLessThanOrEqual(400);
  });
});

describe('after (fake timers)', () => {
  test('afterMs(ms) delivers Date.now() once at ms and closes', () => {
    vi.useFakeTimers({ now: 5000 });
    const ch = afterMs(100);
    vi.advanceTimersByTime(99);
    expect(ch.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ch.closed).toBe(true);
    expect(ch.tryPull()).toBe(5100);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('afterMs(2**31) waits the full delay rather than firing at once', () => {
    vi.useFakeTimers({ now: 0 });
    const ch = afterMs(2 ** 31);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ch.closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ch.tryPull()).toBe(2 ** 31);
  });

  test('afterMs(3 × 2**31) waits the full delay', () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 3 * 2 ** 31 + 7;
    const ch = afterMs(ms);
    vi.advanceTimersByTime(ms - 1);
    expect(ch.closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(ch.tryPull()).toBe(ms);
  });

  test('after closed before it fires leaves no timer and never delivers', () => {
    vi.useFakeTimers();
    const ch = afterMs(2 ** 31 + 5);
    vi.advanceTimersByTime(2 ** 31);
    ch.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 ** 32);
    expect(ch.tryPull()).toBeUndefined();
  });

  test('after with a signal that aborts first: timer cleared, nothing delivered, channel closed', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const ch = afterMs(100, { signal: ac.signal });
    const p = track(ch.pull());
    ac.abort();
    await settle();
    expect(ch.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(p.status).toBe('rejected');
    vi.advanceTimersByTime(1000);
    expect(ch.tryPull()).toBeUndefined();
  });

  test('after with an already aborted signal is closed and has no timer', () => {
    vi.useFakeTimers();
    const ch = afterMs(10, { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('select with a pull(afterMs(ms)) timeout resolves on the fake clock', async () => {
    vi.useFakeTimers({ now: 0 });
    const data = new Channel<number>();
    const timeout = afterMs(50);
    const sel = select([pull(data), pull(timeout)]);
    vi.advanceTimersByTime(50);
    expect(await sel).toMatchObject({ index: 1, value: 50, ok: true });
    expect(data.stats().waitingPullers).toBe(0);
  });
});

describe('real timers: nothing keeps the process alive', () => {
  test('closed tickers and afters leave no pending timer', async () => {
    const ledger = timerLedger();
    try {
      const channels = [ticker(1000), ticker(2 ** 31 + 1), afterMs(1000), afterMs(2 ** 40), afterMs(-1)];
      expect(ledger.pending()).toBe(5);
      for (const ch of channels) ch.close();
      expect(ledger.pending()).toBe(0);
    } finally {
      ledger.restore();
    }
  });

  test('timer channels closed by their signal leave no pending timer', async () => {
    const ledger = timerLedger();
    try {
      const ac = new AbortController();
      const t1 = ticker(5, { signal: ac.signal });
      const t2 = afterMs(5000, { signal: ac.signal });
      await t1.pull();
      ac.abort();
      expect(t1.closed && t2.closed).toBe(true);
      expect(ledger.pending()).toBe(0);
    } finally {
      ledger.restore();
    }
  });

  test('an after that fired leaves no pending timer', async () => {
    const ledger = timerLedger();
    try {
      const ch = afterMs(1);
      await ch.pull();
      expect(ledger.pending()).toBe(0);
    } finally {
      ledger.restore();
    }
  });

  test('an after whose hop chain is under way (past 2**31−1 ms) is cleared by close on the fake clock too', () => {
    vi.useFakeTimers();
    const ch = afterMs(2 ** 31 * 2);
    vi.advanceTimersByTime(2 ** 31 + 10);
    expect(vi.getTimerCount()).toBe(1);
    ch.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
