/**
 * Audit BL: `ticker` and `after` (SPEC "Broadcast and ticker", "`select`"; README "Broadcast and
 * ticker", the Reference rows and "Semantic details"), as a Go `time.Ticker`/`time.After` user
 * would judge them: the schedule (start + k·ms) under late, early and set-back clocks, drops for a
 * slow reader, closing and signals, argument checks, and vitest's fake timers.
 *
 * Most schedule tests drive the timers by hand (./clock.ts): each timer fires when the test says,
 * with the `Date.now()` the test chooses, and every delay asked for is recorded.
 */
import { after as afterMs, Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drain } from '../helpers/drain.js';
import { abortedSignal, flush, rejection, thrown, track } from '../helpers/track.js';
import { type HandClock, handClock } from './clock.js';

const LONGEST = 2 ** 31 - 1;
let clock: HandClock | undefined;
afterEach(() => {
  clock?.restore();
  clock = undefined;
  vi.useRealTimers();
});

describe('ticker schedule, timers driven by hand', () => {
  it('a late timer delivers the late time, and the next tick stays on the grid (start + k·ms)', () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(100);
    expect(clock.delays).toEqual([100]);
    clock.fire(start + 250); // due at +100, fires at +250
    expect(ticks.pullNowait()).toBe(start + 250);
    expect(clock.delays.at(-1)).toBe(50); // next due at +300
    clock.fire(start + 300);
    expect(ticks.pullNowait()).toBe(start + 300);
    expect(clock.delays.at(-1)).toBe(100);
    ticks.close();
    expect(clock.pending).toHaveLength(0);
  });

  it('a tick that finds the buffer full is dropped; the buffered one is the oldest; the schedule goes on', () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(10);
    for (let k = 1; k <= 5; k++) clock.fire(start + 10 * k);
    expect(ticks.size).toBe(1);
    expect(ticks.pullNowait()).toBe(start + 10);
    expect(ticks.tryPull()).toBeUndefined();
    clock.fire(start + 60);
    expect(ticks.pullNowait()).toBe(start + 60);
    ticks.close();
  });

  it('a timer a little early by the clock waits the rest; it never ticks before start + k·ms', () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(100);
    clock.fire(start + 99.2);
    expect(ticks.size).toBe(0);
    expect(clock.pending).toHaveLength(1);
    expect(clock.delays.at(-1)).toBeCloseTo(0.8, 3);
    clock.fire(start + 100);
    expect(ticks.pullNowait()).toBe(start + 100);
    ticks.close();
  });

  it('a clock set back by more than half a period: it ticks at once and restarts the schedule from then', () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(100);
    clock.fire(start - 10_000); // clock went back ten seconds
    expect(ticks.pullNowait()).toBe(start - 10_000);
    expect(clock.delays.at(-1)).toBe(100);
    clock.fire(start - 9_900);
    expect(ticks.pullNowait()).toBe(start - 9_900);
    ticks.close();
  });

  it('a clock set forward (a laptop that slept an hour): one tick, then back on the grid; no burst of missed ticks', () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(1000);
    clock.fire(start + 3_600_000 + 400);
    expect(ticks.pullNowait()).toBe(start + 3_600_400);
    expect(clock.delays.at(-1)).toBe(600);
    clock.fire(start + 3_601_000);
    expect(ticks.pullNowait()).toBe(start + 3_601_000);
    expect(clock.pending).toHaveLength(1);
    ticks.close();
    expect(clock.pending).toHaveLength(0);
  });

  it.each([1000 / 60, 1000 / 3, 1.5, 7.77])(
    'ticker(%d) fired on each whole millisecond at or after its due time for 20,000 periods: one tick per period, never two for one point',
    (ms) => {
      clock = handClock(1_764_000_000_000);
      const start = clock.now;
      const ticks = ticker(ms);
      let t = start;
      let count = 0;
      let last = -Infinity;
      for (let i = 0; i < 20_000; i++) {
        const delay = clock.delays.at(-1) as number;
        t = Math.max(t, Math.ceil(t + delay)); // Node fires at whole milliseconds, not early
        clock.fire(t);
        const v = ticks.tryPull();
        if (v !== undefined) {
          count++;
          // Tick k must not come before start + k·ms, and two ticks never share one period.
          expect(v).toBeGreaterThanOrEqual(start + count * ms - 1e-6);
          // (Fired on whole milliseconds: two ticks of one point would be about 1 ms apart.)
          expect(v - last).toBeGreaterThanOrEqual(ms - 1 - 1e-6);
          last = v;
        }
      }
      const periods = Math.floor((t - start) / ms);
      expect(count).toBeLessThanOrEqual(periods);
      expect(count).toBeGreaterThanOrEqual(periods - 1);
      ticks.close();
      expect(clock.pending).toHaveLength(0);
    },
  );

  it('a period beyond 2³¹−1 ms is chained in hops, and ticks at start + ms, not at a hop', () => {
    clock = handClock();
    const start = clock.now;
    const ms = LONGEST * 2 + 10;
    const ticks = ticker(ms);
    expect(clock.delays).toEqual([LONGEST]);
    clock.fire(start + LONGEST);
    expect(ticks.size).toBe(0);
    expect(clock.delays.at(-1)).toBe(LONGEST);
    clock.fire(start + 2 * LONGEST);
    expect(ticks.size).toBe(0);
    expect(clock.delays.at(-1)).toBe(10);
    clock.fire(start + ms);
    expect(ticks.pullNowait()).toBe(start + ms);
    // The next period is chained again.
    expect(clock.delays.at(-1)).toBe(LONGEST);
    ticks.close();
    expect(clock.pending).toHaveLength(0);
  });

  it('closing mid-hop (between two chained timers) clears the pending hop', () => {
    clock = handClock();
    const ticks = ticker(LONGEST * 3);
    clock.fire();
    expect(clock.pending).toHaveLength(1);
    ticks.close();
    expect(clock.pending).toHaveLength(0);
  });

  it('a reader parked before the first tick receives it directly (no second value queued behind it)', async () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(50);
    const first = ticks.pull();
    clock.fire(start + 50);
    expect(await first).toBe(start + 50);
    expect(ticks.size).toBe(0);
    ticks.close();
  });
});

