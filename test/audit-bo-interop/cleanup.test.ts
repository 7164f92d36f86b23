/**
 * Audit BO-interop: cancellation releases what it holds — abort reasons passed through as is
 * (AbortSignal.timeout / AbortSignal.any), `abort` listeners on shared signals, event listeners
 * on targets (Node's getEventListeners) and timers (vi.getTimerCount under fake timers).
 */
import { getEventListeners } from 'node:events';
import {
  after as afterMs,
  broadcast,
  Channel,
  from,
  fromEvent,
  merge,
  pull,
  select,
  ticker,
  toReadableStream,
} from 'chanasync';
import { afterEach, describe, expect, it, vi } from 'vitest';

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const aborts = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

afterEach(() => {
  vi.useRealTimers();
});

describe('abort reasons pass through unchanged', () => {
  it('pull, push, pullMany and select reject with the AbortSignal.timeout TimeoutError itself', async () => {
    const ch = new Channel<number>();
    const full = new Channel<number>(1);
    full.pushNowait(0);
    const signal = AbortSignal.timeout(30);
    const results = await Promise.allSettled([
      ch.pull({ signal }),
      full.push(1, { signal }),
      ch.pullMany(2, { signal }),
      select([pull(ch)], { signal }),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBe(signal.reason);
      expect(((r as PromiseRejectedResult).reason as DOMException).name).toBe('TimeoutError');
    }
    expect(aborts(signal)).toBe(0);
    expect(ch.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('AbortSignal.any: the composite reason (the first source to abort) is the rejection', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const signal = AbortSignal.any([a.signal, b.signal]);
    const ch = new Channel<number>();
    const p = ch.pull({ signal });
    const reason = { code: 42 }; // a non-Error reason stays as is
    b.abort(reason);
    await expect(p).rejects.toBe(reason);
    a.abort(new Error('late'));
    expect(aborts(signal)).toBe(0);
  });

  it('pushAll aborted part-way rejects with the reason itself, carrying pushed', async () => {
    const ch = new Channel<number>(2);
    const controller = new AbortController();
    const p = ch.pushAll([1, 2, 3, 4], { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await p.catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect((error as { pushed?: number }).pushed).toBe(2);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([1, 2]);
  });
});

describe('one shared signal: listeners come and go', () => {
  it('every helper given one signal leaves no abort listener once each one ended by itself', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { signal });
    const src = new Channel<number>(1);
    const fromCh = from([1], { signal });
    const hub = broadcast(src);
    const sub = hub.subscribe({ signal });
    const stream = toReadableStream(new Channel<number>(), { signal });
    const timer = afterMs(1, { signal });
    const tick = ticker(1000, { signal });
    expect(aborts(signal)).toBe(1); // one shared listener, however many users
    // End each one without the signal.
    events.close();
    for await (const _ of fromCh) {
    }
    sub.close();
    await stream.cancel();
    await timer.pull();
    tick.close();
    await macrotask();
    expect(aborts(signal)).toBe(0);
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    hub.close();
  });

  it('one abort closes every helper, removes the target listener and the signal listener', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const target = new EventTarget();
    const events = fromEvent(target, 'x', { signal });
    let released = false;
    const fromCh = from(
      (function* () {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          released = true;
        }
      })(),
      { signal },
    );
    const src = new Channel<number>(1);
    const hub = broadcast(src);
    const sub = hub.subscribe({ signal });
    const stream = toReadableStream(new Channel<number>(), { signal });
    const timer = afterMs(60_000, { signal });
    const tick = ticker(60_000, { signal });
    expect(await fromCh.pull()).toBe(0); // the generator is running now (a fresh one has no finally to run)
    const pending = stream.getReader().read();
    await macrotask();
    controller.abort(new Error('done'));
    expect(released).toBe(true); // a sync generator's finally runs inside abort()
    for (const ch of [events, fromCh, sub, timer, tick]) expect(ch.closed).toBe(true);
    expect(await pending).toEqual({ value: undefined, done: true }); // closes normally
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    expect(aborts(signal)).toBe(0);
    // an abort closes normally: a loop over them ends without throwing
    for await (const _ of events) {
    }
    hub.close();
  });

  it('a thousand pulls parked with one signal and then satisfied leave one listener, then none', async () => {
    const { signal } = new AbortController();
    const ch = new Channel<number>();
    const pulls = Array.from({ length: 1000 }, () => ch.pull({ signal }));
    expect(aborts(signal)).toBe(1);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    expect(await Promise.all(pulls)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(aborts(signal)).toBe(0);
  });
});

describe('fromEvent listeners', () => {
  it('capture and non-capture channels on one target are removed each with its own flag', () => {
    const target = new EventTarget();
    const a = fromEvent(target, 'x', { listenerOptions: { capture: true } });
    const b = fromEvent(target, 'x');
    expect(getEventListeners(target, 'x')).toHaveLength(2);
    a.close();
    expect(getEventListeners(target, 'x')).toHaveLength(1);
    target.dispatchEvent(new Event('x'));
    expect(b.size).toBe(1);
    expect(a.size).toBe(0);
    b.close();
    expect(getEventListeners(target, 'x')).toHaveLength(0);
  });

  it('once: one event, then the channel closes and no listener is left', async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'x', { listenerOptions: { once: true } });
    const e1 = new Event('x');
    target.dispatchEvent(e1);
    target.dispatchEvent(new Event('x'));
    expect(getEventListeners(target, 'x')).toHaveLength(0);
    const got: Event[] = [];
    for await (const e of ch) got.push(e);
    expect(got).toEqual([e1]);
  });

  it("'block' keeps every event of a burst in order while open", async () => {
    const target = new EventTarget();
    const ch = fromEvent<CustomEvent<number>>(target, 'n', { overflow: 'block' });
    for (let i = 0; i < 50; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    const got: number[] = [];
    for (let i = 0; i < 50; i++) got.push((await ch.pull()).detail);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
    ch.close();
    expect(getEventListeners(target, 'n')).toHaveLength(0);
  });

  it('a Node MessagePort: closing the fromEvent channel removes the listener (the port no longer keeps the process alive)', async () => {
    const { port1, port2 } = new MessageChannel();
    const ch = fromEvent(port1, 'message');
    port2.postMessage('hi');
    const event = (await ch.pull()) as MessageEvent;
    expect(event.data).toBe('hi');
    ch.close();
    expect(getEventListeners(port1, 'message')).toHaveLength(0);
    const hasRef = (port1 as unknown as { hasRef?: () => boolean }).hasRef;
    if (hasRef) expect(hasRef.call(port1)).toBe(false);
    port1.close();
  });
});

describe('timers (fake)', () => {
  it('after: close, abort and firing each leave no timer', async () => {
    vi.useFakeTimers();
    const base = vi.getTimerCount();
    const a = afterMs(1000);
    const controller = new AbortController();
    const b = afterMs(1000, { signal: controller.signal });
    const c = afterMs(10);
    expect(vi.getTimerCount()).toBe(base + 3);
    a.close();
    controller.abort();
    await vi.advanceTimersByTimeAsync(10);
    expect(c.pullNowait()).toBeTypeOf('number');
    expect(c.closed).toBe(true);
    expect(b.closed).toBe(true);
    expect(b.tryPull()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(base);
  });

  it('ticker closed while a pull waits: the pull fails, no timer left', async () => {
    vi.useFakeTimers();
    const base = vi.getTimerCount();
    const t = ticker(100);
    const p = t.pull();
    await vi.advanceTimersByTimeAsync(100);
    expect(await p).toBeTypeOf('number');
    const q = t.pull();
    t.close();
    await expect(q).rejects.toMatchObject({ name: 'ChannelClosedError' });
    expect(vi.getTimerCount()).toBe(base);
  });

  it('after(ms) lost in a select keeps its timer until closed (documented); closing it clears it', async () => {
    vi.useFakeTimers();
    const base = vi.getTimerCount();
    const data = new Channel<number>(1);
    data.pushNowait(1);
    const timeout = afterMs(60_000);
    const r = await select([pull(data), pull(timeout)]);
    expect(r.index).toBe(0);
    expect(vi.getTimerCount()).toBe(base + 1);
    timeout.close();
    expect(vi.getTimerCount()).toBe(base);
  });

  it('merge(ticker, after) under fake timers: the merged channel closes only when both ended; closing inputs clears their timers', async () => {
    vi.useFakeTimers({ now: 0 });
    const base = vi.getTimerCount();
    const t = ticker(100);
    const a = afterMs(250);
    const m = merge(t, a);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of m) seen.push(v);
    })();
    await vi.advanceTimersByTimeAsync(300);
    expect(seen).toEqual([100, 200, 250, 300]);
    t.close();
    await vi.advanceTimersByTimeAsync(0);
    await loop;
    expect(m.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(base);
  });
});
