// Audit BR-peers-f: behaviour checked by apple/swift-async-algorithms'
// Tests/AsyncAlgorithmsTests/TestBuffer.swift, ported onto chanasync's capacity and overflow
// policies. Swift's `.bufferingOldest(n)` keeps the oldest n and drops new ones ≈
// `overflow: 'drop-newest'`; `.bufferingLatest(n)` keeps the newest ≈ `'drop-oldest'`;
// `.unbounded` ≈ capacity Infinity; `.bounded(n)` over a gated base ≈ `from(source, { capacity: n })`.
import { Channel, from } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { Failure, track, turn, turns } from './util.js';

async function drain<T>(ch: Channel<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const v of ch) values.push(v);
  } catch (error) {
    return { values, error };
  }
  return { values };
}

describe('swift TestBuffer ported', () => {
  // test_given_a_base_sequence_when_buffering_with_unbounded_then_the_buffer_is_filled_in.
  it('an unbounded channel takes everything without waiting, in order', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    expect(ch.size).toBe(1000);
    expect(ch.full).toBe(false);
    ch.close();
    const { values } = await drain(ch);
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  // test_given_a_failable_base_sequence_when_buffering_with_unbounded_then_the_failure_is_forwarded:
  // the buffered values first, then the failure; past the failure (Swift: nil forever; chanasync:
  // pulls reject ChannelClosedError with the reason as cause — SPEC).
  it('an unbounded buffer forwards its values, then the failure', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    for (const v of [1, 2, 3]) ch.pushNowait(v);
    const f = new Failure();
    ch.close(f);
    const { values, error } = await drain(ch);
    expect(values).toEqual([1, 2, 3]);
    expect(error).toBe(f);
    const e = await ch.pull().catch((x: unknown) => x);
    expect((e as Error).cause).toBe(f);
  });

  // test_given_a_base_sequence_when_bufferingOldest_then_the_policy_is_applied.
  it("'drop-newest' (bufferingOldest) keeps the oldest values and drops the new ones", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3, 4, 5]) await ch.push(v);
    expect(ch.size).toBe(2);
    expect(ch.pullNowait()).toBe(1);
    expect(ch.pullNowait()).toBe(2);
    expect(ch.tryPull()).toBeUndefined();
  });

  // test_given_a_base_sequence_when_bufferingNewest_then_the_policy_is_applied.
  it("'drop-oldest' (bufferingLatest) keeps the newest values", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4, 5]) await ch.push(v);
    expect(ch.pullNowait()).toBe(4);
    expect(ch.pullNowait()).toBe(5);
  });

  // The peer's diagrams interleave reads: "X-12-   34-    5   |" → "[1,] [2,] [3,] [5,]" for
  // bufferingOldest(2): after 1 is read, 2 stays; 3 and 4 arrive, 3 read, 4 kept…
  it("'drop-newest' with interleaved reads follows the peer's timeline", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    const out: number[] = [];
    ch.pushNowait(1);
    ch.pushNowait(2);
    out.push(ch.pullNowait()); // 1
    ch.pushNowait(3);
    ch.pushNowait(4); // dropped: buffer [2,3]
    out.push(ch.pullNowait()); // 2
    out.push(ch.pullNowait()); // 3
    ch.pushNowait(5);
    out.push(ch.pullNowait()); // 5
    expect(out).toEqual([1, 2, 3, 5]);
  });

  it("'drop-oldest' with interleaved reads follows the peer's timeline", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    const out: number[] = [];
    ch.pushNowait(1);
    ch.pushNowait(2);
    out.push(ch.pullNowait()); // 1
    ch.pushNowait(3);
    ch.pushNowait(4); // 2 dropped: buffer [3,4]
    out.push(ch.pullNowait()); // 3
    out.push(ch.pullNowait()); // 4
    ch.pushNowait(5);
    out.push(ch.pullNowait()); // 5
    expect(out).toEqual([1, 3, 4, 5]);
  });

  // test_..._bufferingOldest_with_0_limit_then_the_policy_is_transparent and the bufferingNewest
  // twin. Difference: Swift's limit 0 is transparent; the SPEC says "A drop mode with capacity 0
  // throws RangeError".
  it('a drop mode with capacity 0 is a RangeError (Swift: transparent)', () => {
    expect(() => new Channel(0, { overflow: 'drop-newest' })).toThrow(RangeError);
    expect(() => new Channel(0, { overflow: 'drop-oldest' })).toThrow(RangeError);
  });

  // test_..._bufferingOldest_at_slow_pace_then_no_element_is_dropped (and bufferingNewest):
  // a consumer that keeps up loses nothing; a drop mode hands a value straight to a parked pull
  // "before it would drop anything" (README).
  for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
    it(`'${overflow}' at slow pace: a consumer that keeps up loses nothing`, async () => {
      const ch = new Channel<number>(2, { overflow });
      const out: number[] = [];
      const reader = (async () => {
        for await (const v of ch) out.push(v);
      })();
      for (let i = 1; i <= 5; i++) {
        await ch.push(i);
        await turn();
      }
      ch.close();
      await reader;
      expect(out).toEqual([1, 2, 3, 4, 5]);
    });
  }

  // test_..._failable_base_sequence_when_bufferingOldest/Newest_then_the_failure_is_forwarded:
  // "X-12345^" → "[12^]" (oldest) / "[45^]" (latest).
  it("'drop-newest' then failure: [1,2] then the error", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-newest' });
    for (const v of [1, 2, 3, 4, 5]) ch.pushNowait(v);
    const f = new Failure();
    ch.close(f);
    expect(await drain(ch)).toEqual({ values: [1, 2], error: f });
  });

  it("'drop-oldest' then failure: [4,5] then the error", async () => {
    const ch = new Channel<number>(2, { overflow: 'drop-oldest' });
    for (const v of [1, 2, 3, 4, 5]) ch.pushNowait(v);
    const f = new Failure();
    ch.close(f);
    expect(await drain(ch)).toEqual({ values: [4, 5], error: f });
  });

  // test_given_a_base_sequence_when_buffering_with_bounded_then_the_buffer_is_filled_in_and_suspends:
  // a gated base of 1…5 buffered by 2; the buffer never runs more than 2 ahead.
  it('from(source, { capacity: 2 }) reads at most 2 ahead of its consumer, then ends', async () => {
    let produced = 0;
    function* gated(): Generator<number> {
      for (let i = 1; i <= 5; i++) {
        produced = i;
        yield i;
      }
    }
    const ch = from(gated(), { capacity: 2 });
    await turns(3);
    expect(produced).toBe(2);
    expect(ch.size).toBe(2);
    expect(await ch.pull()).toBe(1);
    await turns(2);
    expect(produced).toBe(3);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    expect(await ch.pull()).toBe(4);
    expect(await ch.pull()).toBe(5);
    const end = await ch[Symbol.asyncIterator]().next();
    expect(end.done).toBe(true);
    expect((await ch[Symbol.asyncIterator]().next()).done).toBe(true);
  });

  // test_given_a_failable_base_sequence_when_buffering_with_bounded_then_the_failure_is_forwarded.
  it('from(source, { capacity: 2 }) forwards the values read, then the failure', async () => {
    function* failing(): Generator<number> {
      yield 1;
      yield 2;
      throw new Failure();
    }
    const ch = from(failing(), { capacity: 2 });
    const { values, error } = await drain(ch);
    expect(values).toEqual([1, 2]);
    expect(error).toBeInstanceOf(Failure);
  });

  // test_given_a_base_sequence_when_bounded_with_limit_0_then_the_policy_is_transparent:
  // capacity 0 reads the source only when a pull asks.
  it('from(source) with capacity 0 reads nothing until a pull asks', async () => {
    let reads = 0;
    const ch = from(
      (function* () {
        for (let i = 0; i < 3; i++) {
          reads++;
          yield i;
        }
      })(),
    );
    await turns(3);
    expect(reads).toBe(0);
    expect(await ch.pull()).toBe(0);
    expect(reads).toBe(1);
    expect((await drain(ch)).values).toEqual([1, 2]);
  });

  // test_given_a_buffered_with_unbounded_sequence_when_cancelling_consumer_then_the_iteration_finishes_and_the_base_is_cancelled:
  // chanasync: leaving the loop does not close (README); closing the from() channel releases
  // the source ("An abort, or a close by anyone, stops the pump and releases the source at once").
  it('closing a from() channel over an endless source returns the source iterator', async () => {
    let finalized = false;
    function* endless(): Generator<number> {
      try {
        for (;;) yield 1;
      } finally {
        finalized = true;
      }
    }
    const ch = from(endless(), { capacity: 4 });
    for await (const _ of ch) break;
    expect(ch.closed).toBe(false);
    ch.close();
    await turn();
    expect(finalized).toBe(true);
  });

  // Back-pressure of a bounded 'block' buffer: the third push waits.
  it("a 'block' buffer of 2: the third push waits until a pull frees room", async () => {
    const ch = new Channel<number>(2);
    await ch.push(1);
    await ch.push(2);
    const third = track(ch.push(3));
    await turns(2);
    expect(third.state).toBe('pending');
    expect(ch.full).toBe(true);
    expect(await ch.pull()).toBe(1);
    await turn();
    expect(third.state).toBe('fulfilled');
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([2, 3]);
  });
});
