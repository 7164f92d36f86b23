/**
 * Audit AG: flume's tests (Rust), translated to chanasync.
 * Sources (https://github.com/zesterer/flume/blob/master/…): tests/basic.rs, tests/async.rs,
 * tests/stream.rs. flume's tests/select.rs is a commented-out copy of crossbeam's select.rs
 * (nothing runs there; crossbeam's is ported in crossbeam-select.test.ts); the live select
 * tests of flume are `select_general` and the `Selector` tests in basic.rs, ported here.
 *
 * Mapping: `unbounded()` ≈ `new Channel(Infinity)`, `bounded(n)` ≈ `new Channel(n)`; `send` /
 * `send_async` ≈ `push`, `recv` / `recv_async` ≈ `pull`, `try_send`/`try_recv` ≈
 * `pushNowait`/`pullNowait` (or `tryPush`/`tryPull`), `send_timeout`/`recv_timeout`/
 * `recv_deadline` ≈ `AbortSignal.timeout`, `iter()` ≈ `for await`, `try_iter()`/`drain()` ≈
 * `tryPull` until undefined (or `pullMany`), `stream()`/`into_stream()` ≈ async iteration and
 * `toReadableStream()`, `Selector` ≈ `select`; threads ≈ async functions; dropping every sender
 * or the receiver ≈ `close()`.
 *
 * Deliberate difference: Rust futures are lazy, so a `recv_async()` future that is never
 * polled and then dropped never takes a value; a chanasync `pull()` is an operation that starts
 * at once (a promise), so a pull nobody awaits still takes a value. Abandoning it is what its
 * `signal` is for: aborted, it leaves no trace and takes nothing (async.rs `async_recv_drop_recv`).
 * Timing assertions (flume checks a 350 ms timeout to ±5 ms) are kept only as generous lower
 * bounds: the machine is shared.
 */

import { Channel, ChannelClosedError, ChannelEmptyError, ChannelFullError, pull, push, select } from 'chanasync';
import { describe, expect, it } from 'vitest';
import { rejection, settle, sleep, track, until } from './util.js';

const INF = Number.POSITIVE_INFINITY;
const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const drain = <T>(ch: Channel<T>): T[] => {
  const out: T[] = [];
  while (!ch.empty) out.push(ch.pullNowait());
  return out;
};

