/**
 * Audit BC-input, finding BC-I1: a `fromEvent` channel whose target's `removeEventListener` throws
 * (a hand-made or wrapped target) makes `close()` throw, leaves its listener on the signal, and —
 * when a shared signal aborts — stops the signal's listener half-way, so other operations parked
 * with that signal are never cancelled. The same for a `fromPort` channel over a hand-made port
 * whose `removeEventListener` throws. The "(holds)" tests are the contrasts that pass.
 */
import { getEventListeners } from 'node:events';
import { Channel, from, fromEvent } from 'chanasync';
import { fromPort } from 'chanasync/port';
import { describe, expect, it } from 'vitest';
import { handSignal, outcome, settle } from './helpers.js';

/** An event target whose `removeEventListener` throws (a buggy wrapper, a `Proxy` trap). */
function stubbornTarget() {
  const real = new EventTarget();
  return {
    real,
    target: {
      addEventListener: real.addEventListener.bind(real),
      removeEventListener() {
        throw new Error('removeEventListener refused');
      },
      dispatchEvent: real.dispatchEvent.bind(real),
    } as unknown as EventTarget,
  };
}

describe('fromEvent over a target whose removeEventListener throws', () => {
  it('close() on the fromEvent channel does not throw (close "never throws on a channel")', () => {
    const { target } = stubbornTarget();
    const events = fromEvent(target, 'ping');
    expect(() => events.close()).not.toThrow();
    expect(events.closed).toBe(true);
  });

  it('closing such a fromEvent channel leaves no listener on its signal', () => {
    const { target } = stubbornTarget();
    const { signal } = new AbortController();
    const events = fromEvent(target, 'ping', { signal });
    try {
      events.close();
    } catch {}
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('aborting a signal shared with such a fromEvent channel still cancels a pull parked with that signal', async () => {
    const hand = handSignal();
    const { target } = stubbornTarget();
    const events = fromEvent(target, 'ping', { signal: hand.signal });
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const parked = jobs.pull({ signal: hand.signal });
    parked.catch(() => {});
    await settle();
    const reason = new Error('component unmounted');
    hand.abort(reason);
    const got = await outcome(() => parked);
    expect(events.closed).toBe(true);
    // The pull must reject with the reason; it stays pending for ever, parked on `jobs`.
    expect(got).toEqual({ how: 'reject', error: reason });
    expect(jobs.stats().waitingPullers).toBe(0);
  });

  it('aborting a signal shared with such a fromEvent channel still closes a second fromEvent channel of that signal', () => {
    const hand = handSignal();
    const first = fromEvent(stubbornTarget().target, 'ping', { signal: hand.signal });
    const plain = new EventTarget();
    const second = fromEvent(plain, 'ping', { signal: hand.signal });
    hand.abort(new Error('stop'));
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(true);
    expect(getEventListeners(plain, 'ping')).toHaveLength(0);
  });

  it('(holds) the events already buffered stay readable after such a close', () => {
    const { target, real } = stubbornTarget();
    const events = fromEvent(target, 'ping', { capacity: 2, overflow: 'block' });
    real.dispatchEvent(new Event('ping'));
    try {
      events.close();
    } catch {}
    expect(events.tryPull()?.type).toBe('ping');
  });

  it('(holds) contrast: from() over an iterator whose return() throws closes without throwing', async () => {
    const source = {
      [Symbol.iterator]() {
        return {
          next: () => ({ done: false, value: 1 }),
          return() {
            throw new Error('return refused');
          },
        };
      },
    };
    const { signal } = new AbortController();
    const channel = from(source, { capacity: 1, signal });
    await settle();
    expect(() => channel.close()).not.toThrow();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('fromPort over a hand-made port whose removeEventListener throws', () => {
  it('close() on the fromPort channel does not throw', () => {
    const { port1, port2 } = new MessageChannel();
    const port = {
      postMessage: (message: unknown) => port2.postMessage(message),
      addEventListener: (type: string, listener: (event: MessageEvent) => void) =>
        port2.addEventListener(type as 'message', listener),
      removeEventListener() {
        throw new Error('removeEventListener refused');
      },
    };
    const remote = fromPort<number>(port as never, { capacity: 2 });
    try {
      expect(() => remote.close()).not.toThrow();
      expect(remote.closed).toBe(true);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
