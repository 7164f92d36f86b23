// Audit BT (interop): user code that ends things from inside the library's own calls.

import { getEventListeners } from 'node:events';
import { broadcast, Channel, from, fromEvent } from 'chanasync';
import { afterEach, describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('from(): a source that closes its channel (or aborts its signal) inside next(), then throws', () => {
  // Before the fix, `from` re-queued a microtask for ever, starving every timer (and vitest's
  // own test timeout): `queueMicrotask` is wrapped so that such a loop is reported, not hung on.
  const original = globalThis.queueMicrotask;
  let calls = 0;
  afterEach(() => {
    globalThis.queueMicrotask = original;
  });
  function countMicrotasks(): void {
    calls = 0;
    globalThis.queueMicrotask = (callback) => {
      if (++calls <= 10_000) original(callback);
    };
  }

  it('ends with the channel closed by the signal’s reason, and the event loop free', async () => {
    countMicrotasks();
    const controller = new AbortController();
    function* records() {
      controller.abort(new Error('bad record')); // fail the whole job…
      controller.signal.throwIfAborted(); // …and stop
      yield 1;
    }
    const channel = from(records(), { capacity: 1, signal: controller.signal });
    await tick();
    expect(calls).toBeLessThan(100);
    expect(channel.closed).toBe(true);
    await expect(channel.pull()).rejects.toThrow();
  });

  it('a source whose next() closes the channel, then throws: the close stands, the loop ends', async () => {
    countMicrotasks();
    let returned = 0;
    let channel: Channel<number>;
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next(): IteratorResult<number> {
          channel.close('stopped');
          throw new Error('source failed');
        },
        return() {
          returned++;
          return { done: true, value: undefined };
        },
      }),
    };
    channel = from(source);
    const error = await channel.pull().catch((e: unknown) => e);
    await tick();
    expect(calls).toBeLessThan(100);
    expect((error as Error).cause).toBe('stopped');
    // As after `for…of`: an iterator whose next() threw is not `return()`ed.
    expect(returned).toBe(0);
  });
});

describe('fromEvent(): the signal aborts, or the channel closes, while the target adds its listener', () => {
  it('aborted inside addEventListener: the channel closes and the listener goes', () => {
    const inner = new EventTarget();
    const controller = new AbortController();
    const target = {
      addEventListener(type: string, listener: EventListener) {
        inner.addEventListener(type, listener);
        controller.abort();
      },
      removeEventListener: (type: string, listener: EventListener) => inner.removeEventListener(type, listener),
    } as unknown as EventTarget;
    const channel = fromEvent(target, 'x', { signal: controller.signal });
    expect(channel.closed).toBe(true);
    expect(getEventListeners(inner, 'x')).toHaveLength(0);
  });

  it('closed inside addEventListener (a `once` event dispatched at once): no abort listener is left', () => {
    const inner = new EventTarget();
    const controller = new AbortController();
    const target = {
      addEventListener(type: string, listener: EventListener, options: AddEventListenerOptions) {
        inner.addEventListener(type, listener, options);
        inner.dispatchEvent(new Event(type));
      },
      removeEventListener: (type: string, listener: EventListener) => inner.removeEventListener(type, listener),
    } as unknown as EventTarget;
    const channel = fromEvent(target, 'x', { signal: controller.signal, listenerOptions: { once: true } });
    expect(channel.closed).toBe(true);
    expect(channel.tryPull()).toBeInstanceOf(Event); // the event it received stays readable
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('broadcast.subscribe(): an options getter that aborts the signal', () => {
  it('gives a closed subscriber, watched by nothing', () => {
    const hub = broadcast(new Channel<number>(1));
    const controller = new AbortController();
    const subscriber = hub.subscribe({
      signal: controller.signal,
      get capacity() {
        controller.abort();
        return 1;
      },
    });
    expect(subscriber.closed).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
