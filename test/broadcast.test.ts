/**
 * broadcast(source) (SPEC "Broadcast and ticker"): every subscriber gets every value pulled
 * after it subscribed, in order; the slowest 'block' subscriber sets the pace, a drop-mode one
 * never holds the others back; leaving by close or signal; the source's close (with its reason,
 * after delivery); broadcast.close(); nothing pulled is undelivered; no subscriber pulls
 * nothing; misuse.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { broadcast, Channel, ChannelClosedError, ChannelFullError, merge, pull, select } from '../src/index.js';
import { abortedSignal, flush, track } from './helpers/track.js';

/** Everything a channel has buffered now. */
function drain<T>(channel: Channel<T>): T[] {
  const values: T[] = [];
  for (let value = channel.tryPull(); value !== undefined; value = channel.tryPull()) values.push(value);
  return values;
}

async function collect<T>(channel: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of channel) values.push(value);
  return values;
}

describe('broadcast delivers', () => {
  test('every subscriber receives every value, in order', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscribers = [hub.subscribe(), hub.subscribe({ capacity: 4 }), hub.subscribe({ capacity: 0 })];
    const received = subscribers.map((subscriber) => collect(subscriber));
    for (let i = 0; i < 50; i++) await source.push(i);
    source.close();
    const expected = Array.from({ length: 50 }, (_, i) => i);
    for (const values of await Promise.all(received)) expect(values).toEqual(expected);
  });

  test('a subscriber receives only the values pulled after it subscribed', () => {
    const source = new Channel<string>(Infinity);
    const hub = broadcast(source);
    const early = hub.subscribe({ capacity: 10 });
    source.pushNowait('a');
    const late = hub.subscribe({ capacity: 10 });
    source.pushNowait('b');
    expect(drain(early)).toEqual(['a', 'b']);
    expect(drain(late)).toEqual(['b']);
  });

  test('with no subscriber nothing is pulled: values wait in the source', () => {
    const source = new Channel<number>(4);
    source.pushNowait(1);
    const hub = broadcast(source);
    source.pushNowait(2);
    expect(source.size).toBe(2);
    expect(source.stats().waitingPullers).toBe(0);
    const subscriber = hub.subscribe({ capacity: 4 });
    expect(drain(subscriber)).toEqual([1, 2]);
  });

  test('a value committed to the broadcast is in every subscriber at once, not in a promise', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const a = hub.subscribe();
    const b = hub.subscribe();
    source.pushNowait(1); // the broadcast's parked pull takes it synchronously
    expect([a.size, b.size]).toEqual([1, 1]);
    hub.close();
    expect([a.pullNowait(), b.pullNowait()]).toEqual([1, 1]);
  });

  test('a subscriber can be pulled through select', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 0 });
    const idle = new Channel<number>();
    const result = track(select([pull(idle), pull(subscriber)]));
    await flush();
    await source.push(5);
    await flush();
    expect(result.current).toEqual({
      status: 'fulfilled',
      value: { index: 1, channel: subscriber, value: 5, ok: true },
    });
  });

  test('a merged channel can be the source', async () => {
    const a = new Channel<number>(2);
    const b = new Channel<number>(2);
    const hub = broadcast(merge(a, b));
    const one = hub.subscribe({ capacity: 8 });
    const two = hub.subscribe({ capacity: 8 });
    a.pushNowait(1);
    b.pushNowait(2);
    a.close();
    b.close();
    expect((await collect(one)).sort()).toEqual([1, 2]);
    expect((await collect(two)).sort()).toEqual([1, 2]);
  });
});

