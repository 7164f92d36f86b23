/**
 * Red-team audit of SPEC "Broadcast and ticker" (second map): broadcast, subscribe, ticker, and
 * the after/ticker long-delay and clear-on-close rules — the cases an outsider would try that
 * broadcast.test.ts, ticker.test.ts and after.test.ts do not: leaving and joining during a
 * delivery, closing while blocked, falsy close reasons, capacity-0 subscribers, chained and
 * merged subscribers, a model-based schedule with joins and leaves, and ticker periods at the
 * edges of what a number can be.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  after as afterMs,
  broadcast,
  Channel,
  ChannelClosedError,
  merge,
  pull,
  select,
  selectNowait,
  ticker,
  toReadableStream,
} from '../src/index.js';
import { runInNode } from './helpers/node-script.js';
import { abortedSignal, flush, track } from './helpers/track.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Everything a channel has buffered now (pullNowait: `undefined` is a value too). */
function drain<T>(channel: Channel<T>): T[] {
  const values: T[] = [];
  for (;;) {
    try {
      values.push(channel.pullNowait());
    } catch {
      return values;
    }
  }
}

/** Iterates to the end: the values, and the error if the iteration threw. */
async function settleAll<T>(channel: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of channel) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

/** How many values the broadcast took from a source that was only ever fed with pushNowait. */
function takenFrom(source: { readonly size: number }, pushed: number): number {
  return pushed - source.size;
}

