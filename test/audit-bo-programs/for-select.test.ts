/**
 * Audit BO-programs: Go's for/select loop — a ticker, a broadcast subscriber, a quit channel and a
 * per-iteration timeout — written with `await using`, under vitest's fake timers (Date faked too)
 * and once on real timers. After each program: no fake timer left (`vi.getTimerCount()` back to
 * the baseline), no waiter parked, no abort listener left.
 */
import { getEventListeners } from 'node:events';
import { after as afterMs, broadcast, Channel, type ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Idle, idle } from './helpers.js';

const T0 = 1_700_000_000_000;

type Event = ['tick', number] | ['price', number] | ['timeout', number] | ['prices-ended', unknown] | ['quit'];

describe('for/select under fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticker + subscriber + quit + after: every event in order, ticks on schedule, nothing left behind', async () => {
    const baseline = vi.getTimerCount();
    const prices = new Channel<number>(16, { name: 'prices' });
    const quit = new Channel<void>(0, { name: 'quit' });
    const hub = broadcast(prices);
    const chs: Idle[] = [];
    let tickCh: Channel<number> | undefined;
    let subCh: Channel<number> | undefined;

    async function monitor(): Promise<Event[]> {
      const log: Event[] = [];
      await using ticks = ticker(100);
      using sub = hub.subscribe({ capacity: 4 });
      tickCh = ticks;
      subCh = sub;
      let tickCase: ReturnType<typeof pull<number>> | null = pull(ticks);
      let subCase: ReturnType<typeof pull<number>> | null = pull(sub);
      let nTicks = 0;
      for (;;) {
        using timeout = afterMs(250);
        chs.push(timeout);
        const r = await select([tickCase, subCase, pull(quit), pull(timeout)] as const);
        switch (r.index) {
          case 0:
            log.push(['tick', (r.value as number) - T0]);
            if (++nTicks === 5) tickCase = null; // Go: set the channel to nil to disable the case
            break;
          case 1:
            if (!r.ok) {
              let cause: unknown;
              try {
                await sub.pull();
              } catch (error) {
                cause = (error as ChannelClosedError).cause;
              }
              log.push(['prices-ended', cause]);
              subCase = null;
            } else log.push(['price', r.value as number]);
            break;
          case 2:
            log.push(['quit']);
            return log;
          case 3:
            log.push(['timeout', Date.now() - T0]);
            break;
        }
      }
    }

    const done = monitor();
    // Prices arrive at 150 and 420 ms; the source ends with a reason at 900 ms; quit at 1500 ms.
    await vi.advanceTimersByTimeAsync(150);
    await prices.push(1);
    await vi.advanceTimersByTimeAsync(270);
    await prices.pushAll([2, 3]);
    await vi.advanceTimersByTimeAsync(480);
    const reason = new Error('market closed');
    prices.close(reason);
    await vi.advanceTimersByTimeAsync(600);
    const q = quit.push();
    await vi.advanceTimersByTimeAsync(0);
    await q;
    const log = await done;
    expect(log).toEqual([
      ['tick', 100],
      ['price', 1],
      ['tick', 200],
      ['tick', 300],
      ['tick', 400],
      ['price', 2],
      ['price', 3],
      ['tick', 500],
      // ticks disabled: the per-iteration timeout now fires 250 ms after the last event
      ['timeout', 750],
      ['prices-ended', reason],
      ['timeout', 1150],
      ['timeout', 1400],
      ['quit'],
    ]);
    expect(tickCh?.closed).toBe(true);
    expect(subCh?.closed).toBe(true);
    expect(chs.every((c) => c.closed)).toBe(true);
    expect(vi.getTimerCount()).toBe(baseline);
    idle(prices, quit, ...(chs as Idle[]), tickCh as Idle, subCh as Idle);
    hub.close();
  });

  it('context cancellation: the loop’s select rejects with the reason; ticker, timeouts and the listener are cleared', async () => {
    const baseline = vi.getTimerCount();
    const ctx = new AbortController();
    const data = new Channel<number>(0, { name: 'data' });
    const made: Idle[] = [];
    async function loop() {
      const seen: number[] = [];
      await using ticks = ticker(50, { signal: ctx.signal });
      made.push(ticks);
      try {
        for (;;) {
          const timeout = afterMs(1000, { signal: ctx.signal });
          made.push(timeout);
          const r = await select([pull(data), pull(ticks), pull(timeout)], { signal: ctx.signal });
          if (r.index === 0) seen.push(r.value as number);
        }
      } catch (error) {
        return { seen, error };
      }
    }
    const p = loop();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(30);
      await data.push(i);
    }
    expect(getEventListeners(ctx.signal, 'abort').length).toBe(1);
    ctx.abort(new Error('ctx done'));
    const r = await p;
    expect((r.error as Error).message).toBe('ctx done');
    expect(r.seen).toEqual([0, 1, 2, 3, 4]);
    expect(made.every((c) => c.closed)).toBe(true);
    expect(vi.getTimerCount()).toBe(baseline);
    expect(getEventListeners(ctx.signal, 'abort').length).toBe(0);
    idle(data, ...made);
  });

  it('a slow reader of a ticker gets one stale tick each time, never more ticks than periods, on schedule', async () => {
    const baseline = vi.getTimerCount();
    const got: number[] = [];
    {
      using ticks = ticker(100);
      for (let k = 0; k < 4; k++) {
        await vi.advanceTimersByTimeAsync(330);
        got.push((await ticks.pull()) - T0);
      }
      expect(ticks.size).toBe(0);
    }
    // Reads at 330, 660, 990, 1320: the buffered tick is the first one after the previous read.
    expect(got).toEqual([100, 400, 700, 1000]);
    expect(vi.getTimerCount()).toBe(baseline);
  });

  it('1000 ticks of 1000/60 ms do not drift: tick k is delivered at exactly T0 + k·ms rounded up to the fake clock', async () => {
    const baseline = vi.getTimerCount();
    const ms = 1000 / 60;
    const got: number[] = [];
    const t = ticker(ms);
    const reader = (async () => {
      for await (const v of t) {
        got.push(v - T0);
        if (got.length === 1000) t.close();
      }
    })();
    await vi.advanceTimersByTimeAsync(1000 * ms + 50);
    await reader;
    expect(got.length).toBe(1000);
    for (let k = 1; k <= 1000; k++) {
      const due = k * ms;
      expect(got[k - 1]).toBeGreaterThanOrEqual(due - 1e-3);
      expect(got[k - 1]).toBeLessThanOrEqual(Math.ceil(due) + 1);
    }
    expect(vi.getTimerCount()).toBe(baseline);
  });

  it('await using a ticker in a function that throws while parked in select: ticker closed, timer cleared', async () => {
    const baseline = vi.getTimerCount();
    const errs = new Channel<Error>(1, { name: 'errs' });
    let t: Channel<number> | undefined;
    async function run() {
      await using ticks = ticker(10);
      t = ticks;
      for (;;) {
        const r = await select([pull(ticks), pull(errs)]);
        if (r.index === 1) throw r.value;
      }
    }
    const p = run();
    await vi.advanceTimersByTimeAsync(55);
    errs.pushNowait(new Error('fatal'));
    await expect(p).rejects.toThrow('fatal');
    expect(t?.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(baseline);
    idle(errs, t as Idle);
  });
});

