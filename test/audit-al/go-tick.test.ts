/**
 * Go's src/time/tick_test.go (golang/go), plus the Go 1.23 timer-channel changes, ported to
 * chanasync's `ticker` (Go's time.Ticker). Closing the channel is Stop; there is no Reset.
 * Where the contracts differ on purpose the test asserts chanasync's and says what Go asserted.
 */
import { after as afterMs, type Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SLACK, sleep, state } from './util.js';

describe('src/time/tick_test.go', () => {
  // TestTicker: count/2 ticks of delta, Reset(2·delta), count/2 more, Stop; takes 3·delta·count/2
  // (±30 %). No Reset here: the second half is a fresh ticker(2·delta). Lower bound only
  // tight-ish (ticks are never early), the upper bound is wide.
  it('TestTicker', async () => {
    const count = 10;
    const delta = 20;
    const t0 = Date.now();
    let ticks = ticker(delta);
    for (let i = 0; i < count / 2; i++) await ticks.pull();
    ticks.close();
    ticks = ticker(delta * 2);
    for (let i = count / 2; i < count; i++) await ticks.pull();
    ticks.close();
    const dt = Date.now() - t0;
    const target = 3 * delta * (count / 2);
    expect(dt).toBeGreaterThanOrEqual(target);
    expect(dt).toBeLessThan(target + SLACK * 2);
    // "Now test that the ticker stopped."
    await sleep(2 * delta * 2);
    expect(ticks.tryPull()).toBeUndefined();
  });

  // TestTicker: each tick is not before its point of the schedule start + k·delta.
  it('TestTicker (ticks keep their schedule: tick k is not before start + k·delta)', async () => {
    const delta = 15;
    const start = Date.now();
    using ticks = ticker(delta);
    for (let k = 1; k <= 8; k++) expect(await ticks.pull()).toBeGreaterThanOrEqual(start + k * delta);
  });

  // TestTicker (slow reader): a reader that comes back late finds one tick, not a backlog.
  it('TestTicker (a slow reader gets dropped ticks: one buffered, never a backlog)', async () => {
    const delta = 10;
    using ticks = ticker(delta);
    await sleep(delta * 12);
    expect(ticks.size).toBe(1);
    const first = ticks.tryPull() as number;
    expect(typeof first).toBe('number');
    expect(ticks.tryPull()).toBeUndefined();
    const next = await ticks.pull();
    expect(next).toBeGreaterThan(first);
  });

  // TestTickerStopWithDirectInitialization: Stop on a Ticker not made by NewTicker must not
  // crash. No Ticker struct here: the nearest are a ticker made with an already aborted
  // signal (closed at once, never ticks) and closing a ticker twice.
  it('TestTickerStopWithDirectInitialization', async () => {
    const controller = new AbortController();
    controller.abort();
    const ticks = ticker(5, { signal: controller.signal });
    expect(ticks.closed).toBe(true);
    expect(() => ticks.close()).not.toThrow();
    await sleep(20);
    expect(ticks.tryPull()).toBeUndefined();
  });

  // TestTeardown: NewTicker, one receive, Stop, three times, must not deadlock.
  it('TestTeardown', async () => {
    for (let i = 0; i < 3; i++) {
      const ticks = ticker(20);
      expect(typeof (await ticks.pull())).toBe('number');
      ticks.close();
      expect(ticks.closed).toBe(true);
    }
  });

  // TestTick: Tick(-1) returns nil. chanasync has no nil channel to return: ticker(-1) is a
  // RangeError (the Go nil ticker would block for ever; an error is more useful).
  it('TestTick (ticker(-1) is a RangeError, not a nil channel)', () => {
    expect(() => ticker(-1)).toThrow(RangeError);
  });

  // TestNewTickerLtZeroDuration: NewTicker(-1) panics (and NewTicker(0): "non-positive interval").
  it('TestNewTickerLtZeroDuration', () => {
    for (const ms of [-1, 0, -0, -Number.MIN_VALUE, Number.NaN, Infinity, -Infinity]) {
      expect(() => ticker(ms)).toThrow(RangeError);
    }
    expect(() => ticker('5' as never)).toThrow(TypeError);
    expect(() => ticker(null as never)).toThrow(TypeError);
  });

  // TestTickerResetLtZeroDuration: Reset(0) panics. chanasync has no Reset: close and make a
  // fresh ticker (whose period is validated the same way).
  it('TestTickerResetLtZeroDuration (there is no Reset)', () => {
    const ticks = ticker(1000);
    expect('reset' in ticks).toBe(false);
    ticks.close();
    expect(() => ticker(0)).toThrow(RangeError);
  });

  // TestTickFunc: a callback every period, stopped after 3 calls. Here a loop over the ticker
  // channel that closes it after 3 ticks: the for await ends (Go's Stop leaves C open).
  it('TestTickFunc (for await over a ticker, closed after 3 ticks)', async () => {
    const ticks = ticker(10);
    let r = 0;
    for await (const _ of ticks) {
      r++;
      if (r === 3) ticks.close();
    }
    expect(r).toBe(3);
    await sleep(30);
    expect(r).toBe(3);
  });

  // BenchmarkTicker's shape: NewTicker(1ns) read n times. The smallest period chanasync takes
  // (far below a timer's resolution) ticks once per timer turn.
  it('BenchmarkTicker (a period far below 1 ms ticks once per timer turn)', async () => {
    for (const ms of [1e-6, Number.MIN_VALUE]) {
      using ticks = ticker(ms);
      const values: number[] = [];
      for (let i = 0; i < 20; i++) values.push(await ticks.pull());
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] as number);
    }
  });

  // BenchmarkTickerResetNaive: Stop then NewTicker in a loop leaves no ticker behind.
  it('BenchmarkTickerResetNaive (stop and remake in a loop)', async () => {
    let ticks = ticker(1);
    const old: Channel<number>[] = [];
    for (let i = 0; i < 100; i++) {
      ticks.close();
      old.push(ticks);
      ticks = ticker(2);
    }
    await ticks.pull();
    ticks.close();
    await sleep(10);
    for (const t of old) expect(t.tryPull()).toBeUndefined();
  });

  // Go 1.23: "timer channels are now synchronous (unbuffered)", cap(t.C) == 0. chanasync's
  // ticker is an ordinary capacity-1 channel (Go before 1.23), as the SPEC says.
  it('Go 1.23 unbuffered-looking channels: chanasync keeps capacity 1', () => {
    const ticks = ticker(1000);
    expect(ticks.capacity).toBe(1);
    expect(ticks.name).toBe('ticker(1000)');
    ticks.close();
  });

  // Closing a ticker wakes its parked readers: Go's Stop does not close C, so a receive would
  // block for ever; here it rejects with ChannelClosedError, and a select sees ok: false.
  it('Stop (close) wakes parked readers', async () => {
    const ticks = ticker(1000);
    const parked = ticks.pull();
    const sel = select([pull(ticks)]);
    ticks.close();
    await expect(parked).rejects.toBeInstanceOf(ChannelClosedError);
    expect(await sel).toMatchObject({ index: 0, ok: false });
  });

  // Leaving a for await over a ticker with break does not stop it (leaving a loop never closes
  // a channel): it keeps ticking until closed.
  it('break out of a for await does not stop the ticker', async () => {
    using ticks = ticker(5);
    for await (const _ of ticks) break;
    expect(ticks.closed).toBe(false);
    expect(typeof (await ticks.pull())).toBe('number');
  });

  // A ticker in a select with an after (the classic `for { select { case <-tick: … case <-timeout: } }`).
  it('for-select over a ticker and an after', async () => {
    using ticks = ticker(10);
    const timeout = afterMs(100);
    let n = 0;
    for (;;) {
      const r = await select([pull(ticks), pull(timeout)]);
      if (r.index === 1) break;
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(10);
  });
});

