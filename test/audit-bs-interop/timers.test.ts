// biome-ignore-all lint/suspicious/noDuplicateTestHooks: after() here is chanasync's timer, not a test hook
import { getEventListeners } from 'node:events';
import { after, Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tick, timeouts, track, until } from './util.js';

function busyUntil(t: number) {
  while (Date.now() < t) {
    /* block the event loop on purpose: a late timer */
  }
}

/** Runs a timing measurement up to `tries` times; passes when one attempt passes. Load can only
 * make a real-timer attempt fail spuriously, never make a wrong implementation pass. */
async function anyAttempt(tries: number, attempt: () => Promise<void>) {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      await attempt();
      return;
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

afterEach(() => {
  vi.useRealTimers();
});
/** No timer of ours left: vitest's worker may hold a transient timer of its own (RPC), so wait
 * until the count is back at or below the baseline (a leaked ticker re-arms and never gets there). */
const noTimerLeft = (before: number) => until(() => timeouts() <= before, 'timers back to baseline', 3000);

describe('ticker', () => {
  it('argument checks: RangeError for non-positive / non-finite, TypeError for non-number or bad signal', () => {
    for (const ms of [0, -1, Number.NaN, Infinity, -Infinity]) {
      expect(() => ticker(ms)).toThrow(RangeError);
      expect(() => ticker(ms)).toThrow(/ticker/);
    }
    expect(() => ticker('10' as never)).toThrow(TypeError);
    expect(() => ticker(10, { signal: {} as never })).toThrow(TypeError);
    expect(() => ticker(10, AbortSignal.abort() as never)).toThrow(TypeError);
  });

  it('a channel of capacity 1, named ticker(ms), ticking Date.now() values, timer counted then cleared by close', async () => {
    const before = timeouts();
    const start = Date.now();
    const t = ticker(15);
    expect(t.capacity).toBe(1);
    expect(t.name).toBe('ticker(15)');
    expect(timeouts()).toBe(before + 1);
    const v1 = await t.pull();
    const v2 = await t.pull();
    expect(typeof v1).toBe('number');
    expect(v1).toBeGreaterThanOrEqual(start + 15 - 1);
    expect(v2).toBeGreaterThan(v1);
    expect(v2).toBeGreaterThanOrEqual(start + 30 - 1);
    expect(v2).toBeLessThanOrEqual(Date.now());
    const pre = timeouts();
    t.close();
    expect(timeouts()).toBe(pre - 1); // cleared synchronously by close
    await noTimerLeft(before);
  });

  it('no drift: ticks are due at start + k·ms; a late timer skips ticks but never shifts the schedule', async () => {
    await anyAttempt(4, async () => {
      // Wide margins: a loaded machine runs timers late by tens of ms.
      const ms = 200;
      const start = Date.now();
      const t = ticker(ms);
      try {
        const v1 = await t.pull(); // slot 1 at start+200
        expect(v1).toBeGreaterThanOrEqual(start + ms - 1);
        // block the loop past slot 2 (start+400): its timer fires late, at ~start+500
        busyUntil(start + 2 * ms + 100);
        const v2 = await t.pull();
        expect(v2).toBeGreaterThanOrEqual(start + 2 * ms + 100);
        // the next tick is due at start+600 (on the schedule), not at v2+200 (~start+700)
        const v3 = await t.pull();
        expect(v3).toBeGreaterThanOrEqual(start + 3 * ms - 1);
        expect(v3).toBeLessThan(start + 3 * ms + 80);
      } finally {
        t.close();
      }
    });
  });

  it('over many ticks: never early, never more ticks than schedule points passed (at every prefix)', async () => {
    // A late tick followed 1 ms later by the next point's tick is correct (no drift); what must
    // never happen is a k-th tick before start + k·ms — that would be an extra (or early) tick.
    const ms = 12;
    const lo = Date.now(); // the ticker's own start is at or after this
    const t = ticker(ms);
    const values: number[] = [];
    for (let i = 0; i < 20; i++) values.push(await t.pull());
    const end = Date.now();
    t.close();
    values.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(lo + (i + 1) * ms - 1e-3);
    });
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values.length).toBeLessThanOrEqual(Math.floor((end - lo) / ms));
  });

  it('drops ticks for a slow reader: the buffered tick is the old one, the rest are dropped', async () => {
    const t = ticker(10);
    await until(() => t.size === 1, 'first tick');
    const firstSeen = Date.now();
    const waitTill = firstSeen + 120;
    await until(() => Date.now() >= waitTill, 'ten periods');
    expect(t.size).toBe(1);
    const v = t.pullNowait();
    expect(v).toBeLessThanOrEqual(firstSeen); // the old tick, not a newer one
    expect(t.tryPull()).toBeUndefined(); // nothing piled up
    const next = await t.pull();
    expect(next).toBeGreaterThan(waitTill - 1);
    t.close();
  });

  it('a slow reader that comes back finds one stale tick, and the next one on the original schedule', async () => {
    await anyAttempt(4, async () => {
      // Wide margins: a loaded machine runs timers late by tens of ms.
      const ms = 100;
      const start = Date.now();
      const t = ticker(ms);
      try {
        await until(() => Date.now() >= start + 5 * ms + 10, 'five periods and a bit', 5000);
        const stale = t.pullNowait();
        expect(stale).toBeLessThan(start + 2 * ms); // the first tick, kept; later ones dropped
        expect(t.tryPull()).toBeUndefined();
        const next = await t.pull(); // due at start + 6·ms, not at the pull time + ms (~start + 6·ms + 10)
        expect(next).toBeGreaterThanOrEqual(start + 6 * ms - 1e-3);
        expect(next).toBeLessThan(start + 6 * ms + 60);
      } finally {
        t.close();
      }
    });
  });

  it('aborting the signal closes the channel, clears the timer and removes the abort listener', async () => {
    const before = timeouts();
    const ac = new AbortController();
    const t = ticker(10, { signal: ac.signal });
    expect(timeouts()).toBe(before + 1);
    const p = t.pull();
    await p;
    const waiting = t.pull().catch((e) => e);
    const pre = timeouts();
    ac.abort(new Error('stop'));
    expect(timeouts()).toBe(pre - 1); // cleared synchronously by the abort
    expect(t.closed).toBe(true);
    await noTimerLeft(before);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
  });

  it('an already aborted signal: closed at once, no timer, never ticks', async () => {
    const before = timeouts();
    const t = ticker(5, { signal: AbortSignal.abort() });
    expect(t.closed).toBe(true);
    await noTimerLeft(before);
    await expect(t.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('a for await that closes the ticker inside its body: the ticker stays stopped, no timer left', async () => {
    const before = timeouts();
    const t = ticker(5);
    let n = 0;
    for await (const _ of t) {
      n++;
      if (n === 3) t.close();
    }
    expect(n).toBe(3);
    await noTimerLeft(before);
    await new Promise((r) => setTimeout(r, 30));
    expect(t.size).toBe(0);
  });

  it('break out of for await does not close the ticker (documented); close after clears', async () => {
    const before = timeouts();
    const t = ticker(5);
    for await (const _ of t) break;
    expect(t.closed).toBe(false);
    await t.pull(); // still ticking
    t.close();
    await noTimerLeft(before);
  });

  it('await using closes it at the end of the block', async () => {
    const before = timeouts();
    {
      await using t = ticker(5);
      await t.pull();
    }
    await noTimerLeft(before);
  });

  it('a tick already buffered stays readable after close (documented)', async () => {
    const t = ticker(5);
    await until(() => t.size === 1, 'a tick');
    t.close();
    expect(typeof t.pullNowait()).toBe('number');
    await expect(t.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('periods beyond 2^31-1 ms: no immediate tick, no overflow warning, one timer, cleared by close', async () => {
    const warnings: Error[] = [];
    const onWarn = (w: Error) => warnings.push(w);
    process.on('warning', onWarn);
    try {
      const before = timeouts();
      const t = ticker(2 ** 31 + 10);
      const a = after(2 ** 33);
      expect(timeouts()).toBe(before + 2);
      await new Promise((r) => setTimeout(r, 40));
      expect(t.size).toBe(0);
      expect(a.size).toBe(0);
      expect(a.closed).toBe(false);
      t.close();
      a.close();
      await noTimerLeft(before);
      await tick();
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toHaveLength(0);
    } finally {
      process.off('warning', onWarn);
    }
  });

  it('under fake timers, a ticker beyond 2^31-1 ms ticks at its period, not before', async () => {
    vi.useFakeTimers();
    const ms = 2 ** 31 + 1000;
    const start = Date.now();
    const t = ticker(ms);
    vi.advanceTimersByTime(2 ** 31 - 1);
    await Promise.resolve();
    expect(t.size).toBe(0);
    vi.advanceTimersByTime(1001);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.size).toBe(1);
    expect(t.pullNowait()).toBe(start + ms);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('under fake timers: ticks exactly at start + k·ms; an unread buffer drops the later ticks', async () => {
    vi.useFakeTimers();
    const start = Date.now();
    const t = ticker(10);
    const seen: number[] = [];
    for (let k = 1; k <= 5; k++) {
      await vi.advanceTimersByTimeAsync(10);
      seen.push(t.pullNowait());
    }
    expect(seen).toEqual([10, 20, 30, 40, 50].map((d) => start + d));
    await vi.advanceTimersByTimeAsync(35); // ticks due at 60, 70, 80: only the first is kept
    expect(t.size).toBe(1);
    expect(t.pullNowait()).toBe(start + 60);
    await vi.advanceTimersByTimeAsync(5); // 90
    expect(t.pullNowait()).toBe(start + 90);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('select over a ticker and a data channel: losing rounds do not lose ticks beyond the buffer', async () => {
    const t = ticker(5);
    const data = new Channel<number>(100);
    await data.pushAll(Array.from({ length: 50 }, (_, i) => i));
    const got: number[] = [];
    let ticks = 0;
    while (ticks < 3) {
      const r = await select([pull(data), pull(t)]);
      if (r.index === 0) got.push(r.value as number);
      else ticks++;
      if (data.size === 0) await tick();
    }
    t.close();
    const rest = data.size ? await data.pullMany(100) : [];
    expect([...got, ...rest]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    data.close();
  });
});

describe('after', () => {
  it('receives Date.now() once, not before ms, then closes; no timer left', async () => {
    const before = timeouts();
    const start = Date.now();
    const a = after(20);
    expect(a.capacity).toBe(1);
    expect(a.name).toBe('after(20)');
    expect(timeouts()).toBe(before + 1);
    const v = await a.pull();
    expect(v).toBeGreaterThanOrEqual(start + 20);
    expect(v).toBeLessThanOrEqual(Date.now());
    expect(a.closed).toBe(true);
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await noTimerLeft(before);
  });

  it('ms <= 0 fires at once (next timer turn), not synchronously', async () => {
    const a = after(-50);
    expect(a.size).toBe(0);
    const v = await a.pull();
    expect(typeof v).toBe('number');
    expect(a.closed).toBe(true);
  });

  it('abort before it fires: timer cleared, no value ever, channel closed, listener gone', async () => {
    const before = timeouts();
    const ac = new AbortController();
    const a = after(15, { signal: ac.signal });
    const p = a.pull().catch((e) => e);
    ac.abort();
    expect(a.closed).toBe(true);
    await noTimerLeft(before);
    expect(await p).toBeInstanceOf(ChannelClosedError);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 40));
    expect(a.size).toBe(0);
  });

  it('many after() sharing one signal: listeners do not pile up, all cleared by one abort', async () => {
    const before = timeouts();
    const ac = new AbortController();
    const as = Array.from({ length: 30 }, () => after(10_000, { signal: ac.signal }));
    expect(getEventListeners(ac.signal, 'abort').length).toBeLessThanOrEqual(1);
    expect(timeouts()).toBe(before + 30);
    ac.abort();
    expect(as.every((a) => a.closed)).toBe(true);
    await noTimerLeft(before);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('close before it fires clears the timer; closing after it fired is harmless', async () => {
    const before = timeouts();
    const a = after(10_000);
    a.close();
    await noTimerLeft(before);
    const b = after(1);
    await b.pull();
    b.close();
    await noTimerLeft(before);
  });

  it('the timeout idiom: select with pull(after(ms)) loses to data and the lost timer can be closed', async () => {
    const before = timeouts();
    const data = new Channel<string>(1);
    await data.push('x');
    const timeout = after(10_000);
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(0);
    expect(timeout.stats().waitingPullers).toBe(0);
    const pre = timeouts();
    timeout.close();
    expect(timeouts()).toBe(pre - 1);
    await noTimerLeft(before);
    const r2 = await select([pull(data), pull(after(5))]);
    expect(r2.index).toBe(1);
    data.close();
  });

  it('argument checks', () => {
    expect(() => after(Number.NaN)).toThrow(RangeError);
    expect(() => after(Infinity)).toThrow(RangeError);
    expect(() => after('5' as never)).toThrow(TypeError);
    expect(() => after(5, AbortSignal.abort() as never)).toThrow(TypeError);
    const a = track(Promise.resolve(after(5, { signal: AbortSignal.abort() }).closed));
    expect(a).toBeDefined();
  });
});