describe('broadcast: who receives what', () => {
  test('subscribe() without options gives a channel of capacity 1 with overflow block, named subscriber', () => {
    const subscriber = broadcast(new Channel<number>()).subscribe();
    expect(subscriber.stats()).toMatchObject({ name: 'subscriber', capacity: 1, overflow: 'block', closed: false });
  });

  test('a subscriber added while the broadcast is blocked on the slowest receives the next value, not earlier ones', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 4; i++) source.pushNowait(i);
    expect(drain(fast)).toEqual([0]); // blocked on slow
    const late = hub.subscribe({ capacity: 10 });
    expect(late.size).toBe(0);
    expect(slow.pullNowait()).toBe(0); // room: the next value goes to all three
    expect(drain(late)).toEqual([1]);
    expect(drain(fast)).toEqual([1]);
  });

  test('undefined, null, functions and objects are delivered to every subscriber as they are', () => {
    const source = new Channel<unknown>(Infinity);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 8 });
    const b = hub.subscribe({ capacity: 8 });
    const fn = () => 1;
    const object = { x: 1 };
    const values = [undefined, null, fn, object, 0, ''];
    for (const value of values) source.pushNowait(value);
    expect(drain(a)).toEqual(values);
    const got = drain(b);
    expect(got).toEqual(values);
    expect(got[2]).toBe(fn);
    expect(got[3]).toBe(object);
  });

  test('with only capacity-0 subscribers a value is taken only once every one of them has a pull waiting', async () => {
    const source = new Channel<number>(4);
    source.pushNowait(1);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const b = hub.subscribe({ capacity: 0 });
    const fromA = track(a.pull());
    await flush();
    expect(source.size).toBe(1); // b has no pull waiting: nothing taken
    const fromB = track(b.pull());
    await flush();
    expect(source.size).toBe(0);
    expect(fromA.current).toEqual({ status: 'fulfilled', value: 1 });
    expect(fromB.current).toEqual({ status: 'fulfilled', value: 1 });
  });

  test('a capacity-0 subscriber whose pull is aborted holds the broadcast back: values pushed meanwhile wait in the source for its next pull', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 0 });
    const controller = new AbortController();
    const aborted = track(a.pull({ signal: controller.signal }));
    await flush();
    controller.abort(new Error('gave up'));
    await flush();
    expect(aborted.current.status).toBe('rejected');
    // README, Semantic details: the broadcast was waiting on the source when the pull left; the
    // source's commit finds the subscriber without room and skips it, so nothing is taken.
    source.pushNowait(7);
    source.pushNowait(8);
    expect(source.size).toBe(2);
    expect(a.size).toBe(0);
    expect(await a.pull()).toBe(7);
    expect(await a.pull()).toBe(8);
  });

  test('a drop-newest subscriber keeps the first values and never holds the others back', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const first = hub.subscribe({ capacity: 2, overflow: 'drop-newest' });
    const all = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    expect(drain(all)).toEqual([0, 1, 2, 3, 4]);
    expect(drain(first)).toEqual([0, 1]);
  });

  test('broadcasting a subscriber of another broadcast delivers every value, in order', async () => {
    const source = new Channel<number>();
    const upstream = broadcast(source);
    const downstream = broadcast(upstream.subscribe());
    const a = downstream.subscribe();
    const b = downstream.subscribe({ capacity: 3 });
    const direct = upstream.subscribe({ capacity: 0 });
    const received = Promise.all([collect(a), collect(b), collect(direct)]);
    for (let i = 0; i < 30; i++) await source.push(i);
    source.close();
    const expected = Array.from({ length: 30 }, (_, i) => i);
    expect(await received).toEqual([expected, expected, expected]);
  });

  test('a broadcast blocked behind an unbuffered intermediate subscriber takes at most one value ahead upstream', () => {
    const source = new Channel<number>(Infinity);
    const upstream = broadcast(source);
    const middle = upstream.subscribe({ capacity: 0 });
    const downstream = broadcast(middle);
    const slow = downstream.subscribe({ capacity: 1 });
    for (let i = 0; i < 20; i++) source.pushNowait(i);
    // 0 went through to slow; the downstream broadcast is blocked; upstream may hold one more.
    expect(20 - source.size).toBeLessThanOrEqual(2);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(slow.pullNowait());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a merged channel as the source of a blocked broadcast: every value arrives in order and the end is seen at once', async () => {
    const a = new Channel<number>(Infinity);
    const hub = broadcast(merge(a));
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 1 });
    const fastRun = settleAll(fast);
    for (let i = 0; i < 5; i++) a.pushNowait(i);
    await flush(20);
    const slowValues: number[] = [];
    for (let i = 0; i < 5; i++) slowValues.push(await slow.pull());
    a.close();
    expect(await fastRun).toEqual({ values: [0, 1, 2, 3, 4] });
    expect(slowValues).toEqual([0, 1, 2, 3, 4]);
  });

  test('subscribers read through merge, toReadableStream and select each receive every value, in order', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const merged = merge(hub.subscribe());
    const stream = toReadableStream(hub.subscribe());
    const selected = hub.subscribe();
    const viaSelect = (async () => {
      const values: number[] = [];
      for (;;) {
        const result = await select([pull(selected)]);
        if (!result.ok) return values;
        values.push(result.value);
      }
    })();
    const viaStream = (async () => {
      const values: number[] = [];
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) values.push(r.value);
      return values;
    })();
    const received = Promise.all([collect(merged), viaStream, viaSelect]);
    for (let i = 0; i < 40; i++) await source.push(i);
    source.close();
    const expected = Array.from({ length: 40 }, (_, i) => i);
    expect(await received).toEqual([expected, expected, expected]);
  });

  test('a select that commits another case leaves the subscriber’s value in the subscriber', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 2 });
    const other = new Channel<string>(1);
    other.pushNowait('x');
    source.pushNowait(1);
    const result = selectNowait([pull(other), pull(subscriber)]);
    // Whichever ready case the select chose, the other value stays where it was.
    const rest = result?.index === 0 ? drain(subscriber) : drain(other);
    expect([result?.value, ...rest].sort()).toEqual([1, 'x'].sort());
  });

  test('two broadcasts of one source compete for its values: each value goes to one of them', () => {
    const source = new Channel<number>(Infinity);
    const one = broadcast(source).subscribe({ capacity: 100 });
    const two = broadcast(source).subscribe({ capacity: 100 });
    for (let i = 0; i < 10; i++) source.pushNowait(i);
    const all = [...drain(one), ...drain(two)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('broadcast: leaving', () => {
  test('a subscriber that closes itself inside a for await over it leaves; the others receive every value', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const quitter = hub.subscribe();
    const stayer = hub.subscribe();
    const quitterSaw: number[] = [];
    const quitting = (async () => {
      for await (const value of quitter) {
        quitterSaw.push(value);
        if (value === 2) quitter.close();
      }
    })();
    const staying = collect(stayer);
    for (let i = 0; i < 10; i++) await source.push(i);
    source.close();
    await quitting;
    // After its close it still reads what it held then (its buffer of one), and no more.
    expect(quitterSaw.slice(0, 3)).toEqual([0, 1, 2]);
    expect(quitterSaw.length).toBeLessThanOrEqual(4);
    expect(await staying).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('a subscriber closed with a reason leaves without closing the source or the other subscribers', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const leaving = hub.subscribe();
    const staying = hub.subscribe({ capacity: 4 });
    leaving.close(new Error('bye'));
    source.pushNowait(1);
    expect(source.closed).toBe(false);
    expect(staying.closed).toBe(false);
    expect(drain(staying)).toEqual([1]);
  });

  test('a subscriber whose signal aborts while its pull waits: the pull rejects with ChannelClosedError and it leaves', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const controller = new AbortController();
    const leaving = hub.subscribe({ signal: controller.signal });
    const staying = hub.subscribe({ capacity: 4 });
    const pulled = track(leaving.pull());
    await flush();
    controller.abort(new Error('leave'));
    await flush();
    expect(pulled.current.status).toBe('rejected');
    expect((pulled.current as { reason: unknown }).reason).toBeInstanceOf(ChannelClosedError);
    source.pushNowait(1);
    source.pushNowait(2);
    expect(drain(staying)).toEqual([1, 2]);
  });

  test('one signal shared by several subscribers closes them all and keeps no abort listener afterwards', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const subscribers = [1, 2, 3].map(() => hub.subscribe({ signal: controller.signal }));
    controller.abort();
    for (const subscriber of subscribers) expect(subscriber.closed).toBe(true);
    expect(removed).toHaveBeenCalledTimes(added.mock.calls.length);
  });

  test('a subscriber closed by the source’s end stops listening to its signal', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const subscriber = hub.subscribe({ signal: controller.signal });
    source.close();
    expect(subscriber.closed).toBe(true);
    expect(removed).toHaveBeenCalledTimes(1);
  });

  test('a subscriber closed by broadcast.close() stops listening to its signal', () => {
    const hub = broadcast(new Channel<number>());
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    hub.subscribe({ signal: controller.signal });
    hub.close();
    expect(removed).toHaveBeenCalledTimes(1);
  });

  test('subscribing with an already aborted signal leaves no abort listener on it', () => {
    const hub = broadcast(new Channel<number>());
    const signal = abortedSignal('gone');
    const added = vi.spyOn(signal, 'addEventListener');
    const removed = vi.spyOn(signal, 'removeEventListener');
    const subscriber = hub.subscribe({ signal });
    expect(subscriber.closed).toBe(true);
    expect(added.mock.calls.length - removed.mock.calls.length).toBe(0);
  });

  test('when every subscriber has left, nothing more is pulled: values wait in the source', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe({ signal: new AbortController().signal });
    source.pushNowait(1);
    a.close();
    b.close();
    for (let i = 2; i <= 4; i++) source.pushNowait(i);
    expect(source.size).toBe(3);
    expect(source.stats().waitingPullers).toBe(0);
    expect(drain(hub.subscribe({ capacity: 5 }))).toEqual([2, 3, 4]);
  });
});