describe('for/select on real timers', () => {
  it('ticker(40) read for 5 ticks alongside a data channel: no tick before its point, none more than periods, timer handle released on close', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const data = new Channel<number>(Number.POSITIVE_INFINITY, { name: 'data' });
    const start = Date.now();
    const ticks: number[] = [];
    const values: number[] = [];
    let i = 0;
    const feeder = setInterval(() => data.pushNowait(i++), 7);
    {
      await using t = ticker(40);
      while (ticks.length < 5) {
        const r = await select([pull(t), pull(data)]);
        if (r.index === 0) ticks.push(r.value as number);
        else values.push(r.value as number);
      }
    }
    clearInterval(feeder);
    const elapsed = Date.now() - start;
    for (let k = 0; k < 5; k++) expect(ticks[k]).toBeGreaterThanOrEqual(start + (k + 1) * 40 - 1);
    // never more ticks than whole periods elapsed
    expect(5).toBeLessThanOrEqual(Math.floor((elapsed + 1) / 40));
    // every data value seen once, in order
    const rest: number[] = [];
    for (let v = data.tryPull(); v !== undefined; v = data.tryPull()) rest.push(v);
    expect([...values, ...rest]).toEqual(Array.from({ length: values.length + rest.length }, (_, k) => k));
    await new Promise((r) => setTimeout(r, 0));
    const afterCount = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(afterCount).toBeLessThanOrEqual(before);
    idle(data);
  });
});
