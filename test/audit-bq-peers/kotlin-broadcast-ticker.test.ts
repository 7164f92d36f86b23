/**
 * Audit BQ-peers: kotlinx.coroutines' own tests (Kotlin/kotlinx.coroutines,
 * kotlinx-coroutines-core/common/test/channels/ and jvm/test/channels/), translated onto
 * chanasync: BroadcastChannel / openSubscription → broadcast(source).subscribe(),
 * ConflatedBroadcastChannel → subscribers with overflow 'drop-oldest' capacity 1,
 * BufferOverflow.DROP_LATEST / DROP_OLDEST → 'drop-newest' / 'drop-oldest',
 * offer / trySend → tryPush, poll / tryReceive → tryPull, ticker(delayMillis) → ticker(ms)
 * under vitest's fake timers (Kotlin's withVirtualTimeSource).
 *
 * Kotlin semantics that differ from the SPEC, adapted (each test says which):
 * - A BroadcastChannel with no subscription forgets what is sent; SPEC: "With no subscriber it
 *   pulls nothing: values wait in source."
 * - ConflatedBroadcastChannel replays its latest value to a new subscription; SPEC: a
 *   subscriber "receives every value pulled after it subscribed".
 * - Cancelling a subscription or the broadcast drops buffered values; SPEC/README: a closed
 *   channel keeps its buffered values readable, and hub.close() leaves each subscriber with
 *   what it received.
 * - The ported Kotlin ticker tests pass initialDelayMillis = 0, so Kotlin ticks at once;
 *   chanasync's ticker is Go's: the first tick is due at start + ms.
 */
import { after as afterMs, broadcast, Channel, ChannelClosedError, pull, select, ticker } from 'chanasync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settle, track } from '../helpers/ported-suites.js';