describe('broadcast backpressure', () => {
  test('the slowest blocking subscriber sets the pace: nothing more is taken while it is full', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const slow = hub.subscribe({ capacity: 1 });
    const fast = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    expect(drain(fast)).toEqual([0]);
    expect(source.size).toBe(4);
    expect(slow.pullNowait()).toBe(0); // room again: the next value goes to both
    expect(drain(fast)).toEqual([1]);
    expect(slow.pullNowait()).toBe(1);
  });

  test('an unbuffered subscriber lets the next value through only when a pull waits on it', async () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(1);
    source.pushNowait(2);
    const hub = broadcast(source);
    const rendezvous = hub.subscribe({ capacity: 0 });
    expect(source.size).toBe(2);
    expect(await rendezvous.pull()).toBe(1);
    expect(source.size).toBe(1);
  });

  test('a drop-mode subscriber never holds the others back', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const latest = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    const all = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 5; i++) source.pushNowait(i);
    expect(drain(all)).toEqual([0, 1, 2, 3, 4]);
    expect(drain(latest)).toEqual([4]);
  });

  test('a subscriber that lost its room while the broadcast waited holds it back: the value stays with the source’s pusher until there is room', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe({ capacity: 1 });
    subscriber.pushNowait(-1); // someone else fills it while the broadcast waits on the source
    // The source's commit finds no room and skips the broadcast's pull: nobody takes 7.
    expect(() => source.pushNowait(7)).toThrow(ChannelFullError);
    expect(drain(subscriber)).toEqual([-1]); // room again: the broadcast waits on the source again
    source.pushNowait(7);
    expect(drain(subscriber)).toEqual([7]);
  });

  test('a parked pull whose signal is already aborted is no room: one signal for a subscriber and a pull on another takes nothing for the pull', async () => {
    // The signal's listeners run in order: `b` leaves first, which lets the broadcast look for
    // room while `a`'s aborted pull is still queued (its listener has not run yet). Found in
    // audit AT: the broadcast took v2 for it and stored it in the unbuffered `a` (size 1), and
    // the source's push resolved though no consumer took v2.
    const source = new Channel<string>(0);
    const hub = broadcast(source);
    const controller = new AbortController();
    const a = hub.subscribe({ capacity: 0 });
    hub.subscribe({ capacity: 0, signal: controller.signal }); // `b`: no room, so nothing moves
    const v1 = track(source.push('v1'));
    const pushV2 = source.push('v2');
    const v2 = track(pushV2);
    const first = track(a.pull());
    const second = track(a.pull({ signal: controller.signal }));
    await flush();
    expect(v1.current.status).toBe('pending');
    controller.abort('stop');
    await flush();
    expect(first.current).toEqual({ status: 'fulfilled', value: 'v1' });
    expect(second.current).toEqual({ status: 'rejected', reason: 'stop' });
    expect({ size: a.size, v2: v2.current.status }).toEqual({ size: 0, v2: 'pending' });
    expect(await Promise.all([a.pull(), pushV2])).toEqual(['v2', undefined]);
  });
});