describe('src/time/tick_test.go (fake clock)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // TestTicker on a fake clock: tick k arrives at exactly start + k·delta, with that value.
  it('TestTicker (fake clock: exact schedule)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    using ticks = ticker(100);
    const values: number[] = [];
    for (let k = 1; k <= 10; k++) {
      const next = ticks.pull();
      await vi.advanceTimersByTimeAsync(100);
      values.push(await next);
    }
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => start + (i + 1) * 100));
  });

  // No drift over many ticks: tick 1000 of a 7 ms ticker is at start + 7000.
  it('TestTicker (fake clock: no drift over 1000 ticks)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    using ticks = ticker(7);
    let last = 0;
    for (let k = 1; k <= 1000; k++) {
      await vi.advanceTimersByTimeAsync(7);
      last = ticks.tryPull() as number;
      expect(last).toBe(start + k * 7);
    }
    expect(last).toBe(start + 7000);
  });

  // Slow reader on a fake clock: ticks at 100, 200, 300 find the buffer full after the first:
  // dropped; the reader back at 350 gets the one at 100, then the one at 400.
  it('TestTicker (fake clock: slow reader gets the first tick, then the next on schedule)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    using ticks = ticker(100);
    await vi.advanceTimersByTimeAsync(350);
    expect(ticks.tryPull()).toBe(start + 100);
    expect(ticks.tryPull()).toBeUndefined();
    const next = ticks.pull();
    expect(await state(next)).toBe('pending');
    await vi.advanceTimersByTimeAsync(50);
    expect(await next).toBe(start + 400);
  });

  // Go 1.23: no stale value after Stop. chanasync: a tick already buffered when the ticker is
  // closed stays readable (README "Closing a timer channel is closing a channel"); nothing after.
  it('Go 1.23 no stale value after Stop: chanasync keeps the buffered tick, then nothing', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const ticks = ticker(100);
    await vi.advanceTimersByTimeAsync(100);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ticks.tryPull()).toBe(start + 100);
    expect(ticks.tryPull()).toBeUndefined();
    const values: number[] = [];
    for await (const v of ticks) values.push(v);
    expect(values).toEqual([]);
  });

  // Stop clears the timer: runAllTimers returns once every ticker is closed.
  it('Stop clears the timer (fake clock: no timer left, runAllTimers returns)', async () => {
    vi.useFakeTimers();
    const tickers = [ticker(1), ticker(50), ticker(2 ** 31 + 1)];
    expect(vi.getTimerCount()).toBe(3);
    for (const t of tickers) t.close();
    expect(vi.getTimerCount()).toBe(0);
    vi.runAllTimers();
  });

  // Long periods: a ticker of 2³¹ + 10 ms ticks at exactly that period (setTimeout alone would
  // fire at once).
  it('long periods (fake clock: 2³¹+10 ms)', async () => {
    vi.useFakeTimers();
    const period = 2 ** 31 + 10;
    const start = Date.now();
    using ticks = ticker(period);
    await vi.advanceTimersByTimeAsync(period - 1);
    expect(ticks.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ticks.tryPull()).toBe(start + period);
    await vi.advanceTimersByTimeAsync(period);
    expect(ticks.tryPull()).toBe(start + 2 * period);
  });

  // A signal stops the ticker (context cancellation as Stop): closed, timer cleared.
  it('a signal stops the ticker (fake clock)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(10, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(typeof ticks.tryPull()).toBe('number');
    await vi.advanceTimersByTimeAsync(100);
    expect(ticks.tryPull()).toBeUndefined();
  });

  // TestAfterStress shape on a fake clock: a 1 ms ticker read 100 times gives 100 consecutive points.
  it('TestAfterStress (fake clock: 100 consecutive ticks)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    using ticks = ticker(1);
    for (let i = 1; i <= 100; i++) {
      const next = ticks.pull();
      await vi.advanceTimersByTimeAsync(1);
      expect(await next).toBe(start + i);
    }
  });

  // Go 1.23 timer values carry the due time; chanasync's carry Date.now() at delivery. On a
  // fake clock those agree; a delivery by a late advance carries the late time.
  it('tick values are Date.now() at delivery (fake clock: a late advance)', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    using ticks = ticker(100);
    vi.setSystemTime(start + 30); // the clock moves without the timers: the tick is not early by half
    await vi.advanceTimersByTimeAsync(100);
    const v = ticks.tryPull() as number;
    expect(v).toBeGreaterThanOrEqual(start + 100);
  });
});