describe('after schedule, timers driven by hand', () => {
  it('a timer early by at most half the delay waits the rest: the value is never before start + ms', () => {
    clock = handClock();
    const start = clock.now;
    const timeout = afterMs(100);
    clock.fire(start + 60);
    expect(timeout.size).toBe(0);
    expect(timeout.closed).toBe(false);
    expect(clock.delays.at(-1)).toBe(40);
    clock.fire(start + 100);
    expect(timeout.pullNowait()).toBe(start + 100);
    expect(timeout.closed).toBe(true);
    expect(clock.pending).toHaveLength(0);
  });

  it('a clock set back by more than half the delay: it fires at once (not held for ever)', () => {
    clock = handClock();
    const start = clock.now;
    const timeout = afterMs(100);
    clock.fire(start - 5_000);
    expect(timeout.closed).toBe(true);
    expect(timeout.pullNowait()).toBe(start - 5_000);
  });

  it('after(ms) beyond 2³¹−1 ms reads the clock only at the last hop, and delivers once', () => {
    clock = handClock();
    const start = clock.now;
    const timeout = afterMs(LONGEST + 5);
    clock.fire(start + 999_999_999_999); // a hop: the clock is not read
    expect(timeout.size).toBe(0);
    expect(clock.delays).toEqual([LONGEST, 5]);
    clock.fire(start + LONGEST + 5);
    expect(timeout.pullNowait()).toBe(start + LONGEST + 5);
    expect(clock.pending).toHaveLength(0);
  });

  it('after with a negative delay asks for 0 ms, not a negative one, and delivers on that timer, not synchronously', async () => {
    clock = handClock();
    const timeout = afterMs(-250);
    expect(clock.delays).toEqual([0]);
    await flush();
    expect(timeout.size).toBe(0);
    clock.fire();
    expect(timeout.pullNowait()).toBe(clock.now);
    expect(timeout.closed).toBe(true);
  });

  it('a user value pushed into an after channel first: the timestamp is dropped, the channel still closes and clears its timer', () => {
    clock = handClock();
    const timeout = afterMs(10);
    timeout.pushNowait(-1);
    clock.fire(clock.now + 10);
    expect(timeout.closed).toBe(true);
    expect(timeout.pullNowait()).toBe(-1);
    expect(clock.pending).toHaveLength(0);
  });
});

