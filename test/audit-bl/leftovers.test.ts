/**
 * Audit BL: nothing is left behind — abort listeners on signals (Node's `getEventListeners`),
 * waiters parked on sources, timers — once broadcasts, subscribers, tickers and afters end, by
 * whichever way they end. Also real-timer checks of the SPEC's promises on `after`/`ticker`
 * values (never before start + k·ms), and the error a detached `subscribe` gives.
 */
import { getEventListeners } from 'node:events';
import { after as afterMs, broadcast, Channel, pull, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { drain } from '../helpers/drain.js';
import { flush } from '../helpers/track.js';
import { handClock } from './clock.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('no abort listener left behind', () => {
  it('subscribers with one signal: one listener while any is open, none once they all ended — by close, by hub.close, by the source’s end', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subs = Array.from({ length: 20 }, () => hub.subscribe({ signal }));
    expect(listeners(signal)).toBe(1);
    for (const s of subs.slice(0, 10)) s.close();
    expect(listeners(signal)).toBe(1);
    hub.close();
    expect(listeners(signal)).toBe(0);

    const source2 = new Channel<number>(4);
    const hub2 = broadcast(source2);
    const more = Array.from({ length: 5 }, () => hub2.subscribe({ signal, capacity: 4 }));
    expect(listeners(signal)).toBe(1);
    await source2.pushAll([1, 2]);
    source2.close(new Error('end'));
    await flush();
    expect(more.every((s) => s.closed)).toBe(true);
    expect(listeners(signal)).toBe(0);
  });

  it('tickers and afters sharing a signal with parked pulls and selects: one listener; none once every one closed or fired', async () => {
    const clock = handClock();
    try {
      const controller = new AbortController();
      const signal = controller.signal;
      const t1 = ticker(10, { signal });
      const t2 = ticker(20, { signal });
      const a1 = afterMs(5, { signal });
      const p = t1.pull({ signal });
      const sel = select([pull(t2), pull(a1)], { signal });
      expect(listeners(signal)).toBe(1);
      clock.fire(clock.now + 10); // t1's first timer (oldest): the parked pull gets it
      expect(await p).toBe(clock.now);
      clock.fire(clock.now + 10); // t2 (due +20): early by more than half? no: exactly 20 - 10 = 10 ≤ 10
      clock.fire(clock.now); // a1's timer
      const r = await sel;
      expect(r.ok).toBe(true);
      t1.close();
      t2.close();
      await flush();
      expect(a1.closed).toBe(true);
      expect(listeners(signal)).toBe(0);
      expect(clock.pending).toHaveLength(0);
    } finally {
      clock.restore();
    }
  });

  it('a for await over a subscriber of a ticker, both on one signal, aborted: the loop ends, no listener, no timer, no waiter on the ticker', async () => {
    const clock = handClock();
    try {
      const controller = new AbortController();
      const signal = controller.signal;
      const ticks = ticker(10, { signal });
      const hub = broadcast(ticks);
      const sub = hub.subscribe({ signal });
      const loop = drain(sub);
      clock.fire(clock.now + 10);
      await flush();
      controller.abort();
      const r = await loop;
      expect(r.values).toHaveLength(1);
      expect(r.error).toBeUndefined();
      expect(listeners(signal)).toBe(0);
      expect(clock.pending).toHaveLength(0);
      expect(ticks.stats().waitingPullers).toBe(0);
      hub.close();
    } finally {
      clock.restore();
    }
  });
});

describe('no waiter left on the source', () => {
  it('subscribe/close churn of every kind leaves at most the broadcast’s one pull on the source, none after hub.close()', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const keep = hub.subscribe({ capacity: 1000 });
    for (let i = 0; i < 300; i++) {
      const kind = i % 3;
      const s =
        kind === 0
          ? hub.subscribe({ capacity: 0 })
          : kind === 1
            ? hub.subscribe({ overflow: 'drop-newest' })
            : hub.subscribe({ signal: AbortSignal.abort() });
      if (kind === 0) {
        const p = s.pull();
        await source.push(i);
        expect(await p).toBe(i);
      }
      s.close();
      expect(source.stats().waitingPullers).toBeLessThanOrEqual(1);
    }
    expect(keep.size).toBe(100);
    hub.close();
    expect(source.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
  });
});

describe('real timers: values are never early', () => {
  it('after(ms) for ms of 1..6: the value is never before the call’s Date.now() + ms', async () => {
    const runs = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const ms = (i % 6) + 1;
        const start = Date.now();
        const value = await afterMs(ms).pull();
        return { ms, start, value };
      }),
    );
    for (const { ms, start, value } of runs) expect(value).toBeGreaterThanOrEqual(start + ms);
  });

  it('ticker(5) read by a parked pull: tick k is never before start + k·5', async () => {
    const start = Date.now();
    const ticks = ticker(5);
    const values: number[] = [];
    for (let i = 0; i < 30; i++) values.push(await ticks.pull());
    ticks.close();
    values.forEach((v, k) => {
      expect(v).toBeGreaterThanOrEqual(start + (k + 1) * 5);
    });
  });
});

describe('errors name the function', () => {
  it("BL-1: hub.subscribe is bound, as close is: a destructured subscribe subscribes (it threw the engine's TypeError)", async () => {
    const source = new Channel<number>();
    const { subscribe, close } = broadcast(source);
    const subscriber = subscribe({ capacity: 2 });
    await source.push(1);
    expect(subscriber.pullNowait()).toBe(1);
    close();
    expect(subscriber.closed).toBe(true);
  });
});
