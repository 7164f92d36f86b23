// @vitest-environment happy-dom
/**
 * Audit BD-sweep, in happy-dom (its own `AbortSignal`, `EventTarget` and elements; its dispatch
 * calls a listener removed during the dispatch): the sweep of a signal's dead entries, the
 * listener's removal, and the abort after a collection. Runs with `--expose-gc` (the `gc`
 * project) in the happy-dom environment (the comment above). The signal's listeners are counted
 * through spies on the signal itself: `getEventListeners` is Node's.
 */
import { Channel, fromEvent } from 'chanasync';
import { describe, expect, it, vi } from 'vitest';
import { abandonedPull } from '../helpers/abandoned.js';
import { collectAll, tick } from '../helpers/gc.js';

/** A happy-dom signal whose abort listeners are counted (added minus removed). */
function countedSignal(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const { signal } = controller;
  const add = vi.spyOn(signal, 'addEventListener');
  const remove = vi.spyOn(signal, 'removeEventListener');
  return { controller, signal, listeners: () => add.mock.calls.length - remove.mock.calls.length };
}

/** `count` fromEvent channels on new elements, made with `signal`; the elements are dropped. */
function onNewElements(signal: AbortSignal, count: number): WeakRef<object>[] {
  // (Not inline in the async function below: its suspended frame would keep the last element.)
  return Array.from(
    { length: count },
    () => new WeakRef(fromEvent(document.createElement('button'), 'click', { signal })),
  );
}

/** `count` fromEvent channels on dropped elements, made with `signal` and collected unclosed. */
async function droppedElements(signal: AbortSignal, count: number): Promise<void> {
  await collectAll(onNewElements(signal, count));
}

describe('happy-dom', () => {
  it("(holds) the premise: the signal is happy-dom's and gc is exposed", () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    expect(new AbortController().signal).toBeInstanceOf(window.AbortSignal);
    expect(typeof (window as unknown as { happyDOM?: unknown }).happyDOM).toBe('object');
  });

  it('(holds) dead entries of dropped elements are swept when the last held pull leaves: the listener goes', async () => {
    const { signal, listeners } = countedSignal();
    await droppedElements(signal, 20);
    expect(listeners()).toBe(1);
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal });
    channel.tryPush(1);
    expect(await pulled).toBe(1);
    expect(listeners()).toBe(0);
  });

  it('(holds) a pull whose channel was collected is still rejected by the abort, once, among dead entries', async () => {
    const { controller, signal, listeners } = countedSignal();
    const { channel, settled: outcome } = abandonedPull(signal);
    await droppedElements(signal, 20);
    await collectAll([channel]);
    const live = fromEvent(document.createElement('div'), 'click', { signal });
    live.close();
    controller.abort(new Error('timeout'));
    expect(await outcome).toBe('rejected timeout');
    await tick();
    expect(listeners()).toBe(0);
  });

  it('(holds) an abort listener of the application, registered first, that closes the last live channel during the dispatch', async () => {
    const { controller, signal, listeners } = countedSignal();
    const button = document.createElement('button');
    let closeLive = () => {};
    signal.addEventListener('abort', () => closeLive());
    await droppedElements(signal, 20);
    const events = fromEvent(button, 'click', { signal });
    closeLive = () => events.close();
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal }).catch((error: unknown) => (error as Error).message);
    controller.abort(new Error('stop'));
    expect(await pulled).toBe('stop');
    expect(events.closed).toBe(true);
    // The application's own listener is still there (1); the set's is gone.
    expect(listeners()).toBe(1);
  });
});
