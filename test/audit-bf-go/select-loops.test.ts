/**
 * Audit BF (Go lens): `for { select { case v := <-data: … case <-time.After(d): … } }` ported
 * with `after(ms)` on each iteration, and context-style cancellation with one AbortController
 * shared by many operations: what the loop leaves behind (timers, abort listeners, waiters).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  after as afterMs,
  Channel,
  from,
  fromEvent,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from '../../dist/index.js';
import { settled, turn, until } from './util.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('for-select with a fresh afterMs() per iteration', () => {
  it('500 iterations whose data case wins: the lost timers share one abort listener, and one abort clears them all', async () => {
    const data = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 500; i++) data.pushNowait(i);
    const ctx = new AbortController();
    const timers: Channel<number>[] = [];
    const got: number[] = [];
    for (let i = 0; i < 500; i++) {
      const timeout = afterMs(60_000, { signal: ctx.signal });
      timers.push(timeout);
      const r = await select([pull(data), pull(timeout)]);
      expect(r.index).toBe(0);
      got.push(r.value as number);
      expect(listeners(ctx.signal)).toBe(1);
    }
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(timers.every((t) => !t.closed)).toBe(true);
    ctx.abort();
    expect(timers.every((t) => t.closed && t.size === 0)).toBe(true);
    expect(listeners(ctx.signal)).toBe(0);
  });

  it('using timeout = after(ms) in the loop body closes each lost timer as the iteration ends (Go 1.23 collects it)', async () => {
    const data = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 50; i++) data.pushNowait(i);
    const timers: Channel<number>[] = [];
    let sum = 0;
    for (let i = 0; i < 50; i++) {
      using timeout = afterMs(60_000);
      timers.push(timeout);
      const r = await select([pull(data), pull(timeout)]);
      sum += r.value as number;
    }
    expect(sum).toBe((49 * 50) / 2);
    expect(timers.every((t) => t.closed)).toBe(true);
  });

  it('a loop that reaches its timeout: the after case wins once no data comes, and the data channel keeps no waiter', async () => {
    const data = new Channel<number>();
    const got: number[] = [];
    const feeder = (async () => {
      for (let i = 0; i < 3; i++) await data.push(i);
    })();
    let timedOut = false;
    while (!timedOut) {
      using timeout = afterMs(50);
      const r = await select([pull(data), pull(timeout)]);
      if (r.index === 1) timedOut = true;
      else got.push(r.value as number);
    }
    await feeder;
    expect(got).toEqual([0, 1, 2]);
    expect(data.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });

  it('one cases array hoisted out of the loop serves 100 concurrent selects (case descriptors are values)', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const cases = [pull(a), pull(b)] as const;
    const all = Array.from({ length: 100 }, () => select(cases));
    for (let i = 0; i < 50; i++) {
      await a.push(i);
      await b.push(100 + i);
    }
    const results = await Promise.all(all);
    const values = results.map((r) => r.value as number).sort((x, y) => x - y);
    expect(values).toEqual([
      ...Array.from({ length: 50 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => 100 + i),
    ]);
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });
});

describe('one AbortController as the context of many operations', () => {
  it('cancelling the context rejects every parked push, pull, pullMany, pushAll and select with the same reason, and leaves no listener', async () => {
    const ctx = new AbortController();
    const { signal } = ctx;
    const chans = Array.from({ length: 5 }, () => new Channel<number>());
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const ops: Promise<unknown>[] = [];
    for (const c of chans) {
      ops.push(c.pull({ signal }));
      ops.push(c.pullMany(3, { signal }));
      ops.push(select([pull(c), push(full, 1)], { signal }));
    }
    ops.push(full.push(2, { signal }));
    ops.push(full.pushAll([3, 4], { signal }));
    expect(listeners(signal)).toBe(1);
    const reason = new Error('request cancelled');
    ctx.abort(reason);
    const results = await Promise.allSettled(ops);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') {
        const e = r.reason as { cause?: unknown };
        expect(e === reason || e.cause === reason).toBe(true);
      }
    }
    expect(listeners(signal)).toBe(0);
    for (const c of chans) expect(c.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(full.stats()).toMatchObject({ size: 1, waitingPushers: 0 });
    expect(full.pullNowait()).toBe(0);
  });

  it('operations that committed before the cancel leave the signal at once: after 1,000 commits no listener is left', async () => {
    const ctx = new AbortController();
    const c = new Channel<number>();
    const consumer = (async () => {
      let n = 0;
      for (let i = 0; i < 1000; i++) n += await c.pull({ signal: ctx.signal });
      return n;
    })();
    for (let i = 0; i < 1000; i++) await c.push(1, { signal: ctx.signal });
    expect(await consumer).toBe(1000);
    expect(listeners(ctx.signal)).toBe(0);
  });

  it('helpers sharing the context (after, ticker, fromEvent, from, select) add one listener in all, and the cancel closes each helper', async () => {
    const ctx = new AbortController();
    const { signal } = ctx;
    const target = new EventTarget();
    const made: Channel<unknown>[] = [];
    for (let i = 0; i < 15; i++) {
      made.push(afterMs(60_000, { signal }) as Channel<unknown>);
      made.push(ticker(60_000, { signal }) as Channel<unknown>);
      // one target per channel: Node warns from 11 listeners of one type on one target
      made.push(fromEvent(i === 0 ? target : new EventTarget(), 'tick', { signal }) as Channel<unknown>);
      made.push(from([1, 2, 3], { signal }) as Channel<unknown>);
    }
    const parked = made.map((c) => select([pull(c)], { signal }).catch((e: unknown) => e));
    // select polled: the `from` channels gave their first value at once to their select
    expect(listeners(signal)).toBe(1);
    ctx.abort();
    await Promise.all(parked);
    for (const c of made) expect(c.closed).toBe(true);
    expect(listeners(signal)).toBe(0);
  });

  // BF-G1 (documented, README "Close"): where followers of `AbortSignal.any` are aborted before
  // the source's listeners run (browsers, the DOM's current algorithm) the select rejects with the
  // reason; Node 20 aborts them after, so the timer channel closes first and the timeout case
  // fires with ok: false. Either way exactly one outcome per request, nothing left parked.
  it('a child context per request (AbortSignal.any) made before its after(): cancelling the parent rejects the select with the reason where followers abort first (documented: Node 20 fires the timeout case closed)', async () => {
    const probe = new AbortController();
    const follower = AbortSignal.any([probe.signal]);
    let followersFirst = false;
    probe.signal.addEventListener('abort', () => {
      followersFirst = follower.aborted;
    });
    probe.abort();
    const parent = new AbortController();
    const data = new Channel<number>();
    const outcomes: unknown[] = [];
    const requests = Array.from({ length: 20 }, async () => {
      const ctx = AbortSignal.any([parent.signal]);
      const timeout = afterMs(60_000, { signal: parent.signal });
      try {
        outcomes.push(await select([pull(data), pull(timeout)], { signal: ctx }));
      } catch (e) {
        outcomes.push(e);
      }
    });
    await turn();
    const reason = new Error('shutdown');
    parent.abort(reason);
    await Promise.all(requests);
    if (followersFirst) expect(outcomes.filter((o) => o === reason)).toHaveLength(20);
    else expect(outcomes).toEqual(Array.from({ length: 20 }, () => expect.objectContaining({ index: 1, ok: false })));
    expect(data.stats().waitingPullers).toBe(0);
  });
});

describe('ticker-driven poller', () => {
  it('for { select { case <-ticker.C: poll(); case <-done: return } } ends when done is closed, and closing the ticker leaves it empty and unwaited', async () => {
    const t = ticker(5);
    const done = new Channel<void>();
    let polls = 0;
    const loop = (async () => {
      for (;;) {
        const r = await select([pull(t), pull(done)]);
        if (r.index === 1) return 'stopped';
        polls++;
        if (polls === 3) done.close();
      }
    })();
    expect(await loop).toBe('stopped');
    t.close();
    expect(t.stats()).toMatchObject({ closed: true, waitingPullers: 0 });
    // a tick that was buffered stays readable, then the ticker is drained
    t.tryPull();
    expect(await select([pull(t)])).toMatchObject({ ok: false });
  });

  it('a ticker closed while a select waits on it fires that case with ok false', async () => {
    const t = ticker(60_000);
    const other = new Channel<number>();
    const s = select([pull(other), pull(t)]);
    expect(await settled(s)).toBe(false);
    t.close();
    expect(await s).toMatchObject({ index: 1, ok: false });
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('a slow poller with selectNowait as Go select-default never sees more than one stale tick', async () => {
    const t = ticker(2);
    await until(() => t.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // 15 periods passed; capacity 1: one tick waits, the rest were dropped
    expect(selectNowait([pull(t)])).toMatchObject({ index: 0, ok: true });
    expect(selectNowait([pull(t)])).toBeUndefined();
    t.close();
  });
});