describe('kotlinx BufferedBroadcastChannelTest.kt → broadcast', () => {
  // testConcurrentModification: a subscriber that cancels itself in the continuation of its
  // receive must not disturb the delivery of the same value to the other subscriber.
  it('a subscriber closing itself right after receiving does not keep the value from another subscriber', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const s1 = hub.subscribe();
    const s2 = hub.subscribe();
    const job1 = s1.pull().then((v) => {
      s1.close();
      return v;
    });
    const job2 = s2.pull();
    await source.push(1);
    expect(await Promise.all([job1, job2])).toEqual([1, 1]);
    hub.close();
  });

  // testBasic: two subscribers, one joining later; close reaches both after their values.
  it('a late subscriber gets only later values; closing the source ends both after what they were sent', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const first = hub.subscribe();
    const firstSeen: number[] = [];
    const firstLoop = (async () => {
      for await (const v of first) firstSeen.push(v);
    })();
    await source.push(1);
    await settle();
    const second = hub.subscribe();
    const secondSeen: number[] = [];
    const secondLoop = (async () => {
      for await (const v of second) secondSeen.push(v);
    })();
    await source.push(2);
    await settle();
    expect(first.closed).toBe(false);
    source.close();
    await Promise.all([firstLoop, secondLoop]);
    expect(firstSeen).toEqual([1, 2]);
    expect(secondSeen).toEqual([2]);
    expect(first.closed && second.closed).toBe(true);
  });

  // testSendSuspend: with a capacity-1 subscription, the first send goes to its buffer and the
  // second suspends until the subscriber receives.
  it('with one capacity-1 subscriber nobody reads, the first push resolves and the second waits', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await source.push(1);
    const second = track(source.push(2));
    await settle();
    expect(second.done).toBe(false);
    expect(await sub.pull()).toBe(1);
    await second.promise;
    expect(await sub.pull()).toBe(2);
    hub.close();
  });

  // testConcurrentSendCompletion: three concurrent senders and a close; the subscriber must
  // receive all three, then the close. Kotlin's close lets suspended sends finish; SPEC:
  // "Every parked pusher rejects with ChannelClosedError". So the faithful port is a source
  // with room for the three: all three are committed before the close, and all three arrive.
  it('three pushes committed before the source closes all reach the subscriber, then it ends', async () => {
    const source = new Channel<number>(3);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    await Promise.all([source.push(1), source.push(2), source.push(3)]);
    source.close();
    expect(sub.closed).toBe(false);
    const got: number[] = [];
    for await (const v of sub) got.push(v);
    expect(got).toEqual([1, 2, 3]);
    expect(sub.closed).toBe(true);
  });

  // The same with pushes parked on an unbuffered source: SPEC says the parked ones fail.
  it('pushes still parked on the source when it closes reject; the subscriber gets only what was committed', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    const pushes = [1, 2, 3].map((n) => track(source.push(n)));
    await settle();
    source.close();
    await settle();
    expect(pushes.map((p) => p.state)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const got: number[] = [];
    for await (const v of sub) got.push(v);
    expect(got).toEqual([1]);
  });

  // testForgetUnsubscribed: Kotlin forgets values sent before any subscription. SPEC: with no
  // subscriber the broadcast pulls nothing; values wait in the source for the first one.
  it('values pushed before anyone subscribes wait in the source and go to the first subscriber (SPEC, unlike Kotlin)', async () => {
    const source = new Channel<number>(3);
    const hub = broadcast(source);
    await source.pushAll([1, 2, 3]);
    expect(source.size).toBe(3);
    const sub = hub.subscribe({ capacity: 4 });
    await source.push(4);
    expect(await sub.pullMany(10)).toEqual([1, 2, 3, 4]);
    hub.close();
  });

  // testReceiveFullAfterClose
  it('five values buffered in a subscriber before the source closes are all readable, then it ends', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 10 });
    for (let x = 1; x <= 5; x++) await source.push(x);
    source.close();
    expect(sub.closed).toBe(true);
    for (let x = 1; x <= 5; x++) expect(await sub.pull()).toBe(x);
    await expect(sub.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // testCloseSubDuringIteration: Kotlin's cancel() makes the loop throw right away; SPEC:
  // closing a channel keeps its buffer readable, so the loop goes on with at most the one
  // value already buffered (capacity 1), then ends normally. Kotlin's producer then runs to
  // the end (a BroadcastChannel with no subscription drops what is sent); SPEC: "With no
  // subscriber it pulls nothing: values wait in source" — the producer waits on its next push,
  // which fails when the source is closed.
  it('closing a subscriber inside its own for-await ends the loop after what it already holds; the next value waits in the source', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1 });
    let pushed = 0;
    const producer = track(
      (async () => {
        for (let x = 1; x <= 5; x++) {
          await source.push(x);
          pushed = x;
        }
      })(),
    );
    const seen: number[] = [];
    for await (const v of sub) {
      seen.push(v);
      if (v === 2) sub.close();
    }
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    expect(seen.length).toBeLessThanOrEqual(3);
    await settle();
    expect(producer.done).toBe(false);
    expect(source.stats().waitingPushers).toBe(1);
    expect(seen).toEqual([1, 2, 3].slice(0, pushed));
    source.close();
    await settle();
    expect(producer.error).toBeInstanceOf(ChannelClosedError);
  });

  // testReceiveFromCancelledSub / testCancelWithCause
  it('a closed subscriber: pull rejects, with the close reason as cause', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe();
    expect(sub.closed).toBe(false);
    const reason = new Error('test cancellation');
    sub.close(reason);
    expect(sub.closed).toBe(true);
    const error = (await sub.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.cause).toBe(reason);
    hub.close();
  });

  // testReceiveNoneAfterCancel: Kotlin's cancel drops the subscription's buffer. SPEC: "each
  // keeps what it received" after hub.close().
  it('hub.close() ends every subscriber but leaves it what it was sent (README, unlike Kotlin cancel)', async () => {
    const source = new Channel<number>();
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 10 });
    for (let x = 1; x <= 5; x++) await source.push(x);
    hub.close();
    expect(sub.closed).toBe(true);
    expect(await sub.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    await expect(sub.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    // And the source is left open, pulled no further.
    expect(source.closed).toBe(false);
    expect(source.tryPush(6)).toBe(false); // unbuffered, nobody pulls now
  });
});

