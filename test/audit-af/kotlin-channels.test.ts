/**
 * Audit AF: kotlinx.coroutines' channel tests, translated to chanasync.
 * Sources: https://github.com/Kotlin/kotlinx.coroutines/tree/master/kotlinx-coroutines-core/common/test/channels
 *
 * Mapping: `Channel(RENDEZVOUS)` ≈ `new Channel(0)`, `Channel(n)` ≈ `new Channel(n)`,
 * `UNLIMITED` ≈ `Infinity`, `CONFLATED` ≈ `new Channel(1, { overflow: 'drop-oldest' })`,
 * `BufferOverflow.DROP_OLDEST/DROP_LATEST` ≈ `'drop-oldest'/'drop-newest'`; `send`/`receive` ≈
 * `push`/`pull`; `trySend(..).isSuccess` ≈ `tryPush`; `tryReceive().getOrNull()` ≈ `tryPull`;
 * `offer`/`poll` (old names) ≈ `tryPush`/`tryPull`; `receiveCatching` ≈ `pull` with the closed
 * check (a `ChannelClosedError` whose `cause` is the close cause); `isClosedForSend` ≈ `closed`;
 * `isClosedForReceive` ≈ `closed && empty`; `launch { }` ≈ an async function started without
 * awaiting; `yield()` ≈ letting the event loop turn (`settle()`); a job's `cancel` ≈ an abort.
 *
 * Two deliberate differences recur (SPEC "Closing"): chanasync's `close()` fails *parked*
 * pushes (Kotlin lets a suspended `send` still hand its value over after `close()`), and it has
 * no `cancel()` that discards the buffer: `close()` keeps buffered values readable. Kotlin tests
 * built on those are translated to chanasync's contract, with a comment.
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { Steps, settle, track } from './util.js';

class TestException extends Error {
  override name = 'TestException';
}

type Kind = { name: string; make: <T>() => Channel<T>; conflated: boolean; capacity: number };
// kotlinx's TestChannelKind (minus the broadcast-backed kinds).
const kinds: Kind[] = [
  { name: 'RENDEZVOUS', make: <T>() => new Channel<T>(0), conflated: false, capacity: 0 },
  { name: 'BUFFERED_1', make: <T>() => new Channel<T>(1), conflated: false, capacity: 1 },
  { name: 'BUFFERED_2', make: <T>() => new Channel<T>(2), conflated: false, capacity: 2 },
  { name: 'BUFFERED_10', make: <T>() => new Channel<T>(10), conflated: false, capacity: 10 },
  {
    name: 'UNLIMITED',
    make: <T>() => new Channel<T>(Number.POSITIVE_INFINITY),
    conflated: false,
    capacity: Number.POSITIVE_INFINITY,
  },
  {
    name: 'CONFLATED',
    make: <T>() => new Channel<T>(1, { overflow: 'drop-oldest' }),
    conflated: true,
    capacity: 1,
  },
];

// common/test/channels/BasicOperationsTest.kt
describe('kotlinx BasicOperationsTest.kt', () => {
  it.each(kinds)('testSimpleSendReceive ($name)', async (kind) => {
    const channel = kind.make<number>();
    void (async () => {
      for (let i = 0; i < 20; i++) await channel.push(i);
      channel.close();
    })();
    let expected = 0;
    for await (const x of channel) {
      if (!kind.conflated) expect(x).toBe(expected++);
      else {
        expect(x).toBeGreaterThanOrEqual(expected);
        expected = x + 1;
      }
    }
    if (!kind.conflated) expect(expected).toBe(20);
  });

  it.each(kinds.filter((k) => !k.conflated && k.capacity !== Number.POSITIVE_INFINITY))(
    'testTrySendToFullChannel ($name)',
    (kind) => {
      const channel = kind.make<number>();
      for (let i = 0; i < 11; i++) channel.tryPush(42);
      expect(channel.tryPush(1)).toBe(false); // a failure that is not "closed"
      expect(channel.closed).toBe(false);
    },
  );

  // Kotlin: the `send(42)` started before close() still delivers on every non-conflated kind
  // (a suspended send survives close). chanasync fails a *parked* push at close() (SPEC
  // "Closing"), so on the rendezvous kind the 42 is not delivered; on the buffered kinds it was
  // committed to the buffer before the close and stays readable.
  it.each(kinds)('testTrySendAfterClose ($name)', async (kind) => {
    const channel = kind.make<number>();
    const d = track(channel.push(42));
    await settle();
    channel.close();
    expect(channel.closed).toBe(true);
    expect(channel.tryPush(2)).toBe(false);
    await settle();
    if (kind.capacity === 0) {
      expect(d.error).toBeInstanceOf(ChannelClosedError);
      await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    } else {
      expect(d.state).toBe('fulfilled');
      expect(await channel.pull()).toBe(42);
    }
  });

  it.each(kinds)('testSendAfterClose ($name)', async (kind) => {
    const channel = kind.make<number>();
    channel.close();
    await expect(channel.push(1)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it.each(kinds)('testReceiveCatching ($name)', async (kind) => {
    const channel = kind.make<number>();
    void channel.push(1);
    expect(await channel.pull()).toBe(1);
    setTimeout(() => channel.close());
    const closed = await channel.pull().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect((closed as ChannelClosedError).cause).toBeUndefined(); // exceptionOrNull() == null
  });

  // testIterator: Kotlin's `next()` without `hasNext()` is an IllegalStateException; a JS
  // iterator has only `next()`. What maps: after close(), the iterator reports done.
  it.each(kinds)('testIterator ($name)', async (kind) => {
    const channel = kind.make<number>();
    const iterator = channel[Symbol.asyncIterator]();
    channel.close();
    expect(await iterator.next()).toMatchObject({ done: true });
  });
});

// common/test/channels/RendezvousChannelTest.kt
describe('kotlinx RendezvousChannelTest.kt', () => {
  it('testSimple', async () => {
    const q = new Channel<number>(0);
    const s = new Steps();
    const sender = (async () => {
      s.expect(1);
      await q.push(1); // suspends: first to the rendezvous
      s.expect(3);
      await q.push(2);
      s.expect(5);
    })();
    const receiver = (async () => {
      s.expect(2);
      expect(await q.pull()).toBe(1);
      s.expect(4);
      expect(await q.pull()).toBe(2);
    })();
    await Promise.all([sender, receiver]);
    // The sender resumes only once its value was taken; each step follows the rendezvous.
    expect(s.log.indexOf(3)).toBeGreaterThan(s.log.indexOf(2));
    expect(s.log).toContain(5);
    expect(q.stats()).toMatchObject({ waitingPushers: 0, waitingPullers: 0 });
  });

  it('testClosedReceiveOrNull', async () => {
    const q = new Channel<number>(0);
    expect(q.closed).toBe(false);
    const receiver = (async () => {
      expect(await q.pull()).toBe(42);
      await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError); // receiveOrNull() == null
    })();
    await q.push(42);
    q.close();
    expect(q.closed && q.empty).toBe(true);
    await receiver;
  });

  it('testClosedExceptions', async () => {
    const q = new Channel<number>(0);
    const r = track(q.pull());
    await settle();
    q.close();
    await settle();
    expect(r.error).toBeInstanceOf(ChannelClosedError); // ClosedReceiveChannelException
    await expect(q.push(42)).rejects.toBeInstanceOf(ChannelClosedError); // ClosedSendChannelException
  });

  it('testOfferAndPool', async () => {
    const q = new Channel<number>(0);
    expect(q.tryPush(1)).toBe(false); // offer fails: nobody waits
    expect(q.tryPull()).toBeUndefined(); // poll: nothing
    const r = track(q.pull());
    await settle();
    expect(q.tryPush(2)).toBe(true); // a receiver waits: offer succeeds
    await settle();
    expect(r.value).toBe(2);
    expect(q.tryPull()).toBeUndefined();
    const sending = q.push(3); // suspends
    expect(q.tryPull()).toBe(3); // poll takes from the waiting sender
    await sending;
  });

  it('testIteratorClosed', async () => {
    const q = new Channel<number>(0);
    setTimeout(() => q.close());
    for await (const _ of q) expect.unreachable();
  });

  it('testIteratorOne', async () => {
    const q = new Channel<number>(0);
    void (async () => {
      await q.push(1);
      q.close();
    })();
    const got: number[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual([1]);
  });

  it('testIteratorOneWithYield', async () => {
    const q = new Channel<number>(0);
    const sent = (async () => {
      await q.push(1); // parks before the loop starts
      q.close();
    })();
    await settle();
    expect(q.stats().waitingPushers).toBe(1);
    const got: number[] = [];
    for await (const x of q) got.push(x);
    await sent;
    expect(got).toEqual([1]);
  });

  it('testIteratorTwo', async () => {
    const q = new Channel<number>(0);
    void (async () => {
      await q.push(1);
      await q.push(2);
      q.close();
    })();
    const got: number[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual([1, 2]);
  });

  it('testIteratorTwoWithYield', async () => {
    const q = new Channel<number>(0);
    void (async () => {
      await q.push(1);
      await q.push(2);
      q.close();
    })();
    await settle();
    const got: number[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual([1, 2]);
  });

  // Kotlin: a send suspended before close() is *not* failed by it: the receiver still gets 42,
  // then null. chanasync (SPEC "Closing": every parked pusher rejects) fails the send, and the
  // receiver sees the closed channel at once.
  it('testSuspendSendOnClosedChannel (contract: close fails a parked push)', async () => {
    const q = new Channel<number>(0);
    const sender = track(q.push(42));
    await settle();
    q.close();
    await settle();
    expect(sender.error).toBeInstanceOf(ChannelClosedError);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // testProduceBadClass: a value whose equals/hashCode/toString throw travels untouched.
  it('testProduceBadClass', async () => {
    const bad = {
      toString(): string {
        throw new Error('toString');
      },
      valueOf(): number {
        throw new Error('valueOf');
      },
      [Symbol.toPrimitive](): never {
        throw new Error('toPrimitive');
      },
    };
    const c = from(
      (async function* () {
        yield bad;
      })(),
    );
    expect(await c.pull()).toBe(bad);
    const named = new Channel<typeof bad>(0, { name: 'bad' });
    const p = named.push(bad);
    expect(named.pullNowait()).toBe(bad);
    await p;
  });

  // testConsumeAll: `cancel()` fails the ten suspended senders and closes for receive.
  it('testConsumeAll', async () => {
    const q = new Channel<number>(0);
    const senders = Array.from({ length: 10 }, (_, i) => track(q.push(i + 1)));
    await settle();
    q.close();
    expect(q.closed).toBe(true);
    await settle();
    for (const s of senders) expect(s.error).toBeInstanceOf(ChannelClosedError);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // testCancelWithCause: Kotlin's receive throws the cause itself; chanasync's pull rejects with
  // a ChannelClosedError carrying it as `cause` (a `for await` throws the cause itself).
  it('testCancelWithCause', async () => {
    const channel = new Channel<number>(0);
    const cause = new TestException();
    channel.close(cause);
    const error = await channel.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as Error).cause).toBe(cause);
    await expect(
      (async () => {
        for await (const _ of channel);
      })(),
    ).rejects.toBe(cause);
  });
});

// common/test/channels/BufferedChannelTest.kt
describe('kotlinx BufferedChannelTest.kt', () => {
  it('testMemoryConsumption', async () => {
    const large = new Channel<number>(2 ** 30 - 1); // Int.MAX_VALUE / 2
    for (let i = 0; i < 10_000; i++) await large.push(i);
    for (let i = 0; i < 10_000; i++) expect(await large.pull()).toBe(i);
  });

  it('testSimple', async () => {
    const q = new Channel<number>(1);
    expect(q.empty).toBe(true);
    await q.push(1); // buffered
    expect(q.empty).toBe(false);
    const second = track(q.push(2)); // suspends: buffer full
    await settle();
    expect(second.state).toBe('pending');
    expect(await q.pull()).toBe(1);
    expect(q.empty).toBe(false); // the waiting sender's value moved into the buffer
    await settle();
    expect(second.state).toBe('fulfilled');
    expect(await q.pull()).toBe(2);
    expect(q.empty).toBe(true);
  });

  it('testClosedBufferedReceiveCatching', async () => {
    const q = new Channel<number>(1);
    expect(q.empty && !q.closed).toBe(true);
    await q.push(42);
    q.close();
    expect(!q.empty && q.closed).toBe(true); // closed for send, not yet for receive
    expect(await q.pull()).toBe(42);
    // Kotlin keeps `isEmpty` false on a closed channel (see ClosedChannelTest); chanasync's
    // `empty` is `size === 0`.
    expect(q.empty && q.closed).toBe(true);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('testClosedExceptions', async () => {
    const q = new Channel<number>(1);
    const r = track(q.pull());
    await settle();
    q.close();
    await settle();
    expect(r.error).toBeInstanceOf(ChannelClosedError);
    await expect(q.push(42)).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('testTryOp', async () => {
    const q = new Channel<number>(1);
    expect(q.tryPush(1)).toBe(true);
    expect(q.tryPull()).toBe(1);
    expect(q.tryPull()).toBeUndefined();
    const r = track(q.pull()); // suspends
    await settle();
    expect(q.tryPush(2)).toBe(true); // to the waiting receiver
    expect(q.tryPush(3)).toBe(true); // to the buffer
    expect(q.tryPush(4)).toBe(false); // full
    await settle();
    expect(r.value).toBe(2);
    expect(q.tryPull()).toBe(3);
    expect(q.tryPull()).toBeUndefined();
  });

  // Kotlin's cancel() discards the five buffered values too; chanasync's close() keeps them
  // readable (SPEC "Closing") and fails only the five parked senders.
  it('testConsumeAll (contract: close keeps the buffer)', async () => {
    const q = new Channel<number>(5);
    for (let i = 1; i <= 5; i++) await q.push(i);
    const parked = [6, 7, 8, 9, 10].map((i) => track(q.push(i)));
    await settle();
    q.close();
    expect(q.closed).toBe(true);
    await settle();
    for (const p of parked) expect(p.error).toBeInstanceOf(ChannelClosedError);
    expect(await q.pullMany(10)).toEqual([1, 2, 3, 4, 5]);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('testCancelWithCause', async () => {
    const channel = new Channel<number>(5);
    const cause = new TestException();
    channel.close(cause);
    await expect(channel.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause });
  });

  async function checkBufferChannel(channel: Channel<number>, capacity: number) {
    const stages: string[] = [];
    const producer = (async () => {
      for (let i = 0; i < 42; i++) await channel.push(i);
      stages.push('42 buffered');
      await channel.push(42);
      stages.push('43rd taken');
      channel.close();
    })();
    await settle();
    expect(stages).toEqual(['42 buffered']); // the 43rd send waits for room
    expect(channel.size).toBe(capacity);
    const result: number[] = [];
    for await (const v of channel) result.push(v);
    await producer;
    expect(result).toEqual(Array.from({ length: capacity + 1 }, (_, i) => i));
  }

  it('testBufferSize', async () => {
    await checkBufferChannel(new Channel<number>(42), 42);
  });

  it('testBufferSizeFromTheMiddle', async () => {
    const channel = new Channel<number>(42);
    for (let i = 0; i < 4; i++) channel.tryPush(-1);
    for (let i = 0; i < 4; i++) await channel.pull();
    await checkBufferChannel(channel, 42);
  });

  it('testBufferIsNotPreallocated', () => {
    const channels = Array.from({ length: 100_001 }, () => new Channel<number>(2 ** 30 - 1));
    expect(channels).toHaveLength(100_001);
  });
});

// common/test/channels/ChannelBufferOverflowTest.kt
describe('kotlinx ChannelBufferOverflowTest.kt', () => {
  it('testDropLatest', async () => {
    const c = new Channel<number>(2, { overflow: 'drop-newest' });
    expect(c.tryPush(1)).toBe(true);
    expect(c.tryPush(2)).toBe(true);
    expect(c.tryPush(3)).toBe(true); // overflows, dropped
    await c.push(4); // overflows, dropped
    expect(await c.pull()).toBe(1);
    expect(c.tryPush(5)).toBe(true);
    expect(c.tryPush(6)).toBe(true); // overflows, dropped
    expect(await c.pull()).toBe(2);
    expect(await c.pull()).toBe(5);
    expect(c.tryPull()).toBeUndefined();
  });

  it('testDropOldest', async () => {
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
});

const conflated = <T>() => new Channel<T>(1, { overflow: 'drop-oldest' });

// common/test/channels/ConflatedChannelTest.kt
describe('kotlinx ConflatedChannelTest.kt', () => {
  it('testBasicConflationOfferTryReceive', () => {
    const q = conflated<number>();
    expect(q.tryPull()).toBeUndefined();
    expect(q.tryPush(1)).toBe(true);
    expect(q.tryPush(2)).toBe(true);
    expect(q.tryPush(3)).toBe(true);
    expect(q.tryPull()).toBe(3);
    expect(q.tryPull()).toBeUndefined();
  });

  it('testConflatedSend', async () => {
    const q = conflated<number>();
    await q.push(1);
    await q.push(2); // conflates the previous one
    expect(await q.pull()).toBe(2);
  });

  it('testConflatedClose', async () => {
    const q = conflated<number>();
    await q.push(1);
    q.close(); // closed, but the last value is kept
    expect(q.closed).toBe(true);
    expect(q.empty).toBe(false);
    expect(await q.pull()).toBe(1);
    expect(q.closed && q.empty).toBe(true);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('testConflationSendReceive', async () => {
    const q = conflated<number>();
    const got: number[] = [];
    await q.push(1);
    await q.push(2); // conflates
    const receiver = (async () => {
      got.push(await q.pull()); // 2
      got.push(await q.pull()); // suspends, then 3 from the waiting receiver
      got.push(await q.pull()); // 6, the last conflated value
    })();
    await settle();
    expect(got).toEqual([2]);
    expect(q.stats().waitingPullers).toBe(1);
    // Kotlin's four sends run without suspending, before the receiver resumes: the same
    // synchronous run here (an `await` between them would let the receiver take 4).
    q.pushNowait(3); // straight to the waiting receiver (never dropped)
    q.pushNowait(4); // buffer
    q.pushNowait(5); // conflate
    q.pushNowait(6); // conflate again
    await receiver;
    expect(got).toEqual([2, 3, 6]);
  });

  // Kotlin's cancel() drops the conflated value; chanasync's close() keeps it readable.
  it('testConsumeAll (contract: close keeps the buffer)', async () => {
    const q = conflated<number>();
    for (let i = 1; i <= 10; i++) await q.push(i);
    q.close();
    expect(q.closed).toBe(true);
    expect(await q.pull()).toBe(10);
    await expect(q.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('testCancelWithCause', async () => {
    const channel = conflated<number>();
    const cause = new TestException();
    channel.close(cause);
    await expect(channel.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause });
  });
});

// common/test/channels/UnlimitedChannelTest.kt
describe('kotlinx UnlimitedChannelTest.kt', () => {
  it('testBasic', async () => {
    const c = new Channel<number>(Number.POSITIVE_INFINITY);
    await c.push(1);
    expect(c.tryPush(2)).toBe(true);
    await c.push(3);
    // Kotlin's close() returns true the first time and false after; chanasync's returns nothing
    // and is idempotent: the second call changes nothing.
    c.close();
    c.close(new Error('ignored'));
    expect(await c.pull()).toBe(1);
    expect(c.tryPull()).toBe(2);
    expect(await c.pull()).toBe(3);
    const end = await c.pull().catch((e: unknown) => e);
    expect(end).toBeInstanceOf(ChannelClosedError);
    expect((end as Error).cause).toBeUndefined(); // only the first close's reason counts
  });

  it('testConsumeAll (contract: close keeps the buffer)', async () => {
    const q = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 1; i <= 10; i++) await q.push(i);
    q.close();
    expect(q.closed).toBe(true);
    expect(q.size).toBe(10);
    const got: number[] = [];
    for await (const v of q) got.push(v);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('testCancelWithCause', async () => {
    const channel = new Channel<number>(Number.POSITIVE_INFINITY);
    const cause = new TestException();
    channel.close(cause);
    await expect(channel.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause });
  });
});

// common/test/channels/ChannelReceiveCatchingTest.kt
describe('kotlinx ChannelReceiveCatchingTest.kt', () => {
  it('testChannelOfThrowables', async () => {
    const channel = new Channel<Error>(0);
    void (async () => {
      await channel.push(new TestException('1'));
      channel.close(new RangeError('2'));
    })();
    const element = await channel.pull(); // an error as a value resolves, it does not reject
    expect(element).toBeInstanceOf(TestException);
    const closed = await channel.pull().catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(ChannelClosedError);
    expect((closed as Error).cause).toBeInstanceOf(RangeError);
  });

  it('testNullableIntChanel', async () => {
    const channel = new Channel<number | null | undefined>(0);
    void (async () => {
      await channel.push(1);
      await channel.push(null);
      await channel.push(undefined);
      channel.close();
    })();
    expect(await channel.pull()).toBe(1);
    expect(await channel.pull()).toBeNull();
    expect(await channel.pull()).toBeUndefined();
    const closed = await channel.pull().catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(ChannelClosedError);
    const closed2 = await channel.pull().catch((e: unknown) => e);
    expect(closed2).toBeInstanceOf(ChannelClosedError);
    expect((closed2 as Error).cause).toBeUndefined();
  });

  it('testUIntChannel', async () => {
    const channel = new Channel<bigint>(0);
    void (async () => {
      await channel.push(1n);
      await channel.push(2n ** 64n - 2n);
    })();
    expect(await channel.pull()).toBe(1n);
    expect(await channel.pull()).toBe(2n ** 64n - 2n);
  });

  it('testCancelChannel', async () => {
    const channel = new Channel<boolean>(0);
    setTimeout(() => channel.close());
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // testReceiveResultChannel: a channel of result objects carries them as plain values. (A
  // channel of *promises* is refused — thenables are not values, README — so results travel as
  // plain objects or wrapped promises.)
  it('testReceiveResultChannel', async () => {
    type Result = { ok: true; value: number } | { ok: false; error: Error };
    const channel = new Channel<Result>(0);
    const e1 = new TestException('1');
    void (async () => {
      await channel.push({ ok: true, value: 1 });
      await channel.push({ ok: false, error: e1 });
      channel.close(new RangeError('2'));
    })();
    expect(await channel.pull()).toEqual({ ok: true, value: 1 });
    expect(await channel.pull()).toEqual({ ok: false, error: e1 });
    await expect(channel.pull()).rejects.toMatchObject({ cause: expect.any(RangeError) });
    const promises = new Channel<Promise<number>>(1);
    expect(() => promises.pushNowait(Promise.resolve(1))).toThrow(TypeError);
  });

  // testToString: Kotlin's "Closed(TestException1: OK)". chanasync's error names the operation
  // and the channel and carries the cause.
  it('testToString', async () => {
    const channel = new Channel<string>(1, { name: 'messages' });
    await channel.push('message');
    channel.close(new TestException('OK'));
    expect(await channel.pull()).toBe('message');
    const error = (await channel.pull().catch((e: unknown) => e)) as ChannelClosedError;
    expect(error.message).toBe('pull: channel "messages" is closed');
    expect(String(error)).toMatch(/^ChannelClosedError: pull: channel "messages" is closed$/);
    expect((error.cause as Error).message).toBe('OK');
  });
});

// common/test/channels/ChannelsTest.kt
describe('kotlinx ChannelsTest.kt', () => {
  const testList = [1, 2, 3];
  const toList = async <T>(ch: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const v of ch) out.push(v);
    return out;
  };

  it('testIterableAsReceiveChannel', async () => {
    expect(await toList(from(testList))).toEqual(testList);
  });

  // "the waiting requests should be cancelled in the order they were suspended"
  it('testCloseWithMultipleSuspendedReceivers', async () => {
    const channel = new Channel<number>(0);
    const order: number[] = [];
    const a = channel.pull().catch((e: unknown) => {
      expect(e).toBeInstanceOf(ChannelClosedError);
      order.push(1);
    });
    const b = channel.pull().catch((e: unknown) => {
      expect(e).toBeInstanceOf(ChannelClosedError);
      order.push(2);
    });
    await settle();
    channel.close();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
  });

  it('testCloseWithMultipleSuspendedSenders', async () => {
    const channel = new Channel<number>(0);
    const order: number[] = [];
    const a = channel.push(42).catch(() => order.push(1));
    const b = channel.push(42).catch(() => order.push(2));
    await settle();
    channel.close();
    await Promise.all([a, b]);
    expect(order).toEqual([1, 2]);
  });

  it('testEmptyList', async () => {
    expect(await toList(from([]))).toEqual([]);
  });

  it('testToList', async () => {
    expect(await toList(from(testList))).toEqual(testList);
  });

  it('testToListOnFailedChannel', async () => {
    const channel = new Channel<number>(0);
    const cause = new TestException();
    channel.close(cause);
    await expect(toList(channel)).rejects.toBe(cause);
  });
});

// common/test/channels/ChannelUndeliveredElementTest.kt. chanasync has no
// onUndeliveredElement callback; its counterpart is the push's own promise: a push that
// rejects delivered nothing, a push that resolves committed its value (SPEC "Blocking
// operations"). "isCancelled" below means "the producer learned it was not delivered".
describe('kotlinx ChannelUndeliveredElementTest.kt', () => {
  it.each(kinds)('testSendSuccessfully ($name)', async (kind) => {
    const channel = kind.make<{ value: string }>();
    const res = { value: 'OK' };
    const sent = channel.push(res);
    const ok = await channel.pull();
    expect(ok.value).toBe('OK');
    await expect(sent).resolves.toBeUndefined();
    channel.close();
  });

  it('testRendezvousSendCancelled', async () => {
    const channel = new Channel<string>(0);
    const job = new AbortController();
    const sent = channel.push('OK', { signal: job.signal });
    job.abort();
    await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
    expect(channel.tryPull()).toBeUndefined(); // not delivered
  });

  // Kotlin: the later channel.cancel() hands the buffered A to onUndeliveredElement. chanasync
  // has no cancel: close() keeps A readable.
  it('testBufferedSendCancelled', async () => {
    const channel = new Channel<string>(1);
    const job = new AbortController();
    await channel.push('A');
    const b = channel.push('B', { signal: job.signal });
    job.abort();
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    channel.close();
    expect(channel.pullNowait()).toBe('A');
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError); // B never arrived
  });

  it('testUnlimitedChannelCancelled (contract: close keeps the buffer)', async () => {
    const channel = new Channel<string>(Number.POSITIVE_INFINITY);
    await channel.push('A');
    await channel.push('B');
    channel.close();
    expect(await channel.pullMany(5)).toEqual(['A', 'B']);
  });

  // Kotlin reports the conflated-away A to onUndeliveredElement. chanasync's drop modes have no
  // callback: A's push resolved (the policy is the commit, SPEC) and A is silently gone.
  it('testConflatedResourceCancelled (contract: drops are silent)', async () => {
    const channel = conflated<string>();
    await expect(channel.push('A')).resolves.toBeUndefined();
    await expect(channel.push('B')).resolves.toBeUndefined();
    channel.close();
    expect(channel.pullNowait()).toBe('B');
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  it.each(kinds)('testSendToClosedChannel ($name)', async (kind) => {
    const channel = kind.make<string>();
    channel.close();
    await expect(channel.push('OK')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError); // not delivered
  });
});

// common/test/channels/ClosedChannelTest.kt
describe('kotlinx ClosedChannelTest.kt', () => {
  it.each(kinds)('testIteratorClosedHasNextFalse ($name)', async (kind) => {
    const channel = kind.make<number>();
    const iterator = channel[Symbol.asyncIterator]();
    channel.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it.each(kinds)('testIteratorClosedWithExceptionHasNextThrows ($name)', async (kind) => {
    const channel = kind.make<number>();
    const iterator = channel[Symbol.asyncIterator]();
    const cause = new TestException();
    channel.close(cause);
    await expect(iterator.next()).rejects.toBe(cause);
  });

  it.each(kinds)('testClosedToListOk ($name)', async (kind) => {
    const channel = kind.make<number>();
    channel.close();
    const out: number[] = [];
    for await (const v of channel) out.push(v);
    expect(out).toEqual([]);
  });

  it.each(kinds)('testClosedIsClosedForReceive ($name)', (kind) => {
    const channel = kind.make<number>();
    expect(channel.closed && channel.empty).toBe(false);
    channel.close();
    expect(channel.closed && channel.empty).toBe(true);
  });

  it.each(kinds)('testClosedWithExceptionIsClosedForReceive ($name)', (kind) => {
    const channel = kind.make<number>();
    channel.close(new TestException());
    expect(channel.closed && channel.empty).toBe(true);
  });

  // Kotlin: "NB! Not obvious." isEmpty turns false once closed. chanasync's `empty` is
  // `size === 0` (SPEC), so a closed, drained channel is empty.
  it.each(kinds)('testClosedIsEmptyFalse ($name) (contract: empty is size === 0)', (kind) => {
    const channel = kind.make<number>();
    expect(channel.empty).toBe(true);
    channel.close();
    expect(channel.empty).toBe(true);
    expect(() => channel.pullNowait()).toThrow(ChannelClosedError);
  });

  it('testSendClosedReceiveIsEmptyFalse', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    expect(channel.empty).toBe(false);
    channel.close();
    expect(channel.empty).toBe(false);
    expect(channel.closed && channel.empty).toBe(false); // not closed for receive yet
    await channel.pull();
    expect(channel.closed && channel.empty).toBe(true);
  });

  it('testSendClosedWithExceptionReceiveIsEmptyFalse', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    channel.close(new TestException());
    expect(await channel.pull()).toBe(1);
    expect(channel.closed && channel.empty).toBe(true);
    await expect(channel.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

// common/test/channels/ChannelFactoryTest.kt
describe('kotlinx ChannelFactoryTest.kt', () => {
  it('testRendezvousChannel', () => {
    expect(new Channel<number>().capacity).toBe(0);
    expect(new Channel<number>(0).capacity).toBe(0);
  });

  // Kotlin accepts UNLIMITED with a drop policy (it never overflows). chanasync accepts it too.
  it('testLinkedListChannel', () => {
    expect(new Channel<number>(Number.POSITIVE_INFINITY).capacity).toBe(Number.POSITIVE_INFINITY);
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const c = new Channel<number>(Number.POSITIVE_INFINITY, { overflow });
      for (let i = 0; i < 100; i++) c.pushNowait(i);
      expect(c.size).toBe(100);
    }
  });

  it('testConflatedChannel', () => {
    expect(new Channel<number>(1, { overflow: 'drop-oldest' }).stats().overflow).toBe('drop-oldest');
  });

  it('testArrayChannel', () => {
    expect(new Channel<number>(1).capacity).toBe(1);
    expect(new Channel<number>(1, { overflow: 'drop-newest' }).capacity).toBe(1);
    expect(new Channel<number>(10).capacity).toBe(10);
  });

  it('testInvalidCapacityNotSupported', () => {
    expect(() => new Channel<number>(-3)).toThrow(RangeError);
  });

  // Kotlin builds a conflated channel for Channel(RENDEZVOUS, DROP_OLDEST); chanasync refuses a
  // drop policy with capacity 0 (SPEC: RangeError), since there is no slot to drop from.
  it('testUnsupportedBufferOverflow (contract: drop modes need capacity >= 1)', () => {
    expect(() => new Channel<number>(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
    expect(() => new Channel<number>(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    // @ts-expect-error an unknown policy
    expect(() => new Channel<number>(1, { overflow: 'suspend' })).toThrow(TypeError);
  });
});

// Unused imports guard (ChannelEmptyError/ChannelFullError appear in the select file too).
void ChannelEmptyError;
void ChannelFullError;
