/**
 * Audit AF: kotlinx.coroutines' produce/consume/iterator tests, translated to chanasync.
 * Sources (kotlinx-coroutines-core/common/test/channels/): ProduceTest.kt, ConsumeTest.kt,
 * ChannelIteratorTest.kt — https://github.com/Kotlin/kotlinx.coroutines
 *
 * Mapping: `produce { send(x) }` ≈ `from(async generator)` (a generator's `finally` ≈ the
 * producer's cancellation handler / `awaitClose`); `channel.cancel()` by the consumer ≈
 * `close()` (which releases the source: `return()` on its iterator, README); `consume { }` ≈
 * `using ch = …` (the block closes the channel however it ends); `consumeEach` ≈ a `for await`
 * in a `using` block.
 */

import { Channel, ChannelClosedError, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { settle, until } from './util.js';

class TestException extends Error {
  override name = 'TestException';
}

describe('kotlinx ProduceTest.kt', () => {
  it('testBasic', async () => {
    const c = from(
      (async function* () {
        yield 1;
        yield 2;
      })(),
    );
    expect(await c.pull()).toBe(1);
    expect(await c.pull()).toBe(2);
    await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError); // receiveCatching: null
  });

  it('testCancelWithoutCause', async () => {
    const log: string[] = [];
    const c = from(
      (async function* () {
        yield 1;
        try {
          yield 2; // "will get cancelled"
          log.push('unreached');
        } finally {
          log.push('finally');
        }
      })(),
    );
    expect(await c.pull()).toBe(1);
    c.close(); // the consumer cancels
    await expect(c.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    await settle();
    // With capacity 0 the generator was never resumed for 2 (lazy): its `return()` ends it
    // before it reaches the `try`, so neither line ran — nothing was produced for nobody.
    expect(log).toEqual([]);
  });

  it('testCancelWithCause', async () => {
    const c = from(
      (async function* () {
        yield 1;
        yield 2;
      })(),
    );
    expect(await c.pull()).toBe(1);
    const cause = new TestException();
    c.close(cause);
    // Kotlin's receive throws the cause; chanasync's pull a ChannelClosedError with it as cause.
    await expect(c.pull()).rejects.toMatchObject({ name: 'ChannelClosedError', cause });
  });

  // testAwaitConsumerCancellation: the producer waits in awaitClose { } until the consumer
  // cancels. Here: a generator suspended in an await is released when the consumer closes.
  it('testAwaitConsumerCancellation', async () => {
    const log: string[] = [];
    let release!: () => void;
    const c = from(
      (async function* () {
        try {
          yield 1;
          await new Promise<void>((r) => {
            release = r;
          });
          yield 2;
        } finally {
          log.push('closed');
        }
      })(),
      { capacity: 1 },
    );
    expect(await c.pull()).toBe(1);
    await until(() => release !== undefined); // the generator is suspended in its await
    c.close();
    release();
    await until(() => log.length > 0);
    expect(log).toEqual(['closed']);
    expect(c.tryPull()).toBeUndefined(); // 2 was not delivered to a closed channel
  });

  it('testReceivingValuesAfterFailingTheCoroutine', async () => {
    const c = from(
      (async function* () {
        for (let i = 0; i < 5; i++) yield i;
        throw new TestException();
      })(),
      { capacity: Number.POSITIVE_INFINITY },
    );
    for (let i = 0; i < 5; i++) expect(await c.pull()).toBe(i);
    const e = await c.pull().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    expect((e as Error).cause).toBeInstanceOf(TestException);
  });

  it('testProduceWithInvalidCapacity', () => {
    expect(() => from([1], { capacity: -3 })).toThrow(RangeError);
  });

  // testCancelOnCompletion: when the produced channel is cancelled, the source it was reading
  // is released too. chanasync: closing a `from` channel over another channel's iterator calls
  // that iterator's `return()`, which withdraws its parked pull (README "Iteration") — the
  // source channel itself stays open (leaving never closes a channel) and loses no value.
  it('testCancelOnCompletion (contract: the source channel is released, not closed)', async () => {
    const source = new Channel<number>(0);
    const produced = from(source);
    const waiting = produced.pull().catch((e: unknown) => e);
    await settle();
    expect(source.stats().waitingPullers).toBe(1);
    produced.close();
    expect(await waiting).toBeInstanceOf(ChannelClosedError);
    await until(() => source.stats().waitingPullers === 0);
    expect(source.closed).toBe(false);
    const sent = source.push(5);
    expect(await source.pull()).toBe(5); // not taken by the produced channel's old pull
    await sent;
  });
});

describe('kotlinx ConsumeTest.kt', () => {
  it('testConsumeClosesOnSuccess', () => {
    const channel = new Channel<number>();
    {
      using _c = channel;
    }
    expect(channel.closed && channel.empty).toBe(true);
  });

  it('testConsumeClosesOnFailure', () => {
    const channel = new Channel<number>();
    expect(() => {
      using _c = channel;
      throw new TestException();
    }).toThrow(TestException);
    expect(channel.closed).toBe(true);
  });

  it('testConsumeClosesOnEarlyReturn', () => {
    const channel = new Channel<number>();
    function f(): number {
      using _c = channel;
      return 1;
    }
    expect(f()).toBe(1);
    expect(channel.closed).toBe(true);
  });

  it('testConsumeEachClosesOnSuccess', async () => {
    const channel = new Channel<number>(Number.POSITIVE_INFINITY);
    setTimeout(() => channel.close());
    {
      await using c = channel;
      for await (const _ of c) expect.unreachable();
    }
    expect(channel.closed).toBe(true);
  });

  it('testConsumeEachClosesOnFailure', async () => {
    const channel = new Channel<null>(Number.POSITIVE_INFINITY);
    await channel.push(null);
    await expect(
      (async () => {
        await using c = channel;
        for await (const _ of c) throw new TestException();
      })(),
    ).rejects.toThrow(TestException);
    expect(channel.closed && channel.empty).toBe(true);
  });

  it('testConsumeEachClosesOnEarlyReturn', async () => {
    const channel = new Channel<null>(Number.POSITIVE_INFINITY);
    await channel.push(null);
    await channel.push(null);
    async function f() {
      await using c = channel;
      for await (const _ of c) return;
    }
    await f();
    expect(channel.closed).toBe(true);
    expect(channel.size).toBe(1); // leaving consumed nothing more (the second value stays)
  });

  it('testConsumeJsMiscompilation', () => {
    const channel = new Channel<number>();
    const consume = <R>(block: () => R): R => {
      using _c = channel;
      return block();
    };
    expect(
      () =>
        consume(() => null) ??
        (() => {
          throw new RangeError('index');
        })(),
    ).toThrow(RangeError);
  });
});

describe('kotlinx ChannelIteratorTest.kt', () => {
  for (const capacity of [0, 1, 10, Number.POSITIVE_INFINITY]) {
    it(`testIteratorClosedHasNextFalse (capacity ${capacity})`, async () => {
      const channel = new Channel<number>(capacity);
      const iterator = channel[Symbol.asyncIterator]();
      channel.close();
      expect((await iterator.next()).done).toBe(true);
      expect((await iterator.next()).done).toBe(true);
    });

    it(`testIteratorClosedWithExceptionHasNextThrows (capacity ${capacity})`, async () => {
      const channel = new Channel<number>(capacity);
      const iterator = channel[Symbol.asyncIterator]();
      const cause = new TestException();
      channel.close(cause);
      await expect(iterator.next()).rejects.toBe(cause);
    });
  }
});