describe('leaving and ending', () => {
  test('a subscriber that closes leaves: it no longer holds the others back', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const stuck = hub.subscribe({ capacity: 1 });
    const reader = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 3; i++) source.pushNowait(i);
    expect(drain(reader)).toEqual([0]);
    stuck.close();
    expect(drain(reader)).toEqual([1, 2]);
    expect(stuck.pullNowait()).toBe(0); // what it had received stays readable
  });

  test('a subscriber whose signal aborts is closed and leaves', () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const controller = new AbortController();
    const leaving = hub.subscribe({ signal: controller.signal });
    const reader = hub.subscribe({ capacity: 10 });
    for (let i = 0; i < 3; i++) source.pushNowait(i);
    expect(drain(reader)).toEqual([0]);
    controller.abort();
    expect(leaving.closed).toBe(true);
    expect(drain(reader)).toEqual([1, 2]);
  });

  test('a subscriber with an already aborted signal is closed and holds nothing back', () => {
    const source = new Channel<number>(1);
    source.pushNowait(1);
    const hub = broadcast(source);
    const gone = hub.subscribe({ capacity: 0, signal: abortedSignal('no') });
    expect(gone.closed).toBe(true);
    const reader = hub.subscribe();
    expect(reader.pullNowait()).toBe(1);
  });

  test('when the source is closed and drained, every subscriber is closed with its reason after receiving everything', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const subscribers = [hub.subscribe(), hub.subscribe({ capacity: 3 })];
    const failure = new Error('feed ended');
    for (let i = 0; i < 3; i++) source.pushNowait(i);
    source.close(failure);
    for (const subscriber of subscribers) {
      const seen: number[] = [];
      await expect(
        (async () => {
          for await (const value of subscriber) seen.push(value);
        })(),
      ).rejects.toBe(failure);
      expect(seen).toEqual([0, 1, 2]);
      expect(subscriber.closed).toBe(true);
    }
  });

  test('the source’s end reaches a subscriber that waits even while another subscriber is full', async () => {
    const source = new Channel<number>(Infinity);
    const hub = broadcast(source);
    const reader = hub.subscribe();
    const full = hub.subscribe();
    source.pushNowait(1);
    source.close();
    expect(await reader.pull()).toBe(1);
    await expect(reader.pull()).rejects.toThrow(ChannelClosedError);
    expect(full.pullNowait()).toBe(1);
  });

  test('a subscriber’s closed turns true once the source is closed and drained, without a pull first', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const waiting = hub.subscribe();
    const rendezvous = hub.subscribe({ capacity: 0 }); // no pull parked: the broadcast is not waiting on the source
    source.close();
    expect(waiting.closed).toBe(true);
    expect(rendezvous.closed).toBe(true);
  });

  test('a source closed while the broadcast waits on it closes every subscriber at once', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const subscriber = hub.subscribe();
    const pulled = subscriber.pull();
    await flush();
    source.close();
    await expect(pulled).rejects.toThrow(ChannelClosedError);
    expect(subscriber.closed).toBe(true);
  });

  test('broadcast.close() stops pulling and closes the subscribers; the source keeps its values', () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(1);
    const hub = broadcast(source);
    const subscriber = hub.subscribe();
    source.pushNowait(2);
    hub.close();
    expect(subscriber.closed).toBe(true);
    expect(subscriber.pullNowait()).toBe(1);
    expect(source.closed).toBe(false);
    expect(source.pullNowait()).toBe(2);
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('using: a broadcast is closed at the end of its block — subscribers closed with their values, the source open with its own', () => {
    const source = new Channel<number>(Infinity);
    source.pushNowait(1);
    let subscriber: Channel<number> | undefined;
    {
      using hub = broadcast(source);
      subscriber = hub.subscribe();
      expect(subscriber.closed).toBe(false);
      source.pushNowait(2);
    }
    expect(subscriber.closed).toBe(true);
    expect(drain(subscriber)).toEqual([1]);
    expect(source.closed).toBe(false);
    expect(drain(source)).toEqual([2]);
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('await using closes a broadcast too, withdrawing its pull on the source', async () => {
    const source = new Channel<number>();
    let subscriber: Channel<number> | undefined;
    {
      await using hub = broadcast(source);
      subscriber = hub.subscribe();
      expect(source.stats().waitingPullers).toBe(1);
    }
    expect(subscriber.closed).toBe(true);
    expect(source.stats().waitingPullers).toBe(0);
    expect(source.tryPush(1)).toBe(false);
  });

  test('disposing a broadcast is close() — idempotent, bound — and later subscribers get a closed channel', () => {
    const source = new Channel<number>(1);
    const hub = broadcast(source);
    const first = hub.subscribe();
    hub[Symbol.dispose]();
    hub[Symbol.dispose]();
    const { close } = hub; // bound: it may be passed around
    close();
    expect(first.closed).toBe(true);
    expect(hub.subscribe().closed).toBe(true);
    source.pushNowait(1);
    expect(source.size).toBe(1); // nothing pulls it any more
  });

  test('broadcast.close() withdraws the pull waiting on the source', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    hub.subscribe();
    expect(source.stats().waitingPullers).toBe(1);
    hub.close();
    expect(source.stats().waitingPullers).toBe(0);
    expect(source.tryPush(1)).toBe(false);
  });

  test('the last subscriber leaving withdraws the pull waiting on the source', () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const only = hub.subscribe();
    expect(source.stats().waitingPullers).toBe(1);
    only.close();
    expect(source.stats().waitingPullers).toBe(0);
  });

  test('subscribing after the end gives a channel closed with the same reason', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    source.close('over');
    const late = hub.subscribe();
    expect(late.closed).toBe(true);
    await expect(late.pull()).rejects.toMatchObject({ cause: 'over' });
  });

  test('three subscribers reading at different speeds each receive all 200 values in order', async () => {
    const source = new Channel<number>(4);
    const hub = broadcast(source);
    const readers = [0, 1, 3].map(async (pause, n) => {
      const subscriber = hub.subscribe({ capacity: n });
      const values: number[] = [];
      for await (const value of subscriber) {
        values.push(value);
        if (pause > 0 && value % 20 === 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
      return values;
    });
    for (let i = 0; i < 200; i++) await source.push(i);
    source.close();
    const expected = Array.from({ length: 200 }, (_, i) => i);
    for (const values of await Promise.all(readers)) expect(values).toEqual(expected);
  });
});

