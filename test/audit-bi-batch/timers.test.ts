/**
 * Audit BI-batch: ticker(ms, options) and after(ms) — abort, close during a tick, huge and
 * invalid periods, drift, select — under vitest's fake timers (Date faked too), against SPEC
 * "Broadcast and ticker" and `after` in "select".
 */
import { after as afterMs, broadcast, Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, rejection, state, thrown, trapSignal } from './util.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ticker: schedule', () => {
  it('(holds) ticks are due at start + k·ms: a reader that pulls each tick sees exactly those times, however the fake clock is advanced', async () => {
    const t0 = Date.now();
    const t = ticker(7);
    const seen: number[] = [];
    for (const step of [3, 4, 7, 1, 6, 14, 0.5, 6.5]) {
      vi.advanceTimersByTime(step);
      const v = t.tryPull();
      if (v !== undefined) seen.push(v - t0);
    }
    // 3→(none) 7→7 14→14 15→(none) 21→21 35→35 (28 dropped? no: buffer empty at 28 → tick 28 then 35 dropped)
    t.close();
    expect(seen.every((ms) => ms % 7 === 0)).toBe(true);
    expect(seen).toEqual([7, 14, 21, 28, 42]);
  });

  it('(holds) a reader slower than the ticker finds one tick waiting, then the next on the schedule (ticks dropped, never queued)', () => {
    const t0 = Date.now();
    const t = ticker(10);
    vi.advanceTimersByTime(55);
    expect(t.size).toBe(1);
    expect(t.tryPull()! - t0).toBe(10);
    expect(t.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(5);
    expect(t.tryPull()! - t0).toBe(60);
    t.close();
  });

  it('(holds) a period above 2³¹−1 ms ticks once per period, on schedule, through the chained timer', () => {
    const period = 2 ** 31 + 1000;
    const t0 = Date.now();
    const t = ticker(period);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(t.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(1001);
    expect(t.tryPull()! - t0).toBe(period);
    vi.advanceTimersByTime(period);
    expect(t.tryPull()! - t0).toBe(2 * period);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) ticks are delivered to a pull parked before them, and to a for await, in order', async () => {
    const t0 = Date.now();
    const t = ticker(5);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of t) {
        got.push(v - t0);
        if (got.length === 3) break;
      }
    })();
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(5);
      await flush();
    }
    await loop;
    expect(got).toEqual([5, 10, 15]);
    t.close();
  });
});