describe('broadcast: ending', () => {
  test('broadcast.close() while blocked on a full subscriber pulls nothing more: the source keeps the rest', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    hub.close();
    expect(drain(slow)).toEqual([0]);
    expect(drain(fast)).toEqual([0]);
    expect(drain(source)).toEqual([1, 2, 3, 4]);
  });

  test('broadcast.close() is idempotent; subscribing afterwards gives a channel closed normally', async () => {
    const hub = broadcast(new Channel<number>());
    hub.close();
    hub.close();
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(await collect(late)).toEqual([]);
  });

  test('broadcast.close() rejects a pull waiting on a subscriber with ChannelClosedError', async () => {
    const hub = broadcast(new Channel<number>());
    const subscriber = hub.subscribe();
    const pulled = subscriber.pull();
    await flush();
    hub.close();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
  });

  test('broadcast.close() after the source ended keeps the source’s reason on late subscribers', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    const failure = new Error('feed broke');
    source.close(failure);
    hub.close();
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    expect(() => late.pullNowait()).toThrow(ChannelClosedError);
    try {
      late.pullNowait();
    } catch (error) {
      expect((error as ChannelClosedError).cause).toBe(failure);
    }
  });

  test.each([
    ['0', 0],
    ['null', null],
    ['an empty string', ''],
    ['false', false],
  ])('a source closed with %s as its reason closes every subscriber with that same reason', async (_, reason) => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 2 });
    const b = hub.subscribe({ capacity: 0 });
    source.pushNowait(1);
    source.close(reason);
    // Read both at once: the capacity-0 subscriber paces the other.
    const outcomes = await Promise.all(
      [a, b].map(async (subscriber) => {
        const seen: number[] = [];
        try {
          for await (const value of subscriber) seen.push(value);
        } catch (error) {
          return { seen, error };
        }
        return { seen, ended: true };
      }),
    );
    for (const outcome of outcomes) expect(outcome).toEqual({ seen: [1], error: reason });
  });

  test('broadcasting a source that is already closed and drained closes each subscriber at once', () => {
    const source = new Channel<number>();
    source.close(new Error('over'));
    const hub = broadcast(source);
    const subscriber = hub.subscribe();
    expect(subscriber.closed).toBe(true);
    expect(() => subscriber.pullNowait()).toThrow(ChannelClosedError);
  });

  test('broadcasting a closed source that still holds values delivers them, then closes', async () => {
    const source = new Channel<number>(3);
    source.pushNowait(1);
    source.pushNowait(2);
    source.close();
    const hub = broadcast(source);
    expect(await collect(hub.subscribe({ capacity: 0 }))).toEqual([1, 2]);
  });

  // Regression: the broadcast learned of the source's close only when it next looked, so a
  // subscriber whose pull parked before the close, while another 'block' subscriber was full
  // and the source empty, waited forever. Its waiter now stays parked on an empty source even
  // without room (a push then skips it), so the close reaches it at once.
  test('a subscriber waiting when the source closes drained is closed, even while another subscriber is full', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const reader = hub.subscribe();
    const full = hub.subscribe();
    source.pushNowait(1);
    expect(await reader.pull()).toBe(1);
    const waiting = track(reader.pull()); // parks; the broadcast is blocked on `full`
    await flush();
    source.close();
    await flush();
    expect(waiting.current.status).toBe('rejected');
    expect(full.pullNowait()).toBe(1);
  });

  test('a source closed with a reason while the broadcast is blocked on a full subscriber ends a waiting reader with that reason', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const reader = hub.subscribe();
    const full = hub.subscribe();
    source.pushNowait(1);
    const reading = collect(reader).catch((error: unknown) => ({ error }));
    await flush();
    const failure = new Error('feed lost');
    source.close(failure);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timed out'), 2000)); // a hang, not a slow machine
    expect(await Promise.race([reading, timeout])).toEqual({ error: failure });
    expect(full.pullNowait()).toBe(1);
    expect(full.closed).toBe(true);
  });

  test('while the broadcast is blocked on a full subscriber, a push into an unbuffered source waits: nothing is taken', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const full = hub.subscribe();
    const other = hub.subscribe({ capacity: 4 });
    source.pushNowait(1);
    const pushed = track(source.push(2));
    await flush();
    expect(pushed.current.status).toBe('pending');
    expect(source.stats().waitingPushers).toBe(1);
    expect(drain(other)).toEqual([1]);
    expect(full.pullNowait()).toBe(1); // room: the waiting push is taken and delivered
    await flush();
    expect(pushed.current.status).toBe('fulfilled');
    expect(drain(other)).toEqual([2]);
    expect(drain(full)).toEqual([2]);
  });

  // The same, as an outsider would write it: a producer that pushes and then closes, and a fast
  // consumer that finishes before the slow one starts reading.
  test('a for await over a fast subscriber ends when the source closes after its last value filled a slower one', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const fast = hub.subscribe({ capacity: 3 });
    const slow = hub.subscribe({ capacity: 3 });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    void (async () => {
      for (const value of [1, 2, 3]) {
        await pause(); // the fast reader catches up and waits
        await source.push(value);
      }
      await pause();
      source.close();
    })();
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timed out'), 2000)); // a hang, not a slow machine
    expect(await Promise.race([collect(fast), timeout])).toEqual([1, 2, 3]);
    expect(await collect(slow)).toEqual([1, 2, 3]);
  });
});

