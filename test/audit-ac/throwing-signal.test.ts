/**
 * Audit AC: a signal whose `addEventListener` throws — a duck-typed signal (the library accepts
 * any object with `aborted`, `addEventListener` and `removeEventListener`, e.g. one of another
 * realm, or an application's wrapper) that fails when asked to listen. Whatever the call does
 * with that error, it must leave nothing behind: no parked operation that a later commit would
 * feed (a value lost), no half-registered watch of the signal (a later operation on the same
 * signal that its abort no longer cancels), no listener left on an event target, no source
 * left open.
 *
 * What was wrong (fixed in src/signals.ts, src/waiters.ts, src/select.ts, src/interop/event.ts,
 * src/interop/from.ts): `park` queued the waiter before the signal watched it, and `watch`
 * recorded the signal's set before adding its listener. A throw there left the pull queued
 * (a later push committed to it: the value was gone), a multi-case select's cases queued on
 * every channel while its promise rejected, and the signal recorded as watched without a
 * listener: later operations parked with it were never cancelled by its abort. `fromEvent`
 * left its listener on the target, `from` left the source's iterator open (never `return()`ed).
 */

import { after, broadcast, Channel, ChannelClosedError, from, fromEvent, pull, push, select, ticker } from 'chanasync';
import { describe, expect, it } from 'vitest';

/** A signal whose first `addEventListener` calls throw (`failures` of them), then it works. */
class FlakySignal extends EventTarget {
  aborted = false;
  reason: unknown = undefined;
  adds = 0;
  live = 0;
  constructor(private failures = Number.POSITIVE_INFINITY) {
    super();
  }
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: unknown,
  ): void {
    this.adds++;
    if (this.failures-- > 0) throw new Error('addEventListener failed');
    this.live++;
    super.addEventListener(type, listener, options as AddEventListenerOptions);
  }
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: unknown,
  ): void {
    this.live--;
    super.removeEventListener(type, listener, options as EventListenerOptions);
  }
  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.dispatchEvent(new Event('abort'));
  }
}

const asSignal = (signal: FlakySignal): AbortSignal => signal as unknown as AbortSignal;

/** Calls `start` and settles with its outcome, whether it throws or returns a promise that rejects. */
async function outcome(start: () => Promise<unknown>): Promise<unknown> {
  try {
    return await start();
  } catch (error) {
    return error;
  }
}

describe('a signal whose addEventListener throws leaves nothing behind', () => {
  it('pull and push: no parked operation is left to eat a later value', async () => {
    const channel = new Channel<string>(0, { name: 'plain' });
    const signal = new FlakySignal();
    const failed = await outcome(() => channel.pull({ signal: asSignal(signal) }));
    expect((failed as Error).message).toBe('addEventListener failed');
    expect(channel.stats().waitingPullers).toBe(0);
    // No ghost puller: a push finds nobody waiting.
    expect(() => channel.pushNowait('lost?')).toThrow(/full/i);
    const pushFailed = await outcome(() => channel.push('x', { signal: asSignal(signal) }));
    expect((pushFailed as Error).message).toBe('addEventListener failed');
    expect(channel.stats().waitingPushers).toBe(0);
    expect(channel.tryPull()).toBeUndefined();
    // Later operations are served in order.
    const pulled = channel.pull();
    await channel.push('a');
    expect(await pulled).toBe('a');
  });

  it('pullMany and a one-case select leave no parked operation', async () => {
    const channel = new Channel<number>();
    const signal = asSignal(new FlakySignal());
    await outcome(() => channel.pullMany(4, { signal }));
    await outcome(() => select([pull(channel)], { signal }));
    expect(channel.stats()).toMatchObject({ waitingPullers: 0, waitingPushers: 0 });
    expect(channel.tryPush(1)).toBe(false);
  });

  it('a multi-case select rejects and leaves no case queued: a later value is not lost', async () => {
    const a = new Channel<string>(0, { name: 'a' });
    const b = new Channel<string>(0, { name: 'b' });
    const failed = await outcome(() => select([pull(a), pull(b)], { signal: asSignal(new FlakySignal()) }));
    expect((failed as Error).message).toBe('addEventListener failed');
    expect(a.stats().waitingPullers).toBe(0);
    expect(b.stats().waitingPullers).toBe(0);
    // Before the fix this push committed to the rejected select's case: 'X' was gone.
    expect(a.tryPush('X')).toBe(false);
    const pulled = a.pull();
    await a.push('Y');
    expect(await pulled).toBe('Y');
  });

  it('the signal is not left half-watched: once it can listen, its abort cancels what parks with it', async () => {
    const channel = new Channel<number>();
    const signal = new FlakySignal(1);
    await outcome(() => channel.pull({ signal: asSignal(signal) }));
    const parked = channel.pull({ signal: asSignal(signal) });
    const settled = parked.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(signal.live).toBe(1);
    signal.abort('stop');
    expect(await settled).toBe('stop');
    expect(channel.stats().waitingPullers).toBe(0);
    expect(signal.live).toBe(0);
  });

  it('the same for a select: a later select on the same signal is cancelled by its abort', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const signal = new FlakySignal(1);
    await outcome(() => select([pull(a), pull(b)], { signal: asSignal(signal) }));
    const settled = select([pull(a), pull(b)], { signal: asSignal(signal) }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    signal.abort('stop');
    expect(await settled).toBe('stop');
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
    expect(signal.live).toBe(0);
  });

  it('fromEvent leaves no listener on its target', () => {
    const added: unknown[] = [];
    const target = new EventTarget();
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    target.addEventListener = (type: string, listener: EventListenerOrEventListenerObject | null) => {
      added.push(listener);
      add(type, listener);
    };
    target.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject | null) => {
      added.splice(added.indexOf(listener), 1);
      remove(type, listener);
    };
    expect(() => fromEvent(target, 'ping', { signal: asSignal(new FlakySignal()) })).toThrow('addEventListener failed');
    expect(added).toEqual([]);
  });

  it('from closes its source (its iterator is returned)', () => {
    let returned = 0;
    let i = 0;
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => ({ done: false, value: i++ }),
        return: () => {
          returned++;
          return { done: true, value: undefined };
        },
      }),
    };
    expect(() => from(source, { signal: asSignal(new FlakySignal()) })).toThrow('addEventListener failed');
    expect(returned).toBe(1);
  });

  it('after, ticker and broadcast.subscribe start no timer and subscribe nothing', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    expect(() => after(50_000, { signal: asSignal(new FlakySignal()) })).toThrow('addEventListener failed');
    expect(() => ticker(50_000, { signal: asSignal(new FlakySignal()) })).toThrow('addEventListener failed');
    expect(timers()).toBe(before);
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    expect(() => hub.subscribe({ signal: asSignal(new FlakySignal()) })).toThrow('addEventListener failed');
    // No subscriber: the broadcast pulls nothing, the value stays in the source.
    await source.push(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(source.size).toBe(1);
    hub.close();
  });
});