describe('closing, signals and re-entrancy', () => {
  it('a ticker closed with a reason: a parked pull rejects with that cause; for await throws it; no timer left', async () => {
    clock = handClock();
    const ticks = ticker(10);
    const parked = ticks.pull();
    const loop = drain(ticks);
    const reason = new Error('stop');
    ticks.close(reason);
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    expect(await loop).toEqual({ values: [], error: reason });
    expect(clock.pending).toHaveLength(0);
  });

  it('after closed with a reason before it fires: select pull case fires ok:false; pull rejects naming after(ms)', async () => {
    clock = handClock();
    const timeout = afterMs(100);
    timeout.close(new Error('cancelled'));
    const r = await select([pull(timeout)]);
    expect(r).toMatchObject({ index: 0, ok: false, value: undefined });
    const error = (await rejection(timeout.pull())) as ChannelClosedError;
    expect(error.message).toContain('after(100)');
    expect(clock.pending).toHaveLength(0);
  });

  it('AbortSignal.any([a, b]) as a ticker’s signal: aborting b closes it and clears the timer', async () => {
    clock = handClock();
    const a = new AbortController();
    const b = new AbortController();
    const ticks = ticker(10, { signal: AbortSignal.any([a.signal, b.signal]) });
    const parked = track(ticks.pull());
    b.abort(new Error('b'));
    await flush();
    expect(ticks.closed).toBe(true);
    expect(clock.pending).toHaveLength(0);
    expect(parked.current.status).toBe('rejected');
    expect((parked.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
  });

  it('a push in an abort listener that runs before the ticker’s watch is kept; one after it is refused (the ticker is closed)', () => {
    clock = handClock();
    const controller = new AbortController();
    const results: boolean[] = [];
    let ticks: Channel<number> | undefined;
    controller.signal.addEventListener('abort', () => results.push((ticks as Channel<number>).tryPush(1)));
    ticks = ticker(10, { signal: controller.signal });
    controller.signal.addEventListener('abort', () => results.push((ticks as Channel<number>).tryPush(2)));
    controller.abort();
    expect(results).toEqual([true, false]);
    expect(ticks.closed).toBe(true);
    expect(ticks.pullNowait()).toBe(1);
    expect(clock.pending).toHaveLength(0);
  });

  it('a select over a ticker with the select’s own signal aborted inside the ticker’s tick consumer: no tick lost for the next reader', async () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(10);
    const controller = new AbortController();
    const sel = select([pull(ticks)], { signal: controller.signal });
    controller.abort('gone');
    expect(await rejection(sel)).toBe('gone');
    clock.fire(start + 10);
    expect(ticks.pullNowait()).toBe(start + 10);
    ticks.close();
  });

  it('an after that lost a select keeps its timer until closed, then leaves none (the documented cleanup)', async () => {
    clock = handClock();
    const data = new Channel<number>(1);
    data.pushNowait(1);
    const timeout = afterMs(60_000);
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(0);
    expect(clock.pending).toHaveLength(1);
    expect(timeout.stats().waitingPullers).toBe(0);
    timeout.close();
    expect(clock.pending).toHaveLength(0);
  });

  it('`using` on after and ticker clears both timers at the end of the block, even when it throws', () => {
    clock = handClock();
    expect(() => {
      using t = ticker(5);
      using a = afterMs(5);
      expect(t.closed || a.closed).toBe(false);
      throw new Error('body');
    }).toThrow('body');
    expect(clock.pending).toHaveLength(0);
  });

  it('a ticker closed from a select’s continuation during its own tick delivery stays stopped', async () => {
    clock = handClock();
    const start = clock.now;
    const ticks = ticker(10);
    const got = select([pull(ticks)]).then((r) => {
      ticks.close();
      return r;
    });
    clock.fire(start + 10);
    expect((await got).value).toBe(start + 10);
    expect(clock.pending).toHaveLength(0);
    expect(ticks.closed).toBe(true);
  });
});

describe('argument checks name the function and the problem', () => {
  it.each([
    [Number.NaN, RangeError, /ticker\(ms\).*NaN/],
    [0, RangeError, /ticker\(ms\).*positive/],
    [-0, RangeError, /ticker\(ms\)/],
    [-5, RangeError, /ticker\(ms\).*-5/],
    [Number.POSITIVE_INFINITY, RangeError, /ticker\(ms\).*Infinity/],
    ['100', TypeError, /ticker\(ms\).*number/],
    [100n, TypeError, /ticker\(ms\)/],
    [null, TypeError, /ticker\(ms\)/],
    [undefined, TypeError, /ticker\(ms\)/],
    [{ valueOf: (): number => 10 }, TypeError, /ticker\(ms\)/],
  ])('ticker(%s) throws %s naming ticker(ms), and starts no timer', (ms, type, message) => {
    clock = handClock();
    const error = thrown(() => ticker(ms as number)) as Error;
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(clock.pending).toHaveLength(0);
  });

  it.each([
    [Number.NaN, RangeError, /after\(ms\).*NaN/],
    [Number.NEGATIVE_INFINITY, RangeError, /after\(ms\).*Infinity/],
    [Number.POSITIVE_INFINITY, RangeError, /after\(ms\).*Infinity/],
    ['5', TypeError, /after\(ms\).*number/],
    [5n, TypeError, /after\(ms\)/],
    [undefined, TypeError, /after\(ms\)/],
    [new Date(), TypeError, /after\(ms\)/],
  ])('after(%s) throws %s naming after(ms), and starts no timer', (ms, type, message) => {
    clock = handClock();
    const error = thrown(() => afterMs(ms as number)) as Error;
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(clock.pending).toHaveLength(0);
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['a signal itself', new AbortController().signal],
    ['a controller as signal', { signal: new AbortController() }],
    ['a duck signal', { signal: { aborted: false, addEventListener() {} } }],
  ])('options %s are a TypeError naming the call, for after and ticker; no timer, no listener', (_, options) => {
    clock = handClock();
    for (const [make, name] of [
      [() => afterMs(5, options as never), 'after(ms, options)'],
      [() => ticker(5, options as never), 'ticker(ms, options)'],
    ] as const) {
      const error = thrown(make) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain(name);
    }
    expect(clock.pending).toHaveLength(0);
  });

  it('an already aborted signal is checked after the arguments: ticker(0, { signal: aborted }) still throws RangeError', () => {
    expect(() => ticker(0, { signal: abortedSignal('x') })).toThrow(RangeError);
    expect(() => afterMs(Number.NaN, { signal: abortedSignal('x') })).toThrow(RangeError);
  });

  it('ticker(Number.MIN_VALUE) and ticker(Number.MAX_VALUE) are accepted; MAX_VALUE never ticks and closing clears it', () => {
    clock = handClock();
    const tiny = ticker(Number.MIN_VALUE);
    clock.fire(clock.now + 1);
    expect(tiny.size).toBe(1);
    tiny.close();
    const huge = ticker(Number.MAX_VALUE);
    for (let i = 0; i < 5; i++) clock.fire(clock.now + LONGEST);
    expect(huge.size).toBe(0);
    expect(clock.pending).toHaveLength(1);
    huge.close();
    expect(clock.pending).toHaveLength(0);
  });
});

describe('vitest fake timers', () => {
  it('ticker(1000/3) on vitest’s clock for 3000 periods: never more ticks than periods, each on or after its grid point', () => {
    vi.useFakeTimers({ now: 0 });
    const ms = 1000 / 3;
    const ticks = ticker(ms);
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      vi.advanceTimersByTime(ms);
      const v = ticks.tryPull();
      if (v !== undefined) values.push(v);
    }
    expect(values.length).toBeLessThanOrEqual(3000);
    expect(values.length).toBeGreaterThanOrEqual(2998);
    values.forEach((v, k) => {
      expect(v).toBeGreaterThanOrEqual((k + 1) * ms - 1e-6);
    });
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('vi.runAllTimers() returns once the ticker is closed inside a for-await body, with no timer left', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(100);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const t of ticks) {
        seen.push(t);
        if (seen.length === 3) ticks.close();
      }
    })();
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(100);
    await loop;
    expect(seen).toEqual([100, 200, 300]);
    vi.runAllTimers();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a select with a ticker case and an after timeout: ticks until the timeout wins, then nothing is left', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(30);
    const timeout = afterMs(100);
    const got: number[] = [];
    const run = (async () => {
      for (;;) {
        const r = await select([pull(ticks), pull(timeout)]);
        if (r.index === 1) return r;
        got.push(r.value as number);
      }
    })();
    await vi.advanceTimersByTimeAsync(100);
    const r = await run;
    expect(r).toMatchObject({ index: 1, ok: true, value: 100 });
    expect(got).toEqual([30, 60, 90]);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after(ms, { signal }) aborted mid-wait under fake timers: no value, closed, no timer; a parked pull (no signal) rejects with ChannelClosedError, no cause', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const timeout = afterMs(1_000, { signal: controller.signal });
    const parked = timeout.pull();
    vi.advanceTimersByTime(500);
    controller.abort(new Error('user'));
    const error = (await rejection(parked)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(timeout.size).toBe(0);
  });

  it('(ambiguity, pinned) an open after(Number.MAX_SAFE_INTEGER) — the README’s “never” — makes vi.runAllTimers() hit its loop limit', () => {
    vi.useFakeTimers({ now: 0 });
    const never = afterMs(Number.MAX_SAFE_INTEGER);
    // About 4.2 million chained hops of 2³¹−1 ms: sinon's loop limit (10,000) stops first.
    expect(() => vi.runAllTimers()).toThrow(/Aborting after running 10000 timers/);
    expect(never.size).toBe(0);
    never.close();
    expect(vi.getTimerCount()).toBe(0);
    // A chained delay of a few hops runs to its end.
    const five = afterMs(LONGEST * 5);
    vi.runAllTimers();
    expect(five.closed).toBe(true);
  });

  it('control: afterMs(0.5) on vitest’s clock is not early (it waits one more hop)', () => {
    vi.useFakeTimers({ now: 1000 });
    const timeout = afterMs(0.5);
    vi.advanceTimersByTime(0);
    expect(timeout.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(timeout.pullNowait()).toBe(1001);
  });

  it('BL-5: ticker(0.5) on vitest’s clock must not tick at its creation time (tick 1 is due at start + 0.5)', () => {
    vi.useFakeTimers({ now: 1000 });
    const ticks = ticker(0.5);
    // sinon runs a 0.5 ms timer at once (it reads the delay as 0); the ticker took that for a
    // clock set back and ticked at once, with the creation time as its value.
    vi.advanceTimersByTime(0);
    const early = ticks.tryPull();
    ticks.close();
    expect(early).toBeUndefined();
  });
});
