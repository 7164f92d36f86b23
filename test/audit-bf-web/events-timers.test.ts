/**
 * Audit BF-web: fromEvent, after and ticker with the platform's EventTargets, signals and
 * streams — and what they leave behind (Node's getEventListeners sees listeners on an
 * EventTarget and an AbortSignal; fake timers count timers).
 */
import { getEventListeners } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  broadcast,
  Channel,
  ChannelClosedError,
  fromEvent,
  merge,
  ticker,
  after as timeAfter,
  toReadableStream,
} from '../../dist/index.js';
import { reasonOf, settle, state, until } from './util.js';

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

afterEach(() => {
  vi.useRealTimers();
});

describe('fromEvent leaves nothing behind', () => {
  it('once + signal: after the one event, neither the target nor the signal keeps a listener', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const ch = fromEvent(target, 'ping', { signal: controller.signal, listenerOptions: { once: true } });
    expect(getEventListeners(target, 'ping').length).toBe(1);
    target.dispatchEvent(new Event('ping'));
    expect((await ch.pull()).type).toBe('ping');
    expect(ch.closed).toBe(true);
    expect(getEventListeners(target, 'ping').length).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    controller.abort();
  });

  it('many fromEvent channels on one signal: one abort listener, gone once every channel is closed by hand', () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const channels = Array.from({ length: 15 }, (_, i) => fromEvent(target, `e${i}`, { signal: controller.signal }));
    expect(abortListeners(controller.signal)).toBe(1);
    for (const ch of channels) ch.close();
    expect(abortListeners(controller.signal)).toBe(0);
    for (let i = 0; i < 15; i++) expect(getEventListeners(target, `e${i}`).length).toBe(0);
  });

  it('a target whose addEventListener throws: fromEvent throws that error and leaves no listener on the signal', () => {
    const controller = new AbortController();
    const boom = new Error('addEventListener refused');
    class Refusing extends EventTarget {
      override addEventListener(): void {
        throw boom;
      }
    }
    let thrown: unknown;
    try {
      fromEvent(new Refusing(), 'x', { signal: controller.signal });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(boom);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('AbortSignal.any of two controllers: aborting either closes the channel normally and removes every listener', async () => {
    const target = new EventTarget();
    const a = new AbortController();
    const b = new AbortController();
    const signal = AbortSignal.any([a.signal, b.signal]);
    const ch = fromEvent(target, 'tick', { signal, capacity: 4, overflow: 'block' });
    target.dispatchEvent(new Event('tick'));
    b.abort(new Error('stop'));
    expect(ch.closed).toBe(true);
    expect(getEventListeners(target, 'tick').length).toBe(0);
    expect(abortListeners(signal)).toBe(0);
    let n = 0;
    for await (const _ of ch) n++;
    expect(n).toBe(1);
  });

  it('a for await over fromEvent with AbortSignal.timeout ends normally when the timeout fires, with its listener gone', async () => {
    const target = new EventTarget();
    const signal = AbortSignal.timeout(20);
    const ch = fromEvent(target, 'x', { signal });
    let n = 0;
    for await (const _ of ch) n++;
    expect(n).toBe(0);
    expect(signal.aborted).toBe(true);
    expect(getEventListeners(target, 'x').length).toBe(0);
  });

  it('fromEvent(port, "message") on a MessagePort keeps every message in order (block), and closing it removes only its listener', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const ch = fromEvent<MessageEvent>(port1 as unknown as EventTarget, 'message', {
        capacity: Infinity,
        overflow: 'block',
      });
      const other: unknown[] = [];
      const otherListener = (e: Event) => other.push((e as MessageEvent).data);
      port1.addEventListener('message', otherListener);
      for (let i = 0; i < 20; i++) port2.postMessage(i);
      const got: number[] = [];
      for (let i = 0; i < 20; i++) got.push((await ch.pull()).data as number);
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
      ch.close();
      expect(getEventListeners(port1 as unknown as EventTarget, 'message')).toEqual([otherListener]);
      port2.postMessage('after');
      await until(() => other.includes('after'));
      expect(ch.size).toBe(0);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('events → toReadableStream → pipeTo: dispatch order is kept, and the signal that ends the events ends the pipe normally', async () => {
    const target = new EventTarget();
    const controller = new AbortController();
    const events = fromEvent<CustomEvent<number>>(target, 'n', {
      signal: controller.signal,
      capacity: Infinity,
      overflow: 'block',
    });
    const written: number[] = [];
    let destClosed = false;
    const pipe = toReadableStream(events).pipeTo(
      new WritableStream<CustomEvent<number>>({
        write(e) {
          written.push(e.detail);
        },
        close() {
          destClosed = true;
        },
      }),
    );
    for (let i = 0; i < 50; i++) target.dispatchEvent(new CustomEvent('n', { detail: i }));
    controller.abort();
    await pipe;
    expect(written).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(destClosed).toBe(true);
    expect(getEventListeners(target, 'n').length).toBe(0);
  });

  it('a merge of two fromEvent channels under `using`: leaving the block removes both listeners', async () => {
    const a = new EventTarget();
    const b = new EventTarget();
    const seen: string[] = [];
    {
      using left = fromEvent(a, 'go', { capacity: 4, overflow: 'block' });
      using right = fromEvent(b, 'go', { capacity: 4, overflow: 'block' });
      const both = merge(left, right);
      a.dispatchEvent(new Event('go'));
      b.dispatchEvent(new Event('go'));
      for await (const e of both) {
        seen.push(e.target === a ? 'a' : 'b');
        if (seen.length === 2) break;
      }
    }
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(getEventListeners(a, 'go').length).toBe(0);
    expect(getEventListeners(b, 'go').length).toBe(0);
  });

  it('an Event object made before fromEvent but dispatched after it is received, and so is a re-dispatch of it', async () => {
    const target = new EventTarget();
    const early = new Event('x');
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
    const ch = fromEvent(target, 'x', { capacity: 4, overflow: 'block' });
    target.dispatchEvent(early);
    target.dispatchEvent(early);
    expect(await ch.pullMany(4)).toEqual([early, early]);
    ch.close();
  });

  it('a fromEvent made during the dispatch of one event gets a new event dispatched (nested) right after, but not the outer one', async () => {
    const target = new EventTarget();
    let ch: Channel<CustomEvent<string>> | undefined;
    target.addEventListener('x', () => {
      if (ch) return;
      ch = fromEvent<CustomEvent<string>>(target, 'x', { capacity: 4, overflow: 'block' });
      target.dispatchEvent(new CustomEvent('x', { detail: 'nested' }));
    });
    target.dispatchEvent(new CustomEvent('x', { detail: 'outer' }));
    target.dispatchEvent(new CustomEvent('x', { detail: 'next' }));
    expect((await ch!.pullMany(4)).map((e) => e.detail)).toEqual(['nested', 'next']);
    ch!.close();
  });

  it('a fromEvent made during a dispatch receives the in-flight event exactly when a plain listener added there would (platform rule; Node calls such listeners when another listener follows)', async () => {
    const outcome = (make: (target: EventTarget) => () => boolean) => {
      const target = new EventTarget();
      let got: (() => boolean) | undefined;
      target.addEventListener('x', () => {
        got ??= make(target);
      });
      target.addEventListener('x', () => {}); // a listener after the one that subscribes
      target.dispatchEvent(new Event('x'));
      return got!();
    };
    const plain = outcome((target) => {
      let called = false;
      target.addEventListener('x', () => {
        called = true;
      });
      return () => called;
    });
    const channel = outcome((target) => {
      const ch = fromEvent(target, 'x', { capacity: 2, overflow: 'block' });
      return () => ch.size === 1;
    });
    expect(channel).toBe(plain);
  });

  it('a fromEvent on another target made during a dispatch gets that target’s later events', async () => {
    const a = new EventTarget();
    const b = new EventTarget();
    let ch: Channel<Event> | undefined;
    a.addEventListener('x', () => {
      ch = fromEvent(b, 'x', { capacity: 4, overflow: 'block' });
      b.dispatchEvent(new Event('x'));
    });
    a.dispatchEvent(new Event('x'));
    b.dispatchEvent(new Event('x'));
    expect(ch!.size).toBe(2);
    ch!.close();
  });
});

describe('after and ticker with streams and signals', () => {
  it('after(ms) as a stream: one timestamp in a Response body, then the body ends; the signal keeps no listener', async () => {
    const controller = new AbortController();
    const start = Date.now();
    const timer = timeAfter(5, { signal: controller.signal });
    const text = await new Response(
      toReadableStream(timer)
        .pipeThrough(new TransformStream<number, string>({ transform: (t, c) => c.enqueue(String(t)) }))
        .pipeThrough(new TextEncoderStream()),
    ).text();
    expect(Number(text)).toBeGreaterThanOrEqual(start + 5);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('ticker → toReadableStream(closeOnCancel) → pipeTo(dest, { signal }): aborting the pipe stops the ticker and clears its timer', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    const controller = new AbortController();
    const written: number[] = [];
    const pipe = toReadableStream(ticks, { closeOnCancel: true }).pipeTo(
      new WritableStream<number>({
        write(t) {
          written.push(t);
          if (written.length === 3) controller.abort(new Error('enough'));
        },
      }),
      { signal: controller.signal },
    );
    pipe.catch(() => {});
    for (let i = 0; i < 10 && written.length < 3; i++) await vi.advanceTimersByTimeAsync(10);
    expect(written.length).toBe(3);
    expect(((await reasonOf(pipe)) as Error).message).toBe('enough');
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a Response body made of an after() channel (closeOnCancel) that the client cancels clears the timer', async () => {
    vi.useFakeTimers();
    const timeout = timeAfter(2 ** 31 + 10);
    const response = new Response(
      toReadableStream(timeout, { closeOnCancel: true }).pipeThrough(
        new TransformStream<number, Uint8Array>({
          transform: (t, c) => c.enqueue(new TextEncoder().encode(String(t))),
        }),
      ),
    );
    expect(vi.getTimerCount()).toBe(1);
    await response.body!.cancel('client left');
    // the pipe cancels its source a few promise jobs after the transform's readable is cancelled
    for (let i = 0; i < 100 && !timeout.closed; i++) await Promise.resolve();
    expect(timeout.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('break out of for await over a ticker inside `using`: the timer is cleared', async () => {
    vi.useFakeTimers();
    let n = 0;
    const loop = (async () => {
      using ticks = ticker(5);
      for await (const _ of ticks) if (++n === 3) break;
    })();
    for (let i = 0; i < 10 && n < 3; i++) await vi.advanceTimersByTimeAsync(5);
    await loop;
    expect(n).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a broadcast of a ticker: subscribers see the same ticks; closing the ticker clears its timer and ends the subscribers', async () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    const hub = broadcast(ticks);
    const a = hub.subscribe({ capacity: 8 });
    const b = hub.subscribe({ capacity: 8 });
    await vi.advanceTimersByTimeAsync(30);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
    const ga = await a.pullMany(8);
    const gb = await b.pullMany(8);
    expect(ga.length).toBeGreaterThanOrEqual(1);
    expect(ga).toEqual(gb);
    expect(a.closed && b.closed).toBe(true);
  });

  it('after(ms, { signal }) aborted: the timer is cleared, the channel closed with no value, the signal keeps no listener', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const timers = Array.from({ length: 12 }, () => timeAfter(1000, { signal: controller.signal }));
    expect(abortListeners(controller.signal)).toBe(1);
    expect(vi.getTimerCount()).toBe(12);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(abortListeners(controller.signal)).toBe(0);
    for (const t of timers) {
      expect(t.closed).toBe(true);
      expect(t.tryPull()).toBeUndefined();
    }
  });

  it('an timeAfter() that fired leaves its signal watch (no abort listener left, nothing on a later abort)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const t = timeAfter(5, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(5);
    expect(abortListeners(controller.signal)).toBe(0);
    controller.abort();
    expect(typeof t.tryPull()).toBe('number');
  });

  it('a pull on a ticker with AbortSignal.timeout shorter than the period rejects with a TimeoutError and takes no tick', async () => {
    const ticks = ticker(60_000);
    try {
      const error = await reasonOf(ticks.pull({ signal: AbortSignal.timeout(5) }));
      expect((error as DOMException).name).toBe('TimeoutError');
      expect(ticks.stats().waitingPullers).toBe(0);
    } finally {
      ticks.close();
    }
  });

  it('a subscriber with a signal leaves its watch when the source ends (no abort listener left)', async () => {
    const source = new Channel<number>(2);
    const controller = new AbortController();
    const hub = broadcast(source);
    const sub = hub.subscribe({ signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    source.close();
    await expect(sub.pull()).rejects.toThrow();
    expect(sub.closed).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('toReadableStream with a signal: the stream ending (channel closed and drained) or being cancelled leaves no abort listener', async () => {
    const controller = new AbortController();
    const ended = new Channel<number>(1);
    const cancelled = new Channel<number>(1);
    const s1 = toReadableStream(ended, { signal: controller.signal });
    const s2 = toReadableStream(cancelled, { signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    ended.close();
    expect(await s1.getReader().read()).toEqual({ value: undefined, done: true });
    await s2.cancel();
    await settle();
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

/** A hand-made target (duck-typed, as fromEvent accepts) that calls its listeners with any value. */
class Emitter {
  readonly listeners = new Set<(value: unknown) => void>();
  addEventListener(_type: string, listener: (value: unknown) => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: (value: unknown) => void): void {
    this.listeners.delete(listener);
  }
  emit(value: unknown): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}

/** What the consumer of a fromEvent channel learns of an event: it, or the channel's end. */
async function consumerSees(ch: Channel<unknown>): Promise<unknown> {
  if (ch.size > 0) return 'the event';
  if (!ch.closed) return 'nothing: the channel is open and empty, the event is gone';
  return reasonOf(ch.pull());
}

describe('an event that is a thenable (BF-W1)', () => {
  it("'block': an awaitable Event subclass dispatched on an EventTarget is not silently lost (delivered, or the channel ends with a TypeError)", async () => {
    class AwaitableEvent extends Event {
      // biome-ignore lint/suspicious/noThenProperty: the point of the test
      then(resolve: (value: string) => void): void {
        resolve('done');
      }
    }
    const target = new EventTarget();
    const ch = fromEvent(target, 'job', { capacity: 4, overflow: 'block' });
    target.dispatchEvent(new AwaitableEvent('job'));
    await settle();
    const seen = await consumerSees(ch as Channel<unknown>);
    if (seen !== 'the event') {
      expect(seen).toBeInstanceOf(ChannelClosedError);
      expect((seen as ChannelClosedError).cause).toBeInstanceOf(TypeError);
    }
    ch.close();
  });

  it("once with 'block': after a thenable event the platform removed the listener, so the channel must end — a for await over it must not wait for ever", async () => {
    const target = new EventTarget();
    const ch = fromEvent(target, 'ready', { overflow: 'block', listenerOptions: { once: true } });
    const ready = new Event('ready') as Event & { then?: unknown };
    // biome-ignore lint/suspicious/noThenProperty: the point of the test
    ready.then = (resolve: (v: unknown) => void) => resolve(undefined);
    target.dispatchEvent(ready);
    expect(getEventListeners(target, 'ready').length).toBe(0); // once: the platform removed it
    const loop = (async () => {
      for await (const _ of ch) {
      }
    })();
    loop.catch(() => {});
    expect(await state(loop)).not.toBe('pending');
    ch.close();
  });

  it('default options: a hand-made target emitting a promise neither loses it silently nor throws a tryPush error into the emitter', async () => {
    const emitter = new Emitter();
    const ch = fromEvent(emitter as unknown as EventTarget, 'result');
    let thrown: unknown;
    try {
      emitter.emit(Promise.resolve(42));
    } catch (error) {
      thrown = error;
    }
    expect(String((thrown as Error | undefined)?.message ?? '')).not.toContain('tryPush');
    const seen = await consumerSees(ch as Channel<unknown>);
    if (seen !== 'the event') {
      expect(seen).toBeInstanceOf(ChannelClosedError);
      expect((seen as ChannelClosedError).cause).toBeInstanceOf(TypeError);
    }
    ch.close();
  });
});