describe('broadcast misuse', () => {
  test('broadcast of something that is not a channel is a TypeError naming it', () => {
    expect(() => broadcast({} as Channel<number>)).toThrow('broadcast(source): not a Channel of this copy');
  });

  test('subscribe with a signal that is not an AbortSignal is a TypeError and subscribes nothing', () => {
    const source = new Channel<number>(1);
    source.pushNowait(1);
    const hub = broadcast(source);
    const controller = new AbortController();
    expect(() => hub.subscribe({ signal: controller as unknown as AbortSignal })).toThrow(
      'broadcast.subscribe(options): options.signal is not an AbortSignal',
    );
    expect(source.size).toBe(1);
  });

  test('subscribe with options that are not an object, or are an AbortSignal, is a TypeError naming the call', () => {
    const source = new Channel<number>(1);
    source.pushNowait(1);
    const hub = broadcast(source);
    expect(() => hub.subscribe(3 as never)).toThrow(
      new TypeError('broadcast.subscribe(options): options must be an object'),
    );
    expect(() => hub.subscribe(new AbortController().signal as never)).toThrow(
      new TypeError('broadcast.subscribe(options): options is an AbortSignal: pass { signal } instead'),
    );
    expect(source.size).toBe(1); // nobody subscribed, nothing pulled
  });

  test('subscribe with a bad capacity or overflow is a RangeError or TypeError naming the option', () => {
    const hub = broadcast(new Channel<number>());
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(RangeError);
    expect(() => hub.subscribe({ capacity: -1 })).toThrow(/^broadcast\.subscribe\(options\): capacity/);
    expect(() => hub.subscribe({ capacity: 0, overflow: 'drop-oldest' })).toThrow(
      /^broadcast\.subscribe\(options\): overflow drop-oldest needs capacity/,
    );
    expect(() => hub.subscribe({ overflow: 'newest' as never })).toThrow(TypeError);
  });
});

describe('broadcast under random schedules', () => {
  type Step =
    | { kind: 'push' }
    | { kind: 'subscribe'; capacity: number; drop: boolean }
    | { kind: 'pull'; subscriber: number }
    | { kind: 'leave'; subscriber: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.constant({ kind: 'push' as const }), weight: 4 },
    {
      arbitrary: fc.record({ kind: fc.constant('subscribe' as const), capacity: fc.nat(3), drop: fc.boolean() }),
      weight: 1,
    },
    { arbitrary: fc.record({ kind: fc.constant('pull' as const), subscriber: fc.nat(5) }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('leave' as const), subscriber: fc.nat(5) }), weight: 1 },
  );

  test('each blocking subscriber receives a gap-free run of the source’s values; nothing pulled is lost', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.array(step), (sourceCapacity, steps) => {
        const source = new Channel<number>(sourceCapacity);
        const hub = broadcast(source);
        // The first subscriber stays until the end: every value the broadcast takes reaches it.
        const subscribers = [{ channel: hub.subscribe({ capacity: 2 }), drop: false, got: [] as number[] }];
        let pushed = 0;
        for (const s of steps) {
          if (s.kind === 'push') {
            if (source.tryPush(pushed)) pushed++;
          } else if (s.kind === 'subscribe') {
            // Capacity ≥ 1: an unbuffered subscriber takes values only through a parked pull,
            // which this synchronous schedule never makes (tested on its own above).
            const channel = hub.subscribe({ capacity: s.capacity + 1, overflow: s.drop ? 'drop-oldest' : 'block' });
            const drop = s.drop;
            subscribers.push({ channel, drop, got: [] });
          } else {
            const subscriber = subscribers[s.subscriber % subscribers.length]!;
            if (s.kind === 'leave' && subscriber !== subscribers[0]) subscriber.channel.close();
            const value = subscriber.channel.tryPull();
            if (value !== undefined) subscriber.got.push(value);
          }
        }
        source.close();
        // Drain every subscriber, round by round, since the slowest one paces the others.
        for (let progress = true; progress; ) {
          progress = false;
          for (const subscriber of subscribers) {
            const value = subscriber.channel.tryPull();
            if (value !== undefined) {
              subscriber.got.push(value);
              progress = true;
            }
          }
        }
        for (const subscriber of subscribers) {
          expect(subscriber.channel.closed).toBe(true);
          const got = subscriber.got;
          for (let i = 1; i < got.length; i++) {
            if (subscriber.drop) expect(got[i]!).toBeGreaterThan(got[i - 1]!);
            else expect(got[i]).toBe(got[i - 1]! + 1);
          }
        }
        // The first subscriber saw every value: from the first one on, up to the last pushed.
        expect(subscribers[0]!.got).toEqual(Array.from({ length: pushed }, (_, i) => i));
      }),
      { numRuns: 300 },
    );
  });
});