describe('kotlinx ConflatedBroadcastChannelTest.kt → drop-oldest capacity-1 subscribers', () => {
  // testBasicScenario, adapted: no replay of the latest value to a new subscriber (SPEC), but
  // each conflated subscriber always holds only the latest value it was sent.
  it('conflated subscribers hold only the latest value and never slow the publisher', async () => {
    const source = new Channel<string>();
    const hub = broadcast(source);
    const a = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    expect(a.tryPull()).toBeUndefined();
    await source.push('one');
    expect(await a.pull()).toBe('one');
    const b = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    // Kotlin gives "one" to b at once (replay); here b only sees later values.
    expect(b.tryPull()).toBeUndefined();
    await source.push('two');
    await source.push('three'); // never waits
    expect(a.tryPull()).toBe('three');
    expect(b.tryPull()).toBe('three');
    source.close();
    await expect(a.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(b.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // testInitialValueAndReceiveClosed, adapted: a value pushed before subscribing waits in the
  // source; a conflated subscriber then takes it, and the close follows.
  it('a value waiting in the source goes to the first conflated subscriber, then the close ends it', async () => {
    const source = new Channel<number>(1);
    await source.push(1);
    const hub = broadcast(source);
    const sub = hub.subscribe({ capacity: 1, overflow: 'drop-oldest' });
    expect(await sub.pull()).toBe(1);
    const closed = track(sub.pull());
    source.close();
    await settle();
    expect(closed.error).toBeInstanceOf(ChannelClosedError);
  });
});

describe('kotlinx ChannelBufferOverflowTest.kt → tryPush / tryPull', () => {
  // testDropLatest
  it('drop-newest: tryPush always succeeds, the pushed value is the one dropped, tryPull gives undefined at the end', async () => {
    const c = new Channel<number>(2, { overflow: 'drop-newest' });
    expect(c.tryPush(1)).toBe(true);
    expect(c.tryPush(2)).toBe(true);
    expect(c.tryPush(3)).toBe(true); // dropped
    await c.push(4); // dropped
    expect(await c.pull()).toBe(1);
    expect(c.tryPush(5)).toBe(true);
    expect(c.tryPush(6)).toBe(true); // dropped
    expect(await c.pull()).toBe(2);
    expect(await c.pull()).toBe(5);
    expect(c.tryPull()).toBeUndefined();
  });

  // testDropOldest
  it('drop-oldest: tryPush always succeeds, the oldest buffered value is dropped', async () => {
    const c = new Channel<number>(2, { overflow: 'drop-oldest' });
    expect(c.tryPush(1)).toBe(true);
    expect(c.tryPush(2)).toBe(true);
    expect(c.tryPush(3)).toBe(true); // keeps 2, 3
    await c.push(4); // keeps 3, 4
    expect(await c.pull()).toBe(3);
    expect(c.tryPush(5)).toBe(true);
    expect(c.tryPush(6)).toBe(true); // keeps 5, 6
    expect(await c.pull()).toBe(5);
    expect(await c.pull()).toBe(6);
    expect(c.tryPull()).toBeUndefined();
  });

  // BasicOperationsTest testTrySendToFullChannel / testTrySendAfterClose (trySend semantics).
  it('tryPush returns false on a full block channel and on a closed one, and never throws', () => {
    const c = new Channel<number>(1);
    expect(c.tryPush(1)).toBe(true);
    expect(c.tryPush(2)).toBe(false);
    expect(c.closed).toBe(false);
    c.close(new Error('x'));
    expect(() => c.tryPush(3)).not.toThrow();
    expect(c.tryPush(3)).toBe(false);
    expect(c.closed).toBe(true);
    // tryPull still drains the buffer after close (tryReceive on a closed channel with values).
    expect(c.tryPull()).toBe(1);
    expect(c.tryPull()).toBeUndefined();
  });

  // RendezvousChannelTest testOfferAndPool / testTrySend on rendezvous.
  it('on a rendezvous channel tryPush succeeds exactly when a pull is parked, tryPull exactly when a push is', async () => {
    const c = new Channel<number>();
    expect(c.tryPush(1)).toBe(false);
    expect(c.tryPull()).toBeUndefined();
    const waiting = c.pull();
    expect(c.tryPush(2)).toBe(true);
    expect(await waiting).toBe(2);
    const pushing = c.push(3);
    expect(c.tryPull()).toBe(3);
    await pushing;
    expect(c.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });
});

describe('kotlinx ChannelPropertiesTest.kt → closed / empty', () => {
  // testClosedIsEmptyFalse says "NB! Not obvious": Kotlin's isEmpty turns false once the
  // channel is closed for receive. SPEC defines `empty` as `size === 0`, so a closed empty
  // channel stays empty; `closed` is what changes.
  it.each([0, 1, 5, Number.POSITIVE_INFINITY])(
    'capacity %s: closing an empty channel makes it closed and (SPEC) still empty',
    (capacity) => {
      const c = new Channel<number>(capacity);
      expect([c.empty, c.closed]).toEqual([true, false]);
      c.close(new Error('x'));
      expect([c.empty, c.closed]).toEqual([true, true]);
    },
  );

  // testSendClosedReceiveIsEmptyFalse
  it('a closed channel with one buffered value is not empty until it is pulled', async () => {
    const c = new Channel<number>(1);
    await c.push(1);
    c.close();
    expect([c.empty, c.closed]).toEqual([false, true]);
    expect(await c.pull()).toBe(1);
    expect(c.empty).toBe(true);
    expect(c.tryPull()).toBeUndefined();
  });
});

describe('kotlinx TickerChannelTest.kt / TickerChannelCommonTest.kt → ticker (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Kotlin's checkNotEmpty: exactly one tick is waiting. */
  const checkNotEmpty = (c: Channel<number>) => {
    expect(c.tryPull()).not.toBeUndefined();
    expect(c.tryPull()).toBeUndefined();
  };
  const checkEmpty = (c: Channel<number>) => expect(c.tryPull()).toBeUndefined();

  // testDelayChannelBackpressure (delay 1000, initialDelay 0). Go's ticker has no initial tick,
  // so the first tick is at 1000 instead of 0; the rest of the schedule is Kotlin's.
  it('ticker(1000): one tick waits for a slow reader; ticks stay on start + k·1000', async () => {
    const start = Date.now();
    const c = ticker(1000);
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(1500);
    expect(c.tryPull()).toBe(start + 1000);
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(520); // 2020
    checkNotEmpty(c);
    await vi.advanceTimersByTimeAsync(500); // 2520
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(520); // 3040
    checkNotEmpty(c);
    c.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  // testDelayChannelBackpressure2 (delay 200): after 500 ms unread, one tick waits (the oldest,
  // at 200: the one at 400 was dropped, Go's rule) and the schedule goes on at 600, 800.
  it('ticker(200) unread for 500 ms holds one tick (the oldest), then ticks at 600 and 800', async () => {
    const start = Date.now();
    const c = ticker(200);
    await vi.advanceTimersByTimeAsync(500);
    expect(c.tryPull()).toBe(start + 200);
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(110); // 610
    expect(c.tryPull()).toBe(start + 600);
    await vi.advanceTimersByTimeAsync(110); // 720
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(110); // 830
    expect(c.tryPull()).toBe(start + 800);
    c.close();
  });

  // testDelay: after cancel, polling throws CancellationException in Kotlin; here tryPull gives
  // undefined and pull rejects with ChannelClosedError; no timer is left.
  it('a closed ticker never ticks again and leaves no timer; pulls reject', async () => {
    const c = ticker(10_000);
    await vi.advanceTimersByTimeAsync(5000);
    checkEmpty(c);
    await vi.advanceTimersByTimeAsync(5100);
    checkNotEmpty(c);
    c.close();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(c.tryPull()).toBeUndefined();
    await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  // testReceive: withTimeoutOrNull(750) { receive } is null, withTimeoutOrNull(260) gets it;
  // the timeout is an after() (imported as afterMs) case of a select.
  it('a select on a ticker(1000) and after(750) times out; the next with after(260) gets the tick', async () => {
    const c = ticker(1000);
    const first = select([pull(c), pull(afterMs(750))]);
    await vi.advanceTimersByTimeAsync(750);
    expect((await first).index).toBe(1);
    const second = select([pull(c), pull(afterMs(260))]);
    await vi.advanceTimersByTimeAsync(260);
    const r = await second;
    expect(r.index).toBe(0);
    // The losing after(260) fires later into a channel nobody reads: harmless.
    c.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
  });

  // testComplexOperator: averages over time windows of a producer that sends 1..7 one second
  // apart, with a ticker(3000) as the window; Kotlin's expected result is [2.0, 5.0, 7.0].
  it('averageInTimeWindow: select over a producer and ticker(3000) gives [2, 5, 7]', async () => {
    const producer = new Channel<number>();
    void (async () => {
      for (let i = 1; i <= 7; i++) {
        await producer.push(i);
        await new Promise((r) => setTimeout(r, 1000));
      }
      producer.close();
    })();
    const averages: number[] = [];
    const windows = ticker(3000);
    const run = (async () => {
      let sum = 0;
      let n = 0;
      for (;;) {
        const r = await select([pull(producer), pull(windows)]);
        if (r.index === 0) {
          if (!r.ok) {
            if (n !== 0) averages.push(sum / n);
            break;
          }
          sum += r.value;
          n++;
        } else {
          averages.push(sum / n);
          sum = 0;
          n = 0;
        }
      }
      windows.close();
    })();
    await vi.advanceTimersByTimeAsync(10_000);
    await run;
    expect(averages).toEqual([2, 5, 7]);
    expect(vi.getTimerCount()).toBe(0);
  });

  // testNegativeDelay (IllegalArgumentException); testStress uses delay 0, which Go refuses
  // too (NewTicker panics for d <= 0) and the SPEC makes a RangeError.
  it.each([-1, 0, Number.NaN, Number.POSITIVE_INFINITY])('ticker(%s) throws RangeError', (ms) => {
    expect(() => ticker(ms)).toThrow(RangeError);
  });
});
