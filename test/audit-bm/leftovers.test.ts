/**
 * Audit BM: nothing left behind — abort listeners on signals, event listeners on targets,
 * timers — after the README's operations end in the ways a newcomer ends them.
 */
import { getEventListeners } from 'node:events';
import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { flush } from '../helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('abort listeners', () => {
  test('select with a signal that commits: the signal keeps no listener', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const selecting = select([pull(ch), pull(new Channel<number>())], { signal: controller.signal });
    await flush();
    expect(abortListeners(controller.signal)).toBe(1);
    ch.pushNowait(1);
    await selecting;
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('100 parked pulls on one signal share one listener; it goes when the last one commits', async () => {
    const controller = new AbortController();
    const ch = new Channel<number>();
    const pulls = Array.from({ length: 100 }, () => ch.pull({ signal: controller.signal }));
    await flush();
    expect(abortListeners(controller.signal)).toBe(1);
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('after(ms, { signal }) closed by hand: timer cleared, the signal keeps no listener', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const timer = afterMs(1000, { signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    timer.close();
    expect(abortListeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker(ms, { signal }) aborted: timer cleared, no listener', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(50, { signal: controller.signal });
    vi.advanceTimersByTime(120);
    expect(ticks.size).toBe(1);
    controller.abort();
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('subscribe({ signal }) then hub.close(): the signal keeps no listener', () => {
    const controller = new AbortController();
    const hub = broadcast(new Channel<number>(1));
    hub.subscribe({ signal: controller.signal });
    hub.close();
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('toReadableStream({ signal }) cancelled: the signal keeps no listener', async () => {
    const controller = new AbortController();
    const stream = toReadableStream(new Channel<number>(), { signal: controller.signal });
    await stream.cancel();
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('from(iterable, { signal }) ending by itself: the signal keeps no listener', async () => {
    const controller = new AbortController();
    const out: number[] = [];
    for await (const v of from([1, 2], { signal: controller.signal })) out.push(v);
    expect(out).toEqual([1, 2]);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe('event listeners and timers', () => {
  test('fromEvent: closing the channel removes the listener from the target and from the signal', () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'x', { signal: controller.signal });
    expect(getEventListeners(target, 'x')).toHaveLength(1);
    events.close();
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('fromEvent with once: after the event, no listener on the target or the signal', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent(target, 'x', { signal: controller.signal, listenerOptions: { once: true } });
    target.dispatchEvent(new Event('x'));
    await flush();
    expect(events.closed).toBe(true);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test('after() beyond 2^31-1 ms waits that long (fake timers)', () => {
    vi.useFakeTimers();
    const long = 2 ** 31 + 5_000;
    const timer = afterMs(long);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(timer.size).toBe(1);
    expect(timer.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('after() delivered and pulled by a select it lost: the timer channel holds its value, no timer left', async () => {
    vi.useFakeTimers();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const timer = afterMs(10);
    const result = await select([pull(ready), pull(timer)]);
    expect(result.index).toBe(0);
    vi.advanceTimersByTime(10);
    expect(timer.size).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