describe('ticker: stopping', () => {
  it('(holds) closing a ticker clears its timer; a pull parked on it rejects with ChannelClosedError; a buffered tick stays readable', async () => {
    const t = ticker(10);
    vi.advanceTimersByTime(10);
    const tick = t.tryPull();
    expect(tick).toBeDefined();
    const parked = t.pull();
    vi.advanceTimersByTime(10);
    expect(await parked).toBeGreaterThan(tick!);
    vi.advanceTimersByTime(10);
    expect(t.size).toBe(1);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.tryPull()).toBeDefined();
    const error = await rejection(t.pull());
    expect(error).toBeInstanceOf(ChannelClosedError);
    vi.advanceTimersByTime(1000);
    expect(t.size).toBe(0);
  });

  it('(holds) aborting the signal closes the ticker (normally: a for await ends), clears the timer; a pull parked with the same signal rejects with its reason', async () => {
    const ac = new AbortController();
    const t = ticker(10, { signal: ac.signal });
    const withSignal = t.pull({ signal: ac.signal });
    const without = t.pull();
    const reason = new Error('stop');
    ac.abort(reason);
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await expect(withSignal).rejects.toBe(reason);
    const error = await rejection(without);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBeUndefined();
  });

  it('(holds) an already aborted signal gives a closed ticker and no timer', () => {
    const t = ticker(10, { signal: AbortSignal.abort() });
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) a ticker closed by user code run during its own tick (a parked pull’s duck signal) stays stopped, and the parked pull settles', async () => {
    const t = ticker(10);
    const trap = trapSignal(() => t.close());
    const parked = t.pull({ signal: trap.signal });
    trap.arm();
    vi.advanceTimersByTime(10);
    const s = await state(parked);
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    // closed before the tick's commit (README: such a push stores nothing): the pull fails
    // with ChannelClosedError; or committed first: the pull has it. Never both, never stuck.
    if (s.status === 'fulfilled') expect(typeof s.value).toBe('number');
    else expect(s.status === 'rejected' && s.reason).toBeInstanceOf(ChannelClosedError);
    expect(t.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(100);
    expect(t.size).toBe(0);
  });

  it('(holds) closing a ticker from a for await body stops it: no timer left, no later tick', async () => {
    const t = ticker(3);
    let n = 0;
    const loop = (async () => {
      for await (const _ of t) {
        if (++n === 2) t.close();
      }
    })();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(3);
      await flush();
    }
    await loop;
    expect(n).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) a ticker as a broadcast source: each subscriber gets the ticks, and closing the ticker ends the subscribers', async () => {
    const t = ticker(10);
    const hub = broadcast(t);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4 });
    vi.advanceTimersByTime(30);
    expect(a.size).toBe(3);
    expect(b.size).toBe(3);
    t.close();
    expect(a.closed && b.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ticker and after: bad input', () => {
  it('(holds) ticker(ms) with 0, a negative, NaN or ±Infinity is a RangeError naming ticker(ms); no timer started', () => {
    for (const ms of [0, -0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = thrown(() => ticker(ms));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain('ticker(ms)');
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) ticker with a non-number (string, bigint, null, object) is a TypeError naming ticker(ms)', () => {
    for (const ms of ['10', 10n, null, undefined, { valueOf: () => 10 }]) {
      const error = thrown(() => ticker(ms as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('ticker(ms)');
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) ticker(ms, signal) and ticker(ms, { signal: controller }) are TypeErrors naming the call; no timer started', () => {
    const ac = new AbortController();
    for (const options of [ac.signal, { signal: ac }, null, 'x']) {
      const error = thrown(() => ticker(10, options as never));
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain('ticker(ms');
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) after(NaN) and after(±Infinity) are RangeErrors naming after(ms); after("5") a TypeError', () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = thrown(() => afterMs(ms));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain('after(ms)');
    }
    const error = thrown(() => afterMs('5' as never));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('after(ms)');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('after(ms)', () => {
  it('(holds) after(ms) in select beside a silent channel: the timeout case wins with ok true and Date.now() at the due time, and its channel is closed', async () => {
    const t0 = Date.now();
    const data = new Channel<string>();
    const timeout = afterMs(25);
    const sel = select([pull(data), pull(timeout)]);
    vi.advanceTimersByTime(24);
    expect((await state(sel)).status).toBe('pending');
    vi.advanceTimersByTime(1);
    const r = await sel;
    expect(r).toMatchObject({ index: 1, ok: true, value: t0 + 25 });
    expect(timeout.closed).toBe(true);
    expect(data.stats().waitingPullers).toBe(0);
  });

  it('(holds) after(ms) in select that loses keeps its value for a later reader; closing it clears the timer', async () => {
    const data = new Channel<string>(1);
    const timeout = afterMs(100);
    await data.push('d');
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    timeout.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) after(ms, { signal }) aborted before it fires: closed, no value ever, no timer; a select on it with the same signal rejects with the reason', async () => {
    const ac = new AbortController();
    const timeout = afterMs(50, { signal: ac.signal });
    const sel = select([pull(new Channel<number>()), pull(timeout)], { signal: ac.signal });
    const reason = new Error('cancel');
    ac.abort(reason);
    await expect(sel).rejects.toBe(reason);
    expect(timeout.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(timeout.tryPull()).toBeUndefined();
  });

  it('(holds) after(ms) beyond 2³¹−1 ms fires exactly then, not at once', async () => {
    const t0 = Date.now();
    const ms = 2 ** 31 + 5;
    const timeout = afterMs(ms);
    vi.advanceTimersByTime(2 ** 31);
    expect(timeout.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(5);
    expect(timeout.tryPull()).toBe(t0 + ms);
    expect(timeout.closed).toBe(true);
  });

  it('(holds) after with a negative delay fires on the next timer turn, not synchronously', async () => {
    const timeout = afterMs(-100);
    expect(timeout.size).toBe(0);
    vi.advanceTimersByTime(0);
    expect(typeof timeout.tryPull()).toBe('number');
  });
});

describe('go idioms with timers', () => {
  it('(holds) a for-select over a ticker and a done channel receives one tick per period, and leaves nothing parked once done', async () => {
    const t = ticker(10);
    const done = new Channel<void>();
    let count = 0;
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(t), pull(done)]);
        if (r.index === 1) return;
        count++;
      }
    })();
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(10);
      await flush(5);
    }
    done.close();
    await loop;
    t.close();
    expect(count).toBe(50);
    expect(t.stats().waitingPullers).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) broadcast(after(ms)): every subscriber receives the one timestamp, then is closed', async () => {
    const t0 = Date.now();
    const hub = broadcast(afterMs(20));
    const a = hub.subscribe();
    const b = hub.subscribe({ capacity: 0 });
    const pb = b.pull();
    vi.advanceTimersByTime(20);
    expect(await pb).toBe(t0 + 20);
    expect(a.tryPull()).toBe(t0 + 20);
    expect(a.closed && b.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('(holds) pullMany on a ticker takes the single buffered tick: a batch never holds two ticks', async () => {
    const t = ticker(5);
    vi.advanceTimersByTime(50);
    expect((await t.pullMany(10)).length).toBe(1);
    t.close();
  });
});

/**
 * A duck-typed signal (README: any object with a boolean `aborted`, `addEventListener` and
 * `removeEventListener`) whose `aborted` getter answers `false` to the first read — the type
 * check — and throws from then on, counting the abort listeners it holds.
 */
function throwsOnSecondRead(): { signal: AbortSignal; listeners: () => number } {
  let reads = 0;
  let listeners = 0;
  const signal = {
    get aborted() {
      if (++reads > 1) throw new Error('aborted getter threw');
      return false;
    },
    addEventListener() {
      listeners++;
    },
    removeEventListener() {
      listeners--;
    },
  };
  return { signal: signal as unknown as AbortSignal, listeners: () => listeners };
}

describe('a call refused by its signal touches nothing', () => {
  it('(holds) pull, pullMany and pushAll with a signal whose aborted getter throws on its second read throw and leave no listener on it', () => {
    for (const call of [
      (signal: AbortSignal) => new Channel<number>().pull({ signal }),
      (signal: AbortSignal) => new Channel<number>().pullMany(2, { signal }),
      (signal: AbortSignal) => new Channel<number>().pushAll([1, 2], { signal }),
    ]) {
      const trap = throwsOnSecondRead();
      expect(thrown(() => call(trap.signal)).message).toBe('aborted getter threw');
      expect(trap.listeners()).toBe(0);
    }
  });

  it('ticker(ms, { signal }) whose signal’s aborted getter throws after the type check throws, and leaves no abort listener on the signal', () => {
    const trap = throwsOnSecondRead();
    expect(thrown(() => ticker(10, { signal: trap.signal })).message).toBe('aborted getter threw');
    expect(vi.getTimerCount()).toBe(0);
    expect(trap.listeners()).toBe(0);
  });

  it('after(ms, { signal }) whose signal’s aborted getter throws after the type check throws, and leaves no abort listener on the signal', () => {
    const trap = throwsOnSecondRead();
    expect(thrown(() => afterMs(10, { signal: trap.signal })).message).toBe('aborted getter threw');
    expect(vi.getTimerCount()).toBe(0);
    expect(trap.listeners()).toBe(0);
  });

  it('broadcast.subscribe({ signal }) whose signal’s aborted getter throws after the type check throws, and leaves no abort listener on the signal', async () => {
    const source = new Channel<number>(2);
    const hub = broadcast(source);
    const trap = throwsOnSecondRead();
    expect(thrown(() => hub.subscribe({ signal: trap.signal })).message).toBe('aborted getter threw');
    await source.push(1);
    expect(source.size).toBe(1);
    expect(trap.listeners()).toBe(0);
  });
});