describe('flume tests/basic.rs', () => {
  it('send_recv', async () => {
    const ch = new Channel<number>(INF);
    for (let i = 0; i < 1000; i++) await ch.push(i);
    for (let i = 0; i < 1000; i++) expect(ch.pullNowait()).toBe(i);
    expect(ch.tryPull()).toBeUndefined();
  });

  it('iter', async () => {
    const ch = new Channel<number>(INF);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    ch.close();
    let total = 0;
    for await (const v of ch) total += v;
    expect(total).toBe((999 * 1000) / 2);
  });

  it('try_iter', () => {
    const ch = new Channel<number>(INF);
    for (let i = 0; i < 1000; i++) ch.pushNowait(i);
    expect(sum(drain(ch))).toBe((999 * 1000) / 2);
  });

  // iter_threaded: a thread sends 0..1000 with a pause, the main thread iterates.
  it('iter_threaded', async () => {
    const ch = new Channel<number>(INF);
    void (async () => {
      await sleep(5);
      for (let i = 0; i < 1000; i++) ch.pushNowait(i);
      ch.close();
    })();
    let total = 0;
    for await (const v of ch) total += v;
    expect(total).toBe((999 * 1000) / 2);
  });

  // send_timeout: 42 fits, 43 times out after about the timeout, drain finds one value; after
  // the receiver is gone, a send_timeout fails.
  it('send_timeout', async () => {
    const ch = new Channel<number>(1);
    await ch.push(42, { signal: AbortSignal.timeout(350) });
    const then = Date.now();
    expect(isTimeout(await rejection(ch.push(43, { signal: AbortSignal.timeout(100) })))).toBe(true);
    expect(Date.now() - then).toBeGreaterThanOrEqual(90);
    expect(drain(ch)).toEqual([42]);
    ch.close();
    expect(await rejection(ch.push(42, { signal: AbortSignal.timeout(350) }))).toBeInstanceOf(ChannelClosedError);
  });

  // recv_timeout: a thread sends after a while; recv_timeout either gets it or times out, and
  // in the end the value arrives.
  it('recv_timeout', async () => {
    const ch = new Channel<number>(INF);
    const then = Date.now();
    expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(50) })))).toBe(true);
    expect(Date.now() - then).toBeGreaterThanOrEqual(40);
    setTimeout(() => ch.pushNowait(42), 5);
    expect(await ch.pull({ signal: AbortSignal.timeout(10_000) })).toBe(42);
  });

  // recv_deadline: times out after the deadline, then a value already there is returned at
  // once, without waiting.
  it('recv_deadline', async () => {
    const ch = new Channel<number>(INF);
    const then = Date.now();
    expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(100) })))).toBe(true);
    expect(Date.now() - then).toBeGreaterThanOrEqual(90);
    ch.pushNowait(42);
    const got = track(ch.pull({ signal: AbortSignal.timeout(100) }));
    await Promise.resolve();
    await Promise.resolve();
    expect(got.state).toBe('fulfilled');
    expect(got.value).toBe(42);
  });

  // recv_timeout_missed_send: the timed-out recv must not take a later value.
  it('recv_timeout_missed_send', async () => {
    const ch = new Channel<number>(10);
    expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(20) })))).toBe(true);
    await ch.push(42);
    expect(await ch.pull()).toBe(42);
  });

  it('disconnect_tx', async () => {
    const ch = new Channel<void>(INF);
    ch.close();
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  it('disconnect_rx', async () => {
    const ch = new Channel<number>(INF);
    ch.close();
    expect(await rejection(ch.push(0))).toBeInstanceOf(ChannelClosedError);
  });

  // drain: drain() takes what is there; then recv + iteration continue in order.
  it('drain', async () => {
    const ch = new Channel<number>(INF);
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    expect(sum(await ch.pullMany(1000))).toBe((99 * 100) / 2);
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    for (let i = 0; i < 100; i++) ch.pushNowait(i);
    await ch.pull();
    ch.close();
    const expected = [...Array.from({ length: 99 }, (_, i) => i + 1), ...Array.from({ length: 100 }, (_, i) => i)];
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual(expected);
  });

  it('try_send', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) ch.pushNowait(i);
    expect(() => ch.pushNowait(42)).toThrow(ChannelFullError);
    expect(await ch.pull()).toBe(0);
    ch.pushNowait(42);
    expect(await ch.pull()).toBe(1);
    ch.close();
    expect(() => ch.pushNowait(42)).toThrow(ChannelClosedError);
  });

  // send_bounded: 100 senders × 10 000 values through a capacity-5 channel; the sum arrives.
  it('send_bounded', async () => {
    const ch = new Channel<number>(5);
    for (let i = 0; i < 5; i++) await ch.push(42);
    await ch.pull();
    await ch.push(42);
    expect(ch.tryPush(42)).toBe(false);
    drain(ch);
    const SENDERS = 100;
    const N = 1000; // scaled down from 10 000
    const senders = Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let i = 0; i < N; i++) await ch.push(i);
      }),
    ).then(() => ch.close());
    let total = 0;
    for await (const v of ch) total += v;
    await senders;
    expect(total).toBe(((N * (N - 1)) / 2) * SENDERS);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // rendezvous: try_send fails on a rendezvous channel with no receiver; send completes only
  // once the receiver came.
  it('rendezvous', async () => {
    const ch = new Channel<void>(0);
    for (let i = 0; i < 5; i++) {
      expect(() => ch.pushNowait()).toThrow(ChannelFullError);
      const sent = track(ch.push());
      await sleep(20);
      expect(sent.state).toBe('pending');
      await ch.pull();
      await settle(1);
      expect(sent.state).toBe('fulfilled');
    }
  });

  // hydra: 32 relays forward into one main channel; 10 rounds of 32 × 1000 messages; once the
  // relays' inputs are gone and they stop, main ends.
  it('hydra', async () => {
    const THREADS = 32;
    const MSGS = 200; // scaled down from 1000
    const main = new Channel<void>(INF);
    const inputs = Array.from({ length: THREADS }, () => new Channel<void>(INF));
    const relays = inputs.map(async (rx) => {
      for await (const msg of rx) main.pushNowait(msg);
    });
    for (let round = 0; round < 10; round++) {
      for (const tx of inputs) for (let i = 0; i < MSGS; i++) tx.pushNowait();
      for (let i = 0; i < THREADS * MSGS; i++) await main.pull();
    }
    for (const tx of inputs) tx.close();
    await Promise.all(relays);
    main.close(); // the last relay's sender gone
    expect(await rejection(main.pull())).toBeInstanceOf(ChannelClosedError);
  });

  // robin: a ring of 32 bounded relays; 10 producers of 10 messages; all come out at the end.
  it('robin', async () => {
    const THREADS = 32;
    const MSGS = 10;
    const mainRx = new Channel<void>(1);
    let mainTx = mainRx;
    const stops: Channel<void>[] = [];
    for (let t = 0; t < THREADS; t++) {
      const rx = new Channel<void>(100);
      const tx = mainTx;
      mainTx = rx;
      stops.push(rx);
      void (async () => {
        for await (const msg of rx) await tx.push(msg);
      })();
    }
    for (let round = 0; round < 10; round++) {
      const producer = (async () => {
        for (let i = 0; i < MSGS; i++) await mainTx.push();
      })();
      for (let i = 0; i < MSGS; i++) await mainRx.pull({ signal: AbortSignal.timeout(10_000) });
      await producer;
    }
    for (const rx of stops) rx.close();
  });

  // select_general: a Selector over a bounded and an unbounded receiver gets one Foo; the
  // other is still there for a plain recv; then a Selector send parks until a late recv.
  it('select_general', async () => {
    type Foo = { n: number };
    const rx0 = new Channel<Foo>(1);
    const rx1 = new Channel<Foo>(INF);
    setTimeout(() => void rx0.push({ n: 0 }), 5);
    setTimeout(() => void rx1.push({ n: 1 }), 5);
    const x = await select([pull(rx0), pull(rx1)]);
    if (x.value?.n === 0) expect((await rx1.pull()).n).toBe(1);
    else expect((await rx0.pull()).n).toBe(0);
    await rx0.push({ n: 42 });
    const receiver = (async () => {
      await sleep(5);
      return [(await rx0.pull()).n, (await rx0.pull()).n];
    })();
    await select([push(rx0, { n: 43 })]);
    expect(await receiver).toEqual([42, 43]);
  });

  // wait_on_empty_selector_panics / wait_timeout_on_empty_selector_times_out: flume panics on
  // an empty wait() and times out an empty wait_timeout(). chanasync: a select with no case
  // rejects with TypeError (both); selectNowait returns undefined.
  it('wait_on_empty_selector_panics', async () => {
    expect(await rejection(select([]))).toBeInstanceOf(TypeError);
  });
  it('wait_timeout_on_empty_selector_times_out (contract: TypeError, not a timeout)', async () => {
    expect(await rejection(select([], { signal: AbortSignal.timeout(10) }))).toBeInstanceOf(TypeError);
  });

  // std_error_without_debug: flume's errors are std errors. chanasync's are Errors with a
  // name and a message naming the channel and the operation.
  it('std_error_without_debug', () => {
    const ch = new Channel<number>(0, { name: 'jobs' });
    let error: unknown;
    try {
      ch.pushNowait(1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ChannelFullError);
    expect((error as Error).name).toBe('ChannelFullError');
    expect((error as Error).message).toContain('jobs');
    expect(String(error)).toContain('ChannelFullError');
  });
});

