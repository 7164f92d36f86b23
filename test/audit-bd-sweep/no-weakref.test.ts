/**
 * Audit BD-sweep: a platform without `WeakRef` (a Cloudflare Worker dated before 2025-05-05). The
 * set then holds every entry strongly, each counted in `mustStayCount`, so no sweep ever runs
 * (`src/signals.ts`: "Where the platform has no `WeakRef` … the set holds the operations
 * strongly: everything works"). `watch` reads `typeof WeakRef` at each call, so removing the
 * global for the test is that platform as far as the signal set is concerned.
 */
import { getEventListeners } from 'node:events';
import { after as afterMs, broadcast, Channel, fromEvent, pull, select } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const realWeakRef = globalThis.WeakRef;
const realDeref = realWeakRef.prototype.deref;
let derefs = 0;
beforeEach(() => {
  derefs = 0;
  // Counted, should anything still hold an entry through a WeakRef: nothing may.
  realWeakRef.prototype.deref = function (this: WeakRef<object>) {
    derefs++;
    return realDeref.call(this);
  };
  delete (globalThis as { WeakRef?: unknown }).WeakRef;
});
afterEach(() => {
  globalThis.WeakRef = realWeakRef;
  realWeakRef.prototype.deref = realDeref;
});

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('without WeakRef', () => {
  it('(holds) the premise: there is no WeakRef', () => {
    expect(typeof (globalThis as { WeakRef?: unknown }).WeakRef).toBe('undefined');
  });

  it('(holds) channels the signal closes and operations share one listener, which goes with the last of them', async () => {
    const { signal } = new AbortController();
    const target = new EventTarget();
    const events = fromEvent(target, 'message', { signal });
    const hub = broadcast(new Channel<number>(1));
    const subscriber = hub.subscribe({ signal });
    const timer = afterMs(60_000, { signal });
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal });
    const selected = select([pull(channel), pull(new Channel<number>())], { signal });
    expect(listeners(signal)).toBe(1);
    expect(channel.tryPush(1)).toBe(true);
    expect(channel.tryPush(2)).toBe(true);
    expect(await pulled).toBe(1);
    expect((await selected).value).toBe(2);
    events.close();
    subscriber.close();
    expect(listeners(signal)).toBe(1);
    timer.close();
    expect(listeners(signal)).toBe(0);
    expect(derefs).toBe(0);
  });

  it('(holds) the abort closes and cancels everything parked with the signal, and the listener goes', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const events = Array.from({ length: 50 }, () => fromEvent(new EventTarget(), 'message', { signal }));
    const timers = Array.from({ length: 50 }, () => afterMs(60_000, { signal }));
    const channel = new Channel<number>();
    const pulls = Array.from({ length: 50 }, () => channel.pull({ signal }).catch((error: unknown) => error));
    controller.abort(new Error('stop'));
    expect([...events, ...timers].every((c) => c.closed)).toBe(true);
    expect((await Promise.all(pulls)).every((error) => (error as Error).message === 'stop')).toBe(true);
    expect(listeners(signal)).toBe(0);
  });

  it('(holds) entries made with WeakRef, then operations made without it, on one signal: the listener goes with the last', async () => {
    // (A test framework or a polyfill that swaps the global: the set mixes both kinds.)
    const { signal } = new AbortController();
    globalThis.WeakRef = realWeakRef;
    const target = new EventTarget();
    const weak = fromEvent(target, 'message', { signal });
    delete (globalThis as { WeakRef?: unknown }).WeakRef;
    const channel = new Channel<number>();
    const pulled = channel.pull({ signal });
    channel.tryPush(1);
    expect(await pulled).toBe(1);
    expect(listeners(signal)).toBe(1);
    weak.close();
    expect(listeners(signal)).toBe(0);
  });
});
