/**
 * The documentation is a contract too (sixth audit, core): each test pins one behaviour that
 * the README (usage sections, Reference tables, Semantic details, FAQ) or the TSDoc of the core
 * exports promises, in the claim's own words — the error class and message, the count, the
 * order, "at once" against "later". Grouped by README section; the comment above each group
 * quotes the first words of the README line it checks. Imports go through the package, as a
 * user's do ('chanasync' → dist/; `npm run build` first).
 */
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  ChannelEmptyError,
  ChannelError,
  ChannelFullError,
  pull,
  push,
  select,
  selectNowait,
  ticker,
} from 'chanasync';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runInNode } from './helpers/node-script.js';
import { rejection, thrown } from './helpers/track.js';

/** Resolves after `ms` (a macrotask boundary). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets every pending microtask run (a few hops: wake-ups and rejections take two). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** The settled state of `promise` once pending microtasks ran. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'resolved';
    },
    () => {
      result = 'rejected';
    },
  );
  await flush();
  return result;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// Reference, "### `after`…" row and Semantic details (Select), "`after(ms)` with `ms` ≤ 0 —
// negative too…": the decision of this round.
describe('after(ms) with a delay that has passed', () => {
  test('after(-50) fires at once, as after(0) does: one timestamp, then closed', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const timer = afterMs(-50);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(0);
    expect(timer.closed).toBe(true);
    expect(timer.pullNowait()).toBe(1_000);
    expect(() => timer.pullNowait()).toThrow(ChannelClosedError);
  });

  test('after(deadline - Date.now()) with a deadline in the past wins a select against an empty channel', async () => {
    const deadline = Date.now() - 1_000;
    const replies = new Channel<string>();
    const result = await select([pull(replies), pull(afterMs(deadline - Date.now()))]);
    expect(result.index).toBe(1);
    expect(replies.stats().waitingPullers).toBe(0);
  });

  test('a negative delay is not delivered synchronously: the value arrives on the next timer turn', () => {
    vi.useFakeTimers();
    const timer = afterMs(-1);
    expect(timer.tryPull()).toBeUndefined();
    expect(timer.closed).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
  });

  test('after with a negative delay is named after the delay given', () => {
    expect(afterMs(-5).name).toBe('after(-5)');
  });

  test('after with a negative delay and an aborted signal is closed and delivers nothing', async () => {
    const timer = afterMs(-5, { signal: AbortSignal.abort() });
    await sleep(5);
    expect(timer.closed).toBe(true);
    expect(timer.tryPull()).toBeUndefined();
  });

  test('closing an after(-1) before its timer turn clears the timer', () => {
    vi.useFakeTimers();
    const timer = afterMs(-1);
    timer.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each([Number.NaN, Infinity, -Infinity])('after(%s) is a RangeError saying ms must be a finite number', (ms) => {
    const error = thrown(() => afterMs(ms));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe(`after(ms): ms must be a finite number, got ${ms}`);
  });

  test('after(Infinity) starts no timer', () => {
    vi.useFakeTimers();
    expect(() => afterMs(Infinity)).toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker keeps the rule of the SPEC: a negative period is a RangeError', () => {
    expect(() => ticker(-1)).toThrow(RangeError);
    expect(() => ticker(0)).toThrow(RangeError);
    expect(() => ticker(Infinity)).toThrow(RangeError);
  });
});

// Reference, "### Properties (read-only getters)" and Semantic details, "**Rendezvous.**".
describe('properties', () => {
  test('name is undefined for a channel created without one', () => {
    expect(new Channel().name).toBeUndefined();
  });

  test('an unbuffered channel is full and has size 0, even with a push parked on it', () => {
    const channel = new Channel<number>();
    void channel.push(1).catch(() => {});
    expect(channel.stats().waitingPushers).toBe(1);
    expect([channel.full, channel.size, channel.empty]).toEqual([true, 0, true]);
  });

  test('an unbounded channel is never full', () => {
    const channel = new Channel<number>(Infinity);
    for (let i = 0; i < 10_000; i++) channel.pushNowait(i);
    expect([channel.full, channel.size, channel.capacity]).toEqual([false, 10_000, Infinity]);
  });

  test('closed is true once close() was called, while buffered values are still readable', () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.close();
    expect(channel.closed).toBe(true);
    expect(channel.pullNowait()).toBe(1);
  });

  test('the properties are read-only getters: assigning one throws in strict mode and changes nothing', () => {
    const channel = new Channel<number>(2);
    expect(() => {
      (channel as { capacity: number }).capacity = 5;
    }).toThrow(TypeError);
    expect(channel.capacity).toBe(2);
  });

  test('capacity -0 reads as 0', () => {
    expect(Object.is(new Channel(-0).capacity, 0)).toBe(true);
  });
});

// Reference, "### `new Channel<T>(capacity?, options?)`" and Semantic details, "**Errors.**".
describe('new Channel: bad input', () => {
  test.each([1n, '4', null, {}])('a capacity that is not a number (%s) is a TypeError', (capacity) => {
    expect(() => new Channel(capacity as never)).toThrow(TypeError);
  });

  test.each([-1, Number.NaN, 1.5, -Infinity])('capacity %s is a RangeError', (capacity) => {
    expect(() => new Channel(capacity)).toThrow(RangeError);
  });

  test("an object capacity's valueOf is never called", () => {
    const spy = vi.fn(() => 3);
    expect(() => new Channel({ valueOf: spy } as never)).toThrow(TypeError);
    expect(spy).not.toHaveBeenCalled();
  });

  test('a name that is not a string is a TypeError', () => {
    expect(() => new Channel(0, { name: 42 as never })).toThrow(TypeError);
  });

  test('an unknown overflow policy is a TypeError', () => {
    expect(() => new Channel(1, { overflow: 'drop' as never })).toThrow(TypeError);
  });

  test.each(['drop-oldest', 'drop-newest'] as const)('%s with capacity 0 is a RangeError', (overflow) => {
    expect(() => new Channel(0, { overflow })).toThrow(RangeError);
  });

  test('options that are not an object are a TypeError', () => {
    expect(() => new Channel(1, 'jobs' as never)).toThrow(TypeError);
  });
});

// Reference, "### Methods", and Semantic details, "**Commit points.**", "**Ordering.**".
describe('methods', () => {
  test('a push rejected by an already aborted signal on a closed channel rejects with the reason, not ChannelClosedError', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const reason = new Error('stop');
    expect(await rejection(channel.push(1, { signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('a pull with an already aborted signal rejects with the reason and leaves the buffered value', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(7);
    const reason = new Error('stop');
    expect(await rejection(channel.pull({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(channel.pullNowait()).toBe(7);
  });

  test('pushNowait on a full drop-oldest channel succeeds and pushNowait on a closed one throws ChannelClosedError', () => {
    const channel = new Channel<number>(1, { overflow: 'drop-oldest' });
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(channel.pullNowait()).toBe(2);
    channel.close();
    expect(() => channel.pushNowait(3)).toThrow(ChannelClosedError);
  });

  test('a push on a full drop-newest channel resolves and the pushed value is discarded', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    await channel.push(1);
    await channel.push(2);
    expect(channel.pullNowait()).toBe(1);
    expect(channel.tryPull()).toBeUndefined();
  });

  test('a drop mode hands a value straight to a parked pull', async () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    const pulling = channel.pull();
    channel.pushNowait(5);
    expect(channel.size).toBe(0);
    expect(await pulling).toBe(5);
  });

  test('a push to a parked pull commits synchronously: the pull is gone from the queue when push returns', () => {
    const channel = new Channel<number>();
    void channel.pull();
    void channel.push(1);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('when a pull frees a slot in a full buffer the oldest parked push moves in at once, so a later pushNowait cannot overtake it', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    const parked = channel.push(2);
    expect(channel.pullNowait()).toBe(1);
    expect(channel.size).toBe(1);
    expect(() => channel.pushNowait(3)).toThrow(ChannelFullError);
    await parked;
    expect(channel.pullNowait()).toBe(2);
  });

  test('parked pushes are served in FIFO order', async () => {
    const channel = new Channel<string>();
    const pushes = ['a', 'b', 'c'].map((v) => channel.push(v));
    expect([await channel.pull(), await channel.pull(), await channel.pull()]).toEqual(['a', 'b', 'c']);
    await Promise.all(pushes);
  });

  test('parked pulls are served in FIFO order', async () => {
    const channel = new Channel<number>();
    const pulls = [channel.pull(), channel.pull(), channel.pull()];
    channel.pushNowait(1);
    channel.pushNowait(2);
    channel.pushNowait(3);
    expect(await Promise.all(pulls)).toEqual([1, 2, 3]);
  });

  test('tryPush refuses a thenable with a TypeError, committing nothing', () => {
    const channel = new Channel<unknown>(1);
    expect(() => channel.tryPush(Promise.resolve(1))).toThrow(TypeError);
    expect(channel.size).toBe(0);
  });

  test('tryPull on a closed, drained channel returns undefined without throwing', () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(channel.tryPull()).toBeUndefined();
  });

  test('stats() returns a copy: changing it changes nothing, and each call gives a new object', () => {
    const channel = new Channel<number>(2, { name: 'jobs' });
    const stats = channel.stats();
    (stats as { size: number }).size = 9;
    expect(channel.stats()).toEqual({
      name: 'jobs',
      capacity: 2,
      size: 0,
      closed: false,
      overflow: 'block',
      waitingPushers: 0,
      waitingPullers: 0,
    });
    expect(channel.stats()).not.toBe(channel.stats());
  });

  test('stats() counts a select case on each channel it waits on', () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const controller = new AbortController();
    void select([pull(a), pull(b), push(a, 1)], { signal: controller.signal }).catch(() => {});
    expect([a.stats().waitingPullers, a.stats().waitingPushers, b.stats().waitingPullers]).toEqual([1, 1, 1]);
    controller.abort();
  });

  test('after close(), a push fails with ChannelClosedError and its value is not added', async () => {
    const channel = new Channel<number>(2);
    channel.close();
    expect(await rejection(channel.push(1))).toBeInstanceOf(ChannelClosedError);
    expect(channel.size).toBe(0);
  });

  test('close() fails every parked push with ChannelClosedError and adds none of their values', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(0);
    const pushes = [channel.push(1), channel.push(2)];
    channel.close();
    for (const pushing of pushes) expect(await rejection(pushing)).toBeInstanceOf(ChannelClosedError);
    expect(channel.pullNowait()).toBe(0);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  test('close() fails every parked pull with ChannelClosedError', async () => {
    const channel = new Channel<number>();
    const pulls = [channel.pull(), channel.pull()];
    channel.close();
    for (const pulling of pulls) expect(await rejection(pulling)).toBeInstanceOf(ChannelClosedError);
  });

  test('await using closes the channel at the end of the block', async () => {
    let kept: Channel<number> | undefined;
    {
      await using channel = new Channel<number>(1);
      kept = channel;
    }
    expect(kept.closed).toBe(true);
  });

  test('using closes the channel at the end of the block', () => {
    let kept: Channel<number> | undefined;
    {
      using channel = new Channel<number>(1);
      kept = channel;
    }
    expect(kept.closed).toBe(true);
  });
});

// Reference, "### Errors": "ChannelError extends Error is the base…", "a message of the form…".
describe('errors', () => {
  test('a push on a closed channel named jobs rejects with the message push: channel "jobs" is closed', async () => {
    const jobs = new Channel<number>(1, { name: 'jobs' });
    jobs.close();
    const error = (await rejection(jobs.push(1))) as ChannelClosedError;
    expect(error.message).toBe('push: channel "jobs" is closed');
    expect(error.channel).toBe(jobs);
  });

  test('pullNowait on an empty unnamed channel throws pullNowait: channel is empty', () => {
    const error = thrown(() => new Channel<number>(1).pullNowait()) as ChannelEmptyError;
    expect(error).toBeInstanceOf(ChannelEmptyError);
    expect(error.message).toBe('pullNowait: channel is empty');
  });

  test('pushNowait on a full channel named jobs throws pushNowait: channel "jobs" is full', () => {
    const jobs = new Channel<number>(0, { name: 'jobs' });
    const error = thrown(() => jobs.pushNowait(1)) as ChannelFullError;
    expect(error.name).toBe('ChannelFullError');
    expect(error.message).toBe('pushNowait: channel "jobs" is full');
  });

  test('every channel error is a ChannelError and an Error whose name is its class name', () => {
    const channel = new Channel<number>(1);
    channel.close();
    const errors = [
      thrown(() => channel.pushNowait(1)),
      thrown(() => new Channel(1).pullNowait()),
      thrown(() => new Channel(0).pushNowait(1)),
    ] as Error[];
    expect(errors.map((e) => e.name)).toEqual(['ChannelClosedError', 'ChannelEmptyError', 'ChannelFullError']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toBeInstanceOf(Error);
    }
  });

  test('name is a getter on each error class prototype, not an own property of the error', () => {
    const error = thrown(() => new Channel(1).pullNowait()) as Error;
    expect(Object.hasOwn(error, 'name')).toBe(false);
    expect(typeof Object.getOwnPropertyDescriptor(ChannelEmptyError.prototype, 'name')?.get).toBe('function');
  });

  test('a ChannelClosedError has no cause when the channel was closed without a reason', async () => {
    const channel = new Channel<number>();
    channel.close();
    const error = (await rejection(channel.pull())) as Error;
    expect('cause' in error).toBe(false);
  });

  test('a ChannelClosedError carries the close reason as cause', async () => {
    const channel = new Channel<number>();
    const reason = new Error('gone');
    channel.close(reason);
    expect(((await rejection(channel.pull())) as Error).cause).toBe(reason);
  });

  test("the ChannelClosedError TSDoc example: pull after close('shutting down') says pull: channel is closed, with the reason as cause", async () => {
    const jobs = new Channel<number>(1);
    jobs.close('shutting down');
    const error = (await rejection(jobs.pull())) as ChannelClosedError;
    expect([error.message, error.cause]).toEqual(['pull: channel is closed', 'shutting down']);
  });

  test('JSON.stringify of a channel error with parked waiters writes the channel as its stats', async () => {
    const channel = new Channel<number>(0, { name: 'jobs' });
    void channel.pull().catch(() => {});
    const error = thrown(() => channel.pullNowait()) as ChannelError;
    expect(JSON.parse(JSON.stringify({ channel: error.channel }))).toEqual({ channel: channel.stats() });
    channel.close();
  });
});

// Semantic details, "**Commit points.**": "a commit never goes to an operation whose signal is
// already aborted, even when its abort listener has not run yet".
describe('commit points and aborted signals', () => {
  test('a push made in an earlier listener of the abort does not go to the pull that abort cancels', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    let accepted: boolean | undefined;
    controller.signal.addEventListener('abort', () => {
      accepted = channel.tryPush(1);
    });
    const pulling = channel.pull({ signal: controller.signal });
    controller.abort(new Error('left'));
    expect(accepted).toBe(false);
    expect(((await rejection(pulling)) as Error).message).toBe('left');
  });

  test('a value committed to a pull stays that pull’s when its signal aborts right after', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pulling = channel.pull({ signal: controller.signal });
    channel.pushNowait(3);
    controller.abort();
    expect(await pulling).toBe(3);
  });
});

// Semantic details, "**Close.** `close()` is idempotent: only the first call's reason counts."
describe('close', () => {
  test('only the first close reason counts', async () => {
    const channel = new Channel<number>();
    const first = new Error('first');
    channel.close(first);
    channel.close(new Error('second'));
    expect(((await rejection(channel.pull())) as Error).cause).toBe(first);
  });

  test('a select parked with a push case and a pull case on the closing channel rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>();
    const selecting = select([pull(channel), push(channel, 1)]);
    channel.close();
    expect(await rejection(selecting)).toBeInstanceOf(ChannelClosedError);
  });

  test('a close made in an earlier listener of the abort rejects the parked pull with the signal reason', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => channel.close());
    const pulling = channel.pull({ signal: controller.signal });
    const reason = new Error('left');
    controller.abort(reason);
    expect(await rejection(pulling)).toBe(reason);
  });

  test('after(ms, { signal }) sharing the signal of the select that waits on it makes the select reject with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const selecting = select([pull(afterMs(1_000, { signal: controller.signal }))], { signal: controller.signal });
    controller.abort(reason);
    expect(await rejection(selecting)).toBe(reason);
  });

  test('for await throws a falsy reason such as null after close(null)', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close(null);
    const seen: number[] = [];
    let caught: unknown = 'nothing';
    try {
      for await (const value of channel) seen.push(value);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([1]);
    expect(caught).toBeNull();
  });

  test('a ChannelClosedError after close(0) carries 0 as cause', async () => {
    const channel = new Channel<number>();
    channel.close(0);
    const error = (await rejection(channel.pull())) as Error;
    expect('cause' in error && error.cause).toBe(0);
  });

  test('for await ends normally after close() with no reason', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    channel.close();
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    expect(seen).toEqual([1]);
  });
});

// Semantic details, "**Cancellation.**".
describe('cancellation', () => {
  test('an aborted pull leaves the channel at once: the waiter count drops in the abort call itself', () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    void channel.pull({ signal: controller.signal }).catch(() => {});
    controller.abort();
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a controller passed as the signal makes the pull reject with a TypeError before it touches the channel', async () => {
    const channel = new Channel<number>();
    const controller = new AbortController();
    const pulling = channel.pull({ signal: controller as unknown as AbortSignal });
    expect(channel.stats().waitingPullers).toBe(0);
    expect(await rejection(pulling)).toBeInstanceOf(TypeError);
  });

  test('a signal passed in place of the options (pull(signal)) is a TypeError', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(1);
    expect(await rejection(channel.pull(AbortSignal.abort() as never))).toBeInstanceOf(TypeError);
    expect(channel.size).toBe(1);
  });

  test('a signal-like object without removeEventListener is a TypeError', async () => {
    const channel = new Channel<number>();
    const signal = { aborted: false, addEventListener() {} };
    expect(await rejection(channel.pull({ signal: signal as never }))).toBeInstanceOf(TypeError);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('a duck-typed signal with aborted, addEventListener and removeEventListener works', async () => {
    const target = new EventTarget();
    const signal = Object.assign(target, { aborted: false, reason: undefined as unknown });
    const channel = new Channel<number>();
    const pulling = channel.pull({ signal: signal as unknown as AbortSignal });
    channel.pushNowait(4);
    expect(await pulling).toBe(4);
  });

  test('one signal shared by many parked operations gets one abort listener, removed when the last leaves', async () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const channel = new Channel<number>();
    const pulls = Array.from({ length: 20 }, () => channel.pull({ signal: controller.signal }));
    expect(added).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 19; i++) channel.pushNowait(i);
    expect(removed).not.toHaveBeenCalled();
    channel.pushNowait(19);
    expect(removed).toHaveBeenCalledTimes(1);
    expect(await Promise.all(pulls)).toHaveLength(20);
  });

  test('100 000 cancelled pulls on one channel leave no waiter behind', async () => {
    const channel = new Channel<number>();
    for (let i = 0; i < 100_000; i++) {
      const controller = new AbortController();
      void channel.pull({ signal: controller.signal }).catch(() => {});
      controller.abort();
    }
    expect(channel.stats().waitingPullers).toBe(0);
    const next = channel.pull();
    channel.pushNowait(1);
    expect(await next).toBe(1);
  });

  test('a pull cancelled by AbortSignal.timeout rejects with a TimeoutError DOMException', async () => {
    const channel = new Channel<number>();
    const error = (await rejection(channel.pull({ signal: AbortSignal.timeout(5) }))) as DOMException;
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('TimeoutError');
  });

  test('a rejection caused by a close reaches a handler two microtasks after a resolution would', async () => {
    const resolved = new Channel<number>();
    const rejected = new Channel<number>();
    const order: string[] = [];
    const a = resolved.pull().then(() => order.push('resolved'));
    const b = rejected.pull().catch(() => order.push('rejected'));
    rejected.close();
    resolved.pushNowait(1);
    const ticks: string[] = [];
    void Promise.resolve()
      .then(() => ticks.push(`1:${order.join()}`))
      .then(() => ticks.push(`2:${order.join()}`))
      .then(() => ticks.push(`3:${order.join()}`))
      .then(() => ticks.push(`4:${order.join()}`));
    await Promise.all([a, b]);
    await flush();
    // The resolution is seen one microtask after the call; the rejection two later.
    expect(order).toEqual(['resolved', 'rejected']);
    const firstResolved = ticks.findIndex((t) => t.includes('resolved'));
    const firstRejected = ticks.findIndex((t) => t.includes('rejected'));
    expect(firstRejected - firstResolved).toBe(2);
  });
});

// Semantic details, "**Iteration.**" and the `[Symbol.asyncIterator]()` row of Methods.
describe('iteration', () => {
  test("the iterator's return() withdraws a waiting next(), which resolves done, and the next value goes elsewhere", async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await iterator.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    const other = channel.pull();
    channel.pushNowait(1);
    expect(await other).toBe(1);
    expect(channel.closed).toBe(false);
  });

  test('a value committed to a next() before return() is still delivered to it', async () => {
    const channel = new Channel<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const waiting = iterator.next();
    channel.pushNowait(8);
    await iterator.return?.();
    expect(await waiting).toEqual({ done: false, value: 8 });
  });

  test('the iterator stays usable after return()', async () => {
    const channel = new Channel<number>(1);
    const iterator = channel[Symbol.asyncIterator]();
    await iterator.return?.();
    channel.pushNowait(2);
    expect(await iterator.next()).toEqual({ done: false, value: 2 });
  });

  test('several iterators share the values: each value goes to exactly one', async () => {
    const channel = new Channel<number>(4);
    const seen: number[][] = [[], [], []];
    const loops = seen.map(async (into) => {
      for await (const value of channel) into.push(value);
    });
    for (let i = 0; i < 60; i++) await channel.push(i);
    channel.close();
    await Promise.all(loops);
    expect(seen.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});

// Semantic details, "**Errors.**": "Misuse is reported by the call that made it, naming it …
// Functions that return a promise reject with these errors rather than throw."
describe('misuse is reported by the call, and promise-returning calls reject', () => {
  test('select with cases that are not an array returns a rejected promise instead of throwing', async () => {
    let selecting: Promise<unknown> | undefined;
    expect(() => {
      selecting = select('cases' as never);
    }).not.toThrow();
    const error = (await rejection(selecting as Promise<unknown>)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^select/);
  });

  test('pullMany(0) returns a rejected promise with a RangeError naming pullMany', async () => {
    let pulling: Promise<unknown> | undefined;
    expect(() => {
      pulling = new Channel<number>(1).pullMany(0);
    }).not.toThrow();
    const error = (await rejection(pulling as Promise<unknown>)) as Error;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/pullMany/);
  });

  test.each([1.5, -1, Number.NaN, Infinity])('pullMany(%s) is a RangeError', async (max) => {
    expect(await rejection(new Channel<number>(1).pullMany(max))).toBeInstanceOf(RangeError);
  });

  test.each(['3', 3n])('pullMany(%s) with a non-number is a TypeError', async (max) => {
    expect(await rejection(new Channel<number>(1).pullMany(max as never))).toBeInstanceOf(TypeError);
  });

  test('pullMany(0) with an already aborted signal rejects with the reason, checked first', async () => {
    const reason = new Error('stop');
    expect(await rejection(new Channel<number>(1).pullMany(0, { signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('pushAll of something not iterable returns a rejected promise with a TypeError naming pushAll', async () => {
    let pushing: Promise<unknown> | undefined;
    expect(() => {
      pushing = new Channel<number>(1).pushAll(5 as never);
    }).not.toThrow();
    const error = (await rejection(pushing as Promise<unknown>)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/pushAll/);
  });

  test('push with options that are not an object returns a rejected promise with a TypeError', async () => {
    const channel = new Channel<number>(1);
    let pushing: Promise<unknown> | undefined;
    expect(() => {
      pushing = channel.push(1, 5 as never);
    }).not.toThrow();
    expect(await rejection(pushing as Promise<unknown>)).toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
  });

  test('a pushAll that finds the channel closed names itself: pushAll: channel is closed', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    const error = (await rejection(channel.pushAll([1, 2]))) as ChannelClosedError;
    expect(error.message).toBe('pushAll: channel is closed');
    expect(error.pushed).toBe(0);
  });

  test('a pullMany that finds the channel closed and drained names itself', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(((await rejection(channel.pullMany(3))) as Error).message).toBe('pullMany: channel is closed');
  });

  test('a pushAll parked and failed by close() rejects with an error naming pushAll, with pushed', async () => {
    const channel = new Channel<number>(1);
    const pushing = channel.pushAll([1, 2, 3]);
    channel.close();
    const error = (await rejection(pushing)) as ChannelClosedError;
    expect(error.message).toBe('pushAll: channel is closed');
    expect(error.pushed).toBe(1);
  });

  test('a pullMany parked and failed by close() rejects with an error naming pullMany', async () => {
    const channel = new Channel<number>(1);
    const pulling = channel.pullMany(3);
    channel.close();
    expect(((await rejection(pulling)) as Error).message).toBe('pullMany: channel is closed');
  });

  test('a select push case names select push when its channel is closed at the call', async () => {
    const channel = new Channel<number>(1, { name: 'out' });
    channel.close();
    expect(((await rejection(select([push(channel, 1)]))) as Error).message).toBe(
      'select push: channel "out" is closed',
    );
  });

  test('a selectNowait push case names selectNowait when its channel is closed', () => {
    // It said "select push" (audit AD): the message names the function that was called.
    const channel = new Channel<number>(1, { name: 'out' });
    channel.close();
    expect(() => selectNowait([push(channel, 1)])).toThrow(ChannelClosedError);
    expect(() => selectNowait([push(channel, 1)])).toThrow('selectNowait push: channel "out" is closed');
  });

  test('a select push case names select push when its channel closes while the select waits', async () => {
    const channel = new Channel<number>(0, { name: 'out' });
    const selecting = select([push(channel, 1)]);
    channel.close();
    expect(((await rejection(selecting)) as Error).message).toBe('select push: channel "out" is closed');
  });
});

// Semantic details, "**Thenables are not values.**".
describe('thenables are refused', () => {
  // biome-ignore lint/suspicious/noThenProperty: a thenable is what these tests are about
  const thenable = { then() {} };

  test('push of a thenable rejects with a TypeError, committing nothing', async () => {
    const channel = new Channel<unknown>(1);
    expect(await rejection(channel.push(thenable))).toBeInstanceOf(TypeError);
    expect(channel.size).toBe(0);
  });

  test('pushNowait of a promise throws a TypeError, committing nothing', () => {
    const channel = new Channel<unknown>(1);
    expect(() => channel.pushNowait(Promise.resolve(1))).toThrow(TypeError);
    expect(channel.size).toBe(0);
  });

  test('a function with a then method is a thenable too', () => {
    const channel = new Channel<unknown>(1);
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
    const callable = Object.assign(() => {}, { then() {} });
    expect(() => channel.pushNowait(callable)).toThrow(TypeError);
  });

  test('a push() select case of a thenable is refused with a TypeError', () => {
    const channel = new Channel<unknown>(1);
    expect(() => push(channel, thenable)).toThrow(TypeError);
  });

  test('pushAll stops at a thenable with a TypeError that says how many values were pushed before it', async () => {
    const channel = new Channel<unknown>(4);
    const error = (await rejection(channel.pushAll([1, thenable, 3]))) as TypeError & { pushed?: number };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.pushed).toBe(1);
    expect(await channel.pullMany(4)).toEqual([1]);
  });

  test('a wrapped promise ({ promise }) is an ordinary value', async () => {
    const channel = new Channel<{ promise: Promise<number> }>(1);
    const promise = Promise.resolve(1);
    channel.pushNowait({ promise });
    expect((await channel.pull()).promise).toBe(promise);
  });
});

// Semantic details, "**Batches.**".
describe('batches', () => {
  test('pullMany takes the same values in the same order as consecutive pullNowait calls: buffer first, then parked pushes', async () => {
    const channel = new Channel<number>(2);
    channel.pushNowait(1);
    channel.pushNowait(2);
    const parked = [channel.push(3), channel.push(4)];
    expect(await channel.pullMany(3)).toEqual([1, 2, 3]);
    await parked[0];
    // 4 moved into the freed buffer slot.
    expect(channel.size).toBe(1);
    expect(await state(parked[1] as Promise<void>)).toBe('resolved');
  });

  test('a parked pullMany is served by the next push with that one value', async () => {
    const channel = new Channel<number>(4);
    const pulling = channel.pullMany(10);
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect(await pulling).toEqual([1]);
    expect(channel.pullNowait()).toBe(2);
  });

  test('pushAll([]) resolves even on a closed channel', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    await expect(channel.pushAll([])).resolves.toBeUndefined();
  });

  test('pushAll with an already aborted signal rejects with the reason itself, which says pushed: 0', async () => {
    const reason = new Error('stop');
    const error = (await rejection(
      new Channel<number>(1).pushAll([1], { signal: AbortSignal.abort(reason) }),
    )) as Error & { pushed?: number };
    expect(error).toBe(reason);
    expect(error.pushed).toBe(0);
  });

  test('a primitive abort reason is rejected as is', async () => {
    const controller = new AbortController();
    const channel = new Channel<number>(1);
    const pushing = channel.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort('stop');
    expect(await rejection(pushing)).toBe('stop');
  });

  test('one reason stopping two pushAll calls with different counts: the second gets a ChannelError of its own with its count', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const first = a.pushAll([1, 2, 3], { signal: controller.signal });
    const second = b.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort(reason);
    const errors = [await rejection(first), await rejection(second)] as (Error & { pushed: number })[];
    const own = errors.find((e) => e !== reason) as ChannelError;
    expect(errors).toContain(reason);
    expect(own).toBeInstanceOf(ChannelError);
    expect(own.message).toBe(
      `pushAll: channel took ${(own as ChannelError & { pushed: number }).pushed} of its values before the call stopped: ${reason instanceof Error ? reason.message : String(reason)}`,
    );
    expect(own.cause).toBe(reason);
    expect([reason as Error & { pushed: number }, own].map((e) => e.pushed).sort()).toEqual([1, 2]);
  });

  test('one abort() stopping two pushAll calls with different counts: both reject with an AbortError, each with its own count', async () => {
    const controller = new AbortController();
    const a = new Channel<number>(1);
    const b = new Channel<number>(2);
    const first = a.pushAll([1, 2, 3], { signal: controller.signal });
    const second = b.pushAll([1, 2, 3], { signal: controller.signal });
    controller.abort();
    const reason = controller.signal.reason as DOMException & { pushed: number };
    const errors = [await rejection(first), await rejection(second)] as (DOMException & { pushed: number })[];
    const own = errors.find((e) => e !== reason)!;
    expect(errors).toContain(reason);
    expect(own).toBeInstanceOf(DOMException);
    expect([own.name, own.message]).toEqual([reason.name, reason.message]);
    expect(own.cause).toBe(reason);
    expect([reason, own].map((e) => e.pushed).sort()).toEqual([1, 2]);
    expect([a.tryPull(), b.tryPull(), b.tryPull(), b.tryPull()]).toEqual([1, 1, 2, undefined]);
  });

  test('one AbortSignal.timeout() stopping two pushAll calls: both reject with a TimeoutError', async () => {
    const signal = AbortSignal.timeout(5);
    const pushing = [new Channel<number>(0), new Channel<number>(1)].map((channel) =>
      rejection(channel.pushAll([1, 2], { signal })),
    );
    const errors = (await Promise.all(pushing)) as (DOMException & { pushed: number })[];
    expect(errors.map((e) => [e.name, e.pushed])).toEqual([
      ['TimeoutError', 0],
      ['TimeoutError', 1],
    ]);
    expect(errors[1]!.cause).toBe(signal.reason);
  });

  test('pushAll reads the iterable lazily: a value is read only when the previous one was committed', async () => {
    const channel = new Channel<number>(1);
    const read: number[] = [];
    function* values() {
      for (let i = 1; i <= 3; i++) {
        read.push(i);
        yield i;
      }
    }
    const pushing = channel.pushAll(values());
    // 1 committed into the buffer; 2 read and waiting for room; 3 not read yet.
    expect(read).toEqual([1, 2]);
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBe(2);
    expect(await channel.pull()).toBe(3);
    await pushing;
  });
});

// Reference, "### Select", and Semantic details, "**Select.**".
describe('select', () => {
  test('an already aborted signal is checked first: a push case on a closed channel does not make it a ChannelClosedError', async () => {
    const closed = new Channel<number>(1);
    closed.close();
    const reason = new Error('stop');
    expect(await rejection(select([push(closed, 1)], { signal: AbortSignal.abort(reason) }))).toBe(reason);
  });

  test('an aborted select commits nothing and leaves no waiter', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const controller = new AbortController();
    const selecting = select([pull(a), push(b, 1)], { signal: controller.signal });
    controller.abort();
    await rejection(selecting);
    expect([a.stats().waitingPullers, b.stats().waitingPushers]).toEqual([0, 0]);
  });

  test('a push case on a closed channel rejects the select even when a pull case is ready', async () => {
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const closed = new Channel<number>(1);
    closed.close();
    expect(await rejection(select([pull(ready), push(closed, 2)]))).toBeInstanceOf(ChannelClosedError);
    expect(ready.pullNowait()).toBe(1);
  });

  test('selectNowait throws ChannelClosedError for a push case on a closed channel', () => {
    const closed = new Channel<number>(1);
    closed.close();
    expect(() => selectNowait([push(closed, 1)])).toThrow(ChannelClosedError);
  });

  test('selectNowait returns undefined for an empty list and for a list of null cases', () => {
    expect(selectNowait([])).toBeUndefined();
    expect(selectNowait([null, undefined])).toBeUndefined();
  });

  test('select with no case left after skipping null entries rejects with a TypeError', async () => {
    expect(await rejection(select([null, undefined]))).toBeInstanceOf(TypeError);
    expect(await rejection(select([]))).toBeInstanceOf(TypeError);
  });

  test('null cases keep their index', async () => {
    const channel = new Channel<number>(1);
    channel.pushNowait(5);
    expect(await select([null, undefined, pull(channel)])).toMatchObject({ index: 2, value: 5, ok: true });
  });

  test('a malformed entry (not built by pull or push) is a TypeError', async () => {
    const channel = new Channel<number>(1);
    expect(await rejection(select([{ channel, kind: 'pull' } as never]))).toBeInstanceOf(TypeError);
    expect(() => selectNowait([{ channel } as never])).toThrow(TypeError);
  });

  test('the result of a push case has value undefined and ok true', async () => {
    const channel = new Channel<number>(1);
    const result = await select([push(channel, 1)]);
    expect(result).toEqual({ index: 0, channel, value: undefined, ok: true });
  });

  test('a pull case on a closed, drained channel fires with ok false and value undefined', async () => {
    const channel = new Channel<number>(1);
    channel.close();
    expect(await select([pull(channel)])).toEqual({ index: 0, channel, value: undefined, ok: false });
  });

  test('a push case on a drop-mode channel is always ready, even when its buffer is full', () => {
    const channel = new Channel<number>(1, { overflow: 'drop-newest' });
    channel.pushNowait(1);
    expect(selectNowait([push(channel, 2)])).toMatchObject({ index: 0, ok: true });
    expect(channel.pullNowait()).toBe(1);
  });

  test('a select with a push case and a pull case on the same unbuffered channel never matches itself', async () => {
    const channel = new Channel<number>();
    expect(selectNowait([push(channel, 1), pull(channel)])).toBeUndefined();
    const controller = new AbortController();
    const selecting = select([push(channel, 1), pull(channel)], { signal: controller.signal });
    expect(await state(selecting)).toBe('pending');
    controller.abort();
    await rejection(selecting);
  });

  test('two selects each with a push and a pull case on the same unbuffered channel meet', async () => {
    const channel = new Channel<number>();
    const first = select([push(channel, 1), pull(channel)]);
    const second = select([push(channel, 2), pull(channel)]);
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.index).sort()).toEqual([0, 1]);
  });

  test('when several cases are ready, each is chosen about equally often', () => {
    const channels = [new Channel<number>(1), new Channel<number>(1), new Channel<number>(1)];
    const counts = [0, 0, 0];
    for (let i = 0; i < 3_000; i++) {
      for (const channel of channels) if (channel.empty) channel.pushNowait(i);
      const result = selectNowait(channels.map((channel) => pull(channel)));
      counts[result?.index as number] = (counts[result?.index as number] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  test('case descriptors are immutable values: one array of cases serves many selects', async () => {
    const channel = new Channel<number>(4);
    const cases = [pull(channel)] as const;
    channel.pushNowait(1);
    channel.pushNowait(2);
    expect((await select(cases)).value).toBe(1);
    expect((await select(cases)).value).toBe(2);
  });

  test('case descriptors are not frozen', () => {
    expect(Object.isFrozen(pull(new Channel()))).toBe(false);
  });

  test('pull(x) with something that is not a chanasync Channel is a TypeError', () => {
    expect(() => pull({} as never)).toThrow(TypeError);
    expect(() => push({} as never, 1 as never)).toThrow(TypeError);
  });

  test('an after channel whose select was lost keeps its timer until it fires', () => {
    vi.useFakeTimers();
    const ready = new Channel<number>(1);
    ready.pushNowait(1);
    const timeout = afterMs(1_000);
    expect(selectNowait([pull(ready), pull(timeout)])?.index).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    timeout.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

// Reference, "### Select", the `after` row, and the `after` TSDoc.
describe('after', () => {
  test('after is a capacity-1 channel named after(ms) that receives Date.now() once and then closes', async () => {
    const before = Date.now();
    const timer = afterMs(5);
    expect([timer.capacity, timer.name]).toEqual([1, 'after(5)']);
    const value = await timer.pull();
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(Date.now());
    expect(timer.closed).toBe(true);
  });

  test('a signal that aborts first clears the timer, delivers nothing and closes the channel at once', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const timer = afterMs(100, { signal: controller.signal });
    controller.abort();
    expect(timer.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(200);
    expect(timer.tryPull()).toBeUndefined();
  });

  test('a second pull case on a fired after channel fires with ok false at once', async () => {
    const timer = afterMs(0);
    expect((await select([pull(timer)])).ok).toBe(true);
    expect(selectNowait([pull(timer)])).toMatchObject({ ok: false });
  });

  test('after counts its hops, not the clock: setting the clock forward does not fire it', () => {
    vi.useFakeTimers({ now: 0 });
    const timer = afterMs(1_000);
    vi.setSystemTime(10_000_000);
    vi.advanceTimersByTime(999);
    expect(timer.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(timer.size).toBe(1);
  });

  test('closing an after channel keeps a timestamp it already holds readable', () => {
    vi.useFakeTimers({ now: 42 });
    const timer = afterMs(0);
    vi.advanceTimersByTime(0);
    timer.close();
    expect(timer.pullNowait()).toBe(42);
  });

  test('after with a signal that is not an AbortSignal is a TypeError', () => {
    expect(() => afterMs(5, { signal: {} as never })).toThrow(TypeError);
  });
});

// Reference, "### Broadcast and ticker", and Semantic details, "**Broadcast and ticker.**".
describe('broadcast', () => {
  test('subscribe() without options gives a channel of capacity 1, block, named subscriber', () => {
    const subscriber = broadcast(new Channel<number>()).subscribe();
    expect(subscriber.stats()).toMatchObject({ capacity: 1, overflow: 'block', name: 'subscriber' });
  });

  test('with no subscriber a broadcast pulls nothing: values wait in the source', async () => {
    const source = new Channel<number>(4);
    broadcast(source);
    source.pushNowait(1);
    await flush();
    expect(source.size).toBe(1);
  });

  test('the slowest block subscriber sets the pace: the next value stays in the source until it has room', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const fast = hub.subscribe({ capacity: 10 });
    const slow = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2, 3]);
    await flush();
    expect([fast.size, slow.size, source.size]).toEqual([1, 1, 2]);
    expect(slow.pullNowait()).toBe(1);
    expect([fast.size, slow.size, source.size]).toEqual([2, 1, 1]);
  });

  test('a drop-mode subscriber never holds the others back', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const all = hub.subscribe({ capacity: 10 });
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    await source.pushAll([1, 2, 3]);
    await flush();
    expect(await all.pullMany(10)).toEqual([1, 2, 3]);
    expect(latest.pullNowait()).toBe(3);
  });

  test('subscribe() fills the first subscriber from a source that already holds values before it returns', () => {
    const source = new Channel<number>(4);
    source.pushNowait(1);
    source.pushNowait(2);
    const hub = broadcast(source);
    const first = hub.subscribe();
    expect(first.pullNowait()).toBe(1);
    const second = hub.subscribe();
    expect(second.size).toBe(0);
  });

  test('when the source is closed with a reason, every subscriber is closed with it after what it was sent', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 4 });
    const b = hub.subscribe({ capacity: 4 });
    const reason = new Error('feed ended');
    await source.pushAll([1, 2]);
    source.close(reason);
    for (const subscriber of [a, b]) {
      expect(subscriber.closed).toBe(true);
      expect(await subscriber.pullMany(4)).toEqual([1, 2]);
      expect(((await rejection(subscriber.pull())) as Error).cause).toBe(reason);
    }
  });

  test('the source end closes a full subscriber at once; what it holds stays readable', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const full = hub.subscribe({ capacity: 1 });
    source.pushNowait(1);
    await flush();
    expect(full.full).toBe(true);
    source.close();
    expect(full.closed).toBe(true);
    expect(full.pullNowait()).toBe(1);
  });

  test('broadcast.close() stops pulling, leaves the source open with its values, and closes every subscriber', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 1 });
    await source.pushAll([1, 2]);
    hub.close();
    hub.close();
    expect([subscriber.closed, source.closed, source.size]).toEqual([true, false, 1]);
    expect(subscriber.pullNowait()).toBe(1);
  });

  test('subscribe() after the broadcast ended returns a closed channel carrying the source reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    source.close('done');
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(((await rejection(late.pull())) as Error).cause).toBe('done');
  });

  test('a subscriber whose signal aborts is closed normally, keeps its buffered values and leaves', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const controller = new AbortController();
    const leaving = hub.subscribe({ capacity: 1, signal: controller.signal });
    const staying = hub.subscribe({ capacity: 4 });
    await source.pushAll([1, 2, 3]);
    await flush();
    controller.abort(new Error('bye'));
    await flush();
    expect(leaving.closed).toBe(true);
    expect(leaving.pullNowait()).toBe(1);
    expect('cause' in ((await rejection(leaving.pull())) as Error)).toBe(false);
    expect(await staying.pullMany(4)).toEqual([1, 2, 3]);
  });

  test('subscribe with an already aborted signal returns a closed channel', () => {
    const hub = broadcast(new Channel<number>());
    expect(hub.subscribe({ signal: AbortSignal.abort() }).closed).toBe(true);
  });

  test('bad subscribe options are errors naming broadcast.subscribe(options)', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe('x' as never)).toThrow(/broadcast\.subscribe\(options\)/);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(/broadcast\.subscribe\(options\)/);
    expect(() => hub.subscribe({ overflow: 'x' as never })).toThrow(TypeError);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => hub.subscribe(AbortSignal.abort() as never)).toThrow(TypeError);
  });

  test('broadcast of something that is not a chanasync Channel is a TypeError', () => {
    expect(() => broadcast({} as never)).toThrow(TypeError);
  });
});

describe('ticker', () => {
  test('ticker is a capacity-1 channel named ticker(ms)', () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    expect([ticks.capacity, ticks.name]).toEqual([1, 'ticker(10)']);
    ticks.close();
  });

  test('a tick that finds the buffer full is dropped: a slow reader finds one tick waiting', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    vi.advanceTimersByTime(35);
    expect(ticks.pullNowait()).toBe(10);
    expect(ticks.tryPull()).toBeUndefined();
    vi.advanceTimersByTime(5);
    expect(ticks.pullNowait()).toBe(40);
    ticks.close();
  });

  test('ticks are due at start + k·ms: a late timer skips ticks, never shifts them', () => {
    // Timers and the clock driven apart, as when the event loop is blocked: Date.now() is set by hand.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const ticks = ticker(10);
    now = 10;
    vi.advanceTimersByTime(10);
    expect(ticks.pullNowait()).toBe(10);
    // The timer due at 20 runs at 35: the tick says 35, and the next one is due at 40, not 45.
    now = 35;
    vi.advanceTimersByTime(10);
    expect(ticks.pullNowait()).toBe(35);
    now = 40;
    vi.advanceTimersByTime(5);
    expect(ticks.pullNowait()).toBe(40);
    ticks.close();
  });

  test('closing a ticker clears its timer', () => {
    vi.useFakeTimers();
    const ticks = ticker(10);
    expect(vi.getTimerCount()).toBe(1);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('aborting the signal closes the ticker and clears its timer', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const ticks = ticker(10, { signal: controller.signal });
    controller.abort();
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('closing a ticker ends a for await over it after the tick it holds', async () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    vi.advanceTimersByTime(10);
    ticks.close();
    const seen: number[] = [];
    for await (const tick of ticks) seen.push(tick);
    expect(seen).toEqual([10]);
  });

  test('a ticker whose period is beyond 2³¹−1 ms waits that long', () => {
    vi.useFakeTimers({ now: 0 });
    const period = 2 ** 31 + 5;
    const ticks = ticker(period);
    vi.advanceTimersByTime(period - 1);
    expect(ticks.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ticks.pullNowait()).toBe(period);
    ticks.close();
  });

  test('a timer that fires more than half a period early by the clock ticks at once', () => {
    vi.useFakeTimers({ now: 1_000, toFake: ['setTimeout', 'clearTimeout'] });
    // The clock stands still (the timer fires 10 ms early by it): left real, a machine that
    // stalls 5 ms between the ticker's start and the timer made it only a little early.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    try {
      const ticks = ticker(10);
      vi.advanceTimersByTime(10);
      expect(ticks.size).toBe(1);
      ticks.close();
    } finally {
      clock.mockRestore();
    }
  });

  test('after and ticker channels sharing one signal add one abort listener to it', () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const { signal } = controller;
    const channels = [afterMs(10, { signal }), ticker(10, { signal }), afterMs(20, { signal })];
    expect(added).toHaveBeenCalledTimes(1);
    controller.abort();
    expect(channels.every((channel) => channel.closed)).toBe(true);
  });

  test('operations parked on a timer channel with the same signal reject with its reason when it aborts', async () => {
    const controller = new AbortController();
    const timer = afterMs(10_000, { signal: controller.signal });
    const pulling = timer.pull({ signal: controller.signal });
    const reason = new Error('cancelled');
    controller.abort(reason);
    expect(await rejection(pulling)).toBe(reason);
  });

  test('a ticker made before the test fakes the timers stays on the real clock', async () => {
    const ticks = ticker(5);
    vi.useFakeTimers();
    vi.advanceTimersByTime(1_000);
    expect(ticks.size).toBe(0);
    vi.useRealTimers();
    await sleep(30);
    expect(ticks.size).toBe(1);
    ticks.close();
  });
});

// Semantic details, "What differs from Go": "The methods are not bound: `setTimeout(channel.close)`
// or `addEventListener('input', channel.tryPush)` throws a `TypeError` … instead of acting on the
// wrong object".
describe('methods called without their channel as this', () => {
  test('a detached close throws close: called without its channel as this', () => {
    const channel = new Channel<number>();
    expect(() => Reflect.apply(channel.close, new EventTarget(), [])).toThrow(
      /^close: called without its channel as this/,
    );
    expect(channel.closed).toBe(false);
  });

  test('tryPush used as an event listener throws a TypeError instead of reporting a commit', () => {
    const channel = new Channel<unknown>(4);
    const target = new EventTarget();
    expect(() => Reflect.apply(channel.tryPush, target, [new Event('input')])).toThrow(TypeError);
    expect(channel.size).toBe(0);
  });

  test('a detached pull called on another object throws a TypeError and parks nothing on that object', () => {
    const target = new EventTarget();
    const own = Reflect.ownKeys(target);
    expect(() => Reflect.apply(new Channel<number>().pull, target, [])).toThrow(
      /^pull: called without its channel as this/,
    );
    expect(Reflect.ownKeys(target)).toEqual(own);
  });

  test('a detached pullMany called on another object throws a TypeError and parks nothing', () => {
    const target = {};
    expect(() => Reflect.apply(new Channel<number>().pullMany, target, [4])).toThrow(TypeError);
    expect(Reflect.ownKeys(target)).toEqual([]);
  });

  test('an iterator taken from a channel method but bound to another object refuses to park', async () => {
    const target = { [Symbol.asyncIterator]: new Channel<number>()[Symbol.asyncIterator] };
    const iterator = target[Symbol.asyncIterator]();
    expect(() => iterator.next()).toThrow(TypeError);
  });

  test('a detached tryPull called on another object throws a TypeError instead of reporting an empty channel', () => {
    expect(() => Reflect.apply(new Channel<number>().tryPull, new EventTarget(), [])).toThrow(
      /^tryPull: called without its channel as this/,
    );
  });

  test('tryPull on an empty channel still returns undefined', () => {
    const channel = new Channel<number>(1);
    expect(channel.tryPull()).toBeUndefined();
    channel.close();
    expect(channel.tryPull()).toBeUndefined();
  });

  test('a detached pushAll called on another object throws a TypeError that names it (audit BW)', () => {
    const target = {};
    expect(() => Reflect.apply(new Channel<number>(1).pushAll, target, [[1]])).toThrow(/^pushAll: called without/);
  });

  test('a detached method called with an undefined this throws a TypeError', () => {
    const channel = new Channel<number>(1);
    for (const method of [channel.pull, channel.push, channel.tryPull, channel.pullNowait, channel.close]) {
      expect(() => Reflect.apply(method, undefined, [])).toThrow(TypeError);
    }
  });
});

// Reference, "### Properties": "`full` | `size >= capacity`"; Semantic details (Broadcast and
// ticker): a subscriber that lost its room while the broadcast waited holds it back (the value
// stays in the source); only a room lost during the delivery itself — two capacity-0
// subscribers in one select — "leaves a value stored one beyond a subscriber's capacity".
describe('a channel over its capacity', () => {
  test('a broadcast subscriber that someone else filled while the broadcast waited holds it back: the value waits in the source', () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 2 });
    source.pushNowait(1);
    subscriber.pushNowait(100); // someone else fills the slot the broadcast was waiting for
    source.pushNowait(2);
    expect([subscriber.size, subscriber.capacity, subscriber.full, source.size]).toEqual([2, 2, true, 1]);
    source.pushNowait(3);
    expect(source.size).toBe(2);
    expect([subscriber.pullNowait(), subscriber.pullNowait(), subscriber.pullNowait()]).toEqual([1, 100, 2]);
  });

  test('the capacity-0 subscriber whose select case lost holds one value over its capacity, and is full', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const [a, b] = [hub.subscribe({ capacity: 0 }), hub.subscribe({ capacity: 0 })];
    const chosen = select([pull(a), pull(b)]);
    await flush();
    source.pushNowait(7);
    const loser = (await chosen).index === 0 ? b : a;
    expect([loser.size, loser.capacity, loser.full]).toEqual([1, 0, true]);
    expect(loser.pullNowait()).toBe(7);
    hub.close();
  });
});

// FAQ, "### Why does my Node script exit with code 13 while it waits?".
describe('FAQ: a Node script that only waits', () => {
  test('a script whose only pending work is a pull on a channel nobody pushes to exits with code 13', async () => {
    const run = await runInNode(`
      import { Channel } from './src/index.ts';
      await new Channel<number>().pull();
    `);
    expect(run.exit).toBe(13);
  });

  test('a script waiting on a pull with AbortSignal.timeout exits with code 13 without waiting for the timeout', async () => {
    const run = await runInNode(`
      import { Channel } from './src/index.ts';
      await new Channel<number>().pull({ signal: AbortSignal.timeout(30_000) });
    `);
    expect(run.exit).toBe(13);
    expect(run.ms).toBeLessThan(20_000);
  });

  test('a script waiting on a select with a pull(after(ms)) case waits for the timer and exits normally', async () => {
    const run = await runInNode(`
      import { after, Channel, pull, select } from './src/index.ts';
      const result = await select([pull(new Channel<number>()), pull(after(50))]);
      if (result.index !== 1) throw new Error('the after case should win');
    `);
    expect(run.exit).toBe(0);
  });
});

// Semantic details, "**Thenables are not values.**" … "The refusal is a misuse, so it comes
// before the channel's state".
describe('a thenable on a full or closed channel', () => {
  test('push of a thenable on a closed channel rejects with a TypeError, not ChannelClosedError', async () => {
    const channel = new Channel<unknown>(1);
    channel.close();
    expect(await rejection(channel.push(Promise.resolve(1)))).toBeInstanceOf(TypeError);
  });

  test('tryPush of a thenable on a closed channel throws a TypeError instead of answering false', () => {
    const channel = new Channel<unknown>(1);
    channel.close();
    expect(() => channel.tryPush(Promise.resolve(1))).toThrow(TypeError);
  });

  test('pushNowait of a thenable on a full channel throws a TypeError, not ChannelFullError', () => {
    const channel = new Channel<unknown>(1);
    channel.pushNowait(1);
    expect(() => channel.pushNowait(Promise.resolve(2))).toThrow(TypeError);
  });

  test('push of a thenable with an already aborted signal rejects with the reason', async () => {
    const channel = new Channel<unknown>(1);
    expect(await rejection(channel.push(Promise.resolve(1), { signal: AbortSignal.abort('stop') }))).toBe('stop');
  });
});

// The `ticker` TSDoc: "With a signal already aborted, the channel is closed at once and never ticks."
describe('ticker and after with an already aborted signal', () => {
  test('ticker with an already aborted signal is closed at once and starts no timer', () => {
    vi.useFakeTimers();
    const ticks = ticker(10, { signal: AbortSignal.abort() });
    expect(ticks.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('ticker with a period that is not a number, or a signal that is not an AbortSignal, is a TypeError', () => {
    expect(() => ticker('10' as never)).toThrow(TypeError);
    expect(() => ticker(10, { signal: new AbortController() as never })).toThrow(TypeError);
  });
});

// Reference, "### Broadcast and ticker": "Each value moves from `source` into every subscriber
// in one synchronous step at `source`'s commit point"; "It leaves when it is closed".
describe('broadcast, more', () => {
  test('a value pushed into the source is in every subscriber when the push call returns', () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe({ capacity: 3, overflow: 'drop-newest' });
    source.pushNowait(1);
    expect([a.size, b.size, source.size]).toEqual([1, 1, 0]);
  });

  test('closing a full block subscriber lets the broadcast go on for the others', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    const other = hub.subscribe({ capacity: 4 });
    await source.pushAll([1, 2, 3]);
    expect(other.size).toBe(1);
    slow.close();
    expect(await other.pullMany(4)).toEqual([1, 2, 3]);
  });

  test('subscribing to a broadcast of a closed, drained source returns a closed channel with its reason', async () => {
    const source = new Channel<number>(1);
    source.close('why');
    const subscriber = broadcast(source).subscribe();
    expect(subscriber.closed).toBe(true);
    expect(((await rejection(subscriber.pull())) as Error).cause).toBe('why');
  });
});

// The `select` and `selectNowait` TSDoc: "an entry is not a case (a promise of `channel.pull()`
// among them: that pull still waits, and takes the next value)"; "`cases` is not an array".
describe('select misuse', () => {
  test('a promise of channel.pull() given as a case is a TypeError that says the pull still waits', async () => {
    const channel = new Channel<number>();
    const pending = channel.pull();
    const error = (await rejection(select([pending as never]))) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/still waits/);
    channel.pushNowait(1);
    expect(await pending).toBe(1);
  });

  test('selectNowait with cases that are not an array throws a TypeError naming selectNowait', () => {
    expect(() => selectNowait('cases' as never)).toThrow(/^selectNowait\(cases\)/);
  });
});

// "### Cancellation": "An aborted push delivers nothing, an aborted pull consumes nothing, and
// the parked operation leaves the channel at once (in O(1)) together with its abort listener."
describe('cancellation, as the usage section says it', () => {
  test('an aborted parked push delivers nothing: a later pull gets the next push', async () => {
    const channel = new Channel<string>();
    const controller = new AbortController();
    const pushing = channel.push('cancelled', { signal: controller.signal });
    controller.abort();
    await rejection(pushing);
    const next = channel.pull();
    channel.pushNowait('next');
    expect(await next).toBe('next');
  });

  test('an aborted parked pull removes its abort listener in the same step', () => {
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const channel = new Channel<number>();
    void channel.pull({ signal: controller.signal }).catch(() => {});
    controller.abort();
    expect(removed).toHaveBeenCalledTimes(1);
    expect(channel.stats().waitingPullers).toBe(0);
  });

  test('ReadableStream.from(channel) cancelled during a read withdraws its pull: the next value goes to the next pull', async () => {
    const channel = new Channel<number>();
    // `ReadableStream.from` (Node ≥ 20.6): the DOM lib of this TypeScript does not declare it.
    const from = (ReadableStream as unknown as { from<T>(source: AsyncIterable<T>): ReadableStream<T> }).from;
    const reader = from(channel).getReader();
    const reading = reader.read();
    await flush();
    await reader.cancel();
    expect(await reading).toEqual({ done: true, value: undefined });
    expect(channel.stats().waitingPullers).toBe(0);
    const next = channel.pull();
    channel.pushNowait(1);
    expect(await next).toBe(1);
  });
});

// Semantic details, "**Broadcast and ticker.**": "The source's end needs no room …"; "With only
// drop-mode subscribers, nothing holds a broadcast back".
describe('broadcast, the Semantic-details bullets', () => {
  test('while a subscriber is full the broadcast keeps a pull parked on the empty source, and a value pushed then waits in the source', () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 1 });
    source.pushNowait(1);
    expect(subscriber.full).toBe(true);
    expect(source.stats().waitingPullers).toBe(1);
    source.pushNowait(2);
    expect([source.size, subscriber.size]).toEqual([1, 1]);
  });

  test('with only drop-mode subscribers the broadcast takes every value as it comes, read or not', () => {
    const source = new Channel<number>(8);
    const hub = broadcast(source);
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    for (let i = 1; i <= 5; i++) source.pushNowait(i);
    expect(source.size).toBe(0);
    expect(latest.pullNowait()).toBe(5);
  });
});

// Semantic details, "**Batches.**": "An iterable that throws stops `pushAll` the same way …
// closes the iterator (`return()`, as `for…of` does)".
describe('pushAll and its iterable', () => {
  test('an iterable that throws makes pushAll reject with that error, carrying pushed; the values before it stay', async () => {
    const channel = new Channel<number>(4);
    const broke = new Error('source broke');
    function* values() {
      yield 1;
      throw broke;
    }
    const error = (await rejection(channel.pushAll(values()))) as Error & { pushed?: number };
    expect(error).toBe(broke);
    expect(error.pushed).toBe(1);
    expect(channel.pullNowait()).toBe(1);
  });

  test("a pushAll stopped part-way by close() runs the generator's finally", async () => {
    const channel = new Channel<number>(1);
    let finished = false;
    function* values() {
      try {
        yield 1;
        yield 2;
        yield 3;
      } finally {
        finished = true;
      }
    }
    const pushing = channel.pushAll(values());
    channel.close();
    await rejection(pushing);
    expect(finished).toBe(true);
  });
});

// Semantic details (Broadcast and ticker), "A ticker is an ordinary 'block' channel …":
// "leaving a `for await` over it with `break` does not close it".
describe('a ticker left with break', () => {
  test('break out of a for await over a ticker leaves the ticker running; using closes it', async () => {
    const left = ticker(1);
    for await (const _tick of left) break;
    expect(left.closed).toBe(false);
    left.close();
    let kept: Channel<number> | undefined;
    {
      using ticks = ticker(1);
      kept = ticks;
      for await (const _tick of ticks) break;
    }
    expect(kept.closed).toBe(true);
  });
});

// Semantic details, "What differs from Go": "That holds after `close(reason)` too: the pull
// case fires with `ok: false` and the select resolves — it does not throw the reason".
describe('a select on a channel closed with a reason', () => {
  test('a pull case on a channel closed with a reason fires with ok false instead of throwing the reason', async () => {
    const channel = new Channel<number>();
    const reason = new Error('producer failed');
    channel.close(reason);
    expect(await select([pull(channel)])).toEqual({ index: 0, channel, value: undefined, ok: false });
    expect(selectNowait([pull(channel)])).toMatchObject({ ok: false });
    expect(((await rejection(channel.pull())) as Error).cause).toBe(reason);
  });

  test('a parked pull case fires with ok false when its channel is closed with a reason', async () => {
    const channel = new Channel<number>();
    const selecting = select([pull(channel)]);
    channel.close(new Error('producer failed'));
    expect(await selecting).toMatchObject({ index: 0, ok: false, value: undefined });
  });
});

// "### Batches": "`pushAll(values)` … commits synchronously while there is room — no promise per
// value — and waits for room only when the channel is full".
describe('pushAll commits synchronously', () => {
  test('values that fit are in the buffer when the pushAll call returns, before any await', () => {
    const channel = new Channel<number>(4);
    void channel.pushAll([1, 2, 3, 4, 5]).catch(() => {});
    expect(channel.size).toBe(4);
    expect(channel.stats().waitingPushers).toBe(1);
    channel.close();
  });

  test('a pushAll into a waiting pull hands the first value over at once', () => {
    const channel = new Channel<number>();
    const pulling = channel.pull();
    void channel.pushAll([1, 2]).catch(() => {});
    expect(channel.stats().waitingPullers).toBe(0);
    expect(channel.stats().waitingPushers).toBe(1);
    channel.close();
    return expect(pulling).resolves.toBe(1);
  });
});