describe('flume tests/async.rs', () => {
  it('async_recv', async () => {
    const ch = new Channel<number>(INF);
    setTimeout(() => ch.pushNowait(42), 10);
    expect(await ch.pull()).toBe(42);
  });

  it('async_send', async () => {
    const ch = new Channel<number>(1);
    const receiver = (async () => {
      await sleep(10);
      return ch.pull();
    })();
    await ch.push(42);
    expect(await receiver).toBe(42);
  });

  it('async_recv_disconnect', async () => {
    const ch = new Channel<number>(0);
    setTimeout(() => ch.close(), 10);
    expect(await rejection(ch.pull())).toBeInstanceOf(ChannelClosedError);
  });

  it('async_send_disconnect', async () => {
    const ch = new Channel<number>(0);
    setTimeout(() => ch.close(), 10);
    expect(await rejection(ch.push(42))).toBeInstanceOf(ChannelClosedError);
  });

  // async_recv_drop_recv: a recv that timed out and a recv that was dropped take nothing; a
  // second receiver gets the 42. (Contract difference: an eager pull must be aborted to be
  // dropped; a pull left pending would take the value.)
  it('async_recv_drop_recv', async () => {
    const ch = new Channel<number>(10);
    const dropped = new AbortController();
    const recvFut = track(ch.pull({ signal: dropped.signal }));
    expect(isTimeout(await rejection(ch.pull({ signal: AbortSignal.timeout(50) })))).toBe(true);
    dropped.abort(); // drop(recv_fut)
    const rx2 = ch.pull();
    await sleep(10);
    ch.pushNowait(42);
    expect(await rx2).toBe(42);
    expect(await rejection(recvFut.promise)).toBeInstanceOf(DOMException);
  });
  it('async_recv_drop_recv: a pull left pending is not a dropped future (contract)', async () => {
    const ch = new Channel<number>(10);
    const neverAwaited = ch.pull();
    const rx2 = track(ch.pull());
    ch.pushNowait(42);
    expect(await neverAwaited).toBe(42); // eager: the first parked pull takes it (FIFO)
    await settle(1);
    expect(rx2.state).toBe('pending');
    ch.close();
    await settle(1);
    expect(rx2.state).toBe('rejected');
  });

  // async_send_1_million_no_drop_or_reorder (scaled to 100 000)
  it('async_send_1_million_no_drop_or_reorder', async () => {
    type Message = { kind: 'inc'; old: number } | { kind: 'count' };
    const ch = new Channel<Message>(INF);
    const counter = (async () => {
      let count = 0;
      for (;;) {
        const m = await ch.pull();
        if (m.kind !== 'inc') return count;
        expect(m.old).toBe(count);
        count++;
      }
    })();
    for (let next = 0; next < 100_000; next++) ch.pushNowait({ kind: 'inc', old: next });
    ch.pushNowait({ kind: 'count' });
    expect(await counter).toBe(100_000);
  });

  // parallel_async_receivers: 250 receivers, one sender of 100 000 values; all end once the
  // sender is done (here: closes), and every value is received exactly once.
  it('parallel_async_receivers', async () => {
    const ch = new Channel<void>(INF);
    const N = 100_000;
    void (async () => {
      for (let i = 0; i < N; i++) await ch.push();
      ch.close();
    })();
    let received = 0;
    await Promise.all(
      Array.from({ length: 250 }, async () => {
        for (;;) {
          try {
            await ch.pull();
            received++;
          } catch (e) {
            expect(e).toBeInstanceOf(ChannelClosedError);
            return;
          }
        }
      }),
    );
    expect(received).toBe(N);
  });

  // change_waker: the future is polled from a second task: only the latest waker is woken.
  // chanasync's counterpart: one promise, any number of awaiters, all see the one result,
  // and the push commits once.
  it('change_waker', async () => {
    const ch = new Channel<void>(1);
    ch.pushNowait();
    const sendFut = ch.push();
    const [a, b] = [sendFut.then(() => 1), sendFut.then(() => 2)];
    await ch.pull();
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(ch.size).toBe(1); // committed once
    await ch.pull();
    const recvFut = ch.pull();
    const [c, d] = [recvFut, recvFut.then((v) => v)];
    ch.pushNowait();
    await Promise.all([c, d]);
    expect(ch.size).toBe(0);
  });

  // spsc_single_threaded_value_ordering: producer/consumer in one select-raced pair.
  it('spsc_single_threaded_value_ordering', async () => {
    const ch = new Channel<number>(4);
    let expected = 0;
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await ch.push(i);
    })();
    const consumer = (async () => {
      for (;;) {
        const v = await ch.pull();
        expect(v).toBe(expected);
        expected++;
      }
    })();
    await Promise.race([producer, consumer]);
    await until(() => expected === 100);
    ch.close();
    await consumer.catch(() => {});
  });
});