describe('broadcast misuse', () => {
  test('subscribe with a fractional or negative capacity is a RangeError naming broadcast.subscribe(options)', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: 1.5 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(/^broadcast\.subscribe\(options\): capacity/);
    expect(() => hub.subscribe({ capacity: '2' as never })).toThrow(TypeError);
  });

  test('a subscribe that throws adds no subscriber: the others are not held back by it', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const good = hub.subscribe({ capacity: 4 });
    expect(() => hub.subscribe({ capacity: 1, overflow: 'nope' as never })).toThrow(TypeError);
    for (let i = 0; i < 3; i++) source.pushNowait(i);
    expect(drain(good)).toEqual([0, 1, 2]);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a plain object', {}],
    ['a push-only view', { pull: () => Promise.resolve(1) }],
  ])('broadcast(%s) is a TypeError naming broadcast(source)', (_, value) => {
    expect(() => broadcast(value as never)).toThrow(TypeError);
    expect(() => broadcast(value as never)).toThrow(/^broadcast\(source\)/);
  });
});

describe('broadcast under random schedules with joins and leaves', () => {
  type Step =
    | { kind: 'push'; count: number }
    | { kind: 'subscribe'; capacity: number; mode: 'block' | 'drop-oldest' | 'drop-newest'; signal: boolean }
    | { kind: 'pull'; subscriber: number; many: boolean }
    | { kind: 'close'; subscriber: number }
    | { kind: 'abort'; subscriber: number }
    | { kind: 'hubClose' };

  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 5 },
    {
      arbitrary: fc.record({
        kind: fc.constant('subscribe' as const),
        capacity: fc.integer({ min: 1, max: 3 }),
        mode: fc.constantFrom('block' as const, 'drop-oldest' as const, 'drop-newest' as const),
        signal: fc.boolean(),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('pull' as const), subscriber: fc.nat(7), many: fc.boolean() }),
      weight: 6,
    },
    { arbitrary: fc.record({ kind: fc.constant('close' as const), subscriber: fc.nat(7) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('abort' as const), subscriber: fc.nat(7) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'hubClose' as const }), weight: 1 },
  );

  interface Sub {
    channel: Channel<number>;
    mode: 'block' | 'drop-oldest' | 'drop-newest';
    controller: AbortController | undefined;
    /** How many values the broadcast had taken when it subscribed. */
    from: number;
    /** How many it had taken when it left (closed by its owner), if it left. */
    to: number | undefined;
    got: number[];
  }

  test('every subscriber receives exactly the values taken while it was present (block), or an ordered part of them (drop); nothing is taken with no subscriber', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.boolean(), (steps, endWithReason) => {
        const source = new Channel<number>(Infinity);
        const hub = broadcast(source);
        const subs: Sub[] = [];
        let pushed = 0;
        let hubClosed = false;
        const leave = (sub: Sub, how: () => void) => {
          if (sub.to !== undefined || sub.channel.closed) return;
          sub.to = takenFrom(source, pushed);
          how();
        };
        for (const s of steps) {
          const present = subs.filter((sub) => sub.to === undefined && !sub.channel.closed).length;
          const before = takenFrom(source, pushed);
          if (s.kind === 'push') {
            for (let i = 0; i < s.count; i++) source.pushNowait(pushed++);
            // With no subscriber present (or after the end) nothing is taken.
            if (present === 0 || hubClosed) expect(takenFrom(source, pushed)).toBe(before);
          } else if (s.kind === 'subscribe') {
            const controller = s.signal ? new AbortController() : undefined;
            const channel = hub.subscribe({ capacity: s.capacity, overflow: s.mode, signal: controller?.signal });
            subs.push({ channel, mode: s.mode, controller, from: before, to: undefined, got: [] });
          } else if (s.kind === 'hubClose') {
            hub.close();
            hubClosed = true;
          } else if (subs.length > 0) {
            const sub = subs[s.subscriber % subs.length] as Sub;
            if (s.kind === 'pull') {
              if (s.many) {
                for (let i = 0; i < 2; i++) {
                  try {
                    sub.got.push(sub.channel.pullNowait());
                  } catch {
                    break;
                  }
                }
              } else {
                try {
                  sub.got.push(sub.channel.pullNowait());
                } catch {
                  // empty or closed
                }
              }
            } else if (s.kind === 'close') {
              leave(sub, () => sub.channel.close());
            } else if (sub.controller) {
              const controller = sub.controller;
              leave(sub, () => controller.abort(new Error('leave')));
            }
          }
        }
        const reason = endWithReason ? new Error('end') : undefined;
        source.close(reason);
        // Drain round by round: the slowest subscriber paces the others.
        for (let progress = true; progress; ) {
          progress = false;
          for (const sub of subs) {
            try {
              sub.got.push(sub.channel.pullNowait());
              progress = true;
            } catch {
              // empty or closed
            }
          }
        }
        const taken = takenFrom(source, pushed);
        // The source is drained unless the broadcast was closed first or nobody stayed.
        if (!hubClosed && subs.some((sub) => sub.to === undefined)) expect(source.size).toBe(0);
        for (const sub of subs) {
          expect(sub.channel.closed).toBe(true);
          const end = sub.to ?? taken;
          const expected = Array.from({ length: Math.max(0, end - sub.from) }, (_, i) => sub.from + i);
          if (sub.mode === 'block') {
            expect(sub.got).toEqual(expected);
          } else {
            for (const value of sub.got) expect(expected).toContain(value);
            for (let i = 1; i < sub.got.length; i++) expect(sub.got[i]!).toBeGreaterThan(sub.got[i - 1]!);
            // A drop-oldest subscriber always ends with the last value delivered to it.
            if (sub.mode === 'drop-oldest' && expected.length > 0 && sub.to === undefined) {
              expect(sub.got.at(-1)).toBe(expected.at(-1));
            }
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('broadcast under random asynchronous consumers', () => {
  const consumer = fc.record({
    capacity: fc.nat(2),
    mode: fc.constantFrom('block' as const, 'block' as const, 'drop-oldest' as const),
    /** Per pull: microtask turns to wait first, whether to pull with a signal aborted soon, pullMany. */
    plan: fc.array(fc.record({ delay: fc.nat(6), abortAfter: fc.option(fc.nat(3)), many: fc.boolean() }), {
      minLength: 1,
      maxLength: 8,
    }),
    /** Leaves (closes its channel) after this many values, if set. */
    leaveAfter: fc.option(fc.nat(12)),
  });

  test('every consumer ends, each blocking one received a gap-free prefix (or all) of the values, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(consumer, { minLength: 1, maxLength: 4 }),
        fc.nat(2),
        fc.integer({ min: 0, max: 25 }),
        fc.boolean(),
        async (consumers, sourceCapacity, total, withReason) => {
          const source = new Channel<number>(sourceCapacity);
          const hub = broadcast(source);
          const reason = withReason ? new Error('end') : undefined;
          const runs = consumers.map(async (spec) => {
            const channel = hub.subscribe({
              capacity: spec.mode === 'block' ? spec.capacity : spec.capacity + 1,
              overflow: spec.mode,
            });
            const got: number[] = [];
            let ending: unknown = 'none';
            for (let turn = 0; ; turn++) {
              const step = spec.plan[turn % spec.plan.length]!;
              await flush(step.delay);
              if (spec.leaveAfter !== null && got.length >= spec.leaveAfter) {
                channel.close();
                return { spec, got: [...got, ...drain(channel)], left: true, ending };
              }
              const controller = step.abortAfter === null ? undefined : new AbortController();
              if (controller) void flush(step.abortAfter as number).then(() => controller.abort(new Error('gave up')));
              try {
                if (step.many) got.push(...(await channel.pullMany(2, { signal: controller?.signal })));
                else got.push(await channel.pull({ signal: controller?.signal }));
              } catch (error) {
                if (error instanceof ChannelClosedError) {
                  ending = error.cause;
                  return { spec, got, left: false, ending };
                }
                // aborted: try again
              }
            }
          });
          // One subscriber that never leaves, so the producer always has someone to deliver to.
          const steady = settleAll(hub.subscribe({ capacity: 0 }));
          const produce = (async () => {
            for (let i = 0; i < total; i++) await source.push(i);
            source.close(reason);
          })();
          const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 2_000));
          const raced = await Promise.race([Promise.all([Promise.all(runs), steady, produce]), timeout]);
          if (raced === 'hung') expect.fail('a consumer or the producer never finished');
          const [results, steadyOutcome] = raced;
          expect(steadyOutcome).toEqual(
            reason === undefined
              ? { values: Array.from({ length: total }, (_, i) => i) }
              : { values: Array.from({ length: total }, (_, i) => i), error: reason },
          );
          for (const { spec, got, left, ending } of results) {
            if (spec.mode === 'block') {
              if (left) expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
              else expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
            } else {
              for (let i = 1; i < got.length; i++) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
              if (!left && total > 0) expect(got.at(-1)).toBe(total - 1);
            }
            if (!left) expect(ending).toBe(reason);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('ticker: periods at the edges', () => {
  test('a ticker is a capacity-1 block channel named after its period', () => {
    vi.useFakeTimers();
    const ticks = ticker(250);
    expect(ticks.stats()).toMatchObject({ name: 'ticker(250)', capacity: 1, overflow: 'block', closed: false });
    ticks.close();
  });

  test('ticker(2³¹−1) and ticker(2³¹) tick exactly once their period is over', () => {
    vi.useFakeTimers({ now: 0 });
    for (const period of [2 ** 31 - 1, 2 ** 31]) {
      const start = Date.now();
      const ticks = ticker(period);
      vi.advanceTimersByTime(period - 1);
      expect(ticks.size).toBe(0);
      vi.advanceTimersByTime(1);
      expect(ticks.pullNowait()).toBe(start + period);
      ticks.close();
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  test('a ticker with a period above 2³¹−1 ms keeps its schedule for the second tick too', () => {
    vi.useFakeTimers({ now: 0 });
    const period = 3 * 2 ** 31;
    const ticks = ticker(period);
    vi.advanceTimersByTime(period);
    expect(ticks.pullNowait()).toBe(period);
    vi.advanceTimersByTime(period - 1);
    expect(ticks.size).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ticks.pullNowait()).toBe(2 * period);
    ticks.close();
  });

  test('closing a ticker part-way through a long chained period clears the pending hop', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(2 ** 33);
    vi.advanceTimersByTime(2 ** 31); // the first hop has run; the second is pending
    expect(vi.getTimerCount()).toBe(1);
    ticks.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a fractional period keeps the schedule start + k·ms', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(2.5);
    const values: number[] = [];
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersToNextTimer();
      while (ticks.size === 0) vi.advanceTimersToNextTimer();
      values.push(ticks.pullNowait());
    }
    ticks.close();
    // Due at 2.5, 5, 7.5, 10: each tick no earlier than its due time, none skipped for long.
    values.forEach((value, k) => {
      expect(value).toBeGreaterThanOrEqual((k + 1) * 2.5);
      expect(value).toBeLessThan((k + 1) * 2.5 + 2.5);
    });
  });

  test('a ticker with a period far below a millisecond keeps ticking after a late timer', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ticks = ticker(Number.MIN_VALUE);
    const values: number[] = [];
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(Date.now() + 5); // each timer runs 5 ms late
      vi.advanceTimersToNextTimer();
      values.push(ticks.pullNowait());
    }
    ticks.close();
    // A tick each time (the missed-tick count overflowed to Infinity and stopped it before).
    expect(values).toHaveLength(3);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
  });

  test.each([
    ['-0', -0],
    ['-Infinity', -Infinity],
    ['Number.MAX_VALUE * 2', Number.MAX_VALUE * 2],
  ])('ticker(%s) is a RangeError that starts no timer', (_, ms) => {
    vi.useFakeTimers();
    expect(() => ticker(ms)).toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a bigint', 5n],
    ['a numeric string', '10'],
    ['a Number object', new Number(10)],
  ])('ticker(%s) is a TypeError naming ticker(ms)', (_, ms) => {
    expect(() => ticker(ms as never)).toThrow(TypeError);
    expect(() => ticker(ms as never)).toThrow(/^ticker\(ms\): ms must be a number/);
  });

  test('ticker with options that are not an object is a TypeError that starts no timer', () => {
    vi.useFakeTimers();
    expect(() => ticker(10, 'fast' as never)).toThrow(/^ticker\(ms, options\): options must be an object/);
    expect(() => ticker(10, null as never)).toThrow(TypeError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ticker: drift and dropped ticks', () => {
  test('under random late timers every tick is the one due at start + k·ms: no drift, no burst', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(250), { minLength: 1, maxLength: 30 }), (lateness) => {
        vi.useFakeTimers({ now: 0 });
        const ms = 100;
        const ticks = ticker(ms);
        let lastSlot = 0;
        for (const late of lateness) {
          vi.setSystemTime(Date.now() + late); // the event loop was busy this long
          vi.advanceTimersToNextTimer();
          const value = ticks.pullNowait();
          // The tick is delivered when its timer ran; the schedule slot it belongs to is the
          // latest one due by then, and the slots only move forward.
          const slot = Math.floor(value / ms);
          expect(slot).toBeGreaterThan(lastSlot);
          lastSlot = slot;
          // The next timer is due on the schedule, within one period.
          expect(ticks.size).toBe(0);
        }
        // No drift: after the last tick, the next one is due at the next multiple of ms.
        const next = (Math.floor(Date.now() / ms) + 1) * ms;
        vi.advanceTimersToNextTimer();
        expect(Date.now()).toBe(next);
        expect(ticks.pullNowait()).toBe(next);
        ticks.close();
        vi.useRealTimers();
      }),
      { numRuns: 100 },
    );
  });

  test('with capacity 1, a reader that never reads holds exactly one tick however many were due', () => {
    vi.useFakeTimers({ now: 0 });
    const ticks = ticker(10);
    vi.advanceTimersByTime(10_000);
    expect(ticks.size).toBe(1);
    expect(ticks.stats().waitingPushers).toBe(0);
    expect(ticks.pullNowait()).toBe(10);
    expect(vi.getTimerCount()).toBe(1);
    ticks.close();
  });

  test('a real ticker under a busy event loop never delivers a tick before it is due', async () => {
    // (Drift — each tick due at start + k·ms however late the timers run — is the test above,
    // on a fake clock: on a real one, a loaded machine may run a timer a whole period late, and
    // the next tick is then on time in the same period.)
    const ms = 15;
    const started = Date.now();
    const ticks = ticker(ms);
    const values: number[] = [];
    for (let k = 0; k < 12; k++) {
      values.push(await ticks.pull());
      // Busy for 0–9 ms: the next timer runs late, by a varying amount.
      const busyUntil = Date.now() + ((k * 7) % 10);
      while (Date.now() < busyUntil) {
        // spin
      }
    }
    ticks.close();
    // The k-th tick received is at best the k-th due (ticks can be dropped, never added), at
    // start + k·ms (the clock may tick 1 ms apart between the start and the timer).
    for (let k = 0; k < values.length; k++) {
      expect(values[k]!).toBeGreaterThanOrEqual(started + (k + 1) * ms - 1);
      if (k > 0) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
    }
  });

  test('a tick waits for a pull already parked, and the pull gets the tick’s time', async () => {
    vi.useFakeTimers({ now: 500 });
    const ticks = ticker(20);
    const pulls = [track(ticks.pull()), track(ticks.pull())];
    vi.advanceTimersByTime(40);
    await flush();
    expect(pulls.map((p) => p.current)).toEqual([
      { status: 'fulfilled', value: 520 },
      { status: 'fulfilled', value: 540 },
    ]);
    ticks.close();
  });

  test('closing a ticker rejects a pull waiting on it and the timer is gone', async () => {
    vi.useFakeTimers();
    const ticks = ticker(20);
    const pulled = ticks.pull();
    ticks.close();
    await expect(pulled).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('disposing a ticker with using clears its timer', () => {
    vi.useFakeTimers();
    {
      using ticks = ticker(20);
      expect(ticks.closed).toBe(false);
    }
    expect(vi.getTimerCount()).toBe(0);
  });

  test('aborting the signal with a reason closes the ticker normally: a for await ends without throwing', async () => {
    vi.useFakeTimers({ now: 0 });
    const controller = new AbortController();
    const ticks = ticker(10, { signal: controller.signal });
    vi.advanceTimersByTime(10);
    controller.abort(new Error('stop'));
    expect(await collect(ticks)).toEqual([10]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('after and ticker with long delays in a real process', () => {
  test('an aborted ticker and after with periods beyond 2³¹−1 ms do not keep the Node process alive', async () => {
    const { exit, stderr, ms } = await runInNode(`
      import { after, ticker } from './src/index.ts';
      const controller = new AbortController();
      ticker(2 ** 31 + 10, { signal: controller.signal });
      after(2 ** 40, { signal: controller.signal });
      const t = ticker(3 * 2 ** 31);
      controller.abort();
      t.close();
    `);
    expect(stderr).toBe('');
    expect(exit).toBe(0);
    expect(ms).toBeLessThan(15_000); // not the minute-long timer (a loaded machine starts Node slowly)
  });

  test('a ticker left open keeps the Node process alive (it is a live timer, as in Go)', async () => {
    const { exit } = await runInNode(
      `
      import { ticker } from './src/index.ts';
      ticker(50);
    `,
      1_500,
    );
    expect(exit).toBeNull(); // killed at the time limit
  });
});

describe('after: the rules it shares with ticker', () => {
  test('after(0) delivers one value and closes', async () => {
    const channel = afterMs(0);
    expect(typeof (await channel.pull())).toBe('number');
    expect(channel.closed).toBe(true);
  });

  test('after with a delay of exactly 2³¹ ms fires then, not at once', () => {
    vi.useFakeTimers({ now: 0 });
    const channel = afterMs(2 ** 31);
    vi.advanceTimersByTime(1);
    expect(channel.size).toBe(0);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(channel.pullNowait()).toBe(2 ** 31);
    expect(channel.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each([
    ['-Infinity', -Infinity],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
  ])('after(%s) is a RangeError that starts no timer', (_, ms) => {
    vi.useFakeTimers();
    expect(() => afterMs(ms)).toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a subscriber never over its capacity for a room it lost before the value came', () => {
  test('a capacity-0 subscriber whose waiting pull left while the broadcast waited: a push into an unbuffered source finds no taker, and the next pull gets it', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 0 });
    const controller = new AbortController();
    const gaveUp = subscriber.pull({ signal: controller.signal }).catch(() => 'aborted');
    await flush(5);
    controller.abort();
    expect(await gaveUp).toBe('aborted');
    expect(source.tryPush(7)).toBe(false);
    expect(subscriber.size).toBe(0);
    const next = subscriber.pull();
    expect(source.tryPush(7)).toBe(true);
    expect(await next).toBe(7);
    hub.close();
  });

  test('two capacity-0 subscribers of one broadcast in one select: the case that lost holds the value one beyond its capacity, and loses nothing', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const [a, b] = [hub.subscribe({ capacity: 0 }), hub.subscribe({ capacity: 0 })];
    const chosen = select([pull(a), pull(b)]);
    await flush(5);
    expect(source.tryPush(7)).toBe(true);
    const { index, value } = await chosen;
    expect(value).toBe(7);
    const loser = index === 0 ? b : a;
    expect(loser.size).toBe(1);
    expect(await loser.pull()).toBe(7);
    hub.close();
  });
});

describe('subscribe with options that are not an object', () => {
  test.each([
    ['a number', 5],
    ['a string', 'x'],
    ['a boolean', true],
  ])('subscribe(%s) is a TypeError naming broadcast.subscribe(options), and subscribes nothing', async (_, options) => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    expect(() => hub.subscribe(options as never)).toThrow(TypeError);
    expect(() => hub.subscribe(options as never)).toThrow(
      /^broadcast\.subscribe\(options\): options must be an object$/,
    );
    source.pushNowait(1);
    await flush(5);
    expect(source.size).toBe(1); // nobody subscribed: nothing was pulled
    hub.close();
  });
});
