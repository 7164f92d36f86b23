// Audit BR-peers-c: behaviour checked by smol-rs/async-channel's own tests (tests/bounded.rs,
// tests/unbounded.rs), re-expressed against chanasync's API. Rust's Drop of the last Sender or
// Receiver maps to close(); receiver_count/sender_count have no equivalent (skipped, see
// FINDINGS.md).
import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError } from 'chanasync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const settled = async <T>(p: Promise<T>) => {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  p.then(
    () => {
      state = 'fulfilled';
    },
    () => {
      state = 'rejected';
    },
  );
  await tick();
  return state;
};

describe('async-channel bounded.rs', () => {
  // bounded.rs smoke
  it('smoke: try_send then recv, then empty', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(7);
    expect(ch.pullNowait()).toBe(7);
    await ch.push(8);
    expect(await ch.pull()).toBe(8);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
  });

  // bounded.rs capacity
  it('capacity reports the bound for 1..9', () => {
    for (let i = 1; i < 10; i++) expect(new Channel(i).capacity).toBe(i);
  });

  // bounded.rs len_empty_full
  it('len/is_empty/is_full track size through send and recv', async () => {
    const ch = new Channel<null>(2);
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([2, false, true]);
    await ch.pull();
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
  });

  // bounded.rs try_recv: Empty, then the value, then Closed
  it('try_recv: Empty, then value, then Closed after sender gone', async () => {
    const ch = new Channel<number>(100);
    expect(() => ch.pullNowait()).toThrow(ChannelEmptyError);
    setTimeout(() => {
      void ch.push(7).then(() => ch.close());
    }, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(ch.pullNowait()).toBe(7);
    expect(() => ch.pullNowait()).toThrow(ChannelClosedError);
    // tryPull variant (Kotlin-style): undefined for both
    expect(ch.tryPull()).toBeUndefined();
  });

  // bounded.rs recv: blocked recv is woken by a later send; closed afterwards
  it('recv waits for a send, then fails after close', async () => {
    const ch = new Channel<number>(100);
    const first = ch.pull();
    expect(await settled(first)).toBe('pending');
    await ch.push(7);
    expect(await first).toBe(7);
    const second = ch.pull();
    setTimeout(() => ch.push(8), 1);
    expect(await second).toBe(8);
    setTimeout(() => ch.close(), 1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // bounded.rs try_send: Full, then Ok after a recv, then Closed
  it('try_send: Full, succeeds after recv, Closed after receiver gone', async () => {
    const ch = new Channel<number>(1);
    ch.pushNowait(1);
    expect(() => ch.pushNowait(2)).toThrow(ChannelFullError);
    expect(ch.tryPush(2)).toBe(false);
    expect(await ch.pull()).toBe(1);
    ch.pushNowait(3);
    ch.close();
    expect(() => ch.pushNowait(4)).toThrow(ChannelClosedError);
    expect(ch.tryPush(4)).toBe(false);
    // Difference: in Rust dropping the receiver discards the buffer; chanasync's close keeps it
    // readable (SPEC: "Values already in the buffer stay readable").
    expect(ch.pullNowait()).toBe(3);
  });

  // bounded.rs send: the second send on a full channel parks until a recv frees room
  it('send parks on full buffer and completes when room frees', async () => {
    const ch = new Channel<number>(1);
    await ch.push(7);
    const p = ch.push(8);
    expect(await settled(p)).toBe('pending');
    expect(ch.stats().waitingPushers).toBe(1);
    expect(await ch.pull()).toBe(7);
    await p;
    expect(ch.size).toBe(1);
    expect(await ch.pull()).toBe(8);
  });

  // bounded.rs force_send: adapted to 'drop-oldest' (the sliding buffer replaces the oldest)
  it('force_send ~ drop-oldest capacity 1: latest value wins', async () => {
    const ch = new Channel<number>(1, { overflow: 'drop-oldest' });
    ch.pushNowait(7);
    ch.pushNowait(8);
    expect(ch.pullNowait()).toBe(8);
    await ch.push(9);
    expect(await ch.pull()).toBe(9);
    ch.pushNowait(10);
    expect(await ch.pull()).toBe(10);
    ch.close();
    expect(() => ch.pushNowait(11)).toThrow(ChannelClosedError);
  });

  // bounded.rs send_after_close
  it('send after close fails (push, pushNowait, tryPush) and does not add the value', async () => {
    const ch = new Channel<number>(100);
    await ch.push(1);
    await ch.push(2);
    await ch.push(3);
    ch.close();
    await expect(ch.push(4)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(() => ch.pushNowait(5)).toThrow(ChannelClosedError);
    await expect(ch.push(6)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.size).toBe(3);
  });

  // bounded.rs recv_after_close
  it('recv after close drains buffered values, then fails', async () => {
    const ch = new Channel<number>(100);
    await ch.pushAll([1, 2, 3]);
    ch.close();
    expect(await ch.pull()).toBe(1);
    expect(await ch.pull()).toBe(2);
    expect(await ch.pull()).toBe(3);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // bounded.rs len: len never exceeds capacity while a sender and receiver race
  it('len stays within [0, capacity] under a producer/consumer race', async () => {
    const cap = 50;
    const ch = new Channel<number>(cap);
    const seen: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 2000; i++) {
        await ch.push(i);
        expect(ch.size).toBeLessThanOrEqual(cap);
      }
      ch.close();
    })();
    for await (const v of ch) {
      expect(ch.size).toBeGreaterThanOrEqual(0);
      expect(ch.size).toBeLessThanOrEqual(cap);
      seen.push(v);
    }
    await producer;
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  // bounded.rs receiver_count / sender_count: no equivalent (a JS channel has no handles to
  // count). Closest observable: stats() counts parked pushers/pullers.
  it('receiver_count ~ stats().waitingPullers counts parked pulls and drops on abort', async () => {
    const ch = new Channel<number>(1);
    const ac = new AbortController();
    const a = ch.pull({ signal: ac.signal });
    const b = ch.pull();
    expect(ch.stats().waitingPullers).toBe(2);
    ac.abort();
    await expect(a).rejects.toBe(ac.signal.reason);
    expect(ch.stats().waitingPullers).toBe(1);
    ch.pushNowait(1);
    expect(await b).toBe(1);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // bounded.rs close_wakes_sender
  it('close wakes a blocked sender with an error; its value is not added', async () => {
    const ch = new Channel<null>(1);
    await ch.push(null);
    const p = ch.push(null);
    ch.close();
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.size).toBe(1);
  });

  // bounded.rs close_wakes_receiver
  it('close wakes a blocked receiver with an error', async () => {
    const ch = new Channel<null>(1);
    const p = ch.pull();
    setTimeout(() => ch.close(), 1);
    await expect(p).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  // bounded.rs forget_blocked_sender: an abandoned (never awaited) parked send keeps its place.
  // In Rust the future is dropped at the end and its value 13 is never sent; the JS analogue of
  // dropping a pending future is aborting it.
  it('forget_blocked_sender: an aborted parked send leaves no value; the next sender gets its slot', async () => {
    const ch = new Channel<number>(2);
    await ch.push(3);
    await ch.push(7);
    const ac = new AbortController();
    const forgotten = ch.push(13, { signal: ac.signal });
    const s2 = ch.push(42);
    ac.abort();
    await expect(forgotten).rejects.toBe(ac.signal.reason);
    expect(await ch.pull()).toBe(3);
    expect(await ch.pull()).toBe(7);
    await s2;
    expect(ch.pullNowait()).toBe(42);
    expect(ch.size).toBe(0);
  });

  // bounded.rs forget_blocked_receiver
  it('forget_blocked_receiver: an aborted parked recv consumes nothing', async () => {
    const ch = new Channel<number>(2);
    const ac = new AbortController();
    const r1 = ch.pull({ signal: ac.signal });
    const r2 = ch.pull();
    ac.abort();
    await expect(r1).rejects.toBe(ac.signal.reason);
    await ch.push(3);
    await ch.push(7);
    expect(await r2).toBe(3);
    expect(ch.tryPush(42)).toBe(true);
    expect([ch.pullNowait(), ch.pullNowait()]).toEqual([7, 42]);
  });

  // bounded.rs spsc
  it('spsc: 20 000 values through capacity 3 arrive in order, then closed', async () => {
    const COUNT = 20_000;
    const ch = new Channel<number>(3);
    const consumer = (async () => {
      for (let i = 0; i < COUNT; i++) expect(await ch.pull()).toBe(i);
      await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
    })();
    for (let i = 0; i < COUNT; i++) await ch.push(i);
    ch.close();
    await consumer;
  });

  // bounded.rs mpmc
  it('mpmc: 4 producers x 4 consumers, each value received exactly THREADS times', async () => {
    const COUNT = 2500;
    const THREADS = 4;
    const ch = new Channel<number>(3);
    const counts = new Array<number>(COUNT).fill(0);
    const consumers = Array.from({ length: THREADS }, async () => {
      for (let i = 0; i < COUNT; i++) {
        const n = await ch.pull();
        counts[n] = (counts[n] ?? 0) + 1;
      }
    });
    const producers = Array.from({ length: THREADS }, async () => {
      for (let i = 0; i < COUNT; i++) await ch.push(i);
    });
    await Promise.all([...consumers, ...producers]);
    expect(counts.every((c) => c === THREADS)).toBe(true);
  });

  // bounded.rs mpmc_stream: the same with Stream::next ~ async iterators
  it('mpmc_stream: 4 iterators share values, each value delivered exactly once per send', async () => {
    const COUNT = 2500;
    const THREADS = 4;
    const ch = new Channel<number>(3);
    const counts = new Array<number>(COUNT).fill(0);
    const consumers = Array.from({ length: THREADS }, async () => {
      for await (const n of ch) counts[n] = (counts[n] ?? 0) + 1;
    });
    await Promise.all(
      Array.from({ length: THREADS }, async () => {
        for (let i = 0; i < COUNT; i++) await ch.push(i);
      }),
    );
    ch.close();
    await Promise.all(consumers);
    expect(counts.every((c) => c === THREADS)).toBe(true);
  });

  // bounded.rs "weak" (WeakSender/upgrade): no JS equivalent, skipped.
});

describe('async-channel unbounded.rs', () => {
  // unbounded.rs capacity: None
  it('unbounded capacity is Infinity, never full', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    expect(ch.capacity).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    expect(ch.full).toBe(false);
    expect(ch.size).toBe(1000);
  });

  // unbounded.rs len_empty_full
  it('len_empty_full on unbounded', async () => {
    const ch = new Channel<null>(Number.POSITIVE_INFINITY);
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
    await ch.push(null);
    expect([ch.size, ch.empty, ch.full]).toEqual([1, false, false]);
    await ch.pull();
    expect([ch.size, ch.empty, ch.full]).toEqual([0, true, false]);
  });

  // unbounded.rs send/try_send never block; send_after_close
  it('unbounded send resolves at once; after close fails', async () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    expect(await settled(ch.push(1))).toBe('fulfilled');
    ch.close();
    await expect(ch.push(2)).rejects.toBeInstanceOf(ChannelClosedError);
    expect(ch.tryPush(3)).toBe(false);
    expect(await ch.pull()).toBe(1);
    await expect(ch.pull()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  // unbounded.rs len: 25 000 sends then 25 000 recvs, len tracked exactly
  it('len tracks each send and recv', () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 5000; i++) {
      ch.pushNowait(i);
      expect(ch.size).toBe(i + 1);
    }
    for (let i = 0; i < 5000; i++) {
      expect(ch.pullNowait()).toBe(i);
      expect(ch.size).toBe(5000 - i - 1);
    }
  });

  // unbounded.rs close_signals_receiver / closed: close() on an already closed channel
  it('close is idempotent and reports closed', () => {
    const ch = new Channel<number>(Number.POSITIVE_INFINITY);
    expect(ch.closed).toBe(false);
    ch.close('a');
    ch.close('b');
    expect(ch.closed).toBe(true);
    const err = (() => {
      try {
        ch.pullNowait();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ChannelClosedError);
    expect((err as Error).cause).toBe('a');
  });

  // unbounded.rs spsc/mpmc + model: property test against an array FIFO
  it('property: any interleaving of try ops matches a plain-array FIFO model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.oneof(fc.constant<'pull'>('pull'), fc.integer({ min: 0, max: 99 })), { maxLength: 60 }),
        (cap, ops) => {
          const ch = new Channel<number>(cap);
          const model: number[] = [];
          for (const op of ops) {
            if (op === 'pull') {
              const got = ch.tryPull();
              expect(got).toBe(model.shift());
            } else {
              const ok = ch.tryPush(op);
              expect(ok).toBe(model.length < cap);
              if (ok) model.push(op);
            }
            expect(ch.size).toBe(model.length);
            expect(ch.full).toBe(model.length === cap);
            expect(ch.empty).toBe(model.length === 0);
          }
        },
      ),
    );
  });
});