describe('flume tests/stream.rs', () => {
  it('stream_recv', async () => {
    const ch = new Channel<number>(INF);
    setTimeout(() => ch.pushNowait(42), 10);
    const it = ch[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 42, done: false });
    await it.return?.();
  });

  it('stream_recv_disconnect', async () => {
    const ch = new Channel<number>(0);
    setTimeout(() => ch.close(), 10);
    const it = ch[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(true);
  });

  // stream_recv_drop_recv: a stream's pending next() that is dropped takes nothing; another
  // receiver gets the value. (Contract: leaving a loop early loses nothing; an abandoned pending
  // next() is withdrawn by return().)
  it('stream_recv_drop_recv', async () => {
    const ch = new Channel<number>(10);
    const reader = ch.toReadableStream().getReader();
    const pending = reader.read();
    // async_std::future::timeout(500 ms, stream.next()): nothing arrives in time.
    expect(await Promise.race([pending, sleep(50).then(() => 'timeout' as const)])).toBe('timeout');
    // Dropping the stream ≈ cancelling it: its pending read ends, its parked pull is withdrawn.
    await reader.cancel();
    expect(await pending).toEqual({ value: undefined, done: true });
    const rx2 = ch.pull();
    await sleep(10);
    ch.pushNowait(42);
    expect(await rx2).toBe(42);
    expect(ch.stats().waitingPullers).toBe(0);
  });

  it('stream_drop_send_disconnect', async () => {
    const ch = new Channel<number>(1);
    setTimeout(() => ch.close(), 10);
    const reader = ch.toReadableStream().getReader();
    expect((await reader.read()).done).toBe(true);
  });

  // stream_send_1_million_no_drop_or_reorder (scaled to 100 000), through a ReadableStream.
  it('stream_send_1_million_no_drop_or_reorder', async () => {
    type Message = { kind: 'inc'; old: number } | { kind: 'count' };
    const ch = new Channel<Message>(INF);
    const counter = (async () => {
      let count = 0;
      for await (const m of ch.toReadableStream() as unknown as AsyncIterable<Message>) {
        if (m.kind !== 'inc') return count;
        expect(m.old).toBe(count);
        count++;
      }
      return -1;
    })();
    for (let next = 0; next < 100_000; next++) ch.pushNowait({ kind: 'inc', old: next });
    ch.pushNowait({ kind: 'count' });
    expect(await counter).toBe(100_000);
  });

  // parallel_streams_and_async_recv: 250 consumers, half iterating, half pulling.
  it('parallel_streams_and_async_recv', async () => {
    const ch = new Channel<void>(INF);
    const N = 50_000;
    void (async () => {
      for (let i = 0; i < N; i++) await ch.push();
      ch.close();
    })();
    let received = 0;
    await Promise.all(
      Array.from({ length: 250 }, async (_, n) => {
        if (n % 2 === 0) {
          for await (const _ of ch) received++;
        } else {
          for (;;) {
            try {
              await ch.pull();
              received++;
            } catch {
              return;
            }
          }
        }
      }),
    );
    expect(received).toBe(N);
  });

  // stream_no_double_wake: one pending next(), three sends: the consumer gets the first,
  // the other two stay buffered (nothing duplicated, nothing lost).
  it('stream_no_double_wake', async () => {
    const ch = new Channel<number>(INF);
    const it = ch[Symbol.asyncIterator]();
    const next = it.next();
    ch.pushNowait(1);
    ch.pushNowait(2);
    ch.pushNowait(3);
    expect(await next).toEqual({ value: 1, done: false });
    expect(ch.size).toBe(2);
    await it.return?.();
    expect(drain(ch)).toEqual([2, 3]);
  });

  // stream_forward_issue_55: a stream forwarded into a bounded channel's sink while the
  // receiver's stream is consumed: all 1000 arrive, both tasks end.
  it('stream_forward_issue_55', async () => {
    const ch = new Channel<number>(100);
    const source = Channel.from(
      (function* () {
        for (let i = 0; i < 1000; i++) yield i;
      })(),
    );
    const sendTask = (async () => {
      for await (const v of source) await ch.push(v);
      ch.close();
    })();
    let n = 0;
    for await (const _ of ch) n++;
    await sendTask;
    expect(n).toBe(1000);
  });
});
void ChannelEmptyError;