/**
 * A signal whose `addEventListener` runs code on the channel being waited on (a `Proxy`'s trap, a
 * wrapper with side effects). The first fix of audit AC watched the signal before queueing the
 * operation; then a close run by that call left the pull parked on the closed channel for ever,
 * and a push run by it went to the buffer while the pull parked beside it (found reading the
 * merged fix; now the operation is queued first and only watched if still parked).
 */
describe('a signal whose addEventListener closes or feeds the channel being waited on', () => {
  /** A real signal whose `addEventListener` first runs `sideEffect` (and throws if `fail`). */
  function meddling(sideEffect: () => void, fail = false) {
    const controller = new AbortController();
    const signal = new Proxy(controller.signal, {
      get(target, key) {
        if (key === 'addEventListener') {
          return (...args: Parameters<AbortSignal['addEventListener']>) => {
            sideEffect();
            if (fail) throw new Error('addEventListener failed');
            target.addEventListener(...args);
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { controller, signal };
  }

  it('a close run by it fails the pull it was asked for, which is left parked nowhere', async () => {
    const channel = new Channel<string>(1);
    const { signal } = meddling(() => channel.close());
    await expect(channel.pull({ signal })).rejects.toThrow('is closed');
    expect(channel.stats().waitingPullers).toBe(0);
  });

  it('a push run by it commits to the pull it was asked for; the signal then watches nothing', async () => {
    const channel = new Channel<string>(1);
    const { controller, signal } = meddling(() => channel.pushNowait('A'));
    await expect(channel.pull({ signal })).resolves.toBe('A');
    expect(channel.stats()).toMatchObject({ size: 0, waitingPullers: 0 });
    controller.abort('late'); // nothing left to cancel: no second settlement, nothing thrown
    channel.pushNowait('B');
    expect(channel.tryPull()).toBe('B');
  });

  it('a push run by it and then a throw: the pull has its value, and nothing is lost', async () => {
    const channel = new Channel<string>(1);
    const { signal } = meddling(() => channel.pushNowait('A'), true);
    await expect(channel.pull({ signal })).resolves.toBe('A');
    expect(channel.stats()).toMatchObject({ size: 0, waitingPullers: 0 });
  });

  it('a select: a close of its push case’s channel rejects it with no case left queued', async () => {
    const out = new Channel<string>(0);
    const other = new Channel<string>(0);
    const { signal } = meddling(() => out.close());
    const error = await select([push(out, 'x'), pull(other)], { signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(other.stats().waitingPullers).toBe(0);
  });

  it('a select: a push into one of its pull cases’ channels wins, the other case leaves, and a later abort does nothing', async () => {
    const a = new Channel<string>(1);
    const b = new Channel<string>(1);
    const { controller, signal } = meddling(() => b.pushNowait('B'));
    await expect(select([pull(a), pull(b)], { signal })).resolves.toMatchObject({ index: 1, value: 'B' });
    expect(a.stats().waitingPullers).toBe(0);
    controller.abort('late');
    a.pushNowait('A');
    expect(a.tryPull()).toBe('A');
  });

  it('a select: a throw of it rejects the select with that error, no case left queued', async () => {
    const a = new Channel<string>(0);
    const b = new Channel<string>(0);
    const { signal } = meddling(() => {}, true);
    await expect(select([pull(a), pull(b)], { signal })).rejects.toThrow('addEventListener failed');
    expect(a.stats().waitingPullers + b.stats().waitingPullers).toBe(0);
  });
});
