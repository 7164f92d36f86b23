/**
 * Audit BE-core: `after` (SPEC "`select`") and `ticker` (second map "Broadcast and ticker").
 */
import { getEventListeners } from 'node:events';
import { Channel, ChannelClosedError, pull, select, ticker, after as timeAfter } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { activeTimeouts, flush, outcome, watch } from './helpers.js';

const MAX_DELAY = 2 ** 31 - 1;

describe('after (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('receives Date.now() once after ms and then closes', async () => {
    const start = Date.now();
    const ch = timeAfter(100);
    const p = watch(ch.pull());
    await vi.advanceTimersByTimeAsync(99);
    expect(p.current.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(p.current).toEqual({ status: 'fulfilled', value: start + 100 });
    expect(ch.closed).toBe(true);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the value for a late reader, then ends a for await', async () => {
    const ch = timeAfter(10);
    await vi.advanceTimersByTimeAsync(50);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toHaveLength(1);
  });

  it('signal aborting first: timer cleared, no value ever delivered, channel closed, listener removed', async () => {
    const ac = new AbortController();
    const ch = timeAfter(100, { signal: ac.signal });
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    ac.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(ch.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(ch.tryPull()).toBeUndefined();
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
  });

  it('an already aborted signal gives a closed channel and no timer', () => {
    const ch = timeAfter(100, { signal: AbortSignal.abort() });
    expect(ch.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a parked pull on after() whose signal aborts is not left hanging', async () => {
    const ac = new AbortController();
    const ch = timeAfter(100, { signal: ac.signal });
    const p = watch(ch.pull());
    ac.abort();
    await flush();
    expect(p.current.status).toBe('rejected');
  });

  it('closing the channel before the timer fires clears the timer; nothing throws later', async () => {
    const ch = timeAfter(1000);
    expect(vi.getTimerCount()).toBe(1);
    ch.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('accepts a delay above 2^31-1 ms: does not fire early, fires at the right time', async () => {
    const start = Date.now();
    const ms = MAX_DELAY + 5000;
    const ch = timeAfter(ms);
    const p = watch(ch.pull());
    await vi.advanceTimersByTimeAsync(MAX_DELAY);
    expect(p.current.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(4999);
    expect(p.current.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(p.current).toEqual({ status: 'fulfilled', value: start + ms });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a huge-delay after closed mid-way clears its chained timer', async () => {
    const ch = timeAfter(3 * MAX_DELAY);
    await vi.advanceTimersByTimeAsync(MAX_DELAY + 10);
    expect(ch.size).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    ch.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after(0) and a negative delay fire on the next timer turn, not synchronously', async () => {
    for (const ms of [0, -50]) {
      const ch = timeAfter(ms);
      expect(ch.size).toBe(0);
      await vi.advanceTimersByTimeAsync(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ch.size).toBe(1);
    }
  });

  it('the select timeout idiom: after wins when data is silent, data wins otherwise', async () => {
    const data = new Channel<string>();
    const s = select([pull(data), pull(timeAfter(50))]);
    await vi.advanceTimersByTimeAsync(50);
    expect((await s).index).toBe(1);

    using timeout = timeAfter(50);
    const s2 = select([pull(data), pull(timeout)]);
    await data.push('x');
    expect(await s2).toMatchObject({ index: 0, value: 'x' });
  });
});

describe('ticker (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is a capacity-1 channel that receives Date.now() every ms', async () => {
    const start = Date.now();
    const t = ticker(100);
    expect(t.capacity).toBe(1);
    const got: number[] = [];
    for (let k = 1; k <= 3; k++) {
      await vi.advanceTimersByTimeAsync(100);
      got.push(t.pullNowait());
    }
    expect(got).toEqual([start + 100, start + 200, start + 300]);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a tick that finds the buffer full is dropped (slow reader gets the oldest waiting tick, then the schedule resumes)', async () => {
    const start = Date.now();
    const t = ticker(100);
    await vi.advanceTimersByTimeAsync(550);
    expect(t.size).toBe(1);
    expect(t.pullNowait()).toBe(start + 100);
    expect(t.tryPull()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(50);
    expect(t.pullNowait()).toBe(start + 600);
    t.close();
  });

  it('does not drift: a late timer delivers late, but the next tick stays on start + k·ms', async () => {
    const start = Date.now();
    const t = ticker(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(t.pullNowait()).toBe(start + 100);
    // The clock jumps 30 ms ahead of the timers: the next timer fires 30 ms late by Date.now().
    vi.setSystemTime(Date.now() + 30);
    await vi.advanceTimersByTimeAsync(100);
    const late = t.pullNowait();
    expect(late).toBe(start + 230);
    await vi.advanceTimersByTimeAsync(70);
    expect(t.tryPull()).toBe(start + 300);
    t.close();
  });

  it('a fractional period keeps its schedule: 600 ticks of 1000/60 ms in 10 s', async () => {
    const start = Date.now();
    const t = ticker(1000 / 60);
    let count = 0;
    let last = 0;
    for (let i = 0; i < 600; i++) {
      await vi.advanceTimersByTimeAsync(1000 / 60);
      const v = t.tryPull();
      if (v !== undefined) {
        count++;
        last = v;
      }
    }
    await vi.advanceTimersByTimeAsync(1);
    const tail = t.tryPull();
    if (tail !== undefined) {
      count++;
      last = tail;
    }
    expect(count).toBe(600);
    expect(Math.abs(last - (start + 10_000))).toBeLessThanOrEqual(1);
    t.close();
  });

  it('closing the ticker clears the timer; a pending pull is failed', async () => {
    const t = ticker(100);
    const p = t.pull();
    await vi.advanceTimersByTimeAsync(100);
    await p;
    const q = t.pull();
    t.close();
    await expect(q).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.tryPull()).toBeUndefined();
  });

  it('aborting the signal clears the timer, closes the channel, removes the listener', async () => {
    const ac = new AbortController();
    const t = ticker(100, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(150);
    ac.abort();
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(ac.signal, 'abort').length).toBe(0);
    // The tick it held stays readable (README: closing a timer channel is closing a channel)
    expect(t.size).toBe(1);
  });

  it('an already aborted signal gives a closed ticker and no timer', () => {
    const t = ticker(100, { signal: AbortSignal.abort() });
    expect(t.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a period above 2^31-1 ms ticks at the right time and not before', async () => {
    const start = Date.now();
    const ms = MAX_DELAY + 1000;
    const t = ticker(ms);
    await vi.advanceTimersByTimeAsync(MAX_DELAY);
    expect(t.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.pullNowait()).toBe(start + ms);
    await vi.advanceTimersByTimeAsync(ms);
    expect(t.pullNowait()).toBe(start + 2 * ms);
    t.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('using closes the ticker at the end of the block', async () => {
    {
      using t = ticker(10);
      await vi.advanceTimersByTimeAsync(10);
      expect(t.size).toBe(1);
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  it('many timers sharing one signal add one abort listener', () => {
    const ac = new AbortController();
    const chans = [
      ...Array.from({ length: 15 }, () => timeAfter(1000, { signal: ac.signal })),
      ...Array.from({ length: 15 }, () => ticker(1000, { signal: ac.signal })),
    ];
    expect(getEventListeners(ac.signal, 'abort').length).toBe(1);
    ac.abort();
    expect(chans.every((c) => c.closed)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('timers on the real clock: nothing keeps the process alive', () => {
  it('a closed after/ticker leaves no Timeout handle; a huge delay does not fire early nor warn', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const base = activeTimeouts();
      const a = timeAfter(MAX_DELAY + 1000);
      const t = ticker(MAX_DELAY + 1000);
      const b = timeAfter(10_000_000);
      expect(activeTimeouts()).toBeGreaterThan(base);
      await new Promise((r) => setTimeout(r, 30));
      expect(a.size).toBe(0);
      expect(t.size).toBe(0);
      const before = activeTimeouts();
      a.close();
      t.close();
      b.close();
      // synchronous: nothing else could add or clear a timer in between
      expect(activeTimeouts()).toBe(before - 3);
      expect(activeTimeouts()).toBeLessThanOrEqual(base);
      await new Promise((r) => setTimeout(r, 5));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('after(5) on real timers delivers a value no earlier than start + 5', async () => {
    const start = Date.now();
    const v = await timeAfter(5).pull();
    expect(v).toBeGreaterThanOrEqual(start + 5);
  });

  it('an after that fired is closed: a later pull rejects at once', async () => {
    const ch = timeAfter(1);
    await ch.pull();
    await flush();
    expect(ch.closed).toBe(true);
    expect(await outcome(ch.pull())).toMatchObject({ status: 'rejected' });
  });
});
